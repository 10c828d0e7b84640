"""Camera intrinsics from chessboard views: detection, view selection and ``calibrateCamera``.

A *board* is given as ``(cols, rows)``: the number of **inner** corners per row and per column
(a board of 10 x 7 squares has 9 x 6 inner corners). Prefer a board with one even and one odd
count: its orientation is then unambiguous.

Acceptance rules (documented in docs/calibration.md):

- a view is usable when the whole board is found, it is sharp (mean black-to-white edge width at
  most ``MAX_EDGE_WIDTH_PX``) and, for video and camera input, the board moved by at least
  ``MIN_MOTION_FRACTION`` of the image diagonal since every view already kept;
- at least ``MIN_VIEWS`` (4) usable views, and the boards' planes must not all be parallel
  (fronto-parallel boards leave the focal length unknown):
  :func:`~hipsight.calibration.uncertainty.degenerate_reason`;
- views whose own reprojection error is more than three times the median are dropped once
  (a board found in the wrong place, motion blur) and the camera is calibrated again;
- the RMS reprojection error must be at most ``MAX_RMS_PX`` (a webcam with a flat, printed
  board reaches 0.2-0.5 px; more than 1 px means a warped board, blur or a wrong board size);
- the intrinsics' uncertainty, carried to the angles that depend on them (a frontal-plane
  angle near the image edge, roll, pitch, viewing direction), must be at most
  ``MAX_ANGLE_ERROR_DEG`` (0.5°) at two standard deviations
  (:mod:`hipsight.calibration.uncertainty`); else the message gives the figure, the bound and
  which views to add, from where the boards were and how they were tilted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.calibration.store import CameraCalibration, now_iso
from hipsight.calibration.uncertainty import (
    MAX_ANGLE_ERROR_DEG,
    IntrinsicsUncertainty,
    ViewCoverage,
    advise_views,
    degenerate_reason,
    intrinsics_covariance,
    propagate_uncertainty,
    show_degrees,
    view_coverage,
)
from hipsight.errors import InputError
from hipsight.optional import cv2_module

FloatArray = NDArray[np.float64]

MIN_VIEWS = 4  # Zhang's method needs 3; the uncertainty rule decides above that
MAX_RMS_PX = 1.0
MAX_EDGE_WIDTH_PX = 4.0
MIN_MOTION_FRACTION = 0.01
MAX_VIEWS = 30
DETECT_MAX_SIDE = 1000  # detect on a downscaled copy above this size, refine at full size
OUTLIER_FACTOR = 3.0
MIN_COVERAGE = 0.5
COVERAGE_GRID = (8, 6)

__all__ = [
    "MAX_ANGLE_ERROR_DEG",
    "MAX_RMS_PX",
    "MIN_VIEWS",
    "BoardView",
    "CalibrationRejectedError",
    "CalibrationResult",
    "ViewCollection",
    "board_object_points",
    "calibrate_camera",
    "calibrate_from_views",
    "detect_views",
    "find_board",
    "parse_board",
]


class CalibrationRejectedError(InputError):
    """A calibration that would do more harm than good (too few views, high error)."""


@dataclass(frozen=True, eq=False)
class BoardView:
    """The inner corners of one detected board, (N, 2) pixels in OpenCV's detection order."""

    corners: FloatArray
    label: str
    sharpness_px: float = float("nan")


@dataclass(frozen=True)
class ViewCollection:
    """The usable views of a set of images or frames, and why the others were skipped."""

    views: tuple[BoardView, ...]
    image_size: tuple[int, int] | None
    n_seen: int = 0
    n_no_board: int = 0
    n_blurry: int = 0
    n_duplicate: int = 0

    def describe(self) -> str:
        return (
            f"{len(self.views)} usable views from {self.n_seen} images "
            f"({self.n_no_board} without a complete board, {self.n_blurry} blurry, "
            f"{self.n_duplicate} near-duplicates)"
        )


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """An accepted calibration and what was learnt on the way."""

    calibration: CameraCalibration
    per_view_rms_px: FloatArray
    dropped: tuple[str, ...] = ()
    coverage: float = 1.0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    views: ViewCoverage | None = None


