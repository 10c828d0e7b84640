"""Metrics vs norms -> findings (deficits, asymmetries), with LBP rationale and exercises.

Norms live in ``norms.toml`` beside this module (:mod:`hipsight.findings.norms` reads and
validates them): one entry per norm with its rule, threshold, measurement error (``margin`` and
its ``error_source``), the evidence a value must rest on (``min_reps``, ``min_hold_s``,
``min_frames``), population, source and evidence grade; relation rules between two metrics of one
test (e.g. internal rotation below external rotation); and the range each metric can take on a
human body. Wording is that of screening, not diagnosis.

:func:`grade` runs once, after a protocol has measured: protocols return metrics and segments,
and never grade themselves. In order, it counts the valid reps behind each value, turns values
outside their plausible range into ``not_measurable`` (a failed measurement is never a finding),
then compares what is left with the norms. A finding needs the value beyond its threshold *plus*
the measurement error; an asymmetry needs the left/right difference beyond its limit plus the
error of a difference of two measurements. A comparison the evidence cannot support (too few
reps, too short a hold) is not made, and a note says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from hipsight.findings.evidence import (
    asymmetry_note,
    deficit_note,
    metric_label,
    shortfall,
    with_rep_counts,
)
from hipsight.findings.norms import (
    Norm,
    NormBook,
    Plausible,
    Relation,
    Rule,
    load_norms,
    parse_norms,
    parse_relations,
)
from hipsight.findings.plausibility import flag_implausible
from hipsight.results import (
    Finding,
    MetricValue,
    Segment,
    Severity,
    SideName,
    TestResult,
    TestStatus,
)
from hipsight.wording import quantity

__all__ = [
    "Assessment",
    "Norm",
    "NormBook",
    "Plausible",
    "Relation",
    "Rule",
    "assess",
    "asymmetry_limit",
    "compare_relation",
    "compare_sides",
    "compare_with_norm",
    "evaluate",
    "evidence_notes",
    "grade",
    "grade_excess",
    "load_norms",
    "parse_norms",
    "parse_relations",
]


@dataclass(frozen=True)
class Assessment:
    """The findings of one test's metrics, and notes on comparisons that were not made."""

    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()


def grade_excess(excess: float, steps: tuple[float, float]) -> Severity:
    """Severity from how far a value lies beyond its threshold."""
    if excess <= 0:
        return "none"
    if excess <= steps[0]:
        return "mild"
    return "moderate" if excess <= steps[1] else "marked"


def cite(norm: Norm) -> str:
    """The norm's source, and the source of its link with low back pain when it has one."""
    if not norm.lbp_source:
        return norm.source
    return f"{norm.source}. Link with low back pain: {norm.lbp_source}"


def compare_with_norm(value: MetricValue, norm: Norm, test: str) -> Finding | None:
    """A finding when a measured value lies beyond its norm by more than its measurement error.

    Evidence (reps, hold, frames) is checked by the caller (:func:`assess`).
    """
    if (
        value.status != "ok"
        or value.value is None
        or norm.rule == "descriptive"
        or norm.threshold is None
    ):
        return None
    x = abs(value.value) if norm.absolute else value.value
    excess = norm.threshold - x if norm.rule == "min" else x - norm.threshold
    severity = grade_excess(excess - norm.margin, norm.steps)
    if severity == "none":
        return None
    side = f"{value.side} " if value.side else ""
    direction = "below" if norm.rule == "min" else "above"
    error = (
        f" by more than its measurement error ({quantity(norm.margin, norm.unit)})"
        if norm.margin
        else ""
    )
    return Finding(
        id=f"{test}.{value.metric}.{value.side or 'both'}",
        test=test,
        metric=value.metric,
        side=value.side,
        value=value.value,
        unit=value.unit,
        norm_text=norm.describe(),
        severity=severity,
        message=(
            f"{side}{metric_label(value.metric)} {quantity(value.value, value.unit)} is "
            f"{direction} the reference ({norm.describe(with_error=False)}){error}"
        ),
        lbp_link=norm.lbp_link,
        evidence=norm.evidence,
        exercises=tuple(norm.exercises),
        source=cite(norm),
    )


def asymmetry_limit(norm: Norm, book: NormBook) -> float | None:
    """Side-to-side limit: the norm's own, else the default for degrees or seconds."""
    if norm.asymmetry is not None:
        return float(norm.asymmetry)
    if norm.unit == "deg":
        return float(book.asymmetry.get("rom_deg", 10.0))
    if norm.unit == "s":
        return float(book.asymmetry.get("hold_s", 10.0))
    return None


