"""Quality gates shared by all protocols: camera view, visibility, in-plane motion, frame count.

Never a confident wrong number: a metric whose frames fail a gate is ``not_measurable`` with
the reason. The view is the camera-to-body angle estimated from the landmarks
(:func:`~hipsight.kinematics.view.camera_view_angle`: 0° = side view, 90° = facing the camera or
the back to it); a protocol accepts the frames within its tolerance
(:class:`~hipsight.kinematics.view.ViewTolerance`) of the view it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import (
    ViewTolerance,
    camera_view_angle,
    label_views,
    view_margin,
    within_view,
)
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Gates
from hipsight.results import View
from hipsight.wording import count, noun, with_article

MIN_SHARE_WITHIN = 0.6  # share of a metric's frames that must be within its own tolerance
HINTS: dict[View, str] = {
    "side": "turn sideways to the camera",
    "front": "face the camera (or turn your back to it)",
}


def view_labels(seq: PoseSequence, gates: Gates) -> NDArray[np.str_]:
    """(T,) 'side', 'front', 'oblique' or 'unknown' per frame, with this protocol's tolerances."""
    return label_views(seq, gates.side_view, gates.front_view)


@dataclass(frozen=True)
class ViewCheck:
    """The view seen in a recording (or a phase of it) and whether it is the one required.

    ``off_view_deg`` is the median estimated camera angle off the required view (None when no
    frame shows the torso), ``within_deg`` the limit the check applied; ``off_view`` and
    ``margin`` are per frame: the estimated angle off the view and how much further off the
    camera may truly be (:func:`~hipsight.kinematics.view.estimate_margin_deg`).
    """

    required: View
    detected: str
    share_required: float  # share of detected frames within the required view's tolerance
    ok: bool
    reason: str | None
    off_view_deg: float | None = None
    within_deg: float | None = None
    off_view: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    margin: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)


def metric_view_reason(
    view: ViewCheck,
    tolerance: ViewTolerance,
    frames: NDArray[np.bool_],
    what: str,
    knee_flexion: NDArray[np.float64] | None = None,
) -> str | None:
    """Why ``what`` cannot be measured from ``frames`` at this camera angle, or None.

    A frame counts when its estimated angle off the view plus the estimate's margin is within
    the metric's geometric tolerance (:meth:`ViewTolerance.accepts`); at least
    ``MIN_SHARE_WITHIN`` of the frames the metric uses must count. The reason names the median
    estimated angle and margin there.
    """
    if view.off_view is None or view.margin is None or not frames.any():
        return None
    off, margin = view.off_view[frames], view.margin[frames]
    flexion = None if knee_flexion is None else knee_flexion[frames]
    known = np.isfinite(off)
    if not known.any():
        return None
    accepted = tolerance.accepts(off, margin, flexion)[known]
    if float(accepted.mean()) >= MIN_SHARE_WITHIN:
        return None
    typical_flexion = None
    if flexion is not None and tolerance.by_knee_flexion:
        bent = np.abs(flexion[known])
        bent = bent[np.isfinite(bent)]
        typical_flexion = float(np.median(bent)) if bent.size else float("nan")
    return view_reason(
        float(np.median(off[known])),
        float(np.nanmedian(margin[known])),
        what,
        tolerance,
        typical_flexion,
    )


def view_reason(
    off_deg: float,
    margin_deg: float,
    what: str,
    tolerance: ViewTolerance,
    knee_flexion_deg: float | None = None,
) -> str:
    """'camera about 12° off the side view (the estimate may be 4° short); hip flexion stays within
    ±4° only up to 15° off it' (with a hint, or why no camera position helps).

    With a tolerance that depends on knee flexion, ``knee_flexion_deg`` is the median flexion of
    the metric's frames: the limit named is the one at that flexion, and beyond the last flexion
    band (or with the flexion unknown) the reason says no camera angle keeps the error.
    """
    view = tolerance.view
    camera = (
        f"camera about {off_deg:.0f}° off the {view} view (the estimate may be {margin_deg:.0f}° "
        "short)"
    )
    error = f"±{tolerance.max_error_deg:g}°"
    limit = tolerance.geometric_deg
    at = ""
    if knee_flexion_deg is not None and tolerance.by_knee_flexion:
        deepest = tolerance.by_knee_flexion[-1][0]
        if not np.isfinite(knee_flexion_deg):
            return (
                f"{camera}; {what} cannot be measured from this view: its error depends on the "
                "knee flexion, and the knee flexion is unknown in these frames"
            )
        limit = float(tolerance.geometric_limit(np.array([knee_flexion_deg]))[0])
        if limit < 0:
            return (
                f"{camera}; {what} cannot be measured from a single camera with the knee flexed "
                f"more than {deepest:g}° (median {knee_flexion_deg:.0f}° in these frames): seen "
                f"even slightly off the {view} view, a bent knee looks like valgus"
            )
        at = f" at this knee flexion (median {knee_flexion_deg:.0f}°)"
    if limit <= 0:
        return (
            f"{camera}; {what} misses its {error} even from exactly the {view} view, so it "
            "cannot be measured reliably from a single camera"
        )
    head = f"{camera}; {what} stays within {error} only up to {limit:.0f}° off it{at}"
    if limit <= margin_deg:
        return (
            f"{head}, less than the camera-angle estimate's uncertainty, so it cannot be "
            "measured reliably from a single camera"
        )
    return f"{head} ({HINTS[view]})"


