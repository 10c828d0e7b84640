"""Fuzzing the session readers: a mutated results.json or summary.json gives a valid object or
one InputError line, never another exception, and nothing is written from a refused file.

The figures (documents tried, read, refused, escaped) are printed in pytest's summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from fuzz import FuzzReport, fuzz_settings, mutated_bytes, mutated_documents
from hipsight.errors import InputError
from hipsight.export.session import export_session
from hipsight.finish import finish_session
from hipsight.history.db import HistoryDB
from hipsight.results import SessionResults
from hipsight.session.reader import load_session
from hipsight.session.summary import read_summary
from results_examples import RESULTS_1_2, SUMMARY_1_2

N_EXAMPLES = 300


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_results")


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")  # NaN/Infinity as Python writes them
    return path


def assert_one_line_naming(outcome: InputError, path: Path) -> None:
    message = str(outcome)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message, message


def assert_valid_session(session: SessionResults) -> None:
    for record in session.tests:
        for metric in record.result.metrics:
            assert (metric.value is None) == (metric.status == "not_measurable")
            assert 0.0 <= metric.quality <= 1.0 and metric.n_frames >= 0


def test_mutated_results(fuzz_report: FuzzReport, fuzz_dir: Path) -> None:
    tally = fuzz_report.tally("results.json")

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_documents(RESULTS_1_2))
    def run(case: tuple[Any, list[str]]) -> None:
        document, log = case
        path = write_json(fuzz_dir / "results.json", document)
        outcome = tally.run(lambda: load_session(path), log)
        if isinstance(outcome, InputError):
            assert_one_line_naming(outcome, path)
        else:
            assert_valid_session(outcome)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0


def test_damaged_results_files(fuzz_report: FuzzReport, fuzz_dir: Path) -> None:
    tally = fuzz_report.tally("results.json bytes")
    valid = json.dumps(RESULTS_1_2).encode()

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_bytes(valid))
    def run(case: tuple[bytes, list[str]]) -> None:
        content, log = case
        path = fuzz_dir / "results.json"
        path.write_bytes(content)
        outcome = tally.run(lambda: load_session(path), log)
        if isinstance(outcome, InputError):
            assert_one_line_naming(outcome, path)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.refused > 0


def test_mutated_summaries(fuzz_report: FuzzReport, fuzz_dir: Path) -> None:
    tally = fuzz_report.tally("summary.json")

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_documents(SUMMARY_1_2))
    def run(case: tuple[Any, list[str]]) -> None:
        document, log = case
        path = write_json(fuzz_dir / "summary.json", document)
        outcome = tally.run(lambda: read_summary(path), log)
        if isinstance(outcome, InputError):
            assert_one_line_naming(outcome, path)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0


def test_history_import_survives_mutated_results(fuzz_report: FuzzReport, tmp_path: Path) -> None:
    """``history import``: a refused file adds no row; an accepted one is imported."""
    tally = fuzz_report.tally("history import of results.json")
    db_path = tmp_path / "history.sqlite"

    @fuzz_settings(100)
    @given(mutated_documents(RESULTS_1_2))
    def run(case: tuple[Any, list[str]]) -> None:
        document, log = case
        path = write_json(tmp_path / "results.json", document)
        with HistoryDB.open(db_path) as db:
            before = len(db.sessions())

            def read_and_import() -> str:
                return db.import_session(load_session(path), source=path)

            outcome = tally.run(read_and_import, log)
            if isinstance(outcome, InputError):
                assert len(db.sessions()) == before  # nothing partial

    run()
    tally.check(min_tried=100)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d["tests"][0]["metrics"][0].__setitem__("n_frames", None),
        lambda d: d["tests"][0].__setitem__("metrics", "abc"),
        lambda d: d["tests"].__setitem__(0, {}),
    ],
    ids=["null count", "list is a string", "empty test"],
)
def test_a_refused_file_writes_no_report_export_or_history(tmp_path: Path, corrupt: Any) -> None:
    document = json.loads(json.dumps(RESULTS_1_2))
    corrupt(document)
    session = tmp_path / "session"
    session.mkdir()
    write_json(session / "results.json", document)
    db = tmp_path / "history.sqlite"
    with pytest.raises(InputError, match=r"results\.json: results field tests\[0\]"):
        finish_session(session, db_path=db)
    with pytest.raises(InputError, match=r"results\.json: results field tests\[0\]"):
        export_session(session, "csv")
    assert sorted(p.name for p in session.iterdir()) == ["results.json"]
    assert not db.exists()
