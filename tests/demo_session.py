"""A synthetic session folder for trying the report, history and exports without a camera.

:func:`write_demo_session` films synthetic skeletons (:mod:`hipsight.samples.synthetic`) doing a
squat and a seated hip-rotation test, writes their landmarks (and, for the squat, the angles CSV
and optionally a stick-figure video), adds a test that could not be measured, and saves a
``results.json`` whose metrics match the motion. Tests and docs use it; nothing here runs on import.
"""

# Lazy imports on purpose: OpenCV is imported only when a demo video is written.

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hipsight.export.angles_csv import write_angles_csv
from hipsight.findings.engine import evaluate
from hipsight.kinematics.angles import compute_angles
from hipsight.pose.sequence import PoseSequence
from hipsight.report.plots import BONES
from hipsight.samples.synthetic import (
    BodyDimensions,
    Pose,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    smooth_ramp,
    time_axis,
)
from hipsight.session.types import (
    MetricValue,
    Segment,
    SessionResults,
    SideName,
    TestRecord,
    TestResult,
)
from hipsight.session.writer import save_session

FloatArray = NDArray[np.float64]
IMAGE_SIZE = (960, 540)
FOCAL_PX = 620.0
FPS = 30.0

__all__ = ["CopyDemo", "DemoOptions", "write_demo_session"]


@dataclass(frozen=True)
class DemoOptions:
    """What the demo person does; change the numbers to make a second, different session."""

    person: str | None = "Alex Example"
    created: str = "2024-05-01T10:00:00+00:00"
    session_id: str = "demo-0001"
    squat_hip_peak_deg: float = 80.0
    internal_rotation_deg: tuple[float, float] = (36.0, 24.0)  # left, right
    with_video: bool = False
    seed: int = 0


class CopyDemo(Protocol):
    """The ``copy_demo_session`` fixture (tests/conftest.py): a demo session copied into
    ``out_dir``; returns its ``results.json``, like :func:`write_demo_session`."""

    def __call__(self, out_dir: str | Path, options: DemoOptions | None = None) -> Path: ...


def write_demo_session(out_dir: str | Path, options: DemoOptions | None = None) -> Path:
    """Write a demo session into ``out_dir``; return the path of its ``results.json``."""
    options = options or DemoOptions()
    out = Path(out_dir)
    squat = squat_record(out, options)
    rotation = rotation_record(out, options)
    thomas = TestRecord(
        result=TestResult(
            test="thomas",
            title="Modified Thomas test",
            view_required="side",
            view_detected="front",
            status="not_measurable",
            reasons=("the camera saw the person from the front; this test needs a side view",),
            metrics=(
                MetricValue.not_measurable(
                    "thigh_above_horizontal", "left", "deg", "wrong camera view (front)"
                ),
                MetricValue.not_measurable(
                    "thigh_above_horizontal", "right", "deg", "wrong camera view (front)"
                ),
            ),
        ),
        source="thomas.mp4",
        complete=False,
    )
    session = SessionResults(
        tests=(squat, rotation, thomas),
        session_id=options.session_id,
        created=options.created,
        person=options.person,
        kind="analyze",
        meta={"demo": True, "note": "synthetic skeletons, not a real person"},
    )
    return save_session(session, out / "results.json")


# ============================================================================ squat


def squat_pose(t: FloatArray, hip_peak: float) -> Pose:
    """Three squats in 7.5 s with the pelvis lowered so the feet stay on the floor."""
    hip = sinusoid(t, 5.0, hip_peak, 2.5)
    knee = sinusoid(t, 5.0, hip_peak + 25.0, 2.5)
    trunk = sinusoid(t, 2.0, 0.35 * hip_peak, 2.5)
    ankle = sinusoid(t, 0.0, 18.0, 2.5)
    dims = BodyDimensions()
    shank_incl = np.radians(knee - hip)
    thigh_incl = np.radians(hip)
    height = (
        dims.ankle_height_m + dims.shank_m * np.cos(shank_incl) + dims.thigh_m * np.cos(thigh_incl)
    )
    forward = dims.shank_m * np.sin(shank_incl) - dims.thigh_m * np.sin(thigh_incl)
    pelvis = np.stack([forward, height, np.zeros_like(t)], axis=1)
    return Pose(
        pelvis_xyz=pelvis,
        left_hip_flexion_deg=hip,
        right_hip_flexion_deg=hip,
        left_knee_flexion_deg=knee,
        right_knee_flexion_deg=knee,
        left_ankle_dorsiflexion_deg=ankle,
        right_ankle_dorsiflexion_deg=ankle,
        trunk_flexion_deg=trunk,
        left_shoulder_flexion_deg=sinusoid(t, 10.0, 80.0, 2.5),
        right_shoulder_flexion_deg=sinusoid(t, 10.0, 80.0, 2.5),
    )


