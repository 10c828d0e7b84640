"""How well a set of chessboard views pins down the intrinsics, and what that means for angles.

A calibration is judged by what it does to the angles hipsight measures, not by its view count:

- :func:`intrinsics_covariance`: the covariance of (fx, fy, cx, cy, k1, k2, p1, p2, k3) from the
  Jacobian of the reprojection at the solution (Gauss-Newton; its diagonal is OpenCV's
  ``stdDeviationsIntrinsics``). The full matrix is needed: fx and fy, and the distortion terms
  among themselves, are strongly correlated, so their standard deviations alone overstate how
  badly the *undistortion* is known.
- :func:`propagate_uncertainty`: that covariance carried to the angles that depend on the
  calibration, as ``CONFIDENCE_Z`` (2) standard deviations (about 95%):

  * ``edge_angle_deg``: the orientation of a short segment (a pelvis or a thigh) after
    undistortion, worst over ``PROBE_DIRECTIONS_DEG`` at 9 places of the image, corners and edge
    midpoints ``PROBE_INSET`` (15%) in from the border; this is where a frontal-plane angle such as
    pelvic obliquity or the knee FPPA is measured against the image axes;
  * ``roll_deg``: a principal-point error of dc px turns the assumed optical axis by dc/f; for
    the roll that is a rotation about the image's vertical axis, which changes the roll by
    dcx/fx x tan(pitch); taken at ``PITCH_WARN_DEG`` (10°), the pitch hipsight warns above;
  * ``pitch_deg``: dcy/fy, directly;
  * ``ray_deg``: the direction atan((x - cx) / fx) in which the camera sees a point at the probes'
    left or right edge, from the focal length (the board's pose for the level, the 3D stance
    roll).

  A calibration is accepted when the largest of the four is at most ``MAX_ANGLE_ERROR_DEG``.

- :func:`view_coverage`: where the boards were and how they were tilted, from the detected
  corners (a homography per view), for the advice when the views are not enough.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.optional import cv2_module

FloatArray = NDArray[np.float64]

PARAMETERS = ("fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2", "k3")
N_PARAMETERS = len(PARAMETERS)
MAX_ANGLE_ERROR_DEG = 0.5
CONFIDENCE_Z = 2.0
PROBE_INSET = 0.15  # probes stay 15% inside the border
PROBE_LENGTH = 0.1  # of the image height; the local effect hardly depends on it
PROBE_DIRECTIONS_DEG = (0.0, 45.0, 90.0, 135.0)
PITCH_WARN_DEG = 10.0
NOMINAL_HFOV_DEG = 65.0  # a typical laptop webcam, used when no intrinsics are known
# central-difference steps for (fx, fy, cx, cy) px and (k1, k2, p1, p2, k3)
FINITE_STEPS = np.array([0.05, 0.05, 0.05, 0.05, 1e-4, 1e-4, 1e-5, 1e-5, 1e-4])
UNDISTORT_CRITERIA_EPS = 1e-12
UNDISTORT_CRITERIA_COUNT = 100

# degenerate sets and advice
PARALLEL_LIMIT_DEG = 5.0  # boards whose planes all lie within this of each other are parallel
TILTED_ENOUGH_DEG = 10.0  # "no view is tilted more than 10°"
SAME_SPOT_FRACTION = 0.1  # board centres all within 10% of the image diagonal
NEAR_CENTRE = 0.2  # every board centre within 20% of the width and height of the image centre
CORNER_ZONE = 0.25  # an image corner zone: the outer quarter of the width and of the height
CORNER_NAMES = ("top-left", "top-right", "bottom-left", "bottom-right")

__all__ = [
    "CONFIDENCE_Z",
    "MAX_ANGLE_ERROR_DEG",
    "PARAMETERS",
    "IntrinsicsUncertainty",
    "ViewCoverage",
    "advise_views",
    "degenerate_reason",
    "intrinsics_covariance",
    "nominal_camera_matrix",
    "propagate_uncertainty",
    "view_coverage",
]


# ============================================================================ the record


@dataclass(frozen=True)
class IntrinsicsUncertainty:
    """Standard deviations of the intrinsics and the angle errors they propagate to.

    ``std_*`` are one standard deviation (OpenCV's ``stdDeviationsIntrinsics``); the angle
    errors are ``CONFIDENCE_Z`` standard deviations, in degrees.
    """

    std_fx_px: float
    std_fy_px: float
    std_cx_px: float
    std_cy_px: float
    std_dist: tuple[float, ...]
    edge_angle_deg: float
    roll_deg: float
    pitch_deg: float
    ray_deg: float

    def __post_init__(self) -> None:
        for name in ("std_fx_px", "std_fy_px", "std_cx_px", "std_cy_px", "edge_angle_deg"):
            check_non_negative(name, getattr(self, name))
        for name in ("roll_deg", "pitch_deg", "ray_deg"):
            check_non_negative(name, getattr(self, name))
        object.__setattr__(self, "std_dist", tuple(float(v) for v in self.std_dist))
        for value in self.std_dist:
            check_non_negative("std_dist", value)

    @property
    def angle_error_deg(self) -> float:
        """The figure the acceptance rule compares with ``MAX_ANGLE_ERROR_DEG``."""
        return max(self.edge_angle_deg, self.roll_deg, self.pitch_deg, self.ray_deg)

    def to_dict(self) -> dict[str, Any]:
        """The ``[intrinsics.uncertainty]`` table (docs/calibration.md)."""
        return {
            "fx_px": self.std_fx_px,
            "fy_px": self.std_fy_px,
            "cx_px": self.std_cx_px,
            "cy_px": self.std_cy_px,
            "dist_coeffs": list(self.std_dist),
            "edge_angle_deg": self.edge_angle_deg,
            "roll_deg": self.roll_deg,
            "pitch_deg": self.pitch_deg,
            "ray_deg": self.ray_deg,
        }

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> IntrinsicsUncertainty:
        return cls(
            std_fx_px=table["fx_px"],
            std_fy_px=table["fy_px"],
            std_cx_px=table["cx_px"],
            std_cy_px=table["cy_px"],
            std_dist=tuple(table["dist_coeffs"]),
            edge_angle_deg=table["edge_angle_deg"],
            roll_deg=table["roll_deg"],
            pitch_deg=table["pitch_deg"],
            ray_deg=table["ray_deg"],
        )

    def describe(self) -> str:
        """Two lines: the standard deviations, and the propagated angle errors."""
        return (
            f"standard deviation fx {self.std_fx_px:.2f}, fy {self.std_fy_px:.2f}, "
            f"cx {self.std_cx_px:.2f}, cy {self.std_cy_px:.2f} px\n"
            f"angle error from the calibration (2 SD): {show_degrees(self.angle_error_deg)} "
            f"(frontal angle near the edge {show_degrees(self.edge_angle_deg)}, "
            f"roll {show_degrees(self.roll_deg)}, pitch {show_degrees(self.pitch_deg)}, "
            f"viewing direction {show_degrees(self.ray_deg)}); "
            f"at most {MAX_ANGLE_ERROR_DEG:g}° accepted"
        )


def show_degrees(value: float) -> str:
    """``0.23°``; anything above 10° (a linearised error that large means "unknown") as ``>10°``."""
    return f"{value:.2f}°" if value <= 10.0 else ">10°"


def check_non_negative(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


# ============================================================================ covariance


def intrinsics_covariance(
    object_points: NDArray[np.float32],
    image_points: Sequence[FloatArray],
    camera_matrix: FloatArray,
    dist_coeffs: FloatArray,
    rvecs: Sequence[ArrayLike],
    tvecs: Sequence[ArrayLike],
) -> FloatArray:
    """(9, 9) covariance of (fx, fy, cx, cy, k1, k2, p1, p2, k3) at a calibration's solution.

    ``sigma^2 (J^T J)^-1`` over intrinsics and every view's pose, with ``sigma^2`` the residual
    variance (sum of squares / degrees of freedom), as OpenCV computes its standard deviations.
    A singular system (a degenerate set of views) gives infinite variances.
    """
    cv2 = cv2_module()
    dist = np.zeros(5) if dist_coeffs is None else np.asarray(dist_coeffs, np.float64).ravel()[:5]
    n_views = len(image_points)
    n_params = N_PARAMETERS + 6 * n_views
    blocks: list[FloatArray] = []
    residuals: list[FloatArray] = []
    for k, (corners, rvec, tvec) in enumerate(zip(image_points, rvecs, tvecs, strict=True)):
        projected, jacobian = cv2.projectPoints(
            object_points, np.asarray(rvec, np.float64), np.asarray(tvec, np.float64),
            camera_matrix, dist,
        )  # fmt: skip
        rows = np.zeros((jacobian.shape[0], n_params))
        rows[:, :N_PARAMETERS] = jacobian[:, 6 : 6 + N_PARAMETERS]
        rows[:, N_PARAMETERS + 6 * k : N_PARAMETERS + 6 * k + 6] = jacobian[:, :6]
        blocks.append(rows)
        residuals.append(np.asarray(corners, np.float64).ravel() - projected.ravel())
    jac = np.concatenate(blocks)
    res = np.concatenate(residuals)
    dof = max(res.size - n_params, 1)
    sigma2 = float(res @ res) / dof
    try:
        inverse = np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return np.full((N_PARAMETERS, N_PARAMETERS), np.inf)
    cov = sigma2 * inverse[:N_PARAMETERS, :N_PARAMETERS]
    if not np.isfinite(cov).all() or (np.diag(cov) < 0).any():
        return np.full((N_PARAMETERS, N_PARAMETERS), np.inf)
    return np.asarray(cov)


# ============================================================================ propagation


def probe_segments(image_size: tuple[int, int]) -> tuple[FloatArray, list[str]]:
    """(P, 2, 2) segment end points in pixels and their descriptions.

    9 places (corners, edge midpoints and centre of the image shrunk by ``PROBE_INSET``) times
    ``PROBE_DIRECTIONS_DEG``; each segment is ``PROBE_LENGTH`` of the image height long.
    """
    width, height = image_size
    half = 0.5 * PROBE_LENGTH * height
    xs = (PROBE_INSET * width, 0.5 * width, (1 - PROBE_INSET) * width)
    ys = (PROBE_INSET * height, 0.5 * height, (1 - PROBE_INSET) * height)
    segments: list[FloatArray] = []
    labels: list[str] = []
    for row, y in zip(("top", "middle", "bottom"), ys, strict=True):
        for col, x in zip(("left", "centre", "right"), xs, strict=True):
            centre = np.array([x, y])
            for direction in PROBE_DIRECTIONS_DEG:
                angle = np.radians(direction)
                step = half * np.array([np.cos(angle), np.sin(angle)])
                segments.append(np.stack([centre - step, centre + step]))
                labels.append(f"{row}-{col}, {direction:.0f}°")
    return np.array(segments), labels


def undistorted_directions(segments: FloatArray, params: FloatArray) -> FloatArray:
    """(P,) direction in radians of each segment after undistortion with ``params`` (9 values)."""
    cv2 = cv2_module()
    fx, fy, cx, cy = params[:4]
    matrix = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
    criteria = (
        cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS,
        UNDISTORT_CRITERIA_COUNT,
        UNDISTORT_CRITERIA_EPS,
    )
    points = cv2.undistortPoints(
        segments.reshape(-1, 1, 2), matrix, params[4:], P=matrix, criteria=criteria
    ).reshape(-1, 2, 2)
    delta = points[:, 1] - points[:, 0]
    return np.asarray(np.arctan2(delta[:, 1], delta[:, 0]))


def direction_gradients(segments: FloatArray, params: FloatArray) -> FloatArray:
    """(P, 9) derivative of each segment's undistorted direction (rad) by each parameter."""
    gradients = np.zeros((segments.shape[0], N_PARAMETERS))
    for j, step in enumerate(FINITE_STEPS):
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        change = undistorted_directions(segments, up) - undistorted_directions(segments, down)
        change = (change + np.pi) % (2 * np.pi) - np.pi
        gradients[:, j] = change / (2 * step)
    return gradients


def propagate_uncertainty(
    covariance: FloatArray,
    std_opencv: ArrayLike,
    camera_matrix: FloatArray,
    dist_coeffs: FloatArray,
    image_size: tuple[int, int],
) -> IntrinsicsUncertainty:
    """Carry the covariance to the edge-angle, roll and pitch errors (``CONFIDENCE_Z`` SD)."""
    std = np.asarray(std_opencv, np.float64).ravel()[:N_PARAMETERS]
    if not np.isfinite(covariance).all():
        edge = roll = pitch = ray = math.inf
    else:
        k = np.asarray(camera_matrix, np.float64)
        params = np.concatenate([[k[0, 0], k[1, 1], k[0, 2], k[1, 2]], dist5(dist_coeffs)])
        segments, _ = probe_segments(image_size)
        gradients = direction_gradients(segments, params)
        variances = np.einsum("pi,ij,pj->p", gradients, covariance, gradients)
        edge = degrees_z(np.sqrt(np.clip(variances, 0, None).max()))
        roll = degrees_z(np.sqrt(covariance[2, 2]) / k[0, 0]) * np.tan(np.radians(PITCH_WARN_DEG))
        pitch = degrees_z(np.sqrt(covariance[3, 3]) / k[1, 1])
        ray = ray_error_deg(covariance, k, image_size)
    return IntrinsicsUncertainty(
        std_fx_px=clean(std[0]),
        std_fy_px=clean(std[1]),
        std_cx_px=clean(std[2]),
        std_cy_px=clean(std[3]),
        std_dist=tuple(clean(v) for v in std[4:]),
        edge_angle_deg=clean(edge, 3),
        roll_deg=clean(roll, 3),
        pitch_deg=clean(pitch, 3),
        ray_deg=clean(ray, 3),
    )


def ray_error_deg(
    covariance: FloatArray, camera_matrix: FloatArray, image_size: tuple[int, int]
) -> float:
    """``CONFIDENCE_Z`` SD, degrees, of the direction atan((x - cx) / fx) in which the camera sees
    a point at the probes' left and right edge, from the focal length's variance alone (the
    principal point's share is in the roll and pitch figures)."""
    fx, cx = camera_matrix[0, 0], camera_matrix[0, 2]
    offsets = (PROBE_INSET * image_size[0] - cx, (1 - PROBE_INSET) * image_size[0] - cx)
    worst = max(abs(u) / (fx**2 + u**2) for u in offsets)  # |d angle / d fx|
    return degrees_z(worst * math.sqrt(covariance[0, 0]))


def dist5(dist_coeffs: ArrayLike) -> FloatArray:
    """k1, k2, p1, p2, k3 (zero-padded)."""
    d = np.zeros(5)
    values = np.asarray(dist_coeffs, np.float64).ravel()[:5]
    d[: values.size] = values
    return d


def degrees_z(radians: float) -> float:
    return float(np.degrees(radians) * CONFIDENCE_Z)


def clean(value: float, digits: int = 6) -> float:
    """Rounded for the file; NaN and infinities (a degenerate set) become a huge finite value."""
    return round(float(value), digits) if math.isfinite(value) else 1e9


# ============================================================================ coverage


@dataclass(frozen=True, eq=False)
class ViewCoverage:
    """Where the boards were in the image and how they were turned, per view.

    ``tilts_deg``: angle between each board's plane and the image plane; ``centres``: each
    board's centre as (x, y) fractions of the image; ``parallel_spread_deg``: the largest angle
    between two boards' planes; ``corners_reached``: the image corner zones (outer quarter of
    the width and of the height) that hold a detected board corner.
    """

    tilts_deg: FloatArray
    centres: FloatArray
    parallel_spread_deg: float
    centre_spread: float
    corners_reached: tuple[str, ...]

    @property
    def max_tilt_deg(self) -> float:
        return float(self.tilts_deg.max()) if self.tilts_deg.size else 0.0


def nominal_camera_matrix(image_size: tuple[int, int]) -> FloatArray:
    """A pinhole guess for a camera without intrinsics: 65° horizontal field, centred."""
    width, height = image_size
    focal = width / (2.0 * np.tan(np.radians(NOMINAL_HFOV_DEG) / 2.0))
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])


