"""Camera-to-body angle per frame, in degrees, with an uncertainty, from the landmarks alone.

The angle is the one between the camera's line of sight to the pelvis and the body's
medio-lateral (left-right) axis: **0° = pure side view** of the sagittal plane, **90° = facing
the camera or the back turned to it**. (It is 90° minus the angle between the line of sight and
the sagittal plane.) The medio-lateral axis is the mean of the unit hip line and the unit
shoulder line.

Two cues, fused by inverse variance, then smoothed over time:

- **3D** (``world_xyz``): in MediaPipe's camera-aligned world frame the line of sight is +z, so
  the angle is ``atan2(|axis_xy|, |axis_z|)``. The x/y parts are good; the depth (z) is weak. A
  depth error of ``σ_z`` metres on a line of length ``L`` moves the angle by about
  ``σ_z·sin θ / L``: harmless in side views, the main error near frontal views.
- **2D widths** (``image_xy``): the shoulder and hip lines project to ``sin θ`` times their
  frontal width. Normalised by the torso length in the same frame (which a level camera sees at
  full length whatever the yaw), ``ratio = (hip width + shoulder width) / torso = R·sin θ``.
  ``R``, the person's frontal ratio, comes from their own world landmarks (segment lengths),
  or from the widest ratio seen in the clip when that is larger. A relative error ``σ_r`` moves
  the angle by ``σ_r / cos θ``: good in side and oblique views, blind near frontal ones.

The width cue assumes the torso lies across the line of sight. When it points along it (a
person lying with the feet toward the camera, a deep forward bend), the image torso is short and
the ratio meaningless; the trunk's elevation out of the image plane ``e`` (from ``world_xyz``)
scales the ratio by ``cos e`` and widens the cue's σ by ``tan e`` times the depth noise over the
trunk length, so the 3D cue takes over there.

Visibility: torso landmarks below ``min_visibility`` are dropped (far-side landmarks of a
side view are often below 0.5 yet still placed usefully, so the default is low). Disagreement
between the cues beyond what their variances explain widens the uncertainty.

Noise constants (see docs/validation.md): ``DEPTH_NOISE_M`` is MediaPipe's world depth noise
on the hip/shoulder lines, measured against multi-view triangulation (Pose2Sim demo, 4 cameras);
``WIDTH_NOISE`` is the relative error of the width ratio (landmark placement, the frontal ratio's
uncertainty, trunk lean and camera pitch), set on the synthetic generator with 3 px noise and
±20° pitch. Pure numpy: no cv2, no mediapipe.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.cleaning import filter_butterworth, interpolate_gaps
from hipsight.pose.landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from hipsight.pose.sequence import PoseSequence

FloatArray = NDArray[np.float64]

DEPTH_NOISE_M = 0.06  # MediaPipe world depth noise of a hip/shoulder line end, metres
PLANE_NOISE_M = 0.01  # ... of its x/y components, metres
WIDTH_NOISE = 0.055  # relative error of (hip + shoulder width) / torso against R·sin θ
TRUNK_M = 0.5  # a typical trunk (mid-hip to mid-shoulder) length, metres
MIN_COS = 0.1  # keeps the width cue's variance finite at 90°
SMOOTH_HZ = 2.0
MAX_GAP_S = 0.25
_LINES = ((LEFT_HIP, RIGHT_HIP), (LEFT_SHOULDER, RIGHT_SHOULDER))
_TORSO = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)


def estimate_camera_angle(
    seq: PoseSequence,
    *,
    min_visibility: float = 0.1,
    smooth_hz: float | None = SMOOTH_HZ,
) -> tuple[FloatArray, FloatArray]:
    """(T,) camera-to-body angle in degrees (0 side .. 90 front/back) and (T,) uncertainty.

    The uncertainty is a standard-deviation-like figure in degrees. Frames without the four
    torso landmarks are NaN in both. ``smooth_hz`` low-pass filters the angle over time
    (None: per frame, for live use on short windows).
    """
    _check_arguments(min_visibility, smooth_hz)
    world = _visible(seq.world_xyz, seq.visibility, min_visibility)
    image = _visible(seq.image_xy, seq.visibility, min_visibility)
    angle_3d, sigma_3d = world_cue(world)
    angle_2d, sigma_2d = width_cue(image, frontal_ratio(world, image), trunk_elevation(world))
    angle, sigma = fuse_cues(angle_3d, sigma_3d, angle_2d, sigma_2d)
    if smooth_hz is not None and seq.n_frames > 1:
        angle = smooth_over_time(angle, seq.t, smooth_hz)
    return angle, sigma


def world_cue(world: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Angle and σ (degrees) from the world landmarks' hip and shoulder lines."""
    vectors = [world[:, a] - world[:, b] for a, b in _LINES]
    lengths = [np.linalg.norm(v, axis=1) for v in vectors]
    with np.errstate(invalid="ignore", divide="ignore"):
        axis = sum(v / n[:, None] for v, n in zip(vectors, lengths, strict=True))
        length = (lengths[0] + lengths[1]) / 2
        theta = np.arctan2(np.linalg.norm(axis[:, :2], axis=1), np.abs(axis[:, 2]))
        sigma = np.hypot(DEPTH_NOISE_M * np.sin(theta), PLANE_NOISE_M * np.cos(theta)) / length
    # two lines averaged: the noise of their ends averages down by about sqrt(2)
    return np.degrees(theta), np.degrees(sigma / np.sqrt(2.0))


