"""Synthetic motions and constants shared by the tests (the fixtures live in conftest.py)."""

from __future__ import annotations

import numpy as np

from hipsight.pose import landmarks as lm
from hipsight.samples.synthetic import (
    BodyDimensions,
    Camera,
    Pose,
    SyntheticSequence,
    make_sequence,
    side_camera,
    sinusoid,
    smooth_ramp,
    time_axis,
    with_nan_gap,
)

FPS = 30.0
SHORT_GAP = (30, 33)  # 3 frames: bridged (gap 0.13 s <= 0.25 s)
LONG_GAP = (60, 78)  # 18 frames: 0.63 s, stays missing
LEG_LANDMARKS = (lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX)


def nan_twin(syn: SyntheticSequence) -> SyntheticSequence:
    """The same sequence with the left leg missing for SHORT_GAP and everyone for LONG_GAP."""
    twin = with_nan_gap(syn, *SHORT_GAP, landmarks=LEG_LANDMARKS)
    return with_nan_gap(twin, *LONG_GAP)


def sagittal_pose(t: np.ndarray) -> Pose:
    """In-plane (sagittal) motion: both hips, knees and ankles and the trunk moving smoothly."""
    return Pose(
        trunk_flexion_deg=sinusoid(t, 0.0, 25.0, 3.0),
        left_hip_flexion_deg=sinusoid(t, -15.0, 70.0, 2.0),
        right_hip_flexion_deg=sinusoid(t, 40.0, -10.0, 2.5),
        left_knee_flexion_deg=sinusoid(t, 0.0, 100.0, 2.0),
        right_knee_flexion_deg=sinusoid(t, 10.0, 60.0, 2.5),
        left_ankle_dorsiflexion_deg=sinusoid(t, -25.0, 15.0, 2.0),
        right_ankle_dorsiflexion_deg=sinusoid(t, 5.0, -15.0, 3.0),
    )


def frontal_pose(t: np.ndarray) -> Pose:
    """Frontal motion: pelvic obliquity, trunk lean, a shallow single-leg-squat-like left knee
    (flexion to 50° with adduction and internal rotation: valgus) and a right hip abducting."""
    return Pose(
        pelvic_obliquity_deg=sinusoid(t, -6.0, 8.0, 2.0),
        trunk_lateral_lean_deg=sinusoid(t, -8.0, 6.0, 3.0),
        left_hip_flexion_deg=sinusoid(t, 0.0, 35.0, 2.0),
        left_knee_flexion_deg=sinusoid(t, 0.0, 50.0, 2.0),
        left_hip_abduction_deg=sinusoid(t, 0.0, -10.0, 2.0),
        left_hip_internal_rotation_deg=sinusoid(t, 0.0, 15.0, 2.0),
        right_hip_abduction_deg=sinusoid(t, -5.0, 15.0, 2.5),
        right_knee_flexion_deg=20.0,
        right_hip_flexion_deg=20.0,
    )


# ------------------------------------------------- squats, walking and turning in one recording

BODY = BodyDimensions()
STAND_S = 1.0
SQUAT_S = 3.2  # one squat: 1.2 s down, 0.4 s at the bottom, 1.0 s up, 0.6 s standing
TURN_S = 1.2


def squat_depth_profile(t: np.ndarray, n_reps: int) -> np.ndarray:
    """0 standing .. 1 bottom, ``n_reps`` squats from ``STAND_S`` (minimum-jerk ramps)."""
    profile = np.zeros_like(t)
    for start in STAND_S + SQUAT_S * np.arange(n_reps):
        profile += smooth_ramp(t, 0, 1, start, start + 1.2) - smooth_ramp(
            t, 0, 1, start + 1.6, start + 2.6
        )
    return profile


def leg_height(hip_deg: np.ndarray, knee_deg: np.ndarray) -> np.ndarray:
    """Hip height above the floor of a leg with its foot flat (thigh and shank inclinations
    from hip and knee flexion, pelvis level)."""
    shank = np.radians(knee_deg - hip_deg)
    return (
        BODY.ankle_height_m
        + BODY.shank_m * np.cos(shank)
        + BODY.thigh_m * np.cos(np.radians(hip_deg))
    )


