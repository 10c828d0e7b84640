"""Cleaning landmark trajectories: validity from visibility, gap interpolation, low-pass filter.

All functions work on arrays of shape ``(T, ...)`` (time first; ``axis=`` names another time
axis) and are vectorised over the other dimensions. NaN marks a missing sample; nothing here
drops frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.config import DEFAULTS
from hipsight.pose.sequence import PoseSequence
from hipsight.results import ProcessingStep

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

DEFAULT_CUTOFF_HZ = DEFAULTS.cutoff_hz
"""Default low-pass cutoff. 6 Hz is the usual choice for human movement kinematics (Winter,
*Biomechanics and Motor Control of Human Movement*): voluntary movement such as walking,
squatting and bridging has almost all of its power below ~6 Hz; landmark jitter is broadband."""

DEFAULT_ORDER = DEFAULTS.filter_order

__all__ = [
    "DEFAULT_CUTOFF_HZ",
    "DEFAULT_ORDER",
    "fill_landmark_gaps",
    "filter_butterworth",
    "gap_duration",
    "interpolate_gaps",
    "landmark_validity",
    "min_filter_length",
]


def landmark_validity(
    visibility: ArrayLike, min_visibility: float = DEFAULTS.min_visibility
) -> BoolArray:
    """Return True where a landmark's visibility is finite and at least ``min_visibility``."""
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    vis = np.asarray(visibility, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.isfinite(vis) & (vis >= min_visibility)


def interpolate_gaps(
    values: ArrayLike, t: ArrayLike, max_gap_s: float, axis: int = 0
) -> FloatArray:
    """Fill NaN gaps by linear interpolation over time, if the gap is at most ``max_gap_s`` long.

    A gap's length is the time between the finite samples that border it
    (``t[after] - t[before]``), so at 30 fps ``max_gap_s=0.25`` bridges up to six missing frames.
    Longer gaps, and NaN before the first or after the last finite sample, stay NaN.
    ``values`` has time along ``axis`` (default: shape ``(T, ...)``) and is treated series by
    series over the other dimensions; ``t`` has shape ``(T,)``.
    """
    if max_gap_s < 0:
        raise ValueError(f"max_gap_s must be >= 0, got {max_gap_s}")
    series, t_arr, restore = _as_series(values, t, axis)
    out = series.copy()
    gaps = _find_gaps(series, t_arr)
    fill = gaps.span <= max_gap_s
    if fill.any():
        runs = np.repeat(fill, gaps.length)
        rows, cols = gaps.series[runs], gaps.index[runs]
        before = np.repeat(gaps.before[fill], gaps.length[fill])
        after = np.repeat(gaps.after[fill], gaps.length[fill])
        v0 = series[rows, before]
        v1 = series[rows, after]
        weight = (t_arr[cols] - t_arr[before]) / (t_arr[after] - t_arr[before])
        out[rows, cols] = v0 + weight * (v1 - v0)
    return restore(out)


def fill_landmark_gaps(
    seq: PoseSequence,
    max_gap_s: float = DEFAULTS.max_gap_s,
    min_visibility: float = DEFAULTS.min_visibility,
) -> PoseSequence:
    """Return ``seq`` with every landmark's short gaps filled by the angles' own rule.

    A landmark is missing in a frame where its visibility is below ``min_visibility`` or its
    image position is not finite (a frame without a person). Missing runs up to ``max_gap_s``
    long (:func:`interpolate_gaps`) get image and world positions, visibility and presence
    interpolated linearly from the frames that border them, exactly as
    :func:`~hipsight.kinematics.angles.compute_angles` fills them before an angle. The masks
    the protocols compute from the landmarks (camera view, in-plane frames, visible
    landmarks) then agree with the angles, frame by frame. Longer gaps stay as they were, so
    their frames stay missing. The step is recorded with the number of landmark-frames filled.
    """
    stacked = np.concatenate(
        [seq.image_xy, seq.world_xyz, seq.visibility[..., None], seq.presence[..., None]], axis=2
    )
    valid = landmark_validity(seq.visibility, min_visibility) & np.isfinite(seq.image_xy).all(-1)
    masked = np.where(valid[..., None], stacked, np.nan)
    filled = interpolate_gaps(masked, seq.t, max_gap_s, axis=0)
    gap = ~valid & np.isfinite(filled[..., :2]).all(-1)
    out = np.where(gap[..., None] & np.isfinite(filled), filled, stacked)
    step = ProcessingStep(
        "fill_landmark_gaps",
        {
            "max_gap_s": max_gap_s,
            "min_visibility": min_visibility,
            "filled_landmark_frames": int(gap.sum()),
        },
    )
    return seq.with_landmarks(out[..., :2], out[..., 2:5], out[..., 5], out[..., 6], step)


def gap_duration(values: ArrayLike, t: ArrayLike, axis: int = 0) -> FloatArray:
    """Return, for every sample, the length in seconds of the NaN gap it lies in.

    Finite samples get 0. NaN samples inside a gap get ``t[after] - t[before]`` (as in
    :func:`interpolate_gaps`); NaN before the first or after the last finite sample get ``inf``.
    """
    series, t_arr, restore = _as_series(values, t, axis)
    gaps = _find_gaps(series, t_arr)
    duration = np.zeros(series.shape)
    duration[gaps.series, gaps.index] = np.repeat(gaps.span, gaps.length)
    return restore(duration)


def min_filter_length(order: int = DEFAULT_ORDER) -> int:
    """Return the shortest finite run that :func:`filter_butterworth` filters.

    It is one more than ``filtfilt``'s default ``padlen`` of ``3 * (order + 1)`` samples
    (16 samples for order 4: about half a second at 30 fps).
    """
    return 3 * (order + 1) + 1


MAX_CUTOFF_SHARE = 0.4  # a low-pass cutoff at most this share of the frame rate (0.8 x Nyquist)


def usable_cutoff(cutoff_hz: float, fs: float) -> float:
    """``cutoff_hz``, or :data:`MAX_CUTOFF_SHARE` x ``fs`` when that is lower: a frame rate
    cannot carry a cutoff at or above its Nyquist frequency (a 6 Hz filter needs more than
    12 fps; a slow webcam or a 10 fps export gets 4 Hz)."""
    return min(cutoff_hz, MAX_CUTOFF_SHARE * fs)


def filter_butterworth(
    values: ArrayLike,
    fs: float,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    order: int = DEFAULT_ORDER,
    axis: int = 0,
) -> FloatArray:
    """Low-pass filter each series with a zero-phase Butterworth filter (``scipy.signal.filtfilt``).

    The filter runs forward and backward, so it adds no lag and the effective order is twice
    ``order`` (-6 dB at ``cutoff_hz``). It is applied separately to every contiguous run of finite
    samples; NaN stays NaN and never leaks into its neighbours. Runs shorter than
    :func:`min_filter_length` samples are too short for ``filtfilt``'s default edge padding and are
    left as they are (unfiltered) rather than filtered with a shorter padding that distorts them.

    Time is along ``axis`` (default: shape ``(T, ...)``); samples are assumed evenly spaced at
    ``fs`` Hz (pass the sequence's median frame rate).
    """
    if not fs > 0:
        raise ValueError(f"fs must be positive, got {fs}")
    nyquist = fs / 2.0
    if not 0.0 < cutoff_hz < nyquist:
        raise ValueError(
            f"cutoff_hz must be in (0, {nyquist:g}) (below the Nyquist frequency of {fs:g} Hz "
            f"sampling), got {cutoff_hz}"
        )
    if order < 1:
        raise ValueError(f"order must be >= 1, got {order}")
    arr = np.asarray(values, dtype=np.float64)
    series, _, restore = _as_series(arr, np.zeros(_time_length(arr, axis)), axis)
    from scipy.signal import butter, filtfilt  # lazy: scipy.signal takes ~0.5 s to import

    b, a = butter(order, cutoff_hz / nyquist, btype="low")
    out = series.copy()
    flat_out = out.reshape(-1)
    n_samples = series.shape[1]
    for rows, starts, length in _segments_by_length(np.isfinite(series), min_filter_length(order)):
        if length == n_samples:  # whole series without a gap: no gathering needed
            out[rows] = filtfilt(b, a, series[rows], axis=-1)
            continue
        # Every segment of one length is filtered in one call: (segments, length) windows.
        flat = (rows * n_samples + starts)[:, None] + np.arange(length)[None, :]
        flat_out[flat] = filtfilt(b, a, series.reshape(-1)[flat], axis=-1)
    return restore(out)


def _segments_by_length(
    finite: BoolArray, min_len: int
) -> list[tuple[NDArray[np.intp], NDArray[np.intp], int]]:
    """Finite runs of (C, T) series long enough to filter, grouped by length.

    Returns ``(rows, starts, length)`` per distinct run length: run ``k`` of the group covers
    ``series[rows[k], starts[k]:starts[k] + length]``. Grouping lets one filtfilt call filter
    every run of that length, however gappy the recording.
    """
    n = finite.shape[1]
    padded = np.zeros((finite.shape[0], n + 2), dtype=bool)
    padded[:, 1:-1] = finite
    rows, cols = np.divmod(np.flatnonzero(padded[:, 1:] != padded[:, :-1]), n + 1)
    run_rows, start, stop = rows[0::2], cols[0::2], cols[1::2]
    lengths = stop - start
    keep = lengths >= min_len
    run_rows, start, lengths = run_rows[keep], start[keep], lengths[keep]
    return [
        (run_rows[lengths == length], start[lengths == length], int(length))
        for length in np.unique(lengths)
    ]


# ---------------------------------------------------------------------------- helpers


def _time_length(arr: FloatArray, axis: int) -> int:
    if arr.ndim == 0:
        raise ValueError(f"values must have a time axis, got a scalar {arr!r}")
    return int(arr.shape[axis])


def _as_series(
    values: ArrayLike, t: ArrayLike, axis: int
) -> tuple[FloatArray, FloatArray, Callable[[FloatArray], FloatArray]]:
    """View ``values`` as contiguous (C, T) series (time last), and a function to undo that."""
    arr = np.asarray(values, dtype=np.float64)
    t_arr = np.asarray(t, dtype=np.float64)
    if t_arr.ndim != 1:
        raise ValueError(f"t must have shape (T,), got {t_arr.shape}")
    if arr.ndim == 0 or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"values must have a time axis {axis}, got shape {arr.shape}")
    if arr.shape[axis] != t_arr.shape[0]:
        raise ValueError(
            f"values must have {t_arr.shape[0]} samples along axis {axis} to match t, "
            f"got shape {arr.shape}"
        )
    moved = np.moveaxis(arr, axis, -1)
    series = np.ascontiguousarray(moved.reshape(-1, t_arr.shape[0]))

    def restore(out: FloatArray) -> FloatArray:
        return np.moveaxis(out.reshape(moved.shape), -1, axis)

    return series, t_arr, restore


