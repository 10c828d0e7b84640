"""Pixels to centimetres from the person's height."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.calibration.baseline import measure_stance, update_baseline
from hipsight.calibration.scale import (
    CHAIN_FRACTION,
    chain_fraction,
    metres_per_pixel,
    pixels_to_cm,
)
from hipsight.samples.synthetic import Pose, front_camera, make_sequence, sinusoid, time_axis

DISTANCE_M = 3.0
FOCAL_PX = 1400.0
TRUE_M_PER_PX = DISTANCE_M / FOCAL_PX  # the body's plane is DISTANCE_M from a centred camera


def _standing(n: int = 90):  # type: ignore[no-untyped-def]
    camera = front_camera(distance_m=DISTANCE_M, focal_px=FOCAL_PX)
    return make_sequence(Pose(), camera, n_frames=n, jitter_px=0.5).sequence


def test_population_proportions_give_the_scale_within_two_percent() -> None:
    scale = metres_per_pixel(_standing(), height_cm=175.0)
    assert scale.shape == (90,)
    assert np.allclose(scale, TRUE_M_PER_PX, rtol=0.02)


def test_pixels_to_cm_converts_a_lateral_shift() -> None:
    seq = _standing()
    shift_px = np.full(seq.n_frames, 100.0)
    cm = pixels_to_cm(shift_px, seq, height_cm=175.0)
    assert np.allclose(cm, 100.0 * TRUE_M_PER_PX * 100.0, rtol=0.02)
    both = pixels_to_cm(np.ones((seq.n_frames, 2)), seq, height_cm=175.0)
    assert both.shape == (seq.n_frames, 2)


def test_a_personal_baseline_replaces_the_population_proportions() -> None:
    seq = _standing(120)
    baseline = update_baseline(None, "anna", measure_stance(seq), height_cm=175.0)
    assert chain_fraction(baseline) != CHAIN_FRACTION
    scale = metres_per_pixel(seq, baseline=baseline)  # the height comes from the baseline
    assert np.allclose(scale, TRUE_M_PER_PX, rtol=0.02)


def test_one_scale_per_sequence_survives_foreshortened_frames() -> None:
    t = time_axis(3.0)
    knee = sinusoid(t, 0.0, 90.0, 3.0)
    squat = Pose(
        left_hip_flexion_deg=knee,
        right_hip_flexion_deg=knee,
        left_knee_flexion_deg=knee,
        right_knee_flexion_deg=knee,
    )
    seq = make_sequence(squat, front_camera(distance_m=DISTANCE_M, focal_px=FOCAL_PX), t=t).sequence
    per_frame = metres_per_pixel(seq, height_cm=175.0)
    whole = metres_per_pixel(seq, height_cm=175.0, per_frame=False)
    assert per_frame.max() > 1.2 * TRUE_M_PER_PX  # the thighs point at the camera mid-squat
    assert np.allclose(whole, TRUE_M_PER_PX, rtol=0.02)


def test_scale_validates_its_inputs() -> None:
    seq = _standing(10)
    with pytest.raises(ValueError, match=r"height_cm must be in \[50, 250\], got 17"):
        metres_per_pixel(seq, height_cm=17.0)
    with pytest.raises(ValueError, match="give the person's height"):
        metres_per_pixel(seq)
    with pytest.raises(ValueError, match=r"shape \(T, \.\.\.\) with T = 10 frames, got \(3,\)"):
        pixels_to_cm(np.ones(3), seq, height_cm=170.0)
