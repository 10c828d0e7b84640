"""Pose backends for the live pipeline: the real MediaPipe one, and a scripted one for tests.

A backend opens one :class:`Detector` per inference thread. The MediaPipe backend wraps the
foundation's :class:`~hipsight.pose.estimator.PoseEstimator` in live mode (one landmarker per
thread: a landmarker is not shared across threads), with landmark slots on demand
(:class:`~hipsight.pose.census.OnDemandEstimator`): while one person is in view, a one-slot
landmarker follows them between short censuses with every slot. The scripted backend returns
landmark streams prepared in advance, so tests drive the whole session without running the model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from hipsight.io.native import native_stderr_silenced
from hipsight.io.video import Frame
from hipsight.models.store import ModelInfo
from hipsight.pose.census import CensusPlan, FrameEstimator, OnDemandEstimator
from hipsight.pose.estimator import FrameDetections, PoseEstimator
from hipsight.pose.sequence import PoseSequence


class Detector(Protocol):
    """Finds people in one frame."""

    def detect(self, frame: Frame) -> FrameDetections: ...

    def close(self) -> None: ...


class PoseBackend(Protocol):
    """Makes detectors; says which model they run (recorded in the saved landmarks)."""

    name: str
    sha256: str
    workers: int  # detectors run in parallel, one per inference thread

    def open_detector(self) -> Detector: ...


# ---------------------------------------------------------------------------- MediaPipe
EstimatorFactory = Callable[[int], FrameEstimator]  # slots -> a landmarker, not yet opened


class _EstimatorDetector:
    def __init__(self, estimator: FrameEstimator) -> None:
        self.estimator = estimator

    def detect(self, frame: Frame) -> FrameDetections:
        return self.estimator.detect(frame.rgb, frame.t_s)

    def close(self) -> None:
        self.estimator.close()


class MediaPipeBackend:
    """The full BlazePose model through :class:`PoseEstimator` in live mode.

    ``workers`` landmarkers run side by side on successive frames; each keeps its own tracking
    state and sees strictly increasing timestamps. Two workers nearly double the throughput on
    a 2-core CPU, because one landmarker keeps about one core busy.

    With ``max_people`` > 1 and ``on_demand`` (the default), each worker holds a wide landmarker
    (every slot) and a one-slot one, and uses the wide one only for censuses while one person is
    in view (``plan``; :mod:`hipsight.pose.census`): a person alone costs what ``max_people=1``
    costs. The workers see alternate frames of one camera, so they share what their censuses saw:
    once any census sees several people, every worker keeps every slot for the rest of the
    session (its detectors' ``crowd``), and subject choice among them is as without on-demand
    slots. ``on_demand=False``
    keeps every slot on every frame (the benchmark's "before"). ``make_estimator`` replaces the
    landmarkers (tests: a scripted estimator, no model).
    """

    def __init__(
        self,
        model: ModelInfo,
        max_people: int = 2,
        workers: int = 2,
        *,
        on_demand: bool = True,
        plan: CensusPlan | None = None,
        make_estimator: EstimatorFactory | None = None,
    ) -> None:
        if max_people < 1:
            raise ValueError(f"max_people must be >= 1, got {max_people}")
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.model = model
        self.max_people = max_people
        self.workers = workers
        self.on_demand = on_demand
        self.plan = plan
        self.name = model.name
        self.sha256 = model.sha256
        self._make = make_estimator or self._landmarker
        self.crowd = threading.Event()  # set once any worker's census saw several people

    def _landmarker(self, slots: int) -> FrameEstimator:
        return PoseEstimator(self.model, mode="live", max_people=slots)

    def open_detector(self) -> Detector:
        """Load this worker's landmarker(s) and warm each up on a black frame (the first call is
        the slow one; the black frame also leaves it tracking nobody). With slots on demand the
        one-slot landmarker is opened here too, not at the first follow: opening it mid-stream
        would stall the picture."""
        with native_stderr_silenced():  # TFLite prints start-up notes straight to fd 2
            if self.max_people == 1 or not self.on_demand:
                estimator: FrameEstimator = self._make(self.max_people)
                estimator.__enter__()
                slots = [estimator]
            else:
                wide, narrow = self._make(self.max_people), self._make(1)
                on_demand = OnDemandEstimator(wide, narrow, self.plan, self.crowd)
                estimator = on_demand.__enter__()  # the wide landmarker
                slots = [on_demand.wide]
            try:
                if isinstance(estimator, OnDemandEstimator):
                    slots.append(estimator.open_narrow())
                for landmarker in slots:
                    landmarker.detect(np.zeros((480, 640, 3), dtype=np.uint8), 0.0)
            except BaseException:
                estimator.close()
                raise
        return _EstimatorDetector(estimator)


# ---------------------------------------------------------------------------- scripted
class ScriptedDetector:
    """Returns the detections prepared for each frame index (none past the end)."""

    def __init__(self, detections: Sequence[FrameDetections], delay_s: float = 0.0) -> None:
        self._detections = detections
        self._delay_s = delay_s

    def detect(self, frame: Frame) -> FrameDetections:
        if self._delay_s > 0:
            time.sleep(self._delay_s)
        if 0 <= frame.index < len(self._detections):
            return self._detections[frame.index]
        return FrameDetections.empty()

    def close(self) -> None:
        return None


class ScriptedPoseBackend:
    """A stand-in for the model: frame ``i`` gets ``detections[i]``.

    ``delay_s`` imitates a slow model, to exercise frame dropping.
    """

    def __init__(
        self,
        detections: Sequence[FrameDetections],
        delay_s: float = 0.0,
        workers: int = 1,
        name: str = "scripted",
    ) -> None:
        if delay_s < 0:
            raise ValueError(f"delay_s must be >= 0, got {delay_s}")
        self.detections = list(detections)
        self.delay_s = delay_s
        self.workers = workers
        self.name = name
        self.sha256 = ""

    def open_detector(self) -> Detector:
        return ScriptedDetector(self.detections, self.delay_s)


def detections_from_sequences(*people: PoseSequence) -> list[FrameDetections]:
    """Per-frame detections of one or more people filmed over the same frames.

    Frames where a person's landmarks are NaN (not found) leave that person out.
    """
    if not people:
        raise ValueError("need at least one sequence")
    n = people[0].n_frames
    if any(p.n_frames != n for p in people):
        raise ValueError(f"sequences must have the same length, got {[p.n_frames for p in people]}")
    out = []
    for i in range(n):
        found = [p for p in people if np.isfinite(p.image_xy[i]).all(axis=1).any()]
        if not found:
            out.append(FrameDetections.empty())
            continue
        out.append(
            FrameDetections(
                image_xy=np.stack([p.image_xy[i] for p in found]),
                world_xyz=np.stack([p.world_xyz[i] for p in found]),
                visibility=np.stack([p.visibility[i] for p in found]),
                presence=np.stack([p.presence[i] for p in found]),
            )
        )
    return out
