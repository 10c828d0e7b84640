from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from hipsight.kinematics.angles import ANGLE_NAMES, ANGLE_SPECS, angle_spec, compute_angles
from hipsight.kinematics.geometry import rotate_2d
from hipsight.kinematics.table import AngleTable
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    ramp,
    side_camera,
    sinusoid,
    time_axis,
    with_hidden_landmarks,
    with_nan_gap,
)
from synthetic_cases import FPS, LONG_GAP, SHORT_GAP, frontal_pose, sagittal_pose

SAGITTAL_2D = tuple(s.name for s in ANGLE_SPECS if s.variant == "2d" and s.plane == "sagittal")
FRONTAL_2D = tuple(s.name for s in ANGLE_SPECS if s.variant == "2d" and s.plane == "frontal")
ALL_3D = tuple(s.name for s in ANGLE_SPECS if s.variant == "3d")
SEGMENT_2D = tuple(s.name for s in ANGLE_SPECS if s.variant == "2d" and s.kind == "segment")
JOINT_2D = tuple(s.name for s in ANGLE_SPECS if s.variant == "2d" and s.kind == "joint")
BoolArray = NDArray[np.bool_]


def far_front_camera(*, from_behind: bool = False, roll_deg: float = 0.0) -> Camera:
    """A front camera at 60 m with f = 28000 px: near-orthographic, same px per metre as 3 m."""
    return front_camera(
        from_behind=from_behind, roll_deg=roll_deg, distance_m=60.0, focal_px=28000.0
    )


def max_error(
    table: AngleTable, syn: SyntheticSequence, name: str, frames: slice | BoolArray = slice(None)
) -> float:
    diff = table.column(name)[frames] - syn.truth[name][frames]
    assert np.isfinite(diff).all(), f"{name}: not valid in every frame checked"
    return float(np.abs(diff).max())


def rms_error(table: AngleTable, syn: SyntheticSequence, name: str) -> float:
    diff = table.column(name) - syn.truth[name]
    assert np.isfinite(diff).all(), f"{name}: not valid in every frame"
    return float(np.sqrt(np.mean(diff**2)))


# ============================================================================ registry


def test_registry_names() -> None:
    base = (
        "left_hip_flexion", "right_hip_flexion", "left_knee_flexion", "right_knee_flexion",
        "left_ankle_dorsiflexion", "right_ankle_dorsiflexion", "trunk_inclination",
        "left_thigh_inclination", "right_thigh_inclination", "left_shank_inclination",
        "right_shank_inclination", "pelvic_obliquity", "shoulder_tilt", "trunk_lateral_inclination",
        "left_knee_fppa", "right_knee_fppa", "left_shank_frontal_inclination",
        "right_shank_frontal_inclination",
    )  # fmt: skip
    assert base + tuple(f"{name}_3d" for name in base) == ANGLE_NAMES
    for spec in ANGLE_SPECS:
        assert spec.view == ("side" if spec.plane == "sagittal" else "front")
        assert spec.side == (
            spec.name.split("_")[0] if spec.name.split("_")[0] in lm.SIDES else None
        )
    assert angle_spec("left_knee_flexion_3d").variant == "3d"
    with pytest.raises(KeyError, match="unknown angle 'knee'"):
        angle_spec("knee")


def test_branches_hold_the_anatomical_ranges() -> None:
    assert angle_spec("left_knee_flexion").branch_deg == (-90.0, 270.0)
    assert angle_spec("left_hip_flexion").branch_deg == (-120.0, 240.0)
    assert angle_spec("left_thigh_inclination").branch_deg == (-135.0, 225.0)
    assert angle_spec("pelvic_obliquity").branch_deg == (-180.0, 180.0)


# ============================================================================ by hand


