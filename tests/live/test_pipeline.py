"""The threaded live loop: ordering, dropping under load, latency, keys, errors, Ctrl-C."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from hipsight.io.scripted import ScriptedSource
from hipsight.io.video import Frame
from hipsight.live.backends import ScriptedPoseBackend
from hipsight.live.display import NullDisplay, key_name
from hipsight.live.overlay import Overlay
from hipsight.live.pipeline import (
    KEY_INTERRUPT,
    KEY_WINDOW_CLOSED,
    EndOfStream,
    LivePipeline,
    PipelineStats,
    PoseFrame,
    StageQueue,
    _Sequencer,
    summarise_ms,
)
from hipsight.pose.estimator import FrameDetections


class RecordingProcessor:
    """A stand-in session: remembers what it saw; stops on quit keys or after ``stop_after``."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.indices: list[int] = []
        self.keys: list[str] = []
        self.ended: str | None = None
        self.stop_after = stop_after
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def process(self, item: PoseFrame) -> Overlay:
        self.indices.append(item.frame.index)
        if self.stop_after is not None and len(self.indices) >= self.stop_after:
            self._done = True
        return Overlay(state="test")

    def handle_key(self, key: str) -> None:
        self.keys.append(key)
        if key in ("q", KEY_INTERRUPT, KEY_WINDOW_CLOSED):
            self._done = True

    def end_of_stream(self, reason: str) -> Overlay | None:
        self.ended = reason
        self._done = True
        return None


def render(frame: Frame, overlay: Overlay, status: str) -> np.ndarray:
    return frame.rgb


def backend(n: int, delay_s: float = 0.0, workers: int = 1) -> ScriptedPoseBackend:
    return ScriptedPoseBackend([FrameDetections.empty()] * n, delay_s=delay_s, workers=workers)


def test_stage_queue_drops_the_oldest_when_full() -> None:
    q = StageQueue(2, drop=True, stop=threading.Event())
    for item in range(5):
        assert q.put(item)
    assert q.dropped == 3
    assert [q.get(), q.get()] == [3, 4]


def test_blocking_stage_queue_gives_up_once_stopped() -> None:
    stop = threading.Event()
    q = StageQueue(1, drop=False, stop=stop)
    assert q.put(1)
    stop.set()
    assert not q.put(2)


def test_summarise_ms() -> None:
    assert summarise_ms([0.01, 0.02, 0.03]) == {"median": 20.0, "p95": 29.0, "max": 30.0}
    assert summarise_ms([]) == {"median": None, "p95": None, "max": None}


@pytest.mark.parametrize("workers", [1, 2])
def test_not_realtime_analyses_every_frame_in_order(workers: int) -> None:
    n = 120
    processor = RecordingProcessor()
    display = NullDisplay()
    pipeline = LivePipeline(
        ScriptedSource(np.arange(n) / 30.0), backend(n, 0.002, workers), processor, render, display
    )
    stats = pipeline.run()
    assert processor.indices == list(range(n)), stats.summary()
    assert processor.ended == "ended"
    assert stats.rendered == n == display.shown, stats.summary()
    assert sum(stats.dropped.values()) == 0, stats.summary()
    assert stats.latency_ms["median"] is not None and stats.inference_ms["median"] >= 2.0


class StalledDisplay(NullDisplay):
    """A slow consumer: holds the first frame until the analysis stage has finished (or for
    ``max_wait_s``), so the render queue is full when the end of the stream comes."""

    def __init__(self, max_wait_s: float = 1.0) -> None:
        super().__init__()
        self.max_wait_s = max_wait_s

    def show(self, canvas: np.ndarray, overlay: Overlay) -> list[str]:
        if self.shown == 0:
            wait_for_thread_end("hipsight-analysis", self.max_wait_s)
        return super().show(canvas, overlay)


def wait_for_thread_end(name: str, timeout_s: float) -> None:
    """Wait until no thread called ``name`` is alive, at most ``timeout_s`` seconds."""
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join(timeout_s)


