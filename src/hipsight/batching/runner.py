"""``hipsight batch``: many recordings, each analysed as ``analyze`` would, gathered in one table.

The driver plans the recordings, skips those already done (same input SHA-256, same test and
person), hands the rest to an engine, and after every finished recording rewrites ``batch.csv``
atomically, so that an interruption leaves a valid table of what is finished. Named people's
sessions are finished here (report, then history), one at a time, as ``analyze --person`` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hipsight.analysis import AnalysisOptions
from hipsight.batching.engines import EngineName, default_jobs, run_engine
from hipsight.batching.plan import Recording, plan_batch
from hipsight.batching.table import (
    CSV_NAME,
    JSON_NAME,
    BatchRow,
    read_marker,
    row_from_marker,
    summarise,
    write_csv,
    write_json,
)
from hipsight.batching.task import Task, WorkerSettings
from hipsight.errors import HipsightError, InputError
from hipsight.fileio import sha256_file
from hipsight.session.reader import RESULTS_NAME

OnRow = Callable[[BatchRow], None]
Warn = Callable[[str], None]


@dataclass(frozen=True)
class BatchResult:
    """The table (in input order), where it was written, and the batch summary."""

    rows: tuple[BatchRow, ...]
    csv_path: Path
    json_path: Path
    summary: dict[str, Any]


def run_batch(
    source: str | Path,
    out_dir: str | Path,
    *,
    test: str | None = None,
    tests_from: str | None = None,
    jobs: int | None = None,
    threads: int = 1,
    engine: EngineName = "local",
    force: bool = False,
    address: str | None = None,
    options: AnalysisOptions | None = None,
    on_start: Callable[[int], None] | None = None,
    on_row: OnRow | None = None,
    warn: Warn | None = None,
) -> BatchResult:
    """Analyse every recording of a folder or manifest into ``out_dir``; return the table.

    ``on_start`` gets the number of recordings left to do; ``on_row`` is called after each
    recording (the progress bar; raising KeyboardInterrupt there stops the batch, keeping
    ``batch.csv`` valid).
    """
    start = time.perf_counter()
    out = Path(out_dir).resolve()
    jobs = None if jobs is None and engine == "ray" else check_jobs(jobs)  # Ray: all its CPUs
    recordings = plan_batch(source, out, test=test, tests_from=tests_from)
    tasks = [Task(recording=r, out_dir=out / r.name) for r in recordings]
    done = {} if force else finished_rows(tasks)
    order = {task.out_dir: index for index, task in enumerate(tasks)}
    rows: dict[Path, BatchRow] = {Path(row.output): row for row in done.values()}
    csv_path, json_path = out / CSV_NAME, out / JSON_NAME
    write_csv(ordered(rows, order), csv_path)
    todo = [task for task in tasks if task.out_dir not in done]
    settings = WorkerSettings(options=options or AnalysisOptions(progress=False), threads=threads)
    if on_start is not None:
        on_start(len(todo))
    extra = {"input": str(source), "out": str(out), "engine": engine, "jobs": jobs}
    engine_rows = run_engine(engine, todo, settings, jobs, address)
    try:
        for finished in engine_rows:
            row = finish_named(finished, warn)
            rows[Path(row.output)] = row
            write_csv(ordered(rows, order), csv_path)
            if on_row is not None:
                on_row(row)
    finally:
        close_engine(engine_rows)  # now, not when the traceback lets go of it
        table = ordered(rows, order)
        write_csv(table, csv_path)
        summary = summarise(table, time.perf_counter() - start, extra)
        write_json(summary, json_path)
    return BatchResult(tuple(table), csv_path, json_path, summary)


def close_engine(rows: Iterator[BatchRow]) -> None:
    """Stop an engine's row generator: its workers (processes, actors, Ray) are ended."""
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def check_jobs(jobs: int | None) -> int:
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    return jobs


def ordered(rows: dict[Path, BatchRow], order: dict[Path, int]) -> list[BatchRow]:
    return sorted(rows.values(), key=lambda row: order.get(Path(row.output), len(order)))


def finished_rows(tasks: Sequence[Task]) -> dict[Path, BatchRow]:
    """Recordings done by an earlier run with the same input bytes, test and person."""
    done = {}
    for task in tasks:
        row = finished_row(task)
        if row is not None:
            done[task.out_dir] = replace(row, resumed=True, seconds=0.0)
    return done


def finished_row(task: Task) -> BatchRow | None:
    marker = read_marker(task.out_dir)
    recording: Recording = task.recording
    if marker is None or marker.row.status == "error":
        return None
    if (marker.test, marker.person) != (recording.test, recording.person):
        return None
    if marker.row.status == "ok" and not (task.out_dir / "summary.json").is_file():
        return None  # outputs removed since: redo
    try:
        same = sha256_file(recording.input) == marker.sha256
    except OSError:
        return None
    return row_from_marker(marker) if same else None


def finish_named(row: BatchRow, warn: Warn | None) -> BatchRow:
    """A named person's session: its report, then the history (as ``analyze --person``)."""
    results = Path(row.output) / RESULTS_NAME
    if not row.person or row.status == "error" or not results.is_file():
        return row
    from hipsight.finish import finish_session

    try:
        finish_session(results, warn=warn)
    except HipsightError as exc:
        return replace(row, reason=f"{row.reason}; report not written: {exc}".lstrip("; "))
    return row
