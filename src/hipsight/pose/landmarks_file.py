"""The landmarks file (``*_landmarks.npz``): its declared schema, checked before any field is used.

Format and compatibility rules: docs/landmarks-format.md. In short, the format version is
MAJOR.MINOR, stored as the header's ``version`` (MAJOR) and ``minor`` (MINOR, 0 when absent).
A reader refuses a newer MAJOR ("upgrade hipsight"); it reads a newer MINOR, ignoring the
header keys and arrays it does not know, with a note the caller can print.

:func:`read_landmarks_content` checks, in order: the file is an ``.npz`` archive; the header is a
JSON object of the right format and a readable version; the header matches
:class:`LandmarksHeader` (every field's type and range); every array has the right dtype,
shape and values (:data:`ARRAY_SPECS`). Every problem raises one
:class:`~hipsight.errors.InputError` line naming the file, the field and the expected and
actual value. It returns plain validated data; :mod:`hipsight.pose.sequence` builds the
:class:`~hipsight.pose.sequence.PoseSequence`.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
from msgspec import Meta
from numpy.typing import NDArray

from hipsight.errors import InputError
from hipsight.pose.landmarks import N_LANDMARKS
from hipsight.schema import MajorVersion, MinorVersion, convert_document, unknown_fields

FloatArray = NDArray[np.float64]

LANDMARKS_FORMAT = "hipsight.landmarks"
MAJOR_VERSION = 1
MINOR_VERSION = 2  # 1.1 added `minor` and `written_by`; 1.2 added `meta.processing`
HEADER_KEY = "header"
WHAT = "landmarks header"

PositiveInt = Annotated[int, Meta(gt=0, le=1_000_000)]
FrameRate = Annotated[float, Meta(gt=0.0, le=100_000.0)]  # NaN and infinity fail both bounds


class StepDocument(msgspec.Struct, kw_only=True):
    """One structured processing step: its name and parameters."""

    name: Annotated[str, Meta(min_length=1)]
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class LandmarksMeta(msgspec.Struct, kw_only=True):
    """The header's ``meta``: the fields of :class:`~hipsight.pose.sequence.SequenceMeta`."""

    frame_size: tuple[PositiveInt, PositiveInt]
    source: str = ""
    fps_reported: FrameRate | None = None
    rotation_deg: Literal[0, 90, 180, 270] = 0
    model_name: str = ""
    model_sha256: str = ""
    calibration: str | None = None
    subject: dict[str, Any] = msgspec.field(default_factory=dict)
    provenance: list[str] = msgspec.field(default_factory=list)  # the steps as text (1.0 on)
    processing: list[StepDocument] = msgspec.field(default_factory=list)  # structured (1.2 on)


class LandmarksVersion(msgspec.Struct, kw_only=True):
    """What every version of the header has: read first, so a newer MAJOR is refused cleanly."""

    format: Literal["hipsight.landmarks"]
    version: MajorVersion
    minor: MinorVersion = 0


class LandmarksHeader(msgspec.Struct, kw_only=True):
    """The JSON header of a landmarks file, version 1.x."""

    format: Literal["hipsight.landmarks"]
    version: MajorVersion
    minor: MinorVersion = 0
    written_by: str = ""
    meta: LandmarksMeta


@dataclass(frozen=True)
class ArraySpec:
    """One array of the file: its shape after the frame axis, whether NaN is allowed, its range."""

    name: str
    trailing: tuple[int, ...]
    nan_allowed: bool
    bounds: tuple[float, float] | None = None

    @property
    def shape_text(self) -> str:
        """``(T, 33, 2)``; ``(T,)`` for one dimension."""
        dims = ["T", *(str(n) for n in self.trailing)]
        return f"({dims[0]},)" if len(dims) == 1 else "(" + ", ".join(dims) + ")"


ARRAY_SPECS = (
    ArraySpec("t", (), nan_allowed=False),
    ArraySpec("image_xy", (N_LANDMARKS, 2), nan_allowed=True),
    ArraySpec("world_xyz", (N_LANDMARKS, 3), nan_allowed=True),
    ArraySpec("visibility", (N_LANDMARKS,), nan_allowed=True, bounds=(0.0, 1.0)),
    ArraySpec("presence", (N_LANDMARKS,), nan_allowed=True, bounds=(0.0, 1.0)),
)
ARRAY_NAMES = tuple(spec.name for spec in ARRAY_SPECS)

# What numpy and zipfile raise for a missing, truncated or corrupt archive.
_ARCHIVE_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
)


@dataclass(frozen=True)
class LandmarksContent:
    """A landmarks file after validation: its header, its arrays (float64) and notes."""

    header: LandmarksHeader
    arrays: dict[str, FloatArray]
    notes: tuple[str, ...] = ()


def read_landmarks_content(path: str | os.PathLike[str]) -> LandmarksContent:
    """Read and validate a landmarks file; InputError (one line, naming ``path``) if it is bad."""
    where = str(path)
    header_text, raw_arrays, extra = read_archive(Path(path))
    raw = parse_header(header_text, where)
    check_version(raw, where)
    header = convert_document(raw, LandmarksHeader, where, WHAT)
    arrays = check_arrays(raw_arrays, where)
    notes = ignored_notes(header, unknown_fields(raw, LandmarksHeader), extra, where)
    return LandmarksContent(header=header, arrays=arrays, notes=notes)


