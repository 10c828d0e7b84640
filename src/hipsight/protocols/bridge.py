"""Glute bridge (side view): peak hip extension, time to reach it, and sag during the hold.

The person lies on their back, knees bent and feet flat, side-on to the camera. They lie still for
two seconds, lift the hips until shoulders, hips and knees form a straight line, hold, and lower.
The single-leg version is filmed from the feet and is its own protocol
(:mod:`hipsight.protocols.single_leg_bridge`).

Bridge angle: the shoulder-hip-knee angle in the image, 180 deg = a straight line, more than 180
= the hips pushed past the line (arching). It is derived from the sagittal hip angle of the
kinematics: ``bridge angle = 180 - <side>_hip_flexion``; the hip angle is the angle between the
trunk line (mid-hip to mid-shoulder) and the thigh (hip to knee), so this is exactly the
shoulder-hip-knee angle with the shoulders and hips taken at their midpoints, and it keeps the
hip angle's sign (extension past the straight line reads above 180). It is measured on the leg
nearer the camera (:func:`~hipsight.protocols.common.near_leg`); the far leg is hidden behind it
in a real side view.

Segmentation: the resting level is the lowest bridge angle before each lift; a lift is a run of
frames around a peak of the angle, above half-way between that resting level and the peak,
lasting at least ``MIN_LIFT_S`` (:func:`~hipsight.protocols.segmentation.raised_spans`).
Per lift, with ``excursion`` = peak - rest:

- ``peak_extension``: the highest bridge angle of the lift (deg);
- ``time_to_peak``: time from lift-off (10 % of the excursion) to the top (90 %) (s);
- ``hold_sag``: the drop from the peak to the lowest angle during the hold (deg). The hold runs
  from the top until the last frame, before the lowering, in which the angle still changes
  slower than ``HOLD_MAX_SPEED`` deg/s.

A lift counts when the shoulders and the feet stay on the floor (their image tracks spread by
at most ``MAX_PLANTED_TRAVEL`` torso lengths from lift-off to the end of the lowering): rolling
over, sitting up or getting up raises the trunk angle too, but moves them, and is kept as a
``rejected rep`` segment with a note saying why. ``rep_count`` is the number of lifts that count.

With several lifts each metric is the mean over the lifts; every lift is a ``rep`` segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.motion import still_frames
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    assemble_result,
    finite_values,
    gated_metric,
    hidden_reason,
    mean_over,
    moving_mean,
    near_leg,
    not_measurable,
    segment_from,
)
from hipsight.protocols.gates import check_view, in_plane_frames
from hipsight.protocols.segmentation import fill_small_gaps, raised_spans
from hipsight.protocols.validity import (
    Candidate,
    body_scale,
    mean_track,
    planted,
    rejected_notes,
    verdicts,
)
from hipsight.results import MetricValue, SideName, TestResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MIN_EXCURSION_DEG = 15.0  # a lift raises the bridge angle by at least this much
MIN_LIFT_S = 0.5
ONSET, TOP = 0.1, 0.9  # fractions of the excursion: lift-off and top
HOLD_MAX_SPEED = 8.0  # deg/s: slower is holding (or sagging), faster is lowering
MAX_PLANTED_TRAVEL = 0.35  # torso lengths the shoulders or feet may move in a lift (they roll)

METRICS = ("peak_extension", "time_to_peak", "hold_sag")


def bridge_angle(table: AngleTable, side: SideName, valid: BoolArray) -> FloatArray:
    """(T,) shoulder-hip-knee angle, 180 - hip flexion (180 = straight line), NaN where not
    ``valid``."""
    return np.where(valid, 180.0 - table.column(f"{side}_hip_flexion"), np.nan)


@dataclass(frozen=True)
class Lift:
    """One bridge lift: lift-off, top reached, peak, end of hold and end (frame indices)."""

    onset: int
    top: int
    peak: int
    hold_end: int
    stop: int


def find_lifts(angle: FloatArray, smooth: FloatArray, t: FloatArray) -> list[Lift]:
    """The lifts in a bridge-angle series (NaN where not valid).

    Levels (rest, peak, hold) are read on ``smooth`` (the series after a moving mean), so that
    jitter does not bias the extremes; the 10 % and 90 % crossings on the series itself, so that
    the smoothing does not stretch the rise.
    """
    raw, x = fill_small_gaps(angle), fill_small_gaps(smooth)
    if np.isfinite(x).sum() < 3 or np.nanmax(x) - np.nanmin(x) < MIN_EXCURSION_DEG:
        return []
    spans = raised_spans(x, t, MIN_EXCURSION_DEG, MIN_LIFT_S)
    still = still_frames(x, t, HOLD_MAX_SPEED, window_s=0.0)  # each frame and its neighbours
    lifts, previous = [], 0
    for start, stop in spans:
        lift = describe_lift(x, raw, still, (previous, start, stop))
        if lift is not None:
            lifts.append(lift)
        previous = stop
    return lifts


def describe_lift(
    x: FloatArray, raw: FloatArray, still: BoolArray, frames: tuple[int, int, int]
) -> Lift | None:
    """Lift-off, top, peak and hold end of the lift whose high part is ``start..stop``, after
    the previous lift ended at ``previous`` (``frames``); ``x`` smoothed, ``raw`` not."""
    previous, start, stop = frames
    peak = start + int(np.nanargmax(x[start:stop]))
    rest = float(np.nanmin(x[previous : peak + 1]))
    excursion = x[peak] - rest
    if not excursion >= MIN_EXCURSION_DEG:
        return None
    rising = np.arange(previous, peak + 1)
    with np.errstate(invalid="ignore"):
        below = rising[raw[rising] < rest + ONSET * excursion]
        reached = rising[raw[rising] >= rest + TOP * excursion]
    onset = int(below[-1]) + 1 if below.size else previous
    top = int(reached[reached >= onset][0])
    holding = np.flatnonzero(still[peak:stop])
    hold_end = peak + int(holding[-1]) if holding.size else peak
    return Lift(onset, top, peak, hold_end, stop)


def judge_lifts(seq: PoseSequence, lifts: list[Lift]) -> list[Candidate]:
    """Which lift candidates are bridges: the shoulders and the feet stay on the floor
    (within ``MAX_PLANTED_TRAVEL`` torso lengths) from lift-off to the end of the lowering.
    Rolling over, sitting up or getting up moves them and does not count."""
    if not lifts:
        return []
    min_visibility = PROTOCOL.gates.min_visibility
    spans = [(lift.onset, lift.stop) for lift in lifts]
    scale = body_scale(seq, min_visibility)
    shoulders = mean_track(seq, (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER), min_visibility)
    feet = [
        mean_track(seq, pair, min_visibility)
        for pair in ((lm.LEFT_ANKLE, lm.RIGHT_ANKLE), (lm.LEFT_HEEL, lm.RIGHT_HEEL))
    ]
    checks = {
        "shoulders_moved": planted([shoulders], spans, scale),
        "feet_moved": planted(feet, spans, scale),
    }
    limit = (0.0, MAX_PLANTED_TRAVEL)
    return verdicts(spans, checks, dict.fromkeys(checks, limit))


def count_lifts(seq: PoseSequence, lifts: list[Lift], blocked: str | None) -> MetricValue:
    """The number of bridge lifts (0 is a measured count when the body is seen)."""
    if blocked:
        return not_measurable(PROTOCOL, "rep_count", None, blocked)
    seen = seq.detected
    return MetricValue.measured(
        "rep_count", None, len(lifts), "count", float(seen.mean()), int(seen.sum())
    )


def lift_values(angle: FloatArray, t: FloatArray, lift: Lift, valid: BoolArray) -> dict[str, float]:
    """Peak, time to peak, sag and hold time of one lift from the (smoothed) ``angle``; NaN when
    the lift's key frames are not valid."""
    hold = np.arange(lift.peak, lift.hold_end + 1)
    hold = hold[valid[hold]]
    if not (valid[lift.peak] and valid[lift.onset] and valid[lift.top] and hold.size):
        return dict.fromkeys((*METRICS, "hold_s"), float("nan"))
    return {
        "peak_extension": float(angle[lift.peak]),
        "time_to_peak": float(t[lift.top] - t[lift.onset]),
        "hold_sag": float(angle[lift.peak] - angle[hold].min()),
        "hold_s": float(t[lift.hold_end] - t[lift.top]),
    }


