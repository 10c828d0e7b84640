"""The window display's key and close handling, against a stand-in for OpenCV's window calls
(this machine has no display to open a real window on)."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.errors import InputError
from hipsight.live import display
from hipsight.live.display import WindowDisplay
from hipsight.live.overlay import Overlay


class FakeWindows:
    """Records window calls; ``keys`` are returned by waitKey, ``visible`` by getWindowProperty."""

    WINDOW_NORMAL = 0
    WND_PROP_VISIBLE = 4

    def __init__(self, keys: list[int], visible: list[float]) -> None:
        self.keys = keys
        self.visible = visible
        self.shown = 0
        self.calls: list[str] = []

    def namedWindow(self, title: str, flags: int) -> None:
        self.calls.append("namedWindow")

    def resizeWindow(self, title: str, width: int, height: int) -> None:
        self.calls.append(f"resize {width}x{height}")

    def imshow(self, title: str, image: np.ndarray) -> None:
        self.shown += 1

    def waitKey(self, delay: int) -> int:
        return self.keys.pop(0) if self.keys else -1

    def getWindowProperty(self, title: str, prop: int) -> float:
        return self.visible.pop(0) if self.visible else 1.0

    def destroyWindow(self, title: str) -> None:
        self.calls.append("destroy")


def test_window_returns_named_keys_and_notices_it_was_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeWindows(keys=[ord("p"), -1, 27], visible=[1.0, 1.0, 0.0])
    monkeypatch.setattr(display, "cv2", fake)
    monkeypatch.setenv("DISPLAY", ":0")
    window = WindowDisplay()
    canvas = np.zeros((480, 640, 3), np.uint8)
    assert window.show(canvas, Overlay(state="x")) == ["p"]
    assert window.poll() == []
    assert window.show(canvas, Overlay(state="x")) == ["esc"]
    assert window.closed
    assert window.show(canvas, Overlay(state="x")) == []  # no window re-opened once closed
    assert fake.shown == 2
    window.close()
    assert "resize 1280x960" in fake.calls


def test_window_needs_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(InputError, match="--display none"):
        WindowDisplay()