def hand_drawn(points: dict[int, tuple[float, float]], mirror: bool = False) -> PoseSequence:
    """One frame drawn in pixels (y down); unlisted landmarks sit at the mid-trunk."""
    xy = np.tile(np.array([500.0, 400.0]), (2, lm.N_LANDMARKS, 1))
    for index, point in points.items():
        xy[:, index] = point
    if mirror:
        xy[..., 0] = 1000.0 - xy[..., 0]
    meta = SequenceMeta(frame_size=(1000, 1000))
    return PoseSequence.from_arrays(
        [0.0, 1 / 30], xy, meta, world_xyz=np.zeros((2, lm.N_LANDMARKS, 3))
    )


def side_drawing(trunk_lean_deg: float = 0.0) -> dict[int, tuple[float, float]]:
    """Facing image-right: left thigh 45° forward, left shank vertical, left toes up 10°."""
    lean = np.radians(trunk_lean_deg)
    shoulder = (500.0 + 200.0 * np.sin(lean), 500.0 - 200.0 * np.cos(lean))
    toe_up = np.radians(10.0)
    return {
        lm.NOSE: (shoulder[0] + 30.0, shoulder[1] - 50.0),
        lm.LEFT_EAR: (shoulder[0], shoulder[1] - 60.0),
        lm.RIGHT_EAR: (shoulder[0], shoulder[1] - 60.0),
        lm.LEFT_SHOULDER: shoulder,
        lm.RIGHT_SHOULDER: shoulder,
        lm.LEFT_HIP: (500.0, 500.0),
        lm.RIGHT_HIP: (500.0, 500.0),
        lm.LEFT_KNEE: (600.0, 600.0),
        lm.LEFT_ANKLE: (600.0, 750.0),
        lm.LEFT_HEEL: (580.0, 770.0),
        lm.LEFT_FOOT_INDEX: (580.0 + 80.0 * np.cos(toe_up), 770.0 - 80.0 * np.sin(toe_up)),
        lm.RIGHT_KNEE: (500.0, 650.0),
        lm.RIGHT_ANKLE: (500.0, 800.0),
        lm.RIGHT_HEEL: (480.0, 830.0),
        lm.RIGHT_FOOT_INDEX: (560.0, 830.0),
    }


