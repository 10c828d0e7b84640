"""Bodyweight squat: reps, depth, trunk and shank, butt-wink proxy, heel rise, knee valgus, hip
shift and tempo; side view and front view.

The person squats three to five times at their own pace, feet hip-width apart, arms forward.
Depth, trunk, lumbopelvic flexion and heels need a **side view**; knee valgus and lateral hip
shift need a **front view** (or from behind). One recording shows one view: the metrics of the
other view are ``not_measurable`` ("needs a front view"), so film the squat twice for all of
them. Rep count and tempo come from either view.

Segmentation (either view): the hip height is the image distance from the mid-ankle up to the
mid-hip (visible landmarks); its 95th percentile is the standing height ``H``. The squat depth
``1 - height / H`` is 0 standing and grows as the hips go down. A rep is a peak of depth of at
least ``MIN_DEPTH`` (:func:`~hipsight.protocols.segmentation.find_reps`), starting and ending
where depth crosses 10 % of the rep's excursion; its bottom is the deepest frame. A candidate
counts only when it looks like a squat (:func:`judge_squats`): both ends in the recording, feet
planted, the body facing one way, the knees flexing; walking, turning and stepping are kept as
``rejected rep`` segments with a note saying why.

Side-view metrics, on the leg nearer the camera, each the mean over the reps (a rep counts when
its bottom frame is valid and ``min_valid_fraction`` of its frames are):

- ``hip_flexion``, ``knee_flexion``: peak joint angles of the rep (deg);
- ``thigh_vs_horizontal``: 90 - peak thigh inclination, the thigh against the horizontal at the
  bottom; + = hip above the knee, 0 = thigh level, - = below horizontal (FMS 3);
- ``trunk_shank_difference``: trunk inclination - shank inclination at the frame of peak knee
  flexion; 0 = trunk parallel to the shins, + = the trunk leans further forward;
- ``lumbopelvic_flexion``: a rough "butt wink" proxy. MediaPipe has no lumbar or pelvic
  landmarks; the trunk line runs from the hip joints to the shoulders. Over the bottom window
  (the frames where the thigh is within ``BOTTOM_WINDOW_DEG`` of its deepest inclination) the
  proxy is the largest increase of (hip flexion - thigh inclination) from the window's first
  frame: how much the trunk line keeps folding forward over the thigh once the thigh has almost
  stopped descending. Lumbar flexion that rounds the back tips the trunk line forward and shows
  up; a pelvis that tucks while the chest stays where it is does not. Screening flag only;
- ``heel_rise``: the foot (heel to toe) against the horizontal, heel up positive, at its highest
  in the rep minus its median while standing (deg);
- ``knee_flexion_sd``: consistency, the SD of peak knee flexion across reps (needs 2 reps).

Front-view metrics:

- ``knee_fppa`` per side: peak knee frontal-plane projection angle of each rep (valgus
  positive), mean over reps. FPPA is read only in frames where the thigh's image length is at
  least ``FPPA_MIN_THIGH`` of its standing length: deeper, the thigh points at the camera and its
  short projection makes the angle meaningless;
- ``knee_fppa_sd`` per side: SD of the per-rep peaks (needs 2 reps);
- ``lateral_hip_shift``: mid-hip minus mid-ankle horizontal image position at the bottom, minus
  the same at the rep's start, over ``H`` (a fraction of the standing hip height, about leg
  length); + = toward the person's LEFT. With ``context.m_per_px`` (a scale at the
  person's distance) it is also given in cm as ``lateral_hip_shift_cm``.

Either view: ``rep_count``; ``descent_time`` (10 % to 90 % of the rep's depth on the way down)
and ``ascent_time`` (90 % to 10 % on the way up), s, mean over reps.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics import perspective
from hipsight.kinematics.angles import SUFFIX_3D
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    assemble_result,
    finite_mean,
    finite_values,
    gated_metric,
    hidden_reason,
    landmark_xy,
    lowpass_for_peaks,
    moving_mean,
    near_leg,
    not_measurable,
    segment_from,
)
from hipsight.protocols.gates import ViewCheck, camera_off_text, check_view, in_plane_frames
from hipsight.protocols.segmentation import Rep, find_reps, peaks_seen
from hipsight.protocols.validity import (
    Candidate,
    body_scale,
    heading,
    mean_track,
    planted,
    rejected_notes,
    turned,
    verdicts,
)
from hipsight.results import MetricValue, Segment, SideName, TestResult, View
from hipsight.wording import with_article

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]
PerRep = Callable[[IntArray], float]  # a rep's valid frames -> its value

MIN_DEPTH = 0.10  # a rep lowers the hips by at least 10 % of their standing height
MIN_PERIOD_S = 1.0
EDGE = 0.1  # rep start/end: 10 % of the rep's depth excursion
BOTTOM = 0.9  # descent ends / ascent starts at 90 %
BOTTOM_WINDOW_DEG = 10.0  # butt-wink window: thigh within this of its deepest inclination
FPPA_MIN_THIGH = 0.5  # FPPA read only while the thigh's image length is >= this of standing
STANDING_PERCENTILE = 95.0
STANDING_DEPTH = 0.03  # hips within 3 % of their standing height: standing (heel baseline)
MAX_FEET_TRAVEL = 0.25  # torso lengths (about 12 cm): farther, the person stepped or walked
MAX_TURN_DEG = 30.0  # a squat faces one way; turning further is walking or turning around
MIN_KNEE_RISE_DEG = 20.0  # the knees flex at least this much from standing to the bottom

LEGS = (lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_KNEE, lm.RIGHT_KNEE, lm.LEFT_ANKLE, lm.RIGHT_ANKLE)
SIDE_METRICS = (
    "hip_flexion",
    "knee_flexion",
    "thigh_vs_horizontal",
    "trunk_shank_difference",
    "lumbopelvic_flexion",
    "heel_rise",
    "knee_flexion_sd",
)
FRONT_METRICS = ("knee_fppa", "knee_fppa_sd", "lateral_hip_shift")
HINTS: dict[View, str] = {
    "side": "film the squat from the side (depth, trunk, lumbopelvic flexion and heels are "
    "sagittal-plane measures)",
    "front": "film the squat facing the camera or from behind (knee valgus and hip shift are "
    "frontal-plane measures)",
}


# ============================================================================ signals


def mean_point(seq: PoseSequence, indices: tuple[int, int], min_visibility: float) -> FloatArray:
    """(T, 2) mean image position of the visible ones of two landmarks (NaN if neither is)."""
    points = np.stack([landmark_xy(seq, i, min_visibility) for i in indices])
    seen = np.isfinite(points).all(axis=-1, keepdims=True)
    count = seen.sum(axis=0)
    total = np.where(seen, points, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def hip_height(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) image height of the mid-hip above the mid-ankle, pixels (the visible hips/ankles)."""
    hips = mean_point(seq, (lm.LEFT_HIP, lm.RIGHT_HIP), min_visibility)
    ankles = mean_point(seq, (lm.LEFT_ANKLE, lm.RIGHT_ANKLE), min_visibility)
    return ankles[:, 1] - hips[:, 1]


