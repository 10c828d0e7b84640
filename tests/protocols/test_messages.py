"""Every sentence a protocol shows (reasons, notes, findings, the terminal block), rendered on
representative synthetic recordings and on their NaN twins, is checked for the classes of
error found by reading them: a wrong article, "1 <plural>", doubled words, "deg" or "count" as
a printed unit, a negative zero, metric ids instead of words, "(s)", and a tolerance of 0°
rendered as an angle."""

from __future__ import annotations

import re
from functools import cache

import pytest

from hipsight.findings.engine import grade, graded
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.swaps import repair_side_swaps
from hipsight.kinematics.view import ViewTolerance
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.gates import view_reason
from hipsight.protocols.registry import all_protocols, get_protocol
from hipsight.results import TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    smooth_ramp,
    time_axis,
    with_noise,
)
from hipsight.textreport import format_test_result
from synthetic_cases import frontal_pose, nan_twin, sagittal_pose

FLOOR = (0.0, 0.3, 0.0)
CHAIR = (0.0, 0.6, 0.0)


@cache
def recordings() -> dict[str, SyntheticSequence]:
    """Each protocol's own movement in its view (and in the other one), odd movements, stillness
    with noise; every one also with a NaN twin (a short and a long gap)."""
    t6, t10, t12 = time_axis(6.0), time_axis(10.0), time_axis(12.0)
    lift = smooth_ramp(t12, 0, 1, 2.0, 3.5) - smooth_ramp(t12, 0, 1, 9.0, 10.5)
    base = {
        "squat side": make_sequence(motions.squat(t10), side_camera(), jitter_px=0.5),
        "squat front": make_sequence(motions.squat(t10), front_camera(), jitter_px=0.5),
        "one short squat": make_sequence(motions.squat(time_axis(3.5)), side_camera()),
        "hip extension": make_sequence(
            motions.standing_hip_extension(t10, "left", extension_deg=15.0), side_camera()
        ),
        "bridge": make_sequence(motions.bridge(t12, profile=lift), side_camera(target=FLOOR)),
        "thomas": make_sequence(motions.thomas_test(t10), side_camera()),
        "hip rotation": make_sequence(motions.seated_hip_rotation(t12), front_camera(target=CHAIR)),
        "single-leg stance": make_sequence(motions.single_leg_stance(t10), front_camera()),
        "sagittal side": make_sequence(sagittal_pose(t6), side_camera()),
        "sagittal front": make_sequence(sagittal_pose(t6), front_camera()),
        "frontal front": make_sequence(frontal_pose(t6), front_camera()),
        "still side": with_noise(make_sequence(Pose(), side_camera(), n_frames=150), 3.0),
        "still front": with_noise(make_sequence(Pose(), front_camera(), n_frames=150), 3.0),
    }
    return {**base, **{f"{name} (NaN twin)": nan_twin(syn) for name, syn in base.items()}}


@cache
def measured(test_id: str, name: str) -> TestResult:
    seq = repair_side_swaps(recordings()[name].sequence)
    result = get_protocol(test_id).measure(seq, compute_angles(seq), MeasureContext())
    return grade(result, recording_s=seq.covered_s)


def texts(result: TestResult) -> list[str]:
    """Every sentence of the result a person reads."""
    out = [*result.reasons, *result.notes]
    out += [m.reason for m in result.metrics if m.reason]
    out += [f.message for f in result.findings] + [f.norm_text for f in result.findings]
    out.append(format_test_result(result))
    return out