def compare_sides(
    values: Iterable[MetricValue], norm: Norm, test: str, limit: float
) -> Finding | None:
    """A finding when left and right differ by more than ``limit`` plus the error of a
    difference of two measurements (:meth:`Norm.difference_margin`)."""
    by_side = {
        v.side: v.value for v in values if v.status == "ok" and v.value is not None and v.side
    }
    if set(by_side) != {"left", "right"}:
        return None
    diff = abs(float(by_side["left"] or 0.0) - float(by_side["right"] or 0.0))
    error = norm.difference_margin()
    severity = grade_excess(diff - limit - error, norm.steps)
    if severity == "none":
        return None
    error_text = f" + {quantity(error, norm.unit)} measurement error" if error else ""
    return Finding(
        id=f"{test}.{norm.metric}.asymmetry",
        test=test,
        metric=norm.metric,
        side=None,
        value=round(diff, 2),
        unit=norm.unit,
        norm_text=f"left/right difference <= {quantity(limit, norm.unit)}{error_text}",
        severity=severity,
        message=(
            f"{metric_label(norm.metric)} differs by {quantity(diff, norm.unit, '.1f')} between "
            f"sides (left {quantity(by_side['left'] or 0.0, norm.unit)}, right "
            f"{quantity(by_side['right'] or 0.0, norm.unit)}; limit {quantity(limit, norm.unit)}"
            f"{error_text})"
        ),
        lbp_link=norm.lbp_link,
        evidence=norm.evidence,
        exercises=tuple(norm.exercises),
        source=cite(norm),
    )


def deficits(
    test: str, values: Sequence[MetricValue], segments: Sequence[Segment], book: NormBook
) -> Assessment:
    """Each value against its norm, where the evidence is enough; a note where it is not."""
    findings, notes = [], []
    for value in values:
        norm = book.for_metric(test, value.metric)
        if norm is None or norm.rule == "descriptive" or value.status != "ok":
            continue
        why = shortfall(value, norm, segments, min_reps=norm.min_reps)
        if why is not None:
            notes.append(deficit_note(value, why))
        elif (finding := compare_with_norm(value, norm, test)) is not None:
            findings.append(finding)
    return Assessment(tuple(findings), tuple(notes))


def asymmetries(
    test: str,
    values: Sequence[MetricValue],
    segments: Sequence[Segment],
    book: NormBook,
    overrides: Mapping[str, float],
) -> Assessment:
    """Left against right for each metric measured on both sides, where each side's evidence is
    enough (``asymmetry_min_reps`` per side, ``min_hold_s``, ``min_frames``)."""
    findings, notes = [], []
    for metric in sorted({v.metric for v in values if v.side}):
        norm = book.for_metric(test, metric)
        if norm is None or norm.rule == "descriptive":
            continue
        limit = overrides.get(metric) or asymmetry_limit(norm, book)
        sides = {v.side: v for v in values if v.metric == metric and v.status == "ok" and v.side}
        if limit is None or set(sides) != {"left", "right"}:
            continue
        why: dict[SideName, str] = {}
        for side, value in sides.items():
            lacking = shortfall(value, norm, segments, min_reps=norm.asymmetry_min_reps)
            if lacking is not None and side is not None:
                why[side] = lacking
        if why:
            notes.append(asymmetry_note(metric, why))
        elif (finding := compare_sides(sides.values(), norm, test, limit)) is not None:
            findings.append(finding)
    return Assessment(tuple(findings), tuple(notes))


def assess(
    test: str,
    values: Iterable[MetricValue],
    segments: Sequence[Segment] = (),
    book: NormBook | None = None,
    asymmetry: Mapping[str, float] | None = None,
) -> Assessment:
    """All findings of one test (each metric against its norm, left/right asymmetries), and a
    note for each comparison the evidence could not support.

    ``asymmetry`` overrides limits by metric id (e.g. ``{"knee_fppa": 9.0}``). Values without
    ``n_reps`` get it counted from ``segments``.
    """
    book = book or load_norms()
    values = with_rep_counts(values, segments)
    own = deficits(test, values, segments, book)
    sides = asymmetries(test, values, segments, book, asymmetry or {})
    return Assessment(own.findings + sides.findings, own.notes + sides.notes)


def evaluate(
    test: str,
    values: Iterable[MetricValue],
    book: NormBook | None = None,
    asymmetry: Mapping[str, float] | None = None,
    segments: Sequence[Segment] = (),
) -> tuple[Finding, ...]:
    """The findings of :func:`assess`, without its notes."""
    return assess(test, values, segments, book, asymmetry).findings


