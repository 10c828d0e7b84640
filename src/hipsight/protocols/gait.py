"""Gait: late-stance hip extension and the hip's range per stride, from a side view walk.

The person walks at a comfortable speed across the camera's view (or on a treadmill side-on to
it). Analyse with the subject choice ``moving`` (the person who walks across the view for
longest), which ``hipsight analyze --test gait`` uses by default: passers-by and people standing
in the background are then ignored. This protocol declares it as ``subject="moving"``.

Segmentation: per side, the peaks of hip flexion (thigh against the trunk, at least
``MIN_PROMINENCE_DEG`` prominent and ``MIN_STRIDE_S`` apart) mark late swing of that leg; one
**stride** runs from one peak to the next, if no longer than ``MAX_STRIDE_S`` (a longer gap
means the walker left the view or turned). Such an interval is a stride only when the body
faces one way through it (turns at most ``MAX_TURN_DEG``), does not travel backward (at most
``MAX_BACKWARD`` torso lengths against the way it faces; on a treadmill it stays put) and the
heel sweeps under the body (relative to the mid-hip, at least ``MIN_SWEEP`` torso lengths):
turning round, standing, squatting and shuffling are kept as ``rejected stride`` segments with a
note saying why. A stride counts when at least ``Gates.min_valid_fraction`` of its frames (and
both ends) have the leg and trunk visible in a side view.

Per stride, with ``hip_flexion`` in degrees (flexion +, extension −):

- ``peak_hip_extension`` = ``-min(hip_flexion)`` over the stride. In walking the hip is most
  extended at the end of stance (terminal stance, about 50 % of the cycle), so this is the
  late-stance peak, reported as a positive extension angle (a hip that never passes neutral
  gives a negative value). It is the thigh against the trunk line; laboratory gait analysis uses
  the thigh against the pelvis, which differs by the trunk's lean relative to the pelvis.
- ``hip_flexion_range`` = ``max - min`` of ``hip_flexion`` over the stride.

Both extremes are the vertex of a parabola fitted within 0.2 s of the extreme frame
(:func:`hipsight.kinematics.extremes.fitted_extreme`), not that single frame, where landmark
jitter adds most.

Each side's metrics are the medians over its valid strides; ``strides`` counts them. The leg
farther from the camera is often hidden behind the near one (MediaPipe then gives it a low
visibility or guesses its position); when its frames fail the gates it is ``not_measurable``
with that reason, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.extremes import fitted_extreme
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance, near_side
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Gates, MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    assemble_result,
    finite_values,
    gated_metric,
    median_or_nan,
    segment_from,
    sides_for,
)
from hipsight.protocols.gates import ViewCheck, check_frames, check_view, in_plane_frames
from hipsight.protocols.segmentation import find_extrema
from hipsight.protocols.validity import (
    Candidate,
    body_scale,
    heading,
    mean_track,
    rejected_notes,
    spread,
    travel,
    turned,
    verdicts,
    visible_xy,
)
from hipsight.results import MetricValue, Segment, SideName, TestResult
from hipsight.wording import count

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MIN_PROMINENCE_DEG = 10.0  # a hip flexion peak must stand out this much to mark a stride
MIN_STRIDE_S = 0.6  # flexion peaks of one leg at least this far apart
MAX_STRIDE_S = 2.0  # longer peak-to-peak gaps are not one stride
STRIDE_TIME_TOLERANCE = 0.25  # a stride's time must be within 25% of the median stride time
MAX_TRUNK_DEVIATION_DEG = 10.0  # a walker's trunk is steady: frames beyond this are garbled
NOTABLE_TRUNK_LEAN_DEG = 5.0  # a median trunk lean beyond this is mentioned in a note
STRIDE_METRICS = ("peak_hip_extension", "hip_flexion_range")
MAX_TURN_DEG = 60.0  # a stride faces one way; more is turning round (see the note below)
MAX_BACKWARD = 0.25  # torso lengths the pelvis may travel against the way the body faces
MIN_SWEEP = 0.6  # torso lengths the heel must sweep relative to the mid-hip in a stride
# The heading is seen from the camera: walking straight across a wide view, the line of sight
# swings by tens of degrees, and the width and foot cues wobble with each step. On the Sports2D
# demo walk (straight, right to left) single strides spread 32-45 deg; a turn round spreads
# 90 deg or more over the stride that contains it.


@dataclass(frozen=True)
class Stride:
    """One stride of one leg: flexion peak to flexion peak (``stop`` exclusive)."""

    start: int
    stop: int
    valid: bool
    peak_hip_extension: float
    hip_flexion_range: float

    def values(self) -> dict[str, float | None]:
        values: dict[str, float | None] = {
            name: round(float(getattr(self, name)), 2) for name in STRIDE_METRICS
        }
        values["valid"] = float(self.valid)
        return values


def leg_angles(side: SideName) -> tuple[str, str]:
    return f"{side}_hip_flexion", "trunk_inclination"


def steady_trunk(table: AngleTable, in_plane: BoolArray) -> BoolArray:
    """Frames whose trunk inclination is within ``MAX_TRUNK_DEVIATION_DEG`` of the walk's median.

    The trunk stays within a few degrees while walking; a frame far from the median has garbled
    landmarks (a missed or mixed-up detection, e.g. against a busy background).
    """
    trunk = table.column("trunk_inclination")
    usable = in_plane & table.validity("trunk_inclination")
    if not usable.any():
        return usable
    with np.errstate(invalid="ignore"):
        return np.asarray(
            usable & (np.abs(trunk - np.median(trunk[usable])) <= MAX_TRUNK_DEVIATION_DEG)
        )


def usable_frames(table: AngleTable, side: SideName, steady: BoolArray) -> BoolArray:
    """Frames where the leg's hip angle is valid and the trunk steady, in a side view."""
    return steady & table.validity(f"{side}_hip_flexion")


