"""``hipsight export SESSION --format csv|mot|json|npz``: a session's data in one folder.

- ``csv``  one angles CSV per test (the analysis's own CSV, or recomputed from the landmarks);
- ``mot``  one OpenSim ``.mot`` per test with the same angles (docs/exports.md);
- ``json`` ``results.json`` with its file paths rewritten relative to the export folder;
- ``npz``  the landmarks of each test (docs/landmarks-format.md).

Each file is written atomically. Tests without the data a format needs are listed in
``ExportOutcome.skipped`` with the reason. The formats themselves are listed in
:data:`hipsight.export.formats.FORMATS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hipsight.errors import InputError
from hipsight.export.formats import FORMATS, format_names
from hipsight.results import TestRecord
from hipsight.session.reader import load_session, results_path_of

DEFAULT_SUBDIR = "export"

__all__ = ["ExportOutcome", "export_session", "file_stems"]


@dataclass(frozen=True)
class ExportOutcome:
    """What an export wrote, and which tests it skipped and why."""

    written: tuple[Path, ...]
    skipped: tuple[str, ...] = ()


def file_stems(records: Iterable[TestRecord]) -> list[str]:
    """A safe, unique file-name stem per test: its id, with ``-2``, ``-3``... for repeats."""
    stems: list[str] = []
    for record in records:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", record.result.test).strip("_") or "test"
        stem, n = base, 2
        while stem in stems:
            stem, n = f"{base}-{n}", n + 1
        stems.append(stem)
    return stems


def export_session(
    session_dir: str | Path, fmt: str, out_dir: str | Path | None = None
) -> ExportOutcome:
    """Export a session in one format into ``out_dir`` (default: ``SESSION/export``)."""
    if fmt not in FORMATS:
        raise InputError(
            f"unknown export format {fmt!r}; expected one of {', '.join(format_names())}"
        )
    results_path = results_path_of(session_dir)
    session = results_path.parent
    results = load_session(results_path)  # validated before anything is written
    out = Path(out_dir) if out_dir is not None else session / DEFAULT_SUBDIR
    export = FORMATS[fmt]
    if export.scope == "session":
        return ExportOutcome(written=(export.session_exporter()(results, session, out),))
    writer = export.test_exporter()
    written: list[Path] = []
    skipped: list[str] = []
    for record, stem in zip(results.tests, file_stems(results.tests), strict=True):
        try:
            path = writer(session, record, out, stem)
        except InputError as exc:
            skipped.append(f"{record.result.test}: {exc}")
            continue
        if path is None:
            skipped.append(f"{record.result.test}: no angles CSV or landmarks saved for this test")
        else:
            written.append(path)
    return ExportOutcome(written=tuple(written), skipped=tuple(skipped))
