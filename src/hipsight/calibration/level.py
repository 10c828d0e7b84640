"""Camera level: the camera's roll (and a pitch estimate) from a level board or a standing person.

Sign conventions are those of :func:`hipsight.kinematics.angles.compute_angles`:

- ``roll_deg`` > 0: the camera is turned **clockwise as seen from behind it**, so the scene looks
  turned counter-clockwise in the image and the true "up" in the image is ``(-sin r, -cos r)``
  (x right, y down). Pass the estimate unchanged as ``compute_angles(seq, roll_deg=...)``.
- ``pitch_deg`` > 0: the camera looks **down**.

Both come from the true "up" direction expressed in camera coordinates (x right, y down,
z along the optical axis): ``u = (-sin r cos p, -cos r cos p, -sin p)``.

Two sources:

- **Board** (preferred): a chessboard hung level on a wall, its rows horizontal (check with a
  spirit level or align it with a door frame). ``solvePnP`` gives the board's pose; the board
  axis closest to the image vertical is the true vertical. The roll is insensitive to the lens
  and to the board leaning back; the pitch also assumes the board hangs vertically. A board
  tilted by 1° gives a roll 1° off. Roll must lie within ±45°.
- **Stance**: the person stands still facing the camera. Their axis from mid-ankle to
  mid-shoulder, median over the still frames, is taken as the true vertical. It assumes an
  upright, symmetric stance: a personal sideways lean of 1° becomes 1° of roll, so the user is
  asked to confirm. With intrinsics, the axis is taken in 3D (the plane through the camera and
  the body axis), which removes the perspective error off the image centre for a level camera.
  The pitch is a rough estimate from MediaPipe's world landmarks (weak depth).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.calibration.intrinsics import BoardView, board_object_points, check_board
from hipsight.calibration.uncertainty import nominal_camera_matrix
from hipsight.errors import InputError
from hipsight.kinematics.stance import midpoint, roll_from_up, stance_rolls, still_body_frames
from hipsight.kinematics.view import label_views
from hipsight.optional import cv2_module
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.wording import count, noun

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

PITCH_WARN_DEG = 10.0
ROLL_SCATTER_WARN_DEG = 1.0
POSTURE_MISMATCH_WARN_DEG = 3.0
OFF_CENTRE_WARN_DEG = 0.5
MIN_STILL_S = 1.0
__all__ = [
    "LevelEstimate",
    "describe_tilt",
    "estimate_level_from_board",
    "estimate_level_from_stance",
    "level_from_board_rotation",
    "pitch_from_up",
    "roll_from_up",
]


@dataclass(frozen=True)
class LevelEstimate:
    """Camera roll and pitch (degrees), how they were found and how far to trust them."""

    roll_deg: float
    pitch_deg: float | None
    method: Literal["board", "stance"]
    n_used: int
    scatter_deg: float
    warnings: tuple[str, ...] = ()

    def describe(self) -> str:
        unit = (
            noun(self.n_used, "view")
            if self.method == "board"
            else noun(self.n_used, "still frame")
        )
        pitch = "unknown" if self.pitch_deg is None else f"{self.pitch_deg:+.1f}°"
        return (
            f"{describe_tilt(self.roll_deg)}; pitch {pitch} "
            f"(from {self.method}, {self.n_used} {unit}, scatter {self.scatter_deg:.2f}°)"
        )


def describe_tilt(roll_deg: float) -> str:
    """The "camera tilted by N°" text for the user and the guided session's overlay."""
    if abs(roll_deg) < 0.05:
        return "camera level (roll 0.0°)"
    turn = "clockwise" if roll_deg > 0 else "counter-clockwise"
    return (
        f"camera tilted by {abs(roll_deg):.1f}° "
        f"({turn} as seen from behind it; roll {roll_deg:+.1f}°)"
    )


# ============================================================================ geometry


def pitch_from_up(up_cam: ArrayLike) -> FloatArray:
    """Pitch (deg, positive looking down) from the true "up" in camera coordinates (..., 3)."""
    up = np.asarray(up_cam, dtype=np.float64)
    length = np.linalg.norm(up, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.degrees(np.arcsin(np.clip(-up[..., 2] / length, -1.0, 1.0))))


def level_from_board_rotation(rotation: ArrayLike) -> tuple[float, float]:
    """(roll, pitch) in degrees from a board-to-camera rotation matrix of a level board.

    The board axis (its x: along the rows, or y: down the columns) whose image direction is
    closest to vertical is the true vertical; its sign is chosen so that "up" points up the image.
    """
    rot = np.asarray(rotation, dtype=np.float64)
    if rot.shape != (3, 3):
        raise ValueError(f"rotation must be 3x3, got {rot.shape}")
    axes = (rot[:, 0], rot[:, 1])
    vertical = max(axes, key=lambda a: abs(a[1]) / max(np.hypot(a[0], a[1]), 1e-12))
    up = -vertical if vertical[1] > 0 else vertical
    return float(roll_from_up(up)), float(pitch_from_up(up))


