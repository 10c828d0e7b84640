"""Body length, standing still and the camera roll shown by a standing person."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.stance import (
    roll_from_line,
    roll_from_up,
    stance_rolls,
    still_body_frames,
)
from hipsight.pose import landmarks as lm
from hipsight.samples.synthetic import Pose, front_camera, make_sequence, sinusoid, time_axis


def test_still_frames_follow_the_motion_and_ignore_jitter() -> None:  # from test_level.py
    t = time_axis(4.0)
    abduction = np.where(t < 2.0, 0.0, sinusoid(t, 0.0, 30.0, 1.0))  # leg swings out and back
    seq = make_sequence(
        Pose(left_hip_abduction_deg=abduction), front_camera(), t=t, jitter_px=1.0
    ).sequence
    still = still_body_frames(seq)
    assert still[t < 1.7].all()
    assert not still[t > 2.5].any()


def test_a_body_that_is_never_seen_is_never_still() -> None:
    seq = make_sequence(Pose(), front_camera(), n_frames=10).sequence
    hidden = seq.with_image_xy(np.full_like(seq.image_xy, np.nan), "hidden")  # the NaN twin
    assert still_body_frames(seq).all()
    assert not still_body_frames(hidden).any()


@pytest.mark.parametrize(
    ("up", "roll"),
    [((0.0, -1.0), 0.0), ((-1.0, -1.0), 45.0), ((1.0, -1.0), -45.0), ((0.0, -1.0, 0.3), 0.0)],
)
def test_roll_from_up(up: tuple[float, ...], roll: float) -> None:
    assert float(roll_from_up(up)) == pytest.approx(roll)


def test_roll_from_line_ignores_the_lines_direction() -> None:
    # a line falling to the right by 10° in the image (y down) is levelled by a roll of -10°
    v = np.array([np.cos(np.radians(10)), np.sin(np.radians(10))])
    assert float(roll_from_line(v)) == pytest.approx(-10.0)
    assert float(roll_from_line(-v)) == pytest.approx(-10.0)


def test_a_person_on_a_rolled_camera_shows_the_roll_three_ways() -> None:
    seq = make_sequence(Pose(), front_camera(roll_deg=4.0), n_frames=3).sequence
    rolls = stance_rolls(seq.image_xy)
    for name in ("axis", "hips", "shoulders"):
        assert rolls[name].shape == (3,)
        np.testing.assert_allclose(rolls[name], 4.0, atol=0.5)
    one = stance_rolls(seq.image_xy[0])  # one pose (33, 2) gives scalars
    assert float(one["axis"]) == pytest.approx(float(rolls["axis"][0]))


def test_stance_rolls_checks_the_shape() -> None:
    with pytest.raises(ValueError, match=r"xy must have shape \(\.\.\., 33, 2\), got \(2, 2\)"):
        stance_rolls(np.zeros((2, 2)))
    assert lm.N_LANDMARKS == 33
