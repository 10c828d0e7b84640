"""Pixels to centimetres from the person's known height (for lateral shift, sway and the like).

Method: the body length in the image is the chain ankle→knee→hip (the longer leg, since a
foreshortened leg only looks shorter) plus mid-hip→mid-shoulder. Standing, that chain is
``CHAIN_FRACTION`` = 0.779 of stature (shoulder height 0.818 H minus ankle height 0.039 H;
Winter, *Biomechanics and Motor Control of Human Movement*). With a personal baseline the
person's own chain-to-stature ratio, measured standing, replaces the population value. So

    metres per pixel = height_m * fraction / chain_px

Limits:

- it holds in the plane of the body at the body's distance from the camera; distances toward or
  away from the camera, or of points well in front of or behind the body, are not converted;
- segments turned toward the camera look shorter (a thigh in a front-view squat), which makes the
  scale too large in those frames; ``per_frame=False`` uses one scale for the whole sequence,
  from the 95th percentile of the chain length (upright frames), which is right when the person
  stays at about the same distance from the camera;
- population proportions differ between people by a few percent (the baseline removes most of
  that), and lens distortion should be removed first (see ``apply_calibration``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.calibration.baseline import PersonBaseline
from hipsight.kinematics.stance import body_length_px
from hipsight.pose.sequence import PoseSequence

FloatArray = NDArray[np.float64]

CHAIN_FRACTION = 0.779
SEQUENCE_PERCENTILE = 95.0
MIN_HEIGHT_CM = 50.0
MAX_HEIGHT_CM = 250.0

__all__ = ["CHAIN_FRACTION", "chain_fraction", "metres_per_pixel", "pixels_to_cm"]


def chain_fraction(baseline: PersonBaseline | None = None) -> float:
    """The body chain's share of stature: the person's own (from a baseline) or 0.779."""
    if baseline is None:
        return CHAIN_FRACTION
    rel = baseline.segments_rel
    needed = ("left_thigh", "left_shank", "right_thigh", "right_shank", "trunk")
    if not all(k in rel for k in needed):
        return CHAIN_FRACTION
    legs = max(rel["left_thigh"] + rel["left_shank"], rel["right_thigh"] + rel["right_shank"])
    return float(legs + rel["trunk"])


def _height_m(height_cm: float | None, baseline: PersonBaseline | None) -> float:
    height = height_cm if height_cm is not None else (baseline.height_cm if baseline else None)
    if height is None:
        raise ValueError("give the person's height in cm (or a baseline that has one)")
    if not MIN_HEIGHT_CM <= height <= MAX_HEIGHT_CM:
        raise ValueError(
            f"height_cm must be in [{MIN_HEIGHT_CM:g}, {MAX_HEIGHT_CM:g}], got {height}"
        )
    return float(height) / 100.0


def metres_per_pixel(
    seq: PoseSequence,
    height_cm: float | None = None,
    baseline: PersonBaseline | None = None,
    per_frame: bool = True,
) -> FloatArray:
    """(T,) metres per image pixel at the person's distance (NaN where the body is not seen).

    ``height_cm`` defaults to the baseline's height. See the module docstring for the method.
    """
    height_m = _height_m(height_cm, baseline)
    chain = body_length_px(seq.image_xy)
    if not per_frame:
        finite = chain[np.isfinite(chain)]
        if finite.size == 0:
            return np.full(seq.n_frames, np.nan)
        chain = np.full(seq.n_frames, np.percentile(finite, SEQUENCE_PERCENTILE))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = height_m * chain_fraction(baseline) / chain
    return np.asarray(np.where(chain > 0, scale, np.nan))


def pixels_to_cm(
    distance_px: ArrayLike,
    seq: PoseSequence,
    height_cm: float | None = None,
    baseline: PersonBaseline | None = None,
    per_frame: bool = True,
) -> FloatArray:
    """Convert per-frame image distances (T,) or (T, ...) in pixels to centimetres."""
    distance = np.asarray(distance_px, dtype=np.float64)
    if distance.ndim == 0 or distance.shape[0] != seq.n_frames:
        raise ValueError(
            f"distance_px must have shape (T, ...) with T = {seq.n_frames} frames, "
            f"got {distance.shape}"
        )
    scale = metres_per_pixel(seq, height_cm, baseline, per_frame)
    return np.asarray(distance * scale.reshape((-1,) + (1,) * (distance.ndim - 1)) * 100.0)
