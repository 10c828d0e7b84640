"""OpenCV, imported on first use: importing hipsight.calibration costs nothing and has no side
effects, and the kinematics layer never sees cv2."""

from __future__ import annotations

from typing import Any


def cv2_module() -> Any:
    """Return the ``cv2`` module (imported lazily; it is a heavy native library)."""
    import cv2

    return cv2
