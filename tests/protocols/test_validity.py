"""protocols.validity: the criteria that tell a rep or stride from walking, turning, stepping."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.protocols.validity import (
    body_scale,
    describe,
    heading,
    planted,
    spread,
    travel,
    turned,
    verdicts,
)
from hipsight.samples.synthetic import Pose, make_sequence, side_camera, smooth_ramp, time_axis


def test_spread_ignores_single_frame_jitter_but_not_travel() -> None:
    rng = np.random.default_rng(1)
    still = rng.normal(0.0, 1.0, (100, 2)) + 500.0
    still[50] += 200.0  # one wild frame
    moving = still + np.linspace(0.0, 300.0, 100)[:, None] * np.array([1.0, 0.0])
    got = spread(still, [(0, 100)]), spread(moving, [(0, 100)])
    assert got[0][0] < 5.0
    assert got[1][0] == pytest.approx(0.9 * 300.0, abs=10.0)


def test_spread_is_nan_for_an_unseen_span_and_checks_its_spans() -> None:
    track = np.full((10, 2), np.nan)
    assert np.isnan(spread(track, [(0, 10)])[0])
    with pytest.raises(ValueError, match="0 <= start < stop <= 10"):
        spread(track, [(5, 12)])


def test_planted_is_the_worst_track_in_torso_lengths() -> None:
    feet = np.zeros((50, 2))
    sliding = np.stack([np.linspace(0, 100, 50), np.zeros(50)], axis=1)
    hidden = np.full((50, 2), np.nan)
    moved = planted([feet, sliding, hidden], [(0, 50), (0, 10)], scale=200.0)
    # the sliding track: 5th-95th percentile range, 0.9 of its path, over the 200 px torso
    assert moved == pytest.approx([0.9 * 100 / 200, 0.9 * (100 * 9 / 49) / 200], abs=0.005)
    assert np.isnan(planted([feet], [(0, 50)], scale=float("nan"))).all()


def test_heading_follows_a_turn_from_side_to_side() -> None:
    t = time_axis(3.0)
    yaw = smooth_ramp(t, 0.0, 180.0, 1.0, 2.0)
    seq = make_sequence(Pose(body_yaw_deg=yaw), side_camera("right"), jitter_px=1.0).sequence
    facing = heading(seq, 0.5)
    assert np.isfinite(facing).all()
    start, end = np.median(facing[:20]), np.median(facing[-20:])
    assert abs(end - start) == pytest.approx(180.0, abs=15.0)
    assert turned(facing, [(0, 25), (0, 90)]) == pytest.approx([0.0, 180.0], abs=15.0)
    assert body_scale(seq, 0.5) == pytest.approx(0.5 * 1400.0 / 3.0, rel=0.1)


def test_travel_is_signed_along_the_facing_direction() -> None:
    x = np.linspace(0.0, 400.0, 40)
    right = np.zeros(40)
    left = np.full(40, 180.0)
    assert travel(x, right, [(0, 40)], 200.0) == pytest.approx([2.0])
    assert travel(x, left, [(0, 40)], 200.0) == pytest.approx([-2.0])


def test_verdicts_name_value_and_limit() -> None:
    judged = verdicts(
        [(0, 10), (10, 20)],
        {"feet_moved": np.array([0.1, 0.62]), "turned_deg": np.array([np.nan, 40.0])},
        {"feet_moved": (0.0, 0.25), "turned_deg": (0.0, 30.0)},
    )
    assert judged[0].counts and judged[0].reason == ""
    assert not judged[1].counts
    assert judged[1].reason == (
        "the feet moved 0.62 torso lengths (limit 0.25); the body turned 40° (limit 30°)"
    )
    assert describe("stride_s", 3.1, (0.6, 2.0)) == "stride time 3.10 s (plausible 0.6-2 s)"
