"""Cut a recording into reps, holds, phases and steps (vectorised numpy + scipy.signal).

All functions take a 1-D signal over frames (NaN where not valid) and its timestamps, and
return frame index ranges ``[start, stop)``. Stillness is
:func:`hipsight.kinematics.motion.still_frames` (after :func:`fill_small_gaps`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


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


def bridged(x: FloatArray) -> FloatArray:
    """``x`` for finding peaks: gaps inside it linearly interpolated, frames before the first
    and after the last finite one at its lowest value (nobody in view yet: at rest). Gaps inside
    used to be set to the lowest value too, which made a peak of whatever stood between two of
    them (15 % of frames dropped turned standing into a fourth squat rep). A peak found at the
    edge of a gap is still a candidate; :func:`peaks_seen` tells whether its top was seen."""
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros_like(x)
    low = float(np.nanmin(x))
    if finite.sum() < 2:
        return np.nan_to_num(x, nan=low)
    idx = np.arange(len(x))
    first, last = np.flatnonzero(finite)[[0, -1]]
    inside = np.interp(idx, idx[finite], x[finite])
    return np.where((idx < first) | (idx > last), low, inside)


def peaks_seen(signal: FloatArray, peaks: Sequence[int]) -> BoolArray:
    """Per peak, whether it was seen with both neighbours (after the small gaps are filled):
    at the edge of a longer gap its true top may lie inside the gap, unmeasured."""
    seen = np.concatenate([[True], np.isfinite(fill_small_gaps(signal)), [True]])  # ends count
    index = np.asarray(peaks, dtype=np.intp) + 1
    return np.asarray(seen[index - 1] & seen[index] & seen[index + 1])


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
    work = bridged(x)
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
    # Long gaps at the lowest value, unlike find_reps: the gait's strides are delimited by these
    # extremes, and bridging a gap moved them (the turn test lost its rejected stride, the
    # Sports2D walk two strides); a peak made by a gap is gated by the stride criteria.
    work = np.nan_to_num(work, nan=np.nanmin(work))
    peaks, _ = find_peaks(work, prominence=min_prominence, distance=max(1, int(min_period_s * fps)))
    return np.asarray(peaks, dtype=np.intp)


def raised_spans(
    signal: FloatArray, t: FloatArray, min_excursion: float, min_duration_s: float
) -> list[tuple[int, int]]:
    """Runs where ``signal`` is raised above its resting level (lifts, holds at the top).

    Each peak (at least ``min_excursion`` prominent; the recording's ends count as resting, so
    a lift still held when the recording stops is found) gives the run, around it, above half-way
    between the peak and the lowest value since the previous run (its own resting level). Unlike
    one threshold for the whole recording, a deeper trough elsewhere (sitting up, getting up)
    does not merge neighbouring lifts. A gap too long to fill (NaN) does not end a run: a frame
    that was not seen is no sign that the lift ended. Runs shorter than ``min_duration_s`` are
    left out.
    """
    x = fill_small_gaps(signal)
    if np.isfinite(x).sum() < 3:
        return []
    low = float(np.nanmin(x))
    work = np.concatenate([[low], np.nan_to_num(x, nan=low), [low]])
    peaks, _ = find_peaks(work, prominence=min_excursion)
    spans: list[tuple[int, int]] = []
    for peak in peaks - 1:  # back to the unpadded frame index
        if spans and peak < spans[-1][1]:
            continue  # a bump within the previous run
        since = spans[-1][1] if spans else 0
        rest = float(np.nanmin(x[since : peak + 1]))
        with np.errstate(invalid="ignore"):
            below = x < (rest + x[peak]) / 2.0  # unseen frames (NaN) do not end a run
        before = np.flatnonzero(below[since:peak]) + since
        after = np.flatnonzero(below[peak:]) + peak
        start = int(before[-1]) + 1 if before.size else since
        stop = int(after[0]) if after.size else x.size
        if x[peak] - rest >= min_excursion and t[stop - 1] - t[start] >= min_duration_s:
            spans.append((start, stop))
    return spans


def find_peaks(series: FloatArray, **kwargs: Any) -> tuple[IntArray, dict[str, Any]]:
    """``scipy.signal.find_peaks``, imported on first use (scipy.signal is slow to import)."""
    from scipy.signal import find_peaks as scipy_find_peaks

    peaks, properties = scipy_find_peaks(series, **kwargs)
    return peaks, properties