def lateral_offset(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) mid-hip minus mid-ankle horizontal image position toward the person's LEFT, pixels
    (front or back view; NaN unless both hips and both ankles are visible)."""
    hips = (
        landmark_xy(seq, lm.LEFT_HIP, min_visibility)
        + landmark_xy(seq, lm.RIGHT_HIP, min_visibility)
    ) / 2
    ankles = (
        landmark_xy(seq, lm.LEFT_ANKLE, min_visibility)
        + landmark_xy(seq, lm.RIGHT_ANKLE, min_visibility)
    ) / 2
    return person_left(seq, min_visibility) * (hips[:, 0] - ankles[:, 0])


def standing_level(values: FloatArray) -> float:
    """The standing value of a series that shrinks in the squat: its 95th percentile."""
    finite = values[np.isfinite(values)]
    return float(np.percentile(finite, STANDING_PERCENTILE)) if finite.size else float("nan")


def squat_depth(height: FloatArray) -> FloatArray:
    """(T,) 1 - hip height / standing hip height: 0 standing, larger deeper."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - height / standing_level(height)


def foot_pitch(seq: PoseSequence, side: SideName, min_visibility: float) -> FloatArray:
    """(T,) heel-to-toe line against the image horizontal, heel up positive (side view)."""
    heel = landmark_xy(seq, lm.landmark_index("heel", side), min_visibility)
    toe = landmark_xy(seq, lm.landmark_index("foot_index", side), min_visibility)
    foot = toe - heel
    return np.degrees(np.arctan2(foot[:, 1], np.abs(foot[:, 0])))


def thigh_seen(seq: PoseSequence, side: SideName, min_visibility: float) -> BoolArray:
    """(T,) frames where the thigh's image length is >= ``FPPA_MIN_THIGH`` of standing."""
    hip = landmark_xy(seq, lm.landmark_index("hip", side), min_visibility)
    knee = landmark_xy(seq, lm.landmark_index("knee", side), min_visibility)
    length = np.linalg.norm(knee - hip, axis=1)
    with np.errstate(invalid="ignore"):
        return np.asarray(length >= FPPA_MIN_THIGH * standing_level(length))


