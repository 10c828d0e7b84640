"""What a guided session leaves on disk.

::

    <out>/
      results.json                      the whole session (kind "assess"), rewritten after each test
      <test>[_<side>]/
        <test>[_<side>]_landmarks.npz   the captured PoseSequence (docs/landmarks-format.md)
        <test>[_<side>]_angles.csv      its angles (docs/output-formats.md)
        <test>[_<side>]_video.mp4       the raw camera frames, only with --save-video

Every file is written atomically; results.json is rewritten after each test and once more at
the end (or on quit, Ctrl-C, window close, camera lost), with ``complete: false`` for a test
that was interrupted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import apply_view_gate
from hipsight.live.measure import Measured
from hipsight.live.plan import Step
from hipsight.optional import cv2_module
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.results import ProcessingStep, TestRecord
from hipsight.session.writer import SessionWriter

VIDEO_FPS_DEFAULT = 30.0


def default_out_dir(now: datetime | None = None) -> Path:
    """``out/assess-YYYYmmdd-HHMMSS`` in the current folder."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path("out") / f"assess-{stamp}"


class VideoSink:
    """Raw frames of one capture to an mp4 (written beside its final name, renamed on keep)."""

    def __init__(self, path: Path, frame_size: tuple[int, int], fps: float) -> None:
        cv2 = cv2_module()
        self.path = path
        self._partial = path.with_name(f".{path.stem}.partial{path.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = cv2.VideoWriter(
            str(self._partial), cv2.VideoWriter.fourcc(*"mp4v"), fps, frame_size
        )
        if not self._writer.isOpened():
            raise OSError(f"cannot write video {path} (no mp4v encoder?)")
        self._cv2 = cv2
        self.frames = 0

    def write(self, rgb: NDArray[np.uint8]) -> None:
        self._writer.write(self._cv2.cvtColor(rgb, self._cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self, keep: bool) -> Path | None:
        """Finish the file; keep it under its final name, or delete it."""
        self._writer.release()
        if keep and self.frames > 0:
            self._partial.replace(self.path)
            return self.path
        self._partial.unlink(missing_ok=True)
        return None


class SessionRecorder:
    """Writes each step's files and the session's results.json."""

    def __init__(
        self,
        out_dir: str | Path,
        *,
        person: str | None = None,
        calibration: str | None = None,
        save_video: bool = False,
        source: str = "",
        model_name: str = "",
        model_sha256: str = "",
    ) -> None:
        self.out_dir = Path(out_dir)
        self.writer = SessionWriter(
            self.out_dir, kind="assess", person=person, calibration=calibration
        )
        self.save_video = save_video
        self.source = source
        self.model_name = model_name
        self.model_sha256 = model_sha256
        self._video: VideoSink | None = None
        self.video_error: str | None = None  # set when --save-video could not write a video

    # -------------------------------------------------------------- paths
    def step_dir(self, step: Step) -> Path:
        return self.out_dir / step.key

    def results_path(self) -> Path:
        return self.writer.results_path

    def sequence_meta(
        self,
        step: Step,
        frame_size: tuple[int, int],
        fps: float | None,
        *,
        people_seen: int = 1,
        policy: str = "visible",
    ) -> SequenceMeta:
        """Metadata of a captured sequence (source, model, calibration, who and what)."""
        return SequenceMeta(
            frame_size=frame_size,
            source=f"live:{self.source}" if self.source else "live",
            fps_reported=fps,
            model_name=self.model_name,
            model_sha256=self.model_sha256,
            subject={"policy": f"live {policy}", "track_id": 0, "n_people_tracked": people_seen},
            provenance=(
                ProcessingStep(
                    "live_capture",
                    {"command": "hipsight assess", "test": step.protocol.id, "side": step.side},
                ),
            ),
        )

    # -------------------------------------------------------------- video
    def start_video(self, step: Step, frame_size: tuple[int, int], fps: float | None) -> None:
        """Begin the raw video of a capture (only with --save-video)."""
        self.stop_video(keep=False)
        if self.save_video and self.video_error is None:
            path = self.step_dir(step) / f"{step.key}_video.mp4"
            try:
                self._video = VideoSink(path, frame_size, fps or VIDEO_FPS_DEFAULT)
            except OSError as exc:  # no encoder: the landmarks matter more than the video
                self.video_error = str(exc)

    def write_frame(self, rgb: NDArray[np.uint8]) -> None:
        if self._video is not None:
            self._video.write(rgb)

    def stop_video(self, keep: bool) -> Path | None:
        video, self._video = self._video, None
        return video.close(keep) if video is not None else None

    # -------------------------------------------------------------- tests
    def save_test(
        self, step: Step, seq: PoseSequence, measured: Measured, complete: bool
    ) -> TestRecord:
        """Write the step's landmarks, angles CSV (and video); return its results record.

        Like ``hipsight analyze``, the landmarks saved are the analysed ones (undistorted, with
        the calibration recorded, when a calibration with intrinsics was used).
        """
        if measured.analysis is not None:
            seq = measured.analysis.sequence
        files = self.writer.write_test_files(
            step.key, seq, shown_angles(seq, measured), folder=step.key
        )
        video = self.stop_video(keep=True)
        if video is not None:
            files["video"] = video
        angles = measured.analysis.angles if measured.analysis is not None else None
        return self.writer.add_test(
            measured.result,
            files,
            source=seq.meta.source,
            complete=complete,
            processing=angles.provenance if angles is not None else seq.meta.provenance,
        )

    def write_results(
        self,
        records: Sequence[TestRecord],
        meta: Mapping[str, Any],
        baseline: Mapping[str, float] | None = None,
    ) -> Path:
        """(Re)write results.json for the whole session."""
        return self.writer.save(records, baseline=baseline, meta=meta)


def shown_angles(seq: PoseSequence, measured: Measured) -> AngleTable:
    """The angles written to the CSV: the analysis's view-gated table, as ``analyze`` writes."""
    if measured.analysis is not None:
        return measured.analysis.angles
    return apply_view_gate(compute_angles(seq), seq)
