"""Shared fixtures: small synthetic sequences whose angles can be checked by hand, and demo
session folders made by the real pipeline (tests/demo_session.py).

Every sequence fixture has a NaN twin (``*_nan``) with a short gap (bridged by interpolation) and
a long gap (left missing), so that each test can also be run against missing data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from demo_session import CopyDemo, DemoOptions, write_demo_session
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    time_axis,
)
from synthetic_cases import FPS, frontal_pose, nan_twin, sagittal_pose


@pytest.fixture(scope="session")
def static_side() -> SyntheticSequence:
    """Standing, seen from the left, 3 s, holding: left hip 30°, left knee 45°, left ankle 10°,
    trunk 0°. By hand: left hip flexion 30, knee flexion 45, dorsiflexion 10, thigh inclination
    30 (knee forward), shank inclination 45 - 30 = 15; everything else 0."""
    pose = Pose(
        left_hip_flexion_deg=30.0,
        left_knee_flexion_deg=45.0,
        left_ankle_dorsiflexion_deg=10.0,
    )
    return make_sequence(pose, side_camera("left"), fps=FPS, n_frames=int(3 * FPS))


@pytest.fixture(scope="session")
def static_side_nan(static_side: SyntheticSequence) -> SyntheticSequence:
    return nan_twin(static_side)


@pytest.fixture(scope="session")
def side_motion() -> SyntheticSequence:
    """Sagittal motion over 4 s filmed from the left side at 90° (3 m, 1920×1080)."""
    return make_sequence(sagittal_pose(time_axis(4.0, FPS)), side_camera("left"), fps=FPS)


@pytest.fixture(scope="session")
def side_motion_nan(side_motion: SyntheticSequence) -> SyntheticSequence:
    return nan_twin(side_motion)


@pytest.fixture(scope="session")
def front_motion() -> SyntheticSequence:
    """Frontal motion filmed from the front with a distant telephoto camera (near-orthographic:
    60 m, f = 28000 px), so that perspective does not blur the conventions under test."""
    camera = front_camera(distance_m=60.0, focal_px=28000.0)
    return make_sequence(frontal_pose(time_axis(4.0, FPS)), camera, fps=FPS)


@pytest.fixture(scope="session")
def front_motion_nan(front_motion: SyntheticSequence) -> SyntheticSequence:
    return nan_twin(front_motion)


@pytest.fixture(scope="session")
def copy_demo_session(tmp_path_factory: pytest.TempPathFactory) -> CopyDemo:
    """``copy_demo_session(out_dir, options=None)``: a demo session in ``out_dir``; returns its
    ``results.json``, like :func:`demo_session.write_demo_session`.

    Each distinct :class:`DemoOptions` is analysed and written once per test run; callers get a
    copy of that folder, theirs to change.
    """
    built: dict[DemoOptions, Path] = {}

    def copy(out_dir: str | Path, options: DemoOptions | None = None) -> Path:
        options = options or DemoOptions()
        if options not in built:
            folder = tmp_path_factory.mktemp("demo-build")
            write_demo_session(folder, options)
            built[options] = folder
        shutil.copytree(built[options], out_dir, dirs_exist_ok=True)
        return Path(out_dir) / "results.json"

    return copy
