"""Export format ``npz``: the test's landmarks (docs/landmarks-format.md)."""

from __future__ import annotations

from pathlib import Path

from hipsight.errors import InputError
from hipsight.fileio import write_bytes_atomic
from hipsight.results import TestRecord
from hipsight.session.series import resolve_test_file


def export_test(session: Path, record: TestRecord, out: Path, stem: str) -> Path | None:
    """Copy the test's landmarks ``.npz``; None when the session lists none."""
    source = resolve_test_file(session, record, "landmarks")
    if source is None:
        return None
    if not source.is_file():
        raise InputError(f"{source}: landmarks file listed in results.json is missing")
    return write_bytes_atomic(out / f"{stem}_landmarks.npz", source.read_bytes())
