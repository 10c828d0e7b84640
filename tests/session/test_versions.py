"""Forward and backward compatibility of results.json and summary.json, on stored example files.

The rule for every hipsight file: the current version and the one before it are read; a newer
MINOR version is read and its unknown keys are ignored with a note; a newer MAJOR version is
refused with an "upgrade" message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hipsight.errors import InputError
from hipsight.session.codec import RESULTS_MINOR_VERSION, RESULTS_VERSION, encode_session
from hipsight.session.reader import load_session
from hipsight.session.summary import SUMMARY_MINOR_VERSION, SUMMARY_VERSION, read_summary
from results_examples import DATA_DIR, build_examples


def _example(name: str) -> Path:
    return DATA_DIR / name


@pytest.mark.parametrize(
    "name", ["results-v1.0.json", "results-v1.1.json", "results-v1.2.json", "results-v1.3.json"]
)
def test_results_of_this_and_the_previous_version_are_read(name: str) -> None:
    notes: list[str] = []
    session = load_session(_example(name), warn=notes.append)
    assert notes == []
    assert session.session_id == "a1b2c3d4e5f6" and session.person == "Ann"
    (record,) = session.tests
    assert record.result.metric("internal_rotation", "left").value == 24.0
    assert record.result.metric("internal_rotation", "right").status == "not_measurable"
    assert [f.id for f in record.result.findings] == ["hip_rotation.internal_rotation.left"]
    assert len(record.processing) == (0 if name.endswith("1.0.json") else 2)
    n_reps = record.result.metric("internal_rotation", "left").n_reps
    assert n_reps == (1 if name.endswith(("1.2.json", "1.3.json")) else None)
    filled = record.result.metric("internal_rotation", "left").filled_fraction
    assert filled == (0.15 if name.endswith("1.3.json") else None)


def test_the_writer_writes_the_current_results_version() -> None:
    session = load_session(_example("results-v1.3.json"))
    document = encode_session(session, "test")
    assert (document["version"], document["minor_version"]) == (
        RESULTS_VERSION,
        RESULTS_MINOR_VERSION,
    )
    stored = json.loads(_example("results-v1.3.json").read_text())
    assert set(document) == set(stored), "a new top-level key needs a new minor version"
    assert set(document["tests"][0]) == set(stored["tests"][0]), "... so does a new test key"
    metric_keys = set(document["tests"][0]["metrics"][0])
    assert metric_keys == set(stored["tests"][0]["metrics"][0]), "... and a new metric key"


def test_newer_minor_results_are_read_with_a_note() -> None:
    notes: list[str] = []
    session = load_session(_example("results-v1.4-newer-minor.json"), warn=notes.append)
    assert session.tests[0].result.metric("internal_rotation", "left").value == 24.0
    assert len(notes) == 1
    assert "results version 1.4 is newer" in notes[0]
    assert "signed_by" in notes[0] and "tests[0].video_hash" in notes[0]


def test_newer_major_results_are_refused_with_upgrade() -> None:
    path = _example("results-v2.0-newer-major.json")
    with pytest.raises(InputError, match=r"results version 2 is newer .*upgrade hipsight") as info:
        load_session(path)
    assert str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("name", ["summary-v1.0.json", "summary-v1.1.json", "summary-v1.2.json"])
def test_summaries_of_this_and_the_previous_version_are_read(name: str) -> None:
    summary, notes = read_summary(_example(name))
    assert notes == ()
    assert summary.n_frames == 230 and summary.side.analysed == "left"
    assert summary.angles["left_hip_flexion"].p95 == 38.7


def test_newer_minor_summary_is_read_with_a_note_and_newer_major_refused() -> None:
    summary, notes = read_summary(_example("summary-v1.3-newer-minor.json"))
    assert summary.n_frames == 230
    assert len(notes) == 1 and "camera_height_m" in notes[0]
    with pytest.raises(InputError, match=r"summary version 2\.2 is newer .*upgrade hipsight"):
        read_summary(_example("summary-v2.0-newer-major.json"))
    assert (SUMMARY_VERSION, SUMMARY_MINOR_VERSION) == (1, 2)


def test_stored_examples_are_what_the_script_builds(tmp_path: Path) -> None:
    for built in build_examples(tmp_path):
        assert built.read_text() == (DATA_DIR / built.name).read_text(), built.name
