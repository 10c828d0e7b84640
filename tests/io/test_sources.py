"""One frame-source interface: every kind through open_source, bad inputs, the webcam (faked)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from hipsight.errors import CameraError, InputError
from hipsight.io.sources import (
    INFERENCE_SIZE,
    CameraSource,
    FrameSource,
    ImageFolderSource,
    VideoFileSource,
    fit_frame,
    open_source,
    parse_camera,
)
from hipsight.io.video import probe_input


def write_images(folder: Path, n: int, shape: tuple[int, int] = (20, 30)) -> Path:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        cv2.imwrite(str(folder / f"f{i:02d}.png"), np.full((*shape, 3), i * 40, np.uint8))
    return folder


class FakeCapture:
    """Stands in for ``cv2.VideoCapture`` of a webcam: ``frames`` BGR frames, then nothing."""

    opened = True
    frames = 3
    shape = (120, 160, 3)
    made: ClassVar[list[FakeCapture]] = []

    def __init__(self, device: Any) -> None:
        self.device, self.read_count, self.released, self.asked = device, 0, False, {}
        type(self).made.append(self)

    def isOpened(self) -> bool:
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        self.asked[prop] = value
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.read_count >= self.frames:
            return False, None
        self.read_count += 1
        return True, np.full(self.shape, 200, np.uint8)

    def release(self) -> None:
        self.released = True


@pytest.fixture
def fake_webcam(monkeypatch: pytest.MonkeyPatch) -> type[FakeCapture]:
    import cv2

    fake = type("Capture", (FakeCapture,), {"made": []})
    monkeypatch.setattr(cv2, "VideoCapture", fake)
    return fake


# ---------------------------------------------------------------------------- each kind
def test_timestamps_come_from_the_container(gray_video: Path) -> None:
    frames = list(VideoFileSource(gray_video))
    t = np.array([f.t_s for f in frames])
    assert len(frames) == 40
    np.testing.assert_allclose(t, np.arange(40) / 25.0, atol=1e-6)
    assert frames[0].rgb.shape == (120, 160, 3)


def test_chunk_reads_exact_frames(gray_video: Path) -> None:
    frames = list(VideoFileSource(gray_video, start_frame=10, stop_frame=20))
    assert [f.index for f in frames] == list(range(10, 20))
    assert frames[0].t_s == pytest.approx(10 / 25.0)
    # gray level encodes the frame index (written as 5 * index)
    assert abs(float(frames[0].rgb.mean()) - 50) < 4


def test_image_folder_source(tmp_path: Path) -> None:
    write_images(tmp_path, 3)
    frames = list(ImageFolderSource(tmp_path, fps=10))
    assert [f.t_s for f in frames] == [0.0, 0.1, 0.2]
    assert frames[2].rgb.shape == (20, 30, 3)


def test_empty_image_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no images"):
        ImageFolderSource(tmp_path)


def test_image_folder_chunk_and_probe(tmp_path: Path) -> None:
    write_images(tmp_path, 5)
    info = probe_input(tmp_path, folder_fps=10)
    assert (info.width, info.height, info.frame_count, info.fps) == (30, 20, 5, 10)
    frames = list(open_source(input_path=tmp_path, folder_fps=10, start_frame=2, stop_frame=4))
    assert [f.index for f in frames] == [2, 3]
    assert [f.t_s for f in frames] == [0.2, 0.3]


def test_input_path_video_reads_every_frame_at_its_own_size(gray_video: Path) -> None:
    with open_source(input_path=gray_video) as source:
        assert isinstance(source, VideoFileSource) and isinstance(source, FrameSource)
        assert (source.frame_size, source.frame_count, source.realtime) == ((160, 120), 40, False)
        assert source.fps == pytest.approx(25.0)
        assert source.info is not None and source.info.rotation_deg == 0
        assert len(list(source)) == 40
    assert not source.lost and source.skipped == 0


def test_input_path_video_chunk_counts_and_reads_its_frames(gray_video: Path) -> None:
    source = open_source(input_path=gray_video, start_frame=30, stop_frame=60)
    assert source.frame_count == 10  # the video has 40
    assert [f.index for f in source] == list(range(30, 40))


def test_input_path_folder_is_timed_at_30_fps(tmp_path: Path) -> None:
    source = open_source(input_path=write_images(tmp_path / "frames", 4))
    assert isinstance(source, ImageFolderSource)
    assert (source.fps, source.frame_count, source.frame_size) == (30.0, 4, (30, 20))
    np.testing.assert_allclose([f.t_s for f in source], np.arange(4) / 30.0)


def test_input_path_with_a_size_fits_the_frames(gray_video: Path) -> None:
    source = open_source(input_path=gray_video, size=(64, 64), start_frame=10, stop_frame=12)
    frames = list(source)
    assert source.frame_size == (64, 64)
    assert [f.rgb.shape for f in frames] == [(64, 64, 3)] * 2
    # 160x120 -> 64x48 between bars of 8 rows; frame 10 is gray level 50
    assert frames[0].rgb[3, 32, 0] == 0 and abs(int(frames[0].rgb[32, 32, 0]) - 50) < 8


def test_camera_given_a_video_is_a_real_time_fitted_video(gray_video: Path) -> None:
    source = open_source(camera=gray_video)
    assert isinstance(source, VideoFileSource)
    assert source.realtime and source.frame_size == INFERENCE_SIZE
    assert source.description == "video gray.mp4"


def test_camera_given_a_folder_is_a_paced_folder(tmp_path: Path) -> None:
    folder = write_images(tmp_path / "frames", 6)
    source = open_source(camera=str(folder), folder_fps=20.0)
    start = time.monotonic()
    frames = list(source)
    assert time.monotonic() - start >= 5 / 20.0 - 0.02
    assert source.realtime and len(frames) + source.skipped == 6


def test_realtime_input_path_is_paced(gray_video: Path) -> None:
    source = open_source(input_path=gray_video, realtime=True, stop_frame=10)
    start = time.monotonic()
    assert len(list(source)) + source.skipped == 10
    assert time.monotonic() - start >= 9 / 25.0 - 0.05


def test_interrupt_from_another_thread_ends_a_paced_source(gray_video: Path) -> None:
    source = open_source(camera=gray_video)
    threading.Timer(0.2, source.interrupt).start()
    start = time.monotonic()
    frames = list(source)
    assert time.monotonic() - start < 1.0 and 0 < len(frames) < 40


def test_a_closed_source_yields_nothing(gray_video: Path) -> None:
    with open_source(input_path=gray_video) as source:
        pass
    assert list(source) == []


def test_webcam_frames_are_fitted_timed_and_lost_when_they_stop(
    fake_webcam: type[FakeCapture],
) -> None:
    import cv2

    source = open_source(camera="0")
    assert isinstance(source, CameraSource)
    (capture,) = fake_webcam.made
    assert capture.device == 0
    assert capture.asked == {cv2.CAP_PROP_FRAME_WIDTH: 640, cv2.CAP_PROP_FRAME_HEIGHT: 480}
    assert (source.description, source.realtime, source.fps, source.frame_count) == (
        "camera 0",
        True,
        None,
        None,
    )
    frames = list(source)
    assert [f.index for f in frames] == [0, 1, 2] and source.lost
    assert all(f.rgb.shape == (480, 640, 3) for f in frames)
    t = [f.t_s for f in frames]
    assert t == sorted(t) and t[0] >= 0.0
    source.close()
    assert capture.released


def test_an_interrupted_webcam_is_not_lost(fake_webcam: type[FakeCapture]) -> None:
    fake_webcam.frames = 100
    source = open_source(camera=0)
    iterator = iter(source)
    next(iterator)
    source.interrupt()
    assert list(iterator) == [] and not source.lost


# ---------------------------------------------------------------------------- bad inputs
def test_a_busy_webcam_is_one_line_and_released(fake_webcam: type[FakeCapture]) -> None:
    fake_webcam.opened = False
    with pytest.raises(CameraError, match=r"camera 3 is not available \(missing, or busy"):
        open_source(camera=3)
    assert fake_webcam.made[0].released


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda d: d / "missing.mp4", InputError, "missing.mp4: no such file"),
        (lambda d: (d / "c.mp4", (d / "c.mp4").write_text("not a video"))[0], InputError,
         "not a readable video"),
        (lambda d: (d / "e.mp4", (d / "e.mp4").write_bytes(b""))[0], InputError, "empty"),
        (lambda d: d, InputError, r"no images \(.png"),
    ],
)  # fmt: skip
def test_bad_input_paths_are_one_clear_line(
    tmp_path: Path, make: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        open_source(input_path=make(tmp_path))
    assert "\n" not in str(info.value)


def test_a_truncated_video_is_refused(gray_video: Path, tmp_path: Path) -> None:
    broken = tmp_path / "truncated.mp4"
    broken.write_bytes(gray_video.read_bytes()[:1500])
    with pytest.raises(InputError, match=r"truncated\.mp4"):
        open_source(input_path=broken)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of camera= or input_path=, got camera=None, input_path=None"),
        ({"camera": 0, "input_path": "a.mp4"}, "exactly one of camera= or input_path="),
        ({"camera": 7, "start_frame": 5}, "a webcam cannot seek"),
        ({"camera": "/dev/video0", "loop": 2}, "got 0, None, 2"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_source(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_frame": 5, "stop_frame": 5}, "need 0 <= start_frame < stop_frame, got 5, 5"),
        ({"start_frame": -1}, "got -1, None"),
        ({"loop": 0}, "loop must be >= 1, got 0"),
        ({"size": (8, 8)}, "at least 16 px, got"),
    ],
)
def test_bad_ranges_and_sizes_are_refused(
    gray_video: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        open_source(input_path=gray_video, **kwargs)


def test_a_folder_with_a_broken_image_fails_on_that_image(tmp_path: Path) -> None:
    folder = write_images(tmp_path / "frames", 2)
    (folder / "f05.png").write_bytes(b"not a png")
    source = open_source(input_path=folder)
    with pytest.raises(InputError, match=r"f05\.png: not a readable image"):
        list(source)


def test_folder_fps_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fps must be positive, got 0"):
        open_source(input_path=write_images(tmp_path / "frames", 1), folder_fps=0.0)


# ---------------------------------------------------------------------------- live use
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
    source = open_source(camera=gray_video, realtime=True)
    start = time.monotonic()
    frames = list(source)
    elapsed = time.monotonic() - start
    assert elapsed >= 39 / 25.0 - 0.05  # 40 frames at 25 fps
    assert len(frames) + source.skipped == 40


def test_video_file_loops_with_increasing_timestamps(gray_video: Path) -> None:
    frames = list(open_source(camera=gray_video, realtime=False, loop=2))
    t = np.array([f.t_s for f in frames])
    assert len(frames) == 80 and (np.diff(t) > 0).all()
    assert [f.index for f in frames] == list(range(80))


def test_interrupt_stops_a_paced_video(gray_video: Path) -> None:
    source = open_source(camera=gray_video, realtime=True)
    iterator = iter(source)
    next(iterator)
    source.interrupt()
    assert len(list(iterator)) <= 1


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
