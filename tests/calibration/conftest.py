"""Synthetic chessboard images with a known camera, and an isolated calibration folder.

Boards are rendered exactly: for every pixel of the (distorted) output image, its ideal ray is
found by inverting the lens model (``cv2.undistortPoints``), intersected with the board plane
(the board's homography) and coloured by the square it hits. Rendering at 2x and averaging
anti-aliases the edges. The pixel-to-ray map is the same for every view, so it is built once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

IMAGE_SIZE = (640, 480)
CAMERA_MATRIX = np.array([[600.0, 0.0, 322.0], [0.0, 600.0, 236.0], [0.0, 0.0, 1.0]])
DIST_COEFFS = np.array([-0.28, 0.09, 0.0008, -0.0005, 0.0])
BOARD = (9, 6)
SQUARE_MM = 25.0
SUPERSAMPLE = 2
N_VIEWS = 12


@dataclass(frozen=True)
class BoardScene:
    """Rendered views plus the camera that made them."""

    images: list[NDArray[np.uint8]]
    camera_matrix: NDArray[np.float64]
    dist_coeffs: NDArray[np.float64]
    board: tuple[int, int]
    square_mm: float
    image_size: tuple[int, int]


@pytest.fixture(autouse=True)
def calibration_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own empty calibration folder (never the checkout's)."""
    folder = tmp_path / "calibration"
    monkeypatch.setenv("HIPSIGHT_CALIBRATION_DIR", str(folder))
    yield folder


def pixel_rays(
    camera_matrix: NDArray[np.float64], dist_coeffs: NDArray[np.float64], size: tuple[int, int]
) -> NDArray[np.float64]:
    """(H*s, W*s, 2) ideal normalised coordinates of every sub-pixel centre of the output image."""
    width, height = size
    xs = (np.arange(width * SUPERSAMPLE) + 0.5) / SUPERSAMPLE - 0.5
    ys = (np.arange(height * SUPERSAMPLE) + 0.5) / SUPERSAMPLE - 0.5
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 1, 2)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-12)
    ideal = cv2.undistortPoints(grid, camera_matrix, dist_coeffs, criteria=criteria)
    return ideal.reshape(height * SUPERSAMPLE, width * SUPERSAMPLE, 2)


def render_board(
    rays: NDArray[np.float64],
    rotation: NDArray[np.float64],
    tvec: NDArray[np.float64],
    *,
    board: tuple[int, int] = BOARD,
    square: float = SQUARE_MM,
    noise: float = 2.0,
    seed: int = 0,
) -> NDArray[np.uint8]:
    """Grey image of a board (posed by ``rotation``, ``tvec`` in the units of ``square``).

    Inner corner (i, j) sits at board coordinates (j * square, i * square), as OpenCV's object
    points; a white margin of one square surrounds the squares; the background is grey.
    """
    cols, rows = board
    homography = np.column_stack([rotation[:, 0], rotation[:, 1], np.ravel(tvec)])
    inverse = np.linalg.inv(homography)
    x, y = rays[..., 0], rays[..., 1]
    w = inverse[2, 0] * x + inverse[2, 1] * y + inverse[2, 2]
    bx = (inverse[0, 0] * x + inverse[0, 1] * y + inverse[0, 2]) / w / square
    by = (inverse[1, 0] * x + inverse[1, 1] * y + inverse[1, 2]) / w / square
    squares = (bx >= -1) & (bx < cols) & (by >= -1) & (by < rows) & (w > 0)
    margin = (bx >= -2) & (bx < cols + 1) & (by >= -2) & (by < rows + 1) & (w > 0)
    black = squares & ((np.floor(bx) + np.floor(by)) % 2 == 0)
    image = np.full(bx.shape, 90.0)
    image[margin] = 235.0
    image[black] = 20.0
    h, w_px = image.shape
    image = image.reshape(h // SUPERSAMPLE, SUPERSAMPLE, w_px // SUPERSAMPLE, SUPERSAMPLE).mean(
        axis=(1, 3)
    )
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0.0, noise, image.shape), 0, 255).astype(np.uint8)


def _rotation(ax_deg: float, ay_deg: float, az_deg: float) -> NDArray[np.float64]:
    rx = cv2.Rodrigues(np.array([np.radians(ax_deg), 0.0, 0.0]))[0]
    ry = cv2.Rodrigues(np.array([0.0, np.radians(ay_deg), 0.0]))[0]
    rz = cv2.Rodrigues(np.array([0.0, 0.0, np.radians(az_deg)]))[0]
    return np.asarray(rx @ ry @ rz)


def board_outline(board: tuple[int, int], square: float) -> NDArray[np.float64]:
    cols, rows = board
    return (
        np.array([[-2, -2, 0], [cols + 1, -2, 0], [cols + 1, rows + 1, 0], [-2, rows + 1, 0]])
        * square
    )