def compare_relation(
    values: Iterable[MetricValue], relation: Relation, book: NormBook
) -> tuple[Finding, ...]:
    """Per side, a finding where ``metric`` is below ``reference`` by more than the relation's
    margin plus the error of a difference of two measurements."""
    norm = book.norms[relation.norm]
    found = {(v.metric, v.side): v.value for v in values if v.status == "ok" and v.side}
    error = norm.difference_margin()
    findings = []
    for side in ("left", "right"):
        value = found.get((relation.metric, side))
        reference = found.get((relation.reference, side))
        if value is None or reference is None:
            continue
        severity = grade_excess(reference - value - relation.margin - error, norm.steps)
        if severity == "none":
            continue
        what, other = metric_label(relation.metric), metric_label(relation.reference)
        error_text = f" - {quantity(error, norm.unit)} measurement error" if error else ""
        findings.append(
            Finding(
                id=f"{relation.test}.{relation.id}.{side}",
                test=relation.test,
                metric=relation.metric,
                side=side,
                value=value,
                unit=norm.unit,
                norm_text=(
                    f"{what} >= {other} ({quantity(reference, norm.unit)}) - "
                    f"{quantity(relation.margin, norm.unit)}{error_text}"
                ),
                severity=severity,
                message=(
                    f"{side} {what} {quantity(value, norm.unit)} is lower than its {other} "
                    f"{quantity(reference, norm.unit)} by "
                    f"{quantity(reference - value, norm.unit, '.1f')}"
                ),
                lbp_link=norm.lbp_link,
                evidence=norm.evidence,
                exercises=norm.exercises,
                source=cite(norm),
            )
        )
    return tuple(findings)


def evidence_notes(result: TestResult, book: NormBook) -> tuple[str, ...]:
    """For metrics compared with no norm (descriptive ones), what the evidence says."""
    names = dict.fromkeys(v.norm for v in result.metrics if v.norm in book.norms)
    notes = []
    for name in names:
        norm = book.norms[name or ""]
        if norm.rule == "descriptive":
            notes.append(f"Evidence: {norm.lbp_link} (evidence {norm.evidence}; {cite(norm)}).")
    return tuple(notes)


def status_after_grading(metrics: Sequence[MetricValue], status: TestStatus) -> TestStatus:
    """The test's status after grading: ``measured`` drops to ``partial`` (or
    ``not_measurable``) when a value was found implausible."""
    ok = sum(m.status == "ok" for m in metrics)
    if ok == 0 and metrics:
        return "not_measurable"
    if status == "measured" and ok < len(metrics):
        return "partial"
    return status


def grade(
    result: TestResult,
    asymmetry: Mapping[str, float] | None = None,
    book: NormBook | None = None,
    recording_s: float | None = None,
) -> TestResult:
    """The result with its findings.

    Values outside their plausible range become ``not_measurable`` (``recording_s`` bounds hold
    times); then each metric is compared with its norm, left with right and by the relation
    rules, where the evidence suffices; descriptive metrics get a note on their evidence.
    """
    book = book or load_norms()
    counted = with_rep_counts(result.metrics, result.segments)
    metrics = flag_implausible(result.test, counted, book, recording_s)
    found = assess(result.test, metrics, result.segments, book, asymmetry)
    findings = found.findings
    for relation in book.relations:
        if relation.test == result.test:
            findings += compare_relation(metrics, relation, book)
    implausible = tuple(
        m.reason
        for m, before in zip(metrics, counted, strict=True)
        if m.reason and before.status == "ok"
    )
    graded = replace(result, metrics=metrics)
    notes = tuple(
        dict.fromkeys(
            n for n in (*found.notes, *evidence_notes(graded, book)) if n not in result.notes
        )
    )
    return replace(
        graded,
        status=status_after_grading(metrics, result.status),
        reasons=tuple(dict.fromkeys((*result.reasons, *implausible))),
        findings=findings,
        notes=result.notes + notes,
    )


def graded(result: TestResult, book: NormBook | None = None) -> bool:
    """Whether any value of ``result`` was compared with a reference range: measured, with a
    norm that is not descriptive. Without one, "no findings" says nothing about the person: a
    squat recording with no rep found measures only a count of 0, and posture's pelvic-tilt
    estimate is never compared with a norm."""
    norms = (book or load_norms()).norms
    compared = {name for name, norm in norms.items() if norm.rule != "descriptive"}
    return any(m.status == "ok" and m.norm in compared for m in result.metrics)
