"""A landmarker that follows a script of how many people each frame shows (no model).

Used by the tests of landmark slots on demand (``tests/pose/test_census.py``) and of the live
backend (``tests/live/test_backends.py``).
"""

from __future__ import annotations

from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.estimator import FrameDetections
from hipsight.pose.landmarks import N_LANDMARKS


def people(n: int) -> FrameDetections:
    """``n`` people, person ``k`` with every landmark at (100 (k + 1), 100 (k + 1)) px."""
    if n == 0:
        return FrameDetections.empty()
    xy = np.stack([np.full((N_LANDMARKS, 2), 100.0 * (k + 1)) for k in range(n)])
    return FrameDetections(
        image_xy=xy,
        world_xyz=np.zeros((n, N_LANDMARKS, 3)),
        visibility=np.ones((n, N_LANDMARKS)),
        presence=np.ones((n, N_LANDMARKS)),
    )


class ScriptedLandmarker:
    """Sees ``counts[i]`` people in frame ``i`` (frame = timestamp x ``fps``), capped at its
    slots, and records what it was asked: frames detected (a black first frame, the live
    backend's warm-up, is recorded as -1), resets, how often it was opened, whether closed."""

    def __init__(self, counts: list[int], slots: int, fps: float) -> None:
        self.counts = counts
        self.slots = slots
        self.fps = fps
        self.frames: list[int] = []
        self.resets = 0
        self.entered = 0
        self.closed = False

    def __enter__(self) -> ScriptedLandmarker:
        self.entered += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.closed = True

    def detect(self, rgb: NDArray[np.uint8], timestamp_s: float) -> FrameDetections:
        if not self.frames and not rgb.any():
            self.frames.append(-1)
            return people(0)
        index = round(timestamp_s * self.fps)
        self.frames.append(index)
        return people(min(self.counts[index], self.slots))

    def reset(self, timestamp_s: float) -> None:
        self.resets += 1
