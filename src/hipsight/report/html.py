"""The session report: one self-contained HTML file (inline CSS, inline SVG plots, no scripts).

``build_report(session)`` reads ``results.json`` and the files it lists (angles CSV, landmarks,
video), turns them into view data (plain dataclasses below) and renders the Jinja2 templates in
``report/templates`` with autoescape on: every string from the session (person names, test
titles, reasons, file names) is escaped. Nothing is loaded from the network; docs/report.md
describes what each part shows.

``build_report`` never writes to the history database; recording a session there is the job of
:func:`hipsight.finish.finish_session`, the one step that ends every session.
"""

# Lazy imports on purpose: jinja2, the protocol registry and scipy are imported when used.

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

from hipsight.errors import InputError
from hipsight.fileio import write_text_atomic
from hipsight.findings.engine import Norm, NormBook, graded, load_norms
from hipsight.history.db import HistoryDB
from hipsight.pose.sequence import PoseSequence
from hipsight.report import plots
from hipsight.report.change import build_change_view, change_note, find_previous_session
from hipsight.report.keyframes import key_frame_figures
from hipsight.report.views import (
    EVIDENCE_TEXT,
    KIND_TEXT,
    SEVERITY_RANK,
    SEVERITY_TEXT,
    STATUS_TEXT,
    AngleDefView,
    ExerciseView,
    FigureView,
    FindingView,
    MetricCell,
    MetricRowView,
    NormView,
    PreviousSession,
    ProtocolInfo,
    ReportView,
    TableView,
    TestView,
    angle_side,
    base_angle,
    fmt_value,
    format_timestamp,
    humanize,
    measured_sides,
    norm_for,
    segment_labels,
    worst_severity,
)
from hipsight.results import (
    Finding,
    MetricValue,
    ProcessingStep,
    Segment,
    SessionResults,
    TestRecord,
)
from hipsight.session.codec import DISCLAIMER
from hipsight.session.reader import load_session, results_path_of
from hipsight.session.series import (
    AngleSeries,
    load_test_sequence,
    load_test_series,
)
from hipsight.version import __version__
from hipsight.wording import count, with_article

REPORT_NAME = "report.html"
MAX_PLOT_GROUPS = 4
TOP_EXERCISES = 5
LOW_QUALITY = 0.5
LOW_VALID_FRACTION = 0.6

__all__ = ["build_report", "build_report_view", "render_report"]


# ============================================================================ entry points


def build_report(
    session_dir_or_results_json: str | Path,
    out_path: str | Path | None = None,
    history: HistoryDB | str | Path | None = None,
) -> Path:
    """Write the HTML report of a session; return its path (default ``SESSION/report.html``).

    ``history`` is an open :class:`~hipsight.history.db.HistoryDB` or the path of one; when given
    and the session names a person, the report shows the change since their previous session.
    """
    results_path = results_path_of(session_dir_or_results_json)
    results = load_session(results_path)
    previous = find_previous_session(results, history)
    view = build_report_view(results, results_path.parent, previous)
    out = Path(out_path) if out_path is not None else results_path.parent / REPORT_NAME
    if out.is_dir():
        out = out / REPORT_NAME
    return write_text_atomic(out, render_report(view))


