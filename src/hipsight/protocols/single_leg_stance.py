"""Single-leg stance: pelvic drop, trunk lean, sway and hold time on each leg (front view).

The person faces the camera (or turns their back to it), stands on both feet for a few seconds,
then lifts one foot and holds for 10-30 s; then the other leg. Each metric is reported for the
**stance** leg (the leg standing on the floor), as the Trendelenburg test is.

Segmentation: a foot is off the ground while its ankle is at least ``LIFT_HIP_WIDTHS`` hip widths
(image distance between the hip landmarks) higher in the image than the other ankle (through a
running median of ``common.LIFT_MEDIAN_S``, so a frame of jitter does not end it). The hold on
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

The helpers (visible landmark tracks, the hidden-body check, foot-lift detection, stance-signed
values, smoothing and small reducers) live in :mod:`hipsight.protocols.common`, shared with the
hip_rotation, bridge, single_leg_bridge and squat protocols.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    LEG_LANDMARKS,
    OTHER,
    assemble_result,
    baseline_of,
    gated_metric,
    hidden_reason,
    hip_width,
    hold_duration,
    landmark_xy,
    lifted_feet,
    longest_run,
    median_over,
    not_measurable,
    segment_from,
    settled,
    sides_for,
    toward_stance,
    two_leg_frames,
)
from hipsight.protocols.gates import ViewCheck, check_view, in_plane_frames
from hipsight.results import MetricValue, Segment, SideName, TestResult
from hipsight.wording import number

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

LIFT_HIP_WIDTHS = 0.3  # a foot is off the ground when its ankle is this many hip widths higher
MIN_HOLD_S = 1.0  # shorter lifts are steps or wobbles, not holds
SETTLE_S = 0.5  # left out at the start of a hold: the weight shift onto the stance leg

STANCE_LANDMARKS = (*LEG_LANDMARKS, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)


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
    phase = settled(start, stop, seq.t, seq.n_frames, SETTLE_S)
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
    lifted = lifted_feet(seq, gates.min_visibility, LIFT_HIP_WIDTHS)
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
    return assemble_result(PROTOCOL, view, metrics, segments, notes)


def stance_notes(baselines: dict[str, float | None]) -> list[str]:
    """What the drop and lean are relative to."""
    if baselines["pelvic_obliquity"] is None:
        return [
            "No two-leg standing before the first lift: pelvic drop and trunk lean are measured "
            "against level (0°), not against your own standing posture."
        ]
    return [
        "Pelvic drop and trunk lean are relative to your two-leg standing at the start "
        f"(pelvic obliquity {number(baselines['pelvic_obliquity'], '.1f')}° there)."
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
            view_tolerance=ViewTolerance("front", 54.9, 5.0),  # validation/view_tolerance.py
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
            view_tolerance=ViewTolerance("front", 59.9, 3.0),  # validation/view_tolerance.py
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
    order=30,
)
