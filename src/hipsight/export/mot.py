"""OpenSim ``.mot`` (Storage) files of angle time series: a writer and a reader.

The layout is the one OpenSim and Sports2D use (documented in docs/exports.md)::

    <name>
    version=1
    nRows=<rows>
    nColumns=<columns including time>
    inDegrees=yes
    endheader
    time<TAB><angle 1><TAB><angle 2>...
    0.000000<TAB>12.340000<TAB>...

Values are degrees with 6 decimals; a missing value is written as ``NaN``, which OpenSim and
pandas both read as not-a-number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.errors import InputError
from hipsight.fileio import atomic_write

FloatArray = NDArray[np.float64]

MOT_SUFFIX = ".mot"
END_HEADER = "endheader"
MISSING = "NaN"
_FORBIDDEN = ("\t", "\n", "\r")

__all__ = ["MotTable", "read_mot", "write_mot"]


@dataclass(frozen=True)
class MotTable:
    """The content of a ``.mot`` file: ``time`` (N,), ``values`` (N, K) for ``columns`` (K)."""

    name: str
    time: FloatArray
    columns: tuple[str, ...]
    values: FloatArray
    in_degrees: bool = True
    header: Mapping[str, str] = field(default_factory=dict)

    def column(self, name: str) -> FloatArray:
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; have {list(self.columns)}")
        return self.values[:, self.columns.index(name)]


def write_mot(
    path: str | Path,
    time: ArrayLike,
    columns: Sequence[str],
    values: ArrayLike,
    name: str = "hipsight angles",
) -> Path:
    """Write angles in degrees to an OpenSim ``.mot`` file, atomically."""
    t, data, names = _check_table(time, columns, values)
    title = " ".join(str(name).split()) or "hipsight angles"
    lines = [
        title,
        "version=1",
        f"nRows={data.shape[0]}",
        f"nColumns={data.shape[1] + 1}",
        "inDegrees=yes",
        END_HEADER,
        "\t".join(("time", *names)),
    ]
    body = (_format_row(t[i], data[i]) for i in range(data.shape[0]))
    with atomic_write(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
        for row in body:
            fh.write(row + "\n")
    return Path(path)


def _check_table(
    time: ArrayLike, columns: Sequence[str], values: ArrayLike
) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    t = np.asarray(time, dtype=np.float64)
    data = np.asarray(values, dtype=np.float64)
    names = tuple(columns)
    if t.ndim != 1:
        raise ValueError(f"time must have shape (N,), got {t.shape}")
    if data.ndim != 2 or data.shape != (t.shape[0], len(names)):
        raise ValueError(
            f"values must have shape {(t.shape[0], len(names))} (rows, columns), got {data.shape}"
        )
    if not np.isfinite(t).all():
        raise ValueError("time must be finite in every row")
    if t.size > 1 and not (np.diff(t) > 0).all():
        raise ValueError("time must be strictly increasing (OpenSim requires it)")
    bad = [n for n in names if not n or any(ch in n for ch in _FORBIDDEN) or n == "time"]
    if bad:
        raise ValueError(
            f"column names must be non-empty, without tabs or newlines, and not 'time'; got {bad}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be unique, got {list(names)}")
    return t, data, names


def _format_row(t: float, row: FloatArray) -> str:
    cells = [f"{t:.6f}"]
    cells.extend(f"{v:.6f}" if math.isfinite(v) else MISSING for v in row.tolist())
    return "\t".join(cells)


def read_mot(path: str | Path) -> MotTable:
    """Read a ``.mot``/``.sto`` file with a ``key=value`` header ended by ``endheader``."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: unreadable .mot file ({exc})") from exc
    end = next((i for i, line in enumerate(lines) if line.strip().lower() == END_HEADER), None)
    if end is None or end + 1 >= len(lines):
        raise InputError(
            f"{path}: not a .mot file; expected a header ended by {END_HEADER!r} and a column row"
        )
    header = _parse_header(lines[:end])
    columns = lines[end + 1].rstrip("\n").split("\t")
    if columns[0].strip().lower() != "time":
        raise InputError(f"{path}: first column must be 'time', got {columns[0]!r}")
    data = _parse_rows(path, lines[end + 2 :], len(columns))
    _check_counts(path, header, data.shape)
    return MotTable(
        name=lines[0].strip() if end > 0 else "",
        time=data[:, 0].copy(),
        columns=tuple(c.strip() for c in columns[1:]),
        values=data[:, 1:].copy(),
        in_degrees=header.get("inDegrees", "no").strip().lower() == "yes",
        header=header,
    )


def _parse_header(lines: Sequence[str]) -> dict[str, str]:
    header = {}
    for line in lines[1:]:
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip()
    return header


def _parse_rows(path: Path, lines: Sequence[str], width: int) -> FloatArray:
    rows = [line.split("\t") for line in lines if line.strip()]
    data = np.full((len(rows), width), np.nan)
    for i, cells in enumerate(rows):
        if len(cells) != width:
            raise InputError(f"{path}: data row {i + 1} has {len(cells)} cells, expected {width}")
        try:
            data[i] = [float(c) for c in cells]
        except ValueError as exc:
            raise InputError(f"{path}: data row {i + 1}: {exc}") from exc
    return data


def _check_counts(path: Path, header: Mapping[str, str], shape: tuple[int, ...]) -> None:
    for key, actual in (("nRows", shape[0]), ("nColumns", shape[1])):
        if key in header and header[key].isdigit() and int(header[key]) != actual:
            raise InputError(f"{path}: header says {key}={header[key]}, the table has {actual}")
