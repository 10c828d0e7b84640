"""Helpers for the live tests: scripted sessions, synthetic people filmed frame by frame.

A :class:`Script` strings together segments (a pose over some seconds, filmed by a camera, or
nobody in view) into one timeline at 30 fps, 640x480; it gives the scripted frame source and
the scripted pose backend the live pipeline takes instead of a webcam and MediaPipe. Small fake
protocols (registered for the test through a monkeypatched registry) measure something simple
with the real protocol helpers, so the tests do not depend on protocol modules in progress.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from hipsight.io.scripted import ScriptedSource
from hipsight.live.backends import ScriptedPoseBackend, detections_from_sequences
from hipsight.live.runner import AssessConfig, AssessOutcome, run_assess
from hipsight.live.session import SessionTiming
from hipsight.live.speech import SilentSpeaker
from hipsight.pose.landmarks import N_LANDMARKS
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.protocols import registry
from hipsight.protocols.base import Gates, MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import assemble_result, gated_metric
from hipsight.protocols.gates import check_view
from hipsight.protocols.segmentation import find_reps
from hipsight.results import MetricValue, TestResult
from hipsight.samples.synthetic import Camera, Pose, front_camera, make_sequence, side_camera

FPS = 30.0
FRAME = (640, 480)
FOCAL = 560.0  # a 1.75 m person 3 m away fills about 70% of the 480 px height

QUICK = SessionTiming(
    instruct_s=0.5,
    instruct_per_word_s=0.0,
    ready_hold_s=0.5,
    countdown_s=1.0,
    result_s=0.5,
    done_s=0.0,
)


def side_cam(**kwargs: object) -> Camera:
    return side_camera(image_size=FRAME, focal_px=FOCAL, **kwargs)  # type: ignore[arg-type]


def front_cam(**kwargs: object) -> Camera:
    return front_camera(image_size=FRAME, focal_px=FOCAL, **kwargs)  # type: ignore[arg-type]


def feet_cut_cam() -> Camera:
    """Side view so close and high that the feet are below the frame."""
    return side_camera(image_size=FRAME, focal_px=900.0, target=(0.0, 1.2, 0.0))


PoseFn = Callable[[np.ndarray], Pose]


def still(**fields: float) -> PoseFn:
    return lambda t: Pose(**fields)  # type: ignore[arg-type]


def squats(period_s: float = 2.0, depth_deg: float = 100.0) -> PoseFn:
    """Knee flexion 0 -> depth -> 0 every period (hips and ankles follow)."""

    def make(t: np.ndarray) -> Pose:
        phase = (1 - np.cos(2 * np.pi * (t - t[0]) / period_s)) / 2
        knee = depth_deg * phase
        return Pose(
            left_knee_flexion_deg=knee,
            right_knee_flexion_deg=knee,
            left_hip_flexion_deg=0.9 * knee,
            right_hip_flexion_deg=0.9 * knee,
            left_ankle_dorsiflexion_deg=0.3 * knee,
            right_ankle_dorsiflexion_deg=0.3 * knee,
            pelvis_xyz=np.stack([np.zeros_like(t), 0.95 - 0.004 * knee, np.zeros_like(t)], axis=1),
        )

    return make


@dataclass
class Script:
    """A timeline of filmed segments; frame i has time i / FPS."""

    segments: list[tuple[float, PoseFn | None, Camera | None]] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)

    def add(self, seconds: float, pose: PoseFn, camera: Camera) -> Script:
        self.segments.append((seconds, pose, camera))
        return self

    def nobody(self, seconds: float) -> Script:
        self.segments.append((seconds, None, None))
        return self

    def press(self, at_s: float, key: str) -> Script:
        self.keys[round(at_s * FPS)] = key
        return self

    @property
    def n_frames(self) -> int:
        return sum(round(s * FPS) for s, _, _ in self.segments)

    def sequence(self) -> PoseSequence:
        """The whole timeline as one PoseSequence (NaN where nobody is in view)."""
        parts = []
        start = 0
        for seconds, pose_fn, camera in self.segments:
            n = round(seconds * FPS)
            t = (start + np.arange(n)) / FPS
            if pose_fn is None or camera is None:
                parts.append(_empty(n))
            else:
                seq = make_sequence(pose_fn(t), camera, t=t).sequence
                parts.append((seq.image_xy, seq.world_xyz, seq.visibility, seq.presence))
            start += n
        xy, world, vis, pres = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
        return PoseSequence.from_arrays(
            np.arange(start) / FPS,
            xy,
            SequenceMeta(frame_size=FRAME, source="script"),
            world_xyz=world,
            visibility=vis,
            presence=pres,
        )

    def source(self, lose_at_s: float | None = None, realtime: bool = False) -> ScriptedSource:
        lose_at = None if lose_at_s is None else round(lose_at_s * FPS)
        times = np.arange(self.n_frames) / FPS
        return ScriptedSource(times, FRAME, realtime=realtime, lose_at=lose_at, keys=self.keys)

    def backend(self, delay_s: float = 0.0, workers: int = 1) -> ScriptedPoseBackend:
        return ScriptedPoseBackend(detections_from_sequences(self.sequence()), delay_s, workers)


def _empty(n: int) -> tuple[np.ndarray, ...]:
    return (
        np.full((n, N_LANDMARKS, 2), np.nan),
        np.full((n, N_LANDMARKS, 3), np.nan),
        np.full((n, N_LANDMARKS), np.nan),
        np.full((n, N_LANDMARKS), np.nan),
    )


# ---------------------------------------------------------------------------- fake protocols
REP_EXCURSION_DEG = 40.0  # a fake protocol's rep: its key angle rises this much and comes back


def peak_measure(protocol_id: str, angle: str, view: str) -> Callable[..., TestResult]:
    """A measure function: the peak of one angle over the valid in-view frames, and (when the
    protocol has a reps goal) the completed reps of that angle as its ``reps`` count."""

    def measure(seq: PoseSequence, table, context: MeasureContext) -> TestResult:  # type: ignore[no-untyped-def]
        protocol = registry.get_protocol(protocol_id)
        check = check_view(seq, view, protocol.gates)  # type: ignore[arg-type]
        side = context.side if context.side in ("left", "right") else None
        name = angle.replace("left_", f"{side}_") if side else angle

        def peak(valid: np.ndarray) -> float:
            return float(np.nanmax(table.column(name)[valid]))

        value = gated_metric(protocol, "peak", side, table, (name,), seq.detected, peak, check)
        if not protocol.reps:
            return assemble_result(protocol, check, [value])
        reps = find_reps(
            np.where(table.validity(name), table.column(name), np.nan), seq.t, REP_EXCURSION_DEG
        )
        done = sum(1 for rep in reps if rep.stop < seq.n_frames)
        count = MetricValue.measured("reps", side, done, "count", 1.0, seq.n_frames)
        return assemble_result(protocol, check, [value, count])

    return measure


def fake_protocol(
    protocol_id: str,
    *,
    view: str = "side",
    reps: int | None = None,
    hold_s: float | None = None,
    duration_s: float | None = None,
    per_side: bool = False,
    key_angle: str = "left_knee_flexion",
    key_band: tuple[float, float] = (80.0, 120.0),
    order: int = 50,
    views: tuple[str, ...] = (),
) -> Protocol:
    return Protocol(
        id=protocol_id,
        title=protocol_id.replace("_", " ").capitalize(),
        instructions=f"Do the {protocol_id.replace('_', ' ')}.",
        position="standing",
        view=view,  # type: ignore[arg-type]
        angles=(key_angle,),
        key_angle=key_angle,
        key_band=key_band,
        metrics=(
            MetricSpec("peak", "Peak", "deg", per_side=per_side),
            *((MetricSpec("reps", "Reps", "count", per_side=per_side),) if reps else ()),
        ),
        segmentation="whole recording",
        measure=peak_measure(protocol_id, key_angle, view),
        reps=reps,
        hold_s=hold_s,
        duration_s=duration_s,
        per_side=per_side,
        gates=Gates(min_valid_frames=5, min_valid_fraction=0.3),
        order=order,
        views=views,  # type: ignore[arg-type]
    )


def install_protocols(monkeypatch: pytest.MonkeyPatch, *protocols: Protocol) -> None:
    """Register fake protocols (next to the real ones) for the duration of a test."""
    real = registry.all_protocols()
    combined = tuple(sorted((*real, *protocols), key=lambda p: (p.order, p.id)))
    monkeypatch.setattr(registry, "all_protocols", lambda: combined)


def run_script(
    script: Script,
    protocols: Sequence[Protocol],
    out_dir: Path,
    *,
    lose_at_s: float | None = None,
    timing: SessionTiming = QUICK,
    speaker: SilentSpeaker | None = None,
    tap: Callable[..., None] | None = None,
    save_video: bool = False,
    calibration: str | None = None,
) -> AssessOutcome:
    """A whole headless session on a script."""
    config = AssessConfig(
        camera="scripted", display="none", voice=False, out_dir=out_dir, person="Test Person",
        timing=timing, save_video=save_video, calibration=calibration,
    )  # fmt: skip
    return run_assess(
        config,
        source=script.source(lose_at_s=lose_at_s),
        backend=script.backend(),
        protocols=protocols,
        speaker=speaker or SilentSpeaker(),
        tap=tap,
        notify=lambda message: None,
    )


def states_of(outcome: AssessOutcome, step: str) -> list[str]:
    """The states one step went through, in order."""
    return [t.target for t in outcome.transitions if t.step == step and t.source != t.target]
