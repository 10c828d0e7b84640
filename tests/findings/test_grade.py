"""grade(): minimum evidence, measurement error in every threshold, implausible values, wording.

Each case is a hand-built TestResult, as a protocol returns it (metrics and rep segments), so the
numbers can be checked by hand against norms.toml.
"""

from __future__ import annotations

import pytest

from hipsight.findings.engine import grade, load_norms
from hipsight.results import MetricValue, Segment, SideName, TestResult


def _metric(
    metric: str, side: SideName | None, value: float, unit: str = "deg", n_frames: int = 30
) -> MetricValue:
    return MetricValue.measured(metric, side, value, unit, quality=0.9, n_frames=n_frames)


def _result(test: str, metrics: list[MetricValue], segments: list[Segment]) -> TestResult:
    return TestResult(
        test=test,
        title=test,
        view_required="front",
        view_detected="front",
        status="measured",
        reasons=(),
        metrics=tuple(metrics),
        segments=tuple(segments),
    )


def _squat_reps(per_rep: list[tuple[float | None, float | None]]) -> list[Segment]:
    """Rep segments as the squat writes them: no side, ``left_knee_fppa``/``right_knee_fppa``."""
    return [
        Segment(
            "rep",
            k,
            30 * k,
            30 * k + 30,
            float(k),
            float(k) + 1.0,
            None,
            {"depth": 0.3, "left_knee_fppa": left, "right_knee_fppa": right},
        )
        for k, (left, right) in enumerate(per_rep)
    ]


def _fppa(left: float, right: float, reps: list[tuple[float | None, float | None]]) -> TestResult:
    metrics = [_metric("knee_fppa", "left", left, n_frames=8), _metric("knee_fppa", "right", right)]
    return _result("squat", metrics, _squat_reps(reps))


def _ids(result: TestResult) -> set[str]:
    return {f.id for f in result.findings}


# ============================================================================ minimum evidence


def test_one_short_rep_with_a_large_fppa_difference_is_no_finding_and_a_note() -> None:
    # the clip of issue 10: one 1.1 s rep, 22 deg apart
    graded = grade(_fppa(25.0, 3.0, [(25.0, 3.0)]))

    assert graded.findings == ()
    assert "asymmetry of knee FPPA not assessed: 1 valid rep per side, needs 2 reps" in graded.notes
    assert "left knee FPPA not compared with its norm: 1 valid rep, needs 2 reps" in graded.notes
    assert graded.metric("knee_fppa", "left").n_reps == 1  # the count is kept in the result


def test_a_rep_without_a_value_does_not_count() -> None:
    graded = grade(_fppa(25.0, 3.0, [(25.0, 3.0), (None, 3.0)]))

    assert graded.findings == ()
    assert "asymmetry of knee FPPA not assessed: left: 1 valid rep, needs 2 reps" in graded.notes
    assert graded.metric("knee_fppa", "right").n_reps == 2


def test_two_valid_reps_each_side_beyond_limit_and_error_are_findings() -> None:
    # 22 deg apart > 0 deg limit + 9 deg smallest detectable difference; left 25 > 0 + 9
    graded = grade(_fppa(25.0, 3.0, [(24.0, 3.0), (26.0, 3.0)]))

    assert _ids(graded) == {"squat.knee_fppa.left", "squat.knee_fppa.asymmetry"}
    asymmetry = next(f for f in graded.findings if f.id.endswith("asymmetry"))
    assert asymmetry.value == pytest.approx(22.0)
    assert "9° measurement error" in asymmetry.norm_text
    assert not [n for n in graded.notes if "not assessed" in n or "not compared" in n]


def test_invalid_strides_do_not_count() -> None:
    strides = [
        Segment("stride", k, 30 * k, 30 * k + 30, float(k), k + 1.0, "left",
                {"peak_hip_extension": 2.0, "hip_flexion_range": 35.0, "valid": valid})
        for k, valid in enumerate([1.0, 1.0, 0.0, 0.0])
    ]  # fmt: skip
    result = _result("gait", [_metric("peak_hip_extension", "left", 2.0)], strides)

    graded = grade(result)

    assert graded.findings == ()
    assert graded.notes == (
        "left peak hip extension not compared with its norm: 2 valid strides, needs 3 strides",
    )


def test_a_short_hold_is_not_enough_for_a_pelvic_drop() -> None:
    def hold(side: SideName, seconds: float, drop: float) -> Segment:
        return Segment("hold", 0, 0, 60, 1.0, 1.0 + seconds, side, {"pelvic_drop": drop})

    metrics = [_metric("pelvic_drop", "left", 12.0), _metric("pelvic_drop", "right", 0.0)]
    graded = grade(
        _result("single_leg_stance", metrics, [hold("left", 2.0, 12.0), hold("right", 8.0, 0.0)])
    )

    assert graded.findings == ()
    assert "left pelvic drop not compared with its norm: a 2.0 s hold, needs 3 s" in graded.notes
    assert "asymmetry of pelvic drop not assessed: left: a 2.0 s hold, needs 3 s" in graded.notes


def test_an_unknown_rep_count_is_not_guessed() -> None:
    result = _result("squat", [_metric("knee_fppa", "left", 25.0)], [])

    graded = grade(result)

    assert graded.findings == ()
    assert graded.notes == (
        "left knee FPPA not compared with its norm: "
        "number of valid reps not recorded, needs 2 reps",
    )


# ============================================================================ measurement error


