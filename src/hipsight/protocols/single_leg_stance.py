"""Single-leg stance: pelvic drop, trunk lean, sway and hold time on each leg (front view).

The person faces the camera (or turns their back to it), stands on both feet for a few seconds,
then lifts one foot and holds for 10-30 s; then the other leg. Each metric is reported for the
**stance** leg (the leg standing on the floor), as the Trendelenburg test is.

Segmentation: a foot is off the ground while its ankle is at least ``LIFT_HIP_WIDTHS`` hip widths
(image distance between the hip landmarks) higher in the image than the other ankle. The hold on
the left leg is the longest run of frames with the right foot off the ground (at least
``MIN_HOLD_S``). The first ``SETTLE_S`` of a hold (the weight shift onto the stance leg) is left
out of the drop, lean and sway; the hold time counts the whole run.

Metrics, per stance leg:

- ``pelvic_drop`` (deg): drop of the pelvis on the lifted-leg side, positive = the lifted-leg hip
  is lower. It is the pelvic obliquity (hip line against the true horizontal) signed toward the
  stance leg, minus the obliquity of the two-leg standing start when the recording has one
  (otherwise against level), median over the settled hold.
- ``trunk_lean`` (deg): lateral lean of the trunk (mid-hip to mid-shoulder against the vertical)
  toward the stance leg (the compensated Trendelenburg direction), relative to the two-leg start
  like the drop, median over the settled hold.
- ``sway`` (ratio): standard deviation of the mid-hip's horizontal image position over the
  settled hold, divided by the hip width: mediolateral hip-centre sway as a fraction of hip width.
- ``hold_time`` (s): duration of the run with the foot off the ground.

The helpers at the top (visible landmark tracks, the hidden-body check, foot-lift detection,
stance-signed values, smoothing and small reducers) are shared with the hip_rotation, bridge,
single_leg_bridge and squat protocols; they could move to :mod:`hipsight.protocols.common`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.cleaning import landmark_validity
from hipsight.kinematics.table import AngleTable
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import (
    Gates,
    MeasureContext,
    MetricSpec,
    MetricValue,
    Protocol,
    Segment,
    SideName,
    TestResult,
)
from hipsight.protocols.common import assemble_result, gated_metric, segment_from, sides_for
from hipsight.protocols.gates import ViewCheck, check_view, in_plane_frames
from hipsight.protocols.segmentation import fill_small_gaps, runs

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

LIFT_HIP_WIDTHS = 0.3  # a foot is off the ground when its ankle is this many hip widths higher
MIN_HOLD_S = 1.0  # shorter lifts are steps or wobbles, not holds
SETTLE_S = 0.5  # left out at the start of a hold: the weight shift onto the stance leg
SMOOTH_S = 0.3  # moving-mean window before a peak or minimum is read

OTHER: dict[SideName, SideName] = {"left": "right", "right": "left"}
LEG_LANDMARKS = (lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_ANKLE, lm.RIGHT_ANKLE)
STANCE_LANDMARKS = (*LEG_LANDMARKS, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)


# ============================================================================ landmark helpers


def landmark_xy(seq: PoseSequence, index: int, min_visibility: float) -> FloatArray:
    """(T, 2) image position of one landmark; NaN where it is not visible enough."""
    seen = landmark_validity(seq.visibility[:, index], min_visibility)
    return np.where(seen[:, None], seq.image_xy[:, index], np.nan)


def landmarks_seen(seq: PoseSequence, indices: Sequence[int], min_visibility: float) -> BoolArray:
    """(T,) frames where every one of ``indices`` is detected and visible enough."""
    seen = landmark_validity(seq.visibility[:, list(indices)], min_visibility).all(axis=1)
    return np.asarray(seen & seq.detected)


def hidden_reason(seq: PoseSequence, indices: Sequence[int], gates: Gates) -> str | None:
    """Why nothing can be measured when the landmarks are hidden in (nearly) every frame."""
    n_seen = int(landmarks_seen(seq, indices, gates.min_visibility).sum())
    if n_seen >= gates.min_valid_frames:
        return None
    names = ", ".join(lm.LANDMARK_NAMES[i].replace("_", " ") for i in indices)
    return (
        f"body not visible: the {names} are visible (visibility >= {gates.min_visibility:g}) in "
        f"only {n_seen} of {seq.n_frames} frames, need {gates.min_valid_frames}; keep the whole "
        "body in the picture"
    )


def hip_width(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) image distance between the hip landmarks, pixels (NaN where a hip is hidden)."""
    left = landmark_xy(seq, lm.LEFT_HIP, min_visibility)
    right = landmark_xy(seq, lm.RIGHT_HIP, min_visibility)
    return np.asarray(np.linalg.norm(left - right, axis=1))


