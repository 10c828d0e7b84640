"""Is the person placed for the test? Live hints from the last half second of landmarks.

- Framing, from the landmark bounds: everyone's feet, head and joints inside the frame and
  visible, and the body not too small ("step back, your feet are not visible", "come closer").
- View, from :mod:`hipsight.kinematics.view` with the protocol's own gate limits ("turn
  sideways", "face the camera").
- Camera tilt (advisory, it never blocks the start): when no calibration gives the camera roll,
  a person standing still facing the camera shows it: the hip line, the shoulder line and the
  ankle-to-shoulder axis all lean the same way by more than :data:`TILT_MIN_DEG`. With a
  calibration roll the angles are corrected and nothing is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.stance import stance_rolls, still_body_frames
from hipsight.kinematics.view import label_views
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Gates

FloatArray = NDArray[np.float64]

HINT_NO_PERSON = "step into view of the camera"
HINT_FEET = "step back, your feet are not visible"
HINT_HEAD = "step back, your head is not visible"
HINT_EDGE = "move to the middle, you are at the edge of the picture"
HINT_BODY = "make sure your whole body is visible"
HINT_FAR = "come closer to the camera"
HINT_SIDE = "turn sideways"
HINT_FRONT = "face the camera"
HINT_TILT = "camera is tilted by {deg}°, please level it"

RECENT_S = 0.5  # hints judge this much of the latest landmarks
EDGE_MARGIN = 0.01  # share of the frame size a landmark must stay inside the border
MIN_BODY_SHARE = 0.25  # the body's larger extent as a share of the frame's, at least
TILT_MIN_DEG = 3.0

_FEET = (lm.LEFT_ANKLE, lm.RIGHT_ANKLE)
_BODY_PAIRS = (
    (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER),
    (lm.LEFT_HIP, lm.RIGHT_HIP),
    (lm.LEFT_KNEE, lm.RIGHT_KNEE),
    (lm.LEFT_ANKLE, lm.RIGHT_ANKLE),
)


@dataclass(frozen=True)
class PositionCheck:
    """Blocking hints (most important first), advisory notes, the view seen, the tilt seen."""

    hints: tuple[str, ...]
    advisory: tuple[str, ...] = ()
    view: str = "unknown"
    tilt_deg: float | None = None

    @property
    def ok(self) -> bool:
        return not self.hints


def recent_frames(window: PoseSequence, seconds: float = RECENT_S) -> NDArray[np.bool_]:
    """(T,) frames of the last ``seconds`` of the window where the person was found."""
    return np.asarray((window.t >= window.t[-1] - seconds) & window.detected)


def check_position(
    window: PoseSequence,
    views: Sequence[str],
    gates: Gates,
    roll_known: float | None = None,
) -> PositionCheck:
    """Hints for the person in ``window`` to get into one of ``views`` (the first is asked for)."""
    if not views:
        raise ValueError("views must name at least one of 'side', 'front'")
    recent = recent_frames(window)
    if not recent.any() or not window.detected[-1]:
        return PositionCheck(hints=(HINT_NO_PERSON,))
    # frames with the person hold every landmark (a NaN one stays NaN: "not seen")
    xy = np.median(window.image_xy[recent], axis=0)
    visibility = np.median(window.visibility[recent], axis=0)
    hints = framing_hints(xy, visibility, window.meta.frame_size, gates.min_visibility)
    view = seen_view(window, recent, gates)
    if view not in views:
        hints.append(HINT_SIDE if views[0] == "side" else HINT_FRONT)
    tilt = None
    advisory: tuple[str, ...] = ()
    if roll_known is None and view == "front" and is_still(window, recent):
        tilt = estimate_tilt(xy)
        if tilt is not None:
            advisory = (HINT_TILT.format(deg=round(abs(tilt))),)
    return PositionCheck(
        hints=tuple(dict.fromkeys(hints)), advisory=advisory, view=view, tilt_deg=tilt
    )


def framing_hints(
    xy: FloatArray, visibility: FloatArray, frame_size: tuple[int, int], min_visibility: float
) -> list[str]:
    """Hints about the body's place in the frame, from one pose (33, 2) and its visibility."""
    width, height = frame_size
    mx, my = EDGE_MARGIN * width, EDGE_MARGIN * height
    x, y = xy[:, 0], xy[:, 1]
    with np.errstate(invalid="ignore"):
        inside = (x >= mx) & (x <= width - mx) & (y >= my) & (y <= height - my)
        seen = inside & (np.nan_to_num(visibility) >= min_visibility)
    hints: list[str] = []
    if not any(seen[i] for i in _FEET):
        hints.append(HINT_FEET)
    if not seen[lm.NOSE] and np.nan_to_num(y[lm.NOSE], nan=-1.0) < my:
        hints.append(HINT_HEAD)
    for left, right in _BODY_PAIRS:
        if seen[left] or seen[right]:
            continue
        pair = [left, right]
        with np.errstate(invalid="ignore"):
            if np.nanmin(x[pair]) < mx or np.nanmax(x[pair]) > width - mx:
                hints.append(HINT_EDGE)
            elif np.nanmax(y[pair]) > height - my:
                hints.append(HINT_FEET)
            elif np.nanmin(y[pair]) < my:
                hints.append(HINT_HEAD)
            else:
                hints.append(HINT_BODY)
    if not hints and body_share(xy, frame_size) < MIN_BODY_SHARE:
        hints.append(HINT_FAR)
    return hints


def body_share(xy: FloatArray, frame_size: tuple[int, int]) -> float:
    """The body's larger extent (height or width of its landmarks) as a share of the frame's."""
    body = xy[lm.LEFT_SHOULDER :]
    body = body[np.isfinite(body).all(axis=1)]
    if body.shape[0] < 2:
        return 0.0
    extent = body.max(axis=0) - body.min(axis=0)
    return float(max(extent[0] / frame_size[0], extent[1] / frame_size[1]))


def seen_view(window: PoseSequence, recent: NDArray[np.bool_], gates: Gates) -> str:
    """The most common view label over the recent frames ('unknown' when none is clear)."""
    labels = label_views(window, gates.side_view, gates.front_view)[recent]
    labels = labels[labels != "unknown"]
    if labels.size == 0:
        return "unknown"
    values, counts = np.unique(labels, return_counts=True)
    return str(values[np.argmax(counts)])


def is_still(window: PoseSequence, recent: NDArray[np.bool_]) -> bool:
    """True when the body stood still (:func:`~hipsight.kinematics.stance.still_body_frames`)
    in every recent frame, and there are at least three of them."""
    if int(recent.sum()) < 3:
        return False
    return bool(still_body_frames(window)[recent].all())


def estimate_tilt(xy: FloatArray) -> float | None:
    """Camera roll in degrees (positive: camera turned clockwise, seen from behind it) when the
    hip line, the shoulder line and the ankle-to-shoulder axis agree; else None.

    Each is the roll that would make it level (lines) or vertical (axis): see
    :func:`~hipsight.kinematics.stance.stance_rolls`. A person's own pelvic obliquity moves the
    hip line alone, so the three must agree in sign and all exceed :data:`TILT_MIN_DEG`.
    """
    values = np.array([float(v) for v in stance_rolls(xy).values()])
    if not np.isfinite(values).all():
        return None
    same_sign = bool((values > 0).all() or (values < 0).all())
    if not same_sign or np.abs(values).min() < TILT_MIN_DEG:
        return None
    return float(np.median(values))
