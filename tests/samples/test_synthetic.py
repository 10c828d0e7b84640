from __future__ import annotations

import itertools

import numpy as np
import pytest

from hipsight.kinematics.angles import ANGLE_NAMES
from hipsight.pose import landmarks as lm
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    BodyDimensions,
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    orbit_camera,
    ramp,
    side_camera,
    sinusoid,
    smooth_ramp,
    time_axis,
    with_hidden_landmarks,
    with_nan_gap,
)

T = time_axis(2.0, 30.0)
DIMS = BodyDimensions()


def film(pose: Pose, **kwargs: object) -> SyntheticSequence:
    return make_sequence(pose, side_camera("left"), n_frames=T.size, **kwargs)  # type: ignore[arg-type]


# ============================================================================ truth


def test_truth_covers_every_registered_angle_and_shares_2d_and_3d() -> None:
    syn = film(Pose())
    assert set(syn.truth) == set(ANGLE_NAMES)
    for name in ANGLE_NAMES:
        assert syn.truth[name].shape == (T.size,)
        if not name.endswith("_3d"):
            np.testing.assert_array_equal(syn.truth[name], syn.truth[f"{name}_3d"])


def test_neutral_standing_is_zero_everywhere() -> None:
    syn = film(Pose(left_shoulder_abduction_deg=0.0, right_shoulder_abduction_deg=0.0))
    for name, values in syn.truth.items():
        np.testing.assert_allclose(values, 0.0, atol=1e-9, err_msg=name)


def test_planar_truth_is_the_sum_of_the_parameters() -> None:
    hip = sinusoid(T, -20.0, 90.0, 2.0)
    knee = sinusoid(T, 0.0, 120.0, 1.5)
    ankle = sinusoid(T, -30.0, 20.0, 1.0)
    trunk = sinusoid(T, -10.0, 40.0, 2.0)
    pitch = sinusoid(T, -30.0, 60.0, 2.0)
    pose = Pose(
        pelvis_xyz=(0.0, 1.5, 0.0),
        body_yaw_deg=ramp(T, 0.0, 180.0, 0.0, 2.0),  # yaw never changes sagittal truth
        body_pitch_deg=pitch,
        trunk_flexion_deg=trunk,
        left_hip_flexion_deg=hip,
        left_knee_flexion_deg=knee,
        left_ankle_dorsiflexion_deg=ankle,
    )
    truth = make_sequence(pose, side_camera("left", distance_m=5.0)).truth
    np.testing.assert_allclose(truth["left_hip_flexion"], hip + trunk, atol=1e-9)  # thigh vs trunk
    np.testing.assert_allclose(truth["left_knee_flexion"], knee, atol=1e-9)
    np.testing.assert_allclose(truth["left_ankle_dorsiflexion"], ankle, atol=1e-9)
    np.testing.assert_allclose(truth["trunk_inclination"], trunk - pitch, atol=1e-9)
    np.testing.assert_allclose(truth["left_thigh_inclination"], hip + pitch, atol=1e-9)
    np.testing.assert_allclose(truth["left_shank_inclination"], knee - hip - pitch, atol=1e-9)
    np.testing.assert_allclose(truth["right_hip_flexion"], trunk, atol=1e-9)


def test_frontal_truth_for_an_upright_body() -> None:
    obliquity = sinusoid(T, -10.0, 10.0, 2.0)
    lean = sinusoid(T, -15.0, 5.0, 1.0)
    pose = Pose(pelvic_obliquity_deg=obliquity, trunk_lateral_lean_deg=lean, body_yaw_deg=30.0)
    truth = film(pose).truth
    np.testing.assert_allclose(truth["pelvic_obliquity"], obliquity, atol=1e-9)  # left hip up: +
    # the trunk leans relative to the pelvis, whose own tilt carries it toward the right
    np.testing.assert_allclose(truth["trunk_lateral_inclination"], lean - obliquity, atol=1e-9)
    np.testing.assert_allclose(truth["shoulder_tilt"], obliquity - lean, atol=1e-9)


