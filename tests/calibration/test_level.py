"""Camera level: roll and pitch from a level board and from a still stance, in compute_angles'
sign convention (applying the estimated roll makes the segment angles exact)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hipsight.calibration.intrinsics import detect_views
from hipsight.calibration.level import (
    LevelEstimate,
    describe_tilt,
    estimate_level_from_board,
    estimate_level_from_stance,
    level_from_board_rotation,
    pitch_from_up,
    roll_from_up,
)
from hipsight.errors import InputError
from hipsight.kinematics.angles import compute_angles
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    time_axis,
)

FRONT_SEGMENT_ANGLES = (
    "pelvic_obliquity",
    "shoulder_tilt",
    "trunk_lateral_inclination",
    "left_shank_frontal_inclination",
    "right_shank_frontal_inclination",
)
SIDE_SEGMENT_ANGLES = ("trunk_inclination", "left_thigh_inclination", "left_shank_inclination")
TEST_CAMERA = {"image_size": (640, 480), "focal_px": 600.0}


def _camera_matrix(camera: Camera) -> np.ndarray:
    width, height = camera.image_size
    return np.array(
        [[camera.focal_px, 0, width / 2], [0, camera.focal_px, height / 2], [0, 0, 1.0]]
    )


def _max_error(seq: Any, truth: Any, names: tuple[str, ...], roll: float) -> float:
    table = compute_angles(seq, roll_deg=roll, cutoff_hz=None, variants=("2d",))
    return float(max(np.abs(table.column(n) - truth[n]).max() for n in names))


# ============================================================================ geometry


@pytest.mark.parametrize("roll", [-30.0, -5.0, 0.0, 4.0, 20.0])
@pytest.mark.parametrize("pitch", [-10.0, 0.0, 15.0])
def test_roll_and_pitch_from_the_up_vector_match_the_synthetic_camera(
    roll: float, pitch: float
) -> None:
    camera = front_camera(roll_deg=roll, pitch_deg=pitch)
    up_cam = camera.rotation @ np.array([0.0, 1.0, 0.0])  # lab up in camera coordinates
    assert float(roll_from_up(up_cam)) == pytest.approx(roll, abs=1e-9)
    assert float(pitch_from_up(up_cam)) == pytest.approx(pitch, abs=1e-9)


def test_describe_tilt_names_size_and_direction() -> None:
    assert describe_tilt(3.24) == (
        "camera tilted by 3.2° (clockwise as seen from behind it; roll +3.2°)"
    )
    assert "counter-clockwise" in describe_tilt(-1.0)
    assert describe_tilt(0.01).startswith("camera level")


# ============================================================================ board


def _level_board_pose(
    camera: Camera, shift_m: tuple[float, float], board: tuple[int, int], square_mm: float
) -> tuple[np.ndarray, np.ndarray]:
    """Board hung on a wall facing the camera: rows along the true horizontal, columns down."""
    cols, rows = board
    square_m = square_mm / 1000.0
    # lab frame: camera in front of the person (lab +X) looks along -X; image-right is lab -Z
    board_axes = np.column_stack([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]])
    centre_lab = np.array([0.0, 1.2 + shift_m[1], -shift_m[0]])
    origin = centre_lab - board_axes @ np.array(
        [(cols - 1) / 2 * square_m, (rows - 1) / 2 * square_m, 0.0]
    )
    rotation = camera.rotation @ board_axes
    tvec = camera.rotation @ (origin - camera.position) * 1000.0  # mm, as the board's squares
    return rotation, tvec


@pytest.mark.parametrize(("roll", "pitch"), [(6.0, 5.0), (-9.0, -4.0), (0.0, 12.0)])
def test_board_level_recovers_roll_and_pitch(
    board_renderer: Any, roll: float, pitch: float
) -> None:
    camera = front_camera(
        roll_deg=roll, pitch_deg=pitch, distance_m=0.55, target=(0.0, 1.2, 0.0), **TEST_CAMERA
    )
    images = [
        board_renderer.render(
            *_level_board_pose(camera, shift, board_renderer.board, board_renderer.square_mm),
            seed=k,
        )
        for k, shift in enumerate([(0.0, 0.0), (0.05, 0.02), (-0.04, -0.03)])
    ]
    views = detect_views(images, board_renderer.board, skip_duplicates=False).views
    assert len(views) == 3
    estimate = estimate_level_from_board(
        views,
        board_renderer.board,
        board_renderer.image_size,
        camera_matrix=board_renderer.camera_matrix,
        dist_coeffs=board_renderer.dist_coeffs,
        square_mm=board_renderer.square_mm,
    )
    assert estimate.method == "board" and estimate.n_used == 3
    assert estimate.roll_deg == pytest.approx(roll, abs=0.1)
    assert estimate.pitch_deg == pytest.approx(pitch, abs=0.5)
    assert any("pitched 12° down" in w for w in estimate.warnings) == (pitch > 10)


def test_board_level_without_intrinsics_still_finds_the_roll(board_renderer: Any) -> None:
    camera = front_camera(roll_deg=-7.0, distance_m=0.55, target=(0.0, 1.2, 0.0), **TEST_CAMERA)
    image = board_renderer.render(
        *_level_board_pose(camera, (0.0, 0.0), board_renderer.board, 25.0)
    )
    views = detect_views([image], board_renderer.board).views
    estimate = estimate_level_from_board(views, board_renderer.board, board_renderer.image_size)
    assert estimate.roll_deg == pytest.approx(-7.0, abs=0.5)
    assert any("nominal 65° lens" in w for w in estimate.warnings)


def test_board_axis_choice_handles_portrait_and_flipped_boards() -> None:
    camera = front_camera(roll_deg=5.0)
    level = np.column_stack([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]])
    turned = level @ np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # portrait
    flipped = level @ np.diag([-1.0, -1.0, 1.0])  # detected from the opposite corner
    for axes in (level, turned, flipped):
        roll, pitch = level_from_board_rotation(camera.rotation @ axes)
        assert roll == pytest.approx(5.0, abs=1e-9) and pitch == pytest.approx(0.0, abs=1e-9)


def test_board_level_needs_views() -> None:
    with pytest.raises(InputError, match="no view with the whole chessboard"):
        estimate_level_from_board([], (9, 6), (640, 480))


# ============================================================================ stance


@pytest.mark.parametrize("roll", [-12.0, -3.0, 0.0, 7.0])
def test_stance_roll_makes_segment_angles_exact(roll: float) -> None:
    camera = front_camera(roll_deg=roll)
    stance = make_sequence(Pose(), camera, n_frames=60).sequence
    estimate = estimate_level_from_stance(stance)
    assert estimate.roll_deg == pytest.approx(roll, abs=1e-6)
    assert estimate.pitch_deg == pytest.approx(0.0, abs=1e-6)
    assert estimate.method == "stance" and estimate.n_used == 60 and not estimate.warnings

    pose = Pose(pelvic_obliquity_deg=4.0, trunk_lateral_lean_deg=3.0, left_hip_abduction_deg=8.0)
    trial = make_sequence(pose, camera, n_frames=20)
    assert _max_error(trial.sequence, trial.truth, FRONT_SEGMENT_ANGLES, estimate.roll_deg) < 1e-6
    if roll != 0.0:  # uncorrected, the tilt shows up one to one
        assert _max_error(trial.sequence, trial.truth, FRONT_SEGMENT_ANGLES, 0.0) == pytest.approx(
            abs(roll), abs=0.5
        )


@pytest.mark.parametrize("roll", [-8.0, 5.0])
def test_roll_correction_is_exact_in_a_side_view(roll: float) -> None:
    pose = Pose(trunk_flexion_deg=20.0, left_hip_flexion_deg=30.0, left_knee_flexion_deg=25.0)
    trial = make_sequence(pose, side_camera("left", roll_deg=roll), n_frames=20)
    assert _max_error(trial.sequence, trial.truth, SIDE_SEGMENT_ANGLES, roll) < 0.01
    assert _max_error(trial.sequence, trial.truth, SIDE_SEGMENT_ANGLES, 0.0) > abs(roll) - 0.5


def test_stance_with_intrinsics_handles_an_off_centre_person() -> None:
    camera = front_camera(roll_deg=4.0, **TEST_CAMERA, distance_m=4.0)
    stance = make_sequence(Pose(pelvis_xyz=(0.0, 0.93, 1.2)), camera, n_frames=45).sequence
    estimate = estimate_level_from_stance(stance, camera_matrix=_camera_matrix(camera))
    assert estimate.roll_deg == pytest.approx(4.0, abs=1e-6)


def test_stance_warns_on_pitch_and_off_centre_bias() -> None:
    camera = front_camera(roll_deg=5.0, pitch_deg=14.0)
    stance = make_sequence(Pose(pelvis_xyz=(0.0, 0.93, -0.8)), camera, n_frames=45).sequence
    estimate = estimate_level_from_stance(stance)
    assert estimate.pitch_deg == pytest.approx(14.0, abs=0.1)
    assert any("pitched 14° down" in w for w in estimate.warnings)
    assert any("off-centre" in w for w in estimate.warnings)


def test_stance_warns_when_posture_disagrees_with_the_body_axis() -> None:
    crooked = Pose(
        pelvic_obliquity_deg=8.0,
        left_hip_abduction_deg=8.0,
        right_hip_abduction_deg=-8.0,
        trunk_lateral_lean_deg=-8.0,
    )
    estimate = estimate_level_from_stance(
        make_sequence(crooked, front_camera(), n_frames=45).sequence
    )
    assert any("hip and shoulder lines" in w for w in estimate.warnings)


def test_stance_needs_enough_still_front_frames() -> None:
    t = time_axis(2.0)
    moving = make_sequence(
        Pose(left_hip_flexion_deg=sinusoid(t, 0, 60, 1.0)), front_camera(), t=t
    ).sequence
    with pytest.raises(
        InputError, match=r"need at least 1 s of standing still facing the camera, got 0\.\d s"
    ):
        estimate_level_from_stance(moving)
    side_on = make_sequence(Pose(), side_camera(), n_frames=60).sequence
    with pytest.raises(InputError, match="0 of 60 frames still and front-on"):
        estimate_level_from_stance(side_on)


def test_level_estimate_describe() -> None:
    text = LevelEstimate(2.0, None, "stance", 90, 0.1).describe()
    assert "roll +2.0°" in text and "pitch unknown" in text and "90 still frames" in text
