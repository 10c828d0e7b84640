"""Video file -> :class:`PoseSequence` of the chosen subject.

Inference is the slow stage and mediapipe releases the GIL while it runs, so a video is cut into
``workers`` contiguous chunks, each decoded on its own thread (bounded queue) and fed to its own
PoseLandmarker. Chunks are merged by frame index, people are tracked across the whole video,
and one subject is chosen. Frames are never all held: memory stays flat in video length.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipsight.errors import InputError, NoPersonError
from hipsight.io.sources import open_source
from hipsight.io.video import ThreadedReader, VideoInfo, probe_input
from hipsight.models.store import ModelInfo
from hipsight.optional import preload_in_background
from hipsight.pose.census import CensusPlan, open_estimator
from hipsight.pose.estimator import FrameDetections
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.pose.tracking import Tracks, choose_subject, track_people
from hipsight.results import ProcessingStep

MIN_FRAMES_PER_CHUNK = 60
# What runs after inference (tracking, filters, reps): imported while inference runs.
AFTER_INFERENCE = ("scipy.optimize", "scipy.signal")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Extraction:
    """Everything the model saw: all tracks, the chosen subject and the video facts."""

    sequence: PoseSequence
    tracks: Tracks
    subject_report: dict[str, Any]
    video: VideoInfo
    warnings: tuple[str, ...]


def plan_chunks(frame_count: int | None, workers: int) -> list[tuple[int, int | None]]:
    """Split ``frame_count`` frames into contiguous chunks; the last chunk reads to the end."""
    if frame_count is None or workers <= 1 or frame_count < 2 * MIN_FRAMES_PER_CHUNK:
        return [(0, None)]
    n = min(workers, frame_count // MIN_FRAMES_PER_CHUNK)
    bounds = np.linspace(0, frame_count, n + 1).round().astype(int)
    chunks: list[tuple[int, int | None]] = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    chunks[-1] = (chunks[-1][0], None)
    return chunks


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def detect_chunk(
    path: Path,
    model: ModelInfo,
    start: int,
    stop: int | None,
    max_people: int,
    progress: Progress,
    cancel: threading.Event,
    every_slot: bool = False,
) -> list[tuple[int, float, FrameDetections]]:
    """Run the landmarker over frames ``start..stop`` of a video (or image folder)."""
    out: list[tuple[int, float, FrameDetections]] = []
    with (
        open_source(input_path=path, start_frame=start, stop_frame=stop) as source,
        open_estimator(model, max_people, every_slot=every_slot) as estimator,
    ):
        for frame in ThreadedReader(source, maxsize=8):
            if cancel.is_set():
                break
            out.append((frame.index, frame.t_s, estimator.detect(frame.rgb, frame.t_s)))
            progress(1)
    return out


def run_detection(
    path: Path,
    model: ModelInfo,
    chunks: list[tuple[int, int | None]],
    max_people: int,
    progress: Progress,
    every_slot: bool = False,
) -> list[tuple[int, float, FrameDetections]]:
    """Run all chunks in parallel threads and merge their frames in order."""
    cancel = threading.Event()
    with ThreadPoolExecutor(max_workers=len(chunks), thread_name_prefix="hipsight-infer") as pool:
        futures = [
            pool.submit(detect_chunk, path, model, a, b, max_people, progress, cancel, every_slot)
            for a, b in chunks
        ]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            cancel.set()
            raise
    merged = sorted((item for chunk in results for item in chunk), key=lambda item: item[0])
    return merged


def extract_pose(
    path: str | Path,
    model: ModelInfo,
    max_people: int = 2,
    subject: str | int = "visible",
    workers: int | None = None,
    progress: Progress | None = None,
    every_slot: bool = False,
) -> Extraction:
    """Detect, track and choose the subject; return their :class:`PoseSequence`.

    ``every_slot`` keeps every landmark slot on every frame instead of slots on demand
    (:mod:`hipsight.pose.census`)."""
    path = Path(path)
    video = probe_input(path)
    chunks = plan_chunks(video.frame_count, workers or default_workers())
    preload_in_background(*AFTER_INFERENCE)
    tick = progress or (lambda n: None)
    try:
        frames = run_detection(path, model, chunks, max_people, tick, every_slot)
    except InputError:
        if len(chunks) == 1:
            raise
        serial: list[tuple[int, int | None]] = [(0, None)]  # seeking failed: one chunk
        frames = run_detection(path, model, serial, max_people, tick, every_slot)
    return extraction_from_frames(
        path, video, frames, model, max_people, len(chunks), subject, every_slot
    )


def extraction_from_frames(
    path: Path,
    video: VideoInfo,
    frames: list[tuple[int, float, FrameDetections]],
    model: ModelInfo,
    max_people: int,
    n_chunks: int,
    subject: str | int,
    every_slot: bool = False,
) -> Extraction:
    """Track the detections of every frame, choose the subject and build its sequence."""
    warnings = check_frames(frames, video)
    t = make_timestamps(np.array([f[1] for f in frames]), video.fps)
    tracks = track_people(t, [f[2] for f in frames])
    if tracks.n_tracks == 0:
        raise NoPersonError(f"{path}: no person found in {len(frames)} frames")
    chosen, report = choose_subject(tracks, (video.width, video.height), subject)
    meta = SequenceMeta(
        frame_size=(video.width, video.height),
        source=str(path),
        fps_reported=video.fps,
        rotation_deg=video.rotation_deg,
        model_name=model.name,
        model_sha256=model.sha256,
        subject=report,
        provenance=(
            ProcessingStep(
                "pose_landmarker",
                landmarker_params(model, max_people, n_chunks, every_slot),
            ),
            ProcessingStep("choose_subject", {"policy": str(subject)}),
        ),
    )
    person = tracks.dense([chosen])
    sequence = PoseSequence.from_arrays(
        t=t,
        image_xy=person.image_xy[:, 0],
        world_xyz=person.world_xyz[:, 0],
        visibility=person.visibility[:, 0],
        presence=person.presence[:, 0],
        meta=meta,
    )
    return Extraction(sequence, tracks, report, video, tuple(warnings))


def landmarker_params(
    model: ModelInfo, max_people: int, n_chunks: int, every_slot: bool = False
) -> dict[str, Any]:
    """The landmarker's settings as recorded in the provenance."""
    params: dict[str, Any] = {"model": model.name, "max_people": max_people, "chunks": n_chunks}
    if every_slot and max_people > 1:
        params["every_slot"] = True
    elif max_people > 1:
        plan = CensusPlan()
        params.update(census_frames=plan.census_frames, follow_s=plan.follow_s)
    return params


