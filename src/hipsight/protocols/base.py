"""What a screening protocol declares, and the typed results it returns.

A protocol is one module in :mod:`hipsight.protocols` that defines ``PROTOCOL``, an instance of
:class:`Protocol`. The declaration says what the person does, the view it needs, the angles it
uses, its metrics, gates and norms, and holds the ``measure`` function that turns a
:class:`PoseSequence` and its :class:`AngleTable` into a :class:`TestResult`. The guided webcam
session reads the same declaration to instruct and check the person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hipsight.kinematics.table import AngleTable
from hipsight.pose.sequence import PoseSequence

View = Literal["side", "front"]
Position = Literal["standing", "lying", "seated", "walking"]
Status = Literal["ok", "not_measurable"]
Severity = Literal["none", "mild", "moderate", "marked"]
Evidence = Literal["VL", "L", "M", "EO"]
SideName = Literal["left", "right"]


@dataclass(frozen=True)
class MetricSpec:
    """One number a protocol reports (per side when ``per_side``)."""

    id: str
    label: str
    unit: str  # "deg", "s", "count", "cm", "ratio"
    per_side: bool = True
    norm: str | None = None  # id of the norm in norms.toml it is compared with
    description: str = ""


@dataclass(frozen=True)
class Gates:
    """Quality gates: what a recording must satisfy before any number is reported."""

    min_visibility: float = 0.5
    min_valid_fraction: float = 0.6  # of the frames in the analysed phase
    min_valid_frames: int = 10
    max_width_ratio_side: float = 0.35  # shoulder/hip width over torso length in a side view
    min_width_ratio_front: float = 0.45  # ... in a front view


@dataclass(frozen=True)
class MeasureContext:
    """What a protocol's ``measure`` gets besides the data."""

    side: SideName | Literal["both", "auto"] = "auto"
    view: View | None = None  # the view the user says they recorded, if given
    baseline: dict[str, float] = field(default_factory=dict)  # personal neutral angles
    options: dict[str, Any] = field(default_factory=dict)


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

    def __post_init__(self) -> None:
        if self.status == "ok" and self.value is None:
            raise ValueError(f"metric {self.metric}: status 'ok' needs a value")
        if self.status == "not_measurable" and (self.value is not None or not self.reason):
            raise ValueError(f"metric {self.metric}: 'not_measurable' needs a reason and no value")

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
    ) -> MetricValue:
        return cls(
            metric,
            side,
            round(float(value), 2),
            unit,
            "ok",
            None,
            round(float(quality), 3),
            n_frames,
            norm,
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


@dataclass(frozen=True)
class TestResult:
    """Everything one protocol measured in one recording."""

    __test__ = False  # not a pytest test class

    test: str
    title: str
    view_required: View
    view_detected: str
    status: Literal["measured", "partial", "not_measurable"]
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


MeasureFn = Callable[[PoseSequence, AngleTable, MeasureContext], TestResult]


@dataclass(frozen=True)
class Protocol:
    """The declaration of one screening test."""

    id: str
    title: str
    instructions: str  # what the person does, short enough to read aloud
    position: Position
    view: View
    angles: tuple[str, ...]  # angle names from the kinematics registry it uses
    key_angle: str  # the angle the live overlay shows on its gauge
    key_band: tuple[float, float]  # the normal band drawn on the gauge, degrees
    metrics: tuple[MetricSpec, ...]
    segmentation: str  # how the recording is cut into reps, holds, phases or steps
    measure: MeasureFn
    reps: int | None = None
    hold_s: float | None = None
    duration_s: float | None = None
    per_side: bool = True  # the person repeats the test for each side
    gates: Gates = field(default_factory=Gates)
    norms: tuple[str, ...] = ()
    order: int = 50  # place in the guided session (posture first)
    subject: str = "visible"  # who to analyse when several people are in view ("moving" for gait)
    views: tuple[View, ...] = ()  # every view the test accepts, when more than ``view`` (posture)

    @property
    def accepted_views(self) -> tuple[View, ...]:
        """The views this test can use: ``views`` when declared, else just ``view``."""
        return self.views or (self.view,)

    def metric_spec(self, metric: str) -> MetricSpec:
        for spec in self.metrics:
            if spec.id == metric:
                return spec
        raise KeyError(f"{self.id}: no metric {metric!r}; have {[m.id for m in self.metrics]}")
