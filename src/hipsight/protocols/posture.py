"""Standing posture: frontal-plane levels from a front view, sagittal alignment from a side view.

The person stands still facing the camera (or with the back to it), then turns sideways and
stands still again; one recording may hold both views, or each view may be a recording of its
own. Every frame is labelled front, side or oblique from the landmarks
(:func:`~hipsight.protocols.gates.view_labels`); oblique and turning frames are never used.

Front view (median over the still front-view frames):

- ``pelvic_obliquity``: hip line (right→left hip) against the true horizontal, + = LEFT hip higher;
- ``shoulder_tilt``: shoulder line against the true horizontal, + = LEFT shoulder higher;
- ``trunk_lateral_lean``: trunk (mid-hip→mid-shoulder) against the true vertical in the frontal
  plane, + = leaning toward the person's LEFT.

Side view (median over the still side-view frames):

- ``trunk_inclination``: trunk against the true vertical, + = forward lean;
- ``pelvic_tilt_estimate``: MediaPipe has no ASIS or PSIS landmarks, so the pelvis itself is
  invisible. The estimate is the standing **trunk–thigh angle** (the sagittal hip angle between
  the mid-hip→mid-shoulder line and the hip→knee line, mean of the legs that are visible).
  When the pelvis tilts forward over vertical thighs and the trunk goes with it, this angle grows
  by the same amount (+ = anterior-tilt direction, trunk forward of the thighs; − = hips pushed
  forward / posterior-tilt direction). A tilt that the lumbar spine fully hides by arching (trunk
  kept upright) does not change it, and bone shape alone varies ASIS–PSIS tilt by 0–23°, so the
  absolute number is not a pelvic tilt. It is reported descriptively, never against a norm, and
  as ``pelvic_tilt_change`` (estimate minus the person's own baseline) when the context has a
  baseline: ``MeasureContext.baseline["pelvic_tilt_estimate"]`` (a previous posture recording with
  the same set-up), else the mean of the reference ``left_hip_flexion``/``right_hip_flexion`` of a
  stance calibration (``hipsight calibrate stance``).

Metrics of a view that the recording does not show are ``not_measurable`` ("needs a front
view" / "needs a side view"). The evidence linking pelvic tilt to low back pain is contested (a
meta-analysis found no difference in tilt or lordosis); the result says so in a note.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.motion import still_frames
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance, width_ratio
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    assemble_result,
    gated_metric,
    median_over,
    not_measurable,
    segment_from,
)
from hipsight.protocols.gates import ViewCheck, camera_off_text, tolerance_check, view_labels
from hipsight.protocols.segmentation import fill_small_gaps, runs
from hipsight.results import MetricValue, Segment, TestResult, View
from hipsight.wording import with_article

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MAX_SPEED_DEG_S = 10.0  # standing still: each angle used changes slower than this
MAX_TURN_RATIO_PER_S = 0.1  # not turning: shoulder/hip width over torso length changes slower
BASELINE_KEY = "pelvic_tilt_estimate"  # MeasureContext.baseline key of the personal neutral

FRONT_METRICS: dict[str, str] = {  # metric id -> angle column
    "pelvic_obliquity": "pelvic_obliquity",
    "shoulder_tilt": "shoulder_tilt",
    "trunk_lateral_lean": "trunk_lateral_inclination",
}
HIP_ANGLES = ("left_hip_flexion", "right_hip_flexion")
VIEW_HINTS: dict[View, str] = {
    "front": "face the camera (or turn your back to it) and stand still for 5 s",
    "side": "turn sideways to the camera and stand still for 5 s",
}


def recorded_views(
    seq: PoseSequence, protocol: Protocol, declared: View | None
) -> dict[View, BoolArray]:
    """Frames seen from each accepted view (only the declared one when the user names it)."""
    labels = view_labels(seq, protocol.gates)
    detected = seq.detected
    wanted = (declared,) if declared in protocol.accepted_views else protocol.accepted_views
    return {
        view: np.asarray((labels == view) & detected)
        if view in wanted
        else np.zeros(seq.n_frames, dtype=bool)
        for view in protocol.accepted_views
    }


def majority_view(seq: PoseSequence, protocol: Protocol) -> str:
    """The most frequent view label among the frames with a person ('unknown' if none)."""
    labels = view_labels(seq, protocol.gates)[seq.detected]
    labels = labels[labels != "unknown"]
    if labels.size == 0:
        return "unknown"
    values, counts = np.unique(labels, return_counts=True)
    return str(values[np.argmax(counts)])


def combined_view_check(views: dict[View, BoolArray], detected: str, min_frames: int) -> ViewCheck:
    """One ViewCheck for a test that accepts several views: ok when any view has enough frames."""
    counts = {view: int(mask.sum()) for view, mask in views.items()}
    required: View = "front"
    if any(n >= min_frames for n in counts.values()):
        return ViewCheck(required, detected, 1.0, True, None)
    return ViewCheck(
        required,
        detected,
        0.0,
        False,
        "wrong camera view: posture needs a front view (facing the camera) or a side view; no part "
        f"of the recording shows either for {min_frames} frames or more (the body is turned "
        "obliquely or not visible)",
    )


def standing_still(table: AngleTable, angles: tuple[str, ...]) -> BoolArray:
    """Frames where every one of ``angles`` changes slower than ``MAX_SPEED_DEG_S``."""
    still = np.ones(table.n_frames, dtype=bool)
    for name in angles:
        still &= still_frames(fill_small_gaps(table.column(name)), table.t, MAX_SPEED_DEG_S)
    return still


def trunk_thigh_angle(table: AngleTable) -> tuple[FloatArray, BoolArray]:
    """(T,) mean hip flexion of the valid legs (the pelvic-tilt proxy) and where it exists."""
    values = np.stack([table.column(name) for name in HIP_ANGLES], axis=1)
    valid = np.stack([table.validity(name) for name in HIP_ANGLES], axis=1) & np.isfinite(values)
    count = valid.sum(axis=1)
    total = np.where(valid, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count > 0


def missing_view(metric: str, view: View, declared: View | None, camera: str = "") -> MetricValue:
    """``not_measurable`` for a metric whose view the recording does not show (``camera``: where
    the camera is, :func:`~hipsight.protocols.gates.camera_off_text`)."""
    if declared is not None and declared != view:
        why = (
            f"needs {with_article(view)} view: the recording was declared "
            f"{with_article(declared)} view"
        )
    else:
        where = f"{camera}; " if camera else ""
        why = (
            f"needs {with_article(view)} view: no frame of this recording shows it "
            f"({where}{VIEW_HINTS[view]})"
        )
    return not_measurable(PROTOCOL, metric, None, why)


def still_frames_by_view(seq: PoseSequence, table: AngleTable) -> dict[View, BoolArray]:
    """Standing still, per view: not turning (steady body width) and the view's angles steady."""
    not_turning = still_frames(fill_small_gaps(width_ratio(seq)), table.t, MAX_TURN_RATIO_PER_S)
    proxy, _ = trunk_thigh_angle(table)
    return {
        "front": not_turning & standing_still(table, tuple(FRONT_METRICS.values())),
        "side": not_turning
        & standing_still(table, ("trunk_inclination",))
        & still_frames(fill_small_gaps(proxy), table.t, MAX_SPEED_DEG_S),
    }


