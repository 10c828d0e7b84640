"""Left/right swap repair: injected bursts are swapped back, clean motion is never touched."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.swaps import find_side_swaps, repair_side_swaps
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    smooth_ramp,
    time_axis,
    with_nan_gap,
    with_swapped_sides,
)
from synthetic_cases import frontal_pose, sagittal_pose

T = time_axis(6.0)
LEGS = tuple(range(lm.LEFT_KNEE, lm.RIGHT_FOOT_INDEX + 1))
FEET = tuple(range(lm.LEFT_ANKLE, lm.RIGHT_FOOT_INDEX + 1))
LOWER_BODY = tuple(range(lm.LEFT_HIP, lm.RIGHT_FOOT_INDEX + 1))
BODY = list(range(lm.LEFT_SHOULDER, lm.N_LANDMARKS))
FACE = list(range(lm.NOSE, lm.LEFT_SHOULDER))
ARRAYS = ("image_xy", "world_xyz", "visibility", "presence")


def walk_pose(t: np.ndarray) -> Pose:
    return Pose(
        left_hip_flexion_deg=sinusoid(t, 25.0, -15.0, 1.0),
        right_hip_flexion_deg=sinusoid(t, 25.0, -15.0, 1.0, 180.0),
        left_knee_flexion_deg=sinusoid(t, 5.0, 60.0, 1.0, -79.0),
        right_knee_flexion_deg=sinusoid(t, 5.0, 60.0, 1.0, 101.0),
        left_shoulder_flexion_deg=sinusoid(t, -12.0, 8.0, 1.0),
        right_shoulder_flexion_deg=sinusoid(t, -12.0, 8.0, 1.0, 180.0),
    )


def kicks(t: np.ndarray) -> Pose:
    """Fast, full-range alternating kicks (2 Hz): legs pass each other at ~5 m/s."""
    return Pose(
        left_hip_flexion_deg=sinusoid(t, -20.0, 90.0, 0.5),
        right_hip_flexion_deg=sinusoid(t, -20.0, 90.0, 0.6),
        left_knee_flexion_deg=sinusoid(t, 0.0, 120.0, 0.5),
        right_hip_abduction_deg=sinusoid(t, 0.0, 40.0, 0.4),
    )


def turning_around(t: np.ndarray) -> Pose:
    """Turning from facing the camera to the back to it in 1.5 s, lifting a knee meanwhile."""
    return Pose(
        body_yaw_deg=smooth_ramp(t, 0.0, 180.0, 1.0, 2.5),
        left_hip_flexion_deg=sinusoid(t, 0.0, 60.0, 1.0),
    )


CLEAN = {
    "sagittal, side view": (sagittal_pose, "side"),
    "sagittal, front view": (sagittal_pose, "front"),
    "frontal motion": (frontal_pose, "front"),
    "squat, front": (motions.squat, "front"),
    "squat, side": (motions.squat, "side"),
    "single-leg stance": (motions.single_leg_stance, "front"),
    "walking, side": (walk_pose, "side"),
    "turning around": (turning_around, "front"),
    "fast kicks, front": (kicks, "front"),
    "fast kicks, side": (kicks, "side"),
}


def film(name: str, jitter_px: float = 3.0) -> SyntheticSequence:
    make_pose, view = CLEAN[name]
    camera = side_camera("left") if view == "side" else front_camera()
    return make_sequence(make_pose(T), camera, jitter_px=jitter_px, jitter_world_m=0.01)


@pytest.mark.parametrize("name", sorted(CLEAN))
@pytest.mark.parametrize("jitter_px", [0.0, 3.0])
def test_clean_motion_is_never_repaired(name: str, jitter_px: float) -> None:
    seq = film(name, jitter_px).sequence
    found = find_side_swaps(seq)
    assert found.bursts == ()
    repaired = repair_side_swaps(seq)
    for array in ARRAYS:
        np.testing.assert_array_equal(getattr(repaired, array), getattr(seq, array))
    step = repaired.meta.provenance[-1]
    assert step.name == "repair_side_swaps"
    assert (step.params["frames_repaired"], step.params["frames_ambiguous"]) == (0, 0)


@pytest.mark.parametrize(
    ("name", "landmarks"),
    [
        ("single-leg stance", None),
        ("single-leg stance", LEGS),
        ("single-leg stance", FEET),
        ("squat, front", LOWER_BODY),
        ("squat, side", LEGS),
        ("walking, side", None),
        ("walking, side", LEGS),
        ("frontal motion", (lm.LEFT_KNEE,)),
        ("sagittal, side view", None),
    ],
)
@pytest.mark.parametrize(("start", "length"), [(90, 15), (40, 1), (120, 2), (60, 25)])
def test_injected_burst_is_swapped_back_exactly(
    name: str, landmarks: tuple[int, ...] | None, start: int, length: int
) -> None:
    clean = film(name).sequence
    swapped = with_swapped_sides(clean, start, start + length, landmarks)
    assert not np.array_equal(swapped.image_xy, clean.image_xy)  # the burst did change labels

    repaired = repair_side_swaps(swapped)

    for array in ARRAYS:
        got, want = getattr(repaired, array), getattr(clean, array)
        np.testing.assert_array_equal(got[:, BODY], want[:, BODY])
        # the face's sides can overlap (side view): then its labels go missing, never wrong
        face_ok = (got[:, FACE] == want[:, FACE]) | np.isnan(got[:, FACE])
        assert face_ok.all()
    step = repaired.meta.provenance[-1]
    assert step.params["frames_repaired"] == length
    assert step.params["frames_ambiguous"] == 0


def test_burst_longer_than_the_limit_becomes_missing_not_a_guess() -> None:
    clean = film("single-leg stance").sequence
    swapped = with_swapped_sides(clean, 60, 120, LEGS)  # 2 s

    repaired = repair_side_swaps(swapped, max_burst_s=1.0)

    legs = list(LEGS)
    assert np.isnan(repaired.image_xy[60:120, legs]).all()
    assert np.isnan(repaired.visibility[60:120, legs]).all()
    np.testing.assert_array_equal(repaired.image_xy[:60], clean.image_xy[:60])
    np.testing.assert_array_equal(repaired.image_xy[120:], clean.image_xy[120:])
    assert repaired.meta.provenance[-1].params["frames_repaired"] == 0
    assert repaired.meta.provenance[-1].params["frames_ambiguous"] == 60
    # with a longer limit the same burst is repaired
    np.testing.assert_array_equal(
        repair_side_swaps(swapped, max_burst_s=2.5).image_xy, clean.image_xy
    )


def test_burst_with_an_unseen_end_becomes_missing() -> None:
    clean = film("single-leg stance").sequence
    at_start = repair_side_swaps(with_swapped_sides(clean, 0, 10, LEGS))
    assert np.isnan(at_start.image_xy[:10, list(LEGS)]).all()
    assert at_start.meta.provenance[-1].params["frames_ambiguous"] == 10

    # a swap that ends in a gap longer than MAX_BRIDGE_S (0.5 s here): its end is not seen
    gap = with_nan_gap(with_swapped_sides(clean, 50, 60, LEGS), 60, 75)
    repaired = repair_side_swaps(gap)
    assert np.isnan(repaired.image_xy[50:60, list(LEGS)]).all()
    np.testing.assert_array_equal(repaired.image_xy[80:], clean.image_xy[80:])


@pytest.mark.parametrize(("gap_start", "gap_stop"), [(55, 58), (51, 59), (52, 53)])
def test_a_short_gap_inside_a_burst_is_bridged(gap_start: int, gap_stop: int) -> None:
    """Dropped frames (up to MAX_BRIDGE_S) inside a burst: its two halves are one burst, seen
    at both ends, and swapped back instead of made missing (a dropped frame inside a swap cut a
    10 s single-leg hold to 5.1 s: each half had an unseen end)."""
    clean = film("single-leg stance").sequence
    swapped = with_nan_gap(with_swapped_sides(clean, 50, 60, LEGS), gap_start, gap_stop)
    repaired = repair_side_swaps(swapped)
    seen = np.ones(clean.n_frames, dtype=bool)
    seen[gap_start:gap_stop] = False
    np.testing.assert_array_equal(repaired.image_xy[seen], clean.image_xy[seen])
    assert repaired.meta.provenance[-1].params["frames_ambiguous"] == 0


@pytest.mark.parametrize(("gap_start", "gap_stop"), [(60, 64), (48, 52)])
def test_a_burst_that_ends_or_starts_in_a_gap_stays_missing(gap_start: int, gap_stop: int) -> None:
    """Where the swap begins or ends inside the gap only one end is seen: its frames become
    missing, never a guess, and the frames beyond are untouched."""
    clean = film("single-leg stance").sequence
    swapped = with_nan_gap(with_swapped_sides(clean, 50, 60, LEGS), gap_start, gap_stop)
    repaired = repair_side_swaps(swapped)
    inside = np.setdiff1d(np.arange(50, 60), np.arange(gap_start, gap_stop))  # swapped, seen
    assert inside.size >= 6
    assert np.isnan(repaired.image_xy[inside][:, list(LEGS)]).all()
    np.testing.assert_array_equal(repaired.image_xy[70:], clean.image_xy[70:])


def test_repair_without_world_landmarks_uses_the_image() -> None:
    clean = film("single-leg stance").sequence
    image_only = PoseSequence.from_arrays(clean.t, clean.image_xy, clean.meta)
    swapped = with_swapped_sides(image_only, 90, 105, LEGS)
    np.testing.assert_array_equal(repair_side_swaps(swapped).image_xy, image_only.image_xy)


def test_max_burst_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_burst_s must be positive, got 0"):
        repair_side_swaps(film("single-leg stance").sequence, max_burst_s=0.0)
