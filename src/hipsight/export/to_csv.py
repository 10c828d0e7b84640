"""Export format ``csv``: the test's angles CSV (docs/output-formats.md)."""

# Lazy imports on purpose: kinematics (scipy) is imported only when angles must be recomputed.

from __future__ import annotations

from pathlib import Path

from hipsight.fileio import write_bytes_atomic
from hipsight.results import TestRecord
from hipsight.session.angles_csv import write_angles_csv
from hipsight.session.series import load_test_sequence, resolve_test_file


def export_test(session: Path, record: TestRecord, out: Path, stem: str) -> Path | None:
    """Copy the test's angles CSV, or write one from its landmarks; None without either."""
    target = out / f"{stem}_angles.csv"
    source = resolve_test_file(session, record, "csv")
    if source is not None and source.is_file():
        return write_bytes_atomic(target, source.read_bytes())
    seq = load_test_sequence(session, record)
    if seq is None:
        return None
    from hipsight.kinematics.angles import compute_angles  # scipy: only when needed

    return write_angles_csv(target, seq, compute_angles(seq))