@pytest.mark.parametrize("realtime", [False, True])
def test_a_full_render_queue_at_the_end_loses_no_frame(realtime: bool) -> None:
    # the display holds frame 0 while frames 1 and 2 fill the render queue (2 places); the end
    # marker must wait behind them, not push frame 1 out. In real time frames may be dropped
    # (counted) on the way, but the end marker never pushes out the last frame.
    n = 3
    processor = RecordingProcessor()
    display = StalledDisplay()
    source = ScriptedSource(np.arange(n) / 30.0, realtime=realtime)
    stats = LivePipeline(source, backend(n), processor, render, display, queue_size=2).run()
    assert stats.dropped["before_display"] == 0, stats.summary()
    assert stats.rendered == stats.analysed == len(processor.indices) == display.shown
    # every frame is accounted for: rendered or counted as dropped (real time only)
    assert stats.rendered + sum(stats.dropped.values()) == n, stats.summary()
    assert processor.indices[-1] == n - 1, stats.summary()
    if not realtime:
        assert processor.indices == list(range(n)), stats.summary()


def test_realtime_drops_frames_when_inference_is_slow_but_keeps_showing() -> None:
    n = 60  # 2 s at 30 fps; the "model" takes 100 ms per frame
    processor = RecordingProcessor()
    source = ScriptedSource(np.arange(n) / 30.0, realtime=True)
    stats = LivePipeline(source, backend(n, 0.1), processor, render, NullDisplay()).run()
    assert 10 <= stats.inferred <= 30
    assert stats.dropped["before_inference"] >= n - stats.inferred - 3
    assert processor.indices == sorted(processor.indices)  # still in time order
    assert stats.rendered == len(processor.indices), stats.summary()
    # latency stays bounded by the queue (a few frames), it does not pile up over the run
    assert stats.latency_ms["p95"] < 500


def test_two_inference_workers_keep_up_where_one_cannot() -> None:
    n = 45
    one = LivePipeline(
        ScriptedSource(np.arange(n) / 30.0, realtime=True), backend(n, 0.05, 1),
        RecordingProcessor(), render, NullDisplay(),
    ).run()  # fmt: skip
    two = LivePipeline(
        ScriptedSource(np.arange(n) / 30.0, realtime=True), backend(n, 0.05, 2),
        RecordingProcessor(), render, NullDisplay(),
    ).run()  # fmt: skip
    assert two.inferred > one.inferred


def test_the_session_finishing_stops_the_stream() -> None:
    processor = RecordingProcessor(stop_after=10)
    stats = LivePipeline(
        ScriptedSource(np.arange(500) / 30.0), backend(500), processor, render, NullDisplay()
    ).run()
    assert len(processor.indices) == 10 and stats.captured < 500
    assert processor.ended is None


def test_scripted_keys_reach_the_session_before_their_frame() -> None:
    processor = RecordingProcessor()
    source = ScriptedSource(np.arange(50) / 30.0, keys={5: "p", 20: "q"})
    LivePipeline(source, backend(50), processor, render, NullDisplay()).run()
    assert processor.keys == ["p", "q"]
    assert processor.indices == list(range(20))


def test_a_detector_error_ends_the_session_then_is_raised() -> None:
    class Broken(ScriptedPoseBackend):
        def open_detector(self):  # type: ignore[no-untyped-def]
            class Detector:
                def detect(self, frame: Frame) -> FrameDetections:
                    if frame.index == 7:
                        raise RuntimeError("model crashed")
                    return FrameDetections.empty()

                def close(self) -> None:
                    return None

            return Detector()

    processor = RecordingProcessor()
    with pytest.raises(RuntimeError, match="model crashed"):
        LivePipeline(
            ScriptedSource(np.arange(30) / 30.0), Broken([]), processor, render, NullDisplay()
        ).run()
    assert processor.ended == "error"
    assert processor.indices == list(range(7))


def test_nothing_is_released_after_the_end_marker() -> None:
    # one worker fails on frame 1 while another has finished frames 2 and 3: they come after
    # the end of the stream and must not follow its marker (in real time they would push it out)
    out = StageQueue(2, drop=True, stop=threading.Event())
    sequencer = _Sequencer(out)
    for number, item in [(0, "frame 0"), (2, "frame 2"), (3, "frame 3")]:
        sequencer.release(number, item)
    sequencer.release(1, EndOfStream("error"))
    assert out.get() == "frame 0"
    assert out.get() == EndOfStream("error")
    with pytest.raises(queue.Empty):
        out.get(timeout=0.05)
    assert out.dropped == 0


class CrashOnce:
    """Shared by the detectors: the first frame from ``from_index`` on is the one that fails."""

    def __init__(self, from_index: int) -> None:
        self.from_index = from_index
        self.failed_at: int | None = None
        self._lock = threading.Lock()

    def claim(self, index: int) -> bool:
        with self._lock:
            if self.failed_at is None and index >= self.from_index:
                self.failed_at = index
                return True
            return False


