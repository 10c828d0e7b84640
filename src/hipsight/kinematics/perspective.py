"""Perspective: the camera distance from the person's size in frame, and the bias it puts on the
knee frontal-plane projection angle (FPPA).

Distance: a body standing upright faces the camera, so its ankle→knee→hip→shoulder chain
(:func:`~hipsight.kinematics.stance.body_length_px`, ``CHAIN_FRACTION`` = 0.779 of stature, as
in :mod:`hipsight.calibration.scale`) lies in a plane at one distance and projects as

    distance = focal_px * stature * fraction / chain_px

read from the 95th percentile of the chain length (the upright frames). The focal length comes
from the camera calibration, else from a 60° horizontal field of view (a typical laptop webcam);
the stature from the person's baseline, else 1.70 m.

Bias: in a squat the knees come toward the camera; a camera at a few metres sees them magnified
against the hips and ankles, and the 2D FPPA reads low (facing the camera) or high (from behind).
Measured on synthetic squats (docs/angles.md, tests/kinematics/test_perspective.py) the bias is
not proportional to the valgus (a neutral knee reads -1° at 2 m), so it is not corrected; its
bound is stated instead:

- facing the camera: up to ``FRONT_BIAS_DEG_M / distance`` low (7.5° m: 3.7° at 2 m, 1.9° at 4 m);
- from behind: up to ``BEHIND_BIAS_DEG`` + ``BEHIND_BIAS_DEG_M / distance`` high.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.stance import body_length_px

FloatArray = NDArray[np.float64]

CHAIN_FRACTION = 0.779  # ankle→knee→hip→shoulder / stature (hipsight.calibration.scale)
DEFAULT_HFOV_DEG = 60.0  # a typical laptop webcam
DEFAULT_STATURE_M = 1.70
UPRIGHT_PERCENTILE = 95.0
FRONT_BIAS_DEG_M = 7.5  # facing the camera: FPPA reads up to this / distance low
BEHIND_BIAS_DEG = 2.0  # from behind: up to this + BEHIND_BIAS_DEG_M / distance high
BEHIND_BIAS_DEG_M = 6.5
ADVISED_DISTANCE_M = 4.0

__all__ = [
    "CHAIN_FRACTION",
    "camera_distance_m",
    "focal_from_fov",
    "fppa_bias_deg",
    "perspective_note",
]


def focal_from_fov(width_px: float, hfov_deg: float = DEFAULT_HFOV_DEG) -> float:
    """Focal length in pixels of an image ``width_px`` wide with a horizontal field of view."""
    if not width_px > 0 or not 0.0 < hfov_deg < 180.0:
        raise ValueError(f"need width_px > 0 and hfov_deg in (0, 180), got {width_px}, {hfov_deg}")
    return float(width_px / (2.0 * math.tan(math.radians(hfov_deg) / 2.0)))


def camera_distance_m(
    xy: FloatArray,
    focal_px: float,
    stature_m: float = DEFAULT_STATURE_M,
    fraction: float = CHAIN_FRACTION,
) -> float:
    """Camera-to-body distance (m) from image landmarks (T, 33, 2) in pixels; NaN if unseen."""
    chain = body_length_px(np.asarray(xy, dtype=np.float64))
    chain = chain[np.isfinite(chain) & (chain > 0)]
    if chain.size == 0:
        return float("nan")
    return float(focal_px * stature_m * fraction / np.percentile(chain, UPRIGHT_PERCENTILE))


def fppa_bias_deg(distance_m: float, from_behind: bool = False) -> float:
    """The bound on the FPPA's perspective bias (deg, >= 0): low facing the camera, high from
    behind (module docstring)."""
    if not distance_m > 0:
        return float("nan")
    if from_behind:
        return BEHIND_BIAS_DEG + BEHIND_BIAS_DEG_M / distance_m
    return FRONT_BIAS_DEG_M / distance_m


def perspective_note(
    distance_m: float, stated_error_deg: float, from_behind: bool = False, assumed: str = ""
) -> str | None:
    """'camera about 2.6 m away: knee FPPA may read up to 3° low from perspective (...)'; None
    when the distance is unknown."""
    bias = fppa_bias_deg(distance_m, from_behind)
    if not np.isfinite(bias):
        return None
    way = "high" if from_behind else "low"
    note = (
        f"Camera about {distance_m:.1f} m away{f' ({assumed})' if assumed else ''}: knee FPPA "
        f"may read up to {bias:.0f}° {way} from perspective, so its stated error widens from "
        f"±{stated_error_deg:g}° to ±{stated_error_deg + bias:.0f}°"
    )
    if distance_m < ADVISED_DISTANCE_M:
        note += f"; film from {ADVISED_DISTANCE_M:g} m or more"
    return note + "."
