"""Positioning hints from landmarks: framing, view and camera tilt."""

from __future__ import annotations

import numpy as np
import pytest
from live_support import FRAME, feet_cut_cam, front_cam, side_cam

from hipsight.live.positioning import (
    HINT_FAR,
    HINT_FEET,
    HINT_FRONT,
    HINT_NO_PERSON,
    HINT_SIDE,
    check_position,
    estimate_tilt,
)
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Gates
from hipsight.samples.synthetic import Pose, make_sequence, side_camera, with_nan_gap


def window(pose: Pose | None = None, camera=None, n: int = 20) -> PoseSequence:
    return make_sequence(pose or Pose(), camera or side_cam(), n_frames=n).sequence


def test_in_position_gives_no_hint() -> None:
    check = check_position(window(), ["side"], Gates())
    assert check.ok and check.view == "side" and check.advisory == ()


def test_feet_cut_off_asks_to_step_back() -> None:
    check = check_position(window(camera=feet_cut_cam()), ["side"], Gates())
    assert check.hints[0] == HINT_FEET == "step back, your feet are not visible"


def test_front_view_when_side_needed_asks_to_turn_sideways() -> None:
    check = check_position(window(camera=front_cam()), ["side"], Gates())
    assert check.hints == (HINT_SIDE,) and check.view == "front"


def test_side_view_when_front_needed_asks_to_face_the_camera() -> None:
    check = check_position(window(), ["front"], Gates())
    assert check.hints == (HINT_FRONT,)


def test_any_accepted_view_is_fine() -> None:
    assert check_position(window(camera=front_cam()), ["side", "front"], Gates()).ok


def test_oblique_view_is_not_a_side_view() -> None:
    check = check_position(window(camera=side_cam(yaw_deg=45)), ["side"], Gates())
    assert check.view == "oblique" and HINT_SIDE in check.hints


def test_nobody_in_the_latest_frame() -> None:
    seq = with_nan_gap(window(), 15, 20)
    assert check_position(seq, ["side"], Gates()).hints == (HINT_NO_PERSON,)


def test_a_small_far_away_person_is_asked_to_come_closer() -> None:
    far = side_camera(image_size=FRAME, focal_px=180.0)
    assert check_position(window(camera=far), ["side"], Gates()).hints == (HINT_FAR,)


def test_low_visibility_feet_count_as_not_visible() -> None:
    seq = window()
    vis = seq.visibility.copy()
    vis[:, 27:33] = 0.1
    hidden = PoseSequence.from_arrays(
        seq.t, seq.image_xy, seq.meta, seq.world_xyz, vis, seq.presence
    )
    assert HINT_FEET in check_position(hidden, ["side"], Gates()).hints


@pytest.mark.parametrize("roll", [5.0, -7.0])
def test_a_tilted_camera_is_noticed_in_a_still_front_view(roll: float) -> None:
    check = check_position(window(camera=front_cam(roll_deg=roll)), ["front"], Gates())
    assert check.ok  # advisory only: it never blocks the start
    assert check.tilt_deg == pytest.approx(roll, abs=0.5)
    assert check.advisory == (f"camera is tilted by {round(abs(roll))}°, please level it",)


def test_no_tilt_hint_when_a_calibration_gives_the_roll() -> None:
    check = check_position(
        window(camera=front_cam(roll_deg=5.0)), ["front"], Gates(), roll_known=5.0
    )
    assert check.advisory == () and check.tilt_deg is None


def test_a_hip_hike_with_level_shoulders_is_not_a_tilted_camera() -> None:
    seq = window(Pose(pelvic_obliquity_deg=6.0, trunk_lateral_lean_deg=6.0), front_cam())
    assert estimate_tilt(np.nanmedian(seq.image_xy, axis=0)) is None
    assert check_position(seq, ["front"], Gates()).advisory == ()


def test_a_moving_person_gives_no_tilt_estimate() -> None:
    t = np.arange(20) / 30.0
    sway = Pose(pelvis_xyz=np.stack([np.zeros(20), 0.95 + 0 * t, 0.3 * np.sin(8 * t)], axis=1))
    check = check_position(
        make_sequence(sway, front_cam(roll_deg=6.0), t=t).sequence, ["front"], Gates()
    )
    assert check.tilt_deg is None
