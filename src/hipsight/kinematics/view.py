"""Which way the camera sees the person, per frame, from the landmarks alone.

The view is the **camera-to-body angle** of
:func:`~hipsight.kinematics.camera_angle.estimate_camera_angle`: 0° = a pure side view, 90° =
facing the camera or the back turned to it. A 2D angle is trusted only where the camera is
within its :class:`ViewTolerance` of the view it needs: the sagittal angles near 0°, the
frontal ones near 90°. The tolerances come from an error model (``validation/view_tolerance.py``,
docs/validation.md): the largest camera angle at which the angle's 2D value stays within its
stated error on the synthetic sweep, minus the estimator's own typical error on real video
(``ESTIMATE_ERROR_DEG``), so that a gate decision taken on an estimate that is off by that much
still stays safe.

The old width-ratio classifier (:func:`width_ratio`, :func:`classify_view`, fixed limits 0.35 /
0.45) is kept for comparison in the validation scripts and for turning detection; it cannot tell
0° from 45° on real video and depends on the person's build, so no gate uses it.
"""

from __future__ import annotations

import dataclasses
import warnings
import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.camera_angle import estimate_camera_angle
from hipsight.kinematics.table import AngleTable, View
from hipsight.pose.landmarks import (
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SIDES,
    Side,
    landmark_index,
)
from hipsight.pose.sequence import PoseSequence
from hipsight.results import ProcessingStep

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SIDE_MAX_RATIO = 0.35  # legacy width-ratio classifier: at most this for a side view
FRONT_MIN_RATIO = 0.45  # ... at least this for a front (or back) view
NEAR_SIDE_TOLERANCE = 0.05  # mean visibilities of the legs closer than this are a tie

ESTIMATE_ERROR_DEG = 8.0
"""Typical error of :func:`estimate_camera_angle` on real video: MAE 7.9° against multi-view
triangulation (Pose2Sim demo, docs/validation.md). Every tolerance is reduced by it."""

SIGMA_SCALE = 1.3
""":func:`estimate_camera_angle`'s stated uncertainty is optimistic on real video: ±1σ held 57 %
of the Pose2Sim frames, ±1.29σ held 68 % (docs/validation.md). The per-metric gates use
``SIGMA_SCALE × σ``, a calibrated 1σ (rounded up)."""

ESTIMATE_BIAS_DEG: dict[View, tuple[tuple[float, float], ...]] = {
    "side": ((30.0, 0.0), (45.0, 5.9), (60.0, 2.7), (75.0, 1.2)),
    "front": ((15.0, 5.4),),
}
"""Per view, rows ``(estimated angle off the view up to, bias)``: how much further off the view
the camera truly was, on median, among the real Pose2Sim frames whose estimate fell in that
band (conditional on the estimate, as a gate sees it; only bands with ≥ 50 frames; a bias toward
the view is taken as 0, never credited). Near frontal, |sin| saturates: frames estimated within
15° of the front were truly 5.4° further off on median. No real frames exist below 30° off the
side (docs/validation.md), so the side view's first band is unmeasured and taken as 0."""

VIEW_BANDS: tuple[tuple[float, float], ...] = ((0, 15), (15, 30), (30, 45), (45, 60), (60, 90))


def width_ratio(seq: PoseSequence) -> NDArray[np.float64]:
    """(T,) mean of shoulder and hip image width over torso length; ~0.1 side, ~0.7+ front."""
    xy = seq.image_xy
    shoulder_w = np.linalg.norm(xy[:, LEFT_SHOULDER] - xy[:, RIGHT_SHOULDER], axis=1)
    hip_w = np.linalg.norm(xy[:, LEFT_HIP] - xy[:, RIGHT_HIP], axis=1)
    mid_sh = (xy[:, LEFT_SHOULDER] + xy[:, RIGHT_SHOULDER]) / 2
    mid_hip = (xy[:, LEFT_HIP] + xy[:, RIGHT_HIP]) / 2
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (shoulder_w + hip_w) / 2 / torso
    return np.where(torso > 1e-6, ratio, np.nan)


