"""The per-recording task, the same for every engine: analyse one input, write its folder.

A :class:`RecordingWorker` lives as long as its process (or Ray actor): it resolves the model once
and keeps its landmarkers warm across recordings. :meth:`RecordingWorker.run` never raises for a
recording's own problems: they become an ``error`` (or ``not_measurable``) row with a one-line
reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from hipsight.analysis import (
    LANDMARK_SUFFIX,
    Analysis,
    AnalysisOptions,
    analyse_sequence,
    choose_subject_policy,
    write_outputs,
)
from hipsight.batching.plan import Recording
from hipsight.batching.table import MARKER_NAME, BatchRow, RowStatus, write_marker
from hipsight.batching.warm import WarmPose
from hipsight.errors import HipsightError, NoPersonError
from hipsight.fileio import sha256_file
from hipsight.pose.sequence import PoseSequence, read_landmarks
from hipsight.results import TestResult


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs: analysis options shared by all recordings and its threads."""

    options: AnalysisOptions
    threads: int = 1


@dataclass(frozen=True)
class Task:
    """One recording to do, with the folder its outputs go to (absolute, shared)."""

    recording: Recording
    out_dir: Path


class RecordingWorker:
    """Analyses recordings one after another with warm landmarkers (created on first video)."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._pose: WarmPose | None = None

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def run(self, task: Task) -> BatchRow:
        """Analyse one recording; its row, whatever happened."""
        start = time.perf_counter()
        recording = task.recording
        options = recording_options(self.settings.options, recording)
        (task.out_dir / MARKER_NAME).unlink(missing_ok=True)  # complete again only when done
        try:
            digest = sha256_file(recording.input)
        except OSError as exc:
            return error_row(task, f"{recording.input}: cannot read: {exc.strerror or exc}", start)
        try:
            seq, warnings = self.load(recording.input, options)
            analysis = analyse_sequence(seq, options, warnings)
            write_outputs(
                analysis,
                task.out_dir,
                stem_of(recording.input),
                person=recording.person,
                created=recording.session_date,
            )
            if analysis.result is not None and not recording.person:
                finish_unnamed(task.out_dir)
        except NoPersonError as exc:
            row = outcome_row(task, "not_measurable", one_line(exc), start, digest)
        except HipsightError as exc:
            return outcome_row(task, "error", one_line(exc), start, digest)
        except Exception as exc:
            return outcome_row(
                task, "error", f"{type(exc).__name__}: {one_line(exc)}", start, digest
            )
        else:
            row = analysis_row(task, analysis, start, digest)
        write_marker(task.out_dir, row)
        return row

    def load(self, path: Path, options: AnalysisOptions) -> tuple[PoseSequence, tuple[str, ...]]:
        if path.suffix.lower() == LANDMARK_SUFFIX:
            return read_landmarks(path)
        extraction = self.pose().extract(path, subject=subject_of(options))
        return extraction.sequence, extraction.warnings

    def pose(self) -> WarmPose:
        if self._pose is None:
            from hipsight.io.native import native_stderr_silenced
            from hipsight.models.store import resolve_model

            options = self.settings.options
            with native_stderr_silenced():
                model = resolve_model(options.model, notify=lambda line: None)
                self._pose = WarmPose(model, options.max_people, self.settings.threads)
                self._pose.__enter__()
        return self._pose


def recording_options(options: AnalysisOptions, recording: Recording) -> AnalysisOptions:
    return dataclasses.replace(
        options,
        test=recording.test,
        person=recording.person,
        view=recording.view or options.view,
        progress=False,
    )


def subject_of(options: AnalysisOptions) -> str | int:
    policy = choose_subject_policy(options)
    return int(policy) if policy.isdigit() else policy


def stem_of(path: Path) -> str:
    return path.stem.removesuffix("_landmarks")


def finish_unnamed(out_dir: Path) -> None:
    """The report of a session without a person (no history is touched, so workers may)."""
    from hipsight.finish import finish_session

    finish_session(out_dir, use_history=False)


def analysis_row(task: Task, analysis: Analysis, start: float, digest: str) -> BatchRow:
    summary = analysis.summary
    status, reason = result_status(analysis.result)
    return dataclasses.replace(
        outcome_row(task, status, reason, start, digest),
        n_frames=int(summary["n_frames"]),
        fps=float(summary["fps"]),
        detected_fraction=float(summary["detected_fraction"]),
        metrics=headline_metrics(analysis.result),
    )


def result_status(result: TestResult | None) -> tuple[RowStatus, str]:
    if result is None:
        return "ok", ""
    if result.status == "not_measurable":
        return "not_measurable", "; ".join(result.reasons) or "not measurable"
    return "ok", ("partial: " + "; ".join(result.reasons)) if result.status == "partial" else ""


def headline_metrics(result: TestResult | None) -> dict[str, float | None]:
    """The test's metrics by column: ``metric`` or ``metric_left`` / ``metric_right``."""
    if result is None:
        return {}
    columns: dict[str, float | None] = {}
    for metric in result.metrics:
        name = metric.metric if metric.side is None else f"{metric.metric}_{metric.side}"
        columns[name] = metric.value if metric.status == "ok" else None
    return columns


def outcome_row(
    task: Task, status: RowStatus, reason: str, start: float, digest: str = ""
) -> BatchRow:
    recording = task.recording
    return BatchRow(
        input=str(recording.input),
        output=str(task.out_dir),
        status=status,
        reason=reason,
        test=recording.test,
        person=recording.person,
        session_date=recording.session_date,
        seconds=round(time.perf_counter() - start, 3),
        sha256=digest,
    )


def error_row(task: Task, reason: str, start: float) -> BatchRow:
    return outcome_row(task, "error", reason, start)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def run_tasks_here(settings: WorkerSettings, tasks: list[Task]) -> list[BatchRow]:
    """Run tasks in this process (tests and tools)."""
    worker = RecordingWorker(settings)
    try:
        return [worker.run(task) for task in tasks]
    finally:
        worker.close()
