"""Synthetic BlazePose skeletons with exact ground-truth angles, for tests and demos.

A :class:`Pose` holds joint parameters over time; forward kinematics turns it into the 33
BlazePose landmarks in a *lab frame*; a pinhole :class:`Camera` films it; :func:`make_sequence`
returns the :class:`~hipsight.pose.sequence.PoseSequence` plus ``truth``, the exact value of every
registered angle (see docs/angles.md for what each angle means).

Lab frame (metres, right-handed, ISB-like): **X** = the person's anterior at ``body_yaw_deg = 0``,
**Y** = up, **Z** = the person's right at ``body_yaw_deg = 0``. The floor is ``Y = 0``.

Body segment frames use the same anatomical axes (X anterior, Y superior, Z right). Rotations
follow the right-hand rule about these axes and are applied in this order (each about the axes of
the frame before it):

- pelvis: ``body_yaw`` about lab Y (positive turns the person to their left, counter-clockwise seen
  from above), then ``body_pitch`` about the body's right axis (positive reclines backward:
  90° = lying supine, face up; -90° = prone), then ``pelvic_obliquity`` about the anterior axis
  (positive = LEFT hip higher);
- trunk: ``trunk_flexion`` (forward positive) then ``trunk_lateral_lean`` (toward the person's LEFT
  positive), relative to the pelvis, pivoting at the mid-hip;
- hip (per side): flexion (knee forward positive), abduction (knee away from the midline positive),
  internal rotation (front of the thigh turned toward the midline positive), relative to the pelvis;
- knee: flexion positive; ankle: dorsiflexion positive (toes toward the shin);
- head: flexion (chin down positive) and yaw (turned to the person's left positive) relative to the
  trunk; shoulders: flexion and abduction relative to the trunk; elbows: flexion.

Truth: every angle is measured on the exact 3D skeleton as docs/angles.md defines it, i.e. what an
ideal orthographic camera perpendicular to the anatomical plane would show.

- Sagittal angles are signed rotations about the pelvis's right axis, after projection onto the
  plane perpendicular to it. For in-plane motion (no abduction, rotation, obliquity or lateral
  lean) that gives: hip flexion = hip flexion + trunk flexion (the angle is thigh vs *trunk*, not
  vs pelvis); knee flexion = knee flexion; ankle dorsiflexion = ankle dorsiflexion;
  trunk inclination = trunk flexion - body pitch; thigh inclination = hip flexion + body pitch;
  shank inclination = knee flexion - hip flexion - body pitch.
- Frontal angles are taken in the vertical plane through the hip line (the frontal plane of an
  upright person): pelvic obliquity = elevation of the right→left hip line, equal to
  ``pelvic_obliquity_deg`` for an upright body; the rest as defined in docs/angles.md.

Truth values are reported on the registry's branch (``AngleSpec.branch_deg``), as compute_angles
reports its values. The 2D and 3D variants share one truth (``truth["x"] is truth["x_3d"]``). The 2D
image values match it only when the camera looks perpendicular to the plane of motion, and
perspective adds small errors for points at different depths (use a distant camera with a long
focal length to approach an orthographic view).

``world_xyz`` imitates MediaPipe's world landmarks: metres, origin at the mid-hip, axes aligned
with the camera (x image-right, y image-down, z away from the camera; right-handed), including
the camera roll and pitch. It is exact (no depth error) unless ``jitter_world_m`` is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.kinematics.angles import angle_spec
from hipsight.kinematics.geometry import dot, signed_angle_about, wrap_degrees
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.results import ProcessingStep

FloatArray = NDArray[np.float64]

DEFAULT_TARGET: tuple[float, float, float] = (0.0, 0.9, 0.0)
DEFAULT_IMAGE_SIZE: tuple[int, int] = (1920, 1080)
DEFAULT_FOCAL_PX = 1400.0
DEFAULT_DISTANCE_M = 3.0

__all__ = [
    "BodyDimensions",
    "Camera",
    "Pose",
    "SyntheticSequence",
    "dropout_bursts",
    "front_camera",
    "hip_line_elevation",
    "make_sequence",
    "orbit_camera",
    "ramp",
    "side_camera",
    "sinusoid",
    "smooth_ramp",
    "time_axis",
    "with_body_roll",
    "with_dropped_frames",
    "with_hidden_landmarks",
    "with_nan_gap",
    "with_noise",
    "with_swapped_sides",
]


# ============================================================================ body and pose


@dataclass(frozen=True)
class BodyDimensions:
    """Segment lengths in metres (defaults: an adult about 1.75 m tall)."""

    thigh_m: float = 0.43
    shank_m: float = 0.43
    ankle_height_m: float = 0.07
    heel_back_m: float = 0.06
    toe_forward_m: float = 0.15
    hip_width_m: float = 0.22
    shoulder_width_m: float = 0.36
    trunk_m: float = 0.50
    neck_m: float = 0.10
    upper_arm_m: float = 0.30
    forearm_m: float = 0.26

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ValueError(f"{f.name} must be positive, got {value}")

    @classmethod
    def scaled(cls, height_m: float) -> BodyDimensions:
        """Return the default proportions scaled to a standing height in metres."""
        if not 0.5 <= height_m <= 2.5:
            raise ValueError(f"height_m must be in [0.5, 2.5], got {height_m}")
        base = cls()
        factor = height_m / 1.75
        return cls(**{f.name: getattr(base, f.name) * factor for f in dataclasses.fields(cls)})

    @property
    def standing_hip_height_m(self) -> float:
        """Height of the hip landmarks above the floor when standing straight."""
        return self.thigh_m + self.shank_m + self.ankle_height_m


_ANGLE_FIELDS = (
    "body_yaw_deg",
    "body_pitch_deg",
    "pelvic_obliquity_deg",
    "trunk_flexion_deg",
    "trunk_lateral_lean_deg",
    "head_flexion_deg",
    "head_yaw_deg",
    "left_hip_flexion_deg",
    "right_hip_flexion_deg",
    "left_hip_abduction_deg",
    "right_hip_abduction_deg",
    "left_hip_internal_rotation_deg",
    "right_hip_internal_rotation_deg",
    "left_knee_flexion_deg",
    "right_knee_flexion_deg",
    "left_ankle_dorsiflexion_deg",
    "right_ankle_dorsiflexion_deg",
    "left_shoulder_flexion_deg",
    "right_shoulder_flexion_deg",
    "left_shoulder_abduction_deg",
    "right_shoulder_abduction_deg",
    "left_elbow_flexion_deg",
    "right_elbow_flexion_deg",
)


@dataclass(frozen=True)
class Pose:
    """Body configuration over time. Every angle is a scalar or a (T,) array, in degrees.

    The defaults are neutral standing on the floor at the lab origin, facing lab +X.
    ``pelvis_xyz`` is the mid-hip position in the lab frame, (3,) or (T, 3); None means standing
    height above the origin. Signs and rotation order are in the module docstring.
    """

    pelvis_xyz: ArrayLike | None = None
    body_yaw_deg: ArrayLike = 0.0
    body_pitch_deg: ArrayLike = 0.0
    pelvic_obliquity_deg: ArrayLike = 0.0
    trunk_flexion_deg: ArrayLike = 0.0
    trunk_lateral_lean_deg: ArrayLike = 0.0
    head_flexion_deg: ArrayLike = 0.0
    head_yaw_deg: ArrayLike = 0.0
    left_hip_flexion_deg: ArrayLike = 0.0
    right_hip_flexion_deg: ArrayLike = 0.0
    left_hip_abduction_deg: ArrayLike = 0.0
    right_hip_abduction_deg: ArrayLike = 0.0
    left_hip_internal_rotation_deg: ArrayLike = 0.0
    right_hip_internal_rotation_deg: ArrayLike = 0.0
    left_knee_flexion_deg: ArrayLike = 0.0
    right_knee_flexion_deg: ArrayLike = 0.0
    left_ankle_dorsiflexion_deg: ArrayLike = 0.0
    right_ankle_dorsiflexion_deg: ArrayLike = 0.0
    left_shoulder_flexion_deg: ArrayLike = 0.0
    right_shoulder_flexion_deg: ArrayLike = 0.0
    left_shoulder_abduction_deg: ArrayLike = 10.0
    right_shoulder_abduction_deg: ArrayLike = 10.0
    left_elbow_flexion_deg: ArrayLike = 10.0
    right_elbow_flexion_deg: ArrayLike = 10.0

    def __post_init__(self) -> None:
        lengths = {name: _series_length(name, getattr(self, name)) for name in _ANGLE_FIELDS}
        if self.pelvis_xyz is not None:
            pelvis = np.asarray(self.pelvis_xyz, dtype=np.float64)
            if pelvis.shape != (3,) and (pelvis.ndim != 2 or pelvis.shape[1] != 3):
                raise ValueError(f"pelvis_xyz must have shape (3,) or (T, 3), got {pelvis.shape}")
            lengths["pelvis_xyz"] = pelvis.shape[0] if pelvis.ndim == 2 else None
        sizes = {n for n in lengths.values() if n is not None}
        if len(sizes) > 1:
            detail = {k: v for k, v in lengths.items() if v is not None}
            raise ValueError(f"all time series in a Pose must have the same length, got {detail}")

    @property
    def n_frames(self) -> int:
        """Number of frames the time series define (1 if every field is a scalar)."""
        lengths = [_series_length(name, getattr(self, name)) for name in _ANGLE_FIELDS]
        if self.pelvis_xyz is not None and np.ndim(self.pelvis_xyz) == 2:
            lengths.append(int(np.shape(self.pelvis_xyz)[0]))
        return max((n for n in lengths if n is not None), default=1)

    def series(self, name: str, n_frames: int) -> FloatArray:
        """Return one angle field broadcast to (n_frames,)."""
        return np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), (n_frames,))

    def replace(self, **changes: ArrayLike | None) -> Pose:
        """Return a copy with some fields replaced."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _series_length(name: str, value: ArrayLike) -> int | None:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or have shape (T,), got {arr.shape}")
    return None if arr.ndim == 0 else int(arr.shape[0])


