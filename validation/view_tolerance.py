"""Error model of every 2D metric against the camera angle: the sweep behind the view tolerances.

Run ``python validation/view_tolerance.py``. It films each screening motion of
:mod:`hipsight.samples.motions` with the synthetic generator at every camera angle off the view
the metric needs (yaw 0..80° in 5° steps) x pitch -20/0/+20°, clean and with 3 px landmark noise,
computes the angles as the pipeline does (:func:`~hipsight.kinematics.angles.compute_angles`, no
view gate) and compares each metric's per-frame signal with the exact truth.

Each metric reduces its per-frame signal over the clip as the protocol does (``peak``,
``trough``, ``median``, or ``range`` for metrics that are a change within the clip: sag,
compensation, flexion range, the butt-wink proxy, a spread); its error in a clip is the reduced
2D signal minus the reduced truth.

The **geometric tolerance** of a metric is the largest true camera angle off its view below which
every sample (all pitches, both noise levels) stays within the metric's stated error. The gate
uses that minus the camera-angle estimator's typical error on real video
(``hipsight.kinematics.view.ESTIMATE_ERROR_DEG``). Knee FPPA is modelled per band of true knee
flexion: a flexed knee seen off-axis projects its flexion sideways, which looks like valgus.

Prints a Markdown table (docs/validation.md, "View tolerances") and writes
``view_tolerance.json`` next to this file. The protocol modules cite the numbers;
``tests/validation/test_view_tolerance.py`` checks every declaration against the sweep.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from hipsight.findings.norms import load_norms
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.camera_angle import body_camera_angle
from hipsight.kinematics.view import ESTIMATE_ERROR_DEG
from hipsight.protocols.common import moving_mean
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    time_axis,
)

FloatArray = NDArray[np.float64]
Signal = Callable[[Mapping[str, FloatArray]], FloatArray]
View = Literal["side", "front"]

YAWS = tuple(sorted({*range(0, 81, 5), *range(0, -81, -5)}))  # both ways round
PITCHES = (-20.0, 0.0, 20.0)
NOISES = (0.0, 3.0)
FLEXION_BANDS = ((0.0, 15.0), (15.0, 30.0), (30.0, 45.0), (45.0, 60.0), (60.0, 90.0))
FLOOR = (0.0, 0.3, 0.0)  # camera target for people lying on the floor
T = time_axis(3.0, 30.0)  # every clip: 3 s at 30 fps
OUT = Path(__file__).resolve().with_name("view_tolerance.json")


# ---------------------------------------------------------------------------- motions
def walking(t: FloatArray) -> Pose:
    """Walking in place: hips -15..25°, knees 5..60°, legs half a cycle apart."""
    return Pose(
        left_hip_flexion_deg=sinusoid(t, 25.0, -15.0, 1.0),
        right_hip_flexion_deg=sinusoid(t, 25.0, -15.0, 1.0, 180.0),
        left_knee_flexion_deg=sinusoid(t, 5.0, 60.0, 1.0, -79.0),
        right_knee_flexion_deg=sinusoid(t, 5.0, 60.0, 1.0, 101.0),
    )


def standing(t: FloatArray) -> Pose:
    """Quiet standing with a little forward lean, obliquity, tilt and lateral lean."""
    return Pose(
        trunk_flexion_deg=sinusoid(t, 0.0, 8.0, 2.0),
        pelvic_obliquity_deg=sinusoid(t, -3.0, 3.0, 2.0),
        trunk_lateral_lean_deg=sinusoid(t, -4.0, 4.0, 2.0, 90.0),
    )


BASELINE_S = 1.5  # single-leg stance clips start with this much two-leg stance (the baseline)
SETTLE_S = 0.5  # ... and the protocol skips this much after each change of stance


def stance_with_baseline(t: FloatArray) -> Pose:
    """Two-leg stance for ``BASELINE_S`` (pelvis level), then single-leg stance on the left leg
    with a 6° pelvic drop and a 5° trunk lean, as the protocol sees it: the metric is the hold's
    median minus the person's own two-leg baseline (``protocols.common.toward_stance``)."""
    lift = (t >= BASELINE_S).astype(np.float64)
    obliquity = lift * 6.0 + sinusoid(t, -1.0, 1.0, 1.5)
    return Pose(
        pelvic_obliquity_deg=obliquity,
        trunk_lateral_lean_deg=lift * 5.0 + obliquity,
        right_hip_flexion_deg=30.0 * lift,
        right_knee_flexion_deg=60.0 * lift,
        left_hip_abduction_deg=-obliquity,
    )