# Consonant-sounding words spelt with a vowel, vowel-sounding ones spelt with a consonant.
A_BEFORE = re.compile(r"\b[Aa] (?!one\b|once\b|uni|use|usu|eu)([aeiouAEIOU]\w*|8\S*|11\b|18\b)")
AN_BEFORE = re.compile(r"\b[Aa]n (?!hour|honest|FPPA|MDC|RMS|LBP|8|11\b|18\b)([^aeiouAEIOU\s]\w*)")
SINGULAR_S = {"is", "was", "has", "this", "its", "thus", "plus", "class", "process", "basis"}
ONE_PLURAL = re.compile(r"(?<![\d.,\-−])\b1 ((?:valid |more |still )?([a-z]{2,}s))\b")
DOUBLED = re.compile(r"\b([A-Za-z]+) \1\b", re.IGNORECASE)
DEG_UNIT = re.compile(r"\d deg\b|\d deg/s|\} deg\b")
COUNT_UNIT = re.compile(r"\d count\b")
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?:\.0+)?(?![\d.]*[1-9])(?=[^\d.]|$)")
METRIC_ID = re.compile(r"(?<![\w'\[\"`.])[a-z]+_[a-z_]+(?![\w'\]\"`])")
ZERO_TOLERANCE = re.compile(r"up to 0° off")


def grammar_errors(text: str) -> list[str]:
    found = [f"article: {m.group(0)!r}" for m in A_BEFORE.finditer(text)]
    found += [f"article: {m.group(0)!r}" for m in AN_BEFORE.finditer(text)]
    found += [
        f"one, plural: {m.group(0)!r}"
        for m in ONE_PLURAL.finditer(text)
        if m.group(2) not in SINGULAR_S
    ]
    found += [f"doubled word: {m.group(0)!r}" for m in DOUBLED.finditer(text)]
    found += [f"unit 'deg': {m.group(0)!r}" for m in DEG_UNIT.finditer(text)]
    found += [f"unit 'count': {m.group(0)!r}" for m in COUNT_UNIT.finditer(text)]
    found += [f"negative zero: {m.group(0)!r}" for m in NEGATIVE_ZERO.finditer(text)]
    found += [f"metric id: {m.group(0)!r}" for m in METRIC_ID.finditer(text)]
    found += [f"'(s)': {text!r}" for _ in range(text.count("(s)"))]
    found += [f"0° tolerance: {m.group(0)!r}" for m in ZERO_TOLERANCE.finditer(text)]
    if re.search(r"\bnan\b|\bNone\b", text):
        found.append(f"missing number: {text!r}")
    return found


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("needs a oblique view", "article"),
        ("the recording showed an side view", "article"),
        ("a 8.0 s hold, needs 10 s", "article"),
        ("only 1 valid strides of the left leg", "one, plural"),
        ("1 strides", "one, plural"),
        ("it needs needs 2 reps", "doubled word"),
        ("the thigh never went back by 2.0 deg or more", "unit 'deg'"),
        ("   3 count  quality 0.9", "unit 'count'"),
        ("the knees flexed only -0° (need 20°)", "negative zero"),
        ("too few valid frames for hold_sag: 6 of 24", "metric id"),
        ("2 finding(s)", "'(s)'"),
        ("stays within ±9° only up to 0° off it", "0° tolerance"),
    ],
)
def test_the_checks_catch_each_class_of_error(text: str, error: str) -> None:
    assert any(found.startswith(error) for found in grammar_errors(text)), grammar_errors(text)


@pytest.mark.parametrize(
    "text",
    [
        "needs an oblique view; a side view; an 8.0 s hold; a 1.5 s hold; a one-leg hold",
        "1 valid stride of the left leg, 2 strides; 1 s; 0.1 strides; 11 reps",
        "camera about 1° off the front view; -0.5°; 10°",
        "pass it as baseline['pelvic_tilt_estimate']",
        "an FPPA; knee FPPA may read up to 2° low",
    ],
)
def test_the_checks_pass_good_sentences(text: str) -> None:
    assert grammar_errors(text) == []


@pytest.mark.parametrize("test_id", [p.id for p in all_protocols()])
def test_every_message_of_a_protocol_reads_correctly(test_id: str) -> None:
    errors = {}
    for name in recordings():
        for text in texts(measured(test_id, name)):
            if found := grammar_errors(text):
                errors[text] = (name, found)
    assert errors == {}


