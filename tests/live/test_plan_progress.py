"""The session plan from the registry, and capture goals, rep counting and timers."""

from __future__ import annotations

import numpy as np
import pytest
from live_support import fake_protocol

from hipsight.errors import InputError
from hipsight.live.plan import build_plan, parse_tests, resolve_key_angle
from hipsight.live.progress import CaptureProgress, capture_goal, count_reps, rep_excursion
from hipsight.protocols.registry import all_protocols


def test_default_plan_is_the_registry_order_with_posture_first() -> None:
    plan = build_plan(all_protocols())
    assert plan[0].key == "posture"
    assert [s.number for s in plan] == list(range(1, len(plan) + 1))
    assert all(s.total == len(plan) for s in plan)


def test_per_side_tests_run_left_then_right() -> None:
    protocols = (fake_protocol("a", per_side=True), fake_protocol("b"))
    plan = build_plan(protocols)
    assert [s.key for s in plan] == ["a_left", "a_right", "b"]
    assert plan[0].title == "A, LEFT leg" and plan[2].title == "B"
    assert plan[1].label == "2/3  A, RIGHT leg"


def test_tests_filter_keeps_the_registry_order() -> None:
    protocols = (
        fake_protocol("a", order=1),
        fake_protocol("b", order=2),
        fake_protocol("c", order=3),
    )
    assert [s.key for s in build_plan(protocols, ["c", "a"])] == ["a", "c"]


def test_unknown_tests_are_named_with_the_available_ones() -> None:
    with pytest.raises(InputError, match=r"unknown test\(s\) nope in --tests; available: a, b"):
        build_plan((fake_protocol("a"), fake_protocol("b")), ["a", "nope"])


def test_parse_tests() -> None:
    assert parse_tests("squat, hip_rotation,,") == ["squat", "hip_rotation"]
    assert parse_tests(None) is None and parse_tests(" , ") is None


@pytest.mark.parametrize(
    ("key", "side", "expected"),
    [
        ("left_hip_flexion", "left", "left_hip_flexion"),
        ("left_hip_flexion", "right", "right_hip_flexion"),
        ("right_knee_fppa", "left", "left_knee_fppa"),
        ("hip_flexion", "right", "right_hip_flexion"),
        ("hip_flexion", None, "left_hip_flexion"),
        ("pelvic_obliquity", "right", "pelvic_obliquity"),
        ("left_hip_flexion_3d", "right", "right_hip_flexion_3d"),
        ("no_such_angle", None, None),
    ],
)
def test_key_angle_follows_the_side(key: str, side: str | None, expected: str | None) -> None:
    assert resolve_key_angle(key, side) == expected


def test_capture_goals_from_declarations() -> None:
    reps = capture_goal(fake_protocol("a", reps=5, duration_s=20.0))
    assert (reps.kind, reps.reps, reps.max_s) == ("reps", 5, 20.0)
    hold = capture_goal(
        fake_protocol("b", view="front", views=("front", "side"), hold_s=5.0, duration_s=12.0)
    )
    assert (hold.kind, hold.phases) == ("hold", ("front", "side"))
    assert hold.max_s == 2 * (5.0 + 8.0)  # room to turn around between the views
    timed = capture_goal(fake_protocol("c", duration_s=10.0))
    assert (timed.kind, timed.max_s) == ("duration", 10.0)


def test_rep_direction_and_threshold_follow_the_band() -> None:
    assert rep_excursion(0.0, (80.0, 120.0)) == (1.0, 40.0)
    assert rep_excursion(0.0, (-30.0, -10.0)) == (-1.0, 10.0)


def test_reps_count_once_the_angle_comes_back() -> None:
    t = np.arange(0, 7.0, 1 / 30)
    knee = (
        100 * (1 - np.cos(2 * np.pi * np.clip(t - 0.5, 0, None) / 2.0)) / 2
    )  # rest, then 2 s reps
    assert count_reps(knee[t < 1.5], t[t < 1.5], (80, 120)) == 0  # first rep still going down
    assert count_reps(knee[t < 2.6], t[t < 2.6], (80, 120)) == 1
    assert count_reps(knee, t, (80, 120)) == 3
    extension = -0.25 * knee  # hip extension: the angle goes negative
    assert count_reps(extension, t, (-30, -10)) == 3


def test_progress_of_a_hold_counts_only_time_in_position() -> None:
    progress = CaptureProgress(capture_goal(fake_protocol("h", view="front", hold_s=1.0)), (-3, 3))
    for k in range(60):
        progress.update(1 / 30, k / 30, 0.0, in_position=k % 2 == 0)
    assert not progress.finished and progress.held_s == pytest.approx(1.0, abs=0.05)
    progress.update(1 / 30, 2.0, 0.0, in_position=True)
    assert progress.reached and progress.counter().text == "HOLD 0 / 1 s"


def test_progress_counter_texts() -> None:
    reps = CaptureProgress(capture_goal(fake_protocol("r", reps=5)), (80, 120))
    assert reps.counter().text == "REP 0 / 5" and reps.counter().progress == 0.0
    timed = CaptureProgress(capture_goal(fake_protocol("d", duration_s=10.0)), (0, 1))
    timed.update(4.5, 4.5, None, True)
    assert timed.counter().text == "4 / 10 s" and timed.counter().progress == pytest.approx(0.45)
