"""Fuzzing the landmarks reader: mutated headers, arrays and bytes give a sequence or InputError.

The figures (inputs tried, read, refused, escaped) are printed in pytest's summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from fuzz import (
    FuzzReport,
    FuzzTally,
    fuzz_settings,
    mutated_arrays,
    mutated_bytes,
    mutated_documents,
)
from hipsight.errors import InputError
from hipsight.pose.landmarks import N_LANDMARKS
from hipsight.pose.sequence import PoseSequence, read_landmarks
from landmark_examples import DATA_DIR, HEADER_1_1, example_arrays, write_example

N_EXAMPLES = 300


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_landmarks")


def assert_valid_sequence(seq: PoseSequence) -> None:
    """The PoseSequence contract (DESIGN.md §3) holds for what the reader returned."""
    n = seq.n_frames
    assert n >= 1
    assert seq.image_xy.shape == (n, N_LANDMARKS, 2)
    assert seq.world_xyz.shape == (n, N_LANDMARKS, 3)
    assert seq.visibility.shape == seq.presence.shape == (n, N_LANDMARKS)
    assert np.isfinite(seq.t).all() and (np.diff(seq.t) > 0).all()
    for arr in (seq.image_xy, seq.world_xyz, seq.visibility, seq.presence):
        assert arr.dtype == np.float64
        assert not np.isinf(arr).any()
    for score in (seq.visibility, seq.presence):
        assert np.nanmin(score, initial=0.0) >= 0.0 and np.nanmax(score, initial=1.0) <= 1.0
    width, height = seq.meta.frame_size
    assert width > 0 and height > 0


def read_and_check(tally: FuzzTally, path: Path, log: list[str]) -> None:
    outcome = tally.run(lambda: read_landmarks(path), log)
    if isinstance(outcome, InputError):
        message = str(outcome)
        assert message.startswith(f"{path}: "), message
        assert "\n" not in message, message
    else:
        seq, notes = outcome
        assert_valid_sequence(seq)
        assert all(note.startswith(f"{path}: ") for note in notes)


def test_mutated_headers(fuzz_report: FuzzReport, fuzz_dir: Path) -> None:
    tally = fuzz_report.tally("landmarks .npz header")
    arrays = example_arrays()

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_documents(HEADER_1_1))
    def run(case: tuple[Any, list[str]]) -> None:
        header, log = case
        path = fuzz_dir / "header_landmarks.npz"
        np.savez(path, header=np.array(json.dumps(header)), **arrays)
        read_and_check(tally, path, log)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0  # both outcomes were exercised


def test_mutated_arrays(fuzz_report: FuzzReport, fuzz_dir: Path) -> None:
    tally = fuzz_report.tally("landmarks .npz arrays")
    header = np.array(json.dumps(HEADER_1_1))

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_arrays({"header": header, **example_arrays()}))
    def run(case: tuple[dict[str, Any], list[str]]) -> None:
        arrays, log = case
        path = fuzz_dir / "arrays_landmarks.npz"
        np.savez(path, **arrays)  # object arrays are pickled; the reader must refuse them
        read_and_check(tally, path, log)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.accepted > 0 and tally.refused > 0


def test_damaged_files(fuzz_report: FuzzReport, fuzz_dir: Path) -> None:
    tally = fuzz_report.tally("landmarks .npz bytes")
    valid = (DATA_DIR / "v1.1.npz").read_bytes()

    @fuzz_settings(N_EXAMPLES)
    @given(mutated_bytes(valid))
    def run(case: tuple[bytes, list[str]]) -> None:
        content, log = case
        path = fuzz_dir / "damaged_landmarks.npz"
        path.write_bytes(content)
        read_and_check(tally, path, log)

    run()
    tally.check(min_tried=N_EXAMPLES)
    assert tally.refused > 0


def test_write_example_round_trip_is_valid(tmp_path: Path) -> None:
    path = write_example(tmp_path / "ok_landmarks.npz", HEADER_1_1, example_arrays())
    assert_valid_sequence(read_landmarks(path)[0])