def person_left(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) +1 where the person's left is image-right (facing the camera), -1 from behind."""
    left = landmark_xy(seq, lm.LEFT_HIP, min_visibility)
    right = landmark_xy(seq, lm.RIGHT_HIP, min_visibility)
    return np.sign(left[:, 0] - right[:, 0])


# ============================================================================ reps


def find_squats(depth: FloatArray, t: FloatArray) -> list[Rep]:
    """Rep candidates of the squat-depth signal (start/stop at ``EDGE`` of each excursion)."""
    return find_reps(depth, t, MIN_DEPTH, MIN_PERIOD_S, rest_fraction=EDGE)


def knee_rise(table: AngleTable, names: tuple[str, ...], reps: list[Rep]) -> FloatArray:
    """(n_reps,) how much the knees flexed from a rep's start to its bottom, degrees: the mean
    of the valid ones of ``names`` (NaN when neither is valid at both frames)."""
    knees = np.stack([np.where(table.validity(n), table.column(n), np.nan) for n in names])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames stay NaN
        knee = np.nanmean(knees, axis=0)
    starts = np.array([rep.start for rep in reps], dtype=np.intp)
    bottoms = np.array([rep.peak for rep in reps], dtype=np.intp)
    return np.asarray(knee[bottoms] - knee[starts])


def judge_squats(
    seq: PoseSequence, table: AngleTable, view: View, reps: list[Rep], depth: FloatArray
) -> list[Candidate]:
    """Which rep candidates are squats: the hips went down and came back up (both ends in the
    recording, the bottom seen in the squat ``depth``), the feet stayed planted, the body did
    not turn, the knees flexed.

    The knees are read in the plane the camera sees: 2D sagittal flexion in a side view, 3D
    (world landmarks) in a front view.
    """
    if not reps:
        return []
    min_visibility = PROTOCOL.gates.min_visibility
    spans = [(rep.start, rep.stop) for rep in reps]
    scale = body_scale(seq, min_visibility)
    feet = [
        mean_track(seq, pair, min_visibility)
        for pair in ((lm.LEFT_ANKLE, lm.RIGHT_ANKLE), (lm.LEFT_HEEL, lm.RIGHT_HEEL))
    ]
    suffix = "" if view == "side" else SUFFIX_3D
    knees = tuple(f"{side}_knee_flexion{suffix}" for side in lm.SIDES)
    checks = {
        "complete": np.array([float(r.start > 0 and r.stop < seq.n_frames) for r in reps]),
        "bottom_seen": peaks_seen(depth, [r.peak for r in reps]).astype(float),
        "feet_moved": planted(feet, spans, scale),
        "turned_deg": turned(heading(seq, min_visibility), spans),
        "knee_rise_deg": knee_rise(table, knees, reps),
    }
    limits = {
        "complete": (1.0, 1.0),
        "bottom_seen": (1.0, 1.0),
        "feet_moved": (0.0, MAX_FEET_TRAVEL),
        "turned_deg": (0.0, MAX_TURN_DEG),
        "knee_rise_deg": (MIN_KNEE_RISE_DEG, np.inf),
    }
    return verdicts(spans, checks, limits)


def rep_frames(rep: Rep, valid: BoolArray, need_bottom: bool) -> IntArray:
    """The valid frames of a rep, or none when the rep does not count.

    With ``need_bottom`` a rep counts when its bottom frame is valid and the gates' share of its
    frames are (``min_valid_fraction``); otherwise (FPPA, read away from the bottom) when it has 3
    valid frames.
    """
    frames = np.arange(rep.start, rep.stop)
    frames = frames[valid[frames]]
    if need_bottom:
        share = PROTOCOL.gates.min_valid_fraction
        counts = valid[rep.peak] and frames.size >= share * (rep.stop - rep.start)
    else:
        counts = frames.size >= 3
    return frames if counts else frames[:0]


def per_rep(
    reps: list[Rep], valid: BoolArray, value: PerRep, need_bottom: bool = True
) -> FloatArray:
    """(n_reps,) one value per rep from its valid frames (NaN for reps that do not count)."""
    out = np.full(len(reps), np.nan)
    for k, rep in enumerate(reps):
        frames = rep_frames(rep, valid, need_bottom)
        if frames.size:
            out[k] = value(frames)
    return out


def nansd(values: FloatArray) -> float:
    """Sample SD of the finite values (NaN with fewer than two)."""
    finite = values[np.isfinite(values)]
    return float(finite.std(ddof=1)) if finite.size >= 2 else float("nan")


def standing_before(depth: FloatArray, t: FloatArray, rep: Rep, since: int) -> float:
    """The standing depth before a rep: the lowest depth between ``since``, the end of the
    previous rep, and the rep's start; NaN if unseen. Read after a moving mean, which takes the
    jitter out without the undershoot a Butterworth filter has where the hips come to rest."""
    smooth = moving_mean(depth[since : rep.start + 1], t[since : rep.start + 1])
    return float(np.nanmin(smooth)) if np.isfinite(smooth).any() else float("nan")