def camera_off_text(seq: PoseSequence, view: View) -> str:
    """'the camera is about 47° off the front view' (median estimate over the frames with a
    person), or '' when no frame shows the torso."""
    off, _ = view_margin(seq, view)
    off = off[seq.detected & np.isfinite(off)]
    if off.size == 0:
        return ""
    return f"the camera is about {float(np.median(off)):.0f}° off the {view} view"


def tolerance_check(seq: PoseSequence, view: View) -> ViewCheck:
    """A passing :class:`ViewCheck` that carries the per-frame camera angle and margin, for a
    protocol that picks its frames per view itself: the metrics' own tolerances then apply
    (:func:`metric_view_reason`)."""
    off, margin = view_margin(seq, view)
    return ViewCheck(view, view, 1.0, True, None, off_view=off, margin=margin)


def check_view(
    seq: PoseSequence,
    required: View,
    gates: Gates,
    frames: NDArray[np.bool_] | None = None,
    min_share: float = 0.7,
) -> ViewCheck:
    """Is the camera within the protocol's tolerance of the required view in most frames?"""
    tolerance = gates.tolerance(required)
    angle, _ = camera_view_angle(seq)
    mask = seq.detected if frames is None else frames & seq.detected
    mask = mask & np.isfinite(angle)
    if not mask.any():
        return ViewCheck(
            required,
            "unknown",
            0.0,
            False,
            "body not visible: no frame shows the shoulders and hips clearly enough to judge "
            "the camera view; keep the whole body in the picture",
            within_deg=tolerance.within_deg,
        )
    labels = view_labels(seq, gates)[mask]
    values, counts = np.unique(labels, return_counts=True)
    detected = str(values[np.argmax(counts)])
    share = float(within_view(seq, tolerance)[mask].mean())
    off_view, margin = view_margin(seq, required)
    off = float(np.median(off_view[mask]))
    if share >= min_share:
        return ViewCheck(
            required, detected, share, True, None, off, tolerance.within_deg, off_view, margin
        )
    return ViewCheck(
        required,
        detected,
        share,
        False,
        f"wrong camera view: this test needs {with_article(required)} view, the camera within "
        f"{tolerance.within_deg:.0f}° of it; the camera is about {off:.0f}° off the {required} "
        f"view (median; {100 * share:.0f}% of the frames within); {HINTS[required]}",
        off,
        tolerance.within_deg,
        off_view,
        margin,
    )


def in_plane_frames(
    seq: PoseSequence, required: View, gates: Gates, tolerance: ViewTolerance | None = None
) -> NDArray[np.bool_]:
    """(T,) frames whose camera angle is within ``tolerance`` (default: the protocol's) of the
    required view, so the motion is seen in its plane."""
    return within_view(seq, tolerance or gates.tolerance(required))


@dataclass(frozen=True)
class FrameCheck:
    """Valid frames for a set of angles within a phase."""

    valid: NDArray[np.bool_]
    n_valid: int
    fraction: float
    ok: bool
    reason: str | None


def check_frames(
    table: AngleTable,
    angles: tuple[str, ...],
    phase: NDArray[np.bool_],
    gates: Gates,
    extra: NDArray[np.bool_] | None = None,
    label: str = "",
) -> FrameCheck:
    """Frames in ``phase`` where every angle is valid (and ``extra`` holds); enough of them?"""
    valid = phase.copy()
    for name in angles:
        valid &= table.validity(name)
    if extra is not None:
        valid &= extra
    n_phase = int(phase.sum())
    n_valid = int(valid.sum())
    fraction = n_valid / n_phase if n_phase else 0.0
    what = f" for {label}" if label else ""
    if n_phase == 0:
        return FrameCheck(
            valid, 0, 0.0, False, f"no frames{what}: the movement was not found in the recording"
        )
    if n_valid < gates.min_valid_frames or fraction < gates.min_valid_fraction:
        return FrameCheck(
            valid,
            n_valid,
            fraction,
            False,
            f"too few valid frames{what}: {n_valid} of {count(n_phase, 'frame')} "
            f"({100 * fraction:.0f}%) {noun(n_valid, 'has', 'have')} the needed landmarks "
            f"visible and in plane; needs at least {count(gates.min_valid_frames, 'frame')} "
            f"and {100 * gates.min_valid_fraction:.0f}% of them",
        )
    return FrameCheck(valid, n_valid, fraction, True, None)


def mean_quality(table: AngleTable, angles: tuple[str, ...], frames: NDArray[np.bool_]) -> float:
    """Mean per-frame quality of ``angles`` over ``frames`` (0 when there are none)."""
    if not frames.any():
        return 0.0
    cols = np.array([table.names.index(a) for a in angles], dtype=np.intp)
    return float(np.nanmean(table.quality[np.ix_(frames, cols)]))
