"""Helpers the protocols share: gated metric values and assembling a :class:`TestResult`;
visible landmark tracks and the hidden-body check; the leg nearer the camera; foot-lift and hold
detection with stance-signed values (single-leg stance and single-leg bridge); smoothing and small
reducers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.cleaning import filter_butterworth, landmark_validity, usable_cutoff
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import near_side
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Gates, MeasureContext, Protocol
from hipsight.protocols.gates import ViewCheck, check_frames, mean_quality, metric_view_reason
from hipsight.protocols.segmentation import fill_small_gaps, runs
from hipsight.results import MetricValue, Segment, SideName, TestResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Reducer = Callable[[NDArray[np.float64]], float]

SMOOTH_S = 0.3  # moving-mean window before a peak or minimum is read
PEAK_CUTOFF_HZ = 3.0  # low-pass before a squat peak is read (see :func:`lowpass_for_peaks`)

OTHER: dict[SideName, SideName] = {"left": "right", "right": "left"}
LEG_LANDMARKS = (lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_ANKLE, lm.RIGHT_ANKLE)


def gated_metric(
    protocol: Protocol,
    metric: str,
    side: SideName | None,
    table: AngleTable,
    angles: tuple[str, ...],
    phase: NDArray[np.bool_],
    compute: Callable[[NDArray[np.bool_]], float],
    view: ViewCheck | None = None,
    extra: NDArray[np.bool_] | None = None,
    label: str = "",
) -> MetricValue:
    """A metric computed only from frames that pass the gates, else ``not_measurable``.

    Besides the protocol's view, a metric with a declared ``view_tolerance`` needs the camera
    within it, allowing for the camera-angle estimate's margin, in most of its valid frames
    (:func:`~hipsight.protocols.gates.metric_view_reason`): outside it the metric's stated error
    does not hold (validation/view_tolerance.py).

    ``compute`` receives the mask of valid frames and returns the value (NaN if it cannot).
    """
    spec = protocol.metric_spec(metric)
    if view is not None and not view.ok:
        return MetricValue.not_measurable(
            metric, side, spec.unit, view.reason or "wrong camera view", spec.norm
        )
    what = f"{side + ' ' if side else ''}{spec.label[0].lower()}{spec.label[1:]}"
    check = check_frames(table, angles, phase, protocol.gates, extra, label or what)
    if not check.ok:
        return MetricValue.not_measurable(
            metric, side, spec.unit, check.reason or "too few valid frames", spec.norm
        )
    if view is not None and spec.view_tolerance is not None:
        flexion = knee_flexion_of(table, side) if spec.view_tolerance.by_knee_flexion else None
        off_view = metric_view_reason(view, spec.view_tolerance, check.valid, what, flexion)
        if off_view is not None:
            return MetricValue.not_measurable(metric, side, spec.unit, off_view, spec.norm)
    value = compute(check.valid)
    if not np.isfinite(value):
        return MetricValue.not_measurable(
            metric,
            side,
            spec.unit,
            f"{what} could not be computed from the valid frames",
            spec.norm,
        )
    quality = check.fraction * mean_quality(table, angles, check.valid)
    return MetricValue.measured(
        metric,
        side,
        value,
        spec.unit,
        quality,
        check.n_valid,
        spec.norm,
        filled_fraction=filled_share(table, angles, check.valid),
    )


def filled_share(table: AngleTable, angles: tuple[str, ...], frames: BoolArray) -> float:
    """Share of ``frames`` in which one of ``angles`` was filled across a gap (0 without frames)."""
    if not frames.any() or not angles:
        return 0.0
    columns = np.array([table.index(name) for name in angles], dtype=np.intp)
    return float(table.interpolated[np.ix_(frames, columns)].any(axis=1).mean())


def knee_flexion_of(table: AngleTable, side: SideName | None) -> FloatArray | None:
    """(T,) the knee flexion of ``side`` for a tolerance that depends on it: the 3D variant when
    the table has it (it does not depend on the view), else the 2D one; None without a side."""
    if side is None:
        return None
    for name in (f"{side}_knee_flexion_3d", f"{side}_knee_flexion"):
        if name in table.names:
            return table.column(name)
    return None


def side_name(side: str) -> SideName:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return side  # type: ignore[return-value]


def sides_for(
    context: MeasureContext, default: Iterable[SideName] = ("left", "right")
) -> tuple[SideName, ...]:
    """The sides to measure: the context's side when it names one, else ``default``."""
    if context.side in ("left", "right"):
        return (side_name(context.side),)
    return tuple(default)