def stride_bounds(table: AngleTable, ok: BoolArray, side: SideName) -> list[tuple[int, int]]:
    """(first, last) frames of each peak-to-peak interval of one leg's hip flexion."""
    hip = np.where(ok, table.column(f"{side}_hip_flexion"), np.nan)
    peaks = find_extrema(hip, table.t, MIN_PROMINENCE_DEG, MIN_STRIDE_S)
    return [(int(a), int(b)) for a, b in pairwise(peaks) if table.t[b] - table.t[a] <= MAX_STRIDE_S]


def judge_strides(
    seq: PoseSequence, side: SideName, bounds: list[tuple[int, int]]
) -> list[Candidate]:
    """Which peak-to-peak intervals of one leg are strides: the body faces one way (turns at
    most ``MAX_TURN_DEG``), does not travel backward (more than ``MAX_BACKWARD`` torso lengths
    against the way it faces; on a treadmill it stays put), and the foot sweeps under the body
    (its heel, relative to the mid-hip, moves at least ``MIN_SWEEP`` torso lengths): turning
    round, standing, squatting or shuffling are not strides."""
    if not bounds:
        return []
    min_visibility = PROTOCOL.gates.min_visibility
    spans = [(a, b + 1) for a, b in bounds]
    scale = body_scale(seq, min_visibility)
    facing = heading(seq, min_visibility)
    pelvis = mean_track(seq, (lm.LEFT_HIP, lm.RIGHT_HIP), min_visibility)
    heel = visible_xy(seq, lm.landmark_index("heel", side), min_visibility)
    with np.errstate(invalid="ignore", divide="ignore"):
        sweep = spread(heel[:, 0] - pelvis[:, 0], spans) / scale
    checks = {
        "turned_deg": turned(facing, spans),
        "travel": travel(pelvis[:, 0], facing, spans, scale),
        "step": sweep,
    }
    limits = {
        "turned_deg": (0.0, MAX_TURN_DEG),
        "travel": (-MAX_BACKWARD, np.inf),
        "step": (MIN_SWEEP, np.inf),
    }
    return verdicts(spans, checks, limits)


