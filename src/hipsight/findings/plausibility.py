"""Values a body cannot produce are failed measurements, not findings.

``norms.toml`` declares, per test and metric, the range a measured value can take on a human
body (``[plausibility.TEST.METRIC]``, with its source). :func:`flag_implausible` turns a value
outside it into ``not_measurable`` with the reason, before any norm is applied: a wrong camera
view, a second person or a swapped leg produces such numbers, and they must never reach a report
as a confident value or a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from hipsight.findings.evidence import metric_label
from hipsight.findings.norms import NormBook, Plausible
from hipsight.results import MetricValue
from hipsight.wording import quantity

ADVICE = "check the camera view and that one person is in view"


def implausible_reason(
    test: str, value: MetricValue, bounds: Plausible, recording_s: float | None
) -> str | None:
    """Why ``value`` cannot be a real measurement, or None when it can."""
    if value.status != "ok" or value.value is None:
        return None
    side = f"{value.side} " if value.side else ""
    what = f"{test.replace('_', ' ')} {side}{metric_label(value.metric)}"
    if not bounds.low <= value.value <= bounds.high:
        return (
            f"implausible measurement: {what} {quantity(value.value, value.unit)} (plausible "
            f"range {bounds.describe()}; {bounds.source}); {ADVICE}"
        )
    if bounds.within_recording and recording_s is not None and value.value > recording_s + 0.05:
        return (
            f"implausible measurement: {what} {quantity(value.value, value.unit)} is longer "
            "than the "
            f"recording ({recording_s:.1f} s); {ADVICE}"
        )
    return None


def mark_implausible(value: MetricValue, reason: str) -> MetricValue:
    """``not_measurable`` with ``reason``: no number, no quality; frames and reps kept."""
    return replace(value, value=None, status="not_measurable", reason=reason, quality=0.0)


def flag_implausible(
    test: str, values: Iterable[MetricValue], book: NormBook, recording_s: float | None = None
) -> tuple[MetricValue, ...]:
    """The values, each outside its plausible range turned into ``not_measurable``."""
    out = []
    for value in values:
        bounds = book.plausible_range(test, value.metric)
        reason = None if bounds is None else implausible_reason(test, value, bounds, recording_s)
        out.append(value if reason is None else mark_implausible(value, reason))
    return tuple(out)
