"""The session plan: which tests run, in which order, and for which side.

The default plan is the protocol registry's order (posture first, so it gives the person's
baseline), filtered by ``--tests``. A test declared ``per_side`` runs twice, left leg then right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hipsight.errors import InputError
from hipsight.kinematics.angles import ANGLE_NAMES
from hipsight.protocols.base import Protocol
from hipsight.results import SideName

SIDE_WORDS: dict[str, str] = {"left": "LEFT", "right": "RIGHT"}


@dataclass(frozen=True)
class Step:
    """One test (for one side) in the session."""

    protocol: Protocol
    side: SideName | None
    number: int  # 1-based place in the plan
    total: int

    @property
    def key(self) -> str:
        """Folder name and identity of the step: ``<test>`` or ``<test>_<side>``."""
        return self.protocol.id if self.side is None else f"{self.protocol.id}_{self.side}"

    @property
    def title(self) -> str:
        """``Hip extension, LEFT leg`` or ``Standing posture``."""
        title = self.protocol.title
        return title if self.side is None else f"{title}, {SIDE_WORDS[self.side]} leg"

    @property
    def label(self) -> str:
        """Short header line: ``2/5  Hip extension, LEFT leg``."""
        return f"{self.number}/{self.total}  {self.title}"

    @property
    def key_angle(self) -> str | None:
        """The key angle for this step's side (None when the registry does not know it)."""
        return resolve_key_angle(self.protocol.key_angle, self.side)


def parse_tests(text: str | None) -> list[str] | None:
    """``"squat, hip_rotation"`` -> ``["squat", "hip_rotation"]``; None or empty -> None."""
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    return names or None


def build_plan(protocols: Sequence[Protocol], tests: Sequence[str] | None = None) -> list[Step]:
    """Steps for ``tests`` (ids, any order given; registry order kept) or for every protocol."""
    if not protocols:
        raise InputError("no screening tests are installed (the protocol registry is empty)")
    available = [p.id for p in protocols]
    if tests is not None:
        unknown = [t for t in tests if t not in available]
        if unknown:
            raise InputError(
                f"unknown test(s) {', '.join(unknown)} in --tests; "
                f"available: {', '.join(available)}"
            )
        chosen = [p for p in protocols if p.id in set(tests)]
    else:
        chosen = list(protocols)
    pairs: list[tuple[Protocol, SideName | None]] = []
    for protocol in chosen:
        if protocol.per_side:
            pairs += [(protocol, "left"), (protocol, "right")]
        else:
            pairs.append((protocol, None))
    return [Step(p, side, i + 1, len(pairs)) for i, (p, side) in enumerate(pairs)]


def resolve_key_angle(key_angle: str, side: str | None) -> str | None:
    """The registry angle to show for ``side``: ``left_hip_flexion`` becomes
    ``right_hip_flexion`` on the right; an unsided name gets the side (or ``left``)."""
    if side is not None:
        for own, other in (("left_", "right_"), ("right_", "left_")):
            if key_angle.startswith(own) and not side.startswith(own.rstrip("_")):
                key_angle = other + key_angle.removeprefix(own)
    if key_angle in ANGLE_NAMES:
        return key_angle
    sided = f"{side or 'left'}_{key_angle}"
    return sided if sided in ANGLE_NAMES else None