def measure_bridge(seq: PoseSequence, table: AngleTable, context: MeasureContext) -> TestResult:
    """Peak bridge angle, time to reach it and sag during the hold, on the near leg."""
    gates = PROTOCOL.gates
    view = check_view(seq, "side", gates)
    side = near_leg(seq, context)
    hip = f"{side}_hip_flexion"
    landmarks = (
        lm.LEFT_SHOULDER,
        lm.RIGHT_SHOULDER,
        lm.LEFT_HIP,
        lm.RIGHT_HIP,
        lm.landmark_index("knee", side),
    )
    blocked = (None if view.ok else view.reason) or hidden_reason(seq, landmarks, gates)
    in_plane = in_plane_frames(seq, "side", gates)
    valid = table.validity(hip) & in_plane
    angle = bridge_angle(table, side, valid)
    smooth = moving_mean(angle, table.t)
    candidates = [] if blocked else find_lifts(angle, smooth, table.t)
    judged = judge_lifts(seq, candidates)
    lifts = [lift for lift, verdict in zip(candidates, judged, strict=True) if verdict.counts]
    count = count_lifts(seq, lifts, blocked)
    if not blocked and not lifts:
        blocked = (
            "no bridge lift found: the shoulder-hip-knee angle never rose by "
            f"{MIN_EXCURSION_DEG:g}° with the shoulders and feet staying on the floor; lie "
            "still for two seconds, then lift the hips and hold"
        )
    phase = np.zeros(table.n_frames, dtype=bool)
    for lift in lifts:
        phase[lift.onset : lift.stop] = True
    by_lift = [lift_values(smooth, table.t, lift, valid) for lift in lifts]
    metrics = [count] + [
        not_measurable(PROTOCOL, key, None, blocked)
        if blocked
        else gated_metric(
            PROTOCOL,
            key,
            None,
            table,
            (hip,),
            phase,
            mean_over([values[key] for values in by_lift]),
            view=view,
            extra=in_plane,
        )
        for key in METRICS
    ]
    segments = [
        segment_from("rep", i, lift.onset, lift.stop, table.t, None, finite_values(values))
        for i, (lift, values) in enumerate(zip(lifts, by_lift, strict=True))
    ]
    segments += [
        segment_from("rejected rep", i, *c.span, table.t, None, finite_values(c.checks))
        for i, c in enumerate(c for c in judged if not c.counts)
    ]
    notes = [
        f"Measured on the {side} leg (the one nearer the camera).",
        *rejected_notes("lift", judged, table.t),
    ]
    return assemble_result(PROTOCOL, view, metrics, segments, notes)


