"""The stored example landmarks files in tests/data/landmarks/, and how they are built.

Each file is three frames (a few kB). The headers are written out here in full, not by
:meth:`PoseSequence.save_npz`, so that a file keeps its version when the writer moves on.
Rebuild them with::

    PYTHONPATH=src python tests/landmark_examples.py

tests/pose/test_landmarks_file.py checks that this script still builds the committed files.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

DATA_DIR = Path(__file__).parent / "data" / "landmarks"
N_FRAMES = 3
N_LANDMARKS = 33

META_1_0: dict[str, Any] = {
    "frame_size": [640, 480],
    "source": "clips/demo.mp4",
    "fps_reported": 30.0,
    "rotation_deg": 0,
    "model_name": "pose_landmarker_full",
    "model_sha256": "0" * 64,
    "calibration": None,
    "subject": {"policy": "visible", "track_id": 0},
    "provenance": ["pose: pose_landmarker_full max_people=2 chunks=1", "subject: visible"],
}
HEADER_1_0: dict[str, Any] = {"format": "hipsight.landmarks", "version": 1, "meta": META_1_0}
HEADER_1_1: dict[str, Any] = {
    "format": "hipsight.landmarks",
    "version": 1,
    "minor": 1,
    "written_by": "hipsight 0.1.0",
    "meta": META_1_0,
}
META_1_2: dict[str, Any] = {
    **META_1_0,
    "provenance": [
        "pose_landmarker(model=pose_landmarker_full, max_people=2, chunks=1)",
        "choose_subject(policy=visible)",
    ],
    "processing": [
        {
            "name": "pose_landmarker",
            "params": {"model": "pose_landmarker_full", "max_people": 2, "chunks": 1},
        },
        {"name": "choose_subject", "params": {"policy": "visible"}},
    ],
}
HEADER_1_2: dict[str, Any] = {**HEADER_1_1, "minor": 2, "meta": META_1_2}


def example_arrays() -> dict[str, NDArray[np.float64]]:
    """Three frames; the middle one has no person (rows of NaN)."""
    frame = np.arange(N_FRAMES * N_LANDMARKS, dtype=np.float64).reshape(N_FRAMES, N_LANDMARKS)
    image_xy = np.stack([100.0 + frame, 50.0 + 2.0 * frame], axis=-1)
    world_xyz = np.stack([frame / 100.0, -frame / 200.0, frame / 400.0], axis=-1)
    score = np.full((N_FRAMES, N_LANDMARKS), 0.9)
    for arr in (image_xy, world_xyz, score):
        arr[1] = np.nan
    return {
        "t": np.arange(N_FRAMES) / 30.0,
        "image_xy": image_xy,
        "world_xyz": world_xyz,
        "visibility": score,
        "presence": score.copy(),
    }


def example_files() -> dict[str, tuple[dict[str, Any], dict[str, NDArray[Any]]]]:
    """File name -> (header, arrays) of every stored example."""
    newer_minor = copy.deepcopy(HEADER_1_2)
    newer_minor["minor"] = 3
    newer_minor["created"] = "2031-01-01T00:00:00+00:00"
    newer_minor["meta"]["lens"] = {"model": "fisheye"}
    newer_major = copy.deepcopy(HEADER_1_1)
    newer_major["version"] = 2
    newer_major["minor"] = 0
    newer_major["meta"] = {"frames": {"width": 640, "height": 480}}
    meta_not_object = copy.deepcopy(HEADER_1_1)
    meta_not_object["meta"] = 5
    arrays = example_arrays()
    infinite = {k: v.copy() for k, v in arrays.items()}
    infinite["image_xy"][2, 23, 0] = np.inf
    no_person = {k: v.copy() for k, v in arrays.items()}
    for key in ("image_xy", "world_xyz", "visibility", "presence"):
        no_person[key][:] = np.nan
    return {
        "v1.0.npz": (HEADER_1_0, arrays),
        "v1.1.npz": (HEADER_1_1, arrays),
        "v1.2.npz": (HEADER_1_2, arrays),
        "v1.3-newer-minor.npz": (newer_minor, {**arrays, "segmentation_area": np.ones(N_FRAMES)}),
        "v2.0-newer-major.npz": (newer_major, arrays),
        "meta-not-object.npz": (meta_not_object, arrays),
        "infinite-coordinates.npz": (HEADER_1_1, infinite),
        "no-person.npz": (HEADER_1_1, no_person),
    }


def write_example(path: Path, header: dict[str, Any], arrays: dict[str, NDArray[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, header=np.array(json.dumps(header)), **arrays)
    return path


def build_examples(folder: Path = DATA_DIR) -> list[Path]:
    """Write every example into ``folder``; return their paths."""
    return [write_example(folder / name, *content) for name, content in example_files().items()]


if __name__ == "__main__":
    for written in build_examples():
        print(f"wrote {written} ({written.stat().st_size} bytes)")
