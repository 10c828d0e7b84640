"""Every 2D metric through its real protocol and view gate, swept over the camera angle.

For each metric of the error model (``validation/view_tolerance.py``, ``MODELS``), a short
synthetic clip of the motion its protocol expects is filmed with the camera 0..80° off the
metric's view (5° steps) at pitch 0 and ±20°, clean and with 3 px landmark noise, and run through
the protocol exactly as the pipeline does (:func:`compute_angles`, ``Protocol.measure``: the
per-metric view gate included). The truth is the same protocol on the exact angles of the same
pose. Checked per metric:

1. every value reported is within the metric's stated error of the truth;
2. wherever the true camera angle is beyond the metric's geometric tolerance plus the gate's
   typical margin on synthetic clips (``TYPICAL_MARGIN_DEG``), nothing is reported and the
   reason names the camera angle;
3. metrics whose tolerance is below that margin (seated external rotation, posture obliquity and
   shoulder tilt, bridge hold sag) are never reported from one camera; every other metric is
   reported somewhere near its view (the sweep is not vacuous).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest

from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.camera_angle import body_camera_angle
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import get_protocol
from hipsight.results import MetricValue, TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    make_sequence,
    smooth_ramp,
    time_axis,
)

VALIDATION = Path(__file__).resolve().parents[2] / "validation"
if str(VALIDATION) not in sys.path:
    sys.path.insert(0, str(VALIDATION))

import view_tolerance as vt  # noqa: E402

YAWS = tuple(range(0, 81, 5))
PITCHES = (-20.0, 0.0, 20.0)
NOISES = (0.0, 3.0)
CAMERA_REASON = re.compile(r"camera (is )?about \d+° off the (side|front) view")


# ------------------------------------------------------------------------------ clips
def thomas(t: np.ndarray) -> Pose:
    """Lie back hugging the right knee; the left leg hangs still, thigh 10° above horizontal."""
    return Pose(
        pelvis_xyz=(0.0, 0.65, 0.0),
        body_pitch_deg=smooth_ramp(t, 0.0, 90.0, 0.5, 2.0),
        left_hip_flexion_deg=smooth_ramp(t, 90.0, 10.0, 0.5, 2.5),
        left_knee_flexion_deg=smooth_ramp(t, 90.0, 70.0, 0.5, 2.5),
        right_hip_flexion_deg=smooth_ramp(t, 90.0, 120.0, 0.5, 2.0),
        right_knee_flexion_deg=130.0,
    )


def rotation(t: np.ndarray) -> Pose:
    """Seated; the left hip rotates in to 35° and holds, then out to 40° and holds."""
    inward = smooth_ramp(t, 0, 35.0, 0.5, 1.3) - smooth_ramp(t, 0, 35.0, 3.3, 4.1)
    outward = smooth_ramp(t, 0, 40.0, 4.9, 5.7) - smooth_ramp(t, 0, 40.0, 7.7, 8.5)
    return motions.seated_hip_rotation(t, internal_deg=0.0, external_deg=0.0).replace(
        left_hip_internal_rotation_deg=inward - outward
    )


def standing_front(t: np.ndarray) -> Pose:
    """Standing still, pelvis 3° higher on the left, trunk leaning 2° to the left."""
    return Pose(
        pelvic_obliquity_deg=3.0,
        trunk_lateral_lean_deg=2.0,
        left_hip_abduction_deg=-3.0,
        right_hip_abduction_deg=3.0,
    )


def standing_side(t: np.ndarray) -> Pose:
    """Standing still, pelvis and trunk tipped 6° forward over upright thighs."""
    return Pose(body_pitch_deg=-6.0, left_hip_flexion_deg=6.0, right_hip_flexion_deg=6.0)


@dataclass(frozen=True)
class Clip:
    test: str
    view: vt.View
    pose: Callable[[np.ndarray], Pose]
    seconds: float
    lying: bool = False


CLIPS: dict[str, Clip] = {
    "squat_side": Clip("squat", "side", vt.MOTIONS["squat"], 6.0),
    "squat_front": Clip("squat", "front", vt.MOTIONS["squat"], 6.0),
    "mini_squat_front": Clip(
        "squat",
        "front",
        lambda t: motions.squat(
            t, hip_flexion_deg=50.0, knee_flexion_deg=45.0, trunk_flexion_deg=10.0, valgus_deg=8.0
        ),
        6.0,
    ),
    "walk": Clip("gait", "side", vt.MOTIONS["walk"], 4.0),
    "hip_extension": Clip("hip_extension", "side", vt.MOTIONS["hip_extension"], 4.0),
    "bridge": Clip("bridge", "side", vt.MOTIONS["bridge"], 3.0, lying=True),
    "bridge_hold": Clip("bridge", "side", vt.MOTIONS["bridge_hold"], 3.0, lying=True),
    "thomas": Clip("thomas", "side", thomas, 6.0, lying=True),
    "standing_front": Clip("posture", "front", standing_front, 5.0),
    "standing_side": Clip("posture", "side", standing_side, 5.0),
    "single_leg_stance": Clip("single_leg_stance", "front", vt.MOTIONS["single_leg_stance"], 3.0),
    "hip_rotation": Clip("hip_rotation", "front", rotation, 9.0),
}


@dataclass(frozen=True)
class Run:
    yaw: float
    pitch: float
    noise: float
    true_off_deg: float  # median true camera angle off the clip's view
    result: TestResult


def film(clip: Clip, yaw: float, pitch: float, noise: float) -> SyntheticSequence:
    t = time_axis(clip.seconds, 30.0)
    camera = vt.camera_for(clip.view, yaw, pitch, clip.lying)
    seed = int(2000 + yaw * 10 + pitch + noise * 7)
    return make_sequence(clip.pose(t), camera, jitter_px=noise, seed=seed, t=t)


@cache
def run(name: str, yaw: float, pitch: float, noise: float) -> Run:
    clip = CLIPS[name]
    syn = film(clip, yaw, pitch, noise)
    seq = syn.sequence
    result = get_protocol(clip.test).measure(seq, compute_angles(seq), MeasureContext())
    angle = float(np.median(body_camera_angle(syn.landmarks_lab, syn.camera.position)))
    off = angle if clip.view == "side" else 90.0 - angle
    return Run(yaw, pitch, noise, off, result)


@cache
def truth(name: str) -> TestResult:
    """The protocol on the exact angles of the clip's pose, filmed from its view, ungated."""
    clip = CLIPS[name]
    syn = film(clip, 0.0, 0.0, 0.0)
    table = compute_angles(syn.sequence)
    exact = exact_table(table, syn.truth)
    with mock.patch("hipsight.protocols.common.metric_view_reason", lambda *a, **k: None):
        return get_protocol(clip.test).measure(syn.sequence, exact, MeasureContext())


