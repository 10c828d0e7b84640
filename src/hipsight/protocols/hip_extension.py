"""Active standing hip extension: how far the thigh goes back, and how much the trunk helps.

The person stands side-on to the camera, holds on to a chair if needed, and kicks one leg
straight back a few times. Reps are cut from the thigh's angle behind the true vertical
(``-thigh_inclination``): each rep is a peak that rises above the resting level by at least
``MIN_EXCURSION_DEG`` and ``NOISE_MULTIPLE`` times the angle's own jitter
(:func:`excursion_threshold`), and lasts ``MIN_REP_S`` or more. A small kick (3-5 deg) is
measured; landmark noise on a still person is not a kick. The standing leg's thigh stays
about vertical, so it has no reps; the moving leg is the one with reps (a leg swinging less than
``MIN_SWING_SHARE`` of the other is the standing leg swaying). ``MeasureContext.side`` picks a
leg explicitly.

Per rep (``onset`` = the most neutral frame between the previous rep and this rep's peak;
``peak`` = the frame of largest hip extension within the rep):

- ``peak_hip_extension`` = ``-hip_flexion`` at the peak: the thigh against the trunk line
  (mid-hip→mid-shoulder), positive = extension.
- ``trunk_compensation`` = ``trunk_inclination(peak) - trunk_inclination(onset)``: + = the trunk
  leaned forward while the leg went back, − = it arched backward.
- ``corrected_extension`` = ``peak_hip_extension - max(0, -trunk_compensation)``: the extension
  that did not come from the trunk. The thigh–trunk angle already excludes a forward lean (the
  pelvis tips forward with the trunk, which the thigh–trunk angle sees), but a backward arch of
  the lower back opens the thigh–trunk angle without the hip moving, so a backward arch is
  subtracted. Equivalently: the smaller of the thigh–trunk extension and the thigh's extension
  behind the vertical (for an upright start). A pelvis that tilts while the trunk line stays put
  cannot be seen by landmarks at all.

A rep of one leg counts only when the other, standing leg stays planted (its ankle and heel
within ``MAX_STANDING_TRAVEL`` torso lengths) and still (the kicking thigh swings back, onset to
peak, at least ``MIN_SWING_RATIO`` times as far as the standing thigh spreads within the rep,
read below ``NOISE_BAND_HZ``): the standing leg never gets a rep, however its landmarks jitter,
and stepping or walking is not a kick. Candidates
that fail are ``rejected rep`` segments with a note saying why.

Each metric is the median over the valid reps; ``reps`` counts them. A rep is valid when at
least ``Gates.min_valid_fraction`` of its frames have the leg and trunk visible in a side view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.cleaning import filter_butterworth, min_filter_length
from hipsight.kinematics.extremes import fitted_extreme
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import ViewTolerance
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext, MetricSpec, Protocol
from hipsight.protocols.common import (
    OTHER,
    assemble_result,
    finite_values,
    gated_metric,
    median_or_nan,
    segment_from,
    sides_for,
)
from hipsight.protocols.gates import ViewCheck, check_frames, check_view, in_plane_frames
from hipsight.protocols.segmentation import find_reps, peaks_seen
from hipsight.protocols.validity import (
    Candidate,
    body_scale,
    mean_track,
    planted,
    rejected_notes,
    spread,
    verdicts,
)
from hipsight.results import MetricValue, Segment, SideName, TestResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MIN_EXCURSION_DEG = 2.0  # the thigh must swing at least this far back to count as a rep ...
NOISE_MULTIPLE = 10.0  # ... and at least this many times the thigh angle's own noise
NOISE_BAND_HZ = 2.0  # the noise is read above this frequency, where a kick has no power
MIN_PERIOD_S = 1.0  # reps at least this far apart
MIN_REP_S = 0.4  # a rep lasts at least this long (shorter peaks are landmark noise)
MIN_SWING_SHARE = 1 / 3  # a leg swinging less than this share of the other leg is standing
MIN_SWING_RATIO = 2.0  # in a rep, the kicking thigh swings at least this many times the other
MAX_STANDING_TRAVEL = 0.25  # torso lengths the standing foot may move during a rep
REP_METRICS = ("peak_hip_extension", "trunk_compensation", "corrected_extension")


@dataclass(frozen=True)
class ExtensionRep:
    """One kick back: frames and the three per-rep values."""

    onset: int
    peak: int
    stop: int
    valid: bool
    start: int  # where the thigh passed 30 % of the way back (the rep's core, for its checks)
    swing: float  # how far the thigh went back (vs the vertical) from onset to peak
    peak_hip_extension: float
    trunk_compensation: float
    corrected_extension: float

    def values(self) -> dict[str, float | None]:
        return {name: round(float(getattr(self, name)), 2) for name in REP_METRICS}


def leg_angles(side: SideName) -> tuple[str, str, str]:
    return f"{side}_hip_flexion", f"{side}_thigh_inclination", "trunk_inclination"


def leg_frames(table: AngleTable, side: SideName, in_plane: BoolArray) -> BoolArray:
    """Frames where the leg's angles and the trunk are valid in a side view."""
    ok = in_plane.copy()
    for name in leg_angles(side):
        ok &= table.validity(name)
    return ok