# ============================================================================ camera


@dataclass(frozen=True, eq=False)
class Camera:
    """A pinhole camera in the lab frame. ``rotation`` rows are the camera's x (image right),
    y (image down) and z (optical axis, away from the camera) axes in lab coordinates."""

    position: FloatArray
    rotation: FloatArray
    focal_px: float = DEFAULT_FOCAL_PX
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE
    description: str = ""

    def __post_init__(self) -> None:
        if np.shape(self.position) != (3,):
            raise ValueError(f"position must have shape (3,), got {np.shape(self.position)}")
        rot = np.asarray(self.rotation, dtype=np.float64)
        if rot.shape != (3, 3) or not np.allclose(rot @ rot.T, np.eye(3), atol=1e-9):
            raise ValueError(f"rotation must be a 3x3 rotation matrix, got {rot!r}")
        if not np.isclose(np.linalg.det(rot), 1.0):
            raise ValueError(
                f"rotation must be right-handed (det +1), got det {np.linalg.det(rot)}"
            )
        if not self.focal_px > 0:
            raise ValueError(f"focal_px must be positive, got {self.focal_px}")

    def to_camera(self, points_lab: FloatArray) -> FloatArray:
        """Lab points (..., 3) → camera coordinates (..., 3)."""
        return (points_lab - self.position) @ self.rotation.T

    def project(self, points_lab: FloatArray) -> FloatArray:
        """Lab points (..., 3) → pixel coordinates (..., 2), x right, y down."""
        cam = self.to_camera(points_lab)
        depth = cam[..., 2]
        if np.nanmin(depth) <= 0.05:
            raise ValueError(
                f"points must be in front of the camera (depth > 0.05 m), got depth down to "
                f"{np.nanmin(depth):.3f} m; move the camera or the person"
            )
        width, height = self.image_size
        centre = np.array([width / 2.0, height / 2.0])
        return self.focal_px * cam[..., :2] / depth[..., None] + centre


