"""hip_rotation on synthetic seated recordings with known internal and external rotation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from hipsight.pose import landmarks as lm
from hipsight.results import TestResult
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    smooth_ramp,
    time_axis,
    with_hidden_landmarks,
)

Measure = Callable[..., TestResult]
LEG_START = {"left": 1.0, "right": 10.0}  # each leg: IR 0.8-3.6 s, ER 4.4-8.0 s after its start


def rotation_trial(t: np.ndarray, start: float, ir: float, er: float) -> np.ndarray:
    """Internal rotation to ``ir``, hold 2 s, back; external rotation to ``er``, hold, back."""
    inward = smooth_ramp(t, 0, ir, start, start + 0.8) - smooth_ramp(
        t, 0, ir, start + 2.8, start + 3.6
    )
    outward = smooth_ramp(t, 0, er, start + 4.4, start + 5.2) - smooth_ramp(
        t, 0, er, start + 7.2, start + 8.0
    )
    return inward - outward


def seated_sequence(
    rotations: dict[str, tuple[float, float]],
    hike_deg: float = 0.0,
    abduction_deg: float = 0.0,
    camera: Camera | None = None,
) -> SyntheticSequence:
    """Seated, hips and knees at 90 deg; each leg rotates in turn (``rotations``: side -> IR, ER).

    ``hike_deg`` tilts the pelvis (left hip down) in step with the left leg's internal rotation;
    the right thigh is counter-rotated so that only the left shank moves. ``abduction_deg`` moves
    the right thigh sideways in step with the right leg's external rotation.
    """
    t = time_axis(19.0)
    trials = {side: rotation_trial(t, LEG_START[side], *rotations[side]) for side in rotations}
    left_in = np.clip(trials.get("left", np.zeros_like(t)), 0, None)
    hike = hike_deg * left_in / max(float(left_in.max()), 1e-9)
    right = trials.get("right", np.zeros_like(t))
    right_out = np.clip(-right, 0, None)
    abduction = abduction_deg * right_out / max(float(right_out.max()), 1e-9)
    pose = Pose(
        pelvis_xyz=(0.0, 0.5, 0.0),
        left_hip_flexion_deg=90.0,
        right_hip_flexion_deg=90.0,
        left_knee_flexion_deg=90.0,
        right_knee_flexion_deg=90.0,
        left_hip_internal_rotation_deg=trials.get("left", 0.0),
        right_hip_internal_rotation_deg=right - hike,
        pelvic_obliquity_deg=-hike,
        right_hip_abduction_deg=abduction,
    )
    camera = camera or front_camera(target=(0.0, 0.6, 0.0))
    return make_sequence(pose, camera, jitter_px=0.5)


def truth_rotation(synthetic: SyntheticSequence, side: str) -> tuple[float, float]:
    """(IR, ER) of one side from the exact skeleton: the shank's extreme frontal angles."""
    shank = synthetic.truth[f"{side}_shank_frontal_inclination"]
    return float(shank.max()), float(-shank.min())


def finding_ids(result: TestResult) -> set[str]:
    return {f.id for f in result.findings}


def test_reduced_left_internal_rotation(measure_synthetic: Measure) -> None:
    # IR 15 deg: below 30 by more than the 6.4 deg error; 25 deg from the right (limit 10 + 9)
    synthetic = seated_sequence({"left": (15.0, 35.0), "right": (40.0, 35.0)})
    result = measure_synthetic("hip_rotation", synthetic)

    assert result.status == "partial"  # external rotation is never measured
    for side, (ir, er) in {"left": (15.0, 35.0), "right": (40.0, 35.0)}.items():
        truth_ir, truth_er = truth_rotation(synthetic, side)
        assert (truth_ir, truth_er) == pytest.approx((ir, er), abs=0.01)
        assert result.metric("internal_rotation", side).value == pytest.approx(truth_ir, abs=2.0)
        assert_external_rotation_refused(result, side)
    # without external rotation, the 'internal below external' relation is not judged
    assert finding_ids(result) == {
        "hip_rotation.internal_rotation.left",
        "hip_rotation.internal_rotation.asymmetry",
    }
    assert len(result.segments) == 4  # two ends of rotation per leg