HOLD_FROM_S = 0.8  # the bridge hold clip reaches its top here


def bridge_hold(t: FloatArray) -> Pose:
    """A bridge lifted in ``HOLD_FROM_S`` and held, sagging slowly (about 5° of hip flexion over
    the hold): the protocol's ``hold_sag`` is the drop from the peak within the hold."""
    top = np.clip(t / HOLD_FROM_S, 0.0, 1.0)
    sag = np.clip((t - HOLD_FROM_S) / (t[-1] - HOLD_FROM_S), 0.0, 1.0) * 0.1
    return motions.bridge(t, profile=top - sag)


MOTIONS: dict[str, Callable[[FloatArray], Pose]] = {
    "squat": lambda t: motions.squat(t, period_s=3.0, valgus_deg=8.0),
    "walk": walking,
    "hip_extension": lambda t: motions.standing_hip_extension(
        t, extension_deg=20.0, trunk_compensation_deg=8.0
    ),
    "bridge": lambda t: motions.bridge(t, period_s=3.0),
    "bridge_hold": bridge_hold,
    "thomas": lambda t: motions.thomas_test(t).replace(
        left_knee_flexion_deg=sinusoid(t, 60.0, 80.0, 3.0)
    ),
    "standing": standing,
    "single_leg_stance": stance_with_baseline,
    "hip_rotation": lambda t: motions.seated_hip_rotation(t, period_s=3.0),
}


def camera_for(view: View, off_deg: float, pitch: float, lying: bool) -> Camera:
    """A camera ``off_deg`` away from ``view`` (toward the person's front for a side view)."""
    target = FLOOR if lying else (0.0, 0.9, 0.0)
    if view == "side":
        return side_camera("left", yaw_deg=off_deg, pitch_deg=pitch, target=target)
    return front_camera(yaw_deg=off_deg, pitch_deg=pitch, target=target)


# ---------------------------------------------------------------------------- metrics
Kind = Literal["peak", "trough", "median", "range", "baseline"]

FALLBACK_ERRORS: dict[str, tuple[float, str]] = {
    "squat.hip_flexion": (
        4.0,
        "2D pose, hip angle MAE 4 deg against markers (Stenum J et al. PLoS Comput Biol "
        "2021;17:e1008935)",
    ),
    "squat.knee_flexion": (
        5.6,
        "2D pose, knee angle MAE 5.6 deg against markers (Stenum J et al. PLoS Comput Biol "
        "2021;17:e1008935)",
    ),
    "squat.knee_flexion_sd": (5.6, "as squat.knee_flexion: each rep's peak is one knee angle"),
    "squat.knee_fppa_sd": (9.0, "as squat.knee_fppa (norm squat_fppa): each rep's peak FPPA"),
    "gait.peak_hip_extension": (
        4.0,
        "2D pose in gait, hip MAE 4 deg against markers (Stenum J et al. 2021), as norm "
        "gait_hip_extension",
    ),
    "hip_extension.peak_hip_extension": (
        4.0,
        "2D pose, hip angle MAE 4 deg (Stenum J et al. 2021), as norm hip_extension_active",
    ),
    "posture.trunk_inclination": (
        3.0,
        "one segment against the vertical: 4 / sqrt(2) = 3 deg from the 2D hip MAE of 4 deg "
        "(Stenum J et al. 2021), as norm single_leg_stance_trunk_lean",
    ),
    "posture.pelvic_tilt_estimate": (
        4.0,
        "2D pose, hip angle MAE 4 deg (Stenum J et al. 2021); descriptive only, its norm "
        "posture_pelvic_tilt has no margin",
    ),
    "posture.shoulder_tilt": (
        3.0,
        "expert estimate, as norm posture_pelvic_obliquity: a line between two landmarks in a "
        "still standing front view",
    ),
    "posture.trunk_lateral_lean": (
        3.0,
        "one segment against the vertical, 3 deg, as norm single_leg_stance_trunk_lean",
    ),
}
"""Stated errors of metrics without a norm margin in findings/norms.toml, with their source."""


