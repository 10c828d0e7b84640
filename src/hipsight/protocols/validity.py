"""Is a candidate rep or stride the movement of the test? Shared, vectorised criteria.

A signal peak (hip height, bridge angle, thigh angle, heel position) is only a *candidate*: the
person may have walked, turned, stepped, rolled over or sat up. The protocols check each
candidate against the criteria here and keep the ones that fail as rejected segments, with the
reason, so the report can say why they did not count.

Distances are in **torso lengths** (the median image distance from the mid-hip to the
mid-shoulder over the recording, about 0.5 m in an adult), so the limits do not depend on the
camera distance or the image size. Spreads over a candidate are the 5th-95th percentile range
of a point's image track, which ignores single-frame landmark jitter.

- :func:`planted`: a point set (feet, shoulders, the standing leg) stays where it was;
- :func:`heading` and :func:`turned`: the body's facing direction, and how far it turned;
- :func:`travel`: how far the pelvis travelled, signed along the facing direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.cleaning import landmark_validity
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.wording import article, number

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Span = tuple[int, int]  # frames start..stop, stop exclusive

SPREAD_PERCENTILES = (5.0, 95.0)
FRONTAL_WIDTH = 0.58  # (hip width + shoulder width) / 2 over the torso length, adult, facing
FOOT_LENGTH = 0.42  # heel-to-toe over the torso length, adult
FEET = (lm.LEFT_ANKLE, lm.RIGHT_ANKLE, lm.LEFT_HEEL, lm.RIGHT_HEEL)
SHOULDERS = (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)


@dataclass(frozen=True)
class Candidate:
    """A rep or stride candidate and the verdict of the criteria: counted or rejected, why."""

    span: Span
    checks: dict[str, float] = field(default_factory=dict)  # criterion -> measured value
    reasons: tuple[str, ...] = ()  # why it does not count (empty: it counts)

    @property
    def counts(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def visible_xy(seq: PoseSequence, index: int, min_visibility: float) -> FloatArray:
    """(T, 2) image position of one landmark, NaN where it is not visible enough."""
    seen = landmark_validity(seq.visibility[:, index], min_visibility)  # NaN: nobody
    return np.where(seen[:, None], seq.image_xy[:, index], np.nan)


def mean_track(seq: PoseSequence, indices: Sequence[int], min_visibility: float) -> FloatArray:
    """(T, 2) mean image position of the visible ones of ``indices`` (NaN if none is).

    The mean of a left/right pair does not move when the model swaps the two sides.
    """
    points = np.stack([visible_xy(seq, i, min_visibility) for i in indices])
    seen = np.isfinite(points).all(axis=-1, keepdims=True)
    count = seen.sum(axis=0)
    total = np.where(seen, points, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def torso_length(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) image distance from the mid-hip to the mid-shoulder, pixels."""
    hips = mean_track(seq, (lm.LEFT_HIP, lm.RIGHT_HIP), min_visibility)
    shoulders = mean_track(seq, SHOULDERS, min_visibility)
    return np.asarray(np.linalg.norm(shoulders - hips, axis=1))


def body_scale(seq: PoseSequence, min_visibility: float) -> float:
    """The recording's length unit: the median torso length in pixels (NaN if never seen)."""
    length = torso_length(seq, min_visibility)
    finite = length[np.isfinite(length) & (length > 0)]
    return float(np.median(finite)) if finite.size else float("nan")


def check_spans(spans: Sequence[Span], n_frames: int) -> None:
    for start, stop in spans:
        if not 0 <= start < stop <= n_frames:
            raise ValueError(
                f"span ({start}, {stop}) must satisfy 0 <= start < stop <= {n_frames} frames"
            )


def spread(track: FloatArray, spans: Sequence[Span]) -> FloatArray:
    """(n_spans,) how far a (T, D) track wanders within each span: the length of its 5th-95th
    percentile range (per coordinate); NaN for a span without a finite frame."""
    check_spans(spans, track.shape[0])
    low, high = SPREAD_PERCENTILES
    out = np.full(len(spans), np.nan)
    for k, (start, stop) in enumerate(spans):  # one vectorised reduction per span
        window = track[start:stop]
        window = window[np.isfinite(window).all(axis=-1)] if window.ndim > 1 else window
        window = window[np.isfinite(window)] if window.ndim == 1 else window
        if window.shape[0]:
            extent = np.percentile(window, high, axis=0) - np.percentile(window, low, axis=0)
            out[k] = float(np.linalg.norm(np.atleast_1d(extent)))
    return out


def planted(tracks: Sequence[FloatArray], spans: Sequence[Span], scale: float) -> FloatArray:
    """(n_spans,) the largest spread of the ``tracks`` (each (T, 2)) within each span, in units
    of ``scale`` pixels (torso lengths): near 0 when they stay planted; NaN when unseen."""
    if not scale > 0:
        return np.full(len(spans), np.nan)
    spreads = np.stack([spread(track, spans) for track in tracks])
    return np.asarray(np.fmax.reduce(spreads, axis=0) / scale)  # fmax: NaN only if all are