def test_fppa_truth_is_positive_for_a_medial_knee_on_either_side() -> None:
    inward = {"hip_flexion_deg": 40.0, "knee_flexion_deg": 60.0, "hip_internal_rotation_deg": 20.0}
    pose = Pose(**{f"{side}_{k}": v for side in lm.SIDES for k, v in inward.items()})
    truth = film(pose).truth
    assert truth["left_knee_fppa"][0] > 5.0
    np.testing.assert_allclose(truth["left_knee_fppa"], truth["right_knee_fppa"], atol=1e-9)
    straight = film(Pose(left_hip_abduction_deg=15.0)).truth
    np.testing.assert_allclose(straight["left_knee_fppa"], 0.0, atol=1e-9)  # straight leg


def test_seated_internal_rotation_swings_the_ankle_out() -> None:
    pose = Pose(
        pelvis_xyz=(0.0, 0.5, 0.0),
        left_hip_flexion_deg=90.0,
        left_knee_flexion_deg=90.0,
        left_hip_internal_rotation_deg=np.linspace(-30.0, 30.0, T.size),
    )
    truth = film(pose).truth
    np.testing.assert_allclose(
        truth["left_shank_frontal_inclination"], np.linspace(-30, 30, T.size), atol=1e-9
    )


# ============================================================================ skeleton


def test_skeleton_is_rigid_and_stands_on_the_floor() -> None:
    syn = film(
        Pose(left_hip_flexion_deg=sinusoid(T, 0.0, 90.0, 1.0), body_yaw_deg=ramp(T, 0, 90, 0, 2))
    )
    lab = syn.landmarks_lab
    assert np.isfinite(lab).all()
    thigh = np.linalg.norm(lab[:, lm.LEFT_KNEE] - lab[:, lm.LEFT_HIP], axis=1)
    shank = np.linalg.norm(lab[:, lm.RIGHT_ANKLE] - lab[:, lm.RIGHT_KNEE], axis=1)
    np.testing.assert_allclose(thigh, DIMS.thigh_m)
    np.testing.assert_allclose(shank, DIMS.shank_m)
    np.testing.assert_allclose(lab[:, [lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX], 1], 0.0, atol=1e-12)
    neutral = film(Pose()).landmarks_lab[0]
    assert neutral[lm.LEFT_HIP, 2] < 0 < neutral[lm.RIGHT_HIP, 2]  # lab +Z is the person's right
    assert neutral[lm.NOSE, 0] > neutral[lm.LEFT_EAR, 0]  # facing lab +X
    assert neutral[lm.NOSE, 1] > neutral[lm.LEFT_SHOULDER, 1] > neutral[lm.LEFT_HIP, 1]


def test_supine_means_face_up() -> None:
    lab = film(Pose(pelvis_xyz=(0.0, 0.2, 0.0), body_pitch_deg=90.0)).landmarks_lab[0]
    assert lab[lm.NOSE, 1] > lab[lm.LEFT_EAR, 1]  # the nose points up
    assert lab[lm.LEFT_SHOULDER, 0] < lab[lm.LEFT_HIP, 0] < lab[lm.LEFT_KNEE, 0]  # head at -X
    np.testing.assert_allclose(lab[[lm.LEFT_HIP, lm.LEFT_KNEE, lm.LEFT_SHOULDER], 1], 0.2)


def test_cameras_see_the_expected_sides() -> None:
    def image(camera_pose: Pose, camera: object) -> np.ndarray:
        return make_sequence(camera_pose, camera).sequence.image_xy[0]  # type: ignore[arg-type]

    left = image(Pose(), side_camera("left"))
    assert left[lm.NOSE, 0] < left[lm.LEFT_EAR, 0]  # seen from the left: facing image-left
    right = image(Pose(), side_camera("right"))
    assert right[lm.NOSE, 0] > right[lm.RIGHT_EAR, 0]
    front = image(Pose(), front_camera())
    assert front[lm.LEFT_HIP, 0] > front[lm.RIGHT_HIP, 0]  # the person's left on image-right
    back = image(Pose(), front_camera(from_behind=True))
    assert back[lm.LEFT_HIP, 0] < back[lm.RIGHT_HIP, 0]
    assert front[lm.NOSE, 1] < front[lm.LEFT_HIP, 1] < front[lm.LEFT_ANKLE, 1]  # y down
    np.testing.assert_allclose(
        (front[lm.LEFT_HIP] + front[lm.RIGHT_HIP]) / 2 - [960.0, 540.0],
        [0.0, -1400.0 * 0.03 / 3.0],  # hips (0.93 m) 3 cm above the 0.9 m target
    )


