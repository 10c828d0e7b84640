"""Command ``hipsight batch``: analyse a folder or a manifest of recordings (docs/batch.md).

:func:`register` adds it to the main parser's subparsers.
"""

# Lazy imports on purpose: the command imports what it needs, so `hipsight --help` stays fast.

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_INTERRUPTED = 130  # as hipsight.cli: Ctrl-C

__all__ = ["cmd_batch", "register"]


def cmd_batch(args: argparse.Namespace) -> int:
    from hipsight.analysis import AnalysisOptions
    from hipsight.batching.runner import run_batch

    out = args.out if args.out is not None else Path("out") / f"batch-{Path(args.input).stem}"
    options = AnalysisOptions(max_people=args.max_people, model=args.model, progress=False)
    bar = ProgressBar(enabled=not args.no_progress)
    try:
        result = run_batch(
            args.input,
            out,
            test=args.test,
            tests_from=args.tests_from,
            jobs=args.jobs,
            threads=args.threads,
            engine=args.engine,
            force=args.force,
            address=args.address,
            options=options,
            on_start=bar.start,
            on_row=bar.update,
            warn=lambda line: print(f"hipsight: warning: {line}", file=sys.stderr),
        )
    except KeyboardInterrupt:
        bar.close()  # before the message, which would otherwise land inside the bar
        print(
            f"hipsight: interrupted; the finished recordings are in {out / 'batch.csv'}: "
            "run the same command again to go on",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        bar.close()
    summary = result.summary
    counts = summary["counts"]
    print(
        f"{summary['recordings']} recordings: {counts['ok']} ok, "
        f"{counts['not_measurable']} not measurable, {counts['error']} error "
        f"({summary['resumed']} already done); {summary['total_frames']} frames in "
        f"{summary['wall_s']:.1f} s ({summary['frames_per_s'] or 0:.1f} frames/s)"
    )
    for row in result.rows:
        if row.status == "error":
            print(f"error: {row.input}: {row.reason}", file=sys.stderr)
    print(f"table: {result.csv_path}\nsummary: {result.json_path}")
    return EXIT_OK


class ProgressBar:
    """Recordings done and left, frames per second and an ETA (tqdm, on stderr)."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._frames = 0
        self._enabled = enabled

    def update(self, row: Any) -> None:
        if self._bar is None:
            return
        self._frames += row.n_frames or 0
        elapsed = self._bar.format_dict.get("elapsed") or 0.0
        self._bar.set_postfix_str(
            f"{self._frames / elapsed:.1f} frames/s" if elapsed else "", refresh=False
        )
        self._bar.update(1)

    def start(self, total: int) -> None:
        if self._enabled:
            from hipsight.optional import require

            tqdm = require("tqdm", "the progress bar").tqdm
            self._bar = tqdm(total=total, unit="rec", desc="batch", disable=None, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def register(sub: Any) -> None:
    """Add ``hipsight batch`` to the main parser's subparsers."""
    from hipsight.config import DEFAULTS

    batch = sub.add_parser(
        "batch", help="analyse a folder or a manifest CSV of recordings into one table"
    )
    batch.add_argument(
        "input", type=Path, help="folder (searched recursively) or manifest .csv (docs/batch.md)"
    )
    tests = batch.add_mutually_exclusive_group()
    tests.add_argument("--test", default=None, help="screening test for every recording")
    tests.add_argument(
        "--tests-from",
        default=None,
        metavar="COLUMN",
        help="manifest column naming each row's test (default: the `test` column)",
    )
    batch.add_argument(
        "--out", type=Path, default=None, help="output folder (default: out/batch-<input name>)"
    )
    batch.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="recordings analysed at once (default: cores; --engine ray: the cluster's CPUs)",
    )
    batch.add_argument(
        "--threads",
        type=int,
        default=1,
        help="inference threads per recording (chunks of long videos; default 1)",
    )
    batch.add_argument("--engine", choices=("local", "ray"), default="local")
    batch.add_argument("--address", default=None, help="Ray cluster address (with --engine ray)")
    batch.add_argument("--force", action="store_true", help="redo recordings already done")
    batch.add_argument("--model", default=None, help="a PoseLandmarker .task file")
    batch.add_argument(
        "--max-people",
        type=int,
        default=DEFAULTS.max_people,
        help=f"people detected per frame (default {DEFAULTS.max_people})",
    )
    batch.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    batch.set_defaults(handler=cmd_batch)