def board_normals(
    object_points: NDArray[np.float32], corners: Sequence[FloatArray], camera_matrix: FloatArray
) -> FloatArray:
    """(V, 3) unit normals of the board planes in camera coordinates, from homographies."""
    cv2 = cv2_module()
    inverse = np.linalg.inv(np.asarray(camera_matrix, np.float64))
    normals = []
    for view in corners:
        homography, _ = cv2.findHomography(object_points[:, :2].astype(np.float64), view)
        if homography is None:
            normals.append(np.array([0.0, 0.0, 1.0]))
            continue
        columns = inverse @ homography
        r1 = columns[:, 0] / np.linalg.norm(columns[:, 0])
        r2 = columns[:, 1] / np.linalg.norm(columns[:, 1])
        normal = np.cross(r1, r2)
        normals.append(normal / np.linalg.norm(normal))
    return np.array(normals)


def view_coverage(
    object_points: NDArray[np.float32],
    corners: Sequence[FloatArray],
    image_size: tuple[int, int],
    camera_matrix: FloatArray | None = None,
    dist_coeffs: FloatArray | None = None,
) -> ViewCoverage:
    """Tilts, centres and reach of the boards, from the detected corners.

    Tilts need a camera matrix: the calibration's (corners undistorted first), or a nominal 65°
    lens when there is none yet (a board facing the camera has no perspective, so it reads as
    untilted with any lens).
    """
    matrix = nominal_camera_matrix(image_size) if camera_matrix is None else camera_matrix
    ideal = corners if dist_coeffs is None else undistort_all(corners, matrix, dist_coeffs)
    normals = board_normals(object_points, ideal, matrix)
    tilts = np.degrees(np.arccos(np.clip(np.abs(normals[:, 2]), 0.0, 1.0)))
    cosines = np.clip(np.abs(normals @ normals.T), 0.0, 1.0)
    spread = float(np.degrees(np.arccos(cosines.min()))) if len(corners) else 0.0
    size = np.array(image_size, np.float64)
    centres = np.array([np.asarray(c).mean(axis=0) / size for c in corners]).reshape(-1, 2)
    scaled = centres * size / float(np.hypot(*size))
    gaps = np.linalg.norm(scaled[:, None] - scaled[None], axis=-1)
    return ViewCoverage(
        tilts_deg=tilts,
        centres=centres,
        parallel_spread_deg=spread,
        centre_spread=float(gaps.max()) if gaps.size else 0.0,
        corners_reached=corners_reached(corners, image_size),
    )