def segment_from(
    kind: str,
    index: int,
    start: int,
    stop: int,
    t: NDArray[np.float64],
    side: SideName | None = None,
    values: dict[str, float | None] | None = None,
) -> Segment:
    """A Segment with its times filled in from ``t``."""
    stop = max(stop, start + 1)
    return Segment(
        kind,
        index,
        int(start),
        int(stop),
        float(t[start]),
        float(t[min(stop, len(t)) - 1]),
        side,
        values or {},
    )


def assemble_result(
    protocol: Protocol,
    view: ViewCheck,
    metrics: Iterable[MetricValue],
    segments: Iterable[Segment] = (),
    notes: Iterable[str] = (),
) -> TestResult:
    """Status and reasons from the metric values; one TestResult (graded later, not here)."""
    metrics = tuple(metrics)
    ok = [m for m in metrics if m.status == "ok"]
    status: Literal["measured", "partial", "not_measurable"] = (
        "measured"
        if len(ok) == len(metrics) and metrics
        else ("partial" if ok else "not_measurable")
    )
    reasons = tuple(dict.fromkeys(m.reason for m in metrics if m.reason))
    if not view.ok and view.reason and view.reason not in reasons:
        reasons = (view.reason, *reasons)
    return TestResult(
        test=protocol.id,
        title=protocol.title,
        view_required=protocol.view,
        view_detected=view.detected,
        status=status,
        reasons=reasons,
        metrics=metrics,
        segments=tuple(segments),
        notes=tuple(notes),
        key_angles=protocol.angles,
    )


def near_leg(seq: PoseSequence, context: MeasureContext) -> SideName:
    """The leg to measure: the context's side, else the leg nearer the camera
    (:func:`~hipsight.kinematics.view.near_side`, the leg analysis names in its summary)."""
    if context.side in ("left", "right"):
        return context.side
    return near_side(seq)


def landmark_xy(seq: PoseSequence, index: int, min_visibility: float) -> FloatArray:
    """(T, 2) image position of one landmark; NaN where it is not visible enough."""
    seen = landmark_validity(seq.visibility[:, index], min_visibility)
    return np.where(seen[:, None], seq.image_xy[:, index], np.nan)


def landmarks_seen(seq: PoseSequence, indices: Sequence[int], min_visibility: float) -> BoolArray:
    """(T,) frames where every one of ``indices`` is detected and visible enough."""
    seen = landmark_validity(seq.visibility[:, list(indices)], min_visibility).all(axis=1)
    return np.asarray(seen & seq.detected)


def hidden_reason(seq: PoseSequence, indices: Sequence[int], gates: Gates) -> str | None:
    """Why nothing can be measured when the landmarks are hidden in (nearly) every frame."""
    n_seen = int(landmarks_seen(seq, indices, gates.min_visibility).sum())
    if n_seen >= gates.min_valid_frames:
        return None
    names = ", ".join(lm.LANDMARK_NAMES[i].replace("_", " ") for i in indices)
    return (
        f"body not visible: the {names} are visible (visibility >= {gates.min_visibility:g}) in "
        f"only {n_seen} of {seq.n_frames} frames, need {gates.min_valid_frames}; keep the whole "
        "body in the picture"
    )


