"""MediaPipe PoseLandmarker adapter: the only module that imports mediapipe.

``PoseEstimator`` is a context manager that always closes the landmarker (mediapipe 1.x prints a
traceback at interpreter exit otherwise). ``detect`` takes an RGB frame and a timestamp and
returns every person found as plain numpy arrays in pixels of that frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from hipsight.errors import ModelError
from hipsight.models.store import ModelInfo
from hipsight.pose.landmarks import N_LANDMARKS

RunningMode = Literal["video", "live", "image"]
BLANK = np.zeros((64, 64, 3), dtype=np.uint8)


@dataclass(frozen=True)
class FrameDetections:
    """All people found in one frame. ``P`` may be 0."""

    image_xy: NDArray[np.float64]  # (P, 33, 2) pixels
    world_xyz: NDArray[np.float64]  # (P, 33, 3) metres
    visibility: NDArray[np.float64]  # (P, 33)
    presence: NDArray[np.float64]  # (P, 33)

    @property
    def n_people(self) -> int:
        return int(self.image_xy.shape[0])

    @classmethod
    def empty(cls) -> FrameDetections:
        return cls(
            image_xy=np.empty((0, N_LANDMARKS, 2)),
            world_xyz=np.empty((0, N_LANDMARKS, 3)),
            visibility=np.empty((0, N_LANDMARKS)),
            presence=np.empty((0, N_LANDMARKS)),
        )


def quiet_native_logs() -> None:
    """Ask TFLite/absl for less start-up chatter (call before the first landmarker is created)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class PoseEstimator:
    """A PoseLandmarker for one stream of frames.

    ``mode="video"`` for files (frames in order, timestamps increasing), ``"live"`` for the
    webcam loop (same API, called frame by frame from the capture thread), ``"image"`` for
    independent stills.
    """

    def __init__(
        self,
        model: ModelInfo,
        mode: RunningMode = "video",
        max_people: int = 2,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if max_people < 1:
            raise ValueError(f"max_people must be >= 1, got {max_people}")
        if mode not in ("video", "live", "image"):
            raise ValueError(f"mode must be 'video', 'live' or 'image', got {mode!r}")
        self.model = model
        self.mode = mode
        self.max_people = max_people
        self._min_det = min_detection_confidence
        self._min_track = min_tracking_confidence
        self._landmarker: Any = None
        self._last_ms = -1

    def __enter__(self) -> PoseEstimator:
        quiet_native_logs()
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        # Live mode is fed synchronously from the inference thread, so VIDEO semantics fit it.
        running = RunningMode.IMAGE if self.mode == "image" else RunningMode.VIDEO
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model.path)),
            running_mode=running,
            num_poses=self.max_people,
            min_pose_detection_confidence=self._min_det,
            min_pose_presence_confidence=self._min_det,
            min_tracking_confidence=self._min_track,
        )
        try:
            self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"cannot load pose model {self.model.path}: {exc}") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def reset(self, timestamp_s: float) -> None:
        """Forget tracked people and landmark smoothing: the next frame is detected afresh.

        An empty frame ends tracking (nobody is found in it), so a VIDEO-mode landmarker behaves
        afterwards as a freshly created one would.
        """
        self.detect(BLANK, timestamp_s)

    def detect(self, rgb: NDArray[np.uint8], timestamp_s: float) -> FrameDetections:
        """Find people in one RGB frame; return landmarks in pixels of that frame."""
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator.detect called outside its `with` block")
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self.mode == "image":
            result = self._landmarker.detect(image)
        else:
            # Timestamps must increase strictly; equal container times are nudged by 1 ms.
            ms = max(round(timestamp_s * 1000.0), self._last_ms + 1)
            self._last_ms = ms
            result = self._landmarker.detect_for_video(image, ms)
        height, width = rgb.shape[:2]
        return convert_result(result, width, height)


def convert_result(result: Any, width: int, height: int) -> FrameDetections:
    """Turn a PoseLandmarkerResult into numpy arrays (normalised coordinates -> pixels)."""
    people = result.pose_landmarks or []
    if not people:
        return FrameDetections.empty()
    norm = np.array([[(lm.x, lm.y) for lm in person] for person in people], dtype=np.float64)
    scores = np.array(
        [[(_score(lm.visibility), _score(lm.presence)) for lm in person] for person in people],
        dtype=np.float64,
    )
    worlds = result.pose_world_landmarks or []
    if len(worlds) == len(people):
        world = np.array(
            [[(lm.x, lm.y, lm.z) for lm in person] for person in worlds], dtype=np.float64
        )
    else:
        world = np.full((len(people), N_LANDMARKS, 3), np.nan)
    return FrameDetections(
        image_xy=norm * np.array([width, height], dtype=np.float64),
        world_xyz=world,
        visibility=scores[..., 0],
        presence=scores[..., 1],
    )


def _score(value: float | None) -> float:
    return float("nan") if value is None else float(value)
