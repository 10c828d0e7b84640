"""Landmarks collected frame by frame: a rolling window for live angles, and the capture buffer.

Live angles come from :func:`~hipsight.kinematics.angles.compute_angles`, the same function the
offline analysis uses, run over the last second of frames without the low-pass filter (a
zero-phase filter needs the future). There is no second implementation of the math.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.angles import SUFFIX_3D, compute_angles
from hipsight.live.subject import PersonPose
from hipsight.pose.landmarks import N_LANDMARKS
from hipsight.pose.sequence import PoseSequence, SequenceMeta

FloatArray = NDArray[np.float64]

_NAN_XY = np.full((N_LANDMARKS, 2), np.nan)
_NAN_XYZ = np.full((N_LANDMARKS, 3), np.nan)
_NAN_SCORE = np.full(N_LANDMARKS, np.nan)


class PoseBuffer:
    """Frames of one person in time order; frames without the person are rows of NaN.

    ``max_seconds`` keeps only the most recent frames (a rolling window); None keeps them all
    (the capture of one test). A frame whose time does not increase is ignored, because a
    PoseSequence needs strictly increasing timestamps.
    """

    def __init__(self, frame_size: tuple[int, int], max_seconds: float | None = None) -> None:
        if max_seconds is not None and not max_seconds > 0:
            raise ValueError(f"max_seconds must be positive or None, got {max_seconds}")
        self.frame_size = frame_size
        self.max_seconds = max_seconds
        self._rows: deque[tuple[float, FloatArray, FloatArray, FloatArray, FloatArray]] = deque()

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def duration_s(self) -> float:
        return self._rows[-1][0] - self._rows[0][0] if len(self._rows) > 1 else 0.0

    @property
    def last_t(self) -> float | None:
        return self._rows[-1][0] if self._rows else None

    def append(self, t_s: float, person: PersonPose | None) -> bool:
        """Add one frame; False when its time does not follow the last one (ignored)."""
        if self._rows and t_s <= self._rows[-1][0]:
            return False
        if person is None:
            self._rows.append((t_s, _NAN_XY, _NAN_XYZ, _NAN_SCORE, _NAN_SCORE))
        else:
            self._rows.append(
                (t_s, person.image_xy, person.world_xyz, person.visibility, person.presence)
            )
        if self.max_seconds is not None:
            while self._rows and t_s - self._rows[0][0] > self.max_seconds:
                self._rows.popleft()
        return True

    def clear(self) -> None:
        self._rows.clear()

    def to_sequence(self, meta: SequenceMeta | None = None) -> PoseSequence | None:
        """The frames as a PoseSequence (None when empty)."""
        if not self._rows:
            return None
        t, xy, world, vis, pres = zip(*self._rows, strict=True)
        return PoseSequence.from_arrays(
            np.array(t),
            np.stack(xy),
            meta or SequenceMeta(frame_size=self.frame_size, source="live"),
            world_xyz=np.stack(world),
            visibility=np.stack(vis),
            presence=np.stack(pres),
        )


def live_angles(
    window: PoseSequence,
    names: Iterable[str],
    roll_deg: float = 0.0,
    smooth_frames: int = 3,
) -> dict[str, float | None]:
    """Current value of each angle in ``names``: the median of its last ``smooth_frames`` valid
    values in the window (None when it has none), from :func:`compute_angles` unfiltered."""
    wanted = list(dict.fromkeys(names))
    variants = sorted({"3d" if n.endswith(SUFFIX_3D) else "2d" for n in wanted})
    table = compute_angles(window, roll_deg=roll_deg, cutoff_hz=None, variants=variants)
    out: dict[str, float | None] = {}
    for name in wanted:
        column = table.column(name)
        recent = column[-smooth_frames:]
        recent = recent[np.isfinite(recent)]
        out[name] = float(np.median(recent)) if recent.size else None
    return out