def tempo(
    depth: FloatArray, t: FloatArray, rep: Rep, since: int = 0, until: int | None = None
) -> tuple[float, float]:
    """(descent, ascent) seconds: from the frame where the rep's depth reaches ``EDGE`` of its
    excursion to the first frame at ``BOTTOM`` on the way down, and from the last frame at
    ``BOTTOM`` to the last one at ``EDGE`` on the way up.

    The excursion runs from the standing level before the rep (:func:`standing_before`) to the
    rep's deepest frame, so 10 % and 90 % are fractions of the whole movement. The crossings are
    searched between ``since`` (the end of the previous rep) and ``until`` (the start of the next).
    """
    until = depth.size if until is None else until
    rest = standing_before(depth, t, rep, since)
    excursion = depth[rep.peak] - rest
    if not excursion > 0:
        return float("nan"), float("nan")
    with np.errstate(invalid="ignore"):
        low = depth < rest + EDGE * excursion
        deep = np.flatnonzero(depth[since:until] >= rest + BOTTOM * excursion) + since
    before = np.flatnonzero(low[since : rep.peak]) + since
    after = np.flatnonzero(low[rep.peak : until]) + rep.peak
    start = int(before[-1]) + 1 if before.size else since
    stop = int(after[0]) - 1 if after.size else until - 1
    deep = deep[(deep >= start) & (deep <= stop)]
    if not deep.size:
        return float("nan"), float("nan")
    return float(t[deep[0]] - t[start]), float(t[stop] - t[deep[-1]])


# ============================================================================ per-rep values


def peak_of(values: FloatArray) -> PerRep:
    """A rep's highest value."""
    return lambda frames: float(np.nanmax(values[frames]))


def lowest_of(values: FloatArray) -> PerRep:
    """A rep's lowest value."""
    return lambda frames: float(np.nanmin(values[frames]))


def at_peak_of(reference: FloatArray, values: FloatArray) -> PerRep:
    """A rep's ``values`` at the frame where ``reference`` peaks."""
    return lambda frames: float(values[frames[np.nanargmax(reference[frames])]])


def rise_in_window(thigh: FloatArray, folding: FloatArray) -> PerRep:
    """Butt-wink proxy: the largest rise of ``folding`` over the rep's bottom window, the frames
    where ``thigh`` is within ``BOTTOM_WINDOW_DEG`` of its peak, from the window's first frame."""

    def value(frames: IntArray) -> float:
        window = frames[thigh[frames] >= np.nanmax(thigh[frames]) - BOTTOM_WINDOW_DEG]
        return float(np.nanmax(folding[window]) - folding[window[0]])

    return value


# ============================================================================ metrics


@dataclass(frozen=True)
class Squats:
    """The reps of one recording and what every squat metric needs to gate them."""

    seq: PoseSequence
    table: AngleTable
    view: ViewCheck
    depth: FloatArray
    reps: list[Rep]
    phase: BoolArray  # frames inside a rep

    def valid(self, angles: tuple[str, ...], extra: BoolArray) -> BoolArray:
        """(T,) frames where every one of ``angles`` is valid and ``extra`` holds."""
        mask = extra.copy()
        for name in angles:
            mask &= self.table.validity(name)
        return mask

    def per_rep(
        self, angles: tuple[str, ...], extra: BoolArray, value: PerRep, need_bottom: bool = True
    ) -> FloatArray:
        """(n_reps,) ``value`` of each rep from its valid frames."""
        return per_rep(self.reps, self.valid(angles, extra), value, need_bottom)


def squat_metric(
    squats: Squats,
    metric: str,
    side: SideName | None,
    angles: tuple[str, ...],
    values: FloatArray,
    *,
    extra: BoolArray,
    spread: bool = False,
    phase: BoolArray | None = None,
) -> MetricValue:
    """The mean (with ``spread``: the SD) over reps of per-rep ``values``, gated.

    ``values`` were computed from the frames where ``angles`` are valid and ``extra`` holds, the
    same frames the gates check within the reps (and ``phase``).
    """
    value = nansd(values) if spread else finite_mean(values)
    if squats.view.ok and not np.isfinite(value):
        label = PROTOCOL.metric_spec(metric).label
        what = f"{side + ' ' if side else ''}{label[0].lower()}{label[1:]}"
        n_reps = int(np.isfinite(np.asarray(values, dtype=np.float64)).sum())
        reason = (
            f"{what} needs at least 2 reps with valid frames, got {n_reps}"
            if spread
            else f"{what}: no rep had enough valid frames (the bottom of each rep must be "
            "visible and in the camera's view)"
        )
        return not_measurable(PROTOCOL, metric, side, reason)
    gate_phase = squats.phase if phase is None else squats.phase & phase
    return gated_metric(
        PROTOCOL,
        metric,
        side,
        squats.table,
        angles,
        gate_phase,
        lambda valid: value,
        view=squats.view,
        extra=extra,
    )