def heading(seq: PoseSequence, min_visibility: float) -> FloatArray:
    """(T,) the direction the body faces, degrees, continuous over the recording (unwrapped).

    From the image alone: the left-minus-right offset of the hips and shoulders (over the torso
    length, by the adult frontal ratio) is the sine of the body's yaw toward the camera; the
    heel-to-toe direction (by the adult foot length) its cosine. 0 = side view facing
    image-right, 90 = facing the camera, 180 = side view facing image-left, -90 = back to the
    camera. NaN where the torso or both feet are hidden.
    """
    torso = torso_length(seq, min_visibility)
    offsets = [
        visible_xy(seq, left, min_visibility)[:, 0] - visible_xy(seq, right, min_visibility)[:, 0]
        for left, right in ((lm.LEFT_HIP, lm.RIGHT_HIP), SHOULDERS)
    ]
    heels = mean_track(seq, (lm.LEFT_HEEL, lm.RIGHT_HEEL), min_visibility)
    toes = mean_track(seq, (lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX), min_visibility)
    with np.errstate(invalid="ignore", divide="ignore"):
        sine = (offsets[0] + offsets[1]) / 2.0 / torso / FRONTAL_WIDTH
        cosine = (toes[:, 0] - heels[:, 0]) / torso / FOOT_LENGTH
        angle = np.arctan2(sine, cosine)
    finite = np.isfinite(angle)
    out = np.full(angle.shape, np.nan)
    out[finite] = np.degrees(np.unwrap(angle[finite]))
    return out


def turned(facing: FloatArray, spans: Sequence[Span]) -> FloatArray:
    """(n_spans,) how far the body turned within each span: the 5th-95th percentile range of
    its :func:`heading`, degrees (NaN when the heading is unknown)."""
    return spread(facing, spans)


def travel(
    pelvis_x: FloatArray, facing: FloatArray, spans: Sequence[Span], scale: float
) -> FloatArray:
    """(n_spans,) how far the pelvis moved horizontally from the start to the end of each span,
    in torso lengths, positive in the direction the body faces (image-right when the heading is
    within 90 deg of 0); NaN when the ends are not seen."""
    check_spans(spans, pelvis_x.shape[0])
    starts = np.array([s for s, _ in spans], dtype=np.intp)
    stops = np.array([e - 1 for _, e in spans], dtype=np.intp)
    forward = np.where(np.cos(np.radians(facing)) >= 0.0, 1.0, -1.0)
    moved = (pelvis_x[stops] - pelvis_x[starts]) * forward[starts]
    if not scale > 0:
        return np.full(len(spans), np.nan)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(facing[starts]), moved / scale, np.nan)


def verdicts(
    spans: Sequence[Span], checks: dict[str, FloatArray], limits: dict[str, tuple[float, float]]
) -> list[Candidate]:
    """One :class:`Candidate` per span: a check fails when its value lies outside its
    ``(low, high)`` limits; a NaN value (not seen) fails nothing.

    Each reason names the criterion, the value and the limit, e.g. ``"feet moved 0.62 torso
    lengths (limit 0.25)"``; the wording comes from :data:`REASONS`.
    """
    out = []
    for k, span in enumerate(spans):
        values = {name: float(series[k]) for name, series in checks.items()}
        reasons = tuple(
            describe(name, value, limits[name])
            for name, value in values.items()
            if np.isfinite(value) and not limits[name][0] <= value <= limits[name][1]
        )
        out.append(Candidate(span, values, reasons))
    return out


REASONS: dict[str, str] = {
    "feet_moved": "the feet moved {value} torso lengths (limit {limit:g})",
    "shoulders_moved": "the shoulders moved {value} torso lengths (limit {limit:g})",
    "standing_leg_moved": "the standing leg moved {value} torso lengths (limit {limit:g})",
    "turned_deg": "the body turned {value}° (limit {limit:g}°)",
    "knee_rise_deg": "the knees flexed only {value}° (need {limit:g}°)",
    "travel": "the body travelled {value} torso lengths (need {limit:g} or more forward)",
    "stride_s": "stride time {value} s (plausible {limit})",
    "step": "the foot swept only {value} torso lengths (need {limit:g})",
    "complete": "incomplete: the recording ends before it came back",
    "bottom_seen": "its bottom was not seen (no landmarks there for longer than a short gap)",
    "peak_seen": "its peak was not seen (no landmarks there for longer than a short gap)",
    "thigh_vs_other": "the thigh swung back {value}% of the other thigh's swing (need {limit:g}%)",
}
# How each value is printed (default two decimals); never as a negative zero.
_VALUE_FORMAT = {"turned_deg": ".0f", "knee_rise_deg": ".0f", "thigh_vs_other": ".0f"}


def describe(name: str, value: float, limits: tuple[float, float]) -> str:
    """The reason a check failed, with the value and the limit it broke."""
    low, high = limits
    limit: str | float = high if value > high else low
    if name == "stride_s":
        limit = f"{low:g}-{high:g} s"
    if name == "travel" and value < 0:
        return f"the body travelled {number(-value, '.2f')} torso lengths backward (limit {-low:g})"
    template = REASONS.get(name, name.replace("_", " ") + " {value} (limit {limit})")
    return template.format(value=number(value, _VALUE_FORMAT.get(name, ".2f")), limit=limit)


def rejected_notes(kind: str, candidates: Sequence[Candidate], t: FloatArray) -> list[str]:
    """One note per rejected candidate: when it was and why it did not count."""
    return [
        f"{article(kind).capitalize()} {kind} candidate at "
        f"{t[c.span[0]]:.1f}-{t[c.span[1] - 1]:.1f} s was not counted: {c.reason}."
        for c in candidates
        if not c.counts
    ]
