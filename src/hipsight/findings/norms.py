"""The norm book: norms, relation rules, plausible ranges and exercise texts from ``norms.toml``.

Every entry is validated when the book is built: a bad entry raises ``ValueError`` naming the
entry, the field, what was expected and what was found. The fields are documented at the top of
``norms.toml`` and in docs/protocols.md (section "Findings").
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from hipsight.results import Evidence
from hipsight.wording import quantity

Rule = Literal["min", "max", "descriptive"]

RULES = ("min", "max", "descriptive")
EVIDENCE = ("VL", "L", "M", "EO")
REQUIRED = object()  # marks a field without a default


@dataclass(frozen=True)
class Norm:
    """A reference value for one metric, with where it comes from and how sure it can be."""

    id: str
    test: str
    metric: str
    rule: Rule
    unit: str
    population: str
    source: str
    evidence: Evidence
    lbp_link: str
    threshold: float | None = None
    steps: tuple[float, float] = (5.0, 10.0)
    absolute: bool = False
    margin: float = 0.0  # one measurement's error: a finding needs threshold + margin
    error_source: str = ""  # where the margin comes from
    asymmetry: float | None = None
    asymmetry_margin: float | None = (
        None  # error of a left/right difference; None: sqrt(2) x margin
    )
    min_reps: int = 0  # valid reps (strides, rotation ends) a per-side value must come from
    asymmetry_min_reps: int = 0  # ... on each side, before sides are compared
    min_hold_s: float = 0.0  # the hold a per-side value must come from, seconds
    min_frames: int = 0  # valid frames the value must come from
    lbp_source: str = ""  # citation for the link with low back pain
    exercises: tuple[str, ...] = ()

    def describe(self, *, with_error: bool = True) -> str:
        """The norm in a few words, e.g. '>= 30° (measurement error 6°)'."""
        if self.rule == "descriptive" or self.threshold is None:
            return "descriptive only"
        op = ">=" if self.rule == "min" else "<="
        value = f"|value| {op}" if self.absolute else op
        error = (
            f" (measurement error {quantity(self.margin, self.unit)})"
            if self.margin and with_error
            else ""
        )
        return f"{value} {quantity(self.threshold, self.unit)}{error}"

    def difference_margin(self) -> float:
        """The error of a difference between two measurements (left minus right)."""
        if self.asymmetry_margin is not None:
            return self.asymmetry_margin
        return round(math.sqrt(2.0) * self.margin, 1)


@dataclass(frozen=True)
class Relation:
    """A rule between two metrics of one side: ``metric >= reference - margin`` (rule "min").

    The two values are two measurements, so the norm's :meth:`Norm.difference_margin` is added
    to ``margin`` (the normal difference) before a finding is made.
    """

    id: str
    test: str
    metric: str
    reference: str
    norm: str  # the norm whose LBP link, evidence, exercises, source and steps the finding uses
    margin: float = 0.0


@dataclass(frozen=True)
class Plausible:
    """The range a measured metric can take on a human body; outside it the measurement failed."""

    test: str
    metric: str
    low: float
    high: float
    unit: str
    source: str
    within_recording: bool = False  # a duration: also no longer than the recording

    def describe(self) -> str:
        extra = ", and no longer than the recording" if self.within_recording else ""
        return f"{quantity(self.low, self.unit)} to {quantity(self.high, self.unit)}{extra}"


@dataclass(frozen=True)
class NormBook:
    """All norms, relation rules, plausible ranges, exercise texts and asymmetry defaults."""

    norms: Mapping[str, Norm]
    exercises: Mapping[str, str]
    asymmetry: Mapping[str, float] = field(default_factory=dict)
    relations: tuple[Relation, ...] = ()
    plausibility: Mapping[tuple[str, str], Plausible] = field(default_factory=dict)

    def for_metric(self, test: str, metric: str) -> Norm | None:
        for norm in self.norms.values():
            if norm.test == test and norm.metric == metric:
                return norm
        return None

    def plausible_range(self, test: str, metric: str) -> Plausible | None:
        return self.plausibility.get((test, metric))

    def exercise_texts(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.exercises.get(i, i) for i in ids)


# ============================================================================ validation


def read_field(entry: Mapping[str, Any], where: str, name: str, kind: str, default: Any) -> Any:
    """One field of a TOML entry, checked against ``kind`` (str, number, count, bool, list).

    Raises ``ValueError`` naming ``where``, the field, the expected kind and the actual value.
    """
    if name not in entry:
        if default is REQUIRED:
            raise ValueError(f"{where}: {name} is required ({kind}), but it is missing")
        return default
    value = entry[name]
    checks = {
        "str": lambda v: isinstance(v, str) and v.strip() != "",
        "number": lambda v: (
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        ),
        "count": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
    }
    if not checks[kind](value):
        expected = {"count": "a whole number >= 0", "str": "a non-empty string"}.get(kind, kind)
        raise ValueError(f"{where}: {name} must be {expected}, got {value!r}")
    return value


def read_choice(entry: Mapping[str, Any], where: str, name: str, choices: tuple[str, ...]) -> Any:
    value = read_field(entry, where, name, "str", REQUIRED)
    if value not in choices:
        raise ValueError(f"{where}: {name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def read_nonnegative(entry: Mapping[str, Any], where: str, name: str, default: float) -> float:
    value = float(read_field(entry, where, name, "number", default))
    if value < 0:
        raise ValueError(f"{where}: {name} must be >= 0, got {value!r}")
    return value


def check_required(entry: Mapping[str, Any], where: str, names: Iterable[str]) -> None:
    """All of ``names`` present, else one error naming every missing field."""
    missing = [k for k in names if k not in entry]
    if missing:
        raise ValueError(f"{where} is missing fields {missing}")


def two_steps(steps: Any, norm_id: str) -> tuple[float, float]:
    """The two severity steps of a norm: increasing positive numbers."""
    try:
        values = tuple(float(v) for v in steps)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 2 or not 0 < values[0] <= values[1]:
        raise ValueError(
            f"norm {norm_id!r}: steps must be two increasing positive numbers, got {steps!r}"
        )
    return values[0], values[1]


# ============================================================================ parsing


def parse_norm(norm_id: str, entry: Mapping[str, Any], exercises: Mapping[str, str]) -> Norm:
    """One ``[norms.ID]`` table."""
    where = f"norm {norm_id!r}"
    check_required(
        entry,
        where,
        ("test", "metric", "rule", "unit", "population", "source", "evidence", "lbp_link"),
    )
    rule = read_choice(entry, where, "rule", RULES)
    threshold = read_field(entry, where, "threshold", "number", None)
    margin = read_nonnegative(entry, where, "margin", 0.0)
    error_source = read_field(entry, where, "error_source", "str", "")
    if rule != "descriptive":
        if threshold is None:
            raise ValueError(f"{where}: threshold is required for rule {rule!r}")
        if not error_source:
            raise ValueError(
                f"{where}: error_source is required for rule {rule!r} (cite where the "
                f"margin of {margin:g} comes from)"
            )
    min_reps = read_field(entry, where, "min_reps", "count", 0)
    exercise_ids = tuple(read_field(entry, where, "exercises", "list", []))
    unknown = [e for e in exercise_ids if e not in exercises]
    if unknown:
        raise ValueError(f"{where}: exercises names unknown exercises {unknown}")
    asymmetry = read_field(entry, where, "asymmetry", "number", None)
    asymmetry_margin = read_field(entry, where, "asymmetry_margin", "number", None)
    return Norm(
        id=norm_id,
        test=read_field(entry, where, "test", "str", REQUIRED),
        metric=read_field(entry, where, "metric", "str", REQUIRED),
        rule=rule,
        unit=read_field(entry, where, "unit", "str", REQUIRED),
        population=read_field(entry, where, "population", "str", REQUIRED),
        source=read_field(entry, where, "source", "str", REQUIRED),
        evidence=read_choice(entry, where, "evidence", EVIDENCE),
        lbp_link=read_field(entry, where, "lbp_link", "str", REQUIRED),
        threshold=None if threshold is None else float(threshold),
        steps=two_steps(entry.get("steps", (5.0, 10.0)), norm_id),
        absolute=read_field(entry, where, "absolute", "bool", False),
        margin=margin,
        error_source=error_source,
        asymmetry=None if asymmetry is None else float(asymmetry),
        asymmetry_margin=None if asymmetry_margin is None else float(asymmetry_margin),
        min_reps=min_reps,
        asymmetry_min_reps=read_field(entry, where, "asymmetry_min_reps", "count", min_reps),
        min_hold_s=read_nonnegative(entry, where, "min_hold_s", 0.0),
        min_frames=read_field(entry, where, "min_frames", "count", 0),
        lbp_source=read_field(entry, where, "lbp_source", "str", ""),
        exercises=exercise_ids,
    )


def parse_norms(data: Mapping[str, Any]) -> NormBook:
    """Build a NormBook from parsed TOML, validating each entry."""
    exercises = dict(data.get("exercises", {}))
    norms = {
        norm_id: parse_norm(norm_id, entry, exercises)
        for norm_id, entry in data.get("norms", {}).items()
    }
    return NormBook(
        norms=norms,
        exercises=exercises,
        asymmetry=dict(data.get("asymmetry", {})),
        relations=parse_relations(data.get("relations", {}), norms),
        plausibility=parse_plausibility(data.get("plausibility", {})),
    )


def parse_relations(data: Mapping[str, Any], norms: Mapping[str, Norm]) -> tuple[Relation, ...]:
    """The ``[relations.*]`` tables, each checked against the norms it names."""
    relations = []
    for relation_id, entry in data.items():
        where = f"relation {relation_id!r}"
        check_required(entry, where, ("test", "metric", "reference", "norm"))
        if entry["norm"] not in norms:
            raise ValueError(f"{where}: norm must be one of {sorted(norms)}, got {entry['norm']!r}")
        relations.append(
            Relation(
                id=relation_id,
                test=read_field(entry, where, "test", "str", REQUIRED),
                metric=read_field(entry, where, "metric", "str", REQUIRED),
                reference=read_field(entry, where, "reference", "str", REQUIRED),
                norm=entry["norm"],
                margin=read_nonnegative(entry, where, "margin", 0.0),
            )
        )
    return tuple(relations)


def parse_plausibility(data: Mapping[str, Any]) -> dict[tuple[str, str], Plausible]:
    """The ``[plausibility.TEST.METRIC]`` tables: ``range = [low, high]``, unit and source."""
    ranges = {}
    for test, metrics in data.items():
        for metric, entry in metrics.items():
            where = f"plausibility {test}.{metric}"
            check_required(entry, where, ("range", "unit", "source"))
            bounds = read_field(entry, where, "range", "list", REQUIRED)
            if (
                len(bounds) != 2
                or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
                or not bounds[0] < bounds[1]
            ):
                raise ValueError(
                    f"{where}: range must be two increasing numbers [low, high], got {bounds!r}"
                )
            ranges[test, metric] = Plausible(
                test=test,
                metric=metric,
                low=float(bounds[0]),
                high=float(bounds[1]),
                unit=read_field(entry, where, "unit", "str", REQUIRED),
                source=read_field(entry, where, "source", "str", REQUIRED),
                within_recording=read_field(entry, where, "within_recording", "bool", False),
            )
    return ranges


@lru_cache(maxsize=1)
def load_norms() -> NormBook:
    """The norms shipped with hipsight."""
    text = resources.files("hipsight.findings").joinpath("norms.toml").read_text(encoding="utf-8")
    return parse_norms(tomllib.loads(text))
