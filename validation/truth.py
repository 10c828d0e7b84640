"""Reference values from the triangulated skeleton: the camera-to-body angle and 3D joint angles.

Camera-to-body angle (degrees, 0..90): the angle between the camera's line of sight to the
pelvis and the body's medio-lateral axis; 90° minus the angle between that line of sight and
the sagittal plane. 0° = the camera looks straight along the left-right axis (pure side view);
90° = the line of sight lies in the sagittal plane (facing the camera, back to it, or seen from
straight above). The medio-lateral axis is the mean of the unit hip line and the unit shoulder
line (right -> left); hip-only and shoulder-only variants are kept too.

Azimuth (degrees, -180..180) says where the camera stands around the body, in the horizontal
plane: 0 = in front, +90 = on the person's left, -90 = on their right, ±180 = behind.
Elevation: the camera's height above the pelvis as an angle (positive = looking down).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.angles import compute_angles
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence, SequenceMeta

FloatArray = NDArray[np.float64]
UP = np.array([0.0, 0.0, 1.0])  # the Qualisys world's vertical (checked in multiview.py)
REFERENCE_ANGLES = (
    "left_hip_flexion_3d",
    "right_hip_flexion_3d",
    "left_knee_flexion_3d",
    "right_knee_flexion_3d",
    "left_knee_fppa_3d",
    "right_knee_fppa_3d",
)


def unit(v: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True))


def mediolateral_axes(points: FloatArray) -> dict[str, FloatArray]:
    """(..., 3) right -> left unit axes from (..., 33, 3) points: 'hip', 'shoulder', 'mean'."""
    hip = unit(points[..., lm.LEFT_HIP, :] - points[..., lm.RIGHT_HIP, :])
    shoulder = unit(points[..., lm.LEFT_SHOULDER, :] - points[..., lm.RIGHT_SHOULDER, :])
    return {"hip": hip, "shoulder": shoulder, "mean": unit(hip + shoulder)}


def pelvis(points: FloatArray) -> FloatArray:
    return np.asarray((points[..., lm.LEFT_HIP, :] + points[..., lm.RIGHT_HIP, :]) / 2)


def camera_angle(centre: FloatArray, points: FloatArray, axis: FloatArray) -> FloatArray:
    """(...,) camera-to-body angle in degrees (0 side .. 90 front/back); see the module doc."""
    sight = unit(pelvis(points) - centre)
    cosine = np.abs(np.sum(sight * axis, axis=-1))
    return np.asarray(np.degrees(np.arccos(np.clip(cosine, 0.0, 1.0))))


def azimuth_elevation(centre: FloatArray, points: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(...,) azimuth and elevation of the camera as the body sees it (module doc)."""
    left = mediolateral_axes(points)["mean"]
    left_h = unit(left - np.sum(left * UP, axis=-1, keepdims=True) * UP)
    anterior = np.cross(left_h, UP)
    to_camera = centre - pelvis(points)
    azimuth = np.degrees(
        np.arctan2(np.sum(to_camera * left_h, axis=-1), np.sum(to_camera * anterior, axis=-1))
    )
    elevation = np.degrees(np.arcsin(np.clip(np.sum(unit(to_camera) * UP, axis=-1), -1, 1)))
    return np.asarray(azimuth), np.asarray(elevation)


def to_hipsight_world(points: FloatArray) -> FloatArray:
    """Qualisys world (Z up) -> hipsight's world axes (y down, right-handed), mid-hip origin."""
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    converted = np.stack([x, -z, y], axis=-1)
    return np.asarray(converted - pelvis(converted)[..., None, :])


def reference_angles(points: FloatArray, fps: float) -> dict[str, FloatArray]:
    """3D joint angles of one person, (T,) each, with hipsight's own 3D formulas.

    ``points``: (T, 33, 3) triangulated world points (NaN where not triangulated).
    The trajectories go through hipsight's usual cleaning (short gaps, 6 Hz low-pass).
    """
    n = points.shape[0]
    seen = np.isfinite(points).all(axis=2)
    seq = PoseSequence.from_arrays(
        t=np.arange(n) / fps,
        image_xy=np.full((n, lm.N_LANDMARKS, 2), np.nan),
        world_xyz=to_hipsight_world(points),
        visibility=np.where(seen, 1.0, 0.0),
        presence=np.where(seen, 1.0, 0.0),
        meta=SequenceMeta(frame_size=(1, 1), source="triangulated"),
    )
    table = compute_angles(seq, variants=("3d",))
    return {name: table.column(name) for name in REFERENCE_ANGLES}
