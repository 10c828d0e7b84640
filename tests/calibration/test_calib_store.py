"""CameraCalibration: TOML round trip, names, the default, undistortion and apply_calibration."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from hipsight.calibration.intrinsics import calibrate_camera
from hipsight.calibration.store import (
    CameraCalibration,
    apply_calibration,
    calibration_path,
    calibration_summary,
    choose_calibration,
    default_calibration_name,
    list_calibrations,
    load_calibration,
    resolve_calibration,
    save_calibration,
    set_default_calibration,
    undistort_points,
    undistort_sequence,
    validate_name,
)
from hipsight.errors import InputError
from hipsight.kinematics.angles import compute_angles
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.samples.synthetic import Pose, front_camera, make_sequence

WIDE_K = np.array([[400.0, 0.0, 320.0], [0.0, 400.0, 240.0], [0.0, 0.0, 1.0]])
WIDE_DIST = np.array([-0.32, 0.12, 0.0, 0.0, -0.02])
FRONTAL = (
    "pelvic_obliquity",
    "shoulder_tilt",
    "trunk_lateral_inclination",
    "left_knee_fppa",
    "right_knee_fppa",
    "left_shank_frontal_inclination",
    "right_shank_frontal_inclination",
)


def _calibration(name: str = "laptop", **changes: object) -> CameraCalibration:
    fields: dict[str, object] = {
        "name": name,
        "image_size": (640, 480),
        "camera_matrix": WIDE_K,
        "dist_coeffs": WIDE_DIST,
        "rms_px": 0.31,
        "n_views": 14,
        "created": "2025-03-01T10:00:00+00:00",
        "source": 'images:/tmp/"boards"',
        "board": (9, 6),
        "square_mm": 25.0,
    }
    fields.update(changes)
    return CameraCalibration(**fields)  # type: ignore[arg-type]


# ============================================================================ TOML


def test_toml_round_trip_keeps_every_field(calibration_folder: Path) -> None:
    original = _calibration().with_level(-3.25, 6.5, "board")
    path = save_calibration(original)
    assert path == calibration_folder / "laptop.toml"
    loaded = load_calibration("laptop")
    assert loaded.to_dict() == original.to_dict()
    assert np.array_equal(loaded.camera_matrix, WIDE_K)  # type: ignore[arg-type]
    assert loaded.roll_deg == -3.25 and loaded.pitch_deg == 6.5 and loaded.level_method == "board"
    assert load_calibration(path).name == "laptop"  # by path too
    text = path.read_text()
    assert "[intrinsics]" in text and "[level]" in text and text.startswith("# hipsight camera")


VERSION_1_0 = """format = "hipsight.calibration"
version = 1
name = "old"
image_size = [640, 480]

[intrinsics]
camera_matrix = [[600.0, 0.0, 322.0], [0.0, 600.0, 236.0], [0.0, 0.0, 1.0]]
dist_coeffs = [-0.28, 0.09, 0.0008, -0.0005, 0.0]
rms_px = 0.24
n_views = 14
"""
UNCERTAINTY_1_1 = """per_view_rms_px = [0.2, 0.3]

