"""Modified Thomas test: hip-flexor length from the hanging leg, with a still-pelvis check.

The person sits at the edge of a bed or bench, side-on to the camera, lies back while hugging
one knee to the chest, and lets the other leg hang over the edge, relaxed, for about five
seconds. The hanging leg is the measured side: by default the leg with the more extended hip
(the hugged leg's hip is flexed beyond ``HUGGED_MIN_FLEXION_DEG``); ``MeasureContext.side``
names it explicitly.

Segmentation: *lying* frames have the trunk at least ``LYING_MIN_DEG`` from upright
(``trunk_inclination <= -LYING_MIN_DEG``, supine; a side view is required). Within the longest
lying run, *settled* frames are those where the trunk, the hanging thigh and the hanging knee
each change slower than ``MAX_SPEED_DEG_S`` over a 0.5 s window; the settled runs of at least
``MIN_RUN_S`` make up the still part, which must last ``MIN_SETTLED_S`` in total.

Metrics (median over the still part, hanging side only):

- ``thigh_above_horizontal`` = ``thigh_inclination - 90``: the thigh (hip→knee) against the true
  horizontal, + = knee above the level of the hip (thigh above horizontal), − = below. For a
  supine body the flexion sense points up, so ``thigh_inclination`` is 90 when the thigh is level.
- ``knee_flexion``: the hanging knee's flexion (0 = straight).

Validity: the test is invalid if the pelvis tilts (the lumbar spine then flattens or arches and
the thigh moves with it). Landmarks do not show the pelvis, so the trunk line (mid-hip→
mid-shoulder) stands in for it: when its inclination spans more than ``TRUNK_TOLERANCE_DEG``
over the still part, every metric is ``not_measurable`` with that reason.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.motion import still_frames
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import assemble_result, gated_metric, median_over, segment_from
from hipsight.protocols.gates import ViewCheck, check_frames, check_view, in_plane_frames
from hipsight.protocols.segmentation import fill_small_gaps, runs
from hipsight.results import MetricValue, Segment, SideName, TestResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

LYING_MIN_DEG = 65.0  # trunk at least this far back from upright counts as lying
NO_LYING_PHASE = (
    f"no lying phase found: the trunk never reclined more than {LYING_MIN_DEG:g}° from upright "
    "in a side view; lie back on the bed edge, side-on to the camera"
)
MAX_SPEED_DEG_S = 10.0  # settled: trunk, thigh and knee change slower than this
MIN_RUN_S = 0.5  # settled runs shorter than this are pauses, not the hold
MIN_SETTLED_S = 2.0  # the still part must last at least this long in total
TRUNK_TOLERANCE_DEG = 5.0  # the trunk/pelvis line may move at most this much
HUGGED_MIN_FLEXION_DEG = 60.0  # a hip flexed beyond this is the hugged leg, not the hanging one
SIDES: tuple[SideName, SideName] = ("left", "right")


def leg_angles(side: SideName) -> tuple[str, str, str, str]:
    return (
        f"{side}_thigh_inclination",
        f"{side}_knee_flexion",
        f"{side}_hip_flexion",
        "trunk_inclination",
    )


def lying_phase(table: AngleTable, in_plane: BoolArray) -> BoolArray:
    """(T,) the longest run of frames lying back (trunk well behind upright) in a side view."""
    trunk = fill_small_gaps(np.where(in_plane, table.column("trunk_inclination"), np.nan))
    with np.errstate(invalid="ignore"):
        lying = trunk <= -LYING_MIN_DEG
    phase = np.zeros(table.n_frames, dtype=bool)
    spans = runs(lying)
    if spans:
        start, stop = max(spans, key=lambda s: s[1] - s[0])
        phase[start:stop] = True
    return phase


def settled_frames(table: AngleTable, side: SideName, phase: BoolArray) -> BoolArray:
    """(T,) frames of the phase where trunk, thigh and knee are still, in runs of MIN_RUN_S."""
    still = phase.copy()
    for name in (f"{side}_thigh_inclination", f"{side}_knee_flexion", "trunk_inclination"):
        still &= still_frames(fill_small_gaps(table.column(name)), table.t, MAX_SPEED_DEG_S)
    kept = np.zeros_like(still)
    for start, stop in runs(still):
        if table.t[stop - 1] - table.t[start] >= MIN_RUN_S:
            kept[start:stop] = True
    return kept


def hanging_side(table: AngleTable, phase: BoolArray, context: MeasureContext) -> SideName | None:
    """The named side, else the leg whose hip is extended (not hugged) while lying."""
    if context.side in ("left", "right"):
        return context.side
    flexion = {
        side: table.column(f"{side}_hip_flexion")[phase & table.validity(f"{side}_hip_flexion")]
        for side in SIDES
    }
    medians = {side: float(np.median(v)) for side, v in flexion.items() if v.size >= 3}
    if not medians:
        return None
    side = min(medians, key=lambda s: medians[s])
    if medians[side] < HUGGED_MIN_FLEXION_DEG:
        return side
    hugged = [s for s in SIDES if s in medians]
    return next((s for s in SIDES if s not in hugged), None)


def trunk_movement(table: AngleTable, frames: BoolArray) -> float:
    """Span (max - min) of the trunk inclination over ``frames``, degrees (NaN if none)."""
    trunk = table.column("trunk_inclination")[frames & table.validity("trunk_inclination")]
    return float(np.ptp(trunk)) if trunk.size else float("nan")


def all_not_measurable(sides: tuple[SideName, ...], reason: str) -> list[MetricValue]:
    return [
        MetricValue.not_measurable(spec.id, side, spec.unit, reason, spec.norm)
        for side in sides
        for spec in PROTOCOL.metrics
    ]


def hold_problem(
    table: AngleTable, side: SideName, phase: BoolArray, settled: BoolArray
) -> str | None:
    """Why the hold cannot be measured: not lying, never still, or the pelvis moved."""
    if not phase.any():
        return NO_LYING_PHASE
    visible = check_frames(
        table, leg_angles(side), phase, PROTOCOL.gates, label=f"the {side} hanging leg while lying"
    )
    if not visible.ok:
        return visible.reason
    settled_s = (
        float(settled.sum()) * float(np.median(np.diff(table.t))) if table.n_frames > 1 else 0.0
    )
    if settled_s < MIN_SETTLED_S:
        return (
            f"the {side} leg never hung still: {settled_s:.1f} s settled, need "
            f"{MIN_SETTLED_S:g} s; let the leg hang relaxed and keep still for 5 s"
        )
    moved = trunk_movement(table, settled)
    if moved > TRUNK_TOLERANCE_DEG:
        return (
            f"trial rejected: the trunk/pelvis line moved {moved:.1f}° while the leg hung "
            f"(tolerance {TRUNK_TOLERANCE_DEG:g}°); the modified Thomas test is invalid when "
            "the pelvis tilts. Keep the other knee hugged to the chest and repeat"
        )
    return None


def leg_metrics(
    table: AngleTable, side: SideName, settled: BoolArray, view: ViewCheck
) -> list[MetricValue]:
    thigh = table.column(f"{side}_thigh_inclination") - 90.0
    knee = table.column(f"{side}_knee_flexion")
    angles = leg_angles(side)
    return [
        gated_metric(
            PROTOCOL,
            "thigh_above_horizontal",
            side,
            table,
            angles,
            settled,
            median_over(thigh),
            view=view,
            label=f"{side} hanging thigh",
        ),
        gated_metric(
            PROTOCOL,
            "knee_flexion",
            side,
            table,
            angles,
            settled,
            median_over(knee),
            view=view,
            label=f"{side} hanging knee",
        ),
    ]


def hold_segment(
    table: AngleTable, side: SideName | None, settled: BoolArray, metrics: list[MetricValue]
) -> list[Segment]:
    spans = runs(settled)
    if not spans:
        return []
    values: dict[str, float | None] = {m.metric: m.value for m in metrics if m.side == side}
    values["trunk_movement"] = round(trunk_movement(table, settled), 2)
    return [segment_from("hold", 0, spans[0][0], spans[-1][1], table.t, side, values)]


def measure_thomas(seq: PoseSequence, table: AngleTable, context: MeasureContext) -> TestResult:
    """The hanging thigh against the horizontal and its knee flexion, if the pelvis held still."""
    gates = PROTOCOL.gates
    view = check_view(seq, "side", gates)
    in_plane = in_plane_frames(seq, "side", gates)
    phase = lying_phase(table, in_plane)
    side = hanging_side(table, phase, context)
    notes = [
        "The trunk line stands in for the pelvis (landmarks do not show it); a trial is rejected "
        f"when it moves more than {TRUNK_TOLERANCE_DEG:g}°.",
        "Screening, not diagnosis: a thigh above horizontal suggests short hip flexors.",
    ]
    if not view.ok:
        return assemble_result(
            PROTOCOL,
            view,
            all_not_measurable((side,) if side else SIDES, view.reason or "wrong camera view"),
            notes=notes,
        )
    if side is None:
        reason = (
            "the hanging leg is not visible: neither leg's hip, knee and ankle pass the "
            "visibility gate while lying"
            if phase.any()
            else NO_LYING_PHASE
        )
        return assemble_result(PROTOCOL, view, all_not_measurable(SIDES, reason), notes=notes)
    settled = settled_frames(table, side, phase)
    problem = hold_problem(table, side, phase, settled)
    metrics = (
        all_not_measurable((side,), problem) if problem else leg_metrics(table, side, settled, view)
    )
    return assemble_result(
        PROTOCOL, view, metrics, hold_segment(table, side, settled, metrics), notes
    )


PROTOCOL = Protocol(
    id="thomas",
    title="Modified Thomas test (hip flexor length)",
    instructions=(
        "Sit on the edge of a bed, side-on to the camera. Hug one knee to your chest and lie back. "
        "Let the other leg hang over the edge, fully relaxed. Keep still for five seconds. Then "
        "sit up, and repeat with the other leg."
    ),
    position="lying",
    view="side",
    angles=(
        "left_thigh_inclination",
        "right_thigh_inclination",
        "left_knee_flexion",
        "right_knee_flexion",
        "left_hip_flexion",
        "right_hip_flexion",
        "trunk_inclination",
    ),
    key_angle="left_thigh_inclination",
    key_band=(60.0, 90.0),
    metrics=(
        MetricSpec(
            "thigh_above_horizontal",
            "Thigh above horizontal",
            "deg",
            norm="thomas_thigh_above_horizontal",
            description=(
                "Hanging thigh against the true horizontal, + = knee above hip level; "
                "median of the still part."
            ),
            view_tolerance=ViewTolerance("side", 21.3, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "knee_flexion",
            "Hanging knee flexion",
            "deg",
            norm="thomas_knee_flexion",
            description="Knee flexion of the hanging leg (0 = straight); median of the still part.",
            view_tolerance=ViewTolerance("side", 16.7, 5.6),  # validation/view_tolerance.py
        ),
    ),
    segmentation=(
        f"Lying = trunk at least {LYING_MIN_DEG:g}° back from upright; within the longest "
        f"lying run, frames where trunk, hanging thigh and knee change slower than "
        f"{MAX_SPEED_DEG_S:g}°/s over 0.5 s (runs of {MIN_RUN_S:g} s or more) make the still "
        f"part, at least {MIN_SETTLED_S:g} s. "
        f"Rejected when the trunk line moves more than {TRUNK_TOLERANCE_DEG:g}° over it."
    ),
    measure=measure_thomas,
    hold_s=5.0,
    duration_s=15.0,
    per_side=True,
    order=45,
)
