"""Angles CSV: one row per frame, units in column names, empty cells for missing values."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from hipsight.kinematics.angles import compute_angles
from hipsight.samples.synthetic import Pose, make_sequence, side_camera, with_nan_gap
from hipsight.session.angles_csv import write_angles_csv


def test_csv_rows_columns_and_blanks(tmp_path: Path) -> None:
    synth = make_sequence(Pose(left_knee_flexion_deg=30.0), side_camera(), n_frames=20)
    seq = with_nan_gap(
        synth.sequence, 5, 15
    )  # 10 frames (0.33 s) without a person: too long to fill
    table = compute_angles(seq, cutoff_hz=None)
    path = write_angles_csv(tmp_path / "a.csv", seq, table)
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 20
    assert list(rows[0])[:4] == ["frame", "time_s", "detected", "quality"]
    assert all(name.endswith("_deg") for name in list(rows[0])[4:])
    assert rows[7]["detected"] == "0" and rows[7]["left_knee_flexion_deg"] == ""
    assert rows[0]["detected"] == "1" and abs(float(rows[0]["left_knee_flexion_deg"]) - 30.0) < 0.5
    assert float(rows[1]["time_s"]) == round(1 / 30, 4)
    assert not list(tmp_path.glob("*.tmp"))


def test_csv_refuses_mismatched_lengths(tmp_path: Path) -> None:
    import pytest

    synth = make_sequence(Pose(), side_camera(), n_frames=10)
    table = compute_angles(synth.sequence.slice_frames(0, 5), cutoff_hz=None)
    with pytest.raises(ValueError, match="5 frames, sequence has 10"):
        write_angles_csv(tmp_path / "a.csv", synth.sequence, table)
    assert np.isfinite(table.values).any()


def test_csv_has_the_camera_angle_and_reads_back_without_it(tmp_path: Path) -> None:
    from hipsight.samples.synthetic import front_camera
    from hipsight.session.series import read_angles_csv

    for camera, expected in ((side_camera(), 0.0), (front_camera(), 90.0)):
        seq = make_sequence(Pose(), camera, n_frames=10).sequence
        table = compute_angles(seq, cutoff_hz=None)
        path = write_angles_csv(tmp_path / "a.csv", seq, table)
        rows = list(csv.DictReader(path.open()))
        assert list(rows[0])[4:6] == ["camera_angle_deg", "camera_angle_uncertainty_deg"]
        assert all(abs(float(r["camera_angle_deg"]) - expected) < 3.0 for r in rows)
        series = read_angles_csv(path)
        assert series.names == table.names  # the camera angle is not read back as an angle