[intrinsics.uncertainty]
fx_px = 0.6
fy_px = 0.55
cx_px = 0.7
cy_px = 0.6
dist_coeffs = [0.004, 0.03, 0.0002, 0.0001, 0.08]
edge_angle_deg = 0.16
roll_deg = 0.02
pitch_deg = 0.11
ray_deg = 0.04
"""


def test_version_1_0_files_without_uncertainty_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(VERSION_1_0)
    calib = load_calibration(path)
    assert calib.uncertainty is None and calib.per_view_rms_px == () and calib.n_views == 14
    assert "standard deviation" not in calib.describe()


def test_version_1_1_uncertainty_round_trips_and_a_newer_minor_is_read(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    path.write_text(
        VERSION_1_0.replace("version = 1", "version = 1\nminor_version = 7")
        + UNCERTAINTY_1_1
        + "future_key = 1.0\n"
    )
    calib = load_calibration(path)
    assert calib.uncertainty is not None and calib.uncertainty.angle_error_deg == 0.16
    assert calib.per_view_rms_px == (0.2, 0.3)
    save_calibration(calib, tmp_path / "again")
    text = (tmp_path / "again" / "old.toml").read_text()
    assert "minor_version = 1" in text and "[intrinsics.uncertainty]" in text
    assert load_calibration(tmp_path / "again" / "old.toml").uncertainty == calib.uncertainty


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("fx_px = 0.6", "fx_px = -0.6"), "intrinsics.uncertainty.fx_px"),
        (("roll_deg = 0.02", "roll_deg = nan"), "intrinsics.uncertainty.roll_deg"),
        (("per_view_rms_px = [0.2, 0.3]", 'per_view_rms_px = ["0.2"]'), "per_view_rms_px[0]"),
        (("ray_deg = 0.04\n", ""), "intrinsics.uncertainty.ray_deg"),
    ],
)
def test_bad_uncertainty_fields_are_refused_naming_the_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(VERSION_1_0 + UNCERTAINTY_1_1.replace(*change))
    with pytest.raises(InputError, match=re.escape(field)):
        load_calibration(path)


def test_level_only_calibration_round_trips_without_intrinsics() -> None:
    calib = CameraCalibration(name="tilted", image_size=(1280, 720)).with_level(2.0, None, "stance")
    save_calibration(calib)
    loaded = load_calibration("tilted")
    assert not loaded.has_intrinsics and loaded.roll_deg == 2.0 and loaded.pitch_deg is None
    assert "[intrinsics]" not in calibration_path("tilted").read_text()


def test_arrays_are_read_only() -> None:
    calib = _calibration()
    with pytest.raises(ValueError):
        calib.camera_matrix[0, 0] = 1.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('format = "something"\n', "expected format 'hipsight.calibration'"),
        ('format = "hipsight.calibration"\nversion = 99\n', "version 99"),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\n',
            "calibration field image_size: required field is missing",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\nimage_size = [640, 480]\n'
            "[intrinsics]\ncamera_matrix = [[1.0, 0.0], [0.0, 1.0]]\n"
            "dist_coeffs = [0.0, 0.0, 0.0, 0.0]\n",
            r"calibration field intrinsics\.camera_matrix: expected `array` of length 3, "
            r"got \[\[1\.0, 0\.0\], \[0\.0, 1\.0\]\]$",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\nimage_size = [640, 480]\n'
            '[intrinsics]\ncamera_matrix = [[1.0, 0.0, 0], [0.0, 1.0, "0"], [0, 0, 1]]\n'
            "dist_coeffs = [0.0, 0.0, 0.0, 0.0]\n",
            r"calibration field intrinsics\.camera_matrix\[1\]\[2\]: expected `float`, got \"0\"$",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\nimage_size = [640, 480]\n'
            "[intrinsics]\ncamera_matrix = [[1.0, 0.0, 0], [0.0, 1.0, 0], [0, 0, 0]]\n"
            "dist_coeffs = [0.0, 0.0, 0.0, 0.0]\n",
            r"invalid calibration \(camera_matrix must have positive focal lengths and last row",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\nimage_size = [640, 0]\n',
            r"calibration field image_size\[1\]: expected `int` >= 1, got 0$",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\nimage_size = [64, 48]\n'
            "[level]\nroll_deg = nan\n",
            r"calibration field level\.roll_deg: expected `float` > -90\.0, got NaN$",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "x"\nimage_size = [64, 48]\n'
            "[level]\nroll_deg = 1.0\nmethod = 5\n",
            r"calibration field level\.method: expected `str \| null`, got 5$",
        ),
        (
            'format = "hipsight.calibration"\nversion = true\n',
            "calibration format version True is not one this hipsight reads",
        ),
        (
            'format = "hipsight.calibration"\nversion = 1\nname = "none"\nimage_size = [1, 1]\n',
            r"invalid calibration \(calibration name 'none' is reserved",
        ),
        ("this is = = not toml", "not a readable TOML file"),
    ],
)
def test_bad_files_raise_input_error_naming_the_problem(
    calibration_folder: Path, text: str, message: str
) -> None:
    calibration_folder.mkdir(parents=True, exist_ok=True)
    (calibration_folder / "bad.toml").write_text(text)
    with pytest.raises(InputError, match=message):
        load_calibration("bad")


def test_missing_calibration_lists_the_known_ones() -> None:
    save_calibration(_calibration("a"))
    save_calibration(_calibration("b"))
    with pytest.raises(InputError, match=r"no calibration named 'c' .* \(known: a, b\)"):
        load_calibration("c")
    assert list_calibrations() == ["a", "b"]


@pytest.mark.parametrize("name", ["", "default", "none", "person_anna", "a/b", "-x", "x" * 65])
def test_invalid_or_reserved_names_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="name"):
        validate_name(name)


def test_validation_of_the_record() -> None:
    with pytest.raises(ValueError, match="given together"):
        CameraCalibration(name="x", image_size=(640, 480), camera_matrix=WIDE_K)
    with pytest.raises(ValueError, match="dist_coeffs must hold"):
        _calibration(dist_coeffs=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="image_size must be positive"):
        _calibration(image_size=(0, 480))
    with pytest.raises(ValueError, match=r"roll_deg must be in \(-90, 90\]"):
        _calibration(roll_deg=120.0)


# ============================================================================ default


def test_default_is_set_once_and_used_when_no_name_is_given() -> None:
    assert resolve_calibration(None) is None
    save_calibration(_calibration("laptop"))
    set_default_calibration("laptop")
    assert default_calibration_name() == "laptop"
    resolved = resolve_calibration(None)
    assert resolved is not None and resolved.name == "laptop"
    assert resolve_calibration("none") is None  # explicit opt-out
    assert list_calibrations() == ["laptop"]  # the pointer is not a calibration
    set_default_calibration("none")
    assert default_calibration_name() is None


def test_a_default_made_at_another_size_is_skipped_with_a_warning() -> None:
    save_calibration(_calibration("webcam"))  # 640x480
    set_default_calibration("webcam")
    calib, notes = choose_calibration(None, (1920, 1080))
    assert calib is None
    assert notes == (
        "default calibration 'webcam' is for 640x480 px frames but these are 1920x1080 px; "
        "analysed without calibration (pass --calibration to choose one)",
    )
    same, no_notes = choose_calibration(None, (640, 480))
    assert same is not None and same.name == "webcam" and no_notes == ()
    explicit, _ = choose_calibration("webcam", (1920, 1080))  # asked for: fails when applied
    assert explicit is not None and explicit.name == "webcam"
    assert choose_calibration("none", (640, 480)) == (None, ())


def test_default_must_name_an_existing_calibration() -> None:
    with pytest.raises(InputError, match="no calibration named 'ghost'"):
        set_default_calibration("ghost")


# ============================================================================ undistortion


def _distort(xy: np.ndarray, k: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Ideal pinhole pixels -> pixels seen through the lens (OpenCV's model)."""
    flat = xy.reshape(-1, 2)
    normalised = (flat - k[:2, 2]) / np.diag(k)[:2]
    rays = np.column_stack([normalised, np.ones(len(flat))])
    finite = np.isfinite(rays).all(axis=1)
    out = np.full_like(flat, np.nan)
    projected, _ = cv2.projectPoints(rays[finite], np.zeros(3), np.zeros(3), k, dist)
    out[finite] = projected.reshape(-1, 2)
    return out.reshape(xy.shape)