def orbit_camera(
    *,
    target: ArrayLike = DEFAULT_TARGET,
    azimuth_deg: float,
    elevation_deg: float = 0.0,
    roll_deg: float = 0.0,
    distance_m: float = DEFAULT_DISTANCE_M,
    focal_px: float = DEFAULT_FOCAL_PX,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
) -> Camera:
    """A camera ``distance_m`` from ``target``, looking at it.

    ``azimuth_deg`` places the camera around the vertical through the target: 0 = in front of a
    person at yaw 0 (lab +X), 90 = at their left (lab -Z), 180 = behind, -90 = at their right.
    ``elevation_deg`` raises the camera above the target (positive looks down). ``roll_deg``
    turns the camera about its optical axis, clockwise as seen from behind the camera (the scene
    then appears turned counter-clockwise in the image).
    """
    if not distance_m > 0:
        raise ValueError(f"distance_m must be positive, got {distance_m}")
    if not -85.0 <= elevation_deg <= 85.0:
        raise ValueError(f"elevation_deg must be in [-85, 85], got {elevation_deg}")
    target_arr = np.asarray(target, dtype=np.float64)
    az = np.radians(azimuth_deg)
    el = np.radians(elevation_deg)
    outward = np.array([np.cos(el) * np.cos(az), np.sin(el), -np.cos(el) * np.sin(az)])
    forward = -outward
    up = np.array([0.0, 1.0, 0.0])
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    roll = np.radians(roll_deg)
    rolled_right = np.cos(roll) * right + np.sin(roll) * down
    rolled_down = np.cos(roll) * down - np.sin(roll) * right
    return Camera(
        position=target_arr + distance_m * outward,
        rotation=np.stack([rolled_right, rolled_down, forward]),
        focal_px=focal_px,
        image_size=image_size,
        description=(
            f"orbit(azimuth={azimuth_deg:g}, elevation={elevation_deg:g}, roll={roll_deg:g}, "
            f"distance={distance_m:g} m, f={focal_px:g} px)"
        ),
    )


def side_camera(
    side: lm.Side = "left",
    *,
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    distance_m: float = DEFAULT_DISTANCE_M,
    target: ArrayLike = DEFAULT_TARGET,
    focal_px: float = DEFAULT_FOCAL_PX,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
) -> Camera:
    """A camera looking at the ``side`` of a person at body yaw 0 (their sagittal plane at 90°).

    From the left side the person faces image-left; from the right side, image-right.
    ``yaw_deg`` orbits the camera away from the perpendicular (positive toward the person's
    front for the left side), ``pitch_deg`` raises it (looking down), ``roll_deg`` rolls it.
    """
    if side not in lm.SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    base = 90.0 if side == "left" else -90.0
    return orbit_camera(
        target=target,
        azimuth_deg=base - yaw_deg if side == "left" else base + yaw_deg,
        elevation_deg=pitch_deg,
        roll_deg=roll_deg,
        distance_m=distance_m,
        focal_px=focal_px,
        image_size=image_size,
    )


def front_camera(
    *,
    from_behind: bool = False,
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    distance_m: float = DEFAULT_DISTANCE_M,
    target: ArrayLike = DEFAULT_TARGET,
    focal_px: float = DEFAULT_FOCAL_PX,
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE,
) -> Camera:
    """A camera facing the front (or, with ``from_behind``, the back) of a person at body yaw 0.

    ``yaw_deg`` orbits it toward the person's left, ``pitch_deg`` raises it, ``roll_deg`` rolls it.
    """
    return orbit_camera(
        target=target,
        azimuth_deg=(180.0 if from_behind else 0.0) + yaw_deg,
        elevation_deg=pitch_deg,
        roll_deg=roll_deg,
        distance_m=distance_m,
        focal_px=focal_px,
        image_size=image_size,
    )


# ============================================================================ forward kinematics


@dataclass(frozen=True)
class _Skeleton:
    """Lab-frame landmarks (T, 33, 3) and the segment rotation matrices (T, 3, 3)."""

    points: FloatArray
    pelvis: FloatArray
    trunk: FloatArray
    thigh: dict[lm.Side, FloatArray]
    shank: dict[lm.Side, FloatArray]
    foot: dict[lm.Side, FloatArray]


def _rotation(axis: int, angle_deg: FloatArray) -> FloatArray:
    """(T, 3, 3) right-handed rotations by ``angle_deg`` about lab axis 0 (x), 1 (y) or 2 (z)."""
    rad = np.radians(angle_deg)
    c, s = np.cos(rad), np.sin(rad)
    i, j = {0: (1, 2), 1: (2, 0), 2: (0, 1)}[axis]
    rot = np.zeros((rad.shape[0], 3, 3))
    rot[:, axis, axis] = 1.0
    rot[:, i, i] = c
    rot[:, j, j] = c
    rot[:, i, j] = -s
    rot[:, j, i] = s
    return rot


def _chain(*rotations: FloatArray) -> FloatArray:
    out = rotations[0]
    for rot in rotations[1:]:
        out = out @ rot
    return out


