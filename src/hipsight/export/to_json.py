"""Export format ``json``: ``results.json`` with its file paths relative to the export folder."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from hipsight.results import SessionResults, TestRecord
from hipsight.session.series import resolve_test_file
from hipsight.session.writer import save_session


def export_file(results: SessionResults, session: Path, out: Path) -> Path:
    """``results.json`` in ``out``, with file paths relative to ``out`` so they still resolve."""
    records = tuple(
        dataclasses.replace(record, files=rebase_files(record, session, out))
        for record in results.tests
    )
    return save_session(dataclasses.replace(results, tests=records), out / "results.json")


def rebase_files(record: TestRecord, session: Path, out: Path) -> dict[str, str]:
    """The record's file paths, relative to ``out`` (POSIX separators)."""
    rebased = {}
    for kind in record.files:
        path = resolve_test_file(session, record, kind)
        if path is None:
            continue
        rebased[kind] = Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()
    return rebased
