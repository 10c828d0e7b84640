"""Choose the person to follow, frame by frame, when the camera sees several.

The policy comes from the protocol's ``subject`` declaration, as in the offline analysis:

- ``visible`` / ``largest`` (the default): the largest, most central person, i.e. the one
  standing in front of the laptop;
- ``moving`` (gait): the person whose hips travelled furthest sideways over the last second,
  once someone clearly walks; until then the largest, most central one.

Once chosen, the subject is kept while a detection stays close to its last pose (the tracker's
pose distance, in torso lengths), so a passer-by does not steal the overlay.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.estimator import FrameDetections
from hipsight.pose.landmarks import LEFT_HIP, RIGHT_HIP
from hipsight.pose.tracking import KEY_BODY, pose_distance, torso_scale

FloatArray = NDArray[np.float64]

KEEP_DISTANCE = 1.0  # torso lengths: a detection this close to a known pose is that person
FORGET_AFTER_S = 1.0  # unseen this long, a person is forgotten
CENTRE_WEIGHT = 0.5  # how much being off-centre costs against being tall
TRAVEL_WINDOW_S = 1.0  # "moving": hip travel measured over this long ...
MIN_TRAVEL_TORSOS = 0.5  # ... and counted as walking from this many torso lengths
POLICIES = ("visible", "largest", "moving")


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


@dataclass(eq=False)
class _Candidate:
    """Someone seen recently: last pose, when, and hip positions over the travel window."""

    xy: FloatArray
    last_t: float
    hips: deque[tuple[float, float]] = field(default_factory=deque)  # (t, hip x)

    def travel(self) -> float:
        """Hip travel in torso lengths over the window."""
        if len(self.hips) < 2:
            return 0.0
        xs = [x for _, x in self.hips]
        scale = float(np.nan_to_num(torso_scale(self.xy), nan=0.0))
        return (max(xs) - min(xs)) / scale if scale > 0 else 0.0


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


def hip_x(xy: FloatArray) -> float:
    return float(np.nanmean(xy[[LEFT_HIP, RIGHT_HIP], 0]))


class SubjectPicker:
    """Stateful choice of the subject among each frame's detections."""

    def __init__(self, frame_size: tuple[int, int], policy: str = "visible") -> None:
        self.frame_size = frame_size
        self.policy = policy
        self._candidates: list[_Candidate] = []
        self._subject: _Candidate | None = None

    @property
    def policy(self) -> str:
        return self._policy

    @policy.setter
    def policy(self, value: str) -> None:
        if value not in POLICIES:
            raise ValueError(f"subject policy must be one of {POLICIES}, got {value!r}")
        self._policy = value

    def pick(self, dets: FrameDetections, t_s: float) -> PersonPose | None:
        """The subject's pose in this frame, or None when nobody suitable is in view."""
        self._forget(t_s)
        matched = self._update_candidates(dets, t_s)
        if not matched:
            return None
        index = self._choose(matched)
        if index is None:
            return None
        self._subject = matched[index]
        return PersonPose.from_detections(dets, index)

    def _forget(self, t_s: float) -> None:
        self._candidates = [c for c in self._candidates if t_s - c.last_t <= FORGET_AFTER_S]
        if self._subject is not None and self._subject not in self._candidates:
            self._subject = None

    def _update_candidates(self, dets: FrameDetections, t_s: float) -> dict[int, _Candidate]:
        """Match each detection to a known candidate (or a new one); detection -> candidate."""
        matched: dict[int, _Candidate] = {}
        free = list(self._candidates)
        for i in range(dets.n_people):
            xy = dets.image_xy[i]
            candidate = _closest(free, xy)
            if candidate is None:
                candidate = _Candidate(xy=xy, last_t=t_s)
                self._candidates.append(candidate)
            else:
                free.remove(candidate)
            candidate.xy, candidate.last_t = xy, t_s
            x = hip_x(xy)
            if np.isfinite(x):
                candidate.hips.append((t_s, x))
            while candidate.hips and t_s - candidate.hips[0][0] > TRAVEL_WINDOW_S:
                candidate.hips.popleft()
            matched[i] = candidate
        return matched

    def _choose(self, matched: dict[int, _Candidate]) -> int | None:
        current = next((i for i, c in matched.items() if c is self._subject), None)
        if self.policy == "moving":
            travel = {i: c.travel() for i, c in matched.items()}
            if current is not None and travel[current] >= MIN_TRAVEL_TORSOS:
                return current
            walker = max(travel, key=lambda i: travel[i])
            if travel[walker] >= MIN_TRAVEL_TORSOS:
                return walker
        if current is not None:
            return current
        scores = {i: prominence(c.xy, self.frame_size) for i, c in matched.items()}
        best = max(scores, key=lambda i: scores[i])
        return best if np.isfinite(scores[best]) else None


def _closest(candidates: list[_Candidate], xy: FloatArray) -> _Candidate | None:
    best, best_distance = None, KEEP_DISTANCE
    for candidate in candidates:
        scale = float(np.nan_to_num(torso_scale(candidate.xy), nan=1.0))
        distance = pose_distance(candidate.xy, xy, scale)
        if np.isfinite(distance) and distance <= best_distance:
            best, best_distance = candidate, distance
    return best
