"""Metrics vs norms -> findings (deficits, asymmetries), with LBP rationale and exercises.

Norms live in ``norms.toml`` beside this module: one entry per norm with its rule, threshold,
population, source and evidence grade, and relation rules between two metrics of one test (e.g.
internal rotation below external rotation). Wording is that of screening, not diagnosis.

:func:`grade` runs once, after a protocol has measured: protocols return metrics and segments,
and never grade themselves.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from hipsight.session.types import Finding, MetricValue, Severity, TestResult

Rule = Literal["min", "max", "descriptive"]


@dataclass(frozen=True)
class Norm:
    """A reference value for one metric, with where it comes from."""

    id: str
    test: str
    metric: str
    rule: Rule
    unit: str
    population: str
    source: str
    evidence: Any
    lbp_link: str
    threshold: float | None = None
    steps: tuple[float, float] = (5.0, 10.0)
    absolute: bool = False
    margin: float = 0.0  # measurement error: only values beyond threshold + margin are findings
    asymmetry: float | None = None
    exercises: tuple[str, ...] = ()

    def describe(self) -> str:
        """The norm in a few words, e.g. '>= 30 deg'."""
        if self.rule == "descriptive" or self.threshold is None:
            return "descriptive only"
        op = ">=" if self.rule == "min" else "<="
        value = f"|value| {op}" if self.absolute else op
        return f"{value} {self.threshold:g} {self.unit}"


@dataclass(frozen=True)
class Relation:
    """A rule between two metrics of one side: ``metric >= reference - margin`` (rule "min")."""

    id: str
    test: str
    metric: str
    reference: str
    norm: str  # the norm whose LBP link, evidence, exercises, source and steps the finding uses
    margin: float = 0.0


@dataclass(frozen=True)
class NormBook:
    """All norms, relation rules, exercise texts and asymmetry defaults."""

    norms: Mapping[str, Norm]
    exercises: Mapping[str, str]
    asymmetry: Mapping[str, float] = field(default_factory=dict)
    relations: tuple[Relation, ...] = ()

    def for_metric(self, test: str, metric: str) -> Norm | None:
        for norm in self.norms.values():
            if norm.test == test and norm.metric == metric:
                return norm
        return None

    def exercise_texts(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.exercises.get(i, i) for i in ids)


def parse_norms(data: Mapping[str, Any]) -> NormBook:
    """Build a NormBook from parsed TOML, validating each entry."""
    norms = {}
    for norm_id, entry in data.get("norms", {}).items():
        missing = [
            k
            for k in (
                "test",
                "metric",
                "rule",
                "unit",
                "population",
                "source",
                "evidence",
                "lbp_link",
            )
            if k not in entry
        ]
        if missing:
            raise ValueError(f"norm {norm_id!r} is missing fields {missing}")
        if entry["rule"] not in ("min", "max", "descriptive"):
            raise ValueError(
                f"norm {norm_id!r}: rule must be min, max or descriptive, got {entry['rule']!r}"
            )
        if entry["evidence"] not in ("VL", "L", "M", "EO"):
            raise ValueError(
                f"norm {norm_id!r}: evidence must be VL, L, M or EO, got {entry['evidence']!r}"
            )
        norms[norm_id] = Norm(
            id=norm_id,
            test=entry["test"],
            metric=entry["metric"],
            rule=entry["rule"],
            unit=entry["unit"],
            population=entry["population"],
            source=entry["source"],
            evidence=entry["evidence"],
            lbp_link=entry["lbp_link"],
            threshold=entry.get("threshold"),
            steps=_two_steps(entry.get("steps", (5.0, 10.0)), norm_id),
            absolute=bool(entry.get("absolute", False)),
            margin=float(entry.get("margin", 0.0)),
            asymmetry=entry.get("asymmetry"),
            exercises=tuple(entry.get("exercises", ())),
        )
    return NormBook(
        norms=norms,
        exercises=dict(data.get("exercises", {})),
        asymmetry=dict(data.get("asymmetry", {})),
        relations=parse_relations(data.get("relations", {}), norms),
    )


def parse_relations(data: Mapping[str, Any], norms: Mapping[str, Norm]) -> tuple[Relation, ...]:
    """The ``[relations.*]`` tables, each checked against the norms it names."""
    relations = []
    for relation_id, entry in data.items():
        missing = [k for k in ("test", "metric", "reference", "norm") if k not in entry]
        if missing:
            raise ValueError(f"relation {relation_id!r} is missing fields {missing}")
        if entry["norm"] not in norms:
            raise ValueError(
                f"relation {relation_id!r}: norm must be one of {sorted(norms)}, "
                f"got {entry['norm']!r}"
            )
        relations.append(
            Relation(
                id=relation_id,
                test=entry["test"],
                metric=entry["metric"],
                reference=entry["reference"],
                norm=entry["norm"],
                margin=float(entry.get("margin", 0.0)),
            )
        )
    return tuple(relations)


def _two_steps(steps: Any, norm_id: str) -> tuple[float, float]:
    values = tuple(float(v) for v in steps)
    if len(values) != 2 or not 0 < values[0] <= values[1]:
        raise ValueError(
            f"norm {norm_id!r}: steps must be two increasing positive numbers, got {steps!r}"
        )
    return values[0], values[1]


@lru_cache(maxsize=1)
def load_norms() -> NormBook:
    """The norms shipped with hipsight."""
    text = resources.files("hipsight.findings").joinpath("norms.toml").read_text(encoding="utf-8")
    return parse_norms(tomllib.loads(text))


def grade_excess(excess: float, steps: tuple[float, float]) -> Severity:
    """Severity from how far a value lies beyond its threshold."""
    if excess <= 0:
        return "none"
    if excess <= steps[0]:
        return "mild"
    return "moderate" if excess <= steps[1] else "marked"


def compare_with_norm(value: MetricValue, norm: Norm, test: str) -> Finding | None:
    """A finding when a measured value lies beyond its norm, else None."""
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
            f"{side}{value.metric.replace('_', ' ')} {value.value:g} {value.unit} is {direction} "
            f"the reference ({norm.describe()})"
        ),
        lbp_link=norm.lbp_link,
        evidence=norm.evidence,
        exercises=tuple(norm.exercises),
        source=norm.source,
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
    """A finding when left and right differ by more than ``limit``."""
    by_side = {
        v.side: v.value for v in values if v.status == "ok" and v.value is not None and v.side
    }
    if set(by_side) != {"left", "right"}:
        return None
    diff = abs(float(by_side["left"] or 0.0) - float(by_side["right"] or 0.0))
    severity = grade_excess(diff - limit, norm.steps)
    if severity == "none":
        return None
    return Finding(
        id=f"{test}.{norm.metric}.asymmetry",
        test=test,
        metric=norm.metric,
        side=None,
        value=round(diff, 2),
        unit=norm.unit,
        norm_text=f"left/right difference <= {limit:g} {norm.unit}",
        severity=severity,
        message=(
            f"{norm.metric.replace('_', ' ')} differs by {diff:.1f} {norm.unit} between sides "
            f"(left {by_side['left']:g}, right {by_side['right']:g}; limit {limit:g})"
        ),
        lbp_link=norm.lbp_link,
        evidence=norm.evidence,
        exercises=tuple(norm.exercises),
        source=norm.source,
    )


def evaluate(
    test: str,
    values: Iterable[MetricValue],
    book: NormBook | None = None,
    asymmetry: Mapping[str, float] | None = None,
) -> tuple[Finding, ...]:
    """All findings of one test: each metric against its norm, and left/right asymmetries.

    ``asymmetry`` overrides limits by metric id (e.g. ``{"knee_fppa": 9.0}``).
    """
    book = book or load_norms()
    values = list(values)
    findings: list[Finding] = []
    for value in values:
        norm = book.for_metric(test, value.metric)
        if norm is not None and (finding := compare_with_norm(value, norm, test)) is not None:
            findings.append(finding)
    for metric in sorted({v.metric for v in values if v.side}):
        norm = book.for_metric(test, metric)
        if norm is None or norm.rule == "descriptive":
            continue
        limit = (asymmetry or {}).get(metric) or asymmetry_limit(norm, book)
        if limit is not None and (
            finding := compare_sides([v for v in values if v.metric == metric], norm, test, limit)
        ):
            findings.append(finding)
    return tuple(findings)


def compare_relation(
    values: Iterable[MetricValue], relation: Relation, book: NormBook
) -> tuple[Finding, ...]:
    """Per side, a finding where ``metric`` is below ``reference`` by more than the margin."""
    norm = book.norms[relation.norm]
    found = {(v.metric, v.side): v.value for v in values if v.status == "ok" and v.side}
    findings = []
    for side in ("left", "right"):
        value = found.get((relation.metric, side))
        reference = found.get((relation.reference, side))
        if value is None or reference is None:
            continue
        severity = grade_excess(reference - value - relation.margin, norm.steps)
        if severity == "none":
            continue
        what, other = relation.metric.replace("_", " "), relation.reference.replace("_", " ")
        findings.append(
            Finding(
                id=f"{relation.test}.{relation.id}.{side}",
                test=relation.test,
                metric=relation.metric,
                side=side,
                value=value,
                unit=norm.unit,
                norm_text=(
                    f"{what} >= {other} ({reference:g} {norm.unit}) - "
                    f"{relation.margin:g} {norm.unit}"
                ),
                severity=severity,
                message=(
                    f"{side} {what} {value:g} {norm.unit} is lower than its {other} "
                    f"{reference:g} {norm.unit} by {reference - value:.1f} {norm.unit}"
                ),
                lbp_link=norm.lbp_link,
                evidence=norm.evidence,
                exercises=norm.exercises,
                source=norm.source,
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
            notes.append(f"Evidence: {norm.lbp_link} (evidence {norm.evidence}; {norm.source}).")
    return tuple(notes)


def grade(
    result: TestResult,
    asymmetry: Mapping[str, float] | None = None,
    book: NormBook | None = None,
) -> TestResult:
    """The result with its findings: each metric against its norm, left/right asymmetries and
    the relation rules; descriptive metrics get a note on their evidence instead."""
    book = book or load_norms()
    findings = evaluate(result.test, result.metrics, book, asymmetry)
    for relation in book.relations:
        if relation.test == result.test:
            findings += compare_relation(result.metrics, relation, book)
    notes = tuple(n for n in evidence_notes(result, book) if n not in result.notes)
    return replace(result, findings=findings, notes=result.notes + notes)