def typical_stride_time(table: AngleTable, bounds: list[tuple[int, int]]) -> float:
    """Median stride time of all legs' peak-to-peak intervals (NaN when there are none)."""
    times = np.asarray([table.t[b] - table.t[a] for a, b in bounds])
    return float(np.median(times)) if times.size else float("nan")


def find_strides(
    table: AngleTable,
    side: SideName,
    ok: BoolArray,
    bounds: list[tuple[int, int]],
    *,
    typical_s: float,
    min_fraction: float,
) -> list[Stride]:
    """Strides of one leg between consecutive hip flexion peaks, with their values.

    A stride is valid when its ends and ``min_fraction`` of its frames are usable and its time is
    within ``STRIDE_TIME_TOLERANCE`` of the typical stride time (a missed or spurious peak makes
    a stride far longer or shorter than the others).
    """
    hip = np.where(ok, table.column(f"{side}_hip_flexion"), np.nan)
    strides = []
    for start, end in bounds:
        regular = (
            abs(table.t[end] - table.t[start] - typical_s) <= STRIDE_TIME_TOLERANCE * typical_s
        )
        window = hip[start : end + 1]
        usable = ok[start : end + 1]
        valid = bool(regular and ok[start] and ok[end] and usable.mean() >= min_fraction)
        lowest, highest = (
            (
                fitted_extreme(hip, table.t, start + int(np.nanargmin(window))),
                fitted_extreme(hip, table.t, start + int(np.nanargmax(window))),
            )
            if usable.any()
            else (np.nan, np.nan)
        )
        strides.append(Stride(int(start), int(end) + 1, valid, -lowest, highest - lowest))
    return strides


def stride_frames(strides: list[Stride], n_frames: int) -> BoolArray:
    mask = np.zeros(n_frames, dtype=bool)
    for stride in strides:
        mask[stride.start : stride.stop] = True
    return mask


def median_of_strides(strides: list[Stride], metric: str) -> float:
    values = np.asarray([getattr(s, metric) for s in strides if s.valid], dtype=np.float64)
    return median_or_nan(values)


def no_stride_reason(
    table: AngleTable, side: SideName, seq: PoseSequence, in_plane: BoolArray, strides: list[Stride]
) -> str:
    """Why a leg gave no valid stride: hidden (far side), or no complete stride in view."""
    far = (
        "; it is the leg farther from the camera, often hidden behind the near leg"
        if side != near_side(seq)
        else ""
    )
    visible = check_frames(
        table,
        leg_angles(side),
        seq.detected,
        PROTOCOL.gates,
        extra=in_plane,
        label=f"the {side} leg while walking",
    )
    if not visible.ok:
        return f"{visible.reason}{far}"
    if strides:
        share = 100 * PROTOCOL.gates.min_valid_fraction
        which = (
            f"the only stride of the {side} leg did not"
            if len(strides) == 1
            else f"none of the {len(strides)} strides of the {side} leg"
        )
        return (
            f"{which} pass the gates ({share:.0f}% of its frames valid in a side view, stride "
            f"time within {100 * STRIDE_TIME_TOLERANCE:.0f}% of the typical one){far}"
        )
    return (
        f"no complete stride of the {side} leg found (two hip flexion peaks at most "
        f"{MAX_STRIDE_S:g} s apart); walk across the camera's view, side-on, for at least "
        "three steps"
    )


def stride_median(strides: list[Stride], metric: str) -> Callable[[BoolArray], float]:
    """A ``gated_metric`` compute function: the median of a per-stride value over valid strides."""
    return lambda _valid: median_of_strides(strides, metric)


MIN_STRIDES_PER_VALUE = 2  # a per-leg stride value from a single stride is not reported


