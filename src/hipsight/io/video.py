"""Frames and what a video says about itself: :class:`Frame`, probing, a threaded reader.

The sources that yield frames (video files, image folders, webcams) are in
:mod:`hipsight.io.sources`. OpenCV applies the container's rotation flag, so frames are upright;
the flag is reported in :class:`VideoInfo`.
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

from hipsight.errors import InputError
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
