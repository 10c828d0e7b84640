"""Angle time series: :class:`AngleSpec` (what one angle means) and :class:`AngleTable` (values)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.landmarks import N_LANDMARKS
from hipsight.results import ProcessingStep

Plane = Literal["sagittal", "frontal"]
View = Literal["side", "front"]
Variant = Literal["2d", "3d"]
Kind = Literal["joint", "segment"]
AngleSide = Literal["left", "right"] | None

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = ["AngleSpec", "AngleTable"]


@dataclass(frozen=True)
class AngleSpec:
    """The meaning of one angle column. ``zero`` and ``sign`` are human-readable conventions.

    ``branch_deg`` is the half-open interval ``[low, low + 360)`` the values are reported in. It
    contains the angle's whole anatomical range, so the series never jumps by 360° in real movement.
    """

    name: str
    plane: Plane
    view: View
    variant: Variant
    kind: Kind
    side: AngleSide
    landmarks: tuple[int, ...]
    zero: str
    sign: str
    branch_deg: tuple[float, float] = (-180.0, 180.0)

    def __post_init__(self) -> None:
        _check_choice("plane", self.plane, ("sagittal", "frontal"))
        _check_choice("view", self.view, ("side", "front"))
        _check_choice("variant", self.variant, ("2d", "3d"))
        _check_choice("kind", self.kind, ("joint", "segment"))
        _check_choice("side", self.side, ("left", "right", None))
        if not self.landmarks or not all(0 <= i < N_LANDMARKS for i in self.landmarks):
            raise ValueError(
                f"{self.name}: landmarks must be a non-empty tuple of indices in "
                f"[0, {N_LANDMARKS}), got {self.landmarks}"
            )
        low, high = self.branch_deg
        if high - low != 360.0:
            raise ValueError(f"{self.name}: branch_deg must span 360°, got {self.branch_deg}")

    @property
    def column(self) -> str:
        """The CSV column name, ``<name>_deg``."""
        return f"{self.name}_deg"


@dataclass(frozen=True)
class AngleTable:
    """Angles over time: one column per :class:`AngleSpec`, in degrees.

    Shapes (``T`` frames, ``K`` angles):

    - ``t``            (T,)    seconds, the sequence's timestamps
    - ``values``       (T, K)  degrees; NaN where the angle is not valid
    - ``valid``        (T, K)  bool; True where every landmark involved was valid or interpolated
    - ``quality``      (T, K)  0..1; the lowest landmark quality involved, 0 where not valid
    - ``interpolated`` (T, K)  bool; True where a landmark involved was filled across a gap
    """

    t: FloatArray
    values: FloatArray
    valid: BoolArray
    quality: FloatArray
    interpolated: BoolArray
    specs: tuple[AngleSpec, ...]
    provenance: tuple[ProcessingStep, ...] = ()

    def __post_init__(self) -> None:
        _validate_table(self)
        for name in ("t", "values", "valid", "quality", "interpolated"):
            getattr(self, name).flags.writeable = False

    @property
    def names(self) -> tuple[str, ...]:
        """The angle names, in column order."""
        return tuple(spec.name for spec in self.specs)

    @property
    def n_frames(self) -> int:
        return int(self.t.shape[0])

    def index(self, name: str) -> int:
        """Return the column index of angle ``name``."""
        names = self.names
        if name not in names:
            raise KeyError(f"no angle named {name!r}; this table has {list(names)}")
        return names.index(name)

    def column(self, name: str) -> FloatArray:
        """Return the (T,) values of one angle, in degrees (NaN where not valid)."""
        return self.values[:, self.index(name)]

    def validity(self, name: str) -> BoolArray:
        """Return the (T,) validity of one angle."""
        return self.valid[:, self.index(name)]

    def quality_of(self, name: str) -> FloatArray:
        """Return the (T,) quality (0..1) of one angle."""
        return self.quality[:, self.index(name)]

    def spec(self, name: str) -> AngleSpec:
        """Return the :class:`AngleSpec` of one angle."""
        return self.specs[self.index(name)]

    def select(self, names: Iterable[str]) -> AngleTable:
        """Return a table with only the given angles, in the given order."""
        columns = [self.index(name) for name in names]
        return dataclasses.replace(
            self,
            t=self.t.copy(),
            values=self.values[:, columns],
            valid=self.valid[:, columns],
            quality=self.quality[:, columns],
            interpolated=self.interpolated[:, columns],
            specs=tuple(self.specs[i] for i in columns),
        )


def _check_choice(field: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{field} must be one of {allowed}, got {value!r}")


def _validate_table(table: AngleTable) -> None:
    if table.t.ndim != 1:
        raise ValueError(f"t must have shape (T,), got {table.t.shape}")
    shape = (table.t.shape[0], len(table.specs))
    expected_dtypes = {
        "values": np.float64,
        "valid": np.bool_,
        "quality": np.float64,
        "interpolated": np.bool_,
    }
    for name, dtype in expected_dtypes.items():
        arr = getattr(table, name)
        if arr.shape != shape:
            raise ValueError(
                f"{name} must have shape {shape} (T, number of specs), got {arr.shape}"
            )
        if arr.dtype != dtype:
            raise ValueError(f"{name} must have dtype {np.dtype(dtype)}, got {arr.dtype}")
    names = [spec.name for spec in table.specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"angle names must be unique, got duplicates {duplicates}")