def stated_error(test: str, metric: str) -> tuple[float, str]:
    """A metric's stated error and its source: the margin of its norm in findings/norms.toml
    (the measurement error a finding already allows for), else ``FALLBACK_ERRORS``."""
    norm = load_norms().for_metric(test, metric)
    if norm is not None and norm.margin > 0:
        return norm.margin, f"norms.toml {norm.id}: {norm.error_source}"
    return FALLBACK_ERRORS[f"{test}.{metric}"]


@dataclass(frozen=True)
class MetricModel:
    """One protocol metric: its motion, view, per-frame signal and how the protocol reduces it.

    ``from_s``: only frames from then on count (a hold). ``smooth``: the protocol takes a
    moving mean (``protocols.common.moving_mean``, 0.3 s) before
    the extreme. ``baseline``: the value is the single-leg hold's median minus the two-leg
    baseline's (the camera's constant bias cancels).
    """

    test: str
    metric: str
    motion: str
    view: View
    signal: Signal
    kind: Kind
    lying: bool = False
    smooth: bool = False
    from_s: float = 0.0  # frames before this are not part of the metric (before the hold)

    @property
    def key(self) -> str:
        return f"{self.test}.{self.metric}"

    @property
    def max_error_deg(self) -> float:
        return stated_error(self.test, self.metric)[0]

    @property
    def error_source(self) -> str:
        return stated_error(self.test, self.metric)[1]


def col(name: str) -> Signal:
    return lambda a: a[name]


def diff(first: str, second: str) -> Signal:
    return lambda a: a[first] - a[second]


MODELS: tuple[MetricModel, ...] = (
    MetricModel("squat", "hip_flexion", "squat", "side", col("left_hip_flexion"), "peak"),
    MetricModel("squat", "knee_flexion", "squat", "side", col("left_knee_flexion"), "peak"),
    MetricModel(
        "squat", "thigh_vs_horizontal", "squat", "side", col("left_thigh_inclination"), "peak"
    ),
    MetricModel(
        "squat", "trunk_shank_difference", "squat", "side",
        diff("trunk_inclination", "left_shank_inclination"), "peak",
    ),
    MetricModel(
        "squat", "lumbopelvic_flexion", "squat", "side",
        diff("left_hip_flexion", "left_thigh_inclination"), "range",
    ),
    MetricModel("squat", "knee_flexion_sd", "squat", "side", col("left_knee_flexion"), "peak"),
    MetricModel("squat", "knee_fppa", "squat", "front", col("left_knee_fppa"), "peak"),
    MetricModel("squat", "knee_fppa_sd", "squat", "front", col("left_knee_fppa"), "peak"),
    MetricModel(
        "gait", "peak_hip_extension", "walk", "side", col("left_hip_flexion"), "trough"
    ),
    MetricModel("gait", "hip_flexion_range", "walk", "side", col("left_hip_flexion"), "range"),
    MetricModel(
        "hip_extension", "peak_hip_extension", "hip_extension", "side", col("left_hip_flexion"),
        "trough",
    ),
    MetricModel(
        "hip_extension", "trunk_compensation", "hip_extension", "side",
        col("trunk_inclination"), "range",
    ),
    MetricModel(
        "hip_extension", "corrected_extension", "hip_extension", "side",
        col("left_hip_flexion"), "trough",
    ),
    MetricModel(
        "bridge", "peak_extension", "bridge", "side", col("left_hip_flexion"), "trough",
        lying=True,
    ),
    MetricModel(
        "bridge", "hold_sag", "bridge_hold", "side", col("left_hip_flexion"), "range",
        lying=True, from_s=HOLD_FROM_S,
    ),
    MetricModel(
        "thomas", "thigh_above_horizontal", "thomas", "side", col("left_thigh_inclination"),
        "median", lying=True,
    ),
    MetricModel(
        "thomas", "knee_flexion", "thomas", "side", col("left_knee_flexion"), "median",
        lying=True,
    ),
    MetricModel(
        "posture", "trunk_inclination", "standing", "side", col("trunk_inclination"), "median"
    ),
    MetricModel(
        "posture", "pelvic_tilt_estimate", "standing", "side", col("left_hip_flexion"), "median"
    ),
    MetricModel(
        "posture", "pelvic_obliquity", "standing", "front", col("pelvic_obliquity"), "median"
    ),
    MetricModel("posture", "shoulder_tilt", "standing", "front", col("shoulder_tilt"), "median"),
    MetricModel(
        "posture", "trunk_lateral_lean", "standing", "front",
        col("trunk_lateral_inclination"), "median",
    ),
    MetricModel(
        "single_leg_stance", "pelvic_drop", "single_leg_stance", "front",
        col("pelvic_obliquity"), "baseline",
    ),
    MetricModel(
        "single_leg_stance", "trunk_lean", "single_leg_stance", "front",
        col("trunk_lateral_inclination"), "baseline",
    ),
    MetricModel(
        "hip_rotation", "internal_rotation", "hip_rotation", "front",
        col("left_shank_frontal_inclination"), "peak", smooth=True,
    ),
    MetricModel(
        "hip_rotation", "external_rotation", "hip_rotation", "front",
        col("left_shank_frontal_inclination"), "trough", smooth=True,
    ),
)  # fmt: skip


