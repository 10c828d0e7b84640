"""``export_session``: CSV, .mot, results.json and landmarks of a whole session folder.

The session is the demo (tests/demo_session.py): synthetic recordings measured by the real
protocols; a squat with its angles CSV, a hip-rotation test with landmarks only, and a Thomas
test with no files.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from demo_session import CopyDemo
from hipsight.errors import InputError
from hipsight.export.mot import read_mot
from hipsight.export.session import export_session, file_stems
from hipsight.kinematics.angles import compute_angles
from hipsight.pose.sequence import PoseSequence
from hipsight.results import TestRecord, TestResult
from hipsight.session.angles_csv import write_angles_csv
from hipsight.session.reader import load_session
from hipsight.session.series import load_test_series, read_angles_csv


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, copy_demo_session: CopyDemo) -> Path:
    folder = tmp_path_factory.mktemp("session")
    copy_demo_session(folder)
    return folder


def test_csv_export_copies_or_recomputes(session: Path, tmp_path: Path) -> None:
    outcome = export_session(session, "csv", tmp_path)
    assert [p.name for p in outcome.written] == ["squat_angles.csv", "hip_rotation_angles.csv"]
    assert (tmp_path / "squat_angles.csv").read_bytes() == (
        session / "squat_angles.csv"
    ).read_bytes()
    recomputed = read_angles_csv(tmp_path / "hip_rotation_angles.csv")
    landmarks = PoseSequence.from_npz(session / "hip_rotation_landmarks.npz")
    assert recomputed.has("left_shank_frontal_inclination")
    assert recomputed.n_frames == landmarks.n_frames == 270  # 9 s at 30 fps
    assert outcome.skipped == ("thomas: no angles CSV or landmarks saved for this test",)


def test_mot_export_matches_the_csv(session: Path, tmp_path: Path) -> None:
    outcome = export_session(session / "results.json", "mot", tmp_path)
    assert [p.name for p in outcome.written] == ["squat_angles.mot", "hip_rotation_angles.mot"]
    csv = read_angles_csv(session / "squat_angles.csv")
    mot = read_mot(tmp_path / "squat_angles.mot")
    assert mot.columns == csv.names and mot.in_degrees
    np.testing.assert_allclose(mot.time, csv.t, atol=5e-7)
    np.testing.assert_allclose(mot.values, csv.values, atol=5e-7)
    assert "squat" in mot.name


def test_mot_from_landmarks_matches_compute_angles(session: Path, tmp_path: Path) -> None:
    export_session(session, "mot", tmp_path)
    table = compute_angles(PoseSequence.from_npz(session / "hip_rotation_landmarks.npz"))
    mot = read_mot(tmp_path / "hip_rotation_angles.mot")
    expected = np.where(table.valid, table.values, np.nan)
    np.testing.assert_allclose(mot.values, expected, atol=5e-7)


def test_json_export_keeps_files_resolvable(session: Path, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    [path] = export_session(session, "json", out).written
    exported, original = load_session(path), load_session(session)
    assert exported.session_id == original.session_id
    for new, old in zip(exported.tests, original.tests, strict=True):
        assert new.files.keys() == old.files.keys()
        for kind, relative in new.files.items():
            assert not Path(relative).is_absolute()
            assert (out / relative).resolve() == (session / old.files[kind]).resolve()


def test_npz_export_copies_the_landmarks(session: Path, tmp_path: Path) -> None:
    outcome = export_session(session, "npz", tmp_path)
    assert [p.name for p in outcome.written] == [
        "squat_landmarks.npz",
        "hip_rotation_landmarks.npz",
    ]
    squat_csv = read_angles_csv(session / "squat_angles.csv")
    assert PoseSequence.from_npz(outcome.written[0]).n_frames == squat_csv.n_frames == 330


def test_default_output_folder(tmp_path: Path, copy_demo_session: CopyDemo) -> None:
    copy_demo_session(tmp_path)
    outcome = export_session(tmp_path, "mot")
    assert all(p.parent == tmp_path / "export" for p in outcome.written)


def test_bad_format_and_missing_session(session: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected one of csv, mot, json, npz"):
        export_session(session, "xlsx", tmp_path)
    with pytest.raises(InputError, match=r"no results\.json"):
        export_session(tmp_path / "nowhere", "csv", tmp_path)


def test_unreadable_files_are_skipped_with_the_reason(
    tmp_path: Path, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path)
    (tmp_path / "squat_angles.csv").write_text("not,a,hipsight,csv\n")
    outcome = export_session(tmp_path, "mot", tmp_path / "out")
    assert [p.name for p in outcome.written] == ["hip_rotation_angles.mot"]
    assert any("squat: " in s and "not a hipsight angles CSV" in s for s in outcome.skipped)


def test_file_stems_are_safe_and_unique() -> None:
    record = load_results_record("../../etc/passwd")
    assert file_stems([record, record, load_results_record("")]) == [
        "etc_passwd",
        "etc_passwd-2",
        "test",
    ]


def load_results_record(test_id: str) -> TestRecord:
    return TestRecord(TestResult(test_id, "t", "side", "side", "measured", (), ()))


def test_csv_reader_round_trips_the_writer(session: Path, tmp_path: Path) -> None:
    seq = PoseSequence.from_npz(session / "squat_landmarks.npz")
    table = compute_angles(seq)
    series = read_angles_csv(write_angles_csv(tmp_path / "a.csv", seq, table))
    assert series.names == table.names
    expected = np.where(table.valid, np.round(table.values, 2), np.nan)
    np.testing.assert_allclose(series.values, expected, atol=1e-9)
    assert series.quality is not None and series.quality.shape == (seq.n_frames,)


def test_series_prefers_the_csv(session: Path) -> None:
    results = load_session(session)
    assert load_test_series(session, results.tests[0]).source == "csv: squat_angles.csv"
    assert "recomputed" in load_test_series(session, results.tests[1]).source
    assert load_test_series(session, results.tests[2]) is None
    missing = dataclasses.replace(results.tests[0], files={"csv": "gone.csv"})
    with pytest.raises(InputError, match="missing"):
        load_test_series(session, missing)
