"""A scripted frame source: a stand-in for the camera in tests, examples and benchmarks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.io.sources import INFERENCE_SIZE, FrameSource, check_size
from hipsight.io.video import Frame


@dataclass(frozen=True)
class ScriptedFrame:
    """One frame of a script: its time and, optionally, its pixels (else a plain background)."""

    t_s: float
    rgb: NDArray[np.uint8] | None = None


class ScriptedSource(FrameSource):
    """Frames from a list, fitted to ``size``.

    ``lose_at`` makes the "camera" vanish before that frame index (``lost`` becomes True);
    ``realtime`` paces frames by their times like a paced video, but never skips one; ``keys``
    are keys "pressed" before the frame of that index (the live pipeline reads them).
    """

    def __init__(
        self,
        times: Sequence[float] | Sequence[ScriptedFrame],
        size: tuple[int, int] = INFERENCE_SIZE,
        *,
        realtime: bool = False,
        lose_at: int | None = None,
        background: int = 96,
        keys: Mapping[int, str] | None = None,
    ) -> None:
        super().__init__(size, paced=realtime, drop_late=False)
        frames = [f if isinstance(f, ScriptedFrame) else ScriptedFrame(float(f)) for f in times]
        t = np.array([f.t_s for f in frames], dtype=np.float64)
        if t.size and not (np.diff(t) > 0).all():
            raise ValueError("scripted frame times must be strictly increasing")
        if lose_at is not None and not 0 <= lose_at <= len(frames):
            raise ValueError(f"lose_at must be in [0, {len(frames)}], got {lose_at}")
        self.frame_size = check_size(size)
        self.frames = frames
        self.realtime = realtime
        self.lose_at = lose_at
        self.keys = dict(keys or {})
        self.description = "scripted"
        self.fps = float(1.0 / np.median(np.diff(t))) if t.size > 1 else None
        self.frame_count = len(frames) if lose_at is None else lose_at
        self._background = np.full((size[1], size[0], 3), background, dtype=np.uint8)

    def read_frames(self) -> Iterator[Frame]:
        for index, frame in enumerate(self.frames):
            if index == self.lose_at:
                self._lost = True
                return
            yield Frame(index, frame.t_s, self._background if frame.rgb is None else frame.rgb)
