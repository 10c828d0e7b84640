"""Segmentation helpers on hand-checkable signals."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.protocols.segmentation import (
    bridged,
    fill_small_gaps,
    find_extrema,
    find_holds,
    find_reps,
    peaks_seen,
    raised_spans,
    runs,
)


def test_runs() -> None:
    assert runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert runs(np.zeros(3, bool)) == []
    assert runs(np.ones(3, bool)) == [(0, 3)]


def test_fill_small_gaps_only_fills_short_interior_gaps() -> None:
    x = np.array([0.0, np.nan, 2.0, np.nan, np.nan, np.nan, np.nan, 7.0, np.nan])
    out = fill_small_gaps(x, max_frames=2)
    assert out[1] == 1.0
    assert np.isnan(out[3:7]).all() and np.isnan(out[8])


def test_find_reps_counts_three_squats() -> None:
    t = np.arange(0, 9, 1 / 30)
    knee = 5 + 45 * (1 - np.cos(2 * np.pi * t / 3)) * (t < 9)  # three reps of 3 s, 5..95 deg
    reps = find_reps(knee, t, min_excursion=30)
    assert len(reps) == 3
    for rep, centre in zip(reps, (1.5, 4.5, 7.5), strict=True):
        assert abs(t[rep.peak] - centre) < 0.05
        assert rep.start < rep.peak < rep.stop


def test_find_reps_ignores_small_wobbles() -> None:
    t = np.arange(0, 4, 1 / 30)
    assert find_reps(5 + 3 * np.sin(2 * np.pi * t), t, min_excursion=20) == []


def test_find_holds_requires_duration() -> None:
    t = np.arange(0, 10, 0.1)
    x = np.where((t >= 2) & (t < 7), 30.0, 0.0)
    assert find_holds(x, t, threshold=20, min_duration_s=3) == [(20, 70)]
    assert find_holds(x, t, threshold=20, min_duration_s=6) == []


def test_find_extrema_minima() -> None:
    t = np.arange(0, 4, 1 / 30)
    x = np.sin(2 * np.pi * t)
    minima = find_extrema(x, t, min_prominence=0.5, min_period_s=0.5, minima=True)
    np.testing.assert_allclose(t[minima], [0.75, 1.75, 2.75, 3.75], atol=1 / 30)


def test_raised_spans_use_each_lifts_own_resting_level() -> None:
    """Two lifts from 130 to 180, a trough to 40 (sitting up), then 180 held to the end: one
    threshold for the whole recording (110) would merge the two lifts; each lift's own rest
    keeps them apart, and the run still up when the recording stops is found."""
    t = np.arange(0, 12.0, 0.1)
    x = np.full(t.size, 130.0)
    x[(t >= 1) & (t < 3)] = 180.0
    x[(t >= 4) & (t < 6)] = 180.0
    x[(t >= 7) & (t < 10)] = 40.0
    x[t >= 10] = 180.0
    spans = raised_spans(x, t, min_excursion=15.0, min_duration_s=0.5)
    assert [(round(t[a], 1), round(t[b - 1], 1)) for a, b in spans] == [
        (1.0, 2.9),
        (4.0, 5.9),
        (10.0, 11.9),
    ]
    assert raised_spans(np.full(50, 130.0), t[:50], 15.0, 0.5) == []


def test_a_long_gap_next_to_standing_is_not_a_rep() -> None:
    """Three squats (depth 0.05..0.45), a rise onto the toes (depth -0.07) before them, and
    standing with two 0.3 s gaps (too long to fill) after them: the gaps used to be set to the
    lowest value, the toes' -0.07, so the standing between them stood 0.12 above both, a fourth
    "rep" (15 % of frames dropped did this to a real squat). Bridged, it is not."""
    t = np.arange(0, 12, 1 / 30)
    squats = 0.2 * (1 - np.cos(2 * np.pi * (t - 1.0) / 3)) * ((t >= 1.0) & (t < 10.0))
    toes = -0.12 * np.exp(-(((t - 0.5) / 0.1) ** 2))
    depth = 0.05 + squats + toes
    depth[303:312] = np.nan  # 10.1-10.4 s, standing
    depth[330:339] = np.nan  # 11.0-11.3 s
    reps = find_reps(depth, t, min_excursion=0.1)
    assert len(reps) == 3
    assert all(rep.peak < 300 for rep in reps)


def test_a_peak_at_the_edge_of_a_long_gap_is_a_candidate_not_seen() -> None:
    """The bottom of the second squat falls in a 0.3 s gap: still a candidate (a rep happened),
    but its peak is not seen, so a protocol can refuse its values; the others are seen."""
    t = np.arange(0, 9, 1 / 30)
    depth = 0.2 * (1 - np.cos(2 * np.pi * t / 3))
    depth[130:140] = np.nan  # around 4.5 s, the second bottom
    reps = find_reps(depth, t, min_excursion=0.1)
    assert len(reps) == 3
    assert peaks_seen(depth, [rep.peak for rep in reps]).tolist() == [True, False, True]
    assert bridged(depth)[135] == pytest.approx(
        np.interp(135, [129, 140], [depth[129], depth[140]])
    )
