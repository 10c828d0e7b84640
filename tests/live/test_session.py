"""Whole guided sessions, headless, on scripted frames and landmark streams (no model)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from live_support import (
    Script,
    fake_protocol,
    feet_cut_cam,
    front_cam,
    run_script,
    side_cam,
    squats,
    states_of,
    still,
)

from hipsight.calibration.store import CameraCalibration, save_calibration
from hipsight.cli import main
from hipsight.errors import InputError
from hipsight.live.runner import AssessConfig, run_assess
from hipsight.live.session import SessionTiming
from hipsight.live.speech import SilentSpeaker
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.registry import get_protocol
from hipsight.session.reader import load_session

FLOW = ["instruct", "position", "countdown", "capture", "result"]


def squat_script() -> Script:
    """Stand sideways 3 s, squat 3 times (2 s each), stand 3 s."""
    return (
        Script()
        .add(3, still(), side_cam())
        .add(6, squats(), side_cam())
        .add(3, still(), side_cam())
    )


def test_whole_session_goes_through_every_state_and_writes_every_file(
    fake_registry, tmp_path: Path
) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=2))
    speaker = SilentSpeaker()
    outcome = run_script(squat_script(), [squat], tmp_path, speaker=speaker)

    assert states_of(outcome, "fake_squat") == FLOW
    assert [t.target for t in outcome.transitions][-2:] == ["done", "done"]
    assert outcome.end_reason == "completed"
    why = {t.target: t.why for t in outcome.transitions if t.step == "fake_squat"}
    assert why["countdown"] == "in position" and why["result"] == "goal reached"
    # the capture starts after instruct 0.5 + ready 0.5 + countdown 1.0 s
    capture = next(t for t in outcome.transitions if t.target == "capture")
    assert capture.t_s == pytest.approx(2.0, abs=0.05)

    folder = tmp_path / "fake_squat"
    for name in ("fake_squat_landmarks.npz", "fake_squat_angles.csv"):
        assert (folder / name).is_file()
    assert not (folder / "fake_squat_video.mp4").exists()  # only with --save-video
    results = load_session(tmp_path / "results.json")
    assert results.kind == "assess" and results.person == "Test Person"
    (record,) = results.tests
    assert record.complete and record.result.status == "measured"
    assert record.files == {
        "landmarks": "fake_squat/fake_squat_landmarks.npz",
        "csv": "fake_squat/fake_squat_angles.csv",
    }
    assert record.result.metric("peak").value == pytest.approx(100.0, abs=1.0)
    meta = results.meta
    assert meta["completed"] == ["fake_squat"] and meta["ended"] == "completed"
    assert meta["pipeline"]["frames"]["analysed"] > 0
    assert meta["pipeline"]["latency_ms"]["median"] is not None
    # the saved landmarks are the capture: from its start to the second completed rep
    seq = PoseSequence.from_npz(folder / "fake_squat_landmarks.npz")
    assert seq.t[0] == pytest.approx(2.0, abs=0.05)
    assert seq.meta.source == "live:scripted" and seq.meta.model_name == "scripted"
    assert any(s == "Go" for s in speaker.said)


def test_saved_landmarks_reanalysed_offline_give_the_same_metrics(
    fake_registry, tmp_path: Path, capsys
) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=2))
    live = run_script(squat_script(), [squat], tmp_path / "live")
    npz = tmp_path / "live" / "fake_squat" / "fake_squat_landmarks.npz"

    code = main(
        [
            "analyze",
            str(npz),
            "--test",
            "fake_squat",
            "--out",
            str(tmp_path / "offline"),
            "--no-progress",
        ]
    )
    capsys.readouterr()

    assert code == 0
    offline = load_session(tmp_path / "offline" / "results.json").tests[0].result
    assert offline.metrics == live.records[0].result.metrics
    live_csv = (tmp_path / "live" / "fake_squat" / "fake_squat_angles.csv").read_text()
    assert live_csv == (tmp_path / "offline" / "fake_squat_angles.csv").read_text()


def test_with_a_calibration_the_saved_landmarks_are_undistorted_and_reanalyse_the_same(
    fake_registry, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("HIPSIGHT_CALIBRATION_DIR", str(tmp_path / "cal"))
    matrix = np.array([[560.0, 0, 320], [0, 560.0, 240], [0, 0, 1]])
    distortion = np.array([-0.25, 0.08, 0.0, 0.0, 0.0])
    save_calibration(
        CameraCalibration("webcam", (640, 480), matrix, distortion, roll_deg=2.0), tmp_path / "cal"
    )
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=2))
    live = run_script(squat_script(), [squat], tmp_path / "live", calibration="webcam")
    npz = tmp_path / "live" / "fake_squat" / "fake_squat_landmarks.npz"
    saved = PoseSequence.from_npz(npz)
    assert saved.meta.calibration == "webcam" and any(
        p.name == "undistort" for p in saved.meta.provenance
    )
    assert load_session(tmp_path / "live").calibration == "webcam"

    out = str(tmp_path / "offline")
    assert (
        main(
            [
                "analyze",
                str(npz),
                "--test",
                "fake_squat",
                "--calibration",
                "webcam",
                "--out",
                out,
                "--no-progress",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert load_session(out).tests[0].result.metrics == live.records[0].result.metrics


def test_per_side_test_runs_left_then_right_and_reanalyses_with_its_side(
    fake_registry, tmp_path: Path, capsys
) -> None:
    (hold,) = fake_registry(
        fake_protocol(
            "fake_hold",
            view="front",
            hold_s=1.0,
            per_side=True,
            key_angle="left_hip_flexion",
            key_band=(-5, 5),
        )
    )
    script = Script().add(10, still(), front_cam())
    outcome = run_script(script, [hold], tmp_path)

    assert states_of(outcome, "fake_hold_left") == FLOW
    assert states_of(outcome, "fake_hold_right") == FLOW
    left, right = outcome.records
    assert (left.result.metrics[0].side, right.result.metrics[0].side) == ("left", "right")
    npz = tmp_path / "fake_hold_right" / "fake_hold_right_landmarks.npz"
    args = [
        "analyze",
        str(npz),
        "--test",
        "fake_hold",
        "--side",
        "right",
        "--no-progress",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(args) == 0
    capsys.readouterr()
    assert load_session(tmp_path / "o").tests[0].result.metrics == right.result.metrics


def test_position_hints_hold_the_start_until_the_person_is_placed(
    fake_registry, tmp_path: Path
) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=1))
    script = (
        Script()
        .add(2, still(), feet_cut_cam())  # too close: feet below the frame
        .add(2, still(), front_cam())  # facing the camera, the test needs a side view
        .add(3, still(), side_cam())
        .add(4, squats(), side_cam())
    )
    banners: list[tuple[str, str]] = []

    def tap(canvas, overlay) -> None:
        if overlay.banner is not None:
            banners.append((overlay.state, overlay.banner.text))

    outcome = run_script(script, [squat], tmp_path, tap=tap)

    hints = [text for state, text in banners if state == "position"]
    assert "step back, your feet are not visible" in hints
    assert "turn sideways" in hints
    assert hints.index("step back, your feet are not visible") < hints.index("turn sideways")
    countdown = next(t for t in outcome.transitions if t.target == "countdown")
    assert countdown.t_s >= 4.0 + 0.5  # only once sideways, and held for ready_hold_s
    assert outcome.records[0].complete


def test_leaving_the_position_during_the_countdown_goes_back(fake_registry, tmp_path: Path) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=1))
    # in position from 0.5 s: a 2 s countdown from 1.0 s; at 1.2 s the person faces the camera
    script = (
        Script()
        .add(1.2, still(), side_cam())
        .add(1.8, still(), front_cam())
        .add(2, still(), side_cam())
    )
    script.add(4, squats(), side_cam())
    timing = SessionTiming(
        instruct_s=0.5,
        instruct_per_word_s=0,
        ready_hold_s=0.5,
        countdown_s=2.0,
        result_s=0.5,
        done_s=0,
    )
    outcome = run_script(script, [squat], tmp_path, timing=timing)
    states = states_of(outcome, "fake_squat")
    assert states[:5] == ["instruct", "position", "countdown", "position", "countdown"]
    back = next(
        t for t in outcome.transitions if t.source == "countdown" and t.target == "position"
    )
    assert "turn sideways" in back.why
    assert back.t_s < 3.0  # before the countdown would have ended


def test_camera_lost_mid_test_keeps_the_recording_as_incomplete(
    fake_registry, tmp_path: Path
) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=3))
    outcome = run_script(squat_script(), [squat], tmp_path, lose_at_s=5.0)

    assert outcome.end_reason == "camera lost"
    assert outcome.stats.end_reason == "lost"
    (record,) = outcome.records
    assert not record.complete
    seq = PoseSequence.from_npz(tmp_path / "fake_squat" / "fake_squat_landmarks.npz")
    assert seq.t[0] == pytest.approx(2.0, abs=0.05) and seq.t[-1] == pytest.approx(
        5.0 - 1 / 30, abs=0.05
    )
    results = load_session(tmp_path)
    assert results.tests[0].complete is False
    assert results.meta["incomplete"] == ["fake_squat"] and results.meta["ended"] == "camera lost"


def test_quit_mid_session_writes_partial_results(fake_registry, tmp_path: Path) -> None:
    first, second = fake_registry(
        fake_protocol("fake_a", reps=1, order=1), fake_protocol("fake_b", reps=2, order=2)
    )
    script = squat_script().add(10, squats(), side_cam())
    # fake_a ends at ~4.7 s (1 rep) + result 0.5 s; fake_b captures from ~7.2 s; quit at 9 s
    script.press(9.0, "q")
    outcome = run_script(script, [first, second], tmp_path)

    assert outcome.end_reason == "quit"
    data = json.loads((tmp_path / "results.json").read_text())
    tests = {t["test"]: t for t in data["tests"]}
    assert tests["fake_a"]["complete"] is True
    assert tests["fake_b"]["complete"] is False
    assert data["meta"]["ended"] == "quit" and data["meta"]["incomplete"] == ["fake_b"]
    assert (tmp_path / "fake_b" / "fake_b_landmarks.npz").is_file()


def test_quit_before_a_capture_saves_no_test(fake_registry, tmp_path: Path) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=1))
    script = squat_script().press(0.3, "q")
    outcome = run_script(script, [squat], tmp_path)
    assert outcome.records == []
    meta = load_session(tmp_path).meta
    assert meta["ended"] == "quit" and meta["not_run"] == ["fake_squat"]


def test_skip_redo_and_pause_keys(fake_registry, tmp_path: Path) -> None:
    first, second = fake_registry(
        fake_protocol("fake_a", reps=1, order=1), fake_protocol("fake_b", reps=1, order=2)
    )
    script = Script().add(6, still(), side_cam()).add(20, squats(), side_cam())
    script.press(1.2, "s")  # skip fake_a while it waits in POSITION
    script.press(1.8, "p").press(3.8, "p")  # pause fake_b's POSITION for 2 s
    script.press(8.0, "r")  # redo fake_b from its result card (first rep done at ~7.8 s)
    outcome = run_script(script, [first, second], tmp_path)

    assert [r.result.test for r in outcome.records] == ["fake_b"]
    assert outcome.meta["skipped"] == ["fake_a"]
    events = [t.why for t in outcome.transitions]
    assert events.count("skipped (s)") == 1 and "paused" in events and "resumed" in events
    assert events.count("redo (r)") == 1
    b_states = states_of(outcome, "fake_b")
    assert b_states == [*FLOW, *FLOW]
    # fake_b is in position from 1.7 s; the 0.5 s hold completes 2 s (the pause) later
    b_countdown = next(
        t for t in outcome.transitions if t.step == "fake_b" and t.target == "countdown"
    )
    assert b_countdown.t_s == pytest.approx(1.7 + 0.5 + 2.0, abs=0.1)
    redo = next(t for t in outcome.transitions if t.why == "redo (r)")
    assert redo.source == "result" and redo.t_s == pytest.approx(8.0, abs=0.05)


def test_multi_view_hold_holds_each_view_in_turn(fake_registry, tmp_path: Path) -> None:
    (posture,) = fake_registry(
        fake_protocol(
            "fake_posture",
            view="front",
            views=("front", "side"),
            hold_s=1.0,
            key_angle="pelvic_obliquity",
            key_band=(-3, 3),
        )
    )
    script = (
        Script()
        .add(4, still(), front_cam())
        .add(1, still(), front_cam(yaw_deg=45))
        .add(4, still(), side_cam())
    )
    speaker = SilentSpeaker()
    counters: list[str] = []

    def tap(canvas, overlay) -> None:
        if overlay.counter is not None and (not counters or counters[-1] != overlay.counter.text):
            counters.append(overlay.counter.text)

    outcome = run_script(script, [posture], tmp_path, speaker=speaker, tap=tap)

    assert states_of(outcome, "fake_posture") == FLOW
    assert "now turn sideways" in speaker.said
    assert counters[0] == "1/2  HOLD 0 / 1 s" and "2/2  HOLD 0 / 1 s" in counters
    result_at = next(t.t_s for t in outcome.transitions if t.target == "result")
    assert result_at > 5.0  # the second hold only counts once the person is sideways


def test_time_limit_stops_a_capture_whose_goal_is_never_reached(
    fake_registry, tmp_path: Path
) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=5, duration_s=3.0))
    outcome = run_script(Script().add(10, still(), side_cam()), [squat], tmp_path)
    result = next(t for t in outcome.transitions if t.target == "result")
    assert result.why == "time limit reached"
    assert outcome.records[0].complete


def test_nobody_in_the_capture_gives_a_not_measurable_result(fake_registry, tmp_path: Path) -> None:
    (hold,) = fake_registry(fake_protocol("fake_hold", view="side", duration_s=1.0))
    # in position 0.5-1.0 s, countdown 1.0-1.5 s; the person leaves at 1.2 s (within the grace)
    script = Script().add(1.2, still(), side_cam()).nobody(3)
    timing = SessionTiming(
        instruct_s=0.5,
        instruct_per_word_s=0,
        ready_hold_s=0.5,
        countdown_s=0.5,
        result_s=0.5,
        done_s=0,
    )
    outcome = run_script(script, [hold], tmp_path, timing=timing)
    (record,) = outcome.records
    assert record.result.status == "not_measurable"
    assert record.result.reasons and "nobody" in record.result.reasons[0]
    assert (tmp_path / "fake_hold" / "fake_hold_angles.csv").is_file()


def test_save_video_writes_the_raw_capture(fake_registry, tmp_path: Path) -> None:
    (squat,) = fake_registry(fake_protocol("fake_squat", reps=1))
    outcome = run_script(squat_script(), [squat], tmp_path, save_video=True)
    video = tmp_path / "fake_squat" / "fake_squat_video.mp4"
    assert outcome.records[0].files["video"] == "fake_squat/fake_squat_video.mp4"
    cap = cv2.VideoCapture(str(video))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    seq = PoseSequence.from_npz(tmp_path / "fake_squat" / "fake_squat_landmarks.npz")
    assert frames == seq.n_frames
    assert not list((tmp_path / "fake_squat").glob(".*partial*"))


def test_real_posture_protocol_on_a_synthetic_person(tmp_path: Path) -> None:
    """The registry's own posture test, guided live: front then side, baseline recorded."""
    posture = get_protocol("posture")
    hip_hike = 4.0
    script = (
        Script()
        .add(9, still(pelvic_obliquity_deg=hip_hike), front_cam())
        .add(1, still(pelvic_obliquity_deg=hip_hike), front_cam(yaw_deg=45))
        .add(8, still(pelvic_obliquity_deg=hip_hike), side_cam())
    )
    timing = SessionTiming(
        instruct_s=0.5,
        instruct_per_word_s=0,
        ready_hold_s=0.5,
        countdown_s=1.0,
        result_s=0.5,
        done_s=0,
    )
    outcome = run_script(script, [posture], tmp_path, timing=timing)

    assert states_of(outcome, "posture") == FLOW
    result = outcome.records[0].result
    # pelvic obliquity keeps ±3° only within 5° of the front, less than the camera-angle
    # estimate's margin: never reported from one camera (docs/validation.md), never a baseline
    obliquity = result.metric("pelvic_obliquity")
    assert obliquity.status == "not_measurable" and obliquity.value is None
    assert "single camera" in (obliquity.reason or "")
    assert result.metric("trunk_lateral_lean").status == "ok"
    assert result.metric("trunk_inclination").status == "ok"
    baseline = load_session(tmp_path).baseline
    assert "pelvic_obliquity" not in baseline
    assert baseline["trunk_lateral_lean"] == pytest.approx(
        result.metric("trunk_lateral_lean").value
    )


