"""Seated hip rotation: internal and external rotation of each hip, from a front view.

The person sits facing the camera, hips and knees at 90 deg, feet under the knees and the thigh
kept still. They turn one foot outward as far as it goes (internal rotation of the hip), hold,
return, turn it inward (external rotation), hold, return; then the other leg.

Measure: the shank (knee to ankle) against the true vertical in the frontal image,
``<side>_shank_frontal_inclination``: positive when the ankle is lateral of the knee, which in
this position is hip internal rotation; negative is external rotation. The thigh points at the
camera, so the shank swings in the image plane and the 2D angle is the rotation itself
(MediaPipe's depth is never used).

Segmentation: each end of a rotation is a peak (internal) or trough (external) of the shank angle
with a prominence of at least ``MIN_ROTATION_DEG``, on the positive (internal) or negative
(external) side of vertical. The value of a rotation is the shank angle at that extremum, after a
0.3 s moving mean (the end of a rotation is a hold; the mean keeps jitter from biasing the peak).

Gates, besides the view and visibility: at an extremum that counts

- the thigh stays still: the knee has moved by at most ``MAX_KNEE_SHIFT`` shank lengths (image
  distance knee-ankle) from its resting position relative to the mid-hip, so the foot's swing is
  not made by moving the thigh sideways;
- the pelvis does not hike: the pelvic obliquity differs by at most ``MAX_PELVIC_HIKE_DEG`` from
  its resting value.

The resting values are the medians over the frames where both shanks are within
``REST_BAND_DEG`` of vertical. Frames failing a gate do not count; a side with rotations only in
failing frames is ``not_measurable`` with the reason.

Metrics per side: ``internal_rotation`` and ``external_rotation`` (deg, both as positive
numbers), the largest valid rotation of each direction. Findings (graded after the
protocol, from norms.toml): each below its norm, left/right difference beyond the asymmetry
limit, and internal below external rotation by more than the relation rule's margin (healthy
seated IR is about 38 deg and ER about 40 deg, so a small deficit of IR against ER is normal).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    assemble_result,
    gated_metric,
    hidden_reason,
    landmark_xy,
    moving_mean,
    not_measurable,
    segment_from,
    sides_for,
)
from hipsight.protocols.gates import ViewCheck, check_view, in_plane_frames
from hipsight.protocols.segmentation import find_extrema
from hipsight.results import MetricValue, Segment, SideName, TestResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

MIN_ROTATION_DEG = 3.0  # prominence of a rotation's end in the shank angle
MIN_PERIOD_S = 1.0  # two ends of rotation are at least this far apart
REST_BAND_DEG = 5.0  # shank within this of vertical: resting
MAX_KNEE_SHIFT = 0.12  # knee displacement allowed, in shank lengths (about 5 cm)
MAX_PELVIC_HIKE_DEG = 5.0  # change of pelvic obliquity allowed

DIRECTIONS: dict[str, float] = {"internal_rotation": 1.0, "external_rotation": -1.0}
HINTS = {"internal_rotation": "outward", "external_rotation": "inward"}
LANDMARKS = (lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_KNEE, lm.RIGHT_KNEE, lm.LEFT_ANKLE, lm.RIGHT_ANKLE)


def shank_angle(table: AngleTable, side: SideName) -> FloatArray:
    return table.column(f"{side}_shank_frontal_inclination")


def resting_frames(table: AngleTable) -> BoolArray:
    """(T,) frames where both shanks are near vertical (the neutral sitting position)."""
    with np.errstate(invalid="ignore"):
        near = [np.abs(shank_angle(table, side)) <= REST_BAND_DEG for side in lm.SIDES]
    return np.asarray(near[0] & near[1])


def resting_median(values: FloatArray, rest: BoolArray) -> FloatArray:
    """Median over the resting frames (over all frames when there are none) of a (T,) or (T, D)
    series; NaN when it has no finite value."""
    frames = rest if np.isfinite(values[rest]).any() else np.ones_like(rest)
    chosen = values[frames]
    if not np.isfinite(chosen).any():
        return np.full(values.shape[1:], np.nan)
    return np.asarray(np.nanmedian(chosen, axis=0))


def knee_still(
    seq: PoseSequence, side: SideName, rest: BoolArray, min_visibility: float
) -> BoolArray:
    """(T,) frames where the knee stays within ``MAX_KNEE_SHIFT`` shank lengths of its rest."""
    hips = [landmark_xy(seq, lm.landmark_index("hip", s), min_visibility) for s in lm.SIDES]
    knee = landmark_xy(seq, lm.landmark_index("knee", side), min_visibility)
    ankle = landmark_xy(seq, lm.landmark_index("ankle", side), min_visibility)
    relative = knee - (hips[0] + hips[1]) / 2.0
    shank = float(resting_median(np.linalg.norm(ankle - knee, axis=1), rest))
    shift = np.linalg.norm(relative - resting_median(relative, rest), axis=1)
    with np.errstate(invalid="ignore"):
        return np.asarray(shift <= MAX_KNEE_SHIFT * shank)


def pelvis_level(table: AngleTable, rest: BoolArray) -> BoolArray:
    """(T,) frames where the pelvic obliquity is within ``MAX_PELVIC_HIKE_DEG`` of its rest."""
    obliquity = table.column("pelvic_obliquity")
    resting = float(resting_median(obliquity, rest))
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(obliquity - resting) <= MAX_PELVIC_HIKE_DEG)


def rotation_ends(values: FloatArray, t: FloatArray, sign: float) -> IntArray:
    """Frames where a rotation of this direction ends (extrema beyond vertical)."""
    ends = find_extrema(values, t, MIN_ROTATION_DEG, MIN_PERIOD_S, minima=sign < 0)
    return ends[sign * values[ends] > 0]


def rotation_metric(
    metric: str,
    side: SideName,
    table: AngleTable,
    *,
    ends: IntArray,
    gated: BoolArray,
    view: ViewCheck,
    blocked: str | None,
) -> MetricValue:
    """The largest rotation of one direction over the ends that pass the gates.

    ``blocked`` is a reason that stops every measurement (wrong view, hidden body).
    """
    if blocked:
        return not_measurable(PROTOCOL, metric, side, blocked)
    if ends.size == 0:
        reason = (
            f"no {metric.replace('_', ' ')} of the {side} hip found: turn the {side} foot "
            f"{HINTS[metric]} as far as it goes, hold, and come back"
        )
        return not_measurable(PROTOCOL, metric, side, reason)
    if not gated[ends].any():
        reason = (
            f"{metric.replace('_', ' ')} of the {side} hip not counted: at the end of every "
            "rotation the thigh moved sideways or the pelvis lifted; keep the thigh still and "
            "both sit bones on the chair"
        )
        return not_measurable(PROTOCOL, metric, side, reason)
    values = DIRECTIONS[metric] * moving_mean(shank_angle(table, side), table.t)
    with np.errstate(invalid="ignore"):
        phase = values > MIN_ROTATION_DEG
    angle = f"{side}_shank_frontal_inclination"

    def largest(valid: BoolArray) -> float:
        counted = ends[valid[ends]]
        return float(values[counted].max()) if counted.size else float("nan")

    label = f"{side} {metric.replace('_', ' ')} (thigh still, pelvis level)"
    return gated_metric(PROTOCOL, metric, side, table, (angle,), phase, largest, view, gated, label)


def rotation_segments(
    table: AngleTable, ends: dict[tuple[str, SideName], IntArray], gated: dict[SideName, BoolArray]
) -> list[Segment]:
    """One ``hold`` segment per end of rotation (0.25 s either side of it), in time order."""
    half = round(0.25 / float(np.median(np.diff(table.t)))) if table.n_frames > 1 else 0
    found = sorted((int(i), metric, side) for (metric, side), idx in ends.items() for i in idx)
    segments = []
    for k, (i, metric, side) in enumerate(found):
        values: dict[str, float | None] = {
            metric: round(float(abs(shank_angle(table, side)[i])), 2),
            "counted": float(gated[side][i]),
        }
        start, stop = max(0, i - half), min(table.n_frames, i + half + 1)
        segments.append(segment_from("hold", k, start, stop, table.t, side, values))
    return segments


def measure_hip_rotation(
    seq: PoseSequence, table: AngleTable, context: MeasureContext
) -> TestResult:
    """Internal and external rotation per side, gated on a still thigh and a level pelvis."""
    gates = PROTOCOL.gates
    view = check_view(seq, "front", gates)
    blocked = (None if view.ok else view.reason) or hidden_reason(seq, LANDMARKS, gates)
    rest = resting_frames(table)
    level = pelvis_level(table, rest) & in_plane_frames(seq, "front", gates)
    metrics: list[MetricValue] = []
    ends: dict[tuple[str, SideName], IntArray] = {}
    gated: dict[SideName, BoolArray] = {}
    for side in sides_for(context):
        gated[side] = level & knee_still(seq, side, rest, gates.min_visibility)
        for metric, sign in DIRECTIONS.items():
            ends[metric, side] = rotation_ends(shank_angle(table, side), table.t, sign)
            metrics.append(
                rotation_metric(
                    metric,
                    side,
                    table,
                    ends=ends[metric, side],
                    gated=gated[side],
                    view=view,
                    blocked=blocked,
                )
            )
    segments = [] if blocked else rotation_segments(table, ends, gated)
    return assemble_result(PROTOCOL, view, metrics, segments, rotation_notes(rest))


def rotation_notes(rest: BoolArray) -> list[str]:
    notes = [
        "Rotation is the shank's angle from vertical; sit with the feet under the knees so that "
        "the resting shank is vertical."
    ]
    if not rest.any():
        notes.append(
            "No resting position (both shanks near vertical) was found: the thigh and pelvis "
            "gates compare with the median of the whole recording."
        )
    return notes


PROTOCOL = Protocol(
    id="hip_rotation",
    title="Seated hip rotation",
    instructions=(
        "Sit facing the camera, hips and knees bent at a right angle, feet under your knees. "
        "Keep your thigh still. Turn your foot outward as far as it goes, hold two seconds, and "
        "come back. Then turn it inward, hold two seconds, and come back."
    ),
    position="seated",
    view="front",
    angles=(
        "left_shank_frontal_inclination",
        "right_shank_frontal_inclination",
        "pelvic_obliquity",
    ),
    key_angle="left_shank_frontal_inclination",
    key_band=(-40.0, 38.0),
    metrics=(
        MetricSpec(
            "internal_rotation",
            "Internal rotation",
            "deg",
            norm="hip_rotation_internal",
            description=(
                "Shank against the vertical at the end of the rotation with the foot turned "
                "outward; largest rotation that passed the gates."
            ),
            view_tolerance=ViewTolerance("front", 29.7, 6.4),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "external_rotation",
            "External rotation",
            "deg",
            norm="hip_rotation_external",
            description="As internal rotation, with the foot turned inward (reported positive).",
            view_tolerance=ViewTolerance("front", 4.9, 6.4),  # validation/view_tolerance.py
        ),
    ),
    segmentation=(
        f"Ends of rotation are peaks (internal) and troughs (external) of the shank angle with a "
        f"prominence of at least {MIN_ROTATION_DEG:g}°. An end counts only if the knee stayed "
        f"within {MAX_KNEE_SHIFT:g} shank lengths of its rest position and the pelvic obliquity "
        f"within {MAX_PELVIC_HIKE_DEG:g}° of its rest value."
    ),
    measure=measure_hip_rotation,
    duration_s=15.0,  # per leg: in, hold, back, out, hold, back
    per_side=True,
    order=50,
)
