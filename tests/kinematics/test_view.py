"""View classification from landmarks and the view gate on 2D angles."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.view import apply_view_gate, classify_view, near_side, width_ratio
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.samples.synthetic import Pose, front_camera, make_sequence, side_camera


def test_side_and_front_views_are_told_apart() -> None:
    side = make_sequence(Pose(), side_camera(), n_frames=5).sequence
    front = make_sequence(Pose(), front_camera(), n_frames=5).sequence
    assert (classify_view(width_ratio(side)) == "side").all()
    assert (classify_view(width_ratio(front)) == "front").all()


def test_oblique_view_is_neither() -> None:
    oblique = make_sequence(Pose(), side_camera(yaw_deg=45.0), n_frames=5).sequence
    assert (classify_view(width_ratio(oblique)) == "oblique").all()


def test_view_gate_blanks_frontal_angles_in_a_side_view() -> None:
    seq = make_sequence(Pose(), side_camera(), n_frames=5).sequence
    gated = apply_view_gate(compute_angles(seq, cutoff_hz=None), seq)
    assert not gated.validity("pelvic_obliquity").any()
    assert np.isnan(gated.column("pelvic_obliquity")).all()
    assert gated.validity("left_hip_flexion").all()
    assert gated.validity("pelvic_obliquity_3d").all()  # 3D angles do not depend on the view
    assert gated.provenance[-1].name == "view_gate"


def legs_sequence(left_vis: float, right_vis: float, left_z: float, right_z: float) -> PoseSequence:
    """Two frames; every landmark visible at 1 except the legs, the knees at the given depths."""
    visibility = np.ones((2, lm.N_LANDMARKS))
    world = np.zeros((2, lm.N_LANDMARKS, 3))
    for side, vis, z in (("left", left_vis, left_z), ("right", right_vis, right_z)):
        for part in ("hip", "knee", "ankle"):
            visibility[:, lm.landmark_index(part, side)] = vis
        world[:, lm.landmark_index("knee", side), 2] = z
    return PoseSequence.from_arrays(
        [0.0, 0.1],
        np.zeros((2, lm.N_LANDMARKS, 2)),
        SequenceMeta(frame_size=(100, 100)),
        world_xyz=world,
        visibility=visibility,
    )


@pytest.mark.parametrize(
    ("left_vis", "right_vis", "left_z", "right_z", "expected"),
    [
        (0.9, 0.5, 0.2, -0.2, "left"),  # clearly more visible wins, whatever the depth
        (0.5, 0.9, -0.2, 0.2, "right"),
        (0.90, 0.88, 0.2, -0.2, "right"),  # within the tolerance: the nearer knee (smaller z)
        (0.88, 0.90, -0.2, 0.2, "left"),
        (0.9, 0.9, 0.0, 0.0, "left"),  # a full tie goes left
    ],
)
def test_near_side_prefers_visibility_then_depth(
    left_vis: float, right_vis: float, left_z: float, right_z: float, expected: str
) -> None:
    assert near_side(legs_sequence(left_vis, right_vis, left_z, right_z)) == expected


def test_near_side_ignores_frames_without_a_person() -> None:
    seq = legs_sequence(0.9, 0.5, 0.0, 0.0)
    visibility = np.array(seq.visibility)
    visibility[0] = np.nan  # the NaN twin of the first frame
    nan_twin = PoseSequence.from_arrays(
        seq.t, seq.image_xy, seq.meta, world_xyz=seq.world_xyz, visibility=visibility
    )
    assert near_side(nan_twin) == "left"


def test_near_side_rejects_a_tolerance_outside_0_1() -> None:
    with pytest.raises(ValueError, match=r"tolerance must be in \[0, 1\], got 1.5"):
        near_side(legs_sequence(0.9, 0.5, 0.0, 0.0), tolerance=1.5)
