"""Synthetic motions and constants shared by the tests (the fixtures live in conftest.py)."""

from __future__ import annotations

import numpy as np

from hipsight.pose import landmarks as lm
from hipsight.samples.synthetic import Pose, SyntheticSequence, sinusoid, with_nan_gap

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
