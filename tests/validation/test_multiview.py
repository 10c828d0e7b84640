"""Real multi-view truth (Pose2Sim demo, 4 calibrated cameras): calibration check and the
camera-to-body angle estimator's accuracy against triangulation.

The truth file is built by validation/multiview.py (about 30 s the first time, cached in the
samples folder, rebuilt when the model or the truth format changes).

Measured (docs/validation.md): in-sample reprojection error, median per camera, 6-17 px
(frame-level medians 6-16 px); estimator MAE 7.9° over 642 camera-person-frames; by true angle
30-45° 5.9°, 45-60° 6.3°, 60-90° 8.7°; 3D cue alone 9.2°, 2D cue alone 9.1°. Margins: the
inputs are cached MediaPipe landmarks, so the figures only move if the model or extraction
changes; the bounds allow 1.5-2.5° for that.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hipsight.models.store import ModelInfo


@pytest.fixture(scope="module")
def truth_path(pose_model: ModelInfo) -> Path:
    import multiview

    path: Path = multiview.ensure_truth(pose_model.sha256)
    return path


@pytest.mark.sample
@pytest.mark.model
def test_calibration_reprojects_the_landmarks_of_every_camera(truth_path: Path) -> None:
    with np.load(truth_path) as data:
        errors = data["reprojection_error_px"]  # (C, P, T) per-frame medians
        points = data["points"]
    for v, per_frame in enumerate(errors):
        median = np.nanmedian(per_frame)
        assert median < 20.0, f"camera {v}: median reprojection error {median:.1f} px"
    # both people triangulated in most frames, the world's Z is up (people stand)
    seen = np.isfinite(points[..., 23, 0]).mean(axis=1)
    assert (seen > 0.8).all(), seen
    height = np.nanmedian(points[..., 11, 2] - points[..., 27, 2])
    assert 1.0 < height < 1.8, f"shoulder above ankle by {height:.2f} m"


@pytest.mark.sample
@pytest.mark.model
def test_camera_angle_estimate_matches_the_triangulated_truth(truth_path: Path) -> None:
    from camera_angle_accuracy import binned_mae, real_table

    table = real_table(truth_path)
    fused = binned_mae(table["truth"], table["estimate"])
    assert fused["all"]["n"] >= 600
    assert fused["all"]["mae"] <= 9.5, fused
    for name, bound in (("30-45", 8.5), ("45-60", 8.5), ("60-90", 10.5)):
        assert fused[name]["mae"] <= bound, (name, fused[name])
    for cue in ("cue_3d", "cue_2d"):
        alone = binned_mae(table["truth"], table[cue])["all"]["mae"]
        assert fused["all"]["mae"] < alone, (
            f"fusion {fused['all']['mae']:.1f}° vs {cue} {alone:.1f}°"
        )
