"""The declared layouts of the calibration TOML files (docs/calibration.md), as msgspec types.

The readers (:meth:`CameraCalibration.from_dict
<hipsight.calibration.store.CameraCalibration.from_dict>`,
:meth:`PersonBaseline.from_dict <hipsight.calibration.baseline.PersonBaseline.from_dict>`)
check ``format`` and ``version`` first (:func:`require_format`), then convert the parsed TOML
into these types with :func:`hipsight.schema.convert_document`: every field's type and range
is checked before any field is used, and a problem is one InputError line naming the file, the
field, the expected and the actual value. Keys the types do not declare are ignored.

Numbers have bounds, so NaN and infinities (which TOML can write) are refused wherever a
measured value belongs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from hipsight.errors import InputError
from hipsight.schema import MinorVersion, show_value

PositiveInt = Annotated[int, Meta(gt=0, le=1_000_000)]
Count = Annotated[int, Meta(ge=0, le=1_000_000_000)]
Coefficient = Annotated[float, Meta(ge=-1e9, le=1e9)]  # finite
Row3 = tuple[Coefficient, Coefficient, Coefficient]
Pixels = Annotated[float, Meta(ge=0.0, le=1e6)]
Millimetres = Annotated[float, Meta(gt=0.0, le=1e6)]
Roll = Annotated[float, Meta(gt=-90.0, le=90.0)]
Pitch = Annotated[float, Meta(ge=-90.0, le=90.0)]
Degrees = Annotated[float, Meta(ge=-360.0, le=360.0)]
Spread = Annotated[float, Meta(ge=0.0, le=1e9)]  # a standard deviation or an error bound
Seconds = Annotated[float, Meta(ge=0.0, le=1e6)]
Length = Annotated[float, Meta(ge=0.0, le=100.0)]  # a stature fraction or metres
HeightCm = Annotated[float, Meta(ge=50.0, le=250.0)]
ViewName = Literal["front", "side"]

__all__ = [
    "BaselineDocument",
    "CalibrationDocument",
    "IntrinsicsTable",
    "LevelTable",
    "SegmentsTable",
    "StanceViewTable",
    "UncertaintyTable",
    "require_format",
]


class UncertaintyTable(msgspec.Struct, kw_only=True):
    """``[intrinsics.uncertainty]`` of ``NAME.toml`` (since 1.1): standard deviations of the
    intrinsics, and the angle errors (2 SD, degrees) they propagate to."""

    fx_px: Spread
    fy_px: Spread
    cx_px: Spread
    cy_px: Spread
    dist_coeffs: Annotated[list[Spread], Meta(max_length=14)]
    edge_angle_deg: Spread
    roll_deg: Spread
    pitch_deg: Spread
    ray_deg: Spread


class IntrinsicsTable(msgspec.Struct, kw_only=True):
    """``[intrinsics]`` of ``NAME.toml``."""

    camera_matrix: tuple[Row3, Row3, Row3]
    dist_coeffs: Annotated[list[Coefficient], Meta(min_length=4, max_length=14)]
    rms_px: Pixels | None = None
    n_views: Count = 0
    board: tuple[PositiveInt, PositiveInt] | None = None
    square_mm: Millimetres | None = None
    per_view_rms_px: Annotated[list[Pixels], Meta(max_length=10_000)] = msgspec.field(
        default_factory=list
    )  # since 1.1
    uncertainty: UncertaintyTable | None = None  # since 1.1


class LevelTable(msgspec.Struct, kw_only=True):
    """``[level]`` of ``NAME.toml``."""

    roll_deg: Roll
    pitch_deg: Pitch | None = None
    method: str | None = None
    created: str | None = None


class CalibrationDocument(msgspec.Struct, kw_only=True):
    """``calibration/NAME.toml``, version 1.x (1.1 added ``minor_version``,
    ``intrinsics.per_view_rms_px`` and ``[intrinsics.uncertainty]``)."""

    format: Literal["hipsight.calibration"]
    version: Annotated[int, Meta(ge=1)]
    minor_version: MinorVersion = 0
    name: str
    image_size: tuple[PositiveInt, PositiveInt]
    created: str = ""
    source: str = ""
    intrinsics: IntrinsicsTable | None = None
    level: LevelTable | None = None


class StanceViewTable(msgspec.Struct, kw_only=True):
    """``[views.front]`` or ``[views.side]`` of ``person_NAME.toml``."""

    angles_deg: dict[str, Degrees] = msgspec.field(default_factory=dict)
    source: str = ""
    created: str = ""
    still_s: Seconds = 0.0
    n_frames: Count = 0
    roll_deg: Degrees = 0.0
    calibration: str | None = None


class SegmentsTable(msgspec.Struct, kw_only=True):
    """``[segments]`` of ``person_NAME.toml``."""

    view: ViewName | None = None
    relative: dict[str, Length] = msgspec.field(default_factory=dict)
    metres: dict[str, Length] = msgspec.field(default_factory=dict)


class BaselineDocument(msgspec.Struct, kw_only=True):
    """``calibration/person_NAME.toml``, version 1."""

    format: Literal["hipsight.baseline"]
    version: Annotated[int, Meta(ge=1)]
    person: str
    created: str = ""
    updated: str = ""
    height_cm: HeightCm | None = None
    segments: SegmentsTable = msgspec.field(default_factory=SegmentsTable)
    views: dict[ViewName, StanceViewTable] = msgspec.field(default_factory=dict)


def require_format(data: Any, expected: str, max_version: int, where: str, what: str) -> None:
    """Raise InputError unless ``data`` is a table with ``format = expected`` and a readable
    version (an integer, not newer than ``max_version``)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected a table of {what} fields, got {show_value(data)}")
    if data.get("format") != expected:
        raise InputError(f"{where}: expected format {expected!r}, got {data.get('format')!r}")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version > max_version:
        raise InputError(
            f"{where}: {what} format version {version!r} is not one this hipsight reads "
            f"(up to {max_version}); upgrade hipsight"
        )
