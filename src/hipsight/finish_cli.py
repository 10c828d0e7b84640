"""Command ``hipsight report``: finish a session.

It lives beside :mod:`hipsight.finish`, not in the ``report`` package, because it runs the whole
finish step (report, then history), which sits above ``report``; inside ``report`` it made the
two depend on each other.

:func:`register` adds it to the main parser's subparsers. Handlers return an exit code and
raise :class:`~hipsight.errors.HipsightError` for the user's mistakes (the main CLI prints one
line and exits 2). Heavy modules are imported inside the handlers.

``hipsight report`` finishes a session (:func:`hipsight.finish.finish_session`): it
also records a session that names a person in the history database
(``--no-history`` skips both the comparison with the previous session and the import), so the
next report of the same person can show what changed.
"""

# Lazy imports on purpose: each command imports what it needs, so `hipsight --help` stays fast.

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0

__all__ = ["cmd_report", "register"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ============================================================================ handlers


def cmd_report(args: argparse.Namespace) -> int:
    from hipsight.finish import finish_session

    path = finish_session(
        args.session,
        report_path=args.output,
        db_path=args.db,
        use_history=not args.no_history,
        warn=lambda line: _stderr(f"hipsight: warning: {line}"),
    )
    print(path)
    return EXIT_OK


# ============================================================================ parser


def register(subparsers: Any) -> None:
    """Add ``report`` to the main parser's subparsers."""
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