def test_unknown_test_is_refused_before_anything_starts(fake_registry, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown test"):
        run_assess(AssessConfig(tests=["no_such_test"], display="none", out_dir=tmp_path))
    assert not tmp_path.joinpath("results.json").exists()


def test_a_live_result_with_nothing_graded_does_not_say_no_findings() -> None:
    """Standing still through the squat step: 0 reps. The card and the voice say nothing could
    be graded (they said "no findings", which reads as a clean bill), with the warning tone; a
    graded result without findings still says "no findings"."""
    from hipsight.live.measure import Measured
    from hipsight.live.plan import Step
    from hipsight.live.session import result_card, spoken_result
    from hipsight.results import MetricValue, TestResult

    step = Step(get_protocol("squat"), None, 1, 1)
    ungraded = TestResult(
        test="squat",
        title="Bodyweight squat",
        view_required="side",
        view_detected="side",
        status="partial",
        reasons=("no squat reps found",),
        metrics=(MetricValue.measured("rep_count", None, 0.0, "count", 0.9, 150),),
    )
    card = result_card(step, Measured(ungraded, None), True, 5.0)
    assert "no findings" not in card.lines and card.tone == "warn"
    assert any("nothing graded" in line for line in card.lines)
    assert spoken_result(step, ungraded) == "Bodyweight squat: nothing could be graded."

    depth = MetricValue.measured("hip_flexion", None, 110.0, "deg", 0.9, 150, "squat_depth")
    graded = dataclasses.replace(ungraded, metrics=(*ungraded.metrics, depth))
    card = result_card(step, Measured(graded, None), True, 5.0)
    assert "no findings" in card.lines and card.tone == "result"
    assert spoken_result(step, graded) == "Bodyweight squat done: no findings."