def test_camera_roll_turns_the_scene_counter_clockwise() -> None:
    pose = Pose()
    upright = make_sequence(pose, front_camera()).sequence.image_xy[0]
    rolled = make_sequence(pose, front_camera(roll_deg=30.0)).sequence.image_xy[0]
    trunk = (
        (upright[lm.LEFT_SHOULDER] + upright[lm.RIGHT_SHOULDER]) / 2
        - upright[lm.LEFT_HIP] / 2
        - upright[lm.RIGHT_HIP] / 2
    )
    trunk_rolled = (
        rolled[lm.LEFT_SHOULDER]
        + rolled[lm.RIGHT_SHOULDER]
        - rolled[lm.LEFT_HIP]
        - rolled[lm.RIGHT_HIP]
    ) / 2
    up = trunk / np.linalg.norm(trunk)
    up_rolled = trunk_rolled / np.linalg.norm(trunk_rolled)
    np.testing.assert_allclose(up, [0.0, -1.0], atol=1e-9)
    np.testing.assert_allclose(
        up_rolled, [-np.sin(np.radians(30)), -np.cos(np.radians(30))], atol=1e-9
    )


def test_world_landmarks_are_hip_centred_camera_aligned_metres() -> None:
    syn = make_sequence(
        Pose(left_knee_flexion_deg=40.0), side_camera("left", roll_deg=10.0), n_frames=3
    )
    world = syn.sequence.world_xyz
    np.testing.assert_allclose(
        (world[:, lm.LEFT_HIP] + world[:, lm.RIGHT_HIP]) / 2, 0.0, atol=1e-12
    )
    np.testing.assert_allclose(
        np.linalg.norm(world[:, lm.LEFT_KNEE] - world[:, lm.LEFT_HIP], axis=1), DIMS.thigh_m
    )
    lab = syn.landmarks_lab
    mid_hip = (lab[:, lm.LEFT_HIP] + lab[:, lm.RIGHT_HIP]) / 2
    np.testing.assert_allclose(world, (lab - mid_hip[:, None]) @ syn.camera.rotation.T)
    assert world[0, lm.NOSE, 1] < 0  # above the hips: y is down
    # right-handed like MediaPipe's x right, y down, z away: seen from the left, the right hip is
    # further from the camera
    assert world[0, lm.RIGHT_HIP, 2] > world[0, lm.LEFT_HIP, 2]
    np.testing.assert_allclose(np.linalg.det(syn.camera.rotation), 1.0)


def test_sequence_metadata_and_scores() -> None:
    syn = film(Pose())
    seq = syn.sequence
    assert seq.n_frames == T.size
    assert seq.meta.frame_size == (1920, 1080)
    assert seq.meta.fps_reported == 30.0
    assert seq.meta.provenance[0].name == "make_sequence"
    assert seq.meta.provenance[0].params["camera"].startswith("orbit(azimuth=90")
    np.testing.assert_array_equal(seq.visibility, 1.0)
    np.testing.assert_array_equal(seq.presence, 1.0)
    np.testing.assert_allclose(seq.t, T)


def test_jitter_is_seeded_gaussian() -> None:
    clean = film(Pose()).sequence.image_xy
    noisy = film(Pose(), jitter_px=3.0, seed=4).sequence.image_xy
    again = film(Pose(), jitter_px=3.0, seed=4).sequence.image_xy
    np.testing.assert_array_equal(noisy, again)
    assert np.std(noisy - clean) == pytest.approx(3.0, rel=0.05)
    assert not np.array_equal(noisy, film(Pose(), jitter_px=3.0, seed=5).sequence.image_xy)


