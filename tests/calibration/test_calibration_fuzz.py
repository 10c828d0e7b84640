"""Fuzzing the calibration readers: mutated intrinsics, level and baseline documents and damaged
TOML files give a valid record or InputError, never another exception.

Documents are mutated after parsing (what ``tomllib`` returns, plus ``None``, which TOML cannot
write but a reader must still survive); files are damaged byte by byte and read from disk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from fuzz import FuzzReport, FuzzTally, fuzz_settings, mutated_bytes, mutated_documents
from hipsight.calibration.baseline import PersonBaseline, StanceView, load_baseline, save_baseline
from hipsight.calibration.store import CameraCalibration, load_calibration, save_calibration
from hipsight.calibration.uncertainty import IntrinsicsUncertainty
from hipsight.errors import InputError

N_EXAMPLES = 300
# TOML has dates and times; a hand-edited file can hold one where a string belongs.
TOML_VALUES = (dt.datetime(2025, 3, 1, 10, 0), dt.date(2025, 3, 1), dt.time(10, 0))

INTRINSICS = CameraCalibration(
    name="laptop",
    image_size=(640, 480),
    camera_matrix=np.array([[600.0, 0.0, 322.0], [0.0, 600.0, 236.0], [0.0, 0.0, 1.0]]),
    dist_coeffs=np.array([-0.28, 0.09, 0.0008, -0.0005, 0.0]),
    rms_px=0.31,
    n_views=14,
    created="2025-03-01T10:00:00+00:00",
    source="images:boards",
    board=(9, 6),
    square_mm=25.0,
    per_view_rms_px=(0.28, 0.35, 0.31),
    uncertainty=IntrinsicsUncertainty(
        std_fx_px=0.6,
        std_fy_px=0.55,
        std_cx_px=0.7,
        std_cy_px=0.6,
        std_dist=(0.004, 0.03, 0.0002, 0.0001, 0.08),
        edge_angle_deg=0.16,
        roll_deg=0.02,
        pitch_deg=0.11,
        ray_deg=0.04,
    ),
)
LEVEL_ONLY = CameraCalibration(
    name="tilted",
    image_size=(1280, 720),
    created="2025-03-01T10:00:00+00:00",
    roll_deg=2.5,
    pitch_deg=-4.0,
    level_method="stance",
    level_created="2025-03-01T10:05:00+00:00",
)
BASELINE = PersonBaseline(
    person="anna",
    views={
        "front": StanceView(
            view="front",
            angles_deg={"pelvic_obliquity": 1.5, "shoulder_tilt": -0.5},
            source="front.mp4",
            created="2025-03-01T10:00:00+00:00",
            still_s=3.2,
            n_frames=96,
            roll_deg=0.4,
            calibration="laptop",
        ),
        "side": StanceView(view="side", angles_deg={"trunk_inclination": 4.0}, still_s=3.0),
    },
    segments_rel={"left_thigh": 0.245, "trunk": 0.3},
    segments_m={"left_thigh": 0.42},
    segments_view="front",
    height_cm=172.0,
    created="2025-03-01T10:00:00+00:00",
    updated="2025-03-01T10:00:00+00:00",
)


def parsed_toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def assert_valid_calibration(calib: CameraCalibration) -> None:
    assert calib.image_size[0] > 0 and calib.image_size[1] > 0
    if calib.camera_matrix is not None:
        assert calib.camera_matrix.shape == (3, 3) and np.isfinite(calib.camera_matrix).all()
        assert calib.dist_coeffs is not None and np.isfinite(calib.dist_coeffs).all()
    for value in (calib.roll_deg, calib.pitch_deg, calib.rms_px, calib.square_mm):
        assert value is None or (isinstance(value, float) and math.isfinite(value))
    for text in (calib.level_method, calib.level_created):
        assert text is None or isinstance(text, str)
    assert isinstance(calib.n_views, int) and calib.n_views >= 0
    assert all(math.isfinite(e) and e >= 0 for e in calib.per_view_rms_px)
    if calib.uncertainty is not None:
        assert math.isfinite(calib.uncertainty.angle_error_deg)
        assert calib.uncertainty.angle_error_deg >= 0
    assert calib.describe()


def assert_valid_baseline(baseline: PersonBaseline) -> None:
    for name, view in baseline.views.items():
        assert name == view.view and name in ("front", "side")
        assert all(math.isfinite(v) for v in view.angles_deg.values())
        assert view.n_frames >= 0 and view.still_s >= 0 and math.isfinite(view.roll_deg)
        assert view.calibration is None or isinstance(view.calibration, str)
    for value in (*baseline.segments_rel.values(), *baseline.segments_m.values()):
        assert math.isfinite(value) and value >= 0
    assert baseline.segments_view in (None, "front", "side")
    assert baseline.describe()


def check_outcome(outcome: Any, where: str) -> InputError | None:
    if isinstance(outcome, InputError):
        assert str(outcome).startswith(f"{where}: ") or where in str(outcome), str(outcome)
        assert "\n" not in str(outcome), str(outcome)
        return outcome
    return None


def fuzz_calibration_document(tally: FuzzTally, valid: CameraCalibration) -> None:
    where = "fuzz/calibration.toml"

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_documents(parsed_toml(valid.to_toml()), extra_values=TOML_VALUES))
    def run(case: tuple[Any, list[str]]) -> None:
        doc, log = case
        outcome = tally.run(lambda: CameraCalibration.from_dict(doc, where=where), log)
        if check_outcome(outcome, where) is None:
            assert_valid_calibration(outcome)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0


def test_mutated_intrinsics(fuzz_report: FuzzReport) -> None:
    fuzz_calibration_document(fuzz_report.tally("calibration TOML: intrinsics"), INTRINSICS)


def test_mutated_level(fuzz_report: FuzzReport) -> None:
    fuzz_calibration_document(fuzz_report.tally("calibration TOML: level"), LEVEL_ONLY)


def test_mutated_baseline(fuzz_report: FuzzReport) -> None:
    tally = fuzz_report.tally("baseline TOML")
    where = "fuzz/person_anna.toml"

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_documents(parsed_toml(BASELINE.to_toml()), extra_values=TOML_VALUES))
    def run(case: tuple[Any, list[str]]) -> None:
        doc, log = case
        outcome = tally.run(lambda: PersonBaseline.from_dict(doc, where=where), log)
        if check_outcome(outcome, where) is None:
            assert_valid_baseline(outcome)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_calibration")


def test_damaged_calibration_and_baseline_files(fuzz_report: FuzzReport, fuzz_folder: Path) -> None:
    tally = fuzz_report.tally("calibration + baseline TOML bytes")
    with_level = dataclasses.replace(INTRINSICS, roll_deg=1.0, level_method="board")
    calib_bytes = save_calibration(with_level, fuzz_folder).read_bytes()
    baseline_bytes = save_baseline(BASELINE, fuzz_folder).read_bytes()

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_bytes(calib_bytes), mutated_bytes(baseline_bytes))
    def run(calib_case: tuple[bytes, list[str]], baseline_case: tuple[bytes, list[str]]) -> None:
        calib_path = fuzz_folder / "laptop.toml"
        calib_path.write_bytes(calib_case[0])
        outcome = tally.run(lambda: load_calibration("laptop", fuzz_folder), calib_case[1])
        if check_outcome(outcome, str(calib_path)) is None:
            assert_valid_calibration(outcome)
        baseline_path = fuzz_folder / "person_anna.toml"
        baseline_path.write_bytes(baseline_case[0])
        outcome = tally.run(lambda: load_baseline("anna", fuzz_folder), baseline_case[1])
        if check_outcome(outcome, str(baseline_path)) is None:
            assert_valid_baseline(outcome)

    run()
    tally.check(min_tried=2 * N_EXAMPLES)
    assert tally.refused > 0