# ---------------------------------------------------------------------------- sweep
@dataclass(frozen=True)
class Sample:
    """One clip of one motion: the true camera angle off the view and the per-frame errors."""

    yaw: float
    pitch: float
    noise: float
    off_view_deg: float  # true camera angle off the view (median over frames)
    errors: dict[str, tuple[FloatArray, FloatArray]]  # metric key -> (2D, truth) signals
    knee_flexion: FloatArray  # (T,) true left knee flexion


def film(motion: str, view: View, yaw: float, pitch: float, noise: float, lying: bool) -> Sample:
    """Film one motion and return the errors of every metric that uses it."""
    t = T
    camera = camera_for(view, yaw, pitch, lying)
    seed = int(1000 + yaw * 10 + pitch + noise * 7)
    syn = make_sequence(MOTIONS[motion](t), camera, jitter_px=noise, seed=seed)
    table = compute_angles(syn.sequence, variants=("2d",))
    measured = {name: table.column(name) for name in table.names}
    truth = {name: np.asarray(syn.truth[name]) for name in table.names}
    true_angle = float(np.median(body_camera_angle(syn.landmarks_lab, camera.position)))
    off = true_angle if view == "side" else 90.0 - true_angle
    errors = {}
    for model in MODELS:
        if model.motion == motion and model.view == view and model.lying == lying:
            errors[model.key] = (as_computed(model, measured), as_computed(model, truth))
    return Sample(yaw, pitch, noise, off, errors, np.asarray(syn.truth["left_knee_flexion"]))


def as_computed(model: MetricModel, angles: Mapping[str, FloatArray]) -> FloatArray:
    """The metric's per-frame signal as its protocol reads it (smoothed where it is)."""
    signal = model.signal(angles)
    return moving_mean(signal, T) if model.smooth else signal


def run_sweep(yaws: tuple[int, ...] = YAWS) -> list[Sample]:
    """Every motion x view x yaw x pitch x noise used by some metric."""
    combos = sorted({(m.motion, m.view, m.lying) for m in MODELS})
    return [
        film(motion, view, float(yaw), pitch, noise, lying)
        for motion, view, lying in combos
        for yaw in yaws
        for pitch in PITCHES
        for noise in NOISES
    ]


REDUCERS: dict[str, Callable[[FloatArray], float]] = {
    "peak": lambda x: float(np.max(x)),
    "trough": lambda x: float(np.min(x)),
    "median": lambda x: float(np.median(x)),
    "range": lambda x: float(np.max(x) - np.min(x)),
}


def metric_error(
    model: MetricModel, pair: tuple[FloatArray, FloatArray], frames: NDArray[np.bool_]
) -> float:
    """|metric from the 2D signal - metric from the truth| over ``frames`` (NaN: never valid)."""
    measured, truth = pair
    use = frames & np.isfinite(measured) & (model.from_s <= T)
    if model.kind == "baseline":
        return change_error(measured, truth, use)
    if not use.any():
        return float("nan")
    reduce = REDUCERS[model.kind]
    return abs(reduce(measured[use]) - reduce(truth[use]))


