"""Frame sources: video files, webcams and image folders, as one iterable of :class:`Frame`.

Timestamps come from the container (``CAP_PROP_POS_MSEC``), not from frame index / fps, because
phones record at variable frame rates. OpenCV applies the container's rotation flag, so frames
are upright; the flag is reported in :class:`VideoInfo`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.errors import CameraError, InputError
from hipsight.io.native import native_stderr_silenced
from hipsight.optional import cv2_module

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


@dataclass(frozen=True)
class Frame:
    """One decoded frame: RGB pixels of the upright image and its time in seconds."""

    index: int
    t_s: float
    rgb: NDArray[np.uint8]


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video."""

    path: str
    width: int
    height: int
    fps: float | None
    frame_count: int | None
    rotation_deg: int


def check_readable_file(path: Path) -> None:
    """Raise InputError with one clear line when ``path`` cannot be a video."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a video file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty (0 bytes)")


def probe_video(path: str | Path) -> VideoInfo:
    """Open a video, read its first frame and return what the container reports."""
    path = Path(path)
    check_readable_file(path)
    cv2 = cv2_module()
    with native_stderr_silenced():  # FFmpeg prints its own complaints about broken files
        cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise InputError(f"{path}: not a readable video (the decoder could not open it)")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise InputError(f"{path}: no decodable frames (corrupt or truncated video?)")
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or None
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
        height, width = frame.shape[:2]
    finally:
        cap.release()
    return VideoInfo(
        path=str(path),
        width=int(width),
        height=int(height),
        fps=fps,
        frame_count=count if count > 0 else None,
        rotation_deg=rotation if rotation in (0, 90, 180, 270) else 0,
    )


class VideoFileSource:
    """Frames ``start..stop`` of a video file, decoded in order.

    Iterating yields :class:`Frame` objects; ``truncated`` is set when the decoder stopped
    before the container's frame count.
    """

    def __init__(
        self, path: str | Path, start_frame: int = 0, stop_frame: int | None = None
    ) -> None:
        self.path = Path(path)
        self.info = probe_video(self.path)
        if start_frame < 0 or (stop_frame is not None and stop_frame <= start_frame):
            raise ValueError(f"need 0 <= start_frame < stop_frame, got {start_frame}, {stop_frame}")
        self.start_frame = start_frame
        self.stop_frame = stop_frame
        self.frames_read = 0

    def __iter__(self) -> Iterator[Frame]:
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
                self.frames_read += 1
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


class ImageFolderSource:
    """Frames ``start..stop`` from a folder of images in name order, timed at ``fps``."""

    def __init__(
        self,
        folder: str | Path,
        fps: float = 30.0,
        start_frame: int = 0,
        stop_frame: int | None = None,
    ) -> None:
        self.path = Path(folder)
        self.files = list_images(self.path)
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps = fps
        self.start_frame = start_frame
        self.stop_frame = stop_frame

    def __iter__(self) -> Iterator[Frame]:
        cv2 = cv2_module()
        for index in range(
            self.start_frame, min(self.stop_frame or len(self.files), len(self.files))
        ):
            file = self.files[index]
            bgr = cv2.imread(str(file))
            if bgr is None:
                raise InputError(f"{file}: not a readable image")
            yield Frame(index=index, t_s=index / self.fps, rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def list_images(folder: Path) -> list[Path]:
    """The images of a folder in name order; InputError when there are none."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of images")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in the folder")
    return files


def probe_input(path: str | Path, folder_fps: float = 30.0) -> VideoInfo:
    """Like :func:`probe_video`, and for a folder of images (timed at ``folder_fps``) too."""
    path = Path(path)
    if not path.is_dir():
        return probe_video(path)
    files = list_images(path)
    bgr = cv2_module().imread(str(files[0]))
    if bgr is None:
        raise InputError(f"{files[0]}: not a readable image")
    height, width = bgr.shape[:2]
    return VideoInfo(str(path), int(width), int(height), folder_fps, len(files), 0)


def open_frames(
    info: VideoInfo, start_frame: int = 0, stop_frame: int | None = None
) -> VideoFileSource | ImageFolderSource:
    """The frame source for a probed input: a video file or a folder of images."""
    if Path(info.path).is_dir():
        return ImageFolderSource(info.path, info.fps or 30.0, start_frame, stop_frame)
    return VideoFileSource(info.path, start_frame=start_frame, stop_frame=stop_frame)


class CameraSource:
    """Frames from a webcam (index or device path), timed by the capture clock."""

    def __init__(self, device: int | str = 0, width: int = 640, height: int = 480) -> None:
        cv2 = cv2_module()
        self.device = device
        self._cap = cv2.VideoCapture(device)
        if not self._cap.isOpened():
            raise CameraError(
                f"camera {device!r} is not available (missing, or busy in another program)"
            )
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.lost = False

    def __iter__(self) -> Iterator[Frame]:
        import time

        cv2 = cv2_module()
        start = time.monotonic()
        index = 0
        while True:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                self.lost = True
                return
            yield Frame(
                index=index, t_s=time.monotonic() - start, rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            )
            index += 1

    def close(self) -> None:
        self._cap.release()


_END = object()


class ThreadedReader:
    """Decode frames on a background thread into a bounded queue.

    Decoding then overlaps inference, while at most ``maxsize`` frames are held in memory.
    Exceptions raised while decoding are re-raised in the consumer.
    """

    def __init__(self, source: Any, maxsize: int = 8) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}")
        self._source = source
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hipsight-decode", daemon=True)

    def _run(self) -> None:
        try:
            for frame in self._source:
                if self._stop.is_set():
                    break
                self._put(frame)
        except Exception as exc:  # re-raised in the consumer thread
            self._put(exc)
        self._put(_END)

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[Frame]:
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self._stop.set()
            self._thread.join(timeout=5)
