"""A demo session folder made by the real pipeline, for the report, export and history tests.

:func:`write_demo_session` films synthetic skeletons (:mod:`hipsight.samples.synthetic`), runs
each recording through the real analysis (:func:`hipsight.analysis.analyse_sequence`: angles,
the test's protocol, grading against the norms) and writes the folder with the real
:class:`~hipsight.session.writer.SessionWriter`. Every metric, segment, finding and reason in it
comes from the protocols; nothing is hand-written. The three tests:

- **squat**, filmed from the person's left: three squats with the thigh
  ``squat_thigh_vs_horizontal_deg`` above the horizontal at the bottom. Angles CSV, landmarks
  and, with ``with_video``, a stick-figure video. From the side the protocol measures depth and
  trunk; it reports the front-view metrics (knee FPPA, hip shift) as not measurable.
- **hip_rotation**, seated, filmed from the front: each leg in turn rotates internally (the foot
  turns outward) to ``internal_rotation_deg``, holds and comes back; no external-rotation
  trial, which the protocol reports as not measurable. Landmarks only: the report and exports
  recompute the angles.
- **thomas**, filmed from the front although the test needs a side view: the protocol refuses
  the view. Recorded as stopped before it was complete, with no files.

The recipes follow the protocol tests (tests/protocols/test_squat.py, test_hip_rotation.py,
test_thomas.py), which check that the protocols measure such motions correctly.
"""

# Lazy imports on purpose: OpenCV is imported only when a demo video is written.

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hipsight.analysis import Analysis, AnalysisOptions, analyse_sequence
from hipsight.pose import landmarks as lm
from hipsight.pose.landmarks import SKELETON_EDGES
from hipsight.pose.sequence import PoseSequence
from hipsight.results import SessionResults, SideName, TestResult
from hipsight.samples.synthetic import (
    BodyDimensions,
    Camera,
    Pose,
    front_camera,
    make_sequence,
    side_camera,
    smooth_ramp,
    time_axis,
)
from hipsight.session.writer import SessionWriter

FloatArray = NDArray[np.float64]
IMAGE_SIZE = (960, 540)
FOCAL_PX = 620.0
FPS = 30.0
JITTER_PX = 0.5
FEET = [lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX]
META = {"demo": True, "note": "synthetic skeletons, not a real person"}

__all__ = ["CopyDemo", "DemoOptions", "analyse_demo", "measured_value", "write_demo_session"]


@dataclass(frozen=True)
class DemoOptions:
    """What the demo person does; change the numbers to make a second, different session."""

    person: str | None = "Alex Example"
    created: str = "2024-05-01T10:00:00+00:00"
    session_id: str = "demo-0001"
    squat_thigh_vs_horizontal_deg: float = 15.0  # squat depth: + = thigh above horizontal
    internal_rotation_deg: tuple[float, float] = (36.0, 15.0)  # left, right
    with_video: bool = False
    seed: int = 0


class CopyDemo(Protocol):
    """The ``copy_demo_session`` fixture (tests/conftest.py): a demo session copied into
    ``out_dir``; returns its ``results.json``, like :func:`write_demo_session`."""

    def __call__(self, out_dir: str | Path, options: DemoOptions | None = None) -> Path: ...


def write_demo_session(out_dir: str | Path, options: DemoOptions | None = None) -> Path:
    """Write a demo session into ``out_dir``; return the path of its ``results.json``."""
    options = options or DemoOptions()
    writer = SessionWriter(
        out_dir,
        kind="analyze",
        person=options.person,
        session_id=options.session_id,
        created=options.created,
    )
    writer.out_dir.mkdir(parents=True, exist_ok=True)

    squat = analyse_demo("squat", squat_sequence(options), "squat.mp4")
    files = writer.write_test_files("squat", squat.sequence, squat.angles)
    if options.with_video:
        files["video"] = write_stick_video(writer.out_dir / "squat.mp4", squat.sequence)
    writer.add_test(_result(squat), files, source=squat.sequence.meta.source)

    rotation = analyse_demo("hip_rotation", rotation_sequence(options), "hip_rotation.mp4")
    landmarks = rotation.sequence.save_npz(writer.out_dir / "hip_rotation_landmarks.npz")
    writer.add_test(
        _result(rotation), {"landmarks": landmarks}, source=rotation.sequence.meta.source
    )

    thomas = analyse_demo("thomas", thomas_front_sequence(options), "thomas.mp4")
    writer.add_test(_result(thomas), {}, source=thomas.sequence.meta.source, complete=False)
    return writer.save(meta=META)


