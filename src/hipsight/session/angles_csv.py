"""Angle time series as CSV: one row per frame, the camera-to-body angle, one column per angle
(documented in docs/output-formats.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from hipsight.fileio import atomic_write
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import camera_view_angle
from hipsight.pose.landmarks import KEY_BODY
from hipsight.pose.sequence import PoseSequence


def angle_columns(table: AngleTable) -> list[str]:
    """CSV column names of the angles: ``<angle name>_deg``."""
    return [f"{name}_deg" for name in table.names]


def frame_quality(seq: PoseSequence) -> np.ndarray:
    """(T,) mean visibility of the shoulders, hips, knees and ankles; 0 where nobody was found."""
    vis = seq.visibility[:, list(KEY_BODY)]
    return np.where(seq.detected, np.nan_to_num(vis).mean(axis=1), 0.0)


def _cells(values: np.ndarray, fmt: str) -> np.ndarray:
    """Formatted cells of a (T,) column; empty where NaN."""
    return np.where(np.isfinite(values), np.char.mod(fmt, np.nan_to_num(values)), "")


def write_angles_csv(path: str | Path, seq: PoseSequence, table: AngleTable) -> Path:
    """Write the CSV atomically. Missing values are empty cells."""
    if table.values.shape[0] != seq.n_frames:
        raise ValueError(
            f"angle table has {table.values.shape[0]} frames, sequence has {seq.n_frames}"
        )
    header = [
        "frame",
        "time_s",
        "detected",
        "quality",
        "camera_angle_deg",
        "camera_angle_uncertainty_deg",
        *angle_columns(table),
    ]
    values = np.where(table.valid, table.values, np.nan)
    cells = _cells(values, "%.2f")
    quality = np.char.mod("%.3f", frame_quality(seq))
    view = [_cells(column, "%.1f") for column in camera_view_angle(seq)]
    times = np.char.mod("%.4f", seq.t)
    detected = seq.detected.astype(int).astype(str)
    frames = np.arange(seq.n_frames).astype(str)
    rows = np.column_stack([frames, times, detected, quality, *view, cells])
    with atomic_write(path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows.tolist())
    return Path(path)
