"""Single-leg glute bridge (front view, filmed from the feet): pelvic drop and hold time per leg.

The person lies on their back with the feet toward the camera, bridges up on both feet, then
straightens one leg in line with the thigh and holds, keeping the pelvis level; then the other
leg. The camera at the feet sees the hip line across the image, so a pelvis that drops on the
unsupported side shows as pelvic obliquity. Each metric is reported for the **supporting** leg
(the leg doing the work), as for single-leg stance.

Segmentation (as in :mod:`hipsight.protocols.single_leg_stance`, with the same helpers from
:mod:`hipsight.protocols.common`): a foot is lifted while its ankle is at least
``LIFT_HIP_WIDTHS`` hip widths higher in the image than the other ankle; the hold on the left leg
is the longest run (at least ``MIN_HOLD_S``) with the right foot lifted.

Metrics, per supporting leg:

- ``single_leg_pelvic_drop`` (deg): pelvic obliquity (hip line against the true horizontal)
  signed so that positive = the unsupported (lifted-leg) side lower, minus the obliquity of the
  two-foot frames before the first lift when there are enough of them; median over the hold after
  its first ``SETTLE_S``.
- ``single_leg_hold_time`` (s): duration of the run with the other foot lifted.

The bilateral bridge is filmed from the side: :mod:`hipsight.protocols.bridge`.
"""

from __future__ import annotations

from hipsight.kinematics.table import AngleTable
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    LEG_LANDMARKS,
    OTHER,
    assemble_result,
    baseline_of,
    gated_metric,
    hidden_reason,
    hold_duration,
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
from hipsight.protocols.gates import check_view, in_plane_frames
from hipsight.results import MetricValue, Segment, TestResult
from hipsight.wording import number

LIFT_HIP_WIDTHS = 0.5  # the free leg is straightened in line with the thigh: its ankle is high
MIN_HOLD_S = 1.0  # shorter lifts are steps or wobbles, not holds (as in single-leg stance)
SETTLE_S = 0.5  # left out at the start of a hold: the shift onto one leg (as in single-leg stance)

METRICS = ("single_leg_pelvic_drop", "single_leg_hold_time")


def measure_single_leg_bridge(
    seq: PoseSequence, table: AngleTable, context: MeasureContext
) -> TestResult:
    """Pelvic drop on the unsupported side and hold time for each supporting leg."""
    gates = PROTOCOL.gates
    view = check_view(seq, "front", gates)
    blocked = (None if view.ok else view.reason) or hidden_reason(seq, LEG_LANDMARKS, gates)
    lifted = lifted_feet(seq, gates.min_visibility, LIFT_HIP_WIDTHS)
    obliquity = table.column("pelvic_obliquity")
    before = two_leg_frames(lifted, seq, gates) & table.validity("pelvic_obliquity")
    baseline = baseline_of(obliquity, before, gates)
    in_plane = in_plane_frames(seq, "front", gates)
    metrics: list[MetricValue] = []
    segments: list[Segment] = []
    for side in sides_for(context):
        hold = None if blocked else longest_run(lifted[OTHER[side]], seq.t, MIN_HOLD_S)
        if blocked or hold is None:
            reason = blocked or (
                f"no single-leg hold on the {side} leg found: bridge up, then straighten the "
                f"{OTHER[side]} leg in line with the thigh for at least {MIN_HOLD_S:g} s"
            )
            metrics += [not_measurable(PROTOCOL, metric, side, reason) for metric in METRICS]
            continue
        leg = [
            gated_metric(
                PROTOCOL,
                "single_leg_pelvic_drop",
                side,
                table,
                ("pelvic_obliquity",),
                settled(*hold, seq.t, seq.n_frames, SETTLE_S),
                median_over(toward_stance(obliquity, side, baseline)),
                view=view,
                extra=in_plane,
            ),
            hold_duration(PROTOCOL, "single_leg_hold_time", side, seq, hold),
        ]
        values = {m.metric: m.value for m in leg}
        segments.append(segment_from("hold", len(segments), *hold, seq.t, side, values))
        metrics += leg
    notes = bridge_notes(baseline) if not blocked else []
    return assemble_result(PROTOCOL, view, metrics, segments, notes)


def bridge_notes(baseline: float | None) -> list[str]:
    if baseline is None:
        return [
            "No two-foot bridge before the first lift: the pelvic drop is measured against "
            "level (0°)."
        ]
    return [
        f"Pelvic drop is relative to the two-foot position ({number(baseline, '.1f')}° obliquity)."
    ]


PROTOCOL = Protocol(
    id="single_leg_bridge",
    title="Single-leg glute bridge",
    instructions=(
        "Lie on your back with your feet toward the camera, knees bent, and lift your hips. "
        "Then straighten one leg in line with your thigh and hold for thirty seconds, keeping "
        "your hips level. Lower slowly."
    ),
    position="lying",
    view="front",
    angles=("pelvic_obliquity",),
    key_angle="pelvic_obliquity",
    key_band=(-5.0, 5.0),
    metrics=(
        MetricSpec(
            "single_leg_pelvic_drop",
            "Pelvic drop (unsupported side)",
            "deg",
            norm="bridge_single_leg_pelvic_drop",
            description=(
                "Hip line against the horizontal, + = the lifted-leg side lower, relative to the "
                "two-foot bridge; median of the hold. Side = supporting leg."
            ),
        ),
        MetricSpec(
            "single_leg_hold_time",
            "Single-leg hold time",
            "s",
            norm="bridge_single_leg_hold",
            description="Time with the other leg lifted (longest run). Side = supporting leg.",
        ),
    ),
    segmentation=(
        f"A foot is lifted while its ankle is at least {LIFT_HIP_WIDTHS:g} hip widths higher in "
        "the image than the other ankle; the hold on one leg is the longest run (at least "
        f"{MIN_HOLD_S:g} s) with the other foot lifted. The drop leaves out the first "
        f"{SETTLE_S:g} s of the hold; the two-foot frames before the first lift are its baseline."
    ),
    measure=measure_single_leg_bridge,
    hold_s=30.0,
    duration_s=40.0,
    per_side=True,
    order=61,
)
