"""Which way the camera sees the person, per frame, from the landmarks alone.

In a side view the shoulders and hips overlap in the image, so their image width is small next
to the torso length; facing the camera (or with the back to it) they are wide. Frames between
the two are oblique: neither sagittal nor frontal 2D angles can be trusted there.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.table import AngleTable
from hipsight.pose.landmarks import (
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SIDES,
    Side,
    landmark_index,
)
from hipsight.pose.sequence import PoseSequence
from hipsight.session.types import ProcessingStep

SIDE_MAX_RATIO = 0.35  # (shoulder + hip width) / 2 / torso length, at most, for a side view
FRONT_MIN_RATIO = 0.45  # ... at least, for a front (or back) view
NEAR_SIDE_TOLERANCE = 0.05  # mean visibilities of the legs closer than this are a tie


def width_ratio(seq: PoseSequence) -> NDArray[np.float64]:
    """(T,) mean of shoulder and hip image width over torso length; ~0.1 side, ~0.7+ front."""
    xy = seq.image_xy
    shoulder_w = np.linalg.norm(xy[:, LEFT_SHOULDER] - xy[:, RIGHT_SHOULDER], axis=1)
    hip_w = np.linalg.norm(xy[:, LEFT_HIP] - xy[:, RIGHT_HIP], axis=1)
    mid_sh = (xy[:, LEFT_SHOULDER] + xy[:, RIGHT_SHOULDER]) / 2
    mid_hip = (xy[:, LEFT_HIP] + xy[:, RIGHT_HIP]) / 2
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (shoulder_w + hip_w) / 2 / torso
    return np.where(torso > 1e-6, ratio, np.nan)


def near_side(seq: PoseSequence, tolerance: float = NEAR_SIDE_TOLERANCE) -> Side:
    """The leg turned toward the camera: the one whose hip, knee and ankle are more visible.

    Visibilities closer than ``tolerance`` (e.g. synthetic data, or a front view) are a tie; a tie
    goes to the leg whose knee has the smaller world depth (MediaPipe's world z points away from
    the camera), and to the left leg when that does not decide either.
    """
    if not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be in [0, 1], got {tolerance}")
    legs = {side: [landmark_index(p, side) for p in ("hip", "knee", "ankle")] for side in SIDES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a sequence without a person
        vis = {side: float(np.nanmean(seq.visibility[:, idx])) for side, idx in legs.items()}
        depth = {
            side: float(np.nanmean(seq.world_xyz[:, landmark_index("knee", side), 2]))
            for side in SIDES
        }
    if abs(vis["left"] - vis["right"]) > tolerance:
        return "left" if vis["left"] > vis["right"] else "right"
    return "right" if depth["right"] < depth["left"] else "left"


def classify_view(
    ratio: NDArray[np.float64], side_max: float = SIDE_MAX_RATIO, front_min: float = FRONT_MIN_RATIO
) -> NDArray[np.str_]:
    """(T,) 'side', 'front', 'oblique' or 'unknown' per frame."""
    if not side_max < front_min:
        raise ValueError(f"side_max must be below front_min, got {side_max} and {front_min}")
    labels = np.full(ratio.shape, "oblique", dtype="<U8")
    with np.errstate(invalid="ignore"):
        labels[ratio <= side_max] = "side"
        labels[ratio >= front_min] = "front"
    labels[~np.isfinite(ratio)] = "unknown"
    return labels


def apply_view_gate(table: AngleTable, seq: PoseSequence) -> AngleTable:
    """Invalidate each 2D angle in frames whose view is not the one the angle needs.

    Sagittal 2D angles need a side view, frontal 2D angles a front (or back) view. 3D angles are
    left as they are: they do not depend on the view, but carry MediaPipe's weak depth.
    """
    labels = classify_view(width_ratio(seq))
    needed = np.array([spec.view for spec in table.specs])
    is_2d = np.array([spec.variant == "2d" for spec in table.specs])
    in_view = (labels[:, None] == needed[None, :]) | ~is_2d[None, :]
    valid = table.valid & in_view
    return dataclasses.replace(
        table,
        values=np.where(valid, table.values, np.nan),
        valid=valid,
        quality=np.where(valid, table.quality, 0.0),
        interpolated=table.interpolated & valid,
        provenance=(
            *table.provenance,
            ProcessingStep(
                "view_gate",
                {"side_max_ratio": SIDE_MAX_RATIO, "front_min_ratio": FRONT_MIN_RATIO},
            ),
        ),
    )