def near_side(seq: PoseSequence, tolerance: float = NEAR_SIDE_TOLERANCE) -> Side:
    """The leg turned toward the camera: the one whose hip, knee and ankle are more visible.

    Visibilities closer than ``tolerance`` (e.g. synthetic data, or a front view) are a tie; a tie
    goes to the leg whose knee has the smaller world depth (MediaPipe's world z points away from
    the camera), and to the left leg when that does not decide either.
    """
    if not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be in [0, 1], got {tolerance}")
    legs = {side: [landmark_index(p, side) for p in ("hip", "knee", "ankle")] for side in SIDES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a sequence without a person
        vis = {side: float(np.nanmean(seq.visibility[:, idx])) for side, idx in legs.items()}
        depth = {
            side: float(np.nanmean(seq.world_xyz[:, landmark_index("knee", side), 2]))
            for side in SIDES
        }
    if abs(vis["left"] - vis["right"]) > tolerance:
        return "left" if vis["left"] > vis["right"] else "right"
    return "right" if depth["right"] < depth["left"] else "left"


def classify_view(
    ratio: NDArray[np.float64], side_max: float = SIDE_MAX_RATIO, front_min: float = FRONT_MIN_RATIO
) -> NDArray[np.str_]:
    """Legacy width-ratio labels (T,) 'side', 'front', 'oblique' or 'unknown' per frame.

    Kept for comparison (docs/validation.md); gates use :func:`within_view` instead.
    """
    if not side_max < front_min:
        raise ValueError(f"side_max must be below front_min, got {side_max} and {front_min}")
    labels = np.full(ratio.shape, "oblique", dtype="<U8")
    with np.errstate(invalid="ignore"):
        labels[ratio <= side_max] = "side"
        labels[ratio >= front_min] = "front"
    labels[~np.isfinite(ratio)] = "unknown"
    return labels


# ============================================================================ camera angle


@dataclass(frozen=True)
class ViewTolerance:
    """The camera angles at which a 2D value stays within ``max_error_deg`` of the truth.

    - ``geometric_deg``: the largest *true* camera angle off ``view`` (0° = exactly the view) at
      which the value's 2D error stayed within ``max_error_deg`` on the synthetic sweep
      (``validation/view_tolerance.py``: pitch ±20°, clean and 3 px noise);
    - :attr:`within_deg`: that minus ``ESTIMATE_ERROR_DEG``, the limit the gate puts on the
      *estimated* camera angle;
    - ``by_knee_flexion``: for angles whose error grows with knee flexion (knee FPPA: a flexed
      knee seen off-axis looks like valgus), rows ``(knee flexion up to, geometric_deg)`` in
      increasing flexion. A frame takes the row of the first flexion at or above its own; beyond
      the last row it is never trusted. ``geometric_deg`` is then the first row's.
    """

    view: View
    geometric_deg: float
    max_error_deg: float
    by_knee_flexion: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if self.view not in ("side", "front"):
            raise ValueError(f"view must be 'side' or 'front', got {self.view!r}")
        if not 0.0 <= self.geometric_deg <= 90.0:
            raise ValueError(f"geometric_deg must be in [0, 90], got {self.geometric_deg}")
        if not self.max_error_deg > 0:
            raise ValueError(f"max_error_deg must be positive, got {self.max_error_deg}")
        flexion = [row[0] for row in self.by_knee_flexion]
        if flexion != sorted(flexion) or any(
            not 0.0 <= limit <= 90.0 for _, limit in self.by_knee_flexion
        ):
            raise ValueError(
                "by_knee_flexion must be (flexion, geometric_deg) rows in increasing flexion "
                f"with limits in [0, 90], got {self.by_knee_flexion}"
            )

    @property
    def within_deg(self) -> float:
        """The limit on the estimated camera angle off ``view`` (0 when nothing is left)."""
        return max(0.0, self.geometric_deg - ESTIMATE_ERROR_DEG)

    def geometric_limit(self, knee_flexion: FloatArray | None = None) -> FloatArray:
        """The limit on the *true* camera angle off ``view`` (per frame with
        ``by_knee_flexion``: from each frame's knee flexion; -1, never, where it is unknown or
        beyond the last row; ``geometric_deg`` when no flexion is given)."""
        if not self.by_knee_flexion or knee_flexion is None:
            return np.asarray(self.geometric_deg, dtype=np.float64)
        flexion = np.array([row[0] for row in self.by_knee_flexion])
        limits = np.array([row[1] for row in self.by_knee_flexion])
        row = np.searchsorted(flexion, np.abs(np.nan_to_num(knee_flexion, nan=flexion[-1])))
        limit = np.where(row < flexion.size, limits[np.minimum(row, flexion.size - 1)], -1.0)
        return np.asarray(np.where(np.isfinite(knee_flexion), limit, -1.0))

    def accepts(
        self, off_view: FloatArray, margin: FloatArray, knee_flexion: FloatArray | None = None
    ) -> BoolArray:
        """(T,) frames whose estimated angle off the view plus the estimate's ``margin``
        (:func:`estimate_margin_deg`) is within the geometric tolerance: a camera that is off
        by that much more than estimated still keeps the value within ``max_error_deg``."""
        with np.errstate(invalid="ignore"):
            inside = off_view + margin <= self.geometric_limit(knee_flexion)
        return np.asarray(np.isfinite(off_view) & np.isfinite(margin) & inside)

    def limit_deg(self, knee_flexion: FloatArray | None = None) -> FloatArray:
        """(T,) the limit on the estimated angle per frame; with ``by_knee_flexion``, from each
        frame's knee flexion (negative, i.e. never, where the flexion is unknown or beyond the
        last row)."""
        if not self.by_knee_flexion or knee_flexion is None:
            return np.asarray(self.within_deg, dtype=np.float64)
        flexion = np.array([row[0] for row in self.by_knee_flexion])
        limits = np.array([row[1] for row in self.by_knee_flexion]) - ESTIMATE_ERROR_DEG
        row = np.searchsorted(flexion, np.abs(np.nan_to_num(knee_flexion, nan=flexion[-1])))
        limit = np.where(row < flexion.size, limits[np.minimum(row, flexion.size - 1)], -1.0)
        return np.asarray(np.where(np.isfinite(knee_flexion), limit, -1.0))


DEFAULT_TOLERANCES: dict[View, ViewTolerance] = {
    "side": ViewTolerance("side", geometric_deg=28.0, max_error_deg=5.0),
    "front": ViewTolerance("front", geometric_deg=28.0, max_error_deg=5.0),
}
"""The tolerance of a 2D angle without one of its own in ``ANGLE_TOLERANCES``."""

ANGLE_TOLERANCES: dict[str, ViewTolerance] = {}
"""Per 2D angle name, from the sweep (``validation/view_tolerance.py``)."""

_CACHE: dict[int, tuple[weakref.ref[PoseSequence], tuple[FloatArray, FloatArray]]] = {}


def camera_view_angle(seq: PoseSequence) -> tuple[FloatArray, FloatArray]:
    """(T,) camera-to-body angle (0° side .. 90° front/back) and (T,) its uncertainty, degrees.

    :func:`~hipsight.kinematics.camera_angle.estimate_camera_angle`, remembered per sequence
    (the gates of one analysis ask for it several times). NaN where the torso is not seen.
    """
    key = id(seq)
    cached = _CACHE.get(key)
    if cached is not None and cached[0]() is seq:
        return cached[1]
    result = estimate_camera_angle(seq)
    for stale in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[stale]
    _CACHE[key] = (weakref.ref(seq), result)
    return result


def off_view_deg(angle: FloatArray, view: View) -> FloatArray:
    """(T,) how far the camera is from ``view``: the angle itself for a side view, 90° minus it
    for a front (or back) view."""
    if view not in ("side", "front"):
        raise ValueError(f"view must be 'side' or 'front', got {view!r}")
    return np.asarray(angle if view == "side" else 90.0 - angle, dtype=np.float64)


def estimate_margin_deg(off_view: FloatArray, sigma: FloatArray, view: View) -> FloatArray:
    """(T,) how much further off ``view`` the camera may truly be than estimated, per frame.

    ``SIGMA_SCALE × σ`` (the estimator's uncertainty, calibrated to cover 68 % of real frames)
    plus the real estimator's bias away from the view in the frame's band of estimated angle
    (``ESTIMATE_BIAS_DEG``; near frontal views the estimate reads too frontal).
    """
    rows = ESTIMATE_BIAS_DEG[view]
    upto = np.array([row[0] for row in rows])
    bias = np.array([row[1] for row in rows] + [0.0])
    band = np.searchsorted(upto, np.nan_to_num(off_view, nan=999.0), side="right")
    return np.asarray(SIGMA_SCALE * sigma + bias[band], dtype=np.float64)


def view_margin(seq: PoseSequence, view: View) -> tuple[FloatArray, FloatArray]:
    """(T,) estimated camera angle off ``view`` and (T,) its :func:`estimate_margin_deg`."""
    angle, sigma = camera_view_angle(seq)
    off = off_view_deg(angle, view)
    return off, estimate_margin_deg(off, sigma, view)


def within_view(
    seq: PoseSequence, tolerance: ViewTolerance, knee_flexion: FloatArray | None = None
) -> BoolArray:
    """(T,) frames whose estimated camera angle is within ``tolerance`` of its view."""
    angle, _ = camera_view_angle(seq)
    off = off_view_deg(angle, tolerance.view)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(off) & (off <= tolerance.limit_deg(knee_flexion)))