def check_frames(frames: list[tuple[int, float, FrameDetections]], video: VideoInfo) -> list[str]:
    """Return warnings about missing or duplicated frames (truncated or badly indexed videos)."""
    if not frames:
        raise InputError(f"{video.path}: no decodable frames (corrupt or truncated video?)")
    warnings = []
    indices = np.array([f[0] for f in frames])
    if (np.diff(indices) != 1).any():
        raise InputError(
            f"{video.path}: frames arrived out of order or twice; the video index is unreliable"
        )
    if video.frame_count is not None and len(frames) < video.frame_count - 1:
        warnings.append(
            f"{video.path}: decoding stopped at frame {len(frames)} of {video.frame_count} "
            "(truncated or damaged video); analysed what was readable"
        )
    return warnings


def make_timestamps(t: np.ndarray, fps: float | None) -> np.ndarray:
    """Container timestamps, made strictly increasing (repairs zero or repeated stamps)."""
    step = 1.0 / (fps or 30.0)
    if len(t) > 1 and (np.diff(t) > 0).all():
        return t.astype(np.float64)
    # Some containers report 0 for every frame or repeat stamps; fall back on the nominal rate.
    fixed = t.astype(np.float64).copy()
    fixed = np.maximum.accumulate(fixed)
    repeated = np.concatenate([[False], np.diff(fixed) <= 0])
    if repeated.mean() > 0.5:
        return fixed[0] + np.arange(len(t)) * step
    return np.asarray(fixed + np.cumsum(repeated) * 1e-3)
