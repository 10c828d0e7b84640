"""A demo session made by the real pipeline (squat with CSV, landmarks and video; seated hip
rotation with landmarks only; a Thomas test that could not be measured), shared by the report
tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo_session import CopyDemo, DemoOptions

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def demo_session(tmp_path_factory: pytest.TempPathFactory, copy_demo_session: CopyDemo) -> Path:
    """A session folder whose person name is a script tag."""
    folder = tmp_path_factory.mktemp("session")
    copy_demo_session(folder, DemoOptions(person=HOSTILE, with_video=True))
    return folder