def measure_front(
    seq: PoseSequence,
    table: AngleTable,
    frames: BoolArray,
    still: BoolArray,
    context: MeasureContext,
) -> list[MetricValue]:
    """Pelvic obliquity, shoulder tilt and trunk lateral lean from the still front-view frames,
    each within its own view tolerance."""
    if not frames.any():
        camera = camera_off_text(seq, "front")
        return [missing_view(metric, "front", context.view, camera) for metric in FRONT_METRICS]
    view = tolerance_check(seq, "front")
    out = []
    for metric, angle in FRONT_METRICS.items():
        values = table.column(angle)
        out.append(
            gated_metric(
                PROTOCOL,
                metric,
                None,
                table,
                (angle,),
                frames,
                median_over(values),
                view=view,
                extra=still,
                label=f"{metric.replace('_', ' ')} (standing still, front view)",
            )
        )
    return out


def measure_side(
    seq: PoseSequence,
    table: AngleTable,
    frames: BoolArray,
    still: BoolArray,
    context: MeasureContext,
) -> list[MetricValue]:
    """Trunk inclination, the pelvic-tilt estimate and its change from the baseline, each within
    its own view tolerance."""
    if not frames.any():
        camera = camera_off_text(seq, "side")
        return [
            missing_view(metric, "side", context.view, camera)
            for metric in ("trunk_inclination", "pelvic_tilt_estimate")
        ]
    view = tolerance_check(seq, "side")
    proxy, proxy_valid = trunk_thigh_angle(table)
    trunk = table.column("trunk_inclination")
    inclination = gated_metric(
        PROTOCOL,
        "trunk_inclination",
        None,
        table,
        ("trunk_inclination",),
        frames,
        median_over(trunk),
        view=view,
        extra=still,
        label="trunk inclination (standing still, side view)",
    )
    estimate = gated_metric(
        PROTOCOL,
        "pelvic_tilt_estimate",
        None,
        table,
        ("trunk_inclination",),
        frames,
        median_over(proxy),
        view=view,
        extra=still & proxy_valid,
        label="pelvic tilt estimate (standing still, side view)",
    )
    out = [inclination, estimate]
    reference = baseline_estimate(context.baseline)
    if reference is not None:
        out.append(change_from_baseline(estimate, reference))
    return out


