"""Command ``hipsight history``: metrics across sessions, progress charts, import.

:func:`register` adds it to the main parser's subparsers. Handlers return an exit code and raise
:class:`~hipsight.errors.HipsightError` for the user's mistakes (the main CLI prints one line and
exits 2).
"""

# Lazy imports on purpose: each command imports what it needs, so `hipsight --help` stays fast.

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hipsight.wording import count

EXIT_OK = 0
MAX_HISTORY_COLUMNS = 8

__all__ = ["cmd_history", "cmd_history_import", "format_history_table", "register"]


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
    from hipsight.history.db import HistoryDB
    from hipsight.session.reader import load_session, results_path_of

    paths = [results_path_of(session) for session in args.sessions]
    sessions = [load_session(path) for path in paths]  # validate them all before writing
    with HistoryDB.open(args.db) as db:
        for path, results in zip(paths, sessions, strict=True):
            outcome = db.import_session(results, source=path.resolve())
            print(
                f"{outcome:9} {results.session_id} {results.person or '(no name)'} "
                f"{results.created} {path}"
            )
    return EXIT_OK


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
            f"person: {person or '(no name)'}  ({count(len(sessions), 'session')})\n"
            + _align(table)
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


def register(subparsers: Any) -> None:
    """Add ``history`` (and ``history import``) to the main parser's subparsers."""
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
