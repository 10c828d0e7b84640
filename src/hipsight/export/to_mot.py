"""Export format ``mot``: the test's angle time series as an OpenSim ``.mot`` (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path

from hipsight.errors import InputError
from hipsight.export.mot import write_mot
from hipsight.results import TestRecord
from hipsight.session.series import load_test_series


def export_test(session: Path, record: TestRecord, out: Path, stem: str) -> Path | None:
    """Write the test's angles as ``<stem>_angles.mot``; None without angles or landmarks."""
    series = load_test_series(session, record)
    if series is None:
        return None
    if series.n_frames == 0:
        raise InputError(f"{series.source}: no frames to export")
    name = f"hipsight {record.result.test} angles ({series.source})"
    return write_mot(out / f"{stem}_angles.mot", series.t, series.names, series.values, name=name)