def measure_side_view(
    squats: Squats, side: SideName, by_rep: dict[str, FloatArray]
) -> list[MetricValue]:
    """Depth, trunk against shank, the butt-wink proxy, heel rise and depth consistency.

    Fills ``by_rep`` with the per-rep values (for the rep segments).
    """
    t, gates = squats.table.t, PROTOCOL.gates
    hip_name, knee_name, thigh_name, shank_name = (
        f"{side}_{a}"
        for a in ("hip_flexion", "knee_flexion", "thigh_inclination", "shank_inclination")
    )
    column = squats.table.column
    hip, knee, thigh, shank, trunk = (
        lowpass_for_peaks(column(name), t)
        for name in (hip_name, knee_name, thigh_name, shank_name, "trunk_inclination")
    )
    plane = in_plane_frames(squats.seq, "side", gates)
    pitch = lowpass_for_peaks(foot_pitch(squats.seq, side, gates.min_visibility), t)
    with np.errstate(invalid="ignore"):
        standing = (squats.depth < STANDING_DEPTH) & np.isfinite(pitch)
    heel_base = float(np.median(pitch[standing])) if standing.any() else float("nan")
    foot_seen = plane & np.isfinite(pitch)
    rows: dict[str, tuple[tuple[str, ...], BoolArray, PerRep]] = {
        "hip_flexion": ((hip_name,), plane, peak_of(hip)),
        "knee_flexion": ((knee_name,), plane, peak_of(knee)),
        "thigh_vs_horizontal": ((thigh_name,), plane, lowest_of(90.0 - thigh)),
        "trunk_shank_difference": (
            ("trunk_inclination", shank_name, knee_name),
            plane,
            at_peak_of(knee, trunk - shank),
        ),
        "lumbopelvic_flexion": (
            (hip_name, thigh_name),
            plane,
            rise_in_window(column(thigh_name), column(hip_name) - column(thigh_name)),
        ),
        "heel_rise": ((knee_name,), foot_seen, lambda f: float(np.nanmax(pitch[f])) - heel_base),
    }
    metrics = []
    for metric, (angles, extra, value) in rows.items():
        by_rep[metric] = squats.per_rep(angles, extra, value)
        metrics.append(squat_metric(squats, metric, None, angles, by_rep[metric], extra=extra))
    metrics.append(
        squat_metric(
            squats,
            "knee_flexion_sd",
            None,
            (knee_name,),
            by_rep["knee_flexion"],
            extra=plane,
            spread=True,
        )
    )
    return metrics


def measure_front_view(
    squats: Squats, m_per_px: float | None, by_rep: dict[str, FloatArray]
) -> list[MetricValue]:
    """Knee FPPA per side with its consistency, and the lateral hip shift."""
    t, gates, seq = squats.table.t, PROTOCOL.gates, squats.seq
    plane = in_plane_frames(seq, "front", gates)
    metrics = []
    for side in lm.SIDES:
        name = f"{side}_knee_fppa"
        seen = thigh_seen(seq, side, gates.min_visibility) & plane
        fppa = lowpass_for_peaks(np.where(seen, squats.table.column(name), np.nan), t)
        peaks = squats.per_rep((name,), seen, peak_of(fppa), need_bottom=False)
        by_rep[f"{side}_knee_fppa"] = peaks
        for metric, spread in (("knee_fppa", False), ("knee_fppa_sd", True)):
            metrics.append(
                squat_metric(
                    squats, metric, side, (name,), peaks, extra=plane, spread=spread, phase=seen
                )
            )
    standing = standing_level(hip_height(seq, gates.min_visibility))
    shift = lowpass_for_peaks(lateral_offset(seq, gates.min_visibility) / standing, t)
    shifted = squats.per_rep(
        ("pelvic_obliquity",),
        plane & np.isfinite(shift),
        lambda f: float(shift[f[np.nanargmax(squats.depth[f])]] - shift[f[0]]),
    )
    by_rep["lateral_hip_shift"] = shifted
    extra = plane & np.isfinite(shift)
    metrics.append(
        squat_metric(squats, "lateral_hip_shift", None, ("pelvic_obliquity",), shifted, extra=extra)
    )
    if m_per_px is not None:
        cm = shifted * standing * m_per_px * 100.0
        by_rep["lateral_hip_shift_cm"] = cm
        metrics.append(
            squat_metric(
                squats, "lateral_hip_shift_cm", None, ("pelvic_obliquity",), cm, extra=extra
            )
        )
    return metrics