@pytest.mark.parametrize("mirror", [False, True], ids=["facing-right", "facing-left"])
@pytest.mark.parametrize("lean", [0.0, 20.0])
def test_sagittal_angles_of_a_hand_drawn_person(mirror: bool, lean: float) -> None:
    table = compute_angles(hand_drawn(side_drawing(lean), mirror), cutoff_hz=None, variants=("2d",))
    expected = {
        "left_hip_flexion": 45.0 + lean,  # thigh vs trunk
        "left_knee_flexion": 45.0,
        "left_ankle_dorsiflexion": 10.0,
        "left_thigh_inclination": 45.0,
        "left_shank_inclination": 0.0,
        "trunk_inclination": lean,
        "right_hip_flexion": lean,
        "right_knee_flexion": 0.0,
        "right_ankle_dorsiflexion": 0.0,
    }
    for name, value in expected.items():
        np.testing.assert_allclose(table.column(name), value, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("mirror", [False, True], ids=["seen-from-front", "seen-from-behind"])
def test_frontal_angles_of_a_hand_drawn_person(mirror: bool) -> None:
    # seen from the front the person's left is on image-right; the left hip is 10 px higher
    drawing = {
        lm.LEFT_HIP: (550.0, 490.0),
        lm.RIGHT_HIP: (450.0, 500.0),
        lm.LEFT_SHOULDER: (590.0, 300.0),  # mid-shoulder 10 px toward the person's left
        lm.RIGHT_SHOULDER: (430.0, 300.0),
        lm.LEFT_KNEE: (540.0, 640.0),  # 10 px toward the midline: valgus
        lm.LEFT_ANKLE: (550.0, 790.0),
        lm.RIGHT_KNEE: (435.0, 650.0),  # 15 px lateral of the hip-ankle line: varus
        lm.RIGHT_ANKLE: (450.0, 800.0),
    }
    table = compute_angles(hand_drawn(drawing, mirror), cutoff_hz=None, variants=("2d",))
    np.testing.assert_allclose(table.column("pelvic_obliquity"), np.degrees(np.arctan(10 / 100)))
    np.testing.assert_allclose(table.column("shoulder_tilt"), 0.0, atol=1e-9)
    np.testing.assert_allclose(
        table.column("trunk_lateral_inclination"), np.degrees(np.arctan(10 / 195))
    )
    np.testing.assert_allclose(table.column("left_knee_fppa"), 2 * np.degrees(np.arctan(10 / 150)))
    np.testing.assert_allclose(
        table.column("right_knee_fppa"), -2 * np.degrees(np.arctan(15 / 150))
    )
    # left ankle 10 px lateral of its knee (+), right ankle 15 px medial of its knee (-)
    np.testing.assert_allclose(
        table.column("left_shank_frontal_inclination"), np.degrees(np.arctan(10 / 150))
    )
    np.testing.assert_allclose(
        table.column("right_shank_frontal_inclination"), -np.degrees(np.arctan(15 / 150))
    )


# ============================================================================ (a) in-plane motion

SUPINE = {"pelvis_xyz": (0.0, 0.15, 0.0), "body_pitch_deg": 90.0}
LOW_TARGET = (0.0, 0.3, 0.0)
IN_PLANE_CASES = {
    "left-side": (Pose(), side_camera("left")),
    "right-side": (Pose(), side_camera("right")),
    "facing-away": (Pose(body_yaw_deg=180.0), side_camera("left")),
    "supine": (Pose(**SUPINE), side_camera("left", target=LOW_TARGET)),  # type: ignore[arg-type]
    "supine-right-side": (Pose(**SUPINE), side_camera("right", target=LOW_TARGET)),  # type: ignore[arg-type]
    "prone": (
        Pose(pelvis_xyz=(0.0, 0.15, 0.0), body_pitch_deg=-90.0),
        side_camera("left", target=LOW_TARGET),
    ),
    "seated": (Pose(pelvis_xyz=(0.0, 0.5, 0.0)), side_camera("left", target=(0.0, 0.6, 0.0))),
}


def in_plane_sequence(case: str, **kwargs: float) -> SyntheticSequence:
    base, camera = IN_PLANE_CASES[case]
    t = time_axis(4.0, FPS)
    motion = sagittal_pose(t)
    if case == "seated":  # hips around 90°
        motion = motion.replace(
            left_hip_flexion_deg=sinusoid(t, 80.0, 100.0, 2.0),
            right_hip_flexion_deg=sinusoid(t, 95.0, 85.0, 2.5),
        )
    changes = {k: getattr(base, k) for k in ("pelvis_xyz", "body_yaw_deg", "body_pitch_deg")}
    return make_sequence(motion.replace(**changes), camera, fps=FPS, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", IN_PLANE_CASES)
def test_in_plane_2d_angles_match_truth_whatever_the_orientation(case: str) -> None:
    syn = in_plane_sequence(case)
    table = compute_angles(syn.sequence, cutoff_hz=None)
    for name in SAGITTAL_2D:
        assert max_error(table, syn, name) < 0.5, name


@pytest.mark.parametrize("case", ["left-side", "supine"])
def test_in_plane_2d_angles_match_truth_with_the_filter_on(case: str) -> None:
    syn = in_plane_sequence(case)
    table = compute_angles(syn.sequence)  # 6 Hz; the motion is below 0.5 Hz
    for name in SAGITTAL_2D:
        assert max_error(table, syn, name) < 0.5, name


def test_the_same_motion_reads_the_same_from_either_side(side_motion: SyntheticSequence) -> None:
    right = make_sequence(side_motion.pose, side_camera("right"), fps=FPS)
    left_table = compute_angles(side_motion.sequence, cutoff_hz=None)
    right_table = compute_angles(right.sequence, cutoff_hz=None)
    for name in SAGITTAL_2D:
        np.testing.assert_allclose(left_table.column(name), right_table.column(name), atol=0.05)


def test_angles_stay_continuous_past_180_degrees() -> None:
    # supine straight-leg raise past vertical: thigh inclination 90° -> 215°
    t = time_axis(3.0, FPS)
    pose = Pose(**SUPINE, left_hip_flexion_deg=ramp(t, 0.0, 125.0, 0.5, 2.5))  # type: ignore[arg-type]
    syn = make_sequence(pose, side_camera("left", target=LOW_TARGET), fps=FPS)
    table = compute_angles(syn.sequence)
    thigh = table.column("left_thigh_inclination")
    assert thigh.max() > 210.0
    assert np.abs(np.diff(thigh)).max() < 3.0
    assert max_error(table, syn, "left_thigh_inclination") < 0.5


def test_turning_around_does_not_flip_or_shift_the_angles() -> None:
    t = time_axis(6.0, FPS)
    pose = sagittal_pose(t).replace(body_yaw_deg=ramp(t, 0.0, 180.0, 2.5, 3.5))
    syn = make_sequence(pose, side_camera("left"), fps=FPS)
    table = compute_angles(syn.sequence)
    before, after = t < 2.3, t > 3.7  # within ~7° of a true side view
    for name in SAGITTAL_2D:
        assert max_error(table, syn, name, before) < 0.6, name
        assert max_error(table, syn, name, after) < 0.6, name


def test_head_turned_to_the_camera_keeps_the_sign(side_motion: SyntheticSequence) -> None:
    syn = make_sequence(side_motion.pose.replace(head_yaw_deg=80.0), side_camera("left"), fps=FPS)
    table = compute_angles(syn.sequence, cutoff_hz=None)
    for name in SAGITTAL_2D:
        assert max_error(table, syn, name) < 0.5, name


def test_sagittal_2d_angles_are_not_measurable_in_a_pure_front_view(
    front_motion: SyntheticSequence,
) -> None:
    table = compute_angles(front_motion.sequence)
    for name in SAGITTAL_2D:
        assert not table.validity(name).any(), name
        assert np.isnan(table.column(name)).all(), name
    assert table.validity("left_hip_flexion_3d").all()


# ============================================================================ (b) jitter


@pytest.mark.parametrize("seed", [0, 1])
def test_filtered_angles_are_within_3_degrees_rms_with_3_px_jitter(seed: int) -> None:
    side = make_sequence(
        sagittal_pose(time_axis(6.0, FPS)), side_camera("left"), fps=FPS, jitter_px=3.0, seed=seed
    )
    front = make_sequence(
        frontal_pose(time_axis(6.0, FPS)), front_camera(), fps=FPS, jitter_px=3.0, seed=seed
    )
    for syn, names in ((side, SAGITTAL_2D), (front, FRONTAL_2D)):
        filtered = compute_angles(syn.sequence, variants=("2d",))
        raw = compute_angles(syn.sequence, cutoff_hz=None, variants=("2d",))
        for name in names:
            error = rms_error(filtered, syn, name)
            assert error < 3.0, f"{name}: {error:.2f}° RMS"
            assert error < rms_error(raw, syn, name), f"{name}: the filter did not help"


# ============================================================================ (c) camera yaw


def test_2d_error_grows_with_camera_yaw_away_from_the_plane_of_motion() -> None:
    pose = sagittal_pose(time_axis(4.0, FPS))
    errors: dict[str, list[float]] = {}
    for yaw in (0.0, 15.0, 30.0, 45.0):
        syn = make_sequence(pose, side_camera("left", yaw_deg=yaw), fps=FPS)
        table = compute_angles(syn.sequence, cutoff_hz=None)
        for name in SAGITTAL_2D:  # every one of them moves in this motion
            errors.setdefault(name, []).append(rms_error(table, syn, name))
        for name in ALL_3D:  # 3D does not care
            assert max_error(table, syn, name) < 1e-6, name
    for name, values in errors.items():
        assert values[0] < 0.1, name
        assert all(b > a for a, b in itertools.pairwise(values)), f"{name}: {values}"
    assert errors["left_knee_flexion"][-1] > 5.0  # 45° off is clearly wrong, as it should be


# ============================================================================ gaps and quality


def test_short_gaps_are_interpolated_and_long_gaps_stay_invalid(
    side_motion: SyntheticSequence, side_motion_nan: SyntheticSequence
) -> None:
    table = compute_angles(side_motion_nan.sequence)
    short, long = slice(*SHORT_GAP), slice(*LONG_GAP)
    knee = table.index("left_knee_flexion")
    assert table.valid[short, knee].all()
    assert table.interpolated[short, knee].all()
    assert max_error(table, side_motion_nan, "left_knee_flexion", short) < 1.5
    assert not table.interpolated[short, table.index("right_knee_flexion")].any()
    assert not table.valid[long].any()
    assert np.isnan(table.values[long]).all()
    assert (table.quality[long] == 0.0).all()
    # away from the gaps the twin reads like the original
    clean = compute_angles(side_motion.sequence)
    away = np.r_[0:20, 90:120]
    np.testing.assert_allclose(table.values[away], clean.values[away], atol=0.5)


def test_quality_is_the_lowest_visibility_involved_and_drops_across_a_gap(
    static_side: SyntheticSequence,
) -> None:
    seq = with_hidden_landmarks(static_side.sequence, [lm.LEFT_KNEE], visibility=0.7)
    table = compute_angles(seq)
    np.testing.assert_allclose(table.quality_of("left_knee_flexion"), 0.7)
    np.testing.assert_allclose(table.quality_of("right_knee_flexion"), 1.0)
    gap = with_nan_gap(static_side.sequence, 40, 44, [lm.LEFT_KNEE])  # 5 intervals: 0.167 s
    quality = compute_angles(gap).quality_of("left_knee_flexion")
    np.testing.assert_allclose(quality[40:44], 1.0 - 0.5 * (5 / 30) / 0.25)
    np.testing.assert_allclose(quality[:40], 1.0)


def test_hidden_landmarks_make_angles_invalid_not_numbers(static_side: SyntheticSequence) -> None:
    seq = with_hidden_landmarks(static_side.sequence, [lm.LEFT_ANKLE], start=20, stop=50)
    table = compute_angles(seq)
    for name in (
        "left_knee_flexion",
        "left_ankle_dorsiflexion",
        "left_shank_inclination",
        "left_knee_fppa_3d",
    ):
        assert not table.validity(name)[20:50].any(), name
        assert np.isnan(table.column(name)[20:50]).all(), name
        assert (table.quality_of(name)[20:50] == 0.0).all(), name
    assert table.validity("left_hip_flexion").all()
    np.testing.assert_allclose(table.column("left_knee_flexion")[:20], 45.0, atol=1e-6)


def test_nan_twin_of_the_static_pose(static_side_nan: SyntheticSequence) -> None:
    table = compute_angles(static_side_nan.sequence)
    expected = {
        "left_hip_flexion": 30.0,
        "left_knee_flexion": 45.0,
        "left_ankle_dorsiflexion": 10.0,
        "left_thigh_inclination": 30.0,
        "left_shank_inclination": 15.0,
        "trunk_inclination": 0.0,
    }
    long = np.zeros(table.n_frames, dtype=bool)
    long[slice(*LONG_GAP)] = True
    for name, value in expected.items():
        np.testing.assert_allclose(table.column(name)[~long], value, atol=0.01, err_msg=name)
        np.testing.assert_allclose(
            table.column(f"{name}_3d")[~long], value, atol=1e-6, err_msg=name
        )
        assert np.isnan(table.column(name)[long]).all()


# ============================================================================ front view


@pytest.mark.parametrize("from_behind", [False, True], ids=["front", "back"])
def test_frontal_angles_match_truth_from_the_front_and_from_behind(
    front_motion: SyntheticSequence, from_behind: bool
) -> None:
    syn = make_sequence(front_motion.pose, far_front_camera(from_behind=from_behind), fps=FPS)
    table = compute_angles(syn.sequence, cutoff_hz=None)
    for name in FRONTAL_2D:
        assert max_error(table, syn, name) < 0.5, name
    assert syn.truth["left_knee_fppa"].max() > 5.0  # there is valgus to measure
    assert syn.truth["pelvic_obliquity"].min() < -5.0


def test_frontal_angles_at_a_realistic_distance(front_motion: SyntheticSequence) -> None:
    syn = make_sequence(front_motion.pose, front_camera(), fps=FPS)  # 3 m, f = 1400 px
    table = compute_angles(syn.sequence, cutoff_hz=None)
    for name in ("pelvic_obliquity", "shoulder_tilt", "trunk_lateral_inclination"):
        assert max_error(table, syn, name) < 0.05, name  # lines parallel to the image: exact
    for name in ("left_knee_fppa", "right_knee_fppa"):
        assert max_error(table, syn, name) < 2.0, name  # the knee comes closer: perspective


# ============================================================================ roll


@pytest.mark.parametrize("roll", [-12.0, 25.0])
def test_roll_correction_is_exact(
    side_motion: SyntheticSequence, front_motion: SyntheticSequence, roll: float
) -> None:
    side = make_sequence(side_motion.pose, side_camera("left", roll_deg=roll), fps=FPS)
    front = make_sequence(front_motion.pose, far_front_camera(roll_deg=roll), fps=FPS)
    for syn, names in ((side, SAGITTAL_2D), (front, FRONTAL_2D)):
        corrected = compute_angles(syn.sequence, roll_deg=roll, cutoff_hz=None)
        uncorrected = compute_angles(syn.sequence, cutoff_hz=None)
        for name in names + ALL_3D:
            if name in syn.truth and (name.endswith("_3d") or name in names):
                assert max_error(corrected, syn, name) < 0.5, name
        for name in names:
            if name in SEGMENT_2D and "shank_frontal" not in name:
                assert max_error(uncorrected, syn, name) == pytest.approx(abs(roll), abs=0.6), name
            if name in JOINT_2D:
                np.testing.assert_allclose(
                    uncorrected.column(name), corrected.column(name), atol=1e-9
                )


# ============================================================================ 3D


def pose_with_frontal_motion(t: np.ndarray) -> Pose:
    return sagittal_pose(t).replace(
        pelvic_obliquity_deg=sinusoid(t, -5.0, 5.0, 2.0),
        left_hip_abduction_deg=sinusoid(t, 0.0, 20.0, 3.0),
        right_hip_internal_rotation_deg=sinusoid(t, -10.0, 20.0, 2.0),
    )


@pytest.mark.parametrize(
    ("camera", "roll"),
    [
        (side_camera("left", yaw_deg=40.0), 0.0),
        (front_camera(yaw_deg=-70.0, roll_deg=10.0), 10.0),
        (side_camera("right", yaw_deg=180.0, roll_deg=-20.0), -20.0),
    ],
    ids=["oblique", "rolled", "rolled-from-the-other-side"],
)
def test_3d_angles_do_not_depend_on_the_view(camera: Camera, roll: float) -> None:
    syn = make_sequence(pose_with_frontal_motion(time_axis(3.0, FPS)), camera, fps=FPS)
    table = compute_angles(syn.sequence, roll_deg=roll, cutoff_hz=None, variants=("3d",))
    for name in ALL_3D:
        assert max_error(table, syn, name) < 1e-6, name


def test_3d_segment_angles_carry_an_unknown_camera_pitch() -> None:
    # a camera pitched 20° down about the person's left-right axis tilts the world "up" in the
    # sagittal plane: sagittal joint angles stay exact, sagittal segment angles are off by the
    # pitch (and the frontal ones, FPPA included, are taken in a plane tilted with "up")
    camera = front_camera(pitch_deg=20.0)
    syn = make_sequence(pose_with_frontal_motion(time_axis(3.0, FPS)), camera, fps=FPS)
    table = compute_angles(syn.sequence, cutoff_hz=None, variants=("3d",))
    for name in ALL_3D:
        spec = angle_spec(name)
        if spec.kind == "joint" and spec.plane == "sagittal":
            assert max_error(table, syn, name) < 1e-6, name
    for name in ("trunk_inclination_3d", "left_thigh_inclination_3d"):
        assert max_error(table, syn, name) == pytest.approx(20.0, abs=0.5), name


def test_3d_angles_with_noisy_world_landmarks(side_motion: SyntheticSequence) -> None:
    syn = make_sequence(
        side_motion.pose, side_camera("left"), fps=FPS, jitter_world_m=0.005, seed=2
    )
    table = compute_angles(syn.sequence, variants=("3d",))
    for name in ALL_3D:
        if angle_spec(name).plane == "sagittal":
            assert rms_error(table, syn, name) < 3.0, name


# ============================================================================ invariances


@pytest.fixture(scope="module")
def short_side() -> SyntheticSequence:
    t = time_axis(1.5, FPS)
    return make_sequence(sagittal_pose(t), side_camera("left"), fps=FPS, jitter_px=1.0)


def transformed(
    seq: PoseSequence, shift: tuple[float, float], scale: float, angle_deg: float
) -> PoseSequence:
    """Scale and turn the image (counter-clockwise on screen by ``angle_deg``), then shift it."""
    centre = np.array([960.0, 540.0])
    xy = rotate_2d((seq.image_xy - centre) * scale, -angle_deg) + centre + np.asarray(shift)
    return seq.with_image_xy(xy, step="transformed")


def assert_same_2d_angles(a: AngleTable, b: AngleTable) -> None:
    two_d = [i for i, spec in enumerate(a.specs) if spec.variant == "2d"]
    np.testing.assert_array_equal(a.valid[:, two_d], b.valid[:, two_d])
    np.testing.assert_allclose(a.values[:, two_d], b.values[:, two_d], atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    dx=st.floats(-2000, 2000),
    dy=st.floats(-2000, 2000),
    scale=st.floats(0.2, 5.0),
    angle=st.floats(-180.0, 180.0),
)
def test_2d_angles_are_unchanged_by_translation_scale_and_rolled_rotation(
    short_side: SyntheticSequence, dx: float, dy: float, scale: float, angle: float
) -> None:
    reference = compute_angles(short_side.sequence, variants=("2d",))
    moved = compute_angles(transformed(short_side.sequence, (dx, dy), scale, 0.0), variants=("2d",))
    assert_same_2d_angles(reference, moved)
    turned = transformed(short_side.sequence, (dx, dy), scale, angle)
    assert_same_2d_angles(reference, compute_angles(turned, roll_deg=angle, variants=("2d",)))


@settings(max_examples=10, deadline=None)
@given(angle=st.floats(-180.0, 180.0))
def test_2d_angles_are_unchanged_by_a_mirrored_image(
    short_side: SyntheticSequence, angle: float
) -> None:
    seq = short_side.sequence
    mirrored = seq.with_image_xy(
        np.stack([1920.0 - seq.image_xy[..., 0], seq.image_xy[..., 1]], axis=-1), "mirror"
    )
    assert_same_2d_angles(
        compute_angles(seq, variants=("2d",)), compute_angles(mirrored, variants=("2d",))
    )


# ============================================================================ API


def test_provenance_records_every_step(static_side: SyntheticSequence) -> None:
    table = compute_angles(static_side.sequence, roll_deg=3.0, max_gap_s=0.2)
    steps = {step.name: step.params for step in table.provenance}
    assert table.provenance[0].name == "make_sequence"
    assert steps["landmark_validity"] == {"min_visibility": 0.5}
    assert steps["interpolate_gaps"]["max_gap_s"] == 0.2
    assert steps["filter_butterworth"]["cutoff_hz"] == 6.0
    assert steps["filter_butterworth"]["order"] == 4
    assert steps["filter_butterworth"]["fs"] == 30.0
    assert "estimate_sagittal_sense" in steps
    assert steps["roll_correction"] == {"roll_deg": 3.0}
    assert "filter_butterworth(cutoff_hz=6, order=4, fs=30" in "\n".join(
        step.describe() for step in table.provenance
    )
    unfiltered = compute_angles(static_side.sequence, cutoff_hz=None)
    skipped = {step.name: step.params for step in unfiltered.provenance}["filter_butterworth"]
    assert skipped == {"cutoff_hz": None, "skipped": True}


def test_variants_select_columns(static_side: SyntheticSequence) -> None:
    assert compute_angles(static_side.sequence, variants=("3d",)).names == ALL_3D
    assert compute_angles(static_side.sequence, variants=["2d"]).names == tuple(
        n for n in ANGLE_NAMES if n not in ALL_3D
    )


def test_a_short_live_window_without_filter(static_side: SyntheticSequence) -> None:
    table = compute_angles(static_side.sequence.slice_frames(0, 8), cutoff_hz=None)
    np.testing.assert_allclose(table.column("left_knee_flexion"), 45.0, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"variants": ("2d", "4d")},
            r"variants must be a non-empty subset of \('2d', '3d'\), got \('2d', '4d'\)",
        ),
        ({"variants": ()}, "variants must be a non-empty subset"),
        ({"roll_deg": float("nan")}, "roll_deg must be a finite number"),
        ({"max_gap_s": -0.1}, r"max_gap_s must be >= 0 seconds, got -0.1"),
        ({"min_visibility": 2.0}, r"min_visibility must be in \[0, 1\], got 2.0"),
        ({"cutoff_hz": 0.0}, r"cutoff_hz must be in \(0, 15\)"),
    ],
)
def test_arguments_are_validated(
    static_side: SyntheticSequence, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        compute_angles(static_side.sequence, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("step", "used"), [(1, 6.0), (2, 6.0), (3, 4.0)])
def test_a_low_frame_rate_lowers_the_cutoff_and_says_so(
    static_side: SyntheticSequence, step: int, used: float
) -> None:
    """30, 15 and 10 fps (every 1st, 2nd, 3rd frame): a 6 Hz filter needs more than 12 fps, so
    at 10 fps the trajectories are filtered at 4 Hz (0.4 x the frame rate) and the provenance
    records it; before, export, reports and recorded live sessions of a 10-12 fps recording
    failed with "cutoff_hz must be in (0, 5)". A cutoff above the frame rate's is lowered the
    same way."""
    seq = static_side.sequence
    low = seq.select_frames(np.arange(0, seq.n_frames, step))
    table = compute_angles(low, cutoff_hz=6.0)
    steps = [p for p in table.provenance if p.name == "filter_butterworth"]
    assert steps and all(p.params["cutoff_hz"] == pytest.approx(used) for p in steps)
    assert np.isfinite(table.column("left_hip_flexion")).all()
    high = compute_angles(seq, cutoff_hz=20.0)
    used_high = [p.params["cutoff_hz"] for p in high.provenance if p.name == "filter_butterworth"]
    assert used_high == [pytest.approx(12.0)] * len(used_high) and used_high


def test_variants_must_not_be_a_bare_string(static_side: SyntheticSequence) -> None:
    with pytest.raises(TypeError, match="got the string '2d'"):
        compute_angles(static_side.sequence, variants="2d")
