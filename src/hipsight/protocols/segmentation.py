"""Cut a recording into reps, holds, phases and steps (vectorised numpy + scipy.signal).

All functions take a 1-D signal over frames (NaN where not valid) and its timestamps, and
return frame index ranges ``[start, stop)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

STEADY_WINDOW_S = 0.5  # steady_frames: the change is measured across this centred window


@dataclass(frozen=True)
class Rep:
    """One repetition: it starts, reaches its peak, and ends (frame indices, stop exclusive)."""

    start: int
    peak: int
    stop: int


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Contiguous True runs of a boolean mask as ``(start, stop)`` pairs."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def fill_small_gaps(signal: FloatArray, max_frames: int = 3) -> FloatArray:
    """Linear fill of NaN gaps of at most ``max_frames`` (for segmentation only, never metrics)."""
    x = np.asarray(signal, dtype=np.float64).copy()
    finite = np.isfinite(x)
    if finite.sum() < 2:
        return x
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[finite], x[finite])
    gap_ok = np.zeros(len(x), dtype=bool)
    for a, b in runs(~finite):
        if a > 0 and b < len(x) and b - a <= max_frames:
            gap_ok[a:b] = True
    return np.where(finite | gap_ok, filled, np.nan)


def find_reps(
    signal: FloatArray,
    t: FloatArray,
    min_excursion: float,
    min_period_s: float = 0.8,
    rest_fraction: float = 0.3,
) -> list[Rep]:
    """Reps as peaks of ``signal`` rising at least ``min_excursion`` above the resting level.

    A rep starts and ends where the signal crosses ``rest + rest_fraction * excursion`` on either
    side of its peak (e.g. knee flexion in a squat: standing -> bottom -> standing).
    """
    x = fill_small_gaps(signal)
    if np.isfinite(x).sum() < 3:
        return []
    fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
    work = np.nan_to_num(x, nan=np.nanmin(x))
    peaks, _ = find_peaks(work, prominence=min_excursion, distance=max(1, int(min_period_s * fps)))
    rest = float(np.nanpercentile(x, 10))
    reps = []
    for peak in peaks:
        level = rest + rest_fraction * (work[peak] - rest)
        below = work <= level
        before = np.flatnonzero(below[:peak])
        after = np.flatnonzero(below[peak:])
        start = int(before[-1]) if before.size else 0
        stop = int(peak + after[0]) + 1 if after.size else len(x)
        reps.append(Rep(start=start, peak=int(peak), stop=stop))
    return reps


def find_holds(
    signal: FloatArray, t: FloatArray, threshold: float, min_duration_s: float, above: bool = True
) -> list[tuple[int, int]]:
    """Runs where ``signal`` stays above (or below) ``threshold`` for ``min_duration_s`` or more."""
    x = fill_small_gaps(signal)
    with np.errstate(invalid="ignore"):
        mask = x >= threshold if above else x <= threshold
    return [(a, b) for a, b in runs(mask) if t[b - 1] - t[a] >= min_duration_s]


def find_extrema(
    signal: FloatArray,
    t: FloatArray,
    min_prominence: float,
    min_period_s: float,
    minima: bool = False,
) -> NDArray[np.intp]:
    """Frame indices of peaks (or troughs) at least ``min_period_s`` apart."""
    x = fill_small_gaps(signal)
    if np.isfinite(x).sum() < 3:
        return np.array([], dtype=np.intp)
    fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
    work = -x if minima else x
    work = np.nan_to_num(work, nan=np.nanmin(work))
    peaks, _ = find_peaks(work, prominence=min_prominence, distance=max(1, int(min_period_s * fps)))
    return np.asarray(peaks, dtype=np.intp)


def still_frames(signal: FloatArray, t: FloatArray, max_speed: float) -> BoolArray:
    """Frames where ``signal`` changes slower than ``max_speed`` units per second."""
    x = fill_small_gaps(signal)
    speed = np.abs(np.gradient(x, t)) if len(x) > 1 else np.zeros_like(x)
    with np.errstate(invalid="ignore"):
        return np.asarray(speed <= max_speed)


def steady_frames(
    signal: FloatArray, t: FloatArray, max_speed: float, window_s: float = STEADY_WINDOW_S
) -> BoolArray:
    """Frames where ``signal`` changes slower than ``max_speed`` per second over a centred window.

    Unlike a frame-to-frame derivative, the change across ``window_s`` is insensitive to landmark
    jitter, so a person standing still is not cut into pieces by noise. NaN frames are not steady.
    """
    x = fill_small_gaps(signal)
    n = x.shape[0]
    if n < 2:
        return np.zeros(n, dtype=bool)
    half = max(1, round(window_s / float(np.median(np.diff(t))) / 2))
    lo = np.clip(np.arange(n) - half, 0, n - 1)
    hi = np.clip(np.arange(n) + half, 0, n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.abs(x[hi] - x[lo]) / (t[hi] - t[lo])
        return np.asarray(np.isfinite(x) & (speed <= max_speed))
