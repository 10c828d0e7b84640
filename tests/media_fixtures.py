"""Fixtures for tests that need the pose model, the sample clip or a small generated video.

The model and the sample are fetched once (verified by SHA-256) and cached in the checkout's
models/ and samples/ folders, so later runs reuse them. Loaded with ``-p media_fixtures``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hipsight.models.store import ModelInfo, fetch_model
from hipsight.samples.store import fetch_sample


@pytest.fixture(scope="session")
def pose_model() -> ModelInfo:
    return fetch_model()


@pytest.fixture(scope="session")
def demo_video(pose_model: ModelInfo) -> Path:
    return fetch_sample("sports2d_demo")


@pytest.fixture(scope="session")
def gray_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 frames, 160x120 at 25 fps, no person; frame i is uniformly gray at level 5*i."""
    import cv2

    path = tmp_path_factory.mktemp("video") / "gray.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (160, 120))
    assert writer.isOpened(), "OpenCV cannot write mp4v videos on this machine"
    for i in range(40):
        writer.write(np.full((120, 160, 3), 5 * i, dtype=np.uint8))
    writer.release()
    return path


@pytest.fixture(autouse=True)
def isolated_user_data(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the developer's own history, calibrations and defaults."""
    root = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("HIPSIGHT_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("HIPSIGHT_HISTORY_DB", str(root / "data" / "history.sqlite"))
    monkeypatch.setenv("HIPSIGHT_CALIBRATION_DIR", str(root / "calibration"))


@pytest.fixture(scope="session")
def single_person_video(pose_model: ModelInfo) -> Path:
    """Pose2Sim's single-person demo, camera 1: one person alone in view, 100 frames at 60 fps."""
    return fetch_sample("pose2sim_singleperson")