def render_report(view: ReportView) -> str:
    """Render the report templates (autoescape on) to one HTML string."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("hipsight.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(report=view)


# ============================================================================ whole report


def build_report_view(
    results: SessionResults, session_dir: Path, previous: PreviousSession | None = None
) -> ReportView:
    """All the data the templates show, computed from the session and its files."""
    book = load_norms()
    anchors = unique_anchors(record.result.test for record in results.tests)
    tests = tuple(
        build_test_view(record, session_dir, anchor, book, f"t{i}")
        for i, (record, anchor) in enumerate(zip(results.tests, anchors, strict=True))
    )
    titles = {record.result.test: record.result.title for record in results.tests}
    anchor_of = {
        record.result.test: anchor for record, anchor in zip(results.tests, anchors, strict=True)
    }
    findings = tuple(
        sorted(
            (
                finding_view(f, titles.get(f.test, f.test), anchor_of.get(f.test, ""), book)
                for f in results.findings
            ),
            key=lambda f: -SEVERITY_RANK[f.severity],
        )
    )
    overall = worst_severity(f.severity for f in findings)
    return ReportView(
        title="Hip screening report",
        person=results.person or "",
        date=format_timestamp(results.created),
        session_id=results.session_id,
        kind=KIND_TEXT.get(results.kind, results.kind),
        overall=overall_light(overall, tests, graded_tests(results)),
        overall_text=overall_text(findings, tests, graded_tests(results)),
        findings=findings,
        exercises=top_exercises(results.findings, book, titles),
        tests=tests,
        angle_defs=angle_definitions(results, tests),
        norms=norm_views(results, book),
        calibration=results.calibration
        or "none: camera roll assumed 0°, lens distortion not corrected",
        baseline=tuple(
            (k.replace("_", " "), f"{v:.1f}°") for k, v in sorted(results.baseline.items())
        ),
        session_meta=tuple((str(k), _meta_text(v)) for k, v in sorted(results.meta.items())),
        pipeline_text=describe_pipeline(recorded_steps(results)),
        disclaimer=DISCLAIMER,
        change=(
            build_change_view(results, previous, book, metric_labels(results))
            if previous is not None
            else None
        ),
        change_note=change_note(results, previous),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )


def metric_labels(results: SessionResults) -> dict[str, Mapping[str, str]]:
    """Test id -> metric id -> label, from the installed protocols."""
    out: dict[str, Mapping[str, str]] = {}
    for record in results.tests:
        info = protocol_info(record.result.test)
        out[record.result.test] = info.metric_labels if info is not None else {}
    return out


def unique_anchors(test_ids: Iterable[str]) -> list[str]:
    """HTML ids for the test sections: ``test-<slug>``, unique."""
    anchors: list[str] = []
    for test_id in test_ids:
        base = "test-" + (re.sub(r"[^a-z0-9]+", "-", test_id.lower()).strip("-") or "x")
        anchor, n = base, 2
        while anchor in anchors:
            anchor, n = f"{base}-{n}", n + 1
        anchors.append(anchor)
    return anchors


def overall_light(worst: str, tests: Sequence[TestView], graded: int) -> str:
    """The summary's light: the worst finding's colour; green ("none") only when something was
    graded and nothing was found; grey when nothing was ("ungraded": values measured, none
    compared with a reference; "na": nothing measured). A green light beside "nothing to
    compare" read as a clean bill."""
    if worst != "none":
        return worst
    if graded:
        return "none"
    return "ungraded" if any(t.status != "not_measurable" for t in tests) else "na"


def graded_tests(results: SessionResults) -> int:
    """How many tests measured a value that is compared with a reference range."""
    book = load_norms()
    return sum(graded(record.result, book) for record in results.tests)


def overall_text(findings: Sequence[FindingView], tests: Sequence[TestView], graded: int) -> str:
    """The report's one-line verdict; ``graded``: how many tests measured a value with a
    reference range (a test that measured only a count of 0 reps is within no range)."""
    measured = [t for t in tests if t.status != "not_measurable"]
    if not measured:
        return "No test could be measured; see the notes on measurement quality in each test."
    if not findings:
        if not graded:
            return (
                "No value with a reference range could be measured, so there is nothing to "
                "compare; see the notes on measurement quality in each test."
            )
        if graded == 1:
            return "The measured test is within the reference ranges."
        return f"All {graded} measured tests are within the reference ranges."
    n_tests = len({f.test_title for f in findings})
    order = "; the most marked first" if len(findings) > 1 else ""
    return f"{count(len(findings), 'finding')} in {count(n_tests, 'test')}{order}."


def _meta_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


# ======================================================================= findings and exercises