def _place(origin: FloatArray, frame: FloatArray, local: ArrayLike) -> FloatArray:
    """origin (T, 3) + frame (T, 3, 3) @ local (3,)."""
    return origin + frame @ np.asarray(local, dtype=np.float64)


_X, _Y, _Z = 0, 1, 2
_HEAD_POINTS: dict[int, tuple[float, float, float]] = {
    # head frame, from the top of the neck; Z is the person's right, so left points have -Z
    lm.NOSE: (0.11, 0.10, 0.0),
    1: (0.09, 0.13, -0.015),  # left eye inner
    lm.LEFT_EYE: (0.09, 0.13, -0.032),
    3: (0.085, 0.13, -0.048),  # left eye outer
    4: (0.09, 0.13, 0.015),  # right eye inner
    lm.RIGHT_EYE: (0.09, 0.13, 0.032),
    6: (0.085, 0.13, 0.048),  # right eye outer
    lm.LEFT_EAR: (0.0, 0.11, -0.075),
    lm.RIGHT_EAR: (0.0, 0.11, 0.075),
    9: (0.09, 0.06, -0.025),  # mouth left
    10: (0.09, 0.06, 0.025),  # mouth right
}
_HAND_POINTS = {
    "pinky": (-0.02, -0.08, 0.0),
    "index": (0.02, -0.09, 0.0),
    "thumb": (0.04, -0.05, 0.0),
}
_HAND_INDEX: dict[lm.Side, dict[str, int]] = {
    "left": {"pinky": 17, "index": 19, "thumb": 21},
    "right": {"pinky": 18, "index": 20, "thumb": 22},
}


def _forward_kinematics(pose: Pose, dims: BodyDimensions, n: int) -> _Skeleton:
    def angle(name: str) -> FloatArray:
        return pose.series(name, n)

    points = np.full((n, lm.N_LANDMARKS, 3), np.nan)
    origin = _pelvis_position(pose, dims, n)
    pelvis = _chain(
        _rotation(_Y, angle("body_yaw_deg")),
        _rotation(_Z, angle("body_pitch_deg")),
        _rotation(_X, angle("pelvic_obliquity_deg")),
    )
    trunk = (
        pelvis
        @ _rotation(_Z, -angle("trunk_flexion_deg"))
        @ _rotation(_X, -angle("trunk_lateral_lean_deg"))
    )
    mid_shoulder = _place(origin, trunk, (0.0, dims.trunk_m, 0.0))
    head = trunk @ _rotation(_Z, -angle("head_flexion_deg")) @ _rotation(_Y, angle("head_yaw_deg"))
    neck_top = _place(mid_shoulder, trunk, (0.0, dims.neck_m, 0.0))
    for index, local in _HEAD_POINTS.items():
        points[:, index] = _place(neck_top, head, local)

    thighs, shanks, feet = {}, {}, {}
    for side in lm.SIDES:
        lateral = -1.0 if side == "left" else 1.0  # +Z is the person's right
        hip = _place(origin, pelvis, (0.0, 0.0, lateral * dims.hip_width_m / 2))
        thigh = _chain(
            pelvis,
            _rotation(_Z, angle(f"{side}_hip_flexion_deg")),
            _rotation(_X, -lateral * angle(f"{side}_hip_abduction_deg")),
            _rotation(_Y, lateral * angle(f"{side}_hip_internal_rotation_deg")),
        )
        knee = _place(hip, thigh, (0.0, -dims.thigh_m, 0.0))
        shank = thigh @ _rotation(_Z, -angle(f"{side}_knee_flexion_deg"))
        ankle = _place(knee, shank, (0.0, -dims.shank_m, 0.0))
        foot = shank @ _rotation(_Z, angle(f"{side}_ankle_dorsiflexion_deg"))
        points[:, lm.landmark_index("hip", side)] = hip
        points[:, lm.landmark_index("knee", side)] = knee
        points[:, lm.landmark_index("ankle", side)] = ankle
        points[:, lm.landmark_index("heel", side)] = _place(
            ankle, foot, (-dims.heel_back_m, -dims.ankle_height_m, 0.0)
        )
        points[:, lm.landmark_index("foot_index", side)] = _place(
            ankle, foot, (dims.toe_forward_m, -dims.ankle_height_m, 0.0)
        )
        thighs[side], shanks[side], feet[side] = thigh, shank, foot

        shoulder = _place(mid_shoulder, trunk, (0.0, 0.0, lateral * dims.shoulder_width_m / 2))
        upper_arm = _chain(
            trunk,
            _rotation(_Z, angle(f"{side}_shoulder_flexion_deg")),
            _rotation(_X, -lateral * angle(f"{side}_shoulder_abduction_deg")),
        )
        elbow = _place(shoulder, upper_arm, (0.0, -dims.upper_arm_m, 0.0))
        forearm = upper_arm @ _rotation(_Z, angle(f"{side}_elbow_flexion_deg"))
        wrist = _place(elbow, forearm, (0.0, -dims.forearm_m, 0.0))
        points[:, lm.landmark_index("shoulder", side)] = shoulder
        points[:, lm.landmark_index("elbow", side)] = elbow
        points[:, lm.landmark_index("wrist", side)] = wrist
        for part, local in _HAND_POINTS.items():
            points[:, _HAND_INDEX[side][part]] = _place(wrist, forearm, local)

    return _Skeleton(points, pelvis, trunk, thighs, shanks, feet)


def _pelvis_position(pose: Pose, dims: BodyDimensions, n: int) -> FloatArray:
    if pose.pelvis_xyz is None:
        return np.broadcast_to(np.array([0.0, dims.standing_hip_height_m, 0.0]), (n, 3))
    return np.broadcast_to(np.asarray(pose.pelvis_xyz, dtype=np.float64), (n, 3))


