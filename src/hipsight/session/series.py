"""Angle time series read back from a session folder: a test's CSV, else its landmarks.

The report, the ``.mot`` export and the CSV export all need the same thing: the angles of one
test over time. :func:`load_test_series` reads the test's angles CSV when the session has one
(the numbers the analysis wrote, view gate included) and otherwise recomputes the angles from
the saved landmarks ``.npz`` with :func:`hipsight.kinematics.angles.compute_angles`.
"""

# Lazy imports on purpose: kinematics (scipy) is imported only when angles must be recomputed.

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hipsight.errors import InputError
from hipsight.kinematics.table import AngleTable
from hipsight.pose.sequence import PoseSequence
from hipsight.results import ProcessingStep, TestRecord

FloatArray = NDArray[np.float64]

CSV_LEAD_COLUMNS = ("frame", "time_s", "detected", "quality")
CSV_VIEW_COLUMNS = ("camera_angle_deg", "camera_angle_uncertainty_deg")  # since hipsight 0.x
ANGLE_COLUMN_SUFFIX = "_deg"

__all__ = [
    "AngleSeries",
    "load_test_sequence",
    "load_test_series",
    "read_angles_csv",
    "resolve_test_file",
    "series_from_table",
]


@dataclass(frozen=True)
class AngleSeries:
    """Angles of one recording over time, in degrees.

    - ``t``        (T,)   seconds
    - ``values``   (T, K) degrees, NaN where the angle was not valid
    - ``quality``  (T,)   per-frame quality 0..1 when known (from the CSV), else None
    """

    t: FloatArray
    names: tuple[str, ...]
    values: FloatArray
    source: str
    quality: FloatArray | None = None
    provenance: tuple[ProcessingStep, ...] = ()

    def __post_init__(self) -> None:
        if self.t.ndim != 1:
            raise ValueError(f"t must have shape (T,), got {self.t.shape}")
        expected = (self.t.shape[0], len(self.names))
        if self.values.shape != expected:
            raise ValueError(
                f"values must have shape {expected} (T, names), got {self.values.shape}"
            )
        if self.quality is not None and self.quality.shape != self.t.shape:
            raise ValueError(f"quality must have shape {self.t.shape}, got {self.quality.shape}")

    @property
    def n_frames(self) -> int:
        return int(self.t.shape[0])

    def has(self, name: str) -> bool:
        return name in self.names

    def column(self, name: str) -> FloatArray:
        """(T,) degrees of one angle; KeyError naming the angles present when absent."""
        if name not in self.names:
            raise KeyError(f"no angle {name!r} in {self.source}; have {list(self.names)}")
        return self.values[:, self.names.index(name)]

    def valid_fraction(self, name: str) -> float:
        """Share of frames where the angle has a value."""
        column = self.column(name)
        return float(np.isfinite(column).mean()) if column.size else 0.0


def series_from_table(table: AngleTable, source: str) -> AngleSeries:
    """An :class:`AngleSeries` from a computed :class:`AngleTable` (invalid values become NaN)."""
    values = np.where(table.valid, table.values, np.nan)
    return AngleSeries(
        t=np.array(table.t, dtype=np.float64),
        names=table.names,
        values=values,
        source=source,
        provenance=table.provenance,
    )


def read_angles_csv(path: str | Path) -> AngleSeries:
    """Read an angles CSV written by :func:`hipsight.session.angles_csv.write_angles_csv`."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: unreadable angles CSV ({exc})") from exc
    if not rows:
        raise InputError(
            f"{path}: empty angles CSV, expected a header row {list(CSV_LEAD_COLUMNS)} + angles"
        )
    header = rows[0]
    if tuple(header[: len(CSV_LEAD_COLUMNS)]) != CSV_LEAD_COLUMNS:
        raise InputError(
            f"{path}: not a hipsight angles CSV; expected the header to start with "
            f"{list(CSV_LEAD_COLUMNS)}, got {header[: len(CSV_LEAD_COLUMNS)]}"
        )
    lead = len(CSV_LEAD_COLUMNS)
    while lead < len(header) and header[lead] in CSV_VIEW_COLUMNS:
        lead += 1  # the camera angle columns (optional: older files lack them)
    angle_columns = header[lead:]
    bad = [c for c in angle_columns if not c.endswith(ANGLE_COLUMN_SUFFIX)]
    if bad:
        raise InputError(f"{path}: angle columns must end in {ANGLE_COLUMN_SUFFIX!r}, got {bad}")
    table = _parse_cells(path, rows[1:], len(header))
    t = table[:, 1]
    if t.size and not np.isfinite(t).all():
        raise InputError(f"{path}: every row needs a time_s value")
    return AngleSeries(
        t=t,
        names=tuple(c[: -len(ANGLE_COLUMN_SUFFIX)] for c in angle_columns),
        values=table[:, lead:],
        source=f"csv: {path.name}",
        quality=np.nan_to_num(table[:, 3]),
    )


def _parse_cells(path: Path, rows: list[list[str]], width: int) -> FloatArray:
    out = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{path}: row {i + 2} has {len(row)} cells, expected {width}")
        for j, cell in enumerate(row):
            if cell:
                try:
                    out[i, j] = float(cell)
                except ValueError as exc:
                    raise InputError(
                        f"{path}: row {i + 2}, column {j + 1}: not a number: {cell!r}"
                    ) from exc
    return out


def resolve_test_file(session_dir: str | Path, record: TestRecord, kind: str) -> Path | None:
    """The path of one of a test's files (``csv``, ``landmarks``, ``video``), or None if not listed.

    Paths in ``results.json`` are relative to its folder; absolute paths are used as they are.
    The file may not exist; callers report that.
    """
    value = record.files.get(kind)
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else Path(session_dir) / path


def load_test_sequence(session_dir: str | Path, record: TestRecord) -> PoseSequence | None:
    """The test's landmarks, or None when the session lists none. InputError if unreadable."""
    path = resolve_test_file(session_dir, record, "landmarks")
    if path is None:
        return None
    if not path.is_file():
        raise InputError(f"{path}: landmarks file listed in results.json is missing")
    try:
        return PoseSequence.from_npz(path)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def load_test_series(
    session_dir: str | Path, record: TestRecord, sequence: PoseSequence | None = None
) -> AngleSeries | None:
    """The test's angles: its CSV when listed, else computed from its landmarks, else None.

    ``sequence`` may pass landmarks the caller has already loaded.
    """
    csv_path = resolve_test_file(session_dir, record, "csv")
    if csv_path is not None:
        if not csv_path.is_file():
            raise InputError(f"{csv_path}: angles CSV listed in results.json is missing")
        return read_angles_csv(csv_path)
    seq = sequence if sequence is not None else load_test_sequence(session_dir, record)
    if seq is None:
        return None
    from hipsight.kinematics.angles import compute_angles

    landmarks = resolve_test_file(session_dir, record, "landmarks")
    name = landmarks.name if landmarks is not None else "landmarks"
    return series_from_table(compute_angles(seq), source=f"landmarks: {name} (angles recomputed)")
