"""Spoken prompts, offline: espeak-ng (or espeak) if installed, else pyttsx3, else silence.

Speaking never blocks the session: espeak runs as a child process (a new prompt cuts the one
still playing), pyttsx3 runs on its own thread. When no engine is found, or one fails, prompts
are silently dropped; the screen shows everything anyway.
"""

from __future__ import annotations

import importlib.util
import queue
import shutil
import subprocess
import threading
from typing import Any, Protocol

from hipsight.errors import DependencyError
from hipsight.optional import require

ESPEAK_NAMES = ("espeak-ng", "espeak")
WORDS_PER_MINUTE = 150


class Speaker(Protocol):
    """Says a short text without blocking."""

    name: str

    def say(self, text: str) -> None: ...

    def close(self) -> None: ...


class SilentSpeaker:
    """No voice: every prompt is dropped."""

    name = "none"

    def __init__(self) -> None:
        self.said: list[str] = []  # kept for tests and debugging

    def say(self, text: str) -> None:
        self.said.append(text)

    def close(self) -> None:
        return None


class EspeakSpeaker:
    """espeak-ng / espeak as a child process; a new prompt interrupts the previous one."""

    def __init__(self, executable: str, words_per_minute: int = WORDS_PER_MINUTE) -> None:
        self.executable = executable
        self.name = executable
        self.words_per_minute = words_per_minute
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.failed = False

    def say(self, text: str) -> None:
        if self.failed or not text.strip():
            return
        with self._lock:
            self._stop_current()
            try:
                self._process = subprocess.Popen(
                    [self.executable, "-s", str(self.words_per_minute), "--", text],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            except OSError:
                self.failed = True  # e.g. the program vanished: stay silent from now on

    def _stop_current(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def wait(self, timeout: float = 5.0) -> None:
        """Wait for the prompt being spoken to finish (tests)."""
        with self._lock:
            if self._process is not None:
                self._process.wait(timeout=timeout)

    def close(self) -> None:
        with self._lock:
            self._stop_current()


class Pyttsx3Speaker:
    """pyttsx3 on a worker thread; prompts that pile up are skipped but for the latest."""

    def __init__(self) -> None:
        self.name = "pyttsx3"
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="hipsight-speech", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            engine: Any = require("pyttsx3", "speaking prompts").init()
        except (RuntimeError, OSError, DependencyError):
            return  # no audio driver: silence
        while True:
            text = self._queue.get()
            while not self._queue.empty():  # only the most recent prompt matters
                text = self._queue.get_nowait()
            if text is None:
                return
            try:
                engine.say(text)
                engine.runAndWait()
            except (RuntimeError, OSError):
                return

    def say(self, text: str) -> None:
        if text.strip():
            self._queue.put(text)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=1.0)


def find_espeak() -> str | None:
    """Path of espeak-ng or espeak on PATH, if any."""
    for name in ESPEAK_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def make_speaker(enabled: bool = True) -> Speaker:
    """The best offline voice available, or silence (never an error)."""
    if not enabled:
        return SilentSpeaker()
    espeak = find_espeak()
    if espeak is not None:
        return EspeakSpeaker(espeak)
    if importlib.util.find_spec("pyttsx3") is not None:
        return Pyttsx3Speaker()
    return SilentSpeaker()