def measure_tempo(squats: Squats, by_rep: dict[str, FloatArray]) -> list[MetricValue]:
    """Descent and ascent times (either view)."""
    reps, n = squats.reps, squats.depth.size
    since = [0, *(rep.stop for rep in reps[:-1])]
    until = [*(rep.start + 1 for rep in reps[1:]), n]
    times = np.array(
        [
            tempo(squats.depth, squats.table.t, rep, *bounds)
            for rep, *bounds in zip(reps, since, until, strict=True)
        ]
    )
    times = times.reshape(len(squats.reps), 2)
    extra = np.isfinite(squats.depth)
    metrics = []
    for column, metric in enumerate(("descent_time", "ascent_time")):
        by_rep[metric] = times[:, column]
        metrics.append(
            squat_metric(squats, metric, None, ("pelvic_obliquity",), times[:, column], extra=extra)
        )
    return metrics


def count_reps(squats: Squats, blocked: str | None) -> MetricValue:
    """The number of reps (0 is a measured count when the body is seen)."""
    if blocked:
        return not_measurable(PROTOCOL, "rep_count", None, blocked)
    seen = np.isfinite(squats.depth)
    return MetricValue.measured(
        "rep_count", None, len(squats.reps), "count", float(seen.mean()), int(seen.sum())
    )


# ============================================================================ measure


def recorded_view(seq: PoseSequence, declared: View | None) -> ViewCheck:
    """The view of the recording: the declared one, else whichever of side and front it shows."""
    gates = PROTOCOL.gates
    if declared is not None:
        return check_view(seq, declared, gates)
    checks = [check_view(seq, view, gates) for view in ("side", "front")]
    for check in checks:
        if check.ok:
            return check
    side = checks[0]
    if side.off_view_deg is None:
        return side  # no torso seen: the body is not visible
    return ViewCheck(
        "side",
        side.detected,
        0.0,
        False,
        "wrong camera view: the squat needs a side view (depth, trunk; the camera within "
        f"{side.within_deg:.0f}° of it) or a front view (knee valgus, hip shift; within "
        f"{checks[1].within_deg:.0f}°); the camera is about {side.off_view_deg:.0f}° off the "
        "side view in most frames",
        side.off_view_deg,
        side.within_deg,
    )


def needed_landmarks(
    seq: PoseSequence, view: ViewCheck, context: MeasureContext
) -> tuple[int, ...]:
    """The leg landmarks the recorded view's metrics use: in a side view the near leg's hip,
    knee and ankle (the far leg is hidden behind it by nature), in a front view both legs."""
    if view.required != "side":
        return LEGS
    side = near_leg(seq, context)
    return tuple(lm.landmark_index(part, side) for part in ("hip", "knee", "ankle"))


def missing_view(metrics: tuple[str, ...], view: View, camera: str = "") -> list[MetricValue]:
    """``not_measurable`` for the metrics of the view the recording does not show (``camera``:
    where the camera is, :func:`~hipsight.protocols.gates.camera_off_text`)."""
    reason = f"needs {with_article(view)} view: {camera + '; ' if camera else ''}{HINTS[view]}"
    sides: dict[str, tuple[SideName | None, ...]] = {
        "knee_fppa": lm.SIDES,
        "knee_fppa_sd": lm.SIDES,
    }
    return [
        not_measurable(PROTOCOL, metric, side, reason)
        for metric in metrics
        for side in sides.get(metric, (None,))
    ]


def measure_view(
    squats: Squats, context: MeasureContext, by_rep: dict[str, FloatArray]
) -> tuple[list[MetricValue], str]:
    """The metrics of the recorded view (the other view's are ``not_measurable``) and a note."""
    if squats.view.required == "side":
        side = near_leg(squats.seq, context)
        metrics = measure_side_view(squats, side, by_rep) + missing_view(
            FRONT_METRICS, "front", camera_off_text(squats.seq, "front")
        )
        return metrics, f"Side-view metrics are measured on the {side} leg (nearer the camera)."
    metrics = measure_front_view(squats, context.m_per_px, by_rep)
    note = (
        f"Knee FPPA is read only while the thigh's image length is at least "
        f"{100 * FPPA_MIN_THIGH:g} % of its standing length (deeper, the thigh points at the "
        "camera and the angle is meaningless); film from knee height."
    )
    bias = perspective_note(squats.seq, context.focal_px, context.stature_m)
    missing = missing_view(SIDE_METRICS, "side", camera_off_text(squats.seq, "side"))
    return metrics + missing, f"{note} {bias}" if bias else note