def _edge_scene() -> tuple[PoseSequence, PoseSequence, dict[str, np.ndarray]]:
    """A person near the left image edge of a wide-angle 640x480 camera: ideal and distorted."""
    camera = front_camera(image_size=(640, 480), focal_px=400.0, distance_m=3.0)
    pose = Pose(
        pelvis_xyz=(0.0, 0.93, 1.75),
        pelvic_obliquity_deg=4.0,
        trunk_lateral_lean_deg=3.0,
        left_hip_abduction_deg=12.0,
        right_hip_abduction_deg=-4.0,
    )
    synthetic = make_sequence(pose, camera, n_frames=10)
    ideal = synthetic.sequence
    xy = ideal.image_xy
    assert xy[..., 0].min() > 0 and xy[..., 0].max() < 200, "person should be near the left edge"
    distorted = ideal.with_image_xy(_distort(xy, WIDE_K, WIDE_DIST), "lens(test)")
    return ideal, distorted, dict(synthetic.truth)


def test_undistortion_reduces_the_angle_error_near_the_image_edge() -> None:
    ideal, distorted, truth = _edge_scene()
    calib = _calibration()
    undistorted = undistort_sequence(distorted, calib)

    def errors(seq: PoseSequence) -> np.ndarray:
        table = compute_angles(seq, cutoff_hz=None, variants=("2d",))
        return np.array([np.abs(table.column(n) - truth[n]).max() for n in FRONTAL])

    ideal_error, before, after = errors(ideal), errors(distorted), errors(undistorted)
    assert ideal_error.max() < 0.05  # the pinhole scene itself is exact
    assert before.max() > 1.0  # the lens bends the body by more than a degree
    assert after.max() < 0.05
    assert np.all(after <= before + 1e-9)
    assert undistorted.meta.calibration == "laptop"
    assert any(
        step.name == "undistort" and step.params["calibration"] == "laptop"
        for step in undistorted.meta.provenance
    )
    assert np.abs(undistorted.image_xy - ideal.image_xy).max() < 1e-3