def hip_width(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) image distance between the hip landmarks, pixels (NaN where a hip is hidden)."""
    left = landmark_xy(seq, lm.LEFT_HIP, min_visibility)
    right = landmark_xy(seq, lm.RIGHT_HIP, min_visibility)
    return np.asarray(np.linalg.norm(left - right, axis=1))


def lifted_feet(
    seq: PoseSequence, min_visibility: float, threshold: float = 0.3
) -> dict[SideName, BoolArray]:
    """Per side, the frames where that foot is off the ground.

    A foot is lifted while its ankle is at least ``threshold`` hip widths higher in the image than
    the other ankle (front or back view; the image y axis points down), read through a running
    median over ``LIFT_MEDIAN_S``: a frame or two of landmark jitter does not put a lifted foot
    down (3 px of noise cut a 7 s hold to 5.2 s), a foot set down for longer does.
    """
    left_y = landmark_xy(seq, lm.LEFT_ANKLE, min_visibility)[:, 1]
    right_y = landmark_xy(seq, lm.RIGHT_ANKLE, min_visibility)[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = fill_small_gaps((right_y - left_y) / hip_width(seq, min_visibility))
    left_higher = running_median(raw, seq.t, LIFT_MEDIAN_S)
    unseen = ~np.isfinite(left_higher)
    with np.errstate(invalid="ignore"):
        return {
            "left": across_unseen(left_higher >= threshold, unseen, seq.t, UNSEEN_HOLD_S),
            "right": across_unseen(left_higher <= -threshold, unseen, seq.t, UNSEEN_HOLD_S),
        }


LIFT_MEDIAN_S = 0.2  # the foot-height running median: longer than jitter, shorter than a touch
# A foot lifted before and after up to this long without landmarks (the person not found) is
# taken as held through it: 10 % of frames dropped in bursts leave such gaps, and splitting the
# hold there cut a 12 s single-leg bridge to 6.2 s. The hold's quality counts those frames as
# unseen.
UNSEEN_HOLD_S = 0.5


def across_unseen(mask: BoolArray, unseen: BoolArray, t: FloatArray, max_gap_s: float) -> BoolArray:
    """``mask`` with its unseen runs (``unseen``, no data) up to ``max_gap_s`` long set True where
    ``mask`` is True on both sides: a state that held before and after a short blind spot."""
    out = mask.copy()
    if t.size < 2:
        return out
    frame_s = float(np.median(np.diff(t)))
    for start, stop in runs(unseen):
        if start == 0 or stop == len(mask) or not (mask[start - 1] and mask[stop]):
            continue
        blind_s = float(t[stop] - t[start - 1]) - frame_s  # the unseen frames' own time
        if blind_s <= max_gap_s + 1e-9:
            out[start:stop] = True
    return out


def running_median(values: FloatArray, t: FloatArray, window_s: float) -> FloatArray:
    """Centred running median over about ``window_s`` (an odd number of frames), ignoring NaN;
    NaN where a whole window is NaN. Edges repeat the first and last value."""
    if t.size < 2:
        return values
    n = round(window_s / float(np.median(np.diff(t)))) // 2 * 2 + 1
    if n < 3:
        return values
    padded = np.pad(values, n // 2, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows stay NaN
        return np.asarray(np.nanmedian(windows, axis=1))


def stance_sign(side: SideName) -> float:
    """+1 for the left leg: frontal angles are positive toward the person's LEFT."""
    return 1.0 if side == "left" else -1.0


def longest_run(mask: BoolArray, t: FloatArray, min_duration_s: float) -> tuple[int, int] | None:
    """The longest True run lasting at least ``min_duration_s`` (its frame range), or None."""
    spans = [(a, b) for a, b in runs(mask) if t[b - 1] - t[a] >= min_duration_s]
    return max(spans, key=lambda s: s[1] - s[0]) if spans else None


def run_duration(t: FloatArray, start: int, stop: int) -> float:
    """Duration of frames ``start..stop`` (stop exclusive), counting the last frame's interval."""
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    return float(t[stop - 1] - t[start]) + dt


def settled(
    start: int, stop: int, t: FloatArray, n_frames: int, settle_s: float = 0.5
) -> BoolArray:
    """(T,) mask of a hold's frames after its first ``settle_s`` seconds."""
    mask = np.zeros(n_frames, dtype=bool)
    mask[start:stop] = t[start:stop] >= t[start] + settle_s
    return mask


def two_leg_frames(lifted: dict[SideName, BoolArray], seq: PoseSequence, gates: Gates) -> BoolArray:
    """(T,) frames of two-leg stance before the first lift (both feet down, legs visible)."""
    any_lift = lifted["left"] | lifted["right"]
    before = np.arange(seq.n_frames) < (int(np.argmax(any_lift)) if any_lift.any() else 0)
    return before & ~any_lift & landmarks_seen(seq, LEG_LANDMARKS, gates.min_visibility)


