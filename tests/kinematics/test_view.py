"""View classification from landmarks and the view gate on 2D angles."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.view import (
    DEFAULT_TOLERANCES,
    ViewTolerance,
    apply_view_gate,
    classify_view,
    label_views,
    near_side,
    summarise_camera_angle,
    width_ratio,
    within_view,
)
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.samples.synthetic import (
    BodyDimensions,
    Pose,
    front_camera,
    make_sequence,
    side_camera,
)

BUILDS = {
    "average": BodyDimensions(),
    "broad shoulders, narrow hips": BodyDimensions(shoulder_width_m=0.46, hip_width_m=0.18),
    "narrow shoulders, wide hips": BodyDimensions(shoulder_width_m=0.30, hip_width_m=0.32),
    "long trunk, narrow frame": BodyDimensions(
        trunk_m=0.62, shoulder_width_m=0.30, hip_width_m=0.18
    ),
}


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


@pytest.mark.parametrize("build", list(BUILDS))
def test_a_front_view_of_any_build_passes_as_front(build: str) -> None:
    seq = make_sequence(Pose(), front_camera(), n_frames=10, dims=BUILDS[build]).sequence
    assert (label_views(seq) == "front").all(), build
    assert within_view(seq, DEFAULT_TOLERANCES["front"]).all()
    assert not within_view(seq, DEFAULT_TOLERANCES["side"]).any()


def test_the_width_ratio_classifier_depended_on_the_build() -> None:
    """The reason for the change: a narrow frame seen from the front read as 'oblique'."""
    dims = BUILDS["long trunk, narrow frame"]
    seq = make_sequence(Pose(), front_camera(), n_frames=3, dims=dims).sequence
    assert (classify_view(width_ratio(seq)) != "front").all()


@pytest.mark.parametrize(
    ("yaw", "inside"), [(0.0, True), (10.0, True), (35.0, False), (60.0, False)]
)
def test_side_gate_follows_the_camera_angle(yaw: float, inside: bool) -> None:
    seq = make_sequence(Pose(), side_camera(yaw_deg=yaw), n_frames=10).sequence
    assert within_view(seq, DEFAULT_TOLERANCES["side"]).all() == inside
    gated = apply_view_gate(compute_angles(seq, cutoff_hz=None), seq)
    assert gated.validity("left_hip_flexion").all() == inside


def test_view_tolerance_is_the_geometry_minus_the_estimate_error() -> None:
    tolerance = ViewTolerance("side", geometric_deg=25.0, max_error_deg=5.0)
    assert tolerance.within_deg == pytest.approx(17.0)
    assert ViewTolerance("front", geometric_deg=5.0, max_error_deg=3.0).within_deg == 0.0
    with pytest.raises(ValueError, match="geometric_deg must be in \\[0, 90\\], got 95"):
        ViewTolerance("side", geometric_deg=95.0, max_error_deg=5.0)
    with pytest.raises(ValueError, match="view must be 'side' or 'front', got 'top'"):
        ViewTolerance("top", geometric_deg=10.0, max_error_deg=5.0)  # type: ignore[arg-type]


def test_camera_angle_summary_gives_percentiles_and_bands() -> None:
    angle = np.array([5.0, 10.0, 20.0, 50.0, np.nan])
    summary = summarise_camera_angle(angle)
    assert summary["n_frames"] == 4
    assert summary["median_deg"] == 15.0
    assert summary["bands"] == {
        "0-15": 0.5,
        "15-30": 0.25,
        "30-45": 0.0,
        "45-60": 0.25,
        "60-90": 0.0,
    }
    assert summarise_camera_angle(np.full(3, np.nan))["median_deg"] is None
