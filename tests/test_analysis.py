"""Offline analysis orchestration: options, low frame rates, tests and the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import hipsight
from hipsight.analysis import AnalysisOptions, choose_cutoff, choose_subject_policy
from hipsight.errors import InputError, NoPersonError
from hipsight.samples.synthetic import Pose, make_sequence, side_camera, sinusoid, time_axis
from hipsight.session.reader import load_session
from hipsight.session.summary import read_summary


def test_choose_cutoff_lowers_the_filter_for_low_frame_rates() -> None:
    assert choose_cutoff(6.0, 30.0) == (6.0, ())
    cutoff, notes = choose_cutoff(6.0, 10.0)
    assert cutoff == pytest.approx(4.0) and "too low" in notes[0]
    assert choose_cutoff(None, 10.0) == (None, ())


def test_subject_policy_follows_the_test() -> None:
    assert choose_subject_policy(AnalysisOptions()) == "visible"
    assert choose_subject_policy(AnalysisOptions(test="gait")) == "moving"
    assert choose_subject_policy(AnalysisOptions(test="gait", subject="largest")) == "largest"
    with pytest.raises(InputError, match="unknown test"):
        choose_subject_policy(AnalysisOptions(test="yoga"))


def test_python_api_measures_a_test_without_writing(tmp_path: Path) -> None:
    t = time_axis(8.0)
    walk = make_sequence(
        Pose(
            left_hip_flexion_deg=sinusoid(t, -15, 25, 1.1),
            right_hip_flexion_deg=sinusoid(t, -15, 25, 1.1, phase_deg=180),
            left_knee_flexion_deg=sinusoid(t, 5, 60, 1.1, phase_deg=90),
            right_knee_flexion_deg=sinusoid(t, 5, 60, 1.1, phase_deg=270),
        ),
        side_camera(),
        t=t,
    )
    npz = walk.sequence.save_npz(tmp_path / "walk_landmarks.npz")
    analysis = hipsight.analyze(npz, test="gait")
    assert analysis.result is not None
    value = analysis.result.metric("peak_hip_extension", "left")
    assert value.status == "ok" and value.value == pytest.approx(15.0, abs=2.0)
    assert analysis.outputs == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk_landmarks.npz"]


def test_results_json_is_written_beside_the_csv(tmp_path: Path) -> None:
    t = time_axis(3.0)
    seq = make_sequence(
        Pose(left_knee_flexion_deg=sinusoid(t, 0, 20, 1.5)), side_camera(), t=t
    ).sequence
    npz = seq.save_npz(tmp_path / "in" / "still_landmarks.npz")
    analysis = hipsight.analyze(npz, test="posture", out_dir=tmp_path / "out")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["schema"] == "hipsight.results"
    assert results["tests"][0]["test"] == "posture"
    assert results["tests"][0]["files"]["csv"] == "still_angles.csv"
    assert analysis.outputs["results"] == tmp_path / "out" / "results.json"
    # what analyze writes fits the declared schemas, with nothing unknown
    summary, notes = read_summary(tmp_path / "out" / "summary.json")
    assert notes == () and summary.n_frames == seq.n_frames
    assert [s.name for s in summary.processing_steps][-1] == "view_gate"
    warnings: list[str] = []
    session = load_session(tmp_path / "out", warn=warnings.append)
    assert warnings == [] and session.tests[0].processing == analysis.angles.provenance


def test_sequence_without_anybody_is_refused(tmp_path: Path) -> None:
    seq = make_sequence(Pose(), side_camera(), n_frames=10).sequence
    empty = seq.with_image_xy(np.full_like(seq.image_xy, np.nan), "blank")
    npz = empty.save_npz(tmp_path / "nobody_landmarks.npz")
    with pytest.raises(NoPersonError, match="no person found"):
        hipsight.analyze(npz)


def test_person_is_recorded_and_the_report_compares_sessions(tmp_path: Path, capsys) -> None:
    from hipsight.cli import main
    from hipsight.session.reader import load_session

    t = time_axis(3.0)
    seq = make_sequence(Pose(), side_camera(), t=t).sequence
    npz = seq.save_npz(tmp_path / "still_landmarks.npz")
    for run in ("a", "b"):
        argv = [
            "analyze",
            str(npz),
            "--test",
            "posture",
            "--person",
            "<Ann>",
            "--out",
            str(tmp_path / run),
        ]
        assert main([*argv, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "report:" in out
    assert load_session(tmp_path / "b").person == "<Ann>"
    html = (tmp_path / "b" / "report.html").read_text()
    assert "&lt;Ann&gt;" in html and "<Ann>" not in html
    first = load_session(tmp_path / "a").session_id
    assert "Compared with the session of" in html and first in html


def test_posture_reports_tilt_change_from_the_persons_baseline(tmp_path: Path, capsys) -> None:
    """calibrate stance stores the neutral standing; posture then reports the change from it."""
    from hipsight.cli import main

    t = time_axis(4.0)
    neutral = make_sequence(Pose(), side_camera(), t=t).sequence.save_npz(tmp_path / "n.npz")
    assert (
        main(["calibrate", "stance", "--person", "ann", "--video", str(neutral), "--view", "side"])
        == 0
    )
    tilted = make_sequence(Pose(trunk_flexion_deg=6.0), side_camera(), t=t).sequence
    npz = tilted.save_npz(tmp_path / "t_landmarks.npz")
    analysis = hipsight.analyze(npz, test="posture", person="ann")
    assert analysis.result is not None
    change = analysis.result.metric("pelvic_tilt_change")
    assert change.status == "ok" and change.value == pytest.approx(6.0, abs=1.0)
    assert "left_hip_flexion" in analysis.summary["baseline"]
    # without a stored baseline there is no change to report
    alone = hipsight.analyze(npz, test="posture", person="bob")
    assert not [m for m in alone.result.metrics if m.metric == "pelvic_tilt_change"]
    capsys.readouterr()


def test_summary_names_the_leg_the_protocols_measure(tmp_path: Path) -> None:
    from hipsight.protocols.base import MeasureContext
    from hipsight.protocols.common import near_leg

    # filmed from the right: both legs equally visible (synthetic), the right knee nearer
    seq = make_sequence(Pose(), side_camera("right"), t=time_axis(2.0)).sequence
    analysis = hipsight.analyze(seq.save_npz(tmp_path / "right_landmarks.npz"))
    assert analysis.summary["side"]["analysed"] == "right"
    assert analysis.summary["side"]["near_camera"] == "right"
    assert near_leg(seq, MeasureContext()) == "right"


def test_a_stored_height_gives_the_hip_shift_in_centimetres(tmp_path: Path, capsys) -> None:
    """With the person's height from `calibrate stance`, squat reports the shift in cm too."""
    from hipsight.cli import main
    from hipsight.samples.synthetic import front_camera
    from protocols.test_squat import squat_sequence

    camera = front_camera(target=(0.0, 0.5, 0.0), distance_m=5.0, focal_px=2300.0)
    standing = make_sequence(Pose(), camera, t=time_axis(4.0)).sequence
    stance = standing.save_npz(tmp_path / "stand_landmarks.npz")
    args = ["calibrate", "stance", "--person", "cm", "--video", str(stance), "--view", "front"]
    assert main([*args, "--height-cm", "175"]) == 0
    synthetic = squat_sequence(camera, knee=70.0, shank=25.0, trunk=20.0, shift_deg=6.0)
    npz = synthetic.sequence.save_npz(tmp_path / "squat_landmarks.npz")

    measured = hipsight.analyze(npz, test="squat", person="cm").result
    anonymous = hipsight.analyze(npz, test="squat").result

    assert measured is not None and anonymous is not None
    shift = measured.metric("lateral_hip_shift").value
    points = synthetic.landmarks_lab
    hip_m = (points[:, 23, 1] + points[:, 24, 1]) / 2 - (points[:, 27, 1] + points[:, 28, 1]) / 2
    expected_cm = shift * hip_m.max() * 100.0  # the ratio times the true standing hip height
    assert measured.metric("lateral_hip_shift_cm").value == pytest.approx(expected_cm, abs=1.0)
    assert not [m for m in anonymous.metrics if m.metric == "lateral_hip_shift_cm"]
    # the stored height also reaches the perspective note (no assumed stature)
    note = next(n for n in measured.notes if "Camera about" in n)
    assert "m tall" not in note and "field of view" in note
    assert any("1.70 m tall" in n for n in anonymous.notes)
    capsys.readouterr()