def _robust_scatter(values: FloatArray) -> float:
    """Median absolute deviation scaled to a standard deviation (0 for one value)."""
    if values.size < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _pitch_warning(pitch_deg: float | None, note: str = "") -> list[str]:
    if pitch_deg is None or abs(pitch_deg) <= PITCH_WARN_DEG:
        return []
    way = "down" if pitch_deg > 0 else "up"
    return [
        f"camera pitched {abs(pitch_deg):.0f}° {way}{note} (limit {PITCH_WARN_DEG:g}°): vertical "
        "lines converge and angles against the vertical carry extra error; place the camera at "
        "hip height and point it straight ahead"
    ]


# ============================================================================ board


def estimate_level_from_board(
    views: Sequence[BoardView],
    board: tuple[int, int],
    image_size: tuple[int, int],
    *,
    camera_matrix: ArrayLike | None = None,
    dist_coeffs: ArrayLike | None = None,
    square_mm: float = 25.0,
) -> LevelEstimate:
    """Roll and pitch from views of a board hung level (see the module docstring).

    Without intrinsics a nominal pinhole camera is assumed: the roll is still good (it hardly
    depends on the focal length), the pitch is approximate.
    """
    cv2 = cv2_module()
    board = check_board(board)
    if not views:
        raise InputError(
            "no view with the whole chessboard found; cannot estimate the camera level"
        )
    known = camera_matrix is not None
    matrix = (
        np.asarray(camera_matrix, dtype=np.float64) if known else nominal_camera_matrix(image_size)
    )
    dist = np.zeros(5) if dist_coeffs is None else np.asarray(dist_coeffs, dtype=np.float64)
    objp = board_object_points(board, square_mm)
    rolls, pitches = [], []
    for view in views:
        ok, rvec, _tvec = cv2.solvePnP(objp, view.corners.astype(np.float32), matrix, dist)
        if not ok:
            continue
        roll, pitch = level_from_board_rotation(cv2.Rodrigues(rvec)[0])
        rolls.append(roll)
        pitches.append(pitch)
    if not rolls:
        raise InputError(
            f"could not find the board's pose in any of the {count(len(views), 'view')}"
        )
    roll_arr, pitch_arr = np.array(rolls), np.array(pitches)
    pitch = float(np.median(pitch_arr))
    scatter = _robust_scatter(roll_arr)
    warnings = _pitch_warning(pitch, "" if known else " (approximate: no intrinsics)")
    if scatter > ROLL_SCATTER_WARN_DEG:
        warnings.append(
            f"the board's tilt varies by {scatter:.1f}° between views "
            f"(limit {ROLL_SCATTER_WARN_DEG:g}°); "
            "keep the board fixed and level while recording"
        )
    if not known:
        warnings.append(
            "no camera intrinsics: a nominal 65° lens was assumed (roll is still reliable)"
        )
    return LevelEstimate(
        roll_deg=float(np.median(roll_arr)),
        pitch_deg=pitch,
        method="board",
        n_used=len(rolls),
        scatter_deg=scatter,
        warnings=tuple(warnings),
    )


# ============================================================================ stance


def stance_frames(seq: PoseSequence, view: str = "front") -> BoolArray:
    """(T,) frames that are still and seen from ``view`` ('front' or 'side')."""
    return np.asarray(still_body_frames(seq) & (label_views(seq) == view))


