"""The session plan from the registry, and capture goals, the live rep count and timers."""

from __future__ import annotations

import pytest
from live_support import fake_protocol

from hipsight.analysis import AnalysisOptions, analyse_sequence
from hipsight.errors import InputError
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.table import AngleTable
from hipsight.live.measure import count_capture
from hipsight.live.plan import build_plan, parse_tests, resolve_key_angle
from hipsight.live.progress import CaptureProgress, capture_goal, count_metric, saved_count
from hipsight.live.subject import PersonPose
from hipsight.live.window import PoseBuffer
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import all_protocols, get_protocol
from synthetic_cases import squats_walk_and_turn


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


def test_a_reps_goal_recounts_with_the_protocols_count_at_most_every_recount_s() -> None:
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls) // 2

    progress = CaptureProgress(capture_goal(fake_protocol("r", reps=3)), count, recount_s=0.5)
    for k in range(91):
        progress.update(1 / 30, k / 30, in_position=True)
    assert len(calls) == 7  # at 0, 0.5, ..., 3.0 s
    assert progress.reps == 3 and progress.reached
    with pytest.raises(ValueError, match="a reps goal needs count_reps"):
        CaptureProgress(capture_goal(fake_protocol("r", reps=3)))


def test_saved_count_is_the_protocols_count_metric() -> None:
    squat, extension = get_protocol("squat"), get_protocol("hip_extension")
    assert (count_metric(squat), count_metric(extension)) == ("rep_count", "reps")
    assert count_metric(fake_protocol("h", hold_s=1.0)) is None
    result = get_protocol("squat").measure(
        *_angles(squats_walk_and_turn(2)[0].sequence), MeasureContext()
    )
    assert saved_count(squat, result) == 2


def _angles(seq: PoseSequence) -> tuple[PoseSequence, AngleTable]:
    return seq, compute_angles(seq)


def test_live_counter_equals_the_saved_count_frame_by_frame() -> None:
    """3 squats, a walk, a turn and the walk back fed frame by frame into a capture buffer, as
    the live session does: at every recount the number on screen is what ``hipsight analyze``
    saves for the same frames; at the end it is 3 (the walk and the turn are not reps)."""
    seq = squats_walk_and_turn(3, walk_s=2.0)[0].sequence
    (step,) = build_plan([get_protocol("squat")])
    buffer = PoseBuffer(seq.meta.frame_size)
    shown: dict[int, int] = {}
    progress = CaptureProgress(
        capture_goal(step.protocol),
        lambda: shown.setdefault(len(buffer), count_capture(buffer.to_sequence(), step)),
        recount_s=1.0,
    )
    for k in range(seq.n_frames):
        person = PersonPose(seq.image_xy[k], seq.world_xyz[k], seq.visibility[k], seq.presence[k])
        buffer.append(float(seq.t[k]), person)
        progress.update(1 / 30, float(seq.t[k]), in_position=True)
    assert len(shown) >= 10 and max(shown.values()) == 3 and progress.reps == shown[max(shown)]
    for n_frames, on_screen in shown.items():
        options = AnalysisOptions(test="squat", progress=False)
        saved = analyse_sequence(seq.slice_frames(0, n_frames), options).result
        assert saved is not None
        assert on_screen == (saved.metric("rep_count").value or 0), n_frames  # None: not yet
    final = analyse_sequence(seq, AnalysisOptions(test="squat", progress=False)).result
    assert final is not None and final.metric("rep_count").value == 3
    assert count_capture(buffer.to_sequence(), step) == 3


def test_progress_of_a_hold_counts_only_time_in_position() -> None:
    progress = CaptureProgress(capture_goal(fake_protocol("h", view="front", hold_s=1.0)))
    for k in range(60):
        progress.update(1 / 30, k / 30, in_position=k % 2 == 0)
    assert not progress.finished and progress.held_s == pytest.approx(1.0, abs=0.05)
    progress.update(1 / 30, 2.0, in_position=True)
    assert progress.reached and progress.counter().text == "HOLD 0 / 1 s"


def test_progress_counter_texts() -> None:
    reps = CaptureProgress(capture_goal(fake_protocol("r", reps=5)), lambda: 0)
    assert reps.counter().text == "REP 0 / 5" and reps.counter().progress == 0.0
    timed = CaptureProgress(capture_goal(fake_protocol("d", duration_s=10.0)))
    timed.update(4.5, 4.5, True)
    assert timed.counter().text == "4 / 10 s" and timed.counter().progress == pytest.approx(0.45)
