"""Qualisys calibration reader: sub-pixel units, the video offset, axes, rescaling; DLT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qualisys import read_qca, rescale_camera
from triangulation import project, reprojection_errors, triangulate, undistort

# A camera 3 m in front of the origin (at world y = -3, 1 m up) looking along +y, level:
# camera x = world x, Qualisys camera y (up) = world z, Qualisys camera -z (view) = world +y.
QCA = """<?xml version='1.0' encoding='ASCII'?>
<calibration><cameras>
 <camera active="1" avg-residual="0.5" serial="camB">
  <fov_video bottom="1019" left="100" right="1999" top="0"/>
  <transform r11="1" r12="0" r13="0" r21="0" r22="0" r23="1" r31="0" r32="-1" r33="0"
             x="0" y="-3000" z="1000"/>
  <intrinsic centerPointU="{cu}" centerPointV="{cv}" focalLengthU="64000" focalLengthV="64000"
             radialDistortion1="0" radialDistortion2="0" radialDistortion3="0"
             tangentalDistortion1="0" tangentalDistortion2="0" skew="0"/>
 </camera>
 <camera active="0" serial="camOff"/>
</cameras></calibration>
"""


@pytest.fixture
def qca(tmp_path: Path) -> Path:
    path = tmp_path / "calib.qca.txt"
    path.write_text(QCA.format(cu=(100 + 950) * 64, cv=510 * 64))
    return path


def test_reads_subpixels_offset_and_axes(qca: Path) -> None:
    (cam,) = read_qca(qca)
    assert cam.name == "camB" and cam.size == (1900, 1020)
    np.testing.assert_allclose(cam.K, [[1000, 0, 950], [0, 1000, 510], [0, 0, 1]])
    np.testing.assert_allclose(cam.centre, [0, -3, 1], atol=1e-12)
    np.testing.assert_allclose(cam.optical_axis, [0, 1, 0], atol=1e-12)
    # the world origin is 1 m below the camera, 3 m ahead: below the image centre
    np.testing.assert_allclose(project(cam, np.zeros(3)), [950, 510 + 1000 / 3], atol=1e-9)
    # a point to the world's +x appears to the image's right
    assert project(cam, np.array([0.5, 0.0, 1.0]))[0] > 950


def test_rescale_follows_a_scaled_video_and_refuses_a_crop(qca: Path) -> None:
    (cam,) = read_qca(qca)
    half = rescale_camera(cam, (950, 510))
    np.testing.assert_allclose(project(half, np.zeros(3)), project(cam, np.zeros(3)) / 2)
    with pytest.raises(ValueError, match="aspect ratio"):
        rescale_camera(cam, (1920, 1080 * 2))


def test_rejects_a_matrix_that_is_not_a_rotation(tmp_path: Path) -> None:
    path = tmp_path / "bad.qca.txt"
    path.write_text(QCA.format(cu=0, cv=0).replace('r11="1"', 'r11="2"'))
    with pytest.raises(ValueError, match="not a rotation"):
        read_qca(path)


def test_dlt_recovers_points_seen_by_two_cameras(qca: Path) -> None:
    (front,) = read_qca(qca)
    # a second camera on the world's +x side looking along -x: rotate the first about z by 90°
    Rz = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    side = type(front)(**{**front.__dict__, "R": front.R @ Rz.T, "t": front.t.copy()})
    points = np.array([[0.1, 0.2, 1.0], [-0.3, 0.1, 0.4], [0.0, 0.0, 1.6]])
    cams = [front, side]
    observed = np.stack([project(c, points) for c in cams])
    norm = np.stack([undistort(c, o) for c, o in zip(cams, observed, strict=True)])
    found = triangulate(cams, norm, np.ones((2, 3)))
    np.testing.assert_allclose(found, points, atol=1e-9)
    assert np.abs(reprojection_errors(cams, found, observed)).max() < 1e-6
    one_view = triangulate(cams, norm, np.array([[1.0, 1, 1], [0, 0, 1]]))
    assert np.isnan(one_view[:2]).all() and np.isfinite(one_view[2]).all()
