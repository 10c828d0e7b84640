"""Extraction helpers: chunk planning and timestamp repair."""

from __future__ import annotations

import numpy as np

from hipsight.pose.extract import make_timestamps, plan_chunks


def test_plan_chunks_splits_long_videos() -> None:
    assert plan_chunks(230, 2) == [(0, 115), (115, None)]
    assert plan_chunks(100, 2) == [(0, None)]  # too short to split
    assert plan_chunks(None, 2) == [(0, None)]  # unknown length: one reader
    assert plan_chunks(1000, 1) == [(0, None)]


def test_make_timestamps_keeps_good_container_times() -> None:
    t = np.array([0.0, 0.03, 0.07, 0.1])  # variable frame rate stays as recorded
    np.testing.assert_array_equal(make_timestamps(t, 30.0), t)


def test_make_timestamps_repairs_zero_stamps() -> None:
    fixed = make_timestamps(np.zeros(5), 25.0)
    np.testing.assert_allclose(fixed, np.arange(5) / 25.0)
    assert (np.diff(make_timestamps(np.array([0.0, 0.1, 0.1, 0.2]), 10.0)) > 0).all()