def fits_in_image(
    rotation: NDArray[np.float64],
    tvec: NDArray[np.float64],
    size: tuple[int, int],
    *,
    board: tuple[int, int] = BOARD,
    square: float = SQUARE_MM,
    margin: float = 5.0,
) -> bool:
    rvec = cv2.Rodrigues(rotation)[0]
    projected, _ = cv2.projectPoints(
        board_outline(board, square), rvec, tvec, CAMERA_MATRIX, DIST_COEFFS
    )
    p = projected.reshape(-1, 2)
    return bool(
        (p >= margin).all()
        and (p[:, 0] <= size[0] - margin).all()
        and (p[:, 1] <= size[1] - margin).all()
    )


def random_poses(n: int, seed: int = 1) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """``n`` board poses (rotation, tvec in mm) tilted up to 35°, 350-600 mm away, in frame."""
    rng = np.random.default_rng(seed)
    cols, rows = BOARD
    centre = np.array([(cols - 1) / 2 * SQUARE_MM, (rows - 1) / 2 * SQUARE_MM, 0.0])
    poses: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
    while len(poses) < n:
        rotation = _rotation(*rng.uniform(-35, 35, 2), rng.uniform(-20, 20))
        depth = rng.uniform(350.0, 600.0)
        offset = rng.uniform(-0.4, 0.4, 2) * np.array(IMAGE_SIZE) / CAMERA_MATRIX[0, 0] * depth
        tvec = np.array([offset[0], offset[1], depth]) - rotation @ centre
        if fits_in_image(rotation, tvec, IMAGE_SIZE):
            poses.append((rotation, tvec))
    return poses


@pytest.fixture(scope="session")
def rays() -> NDArray[np.float64]:
    return pixel_rays(CAMERA_MATRIX, DIST_COEFFS, IMAGE_SIZE)


@pytest.fixture(scope="session")
def board_scene(rays: NDArray[np.float64]) -> BoardScene:
    """Twelve views of a 9x6 board (25 mm squares) through a wide-angle lens, 640x480."""
    images = [
        render_board(rays, rot, t, seed=k) for k, (rot, t) in enumerate(random_poses(N_VIEWS))
    ]
    return BoardScene(images, CAMERA_MATRIX, DIST_COEFFS, BOARD, SQUARE_MM, IMAGE_SIZE)


@pytest.fixture(scope="session")
def board_image_folder(board_scene: BoardScene, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("board_images")
    for k, image in enumerate(board_scene.images):
        cv2.imwrite(str(folder / f"view_{k:02d}.png"), image)
    return folder


@dataclass(frozen=True)
class BoardRenderer:
    """Renders the test board through the test camera (for tests that pose the board)."""

    rays: NDArray[np.float64]
    camera_matrix: NDArray[np.float64] = field(default_factory=CAMERA_MATRIX.copy)
    dist_coeffs: NDArray[np.float64] = field(default_factory=DIST_COEFFS.copy)
    board: tuple[int, int] = BOARD
    square_mm: float = SQUARE_MM
    image_size: tuple[int, int] = IMAGE_SIZE

    def render(
        self, rotation: NDArray[np.float64], tvec: NDArray[np.float64], seed: int = 0
    ) -> NDArray[np.uint8]:
        assert fits_in_image(rotation, tvec, self.image_size), "board pose leaves the image"
        return render_board(
            self.rays, rotation, tvec, board=self.board, square=self.square_mm, seed=seed
        )

    def pose_near(
        self, x: float, y: float, tilt_deg: tuple[float, float, float], depth: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The board turned by ``tilt_deg`` (about x, y, z), ``depth`` mm away, its centre as
        near (x, y) (fractions of the image) as it fits with an 8 px margin."""
        rotation = _rotation(*tilt_deg)
        cols, rows = self.board
        centre = np.array([(cols - 1) / 2, (rows - 1) / 2, 0.0]) * self.square_mm
        for shrink in np.linspace(1.0, 0.0, 41):
            u = (0.5 + (x - 0.5) * shrink) * self.image_size[0]
            v = (0.5 + (y - 0.5) * shrink) * self.image_size[1]
            ray = np.linalg.inv(self.camera_matrix) @ np.array([u, v, 1.0])
            tvec = ray * depth - rotation @ centre
            if fits_in_image(rotation, tvec, self.image_size, margin=8.0):
                return rotation, tvec
        raise AssertionError(f"the board does not fit near {(x, y)} tilted by {tilt_deg}")

    def project(
        self, rotation: NDArray[np.float64], tvec: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """(N, 2) exact image positions of the inner corners, in OpenCV's detection order."""
        cols, rows = self.board
        grid = np.zeros((rows * cols, 3))
        grid[:, :2] = np.mgrid[0:cols, 0:rows].T.reshape(-1, 2) * self.square_mm
        rvec = cv2.Rodrigues(rotation)[0]
        points, _ = cv2.projectPoints(grid, rvec, tvec, self.camera_matrix, self.dist_coeffs)
        return np.asarray(points.reshape(-1, 2), dtype=np.float64)


@pytest.fixture(scope="session")
def board_renderer(rays: NDArray[np.float64]) -> BoardRenderer:
    return BoardRenderer(rays)
