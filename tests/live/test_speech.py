"""Spoken prompts: an offline engine if there is one, silence (never an error) otherwise."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from hipsight.live import speech
from hipsight.live.speech import EspeakSpeaker, SilentSpeaker, make_speaker


def fake_espeak(folder: Path, log: Path, seconds: float = 0.5) -> Path:
    """An ``espeak-ng`` that logs its last argument and takes ``seconds`` to "speak"."""
    program = folder / "espeak-ng"
    program.write_text(
        f'#!/bin/sh\nfor a; do last="$a"; done\necho "$last" >> {log}\nsleep {seconds}\n'
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def test_no_voice_is_silent() -> None:
    assert isinstance(make_speaker(enabled=False), SilentSpeaker)


def test_no_engine_installed_is_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    monkeypatch.setattr(speech.importlib.util, "find_spec", lambda name: None)
    speaker = make_speaker(enabled=True)
    assert isinstance(speaker, SilentSpeaker) and speaker.name == "none"
    speaker.say("hello")  # no error
    speaker.close()


def test_espeak_is_found_on_path_and_speaks_without_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "spoken.txt"
    fake_espeak(tmp_path, log)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    speaker = make_speaker(enabled=True)
    assert isinstance(speaker, EspeakSpeaker)
    start = time.monotonic()
    speaker.say("step back, your feet are not visible")
    assert time.monotonic() - start < 0.3  # the prompt plays in the background
    speaker.wait()
    assert log.read_text().strip() == "step back, your feet are not visible"
    speaker.close()


def test_a_new_prompt_cuts_the_one_still_playing(tmp_path: Path) -> None:
    log = tmp_path / "spoken.txt"
    speaker = EspeakSpeaker(str(fake_espeak(tmp_path, log, seconds=5.0)))
    speaker.say("first")
    time.sleep(0.2)
    start = time.monotonic()
    speaker.say("second")
    assert time.monotonic() - start < 1.0
    time.sleep(0.3)
    speaker.close()
    assert log.read_text().split() == ["first", "second"]


def test_a_vanished_engine_falls_silent(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(tmp_path / "gone"))
    speaker.say("hello")
    assert speaker.failed
    speaker.say("again")  # no error