def baseline_of(values: FloatArray, frames: BoolArray, gates: Gates) -> float | None:
    """Median of ``values`` over ``frames`` when there are enough finite ones, else None."""
    finite = values[frames & np.isfinite(values)]
    return float(np.median(finite)) if finite.size >= gates.min_valid_frames else None


def toward_stance(values: FloatArray, side: SideName, baseline: float | None) -> FloatArray:
    """A frontal angle (+ toward the person's left) signed toward the stance leg, minus baseline."""
    return stance_sign(side) * (values - (baseline or 0.0))


def moving_mean(values: FloatArray, t: FloatArray, window_s: float = SMOOTH_S) -> FloatArray:
    """Centred moving mean over ``window_s`` (NaN stays NaN and is left out of its neighbours).

    Used before taking a peak or a minimum, so that the landmark jitter left after the
    kinematics' low-pass filter does not bias extremes.
    """
    if values.size == 0:
        return values.astype(np.float64)
    dt = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    width = max(1, min(round(window_s / dt) | 1, (values.size - 1) | 1))  # odd, <= the series
    kernel = np.ones(width)
    finite = np.isfinite(values)
    total = np.convolve(np.where(finite, values, 0.0), kernel, mode="same")
    count = np.convolve(finite.astype(np.float64), kernel, mode="same")
    return np.where(finite, total / np.maximum(count, 1.0), np.nan)


def lowpass_for_peaks(
    values: FloatArray, t: FloatArray, cutoff_hz: float = PEAK_CUTOFF_HZ
) -> FloatArray:
    """A second zero-phase Butterworth low-pass (:func:`~hipsight.kinematics.cleaning.
    filter_butterworth`) before a peak is read, so that landmark jitter does not bias it high.

    Unlike :func:`moving_mean`, its gain is flat well below ``cutoff_hz``: a squat rep of 1.5 s
    or longer keeps its peak (docs/protocols.md gives the measured bias). The cutoff is lowered
    to 0.4 x the frame rate for low frame rates; NaN stays NaN, runs too short to filter stay as
    they are.
    """
    if values.size < 2:
        return values.astype(np.float64)
    fs = 1.0 / float(np.median(np.diff(t)))
    return filter_butterworth(values, fs, usable_cutoff(cutoff_hz, fs))


def median_or_nan(values: FloatArray) -> float:
    """Median of the finite values (NaN when there are none)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def finite_mean(values: Sequence[float] | FloatArray) -> float:
    """Mean of the finite values (NaN when there are none)."""
    arr = np.asarray(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    return float(finite.mean()) if finite.size else float("nan")


def mean_over(values: Sequence[float]) -> Callable[[BoolArray], float]:
    """A ``compute`` for :func:`gated_metric`: the mean of per-rep (or per-lift) ``values`` that
    were computed from the same valid frames the gates check; NaN when none is finite."""
    mean = finite_mean(values)
    return lambda valid: mean


def finite_values(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Segment values rounded to 0.01, with None for NaN (results.json has no NaN)."""
    return {
        key: round(float(v), 2) if v is not None and np.isfinite(v) else None
        for key, v in values.items()
    }


def median_over(values: FloatArray) -> Callable[[BoolArray], float]:
    """A ``compute`` for :func:`gated_metric`: the median of ``values`` over the valid frames."""
    return lambda valid: median_or_nan(values[valid])


def not_measurable(
    protocol: Protocol, metric: str, side: SideName | None, reason: str
) -> MetricValue:
    """``not_measurable`` for one of ``protocol``'s metrics, with its declared unit and norm."""
    spec = protocol.metric_spec(metric)
    return MetricValue.not_measurable(metric, side, spec.unit, reason, spec.norm)


def hold_duration(
    protocol: Protocol, metric: str, side: SideName, seq: PoseSequence, hold: tuple[int, int]
) -> MetricValue:
    """A hold time metric: the duration of the hold's frames, quality = share with legs seen."""
    start, stop = hold
    seen = landmarks_seen(seq, LEG_LANDMARKS, protocol.gates.min_visibility)[start:stop]
    duration = run_duration(seq.t, start, stop)
    norm = protocol.metric_spec(metric).norm
    return MetricValue.measured(metric, side, duration, "s", float(seen.mean()), stop - start, norm)
