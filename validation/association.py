"""Who is who across the views: per-frame grouping by reprojection, then linking over time.

In every frame each camera offers up to ``max_people`` MediaPipe detections. Two detections of
the same person in two calibrated views triangulate to a skeleton that reprojects onto both;
two different people do not. Groups grow greedily from the most consistent pair. Groups are
then linked frame to frame by the 3D position of the pelvis.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.pose import landmarks as lm
from qualisys import Camera
from triangulation import reprojection_errors, triangulate, undistort

FloatArray = NDArray[np.float64]
BODY = np.arange(lm.LEFT_SHOULDER, lm.RIGHT_ANKLE + 1)  # shoulders .. ankles
MIN_VISIBILITY = 0.5


def mirror_permutation() -> NDArray[np.intp]:
    """Landmark order with left and right exchanged (nose stays)."""
    pairs = [(1, 4), (2, 5), (3, 6)] + [(i, i + 1) for i in range(7, lm.N_LANDMARKS, 2)]
    perm = np.arange(lm.N_LANDMARKS)
    for left, right in pairs:
        perm[left], perm[right] = right, left
    return perm


MIRROR = mirror_permutation()


@dataclass(frozen=True)
class Detection:
    """One MediaPipe person in one camera and frame."""

    view: int  # camera index
    track: int  # track index within that camera
    xy: FloatArray  # (33, 2) pixels
    visibility: FloatArray  # (33,)
    normalised: FloatArray  # (33, 2) undistorted normalised coordinates

    def mirrored(self) -> Detection:
        return Detection(
            self.view, self.track, self.xy[MIRROR], self.visibility[MIRROR], self.normalised[MIRROR]
        )


def make_detection(
    camera: Camera, view: int, track: int, xy: FloatArray, vis: FloatArray
) -> Detection:
    return Detection(view, track, xy, np.nan_to_num(vis), undistort(camera, xy))


def group_error(cameras: Sequence[Camera], group: Sequence[Detection]) -> float:
    """Median reprojection error (px) of the body landmarks triangulated from ``group``."""
    views = [cameras[d.view] for d in group]
    norm = np.stack([d.normalised[BODY] for d in group])
    weights = np.stack([np.where(d.visibility[BODY] >= MIN_VISIBILITY, 1.0, 0.0) for d in group])
    points = triangulate(views, norm, weights)
    if not np.isfinite(points).all(axis=1).any():
        return np.inf
    errors = reprojection_errors(views, points, np.stack([d.xy[BODY] for d in group]))
    errors = np.where(weights > 0, errors, np.nan)
    in_front = all(
        (points @ cam.R[2] + cam.t[2])[np.isfinite(points[:, 0])].min() > 0 for cam in views
    )
    return float(np.nanmedian(errors)) if in_front else np.inf


def associate_frame(
    cameras: Sequence[Camera], detections: Sequence[Detection], max_error_px: float
) -> list[list[Detection]]:
    """Group one frame's detections into people (each group: one detection per view at most)."""
    free = list(detections)
    groups: list[list[Detection]] = []
    while True:
        seed = best_pair(cameras, free, max_error_px)
        if seed is None:
            return groups
        group = grow_group(cameras, list(seed), free, max_error_px)
        groups.append(group)
        used = {(d.view, d.track) for d in group}
        free = [d for d in free if (d.view, d.track) not in used]


def best_pair(
    cameras: Sequence[Camera], free: Sequence[Detection], max_error_px: float
) -> tuple[Detection, Detection] | None:
    """The two detections from different views that agree best, if they agree well enough."""
    best: tuple[float, tuple[Detection, Detection] | None] = (max_error_px, None)
    for a, b in itertools.combinations(free, 2):
        if a.view == b.view:
            continue
        error = group_error(cameras, [a, b])
        if error < best[0]:
            best = (error, (a, b))
    return best[1]


def grow_group(
    cameras: Sequence[Camera],
    group: list[Detection],
    free: Sequence[Detection],
    max_error_px: float,
) -> list[Detection]:
    """Add, view by view, the free detection that keeps the group most consistent."""
    while True:
        taken = {d.view for d in group}
        options = [d for d in free if d.view not in taken]
        scored = [(group_error(cameras, [*group, d]), d) for d in options]
        scored = [(e, d) for e, d in scored if e < max_error_px]
        if not scored:
            return group
        group = [*group, min(scored, key=lambda item: item[0])[1]]


def link_groups(
    pelvis_by_frame: Sequence[Sequence[FloatArray]], max_step_m: float = 0.5
) -> list[list[int]]:
    """Person id per group per frame, by nearest pelvis to each person's last position."""
    last: list[FloatArray] = []
    ids: list[list[int]] = []
    for pelves in pelvis_by_frame:
        frame_ids = [-1] * len(pelves)
        options = sorted(
            (float(np.linalg.norm(p - q)), g, k)
            for g, p in enumerate(pelves)
            for k, q in enumerate(last)
        )
        used_people: set[int] = set()
        for distance, g, k in options:
            if distance > max_step_m or frame_ids[g] >= 0 or k in used_people:
                continue
            frame_ids[g] = k
            used_people.add(k)
        for g, pelvis in enumerate(pelves):
            if frame_ids[g] < 0:
                frame_ids[g] = len(last)
                last.append(pelvis)
            last[frame_ids[g]] = pelvis
        ids.append(frame_ids)
    return ids
