"""Progress of a capture: reps counted, hold time, elapsed time; when to stop.

What a capture aims at comes from the protocol's declaration:

- ``reps``: stop once that many reps are done (or ``duration_s``, if declared, has passed).
  There is no live rep counter of its own: every ``RECOUNT_S`` the capture so far is measured
  exactly as it will be saved (the protocol's own segmentation, with its checks of what counts as
  a rep), and the number on screen is the protocol's count metric (:func:`saved_count`). The
  number shown therefore equals the number saved for the same frames;
- ``hold_s``: stop once the person has held the position that long, counting only the time in
  position; a test that accepts several views (posture: front, then side) holds each in turn;
- ``duration_s`` alone: stop after that long.

Every capture also stops at a maximum duration, so a session never hangs on one test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from hipsight.live.overlay import Counter
from hipsight.protocols.base import Protocol
from hipsight.results import TestResult

GoalKind = Literal["reps", "hold", "duration"]
CountReps = Callable[[], int]  # the protocol's count on the capture so far

RECOUNT_S = 0.5  # the capture is re-measured for the rep count at most this often
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


def count_metric(protocol: Protocol) -> str | None:
    """The id of the metric a protocol reports its reps in: its first one with unit "count"."""
    return next((spec.id for spec in protocol.metrics if spec.unit == "count"), None)


def saved_count(protocol: Protocol, result: TestResult) -> int:
    """The reps a result holds: its count metric, summed over the sides measured (0 when the
    protocol declares none or it is not measurable)."""
    metric = count_metric(protocol)
    return sum(
        int(value.value)
        for value in result.metrics
        if value.metric == metric and value.value is not None
    )


class CaptureProgress:
    """Follows one capture frame by frame."""

    def __init__(
        self,
        goal: CaptureGoal,
        count_reps: CountReps | None = None,
        recount_s: float = RECOUNT_S,
    ) -> None:
        if goal.kind == "reps" and count_reps is None:
            raise ValueError("a reps goal needs count_reps, the protocol's count on the capture")
        if not recount_s >= 0:
            raise ValueError(f"recount_s must be >= 0, got {recount_s}")
        self.goal = goal
        self.count_reps = count_reps
        self.recount_s = recount_s
        self.elapsed_s = 0.0
        self.held_s = 0.0
        self.phase = 0
        self.reps = 0
        self._counted_at: float | None = None

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

    def update(self, dt: float, t_s: float, in_position: bool) -> bool:
        """Advance by one frame; True when a hold phase was just completed.

        A reps goal re-measures the capture (``count_reps``) when ``recount_s`` has passed since
        the last count.
        """
        self.elapsed_s += dt
        if self.goal.kind == "reps":
            due = self._counted_at is None or t_s - self._counted_at >= self.recount_s
            if due and self.count_reps is not None:
                self.reps = self.count_reps()
                self._counted_at = t_s
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
