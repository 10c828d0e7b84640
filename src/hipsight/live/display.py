"""Where rendered frames go: an OpenCV window (keys, close button), or nowhere (``--display none``).

Both run on the main thread (OpenCV's window system needs it) and return the keys pressed as
names: ``"q"``, ``"r"``, ``"s"``, ``"p"``, ``" "``, ``"esc"``, ``"enter"``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hipsight.errors import InputError
from hipsight.live.overlay import Overlay

Image = NDArray[np.uint8]
Tap = Callable[[Image, Overlay], None]
SPECIAL_KEYS = {27: "esc", 13: "enter", 10: "enter", 32: " "}
WINDOW_TITLE = "hipsight assess"


def key_name(code: int) -> str | None:
    """Name of a ``cv2.waitKey`` code (None when no key was pressed)."""
    if code < 0 or code == 255:
        return None
    code &= 0xFF
    if code in SPECIAL_KEYS:
        return SPECIAL_KEYS[code]
    return chr(code).lower() if 32 < code < 127 else None


def display_available() -> bool:
    """False on Linux without an X11 or Wayland display (OpenCV would abort the process)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class NullDisplay:
    """Shows nothing (``--display none``); ``tap`` sees every rendered frame (tests, recording)."""

    closed = False

    def __init__(self, tap: Tap | None = None) -> None:
        self.tap = tap
        self.shown = 0

    def show(self, canvas: Image, overlay: Overlay) -> list[str]:
        self.shown += 1
        if self.tap is not None:
            self.tap(canvas, overlay)
        return []

    def poll(self) -> list[str]:
        return []

    def close(self) -> None:
        return None


class WindowDisplay:
    """A resizable OpenCV window; closing it counts as quitting."""

    def __init__(self, size: tuple[int, int] = (1280, 960), title: str = WINDOW_TITLE) -> None:
        if not display_available():
            raise InputError(
                "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                "run with --display none for a session without a window"
            )
        self._cv2: Any = cv2
        self.title = title
        self.closed = False
        self._shown = False
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        cv2.resizeWindow(title, *size)

    def show(self, canvas: Image, overlay: Overlay) -> list[str]:
        if self.closed:
            return []
        self._cv2.imshow(self.title, canvas)
        self._shown = True
        return self.poll()

    def poll(self) -> list[str]:
        if self.closed:
            return []
        name = key_name(int(self._cv2.waitKey(1)))
        if self._shown and self._cv2.getWindowProperty(self.title, self._cv2.WND_PROP_VISIBLE) < 1:
            self.closed = True
        return [name] if name else []

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
