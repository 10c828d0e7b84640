"""Frame sources: container timestamps, seeking, bad files, the threaded reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hipsight.errors import InputError
from hipsight.io.video import ImageFolderSource, ThreadedReader, VideoFileSource, probe_video


def test_probe_reports_size_fps_and_count(gray_video: Path) -> None:
    info = probe_video(gray_video)
    assert (info.width, info.height) == (160, 120)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == 40


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


def test_threaded_reader_yields_all_frames_in_order(gray_video: Path) -> None:
    frames = list(ThreadedReader(VideoFileSource(gray_video), maxsize=2))
    assert [f.index for f in frames] == list(range(40))


def test_threaded_reader_reraises_decoder_errors() -> None:
    def broken():
        yield from ()
        raise RuntimeError("decoder broke")

    with pytest.raises(RuntimeError, match="decoder broke"):
        list(ThreadedReader(broken()))


@pytest.mark.parametrize(
    ("maker", "message"),
    [
        (lambda d: d / "missing.mp4", "no such file"),
        (
            lambda d: ((d / "empty.mp4").write_bytes(b"") and d / "empty.mp4") or d / "empty.mp4",
            "empty",
        ),
        (
            lambda d: (d / "text.mp4").write_text("hello, I am text\n") and d / "text.mp4",
            "not a readable video",
        ),
        (lambda d: d, "is a folder"),
    ],
)
def test_bad_files_give_one_clear_line(tmp_path: Path, maker, message: str) -> None:
    path = maker(tmp_path)
    with pytest.raises(InputError, match=message) as info:
        probe_video(path)
    assert "\n" not in str(info.value)


def test_truncated_header_is_refused(gray_video: Path, tmp_path: Path) -> None:
    broken = tmp_path / "truncated.mp4"
    broken.write_bytes(gray_video.read_bytes()[:1500])
    with pytest.raises(InputError):
        probe_video(broken)


def test_image_folder_source(tmp_path: Path) -> None:
    import cv2

    for i in range(3):
        cv2.imwrite(str(tmp_path / f"f{i:02d}.png"), np.full((20, 30, 3), i * 40, np.uint8))
    frames = list(ImageFolderSource(tmp_path, fps=10))
    assert [f.t_s for f in frames] == [0.0, 0.1, 0.2]
    assert frames[2].rgb.shape == (20, 30, 3)


def test_empty_image_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no images"):
        ImageFolderSource(tmp_path)


def test_image_folder_chunk_and_probe(tmp_path: Path) -> None:
    import cv2

    from hipsight.io.video import open_frames, probe_input

    for i in range(5):
        cv2.imwrite(str(tmp_path / f"f{i:02d}.png"), np.full((20, 30, 3), i * 40, np.uint8))
    info = probe_input(tmp_path, folder_fps=10)
    assert (info.width, info.height, info.frame_count, info.fps) == (30, 20, 5, 10)
    frames = list(open_frames(info, start_frame=2, stop_frame=4))
    assert [f.index for f in frames] == [2, 3]
    assert [f.t_s for f in frames] == [0.2, 0.3]
