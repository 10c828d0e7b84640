"""``hipsight export SESSION --format csv|mot|json|npz``: a session's data in one folder.

- ``csv``  one angles CSV per test (the analysis's own CSV, or recomputed from the landmarks);
- ``mot``  one OpenSim ``.mot`` per test with the same angles (docs/exports.md);
- ``json`` ``results.json`` with its file paths rewritten relative to the export folder;
- ``npz``  the landmarks of each test (docs/landmarks-format.md).

Each file is written atomically. Tests without the data a format needs are listed in
``ExportOutcome.skipped`` with the reason.
"""

# Lazy imports on purpose: kinematics (scipy) is imported only when angles must be recomputed.

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from hipsight.errors import InputError
from hipsight.export.angles_csv import write_angles_csv
from hipsight.export.mot import write_mot
from hipsight.export.series import load_test_sequence, load_test_series, resolve_test_file
from hipsight.fileio import write_bytes_atomic
from hipsight.results import SessionResults, TestRecord, load_results

ExportFormat = Literal["csv", "mot", "json", "npz"]
FORMATS: tuple[str, ...] = get_args(ExportFormat)
DEFAULT_SUBDIR = "export"

__all__ = ["FORMATS", "ExportOutcome", "export_session", "file_stems", "results_path_of"]


@dataclass(frozen=True)
class ExportOutcome:
    """What an export wrote, and which tests it skipped and why."""

    written: tuple[Path, ...]
    skipped: tuple[str, ...] = ()


def results_path_of(session: str | Path) -> Path:
    """The ``results.json`` of a session folder, or the file itself; InputError if absent."""
    path = Path(session)
    if path.is_dir():
        path = path / "results.json"
    if not path.is_file():
        raise InputError(
            f"{path}: no results.json here; expected a session folder or its results.json"
        )
    return path


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
        raise InputError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    results_path = results_path_of(session_dir)
    session = results_path.parent
    results = load_results(results_path)
    out = Path(out_dir) if out_dir is not None else session / DEFAULT_SUBDIR
    if fmt == "json":
        return ExportOutcome(written=(export_json(results, session, out),))
    writer = {"csv": export_test_csv, "mot": export_test_mot, "npz": export_test_npz}[fmt]
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


def export_test_csv(session: Path, record: TestRecord, out: Path, stem: str) -> Path | None:
    """Copy the test's angles CSV, or write one from its landmarks."""
    target = out / f"{stem}_angles.csv"
    source = resolve_test_file(session, record, "csv")
    if source is not None and source.is_file():
        return write_bytes_atomic(target, source.read_bytes())
    seq = load_test_sequence(session, record)
    if seq is None:
        return None
    from hipsight.kinematics.angles import compute_angles  # scipy: only when needed

    return write_angles_csv(target, seq, compute_angles(seq))


def export_test_mot(session: Path, record: TestRecord, out: Path, stem: str) -> Path | None:
    """Write the test's angle time series as an OpenSim ``.mot``."""
    series = load_test_series(session, record)
    if series is None:
        return None
    if series.n_frames == 0:
        raise InputError(f"{series.source}: no frames to export")
    name = f"hipsight {record.result.test} angles ({series.source})"
    return write_mot(out / f"{stem}_angles.mot", series.t, series.names, series.values, name=name)


def export_test_npz(session: Path, record: TestRecord, out: Path, stem: str) -> Path | None:
    """Copy the test's landmarks ``.npz``."""
    source = resolve_test_file(session, record, "landmarks")
    if source is None:
        return None
    if not source.is_file():
        raise InputError(f"{source}: landmarks file listed in results.json is missing")
    return write_bytes_atomic(out / f"{stem}_landmarks.npz", source.read_bytes())


def export_json(results: SessionResults, session: Path, out: Path) -> Path:
    """``results.json`` in ``out``, with file paths relative to ``out`` so they still resolve."""
    records = tuple(
        dataclasses.replace(record, files=rebase_files(record, session, out))
        for record in results.tests
    )
    return dataclasses.replace(results, tests=records).save(out / "results.json")


def rebase_files(record: TestRecord, session: Path, out: Path) -> dict[str, str]:
    rebased = {}
    for kind in record.files:
        path = resolve_test_file(session, record, kind)
        if path is None:
            continue
        rebased[kind] = Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()
    return rebased
