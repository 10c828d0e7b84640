"""The batch's table: one :class:`BatchRow` per recording, ``batch.csv``, ``batch.json`` and the
per-recording marker (``batch_item.json``) that makes a batch resumable."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec

from hipsight.errors import InputError
from hipsight.fileio import write_text_atomic
from hipsight.schema import convert_document

RowStatus = Literal["ok", "not_measurable", "error"]
STATUSES: tuple[RowStatus, ...] = ("ok", "not_measurable", "error")
CSV_NAME = "batch.csv"
JSON_NAME = "batch.json"
MARKER_NAME = "batch_item.json"
BATCH_SCHEMA = "hipsight-batch"
BATCH_VERSION = 1
MARKER_VERSION = 1
FIXED_COLUMNS = (
    "input",
    "output",
    "test",
    "person",
    "session_date",
    "status",
    "reason",
    "n_frames",
    "fps",
    "detected_fraction",
    "seconds",
    "resumed",
    "sha256",
)


@dataclass(frozen=True)
class BatchRow:
    """One recording's outcome: a row of ``batch.csv``.

    ``metrics`` holds the test's headline values by column name (``metric`` or
    ``metric_left``/``metric_right``), None where the metric was not measurable.
    """

    input: str
    output: str
    status: RowStatus
    reason: str = ""
    test: str | None = None
    person: str | None = None
    session_date: str | None = None
    n_frames: int | None = None
    fps: float | None = None
    detected_fraction: float | None = None
    seconds: float = 0.0
    resumed: bool = False
    sha256: str = ""
    metrics: Mapping[str, float | None] = field(default_factory=dict)


class Marker(msgspec.Struct):
    """``batch_item.json``: what input a recording folder was made from, and its row."""

    version: Literal[1]
    sha256: str
    test: str | None
    person: str | None
    row: BatchRow  # the dataclass is the schema


def row_cells(row: BatchRow, metric_columns: Sequence[str]) -> list[str]:
    """The row as CSV cells: fixed columns, then one per metric (empty when missing)."""
    values: dict[str, Any] = dataclasses.asdict(row)
    cells = [format_cell(values[name]) for name in FIXED_COLUMNS]
    return cells + [format_cell(row.metrics.get(name)) for name in metric_columns]


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def metric_columns(rows: Sequence[BatchRow]) -> list[str]:
    return sorted({name for row in rows for name in row.metrics})


def write_csv(rows: Sequence[BatchRow], path: Path) -> Path:
    """``batch.csv`` (atomically): a header and one row per recording, in input order."""
    columns = metric_columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *columns])
    for row in rows:
        writer.writerow(row_cells(row, columns))
    return write_text_atomic(path, buffer.getvalue())


def read_csv(path: Path) -> list[dict[str, str]]:
    """``batch.csv`` as dicts of cells (for tests and tools)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def summarise(
    rows: Sequence[BatchRow], wall_s: float, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``batch.json``: counts, frames, wall time and the rate of the work done in this run."""
    counts = Counter(row.status for row in rows)
    done = [row for row in rows if not row.resumed]
    frames = sum(row.n_frames or 0 for row in done)
    return {
        "schema": BATCH_SCHEMA,
        "version": BATCH_VERSION,
        **dict(extra or {}),
        "recordings": len(rows),
        "counts": {status: counts.get(status, 0) for status in STATUSES},
        "resumed": len(rows) - len(done),
        "processed": len(done),
        "total_frames": frames,
        "wall_s": round(wall_s, 3),
        "frames_per_s": round(frames / wall_s, 2) if wall_s > 0 else None,
        "recordings_per_min": round(60.0 * len(done) / wall_s, 2) if wall_s > 0 else None,
    }


def write_json(summary: Mapping[str, Any], path: Path) -> Path:
    return write_text_atomic(path, json.dumps(summary, indent=2) + "\n")


def write_marker(folder: Path, row: BatchRow) -> Path:
    """Written last, after the recording's outputs: its presence means they are complete."""
    document = {
        "version": MARKER_VERSION,
        "sha256": row.sha256,
        "test": row.test,
        "person": row.person,
        "row": dataclasses.asdict(row),
    }
    return write_text_atomic(folder / MARKER_NAME, json.dumps(document, indent=2) + "\n")


def read_marker(folder: Path) -> Marker | None:
    """The folder's marker, or None when absent or unreadable (the recording is redone)."""
    path = folder / MARKER_NAME
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return convert_document(raw, Marker, str(path), "batch marker")
    except (OSError, ValueError, InputError):
        return None


def row_from_marker(marker: Marker) -> BatchRow:
    return marker.row
