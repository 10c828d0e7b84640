"""The angle registry and :func:`compute_angles`: joint and segment angles for all frames at once.

Every angle is defined once, in terms of a small "measurement context" that says how to take a
signed angle in the sagittal plane, where the true vertical is and how to project onto the
frontal plane. The image context (2D variant) and the world context (3D variant) implement
those three things; the angle formulas are shared. See docs/angles.md for the conventions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.config import DEFAULTS
from hipsight.kinematics.anterior import (
    CUE_LANDMARKS,
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_S,
    sense_from_points,
)
from hipsight.kinematics.cleaning import (
    DEFAULT_ORDER,
    filter_butterworth,
    gap_duration,
    interpolate_gaps,
    landmark_validity,
    usable_cutoff,
)
from hipsight.kinematics.geometry import (
    angle_between,
    dot,
    normalize,
    signed_angle_2d,
    signed_angle_about,
    true_horizontal_2d,
    true_up_2d,
    true_up_3d,
    wrap_degrees,
)
from hipsight.kinematics.table import AngleSide, AngleSpec, AngleTable, Kind, Plane, Variant
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.results import ProcessingStep

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

VARIANTS: tuple[Variant, Variant] = ("2d", "3d")
SUFFIX_3D = "_3d"

__all__ = ["ANGLE_NAMES", "ANGLE_SPECS", "SUFFIX_3D", "VARIANTS", "angle_spec", "compute_angles"]


# ============================================================================ contexts


class _Context(ABC):
    """Cleaned landmark tracks of one variant plus the three measurement primitives.

    Vectors between landmarks are computed once and shared by every angle that uses them.
    """

    def __init__(self, points: Mapping[int, FloatArray], up: FloatArray) -> None:
        self.points = points
        self.up = up
        self._vectors: dict[tuple[int, int], FloatArray] = {}

    def vector(self, start: int, end: int) -> FloatArray:
        """(T, D) vector from landmark ``start`` to landmark ``end``."""
        key = (start, end)
        if key not in self._vectors:
            self._vectors[key] = self.points[end] - self.points[start]
        return self._vectors[key]

    def segment(self, part_from: str, part_to: str, side: lm.Side) -> FloatArray:
        return self.vector(lm.landmark_index(part_from, side), lm.landmark_index(part_to, side))

    @cached_property
    def trunk(self) -> FloatArray:
        """Mid-hip → mid-shoulder."""
        mid_shoulder = self.points[lm.LEFT_SHOULDER] + self.points[lm.RIGHT_SHOULDER]
        mid_hip = self.points[lm.LEFT_HIP] + self.points[lm.RIGHT_HIP]
        return (mid_shoulder - mid_hip) / 2.0

    @abstractmethod
    def sagittal(self, a: ArrayLike, b: ArrayLike) -> FloatArray:
        """Signed angle turning ``a`` onto ``b``; positive in the flexion sense."""

    @abstractmethod
    def frontal(self, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Project onto the frontal plane: components (toward the person's left, up)."""


