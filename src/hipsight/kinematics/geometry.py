"""Small vector helpers, vectorised over any leading dimensions.

Conventions
-----------
- Vectors are the last axis of an array: ``(..., 2)`` in the image, ``(..., 3)`` in the world.
- Image coordinates are pixels with x to the right and **y down**. A positive
  :func:`signed_angle_2d` therefore looks *clockwise* on screen.
- Angles are in degrees everywhere. NaN in, NaN out; nothing here raises on NaN.
- Camera roll (``roll_deg``) is the camera's rotation about its optical axis, positive when the
  camera is turned **clockwise as seen from behind it** (the photographer's view). The scene then
  looks rotated counter-clockwise in the image, so the true "up" in the image is
  ``(-sin(roll), -cos(roll))`` (see :func:`true_up_2d`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "angle_between",
    "cross_2d",
    "cross_3d",
    "dot",
    "norm",
    "normalize",
    "rotate_2d",
    "signed_angle_2d",
    "signed_angle_about",
    "true_horizontal_2d",
    "true_up_2d",
    "true_up_3d",
    "wrap_degrees",
]


def dot(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Return the dot product along the last axis (written out: much faster than ``sum``)."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    out = a_arr[..., 0] * b_arr[..., 0]
    for i in range(1, a_arr.shape[-1]):
        out = out + a_arr[..., i] * b_arr[..., i]
    return out


def cross_3d(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Return the cross product of 3D vectors (last axis)."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    ax, ay, az = a_arr[..., 0], a_arr[..., 1], a_arr[..., 2]
    bx, by, bz = b_arr[..., 0], b_arr[..., 1], b_arr[..., 2]
    return np.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis=-1)


def norm(v: ArrayLike) -> FloatArray:
    """Return the Euclidean length along the last axis."""
    return np.sqrt(dot(v, v))


def normalize(v: ArrayLike) -> FloatArray:
    """Return unit vectors along the last axis; zero-length vectors become NaN."""
    arr = np.asarray(v, dtype=np.float64)
    length = norm(arr)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(length > 0, arr / length, np.nan)


def cross_2d(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Return the scalar cross product ``a.x * b.y - a.y * b.x`` of 2D vectors."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    return a_arr[..., 0] * b_arr[..., 1] - a_arr[..., 1] * b_arr[..., 0]


def signed_angle_2d(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Return the signed angle in degrees that turns 2D vector ``a`` onto ``b``, in (-180, 180].

    Positive means counter-clockwise in the usual maths axes (y up), which is *clockwise* on an
    image (y down).
    """
    return np.degrees(np.arctan2(cross_2d(a, b), dot(a, b)))


def angle_between(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Return the unsigned angle in degrees between vectors (2D or 3D), in [0, 180]."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    if a_arr.shape[-1] == 2:
        cross_norm = np.abs(cross_2d(a_arr, b_arr))
    else:
        cross_norm = norm(cross_3d(a_arr, b_arr))
    return np.degrees(np.arctan2(cross_norm, dot(a_arr, b_arr)))


def signed_angle_about(
    a: ArrayLike, b: ArrayLike, axis: ArrayLike, *, unit_axis: bool = False
) -> FloatArray:
    """Return the signed angle in degrees that turns 3D ``a`` onto ``b`` about ``axis``.

    Both vectors are projected onto the plane perpendicular to ``axis`` first; the sign follows
    the right-hand rule about ``axis``. Pass ``unit_axis=True`` if ``axis`` is already unit length.
    """
    n = np.asarray(axis, dtype=np.float64) if unit_axis else normalize(axis)
    dot_in_plane = dot(a, b) - dot(a, n) * dot(b, n)
    triple = dot(cross_3d(a, b), n)
    return np.degrees(np.arctan2(triple, dot_in_plane))


def rotate_2d(v: ArrayLike, angle_deg: ArrayLike) -> FloatArray:
    """Rotate 2D vectors by ``angle_deg`` (maths sense: clockwise on a y-down image).

    ``angle_deg`` broadcasts against the leading dimensions of ``v``.
    """
    arr = np.asarray(v, dtype=np.float64)
    rad = np.radians(np.asarray(angle_deg, dtype=np.float64))
    c = np.cos(rad)
    s = np.sin(rad)
    x = arr[..., 0]
    y = arr[..., 1]
    return np.stack([c * x - s * y, s * x + c * y], axis=-1)


def true_up_2d(roll_deg: float) -> FloatArray:
    """Return the true "up" direction as a unit image vector (x right, y down) for a camera roll.

    With no roll it is ``(0, -1)``. A camera rolled clockwise (seen from behind) by ``roll_deg``
    sees the world turned counter-clockwise, so up tilts toward image-left.
    """
    rad = np.radians(roll_deg)
    return np.array([-np.sin(rad), -np.cos(rad)])


def true_horizontal_2d(roll_deg: float) -> FloatArray:
    """Return the true horizontal, pointing toward image-right, as a unit image vector."""
    rad = np.radians(roll_deg)
    return np.array([np.cos(rad), -np.sin(rad)])


def true_up_3d(roll_deg: float) -> FloatArray:
    """Return the true "up" in MediaPipe's camera-aligned world frame (x right, y down, z away).

    Only the camera roll is corrected; an unknown camera pitch is not.
    """
    up = true_up_2d(roll_deg)
    return np.array([up[0], up[1], 0.0])


def wrap_degrees(angle_deg: ArrayLike, low: float = -180.0) -> FloatArray:
    """Wrap angles into the half-open branch ``[low, low + 360)``; NaN stays NaN."""
    arr = np.asarray(angle_deg, dtype=np.float64)
    outside = (arr < low) | (arr >= low + 360.0)  # the modulo is slow; most values need none
    if not outside.any():
        return arr.copy()
    out = arr.copy()
    out[outside] = (arr[outside] - low) % 360.0 + low
    return out