def test_timestamps_can_be_given() -> None:
    t = np.cumsum(np.full(10, 1 / 30)) + np.linspace(0, 0.01, 10)
    assert np.array_equal(make_sequence(Pose(), side_camera(), t=t).sequence.t, t)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"left_hip_flexion_deg": np.zeros(5), "right_knee_flexion_deg": np.zeros(6)},
            "same length",
        ),
        (
            {"left_hip_flexion_deg": np.zeros((2, 2))},
            r"must be a scalar or have shape \(T,\), got \(2, 2\)",
        ),
        ({"pelvis_xyz": (0.0, 1.0)}, r"pelvis_xyz must have shape \(3,\) or \(T, 3\), got \(2,\)"),
    ],
)
def test_pose_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Pose(**kwargs)  # type: ignore[arg-type]


def test_lengths_and_cameras_are_validated() -> None:
    with pytest.raises(ValueError, match="n_frames=4 does not match the pose's length 5"):
        make_sequence(Pose(left_hip_flexion_deg=np.zeros(5)), side_camera(), n_frames=4)
    with pytest.raises(ValueError, match="in front of the camera"):
        make_sequence(Pose(), orbit_camera(azimuth_deg=0.0, distance_m=0.1))  # toes at 0.15 m
    with pytest.raises(ValueError, match=r"elevation_deg must be in \[-85, 85\], got 90"):
        orbit_camera(azimuth_deg=0.0, elevation_deg=90.0)


# ============================================================================ twins


def test_with_nan_gap_blanks_exactly_the_requested_cells() -> None:
    syn = film(Pose())
    twin = with_nan_gap(syn, 5, 9, landmarks=[lm.LEFT_KNEE])
    assert twin.truth is syn.truth
    seq = twin.sequence
    for name in ("image_xy", "world_xyz", "visibility", "presence"):
        arr = getattr(seq, name)
        assert np.isnan(arr[5:9, lm.LEFT_KNEE]).all(), name
        blanked = np.zeros(arr.shape[:2], dtype=bool)
        blanked[5:9, lm.LEFT_KNEE] = True
        assert np.isfinite(arr[~blanked]).all(), name
    assert (
        seq.meta.provenance[-1].describe()
        == f"with_nan_gap(start=5, stop=9, landmarks={lm.LEFT_KNEE})"
    )
    everyone = with_nan_gap(syn.sequence, 0, 3)
    assert not everyone.detected[:3].any()
    assert everyone.detected[3:].all()
    with pytest.raises(ValueError, match=r"0 <= start < stop <= 60, got 5:80"):
        with_nan_gap(syn.sequence, 5, 80)


def test_with_hidden_landmarks_keeps_the_coordinates() -> None:
    seq = film(Pose()).sequence
    hidden = with_hidden_landmarks(seq, [lm.NOSE, lm.LEFT_EAR], start=10)
    np.testing.assert_array_equal(hidden.image_xy, seq.image_xy)
    np.testing.assert_array_equal(hidden.visibility[10:, [lm.NOSE, lm.LEFT_EAR]], 0.0)
    np.testing.assert_array_equal(hidden.visibility[:10], 1.0)
    with pytest.raises(ValueError, match=r"landmarks must be indices in \[0, 33\), got \[40\]"):
        with_hidden_landmarks(seq, [40])


# ============================================================================ helpers


