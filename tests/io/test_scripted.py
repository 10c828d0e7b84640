"""The scripted stand-in for the camera: losing the camera, refusing bad scripts, pacing."""

from __future__ import annotations

import time

import numpy as np
import pytest

from hipsight.io.scripted import ScriptedFrame, ScriptedSource


def test_scripted_source_can_lose_the_camera() -> None:
    source = ScriptedSource(np.arange(10) / 30.0, lose_at=4)
    frames = list(source)
    assert len(frames) == 4 and source.lost
    assert frames[0].rgb.shape == (480, 640, 3)


def test_scripted_source_rejects_times_that_do_not_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        ScriptedSource([0.0, 0.1, 0.1])


def test_scripted_source_tells_its_rate_count_and_fits_given_pixels() -> None:
    wide = np.full((100, 400, 3), 200, np.uint8)
    source = ScriptedSource([ScriptedFrame(0.0, wide), ScriptedFrame(0.1)], size=(64, 48))
    assert (source.fps, source.frame_count, source.frame_size) == (pytest.approx(10.0), 2, (64, 48))
    first, second = list(source)
    assert first.rgb.shape == second.rgb.shape == (48, 64, 3)
    assert first.rgb[0, 32, 0] == 0 and first.rgb[24, 32, 0] == 200  # bars, then the picture
    assert (second.rgb == 96).all()  # the plain background


def test_realtime_script_is_paced_and_never_skips() -> None:
    source = ScriptedSource(np.arange(6) / 20.0, realtime=True)
    start = time.monotonic()
    frames = list(source)
    assert time.monotonic() - start >= 5 / 20.0 - 0.02
    assert len(frames) == 6 and source.skipped == 0


def test_lose_at_must_be_in_the_script() -> None:
    with pytest.raises(ValueError, match=r"lose_at must be in \[0, 3\], got 4"):
        ScriptedSource([0.0, 0.1, 0.2], lose_at=4)