@dataclass(frozen=True, eq=False)
class _Fit:
    """One run of ``calibrateCameraExtended``."""

    rms: float
    matrix: FloatArray
    dist: FloatArray
    per_view: FloatArray
    rvecs: tuple[FloatArray, ...]
    tvecs: tuple[FloatArray, ...]
    std: FloatArray


# ============================================================================ board and images


def parse_board(text: str) -> tuple[int, int]:
    """``"9x6"`` -> (9, 6): inner corners per row and per column, each at least 3."""
    parts = str(text).lower().replace("×", "x").split("x")
    try:
        cols, rows = (int(p) for p in parts)
    except ValueError as exc:
        raise InputError(
            f"board must be COLSxROWS inner corners such as 9x6, got {text!r}"
        ) from exc
    return check_board((cols, rows))


def check_board(board: Sequence[int]) -> tuple[int, int]:
    if len(board) != 2 or min(board) < 3:
        raise InputError(
            f"board must have at least 3x3 inner corners (COLSxROWS), got {tuple(board)}"
        )
    return int(board[0]), int(board[1])


def board_object_points(board: tuple[int, int], square_mm: float) -> NDArray[np.float32]:
    """(cols*rows, 3) corner positions on the board plane in mm, in OpenCV's detection order."""
    if not square_mm > 0:
        raise InputError(f"square size must be positive millimetres, got {square_mm}")
    cols, rows = check_board(board)
    grid = np.zeros((rows * cols, 3), np.float32)
    grid[:, :2] = np.mgrid[0:cols, 0:rows].T.reshape(-1, 2) * float(square_mm)
    return grid


def to_gray(image: NDArray[Any]) -> NDArray[np.uint8]:
    """8-bit grey from a grey, RGB/BGR or RGBA image (channel order does not matter here)."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = arr[:, :, :3].mean(axis=2)
    if arr.ndim != 2:
        raise InputError(f"expected a grey or colour image, got an array of shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


def find_board(gray: NDArray[np.uint8], board: tuple[int, int]) -> FloatArray | None:
    """The board's inner corners with sub-pixel refinement, (N, 2) pixels; None if not found.

    Large images are searched at a reduced size (fast) and refined at full size.
    """
    cv2 = cv2_module()
    scale = min(1.0, DETECT_MAX_SIDE / max(gray.shape))
    small = (
        gray
        if scale == 1.0
        else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    )
    flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_FAST_CHECK
    found, corners = cv2.findChessboardCorners(small, board, flags=flags)
    if not found or corners is None:
        return None
    corners = (corners.reshape(-1, 2) + 0.5) / scale - 0.5
    half = _refine_window(corners.reshape(board[1], board[0], 2))
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 0.001)
    refined = cv2.cornerSubPix(
        gray, corners.astype(np.float32).reshape(-1, 1, 2), (half, half), (-1, -1), criteria
    )
    return np.asarray(refined.reshape(-1, 2), dtype=np.float64)


def _refine_window(grid: FloatArray) -> int:
    """Half-size of the sub-pixel search window: under half the smallest square, 3..11 px."""
    steps = np.concatenate(
        [
            np.linalg.norm(np.diff(grid, axis=0), axis=-1).ravel(),
            np.linalg.norm(np.diff(grid, axis=1), axis=-1).ravel(),
        ]
    )
    return int(np.clip(0.4 * steps.min(), 3, 11))


def board_sharpness(gray: NDArray[np.uint8], board: tuple[int, int], corners: FloatArray) -> float:
    """Mean black-to-white edge width in pixels; NaN if unknown.

    From ``cv2.estimateChessboardSharpness``; a sharp board is below about 3 px.
    """
    cv2 = cv2_module()
    try:
        value = cv2.estimateChessboardSharpness(
            gray, board, corners.astype(np.float32).reshape(-1, 1, 2)
        )
    except cv2.error:
        return float("nan")
    return float(value[0][0])


def _image_of(item: Any) -> tuple[NDArray[Any], str]:
    """Accept an array or a :class:`~hipsight.io.video.Frame` (or a (label, array) pair)."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return np.asarray(item[1]), item[0]
    rgb = getattr(item, "rgb", None)
    if rgb is not None:
        return np.asarray(rgb), f"frame {getattr(item, 'index', '?')}"
    return np.asarray(item), ""


