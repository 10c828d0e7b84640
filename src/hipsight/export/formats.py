"""The export formats, in one table.

Each format is one module: a per-test format defines ``export_test(session, record, out, stem)``
(one file per test, or None when the test lacks the data), a per-session format defines
``export_file(results, session, out)``. Adding a format is one module plus one entry in
:data:`FORMATS`; ``hipsight export --format`` offers every entry. Modules are imported when
used, so listing the formats costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from hipsight.results import SessionResults, TestRecord

TestExporter = Callable[[Path, TestRecord, Path, str], Path | None]
SessionExporter = Callable[[SessionResults, Path, Path], Path]
Scope = Literal["test", "session"]

__all__ = ["FORMATS", "ExportFormat", "format_names"]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, what it writes, and the module that writes it."""

    name: str
    description: str
    module: str
    scope: Scope = "test"

    def test_exporter(self) -> TestExporter:
        """The module's ``export_test`` (per-test formats)."""
        return cast(TestExporter, importlib.import_module(self.module).export_test)

    def session_exporter(self) -> SessionExporter:
        """The module's ``export_file`` (per-session formats)."""
        return cast(SessionExporter, importlib.import_module(self.module).export_file)


FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("csv", "one angles CSV per test", "hipsight.export.to_csv"),
        ExportFormat("mot", "one OpenSim .mot per test", "hipsight.export.to_mot"),
        ExportFormat(
            "json",
            "results.json, file paths relative to the export",
            "hipsight.export.to_json",
            scope="session",
        ),
        ExportFormat("npz", "the landmarks of each test", "hipsight.export.to_npz"),
    )
}


def format_names() -> tuple[str, ...]:
    """The names ``--format`` accepts, in table order."""
    return tuple(FORMATS)
