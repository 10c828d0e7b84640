"""Helpers every protocol uses: gated metric values and assembling a :class:`TestResult`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from hipsight.findings.engine import evaluate
from hipsight.kinematics.table import AngleTable
from hipsight.protocols.base import (
    MeasureContext,
    MetricValue,
    Protocol,
    Segment,
    SideName,
    TestResult,
)
from hipsight.protocols.gates import ViewCheck, check_frames, mean_quality

Reducer = Callable[[NDArray[np.float64]], float]


def gated_metric(
    protocol: Protocol,
    metric: str,
    side: SideName | None,
    table: AngleTable,
    angles: tuple[str, ...],
    phase: NDArray[np.bool_],
    compute: Callable[[NDArray[np.bool_]], float],
    view: ViewCheck | None = None,
    extra: NDArray[np.bool_] | None = None,
    label: str = "",
) -> MetricValue:
    """A metric computed only from frames that pass the gates, else ``not_measurable``.

    ``compute`` receives the mask of valid frames and returns the value (NaN if it cannot).
    """
    spec = protocol.metric_spec(metric)
    if view is not None and not view.ok:
        return MetricValue.not_measurable(
            metric, side, spec.unit, view.reason or "wrong camera view", spec.norm
        )
    check = check_frames(
        table, angles, phase, protocol.gates, extra, label or f"{side or ''} {metric}".strip()
    )
    if not check.ok:
        return MetricValue.not_measurable(
            metric, side, spec.unit, check.reason or "too few valid frames", spec.norm
        )
    value = compute(check.valid)
    if not np.isfinite(value):
        return MetricValue.not_measurable(
            metric,
            side,
            spec.unit,
            f"{metric} could not be computed from the valid frames",
            spec.norm,
        )
    quality = check.fraction * mean_quality(table, angles, check.valid)
    return MetricValue.measured(metric, side, value, spec.unit, quality, check.n_valid, spec.norm)


def side_name(side: str) -> SideName:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return side  # type: ignore[return-value]


def sides_for(
    context: MeasureContext, default: Iterable[SideName] = ("left", "right")
) -> tuple[SideName, ...]:
    """The sides to measure: the context's side when it names one, else ``default``."""
    if context.side in ("left", "right"):
        return (side_name(context.side),)
    return tuple(default)


def segment_from(
    kind: str,
    index: int,
    start: int,
    stop: int,
    t: NDArray[np.float64],
    side: SideName | None = None,
    values: dict[str, float | None] | None = None,
) -> Segment:
    """A Segment with its times filled in from ``t``."""
    stop = max(stop, start + 1)
    return Segment(
        kind,
        index,
        int(start),
        int(stop),
        float(t[start]),
        float(t[min(stop, len(t)) - 1]),
        side,
        values or {},
    )


def assemble_result(
    protocol: Protocol,
    view: ViewCheck,
    metrics: Iterable[MetricValue],
    segments: Iterable[Segment] = (),
    notes: Iterable[str] = (),
    asymmetry: dict[str, float] | None = None,
) -> TestResult:
    """Status, reasons and findings from the metric values; one TestResult."""
    metrics = tuple(metrics)
    ok = [m for m in metrics if m.status == "ok"]
    status: Literal["measured", "partial", "not_measurable"] = (
        "measured"
        if len(ok) == len(metrics) and metrics
        else ("partial" if ok else "not_measurable")
    )
    reasons = tuple(dict.fromkeys(m.reason for m in metrics if m.reason))
    if not view.ok and view.reason and view.reason not in reasons:
        reasons = (view.reason, *reasons)
    return TestResult(
        test=protocol.id,
        title=protocol.title,
        view_required=protocol.view,
        view_detected=view.detected,
        status=status,
        reasons=reasons,
        metrics=metrics,
        segments=tuple(segments),
        findings=evaluate(protocol.id, metrics, asymmetry=asymmetry),
        notes=tuple(notes),
        key_angles=protocol.angles,
    )