def detect_views(
    images: Iterable[Any],
    board: tuple[int, int],
    *,
    step: int = 1,
    max_views: int = MAX_VIEWS,
    skip_duplicates: bool = True,
    max_edge_width_px: float = MAX_EDGE_WIDTH_PX,
) -> ViewCollection:
    """Find the board in every ``step``-th image and keep the usable views.

    ``images`` are arrays (grey or colour), :class:`~hipsight.io.video.Frame` objects or
    ``(label, array)`` pairs. All must have the same size. Stops after ``max_views`` views.
    """
    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    board = check_board(board)
    views: list[BoardView] = []
    size: tuple[int, int] | None = None
    counts = {"seen": 0, "no_board": 0, "blurry": 0, "duplicate": 0}
    for k, item in enumerate(images):
        if k % step:
            continue
        image, label = _image_of(item)
        label = label or f"image {k}"
        gray = to_gray(image)
        size = _same_size(size, (gray.shape[1], gray.shape[0]), label)
        counts["seen"] += 1
        corners = find_board(gray, board)
        if corners is None:
            counts["no_board"] += 1
            continue
        sharpness = board_sharpness(gray, board, corners)
        if sharpness > max_edge_width_px:
            counts["blurry"] += 1
            continue
        if skip_duplicates and _is_duplicate(corners, views, size):
            counts["duplicate"] += 1
            continue
        views.append(BoardView(corners=corners, label=label, sharpness_px=sharpness))
        if len(views) >= max_views:
            break
    return ViewCollection(
        views=tuple(views),
        image_size=size,
        n_seen=counts["seen"],
        n_no_board=counts["no_board"],
        n_blurry=counts["blurry"],
        n_duplicate=counts["duplicate"],
    )


def _same_size(known: tuple[int, int] | None, size: tuple[int, int], label: str) -> tuple[int, int]:
    if known is not None and size != known:
        raise InputError(
            f"{label} is {size[0]}x{size[1]} px but the earlier images are "
            f"{known[0]}x{known[1]} px; "
            "calibrate with images of one size"
        )
    return size


def _is_duplicate(corners: FloatArray, views: Sequence[BoardView], size: tuple[int, int]) -> bool:
    """True when the board sits where it already sat in a kept view (either corner order)."""
    limit = MIN_MOTION_FRACTION * float(np.hypot(*size))
    for view in views:
        moved = min(
            np.linalg.norm(corners - view.corners, axis=1).mean(),
            np.linalg.norm(corners - view.corners[::-1], axis=1).mean(),
        )
        if moved < limit:
            return True
    return False


# ============================================================================ calibration


def calibrate_from_views(
    views: Sequence[BoardView],
    image_size: tuple[int, int],
    board: tuple[int, int],
    square_mm: float,
    *,
    name: str = "camera",
    source: str = "",
    min_views: int = MIN_VIEWS,
    max_rms_px: float = MAX_RMS_PX,
    max_angle_error_deg: float = MAX_ANGLE_ERROR_DEG,
) -> CalibrationResult:
    """Calibrate from detected views; raise :class:`CalibrationRejectedError` with the reason."""
    check_limits(min_views, max_rms_px, max_angle_error_deg)
    check_view_count(len(views), min_views)
    objp = board_object_points(board, square_mm)
    fit = _run_calibration(views, objp, image_size)
    dropped: tuple[str, ...] = ()
    median = float(np.median(fit.per_view))
    outliers = fit.per_view > max(OUTLIER_FACTOR * median, 0.5 * max_rms_px)
    if outliers.any() and len(views) - int(outliers.sum()) >= min_views:
        dropped = tuple(v.label for v, bad in zip(views, outliers, strict=True) if bad)
        views = [v for v, bad in zip(views, outliers, strict=True) if not bad]
        fit = _run_calibration(views, objp, image_size)
    _check_result(fit.rms, fit.matrix, image_size, max_rms_px)
    coverage_views = view_coverage(
        objp, [v.corners for v in views], image_size, fit.matrix, fit.dist
    )
    reason = degenerate_reason(coverage_views)
    if reason is not None:
        raise CalibrationRejectedError(reason)
    uncertainty = measure_uncertainty(fit, views, objp, image_size)
    check_uncertainty(uncertainty, coverage_views, max_angle_error_deg)
    coverage = board_coverage(views, image_size)
    warnings = list(_warnings(coverage, dropped, board))
    calibration = CameraCalibration(
        name=name,
        image_size=image_size,
        camera_matrix=fit.matrix,
        dist_coeffs=fit.dist.ravel(),
        rms_px=round(float(fit.rms), 4),
        n_views=len(views),
        created=now_iso(),
        source=source,
        board=board,
        square_mm=float(square_mm),
        per_view_rms_px=tuple(round(float(e), 4) for e in fit.per_view),
        uncertainty=uncertainty,
    )
    return CalibrationResult(
        calibration, fit.per_view, dropped, coverage, tuple(warnings), coverage_views
    )