def undistort_all(
    corners: Sequence[FloatArray], camera_matrix: FloatArray, dist_coeffs: FloatArray
) -> list[FloatArray]:
    """Each view's corners undistorted, in pixels of the same camera matrix."""
    cv2 = cv2_module()
    return [
        np.asarray(
            cv2.undistortPoints(
                np.asarray(c, np.float64).reshape(-1, 1, 2), camera_matrix, dist_coeffs,
                P=camera_matrix,
            )
        ).reshape(-1, 2)
        for c in corners
    ]  # fmt: skip


def corners_reached(corners: Sequence[FloatArray], image_size: tuple[int, int]) -> tuple[str, ...]:
    """The image corner zones (``CORNER_NAMES``) holding at least one detected board corner."""
    if not corners:
        return ()
    points = np.concatenate([np.asarray(c) for c in corners]) / np.array(image_size, np.float64)
    left, right = points[:, 0] < CORNER_ZONE, points[:, 0] > 1 - CORNER_ZONE
    top, bottom = points[:, 1] < CORNER_ZONE, points[:, 1] > 1 - CORNER_ZONE
    zones = (top & left, top & right, bottom & left, bottom & right)
    return tuple(name for name, inside in zip(CORNER_NAMES, zones, strict=True) if inside.any())


def degenerate_reason(coverage: ViewCoverage) -> str | None:
    """Why a set of views cannot calibrate at all, or None.

    Boards in parallel planes (fronto-parallel ones included) leave the focal length unknown:
    Zhang's method needs planes turned against each other.
    """
    if coverage.parallel_spread_deg < PARALLEL_LIMIT_DEG:
        n = coverage.tilts_deg.size
        facing = (
            "face the camera squarely"
            if coverage.max_tilt_deg < PARALLEL_LIMIT_DEG
            else f"lie in parallel planes (tilted {coverage.max_tilt_deg:.0f}°)"
        )
        return (
            f"all {n} boards {facing}: their planes are within "
            f"{coverage.parallel_spread_deg:.1f}° of each other (need more than "
            f"{PARALLEL_LIMIT_DEG:g}°), so the focal length cannot be measured; "
            "add 2 views tilted 30-45° (one about the horizontal axis, one about the vertical)"
        )
    return None