def thigh_backward(table: AngleTable, side: SideName, ok: BoolArray) -> FloatArray:
    """(T,) how far the thigh points behind the true vertical, NaN where not usable."""
    return np.where(ok, -table.column(f"{side}_thigh_inclination"), np.nan)


def angle_noise(values: FloatArray, t: FloatArray) -> float:
    """Robust standard deviation (degrees) of an angle's jitter: the part of the series above
    ``NOISE_BAND_HZ`` (a kick back takes a second or more, so it has no power there). 0 when the
    series is too short or too gappy to tell."""
    finite = np.isfinite(values)
    if finite.sum() < 2 * min_filter_length() or t.size < 2:
        return 0.0
    fs = 1.0 / float(np.median(np.diff(t)))
    if 0.4 * fs <= NOISE_BAND_HZ:
        return 0.0
    residual = values - filter_butterworth(values, fs, NOISE_BAND_HZ)
    residual = residual[np.isfinite(residual)]
    if residual.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(residual - np.median(residual))))


def excursion_threshold(backward: FloatArray, t: FloatArray) -> float:
    """How far back the thigh must go for a rep: ``MIN_EXCURSION_DEG``, or ``NOISE_MULTIPLE``
    times its own jitter when that is larger. On a still person with 3 px of landmark noise
    the jitter alone makes bumps of up to about 8 times its standard deviation."""
    return max(MIN_EXCURSION_DEG, NOISE_MULTIPLE * angle_noise(backward, t))


def rep_onset(backward: FloatArray, since: int, peak: int, fallback: int) -> int:
    """The most neutral frame (thigh least far back) between ``since`` and the rep's peak."""
    window = backward[since : peak + 1]
    return since + int(np.nanargmin(window)) if np.isfinite(window).any() else fallback


def find_extension_reps(
    table: AngleTable, side: SideName, ok: BoolArray, min_fraction: float
) -> list[ExtensionRep]:
    """Reps of one leg with their onset, peak and values."""
    backward = thigh_backward(table, side, ok)
    extension = np.where(ok, -table.column(f"{side}_hip_flexion"), np.nan)
    trunk = table.column("trunk_inclination")
    threshold = excursion_threshold(backward, table.t)
    reps = find_reps(backward, table.t, threshold, min_period_s=MIN_PERIOD_S)
    found = []
    previous_stop = 0
    for rep in reps:
        if table.t[rep.stop - 1] - table.t[rep.start] < MIN_REP_S:
            continue  # a flicker of landmark noise, not a kick
        onset = rep_onset(backward, previous_stop, rep.peak, rep.start)
        window = extension[rep.start : rep.stop]
        peak = rep.start + int(np.nanargmax(window)) if np.isfinite(window).any() else rep.peak
        valid = bool(ok[onset] and ok[peak] and ok[onset : rep.stop].mean() >= min_fraction)
        peak_value, compensation = rep_values(extension, trunk, table.t, onset, peak, valid)
        found.append(
            ExtensionRep(
                onset=onset,
                peak=peak,
                stop=rep.stop,
                valid=valid,
                swing=float(backward[rep.peak] - backward[onset]),
                peak_hip_extension=peak_value,
                trunk_compensation=compensation,
                corrected_extension=peak_value - max(0.0, -compensation),
                start=rep.start,
            )
        )
        previous_stop = rep.stop
    return found


