"""Plain-text rendering of a test result for the terminal."""

from __future__ import annotations

from hipsight.findings.engine import graded
from hipsight.results import MetricValue, TestResult
from hipsight.wording import count, quantity, with_article

SEVERITY_MARK = {"none": " ", "mild": "!", "moderate": "!!", "marked": "!!!"}


def describe_norm(norm_id: str) -> str:
    """The reference range of a norm in a few words, e.g. '>= 10°'."""
    from hipsight.findings.engine import load_norms

    norm = load_norms().norms.get(norm_id)
    return norm.describe() if norm is not None else norm_id


def format_metric(value: MetricValue) -> str:
    side = value.side or "-"
    name = value.metric.replace("_", " ")
    if value.status != "ok":
        return f"  {name:32} {side:6} not measurable: {value.reason}"
    norm = f"   (reference {describe_norm(value.norm)})" if value.norm else ""
    number = quantity(value.value or 0.0, value.unit, ".0f" if value.unit == "count" else ".1f")
    return f"  {name:32} {side:6} {number:>10}  quality {value.quality:.2f}{norm}"


def view_text(result: TestResult) -> str:
    """'side view' when the recording showed the view the test needs, else both."""
    if result.view_detected == result.view_required:
        return f"{result.view_required} view"
    return (
        f"needs {with_article(result.view_required)} view; the recording showed "
        f"{with_article(result.view_detected)} view"
    )


def format_test_result(result: TestResult) -> str:
    """A readable block: status, metrics per side, findings with their LBP link."""
    lines = [
        "",
        f"{result.title} [{result.test}]: {result.status.replace('_', ' ')} ({view_text(result)})",
    ]
    lines += [f"  reason: {reason}" for reason in result.reasons]
    lines += [format_metric(m) for m in result.metrics]
    if result.segments:
        kinds = sorted({s.kind for s in result.segments})
        lines.append(
            "  segments: "
            + ", ".join(count(sum(s.kind == k for s in result.segments), k) for k in kinds)
        )
    if result.findings:
        from hipsight.findings.engine import load_norms

        lines.append("findings (screening, not diagnosis):")
        for finding in result.findings:
            lines.append(
                f"  {SEVERITY_MARK[finding.severity]:3} [{finding.severity}] {finding.message}"
            )
            lines.append(f"      why it matters: {finding.lbp_link} (evidence: {finding.evidence})")
            if finding.exercises:
                advice = load_norms().exercise_texts(finding.exercises)
                lines.append(f"      try: {'; '.join(advice)}")
    elif graded(result):
        lines.append("no findings: measured values are within the reference ranges.")
    elif result.status != "not_measurable":
        lines.append("no findings: no value with a reference range was measured to grade.")
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)