def squat_record(out: Path, options: DemoOptions) -> TestRecord:
    t = time_axis(7.5, FPS)
    pose = squat_pose(t, options.squat_hip_peak_deg)
    camera = side_camera("left", image_size=IMAGE_SIZE, focal_px=FOCAL_PX)
    seq = make_sequence(pose, camera, fps=FPS, jitter_px=0.6, seed=options.seed).sequence
    table = compute_angles(seq)
    files = {"csv": "squat_angles.csv", "landmarks": "squat_landmarks.npz"}
    write_angles_csv(out / files["csv"], seq, table)
    seq.save_npz(out / files["landmarks"])
    if options.with_video:
        files["video"] = "squat.mp4"
        write_stick_video(out / files["video"], seq)
    reps = [(0, 75), (75, 150), (150, 225)]
    segments = tuple(
        Segment(
            "rep",
            i,
            a,
            b,
            float(t[a]),
            float(t[b - 1]),
            None,
            {
                name: _peak(table.column(f"left_{name}")[a:b])
                for name in ("hip_flexion", "knee_flexion")
            },
        )
        for i, (a, b) in enumerate(reps)
    )
    above = options.squat_hip_peak_deg
    metrics = (
        MetricValue.measured(
            "thigh_vs_horizontal", "left", 90.0 - above + 0.3, "deg", 0.91, 210, "squat_depth"
        ),
        MetricValue.measured(
            "thigh_vs_horizontal", "right", 90.0 - above - 0.4, "deg", 0.88, 210, "squat_depth"
        ),
        MetricValue.measured(
            "trunk_shank_difference", None, 8.2, "deg", 0.9, 210, "squat_trunk_shank"
        ),
        MetricValue.not_measurable(
            "knee_fppa",
            "left",
            "deg",
            "needs a front view; this recording is from the side",
            "squat_fppa",
        ),
        MetricValue.not_measurable(
            "knee_fppa",
            "right",
            "deg",
            "needs a front view; this recording is from the side",
            "squat_fppa",
        ),
    )
    return TestRecord(
        result=TestResult(
            test="squat",
            title="Bodyweight squat",
            view_required="side",
            view_detected="side",
            status="partial",
            reasons=("knee valgus (FPPA) needs a front view",),
            metrics=metrics,
            segments=segments,
            findings=evaluate("squat", metrics),
            notes=("3 reps found",),
            key_angles=(
                "left_hip_flexion",
                "right_hip_flexion",
                "left_knee_flexion",
                "right_knee_flexion",
            ),
        ),
        source="squat.mp4",
        files=files,
    )


def _peak(values: FloatArray) -> float | None:
    finite = values[np.isfinite(values)]
    return round(float(finite.max()), 1) if finite.size else None


# ============================================================================ seated hip rotation


def rotation_pose(t: FloatArray, ir: tuple[float, float]) -> Pose:
    """Seated, hips and knees at 90°; the left leg rotates in (1-4 s), then the right (5-8 s)."""
    left = smooth_ramp(t, 0.0, ir[0], 0.8, 1.6) - smooth_ramp(t, 0.0, ir[0], 3.0, 3.8)
    right = smooth_ramp(t, 0.0, ir[1], 4.8, 5.6) - smooth_ramp(t, 0.0, ir[1], 7.0, 7.8)
    return Pose(
        pelvis_xyz=(0.0, 0.5, 0.0),
        left_hip_flexion_deg=90.0,
        right_hip_flexion_deg=90.0,
        left_knee_flexion_deg=90.0,
        right_knee_flexion_deg=90.0,
        left_hip_internal_rotation_deg=left,
        right_hip_internal_rotation_deg=right,
    )


def rotation_record(out: Path, options: DemoOptions) -> TestRecord:
    t = time_axis(8.4, FPS)
    ir = options.internal_rotation_deg
    camera = front_camera(image_size=IMAGE_SIZE, focal_px=FOCAL_PX, target=(0.0, 0.6, 0.0))
    seq = make_sequence(
        rotation_pose(t, ir), camera, fps=FPS, jitter_px=0.6, seed=options.seed + 1
    ).sequence
    files = {"landmarks": "hip_rotation_landmarks.npz"}
    seq.save_npz(out / files["landmarks"])
    holds: list[tuple[SideName, int, int, float]] = [
        ("left", 48, 90, ir[0]),
        ("right", 168, 210, ir[1]),
    ]
    segments = tuple(
        Segment(
            "hold",
            i,
            a,
            b,
            float(t[a]),
            float(t[b - 1]),
            side,
            {"shank_frontal_inclination": value},
        )
        for i, (side, a, b, value) in enumerate(holds)
    )
    metrics = (
        MetricValue.measured(
            "internal_rotation", "left", ir[0], "deg", 0.86, 42, "hip_rotation_internal"
        ),
        MetricValue.measured(
            "internal_rotation", "right", ir[1], "deg", 0.84, 42, "hip_rotation_internal"
        ),
        MetricValue.not_measurable(
            "external_rotation",
            "left",
            "deg",
            "the external-rotation trial was not recorded",
            "hip_rotation_external",
        ),
        MetricValue.not_measurable(
            "external_rotation",
            "right",
            "deg",
            "the external-rotation trial was not recorded",
            "hip_rotation_external",
        ),
    )
    return TestRecord(
        result=TestResult(
            test="hip_rotation",
            title="Seated hip rotation",
            view_required="front",
            view_detected="front",
            status="partial",
            reasons=(),
            metrics=metrics,
            segments=segments,
            findings=evaluate("hip_rotation", metrics),
            key_angles=("left_shank_frontal_inclination", "right_shank_frontal_inclination"),
        ),
        source="hip_rotation.mp4",
        files=files,
    )


# ============================================================================ video


def write_stick_video(path: Path, seq: PoseSequence) -> Path:
    """An mp4 of the stick figure on grey, frame for frame with the landmarks (needs OpenCV)."""
    import cv2

    width, height = seq.meta.frame_size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write mp4v video to {path}")
    try:
        for xy in seq.image_xy:
            frame = np.full((height, width, 3), 205, dtype=np.uint8)
            cv2.rectangle(frame, (0, int(height * 0.9)), (width, height), (150, 160, 170), -1)
            for a, b, _ in BONES:
                if np.isfinite(xy[[a, b]]).all():
                    pa = (int(xy[a, 0]), int(xy[a, 1]))
                    pb = (int(xy[b, 0]), int(xy[b, 1]))
                    cv2.line(frame, pa, pb, (60, 60, 60), 9, cv2.LINE_AA)
            writer.write(frame)
    finally:
        writer.release()
    return path
