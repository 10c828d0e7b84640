"""Camera-to-body angle: the reference definition, the cues, and a synthetic sweep.

Bounds measured with validation/camera_angle_accuracy.py (docs/validation.md): over yaw 0..90° in 5°
steps and pitch -20/0/+20° (2 s clips), the estimate's mean absolute error was 1.3° clean and
1.9° with 3 px noise; the worst clip averaged 3.7° clean and 5.6° noisy. The asserted bounds add
0.5-1° of margin.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.camera_angle import (
    body_camera_angle,
    estimate_camera_angle,
    fuse_cues,
    world_cue,
)
from hipsight.pose.sequence import PoseSequence
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    time_axis,
)
from synthetic_cases import nan_twin

T = time_axis(2.0, 30.0)
STEPPING = Pose(
    left_hip_flexion_deg=sinusoid(T, 0.0, 40.0, 1.0),
    right_knee_flexion_deg=sinusoid(T, 0.0, 30.0, 1.0),
    trunk_flexion_deg=10.0,
)


def film(yaw: float, pitch: float, jitter_px: float = 0.0) -> SyntheticSequence:
    camera = side_camera("left", yaw_deg=yaw, pitch_deg=pitch)
    return make_sequence(
        STEPPING, camera, fps=30.0, jitter_px=jitter_px, seed=int(yaw * 100 + pitch + 50)
    )


def truth_of(syn: SyntheticSequence) -> np.ndarray:
    return body_camera_angle(syn.landmarks_lab, syn.camera.position)


def sweep(jitter_px: float) -> tuple[float, float]:
    """(overall MAE, worst clip MAE) over yaw 0..90 x pitch -20/0/20."""
    clip_errors = []
    for pitch in (-20.0, 0.0, 20.0):
        for yaw in range(0, 91, 5):
            syn = film(float(yaw), pitch, jitter_px)
            estimate, sigma = estimate_camera_angle(syn.sequence)
            assert np.isfinite(estimate).all() and (sigma > 0).all()
            clip_errors.append(np.abs(estimate - truth_of(syn)).mean())
    return float(np.mean(clip_errors)), float(np.max(clip_errors))


def test_reference_angle_is_0_from_the_side_and_90_from_the_front() -> None:
    side = make_sequence(Pose(), side_camera("right"), n_frames=3)
    front = make_sequence(Pose(), front_camera(from_behind=True), n_frames=3)
    oblique = make_sequence(Pose(), side_camera("left", yaw_deg=30.0), n_frames=3)
    # the camera aims 3 cm below the pelvis: its line of sight to the pelvis tilts by 0.6°
    np.testing.assert_allclose(truth_of(side), 0.0, atol=1.0)
    np.testing.assert_allclose(truth_of(front), 90.0, atol=1.0)
    np.testing.assert_allclose(truth_of(oblique), 30.0, atol=1.0)
    assert truth_of(side)[0] < truth_of(oblique)[0] < truth_of(front)[0]


@pytest.mark.parametrize(
    ("jitter_px", "mae_bound", "worst_bound"), [(0.0, 1.8, 4.5), (3.0, 2.5, 6.5)]
)
def test_synthetic_sweep_stays_within_the_measured_error(
    jitter_px: float, mae_bound: float, worst_bound: float
) -> None:
    mae, worst = sweep(jitter_px)
    assert mae <= mae_bound, f"MAE {mae:.2f}° > {mae_bound}°"
    assert worst <= worst_bound, f"worst clip {worst:.2f}° > {worst_bound}°"


def test_the_world_cue_alone_follows_the_yaw_exactly_without_depth_noise() -> None:
    for yaw in (0.0, 45.0, 80.0):
        syn = film(yaw, 0.0)
        angle, sigma = world_cue(np.asarray(syn.sequence.world_xyz))
        np.testing.assert_allclose(angle, truth_of(syn), atol=1.0)
        assert (sigma[np.isfinite(sigma)] > 0).all()


def test_uncertainty_grows_toward_frontal_views() -> None:
    _, side_sigma = estimate_camera_angle(film(5.0, 0.0).sequence)
    _, front_sigma = estimate_camera_angle(film(85.0, 0.0).sequence)
    assert np.median(front_sigma) > np.median(side_sigma)


def test_missing_frames_stay_missing_and_the_rest_is_unchanged() -> None:
    syn = make_sequence(Pose(), side_camera("left", yaw_deg=40.0), fps=30.0, n_frames=90)
    twin = nan_twin(syn).sequence
    estimate, sigma = estimate_camera_angle(twin, smooth_hz=None)
    reference, _ = estimate_camera_angle(syn.sequence, smooth_hz=None)
    gone = ~twin.detected
    assert gone.any() and np.isnan(estimate[gone]).all() and np.isnan(sigma[gone]).all()
    np.testing.assert_allclose(estimate[~gone], reference[~gone])


def test_fusion_falls_back_on_one_cue_and_widens_on_disagreement() -> None:
    nan = np.nan
    angle, sigma = fuse_cues(
        np.array([30.0, nan, 30.0, 30.0]),
        np.array([2.0, nan, 2.0, 2.0]),
        np.array([nan, 50.0, 30.0, 60.0]),
        np.array([nan, 4.0, 2.0, 2.0]),
    )
    np.testing.assert_allclose(angle, [30.0, 50.0, 30.0, 45.0])
    assert sigma[0] == pytest.approx(2.0) and sigma[1] == pytest.approx(4.0)
    assert sigma[2] == pytest.approx(np.sqrt(2.0))
    assert sigma[3] > 10.0  # 30° apart with σ 2° each: the uncertainty says so


def test_rejects_bad_arguments() -> None:
    seq: PoseSequence = film(0.0, 0.0).sequence
    with pytest.raises(ValueError, match="min_visibility must be in"):
        estimate_camera_angle(seq, min_visibility=1.5)
    with pytest.raises(ValueError, match="smooth_hz must be positive"):
        estimate_camera_angle(seq, smooth_hz=0.0)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 33, 3\)"):
        body_camera_angle(np.zeros((4, 3)), np.zeros(3))
