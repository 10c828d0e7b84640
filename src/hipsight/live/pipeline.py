"""The live loop: capture, pose inference, analysis and rendering on separate threads.

::

    capture ──q──> inference x N ──(in order)──q──> analysis ──q──> render + display (main thread)
       ^                                              ^                         │
       └ source                      keys ────────────┴─────────────────────────┘

- Queues are bounded (``queue_size``, default 2; the camera's queue holds 1). With a real-time
  source (a webcam, a video paced by its timestamps) a full queue DROPS its oldest frame, so a
  slow stage costs frames, never a frozen picture. With a source read as fast as possible
  (``--no-realtime``) queues block instead and every frame is analysed (reproducible runs).
  Every drop is counted (:attr:`PipelineStats.dropped`).
- The end of the stream travels as a marker behind the frames, in either mode: it waits for
  room and never pushes a frame out. A stage gives up waiting only when the stage it feeds reads
  no more, so the display still shows every frame queued before the end after the analysis
  stopped; results that come after the end marker (a worker failed) are not handed on.
- ``N`` inference threads each hold their own detector; frames are numbered when a thread takes
  them and put back in order before the analysis.
- Latency is measured per frame from the moment the frame left the source to the moment its
  overlay is rendered ("frame-to-overlay").
- The analysis stage owns the session (the :class:`Processor`); the main thread renders, shows
  and collects keys (OpenCV windows must live on the main thread). Ctrl-C in the main thread
  becomes the key :data:`KEY_INTERRUPT`, so the session saves what it has before stopping.
"""

from __future__ import annotations

import heapq
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from hipsight.io.sources import FrameSource
from hipsight.io.video import Frame
from hipsight.live.backends import Detector, PoseBackend
from hipsight.live.overlay import Overlay
from hipsight.pose.estimator import FrameDetections

KEY_INTERRUPT = "interrupt"  # Ctrl-C
KEY_WINDOW_CLOSED = "window-closed"
POLL_S = 0.03


# ---------------------------------------------------------------------------- items
@dataclass(frozen=True)
class Captured:
    """A frame as it left the source, with the monotonic time it did."""

    frame: Frame
    captured: float


@dataclass(frozen=True)
class PoseFrame:
    """A frame with everyone the model found in it."""

    frame: Frame
    captured: float
    detections: FrameDetections
    inference_s: float


@dataclass(frozen=True)
class RenderJob:
    """An analysed frame and what to draw on it."""

    frame: Frame
    overlay: Overlay
    captured: float


@dataclass(frozen=True)
class EndOfStream:
    """The stream stopped: ``lost`` (camera gone), ``ended`` (file or script over),
    ``stopped`` (the session finished or was quit), or ``error``."""

    reason: str
    error: BaseException | None = None


# ---------------------------------------------------------------------------- stage contracts
class Processor(Protocol):
    """The analysis stage's work: the session state machine."""

    @property
    def done(self) -> bool: ...

    def process(self, item: PoseFrame) -> Overlay: ...

    def handle_key(self, key: str) -> None: ...

    def end_of_stream(self, reason: str) -> Overlay | None: ...


class Presenter(Protocol):
    """Shows rendered frames and returns the keys pressed (a window, or nothing)."""

    @property
    def closed(self) -> bool: ...

    def show(self, canvas: NDArray[np.uint8], overlay: Overlay) -> list[str]: ...

    def poll(self) -> list[str]: ...

    def close(self) -> None: ...


Render = Callable[[Frame, Overlay, str], NDArray[np.uint8]]