class _ImageContext(_Context):
    """Image landmarks (pixels, y down). ``sense`` is the per-frame sagittal rotation sense."""

    def __init__(self, points: Mapping[int, FloatArray], sense: FloatArray, roll_deg: float):
        super().__init__(points, true_up_2d(roll_deg))
        self.sense = np.where(sense == 0, np.nan, sense)
        horizontal = true_horizontal_2d(roll_deg)
        left_sign = np.sign(dot(self.vector(lm.RIGHT_HIP, lm.LEFT_HIP), horizontal))
        self.left = np.where(left_sign[:, None] == 0, np.nan, left_sign[:, None] * horizontal)

    def sagittal(self, a: ArrayLike, b: ArrayLike) -> FloatArray:
        return self.sense * signed_angle_2d(a, b)

    def frontal(self, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        return dot(v, self.left), dot(v, self.up)


class _WorldContext(_Context):
    """World landmarks (metres, x right, y down, z away). Sagittal axis: right hip minus left."""

    def __init__(self, points: Mapping[int, FloatArray], roll_deg: float):
        super().__init__(points, true_up_3d(roll_deg))
        hip_line = self.vector(lm.RIGHT_HIP, lm.LEFT_HIP)
        self.right_axis = normalize(-hip_line)
        self.left = normalize(hip_line - dot(hip_line, self.up)[:, None] * self.up)

    def sagittal(self, a: ArrayLike, b: ArrayLike) -> FloatArray:
        return signed_angle_about(a, b, self.right_axis, unit_axis=True)

    def frontal(self, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        return dot(v, self.left), dot(v, self.up)


# ============================================================================ angle formulas

Formula = Callable[[_Context], FloatArray]


def _degrees_atan2(y: FloatArray, x: FloatArray) -> FloatArray:
    out = np.arctan2(y, x)
    out *= 180.0 / np.pi
    return out


def hip_flexion(c: _Context, side: lm.Side) -> FloatArray:
    return c.sagittal(-c.trunk, c.segment("hip", "knee", side))


def knee_flexion(c: _Context, side: lm.Side) -> FloatArray:
    return -c.sagittal(c.segment("hip", "knee", side), c.segment("knee", "ankle", side))


def ankle_dorsiflexion(c: _Context, side: lm.Side) -> FloatArray:
    return (
        c.sagittal(c.segment("knee", "ankle", side), c.segment("heel", "foot_index", side)) - 90.0
    )


def thigh_inclination(c: _Context, side: lm.Side) -> FloatArray:
    return c.sagittal(-c.up, c.segment("hip", "knee", side))


def shank_inclination(c: _Context, side: lm.Side) -> FloatArray:
    return -c.sagittal(-c.up, c.segment("knee", "ankle", side))


def trunk_inclination(c: _Context) -> FloatArray:
    return -c.sagittal(c.up, c.trunk)


def _line_tilt(c: _Context, left: int, right: int) -> FloatArray:
    horizontal, vertical = c.frontal(c.vector(right, left))
    return _degrees_atan2(vertical, np.abs(horizontal))


def pelvic_obliquity(c: _Context) -> FloatArray:
    return _line_tilt(c, lm.LEFT_HIP, lm.RIGHT_HIP)


def shoulder_tilt(c: _Context) -> FloatArray:
    return _line_tilt(c, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)


def trunk_lateral_inclination(c: _Context) -> FloatArray:
    toward_left, up = c.frontal(c.trunk)
    return _degrees_atan2(toward_left, up)


def _lateral_sign(side: lm.Side) -> float:
    """+1 where 'toward the person's left' is lateral for this leg."""
    return 1.0 if side == "left" else -1.0


def shank_frontal_inclination(c: _Context, side: lm.Side) -> FloatArray:
    toward_left, up = c.frontal(c.segment("knee", "ankle", side))
    return _degrees_atan2(_lateral_sign(side) * toward_left, -up)


def knee_fppa(c: _Context, side: lm.Side) -> FloatArray:
    thigh = np.stack(c.frontal(c.segment("hip", "knee", side)), axis=-1)
    shank = np.stack(c.frontal(c.segment("knee", "ankle", side)), axis=-1)
    return frontal_projection_angle(thigh, shank, medial_sign=-_lateral_sign(side))


def frontal_projection_angle(
    thigh: FloatArray, shank: FloatArray, medial_sign: float
) -> FloatArray:
    """Thigh–shank angle in frontal coordinates (left, up): + when the knee is medial (valgus).

    ``medial_sign`` is +1 if "toward the person's left" is medial for this leg (the right leg).
    """
    hip_to_ankle = normalize(thigh + shank)
    offset = thigh - dot(thigh, hip_to_ankle)[:, None] * hip_to_ankle
    side = np.sign(medial_sign * offset[:, 0])
    return side * angle_between(thigh, shank)


# ============================================================================ registry

_TRUNK = (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_HIP, lm.RIGHT_HIP)
_HIPS = (lm.LEFT_HIP, lm.RIGHT_HIP)


@dataclass(frozen=True)
class _Definition:
    name: str
    plane: Plane
    kind: Kind
    side: AngleSide
    landmarks: tuple[int, ...]
    zero: str
    sign: str
    formula: Formula
    branch_low: float = -180.0


def _sided(
    base: str,
    plane: Plane,
    kind: Kind,
    parts: Sequence[str],
    extra: tuple[int, ...],
    *,
    zero: str,
    sign: str,
    formula: Callable[[_Context, lm.Side], FloatArray],
    branch_low: float = -180.0,
) -> list[_Definition]:
    definitions = []
    for side in lm.SIDES:
        own = tuple(lm.landmark_index(part, side) for part in parts)
        definitions.append(
            _Definition(
                name=f"{side}_{base}",
                plane=plane,
                kind=kind,
                side=side,
                landmarks=_unique(extra + own),
                zero=zero,
                sign=sign,
                formula=_bind_side(formula, side),
                branch_low=branch_low,
            )
        )
    return definitions


def _bind_side(formula: Callable[[_Context, lm.Side], FloatArray], side: lm.Side) -> Formula:
    def bound(context: _Context) -> FloatArray:
        return formula(context, side)

    return bound


def _unique(indices: Sequence[int]) -> tuple[int, ...]:
    return tuple(sorted(set(indices)))


_DEFINITIONS: tuple[_Definition, ...] = (
    *_sided(
        "hip_flexion", "sagittal", "joint", ("hip", "knee"), _TRUNK,
        zero="thigh in line with the trunk (mid-hip→mid-shoulder), as in anatomical standing",
        sign="flexion positive (thigh rotated anteriorly relative to the trunk), "
        "extension negative",
        formula=hip_flexion,
        branch_low=-120.0,
    ),
    *_sided(
        "knee_flexion", "sagittal", "joint", ("hip", "knee", "ankle"), (),
        zero="shank in line with the thigh (straight knee)",
        sign="flexion positive, hyperextension negative",
        formula=knee_flexion,
        branch_low=-90.0,
    ),
    *_sided(
        "ankle_dorsiflexion", "sagittal", "joint", ("knee", "ankle", "heel", "foot_index"), (),
        zero="foot (heel→foot index) at 90° to the shank (knee→ankle)",
        sign="dorsiflexion positive (toes toward the shin), plantarflexion negative",
        formula=ankle_dorsiflexion,
    ),
    _Definition(
        "trunk_inclination", "sagittal", "segment", None, _TRUNK,
        zero="trunk (mid-hip→mid-shoulder) along the true vertical, upright",
        sign="positive when the trunk leans forward (toward the person's anterior)",
        formula=trunk_inclination,
    ),
    *_sided(
        "thigh_inclination", "sagittal", "segment", ("hip", "knee"), (),
        zero="thigh (hip→knee) pointing straight down along the true vertical",
        sign="positive when the knee is anterior of the hip (rotated in the flexion sense)",
        formula=thigh_inclination,
        branch_low=-135.0,
    ),
    *_sided(
        "shank_inclination", "sagittal", "segment", ("knee", "ankle"), (),
        zero="shank (knee→ankle) pointing straight down along the true vertical",
        sign="positive when the knee is anterior of the ankle",
        formula=shank_inclination,
        branch_low=-135.0,
    ),
    _Definition(
        "pelvic_obliquity", "frontal", "segment", None, _HIPS,
        zero="hip line (right hip→left hip) level with the true horizontal",
        sign="positive when the LEFT hip is higher; same from the front or the back",
        formula=pelvic_obliquity,
    ),
    _Definition(
        "shoulder_tilt", "frontal", "segment", None, (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, *_HIPS),
        zero="shoulder line (right→left shoulder) level with the true horizontal",
        sign="positive when the LEFT shoulder is higher; same from the front or the back",
        formula=shoulder_tilt,
    ),
    _Definition(
        "trunk_lateral_inclination", "frontal", "segment", None, _TRUNK,
        zero="trunk (mid-hip→mid-shoulder) along the true vertical",
        sign="positive when the trunk leans toward the person's LEFT",
        formula=trunk_lateral_inclination,
    ),
    *_sided(
        "knee_fppa", "frontal", "joint", ("hip", "knee", "ankle"), _HIPS,
        zero="hip, knee and ankle in a straight line in the frontal image",
        sign="valgus positive (knee medial of the hip–ankle line), varus negative",
        formula=knee_fppa,
    ),
    *_sided(
        "shank_frontal_inclination", "frontal", "segment", ("knee", "ankle"), _HIPS,
        zero="shank (knee→ankle) along the true vertical in the frontal plane",
        sign="positive when the ankle is lateral of the knee (seated: hip internal rotation)",
        formula=shank_frontal_inclination,
    ),
)  # fmt: skip


def _make_spec(definition: _Definition, variant: Variant) -> AngleSpec:
    landmarks = definition.landmarks
    name = definition.name
    if variant == "3d":
        name += SUFFIX_3D
        if definition.plane == "sagittal":
            landmarks = _unique(landmarks + _HIPS)  # the body's left-right axis
    return AngleSpec(
        name=name,
        plane=definition.plane,
        view="side" if definition.plane == "sagittal" else "front",
        variant=variant,
        kind=definition.kind,
        side=definition.side,
        landmarks=landmarks,
        zero=definition.zero,
        sign=definition.sign,
        branch_deg=(definition.branch_low, definition.branch_low + 360.0),
    )


ANGLE_SPECS: tuple[AngleSpec, ...] = tuple(
    _make_spec(definition, variant) for variant in VARIANTS for definition in _DEFINITIONS
)
"""Every angle, 2D variants first (names without suffix), then 3D variants (suffix ``_3d``)."""

ANGLE_NAMES: tuple[str, ...] = tuple(spec.name for spec in ANGLE_SPECS)

_FORMULAS: dict[str, Formula] = {
    spec.name: definition.formula
    for spec, definition in zip(ANGLE_SPECS, _DEFINITIONS * len(VARIANTS), strict=True)
}


def angle_spec(name: str) -> AngleSpec:
    """Return the registry entry for one angle name."""
    for spec in ANGLE_SPECS:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown angle {name!r}; expected one of {list(ANGLE_NAMES)}")


# ============================================================================ pipeline


_PARALLEL_MIN_FRAMES = 5000
"""Below this many frames (e.g. live mode's rolling window) threads cost more than they save."""


@dataclass(frozen=True)
class _Settings:
    roll_deg: float
    min_visibility: float
    max_gap_s: float
    cutoff_hz: float | None


@dataclass(frozen=True)
class _VariantAngles:
    """(K, T) results for the specs of one variant (time last while computing)."""

    specs: tuple[AngleSpec, ...]
    values: FloatArray
    quality: FloatArray
    interpolated: BoolArray


@dataclass(frozen=True)
class _CleanLandmarks:
    """Landmarks of one variant after validity, gap filling and filtering.

    ``points`` maps a landmark index to its contiguous (T, D) track; ``quality`` and
    ``interpolated`` are (U, T), one row per landmark in ``used`` order.
    """

    points: dict[int, FloatArray]
    quality: FloatArray
    interpolated: BoolArray


def compute_angles(
    seq: PoseSequence,
    *,
    roll_deg: float = 0.0,
    min_visibility: float = DEFAULTS.min_visibility,
    max_gap_s: float = DEFAULTS.max_gap_s,
    cutoff_hz: float | None = DEFAULTS.cutoff_hz,
    variants: Sequence[str] = VARIANTS,
) -> AngleTable:
    """Compute every registered angle for every frame of ``seq``.

    Pipeline, per variant (2D: ``image_xy``, 3D: ``world_xyz``):

    1. landmark validity: visibility ≥ ``min_visibility`` and finite coordinates;
    2. invalid landmarks become NaN;
    3. NaN gaps up to ``max_gap_s`` are filled by linear interpolation over time;
    4. the trajectories are low-pass filtered (zero-phase Butterworth, order 4, ``cutoff_hz``,
       lowered to 0.4 x the frame rate for low frame rates: :func:`~hipsight.kinematics.cleaning.
       usable_cutoff`); skipped when ``cutoff_hz`` is None (live mode on a short window);
    5. angles, each reported on its fixed 360° branch (``AngleSpec.branch_deg``), which holds
       the angle's whole anatomical range: no ±180° jumps, and no drift by a whole turn after
       bad frames (a temporal unwrap drifts when the person turns around in a side view).

    ``roll_deg`` is the camera roll, positive when the camera is turned clockwise as seen from
    behind it; segment angles against the true vertical/horizontal are corrected by it, joint
    angles do not depend on it. Each step and its parameters are recorded in ``provenance``.
    """
    chosen = _check_arguments(seq, roll_deg, min_visibility, max_gap_s, variants)
    if cutoff_hz is not None and seq.n_frames > 1:
        cutoff_hz = usable_cutoff(cutoff_hz, seq.fps)  # recorded in the provenance as used
    settings = _Settings(roll_deg, min_visibility, max_gap_s, cutoff_hz)
    if len(chosen) > 1 and seq.n_frames >= _PARALLEL_MIN_FRAMES:
        # The variants are independent and numpy/scipy release the GIL: use two cores.
        with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
            parts = list(pool.map(partial(_variant_angles, seq, settings=settings), chosen))
    else:
        parts = [_variant_angles(seq, variant, settings) for variant in chosen]

    values = np.concatenate([part.values for part in parts])
    is_valid = np.isfinite(values)
    quality = np.concatenate([part.quality for part in parts])
    interpolated = np.concatenate([part.interpolated for part in parts])
    return AngleTable(
        t=seq.t.copy(),
        # (K, T) computed, (T, K) exposed as transposed views: no copy, and one angle's
        # column stays contiguous in memory.
        values=values.T,
        valid=is_valid.T,
        quality=np.where(is_valid, quality, 0.0).T,
        interpolated=(interpolated & is_valid).T,
        specs=tuple(spec for part in parts for spec in part.specs),
        provenance=(
            *seq.meta.provenance,
            *_provenance(chosen, settings, seq.fps),
        ),
    )


def _variant_angles(seq: PoseSequence, variant: Variant, settings: _Settings) -> _VariantAngles:
    specs = tuple(spec for spec in ANGLE_SPECS if spec.variant == variant)
    cues = list(CUE_LANDMARKS) if variant == "2d" else []
    used = _unique([i for spec in specs for i in spec.landmarks] + cues)
    row_of = {index: row for row, index in enumerate(used)}
    clean = _clean_landmarks(seq, variant, used, settings)
    context = _make_context(variant, clean.points, seq.t, settings.roll_deg)
    shape = (len(specs), seq.n_frames)
    values, quality = np.empty(shape), np.empty(shape)
    interpolated = np.empty(shape, dtype=bool)
    for k, spec in enumerate(specs):
        rows = [row_of[i] for i in spec.landmarks]
        values[k] = wrap_degrees(_FORMULAS[spec.name](context), spec.branch_deg[0])
        quality[k] = clean.quality[rows].min(axis=0)
        interpolated[k] = clean.interpolated[rows].any(axis=0)
    return _VariantAngles(specs, values, quality, interpolated)


def _check_arguments(
    seq: PoseSequence,
    roll_deg: float,
    min_visibility: float,
    max_gap_s: float,
    variants: Sequence[str],
) -> tuple[Variant, ...]:
    if not isinstance(seq, PoseSequence):
        raise TypeError(f"seq must be a PoseSequence, got {type(seq).__name__}")
    if not np.isfinite(roll_deg):
        raise ValueError(f"roll_deg must be a finite number of degrees, got {roll_deg}")
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    if not max_gap_s >= 0:
        raise ValueError(f"max_gap_s must be >= 0 seconds, got {max_gap_s}")
    if isinstance(variants, str):
        raise TypeError(
            f"variants must be a sequence such as ('2d', '3d'), got the string {variants!r}"
        )
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        raise ValueError(
            f"variants must be a non-empty subset of {VARIANTS}, got {tuple(variants)}"
        )
    return tuple(v for v in VARIANTS if v in variants)


def _clean_landmarks(
    seq: PoseSequence, variant: Variant, used: Sequence[int], settings: _Settings
) -> _CleanLandmarks:
    """Steps 1-4 of the pipeline on the ``used`` landmarks, in a (landmark, coordinate, time)
    layout: contiguous time series make every step several times faster than (T, 33, D)."""
    coords = seq.image_xy if variant == "2d" else seq.world_xyz
    n, dims = seq.n_frames, coords.shape[-1]
    columns = (np.asarray(used)[:, None] * dims + np.arange(dims)).ravel()
    series = coords.reshape(n, -1).T[columns].reshape(len(used), dims, n)
    visibility = seq.visibility.T[list(used)]
    valid = landmark_validity(visibility, settings.min_visibility)
    valid &= np.isfinite(series).all(axis=1)
    masked = np.where(valid[:, None, :], series, np.nan)
    filled = interpolate_gaps(masked, seq.t, settings.max_gap_s, axis=-1)
    interpolated = np.isfinite(filled[:, 0]) & ~valid
    if settings.cutoff_hz is not None:
        filled = filter_butterworth(filled, seq.fps, settings.cutoff_hz, DEFAULT_ORDER, axis=-1)
    quality = _landmark_quality(visibility, valid, interpolated, seq.t, settings.max_gap_s)
    points = {index: np.ascontiguousarray(filled[row].T) for row, index in enumerate(used)}
    return _CleanLandmarks(points=points, quality=quality, interpolated=interpolated)


def _landmark_quality(
    visibility: FloatArray,
    valid: BoolArray,
    interpolated: BoolArray,
    t: FloatArray,
    max_gap_s: float,
) -> FloatArray:
    """(U, T) landmark quality: the visibility where valid; across a filled gap, the visibility
    interpolated from the gap's edges times a gap-length penalty falling linearly from 1 to 0.5
    at ``max_gap_s``; 0 elsewhere."""
    quality = np.where(valid, np.minimum(visibility, 1.0), 0.0)
    if interpolated.any():
        masked = np.where(valid, visibility, np.nan)
        bridged = interpolate_gaps(masked, t, max_gap_s, axis=-1)[interpolated]
        gap = gap_duration(masked, t, axis=-1)[interpolated]
        penalty = 1.0 - 0.5 * np.minimum(gap / max(max_gap_s, 1e-12), 1.0)
        quality[interpolated] = np.minimum(bridged * penalty, 1.0)
    return quality


def _make_context(
    variant: Variant, points: dict[int, FloatArray], t: FloatArray, roll_deg: float
) -> _Context:
    if variant == "3d":
        return _WorldContext(points, roll_deg)
    sense = sense_from_points(points, t, window_s=DEFAULT_WINDOW_S, threshold=DEFAULT_THRESHOLD)
    return _ImageContext(points, sense, roll_deg)


def _provenance(
    variants: tuple[Variant, ...], settings: _Settings, fs: float
) -> list[ProcessingStep]:
    steps = [
        ProcessingStep("landmark_validity", {"min_visibility": settings.min_visibility}),
        ProcessingStep("interpolate_gaps", {"max_gap_s": settings.max_gap_s, "method": "linear"}),
        ProcessingStep(
            "filter_butterworth",
            {
                "cutoff_hz": settings.cutoff_hz,
                "order": DEFAULT_ORDER,
                "fs": round(fs, 3),
                "zero_phase": "filtfilt",
            }
            if settings.cutoff_hz is not None
            else {"cutoff_hz": None, "skipped": True},
        ),
    ]
    if "2d" in variants:
        steps.append(
            ProcessingStep(
                "estimate_sagittal_sense",
                {
                    "cues": ["nose-vs-ears", "heel-to-toe"],
                    "window_s": DEFAULT_WINDOW_S,
                    "threshold": DEFAULT_THRESHOLD,
                },
            )
        )
    steps.append(ProcessingStep("roll_correction", {"roll_deg": settings.roll_deg}))
    steps.append(ProcessingStep("compute_angles", {"variants": list(variants)}))
    return steps