def squats_walk_and_turn(
    n_squats: int = 3,
    *,
    walk_s: float = 3.0,
    speed_m_s: float = 1.0,
    stride_s: float = 1.1,
    crouch: float = 1.0,
    camera: Camera | None = None,
    jitter_px: float = 0.5,
    seed: int = 0,
) -> tuple[SyntheticSequence, dict[str, tuple[float, float]]]:
    """``n_squats`` squats in a side view (feet planted), then a walk across the view, a 180 deg
    turn on the spot (yaw, with the hips dipping by ``crouch`` x 45 deg hip / 60 deg knee
    flexion, enough to look like a squat in the hip height alone), and the walk back.

    Returns the sequence and the time spans of its phases ("squats", "walk_out", "turn",
    "walk_back").
    """
    squats_end = STAND_S + SQUAT_S * n_squats + 0.4
    turn_start = squats_end + walk_s
    back_start = turn_start + TURN_S
    total = back_start + walk_s + 0.5
    t = time_axis(total, FPS)
    dt = 1.0 / FPS
    d = squat_depth_profile(t, n_squats)
    squat_hip, squat_knee = 100.0 * d, 110.0 * d
    walking = (
        smooth_ramp(t, 0, 1, squats_end, squats_end + 0.5)
        - smooth_ramp(t, 0, 1, turn_start - 0.5, turn_start)
        + smooth_ramp(t, 0, 1, back_start, back_start + 0.5)
        - smooth_ramp(t, 0, 1, back_start + walk_s - 0.5, back_start + walk_s)
    )
    yaw = smooth_ramp(t, 0.0, 180.0, turn_start, back_start)
    dip = crouch * np.where(
        (t >= turn_start) & (t < back_start), np.sin(np.pi * (t - turn_start) / TURN_S) ** 2, 0.0
    )
    gait_phase = t - squats_end
    legs = {}
    for side, phase in (("left", 0.0), ("right", 180.0)):
        swing_hip = walking * sinusoid(gait_phase, 25.0, -15.0, stride_s, phase)
        swing_knee = walking * sinusoid(gait_phase, 5.0, 60.0, stride_s, phase - 79.0)
        legs[side] = (
            squat_hip + swing_hip + 45.0 * dip,
            squat_knee + swing_knee + 60.0 * dip,
        )
    # squats: the pelvis sits over the planted ankles; walking and turning: at the height of a
    # leg in its stance phase (the longer of the two), moving forward along the facing direction
    shank = np.radians(squat_knee - squat_hip)
    forward = BODY.shank_m * np.sin(shank) - BODY.thigh_m * np.sin(np.radians(squat_hip))
    height = np.maximum(leg_height(*legs["left"]), leg_height(*legs["right"]))
    heading = np.radians(yaw)
    x = forward + np.cumsum(speed_m_s * walking * np.cos(heading)) * dt
    z = -np.cumsum(speed_m_s * walking * np.sin(heading)) * dt
    pose = Pose(
        pelvis_xyz=np.stack([x, height, z], axis=1),
        body_yaw_deg=yaw,
        trunk_flexion_deg=20.0 * d + 15.0 * dip,
        left_hip_flexion_deg=legs["left"][0],
        right_hip_flexion_deg=legs["right"][0],
        left_knee_flexion_deg=legs["left"][1],
        right_knee_flexion_deg=legs["right"][1],
        left_ankle_dorsiflexion_deg=(legs["left"][1] - legs["left"][0]) * (1 - walking),
        right_ankle_dorsiflexion_deg=(legs["right"][1] - legs["right"][0]) * (1 - walking),
        left_shoulder_flexion_deg=90.0 * d - 0.5 * walking * legs["left"][0],
        right_shoulder_flexion_deg=90.0 * d - 0.5 * walking * legs["right"][0],
    )
    cam = camera or side_camera("left", target=(speed_m_s * walk_s / 2.0, 0.7, 0.0), distance_m=6.0)
    phases = {
        "squats": (0.0, squats_end),
        "walk_out": (squats_end, turn_start),
        "turn": (turn_start, back_start),
        "walk_back": (back_start, back_start + walk_s),
    }
    return make_sequence(pose, cam, fps=FPS, jitter_px=jitter_px, seed=seed), phases