def change_error(measured: FloatArray, truth: FloatArray, use: NDArray[np.bool_]) -> float:
    """|(hold median - baseline median) measured - the same on the truth| (NaN: not valid)."""
    hold = use & (T >= BASELINE_S + SETTLE_S)
    base = use & (T < BASELINE_S - 0.2)
    if not hold.any() or not base.any():
        return float("nan")
    change = float(np.median(measured[hold]) - np.median(measured[base]))
    return abs(change - float(np.median(truth[hold]) - np.median(truth[base])))


def geometric_tolerance(points: list[tuple[float, float]], bound: float) -> float:
    """Largest off-view angle below which every (off_view, error) point is within ``bound``.

    An error of NaN (the angle never valid) counts as within: nothing is reported there."""
    failing = [off for off, err in points if np.isfinite(err) and err > bound]
    limit = min(failing, default=90.0)
    passing = [off for off, _ in points if off < limit]
    return float(max(passing, default=0.0))


def floor_tenth(value: float) -> float:
    """Rounded down to 0.1° (a declared tolerance must not exceed the measured one)."""
    return float(np.floor(value * 10.0) / 10.0)


def summarise(samples: list[Sample]) -> dict[str, Any]:
    """Per metric: stated error, geometric tolerance, the gate's limit and error by yaw."""
    out: dict[str, Any] = {}
    for model in MODELS:
        rows = [s for s in samples if model.key in s.errors]
        points = [
            (s.off_view_deg, metric_error(model, s.errors[model.key], s.knee_flexion > -1e9))
            for s in rows
        ]
        geometric = geometric_tolerance(points, model.max_error_deg)
        entry: dict[str, Any] = {
            "view": model.view,
            "kind": model.kind,
            "max_error_deg": model.max_error_deg,
            "error_source": model.error_source,
            "geometric_deg": floor_tenth(geometric),
            "within_deg": floor_tenth(max(0.0, geometric - ESTIMATE_ERROR_DEG)),
            "error_by_yaw": error_by_yaw(rows, [err for _, err in points]),
        }
        if model.metric.startswith("knee_fppa"):
            entry["by_knee_flexion"] = fppa_by_flexion(model, rows)
        out[model.key] = entry
    return out


def error_by_yaw(rows: list[Sample], errors: list[float]) -> dict[str, float]:
    """The worst metric error per |yaw| (both directions, all pitches and noise levels)."""
    out = {}
    for yaw in sorted({abs(s.yaw) for s in rows}):
        found = [e for s, e in zip(rows, errors, strict=True) if abs(s.yaw) == yaw]
        finite = [e for e in found if np.isfinite(e)]
        if finite:
            out[f"{yaw:g}"] = round(max(finite), 2)
    return out


def fppa_by_flexion(model: MetricModel, rows: list[Sample]) -> list[dict[str, float]]:
    """Geometric tolerance of FPPA per band of true knee flexion (frames in the band only)."""
    bands = []
    for low, high in FLEXION_BANDS:
        points = [
            (
                s.off_view_deg,
                metric_error(
                    model, s.errors[model.key], (s.knee_flexion >= low) & (s.knee_flexion < high)
                ),
            )
            for s in rows
        ]
        geometric = geometric_tolerance(points, model.max_error_deg)
        bands.append(
            {"flexion_from": low, "flexion_to": high, "geometric_deg": floor_tenth(geometric)}
        )
    return bands


def markdown(result: Mapping[str, Any]) -> str:
    """The table for docs/validation.md."""
    yaws = ("0", "10", "20", "30", "40", "60", "80")
    head = (
        "| metric | view | kind | stated error | geometric tolerance | gate (−8°) | "
        + " | ".join(f"err @{y}°" for y in yaws)
        + " |"
    )
    lines = [head, "|" + "---|" * (6 + len(yaws))]
    for key, e in result.items():
        cells = [f"{e['error_by_yaw'].get(y, float('nan')):.1f}" for y in yaws]
        lines.append(
            f"| `{key}` | {e['view']} | {e['kind']} | ±{e['max_error_deg']:g}° | "
            f"{e['geometric_deg']:g}° | {e['within_deg']:g}° | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main() -> int:
    samples = run_sweep()
    result = summarise(samples)
    OUT.write_text(json.dumps(result, indent=1))
    print(markdown(result))
    for key, entry in result.items():
        if "by_knee_flexion" in entry:
            print(key, entry["by_knee_flexion"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
