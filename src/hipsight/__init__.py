"""hipsight: hip movement screening from a webcam or a recorded video.

Screening, not diagnosis: every number carries its quality, and what cannot be measured is
reported as such with the reason.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