def too_few_strides(value: MetricValue, n_valid: int) -> MetricValue:
    """``not_measurable``: one stride is too little to report a per-leg stride value."""
    reason = (
        f"only {count(n_valid, 'valid stride')} of the {value.side} leg; a stride value needs "
        f"at least {count(MIN_STRIDES_PER_VALUE, 'stride')} (walk across the camera's view for "
        "more steps)"
    )
    return MetricValue.not_measurable(value.metric, value.side, value.unit, reason, value.norm)


def quality_of(values: list[MetricValue]) -> float:
    """The quality the stride count carries: that of the stride values it was computed with."""
    qualities = [v.quality for v in values if v.status == "ok"]
    return min(qualities) if qualities else 0.0


def stride_count(side: SideName, n_valid: int, phase: BoolArray, quality: float) -> MetricValue:
    """The number of valid strides of one leg (reported even when too few for its values)."""
    spec = PROTOCOL.metric_spec("strides")
    return MetricValue.measured(spec.id, side, n_valid, spec.unit, quality, int(phase.sum()))


def side_metrics(
    table: AngleTable,
    side: SideName,
    strides: list[Stride],
    ok: BoolArray,
    *,
    view: ViewCheck,
    reason: str,
) -> list[MetricValue]:
    """The per-side metrics from the valid strides, or ``not_measurable`` with ``reason``."""
    if not view.ok or not any(s.valid for s in strides):
        why = (view.reason or "wrong camera view") if not view.ok else reason
        return [
            MetricValue.not_measurable(spec.id, side, spec.unit, why, spec.norm)
            for spec in PROTOCOL.metrics
        ]
    phase = stride_frames([s for s in strides if s.valid], table.n_frames)
    out = [
        gated_metric(
            PROTOCOL,
            metric,
            side,
            table,
            leg_angles(side),
            phase,
            stride_median(strides, metric),
            view=view,
            extra=ok,
            label=f"{side} leg strides",
        )
        for metric in STRIDE_METRICS
    ]
    n_valid = sum(s.valid for s in strides)
    if n_valid < MIN_STRIDES_PER_VALUE and any(m.status == "ok" for m in out):
        quality = quality_of(out)
        out = [too_few_strides(m, n_valid) if m.status == "ok" else m for m in out]
        return [*out, stride_count(side, n_valid, phase, quality)]
    spec = PROTOCOL.metric_spec("strides")
    if any(m.status == "ok" for m in out):  # one metric may be refused by its own view limit
        out.append(stride_count(side, n_valid, phase, quality_of(out)))
    else:
        out.append(
            MetricValue.not_measurable(
                spec.id, side, spec.unit, next(m.reason for m in out if m.reason)
            )
        )
    return out


def trunk_lean_note(table: AngleTable, steady: BoolArray) -> list[str]:
    """A note when the trunk leaned clearly while walking: hip angles are taken against it."""
    if not steady.any():
        return []
    lean = float(np.median(table.column("trunk_inclination")[steady]))
    if abs(lean) <= NOTABLE_TRUNK_LEAN_DEG:
        return []
    direction, effect = ("backward", "adds to") if lean < 0 else ("forward", "takes away from")
    return [
        f"The trunk line leaned {abs(lean):.0f}° {direction} while walking (median); hip "
        f"angles are measured against the trunk, so this {effect} the hip extension compared "
        "with the thigh against the vertical."
    ]


def stride_segments(table: AngleTable, strides: dict[SideName, list[Stride]]) -> list[Segment]:
    return [
        segment_from("stride", index, s.start, s.stop, table.t, side, s.values())
        for side, found in strides.items()
        for index, s in enumerate(found)
    ]


