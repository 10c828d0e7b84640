"""One frame-source interface for video files, image folders, webcams and "a video as a camera".

Every source is a :class:`FrameSource`: an iterable of :class:`~hipsight.io.video.Frame` (frame
index, time in seconds, RGB pixels) that says what it knows up front (``fps``, ``frame_size``,
``frame_count``), can be interrupted from another thread, is closed with ``close()`` or a
``with`` block, and says afterwards whether it was ``lost``. :func:`open_source` opens them all,
as norfair's ``Video(camera=…)`` / ``Video(input_path=…)`` does::

    with open_source(input_path="clip.mp4") as source:  # offline: every frame, native size
        for frame in source: ...
    open_source(input_path="clip.mp4", start_frame=100, stop_frame=200)  # one chunk of it
    open_source(input_path="frames/")  # a folder of images, timed at 30 fps
    open_source(camera=0)  # a webcam (or "/dev/video2"), frames fitted to 640x480
    open_source(camera="clip.mp4")  # a video behaving like a webcam: paced, fitted to 640x480

- Times come from the container (``CAP_PROP_POS_MSEC``), not from index / fps, because phones
  record at variable frame rates; a folder of images is timed at ``folder_fps``; a webcam by the
  clock from the start of the iteration.
- ``realtime`` sources deliver frames at their own pace and drop what comes too late (a webcam
  always; a file when asked): the consumer should drop frames too rather than fall behind.
  Others deliver every frame on demand. A paced file skips a frame that is more than
  :data:`LATE_FRAMES` periods late, as a camera would; frame indices keep their place in the
  input, so skipped frames leave gaps.
- ``size`` fits every frame into (width, height), aspect kept, black bars (:func:`fit_frame`).
- A missing or busy camera raises :class:`~hipsight.errors.CameraError` when the source is
  opened, before anything else starts; a camera that stops delivering frames ends the iteration
  with ``lost`` set. An unreadable file or folder raises :class:`~hipsight.errors.InputError`.
  Each is one line.
"""

from __future__ import annotations

import abc
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.errors import CameraError, InputError
from hipsight.io.native import native_stderr_silenced
from hipsight.io.video import Frame, VideoInfo, list_images, probe_input, probe_video
from hipsight.optional import cv2_module

INFERENCE_SIZE: tuple[int, int] = (640, 480)  # (width, height) of every live frame
LATE_FRAMES = 2.0  # a paced frame later than this many frame periods is skipped, like a camera
FOLDER_FPS = 30.0  # the rate a folder of images is timed at unless told otherwise
FALLBACK_FPS = 30.0  # pacing and looping rate for inputs that report none

CameraSpec = int | str | Path


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """Validate a (width, height) frame size."""
    if len(size) != 2 or min(size) < 16:
        raise ValueError(f"frame size must be (width, height) of at least 16 px, got {size}")
    return int(size[0]), int(size[1])


def check_frame_range(start_frame: int, stop_frame: int | None) -> tuple[int, int | None]:
    """Validate the frames ``start_frame..stop_frame`` (stop excluded; None: to the end)."""
    if start_frame < 0 or (stop_frame is not None and stop_frame <= start_frame):
        raise ValueError(f"need 0 <= start_frame < stop_frame, got {start_frame}, {stop_frame}")
    return start_frame, stop_frame


def count_in_range(total: int | None, start_frame: int, stop_frame: int | None) -> int | None:
    """How many of ``total`` frames fall in ``start_frame..stop_frame`` (None when unknown)."""
    if total is None:
        return None
    return max(0, min(total, total if stop_frame is None else stop_frame) - start_frame)


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