def perspective_note(
    seq: PoseSequence,
    focal_px: float | None = None,
    stature_m: float | None = None,
    fraction: float = perspective.CHAIN_FRACTION,
) -> str | None:
    """The camera distance from the person's size in frame and the FPPA's perspective bias
    (:mod:`hipsight.kinematics.perspective`); without ``focal_px`` a 60° horizontal field of
    view, without ``stature_m`` 1.70 m, both named in the note."""
    assumed = [
        *(() if focal_px else (f"{perspective.DEFAULT_HFOV_DEG:g}° field of view",)),
        *(() if stature_m else (f"{perspective.DEFAULT_STATURE_M:.2f} m tall",)),
    ]
    focal = focal_px or perspective.focal_from_fov(seq.meta.frame_size[0])
    stature = stature_m or perspective.DEFAULT_STATURE_M
    distance = perspective.camera_distance_m(seq.image_xy, focal, stature, fraction)
    behind = bool(np.nanmedian(person_left(seq, PROTOCOL.gates.min_visibility)) < 0)
    stated = PROTOCOL.metric_spec("knee_fppa").view_tolerance
    return perspective.perspective_note(
        distance,
        stated.max_error_deg if stated else 0.0,
        from_behind=behind,
        assumed=("assuming " + " and ".join(assumed)) if assumed else "",
    )


def measure_squat(seq: PoseSequence, table: AngleTable, context: MeasureContext) -> TestResult:
    """Reps, tempo, then the metrics of the view the recording shows."""
    gates = PROTOCOL.gates
    view = recorded_view(seq, context.view)
    blocked = (None if view.ok else view.reason) or hidden_reason(
        seq, needed_landmarks(seq, view, context), gates
    )
    depth = squat_depth(hip_height(seq, gates.min_visibility))
    candidates = [] if blocked else find_squats(depth, seq.t)
    judged = judge_squats(seq, table, view.required, candidates, depth)
    reps = [rep for rep, verdict in zip(candidates, judged, strict=True) if verdict.counts]
    phase = np.zeros(seq.n_frames, dtype=bool)
    for rep in reps:
        phase[rep.start : rep.stop] = True
    squats = Squats(seq, table, view, depth, reps, phase)
    metrics = [count_reps(squats, blocked)]
    by_rep: dict[str, FloatArray] = {}
    notes = rejected_notes("rep", judged, seq.t)
    if blocked or not reps:
        reason = blocked or (
            f"no squat reps found: the hips must go down by at least {100 * MIN_DEPTH:g} % of "
            "their standing height above the ankles and come back up, with the feet planted, "
            "the knees bending and the body facing one way"
        )
        metrics += [
            not_measurable(PROTOCOL, spec.id, side, reason)
            for spec in PROTOCOL.metrics
            if spec.id not in ("rep_count", "lateral_hip_shift_cm")
            for side in (lm.SIDES if spec.per_side else (None,))
        ]
    else:
        view_metrics, note = measure_view(squats, context, by_rep)
        metrics += measure_tempo(squats, by_rep) + view_metrics
        notes.append(note)
    segments = rep_segments(squats, by_rep) + rejected_segments(judged, seq.t)
    return assemble_result(PROTOCOL, view, metrics, segments, notes)


def rep_segments(squats: Squats, by_rep: dict[str, FloatArray]) -> list[Segment]:
    """One ``rep`` segment per rep, with its depth and per-rep values."""
    segments = []
    for k, rep in enumerate(squats.reps):
        values = {"depth": float(squats.depth[rep.peak])}
        values.update({name: float(series[k]) for name, series in by_rep.items()})
        segments.append(
            segment_from("rep", k, rep.start, rep.stop, squats.table.t, None, finite_values(values))
        )
    return segments


def rejected_segments(judged: list[Candidate], t: FloatArray) -> list[Segment]:
    """A ``rejected rep`` segment per candidate that is not a squat, with what was measured."""
    rejected = [c for c in judged if not c.counts]
    return [
        segment_from("rejected rep", k, *c.span, t, None, finite_values(c.checks))
        for k, c in enumerate(rejected)
    ]