def label_views(
    seq: PoseSequence,
    side: ViewTolerance = DEFAULT_TOLERANCES["side"],
    front: ViewTolerance = DEFAULT_TOLERANCES["front"],
) -> NDArray[np.str_]:
    """(T,) 'side', 'front', 'oblique' or 'unknown' per frame, from the camera angle."""
    angle, _ = camera_view_angle(seq)
    labels = np.full(angle.shape, "oblique", dtype="<U8")
    with np.errstate(invalid="ignore"):
        labels[off_view_deg(angle, "side") <= side.within_deg] = "side"
        labels[off_view_deg(angle, "front") <= front.within_deg] = "front"
    labels[~np.isfinite(angle)] = "unknown"
    return labels


def summarise_camera_angle(angle: FloatArray) -> dict[str, object]:
    """Median, 10th and 90th percentile (degrees) and the share of frames per 15° band."""
    finite = angle[np.isfinite(angle)]
    if finite.size == 0:
        return {"n_frames": 0, "median_deg": None, "p10_deg": None, "p90_deg": None, "bands": {}}
    bands = {}
    for low, high in VIEW_BANDS:
        inside = (finite >= low) & ((finite < high) if high < 90 else (finite <= high))
        bands[f"{low:g}-{high:g}"] = round(float(inside.mean()), 4)
    return {
        "n_frames": int(finite.size),
        "median_deg": round(float(np.median(finite)), 1),
        "p10_deg": round(float(np.percentile(finite, 10)), 1),
        "p90_deg": round(float(np.percentile(finite, 90)), 1),
        "bands": bands,
        "estimate_error_deg": ESTIMATE_ERROR_DEG,
    }