# ---------------------------------------------------------------------------- queues
class StageQueue:
    """A bounded queue between two stages that drops its oldest item when full (``drop``,
    counted in ``dropped``) or makes the producer wait (not ``drop``).

    ``stop`` is set once the consumer reads no more: a waiting producer then gives up. It must
    be the consumer's own end, not an earlier stage's: a producer that gave up while the
    consumer still read would lose the items behind it.
    """

    def __init__(self, maxsize: int, drop: bool, stop: threading.Event) -> None:
        if maxsize < 1:
            raise ValueError(f"queue size must be >= 1, got {maxsize}")
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self._drop = drop
        self._stop = stop
        self.dropped = 0

    def put(self, item: Any) -> bool:
        """Hand ``item`` on; False when the pipeline stopped before it could be."""
        if self._drop:
            self._put_dropping(item)
            return True
        return self._put_waiting(item)

    def put_final(self, item: Any) -> bool:
        """Hand on one of the last items of a stream (a closing card, the end marker) behind
        every item before it: it waits for room in either mode, so it never pushes a frame out.
        False when the consumer stopped reading first (then nobody would have read it)."""
        return self._put_waiting(item)

    def _put_waiting(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _put_dropping(self, item: Any) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    continue

    def get(self, timeout: float = POLL_S) -> Any:
        """The next item; raises queue.Empty after ``timeout`` seconds."""
        return self._queue.get(timeout=timeout)


class _Dispatcher:
    """Numbers frames as inference threads take them, so results can be put back in order."""

    def __init__(self, source: StageQueue, stop: threading.Event) -> None:
        self._source = source
        self._stop = stop
        self._lock = threading.Lock()
        self._next = 0
        self.finished = threading.Event()

    def take(self) -> tuple[int, Any] | None:
        with self._lock:
            while not (self._stop.is_set() or self.finished.is_set()):
                try:
                    item = self._source.get()
                except queue.Empty:
                    continue
                number = self._next
                self._next += 1
                if isinstance(item, EndOfStream):
                    self.finished.set()
                return number, item
        return None


class _Sequencer:
    """Releases numbered results strictly in order, and nothing after the end marker.

    Results numbered after an end marker exist when a worker failed (its error is the end)
    while others went on with later frames; they belong to no stream any more.
    """

    def __init__(self, out: StageQueue) -> None:
        self._out = out
        self._heap: list[tuple[int, int, Any]] = []
        self._next = 0
        self._lock = threading.Lock()
        self._tie = 0
        self._ended = False

    def release(self, number: int, item: Any) -> None:
        with self._lock:
            self._tie += 1
            heapq.heappush(self._heap, (number, self._tie, item))
            while self._heap and self._heap[0][0] == self._next:
                _, _, ready = heapq.heappop(self._heap)
                self._next += 1
                self._hand_on(ready)

    def _hand_on(self, item: Any) -> None:
        if self._ended:
            return
        if isinstance(item, EndOfStream):
            self._ended = True
            self._out.put_final(item)
        else:
            self._out.put(item)


# ---------------------------------------------------------------------------- measurements
def summarise_ms(values_s: list[float] | deque[float]) -> dict[str, float | None]:
    """Median, 95th percentile and maximum of durations in seconds, as milliseconds."""
    if not values_s:
        return {"median": None, "p95": None, "max": None}
    arr = 1000.0 * np.asarray(values_s, dtype=np.float64)
    return {
        "median": round(float(np.median(arr)), 2),
        "p95": round(float(np.percentile(arr, 95)), 2),
        "max": round(float(arr.max()), 2),
    }


class LatencyMeter:
    """Frame-to-overlay latency and the rate of rendered frames."""

    def __init__(self, recent: int = 30) -> None:
        self.latencies: list[float] = []
        self.rendered_at: list[float] = []
        self._recent_latency: deque[float] = deque(maxlen=recent)
        self._recent_times: deque[float] = deque(maxlen=recent)

    def add(self, captured: float, ready: float) -> None:
        self.latencies.append(ready - captured)
        self.rendered_at.append(ready)
        self._recent_latency.append(ready - captured)
        self._recent_times.append(ready)

    def fps(self, since: float | None = None) -> float | None:
        """Rendered frames per second (from ``since``, a monotonic time, if given)."""
        times = [t for t in self.rendered_at if since is None or t >= since]
        if len(times) < 2 or times[-1] <= times[0]:
            return None
        return (len(times) - 1) / (times[-1] - times[0])

    def status(self) -> str:
        """A short "27 fps  41 ms" line for the operator."""
        if len(self._recent_times) < 2:
            return ""
        span = self._recent_times[-1] - self._recent_times[0]
        fps = (len(self._recent_times) - 1) / span if span > 0 else 0.0
        latency = 1000.0 * float(np.median(self._recent_latency))
        return f"{fps:.0f} fps  {latency:.0f} ms"


@dataclass
class PipelineStats:
    """What the live loop did, for results.json and the benchmark."""

    captured: int = 0
    inferred: int = 0
    analysed: int = 0
    rendered: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    fps: float | None = None
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    inference_ms: dict[str, float | None] = field(default_factory=dict)
    elapsed_s: float = 0.0
    end_reason: str = ""
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": {
                "captured": self.captured,
                "inferred": self.inferred,
                "analysed": self.analysed,
                "rendered": self.rendered,
            },
            "dropped": dict(self.dropped),
            "fps": None if self.fps is None else round(self.fps, 2),
            "latency_ms": dict(self.latency_ms),
            "inference_ms": dict(self.inference_ms),
            "elapsed_s": round(self.elapsed_s, 3),
            "end_reason": self.end_reason,
            "interrupted": self.interrupted,
        }

    def summary(self) -> str:
        """Every frame counter and every drop counter on one line (short enough to print whole)."""
        frames = ", ".join(f"{k} {v}" for k, v in self.to_dict()["frames"].items())
        dropped = ", ".join(f"{k} {v}" for k, v in self.dropped.items()) or "none counted"
        ending = self.end_reason + (", interrupted" if self.interrupted else "")
        return f"frames: {frames}; dropped: {dropped}; end: {ending or 'none'}"