def baseline_estimate(baseline: Mapping[str, float]) -> float | None:
    """The person's own pelvic-tilt estimate: ``baseline["pelvic_tilt_estimate"]``, else the mean
    of the reference ``left_hip_flexion`` / ``right_hip_flexion`` of a stance calibration."""
    if BASELINE_KEY in baseline:
        return float(baseline[BASELINE_KEY])
    hips = [float(baseline[name]) for name in HIP_ANGLES if name in baseline]
    return sum(hips) / len(hips) if hips else None


def change_from_baseline(estimate: MetricValue, baseline: float) -> MetricValue:
    """``pelvic_tilt_change``: the estimate minus the person's own baseline estimate."""
    spec = PROTOCOL.metric_spec("pelvic_tilt_change")
    if estimate.status != "ok" or estimate.value is None:
        return MetricValue.not_measurable(
            spec.id, None, spec.unit, estimate.reason or "no pelvic tilt estimate", spec.norm
        )
    return MetricValue.measured(
        spec.id,
        None,
        estimate.value - baseline,
        spec.unit,
        estimate.quality,
        estimate.n_frames,
        spec.norm,
    )


def view_segments(
    table: AngleTable, views: dict[View, BoolArray], metrics: list[MetricValue]
) -> list[Segment]:
    """One ``hold`` segment per view: its longest run of still frames, with that view's values."""
    by_view = {
        "front": tuple(FRONT_METRICS),
        "side": ("trunk_inclination", "pelvic_tilt_estimate", "pelvic_tilt_change"),
    }
    segments: list[Segment] = []
    for view, mask in views.items():
        spans = runs(mask)
        if not spans:
            continue
        start, stop = max(spans, key=lambda s: s[1] - s[0])
        values = {m.metric: m.value for m in metrics if m.metric in by_view[view]}
        segments.append(segment_from("hold", len(segments), start, stop, table.t, None, values))
    return segments


def posture_notes(views: dict[View, BoolArray], context: MeasureContext) -> list[str]:
    """The estimate's caveat, the contested evidence, and what is missing."""
    notes = [
        "Pelvic tilt is an estimate, not a measurement: MediaPipe has no ASIS/PSIS landmarks, so "
        "hipsight reports the standing trunk-thigh angle, which follows a tilt of the pelvis and "
        "trunk together but not a tilt hidden by arching the lower back. Compare it only with your "
        "own baseline recorded with the same camera set-up; it is never compared with a norm.",
    ]
    if views["side"].any() and baseline_estimate(context.baseline) is None:
        notes.append(
            "No personal baseline given: the pelvic-tilt estimate is shown as measured; pass it as "
            f"baseline['{BASELINE_KEY}'] (or record a stance calibration) in later sessions to "
            "see the change."
        )
    for view, mask in views.items():
        if not mask.any():
            notes.append(
                f"No {view} view in this recording: to complete the check, {VIEW_HINTS[view]}."
            )
    return notes


