"""Multi-view geometry for the validation: undistortion, weighted DLT, reprojection."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from qualisys import Camera

FloatArray = NDArray[np.float64]


def undistort(camera: Camera, xy: FloatArray) -> FloatArray:
    """(..., 2) pixels -> (..., 2) normalised image coordinates (x/z, y/z); NaN stays NaN."""
    flat = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    out = np.full_like(flat, np.nan)
    ok = np.isfinite(flat).all(axis=1)
    if ok.any():
        pts = cv2.undistortPoints(flat[ok].reshape(-1, 1, 2), camera.K, camera.dist)
        out[ok] = pts.reshape(-1, 2)
    return out.reshape(np.shape(xy))


def project(camera: Camera, points: FloatArray) -> FloatArray:
    """(..., 3) world points (metres) -> (..., 2) distorted pixels; NaN stays NaN."""
    flat = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    out = np.full((flat.shape[0], 2), np.nan)
    ok = np.isfinite(flat).all(axis=1)
    if ok.any():
        rvec, _ = cv2.Rodrigues(camera.R)
        pts, _ = cv2.projectPoints(flat[ok], rvec, camera.t, camera.K, camera.dist)
        out[ok] = pts.reshape(-1, 2)
    return out.reshape((*np.shape(points)[:-1], 2))


def depth(camera: Camera, points: FloatArray) -> FloatArray:
    """(...,) depth of world points along the camera's optical axis, metres."""
    return np.asarray(np.asarray(points) @ camera.R[2] + camera.t[2])


def triangulate(
    cameras: Sequence[Camera], normalised: FloatArray, weights: FloatArray
) -> FloatArray:
    """Weighted DLT over all views at once.

    ``normalised``: (V, N, 2) undistorted normalised coordinates per view and point (NaN =
    unseen); ``weights``: (V, N), e.g. the landmark visibility (0 = unused). Returns (N, 3)
    world points, NaN where fewer than two views have a positive weight.
    """
    obs = np.asarray(normalised, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n_views = len(cameras)
    if obs.ndim != 3 or obs.shape[0] != n_views or obs.shape[2] != 2:
        raise ValueError(f"normalised must have shape ({n_views}, N, 2), got {obs.shape}")
    if w.shape != obs.shape[:2]:
        raise ValueError(f"weights must have shape {obs.shape[:2]}, got {w.shape}")
    used = np.isfinite(obs).all(axis=2) & (w > 0)
    w = np.where(used, w, 0.0)
    obs = np.where(used[..., None], obs, 0.0)
    Rt = np.stack([np.hstack([cam.R, cam.t[:, None]]) for cam in cameras])  # (V, 3, 4)
    rows_x = obs[..., 0, None] * Rt[:, None, 2] - Rt[:, None, 0]  # (V, N, 4)
    rows_y = obs[..., 1, None] * Rt[:, None, 2] - Rt[:, None, 1]
    A = np.concatenate([rows_x * w[..., None], rows_y * w[..., None]], axis=0)  # (2V, N, 4)
    A = np.transpose(A, (1, 0, 2))  # (N, 2V, 4)
    _, _, vt = np.linalg.svd(A)
    homog = vt[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        points = homog[:, :3] / homog[:, 3:4]
    points[used.sum(axis=0) < 2] = np.nan
    return np.asarray(points)


def reprojection_errors(
    cameras: Sequence[Camera], points: FloatArray, observed: FloatArray
) -> FloatArray:
    """(V, ...) pixel distance of projected ``points`` (..., 3) from ``observed`` (V, ..., 2)."""
    return np.stack(
        [
            np.linalg.norm(project(cam, points) - np.asarray(observed[v]), axis=-1)
            for v, cam in enumerate(cameras)
        ]
    )