def angle_tolerance(name: str, view: View) -> ViewTolerance:
    """The view tolerance of a 2D angle: its own from the sweep, else the view's default."""
    return ANGLE_TOLERANCES.get(name, DEFAULT_TOLERANCES[view])


def apply_view_gate(table: AngleTable, seq: PoseSequence) -> AngleTable:
    """Invalidate each 2D angle in frames where the camera is outside the angle's tolerance.

    Sagittal 2D angles need the camera near a side view, frontal ones near a front (or back)
    view (:func:`angle_tolerance`; knee FPPA's depends on the frame's knee flexion, taken from
    the 3D variant when the table has it). 3D angles are left as they are: they do not depend on
    the view, but carry MediaPipe's weak depth.
    """
    valid = table.valid.copy()
    used: dict[str, float] = {}
    for k, spec in enumerate(table.specs):
        if spec.variant != "2d":
            continue
        tolerance = angle_tolerance(spec.name, spec.view)
        flexion = _knee_flexion(table, spec.side) if tolerance.by_knee_flexion else None
        valid[:, k] &= within_view(seq, tolerance, flexion)
        used[spec.name] = tolerance.within_deg
    return dataclasses.replace(
        table,
        values=np.where(valid, table.values, np.nan),
        valid=valid,
        quality=np.where(valid, table.quality, 0.0),
        interpolated=table.interpolated & valid,
        provenance=(
            *table.provenance,
            ProcessingStep(
                "view_gate",
                {
                    "method": "estimate_camera_angle",
                    "estimate_error_deg": ESTIMATE_ERROR_DEG,
                    "within_deg": used,
                },
            ),
        ),
    )


def _knee_flexion(table: AngleTable, side: str | None) -> FloatArray | None:
    name = f"{side}_knee_flexion_3d"
    return table.column(name) if side is not None and name in table.names else None
