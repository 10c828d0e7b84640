"""Calibration from few views: accepted when well spread, refused with advice when not.

Corners come from ``cv2.projectPoints`` of the test board through the test camera
(conftest: f = 600 px, k1 = -0.28, 640x480) with 0.1 px of Gaussian noise, slightly more than
the 0.05-0.08 px that detection leaves on the rendered boards; the rendered boards themselves
go through the whole pipeline in ``test_rendered_views_from_four_up_are_accepted``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import pytest

from hipsight.calibration.intrinsics import (
    BoardView,
    CalibrationRejectedError,
    CalibrationResult,
    board_object_points,
    calibrate_camera,
    calibrate_from_views,
)
from hipsight.calibration.store import CameraCalibration, load_calibration, save_calibration
from hipsight.calibration.uncertainty import MAX_ANGLE_ERROR_DEG, intrinsics_covariance

NOISE_PX = 0.1
IMAGE_SIZE = (640, 480)
BOARD = (9, 6)
SQUARE_MM = 25.0
OBJP = board_object_points(BOARD, SQUARE_MM)
# (x, y) where the board is pushed (fractions of the image), tilt about x, y, z in degrees
WELL_SPREAD = (
    (0.1, 0.1, 30, -20, 5),
    (0.9, 0.9, -30, 25, -10),
    (0.9, 0.1, 20, 30, 10),
    (0.1, 0.9, -25, -30, 0),
    (0.5, 0.5, 40, 0, 0),
    (0.5, 0.5, 0, 40, 15),
    (0.1, 0.5, 10, -35, 0),
    (0.9, 0.5, -10, 35, 0),
    (0.5, 0.1, 35, 10, 0),
    (0.5, 0.9, -35, -10, 0),
    (0.1, 0.1, -20, 20, 0),
    (0.9, 0.9, 20, -20, 0),
)
AT_CENTRE = tuple(
    (0.5 + 0.02 * np.sign(x - 0.5), 0.5, ax, ay, az) for x, _, ax, ay, az in WELL_SPREAD
)
FACING = tuple(
    (x, y, 1.5 * np.sign(ax), -1.0 * np.sign(ay), az) for x, y, ax, ay, az in WELL_SPREAD
)
LITTLE_TILT = tuple(
    (x, y, 5 * np.sign(ax), -5 * np.sign(ay), az) for x, y, ax, ay, az in WELL_SPREAD
)
SAME_SPOT = tuple((0.3, 0.3, ax, ay, az) for _, _, ax, ay, az in WELL_SPREAD)
# Tolerances for the well-spread sets: the estimate must lie within 3 reported standard
# deviations of the truth, and the reported deviations below these ceilings (measured:
# fx 1.9, 1.5, 1.1, 0.8 px and cx 2.7, 2.3, 2.0, 1.4 px for 4, 5, 7 and 12 views).
STD_CEILING_PX = {4: (3.0, 4.0), 5: (2.5, 3.5), 7: (2.0, 3.0), 12: (1.2, 2.0)}


def projected_views(
    renderer: Any, specs: Sequence[tuple[float, ...]], depth: float = 550.0, seed: int = 0
) -> list[BoardView]:
    """Views of the test board posed by ``specs`` (x, y, tilts), corners with 0.1 px noise."""
    rng = np.random.default_rng(seed)
    views = []
    for k, (x, y, *tilt) in enumerate(specs):
        rotation, tvec = renderer.pose_near(x, y, tuple(tilt), depth)
        corners = renderer.project(rotation, tvec)
        views.append(BoardView(corners + rng.normal(0.0, NOISE_PX, corners.shape), f"view {k}"))
    return views


def calibrate(views: Sequence[BoardView]) -> CalibrationResult:
    return calibrate_from_views(views, IMAGE_SIZE, BOARD, SQUARE_MM, name="few")


@pytest.mark.parametrize("n_views", [4, 5, 7, 12])
def test_well_spread_views_are_accepted_within_their_reported_spread(
    board_renderer: Any, n_views: int
) -> None:
    calib = calibrate(projected_views(board_renderer, WELL_SPREAD[:n_views])).calibration
    k, u = calib.camera_matrix, calib.uncertainty
    assert k is not None and u is not None
    errors = np.abs(
        k[[0, 1, 0, 1], [0, 1, 2, 2]] - board_renderer.camera_matrix[[0, 1, 0, 1], [0, 1, 2, 2]]
    )
    stds = np.array([u.std_fx_px, u.std_fy_px, u.std_cx_px, u.std_cy_px])
    assert (errors < 3 * stds).all(), f"errors {errors} px vs 3 SD {3 * stds} px"
    fx_ceiling, cx_ceiling = STD_CEILING_PX[n_views]
    assert u.std_fx_px < fx_ceiling and u.std_cx_px < cx_ceiling, u.describe()
    assert u.angle_error_deg <= MAX_ANGLE_ERROR_DEG
    assert calib.n_views == n_views and len(calib.per_view_rms_px) == n_views


@pytest.mark.parametrize("n_views", [4, 5, 7, 12])
def test_views_near_the_centre_are_refused_with_the_figure_and_advice(
    board_renderer: Any, n_views: int
) -> None:
    with pytest.raises(CalibrationRejectedError) as info:
        calibrate(projected_views(board_renderer, AT_CENTRE[:n_views], depth=650.0))
    message = str(info.value)
    assert f"expected an angle error of at most {MAX_ANGLE_ERROR_DEG:g}°, got " in message
    assert "all views are near the centre; add 4 views with the board near the image corners" in (
        message
    )


@pytest.mark.parametrize("n_views", [4, 5, 7, 12])
def test_boards_facing_the_camera_are_refused_as_degenerate(
    board_renderer: Any, n_views: int
) -> None:
    with pytest.raises(CalibrationRejectedError, match="face the camera squarely") as info:
        calibrate(projected_views(board_renderer, FACING[:n_views]))
    assert "focal length cannot be measured; add 2 views tilted 30-45°" in str(info.value)


@pytest.mark.parametrize("n_views", [4, 5, 7])
def test_few_slightly_tilted_views_are_refused_with_tilt_advice(
    board_renderer: Any, n_views: int
) -> None:
    with pytest.raises(CalibrationRejectedError, match="got") as info:
        calibrate(projected_views(board_renderer, LITTLE_TILT[:n_views]))
    assert "no view is tilted more than 10°" in str(info.value)
    assert "add 2 views tilted 30-45°" in str(info.value)


@pytest.mark.parametrize("n_views", [4, 7])
def test_boards_at_one_spot_are_refused_with_the_spot_named(
    board_renderer: Any, n_views: int
) -> None:
    with pytest.raises(CalibrationRejectedError) as info:
        calibrate(projected_views(board_renderer, SAME_SPOT[:n_views], depth=650.0))
    assert f"all {n_views} boards are at the same spot" in str(info.value)


def test_covariance_matches_opencv_standard_deviations(board_renderer: Any) -> None:
    """The full covariance the rule propagates has OpenCV's standard deviations on its diagonal."""
    views = projected_views(board_renderer, WELL_SPREAD[:5])
    points = [v.corners.astype(np.float32).reshape(-1, 1, 2) for v in views]
    out = cv2.calibrateCameraExtended([OBJP] * 5, points, IMAGE_SIZE, None, None)
    covariance = intrinsics_covariance(
        OBJP, [v.corners for v in views], out[1], out[2], out[3], out[4]
    )
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), out[5].ravel()[:9], rtol=0.01)


def test_rendered_views_from_four_up_are_accepted(board_scene: Any, tmp_path: Any) -> None:
    """Four rendered, detected views calibrate; the figures are stored, printed and read back."""
    calib = calibrate_camera(board_scene.images[:4], board_scene.board, board_scene.square_mm)
    assert calib.camera_matrix is not None and calib.uncertainty is not None
    assert abs(calib.camera_matrix[0, 0] / 600.0 - 1.0) < 0.01
    assert calib.uncertainty.angle_error_deg <= MAX_ANGLE_ERROR_DEG
    text = calib.describe()
    assert "standard deviation fx" in text and "per-view RMS" in text and "at most 0.5°" in text
    back = _round_trip(calib, tmp_path)
    assert back.uncertainty == calib.uncertainty
    assert back.per_view_rms_px == calib.per_view_rms_px


def _round_trip(calib: CameraCalibration, folder: Any) -> CameraCalibration:
    path = save_calibration(calib, folder)
    return load_calibration(path)
