"""Perspective: the camera distance from the person's size in frame, and the stated bound on the
knee FPPA's perspective bias, on synthetic squats filmed from 2, 3 and 4 m (docs/angles.md)."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.calibration.scale import CHAIN_FRACTION
from hipsight.kinematics import perspective
from hipsight.kinematics.angles import compute_angles
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import get_protocol
from hipsight.protocols.squat import perspective_note
from hipsight.samples.synthetic import front_camera
from protocols.test_squat import squat_sequence, truth_per_rep

WEBCAM_FOCAL = perspective.focal_from_fov(1920)  # the synthetic frame is 1920 px wide
KNEE_HEIGHT, HIP_HEIGHT = 0.5, 0.9


def test_chain_fraction_matches_the_scale() -> None:
    assert perspective.CHAIN_FRACTION == CHAIN_FRACTION


def test_focal_from_a_60_degree_field_of_view() -> None:
    assert perspective.focal_from_fov(1920) == pytest.approx(960 / np.tan(np.radians(30)))


def peak_errors(distance: float, height: float, from_behind: bool = False):
    """Per side (measured - true) per-rep peak FPPA of 12° left valgus at 70° knee flexion."""
    camera = front_camera(
        from_behind=from_behind,
        target=(0.0, height, 0.0),
        distance_m=distance,
        focal_px=WEBCAM_FOCAL,
    )
    synthetic = squat_sequence(camera, knee=70.0, shank=25.0, trunk=20.0, valgus=(5.5, 6.5))
    table = compute_angles(synthetic.sequence, variants=("2d",))
    errors = []
    for side in ("left", "right"):
        truth, got = synthetic.truth[f"{side}_knee_fppa"], table.column(f"{side}_knee_fppa")
        errors.append(
            truth_per_rep(synthetic, lambda f, x=got: np.nanmax(x[f]))
            - truth_per_rep(synthetic, lambda f, x=truth: x[f].max())
        )
    return synthetic, np.array(errors)


@pytest.mark.parametrize("height", [KNEE_HEIGHT, HIP_HEIGHT])
@pytest.mark.parametrize("distance", [2.0, 3.0, 4.0])
@pytest.mark.parametrize("from_behind", [False, True])
def test_distance_estimate_and_the_bias_bound(
    distance: float, height: float, from_behind: bool
) -> None:
    synthetic, errors = peak_errors(distance, height, from_behind)
    estimate = perspective.camera_distance_m(synthetic.sequence.image_xy, WEBCAM_FOCAL)
    # the synthetic person is 1.75 m tall; the default assumes 1.70 m
    assert estimate == pytest.approx(distance, rel=0.10)
    bound = perspective.fppa_bias_deg(estimate, from_behind)
    # the bias has the stated sign and stays within the bound stated for the estimated distance
    signed = errors if from_behind else -errors
    assert np.all(signed <= bound), (errors, bound)
    assert signed[0] > 0.2  # a real bias, not noise: the bound is not vacuous


def test_12_degrees_read_at_2_6_m_is_noted() -> None:
    synthetic, errors = peak_errors(2.6, HIP_HEIGHT)
    note = perspective_note(synthetic.sequence)
    assert note is not None
    assert "Camera about 2.5 m away" in note  # 1.70 m assumed for a 1.75 m person
    assert "up to 3° low" in note and "±9° to ±12°" in note and "film from 4 m" in note
    assert "60° field of view" in note and "1.70 m tall" in note
    exact = perspective_note(synthetic.sequence, focal_px=WEBCAM_FOCAL, stature_m=1.75)
    assert exact is not None and "Camera about 2.6 m away:" in exact
    assert abs(errors[0]) <= 3.0


def test_the_squat_result_carries_the_note() -> None:
    camera = front_camera(target=(0.0, KNEE_HEIGHT, 0.0), distance_m=3.0, focal_px=WEBCAM_FOCAL)
    synthetic = squat_sequence(camera, knee=70.0, shank=25.0, trunk=20.0, valgus=(5.5, 6.5))
    seq = synthetic.sequence
    result = get_protocol("squat").measure(seq, compute_angles(seq), MeasureContext())
    assert any("from perspective" in note for note in result.notes), result.notes


def test_no_body_no_distance() -> None:
    xy = np.full((5, 33, 2), np.nan)
    assert np.isnan(perspective.camera_distance_m(xy, WEBCAM_FOCAL))
    assert perspective.perspective_note(float("nan"), 9.0) is None