# ---------------------------------------------------------------------------- the interface
class FrameSource(abc.ABC):
    """An iterable of :class:`~hipsight.io.video.Frame`; subclasses implement :meth:`read_frames`.

    What every source tells up front:

    - ``description``: what it reads, for people ("camera 0", "video clip.mp4");
    - ``realtime``: frames arrive at their own pace (drop when slow) or on demand (never drop);
    - ``fps``: the nominal rate, None when unknown (webcams report unreliable rates);
    - ``frame_size``: (width, height) of the frames it yields;
    - ``frame_count``: how many frames one iteration yields at most, None when unknown;
    - ``info``: what the container says (files and image folders), else None.

    Afterwards: ``lost`` (a camera stopped delivering frames) and ``skipped`` (frames a paced
    source dropped for being late). Iterate it once; :meth:`interrupt` may be called from
    another thread, :meth:`close` by the thread that iterated (or by a ``with`` block).
    """

    description: str = "frames"
    realtime: bool = False
    fps: float | None = None
    frame_size: tuple[int, int] = (0, 0)
    frame_count: int | None = None
    info: VideoInfo | None = None

    def __init__(
        self,
        size: tuple[int, int] | None = None,
        *,
        paced: bool = False,
        drop_late: bool = True,
        loop: int = 1,
    ) -> None:
        if loop < 1:
            raise ValueError(f"loop must be >= 1, got {loop}")
        self.fit_size = None if size is None else check_size(size)
        self.paced = paced
        self.drop_late = drop_late
        self.loop = loop
        self.skipped = 0
        self._lost = False
        self._stop = threading.Event()

    @abc.abstractmethod
    def read_frames(self) -> Iterator[Frame]:
        """One pass over the input as it holds the frames: native size, as fast as it can."""

    @property
    def lost(self) -> bool:
        return self._lost

    def __iter__(self) -> Iterator[Frame]:
        frames = self._looped()
        if self.paced:
            frames = self._paced(frames)
        for frame in frames:
            if self._stop.is_set():
                return
            yield frame if self.fit_size is None else self._fitted(frame, self.fit_size)

    def interrupt(self) -> None:
        """Ask the iteration to stop soon (thread-safe)."""
        self._stop.set()

    def close(self) -> None:
        """Release the device or file."""
        self._stop.set()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @staticmethod
    def _fitted(frame: Frame, size: tuple[int, int]) -> Frame:
        return Frame(frame.index, frame.t_s, fit_frame(frame.rgb, size))

    def _looped(self) -> Iterator[Frame]:
        """``loop`` passes; later passes continue the indices and times of the one before."""
        index_offset, t_offset = 0, 0.0
        for _ in range(self.loop):
            last: Frame | None = None
            for frame in self.read_frames():
                last = Frame(frame.index + index_offset, frame.t_s + t_offset, frame.rgb)
                yield last
            if last is None:
                return
            index_offset, t_offset = last.index + 1, last.t_s + 1.0 / (self.fps or FALLBACK_FPS)

    def _paced(self, frames: Iterator[Frame]) -> Iterator[Frame]:
        """Deliver each frame at its time, the first one now; skip (or not) the late ones."""
        period = 1.0 / (self.fps or FALLBACK_FPS)
        start_wall: float | None = None
        for frame in frames:
            if start_wall is None:
                start_wall = time.monotonic() - frame.t_s
            lateness = time.monotonic() - (start_wall + frame.t_s)
            if self.drop_late and lateness > LATE_FRAMES * period:
                self.skipped += 1
                continue
            if lateness < 0 and self._stop.wait(-lateness):
                return
            yield frame


# ---------------------------------------------------------------------------- files
class RecordedSource(FrameSource):
    """A recorded input (a video file or a folder of images), known by its :class:`VideoInfo`:
    frames ``start_frame..stop_frame`` (stop excluded, None: to the end).

    ``realtime`` paces them by their times; ``loop`` replays the range that many times (indices
    and times keep increasing), for benchmarks that need a longer run than the clip; ``size``
    fits them into (width, height).
    """

    def __init__(
        self,
        info: VideoInfo,
        kind: str,
        start_frame: int,
        stop_frame: int | None,
        *,
        realtime: bool,
        size: tuple[int, int] | None,
        loop: int,
    ) -> None:
        super().__init__(size, paced=realtime, loop=loop)
        self.info = info
        self.start_frame, self.stop_frame = check_frame_range(start_frame, stop_frame)
        self.realtime = realtime
        self.fps = info.fps
        self.frame_size = self.fit_size or (info.width, info.height)
        self.frame_count = count_in_range(info.frame_count, start_frame, stop_frame)
        name = Path(info.path).name
        self.description = f"{kind} {name}" + ("" if realtime else " (not real-time)")


