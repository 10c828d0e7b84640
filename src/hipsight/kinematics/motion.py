"""Stillness: where a signal, or a set of points, stays put (pure numpy, all frames at once).

One definition serves the calibration (a person standing still), the protocols (holds, steady
postures) and the live positioning hints: over a window centred on each frame, the peak-to-peak
extent of the values must not exceed ``max_speed`` times the time the window spans. A
peak-to-peak test, unlike a difference of two frames, also catches a movement that comes back
within the window, and a window of several frames is insensitive to landmark jitter.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

BoolArray = NDArray[np.bool_]

STILL_WINDOW_S = 0.5  # the default centred window


def window_half_width(t: NDArray[np.float64], window_s: float) -> int:
    """Frames on each side of the centre for a ``window_s`` window (at least 1)."""
    if t.size < 2:
        return 1
    dt = float(np.median(np.diff(t)))
    return max(1, round(window_s / dt / 2.0)) if dt > 0 else 1


def still_frames(
    values: ArrayLike, t: ArrayLike, max_speed: float, window_s: float = STILL_WINDOW_S
) -> BoolArray:
    """(T,) True where ``values`` move slower than ``max_speed`` (units per second).

    ``values`` is a signal of shape (T,) or K points of shape (T, K, D); for points the extent is
    the length of each point's bounding-box diagonal over the window, the largest over the
    points. The window holds ``2 h + 1`` frames, ``h`` from ``window_s`` and the median frame
    interval (at least 1: ``window_s=0`` compares each frame with its two neighbours), and is cut
    at the ends of the recording. A frame is still when the extent is at most
    ``max_speed * 2 h * dt``. NaN anywhere in the window makes a frame not still.
    """
    x = np.asarray(values, dtype=np.float64)
    times = np.asarray(t, dtype=np.float64)
    if x.ndim not in (1, 3):
        raise ValueError(f"values must have shape (T,) or (T, K, D), got {x.shape}")
    if times.shape != (x.shape[0],):
        raise ValueError(f"t must have shape ({x.shape[0]},), got {times.shape}")
    if not max_speed > 0 or not window_s >= 0:
        raise ValueError(
            f"max_speed must be positive and window_s not negative, got {max_speed}, {window_s}"
        )
    n = x.shape[0]
    if n < 2:
        return np.zeros(n, dtype=bool)
    points = x.reshape(n, 1, 1) if x.ndim == 1 else x
    half = window_half_width(times, window_s)
    padded = np.pad(points, ((half, half), (0, 0), (0, 0)), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1, axis=0)
    span = np.ptp(windows, axis=-1)  # (T, K, D); NaN where the window holds a NaN
    extent = np.linalg.norm(span, axis=-1).max(axis=1)
    limit = max_speed * 2 * half * float(np.median(np.diff(times)))
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(extent) & (extent <= limit))
