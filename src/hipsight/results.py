"""The result types of a session: what a test measured, what it found, and the whole session.

These are plain frozen dataclasses. They import nothing else from hipsight, so that every layer
(protocols, findings, the session writer and reader, report, history, exports) can share them
without an import cycle. The types are also the schema of ``results.json``: the reader
(:mod:`hipsight.session.codec`) decodes a file straight into them and reports the field path of
anything that does not fit (docs/results-format.md).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

View = Literal["side", "front"]
Status = Literal["ok", "not_measurable"]
TestStatus = Literal["measured", "partial", "not_measurable"]
Severity = Literal["none", "mild", "moderate", "marked"]
Evidence = Literal["VL", "L", "M", "EO"]
SideName = Literal["left", "right"]
SessionKind = Literal["analyze", "assess"]

__all__ = [
    "Evidence",
    "Finding",
    "MetricValue",
    "ProcessingStep",
    "Segment",
    "SessionKind",
    "SessionResults",
    "Severity",
    "SideName",
    "Status",
    "TestRecord",
    "TestResult",
    "TestStatus",
    "View",
]


def _check_finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number or null, got {value!r}")


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within 0..1, got {value!r}")


def _check_count(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")


@dataclass(frozen=True)
class ProcessingStep:
    """One processing step and its parameters, e.g. ``("lowpass", {"cutoff_hz": 6.0})``.

    Every stage appends its steps to the provenance of what it produced; the landmarks, the
    summary and ``results.json`` carry the list, and the report renders it.
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a processing step needs a name")

    @classmethod
    def of(cls, step: ProcessingStep | str) -> ProcessingStep:
        """A step as it is, or parsed from its one-line text (``name(args)``, older files)."""
        if isinstance(step, ProcessingStep):
            return step
        name, _, rest = step.partition("(")
        detail = rest[:-1] if rest.endswith(")") else rest
        return cls(name.strip() or step, {"detail": detail} if detail else {})

    def describe(self) -> str:
        """``name(key=value, ...)`` (just ``name`` without parameters): the step in one line."""
        if not self.params:
            return self.name
        if set(self.params) == {"detail"}:
            return f"{self.name}({self.params['detail']})"
        args = ", ".join(f"{key}={_short(value)}" for key, value in self.params.items())
        return f"{self.name}({args})"


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class MetricValue:
    """A measured number with its quality, or ``not_measurable`` with the reason (no number)."""

    metric: str
    side: SideName | None
    value: float | None
    unit: str
    status: Status = "ok"
    reason: str | None = None
    quality: float = 0.0  # 0..1: share of valid frames x mean landmark visibility
    n_frames: int = 0
    norm: str | None = None
    n_reps: int | None = None  # valid reps, strides or holds it comes from; None = not counted
    filled_fraction: float | None = None  # share of its frames filled across a gap; None = unknown

    def __post_init__(self) -> None:
        if self.status == "ok" and self.value is None:
            raise ValueError(f"metric {self.metric}: status 'ok' needs a value")
        if self.status == "not_measurable" and (self.value is not None or not self.reason):
            raise ValueError(f"metric {self.metric}: 'not_measurable' needs a reason and no value")
        _check_finite(f"metric {self.metric}: value", self.value)
        _check_fraction(f"metric {self.metric}: quality", self.quality)
        _check_count(f"metric {self.metric}: n_frames", self.n_frames)
        if self.n_reps is not None:
            _check_count(f"metric {self.metric}: n_reps", self.n_reps)
        if self.filled_fraction is not None:
            _check_fraction(f"metric {self.metric}: filled_fraction", self.filled_fraction)

    @classmethod
    def measured(
        cls,
        metric: str,
        side: SideName | None,
        value: float,
        unit: str,
        quality: float,
        n_frames: int,
        norm: str | None = None,
        n_reps: int | None = None,
        filled_fraction: float | None = None,
    ) -> MetricValue:
        return cls(
            metric,
            side,
            round(float(value), 2),
            unit,
            "ok",
            None,
            round(min(max(float(quality), 0.0), 1.0), 3),
            int(n_frames),
            norm,
            None if n_reps is None else int(n_reps),
            None if filled_fraction is None else round(min(max(filled_fraction, 0.0), 1.0), 3),
        )

    @classmethod
    def not_measurable(
        cls, metric: str, side: SideName | None, unit: str, reason: str, norm: str | None = None
    ) -> MetricValue:
        return cls(metric, side, None, unit, "not_measurable", reason, 0.0, 0, norm)