def analyse_demo(test: str, seq: PoseSequence, source: str) -> Analysis:
    """The real analysis of one synthetic recording (no calibration, no stored baseline)."""
    seq = seq.with_meta(source=source)
    return analyse_sequence(seq, AnalysisOptions(test=test, progress=False, calibration="none"))


def _result(analysis: Analysis) -> TestResult:
    if analysis.result is None:
        raise AssertionError("analyse_sequence with a test returns its result")
    return analysis.result


def measured_value(
    results: SessionResults, test: str, metric: str, side: SideName | None = None
) -> float:
    """The value a demo test's protocol measured (AssertionError when it was not measured)."""
    record = next(r for r in results.tests if r.result.test == test)
    value = record.result.metric(metric, side)
    if value.status != "ok" or value.value is None:
        raise AssertionError(f"{test} {metric} {side or ''} was not measured: {value.reason}")
    return value.value


def film(pose: Pose, camera: Camera, seed: int) -> PoseSequence:
    return make_sequence(pose, camera, fps=FPS, jitter_px=JITTER_PX, seed=seed).sequence


# ============================================================================ squat


def squat_profile(t: FloatArray, n_reps: int = 3) -> FloatArray:
    """0 standing .. 1 bottom: 1.2 s down, 0.4 s at the bottom, 1.0 s up, 0.6 s standing."""
    profile = np.zeros_like(t)
    for k in range(n_reps):
        start = 1.0 + 3.2 * k
        profile += smooth_ramp(t, 0, 1, start, start + 1.2) - smooth_ramp(
            t, 0, 1, start + 1.6, start + 2.6
        )
    return profile


def squat_pose(
    t: FloatArray, thigh_vs_horizontal: float, shank: float = 35.0, trunk: float = 40.0
) -> Pose:
    """Three squats with the feet flat and fixed on the floor: at the bottom the thigh is
    ``thigh_vs_horizontal`` above the horizontal, the shank leans ``shank`` forward and the trunk
    ``trunk``; the arms reach forward. The pelvis is placed from the ankle up the leg."""
    dims = BodyDimensions()
    d = squat_profile(t)
    thigh_deg = (90.0 - thigh_vs_horizontal) * d  # thigh inclination from vertical
    shank_deg = shank * d
    knee_deg = thigh_deg + shank_deg
    ankle = np.array([0.0, dims.ankle_height_m])
    knee_xy = ankle + dims.shank_m * np.stack(
        [np.sin(np.radians(shank_deg)), np.cos(np.radians(shank_deg))], axis=1
    )
    hip_xy = knee_xy - dims.thigh_m * np.stack(
        [np.sin(np.radians(thigh_deg)), -np.cos(np.radians(thigh_deg))], axis=1
    )
    return Pose(
        pelvis_xyz=np.stack([hip_xy[:, 0], hip_xy[:, 1], np.zeros_like(t)], axis=1),
        trunk_flexion_deg=trunk * d,
        left_hip_flexion_deg=thigh_deg,
        right_hip_flexion_deg=thigh_deg,
        left_knee_flexion_deg=knee_deg,
        right_knee_flexion_deg=knee_deg,
        left_ankle_dorsiflexion_deg=shank_deg,
        right_ankle_dorsiflexion_deg=shank_deg,
        left_shoulder_flexion_deg=80.0 * d,
        right_shoulder_flexion_deg=80.0 * d,
    )


