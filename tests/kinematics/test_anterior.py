from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.anterior import estimate_sagittal_sense
from hipsight.pose import landmarks as lm
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    front_camera,
    make_sequence,
    ramp,
    side_camera,
    time_axis,
)

T = time_axis(2.0, 30.0)
HEAD = (lm.NOSE, lm.LEFT_EAR, lm.RIGHT_EAR)
FEET = (lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX)


def sense(pose: Pose, camera: Camera | None = None, drop: tuple[int, ...] = ()) -> np.ndarray:
    camera = side_camera("left") if camera is None else camera
    seq = make_sequence(pose, camera, n_frames=T.size).sequence
    xy = seq.image_xy.copy()
    xy[:, list(drop)] = np.nan
    return estimate_sagittal_sense(xy, seq.t)


def test_facing_image_left_is_plus_one_and_image_right_minus_one() -> None:
    # from the person's left side they face image-left; from the right side, image-right
    np.testing.assert_array_equal(sense(Pose()), 1.0)
    np.testing.assert_array_equal(sense(Pose(), side_camera("right")), -1.0)
    np.testing.assert_array_equal(sense(Pose(body_yaw_deg=180.0)), -1.0)


@pytest.mark.parametrize("pitch", [90.0, -90.0, 45.0])
def test_sense_does_not_depend_on_lying_or_leaning(pitch: float) -> None:
    pose = Pose(pelvis_xyz=(0.0, 0.3, 0.0), body_pitch_deg=pitch, left_knee_flexion_deg=60.0)
    np.testing.assert_array_equal(sense(pose, side_camera("left", target=(0.0, 0.3, 0.0))), 1.0)


def test_each_cue_alone_is_enough() -> None:
    np.testing.assert_array_equal(sense(Pose(), drop=FEET), 1.0)
    np.testing.assert_array_equal(sense(Pose(), drop=HEAD), 1.0)
    np.testing.assert_array_equal(sense(Pose(head_yaw_deg=85.0)), 1.0)  # looking at the camera


def test_front_view_is_undetermined_and_missing_cues_hold_the_last_decision() -> None:
    seq = make_sequence(Pose(), front_camera(), n_frames=T.size).sequence
    np.testing.assert_array_equal(estimate_sagittal_sense(seq.image_xy, seq.t), 0.0)
    side = make_sequence(Pose(), side_camera("left"), n_frames=T.size).sequence
    xy = side.image_xy.copy()
    xy[20:50] = np.nan
    np.testing.assert_array_equal(estimate_sagittal_sense(xy, side.t), 1.0)


def test_turning_around_flips_the_sense_once() -> None:
    t = time_axis(4.0, 30.0)
    seq = make_sequence(
        Pose(body_yaw_deg=ramp(t, 0.0, 180.0, 1.0, 3.0)), side_camera("left")
    ).sequence
    out = estimate_sagittal_sense(seq.image_xy, seq.t)
    assert (out[t < 1.5] == 1.0).all()
    assert (out[t > 2.5] == -1.0).all()
    assert np.count_nonzero(np.diff(out)) == 1


def test_rejects_a_wrong_shape() -> None:
    with pytest.raises(
        ValueError, match=r"image_xy must have shape \(T, 33, 2\), got \(5, 33, 3\)"
    ):
        estimate_sagittal_sense(np.zeros((5, 33, 3)), np.arange(5.0))
