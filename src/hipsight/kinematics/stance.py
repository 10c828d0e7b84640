"""A person standing: body length, standing still, and the camera roll their body shows.

Sign convention for the roll (as in :func:`hipsight.kinematics.angles.compute_angles`): positive
when the camera is turned clockwise as seen from behind it, so that the true "up" in the image is
``(-sin r, -cos r)`` (x right, y down). A person standing upright and symmetric, facing the
camera, shows it three ways: the ankle-to-shoulder axis leans off the image vertical, and the hip
and shoulder lines off the image horizontal, all by the roll.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.kinematics.motion import STILL_WINDOW_S, still_frames
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

STILL_MAX_SPEED = 0.1  # body lengths (ankle→knee→hip→shoulder) per second


def midpoint(xy: FloatArray, a: int, b: int) -> FloatArray:
    """(..., D) midpoint of landmarks ``a`` and ``b`` for landmarks of shape (..., 33, D)."""
    return np.asarray((xy[..., a, :] + xy[..., b, :]) / 2.0)


def body_length_px(xy: FloatArray) -> FloatArray:
    """(T,) ankle→knee→hip (longer leg) plus mid-hip→mid-shoulder, in the units of ``xy``."""
    legs = []
    for side in lm.SIDES:
        hip, knee, ankle = (lm.landmark_index(part, side) for part in ("hip", "knee", "ankle"))
        legs.append(
            np.linalg.norm(xy[:, hip] - xy[:, knee], axis=-1)
            + np.linalg.norm(xy[:, knee] - xy[:, ankle], axis=-1)
        )
    trunk = np.linalg.norm(
        midpoint(xy, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER) - midpoint(xy, lm.LEFT_HIP, lm.RIGHT_HIP),
        axis=-1,
    )
    return np.asarray(np.fmax(legs[0], legs[1]) + trunk)


def still_body_frames(
    seq: PoseSequence, max_speed: float = STILL_MAX_SPEED, window_s: float = STILL_WINDOW_S
) -> BoolArray:
    """(T,) True where the body is still: :func:`~hipsight.kinematics.motion.still_frames` of
    the shoulders, hips, knees and ankles, in body lengths (the median over the recording).

    At 0.1 body lengths per second over 0.5 s it allows ~7 cm of sway for an adult and is robust
    to a few pixels of landmark jitter. Frames where a key landmark is missing are not still.
    """
    lengths = body_length_px(seq.image_xy)
    finite = lengths[np.isfinite(lengths)]
    if finite.size == 0 or seq.n_frames < 2:
        return np.zeros(seq.n_frames, dtype=bool)
    points = seq.image_xy[:, list(lm.KEY_BODY)] / float(np.median(finite))
    return still_frames(points, seq.t, max_speed, window_s)


def roll_from_up(up: ArrayLike) -> FloatArray:
    """Roll (deg) from the true "up" in camera coordinates (..., 3) or as an image vector (..., 2).

    An image vector is in pixels, x right and y down; only its direction matters.
    """
    v = np.asarray(up, dtype=np.float64)
    return np.asarray(np.degrees(np.arctan2(-v[..., 0], -v[..., 1])))


def roll_from_line(line: ArrayLike) -> FloatArray:
    """Roll (deg) that levels a left-right line (..., 2); its direction does not matter."""
    v = np.asarray(line, dtype=np.float64)
    v = np.where(v[..., :1] < 0, -v, v)  # point toward image-right
    return np.asarray(np.degrees(np.arctan2(-v[..., 1], v[..., 0])))


def stance_rolls(xy: ArrayLike) -> dict[str, FloatArray]:
    """The roll shown by a person standing and facing the camera, three ways.

    ``xy`` holds image landmarks of shape (..., 33, 2); each result has shape (...):
    ``axis`` makes mid-ankle→mid-shoulder vertical, ``hips`` and ``shoulders`` make those lines
    level.
    """
    pose = np.asarray(xy, dtype=np.float64)
    if pose.shape[-2:] != (lm.N_LANDMARKS, 2):
        raise ValueError(f"xy must have shape (..., {lm.N_LANDMARKS}, 2), got {pose.shape}")
    axis = midpoint(pose, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER) - midpoint(
        pose, lm.LEFT_ANKLE, lm.RIGHT_ANKLE
    )
    return {
        "axis": roll_from_up(axis),
        "hips": roll_from_line(pose[..., lm.LEFT_HIP, :] - pose[..., lm.RIGHT_HIP, :]),
        "shoulders": roll_from_line(
            pose[..., lm.LEFT_SHOULDER, :] - pose[..., lm.RIGHT_SHOULDER, :]
        ),
    }
