"""Quality gates shared by all protocols: camera view, visibility, in-plane motion, frame count.

Never a confident wrong number: a metric whose frames fail a gate is ``not_measurable`` with
the reason. The view is judged from the landmarks: in a side view the shoulders and hips
overlap (their image width is small next to the torso length); facing the camera (or with the
back to it) they are wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import classify_view, width_ratio
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Gates
from hipsight.session.types import View


def view_labels(seq: PoseSequence, gates: Gates) -> NDArray[np.str_]:
    """(T,) 'side', 'front', 'oblique' or 'unknown' per frame, with this protocol's limits."""
    return classify_view(width_ratio(seq), gates.max_width_ratio_side, gates.min_width_ratio_front)


@dataclass(frozen=True)
class ViewCheck:
    """The view seen in a recording (or a phase of it) and whether it is the one required."""

    required: View
    detected: str
    share_required: float  # share of detected frames in the required view
    ok: bool
    reason: str | None


def check_view(
    seq: PoseSequence,
    required: View,
    gates: Gates,
    frames: NDArray[np.bool_] | None = None,
    min_share: float = 0.7,
) -> ViewCheck:
    """Does the camera see the person from the required view in most frames?"""
    labels = view_labels(seq, gates)
    mask = seq.detected if frames is None else frames & seq.detected
    seen = labels[mask]
    seen = seen[seen != "unknown"]
    if seen.size == 0:
        return ViewCheck(
            required,
            "unknown",
            0.0,
            False,
            "no frame shows the torso clearly enough to judge the camera view",
        )
    values, counts = np.unique(seen, return_counts=True)
    detected = str(values[np.argmax(counts)])
    share = float((seen == required).mean())
    if share >= min_share:
        return ViewCheck(required, detected, share, True, None)
    hint = (
        "turn sideways to the camera"
        if required == "side"
        else "face the camera (or turn your back to it)"
    )
    return ViewCheck(
        required,
        detected,
        share,
        False,
        f"wrong camera view: this test needs a {required} view, "
        f"the recording shows a {detected} view "
        f"in most frames ({100 * share:.0f}% {required}); {hint}",
    )


def in_plane_frames(seq: PoseSequence, required: View, gates: Gates) -> NDArray[np.bool_]:
    """(T,) frames whose body orientation matches the required view (motion stays in plane)."""
    labels = view_labels(seq, gates)
    return np.asarray(labels == required)


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
            f"too few valid frames{what}: {n_valid} of {n_phase} ({100 * fraction:.0f}%) "
            "have the needed landmarks visible and in plane; "
            f"need at least {gates.min_valid_frames} and {100 * gates.min_valid_fraction:.0f}%",
        )
    return FrameCheck(valid, n_valid, fraction, True, None)


def mean_quality(table: AngleTable, angles: tuple[str, ...], frames: NDArray[np.bool_]) -> float:
    """Mean per-frame quality of ``angles`` over ``frames`` (0 when there are none)."""
    if not frames.any():
        return 0.0
    cols = np.array([table.names.index(a) for a in angles], dtype=np.intp)
    return float(np.nanmean(table.quality[np.ix_(frames, cols)]))