def rep_values(
    extension: FloatArray, trunk: FloatArray, t: FloatArray, onset: int, peak: int, fit: bool
) -> tuple[float, float]:
    """A rep's peak hip extension and trunk compensation (trunk at the peak minus at onset).

    With ``fit`` each is read from a parabola over +-0.2 s (:func:`fitted_extreme`), not from
    single frames: the highest frame of a noisy curve reads high (a 5 deg kick with 3 px of
    noise: +1.07 deg on average over 20 seeds, +0.45 deg from the parabola)."""
    if not fit:
        return float(extension[peak]), float(trunk[peak] - trunk[onset])
    compensation = fitted_extreme(trunk, t, peak) - fitted_extreme(trunk, t, onset)
    return fitted_extreme(extension, t, peak), compensation


def swing_over(backward: FloatArray, t: FloatArray, spans: list[tuple[int, int]]) -> FloatArray:
    """(n_spans,) how far a thigh swings within each span: the 5th-95th percentile range of
    its angle behind the vertical, degrees, read below ``NOISE_BAND_HZ`` (a kick has no power
    above it, landmark jitter does: 3 px of noise on a still thigh spreads its raw angle by
    about 3 deg, as much as a small kick)."""
    return spread(slow_part(backward, t), spans)


def slow_part(values: FloatArray, t: FloatArray) -> FloatArray:
    """The series below ``NOISE_BAND_HZ`` (as it is when the frame rate is too low to split)."""
    if t.size < 2:
        return values
    fs = 1.0 / float(np.median(np.diff(t)))
    if 0.4 * fs <= NOISE_BAND_HZ:
        return values
    return filter_butterworth(values, fs, NOISE_BAND_HZ)


def judge_leg_reps(
    seq: PoseSequence,
    table: AngleTable,
    side: SideName,
    reps: list[ExtensionRep],
    ok: dict[SideName, BoolArray],
) -> list[Candidate]:
    """Which reps of ``side`` are kicks of that leg: the kick's peak was seen (not at the edge
    of a gap in the landmarks too long to fill), the other (standing) leg stays planted
    (its ankle and heel within ``MAX_STANDING_TRAVEL`` torso lengths) and still (this thigh
    swings back at least ``MIN_SWING_RATIO`` times as far as the other thigh spreads, below
    ``NOISE_BAND_HZ``). The standing leg's
    thigh, swaying or jittering while the other leg kicks, never gets a rep."""
    if not reps:
        return []
    other = OTHER[side]
    min_visibility = PROTOCOL.gates.min_visibility
    spans = [(rep.start, rep.stop) for rep in reps]
    standing_foot = mean_track(
        seq,
        (lm.landmark_index("ankle", other), lm.landmark_index("heel", other)),
        min_visibility,
    )
    own = np.array([rep.swing for rep in reps])  # onset to peak: the whole kick
    theirs = swing_over(thigh_backward(table, other, ok[other]), table.t, spans)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = 100.0 * theirs / own  # the other thigh's swing, % of this one's
    backward = thigh_backward(table, side, ok[side])
    checks = {
        "peak_seen": peaks_seen(backward, [rep.peak for rep in reps]).astype(float),
        "standing_leg_moved": planted([standing_foot], spans, body_scale(seq, min_visibility)),
        "thigh_vs_other": np.where(np.isfinite(ratio), ratio, np.nan),
    }
    limits = {
        "peak_seen": (1.0, 1.0),
        "standing_leg_moved": (0.0, MAX_STANDING_TRAVEL),
        "thigh_vs_other": (0.0, 100.0 / MIN_SWING_RATIO),
    }
    return verdicts(spans, checks, limits)


def rep_window(reps: list[ExtensionRep], n_frames: int) -> BoolArray:
    """(T,) frames inside any rep (onset to stop)."""
    mask = np.zeros(n_frames, dtype=bool)
    for rep in reps:
        mask[rep.onset : rep.stop] = True
    return mask


