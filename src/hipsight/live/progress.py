"""Progress of a capture: reps counted, hold time, elapsed time; when to stop.

What a capture aims at comes from the protocol's declaration:

- ``reps``: stop once that many reps are done (or ``duration_s``, if declared, has passed);
  reps are counted live by the protocols' own segmentation (:func:`find_reps`) on the key angle;
- ``hold_s``: stop once the person has held the position that long, counting only the time in
  position; a test that accepts several views (posture: front, then side) holds each in turn;
- ``duration_s`` alone: stop after that long.

Every capture also stops at a maximum duration, so a session never hangs on one test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hipsight.live.overlay import Counter
from hipsight.protocols.base import Protocol
from hipsight.protocols.segmentation import find_reps

GoalKind = Literal["reps", "hold", "duration"]

REP_EXCURSION_DEG = (10.0, 40.0)  # live rep threshold: half the way to the band, within these
BASELINE_S = 0.5  # the key angle's resting value: its median over the capture's first 0.5 s
SECONDS_PER_REP = 6.0  # max duration of a reps test without a declared duration
TURN_ALLOWANCE_S = 8.0  # extra time per view of a multi-view hold, to get into position
DEFAULT_DURATION_S = 20.0


@dataclass(frozen=True)
class CaptureGoal:
    """What one capture aims at, and its time limit."""

    kind: GoalKind
    max_s: float
    reps: int | None = None
    hold_s: float | None = None
    phases: tuple[str, ...] = ()  # views held in turn (hold goals)

    def __post_init__(self) -> None:
        if not self.max_s > 0:
            raise ValueError(f"max_s must be positive, got {self.max_s}")
        if self.kind == "reps" and not (self.reps and self.reps > 0):
            raise ValueError(f"a reps goal needs reps > 0, got {self.reps}")
        if self.kind == "hold" and not (self.hold_s and self.hold_s > 0 and self.phases):
            raise ValueError(
                f"a hold goal needs hold_s > 0 and views, got {self.hold_s}, {self.phases}"
            )


def capture_goal(protocol: Protocol) -> CaptureGoal:
    """The goal a protocol's declaration asks for."""
    views = tuple(getattr(protocol, "accepted_views", (protocol.view,)))
    duration = protocol.duration_s
    if protocol.reps:
        limit = duration or max(DEFAULT_DURATION_S, protocol.reps * SECONDS_PER_REP)
        return CaptureGoal("reps", limit, reps=protocol.reps)
    if protocol.hold_s:
        needed = len(views) * (protocol.hold_s + TURN_ALLOWANCE_S)
        return CaptureGoal(
            "hold", max(duration or 0.0, needed), hold_s=protocol.hold_s, phases=views
        )
    return CaptureGoal("duration", duration or DEFAULT_DURATION_S)


def rep_excursion(baseline: float, band: tuple[float, float]) -> tuple[float, float]:
    """(direction, threshold): which way a rep moves the key angle, and how far it must go."""
    middle = (band[0] + band[1]) / 2.0
    direction = -1.0 if middle < baseline else 1.0
    low, high = REP_EXCURSION_DEG
    return direction, float(np.clip(0.5 * abs(middle - baseline), low, high))


def count_reps(values: np.ndarray, t: np.ndarray, band: tuple[float, float]) -> int:
    """Completed reps in the key angle so far (a rep counts once the angle came back)."""
    if values.size < 3 or np.isfinite(values).sum() < 3:
        return 0
    start = t <= t[0] + BASELINE_S
    resting = values[start][np.isfinite(values[start])]
    baseline = float(np.median(resting)) if resting.size else float(np.nanmedian(values))
    direction, threshold = rep_excursion(baseline, band)
    reps = find_reps(direction * values, t, min_excursion=threshold)
    return sum(1 for rep in reps if rep.stop < values.size)


class CaptureProgress:
    """Follows one capture frame by frame."""

    def __init__(self, goal: CaptureGoal, band: tuple[float, float]) -> None:
        self.goal = goal
        self.band = band
        self.elapsed_s = 0.0
        self.held_s = 0.0
        self.phase = 0
        self.reps = 0
        self._t: list[float] = []
        self._values: list[float] = []

    @property
    def phase_view(self) -> str | None:
        """The view the current hold phase needs (None for other goals)."""
        phases = self.goal.phases
        return phases[min(self.phase, len(phases) - 1)] if phases else None

    @property
    def timed_out(self) -> bool:
        return self.elapsed_s >= self.goal.max_s

    @property
    def reached(self) -> bool:
        """The goal is met (as opposed to stopping at the time limit)."""
        goal = self.goal
        if goal.kind == "reps":
            return self.reps >= (goal.reps or 0)
        if goal.kind == "hold":
            return self.phase >= len(goal.phases)
        return self.elapsed_s >= goal.max_s

    @property
    def finished(self) -> bool:
        return self.reached or self.timed_out

    def update(self, dt: float, t_s: float, key_value: float | None, in_position: bool) -> bool:
        """Advance by one frame; True when a hold phase was just completed."""
        self.elapsed_s += dt
        self._t.append(t_s)
        self._values.append(np.nan if key_value is None else key_value)
        if self.goal.kind == "reps":
            self.reps = count_reps(np.asarray(self._values), np.asarray(self._t), self.band)
            return False
        if self.goal.kind == "hold" and in_position and self.phase < len(self.goal.phases):
            self.held_s += dt
            if self.held_s >= (self.goal.hold_s or 0.0):
                self.phase += 1
                self.held_s = 0.0
                return True
        return False

    def counter(self) -> Counter:
        """The rep counter or timer shown during the capture."""
        goal = self.goal
        if goal.kind == "reps":
            total = goal.reps or 0
            return Counter(
                f"REP {min(self.reps, total)} / {total}", min(1.0, self.reps / max(total, 1))
            )
        if goal.kind == "hold":
            hold = goal.hold_s or 0.0
            held = min(self.held_s, hold)
            n_phases = len(goal.phases)
            prefix = f"{min(self.phase + 1, n_phases)}/{n_phases}  " if n_phases > 1 else ""
            done = (self.phase * hold + held) / (len(goal.phases) * hold)
            return Counter(f"{prefix}HOLD {math.floor(held)} / {hold:g} s", min(1.0, done))
        return Counter(
            f"{math.floor(self.elapsed_s)} / {goal.max_s:g} s",
            min(1.0, self.elapsed_s / goal.max_s),
        )
