"""Live frame sources: letterboxing, a video as a webcam, scripts, missing cameras."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from hipsight.errors import CameraError, InputError
from hipsight.live.sources import (
    INFERENCE_SIZE,
    ScriptedSource,
    VideoAsCameraSource,
    fit_frame,
    open_source,
    parse_camera,
)


def test_fit_frame_keeps_the_aspect_with_black_bars() -> None:
    wide = np.full((994, 1768, 3), 200, dtype=np.uint8)
    fitted = fit_frame(wide)
    assert fitted.shape == (480, 640, 3)
    content_rows = np.flatnonzero(fitted[:, 320, 0] > 100)
    assert content_rows[0] == pytest.approx(60, abs=1) and content_rows[-1] == pytest.approx(
        419, abs=1
    )
    assert fitted[0, 320, 0] == 0  # a bar


def test_fit_frame_passes_the_right_size_through() -> None:
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    assert fit_frame(frame) is frame


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("0", 0), ("2", 2), ("/dev/video1", "/dev/video1"), ("clip.mp4", Path("clip.mp4"))],
)
def test_parse_camera(spec: str, expected: object) -> None:
    assert parse_camera(spec) == expected


def test_video_file_without_realtime_yields_every_frame_fitted(gray_video: Path) -> None:
    source = open_source(str(gray_video), realtime=False)
    start = time.monotonic()
    frames = list(source)
    assert time.monotonic() - start < 1.5
    assert len(frames) == 40
    assert all(f.rgb.shape == (INFERENCE_SIZE[1], INFERENCE_SIZE[0], 3) for f in frames)
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(40) / 25.0, atol=1e-6)
    assert not source.lost and not source.realtime
    assert source.fps == pytest.approx(25.0)


def test_video_file_in_realtime_is_paced_by_its_timestamps(gray_video: Path) -> None:
    source = VideoAsCameraSource(gray_video, realtime=True)
    start = time.monotonic()
    frames = list(source)
    elapsed = time.monotonic() - start
    assert elapsed >= 39 / 25.0 - 0.05  # 40 frames at 25 fps
    assert len(frames) + source.skipped == 40


def test_video_file_loops_with_increasing_timestamps(gray_video: Path) -> None:
    frames = list(VideoAsCameraSource(gray_video, realtime=False, loop=2))
    t = np.array([f.t_s for f in frames])
    assert len(frames) == 80 and (np.diff(t) > 0).all()
    assert [f.index for f in frames] == list(range(80))


def test_interrupt_stops_a_paced_video(gray_video: Path) -> None:
    source = VideoAsCameraSource(gray_video, realtime=True)
    iterator = iter(source)
    next(iterator)
    source.interrupt()
    assert len(list(iterator)) <= 1


def test_scripted_source_can_lose_the_camera() -> None:
    source = ScriptedSource(np.arange(10) / 30.0, lose_at=4)
    frames = list(source)
    assert len(frames) == 4 and source.lost
    assert frames[0].rgb.shape == (480, 640, 3)


def test_scripted_source_rejects_times_that_do_not_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        ScriptedSource([0.0, 0.1, 0.1])


def test_a_missing_video_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such video file") as info:
        open_source(str(tmp_path / "nope.mp4"))
    assert "\n" not in str(info.value)


def test_a_missing_camera_device_is_a_camera_error() -> None:
    with pytest.raises(CameraError, match="does not exist") as info:
        open_source("/dev/video97")
    assert "\n" not in str(info.value)


def test_a_camera_index_with_no_camera_is_a_camera_error() -> None:
    with pytest.raises(CameraError, match="not available") as info:
        open_source("7")
    assert "\n" not in str(info.value)
