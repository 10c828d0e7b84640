"""Pay only for the people who are there: every landmark slot only while several people are seen.

A PoseLandmarker with ``num_poses=2`` runs its person detector on every frame in which it tracks
fewer than two people. On a clip with one person in view that detector is pure cost: 17 ms of CPU
per frame with one slot, 29 ms with two (Pose2Sim's single-person clip, full model; see
docs/performance.md). :class:`OnDemandEstimator` therefore holds two landmarkers on the same
stream of frames:

- a **wide** one with all ``max_people`` slots, which takes a *census*: it looks for everyone;
- a **narrow** one with one slot, which *follows* the one person in view.

It starts with a census. Once the census has seen exactly one person in ``first_frames``
consecutive frames, the narrow landmarker follows for ``follow_s`` seconds; then a census of
``census_frames`` frames looks again, and so on. As soon as any census sees more than one person,
every slot stays on until the wide landmarker has seen one person or none for
``crowd_expiry_s`` seconds (with every slot on, its detector looks for the missing person in every
frame, so by then they have left): a crowded scene is measured exactly as a wide landmarker alone
would measure it. The detector often needs several frames to find a second,
small or partly hidden person (on the Sports2D demo it finds the walker beside the box jumper in
about half the frames), and only a landmarker that keeps every slot keeps such a person once
found. When the narrow landmarker loses its person, a census follows at once. Each landmarker is
reset (shown an empty frame) when it takes over, so it starts from a fresh detection.

The price: a person who enters during a follow stretch is looked for at the next census, at most
``follow_s`` later, and a census of a few frames can miss a person the detector cannot find
quickly. The tracker and the subject rule work on the detections as before; which landmarker
gave a frame does not matter to them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hipsight.models.store import ModelInfo
from hipsight.pose.estimator import FrameDetections, PoseEstimator


@dataclass(frozen=True)
class CensusPlan:
    """When every slot looks for people (measured choices: docs/performance.md)."""

    first_frames: int = 10
    census_frames: int = 3
    follow_s: float = 3.0
    crowd_expiry_s: float = 5.0  # a crowd seen as one person or none this long has left

    def __post_init__(self) -> None:
        if self.census_frames < 1 or self.first_frames < self.census_frames:
            raise ValueError(
                "census_frames must be >= 1 and first_frames >= census_frames, got "
                f"{self.census_frames} and {self.first_frames}"
            )
        if not (self.follow_s > 0 and self.crowd_expiry_s > 0):
            raise ValueError(
                "follow_s and crowd_expiry_s must be > 0, got "
                f"{self.follow_s} and {self.crowd_expiry_s}"
            )


class FrameEstimator(Protocol):
    """What the extraction loops need from a landmarker: frames in, people out."""

    def __enter__(self) -> FrameEstimator: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def close(self) -> None: ...

    def detect(self, rgb: NDArray[np.uint8], timestamp_s: float) -> FrameDetections: ...

    def reset(self, timestamp_s: float) -> None: ...


class OnDemandEstimator:
    """A wide landmarker while several people are seen, a narrow one while one is (see module)."""

    def __init__(
        self,
        wide: FrameEstimator,
        narrow: FrameEstimator,
        plan: CensusPlan | None = None,
        crowd: threading.Event | None = None,
    ) -> None:
        """``crowd`` is set while several people are seen (every slot until it ends: see
        :attr:`CensusPlan.crowd_expiry_s`). Pass the
        same event to landmarkers that share a scene (the live loop's workers see alternate
        frames of one camera): what one census sees then holds for all, and a follow elsewhere
        ends at its next frame."""
        self.plan = plan or CensusPlan()
        self.wide = wide
        self.narrow = narrow
        self.frames_seen = 0
        self.census_frames_seen = 0
        self._narrow_open = False
        self._crowd = crowd if crowd is not None else threading.Event()
        self._restart()

    def _restart(self) -> None:
        self._following = False
        self._quiet = 0  # consecutive census frames with exactly one person
        self._needed = self.plan.first_frames  # ... needed before following
        self._crowd.clear()
        self._alone_since: float | None = None  # crowded, but one person or none seen since
        self._follow_until = 0.0

    @property
    def crowded(self) -> bool:
        """Several people were seen (here or by a landmarker sharing the crowd)."""
        return self._crowd.is_set()

    def __enter__(self) -> OnDemandEstimator:
        self.wide.__enter__()  # the narrow one is created when first needed (never, if crowded)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.wide.close()
        if self._narrow_open:
            self.narrow.close()
            self._narrow_open = False

    @property
    def census_fraction(self) -> float:
        """Share of the frames so far that were looked at with every slot."""
        return self.census_frames_seen / self.frames_seen if self.frames_seen else 1.0

    def detect(self, rgb: NDArray[np.uint8], timestamp_s: float) -> FrameDetections:
        """People in one frame, from whichever landmarker the plan calls for."""
        self.frames_seen += 1
        if self._following and self.crowded:  # a landmarker sharing the crowd saw several
            self._end_follow(timestamp_s)
        if self._following:
            found = self.narrow.detect(rgb, timestamp_s)
            if found.n_people == 0 or timestamp_s >= self._follow_until:
                self._end_follow(timestamp_s)
            return found
        self.census_frames_seen += 1
        found = self.wide.detect(rgb, timestamp_s)
        self._quiet = self._quiet + 1 if found.n_people == 1 else 0
        self._update_crowd(found.n_people, timestamp_s)
        if self._quiet >= self._needed and not self.crowded:
            self._following = True
            self._follow_until = timestamp_s + self.plan.follow_s
            self._start_narrow(timestamp_s)
        return found

    def _update_crowd(self, n_people: int, timestamp_s: float) -> None:
        """Several people make a crowd; one person or none for ``crowd_expiry_s`` ends it.

        With every slot on, the detector looks for the missing person in every frame, so a
        person not found for that long has left (a clinician who stepped through the picture).
        """
        if n_people > 1:
            self._crowd.set()
            self._alone_since = None
        elif not self.crowded:
            self._alone_since = None
        elif self._alone_since is None:
            self._alone_since = timestamp_s
        elif timestamp_s - self._alone_since >= self.plan.crowd_expiry_s:
            self._crowd.clear()
            self._alone_since = None

    def _end_follow(self, timestamp_s: float) -> None:
        self._following = False
        self._quiet = 0
        self._needed = self.plan.census_frames
        self.wide.reset(timestamp_s)  # the next census starts afresh

    def _start_narrow(self, timestamp_s: float) -> None:
        """Create the narrow landmarker on first use; later, reset it so it detects afresh."""
        if self._narrow_open:
            self.narrow.reset(timestamp_s)
        else:
            self.open_narrow()

    def open_narrow(self) -> FrameEstimator:
        """Create the narrow landmarker now instead of at the first follow, and return it.

        For the live loop: creating a landmarker mid-stream stalls that frame (0.1-1 s for the
        model load, plus a slow first frame), so the live backend opens and warms it up before
        the camera starts. Closed with the wide one either way.
        """
        if not self._narrow_open:
            self.narrow.__enter__()
            self._narrow_open = True
        return self.narrow

    def reset(self, timestamp_s: float) -> None:
        """Forget every tracked person and start again with a census (the crowd too)."""
        self.wide.reset(timestamp_s)
        if self._narrow_open:
            self.narrow.reset(timestamp_s)
        self._restart()


def open_estimator(
    model: ModelInfo, max_people: int, plan: CensusPlan | None = None, every_slot: bool = False
) -> PoseEstimator | OnDemandEstimator:
    """The offline landmarker for ``max_people``: one slot alone, or slots on demand.

    ``every_slot`` keeps all ``max_people`` slots on every frame (the behaviour before slots on
    demand; the multi-view validation builds its truth that way)."""
    if max_people < 1:
        raise ValueError(f"max_people must be >= 1, got {max_people}")
    if every_slot or max_people == 1:
        return PoseEstimator(model, mode="video", max_people=max_people)
    narrow = PoseEstimator(model, mode="video", max_people=1)
    wide = PoseEstimator(model, mode="video", max_people=max_people)
    return OnDemandEstimator(wide, narrow, plan)