def finding_view(finding: Finding, test_title: str, anchor: str, book: NormBook) -> FindingView:
    return FindingView(
        severity=finding.severity if finding.severity in SEVERITY_RANK else "none",
        severity_text=SEVERITY_TEXT.get(finding.severity, finding.severity),
        message=finding.message,
        test_title=test_title,
        anchor=anchor,
        evidence=finding.evidence,
        evidence_text=EVIDENCE_TEXT.get(finding.evidence, finding.evidence),
        lbp_link=finding.lbp_link,
        exercises=book.exercise_texts(finding.exercises),
        norm_text=finding.norm_text,
        source=finding.source,
    )


def top_exercises(
    findings: Iterable[Finding], book: NormBook, titles: Mapping[str, str]
) -> tuple[ExerciseView, ...]:
    """The exercises the findings point to, weighted by severity (most marked first)."""
    scores: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    for finding in findings:
        for exercise in finding.exercises:
            scores[exercise] = scores.get(exercise, 0) + SEVERITY_RANK.get(finding.severity, 0)
            reason = f"{titles.get(finding.test, finding.test)}: {humanize(finding.metric)}"
            if reason not in reasons.setdefault(exercise, []):
                reasons[exercise].append(reason)
    ranked = sorted(scores, key=lambda e: -scores[e])[:TOP_EXERCISES]
    return tuple(
        ExerciseView(text=book.exercise_texts([e])[0], reasons=tuple(reasons[e])) for e in ranked
    )


# ============================================================================ one test


def protocol_info(test_id: str) -> ProtocolInfo | None:
    """Key angle, normal band and metric labels from the installed protocol, if there is one."""
    try:
        from hipsight.protocols.registry import get_protocol

        protocol = get_protocol(test_id)
    except (KeyError, ImportError):
        return None
    return ProtocolInfo(
        key_angle=protocol.key_angle,
        key_band=(float(protocol.key_band[0]), float(protocol.key_band[1])),
        metric_labels={m.id: m.label for m in protocol.metrics},
    )


def build_test_view(
    record: TestRecord, session_dir: Path, anchor: str, book: NormBook, prefix: str
) -> TestView:
    result = record.result
    info = protocol_info(result.test) or ProtocolInfo()
    notes: list[str] = []
    sequence, series = load_test_data(record, session_dir, notes)
    groups = plot_groups(series, result.key_angles) if series is not None else []
    series_plots = (
        tuple(series_figures(series, groups, result.segments, info, prefix)) if series else ()
    )
    key_frames = tuple(
        key_frame_figures(
            record, session_dir, sequence, series, groups=groups, notes=notes, prefix=prefix
        )
    )
    findings = tuple(finding_view(f, result.title, anchor, book) for f in result.findings)
    return TestView(
        anchor=anchor,
        title=result.title,
        test_id=result.test,
        status=result.status,
        status_text=STATUS_TEXT.get(result.status, result.status),
        severity=worst_severity(f.severity for f in findings)
        if graded(result, book) or findings
        else "ungraded",
        view_required=result.view_required,
        view_detected=result.view_detected,
        source=record.source,
        n_findings=len(findings),
        series_plots=series_plots,
        side_plot=side_figure(result.metrics, result.test, book, info, prefix),
        metric_rows=tuple(metric_rows(result.metrics, result.findings, result.test, book, info)),
        has_sides=any(m.side for m in result.metrics),
        segment_table=segment_table(result.segments),
        findings=findings,
        key_frames=key_frames,
        quality_notes=tuple(quality_notes(record, series, groups, notes, info)),
        processing=tuple(processing_lines(record, sequence, series)),
        angles_plotted=tuple(n for _, names in groups for n in names),
    )


def load_test_data(
    record: TestRecord, session_dir: Path, notes: list[str]
) -> tuple[PoseSequence | None, AngleSeries | None]:
    """The test's landmarks and angles; problems become quality notes, not failures."""
    sequence = series = None
    try:
        sequence = load_test_sequence(session_dir, record)
    except InputError as exc:
        notes.append(f"Landmarks could not be read: {exc}")
    try:
        series = load_test_series(session_dir, record, sequence)
    except InputError as exc:
        notes.append(f"Angles could not be read: {exc}")
    if (
        series is None
        and sequence is None
        and not any(n.startswith(("Landmarks", "Angles")) for n in notes)
    ):
        notes.append(
            "No angles CSV or landmarks were saved for this test, so there are no time-series "
            "plots or key frames."
        )
    return sequence, series


