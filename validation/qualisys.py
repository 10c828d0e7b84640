"""Read a Qualisys ``.qca.txt`` calibration into OpenCV cameras.

Conventions of the file (checked against Pose2Sim's reader and, in ``multiview.py``, against
the reprojection of triangulated landmarks):

- Intrinsics (focal lengths, principal point, sensor extent) are in sub-pixels: divide by 64.
  The principal point is relative to the sensor; subtract the ``fov_video`` offset.
- ``<transform>`` holds the camera position in the world (x, y, z, millimetres) and a matrix
  whose **rows** are the camera axes in the world (r11 r12 r13 is the camera x axis). Qualisys
  cameras look along their -z with y up; OpenCV cameras look along +z with y down, so the
  OpenCV world-to-camera rotation is diag(1, -1, -1) @ M and t = -R @ C.
- Distortion coefficients are either plain Brown coefficients or, as Pose2Sim reads them,
  divided by 64 too; ``distortion_scale`` chooses, and ``multiview.py`` keeps the one that
  reprojects better.
- The calibrated image size is ``fov_video`` (right - left + 1, bottom - top + 1); a video of
  another size is handled by :func:`rescale_camera`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
SUBPIXELS = 64.0
QUALISYS_TO_OPENCV = np.diag([1.0, -1.0, -1.0])


@dataclass(frozen=True)
class Camera:
    """One calibrated camera in OpenCV conventions: x_cam = R @ X_world + t (metres)."""

    name: str
    size: tuple[int, int]  # (width, height) the intrinsics refer to, pixels
    K: FloatArray  # (3, 3)
    dist: FloatArray  # (5,) k1 k2 p1 p2 k3
    R: FloatArray  # (3, 3) world -> camera
    t: FloatArray  # (3,) metres
    residual_mm: float  # the calibration's own average residual, as the file states it

    @property
    def centre(self) -> FloatArray:
        """Camera centre in the world, metres."""
        return np.asarray(-self.R.T @ self.t)

    @property
    def optical_axis(self) -> FloatArray:
        """Unit viewing direction (camera +z) in the world."""
        return np.asarray(self.R[2])

    @property
    def projection(self) -> FloatArray:
        """(3, 4) K [R | t] for undistorted pixel coordinates."""
        return np.asarray(self.K @ np.hstack([self.R, self.t[:, None]]))


def read_qca(path: str | Path, distortion_scale: float = 1.0) -> list[Camera]:
    """Parse every active camera of a ``.qca.txt`` file, sorted by name."""
    if distortion_scale <= 0:
        raise ValueError(f"distortion_scale must be positive, got {distortion_scale}")
    root = ET.parse(path).getroot()
    cameras = [
        parse_camera(tag, distortion_scale)
        for tag in root.iter("camera")
        if tag.get("active", "1") == "1"
    ]
    if not cameras:
        raise ValueError(f"{path}: no active <camera> in the calibration")
    return sorted(cameras, key=lambda cam: cam.name)


def parse_camera(tag: ET.Element, distortion_scale: float) -> Camera:
    """One ``<camera>`` element -> :class:`Camera`."""
    name = tag.get("serial") or "camera"
    fov = _child(tag, "fov_video", name)
    left, top = float(fov.get("left", 0)), float(fov.get("top", 0))
    width = round(float(_attr(fov, "right", name)) - left + 1)
    height = round(float(_attr(fov, "bottom", name)) - top + 1)
    intr = _child(tag, "intrinsic", name)
    fu, fv = (float(_attr(intr, key, name)) / SUBPIXELS for key in ("focalLengthU", "focalLengthV"))
    cu = float(_attr(intr, "centerPointU", name)) / SUBPIXELS - left
    cv = float(_attr(intr, "centerPointV", name)) / SUBPIXELS - top
    skew = float(intr.get("skew", 0.0)) / SUBPIXELS
    K = np.array([[fu, skew, cu], [0.0, fv, cv], [0.0, 0.0, 1.0]])
    dist = np.array(
        [
            float(intr.get(key, 0.0))
            for key in (
                "radialDistortion1",
                "radialDistortion2",
                "tangentalDistortion1",
                "tangentalDistortion2",
                "radialDistortion3",
            )
        ]
    )
    dist = dist / distortion_scale
    tr = _child(tag, "transform", name)
    M = np.array([[float(_attr(tr, f"r{i}{j}", name)) for j in (1, 2, 3)] for i in (1, 2, 3)])
    check_rotation(M, name)
    centre = np.array([float(_attr(tr, key, name)) for key in ("x", "y", "z")]) / 1000.0
    R = QUALISYS_TO_OPENCV @ M
    return Camera(
        name=name,
        size=(width, height),
        K=K,
        dist=dist,
        R=R,
        t=-R @ centre,
        residual_mm=float(tag.get("avg-residual", "nan")),
    )


def check_rotation(M: FloatArray, name: str, tol: float = 1e-4) -> None:
    """Refuse a matrix that is not a proper rotation."""
    error = float(np.abs(M @ M.T - np.eye(3)).max())
    det = float(np.linalg.det(M))
    if error > tol or abs(det - 1.0) > tol:
        raise ValueError(
            f"camera {name}: transform is not a rotation (expected orthonormal with det 1, "
            f"got max |M M^T - I| = {error:.2g}, det = {det:.6f})"
        )


def rescale_camera(camera: Camera, size: tuple[int, int]) -> Camera:
    """The camera for a video of ``size`` (width, height) pixels, same field of view.

    A video whose size differs from the calibrated one was scaled; the intrinsics scale with
    it (distortion coefficients act on normalised coordinates and do not change). A change of
    aspect ratio means cropping or rotation, which cannot be undone from sizes alone: refused.
    """
    width, height = size
    if width <= 0 or height <= 0:
        raise ValueError(f"size must be positive (width, height), got {size}")
    sx, sy = width / camera.size[0], height / camera.size[1]
    if abs(sx - sy) > 0.01 * max(sx, sy):
        raise ValueError(
            f"camera {camera.name}: video size {size} has another aspect ratio than the "
            f"calibrated {camera.size} (scales {sx:.4f} and {sy:.4f}); crop or rotation?"
        )
    if sx == 1.0 and sy == 1.0:
        return camera
    S = np.diag([sx, sy, 1.0])
    return replace(camera, size=(width, height), K=S @ camera.K)


def _child(tag: ET.Element, child: str, name: str) -> ET.Element:
    found = tag.find(child)
    if found is None:
        raise ValueError(f"camera {name}: expected a <{child}> element, found none")
    return found


def _attr(tag: ET.Element, key: str, name: str) -> str:
    value = tag.get(key)
    if value is None:
        raise ValueError(f"camera {name}: <{tag.tag}> lacks the attribute {key!r}")
    return value
