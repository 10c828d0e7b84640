"""Fixtures of the live tests (helpers live in live_support.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from live_support import install_protocols

from hipsight.protocols.base import Protocol

PNG_DIR = Path("/tmp/hipsight_live_png")


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Protocol, ...]]:
    """``fake_registry(p1, p2)`` registers fake protocols for the duration of a test."""

    def install(*protocols: Protocol) -> tuple[Protocol, ...]:
        install_protocols(monkeypatch, *protocols)
        return protocols

    return install


@pytest.fixture(scope="session")
def png_dir() -> Path:
    """Where rendered overlays are kept for a person to look at."""
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    return PNG_DIR
