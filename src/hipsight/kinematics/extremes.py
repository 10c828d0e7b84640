"""The extreme of a noisy angle curve, read from a parabola instead of its highest frame.

The highest (lowest) single frame of a curve is where landmark jitter adds most (least): the
maximum of noisy samples is biased upwards. With 3 px of landmark noise a gait stride's raw hip
range grew by 5 deg, and a 5 deg standing hip extension read up to 6.7 deg. A parabola fitted to
the frames within a short window of the extreme averages the jitter out and keeps a smooth peak
(a gait cycle's hip peak, a kick's turn-around: well under 0.5 deg off). Pure numpy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

PEAK_FIT_S = 0.2  # the parabola is fitted over +- this around the extreme frame
MIN_FIT_FRAMES = 5


def fitted_extreme(
    values: FloatArray, t: FloatArray, index: int, half_window_s: float = PEAK_FIT_S
) -> float:
    """The value of ``values`` at its extreme near frame ``index``: the vertex of a parabola
    fitted to the finite frames within ``half_window_s`` of it.

    The frame's own value when fewer than :data:`MIN_FIT_FRAMES` frames are usable; the
    parabola's value at the frame when its vertex lies outside the window (no turning point
    there: the curve still rises or falls)."""
    if values.shape != t.shape or not 0 <= index < len(t):
        raise ValueError(
            f"need values and t of one shape and 0 <= index < {len(t)}, got "
            f"{values.shape}, {t.shape} and index {index}"
        )
    near = (np.abs(t - t[index]) <= half_window_s) & np.isfinite(values)
    if near.sum() < MIN_FIT_FRAMES:
        return float(values[index])
    curve, slope, level = np.polyfit(t[near] - t[index], values[near], 2)
    vertex = -slope / (2.0 * curve) if curve != 0 else np.inf
    if abs(vertex) > half_window_s:
        return float(level)
    return float(level - slope**2 / (4.0 * curve))