# ============================================================================ ground truth


def _ground_truth(skel: _Skeleton, dims: BodyDimensions) -> dict[str, FloatArray]:
    """Every registered angle from the segment rotation matrices (not from the landmarks)."""
    n = skel.pelvis.shape[0]
    up = np.broadcast_to(np.array([0.0, 1.0, 0.0]), (n, 3))
    right = skel.pelvis[:, :, _Z]
    trunk = skel.trunk[:, :, _Y]
    left_horizontal = -right * np.array([1.0, 0.0, 1.0])
    left_horizontal /= np.linalg.norm(left_horizontal, axis=1, keepdims=True)

    def frontal(v: FloatArray) -> tuple[FloatArray, FloatArray]:
        return dot(v, left_horizontal), dot(v, up)

    def line_tilt(line: FloatArray) -> FloatArray:
        horizontal, vertical = frontal(line)
        return np.degrees(np.arctan2(vertical, np.abs(horizontal)))

    trunk_left, trunk_up = frontal(trunk)
    truth = {
        "trunk_inclination": -signed_angle_about(up, trunk, right, unit_axis=True),
        "pelvic_obliquity": line_tilt(-right),
        "shoulder_tilt": line_tilt(-skel.trunk[:, :, _Z]),
        "trunk_lateral_inclination": np.degrees(np.arctan2(trunk_left, trunk_up)),
    }
    for side in lm.SIDES:
        thigh = -skel.thigh[side][:, :, _Y]
        shank = -skel.shank[side][:, :, _Y]
        foot = skel.foot[side][:, :, _X]
        lateral = 1.0 if side == "left" else -1.0  # "toward the person's left" is lateral
        shank_left, shank_up = frontal(shank)
        truth[f"{side}_hip_flexion"] = signed_angle_about(-trunk, thigh, right, unit_axis=True)
        truth[f"{side}_knee_flexion"] = -signed_angle_about(thigh, shank, right, unit_axis=True)
        truth[f"{side}_ankle_dorsiflexion"] = (
            signed_angle_about(shank, foot, right, unit_axis=True) - 90.0
        )
        truth[f"{side}_thigh_inclination"] = signed_angle_about(-up, thigh, right, unit_axis=True)
        truth[f"{side}_shank_inclination"] = -signed_angle_about(-up, shank, right, unit_axis=True)
        truth[f"{side}_shank_frontal_inclination"] = np.degrees(
            np.arctan2(lateral * shank_left, -shank_up)
        )
        truth[f"{side}_knee_fppa"] = _fppa_truth(
            np.stack(frontal(thigh * dims.thigh_m), axis=1),
            np.stack(frontal(shank * dims.shank_m), axis=1),
            medial_sign=-lateral,
        )
    for name in sorted(truth):
        truth[name] = wrap_degrees(truth[name], angle_spec(name).branch_deg[0])
        truth[f"{name}_3d"] = truth[name]
    return truth


def _fppa_truth(thigh: FloatArray, shank: FloatArray, medial_sign: float) -> FloatArray:
    """Frontal thigh–shank angle from (left, up) coordinates, + when the knee is medial."""
    line = thigh + shank
    line_unit = line / np.linalg.norm(line, axis=1, keepdims=True)
    offset_left = thigh[:, 0] - np.sum(thigh * line_unit, axis=1) * line_unit[:, 0]
    cos = np.sum(thigh * shank, axis=1) / (
        np.linalg.norm(thigh, axis=1) * np.linalg.norm(shank, axis=1)
    )
    magnitude = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return np.sign(medial_sign * offset_left) * magnitude


# ============================================================================ sequences


@dataclass(frozen=True)
class SyntheticSequence:
    """A synthetic :class:`PoseSequence` with its ground truth.

    ``truth`` maps every registered angle name (2D and ``_3d``) to exact (T,) degrees;
    ``landmarks_lab`` are the exact lab-frame landmarks (T, 33, 3) before the camera.
    """

    sequence: PoseSequence
    truth: Mapping[str, FloatArray]
    pose: Pose
    camera: Camera
    landmarks_lab: FloatArray
    dims: BodyDimensions = field(default_factory=BodyDimensions)

    def replace_sequence(self, sequence: PoseSequence) -> SyntheticSequence:
        """Return a copy with another sequence (e.g. a NaN twin) and the same truth."""
        return dataclasses.replace(self, sequence=sequence)


