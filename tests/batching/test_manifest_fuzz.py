"""Fuzzing the batch manifest reader: a mutated manifest gives recordings or one InputError line.

The figures (manifests tried, read, refused, escaped) are printed in pytest's summary.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from fuzz import FuzzReport, fuzz_settings, mutated_bytes, mutated_documents
from hipsight.batching.plan import plan_batch
from hipsight.errors import InputError

ROWS: list[dict[str, Any]] = [
    {"path": "a.mp4", "test": "squat", "person": "Ann", "view": "front", "session_date": ""},
    {"path": "b_landmarks.npz", "test": "gait", "person": "", "view": "side", "session_date": ""},
]
COLUMNS = ("path", "test", "person", "view", "session_date")
N_EXAMPLES = 200


def manifest_text(rows: Any) -> str:
    """A CSV of whatever the mutated rows became (non-dicts are written as a raw line)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows if isinstance(rows, list) else [rows]:
        if isinstance(row, dict):
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
        else:
            writer.writerow([row])
    return out.getvalue()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("manifest_fuzz")
    (root / "a.mp4").write_bytes(b"")
    (root / "b_landmarks.npz").write_bytes(b"")
    return root


def check(outcome: Any, path: Path) -> None:
    if isinstance(outcome, InputError):
        message = str(outcome)
        assert message.startswith(f"{path}"), message
        assert "\n" not in message, message
    else:
        assert all(recording.input.name for recording in outcome)


def test_mutated_manifest_rows(fuzz_report: FuzzReport, folder: Path) -> None:
    tally = fuzz_report.tally("batch manifest rows")
    path = folder / "manifest.csv"

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_documents(ROWS))
    def run(case: tuple[Any, list[str]]) -> None:
        rows, log = case
        path.write_text(manifest_text(rows), encoding="utf-8")
        check(tally.run(lambda: plan_batch(path, folder / "out"), log), path)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0


def test_damaged_manifest_bytes(fuzz_report: FuzzReport, folder: Path) -> None:
    tally = fuzz_report.tally("batch manifest bytes")
    path = folder / "damaged.csv"
    valid = manifest_text(ROWS).encode()

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_bytes(valid))
    def run(case: tuple[bytes, list[str]]) -> None:
        content, log = case
        path.write_bytes(content)
        check(tally.run(lambda: plan_batch(path, folder / "out"), log), path)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.refused > 0
