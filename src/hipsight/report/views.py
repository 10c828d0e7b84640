"""View data of the session report: plain dataclasses the templates read, and small formatters.

The report is built in two steps: :mod:`hipsight.report.html` turns a session into these
dataclasses, then renders them with Jinja2 (autoescape on). Keeping the data separate from the
markup keeps every value a plain string or number that the templates escape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from markupsafe import Markup

from hipsight.findings.engine import Norm, NormBook
from hipsight.results import MetricValue, Segment, SideName

if TYPE_CHECKING:
    from hipsight.history.db import MetricRow, SessionRow

SEVERITY_RANK = {"none": 0, "mild": 1, "moderate": 2, "marked": 3}
SEVERITY_TEXT = {
    "none": "within the reference",
    "mild": "slightly outside the reference",
    "moderate": "outside the reference",
    "marked": "well outside the reference",
}
EVIDENCE_TEXT = {"VL": "very low", "L": "low", "M": "moderate", "EO": "expert opinion"}
STATUS_TEXT = {
    "measured": "measured",
    "partial": "partly measured",
    "not_measurable": "not measurable",
}
KIND_TEXT = {"analyze": "video analysis", "assess": "guided webcam session"}


# ============================================================================ view data


@dataclass(frozen=True)
class FigureView:
    svg: Markup
    caption: str = ""


@dataclass(frozen=True)
class FindingView:
    severity: str
    severity_text: str
    message: str
    test_title: str
    anchor: str
    evidence: str
    evidence_text: str
    lbp_link: str
    exercises: tuple[str, ...]
    norm_text: str
    source: str


@dataclass(frozen=True)
class ExerciseView:
    text: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MetricCell:
    text: str
    status: str = "ok"
    detail: str = ""


@dataclass(frozen=True)
class MetricRowView:
    label: str
    cells: Mapping[str, MetricCell]
    difference: str
    reference: str
    severity: str


@dataclass(frozen=True)
class TableView:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TestView:
    anchor: str
    title: str
    test_id: str
    status: str
    status_text: str
    severity: str
    view_required: str
    view_detected: str
    source: str
    n_findings: int
    series_plots: tuple[FigureView, ...]
    side_plot: FigureView | None
    metric_rows: tuple[MetricRowView, ...]
    has_sides: bool
    segment_table: TableView | None
    findings: tuple[FindingView, ...]
    key_frames: tuple[FigureView, ...]
    quality_notes: tuple[str, ...]
    processing: tuple[str, ...]
    angles_plotted: tuple[str, ...] = ()


@dataclass(frozen=True)
class AngleDefView:
    name: str
    plane: str
    view: str
    variant: str
    zero: str
    sign: str


@dataclass(frozen=True)
class NormView:
    test: str
    metric: str
    reference: str
    population: str
    source: str
    evidence: str
    evidence_text: str


@dataclass(frozen=True)
class ChangeRowView:
    test_title: str
    metric: str
    side: str
    previous: str
    current: str
    delta: str
    verdict: str


@dataclass(frozen=True)
class ChangeView:
    previous_date: str
    previous_id: str
    rows: tuple[ChangeRowView, ...]
    note: str = ""


@dataclass(frozen=True)
class ReportView:
    title: str
    person: str
    date: str
    session_id: str
    kind: str
    overall: str
    overall_text: str
    findings: tuple[FindingView, ...]
    exercises: tuple[ExerciseView, ...]
    tests: tuple[TestView, ...]
    angle_defs: tuple[AngleDefView, ...]
    norms: tuple[NormView, ...]
    calibration: str
    baseline: tuple[tuple[str, str], ...]
    session_meta: tuple[tuple[str, str], ...]
    pipeline_text: str
    disclaimer: str
    change: ChangeView | None
    change_note: str
    generated: str
    version: str
    evidence_legend: tuple[tuple[str, str], ...] = field(
        default_factory=lambda: tuple(EVIDENCE_TEXT.items())
    )


@dataclass(frozen=True)
class ProtocolInfo:
    """What the protocol declaration adds to a test's record (when the protocol is installed)."""

    key_angle: str | None = None
    key_band: tuple[float, float] | None = None
    metric_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviousSession:
    row: SessionRow
    metrics: Sequence[MetricRow]


# ============================================================================ formatting


def worst_severity(severities: Iterable[str]) -> str:
    return max(severities, key=lambda s: SEVERITY_RANK.get(s, 0), default="none")


def format_timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def humanize(name: str) -> str:
    return name.replace("_", " ")


def fmt_value(value: float | None, unit: str = "") -> str:
    if value is None or not np.isfinite(value):
        return "—"
    if unit == "count":
        return f"{value:.0f}"
    suffix = "°" if unit == "deg" else (f" {unit}" if unit else "")
    return f"{value:.1f}{suffix}"


def base_angle(name: str) -> str:
    for side in ("left_", "right_"):
        if name.startswith(side):
            return name[len(side) :]
    return name


def angle_side(name: str) -> SideName | None:
    """The side an angle belongs to, from its name (``left_...``/``right_...``), else None."""
    return "left" if name.startswith("left_") else "right" if name.startswith("right_") else None


def segment_labels(segments: Sequence[Segment]) -> list[str]:
    """'rep 1', 'hold L 2'...: numbered from 1 per kind and side, in order."""
    counts: dict[tuple[str, str | None], int] = {}
    labels = []
    for segment in segments:
        key = (segment.kind, segment.side)
        counts[key] = counts.get(key, 0) + 1
        side = f" {segment.side[0].upper()}" if segment.side else ""
        labels.append(f"{segment.kind}{side} {counts[key]}")
    return labels


def norm_for(value: MetricValue, test: str, book: NormBook) -> Norm | None:
    if value.norm and value.norm in book.norms:
        return book.norms[value.norm]
    return book.for_metric(test, value.metric)


def measured_sides(values: Iterable[MetricValue]) -> dict[str, float]:
    """{side: value} of the measured, sided values (not-measurable ones left out)."""
    return {
        v.side: float(v.value)
        for v in values
        if v.side and v.status == "ok" and v.value is not None
    }


def whole_degrees(value: float) -> str:
    """Whole degrees without a '-0', e.g. '84°'."""
    return f"{round(float(value)) + 0:d}°"
