"""Probing videos, bad files, the threaded reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipsight.errors import InputError
from hipsight.io.sources import VideoFileSource
from hipsight.io.video import ThreadedReader, probe_video


def test_probe_reports_size_fps_and_count(gray_video: Path) -> None:
    info = probe_video(gray_video)
    assert (info.width, info.height) == (160, 120)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == 40


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