def make_sequence(
    pose: Pose,
    camera: Camera,
    fps: float = 30.0,
    jitter_px: float = 0.0,
    seed: int = 0,
    *,
    n_frames: int | None = None,
    t: ArrayLike | None = None,
    jitter_world_m: float = 0.0,
    dims: BodyDimensions | None = None,
) -> SyntheticSequence:
    """Film ``pose`` with ``camera`` and return the sequence with its ground truth.

    Timestamps are ``arange(T) / fps`` unless ``t`` is given (e.g. a variable frame rate). T is
    the pose's length, or ``n_frames`` to repeat a static pose. ``jitter_px`` adds Gaussian noise
    (standard deviation in pixels, per coordinate) to the image landmarks, ``jitter_world_m``
    to the world landmarks; ``seed`` makes it reproducible. Visibility and presence are 1.
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if jitter_px < 0 or jitter_world_m < 0:
        raise ValueError(
            f"jitter must be >= 0, got jitter_px={jitter_px}, jitter_world_m={jitter_world_m}"
        )
    dims = BodyDimensions() if dims is None else dims
    n = _frame_count(pose, n_frames, t)
    t_arr = np.arange(n) / fps if t is None else np.asarray(t, dtype=np.float64)
    skel = _forward_kinematics(pose, dims, n)
    image = camera.project(skel.points)
    mid_hip = (skel.points[:, lm.LEFT_HIP] + skel.points[:, lm.RIGHT_HIP]) / 2.0
    world = (skel.points - mid_hip[:, None, :]) @ camera.rotation.T
    rng = np.random.default_rng(seed)
    if jitter_px > 0:
        image = image + rng.normal(0.0, jitter_px, image.shape)
    if jitter_world_m > 0:
        world = world + rng.normal(0.0, jitter_world_m, world.shape)
    ones = np.ones((n, lm.N_LANDMARKS))
    meta = SequenceMeta(
        frame_size=camera.image_size,
        source="synthetic",
        fps_reported=fps,
        model_name="synthetic",
        provenance=(
            ProcessingStep(
                "make_sequence",
                {
                    "camera": camera.description or "custom",
                    "fps": float(fps),
                    "jitter_px": float(jitter_px),
                    "jitter_world_m": float(jitter_world_m),
                    "seed": seed,
                },
            ),
        ),
    )
    seq = PoseSequence.from_arrays(
        t_arr, image, meta, world_xyz=world, visibility=ones, presence=ones.copy()
    )
    return SyntheticSequence(
        sequence=seq,
        truth=_ground_truth(skel, dims),
        pose=pose,
        camera=camera,
        landmarks_lab=skel.points,
        dims=dims,
    )


def _frame_count(pose: Pose, n_frames: int | None, t: ArrayLike | None) -> int:
    n = pose.n_frames
    if n_frames is not None:
        if n_frames < 1 or n not in (1, n_frames):
            raise ValueError(f"n_frames={n_frames} does not match the pose's length {n}")
        n = n_frames
    if t is not None:
        shape = np.shape(t)
        if len(shape) != 1 or n not in (1, shape[0]) or n_frames not in (None, shape[0]):
            raise ValueError(f"t must have shape ({n},) to match the pose, got {shape}")
        n = shape[0]
    return n


# ============================================================================ twins


@overload
def with_nan_gap(
    seq: PoseSequence, start: int, stop: int, landmarks: Iterable[int] | None = None
) -> PoseSequence: ...
@overload
def with_nan_gap(
    seq: SyntheticSequence, start: int, stop: int, landmarks: Iterable[int] | None = None
) -> SyntheticSequence: ...
def with_nan_gap(
    seq: PoseSequence | SyntheticSequence,
    start: int,
    stop: int,
    landmarks: Iterable[int] | None = None,
) -> PoseSequence | SyntheticSequence:
    """Return a twin with frames ``start:stop`` missing (NaN) for ``landmarks`` (default: all).

    Coordinates, visibility and presence become NaN, as for frames without a person.
    A :class:`SyntheticSequence` keeps its truth.
    """
    if isinstance(seq, SyntheticSequence):
        return seq.replace_sequence(with_nan_gap(seq.sequence, start, stop, landmarks))
    rows, cols = _selection(seq, start, stop, landmarks)
    arrays = _copies(seq)
    for name in ("image_xy", "world_xyz", "visibility", "presence"):
        arrays[name][rows, cols] = np.nan
    step = ProcessingStep(
        "with_nan_gap", {"start": start, "stop": stop, "landmarks": _describe(cols)}
    )
    return _rebuild(seq, arrays, step)


@overload
def with_hidden_landmarks(
    seq: PoseSequence,
    landmarks: Iterable[int],
    start: int = 0,
    stop: int | None = None,
    visibility: float = 0.0,
) -> PoseSequence: ...
@overload
def with_hidden_landmarks(
    seq: SyntheticSequence,
    landmarks: Iterable[int],
    start: int = 0,
    stop: int | None = None,
    visibility: float = 0.0,
) -> SyntheticSequence: ...
def with_hidden_landmarks(
    seq: PoseSequence | SyntheticSequence,
    landmarks: Iterable[int],
    start: int = 0,
    stop: int | None = None,
    visibility: float = 0.0,
) -> PoseSequence | SyntheticSequence:
    """Return a twin whose ``landmarks`` have ``visibility`` over frames ``start:stop``.

    Coordinates stay (MediaPipe still reports a position for an occluded landmark); only the
    visibility drops, so the kinematics layer must refuse them by visibility.
    """
    if isinstance(seq, SyntheticSequence):
        return seq.replace_sequence(
            with_hidden_landmarks(seq.sequence, landmarks, start, stop, visibility)
        )
    if not 0.0 <= visibility <= 1.0:
        raise ValueError(f"visibility must be in [0, 1], got {visibility}")
    stop = seq.n_frames if stop is None else stop
    rows, cols = _selection(seq, start, stop, landmarks)
    arrays = _copies(seq)
    arrays["visibility"][rows, cols] = visibility
    step = ProcessingStep(
        "with_hidden_landmarks",
        {"start": start, "stop": stop, "landmarks": _describe(cols), "visibility": visibility},
    )
    return _rebuild(seq, arrays, step)


@overload
def with_swapped_sides(
    seq: PoseSequence, start: int, stop: int, landmarks: Iterable[int] | None = None
) -> PoseSequence: ...
@overload
def with_swapped_sides(
    seq: SyntheticSequence, start: int, stop: int, landmarks: Iterable[int] | None = None
) -> SyntheticSequence: ...
def with_swapped_sides(
    seq: PoseSequence | SyntheticSequence,
    start: int,
    stop: int,
    landmarks: Iterable[int] | None = None,
) -> PoseSequence | SyntheticSequence:
    """Return a twin whose left and right labels are exchanged over frames ``start:stop``.

    ``landmarks`` names the body landmarks (11..32, either side) whose pair is swapped;
    default: every left/right pair, face included (the whole side, as a mirrored detection).
    Coordinates, visibility and presence move together. A :class:`SyntheticSequence` keeps its
    truth, so a repair can be checked against it.
    """
    if isinstance(seq, SyntheticSequence):
        return seq.replace_sequence(with_swapped_sides(seq.sequence, start, stop, landmarks))
    rows, cols = _selection(seq, start, stop, landmarks)
    twin = _twins(cols)
    arrays = _copies(seq)
    for name in ("image_xy", "world_xyz", "visibility", "presence"):
        arrays[name][rows, twin[:, 0]], arrays[name][rows, twin[:, 1]] = (
            arrays[name][rows, twin[:, 1]],
            arrays[name][rows, twin[:, 0]],
        )
    step = ProcessingStep(
        "with_swapped_sides", {"start": start, "stop": stop, "landmarks": _describe(cols)}
    )
    return _rebuild(seq, arrays, step)


def with_body_roll(
    syn: SyntheticSequence, roll_deg: ArrayLike, jitter_px: float = 0.5, seed: int = 1
) -> SyntheticSequence:
    """Roll the body about its shoulder-to-hip line by ``roll_deg`` (scalar or (T,), + lowers the
    right hip) and film it again with the same camera, ``jitter_px`` of noise.

    A pelvic drop in a supine pose (the single-leg bridge) is such a roll, which :class:`Pose` has
    no parameter for. ``truth`` stays that of the unrolled pose; the exact hip-line elevation of
    the rolled body is :func:`hip_line_elevation` of ``landmarks_lab``.
    """
    points = syn.landmarks_lab
    mid_hip = (points[:, lm.LEFT_HIP] + points[:, lm.RIGHT_HIP]) / 2
    mid_shoulder = (points[:, lm.LEFT_SHOULDER] + points[:, lm.RIGHT_SHOULDER]) / 2
    axis = mid_hip - mid_shoulder
    axis = (axis / np.linalg.norm(axis, axis=1, keepdims=True))[:, None, :]
    angle = np.broadcast_to(np.radians(np.asarray(roll_deg, dtype=np.float64)), (len(points),))
    angle = angle[:, None, None]
    v = points - mid_hip[:, None, :]
    turned = (
        v * np.cos(angle)
        + np.cross(axis, v) * np.sin(angle)
        + axis * np.sum(axis * v, axis=2, keepdims=True) * (1 - np.cos(angle))
    )
    points = turned + mid_hip[:, None, :]
    camera = syn.camera
    image = camera.project(points) + np.random.default_rng(seed).normal(
        0.0, jitter_px, (*points.shape[:2], 2)
    )
    world = (points - mid_hip[:, None, :]) @ camera.rotation.T
    ones = np.ones(points.shape[:2])
    seq = PoseSequence.from_arrays(
        syn.sequence.t, image, syn.sequence.meta, world_xyz=world, visibility=ones, presence=ones
    )
    return dataclasses.replace(syn, sequence=seq, landmarks_lab=points)


def hip_line_elevation(points_lab: FloatArray) -> FloatArray:
    """(T,) elevation of the right-to-left hip line in degrees (+ = left hip higher) of lab
    landmarks (T, 33, 3)."""
    hip_line = points_lab[:, lm.LEFT_HIP] - points_lab[:, lm.RIGHT_HIP]
    return np.degrees(np.arctan2(hip_line[:, 1], np.hypot(hip_line[:, 0], hip_line[:, 2])))


def dropout_bursts(
    n_frames: int, fraction: float, burst_frames: tuple[int, int] = (1, 6), seed: int = 0
) -> list[tuple[int, int]]:
    """Frame ranges ``(start, stop)`` of missing bursts covering about ``fraction`` of the frames.

    Burst lengths are drawn uniformly from ``burst_frames`` (inclusive); bursts never touch each
    other or the first and last frame (a detection on either side, as a dropout has).
    """
    low, high = burst_frames
    if not 0.0 <= fraction < 1.0 or not 1 <= low <= high:
        raise ValueError(
            f"fraction must be in [0, 1) and burst_frames 1 <= low <= high, got {fraction}, "
            f"{burst_frames}"
        )
    rng = np.random.default_rng(seed)
    lengths = rng.integers(low, high + 1, size=max(1, n_frames))
    count = int(np.searchsorted(np.cumsum(lengths), fraction * n_frames, side="right"))
    lengths = lengths[:count]
    spare = n_frames - 2 - int(lengths.sum()) - count  # one seen frame after every burst
    if count == 0 or spare < 0:
        return []
    gaps = np.sort(rng.integers(0, spare + 1, size=count))  # free frames before each burst
    starts = 1 + gaps + np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    return [(int(a), int(a + n)) for a, n in zip(starts, lengths, strict=True)]


@overload
def with_dropped_frames(
    seq: PoseSequence, fraction: float, burst_frames: tuple[int, int] = ..., seed: int = ...
) -> PoseSequence: ...
@overload
def with_dropped_frames(
    seq: SyntheticSequence, fraction: float, burst_frames: tuple[int, int] = ..., seed: int = ...
) -> SyntheticSequence: ...
def with_dropped_frames(
    seq: PoseSequence | SyntheticSequence,
    fraction: float,
    burst_frames: tuple[int, int] = (1, 6),
    seed: int = 0,
) -> PoseSequence | SyntheticSequence:
    """Return a twin with about ``fraction`` of its frames missing, in bursts
    (:func:`dropout_bursts`): the person is not detected there (NaN rows)."""
    if isinstance(seq, SyntheticSequence):
        return seq.replace_sequence(with_dropped_frames(seq.sequence, fraction, burst_frames, seed))
    bursts = dropout_bursts(seq.n_frames, fraction, burst_frames, seed)
    arrays = _copies(seq)
    for start, stop in bursts:
        for name in ("image_xy", "world_xyz", "visibility", "presence"):
            arrays[name][start:stop] = np.nan
    step = ProcessingStep(
        "with_dropped_frames",
        {"fraction": fraction, "burst_frames": list(burst_frames), "seed": seed},
    )
    return _rebuild(seq, arrays, step)


@overload
def with_noise(seq: PoseSequence, sigma_px: float, seed: int = ...) -> PoseSequence: ...
@overload
def with_noise(seq: SyntheticSequence, sigma_px: float, seed: int = ...) -> SyntheticSequence: ...
def with_noise(
    seq: PoseSequence | SyntheticSequence, sigma_px: float, seed: int = 0
) -> PoseSequence | SyntheticSequence:
    """Return a twin with Gaussian noise of ``sigma_px`` pixels (per coordinate) added to the
    image landmarks."""
    if isinstance(seq, SyntheticSequence):
        return seq.replace_sequence(with_noise(seq.sequence, sigma_px, seed))
    if not sigma_px >= 0:
        raise ValueError(f"sigma_px must be >= 0, got {sigma_px}")
    arrays = _copies(seq)
    rng = np.random.default_rng(seed)
    arrays["image_xy"] += rng.normal(0.0, sigma_px, arrays["image_xy"].shape)
    step = ProcessingStep("with_noise", {"sigma_px": sigma_px, "seed": seed})
    return _rebuild(seq, arrays, step)


def _twins(cols: NDArray[np.intp]) -> NDArray[np.intp]:
    """(P, 2) left/right index pairs covering ``cols`` (both sides of a named landmark)."""
    if cols.size == lm.N_LANDMARKS:
        return np.array(_FACE_PAIRS + [(a, a + 1) for a in range(11, 33, 2)])
    if cols.min() < 11:
        raise ValueError(f"swappable landmarks are 11..32 (or all), got {cols.tolist()}")
    lefts = sorted({int(c) if c % 2 == 1 else int(c) - 1 for c in cols})
    return np.array([(a, a + 1) for a in lefts])


_FACE_PAIRS = [(1, 4), (2, 5), (3, 6), (7, 8), (9, 10)]


def _selection(
    seq: PoseSequence, start: int, stop: int, landmarks: Iterable[int] | None
) -> tuple[slice, NDArray[np.intp]]:
    if not 0 <= start < stop <= seq.n_frames:
        raise ValueError(
            f"frames must satisfy 0 <= start < stop <= {seq.n_frames}, got {start}:{stop}"
        )
    cols = np.arange(lm.N_LANDMARKS) if landmarks is None else np.array(sorted(set(landmarks)))
    if cols.size == 0 or cols.min() < 0 or cols.max() >= lm.N_LANDMARKS:
        raise ValueError(f"landmarks must be indices in [0, {lm.N_LANDMARKS}), got {cols.tolist()}")
    return slice(start, stop), cols


def _copies(seq: PoseSequence) -> dict[str, FloatArray]:
    return {
        name: getattr(seq, name).copy()
        for name in ("image_xy", "world_xyz", "visibility", "presence")
    }


def _rebuild(
    seq: PoseSequence, arrays: dict[str, FloatArray], step: ProcessingStep
) -> PoseSequence:
    return PoseSequence.from_arrays(
        seq.t.copy(),
        arrays["image_xy"],
        seq.meta.with_step(step),
        world_xyz=arrays["world_xyz"],
        visibility=arrays["visibility"],
        presence=arrays["presence"],
    )


def _describe(cols: NDArray[np.intp]) -> str:
    return "all" if cols.size == lm.N_LANDMARKS else ",".join(str(c) for c in cols.tolist())


# ============================================================================ motion helpers


def time_axis(duration_s: float, fps: float = 30.0) -> FloatArray:
    """Timestamps ``0, 1/fps, ...`` covering ``duration_s`` (``round(duration_s * fps)`` frames)."""
    if not duration_s > 0 or not fps > 0:
        raise ValueError(f"duration_s and fps must be positive, got {duration_s}, {fps}")
    return np.arange(round(duration_s * fps)) / fps


def sinusoid(
    t: ArrayLike, lo: float, hi: float, period_s: float, phase_deg: float = 0.0
) -> FloatArray:
    """Oscillate between ``lo`` and ``hi`` with ``period_s``, starting at ``lo`` when phase is 0."""
    if not period_s > 0:
        raise ValueError(f"period_s must be positive, got {period_s}")
    t_arr = np.asarray(t, dtype=np.float64)
    phase = 2.0 * np.pi * t_arr / period_s + np.radians(phase_deg)
    return lo + (hi - lo) * (1.0 - np.cos(phase)) / 2.0


def ramp(t: ArrayLike, start_value: float, end_value: float, t0: float, t1: float) -> FloatArray:
    """Linear ramp from ``start_value`` (before ``t0``) to ``end_value`` (after ``t1``)."""
    return start_value + (end_value - start_value) * _progress(t, t0, t1)


def smooth_ramp(
    t: ArrayLike, start_value: float, end_value: float, t0: float, t1: float
) -> FloatArray:
    """Minimum-jerk ramp (zero velocity and acceleration at both ends) between two values."""
    s = _progress(t, t0, t1)
    return start_value + (end_value - start_value) * s**3 * (10.0 - 15.0 * s + 6.0 * s**2)


def _progress(t: ArrayLike, t0: float, t1: float) -> FloatArray:
    if not t1 > t0:
        raise ValueError(f"t1 must be after t0, got t0={t0}, t1={t1}")
    return np.clip((np.asarray(t, dtype=np.float64) - t0) / (t1 - t0), 0.0, 1.0)