def measure_posture(seq: PoseSequence, table: AngleTable, context: MeasureContext) -> TestResult:
    """Measure standing posture from whichever of the front and side views the recording shows."""
    views = recorded_views(seq, PROTOCOL, context.view)
    check = combined_view_check(
        views, majority_view(seq, PROTOCOL), PROTOCOL.gates.min_valid_frames
    )
    still = still_frames_by_view(seq, table)
    metrics = [
        *measure_front(seq, table, views["front"], still["front"], context),
        *measure_side(seq, table, views["side"], still["side"], context),
    ]
    used = {view: views[view] & still[view] for view in views}
    return assemble_result(
        PROTOCOL, check, metrics, view_segments(table, used, metrics), posture_notes(views, context)
    )


PROTOCOL = Protocol(
    id="posture",
    title="Standing posture",
    instructions=(
        "Stand relaxed, feet hip-width apart, arms by your sides. Face the camera and stay still "
        "for five seconds. Then turn sideways and stay still for five more seconds."
    ),
    position="standing",
    view="front",
    views=("front", "side"),
    angles=(
        "pelvic_obliquity",
        "shoulder_tilt",
        "trunk_lateral_inclination",
        "trunk_inclination",
        "left_hip_flexion",
        "right_hip_flexion",
    ),
    key_angle="pelvic_obliquity",
    key_band=(-3.0, 3.0),
    metrics=(
        MetricSpec(
            "pelvic_obliquity",
            "Pelvic obliquity",
            "deg",
            per_side=False,
            norm="posture_pelvic_obliquity",
            description="Front view: hip line against the true horizontal, + = left hip higher.",
            view_tolerance=ViewTolerance("front", 5.0, 3.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "shoulder_tilt",
            "Shoulder tilt",
            "deg",
            per_side=False,
            description="Front view: shoulder line against the horizontal, + = left one higher.",
            view_tolerance=ViewTolerance("front", 4.5, 3.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "trunk_lateral_lean",
            "Trunk lateral lean",
            "deg",
            per_side=False,
            description="Front view: trunk line against the vertical, + = leaning to the left.",
            view_tolerance=ViewTolerance("front", 41.1, 3.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "trunk_inclination",
            "Trunk inclination",
            "deg",
            per_side=False,
            description="Side view: trunk line against the vertical, + = forward lean.",
            view_tolerance=ViewTolerance("side", 50.0, 3.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "pelvic_tilt_estimate",
            "Pelvic tilt estimate (trunk-thigh angle)",
            "deg",
            per_side=False,
            norm="posture_pelvic_tilt",
            description=(
                "Side view: standing trunk-thigh angle, a proxy that follows pelvic tilt, "
                "+ = anterior direction. Descriptive only, never against a norm."
            ),
            view_tolerance=ViewTolerance("side", 57.1, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "pelvic_tilt_change",
            "Pelvic tilt change from baseline",
            "deg",
            per_side=False,
            description=(
                "pelvic_tilt_estimate minus the personal baseline (only when one is given), "
                "+ = more anterior."
            ),
        ),
    ),
    segmentation=(
        "Frames are labelled front, side or oblique from the landmarks; oblique frames are "
        "dropped. Within each view, the frames where the body is not turning and the angles used "
        f"change slower than {MAX_SPEED_DEG_S:g}°/s over 0.5 s (standing still) give the "
        "medians. One hold segment per view."
    ),
    measure=measure_posture,
    hold_s=5.0,
    duration_s=12.0,
    per_side=False,
    order=10,
)