def test_a_slow_detector_error_with_two_workers_in_real_time_is_raised() -> None:
    # a frame fails late (0.3 s): meanwhile the other worker has finished frames after it.
    # In real time any frame may be dropped, so the failing one is the first inferred from 7 on.
    crash = CrashOnce(from_index=7)

    class SlowlyBroken(ScriptedPoseBackend):
        def open_detector(self):  # type: ignore[no-untyped-def]
            class Detector:
                def detect(self, frame: Frame) -> FrameDetections:
                    if crash.claim(frame.index):
                        time.sleep(0.3)
                        raise RuntimeError("model crashed")
                    return FrameDetections.empty()

                def close(self) -> None:
                    return None

            return Detector()

    processor = RecordingProcessor()
    source = ScriptedSource(np.arange(60) / 30.0, realtime=True)
    pipeline = LivePipeline(source, SlowlyBroken([], workers=2), processor, render, NullDisplay())
    outcome = run_with_deadline(pipeline, 10.0)
    assert isinstance(outcome, RuntimeError) and "model crashed" in str(outcome)
    assert processor.ended == "error" and crash.failed_at is not None
    assert processor.indices == sorted(processor.indices)
    assert all(index < crash.failed_at for index in processor.indices)


def run_with_deadline(pipeline: LivePipeline, deadline_s: float) -> PipelineStats | BaseException:
    """What ``pipeline.run()`` returned or raised; fails the test if it is still running."""
    outcome: list[PipelineStats | BaseException] = []

    def run() -> None:
        try:
            outcome.append(pipeline.run())
        except Exception as exc:  # handed to the test
            outcome.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(deadline_s)
    assert outcome, f"the pipeline still runs after {deadline_s} s (the end marker was lost)"
    return outcome[0]


def test_a_render_error_is_raised_with_the_stats_complete() -> None:
    def broken_render(frame: Frame, overlay: Overlay, status: str) -> np.ndarray:
        if frame.index == 5:
            raise RuntimeError("render crashed")
        return frame.rgb

    processor = RecordingProcessor()
    pipeline = LivePipeline(
        ScriptedSource(np.arange(30) / 30.0), backend(30), processor, broken_render, NullDisplay()
    )
    with pytest.raises(RuntimeError, match="render crashed"):
        pipeline.run()
    assert processor.ended == "stopped"  # the session saved what it had
    stats = pipeline.stats
    assert stats.rendered == 5 and stats.elapsed_s > 0, stats.summary()
    assert set(stats.dropped) >= {"before_inference", "before_analysis", "before_display"}


def test_ctrl_c_in_the_display_loop_becomes_an_interrupt_key() -> None:
    class InterruptingDisplay(NullDisplay):
        def show(self, canvas, overlay):  # type: ignore[no-untyped-def]
            if self.shown == 5:
                self.shown += 1
                raise KeyboardInterrupt
            return super().show(canvas, overlay)

    processor = RecordingProcessor()
    source = ScriptedSource(np.arange(300) / 30.0, realtime=True)
    stats = LivePipeline(source, backend(300), processor, render, InterruptingDisplay()).run()
    assert stats.interrupted
    assert processor.keys == [KEY_INTERRUPT]
    assert len(processor.indices) < 300


def test_closing_the_window_sends_one_window_closed_key() -> None:
    class ClosingDisplay(NullDisplay):
        def show(self, canvas, overlay):  # type: ignore[no-untyped-def]
            keys = super().show(canvas, overlay)
            if self.shown >= 3:
                self.closed = True
            return keys

    processor = RecordingProcessor()
    source = ScriptedSource(np.arange(300) / 30.0, realtime=True)
    LivePipeline(source, backend(300), processor, render, ClosingDisplay()).run()
    assert processor.keys == [KEY_WINDOW_CLOSED]


def test_camera_lost_is_reported_to_the_session() -> None:
    processor = RecordingProcessor()
    stats = LivePipeline(
        ScriptedSource(np.arange(30) / 30.0, lose_at=12),
        backend(30),
        processor,
        render,
        NullDisplay(),
    ).run()
    assert processor.ended == "lost" and stats.end_reason == "lost"
    assert processor.indices == list(range(12))


@pytest.mark.parametrize(
    ("code", "name"),
    [(-1, None), (ord("q"), "q"), (ord("R"), "r"), (27, "esc"), (32, " "), (13, "enter")],
)
def test_key_names(code: int, name: str | None) -> None:
    assert key_name(code) == name
