"""Frame sources for the live session: a webcam, a video file acting as a webcam, a script.

Every live source yields :class:`~hipsight.io.video.Frame` objects letterboxed to the inference
size (640x480 by default: scaled to fit, aspect kept, black bars), and says afterwards why it
stopped:

- ``lost``: the camera stopped delivering frames (unplugged, taken by another program);
- ``ended``: a video file or a script reached its end.

A missing or busy camera raises :class:`~hipsight.errors.CameraError` when the source is opened,
before anything else starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from hipsight.errors import CameraError, InputError
from hipsight.io.native import native_stderr_silenced
from hipsight.io.video import CameraSource, Frame, VideoFileSource
from hipsight.optional import cv2_module

INFERENCE_SIZE: tuple[int, int] = (640, 480)  # (width, height) of every live frame
LATE_FRAMES = (
    2.0  # a paced video frame later than this many frame periods is dropped, like a camera
)


@runtime_checkable
class LiveSource(Protocol):
    """What the live pipeline reads frames from."""

    description: str
    realtime: bool  # frames arrive at their own pace (drop when slow) or on demand (never drop)
    frame_size: tuple[int, int]
    fps: float | None

    def __iter__(self) -> Iterator[Frame]: ...

    @property
    def lost(self) -> bool: ...

    def interrupt(self) -> None:
        """Ask the iteration to stop soon (thread-safe; called from another thread)."""

    def close(self) -> None:
        """Release the device or file (called by the thread that iterated)."""


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """Validate a (width, height) frame size."""
    if len(size) != 2 or min(size) < 16:
        raise ValueError(f"frame size must be (width, height) of at least 16 px, got {size}")
    return int(size[0]), int(size[1])


def fit_frame(rgb: NDArray[np.uint8], size: tuple[int, int] = INFERENCE_SIZE) -> NDArray[np.uint8]:
    """Scale ``rgb`` to fit ``size`` (width, height) keeping its aspect; pad with black bars.

    Uniform scaling keeps every image angle as it was; frames already at ``size`` pass through.
    Bilinear resizing: ten times faster than area averaging, and the pose model samples the
    picture down to 256 px anyway.
    """
    width, height = size
    h, w = rgb.shape[:2]
    if (w, h) == (width, height):
        return rgb
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    cv2 = cv2_module()
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    x0, y0 = (width - new_w) // 2, (height - new_h) // 2
    canvas[y0 : y0 + new_h, x0 : x0 + new_w] = resized
    return canvas


# ---------------------------------------------------------------------------- webcam
class WebcamSource:
    """A webcam by index or device path (``/dev/video0``), frames fitted to ``size``."""

    realtime = True

    def __init__(self, device: int | str = 0, size: tuple[int, int] = INFERENCE_SIZE) -> None:
        self.frame_size = check_size(size)
        if isinstance(device, str) and device.startswith("/dev/") and not Path(device).exists():
            raise CameraError(f"camera {device} does not exist (is the webcam plugged in?)")
        with native_stderr_silenced():  # OpenCV's V4L2 backend prints its own complaints
            self._camera = CameraSource(device, width=self.frame_size[0], height=self.frame_size[1])
        self.description = f"camera {device}"
        self.fps: float | None = None  # webcams report unreliable rates; timestamps are the clock
        self._stop = threading.Event()

    @property
    def lost(self) -> bool:
        return self._camera.lost

    def __iter__(self) -> Iterator[Frame]:
        for frame in self._camera:
            if self._stop.is_set():
                return
            yield Frame(frame.index, frame.t_s, fit_frame(frame.rgb, self.frame_size))

    def interrupt(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._camera.close()


# ---------------------------------------------------------------------------- video file
class VideoAsCameraSource:
    """A video file behaving like a webcam.

    ``realtime=True`` paces frames by their container timestamps (a frame that comes out of
    the decoder too late is skipped, as a camera would); ``realtime=False`` reads every frame as
    fast as the consumer takes them. ``loop`` replays the file that many times (timestamps keep
    increasing), for benchmarks that need a longer run than the clip.
    """

    def __init__(
        self,
        path: str | Path,
        realtime: bool = True,
        size: tuple[int, int] = INFERENCE_SIZE,
        loop: int = 1,
    ) -> None:
        if loop < 1:
            raise ValueError(f"loop must be >= 1, got {loop}")
        self._video = VideoFileSource(path)
        self.path = Path(path)
        self.realtime = realtime
        self.frame_size = check_size(size)
        self.fps = self._video.info.fps
        self.loop = loop
        self.description = f"video {self.path.name}" + ("" if realtime else " (not real-time)")
        self.skipped = 0
        self._stop = threading.Event()

    @property
    def lost(self) -> bool:
        return False  # a file ends, it is never lost

    def __iter__(self) -> Iterator[Frame]:
        period = 1.0 / (self.fps or 30.0)
        offset = 0.0
        index = 0
        start_wall: float | None = None
        for _ in range(self.loop):
            last_t = offset
            for frame in VideoFileSource(self.path):
                t_s = offset + frame.t_s
                last_t = t_s
                if self.realtime:
                    start_wall = time.monotonic() - t_s if start_wall is None else start_wall
                    lateness = time.monotonic() - (start_wall + t_s)
                    if lateness > LATE_FRAMES * period:
                        self.skipped += 1
                        continue
                    if lateness < 0:
                        self._stop.wait(-lateness)
                if self._stop.is_set():
                    return
                yield Frame(index, t_s, fit_frame(frame.rgb, self.frame_size))
                index += 1
            offset = last_t + period

    def interrupt(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()


# ---------------------------------------------------------------------------- scripted
@dataclass(frozen=True)
class ScriptedFrame:
    """One frame of a script: its time and, optionally, its pixels (else a plain background)."""

    t_s: float
    rgb: NDArray[np.uint8] | None = None


class ScriptedSource:
    """Frames from a list, for tests: a scripted stand-in for the camera.

    ``lose_at`` makes the "camera" vanish before that frame index (``lost`` becomes True);
    ``realtime`` paces frames by their times like :class:`VideoAsCameraSource`.
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
        self._background = np.full((size[1], size[0], 3), background, dtype=np.uint8)
        self._lost = False
        self._stop = threading.Event()

    @property
    def lost(self) -> bool:
        return self._lost

    def __iter__(self) -> Iterator[Frame]:
        start_wall = time.monotonic()
        t0 = self.frames[0].t_s if self.frames else 0.0
        for index, frame in enumerate(self.frames):
            if index == self.lose_at:
                self._lost = True
                return
            if self._stop.is_set():
                return
            if self.realtime:
                delay = start_wall + (frame.t_s - t0) - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
            rgb = frame.rgb if frame.rgb is not None else self._background
            yield Frame(index, frame.t_s, fit_frame(rgb, self.frame_size))

    def interrupt(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()


# ---------------------------------------------------------------------------- opening
def parse_camera(spec: str | int) -> int | str | Path:
    """``"0"`` -> webcam index 0, ``"/dev/video2"`` -> that device, anything else -> a file path."""
    if isinstance(spec, int):
        return spec
    text = str(spec).strip()
    if not text:
        raise InputError(
            "--camera is empty; expected a webcam index (0), /dev/videoN or a video file"
        )
    if text.isdigit():
        return int(text)
    if text.startswith("/dev/"):
        return text
    return Path(text).expanduser()


def open_source(
    spec: str | int,
    realtime: bool = True,
    size: tuple[int, int] = INFERENCE_SIZE,
) -> WebcamSource | VideoAsCameraSource:
    """Open the camera or video named by ``--camera``.

    Raises CameraError (missing or busy camera) or InputError (unreadable video), one line each.
    ``realtime`` only matters for video files: a webcam always runs at its own pace.
    """
    target = parse_camera(spec)
    if isinstance(target, Path):
        if not target.exists():
            raise InputError(
                f"{target}: no such video file (for a webcam give its index, e.g. --camera 0, "
                "or its device, e.g. --camera /dev/video0)"
            )
        return VideoAsCameraSource(target, realtime=realtime, size=size)
    return WebcamSource(target, size=size)
