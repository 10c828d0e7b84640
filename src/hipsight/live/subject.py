"""Choose the person to follow, frame by frame, when the camera sees several.

The subject is the largest, most central person (the one standing in front of the laptop), and
once chosen it is kept while a detection stays close to its last pose (the tracker's pose
distance, in torso lengths), so a passer-by does not steal the overlay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.estimator import FrameDetections
from hipsight.pose.tracking import KEY_BODY, pose_distance, torso_scale

FloatArray = NDArray[np.float64]

KEEP_DISTANCE = 1.0  # torso lengths: a detection this close to the last subject is the subject
FORGET_AFTER_S = 1.0  # unseen this long, the subject is chosen afresh
CENTRE_WEIGHT = 0.5  # how much being off-centre costs against being tall


@dataclass(frozen=True)
class PersonPose:
    """One person's landmarks in one frame (pixels of the live frame)."""

    image_xy: FloatArray  # (33, 2)
    world_xyz: FloatArray  # (33, 3)
    visibility: FloatArray  # (33,)
    presence: FloatArray  # (33,)

    @classmethod
    def from_detections(cls, dets: FrameDetections, index: int) -> PersonPose:
        if not 0 <= index < dets.n_people:
            raise IndexError(f"person index must be in [0, {dets.n_people}), got {index}")
        return cls(
            dets.image_xy[index],
            dets.world_xyz[index],
            dets.visibility[index],
            dets.presence[index],
        )


def prominence(xy: FloatArray, frame_size: tuple[int, int]) -> float:
    """Body height as a share of the frame height, minus a penalty for being off-centre."""
    width, height = frame_size
    body = xy[list(KEY_BODY)]
    finite = body[np.isfinite(body).all(axis=1)]
    if finite.shape[0] < 2:
        return -np.inf
    tall = float(finite[:, 1].max() - finite[:, 1].min()) / height
    off_centre = abs(float(finite[:, 0].mean()) - width / 2) / width
    return tall - CENTRE_WEIGHT * off_centre


class SubjectPicker:
    """Stateful choice of the subject among each frame's detections."""

    def __init__(self, frame_size: tuple[int, int]) -> None:
        self.frame_size = frame_size
        self._last: FloatArray | None = None
        self._last_t = -np.inf

    def pick(self, dets: FrameDetections, t_s: float) -> PersonPose | None:
        """The subject's pose in this frame, or None when nobody suitable is in view."""
        if t_s - self._last_t > FORGET_AFTER_S:
            self._last = None
        if dets.n_people == 0:
            return None
        index = self._follow(dets)
        if index is None:
            scores = [prominence(dets.image_xy[i], self.frame_size) for i in range(dets.n_people)]
            index = int(np.argmax(scores))
            if not np.isfinite(scores[index]):
                return None
        self._last = dets.image_xy[index]
        self._last_t = t_s
        return PersonPose.from_detections(dets, index)

    def _follow(self, dets: FrameDetections) -> int | None:
        if self._last is None:
            return None
        scale = float(np.nan_to_num(torso_scale(self._last), nan=1.0))
        distances = [
            pose_distance(self._last, dets.image_xy[i], scale) for i in range(dets.n_people)
        ]
        best = int(np.nanargmin(distances)) if np.isfinite(distances).any() else None
        if best is None or distances[best] > KEEP_DISTANCE:
            return None
        return best
