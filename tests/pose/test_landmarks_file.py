"""The landmarks file: versions read from stored example files, and one-line schema errors.

The examples live in tests/data/landmarks/ and are built by tests/landmark_examples.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hipsight.analysis import AnalysisOptions, analyse_sequence, load_sequence
from hipsight.cli import main
from hipsight.errors import InputError, NoPersonError
from hipsight.pose.landmarks_file import MAJOR_VERSION, MINOR_VERSION
from hipsight.pose.sequence import PoseSequence, SequenceMeta, read_landmarks
from landmark_examples import (
    DATA_DIR,
    HEADER_1_1,
    HEADER_1_2,
    META_1_2,
    build_examples,
    example_arrays,
    write_example,
)


def _example(name: str) -> Path:
    return DATA_DIR / name


def _rewritten(tmp_path: Path, header: Any = None, **arrays: Any) -> Path:
    """The current example with its header and/or some arrays replaced."""
    content = {**example_arrays(), **arrays}
    return write_example(tmp_path / "edited_landmarks.npz", header or HEADER_1_1, content)


# ----------------------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("name", "last_step"),
    [
        ("v1.0.npz", "subject: visible"),  # 1.0 and 1.1 stored each step as one line of text
        ("v1.1.npz", "subject: visible"),
        ("v1.2.npz", "choose_subject(policy=visible)"),
    ],
)
def test_current_and_previous_versions_are_read(name: str, last_step: str) -> None:
    seq, notes = read_landmarks(_example(name))
    assert notes == ()
    assert seq.n_frames == 3
    assert seq.detected.tolist() == [True, False, True]
    assert seq.meta.frame_size == (640, 480)
    assert seq.meta.provenance[-1].describe() == last_step
    np.testing.assert_array_equal(seq.image_xy, example_arrays()["image_xy"])


def test_newer_minor_version_is_read_with_a_note_naming_what_was_ignored() -> None:
    path = _example("v1.3-newer-minor.npz")
    seq, notes = read_landmarks(path)
    assert seq.n_frames == 3
    assert len(notes) == 1
    note = notes[0]
    assert note.startswith(f"{path}: landmarks format 1.3 ")
    assert "meta.lens" in note and "created" in note and "segmentation_area" in note


def test_newer_major_version_is_refused_with_upgrade() -> None:
    path = _example("v2.0-newer-major.npz")
    with pytest.raises(InputError, match=r"version 2\.0 is newer .*; upgrade hipsight") as info:
        read_landmarks(path)
    assert str(info.value).startswith(f"{path}: ")


def test_writer_writes_the_current_version_and_a_stored_example_of_it_exists(
    tmp_path: Path,
) -> None:
    seq, _ = read_landmarks(_example("v1.2.npz"))
    written = seq.save_npz(tmp_path / "again.npz")
    with np.load(written) as data:
        header = json.loads(str(data["header"]))
    assert (header["version"], header["minor"]) == (MAJOR_VERSION, MINOR_VERSION)
    assert set(header) == set(HEADER_1_2), "a new header field needs a new minor version"
    assert set(header["meta"]) == set(META_1_2), "a new meta field needs a new minor version"
    assert _example(f"v{MAJOR_VERSION}.{MINOR_VERSION}.npz").is_file()
    back, notes = read_landmarks(written)
    assert notes == () and back.meta == seq.meta


def test_stored_examples_are_what_the_script_builds(tmp_path: Path) -> None:
    for built in build_examples(tmp_path):
        with np.load(built) as fresh, np.load(DATA_DIR / built.name) as stored:
            assert sorted(fresh.files) == sorted(stored.files), built.name
            for key in fresh.files:
                np.testing.assert_array_equal(fresh[key], stored[key], err_msg=built.name)


# ----------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("meta-not-object.npz", r"landmarks header field meta: expected `object`, got 5$"),
        (
            "infinite-coordinates.npz",
            r"array image_xy\[2, 23, 0\]: expected a finite number or NaN, got inf$",
        ),
    ],
)
def test_issue_examples_are_refused_naming_file_and_field(name: str, message: str) -> None:
    path = _example(name)
    with pytest.raises(InputError, match=message) as info:
        PoseSequence.from_npz(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)


def _header_with(**meta: Any) -> dict[str, Any]:
    return {**HEADER_1_1, "meta": {**HEADER_1_1["meta"], **meta}}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (_header_with(frame_size=[640, -5]), r"meta\.frame_size\[1\]: expected `int` >= 1, got -5"),
        (
            _header_with(frame_size=[640, "480"]),
            r"meta\.frame_size\[1\]: expected `int`, got \"480\"",
        ),
        (
            _header_with(frame_size=[640]),
            r"meta\.frame_size: expected `array` of length 2, got \[640\]",
        ),
        (
            _header_with(rotation_deg=45),
            r"meta\.rotation_deg: expected one of 0, 90, 180, 270, got 45",
        ),
        (_header_with(fps_reported=float("inf")), r"meta\.fps_reported: .*, got Infinity"),
        (_header_with(provenance="step"), r"meta\.provenance: expected `array`, got \"step\""),
        (_header_with(subject=[1]), r"meta\.subject: expected `object`, got \[1\]"),
        ({**HEADER_1_1, "version": "1"}, r"field version: expected `int`, got \"1\""),
        ({**HEADER_1_1, "minor": -1}, r"field minor: expected `int` >= 0, got -1"),
        (
            {**HEADER_1_1, "format": "other"},
            r"field format: expected one of \"hipsight.landmarks\"",
        ),
        ({"format": "hipsight.landmarks", "version": 1}, r"field meta: required field is missing"),
        ([1, 2], r"\(the whole document\): expected `object`, got \[1, 2\]"),
    ],
)
def test_header_errors_name_field_expected_and_actual(
    tmp_path: Path, header: Any, message: str
) -> None:
    path = _rewritten(tmp_path, header=header)
    with pytest.raises(InputError, match=message) as info:
        read_landmarks(path)
    assert str(info.value).startswith(f"{path}: landmarks header field ")


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            {"t": np.array([0.0, 0.1, 0.1])},
            r"t\[2\]: expected a time after t\[1\] = 0.1 .*, got 0.1",
        ),
        ({"t": np.array([0.0, np.nan, 0.2])}, r"t\[1\]: expected a finite number, got nan"),
        ({"t": np.zeros(0)}, r"t: expected shape \(T,\) with T >= 1, got \(0,\)"),
        ({"visibility": np.full((3, 33), 1.5)}, r"visibility\[0, 0\]: expected a value in 0..1"),
        ({"presence": np.full((3, 33), -0.1)}, r"presence\[0, 0\]: expected a value in 0..1"),
        (
            {"world_xyz": np.zeros((3, 33, 2))},
            r"world_xyz: expected shape \(T, 33, 3\) = \(3, 33, 3\)",
        ),
        ({"image_xy": np.zeros((2, 33, 2))}, r"image_xy: expected shape .* got \(2, 33, 2\)"),
        ({"image_xy": np.zeros((3, 33, 2), dtype=bool)}, r"image_xy: expected real numbers"),
    ],
)
def test_array_errors_name_index_expected_and_actual(
    tmp_path: Path, arrays: dict[str, Any], message: str
) -> None:
    path = _rewritten(tmp_path, **arrays)
    with pytest.raises(InputError, match=message) as info:
        read_landmarks(path)
    assert str(info.value).startswith(f"{path}: array ")


def test_other_number_dtypes_are_read_as_float64(tmp_path: Path) -> None:
    arrays = {k: v.astype(np.float32) for k, v in example_arrays().items()}
    seq, _ = read_landmarks(_rewritten(tmp_path, **arrays))
    assert seq.image_xy.dtype == np.float64


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a hipsight landmarks file"),
        (b"PK\x03\x04 truncated", "not a hipsight landmarks file"),
    ],
)
def test_broken_archives_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken_landmarks.npz"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_landmarks(path)


def test_an_npz_without_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, **example_arrays())
    with pytest.raises(InputError, match="missing header"):
        read_landmarks(path)


def test_meta_from_dict_uses_the_schema() -> None:
    assert SequenceMeta.from_dict({"frame_size": [4, 3]}).frame_size == (4, 3)
    with pytest.raises(InputError, match=r"x\.npz: landmarks meta field frame_size\[0\]"):
        SequenceMeta.from_dict({"frame_size": [0, 3]}, where="x.npz")


# ----------------------------------------------------------------------------- analysis and CLI


def test_no_person_names_the_landmarks_file_and_the_video_as_its_source() -> None:
    path = _example("no-person.npz")
    seq, warnings = load_sequence(path, AnalysisOptions(), notify=lambda m: None)
    with pytest.raises(NoPersonError) as info:
        analyse_sequence(seq, AnalysisOptions(calibration="none"), warnings)
    assert str(info.value) == (
        f"{path} (landmarks file; source: clips/demo.mp4): no person found in 3 frames"
    )


def test_analyze_passes_the_newer_minor_note_on_as_a_warning() -> None:
    _, warnings = load_sequence(
        _example("v1.3-newer-minor.npz"), AnalysisOptions(), notify=lambda m: None
    )
    assert len(warnings) == 1 and "segmentation_area" in warnings[0]


@pytest.mark.parametrize("name", ["meta-not-object.npz", "infinite-coordinates.npz"])
def test_cli_prints_one_line_and_exits_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _example(name)
    code = main(["analyze", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"hipsight: error: {path}: ")
    assert not (tmp_path / "out").exists()


def test_calibration_messages_name_the_landmarks_file() -> None:
    from hipsight.calibration.store import CameraCalibration, apply_calibration

    path = _example("v1.1.npz")
    seq = PoseSequence.from_npz(path)
    undistorted = seq.with_image_xy(seq.image_xy, "undistort(calibration=a)").with_meta(
        calibration="a"
    )
    assert undistorted.input_label == seq.input_label  # derived sequences keep their origin
    with pytest.raises(InputError) as info:
        apply_calibration(undistorted, CameraCalibration(name="b", image_size=(640, 480)))
    assert str(info.value).startswith(
        f"{path} (landmarks file; source: clips/demo.mp4): landmarks were already undistorted"
    )
