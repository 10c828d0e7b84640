"""Intrinsics: board detection, view selection, calibrateCamera accuracy and rejection rules."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from hipsight.calibration.intrinsics import (
    MIN_VIEWS,
    BoardView,
    CalibrationRejectedError,
    board_object_points,
    calibrate_camera,
    calibrate_from_views,
    detect_views,
    find_board,
    parse_board,
)
from hipsight.errors import InputError


def test_calibration_recovers_focal_length_and_principal_point(board_scene: Any) -> None:
    calib = calibrate_camera(
        board_scene.images, board_scene.board, board_scene.square_mm, name="synthetic"
    )
    k, truth = calib.camera_matrix, board_scene.camera_matrix
    assert k is not None
    focal_error = np.abs(np.array([k[0, 0], k[1, 1]]) / truth[[0, 1], [0, 1]] - 1.0)
    principal_error = np.abs(k[:2, 2] - truth[:2, 2])
    assert focal_error.max() < 0.01, f"focal off by {100 * focal_error.max():.3f}%"
    assert principal_error.max() < 5.0, f"principal point off by {principal_error} px"
    assert calib.rms_px is not None and calib.rms_px < 0.5
    assert calib.n_views == len(board_scene.images)
    assert calib.image_size == board_scene.image_size
    assert calib.board == (9, 6) and calib.square_mm == 25.0


def test_recovered_distortion_undoes_the_lens(board_scene: Any) -> None:
    """Inside the area the boards covered, undistorting with the estimate puts points within
    0.5 px of where the true lens model puts them."""
    calib = calibrate_camera(board_scene.images, board_scene.board, board_scene.square_mm)
    assert calib.camera_matrix is not None and calib.dist_coeffs is not None
    xs, ys = np.meshgrid(np.linspace(80, 560, 9), np.linspace(80, 400, 7))
    grid = np.stack([xs, ys], axis=-1).reshape(-1, 1, 2)
    k_true = board_scene.camera_matrix
    truth = cv2.undistortPoints(grid, k_true, board_scene.dist_coeffs, P=k_true)
    estimate = cv2.undistortPoints(
        grid, calib.camera_matrix, calib.dist_coeffs, P=calib.camera_matrix
    )
    assert np.linalg.norm(estimate - truth, axis=-1).max() < 0.5
    assert np.linalg.norm(grid - truth, axis=-1).max() > 10.0  # the lens really distorts


def test_too_few_views_are_rejected_with_the_counts(board_scene: Any) -> None:
    with pytest.raises(
        CalibrationRejectedError, match=rf"need at least {MIN_VIEWS}, got 3"
    ) as info:
        calibrate_camera(board_scene.images[:3], board_scene.board, board_scene.square_mm)
    assert "3 usable views from 3 images" in str(info.value)


def test_high_reprojection_error_is_rejected(board_scene: Any) -> None:
    collection = detect_views(board_scene.images, board_scene.board)
    rng = np.random.default_rng(3)
    noisy = [
        BoardView(v.corners + rng.normal(0.0, 2.0, v.corners.shape), v.label)
        for v in collection.views
    ]
    with pytest.raises(CalibrationRejectedError, match=r"expected at most 1 px, got \d+\.\d+ px"):
        calibrate_from_views(
            noisy, board_scene.image_size, board_scene.board, board_scene.square_mm
        )


def test_images_of_different_sizes_are_rejected(board_scene: Any) -> None:
    small = cv2.resize(board_scene.images[1], (320, 240))
    with pytest.raises(InputError, match=r"320x240 px but the earlier images are 640x480 px"):
        detect_views([board_scene.images[0], small], board_scene.board)


def test_view_selection_skips_blank_blurry_and_duplicate_views(board_scene: Any) -> None:
    blank = np.full((480, 640), 128, np.uint8)
    blurry = cv2.GaussianBlur(board_scene.images[2], (0, 0), 3.0)
    images = [board_scene.images[0], board_scene.images[0], blank, blurry, board_scene.images[1]]
    collection = detect_views(images, board_scene.board)
    assert len(collection.views) == 2
    assert collection.n_duplicate == 1
    assert collection.n_no_board == 1 and collection.n_blurry == 1
    assert collection.image_size == (640, 480)
    every_other = detect_views(images, board_scene.board, step=2, skip_duplicates=False)
    assert every_other.n_seen == 3


def test_find_board_returns_sub_pixel_corners_in_detection_order(board_scene: Any) -> None:
    corners = find_board(board_scene.images[0], board_scene.board)
    assert corners is not None and corners.shape == (54, 2)
    assert find_board(np.zeros((480, 640), np.uint8), board_scene.board) is None


def test_large_images_are_searched_downscaled_and_refined_at_full_size(board_scene: Any) -> None:
    big = cv2.resize(board_scene.images[0], (1920, 1440), interpolation=cv2.INTER_CUBIC)
    small_corners = find_board(board_scene.images[0], board_scene.board)
    big_corners = find_board(big, board_scene.board)
    assert small_corners is not None and big_corners is not None
    assert np.abs((big_corners + 0.5) / 3.0 - 0.5 - small_corners).max() < 0.3


@pytest.mark.parametrize(("text", "expected"), [("9x6", (9, 6)), ("7X5", (7, 5)), ("9×6", (9, 6))])
def test_parse_board(text: str, expected: tuple[int, int]) -> None:
    assert parse_board(text) == expected


@pytest.mark.parametrize("text", ["9", "9x6x2", "axb", "2x6"])
def test_parse_board_rejects_bad_sizes(text: str) -> None:
    with pytest.raises(InputError, match="board"):
        parse_board(text)


def test_object_points_follow_opencv_order() -> None:
    points = board_object_points((4, 3), 10.0)
    assert points.shape == (12, 3)
    assert points[1].tolist() == [10.0, 0.0, 0.0] and points[4].tolist() == [0.0, 10.0, 0.0]
    with pytest.raises(InputError, match="positive"):
        board_object_points((4, 3), 0.0)