def squat_sequence(options: DemoOptions) -> PoseSequence:
    """11 s from the person's left side (330 frames): stand, three squats, stand."""
    t = time_axis(1.0 + 3.2 * 3 + 0.4, FPS)
    camera = side_camera("left", target=(0.0, 0.6, 0.0), image_size=IMAGE_SIZE, focal_px=FOCAL_PX)
    return film(squat_pose(t, options.squat_thigh_vs_horizontal_deg), camera, options.seed)


# ============================================================================ seated hip rotation


def rotation_pose(t: FloatArray, internal: tuple[float, float]) -> Pose:
    """Seated, hips and knees at 90°; the left hip rotates internally (1.0-4.6 s: 0.8 s in, 2 s
    hold, 0.8 s back), then the right (5.0-8.6 s). No external rotation."""

    def trial(start: float, degrees: float) -> FloatArray:
        return smooth_ramp(t, 0.0, degrees, start, start + 0.8) - smooth_ramp(
            t, 0.0, degrees, start + 2.8, start + 3.6
        )

    return Pose(
        pelvis_xyz=(0.0, 0.5, 0.0),
        left_hip_flexion_deg=90.0,
        right_hip_flexion_deg=90.0,
        left_knee_flexion_deg=90.0,
        right_knee_flexion_deg=90.0,
        left_hip_internal_rotation_deg=trial(1.0, internal[0]),
        right_hip_internal_rotation_deg=trial(5.0, internal[1]),
    )


def rotation_sequence(options: DemoOptions) -> PoseSequence:
    """9 s from the front (270 frames)."""
    t = time_axis(9.0, FPS)
    camera = front_camera(target=(0.0, 0.6, 0.0), image_size=IMAGE_SIZE, focal_px=FOCAL_PX)
    return film(rotation_pose(t, options.internal_rotation_deg), camera, options.seed + 1)


# ============================================================================ Thomas, wrong view


def thomas_pose(t: FloatArray) -> Pose:
    """Sit at a bed edge, lie back hugging the right knee, let the left leg hang (thigh 10°
    above the horizontal, knee at 80°), hold."""
    return Pose(
        pelvis_xyz=(0.0, 0.65, 0.0),
        body_pitch_deg=smooth_ramp(t, 0.0, 90.0, 0.5, 2.0),
        left_hip_flexion_deg=smooth_ramp(t, 90.0, 10.0, 0.5, 2.5),
        left_knee_flexion_deg=smooth_ramp(t, 90.0, 80.0, 0.5, 2.5),
        right_hip_flexion_deg=smooth_ramp(t, 90.0, 120.0, 0.5, 2.0),
        right_knee_flexion_deg=130.0,
    )


def thomas_front_sequence(options: DemoOptions) -> PoseSequence:
    """9 s filmed from the foot of the bed (a front view; the test needs a side view)."""
    t = time_axis(9.0, FPS)
    camera = front_camera(distance_m=4.0, image_size=IMAGE_SIZE, focal_px=FOCAL_PX)
    return film(thomas_pose(t), camera, options.seed + 2)


# ============================================================================ video


def write_stick_video(path: Path, seq: PoseSequence) -> Path:
    """An mp4 of the stick figure on grey, frame for frame with the landmarks (needs OpenCV)."""
    import cv2

    width, height = seq.meta.frame_size
    floor = int(np.nanmax(seq.image_xy[:, FEET, 1])) + 6
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write mp4v video to {path}")
    try:
        for xy in seq.image_xy:
            frame = np.full((height, width, 3), 205, dtype=np.uint8)
            cv2.rectangle(frame, (0, floor), (width, height), (150, 160, 170), -1)
            for a, b in SKELETON_EDGES:
                if np.isfinite(xy[[a, b]]).all():
                    pa = (int(xy[a, 0]), int(xy[a, 1]))
                    pb = (int(xy[b, 0]), int(xy[b, 1]))
                    cv2.line(frame, pa, pb, (60, 60, 60), 9, cv2.LINE_AA)
            writer.write(frame)
    finally:
        writer.release()
    return path
