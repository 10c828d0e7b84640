"""The stored example ``results.json`` and ``summary.json`` files in tests/data/results/.

Written out here in full (not by the current writer), so that a file keeps its version when the
writer moves on. Rebuild them with::

    PYTHONPATH=src python tests/results_examples.py

tests/session/test_versions.py checks that this script still builds the committed files.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data" / "results"

_METRICS = [
    {
        "metric": "internal_rotation",
        "side": "left",
        "value": 24.0,
        "unit": "deg",
        "status": "ok",
        "reason": None,
        "quality": 0.9,
        "n_frames": 40,
        "norm": "hip_rotation_internal",
    },
    {
        "metric": "internal_rotation",
        "side": "right",
        "value": None,
        "unit": "deg",
        "status": "not_measurable",
        "reason": "right leg hidden",
        "quality": 0.0,
        "n_frames": 0,
        "norm": "hip_rotation_internal",
    },
]
_FINDING = {
    "id": "hip_rotation.internal_rotation.left",
    "test": "hip_rotation",
    "metric": "internal_rotation",
    "side": "left",
    "value": 24.0,
    "unit": "deg",
    "norm_text": ">= 30 deg",
    "severity": "moderate",
    "message": "left internal rotation 24 deg is below the reference (>= 30 deg)",
    "lbp_link": "Reduced hip internal rotation is the most consistent hip finding in LBP.",
    "evidence": "VL",
    "exercises": ["hip_rotations", "pigeon_pose"],
    "source": "Simoneau 1998",
}
_TEST_1_0 = {
    "test": "hip_rotation",
    "title": "Seated hip rotation",
    "view_required": "front",
    "view_detected": "front",
    "status": "partial",
    "reasons": ["right leg hidden"],
    "metrics": _METRICS,
    "segments": [
        {
            "kind": "hold",
            "index": 0,
            "start": 10,
            "stop": 40,
            "t_start": 0.33,
            "t_stop": 1.3,
            "side": "left",
            "values": {"shank_frontal_inclination": 24.0},
        }
    ],
    "findings": [_FINDING],
    "notes": [],
    "key_angles": ["left_shank_frontal_inclination", "right_shank_frontal_inclination"],
    "source": "clip.mp4",
    "files": {"csv": "clip_angles.csv", "landmarks": "clip_landmarks.npz"},
    "complete": True,
}
RESULTS_1_0: dict[str, Any] = {
    "schema": "hipsight.results",
    "version": 1,
    "hipsight_version": "0.1.0",
    "session_id": "a1b2c3d4e5f6",
    "created": "2026-11-30T10:00:00.000+00:00",
    "person": "Ann",
    "kind": "analyze",
    "calibration": None,
    "baseline": {},
    "meta": {},
    "disclaimer": "hipsight is a screening aid, not a diagnosis.",
    "tests": [_TEST_1_0],
    "findings": [_FINDING],
}
RESULTS_1_1: dict[str, Any] = {
    **RESULTS_1_0,
    "minor_version": 1,
    "tests": [
        {
            **_TEST_1_0,
            "processing": [
                {"name": "landmark_validity", "params": {"min_visibility": 0.5}},
                {"name": "filter_butterworth", "params": {"cutoff_hz": 6.0, "order": 4}},
            ],
        }
    ],
}
RESULTS_1_2: dict[str, Any] = {
    **RESULTS_1_1,
    "minor_version": 2,
    "tests": [
        {
            **RESULTS_1_1["tests"][0],
            "metrics": [{**_METRICS[0], "n_reps": 1}, {**_METRICS[1], "n_reps": None}],
        }
    ],
}
RESULTS_1_3: dict[str, Any] = {
    **RESULTS_1_2,
    "minor_version": 3,
    "tests": [
        {
            **RESULTS_1_2["tests"][0],
            "metrics": [
                {**RESULTS_1_2["tests"][0]["metrics"][0], "filled_fraction": 0.15},
                {**RESULTS_1_2["tests"][0]["metrics"][1], "filled_fraction": None},
            ],
        }
    ],
}

_SUMMARY_META = {
    "frame_size": [640, 480],
    "source": "clip.mp4",
    "fps_reported": 30.0,
    "rotation_deg": 0,
    "model_name": "pose_landmarker_full",
    "model_sha256": "0" * 64,
    "calibration": None,
    "subject": {"policy": "visible", "track_id": 0},
    "provenance": ["pose: pose_landmarker_full max_people=2 chunks=2", "subject: visible"],
}
_ANGLE = {
    "unit": "deg",
    "plane": "sagittal",
    "view": "side",
    "variant": "2d",
    "min": -5.2,
    "max": 41.0,
    "p5": -3.1,
    "p95": 38.7,
    "range": 46.2,
    "range_p5_p95": 41.8,
    "valid_fraction": 0.93,
}
SUMMARY_1_0: dict[str, Any] = {
    "schema": "hipsight.summary",
    "version": 1,
    "hipsight_version": "0.1.0",
    "created": "2026-11-30T10:00:00+00:00",
    "source": "clip.mp4",
    "n_frames": 230,
    "duration_s": 7.633,
    "fps": 30.0,
    "detected_fraction": 0.9435,
    "side": {"requested": "auto", "analysed": "left", "near_camera": "left"},
    "meta": _SUMMARY_META,
    "calibration": None,
    "processing": ["landmark_validity(min_visibility=0.5)"],
    "warnings": [],
    "angles": {"left_hip_flexion": _ANGLE, "left_hip_flexion_3d": {**_ANGLE, "variant": "3d"}},
}
SUMMARY_1_1: dict[str, Any] = {
    **SUMMARY_1_0,
    "minor_version": 1,
    "processing_steps": [{"name": "landmark_validity", "params": {"min_visibility": 0.5}}],
}
SUMMARY_1_2: dict[str, Any] = {
    **SUMMARY_1_1,
    "minor_version": 2,
    "camera_angle": {
        "n_frames": 217,
        "median_deg": 10.9,
        "p10_deg": 5.9,
        "p90_deg": 20.1,
        "bands": {"0-15": 0.71, "15-30": 0.29, "30-45": 0.0, "45-60": 0.0, "60-90": 0.0},
        "estimate_error_deg": 8.0,
    },
}


def example_files() -> dict[str, dict[str, Any]]:
    """File name -> document of every stored example."""
    newer_minor = copy.deepcopy(RESULTS_1_3)
    newer_minor["minor_version"] = 4
    newer_minor["signed_by"] = "clinic"
    newer_minor["tests"][0]["video_hash"] = "abc"
    newer_major = copy.deepcopy(RESULTS_1_3)
    newer_major["version"] = 2
    newer_major["minor_version"] = 0
    summary_minor = copy.deepcopy(SUMMARY_1_2)
    summary_minor["minor_version"] = 3
    summary_minor["camera_height_m"] = 1.1
    summary_major = copy.deepcopy(SUMMARY_1_2)
    summary_major["version"] = 2
    return {
        "results-v1.0.json": RESULTS_1_0,
        "results-v1.1.json": RESULTS_1_1,
        "results-v1.2.json": RESULTS_1_2,
        "results-v1.3.json": RESULTS_1_3,
        "results-v1.4-newer-minor.json": newer_minor,
        "results-v2.0-newer-major.json": newer_major,
        "summary-v1.0.json": SUMMARY_1_0,
        "summary-v1.1.json": SUMMARY_1_1,
        "summary-v1.2.json": SUMMARY_1_2,
        "summary-v1.3-newer-minor.json": summary_minor,
        "summary-v2.0-newer-major.json": summary_major,
    }


def build_examples(folder: Path = DATA_DIR) -> list[Path]:
    """Write every example into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, document in example_files().items():
        path = folder / name
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in build_examples():
        print(f"wrote {written}")
