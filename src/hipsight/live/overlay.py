"""What the session wants drawn on a frame: plain data, no pixels (the renderer draws it).

The session (analysis thread) fills an :class:`Overlay` for every frame; the renderer (display
thread) turns it into pixels. Keeping the two apart lets the session be tested without OpenCV
and the drawing be tested without a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Tone = Literal["info", "warn", "ok", "result"]


@dataclass(frozen=True)
class Skeleton:
    """Landmarks to draw: (33, 2) pixels of the live frame and (33,) visibility."""

    image_xy: FloatArray
    visibility: FloatArray

    def __post_init__(self) -> None:
        if self.image_xy.shape != (33, 2) or self.visibility.shape != (33,):
            raise ValueError(
                f"skeleton needs image_xy (33, 2) and visibility (33,), got "
                f"{self.image_xy.shape} and {self.visibility.shape}"
            )


@dataclass(frozen=True)
class Gauge:
    """The key angle on a dial: its value (None: not measurable now) and its normal band."""

    label: str
    value: float | None
    band: tuple[float, float]
    span: tuple[float, float]  # the dial's end values, degrees

    def __post_init__(self) -> None:
        lo, hi = self.span
        if not lo < hi:
            raise ValueError(f"gauge span must be (low, high) with low < high, got {self.span}")
        if not self.band[0] <= self.band[1]:
            raise ValueError(f"gauge band must be (low, high) with low <= high, got {self.band}")

    @property
    def in_band(self) -> bool:
        return self.value is not None and self.band[0] <= self.value <= self.band[1]


@dataclass(frozen=True)
class Counter:
    """A rep counter or hold timer: its big text and progress 0..1."""

    text: str
    progress: float


@dataclass(frozen=True)
class Banner:
    """One short line of guidance, e.g. "step back, your feet are not visible"."""

    text: str
    tone: Tone = "warn"


@dataclass(frozen=True)
class Card:
    """A full-screen card: instruction or result. ``example`` is a normalised (33, 2) skeleton
    (coordinates in 0..1 of its box) showing the pose to take."""

    title: str
    lines: tuple[str, ...] = ()
    footer: str = ""
    tone: Tone = "info"
    example: FloatArray | None = None


@dataclass(frozen=True)
class Overlay:
    """Everything drawn on one frame. ``state`` is the session state's name."""

    state: str
    step: str = ""  # e.g. "2/5  Squat  LEFT"
    skeleton: Skeleton | None = None  # the subject, drawn prominently
    others: tuple[Skeleton, ...] = ()  # everyone else in view, drawn faded
    card: Card | None = None
    banner: Banner | None = None
    advisory: Banner | None = None
    gauge: Gauge | None = None
    counter: Counter | None = None
    countdown: int | None = None
    paused: bool = False
    events: tuple[str, ...] = field(default_factory=tuple)  # state changes made on this frame