def test_the_recordings_reach_refusals_notes_and_findings() -> None:
    """The sweep above is only as good as what it renders: it must see each kind of message."""
    results = [measured(p.id, name) for p in all_protocols() for name in recordings()]
    reasons = [m.reason for r in results for m in r.metrics if m.reason]
    assert len(set(reasons)) > 40
    assert any(r.findings for r in results) and any(r.notes for r in results)
    assert any("too few valid frames" in reason for reason in reasons)
    assert any("candidate" in note for r in results for note in r.notes)


def test_within_the_reference_ranges_is_said_only_of_graded_values() -> None:
    """A recording whose test found nothing to grade (stillness as a squat: 0 reps) must not
    read as a clean bill; it says no value with a reference range was measured."""
    said = {}
    for test_id in (p.id for p in all_protocols()):
        for name in recordings():
            result = measured(test_id, name)
            if result.findings or result.status == "not_measurable":
                continue
            within = "within the reference ranges" in format_test_result(result)
            said[(test_id, name)] = (graded(result), within)
    assert {graded for graded, _ in said.values()} == {True, False}  # both kinds were seen
    assert all(graded == within for graded, within in said.values()), said


def test_a_test_with_only_a_count_of_zero_says_nothing_was_graded() -> None:
    result = measured("squat", "still side")
    assert result.status != "not_measurable" and not graded(result)
    assert "no findings: no value with a reference range was measured to grade." in (
        format_test_result(result)
    )


# ------------------------------------------------------------ the knee FPPA refusal (issue 14)

FPPA = get_protocol("squat").metric_spec("knee_fppa").view_tolerance


def test_the_fppa_refusal_at_squat_depth_says_no_camera_angle_helps() -> None:
    assert FPPA is not None
    text = view_reason(8.0, 17.0, "left knee FPPA", FPPA, knee_flexion_deg=85.0)
    assert "up to 0°" not in text
    assert text == (
        "camera about 8° off the front view (the estimate may be 17° short); left knee FPPA "
        "cannot be measured from a single camera with the knee flexed more than 60° (median 85° "
        "in these frames): seen even slightly off the front view, a bent knee looks like valgus"
    )


def test_the_fppa_refusal_names_the_limit_at_the_knee_flexion_of_its_frames() -> None:
    assert FPPA is not None
    text = view_reason(20.0, 5.0, "left knee FPPA", FPPA, knee_flexion_deg=25.0)
    assert text == (
        "camera about 20° off the front view (the estimate may be 5° short); left knee FPPA "
        "stays within ±9° only up to 17° off it at this knee flexion (median 25°) (face the "
        "camera (or turn your back to it))"
    )
    unknown = view_reason(20.0, 5.0, "left knee FPPA", FPPA, knee_flexion_deg=float("nan"))
    assert "cannot be measured from this view" in unknown and "unknown" in unknown


def test_a_zero_tolerance_is_not_rendered_as_an_angle() -> None:
    sag = ViewTolerance("side", 0.0, 2.0)
    text = view_reason(1.0, 4.0, "sag during the hold", sag)
    assert text.endswith(
        "sag during the hold misses its ±2° even from exactly the side view, so it cannot be "
        "measured reliably from a single camera"
    )


def test_a_deep_front_view_squat_refuses_the_fppa_with_the_true_reason() -> None:
    result = measured("squat", "squat front")
    fppa = [m for m in result.metrics if m.metric in ("knee_fppa", "knee_fppa_sd")]
    assert fppa and all(m.status == "not_measurable" for m in fppa)
    reasons = {m.reason or "" for m in fppa}
    for reason in reasons:
        assert "up to 0°" not in reason
        assert "at this knee flexion (median" in reason or "knee flexed more than 60°" in reason
        assert reason.endswith("cannot be measured reliably from a single camera") or (
            "cannot be measured from a single camera with the knee flexed" in reason
        )