@pytest.mark.parametrize(
    ("internal_rotation", "found"),
    [(25.0, False), (23.7, False), (23.5, True), (15.0, True)],
)
def test_a_value_within_the_error_of_its_threshold_is_no_finding(
    internal_rotation: float, found: bool
) -> None:
    # IR norm >= 30 deg with a 6.4 deg error (MDC95 9 deg / sqrt(2)): a finding below 23.6
    value = MetricValue.measured(
        "internal_rotation", "left", internal_rotation, "deg", 0.9, 30, n_reps=1
    )
    graded = grade(_result("hip_rotation", [value], []))

    assert ("hip_rotation.internal_rotation.left" in _ids(graded)) is found


def test_fppa_within_its_smallest_detectable_difference_is_no_finding() -> None:
    graded = grade(_fppa(8.5, 0.0, [(8.5, 0.0), (8.5, 0.0)]))
    assert graded.findings == ()  # 8.5 deg from neutral and from the other knee: below 9


def test_ir_below_er_needs_more_than_the_error_of_two_measurements() -> None:
    def rotation(ir: float, er: float) -> TestResult:
        metrics = [
            MetricValue.measured("internal_rotation", "left", ir, "deg", 0.9, 30, n_reps=1),
            MetricValue.measured("external_rotation", "left", er, "deg", 0.9, 30, n_reps=1),
        ]
        return _result("hip_rotation", metrics, [])

    # 5 deg normal difference + 9 deg error of a difference of two values
    assert not _ids(grade(rotation(36.0, 48.0)))
    assert "hip_rotation.internal_below_external.left" in _ids(grade(rotation(36.0, 52.0)))


def test_every_threshold_states_its_error_and_source() -> None:
    for norm in load_norms().norms.values():
        if norm.rule != "descriptive":
            assert norm.error_source, norm.id
            assert norm.margin > 0, norm.id
            assert norm.difference_margin() >= norm.margin, norm.id


# ============================================================================ plausibility


def test_an_implausible_gait_extension_is_not_measurable_and_no_finding() -> None:
    strides = [
        Segment("stride", k, 30 * k, 30 * k + 30, float(k), k + 1.0, "left",
                {"peak_hip_extension": 40.0, "hip_flexion_range": 45.0, "valid": 1.0})
        for k in range(4)
    ]  # fmt: skip
    metrics = [
        _metric("peak_hip_extension", "left", 40.0),
        _metric("peak_hip_extension", "right", 15.0),
    ]
    graded = grade(_result("gait", metrics, strides))

    value = graded.metric("peak_hip_extension", "left")
    assert value.status == "not_measurable" and value.value is None and value.quality == 0.0
    assert value.reason is not None
    assert value.reason.startswith("implausible measurement: gait left peak hip extension 40°")
    assert "(plausible range -30° to 35°" in value.reason
    assert value.reason.endswith("check the camera view and that one person is in view")
    assert graded.findings == ()
    assert graded.status == "partial" and value.reason in graded.reasons


def test_the_limping_walk_of_issue_10_is_flagged_not_found() -> None:
    metrics = [
        _metric("hip_flexion_range", "left", 64.9),
        _metric("hip_flexion_range", "right", 22.4),
    ]
    graded = grade(_result("gait", metrics, []))

    assert graded.metric("hip_flexion_range", "left").status == "not_measurable"
    assert graded.metric("hip_flexion_range", "right").status == "ok"
    assert not [f for f in graded.findings if f.id.endswith("asymmetry")]


def test_every_normed_metric_has_a_plausible_range() -> None:
    book = load_norms()
    for norm in book.norms.values():
        if norm.rule != "descriptive":
            assert book.plausible_range(norm.test, norm.metric) is not None, norm.id


def test_a_hold_longer_than_the_recording_is_implausible() -> None:
    hold = MetricValue.measured("hold_time", "left", 40.0, "s", 0.9, 1200)
    graded = grade(_result("single_leg_stance", [hold], []), recording_s=30.0)

    value = graded.metric("hold_time", "left")
    assert value.status == "not_measurable"
    assert "longer than the recording (30.0 s)" in (value.reason or "")
    assert graded.status == "not_measurable" and graded.findings == ()


# ============================================================================ evidence grades


def test_gait_findings_say_the_meta_analysis_found_no_consistent_difference() -> None:
    book = load_norms()
    for name in ("gait_hip_extension", "gait_hip_flexion_range"):
        norm = book.norms[name]
        assert norm.evidence == "VL"
        assert "no consistent difference" in norm.lbp_link
        assert "Smith JA" in norm.lbp_source and "2022" in norm.lbp_source


def test_a_gait_finding_carries_the_wording_and_both_sources() -> None:
    strides = [
        Segment("stride", k, 30 * k, 30 * k + 30, float(k), k + 1.0, "left",
                {"peak_hip_extension": 1.0, "valid": 1.0})
        for k in range(3)
    ]  # fmt: skip
    graded = grade(_result("gait", [_metric("peak_hip_extension", "left", 1.0)], strides))

    [finding] = graded.findings
    assert finding.evidence == "VL" and "no consistent difference" in finding.lbp_link
    assert "Perry" in finding.source and "Smith JA" in finding.source


def test_evidence_grades_match_the_reviews() -> None:
    norms = load_norms().norms
    tilt = norms["posture_pelvic_tilt"]
    assert tilt.rule == "descriptive" and "no difference" in tilt.lbp_link
    internal = norms["hip_rotation_internal"]
    assert internal.evidence == "VL" and "most consistent" in internal.lbp_link
    assert "cross-sectional" in internal.lbp_link
    assert norms["single_leg_stance_pelvic_drop"].evidence == "L"
    for name in ("thomas_thigh_above_horizontal", "thomas_knee_flexion"):
        assert norms[name].evidence == "VL", name
        assert "31.8" in norms[name].lbp_link and "57.1" in norms[name].lbp_link, name
        assert "Vigotsky" in norms[name].lbp_source, name