def exact_table(table: AngleTable, exact: dict[str, Any]) -> AngleTable:
    values = np.stack([np.asarray(exact[n], dtype=np.float64) for n in table.names], axis=1)
    return dataclasses.replace(
        table,
        values=values,
        valid=np.ones_like(table.valid),
        quality=np.ones_like(table.quality),
        interpolated=np.zeros_like(table.interpolated),
    )


TYPICAL_MARGIN_DEG = {"side": 5.0, "front": 16.0}
"""The gate's margin (``kinematics.view.estimate_margin_deg``: 1.3 sigma + the real bias) on these
clips within 15° of the view, median, rounded up: 2-5° side, 14-16° front, where |sin| saturates
and sigma is large. Beyond the tolerance plus this, a metric must be refused."""

NEVER_FROM_ONE_CAMERA = {
    "hip_rotation.external_rotation",  # 4.9° geometric tolerance, under any margin
    "posture.pelvic_obliquity",  # 5.0°
    "posture.shoulder_tilt",  # 4.5°
    "bridge.hold_sag",  # 0°: misses ±2° even side-on
}
NOT_REPORTED_IN_SWEEP = {
    # the per-frame FPPA tolerance at 30-60° knee flexion (16.9°, 8.4°, 4.2°) is below the front
    # margin near frontal (14-16°), so too few of a squat's frames count
    "squat.knee_fppa",
    "squat.knee_fppa_sd",
}