def check_limits(min_views: int, max_rms_px: float, max_angle_error_deg: float) -> None:
    """InputError for limits a calibration cannot be judged by."""
    if min_views < MIN_VIEWS:
        raise InputError(
            f"the minimum number of views must be at least {MIN_VIEWS}, got {min_views}"
        )
    if not max_rms_px > 0:
        raise InputError(f"the RMS limit must be positive pixels, got {max_rms_px}")
    if not 0 < max_angle_error_deg <= 90:
        raise InputError(
            f"the angle error limit must be in (0, 90] degrees, got {max_angle_error_deg}"
        )


def check_view_count(n_views: int, min_views: int) -> None:
    if n_views < min_views:
        raise CalibrationRejectedError(
            f"too few usable chessboard views: need at least {min_views}, got {n_views}; "
            "show the whole board at more positions and angles"
        )


def _run_calibration(
    views: Sequence[BoardView], objp: NDArray[np.float32], image_size: tuple[int, int]
) -> _Fit:
    cv2 = cv2_module()
    object_points = [objp] * len(views)
    image_points = [v.corners.astype(np.float32).reshape(-1, 1, 2) for v in views]
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-9)
    try:
        out = cv2.calibrateCameraExtended(
            object_points, image_points, image_size, None, None, criteria=criteria
        )
    except cv2.error as exc:
        raise CalibrationRejectedError(
            f"OpenCV could not calibrate from these views ({exc.err})"
        ) from exc
    return _Fit(
        rms=float(out[0]),
        matrix=np.asarray(out[1], dtype=np.float64),
        dist=np.asarray(out[2], dtype=np.float64),
        per_view=np.asarray(out[7], dtype=np.float64).ravel(),
        rvecs=tuple(np.asarray(r, np.float64).ravel() for r in out[3]),
        tvecs=tuple(np.asarray(t, np.float64).ravel() for t in out[4]),
        std=np.asarray(out[5], dtype=np.float64).ravel(),
    )


def measure_uncertainty(
    fit: _Fit,
    views: Sequence[BoardView],
    objp: NDArray[np.float32],
    image_size: tuple[int, int],
) -> IntrinsicsUncertainty:
    """The intrinsics' standard deviations and the angle errors they propagate to."""
    covariance = intrinsics_covariance(
        objp, [v.corners for v in views], fit.matrix, fit.dist, fit.rvecs, fit.tvecs
    )
    return propagate_uncertainty(covariance, fit.std, fit.matrix, fit.dist, image_size)


def check_uncertainty(
    uncertainty: IntrinsicsUncertainty, coverage: ViewCoverage, max_angle_error_deg: float
) -> None:
    """Refuse when the propagated angle error is above the bound, saying which views to add."""
    if uncertainty.angle_error_deg <= max_angle_error_deg:
        return
    raise CalibrationRejectedError(
        "the views leave the lens too uncertain for the angles: "
        f"expected an angle error of at most {max_angle_error_deg:g}°, "
        f"got {show_degrees(uncertainty.angle_error_deg)} "
        f"(frontal angle near the edge {show_degrees(uncertainty.edge_angle_deg)}, "
        f"roll {show_degrees(uncertainty.roll_deg)}, pitch {show_degrees(uncertainty.pitch_deg)}, "
        f"viewing direction {show_degrees(uncertainty.ray_deg)}; 2 SD); " + advise_views(coverage)
    )