def advise_views(coverage: ViewCoverage) -> str:
    """What views to add, from where the boards were and how they were tilted."""
    advice = list(_advice(coverage))
    if not advice:
        advice.append(
            "add views with the board tilted 30-45° near the image corners, "
            "or check that the board is flat and sharp"
        )
    return "; ".join(advice)


def _advice(coverage: ViewCoverage) -> Iterator[str]:
    missing = [name for name in CORNER_NAMES if name not in coverage.corners_reached]
    n = coverage.tilts_deg.size
    off_centre = np.abs(coverage.centres - 0.5).max() if n else 0.0
    if not coverage.corners_reached and off_centre < NEAR_CENTRE:
        yield "all views are near the centre; add 4 views with the board near the image corners"
    elif coverage.centre_spread < SAME_SPOT_FRACTION and n > 1:
        x, y = 100 * coverage.centres.mean(axis=0)
        yield (
            f"all {n} boards are at the same spot (around {x:.0f}% across and {y:.0f}% down the "
            f"image, centres within {100 * coverage.centre_spread:.0f}% of its diagonal); "
            + _corner_advice(missing)
        )
    elif missing:
        yield f"no board reached the {_names(missing)} corner of the image; " + _corner_advice(
            missing
        )
    if coverage.max_tilt_deg <= TILTED_ENOUGH_DEG:
        yield (
            f"no view is tilted more than {TILTED_ENOUGH_DEG:g}° "
            f"(largest {coverage.max_tilt_deg:.0f}°); add 2 views tilted 30-45°"
        )


def _corner_advice(missing: Sequence[str]) -> str:
    if not missing:
        return "add views with the board elsewhere in the image"
    count = len(missing)
    return f"add {count} view{'s' * (count > 1)} with the board near the {_names(missing)} corner"


def _names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