def camera_grid(clip: Clip) -> list[tuple[float, float, float]]:
    """Yaw 0..80° in 5° steps at pitch 0 (clean and 3 px) and at pitch +20° (yaw to one side) and
    -20° (to the other) with 3 px; clean too within 10° of a metric's tolerance boundary."""
    limits = [declared(m).geometric_deg for m in vt.MODELS if clip_fits(clip, m)]
    slack = TYPICAL_MARGIN_DEG[clip.view]
    out = []
    for yaw in map(float, YAWS):
        near = any(limit - 10.0 <= yaw <= limit + slack + 10.0 for limit in limits)
        out += [(yaw, 0.0, 0.0), (yaw, 0.0, 3.0), (yaw, 20.0, 3.0), (-yaw, -20.0, 3.0)]
        if near:
            out += [(yaw, 20.0, 0.0), (-yaw, -20.0, 0.0)]
    return out


def clip_fits(clip: Clip, model: vt.MetricModel) -> bool:
    return clip.test == model.test and clip.view == model.view


def declared(model: vt.MetricModel) -> ViewTolerance:
    tolerance = get_protocol(model.test).metric_spec(model.metric).view_tolerance
    assert tolerance is not None, model.key
    return tolerance


def reported(result: TestResult, metric: str) -> list[MetricValue]:
    return [m for m in result.metrics if m.metric == metric]


@pytest.mark.parametrize("model", vt.MODELS, ids=lambda m: m.key)
def test_metric_through_the_gate(model: vt.MetricModel) -> None:
    tolerance = declared(model)
    slack = TYPICAL_MARGIN_DEG[model.view]
    beyond_deg = tolerance.geometric_deg + slack
    clips = [name for name, clip in CLIPS.items() if clip_fits(clip, model)]
    assert clips, f"no clip for {model.key}"
    n_reported = n_beyond = 0
    wrong: list[str] = []
    for name in clips:
        exact = truth(name)
        for yaw, pitch, noise in camera_grid(CLIPS[name]):
            this = run(name, yaw, pitch, noise)
            where = (
                f"{name} yaw {yaw:g} pitch {pitch:g} noise {noise:g} px, true camera angle "
                f"{this.true_off_deg:.1f}° off the {model.view} view"
            )
            for value in reported(this.result, model.metric):
                if value.status == "ok":
                    n_reported += 1
                    true = [t for t in reported(exact, model.metric) if t.side == value.side]
                    if not true or true[0].value is None:
                        wrong.append(
                            f"{where}: {value.side} reported {value.value} without a truth"
                        )
                        continue
                    error = abs(float(value.value) - float(true[0].value))  # type: ignore[arg-type]
                    if error > tolerance.max_error_deg:
                        wrong.append(
                            f"{where}: {value.side} {value.value:.1f} vs truth "
                            f"{true[0].value:.1f}, error {error:.1f}° > "
                            f"±{tolerance.max_error_deg:g}°"
                        )
                if this.true_off_deg > beyond_deg:
                    n_beyond += 1
                    if value.status == "ok":
                        wrong.append(f"{where}: reported beyond {beyond_deg:.1f}°")
                    elif not CAMERA_REASON.search(value.reason or ""):
                        wrong.append(
                            f"{where}: refused without naming the camera angle: {value.reason}"
                        )
    assert not wrong, f"{model.key}: {len(wrong)} failures:\n" + "\n".join(wrong[:15])
    assert n_beyond > 0 or beyond_deg >= 70.0, f"{model.key}: no camera beyond {beyond_deg:.1f}°"
    if model.key in NEVER_FROM_ONE_CAMERA | NOT_REPORTED_IN_SWEEP:
        assert n_reported == 0, f"{model.key} reported {n_reported} times"
    else:
        assert n_reported > 0, f"{model.key}: never reported in the sweep"