def lifted_feet(
    seq: PoseSequence, min_visibility: float, threshold: float = LIFT_HIP_WIDTHS
) -> dict[SideName, BoolArray]:
    """Per side, the frames where that foot is off the ground.

    A foot is lifted while its ankle is at least ``threshold`` hip widths higher in the image than
    the other ankle (front or back view; the image y axis points down).
    """
    left_y = landmark_xy(seq, lm.LEFT_ANKLE, min_visibility)[:, 1]
    right_y = landmark_xy(seq, lm.RIGHT_ANKLE, min_visibility)[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        left_higher = fill_small_gaps((right_y - left_y) / hip_width(seq, min_visibility))
        return {"left": left_higher >= threshold, "right": left_higher <= -threshold}


def stance_sign(side: SideName) -> float:
    """+1 for the left leg: frontal angles are positive toward the person's LEFT."""
    return 1.0 if side == "left" else -1.0


def longest_run(mask: BoolArray, t: FloatArray, min_duration_s: float) -> tuple[int, int] | None:
    """The longest True run lasting at least ``min_duration_s`` (its frame range), or None."""
    spans = [(a, b) for a, b in runs(mask) if t[b - 1] - t[a] >= min_duration_s]
    return max(spans, key=lambda s: s[1] - s[0]) if spans else None


def run_duration(t: FloatArray, start: int, stop: int) -> float:
    """Duration of frames ``start..stop`` (stop exclusive), counting the last frame's interval."""
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    return float(t[stop - 1] - t[start]) + dt


def settled(start: int, stop: int, t: FloatArray, n_frames: int) -> BoolArray:
    """(T,) mask of a hold's frames after its first ``SETTLE_S`` seconds."""
    mask = np.zeros(n_frames, dtype=bool)
    mask[start:stop] = t[start:stop] >= t[start] + SETTLE_S
    return mask


def two_leg_frames(lifted: dict[SideName, BoolArray], seq: PoseSequence, gates: Gates) -> BoolArray:
    """(T,) frames of two-leg stance before the first lift (both feet down, legs visible)."""
    any_lift = lifted["left"] | lifted["right"]
    before = np.arange(seq.n_frames) < (int(np.argmax(any_lift)) if any_lift.any() else 0)
    return before & ~any_lift & landmarks_seen(seq, LEG_LANDMARKS, gates.min_visibility)


def baseline_of(values: FloatArray, frames: BoolArray, gates: Gates) -> float | None:
    """Median of ``values`` over ``frames`` when there are enough finite ones, else None."""
    finite = values[frames & np.isfinite(values)]
    return float(np.median(finite)) if finite.size >= gates.min_valid_frames else None


def toward_stance(values: FloatArray, side: SideName, baseline: float | None) -> FloatArray:
    """A frontal angle (+ toward the person's left) signed toward the stance leg, minus baseline."""
    return stance_sign(side) * (values - (baseline or 0.0))


def moving_mean(values: FloatArray, t: FloatArray, window_s: float = SMOOTH_S) -> FloatArray:
    """Centred moving mean over ``window_s`` (NaN stays NaN and is left out of its neighbours).

    Used before taking a peak or a minimum, so that the landmark jitter left after the
    kinematics' low-pass filter does not bias extremes.
    """
    if values.size == 0:
        return values.astype(np.float64)
    dt = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    width = max(1, min(round(window_s / dt) | 1, (values.size - 1) | 1))  # odd, <= the series
    kernel = np.ones(width)
    finite = np.isfinite(values)
    total = np.convolve(np.where(finite, values, 0.0), kernel, mode="same")
    count = np.convolve(finite.astype(np.float64), kernel, mode="same")
    return np.where(finite, total / np.maximum(count, 1.0), np.nan)


def median_or_nan(values: FloatArray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def finite_mean(values: Sequence[float] | FloatArray) -> float:
    """Mean of the finite values (NaN when there are none)."""
    arr = np.asarray(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    return float(finite.mean()) if finite.size else float("nan")


def mean_over(values: Sequence[float]) -> Callable[[BoolArray], float]:
    """A ``compute`` for :func:`gated_metric`: the mean of per-rep (or per-lift) ``values`` that
    were computed from the same valid frames the gates check; NaN when none is finite."""
    mean = finite_mean(values)
    return lambda valid: mean


def finite_values(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Segment values rounded to 0.01, with None for NaN (results.json has no NaN)."""
    return {
        key: round(float(v), 2) if v is not None and np.isfinite(v) else None
        for key, v in values.items()
    }


def median_over(values: FloatArray) -> Callable[[BoolArray], float]:
    """A ``compute`` for :func:`gated_metric`: the median of ``values`` over the valid frames."""
    return lambda valid: median_or_nan(values[valid])


def not_measurable(
    protocol: Protocol, metric: str, side: SideName | None, reason: str
) -> MetricValue:
    """``not_measurable`` for one of ``protocol``'s metrics, with its declared unit and norm."""
    spec = protocol.metric_spec(metric)
    return MetricValue.not_measurable(metric, side, spec.unit, reason, spec.norm)


def hold_duration(
    protocol: Protocol, metric: str, side: SideName, seq: PoseSequence, hold: tuple[int, int]
) -> MetricValue:
    """A hold time metric: the duration of the hold's frames, quality = share with legs seen."""
    start, stop = hold
    seen = landmarks_seen(seq, LEG_LANDMARKS, protocol.gates.min_visibility)[start:stop]
    duration = run_duration(seq.t, start, stop)
    norm = protocol.metric_spec(metric).norm
    return MetricValue.measured(metric, side, duration, "s", float(seen.mean()), stop - start, norm)


# ============================================================================ measure


def sway_ratio(mid_x: FloatArray, width: FloatArray, frames: BoolArray) -> float:
    """SD of the mid-hip image x over ``frames``, over the median hip width there."""
    use = frames & np.isfinite(mid_x) & np.isfinite(width)
    if use.sum() < 2:
        return float("nan")
    return float(np.std(mid_x[use]) / np.median(width[use]))


def measure_leg(
    seq: PoseSequence,
    table: AngleTable,
    side: SideName,
    *,
    hold: tuple[int, int],
    view: ViewCheck,
    baselines: dict[str, float | None],
) -> list[MetricValue]:
    """The four metrics of one stance leg from its hold."""
    gates = PROTOCOL.gates
    start, stop = hold
    phase = settled(start, stop, seq.t, seq.n_frames)
    in_plane = in_plane_frames(seq, "front", gates)
    drop, lean = (
        toward_stance(table.column(name), side, baselines[name])
        for name in ("pelvic_obliquity", "trunk_lateral_inclination")
    )
    hips = (lm.LEFT_HIP, lm.RIGHT_HIP)
    mid_x = np.mean([landmark_xy(seq, i, gates.min_visibility)[:, 0] for i in hips], axis=0)
    width = hip_width(seq, gates.min_visibility)

    def held(metric: str, angle: str, compute: Callable[[BoolArray], float]) -> MetricValue:
        return gated_metric(
            PROTOCOL, metric, side, table, (angle,), phase, compute, view=view, extra=in_plane
        )

    return [
        held("pelvic_drop", "pelvic_obliquity", median_over(drop)),
        held("trunk_lean", "trunk_lateral_inclination", median_over(lean)),
        held("sway", "pelvic_obliquity", lambda valid: sway_ratio(mid_x, width, valid)),
        hold_duration(PROTOCOL, "hold_time", side, seq, hold),
    ]


def measure_single_leg_stance(
    seq: PoseSequence, table: AngleTable, context: MeasureContext
) -> TestResult:
    """Pelvic drop, trunk lean, sway and hold time for each stance leg."""
    gates = PROTOCOL.gates
    view = check_view(seq, "front", gates)
    blocked = (None if view.ok else view.reason) or hidden_reason(seq, STANCE_LANDMARKS, gates)
    lifted = lifted_feet(seq, gates.min_visibility)
    start_frames = two_leg_frames(lifted, seq, gates)
    baselines = {
        name: baseline_of(table.column(name), start_frames & table.validity(name), gates)
        for name in ("pelvic_obliquity", "trunk_lateral_inclination")
    }
    metrics: list[MetricValue] = []
    segments: list[Segment] = []
    for side in sides_for(context):
        hold = None if blocked else longest_run(lifted[OTHER[side]], seq.t, MIN_HOLD_S)
        if hold is None:
            reason = blocked or (
                f"no hold on the {side} leg found: stand on the {side} leg and lift the "
                f"{OTHER[side]} foot off the floor for at least {MIN_HOLD_S:g} s"
            )
            metrics += [not_measurable(PROTOCOL, m.id, side, reason) for m in PROTOCOL.metrics]
            continue
        leg_metrics = measure_leg(seq, table, side, hold=hold, view=view, baselines=baselines)
        values = {m.metric: m.value for m in leg_metrics}
        segments.append(segment_from("hold", len(segments), *hold, seq.t, side, values))
        metrics += leg_metrics
    notes = [] if blocked else stance_notes(baselines)
    asymmetry = context.options.get("asymmetry")
    return assemble_result(PROTOCOL, view, metrics, segments, notes, asymmetry)


def stance_notes(baselines: dict[str, float | None]) -> list[str]:
    """What the drop and lean are relative to."""
    if baselines["pelvic_obliquity"] is None:
        return [
            "No two-leg standing before the first lift: pelvic drop and trunk lean are measured "
            "against level (0 deg), not against your own standing posture."
        ]
    return [
        "Pelvic drop and trunk lean are relative to your two-leg standing at the start "
        f"(pelvic obliquity {baselines['pelvic_obliquity']:.1f} deg there)."
    ]


PROTOCOL = Protocol(
    id="single_leg_stance",
    title="Single-leg stance",
    instructions=(
        "Face the camera and stand on both feet for three seconds. Then stand on one leg: lift "
        "the other foot a hand's width off the floor and hold as still as you can for thirty "
        "seconds, keeping your pelvis level."
    ),
    position="standing",
    view="front",
    angles=("pelvic_obliquity", "trunk_lateral_inclination"),
    key_angle="pelvic_obliquity",
    key_band=(-5.0, 5.0),
    metrics=(
        MetricSpec(
            "pelvic_drop",
            "Pelvic drop (lifted side)",
            "deg",
            norm="single_leg_stance_pelvic_drop",
            description=(
                "Hip line against the horizontal, + = the lifted-leg side lower, relative to "
                "two-leg standing; median of the settled hold. Side = stance leg."
            ),
        ),
        MetricSpec(
            "trunk_lean",
            "Trunk lean toward the stance leg",
            "deg",
            norm="single_leg_stance_trunk_lean",
            description=(
                "Mid-hip to mid-shoulder line against the vertical, + = leaning over the stance "
                "leg, relative to two-leg standing; median of the settled hold."
            ),
        ),
        MetricSpec(
            "sway",
            "Hip sway (mediolateral)",
            "ratio",
            description="SD of the mid-hip's horizontal position over the hold / hip width.",
        ),
        MetricSpec(
            "hold_time",
            "Hold time",
            "s",
            norm="single_leg_stance_hold",
            description="Time with the other foot off the ground (longest run).",
        ),
    ),
    segmentation=(
        f"A foot is off the ground while its ankle is at least {LIFT_HIP_WIDTHS:g} hip widths "
        "higher in the image than the other ankle. The hold on one leg is the longest run (at "
        f"least {MIN_HOLD_S:g} s) with the other foot off the ground; its first {SETTLE_S:g} s "
        "(weight shift) is left out of drop, lean and sway. Two-leg standing before the first "
        "lift is the baseline."
    ),
    measure=measure_single_leg_stance,
    hold_s=30.0,
    duration_s=40.0,
    per_side=True,
    norms=(
        "single_leg_stance_pelvic_drop",
        "single_leg_stance_trunk_lean",
        "single_leg_stance_hold",
    ),
    order=30,
)
