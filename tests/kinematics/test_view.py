"""View classification from landmarks and the view gate on 2D angles."""

from __future__ import annotations

import numpy as np

from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.view import apply_view_gate, classify_view, width_ratio
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
    assert "view_gate" in gated.provenance[-1]