# ---------------------------------------------------------------------------- the pipeline
class LivePipeline:
    """Runs one live session; :meth:`run` returns when the session or the stream ends."""

    def __init__(
        self,
        source: FrameSource,
        backend: PoseBackend,
        processor: Processor,
        render: Render,
        presenter: Presenter,
        *,
        queue_size: int = 2,
        scripted_keys: Mapping[int, str] | None = None,
    ) -> None:
        self.source = source
        self.backend = backend
        self.processor = processor
        self.render = render
        self.presenter = presenter
        self.scripted_keys = dict(scripted_keys or getattr(source, "keys", None) or {})
        self.stats = PipelineStats()
        self.meter = LatencyMeter()
        # _stop: the capture, inference and analysis stages stop (their consumers read no more);
        # _display_stopped: the main thread reads no more render jobs. Separate, because the
        # display still shows the frames queued before the end after the analysis stopped.
        self._stop = threading.Event()
        self._display_stopped = threading.Event()
        drop = bool(source.realtime)
        # live, only the newest camera frame is worth inferring: a one-slot queue keeps the
        # frame-to-overlay latency to about one inference
        self._frames = StageQueue(1 if drop else queue_size, drop, self._stop)
        self._poses = StageQueue(queue_size, drop, self._stop)
        self._jobs = StageQueue(queue_size, drop, self._display_stopped)
        self._keys: queue.Queue[str] = queue.Queue()
        self._inference_s: list[float] = []
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._closed_sent = False

    # -------------------------------------------------------------- public
    def run(self) -> PipelineStats:
        """Open the detectors, run every stage until the end, and return the statistics.

        Re-raises the first error a stage hit, after the session has been told the stream ended
        (so it saved what it had).
        """
        try:
            detectors = [self.backend.open_detector() for _ in range(max(1, self.backend.workers))]
        except BaseException:
            self.source.close()
            raise
        started = time.monotonic()
        threads = self._start_threads(detectors)
        try:
            try:
                self._serve()
            except KeyboardInterrupt:
                self.stats.interrupted = True
                self._keys.put(KEY_INTERRUPT)
                self._serve()
        finally:
            self._display_stopped.set()
            self._stop.set()
            self.source.interrupt()
            for thread in threads:
                thread.join(timeout=5.0)
            for detector in detectors:
                detector.close()
            self.presenter.close()
            self._finish_stats(started)  # also when the display loop failed: saved with results
        if self._errors:
            raise self._errors[0]
        return self.stats

    def press(self, key: str) -> None:
        """Send a key to the session (thread-safe)."""
        self._keys.put(key)

    # -------------------------------------------------------------- threads
    def _start_threads(self, detectors: list[Detector]) -> list[threading.Thread]:
        dispatcher = _Dispatcher(self._frames, self._stop)
        sequencer = _Sequencer(self._poses)
        threads = [threading.Thread(target=self._capture, name="hipsight-capture", daemon=True)]
        threads += [
            threading.Thread(
                target=self._infer,
                args=(detector, dispatcher, sequencer),
                name=f"hipsight-pose-{k}",
                daemon=True,
            )
            for k, detector in enumerate(detectors)
        ]
        threads.append(
            threading.Thread(target=self._analyse, name="hipsight-analysis", daemon=True)
        )
        for thread in threads:
            thread.start()
        return threads

    def _capture(self) -> None:
        end = EndOfStream("ended")
        try:
            for frame in self.source:
                if self._stop.is_set() or not self._frames.put(Captured(frame, time.monotonic())):
                    end = EndOfStream("stopped")
                    break
                self.stats.captured += 1
            else:
                end = EndOfStream("lost" if self.source.lost else "ended")
        except Exception as exc:  # any failure of the source: handed on, re-raised by run()
            end = EndOfStream("error", exc)
        finally:
            self.source.close()
            self._frames.put_final(end)

    def _infer(self, detector: Detector, dispatcher: _Dispatcher, sequencer: _Sequencer) -> None:
        while True:
            taken = dispatcher.take()
            if taken is None:
                return
            number, item = taken
            if isinstance(item, EndOfStream):
                sequencer.release(number, item)
                return
            try:
                start = time.perf_counter()
                detections = detector.detect(item.frame)
                spent = time.perf_counter() - start
            except Exception as exc:  # a model failure: handed on, re-raised by run()
                dispatcher.finished.set()
                sequencer.release(number, EndOfStream("error", exc))
                return
            with self._lock:
                self._inference_s.append(spent)
                self.stats.inferred += 1
            sequencer.release(number, PoseFrame(item.frame, item.captured, detections, spent))

    def _analyse(self) -> None:
        last: PoseFrame | None = None
        try:
            while not (self.processor.done or self._stop.is_set()):
                self._apply_keys()
                if self.processor.done:
                    break
                try:
                    item = self._poses.get()
                except queue.Empty:
                    continue
                if isinstance(item, EndOfStream):
                    self._end(item, last)
                    break
                key = self.scripted_keys.get(item.frame.index)
                if key is not None:
                    self.processor.handle_key(key)
                    if self.processor.done:
                        break
                overlay = self.processor.process(item)
                self.stats.analysed += 1
                last = item
                self._jobs.put(RenderJob(item.frame, overlay, item.captured))
        except Exception as exc:  # a session failure: re-raised by run() once saved and stopped
            self._errors.append(exc)
        finally:
            self._finish_analysis()

    def _finish_analysis(self) -> None:
        """Save what there is, stop the stages upstream, then end the display's stream: the end
        marker waits behind the frames still queued for display (the display is not stopped)."""
        finished = "finished" if self.processor.done else "stopped"
        self.stats.end_reason = self.stats.end_reason or finished
        if not self.processor.done:  # stopped from outside or failed: save what there is
            self.processor.end_of_stream("error" if self._errors else "stopped")
        self._stop.set()
        self.source.interrupt()
        self._jobs.put_final(EndOfStream("stopped"))

    def _end(self, item: EndOfStream, last: PoseFrame | None) -> None:
        self.stats.end_reason = item.reason
        if item.error is not None:
            self._errors.append(item.error)
        overlay = self.processor.end_of_stream(item.reason)
        if overlay is not None and last is not None:  # a closing card: no latency to measure
            self._jobs.put_final(RenderJob(last.frame, overlay, math.nan))

    def _apply_keys(self) -> None:
        while True:
            try:
                key = self._keys.get_nowait()
            except queue.Empty:
                return
            self.processor.handle_key(key)

    # -------------------------------------------------------------- main thread
    def _serve(self) -> None:
        """Render and show frames until the analysis stage says the end."""
        while True:
            try:
                job = self._jobs.get()
            except queue.Empty:
                self._forward(self.presenter.poll())
                continue
            if isinstance(job, EndOfStream):
                return
            canvas = self.render(job.frame, job.overlay, self.meter.status())
            if math.isfinite(job.captured):
                self.meter.add(job.captured, time.monotonic())
            self.stats.rendered += 1
            self._forward(self.presenter.show(canvas, job.overlay))

    def _forward(self, keys: list[str]) -> None:
        for key in keys:
            self._keys.put(key)
        if self.presenter.closed and not self._closed_sent:
            self._closed_sent = True
            self._keys.put(KEY_WINDOW_CLOSED)

    def _finish_stats(self, started: float) -> None:
        stats = self.stats
        stats.elapsed_s = time.monotonic() - started
        stats.dropped = {
            "before_inference": self._frames.dropped,
            "before_analysis": self._poses.dropped,
            "before_display": self._jobs.dropped,
            "late_source_frames": int(getattr(self.source, "skipped", 0)),
        }
        stats.fps = self.meter.fps()
        stats.latency_ms = summarise_ms(self.meter.latencies)
        stats.inference_ms = summarise_ms(self._inference_s)