PROTOCOL = Protocol(
    id="squat",
    title="Bodyweight squat",
    instructions=(
        "Stand side-on to the camera, feet hip-width apart, arms forward. Squat as deep as is "
        "comfortable and stand up again, five times, at your own pace. For knee alignment, "
        "record five more facing the camera."
    ),
    position="standing",
    view="side",
    views=("side", "front"),
    angles=(
        "left_hip_flexion",
        "right_hip_flexion",
        "left_knee_flexion",
        "right_knee_flexion",
        "left_thigh_inclination",
        "right_thigh_inclination",
        "left_shank_inclination",
        "right_shank_inclination",
        "trunk_inclination",
        "left_knee_fppa",
        "right_knee_fppa",
        "pelvic_obliquity",
    ),
    key_angle="left_knee_flexion",
    key_band=(90.0, 140.0),
    metrics=(
        MetricSpec(
            "rep_count",
            "Reps",
            "count",
            per_side=False,
            description="Squats found (hips down by at least 10 % of standing hip height).",
        ),
        MetricSpec(
            "hip_flexion",
            "Peak hip flexion",
            "deg",
            per_side=False,
            description="Side view: peak trunk-thigh angle per rep, mean over reps.",
            view_tolerance=ViewTolerance("side", 15.5, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "knee_flexion",
            "Peak knee flexion",
            "deg",
            per_side=False,
            description="Side view: peak knee flexion per rep, mean over reps.",
            view_tolerance=ViewTolerance("side", 17.8, 5.6),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "thigh_vs_horizontal",
            "Thigh against horizontal at the bottom",
            "deg",
            per_side=False,
            norm="squat_depth",
            description="Side view: 90 - peak thigh inclination; negative = below horizontal.",
            view_tolerance=ViewTolerance("side", 6.0, 3.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "trunk_shank_difference",
            "Trunk lean minus shank lean at the bottom",
            "deg",
            per_side=False,
            norm="squat_trunk_shank",
            description="Side view: trunk inclination - shank inclination at peak knee flexion.",
            view_tolerance=ViewTolerance("side", 10.7, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "lumbopelvic_flexion",
            "Lumbopelvic flexion proxy (butt wink)",
            "deg",
            per_side=False,
            norm="squat_butt_wink",
            description=(
                "Side view, rough proxy: largest rise of (hip flexion - thigh inclination) in "
                "the last 10° of thigh motion."
            ),
            view_tolerance=ViewTolerance("side", 40.0, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "heel_rise",
            "Heel rise",
            "deg",
            per_side=False,
            description="Side view: heel-to-toe line against horizontal, peak minus standing.",
        ),
        MetricSpec(
            "knee_flexion_sd",
            "Depth consistency (SD of peak knee flexion)",
            "deg",
            per_side=False,
            description="Side view: SD across reps (needs 2 reps).",
            view_tolerance=ViewTolerance("side", 17.8, 5.6),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "knee_fppa",
            "Knee frontal-plane projection angle (peak valgus)",
            "deg",
            norm="squat_fppa",
            description="Front view: peak FPPA per rep (valgus +), mean over reps.",
            view_tolerance=ViewTolerance(
                "front",
                0.0,
                9.0,
                by_knee_flexion=((15.0, 27.4), (30.0, 16.9), (45.0, 8.4), (60.0, 4.2)),
            ),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "knee_fppa_sd",
            "Valgus consistency (SD of peak FPPA)",
            "deg",
            description="Front view: SD of the per-rep peak FPPA (needs 2 reps).",
            view_tolerance=ViewTolerance(
                "front",
                0.0,
                9.0,
                by_knee_flexion=((15.0, 27.4), (30.0, 16.9), (45.0, 8.4), (60.0, 4.2)),
            ),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "lateral_hip_shift",
            "Lateral hip shift at the bottom",
            "ratio",
            per_side=False,
            description=(
                "Front view: (mid-hip - mid-ankle) horizontal shift from rep start to bottom / "
                "standing hip height; + = toward the left."
            ),
        ),
        MetricSpec(
            "lateral_hip_shift_cm",
            "Lateral hip shift at the bottom",
            "cm",
            per_side=False,
            description="As lateral_hip_shift, in cm; only with a known scale (m_per_px).",
        ),
        MetricSpec(
            "descent_time",
            "Descent time",
            "s",
            per_side=False,
            description="10 % to 90 % of the rep's depth on the way down, mean over reps.",
        ),
        MetricSpec(
            "ascent_time",
            "Ascent time",
            "s",
            per_side=False,
            description="90 % to 10 % of the rep's depth on the way up, mean over reps.",
        ),
    ),
    segmentation=(
        "Squat depth = 1 - (mid-hip height above the mid-ankle) / (its standing value, the 95th "
        f"percentile). A rep is a depth peak of at least {MIN_DEPTH:g}, {MIN_PERIOD_S:g} s or "
        f"more from the next; it starts and ends at {100 * EDGE:g} % of its excursion and its "
        "bottom is the deepest frame. It counts when both ends are in the recording, the feet "
        f"stay within {MAX_FEET_TRAVEL:g} torso lengths, the body turns at most "
        f"{MAX_TURN_DEG:g}° and the knees flex at least {MIN_KNEE_RISE_DEG:g}°."
    ),
    measure=measure_squat,
    reps=5,
    duration_s=40.0,
    per_side=False,
    order=40,
)