def median_of_reps(reps: list[ExtensionRep], metric: str) -> float:
    values = [getattr(rep, metric) for rep in reps if rep.valid]
    return median_or_nan(np.asarray(values, dtype=np.float64))


def rep_median(reps: list[ExtensionRep], metric: str) -> Callable[[BoolArray], float]:
    """A ``gated_metric`` compute function: the median of one per-rep value over valid reps."""
    return lambda _valid: median_of_reps(reps, metric)


def leg_metrics(
    table: AngleTable, side: SideName, reps: list[ExtensionRep], ok: BoolArray, view: ViewCheck
) -> list[MetricValue]:
    """The per-side metrics of one leg from its reps (not measurable when none is valid)."""
    phase = rep_window(reps, table.n_frames)
    angles = leg_angles(side)
    out = []
    for metric in REP_METRICS:
        out.append(
            gated_metric(
                PROTOCOL,
                metric,
                side,
                table,
                angles,
                phase,
                rep_median(reps, metric),
                view=view,
                extra=ok,
                label=f"{side} leg kicks",
            )
        )
    count_spec = PROTOCOL.metric_spec("reps")
    n_valid = sum(rep.valid for rep in reps)
    if all(m.status == "ok" for m in out) and n_valid:
        quality = min(m.quality for m in out)
        out.append(
            MetricValue.measured("reps", side, n_valid, count_spec.unit, quality, int(phase.sum()))
        )
    else:
        reason = (
            next((m.reason for m in out if m.reason), None) or f"no valid rep for the {side} leg"
        )
        out.append(MetricValue.not_measurable("reps", side, count_spec.unit, reason))
    return out


def no_reps(
    table: AngleTable, side: SideName, in_plane: BoolArray, view: ViewCheck
) -> list[MetricValue]:
    """Not measurable: why a leg gave no rep (wrong view, leg not visible, or it did not move)."""
    if not view.ok:
        reason = view.reason or "wrong camera view"
    else:
        everything = np.ones(table.n_frames, dtype=bool)
        visible = check_frames(
            table,
            leg_angles(side),
            everything,
            PROTOCOL.gates,
            extra=in_plane,
            label=f"the {side} leg",
        )
        threshold = excursion_threshold(thigh_backward(table, side, in_plane), table.t)
        noisy = (
            f" (the landmarks jitter, so a rep must be at least {NOISE_MULTIPLE:g} times "
            "their noise)"
            if threshold > MIN_EXCURSION_DEG
            else ""
        )
        reason = visible.reason or (
            f"no repetition found for the {side} leg: the thigh never went back by "
            f"{threshold:.1f}° or more{noisy}; kick the leg straight back, knee straight, "
            "a few times"
        )
    return [
        MetricValue.not_measurable(spec.id, side, spec.unit, reason, spec.norm)
        for spec in PROTOCOL.metrics
    ]


def choose_legs(
    context: MeasureContext, reps: dict[SideName, list[ExtensionRep]]
) -> tuple[SideName, ...]:
    """The legs to report: the named one, else the legs that moved (both if neither did).

    A leg whose swing is under ``MIN_SWING_SHARE`` of the other leg's is the standing leg
    swaying, not a second leg kicking.
    """
    if context.side in ("left", "right"):
        return sides_for(context)
    swing = {
        side: float(np.median([r.swing for r in found])) for side, found in reps.items() if found
    }
    largest = max(swing.values(), default=0.0)
    moving = tuple(
        side for side in reps if side in swing and swing[side] >= MIN_SWING_SHARE * largest
    )
    return moving or ("left", "right")


def rep_segments(
    table: AngleTable, reps: dict[SideName, list[ExtensionRep]], legs: tuple[SideName, ...]
) -> list[Segment]:
    segments = []
    for side in legs:
        for index, rep in enumerate(reps[side]):
            values = {**rep.values(), "valid": float(rep.valid)}
            segments.append(segment_from("rep", index, rep.onset, rep.stop, table.t, side, values))
    return segments


