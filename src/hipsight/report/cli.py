"""Commands ``hipsight report``, ``hipsight history`` and ``hipsight export``.

:func:`register` adds them to the main parser's subparsers. Handlers return an exit code and
raise :class:`~hipsight.errors.HipsightError` for the user's mistakes (the main CLI prints one
line and exits 2). Heavy modules are imported inside the handlers.

``hipsight report`` also records a session that names a person in the history database
(``--no-history`` skips both the comparison with the previous session and the import), so the
next report of the same person can show what changed.
"""

# Lazy imports on purpose: each command imports what it needs, so `hipsight --help` stays fast.

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hipsight.errors import InputError

EXIT_OK = 0
MAX_HISTORY_COLUMNS = 8

__all__ = [
    "cmd_export",
    "cmd_history",
    "cmd_history_import",
    "cmd_report",
    "format_history_table",
    "register",
]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ============================================================================ handlers


def cmd_report(args: argparse.Namespace) -> int:
    from hipsight.report.html import write_session_report

    path = write_session_report(
        args.session,
        out_path=args.output,
        db_path=args.db,
        use_history=not args.no_history,
        warn=lambda line: _stderr(f"hipsight: warning: {line}"),
    )
    print(path)
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from hipsight.history.db import HistoryDB

    with HistoryDB.open(args.db) as db:
        rows = db.query_metrics(person=args.person, test=args.test, metric=args.metric)
        if not rows:
            who = f" for {args.person!r}" if args.person else ""
            print(
                f"no sessions{who} in {db.path}; add one with: hipsight history import SESSION_DIR"
            )
            return EXIT_OK
        print(format_history_table(rows))
        if args.plot is not None:
            from hipsight.history.plots import write_progress_plots

            for path in write_progress_plots(rows, args.plot, fmt=args.plot_format):
                print(path)
    return EXIT_OK


def cmd_history_import(args: argparse.Namespace) -> int:
    from hipsight.export.session import results_path_of
    from hipsight.history.db import HistoryDB
    from hipsight.results import load_results

    paths = [results_path_of(session) for session in args.sessions]  # check them all before writing
    with HistoryDB.open(args.db) as db:
        for path in paths:
            results = load_results(path)
            outcome = db.import_session(results, source=path.resolve())
            print(
                f"{outcome:9} {results.session_id} {results.person or '(no name)'} "
                f"{results.created} {path}"
            )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from hipsight.export.session import export_session

    outcome = export_session(args.session, args.format, args.out)
    for path in outcome.written:
        print(path)
    for reason in outcome.skipped:
        _stderr(f"hipsight: skipped {reason}")
    if not outcome.written:
        raise InputError(
            f"{args.session}: nothing to export as {args.format} (no test has the data it needs)"
        )
    return EXIT_OK


# ============================================================================ table


def format_history_table(rows: Sequence[Any]) -> str:
    """Metrics over time: a block per person, a row per test/metric/side, a column per session.

    Shows the latest :data:`MAX_HISTORY_COLUMNS` sessions; values in the metric's unit, ``—`` when
    the metric was not measurable.
    """
    blocks = []
    persons = list(dict.fromkeys(r.person for r in rows))
    for person in persons:
        own = [r for r in rows if r.person == person]
        sessions = list(dict.fromkeys((r.created, r.session_id) for r in own))[
            -MAX_HISTORY_COLUMNS:
        ]
        keys = list(dict.fromkeys((r.test, r.metric, r.side or "") for r in own))
        cells = {(r.test, r.metric, r.side or "", r.created, r.session_id): r for r in own}
        header = ["test", "metric", "side", *(created[:10] for created, _ in sessions)]
        table = [header]
        for test, metric, side in keys:
            values = [
                _cell(cells.get((test, metric, side, created, sid))) for created, sid in sessions
            ]
            if any(v for v in values):
                table.append([test, metric, side or "-", *values])
        blocks.append(
            f"person: {person or '(no name)'}  ({len(sessions)} session(s))\n" + _align(table)
        )
    return "\n\n".join(blocks)


def _cell(row: Any) -> str:
    if row is None:
        return ""
    if row.status != "ok" or row.value is None:
        return "—"
    return f"{row.value:.1f}"


def _align(table: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# ============================================================================ parser


def register(subparsers: Any) -> None:
    """Add ``report``, ``history`` and ``export`` to the main parser's subparsers."""
    report = subparsers.add_parser(
        "report", help="write the HTML report of a session (and record it in the history)"
    )
    report.add_argument("session", type=Path, help="session folder, or its results.json")
    report.add_argument(
        "-o", "--output", type=Path, default=None, help="report file (default: SESSION/report.html)"
    )
    report.add_argument(
        "--db",
        type=Path,
        default=None,
        help="history database (default: $HIPSIGHT_HISTORY_DB or the user data folder)",
    )
    report.add_argument(
        "--no-history",
        action="store_true",
        help="neither compare with nor record in the history database",
    )
    report.set_defaults(handler=cmd_report)

    history = subparsers.add_parser(
        "history", help="metrics across sessions: table, progress charts, import"
    )
    history.add_argument("--person", default=None, help="only this person (case-insensitive)")
    history.add_argument("--test", default=None, help="only this test id, e.g. hip_rotation")
    history.add_argument(
        "--metric", default=None, help="only this metric id, e.g. internal_rotation"
    )
    history.add_argument(
        "--plot", type=Path, default=None, metavar="DIR", help="also write progress charts into DIR"
    )
    history.add_argument(
        "--plot-format", choices=("png", "svg"), default="png", help="chart format (default png)"
    )
    history.add_argument(
        "--db",
        type=Path,
        default=None,
        help="history database (default: $HIPSIGHT_HISTORY_DB or the user data folder)",
    )
    history.set_defaults(handler=cmd_history)
    history_sub = history.add_subparsers(dest="history_cmd", metavar="import")
    importer = history_sub.add_parser(
        "import", help="add sessions to the history database (idempotent)"
    )
    importer.add_argument(
        "sessions", nargs="+", type=Path, help="session folders or results.json files"
    )
    importer.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="history database")
    importer.set_defaults(handler=cmd_history_import)

    export = subparsers.add_parser(
        "export", help="export a session as CSV, OpenSim .mot, results.json or landmarks"
    )
    export.add_argument("session", type=Path, help="session folder, or its results.json")
    export.add_argument(
        "--format", required=True, choices=("csv", "mot", "json", "npz"), help="what to export"
    )
    export.add_argument(
        "--out", type=Path, default=None, help="output folder (default: SESSION/export)"
    )
    export.set_defaults(handler=cmd_export)
