"""Small pieces of the report: peak frames, change direction, labels, exercises."""

from __future__ import annotations

import numpy as np

from hipsight.findings.engine import load_norms
from hipsight.report.change import change_verdict
from hipsight.report.html import metric_cell, sentence_case, top_exercises, unique_anchors
from hipsight.report.keyframes import peak_row, rest_value
from hipsight.report.views import segment_labels, whole_degrees
from hipsight.results import Finding, MetricValue, Segment


def test_peak_is_furthest_from_rest_not_from_the_median() -> None:
    # three squats from standing (5°) to 110°: reps cover the whole recording
    t = np.arange(90) / 30.0
    values = 5 + 105 * (1 - np.cos(2 * np.pi * t / 1.0)) / 2
    reps = [Segment("rep", i, 30 * i, 30 * (i + 1), float(i), float(i + 1)) for i in range(3)]
    rest = rest_value(values, reps)
    assert rest is not None and rest < 10
    rows = [peak_row(values, s.start, s.stop, rest) for s in reps]
    assert [abs(values[r] - 110) < 1 for r in rows if r is not None] == [True, True, True]


def test_rest_comes_from_outside_the_holds() -> None:
    values = np.zeros(100)
    values[40:60] = 35.0
    values[45] = 38.0
    holds = [Segment("hold", 0, 42, 58, 1.4, 1.9, "left")]
    assert rest_value(values, holds) == 0.0
    assert peak_row(values, 42, 58, 0.0) == 45
    assert peak_row(np.full(10, np.nan), 0, 10, 0.0) is None


def test_change_direction_follows_the_norm() -> None:
    norms = load_norms().norms
    internal = norms["hip_rotation_internal"]  # higher is better
    depth = norms["squat_depth"]  # lower is better
    trunk = norms["squat_trunk_shank"]  # |value| lower is better
    assert change_verdict(31.0, 24.0, "deg", internal) == "better"
    assert change_verdict(26.0, 24.0, "deg", internal) == "no clear change"
    assert change_verdict(-2.0, 10.0, "deg", depth) == "better"
    assert change_verdict(-20.0, 8.0, "deg", trunk) == "worse"
    assert change_verdict(8.0, 20.0, "deg", None) == "changed"
    assert change_verdict(15.0, 30.0, "s", norms["single_leg_stance_hold"]) == "worse"


def test_labels_anchors_and_degrees() -> None:
    segments = [
        Segment("hold", 0, 0, 5, 0.0, 0.2, "left"),
        Segment("hold", 1, 5, 9, 0.2, 0.3, "right"),
        Segment("hold", 2, 9, 12, 0.3, 0.4, "left"),
        Segment("rep", 0, 12, 20, 0.4, 0.7),
    ]
    assert segment_labels(segments) == ["hold L 1", "hold R 1", "hold L 2", "rep 1"]
    assert unique_anchors(["squat", "squat", "../x y"]) == [
        "test-squat",
        "test-squat-2",
        "test-x-y",
    ]
    assert sentence_case("Knee angle") == "knee angle" and sentence_case("FPPA peak") == "FPPA peak"
    assert whole_degrees(-0.4) == "0°" and whole_degrees(84.6) == "85°"


def test_top_exercises_weigh_severity() -> None:
    def finding(metric: str, severity: str, exercises: tuple[str, ...]) -> Finding:
        return Finding(
            f"t.{metric}", "t", metric, None, 1.0, "deg", "", severity, "", "", "VL", exercises
        )

    book = load_norms()
    ranked = top_exercises(
        [
            finding("a", "mild", ("clamshell",)),
            finding("b", "marked", ("pigeon_pose", "clamshell")),
        ],
        book,
        {"t": "Test"},
    )
    assert [e.text for e in ranked] == [book.exercises["clamshell"], book.exercises["pigeon_pose"]]
    assert ranked[0].reasons == ("Test: a", "Test: b")


def test_a_metric_cell_shows_the_valid_reps_it_rests_on() -> None:
    counted = MetricValue.measured("knee_fppa", "left", 12.0, "deg", 0.9, 40, n_reps=3)
    assert metric_cell(counted).detail == "quality 0.90, 40 frames, 3 valid reps"
    uncounted = MetricValue.measured("knee_fppa", "left", 12.0, "deg", 0.9, 40)
    assert metric_cell(uncounted).detail == "quality 0.90, 40 frames"


def test_segment_flags_read_yes_or_no() -> None:
    from hipsight.report.html import segment_table

    segments = (
        Segment("stride", 0, 0, 30, 0.0, 1.0, "left", {"hip_flexion_range": 45.2, "valid": 1.0}),
        Segment("stride", 1, 30, 60, 1.0, 2.0, "left", {"hip_flexion_range": 64.9, "valid": 0.0}),
    )
    table = segment_table(segments)
    assert table is not None
    assert [row[-2:] for row in table.rows] == [("45.2", "yes"), ("64.9", "no")]