def _check_result(
    rms: float, matrix: FloatArray, image_size: tuple[int, int], max_rms_px: float
) -> None:
    if not np.isfinite(rms) or rms > max_rms_px:
        raise CalibrationRejectedError(
            f"RMS reprojection error too high: expected at most {max_rms_px:g} px, "
            f"got {rms:.3f} px; "
            "check the board size and that the board is flat and sharp in every view"
        )
    width, height = image_size
    cx, cy = matrix[0, 2], matrix[1, 2]
    if not (0 < cx < width and 0 < cy < height) or not (matrix[0, 0] > 0 and matrix[1, 1] > 0):
        raise CalibrationRejectedError(
            f"calibration diverged: principal point ({cx:.0f}, {cy:.0f}) px must lie inside the "
            f"{width}x{height} image; add views with the board tilted in different directions"
        )


def board_coverage(views: Sequence[BoardView], image_size: tuple[int, int]) -> float:
    """Fraction of an 8x6 grid of image cells that hold at least one board corner."""
    gx, gy = COVERAGE_GRID
    width, height = image_size
    corners = np.concatenate([v.corners for v in views]) if views else np.zeros((0, 2))
    col = np.clip((corners[:, 0] / width * gx).astype(int), 0, gx - 1)
    row = np.clip((corners[:, 1] / height * gy).astype(int), 0, gy - 1)
    return len(set(zip(col.tolist(), row.tolist(), strict=True))) / (gx * gy)


def _warnings(coverage: float, dropped: tuple[str, ...], board: tuple[int, int]) -> Iterator[str]:
    if coverage < MIN_COVERAGE:
        yield (
            f"the board covered only {100 * coverage:.0f}% of the image; distortion near the edges "
            "is extrapolated. Add views with the board near the corners"
        )
    if dropped:
        yield f"dropped {len(dropped)} view(s) with a high reprojection error: {', '.join(dropped)}"
    if board[0] % 2 == board[1] % 2:
        yield (
            f"a {board[0]}x{board[1]} board looks the same turned by 180°; a board with one even "
            "and one odd corner count (such as 9x6) gives an unambiguous orientation"
        )


def calibrate_camera(
    images: Iterable[Any],
    board: tuple[int, int],
    square_mm: float,
    *,
    name: str = "camera",
    source: str = "",
    step: int = 1,
    skip_duplicates: bool = True,
    min_views: int = MIN_VIEWS,
    max_rms_px: float = MAX_RMS_PX,
    max_angle_error_deg: float = MAX_ANGLE_ERROR_DEG,
) -> CameraCalibration:
    """Detect the board in ``images`` and calibrate; see :func:`calibrate_from_views`."""
    collection = detect_views(images, board, step=step, skip_duplicates=skip_duplicates)
    return calibrate_collection(
        collection,
        board,
        square_mm,
        name=name,
        source=source,
        min_views=min_views,
        max_rms_px=max_rms_px,
        max_angle_error_deg=max_angle_error_deg,
    ).calibration


def calibrate_collection(
    collection: ViewCollection,
    board: tuple[int, int],
    square_mm: float,
    *,
    name: str = "camera",
    source: str = "",
    min_views: int = MIN_VIEWS,
    max_rms_px: float = MAX_RMS_PX,
    max_angle_error_deg: float = MAX_ANGLE_ERROR_DEG,
) -> CalibrationResult:
    """Calibrate from a :class:`ViewCollection`; the rejection message says what was skipped."""
    if collection.image_size is None:
        raise CalibrationRejectedError("no images to calibrate from")
    try:
        return calibrate_from_views(
            collection.views,
            collection.image_size,
            board,
            square_mm,
            name=name,
            source=source,
            min_views=min_views,
            max_rms_px=max_rms_px,
            max_angle_error_deg=max_angle_error_deg,
        )
    except CalibrationRejectedError as exc:
        raise CalibrationRejectedError(f"{exc} [{collection.describe()}]") from exc