def width_ratio_2d(image: FloatArray) -> FloatArray:
    """(T,) (hip width + shoulder width) / torso length in the image."""
    return _width_ratio(image)


def frontal_ratio(world: FloatArray, image: FloatArray) -> float:
    """The person's width ratio seen from the front: from world segment lengths, or the
    widest 2D ratio of the clip (95th percentile, corrected for a foreshortened torso) when
    that is larger. NaN if neither exists."""
    from_world = _width_ratio(world)
    from_image = width_ratio_2d(image) * np.cos(np.nan_to_num(trunk_elevation(world)))
    candidates = [
        float(np.nanmedian(from_world)) if np.isfinite(from_world).any() else np.nan,
        float(np.nanpercentile(from_image, 95)) if np.isfinite(from_image).any() else np.nan,
    ]
    finite = [c for c in candidates if np.isfinite(c) and c > 0]
    return max(finite) if finite else float("nan")


def trunk_elevation(world: FloatArray) -> FloatArray:
    """(T,) radians: the world trunk's (mid-hip→mid-shoulder) angle out of the image plane."""
    mid_shoulder = (world[:, LEFT_SHOULDER] + world[:, RIGHT_SHOULDER]) / 2
    mid_hip = (world[:, LEFT_HIP] + world[:, RIGHT_HIP]) / 2
    trunk = mid_shoulder - mid_hip
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.arctan2(np.abs(trunk[:, 2]), np.linalg.norm(trunk[:, :2], axis=1)))


