"""Example poses for the instruction cards, drawn as skeletons.

The skeleton is built with the synthetic body model (:mod:`hipsight.samples.synthetic`), filmed
from the view the test needs, and normalised into a unit box. Known tests get a pose of their
own; any other test gets its body position (standing, seated, lying, walking) with the key angle
set to the middle of its normal band when the body model has that joint.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.pose import landmarks as lm
from hipsight.protocols.base import Protocol
from hipsight.samples.synthetic import Pose, front_camera, make_sequence, side_camera

FloatArray = NDArray[np.float64]

_SEAT_HEIGHT = (0.0, 0.52, 0.0)
_BED_HEIGHT = (0.0, 0.75, 0.0)

# Joint fields of the body model that a key angle moves directly (sided ones get the side).
_KEY_FIELDS: dict[str, str] = {
    "hip_flexion": "{side}_hip_flexion_deg",
    "knee_flexion": "{side}_knee_flexion_deg",
    "ankle_dorsiflexion": "{side}_ankle_dorsiflexion_deg",
    "pelvic_obliquity": "pelvic_obliquity_deg",
    "trunk_inclination": "trunk_flexion_deg",
    "trunk_lateral_inclination": "trunk_lateral_lean_deg",
}


def _position_pose(position: str) -> dict[str, Any]:
    if position == "seated":
        return {
            "pelvis_xyz": _SEAT_HEIGHT,
            "left_hip_flexion_deg": 90.0,
            "right_hip_flexion_deg": 90.0,
            "left_knee_flexion_deg": 90.0,
            "right_knee_flexion_deg": 90.0,
        }
    if position == "lying":
        return {"pelvis_xyz": _BED_HEIGHT, "body_pitch_deg": 90.0}
    if position == "walking":
        return {
            "left_hip_flexion_deg": 20.0,
            "right_hip_flexion_deg": -12.0,
            "left_knee_flexion_deg": 8.0,
            "right_knee_flexion_deg": 20.0,
            "left_shoulder_flexion_deg": -20.0,
            "right_shoulder_flexion_deg": 20.0,
        }
    return {}


def _test_pose(test: str, side: str) -> dict[str, Any] | None:
    other = "right" if side == "left" else "left"
    presets: dict[str, dict[str, Any]] = {
        "squat": {
            "pelvis_xyz": (0.0, 0.55, 0.0),
            "left_hip_flexion_deg": 95.0,
            "right_hip_flexion_deg": 95.0,
            "left_knee_flexion_deg": 105.0,
            "right_knee_flexion_deg": 105.0,
            "left_ankle_dorsiflexion_deg": 25.0,
            "right_ankle_dorsiflexion_deg": 25.0,
            "trunk_flexion_deg": 35.0,
            "left_shoulder_flexion_deg": 90.0,
            "right_shoulder_flexion_deg": 90.0,
        },
        "hip_extension": {f"{side}_hip_flexion_deg": -20.0},
        "single_leg_stance": {
            f"{other}_hip_flexion_deg": 30.0,
            f"{other}_knee_flexion_deg": 60.0,
            "left_shoulder_abduction_deg": 30.0,
            "right_shoulder_abduction_deg": 30.0,
        },
        "hip_rotation": {**_position_pose("seated"), f"{side}_hip_internal_rotation_deg": 30.0},
        "thomas": {
            "pelvis_xyz": _BED_HEIGHT,
            "body_pitch_deg": 90.0,
            f"{other}_hip_flexion_deg": 115.0,
            f"{other}_knee_flexion_deg": 120.0,
            f"{side}_hip_flexion_deg": -10.0,
            f"{side}_knee_flexion_deg": 70.0,
        },
        "bridge": {
            "pelvis_xyz": (0.0, 0.35, 0.0),
            "body_pitch_deg": 105.0,
            "left_hip_flexion_deg": 55.0,
            "right_hip_flexion_deg": 55.0,
            "left_knee_flexion_deg": 110.0,
            "right_knee_flexion_deg": 110.0,
        },
    }
    return presets.get(test)


def _key_angle_pose(key_angle: str, key_band: tuple[float, float], side: str) -> dict[str, Any]:
    name = key_angle.removesuffix("_3d")
    for prefix in ("left_", "right_"):
        name = name.removeprefix(prefix)
    template = _KEY_FIELDS.get(name)
    if template is None:
        return {}
    low, high = key_band
    return {template.format(side=side): (low + high) / 2.0}


def example_pose(protocol: Protocol, side: str | None = None) -> Pose:
    """The body model's pose for this test (and side)."""
    return _pose_for(
        protocol.id, protocol.position, protocol.key_angle, protocol.key_band, side or "left"
    )


def _pose_for(
    test: str, position: str, key_angle: str, key_band: tuple[float, float], side: str
) -> Pose:
    fields = _test_pose(test, side)
    if fields is None:
        fields = {**_position_pose(position), **_key_angle_pose(key_angle, key_band, side)}
    return Pose(**fields)


@lru_cache(maxsize=64)
def _cached_skeleton(
    test: str, position: str, view: str, key_angle: str, key_band: tuple[float, float], *, side: str
) -> FloatArray:
    pose = _pose_for(test, position, key_angle, key_band, side)
    size = (400, 400)
    if view == "side":
        camera = side_camera("right" if side == "right" else "left", image_size=size, focal_px=300)
    else:
        camera = front_camera(image_size=size, focal_px=300)
    xy = make_sequence(pose, camera, n_frames=1).sequence.image_xy[0]
    return normalise_skeleton(xy)


def example_skeleton(protocol: Protocol, side: str | None = None) -> FloatArray:
    """A (33, 2) skeleton of the example pose, scaled into the unit box (aspect kept, centred)."""
    band = (float(protocol.key_band[0]), float(protocol.key_band[1]))
    skeleton = _cached_skeleton(
        protocol.id, protocol.position, protocol.view, protocol.key_angle, band, side=side or "left"
    )
    out = skeleton.copy()
    out.flags.writeable = False
    return out


def normalise_skeleton(xy: FloatArray) -> FloatArray:
    """Scale landmarks (33, 2) into [0, 1]² keeping their aspect, centred in the box."""
    if xy.shape != (lm.N_LANDMARKS, 2):
        raise ValueError(f"skeleton must have shape ({lm.N_LANDMARKS}, 2), got {xy.shape}")
    body = xy[np.isfinite(xy).all(axis=1)]
    if body.shape[0] < 2:
        raise ValueError("skeleton needs at least two finite landmarks")
    low, high = body.min(axis=0), body.max(axis=0)
    extent = float(max((high - low).max(), 1e-9))
    centred = (xy - (low + high) / 2.0) / extent
    return np.asarray(centred + 0.5, dtype=np.float64)