def measure_hip_extension(
    seq: PoseSequence, table: AngleTable, context: MeasureContext
) -> TestResult:
    """Reps of the moving leg(s): peak extension, trunk compensation and corrected extension."""
    gates = PROTOCOL.gates
    view = check_view(seq, "side", gates)
    in_plane = in_plane_frames(seq, "side", gates)
    ok: dict[SideName, BoolArray] = {
        side: leg_frames(table, side, in_plane) for side in ("left", "right")
    }
    candidates: dict[SideName, list[ExtensionRep]] = {
        side: find_extension_reps(table, side, ok[side], gates.min_valid_fraction)
        if view.ok
        else []
        for side in ("left", "right")
    }
    judged = {
        side: judge_leg_reps(seq, table, side, found, ok) for side, found in candidates.items()
    }
    reps: dict[SideName, list[ExtensionRep]] = {
        side: [rep for rep, v in zip(found, judged[side], strict=True) if v.counts]
        for side, found in candidates.items()
    }
    legs = choose_legs(context, reps)
    metrics = []
    for side in legs:
        if reps[side]:
            metrics += leg_metrics(table, side, reps[side], ok[side], view)
        else:
            metrics += no_reps(table, side, in_plane, view)
    rejected = [
        segment_from("rejected rep", i, *c.span, table.t, side, finite_values(c.checks))
        for side in legs
        for i, c in enumerate(c for c in judged[side] if not c.counts)
    ]
    notes = [
        *(
            note
            for side in legs
            for note in rejected_notes(f"{side} leg rep", judged[side], table.t)
        ),
        "Corrected extension = peak hip extension minus any backward arch of the trunk during the "
        "rep; a forward lean is already excluded by measuring the thigh against the trunk.",
        "Landmarks cannot see the pelvis: a pelvic tilt that does not move the trunk line is "
        "not detected.",
    ]
    return assemble_result(
        PROTOCOL,
        view,
        metrics,
        rep_segments(table, reps, legs) + rejected,
        notes,
    )


PROTOCOL = Protocol(
    id="hip_extension",
    title="Active standing hip extension",
    instructions=(
        "Stand sideways to the camera, holding a chair if you like. Keep your back still and your "
        "knee straight, and swing one leg straight back as far as you can, then bring it back. "
        "Do it five times, then turn around and do the other leg."
    ),
    position="standing",
    view="side",
    angles=(
        "left_hip_flexion",
        "right_hip_flexion",
        "left_thigh_inclination",
        "right_thigh_inclination",
        "trunk_inclination",
    ),
    key_angle="left_hip_flexion",
    key_band=(-30.0, -10.0),
    metrics=(
        MetricSpec(
            "peak_hip_extension",
            "Peak hip extension (thigh vs trunk)",
            "deg",
            description="Median over reps of the largest thigh-vs-trunk extension, + = extension.",
            view_tolerance=ViewTolerance("side", 28.3, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "trunk_compensation",
            "Trunk compensation",
            "deg",
            norm="hip_extension_compensation",
            description=(
                "Median over reps of the trunk inclination change from rep onset to peak: "
                "+ forward lean, - backward arch."
            ),
            view_tolerance=ViewTolerance("side", 52.9, 3.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "corrected_extension",
            "Extension without compensation",
            "deg",
            norm="hip_extension_active",
            description=(
                "Peak hip extension minus any backward arch of the trunk, "
                "max(0, -trunk_compensation); median over reps."
            ),
            view_tolerance=ViewTolerance("side", 28.3, 4.0),  # validation/view_tolerance.py
        ),
        MetricSpec(
            "reps",
            "Valid reps",
            "count",
            description="Number of reps whose frames passed the gates.",
        ),
    ),
    segmentation=(
        "Reps are peaks of the thigh's angle behind the vertical rising at least "
        f"{MIN_EXCURSION_DEG:g}° above rest, and at least {NOISE_MULTIPLE:g} times the angle's "
        f"own jitter (read above {NOISE_BAND_HZ:g} Hz), at least {MIN_PERIOD_S:g} s apart; the "
        "onset is the most neutral frame before the peak, the peak the frame of largest "
        "thigh-vs-trunk extension. A rep counts when the standing leg stays planted and the "
        f"kicking thigh swings back at least {MIN_SWING_RATIO:g} times as far as the standing one "
        f"spreads (below {NOISE_BAND_HZ:g} Hz)."
    ),
    measure=measure_hip_extension,
    reps=5,
    duration_s=20.0,
    per_side=True,
    order=20,
)
