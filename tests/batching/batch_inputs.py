"""Inputs for the batch tests: synthetic walks saved as landmarks files (no model needed) and
short clips cut from the demo video (cached in the temp folder between runs)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from hipsight.samples.synthetic import Pose, make_sequence, side_camera, sinusoid, time_axis

CLIP_FRAMES = 30
CLIP_STARTS = (90, 130, 170)


def write_walk(path: Path, knee_peak: float = 60.0, seconds: float = 3.0) -> Path:
    """A side-on synthetic walk (gait is measurable) saved as ``*_landmarks.npz``."""
    t = time_axis(seconds)
    walk = make_sequence(
        Pose(
            left_hip_flexion_deg=sinusoid(t, -15, 25, 1.1),
            right_hip_flexion_deg=sinusoid(t, -15, 25, 1.1, phase_deg=180),
            left_knee_flexion_deg=sinusoid(t, 5, knee_peak, 1.1, phase_deg=90),
            right_knee_flexion_deg=sinusoid(t, 5, knee_peak, 1.1, phase_deg=270),
        ),
        side_camera(),
        t=t,
    )
    return walk.sequence.save_npz(path)


def demo_clips(demo: Path) -> list[Path]:
    """Three 30-frame clips of the demo walk, written once and cached."""
    import cv2

    folder = Path(tempfile.gettempdir()) / "hipsight-test-samples" / "batch-clips"
    paths = [folder / f"walk{start}.mp4" for start in CLIP_STARTS]
    if all(p.is_file() and p.stat().st_size > 0 for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(demo))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames: list[np.ndarray] = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    height, width = frames[0].shape[:2]
    for path, start in zip(paths, CLIP_STARTS, strict=True):
        tmp = path.with_suffix(".part.mp4")
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        for frame in frames[start : start + CLIP_FRAMES]:
            writer.write(frame)
        writer.release()
        tmp.replace(path)
    return paths