def test_motion_helpers() -> None:
    t = np.array([0.0, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(
        sinusoid(t, 10.0, 30.0, period_s=2.0), [10.0, 20.0, 30.0, 10.0], atol=1e-12
    )
    np.testing.assert_allclose(ramp(t, 0.0, 10.0, 0.5, 1.0), [0.0, 0.0, 10.0, 10.0])
    np.testing.assert_allclose(smooth_ramp([0.5, 0.75, 1.0], 0.0, 10.0, 0.5, 1.0), [0.0, 5.0, 10.0])
    assert time_axis(2.0, 30.0).shape == (60,)
    assert BodyDimensions.scaled(1.75) == BodyDimensions()
    assert BodyDimensions.scaled(2.0).thigh_m == pytest.approx(DIMS.thigh_m * 2.0 / 1.75)


# ============================================================================ motions


def test_squat_keeps_the_feet_planted() -> None:
    syn = make_sequence(motions.squat(time_axis(3.0)), side_camera())
    ankles = syn.landmarks_lab[:, [lm.LEFT_ANKLE, lm.RIGHT_ANKLE]]
    np.testing.assert_allclose(ankles[..., :2], ankles[:1, :, :2].repeat(90, axis=0), atol=1e-9)
    assert syn.truth["left_knee_flexion"].max() == pytest.approx(110.0)
    assert syn.truth["left_hip_flexion"].max() == pytest.approx(120.0)  # 100 + 20 trunk


def test_bridge_reaches_a_straight_line_with_the_feet_planted() -> None:
    syn = make_sequence(motions.bridge(time_axis(4.0)), side_camera(target=(0.0, 0.3, 0.0)))
    hip = syn.truth["left_hip_flexion"]
    assert hip[0] == pytest.approx(47.0, abs=1.0)
    assert hip.min() == pytest.approx(0.0, abs=0.5)
    heels = syn.landmarks_lab[:, [lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX]]
    np.testing.assert_allclose(heels, heels[:1].repeat(heels.shape[0], axis=0), atol=1e-9)


def test_other_motions_have_the_requested_numbers() -> None:
    t = time_axis(6.0)
    thomas = make_sequence(
        motions.thomas_test(t, thigh_below_horizontal_deg=10.0), side_camera(target=(0.0, 0.6, 0.0))
    )
    np.testing.assert_allclose(thomas.truth["left_thigh_inclination"], 80.0)  # 90 = horizontal
    np.testing.assert_allclose(thomas.truth["left_knee_flexion"], 70.0)
    stance = make_sequence(
        motions.single_leg_stance(t, "right", pelvic_drop_deg=6.0, sway_deg=0.0), front_camera()
    )
    np.testing.assert_allclose(stance.truth["pelvic_obliquity"], -6.0)  # the left side drops
    np.testing.assert_allclose(stance.truth["right_shank_frontal_inclination"], 0.0, atol=1e-9)
    seated = make_sequence(
        motions.seated_hip_rotation(t, internal_deg=38.0, external_deg=40.0), front_camera()
    )
    shank = seated.truth["left_shank_frontal_inclination"]
    assert shank.max() == pytest.approx(38.0) and shank.min() == pytest.approx(-40.0)
    extension = make_sequence(
        motions.standing_hip_extension(t, extension_deg=15.0, trunk_compensation_deg=5.0),
        side_camera(),
    )
    assert extension.truth["left_hip_flexion"].min() == pytest.approx(-20.0)
    assert extension.truth["left_thigh_inclination"].min() == pytest.approx(-15.0)


def test_dropped_frames_come_in_bursts_covering_the_asked_share() -> None:
    from hipsight.samples.synthetic import dropout_bursts, with_dropped_frames, with_noise

    bursts = dropout_bursts(300, 0.1, (1, 6), seed=3)
    lengths = [b - a for a, b in bursts]
    assert min(lengths) >= 1 and max(lengths) <= 6
    assert 25 <= sum(lengths) <= 30
    assert all(b < a2 for (_, b), (a2, _) in itertools.pairwise(bursts))  # apart
    assert bursts[0][0] >= 1 and bursts[-1][1] <= 299
    t = time_axis(10.0)
    syn = make_sequence(Pose(), side_camera(), n_frames=t.size)
    gappy = with_dropped_frames(syn, 0.1, seed=3)
    assert (~gappy.sequence.detected).sum() == sum(lengths)
    noisy = with_noise(syn, 3.0, seed=1).sequence
    assert np.std(noisy.image_xy - syn.sequence.image_xy) == pytest.approx(3.0, rel=0.05)
