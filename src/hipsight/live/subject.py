"""Choose the person to follow, frame by frame, when the camera sees several.

The policy comes from the protocol's ``subject`` declaration, as in the offline analysis, and
means the same (:mod:`hipsight.pose.subject`), judged on the latest frame:

- ``visible`` (the default): a person whose key joints are all in the frame and visible;
- ``largest``: the tallest person in the image;
- ``moving`` (gait): the person who walked across the view for longest within the last
  second, by the offline rule (:func:`hipsight.pose.subject.walking_seconds`: the mid-hip moving
  sideways at a quarter of a body length per second or more), once someone has walked for
  :data:`MIN_WALKING_S`;
- an integer: the person with that id (numbered in the order they first appeared).

Ties, and ``moving`` before anyone walks, go to the largest, most central person, i.e. the one
standing in front of the laptop (:func:`hipsight.pose.subject.prominence`, the offline rule).
People who appear together are numbered from left to right, as offline. :attr:`SubjectPicker.others`
holds everyone else in the latest frame, for the overlay to draw faded.

Once chosen, the subject is kept while a detection stays close to its last pose (the tracker's
pose distance, in torso lengths), so a passer-by does not steal the overlay.
"""

from __future__ import annotations

import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.estimator import FrameDetections
from hipsight.pose.subject import (
    body_length,
    hip_x,
    parse_policy,
    policy_scores,
    prominence,
    walking_seconds,
)
from hipsight.pose.tracking import pose_distance, torso_scale

FloatArray = NDArray[np.float64]

KEEP_DISTANCE = 1.0  # torso lengths: a detection this close to a known pose is that person
FORGET_AFTER_S = 1.0  # unseen this long, a person is forgotten
RECENT_S = 1.0  # "moving": walking is judged over the last second ...
MIN_WALKING_S = 0.1  # ... and someone walks who walked this long in it


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
    """Someone seen recently: last pose, when, and their hips over the last second."""

    xy: FloatArray
    last_t: float
    id: int = 0  # order of first appearance, as the offline track ids
    hips: deque[tuple[float, float, float]] = field(default_factory=deque)  # t, hip x, length

    def walking_s(self) -> float:
        """Seconds of the last :data:`RECENT_S` spent walking across the view (the offline
        rule: :func:`~hipsight.pose.subject.walking_seconds`)."""
        if len(self.hips) < 2:
            return 0.0
        t, x, length = np.array(self.hips, dtype=np.float64).T
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no body length seen yet
            median_length = np.nanmedian(length)
        return float(walking_seconds(x[:, None], t, np.array([median_length]))[0])


class SubjectPicker:
    """Stateful choice of the subject among each frame's detections."""

    def __init__(self, frame_size: tuple[int, int], policy: str | int = "visible") -> None:
        self.frame_size = frame_size
        self.policy = policy
        self._candidates: list[_Candidate] = []
        self._subject: _Candidate | None = None
        self._next_id = 0
        self._others: tuple[PersonPose, ...] = ()

    @property
    def others(self) -> tuple[PersonPose, ...]:
        """The people in the latest frame who are not the subject (all of them when nobody
        suitable was chosen)."""
        return self._others

    @property
    def policy(self) -> str | int:
        return self._policy

    @policy.setter
    def policy(self, value: str | int) -> None:
        self._policy = parse_policy(value)

    def pick(self, dets: FrameDetections, t_s: float) -> PersonPose | None:
        """The subject's pose in this frame, or None when nobody suitable is in view."""
        self._forget(t_s)
        matched = self._update_candidates(dets, t_s)
        index = self._choose(matched, dets) if matched else None
        self._others = tuple(
            PersonPose.from_detections(dets, i) for i in range(dets.n_people) if i != index
        )
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
        left_to_right = np.argsort(np.nan_to_num(hip_x(dets.image_xy), nan=np.inf), kind="stable")
        for i in (int(k) for k in left_to_right):
            xy = dets.image_xy[i]
            candidate = _closest(free, xy)
            if candidate is None:
                candidate = _Candidate(xy=xy, last_t=t_s, id=self._next_id)
                self._next_id += 1
                self._candidates.append(candidate)
            else:
                free.remove(candidate)
            candidate.xy, candidate.last_t = xy, t_s
            x = float(hip_x(xy))
            if np.isfinite(x):
                candidate.hips.append((t_s, x, float(body_length(xy))))
            while candidate.hips and t_s - candidate.hips[0][0] > RECENT_S:
                candidate.hips.popleft()
            matched[i] = candidate
        return matched

    def _choose(self, matched: dict[int, _Candidate], dets: FrameDetections) -> int | None:
        if isinstance(self.policy, int):
            return next((i for i, c in matched.items() if c.id == self.policy), None)
        current = next((i for i, c in matched.items() if c is self._subject), None)
        if self.policy == "moving":
            walked = {i: c.walking_s() for i, c in matched.items()}
            if current is not None and walked[current] >= MIN_WALKING_S:
                return current
            walker = max(walked, key=lambda i: walked[i])
            if walked[walker] >= MIN_WALKING_S:
                return walker
        if current is not None:
            return current
        fit = (
            policy_scores(self.policy, dets.image_xy[None], dets.visibility[None], self.frame_size)
            if self.policy in ("visible", "largest")
            else np.zeros(dets.n_people)
        )
        prominent = prominence(dets.image_xy[None], self.frame_size)
        scores = {i: (float(fit[i]), float(prominent[i])) for i in matched}
        best = max(scores, key=lambda i: scores[i])
        return best if np.isfinite(scores[best][1]) else None


def _closest(candidates: list[_Candidate], xy: FloatArray) -> _Candidate | None:
    best, best_distance = None, KEEP_DISTANCE
    for candidate in candidates:
        scale = float(np.nan_to_num(torso_scale(candidate.xy), nan=1.0))
        distance = pose_distance(candidate.xy, xy, scale)
        if np.isfinite(distance) and distance <= best_distance:
            best, best_distance = candidate, distance
    return best