PROTOCOL = Protocol(
    id="bridge",
    title="Glute bridge",
    instructions=(
        "Lie on your back side-on to the camera, knees bent, feet flat. Stay still for two "
        "seconds. Then lift your hips until shoulders, hips and knees make a straight line, hold "
        "for ten seconds, and lower slowly."
    ),
    position="lying",
    view="side",
    angles=("left_hip_flexion", "right_hip_flexion"),
    key_angle="left_hip_flexion",
    key_band=(-10.0, 10.0),
    metrics=(
        MetricSpec(
            "rep_count",
            "Lifts",
            "count",
            per_side=False,
            description="Bridge lifts found, with the shoulders and feet staying on the floor.",
        ),
        MetricSpec(
            "peak_extension",
            "Peak bridge angle (shoulder-hip-knee)",
            "deg",
            per_side=False,
            norm="bridge_extension",
            description="Highest shoulder-hip-knee angle of the lift; 180 = straight line.",
            view_tolerance=ViewTolerance("side", 60.1, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "time_to_peak",
            "Time to reach the top",
            "s",
            per_side=False,
            description="From lift-off (10 % of the rise) to the top (90 % of the rise).",
        ),
        MetricSpec(
            "hold_sag",
            "Sag during the hold",
            "deg",
            per_side=False,
            norm="bridge_sag",
            description="Peak angle minus the lowest angle during the hold, before lowering.",
            view_tolerance=ViewTolerance("side", 0.0, 2.0),  # validation/view_tolerance.py
        ),
    ),
    segmentation=(
        "A lift is a run, around a peak, above half-way between the resting angle before it and "
        "the peak "
        f"(at least {MIN_LIFT_S:g} s, excursion at least {MIN_EXCURSION_DEG:g}°). Lift-off and "
        f"top are the {100 * ONSET:g} % and {100 * TOP:g} % crossings of the excursion; the hold "
        "ends at the last frame, before lowering, that changes slower than "
        f"{HOLD_MAX_SPEED:g}°/s. A lift counts when the shoulders and the feet stay within "
        f"{MAX_PLANTED_TRAVEL:g} torso lengths (rolling over, sitting up or getting up do not)."
    ),
    measure=measure_bridge,
    hold_s=10.0,
    duration_s=20.0,
    per_side=False,
    order=60,
)