def estimate_level_from_stance(
    seq: PoseSequence,
    camera_matrix: ArrayLike | None = None,
    dist_coeffs: ArrayLike | None = None,
    min_still_s: float = MIN_STILL_S,
) -> LevelEstimate:
    """Roll (and a rough pitch) from a person standing still, facing the camera.

    Uses the still front-view frames (see
    :func:`~hipsight.kinematics.stance.still_body_frames`); at least ``min_still_s``
    seconds of them. With ``camera_matrix`` the landmarks are undistorted and the body axis is
    taken in 3D assuming a level camera; without it, the image direction of the axis is used.
    """
    used = stance_frames(seq, "front")
    still_s = used.sum() / seq.fps
    if still_s < min_still_s:
        raise InputError(
            f"{seq.input_label}: need at least {min_still_s:g} s of standing "
            f"still facing the camera, got {still_s:.1f} s ({int(used.sum())} of "
            f"{seq.n_frames} frames still and "
            "front-on); stand still, arms by your sides, facing the camera"
        )
    xy = seq.image_xy[used]
    rolls = stance_rolls(xy)
    if camera_matrix is None:
        per_frame = rolls["axis"]
    else:
        ankle = midpoint(xy, lm.LEFT_ANKLE, lm.RIGHT_ANKLE)
        shoulder = midpoint(xy, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)
        per_frame = _roll_from_rays(ankle, shoulder, camera_matrix, dist_coeffs)
    roll = float(np.median(per_frame))
    pitch = _pitch_from_world(seq.world_xyz[used])
    warnings = _pitch_warning(pitch, " (rough, from MediaPipe's depth)")
    warnings += _off_centre_warnings(xy, pitch, camera_matrix, seq.meta.frame_size)
    warnings += _posture_warnings(rolls, roll)
    return LevelEstimate(
        roll_deg=roll,
        pitch_deg=pitch,
        method="stance",
        n_used=int(used.sum()),
        scatter_deg=_robust_scatter(per_frame),
        warnings=tuple(warnings),
    )


def _roll_from_rays(
    ankle: FloatArray, shoulder: FloatArray, camera_matrix: ArrayLike, dist_coeffs: ArrayLike | None
) -> FloatArray:
    """Per-frame roll from the plane through the camera centre and the body axis (level camera).

    The true up ``u = (-sin r, -cos r, 0)`` lies in that plane: ``n · u = 0`` with
    ``n = ray(ankle) x ray(shoulder)``, so ``r = atan2(-n_y, n_x)``.
    """
    cv2 = cv2_module()
    matrix = np.asarray(camera_matrix, dtype=np.float64)
    dist = np.zeros(5) if dist_coeffs is None else np.asarray(dist_coeffs, dtype=np.float64)
    points = np.concatenate([ankle, shoulder]).reshape(-1, 1, 2)
    normalised = cv2.undistortPoints(points, matrix, dist).reshape(2, -1, 2)
    rays = np.concatenate([normalised, np.ones((2, normalised.shape[1], 1))], axis=-1)
    normal = np.cross(rays[0], rays[1])
    roll = np.degrees(np.arctan2(-normal[:, 1], normal[:, 0]))
    return np.asarray((roll + 90.0) % 180.0 - 90.0)


def _pitch_from_world(world: FloatArray) -> float | None:
    ankle = midpoint(world, lm.LEFT_ANKLE, lm.RIGHT_ANKLE)
    shoulder = midpoint(world, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)
    up = shoulder - ankle
    finite = np.isfinite(up).all(axis=1)
    if not finite.any():
        return None
    return float(np.median(pitch_from_up(up[finite])))


def _off_centre_warnings(
    xy: FloatArray,
    pitch_deg: float | None,
    camera_matrix: ArrayLike | None,
    frame_size: tuple[int, int],
) -> list[str]:
    """Warn when a pitched camera and an off-centre person bias the roll.

    A vertical line seen at horizontal angle θ from the optical axis of a camera pitched by p
    leans by about atan(tan p · tan θ) in the image; the roll estimate inherits that lean.
    """
    if pitch_deg is None:
        return []
    matrix = (
        nominal_camera_matrix(frame_size) if camera_matrix is None else np.asarray(camera_matrix)
    )
    centre_x = float(np.median(midpoint(xy, lm.LEFT_HIP, lm.RIGHT_HIP)[:, 0]))
    tan_theta = abs(centre_x - matrix[0, 2]) / matrix[0, 0]
    bias = float(np.degrees(np.arctan(abs(np.tan(np.radians(pitch_deg))) * tan_theta)))
    if bias <= OFF_CENTRE_WARN_DEG:
        return []
    return [
        f"standing off-centre with the camera pitched about {abs(pitch_deg):.0f}° can bias "
        f"the roll by up to {bias:.1f}° (limit {OFF_CENTRE_WARN_DEG:g}°); "
        "stand in the middle of the picture "
        "or level the camera"
    ]


def _posture_warnings(rolls: dict[str, FloatArray], roll: float) -> list[str]:
    """Cross-check the body axis against the hip and shoulder lines (level when symmetric)."""
    lines = [float(np.median(rolls["hips"])), float(np.median(rolls["shoulders"]))]
    from_lines = float(np.mean(lines))
    if abs(from_lines - roll) <= POSTURE_MISMATCH_WARN_DEG:
        return []
    return [
        f"the hip and shoulder lines suggest a roll of {from_lines:+.1f}° but the body axis "
        f"{roll:+.1f}° (limit {POSTURE_MISMATCH_WARN_DEG:g}° apart): stand symmetrically, or "
        "use a level chessboard"
    ]