def width_cue(
    image: FloatArray, ratio_front: float, elevation: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Angle and σ (degrees) from the 2D widths normalised by the frontal ratio.

    ``elevation`` (radians, :func:`trunk_elevation`) corrects for a torso foreshortened in the
    image and widens σ accordingly; None assumes the torso lies in the image plane.
    """
    tilt = np.zeros(image.shape[0]) if elevation is None else np.nan_to_num(elevation)
    with np.errstate(invalid="ignore", divide="ignore"):
        sine = np.clip(width_ratio_2d(image) * np.cos(tilt) / ratio_front, 0.0, 1.0)
        theta = np.arcsin(sine)
        relative = np.hypot(WIDTH_NOISE, np.tan(tilt) * DEPTH_NOISE_M / TRUNK_M)
        sigma = relative / np.maximum(np.cos(theta), MIN_COS)
    return np.degrees(theta), np.degrees(sigma)


def fuse_cues(
    angle_a: FloatArray, sigma_a: FloatArray, angle_b: FloatArray, sigma_b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Inverse-variance mean of two estimates; a cue missing in a frame leaves the other.

    The uncertainty is the fused σ, widened when the cues disagree by more than their σ
    explain (half the unexplained part of the difference, added in quadrature).
    """
    weight_a = np.where(np.isfinite(angle_a) & np.isfinite(sigma_a), 1.0 / sigma_a**2, 0.0)
    weight_b = np.where(np.isfinite(angle_b) & np.isfinite(sigma_b), 1.0 / sigma_b**2, 0.0)
    total = weight_a + weight_b
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = (np.nan_to_num(angle_a) * weight_a + np.nan_to_num(angle_b) * weight_b) / total
        sigma = 1.0 / np.sqrt(total)
    both = (weight_a > 0) & (weight_b > 0)
    excess = np.where(both, (angle_a - angle_b) ** 2 - sigma_a**2 - sigma_b**2, 0.0)
    sigma = np.sqrt(sigma**2 + np.maximum(np.nan_to_num(excess), 0.0) / 4.0)
    angle = np.where(total > 0, angle, np.nan)
    return angle, np.where(total > 0, np.minimum(sigma, 90.0), np.nan)


def smooth_over_time(angle: FloatArray, t: FloatArray, cutoff_hz: float) -> FloatArray:
    """Bridge short gaps and low-pass filter the angle; kept within 0..90°."""
    fs = 1.0 / float(np.median(np.diff(t)))
    if cutoff_hz >= fs / 2:
        return angle
    bridged = interpolate_gaps(angle, t, MAX_GAP_S)
    smoothed = filter_butterworth(bridged, fs, cutoff_hz)
    return np.where(np.isfinite(angle), np.clip(smoothed, 0.0, 90.0), np.nan)


def _width_ratio(points: FloatArray) -> FloatArray:
    hip = np.linalg.norm(points[:, LEFT_HIP] - points[:, RIGHT_HIP], axis=1)
    shoulder = np.linalg.norm(points[:, LEFT_SHOULDER] - points[:, RIGHT_SHOULDER], axis=1)
    mid_shoulder = (points[:, LEFT_SHOULDER] + points[:, RIGHT_SHOULDER]) / 2
    mid_hip = (points[:, LEFT_HIP] + points[:, RIGHT_HIP]) / 2
    torso = np.linalg.norm(mid_shoulder - mid_hip, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(torso > 1e-9, (hip + shoulder) / torso, np.nan)


def _visible(points: FloatArray, visibility: FloatArray, min_visibility: float) -> FloatArray:
    """Copy of ``points`` with the torso landmarks below ``min_visibility`` set to NaN."""
    out = np.array(points, dtype=np.float64)
    hidden = ~(np.nan_to_num(visibility[:, list(_TORSO)]) >= min_visibility)
    sub = out[:, list(_TORSO)]
    sub[hidden] = np.nan
    out[:, list(_TORSO)] = sub
    return out


def body_camera_angle(points: FloatArray, camera_centre: FloatArray) -> FloatArray:
    """The reference definition: (...,) angle in degrees from exact 3D landmarks.

    ``points`` (..., 33, 3) and ``camera_centre`` (3,) in one frame (any units, any axes).
    The angle between the line of sight camera -> mid-hip and the mean unit hip/shoulder line.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.shape[-2:] != (33, 3):
        raise ValueError(f"points must have shape (..., 33, 3), got {pts.shape}")
    lines = [pts[..., a, :] - pts[..., b, :] for a, b in _LINES]
    axis = sum(v / np.linalg.norm(v, axis=-1, keepdims=True) for v in lines)
    sight = (pts[..., LEFT_HIP, :] + pts[..., RIGHT_HIP, :]) / 2 - np.asarray(camera_centre)
    cosine = np.abs(np.sum(sight * axis, axis=-1)) / (
        np.linalg.norm(sight, axis=-1) * np.linalg.norm(axis, axis=-1)
    )
    return np.degrees(np.arccos(np.clip(cosine, 0.0, 1.0)))


def _check_arguments(min_visibility: float, smooth_hz: float | None) -> None:
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    if smooth_hz is not None and not smooth_hz > 0:
        raise ValueError(f"smooth_hz must be positive or None, got {smooth_hz}")
