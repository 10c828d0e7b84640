"""Pose extraction with landmarkers kept warm across recordings.

Creating a PoseLandmarker costs about half a second, as much as the model needs for 15 frames;
over thousands of short clips that is most of the work. :class:`WarmPose` creates its landmarkers
once and reuses them. Between recordings it clears what a landmarker remembers (the tracked
region of interest and the landmark smoothing) by showing it one blank frame, and it moves the
clock on, so every recording is measured exactly as a fresh landmarker would measure it (checked
in tests/batch: identical landmarks).

The steps after detection (tracking, subject choice, the sequence and its provenance) are those
of :func:`hipsight.pose.extract.extract_pose`, with its own helpers.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import numpy as np

from hipsight.errors import InputError
from hipsight.io.sources import open_source
from hipsight.io.video import ThreadedReader, probe_input
from hipsight.models.store import ModelInfo
from hipsight.pose.census import open_estimator
from hipsight.pose.estimator import FrameDetections
from hipsight.pose.extract import Extraction, extraction_from_frames, plan_chunks

CLOCK_GAP_S = 60.0  # time between recordings on a landmarker's clock (whole seconds)
Detected = list[tuple[int, float, FrameDetections]]


class WarmLandmarker:
    """One PoseLandmarker reused for many streams, each started from a clean state."""

    def __init__(self, model: ModelInfo, max_people: int) -> None:
        self.estimator = open_estimator(model, max_people)
        self.clock_s = 0.0
        self.lock = threading.Lock()

    def open(self) -> None:
        self.estimator.__enter__()

    def close(self) -> None:
        self.estimator.close()

    def detect_stream(
        self, path: Path, start: int, stop: int | None, cancel: threading.Event
    ) -> Detected:
        """Frames ``start..stop`` of ``path``, as a freshly created landmarker would see them."""
        with self.lock:
            self.reset()
            offset = self.clock_s
            out: Detected = []
            last_t = 0.0
            with open_source(input_path=path, start_frame=start, stop_frame=stop) as source:
                for frame in ThreadedReader(source, maxsize=8):
                    if cancel.is_set():
                        break
                    detections = self.estimator.detect(frame.rgb, frame.t_s + offset)
                    out.append((frame.index, frame.t_s, detections))
                    last_t = max(last_t, frame.t_s)
            self.clock_s = offset + float(np.ceil(last_t)) + CLOCK_GAP_S
            return out

    def reset(self) -> None:
        """An empty frame ends tracking and smoothing; the next frame is detected afresh."""
        self.estimator.reset(self.clock_s)
        self.clock_s += CLOCK_GAP_S


class WarmPose:
    """``threads`` warm landmarkers; a recording is cut into up to ``threads`` chunks."""

    def __init__(self, model: ModelInfo, max_people: int, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.model = model
        self.max_people = max_people
        self.landmarkers = [WarmLandmarker(model, max_people) for _ in range(threads)]
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hipsight-warm")

    def __enter__(self) -> WarmPose:
        for landmarker in self.landmarkers:
            landmarker.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for landmarker in self.landmarkers:
            landmarker.close()

    def extract(self, path: Path, subject: str | int = "visible") -> Extraction:
        """Detect, track and choose the subject, as :func:`extract_pose` does."""
        video = probe_input(path)
        chunks = plan_chunks(video.frame_count, len(self.landmarkers))
        try:
            frames = self.detect(path, chunks)
        except InputError:
            if len(chunks) == 1:
                raise
            frames = self.detect(path, [(0, None)])  # seeking failed: serial
        return extraction_from_frames(
            path, video, frames, self.model, self.max_people, len(chunks), subject
        )

    def detect(self, path: Path, chunks: list[tuple[int, int | None]]) -> Detected:
        """All chunks in parallel, one warm landmarker each, merged in frame order."""
        cancel = threading.Event()
        futures = [
            self._pool.submit(self.landmarkers[i].detect_stream, path, a, b, cancel)
            for i, (a, b) in enumerate(chunks)
        ]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            cancel.set()
            raise
        return sorted((item for chunk in results for item in chunk), key=lambda item: item[0])