@dataclass(frozen=True)
class _Gaps:
    """The NaN runs of (C, T) series: each run's series, first and last+1 sample, the finite
    samples bordering it (``before`` -1 / ``after`` T when there is none) and its length in
    seconds. ``series`` and ``index`` list every NaN sample, run by run."""

    start: NDArray[np.intp]
    length: NDArray[np.intp]
    before: NDArray[np.intp]
    after: NDArray[np.intp]
    span: FloatArray
    series: NDArray[np.intp]
    index: NDArray[np.intp]


def _find_gaps(series: FloatArray, t: FloatArray) -> _Gaps:
    n = series.shape[1]
    missing = np.zeros((series.shape[0], n + 2), dtype=bool)
    np.isnan(series, out=missing[:, 1:-1])
    # Edges of the NaN runs, in order: start, stop, start, stop... (flatnonzero is much faster
    # than a 2D nonzero on an int diff).
    rows, cols = np.divmod(np.flatnonzero(missing[:, 1:] != missing[:, :-1]), n + 1)
    run_series, start, stop = rows[0::2], cols[0::2], cols[1::2]
    length = stop - start
    before, after = start - 1, stop
    inside = (before >= 0) & (after < n)
    span = np.full(start.shape, np.inf)
    span[inside] = t[after[inside]] - t[before[inside]]
    offsets = np.cumsum(length) - length
    run_of_sample = np.repeat(np.arange(start.shape[0]), length)
    index = start[run_of_sample] + np.arange(int(length.sum())) - offsets[run_of_sample]
    return _Gaps(start, length, before, after, span, run_series[run_of_sample], index)