@dataclass(frozen=True)
class Finding:
    """A screening finding: a metric outside its norm, with the LBP link and what to do."""

    id: str
    test: str
    metric: str
    side: SideName | None
    value: float | None
    unit: str
    norm_text: str
    severity: Severity
    message: str
    lbp_link: str
    evidence: Evidence
    exercises: tuple[str, ...]
    source: str = ""

    def __post_init__(self) -> None:
        _check_finite(f"finding {self.id}: value", self.value)


@dataclass(frozen=True)
class Segment:
    """A rep, hold, phase or step: frames ``start..stop`` (stop exclusive) and times."""

    kind: str  # "rep", "hold", "step", "phase"
    index: int
    start: int
    stop: int
    t_start: float
    t_stop: float
    side: SideName | None = None
    values: dict[str, float | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_count(f"segment {self.kind} {self.index}: start", self.start)
        if self.stop < self.start:
            raise ValueError(
                f"segment {self.kind} {self.index}: stop must be >= start ({self.start}), "
                f"got {self.stop}"
            )
        for name in ("t_start", "t_stop"):
            _check_finite(f"segment {self.kind} {self.index}: {name}", getattr(self, name))
        for key, value in self.values.items():
            _check_finite(f"segment {self.kind} {self.index}: values.{key}", value)


@dataclass(frozen=True)
class TestResult:
    """Everything one protocol measured in one recording (findings are added after it)."""

    __test__ = False  # not a pytest test class

    test: str
    title: str
    view_required: View
    view_detected: str
    status: TestStatus
    reasons: tuple[str, ...]
    metrics: tuple[MetricValue, ...]
    segments: tuple[Segment, ...] = ()
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    key_angles: tuple[str, ...] = ()

    def metric(self, metric: str, side: SideName | None = None) -> MetricValue:
        """Return one metric value; raise KeyError naming what exists when absent."""
        for value in self.metrics:
            if value.metric == metric and value.side == side:
                return value
        have = sorted({(m.metric, m.side or "-") for m in self.metrics})
        raise KeyError(f"{self.test}: no metric {metric!r} for side {side!r}; have {have}")


@dataclass(frozen=True)
class TestRecord:
    """One test in a session: its result plus the files it came from."""

    __test__ = False  # not a pytest test class

    result: TestResult
    source: str = ""
    files: dict[str, str] = field(default_factory=dict)  # kind -> path relative to results.json
    complete: bool = True
    processing: tuple[ProcessingStep, ...] = ()


def new_session_id() -> str:
    """A short random session id."""
    return uuid.uuid4().hex[:12]


def now_iso() -> str:
    """The current UTC time, ISO 8601 with milliseconds (sessions in one second keep order)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class SessionResults:
    """A whole session: who, when, how, and each test's record."""

    tests: tuple[TestRecord, ...]
    session_id: str = field(default_factory=new_session_id)
    created: str = field(default_factory=now_iso)
    person: str | None = None
    kind: SessionKind = "analyze"
    calibration: str | None = None
    baseline: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.session_id:
            raise ValueError("session_id must not be empty")
        try:
            datetime.fromisoformat(self.created)
        except ValueError as exc:
            raise ValueError(f"created must be an ISO 8601 time, got {self.created!r}") from exc
        for key, value in self.baseline.items():
            _check_finite(f"baseline.{key}", value)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for record in self.tests for f in record.result.findings)