def assert_external_rotation_refused(result: TestResult, side: str) -> None:
    """Seated external rotation holds its ±6.4° only within 4.9° of the front view (the camera
    20° above inflates it), less than the camera-angle estimate's margin near frontal views:
    never reported from one camera (docs/validation.md)."""
    er = result.metric("external_rotation", side)
    assert er.status == "not_measurable" and er.value is None
    assert "cannot be measured reliably from a single camera" in (er.reason or "")


def test_normal_rotation_gives_no_finding(measure_synthetic: Measure) -> None:
    synthetic = seated_sequence({"left": (38.0, 40.0), "right": (40.0, 38.0)})
    result = measure_synthetic("hip_rotation", synthetic)

    assert result.status == "partial"  # external rotation is never measured
    assert result.metric("internal_rotation", "left").value == pytest.approx(38.0, abs=2.0)
    assert_external_rotation_refused(result, "left")
    assert result.findings == ()


def test_asymmetry_limit_can_be_overridden(measure_synthetic: Measure) -> None:
    # 22 deg apart: beyond 10 deg + the 9 deg error of a difference, within 20 + 9
    synthetic = seated_sequence({"left": (32.0, 30.0), "right": (54.0, 40.0)})
    default = measure_synthetic("hip_rotation", synthetic)
    relaxed = measure_synthetic("hip_rotation", synthetic, asymmetry={"internal_rotation": 20.0})

    assert finding_ids(default) == {"hip_rotation.internal_rotation.asymmetry"}
    assert relaxed.findings == ()


def test_pelvic_hike_and_moving_thigh_do_not_count(measure_synthetic: Measure) -> None:
    synthetic = seated_sequence(
        {"left": (38.0, 40.0), "right": (40.0, 38.0)}, hike_deg=10.0, abduction_deg=12.0
    )
    result = measure_synthetic("hip_rotation", synthetic)

    hiked = result.metric("internal_rotation", "left")
    moved = result.metric("external_rotation", "right")
    for value in (hiked, moved):
        assert value.status == "not_measurable" and value.value is None
        assert "thigh moved sideways or the pelvis lifted" in (value.reason or "")
    assert_external_rotation_refused(result, "left")
    assert result.metric("internal_rotation", "right").value == pytest.approx(40.0, abs=2.0)
    assert result.status == "partial"


def test_one_side_on_request(measure_synthetic: Measure) -> None:
    synthetic = seated_sequence({"left": (25.0, 35.0), "right": (40.0, 35.0)})
    result = measure_synthetic("hip_rotation", synthetic, side="right")

    assert {m.side for m in result.metrics} == {"right"}
    assert result.findings == ()


def test_side_view_is_not_measurable(measure_synthetic: Measure, assert_unmeasured) -> None:
    camera = side_camera(target=(0.0, 0.6, 0.0))
    synthetic = seated_sequence({"left": (25.0, 35.0), "right": (40.0, 35.0)}, camera=camera)
    result = measure_synthetic("hip_rotation", synthetic)

    assert result.status == "not_measurable"
    assert_unmeasured(result, "front view")
    assert result.findings == ()


def test_hidden_body_is_not_measurable(measure_synthetic: Measure, assert_unmeasured) -> None:
    synthetic = seated_sequence({"left": (25.0, 35.0), "right": (40.0, 35.0)})
    hidden = with_hidden_landmarks(synthetic, range(lm.N_LANDMARKS))
    result = measure_synthetic("hip_rotation", hidden)

    assert result.status == "not_measurable"
    assert_unmeasured(result, "not visible")
    assert result.findings == ()


def test_declaration_matches_norms_and_angles(assert_declaration_consistent) -> None:
    assert_declaration_consistent("hip_rotation")


@pytest.mark.parametrize("n_frames", [1, 5, 40])
def test_a_short_still_take_is_not_measurable(measure_synthetic: Measure, n_frames: int) -> None:
    still = make_sequence(Pose(), front_camera(), n_frames=n_frames, jitter_px=0.5)
    result = measure_synthetic("hip_rotation", still)

    assert all(m.value is None for m in result.metrics if m.metric != "rep_count")
    assert all(m.reason for m in result.metrics if m.value is None)
    assert result.findings == ()