def test_undistort_points_keeps_nan_rows_and_shape() -> None:
    xy = np.array([[[10.0, 20.0], [np.nan, np.nan]], [[600.0, 400.0], [320.0, 240.0]]])
    out = undistort_points(xy, _calibration())
    assert out.shape == xy.shape
    assert np.isnan(out[0, 1]).all() and np.isfinite(out[0, 0]).all()
    assert np.allclose(out[1, 1], [320.0, 240.0])  # the principal point does not move


def test_undistort_sequence_rejects_another_image_size() -> None:
    seq = make_sequence(Pose(), front_camera(), n_frames=3).sequence  # 1920x1080
    with pytest.raises(
        InputError, match=r"1920x1080 px but calibration 'laptop' was made at 640x480 px"
    ):
        undistort_sequence(seq, _calibration())


# ============================================================================ apply_calibration


def test_apply_calibration_undistorts_and_returns_the_roll() -> None:
    _, distorted, _ = _edge_scene()
    calib = _calibration().with_level(2.5, 1.0, "board")
    seq, roll = apply_calibration(distorted, calib)
    assert roll == 2.5 and seq.meta.calibration == "laptop"
    again, roll_again = apply_calibration(seq, calib)  # a saved, already undistorted sequence
    assert np.array_equal(again.image_xy, seq.image_xy, equal_nan=True) and roll_again == 2.5
    with pytest.raises(InputError, match="already undistorted with calibration 'laptop'"):
        apply_calibration(seq, _calibration("other"))


def test_apply_calibration_with_level_only_or_none() -> None:
    seq = PoseSequence.from_arrays(
        np.arange(2) / 30.0, np.full((2, 33, 2), 5.0), SequenceMeta(frame_size=(1280, 720))
    )
    level_only = CameraCalibration(name="tilt", image_size=(640, 480)).with_level(
        -4.0, None, "stance"
    )
    out, roll = apply_calibration(seq, level_only)
    assert roll == -4.0 and out.meta.calibration == "tilt"
    assert np.array_equal(out.image_xy, seq.image_xy)  # no intrinsics: nothing to undistort
    same, none_roll = apply_calibration(seq, None)
    assert same is seq and none_roll is None
    no_level, no_roll = apply_calibration(seq, CameraCalibration(name="plain", image_size=(1, 1)))
    assert no_roll is None and no_level.meta.calibration == "plain"


def test_summary_records_the_calibration() -> None:
    summary = calibration_summary(_calibration().with_level(1.5, None, "stance"))
    assert summary is not None
    assert summary["name"] == "laptop" and summary["undistorted"] is True
    assert summary["roll_deg"] == 1.5 and summary["image_size"] == [640, 480]
    assert calibration_summary(None) is None


def test_describe_mentions_focal_and_level() -> None:
    text = _calibration().with_level(1.5, 12.0, "board").describe()
    assert "focal 400.0 x 400.0 px" in text and "roll +1.5°" in text and "pitch +12.0°" in text


def test_end_to_end_estimated_calibration_removes_the_lens_error(board_scene: Any) -> None:
    """Calibrate from the rendered boards, then undistort a person filmed through that lens."""
    estimated = calibrate_camera(
        board_scene.images, board_scene.board, board_scene.square_mm, name="est"
    )
    camera = front_camera(image_size=(640, 480), focal_px=600.0, distance_m=4.5)
    pose = Pose(pelvis_xyz=(0.0, 0.93, 1.6), pelvic_obliquity_deg=4.0, left_hip_abduction_deg=12.0)
    synthetic = make_sequence(pose, camera, n_frames=5)
    k_true = board_scene.camera_matrix
    ideal_xy = synthetic.sequence.image_xy + (
        k_true[:2, 2] - [320.0, 240.0]
    )  # true principal point
    seen = synthetic.sequence.with_image_xy(
        _distort(ideal_xy, k_true, board_scene.dist_coeffs), "lens"
    )

    def worst(seq: PoseSequence) -> float:
        table = compute_angles(seq, cutoff_hz=None, variants=("2d",))
        return max(float(np.abs(table.column(n) - synthetic.truth[n]).max()) for n in FRONTAL)

    assert worst(seen) > 1.0
    assert worst(undistort_sequence(seen, estimated)) < 0.1
