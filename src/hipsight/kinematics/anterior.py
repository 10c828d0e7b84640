"""Which way the person faces in the image: the rotation sense of the sagittal plane.

Sagittal angles in the image are signed by the rotation that carries the body's inferior
direction onto its anterior direction (the direction of hip flexion). Whether that rotation looks
clockwise or counter-clockwise depends on whether the camera sees the person's left or right side
and not on whether they stand, sit or lie: a person facing image-right while standing, lying supine
head-left or sitting all have the same sense.

The sense is estimated per frame from two cues, each a rotation of +90° about the person's
left-to-right axis, so both keep their meaning in any body orientation:

- head: the nose lies anterior of the ear midpoint, perpendicular to the trunk line;
- feet: heel→toe points anterior of the shank (knee→ankle), unless the ankle is fully plantarflexed.

Each cue is scaled by a body length so that a foreshortened cue (a front view) scores near zero,
the scores are averaged over a centred time window, and frames where the evidence is weak hold the
last decided sense. A sequence with no decision at all (e.g. a pure front view) gets sense 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.kinematics.geometry import cross_2d, dot
from hipsight.pose import landmarks as lm

FloatArray = NDArray[np.float64]

DEFAULT_WINDOW_S = 0.5
DEFAULT_THRESHOLD = 0.2

# Typical nose-to-ear offset as a fraction of the trunk length (~0.1 m / 0.5 m) and heel-to-toe
# length as a fraction of the shank length (~0.2 m / 0.42 m): a full side view scores about 1.
_HEAD_OFFSET_RATIO = 0.2
_FOOT_LENGTH_RATIO = 0.5
_HEAD_WEIGHT = 1.0
_FOOT_WEIGHT = 0.5

CUE_LANDMARKS: tuple[int, ...] = (
    lm.NOSE,
    lm.LEFT_EAR,
    lm.RIGHT_EAR,
    lm.LEFT_SHOULDER,
    lm.RIGHT_SHOULDER,
    lm.LEFT_HIP,
    lm.RIGHT_HIP,
    lm.LEFT_KNEE,
    lm.RIGHT_KNEE,
    lm.LEFT_ANKLE,
    lm.RIGHT_ANKLE,
    lm.LEFT_HEEL,
    lm.RIGHT_HEEL,
    lm.LEFT_FOOT_INDEX,
    lm.RIGHT_FOOT_INDEX,
)

__all__ = [
    "CUE_LANDMARKS",
    "DEFAULT_THRESHOLD",
    "DEFAULT_WINDOW_S",
    "estimate_sagittal_sense",
    "sense_from_points",
]


def estimate_sagittal_sense(
    image_xy: ArrayLike,
    t: ArrayLike,
    *,
    window_s: float = DEFAULT_WINDOW_S,
    threshold: float = DEFAULT_THRESHOLD,
) -> FloatArray:
    """Return the (T,) sagittal rotation sense in the image: +1, -1, or 0 when undetermined.

    ``image_xy`` has shape (T, 33, 2) in pixels (y down) with NaN for invalid landmarks. The
    sense is the sign of ``cross(inferior, anterior)`` in image coordinates: -1 when a standing
    person faces image-right, +1 when they face image-left. A signed image angle times the sense
    is positive for rotations in the flexion direction (inferior → anterior).
    """
    xy = np.asarray(image_xy, dtype=np.float64)
    if xy.ndim != 3 or xy.shape[1:] != (lm.N_LANDMARKS, 2):
        raise ValueError(f"image_xy must have shape (T, {lm.N_LANDMARKS}, 2), got {xy.shape}")
    points = {i: xy[:, i] for i in CUE_LANDMARKS}
    return sense_from_points(points, t, window_s=window_s, threshold=threshold)


def sense_from_points(
    points: Mapping[int, FloatArray],
    t: ArrayLike,
    *,
    window_s: float = DEFAULT_WINDOW_S,
    threshold: float = DEFAULT_THRESHOLD,
) -> FloatArray:
    """Like :func:`estimate_sagittal_sense`, from a mapping landmark index → (T, 2) points."""
    t_arr = np.asarray(t, dtype=np.float64)
    if window_s < 0:
        raise ValueError(f"window_s must be >= 0, got {window_s}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    score, weight = _cue_scores(points)
    n_window = _window_frames(t_arr, window_s)
    mean = _windowed_mean(score, weight, n_window)
    decided = np.isfinite(mean) & (np.abs(mean) >= threshold)
    return _hold_decisions(np.sign(np.where(decided, mean, 0.0)), decided)


def _cue_scores(points: Mapping[int, FloatArray]) -> tuple[FloatArray, FloatArray]:
    """Per-frame weighted sum of the cue scores (absent cues count 0) and the weight present."""
    mid_shoulder = points[lm.LEFT_SHOULDER] + points[lm.RIGHT_SHOULDER]
    mid_hip = points[lm.LEFT_HIP] + points[lm.RIGHT_HIP]
    trunk_down = (mid_hip - mid_shoulder) / 2.0
    ear = _mean_of_present(points[lm.LEFT_EAR], points[lm.RIGHT_EAR])
    cues = [(_HEAD_WEIGHT, _scaled_cross(trunk_down, points[lm.NOSE] - ear, _HEAD_OFFSET_RATIO))]
    for side in lm.SIDES:
        shank = points[lm.landmark_index("ankle", side)] - points[lm.landmark_index("knee", side)]
        foot = (
            points[lm.landmark_index("foot_index", side)] - points[lm.landmark_index("heel", side)]
        )
        cues.append((_FOOT_WEIGHT, _scaled_cross(shank, foot, _FOOT_LENGTH_RATIO)))
    total = np.zeros(trunk_down.shape[0])
    weight = np.zeros(trunk_down.shape[0])
    for cue_weight, score in cues:
        present = np.isfinite(score)
        total += np.where(present, cue_weight * score, 0.0)
        weight += cue_weight * present
    return total, weight


def _scaled_cross(reference: FloatArray, cue: FloatArray, ratio: float) -> FloatArray:
    """Cue's component perpendicular to ``reference``, over ``ratio * |reference|``, in [-1, 1].

    NaN where either is missing or the reference has no length.
    """
    length_sq = dot(reference, reference)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = cross_2d(reference, cue) / (ratio * length_sq)
    return np.where(length_sq > 0, np.minimum(np.maximum(score, -1.0), 1.0), np.nan)


def _mean_of_present(a: FloatArray, b: FloatArray) -> FloatArray:
    """Mean of two (T, 2) point tracks where both are present, else whichever one is."""
    both = (a + b) / 2.0
    return np.where(np.isnan(both), np.where(np.isnan(a), b, a), both)


def _window_frames(t: FloatArray, window_s: float) -> int:
    if t.shape[0] < 2:
        return 1
    dt = float(np.median(np.diff(t)))
    return max(1, round(window_s / dt) | 1)


def _windowed_mean(total: FloatArray, weight: FloatArray, n_window: int) -> FloatArray:
    """Centred moving weighted mean over ``n_window`` frames (odd), NaN where no weight."""
    half = n_window // 2
    padded_total = np.concatenate([[0.0], np.cumsum(total)])
    padded_weight = np.concatenate([[0.0], np.cumsum(weight)])
    n = total.shape[0]
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    window_total = padded_total[hi] - padded_total[lo]
    window_weight = padded_weight[hi] - padded_weight[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(window_weight > 0, window_total / window_weight, np.nan)


def _hold_decisions(sense: FloatArray, decided: NDArray[np.bool_]) -> FloatArray:
    """Carry the last decided sense forward, and the first one back to the start; else 0."""
    if not decided.any():
        return np.zeros_like(sense)
    index = np.where(decided, np.arange(sense.shape[0]), -1)
    np.maximum.accumulate(index, out=index)
    index[index < 0] = int(np.argmax(decided))
    return sense[index]