class VideoFileSource(RecordedSource):
    """Frames of a video file, decoded in order, timed by the container."""

    def __init__(
        self,
        path: str | Path,
        start_frame: int = 0,
        stop_frame: int | None = None,
        *,
        realtime: bool = False,
        size: tuple[int, int] | None = None,
        loop: int = 1,
    ) -> None:
        self.path = Path(path)
        info = probe_video(self.path)
        super().__init__(
            info, "video", start_frame, stop_frame, realtime=realtime, size=size, loop=loop
        )

    def read_frames(self) -> Iterator[Frame]:
        cv2 = cv2_module()
        cap = cv2.VideoCapture(str(self.path))
        try:
            index = self._seek(cap, cv2)
            while self.stop_frame is None or index < self.stop_frame:
                ok, bgr = cap.read()
                if not ok or bgr is None:
                    break
                t_s = float(cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
                yield Frame(index=index, t_s=t_s, rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index += 1
        finally:
            cap.release()

    def _seek(self, cap: Any, cv2: Any) -> int:
        if self.start_frame == 0:
            return 0
        cap.set(cv2.CAP_PROP_POS_FRAMES, self.start_frame)
        landed = int(cap.get(cv2.CAP_PROP_POS_FRAMES))
        if landed != self.start_frame:
            raise InputError(
                f"{self.path}: cannot seek to frame {self.start_frame} (landed on {landed})"
            )
        return self.start_frame


class ImageFolderSource(RecordedSource):
    """Frames from a folder of images in name order, timed at ``fps``."""

    def __init__(
        self,
        folder: str | Path,
        fps: float = FOLDER_FPS,
        start_frame: int = 0,
        stop_frame: int | None = None,
        *,
        realtime: bool = False,
        size: tuple[int, int] | None = None,
        loop: int = 1,
    ) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(folder)
        self.files = list_images(self.path)
        self._folder_fps = fps
        info = probe_input(self.path, folder_fps=fps)
        super().__init__(
            info, "images", start_frame, stop_frame, realtime=realtime, size=size, loop=loop
        )

    def read_frames(self) -> Iterator[Frame]:
        cv2 = cv2_module()
        stop = len(self.files) if self.stop_frame is None else min(self.stop_frame, len(self.files))
        for index in range(self.start_frame, stop):
            file = self.files[index]
            bgr = cv2.imread(str(file))
            if bgr is None:
                raise InputError(f"{file}: not a readable image")
            yield Frame(
                index=index, t_s=index / self._folder_fps, rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            )


# ---------------------------------------------------------------------------- webcam
class CameraSource(FrameSource):
    """A webcam by index or device path (``/dev/video0``), timed by the clock from the start of
    the iteration, frames fitted to ``size`` (also the resolution asked of the camera)."""

    realtime = True

    def __init__(self, device: int | str = 0, size: tuple[int, int] = INFERENCE_SIZE) -> None:
        super().__init__(size)
        if isinstance(device, str) and device.startswith("/dev/") and not Path(device).exists():
            raise CameraError(f"camera {device} does not exist (is the webcam plugged in?)")
        cv2 = cv2_module()
        with native_stderr_silenced():  # OpenCV's V4L2 backend prints its own complaints
            self._cap = cv2.VideoCapture(device)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraError(
                f"camera {device!r} is not available (missing, or busy in another program)"
            )
        self.frame_size = check_size(size)
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.frame_size[0])
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.frame_size[1])
        self.device = device
        self.description = f"camera {device}"

    def read_frames(self) -> Iterator[Frame]:
        cv2 = cv2_module()
        start = time.monotonic()
        index = 0
        while True:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                self._lost = True
                return
            t_s = time.monotonic() - start
            yield Frame(index=index, t_s=t_s, rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        super().close()
        self._cap.release()


# ---------------------------------------------------------------------------- opening
def parse_camera(spec: CameraSpec) -> int | str | Path:
    """``"0"`` -> webcam index 0, ``"/dev/video2"`` -> that device, anything else -> a file path."""
    if isinstance(spec, int | Path):
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
    camera: CameraSpec | None = None,
    input_path: str | Path | None = None,
    *,
    realtime: bool | None = None,
    size: tuple[int, int] | None = None,
    start_frame: int = 0,
    stop_frame: int | None = None,
    loop: int = 1,
    folder_fps: float = FOLDER_FPS,
) -> FrameSource:
    """Open a camera, or a video file or image folder; give exactly one of the two.

    ``camera``: a webcam index (``0``, ``"0"``), a device (``"/dev/video0"``) or a video file or
    image folder acting as a camera: real time unless ``realtime=False``, frames fitted to
    ``size`` (default :data:`INFERENCE_SIZE`). ``input_path``: a video file or a folder of
    images (timed at ``folder_fps``) read offline: every frame as fast as it is taken unless
    ``realtime=True``, at its own size unless ``size`` is given. ``start_frame``/``stop_frame``
    (stop excluded) and ``loop`` apply to files and folders only.

    Raises CameraError (missing or busy camera), InputError (missing or unreadable file or
    folder), ValueError (bad arguments); one line each.
    """
    if input_path is not None and camera is None:
        return open_input(
            Path(input_path), bool(realtime), size, folder_fps, start_frame, stop_frame, loop
        )
    if camera is None or input_path is not None:
        raise ValueError(
            "give exactly one of camera= or input_path=, "
            f"got camera={camera!r}, input_path={input_path!r}"
        )
    target = parse_camera(camera)
    fitted = size or INFERENCE_SIZE
    if isinstance(target, Path):
        if not target.exists():
            raise InputError(
                f"{target}: no such video file (for a webcam give its index, e.g. --camera 0, "
                "or its device, e.g. --camera /dev/video0)"
            )
        return open_input(
            target, realtime is not False, fitted, folder_fps, start_frame, stop_frame, loop
        )
    if (start_frame, stop_frame, loop) != (0, None, 1):
        raise ValueError(
            "a webcam cannot seek, stop at a frame or loop; expected start_frame=0, "
            f"stop_frame=None, loop=1, got {start_frame}, {stop_frame}, {loop}"
        )
    return CameraSource(target, size=fitted)


def open_input(
    path: Path,
    realtime: bool,
    size: tuple[int, int] | None,
    folder_fps: float,
    start_frame: int,
    stop_frame: int | None,
    loop: int,
) -> RecordedSource:
    """A video file, or a folder of images when ``path`` is a folder."""
    if path.is_dir():
        return ImageFolderSource(
            path, folder_fps, start_frame, stop_frame, realtime=realtime, size=size, loop=loop
        )
    return VideoFileSource(path, start_frame, stop_frame, realtime=realtime, size=size, loop=loop)