def measure_gait(seq: PoseSequence, table: AngleTable, context: MeasureContext) -> TestResult:
    """Per side: median late-stance peak hip extension and hip flexion range over the strides."""
    gates = PROTOCOL.gates
    view = check_view(seq, "side", gates)
    in_plane = in_plane_frames(seq, "side", gates)
    sides = sides_for(context)
    steady = steady_trunk(table, in_plane)
    ok = {side: usable_frames(table, side, steady) for side in sides}
    candidates = {side: stride_bounds(table, ok[side], side) if view.ok else [] for side in sides}
    judged = {side: judge_strides(seq, side, found) for side, found in candidates.items()}
    bounds = {
        side: [b for b, v in zip(found, judged[side], strict=True) if v.counts]
        for side, found in candidates.items()
    }
    typical_s = typical_stride_time(table, [b for found in bounds.values() for b in found])
    metrics: list[MetricValue] = []
    strides: dict[SideName, list[Stride]] = {}
    for side in sides:
        strides[side] = find_strides(
            table,
            side,
            ok[side],
            bounds[side],
            typical_s=typical_s,
            min_fraction=gates.min_valid_fraction,
        )
        reason = (
            ""
            if any(s.valid for s in strides[side])
            else no_stride_reason(table, side, seq, in_plane, strides[side])
        )
        metrics += side_metrics(table, side, strides[side], ok[side], view=view, reason=reason)
    notes = [
        "Peak hip extension is the most extended thigh-vs-trunk angle of each stride (late "
        "stance), reported as a positive extension angle; medians over strides.",
        "Walk side-on to the camera: frames at an oblique angle (turning, walking toward the "
        "camera) are not used.",
        *trunk_lean_note(table, steady),
        *(n for side in sides for n in rejected_notes(f"{side} stride", judged[side], seq.t)),
    ]
    rejected = [
        segment_from("rejected stride", i, *c.span, table.t, side, finite_values(c.checks))
        for side in sides
        for i, c in enumerate(c for c in judged[side] if not c.counts)
    ]
    return assemble_result(
        PROTOCOL,
        view,
        metrics,
        stride_segments(table, strides) + rejected,
        notes,
    )


PROTOCOL = Protocol(
    id="gait",
    title="Walking (gait)",
    instructions=(
        "Walk at your normal pace across the room, side-on to the camera, so that it sees you "
        "from the side for at least four steps. Turn around out of view and walk back."
    ),
    position="walking",
    view="side",
    angles=("left_hip_flexion", "right_hip_flexion", "trunk_inclination"),
    key_angle="left_hip_flexion",
    key_band=(-20.0, 30.0),
    metrics=(
        MetricSpec(
            "peak_hip_extension",
            "Peak hip extension in late stance",
            "deg",
            norm="gait_hip_extension",
            description=(
                "Median over strides of -min(hip flexion): the most extended thigh-vs-trunk "
                "angle (late stance), + = extension."
            ),
            view_tolerance=ViewTolerance("side", 44.1, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "hip_flexion_range",
            "Hip flexion range per stride",
            "deg",
            norm="gait_hip_flexion_range",
            description="Median over strides of max - min hip flexion.",
            view_tolerance=ViewTolerance("side", 15.0, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "strides",
            "Valid strides",
            "count",
            description="Strides (flexion peak to flexion peak) that passed the gates.",
        ),
    ),
    segmentation=(
        f"Per side, hip flexion peaks (prominence >= {MIN_PROMINENCE_DEG:g}°, at least "
        f"{MIN_STRIDE_S:g} s apart) mark late swing; a stride runs from one peak to the next "
        f"(at most {MAX_STRIDE_S:g} s, within {100 * STRIDE_TIME_TOLERANCE:.0f}% of the median "
        f"stride time). Frames whose trunk is more than {MAX_TRUNK_DEVIATION_DEG:g}° off its "
        "walking median are treated as garbled. A stride faces one way (turns at most "
        f"{MAX_TURN_DEG:g}°), does not travel backward and its heel sweeps at least "
        f"{MIN_SWEEP:g} torso lengths under the body."
    ),
    measure=measure_gait,
    duration_s=10.0,
    per_side=False,
    gates=Gates(min_valid_fraction=0.8, min_valid_frames=15),
    order=80,
    subject="moving",
)