def plot_groups(series: AngleSeries, key_angles: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Angles to plot, grouped so left and right of one angle share a plot."""
    names = [n for n in key_angles if series.has(n)] or fallback_angles(series)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(base_angle(name), []).append(name)
    return list(groups.items())[:MAX_PLOT_GROUPS]


def fallback_angles(series: AngleSeries, n_groups: int = 3) -> list[str]:
    """Without declared key angles: the 2D angles that move most, both sides of each."""
    ranges: dict[str, float] = {}
    for name in series.names:
        if name.endswith("_3d") or series.valid_fraction(name) < 0.3:
            continue
        values = series.column(name)
        spread = float(np.nanpercentile(values, 95) - np.nanpercentile(values, 5))
        base = base_angle(name)
        ranges[base] = max(ranges.get(base, 0.0), spread)
    chosen = sorted(ranges, key=lambda b: -ranges[b])[:n_groups]
    return [n for n in series.names if base_angle(n) in chosen and not n.endswith("_3d")]


def segment_marks(segments: Sequence[Segment]) -> list[plots.SegmentMark]:
    return [
        plots.SegmentMark(s.t_start, s.t_stop, label)
        for s, label in zip(segments, segment_labels(segments), strict=True)
    ]


def series_figures(
    series: AngleSeries,
    groups: Sequence[tuple[str, list[str]]],
    segments: Sequence[Segment],
    info: ProtocolInfo,
    prefix: str,
) -> list[FigureView]:
    figures = []
    marks = segment_marks(segments)
    for i, (base, names) in enumerate(groups):
        lines = [
            plots.SeriesLine(
                angle_side(n) or humanize(n), series.column(n), plots.side_color(angle_side(n))
            )
            for n in names
            if np.isfinite(series.column(n)).any()
        ]
        if not lines:
            continue
        band = info.key_band if info.key_angle and base_angle(info.key_angle) == base else None
        title = humanize(base)
        svg = plots.plot_angle_series(series.t, lines, title=title, band=band, segments=marks)
        caption = f"{title} over time" + (
            f"; shaded: normal band {band[0]:g} to {band[1]:g}°" if band else ""
        )
        caption += "; grey bands: reps and holds" if marks else ""
        figures.append(FigureView(Markup(plots.scope_svg_ids(svg, f"{prefix}s{i}")), caption))
    return figures


def metric_rows(
    metrics: Sequence[MetricValue],
    findings: Sequence[Finding],
    test: str,
    book: NormBook,
    info: ProtocolInfo,
) -> list[MetricRowView]:
    by_metric: dict[str, list[MetricValue]] = {}
    for value in metrics:
        by_metric.setdefault(value.metric, []).append(value)
    rows = []
    for metric, values in by_metric.items():
        cells: dict[str, MetricCell] = {v.side or "both": metric_cell(v) for v in values}
        sides = measured_sides(values)
        difference = (
            fmt_value(abs(sides["left"] - sides["right"]), values[0].unit)
            if {"left", "right"} <= set(sides)
            else ""
        )
        norm = norm_for(values[0], test, book)
        rows.append(
            MetricRowView(
                label=info.metric_labels.get(metric, humanize(metric)),
                cells=cells,
                difference=difference,
                reference=norm.describe() if norm is not None else "",
                severity=worst_severity(f.severity for f in findings if f.metric == metric),
            )
        )
    return rows


def metric_cell(value: MetricValue) -> MetricCell:
    if value.status != "ok" or value.value is None:
        return MetricCell("not measurable", "not_measurable", value.reason or "")
    reps = "" if value.n_reps is None else f", {count(value.n_reps, 'valid rep')}"
    return MetricCell(
        fmt_value(value.value, value.unit),
        "ok",
        f"quality {value.quality:.2f}, {count(value.n_frames, 'frame')}{reps}",
    )


def side_figure(
    metrics: Sequence[MetricValue], test: str, book: NormBook, info: ProtocolInfo, prefix: str
) -> FigureView | None:
    items = []
    for metric in dict.fromkeys(m.metric for m in metrics):
        own = [m for m in metrics if m.metric == metric]
        sides = measured_sides(own)
        if not {"left", "right"} <= set(sides) or own[0].unit == "count":
            continue  # counts (reps, strides) are not a left/right comparison
        norm = norm_for(own[0], test, book)
        threshold = norm.threshold if norm is not None and norm.rule != "descriptive" else None
        label = info.metric_labels.get(metric, humanize(metric))
        reference = norm.describe() if norm else ""
        items.append(
            plots.SideBar(label, own[0].unit, sides["left"], sides["right"], threshold, reference)
        )
    if not items:
        return None
    svg = plots.plot_side_comparison(items)
    return FigureView(
        Markup(plots.scope_svg_ids(svg, f"{prefix}lr")),
        "left (blue) and right (orange); dashed: reference threshold",
    )


FLAG_KEYS = frozenset({"valid", "counted"})  # 1/0 flags on segments, shown as yes/no


def segment_cell(key: str, value: float | None) -> str:
    """A segment's value for the table: flags as yes/no, numbers with one decimal."""
    if key in FLAG_KEYS and value is not None:
        return "yes" if value else "no"
    return fmt_value(value)


def segment_table(segments: Sequence[Segment]) -> TableView | None:
    if not segments:
        return None
    keys = list(dict.fromkeys(k for s in segments for k in s.values))
    has_side = any(s.side for s in segments)
    columns = (
        "",
        *(("side",) if has_side else ()),
        "time (s)",
        "duration (s)",
        *(humanize(k) for k in keys),
    )
    rows = []
    for segment, label in zip(segments, segment_labels(segments), strict=True):
        values = tuple(segment_cell(k, segment.values.get(k)) for k in keys)
        side = (segment.side or "—",) if has_side else ()
        times = (
            f"{segment.t_start:.2f}–{segment.t_stop:.2f}",
            f"{segment.t_stop - segment.t_start:.2f}",
        )
        rows.append((label, *side, *times, *values))
    return TableView(columns=columns, rows=tuple(rows))


def quality_notes(
    record: TestRecord,
    series: AngleSeries | None,
    groups: Sequence[tuple[str, list[str]]],
    notes: Sequence[str],
    info: ProtocolInfo | None = None,
) -> list[str]:
    result = record.result
    labels = info.metric_labels if info is not None else {}
    out = []
    if not record.complete:
        out.append("The test was stopped before it was complete.")
    mentions_view = any("view" in reason for reason in result.reasons)
    if result.view_detected not in (result.view_required, "", "unknown") and not mentions_view:
        out.append(
            f"This test needs {with_article(result.view_required)} view; "
            f"the camera saw {with_article(result.view_detected)} view."
        )
    out.extend(result.reasons)
    for value in result.metrics:
        side = f"{value.side} " if value.side else ""
        label = sentence_case(labels.get(value.metric, humanize(value.metric)))
        if value.status != "ok":
            out.append(f"Not measurable: {side}{label}: {(value.reason or '').rstrip('.')}.")
        elif value.quality < LOW_QUALITY:
            out.append(
                f"Low quality: {side}{label} comes from {count(value.n_frames, 'frame')} "
                f"with quality {value.quality:.2f}; treat it with caution."
            )
    if series is not None:
        for _, names in groups:
            for name in names:
                fraction = series.valid_fraction(name)
                if fraction < LOW_VALID_FRACTION:
                    out.append(
                        f"{humanize(name)} is valid in {100 * fraction:.0f}% of frames "
                        "(landmarks hidden or wrong view)."
                    )
    out.extend(result.notes)
    out.extend(notes)
    return list(dict.fromkeys(n.strip() for n in out if n and n.strip()))


def sentence_case(label: str) -> str:
    """'Knee angle' -> 'knee angle' inside a sentence; acronyms ('FPPA ...') stay as they are."""
    return label[0].lower() + label[1:] if label[:2].istitle() else label


def processing_lines(
    record: TestRecord, sequence: PoseSequence | None, series: AngleSeries | None
) -> list[str]:
    lines = []
    if record.source:
        lines.append(f"recording: {record.source}")
    if series is not None:
        lines.append(f"angles: {series.source}")
    if sequence is not None:
        meta = sequence.meta
        width, height = meta.frame_size
        lines.append(
            f"landmarks: {sequence.n_frames} frames, {sequence.fps:.1f} fps, {width}×{height} px, "
            f"rotation {meta.rotation_deg}°, model {meta.model_name or 'unknown'}"
            + (f" (sha256 {meta.model_sha256[:12]})" if meta.model_sha256 else "")
        )
        if meta.calibration:
            lines.append(f"calibration: {meta.calibration}")
    steps = record.processing or (
        series.provenance
        if series is not None and series.provenance
        else (sequence.meta.provenance if sequence else ())
    )
    lines.extend(f"step: {step.describe()}" for step in steps)
    return lines


def recorded_steps(results: SessionResults) -> tuple[ProcessingStep, ...]:
    """The processing steps the session's tests recorded (the first test that has them)."""
    return next((record.processing for record in results.tests if record.processing), ())


def describe_pipeline(steps: Sequence[ProcessingStep]) -> str:
    """The recorded processing in words, read from the steps and their parameters."""
    by_name = {step.name: step.params for step in steps}
    sentences = [text for name, params in by_name.items() if (text := _step_sentence(name, params))]
    if not sentences:
        return "No processing record was saved with this session's results."
    text = "; ".join(sentences)
    return f"{text[0].upper()}{text[1:]}. The exact steps recorded for each test are listed below."


def _step_sentence(name: str, params: Mapping[str, Any]) -> str:
    if name == "landmark_validity":
        return f"landmarks below {params.get('min_visibility', '?')} visibility are discarded"
    if name == "interpolate_gaps":
        return f"gaps up to {params.get('max_gap_s', '?')} s are filled by linear interpolation"
    if name == "filter_butterworth":
        if params.get("cutoff_hz") is None:
            return "trajectories are not low-pass filtered"
        return (
            f"trajectories are low-pass filtered (zero-phase order-{params.get('order', '?')} "
            f"Butterworth, {params['cutoff_hz']} Hz)"
        )
    if name == "undistort":
        return f"lens distortion is removed with the calibration {params.get('calibration', '?')}"
    if name == "view_gate":
        return "2D angles are blanked in frames filmed from the wrong view"
    return ""


# ============================================================================ methods


def angle_definitions(
    results: SessionResults, tests: Sequence[TestView]
) -> tuple[AngleDefView, ...]:
    from hipsight.kinematics.angles import ANGLE_NAMES, angle_spec

    wanted = {n for record in results.tests for n in record.result.key_angles}
    wanted.update(n for test in tests for n in test.angles_plotted)
    shown = [n for n in ANGLE_NAMES if n in wanted]
    out = []
    for name in shown:
        spec = angle_spec(name)
        out.append(
            AngleDefView(
                name,
                spec.plane,
                spec.view,
                "2D image" if spec.variant == "2d" else "3D world",
                spec.zero,
                spec.sign,
            )
        )
    return tuple(out)


def norm_views(results: SessionResults, book: NormBook) -> tuple[NormView, ...]:
    seen: dict[str, Norm] = {}
    for record in results.tests:
        for value in record.result.metrics:
            norm = norm_for(value, record.result.test, book)
            if norm is not None:
                seen.setdefault(norm.id, norm)
    return tuple(
        NormView(
            test=humanize(norm.test),
            metric=humanize(norm.metric),
            reference=norm.describe(),
            population=norm.population,
            source=norm.source,
            evidence=str(norm.evidence),
            evidence_text=EVIDENCE_TEXT.get(str(norm.evidence), str(norm.evidence)),
        )
        for norm in seen.values()
    )