def read_archive(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray], tuple[str, ...]]:
    """The header array, the known arrays and the names of unknown members of an ``.npz``."""
    try:
        loaded = np.load(path, allow_pickle=False)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except _ARCHIVE_ERRORS as exc:
        raise InputError(f"{path}: not a hipsight landmarks file ({_first_line(exc)})") from exc
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise InputError(f"{path}: not a hipsight landmarks file (a single .npy array, not .npz)")
    with loaded:
        names = tuple(loaded.files)
        missing = [n for n in (HEADER_KEY, *ARRAY_NAMES) if n not in names]
        if missing:
            raise InputError(
                f"{path}: not a hipsight landmarks file (missing {', '.join(missing)}; "
                f"expected {', '.join((HEADER_KEY, *ARRAY_NAMES))})"
            )
        try:
            header = loaded[HEADER_KEY]
            arrays = {name: loaded[name] for name in ARRAY_NAMES}
        except _ARCHIVE_ERRORS as exc:
            raise InputError(f"{path}: damaged landmarks file ({_first_line(exc)})") from exc
    extra = tuple(n for n in names if n not in (HEADER_KEY, *ARRAY_NAMES))
    return header, arrays, extra


def parse_header(header: np.ndarray, where: str) -> Any:
    """The header's JSON, parsed (NaN allowed, as Python's json writes it)."""
    if header.dtype.kind != "U" or header.shape != ():
        raise InputError(
            f"{where}: {WHAT}: expected a JSON text (a 0-d str array), got a "
            f"{header.dtype} array of shape {header.shape}"
        )
    try:
        return json.loads(str(header[()]))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{where}: {WHAT} is not valid JSON ({_first_line(exc)})") from exc


def check_version(raw: Any, where: str) -> None:
    """Refuse another format or a newer MAJOR version before the rest of the header is read."""
    version = convert_document(raw, LandmarksVersion, where, WHAT)
    if version.version > MAJOR_VERSION:
        raise InputError(
            f"{where}: landmarks format version {version.version}.{version.minor} is newer than "
            f"this hipsight reads ({MAJOR_VERSION}.{MINOR_VERSION}); upgrade hipsight"
        )


def check_arrays(raw_arrays: dict[str, np.ndarray], where: str) -> dict[str, FloatArray]:
    """Every array checked against its :class:`ArraySpec`; returned as float64."""
    n_frames = frame_count(raw_arrays["t"], where)
    return {
        spec.name: check_array(raw_arrays[spec.name], spec, n_frames, where) for spec in ARRAY_SPECS
    }


def frame_count(t: np.ndarray, where: str) -> int:
    """T, from the shape of ``t`` (which must be 1-D and not empty)."""
    if t.ndim != 1 or t.shape[0] == 0:
        raise InputError(f"{where}: array t: expected shape (T,) with T >= 1, got {t.shape}")
    return int(t.shape[0])


def check_array(arr: np.ndarray, spec: ArraySpec, n_frames: int, where: str) -> FloatArray:
    """One array: real-number dtype, shape (T, ...), finite (or NaN where allowed), in range."""
    label = f"{where}: array {spec.name}"
    if arr.dtype.kind not in "fiu":
        raise InputError(f"{label}: expected real numbers (float64), got dtype {arr.dtype}")
    expected = (n_frames, *spec.trailing)
    if arr.shape != expected:
        raise InputError(f"{label}: expected shape {spec.shape_text} = {expected}, got {arr.shape}")
    values = arr.astype(np.float64)
    check_finite(values, spec, where)
    if spec.bounds is not None:
        check_bounds(values, spec, spec.bounds, where)
    if spec.name == "t":
        check_increasing(values, where)
    return values


def check_finite(values: FloatArray, spec: ArraySpec, where: str) -> None:
    bad = ~np.isfinite(values)
    if spec.nan_allowed:
        bad &= ~np.isnan(values)
    if bad.any():
        index = _first(bad)
        wanted = "a finite number or NaN" if spec.nan_allowed else "a finite number"
        raise InputError(
            f"{where}: array {spec.name}{_index_text(index)}: expected {wanted}, "
            f"got {values[index]}"
        )


def check_bounds(
    values: FloatArray, spec: ArraySpec, bounds: tuple[float, float], where: str
) -> None:
    low, high = bounds
    bad = (values < low) | (values > high)  # NaN compares False: allowed here
    if bad.any():
        index = _first(bad)
        raise InputError(
            f"{where}: array {spec.name}{_index_text(index)}: expected a value in "
            f"{low:g}..{high:g} (or NaN), got {values[index]}"
        )


def check_increasing(t: FloatArray, where: str) -> None:
    steps = np.diff(t)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0)) + 1
        raise InputError(
            f"{where}: array t[{i}]: expected a time after t[{i - 1}] = {t[i - 1]} "
            f"(strictly increasing), got {t[i]}"
        )


def ignored_notes(
    header: LandmarksHeader, unknown: list[str], extra_arrays: tuple[str, ...], where: str
) -> tuple[str, ...]:
    """One note listing what the reader ignored (keys and arrays from a newer minor version)."""
    if not unknown and not extra_arrays:
        return ()
    parts = []
    if unknown:
        parts.append("header fields " + ", ".join(unknown))
    if extra_arrays:
        parts.append("arrays " + ", ".join(extra_arrays))
    return (
        f"{where}: landmarks format {header.version}.{header.minor} (this hipsight reads "
        f"{MAJOR_VERSION}.{MINOR_VERSION}); ignored what it does not know: {'; '.join(parts)}",
    )


def header_document(meta: dict[str, Any], written_by: str) -> dict[str, Any]:
    """The header a writer stores (the current version)."""
    return {
        "format": LANDMARKS_FORMAT,
        "version": MAJOR_VERSION,
        "minor": MINOR_VERSION,
        "written_by": written_by,
        "meta": meta,
    }


def _first(mask: NDArray[np.bool_]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _index_text(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
