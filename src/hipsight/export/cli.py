"""Command ``hipsight export``: a session as CSV, OpenSim .mot, results.json or landmarks.

:func:`register` adds it to the main parser's subparsers; the formats come from
:data:`hipsight.export.formats.FORMATS`.
"""

# Lazy imports on purpose: each command imports what it needs, so `hipsight --help` stays fast.

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hipsight.errors import InputError

EXIT_OK = 0

__all__ = ["cmd_export", "register"]


def cmd_export(args: argparse.Namespace) -> int:
    from hipsight.export.session import export_session

    outcome = export_session(args.session, args.format, args.out)
    for path in outcome.written:
        print(path)
    for reason in outcome.skipped:
        print(f"hipsight: skipped {reason}", file=sys.stderr)
    if not outcome.written:
        raise InputError(
            f"{args.session}: nothing to export as {args.format} (no test has the data it needs)"
        )
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``export`` to the main parser's subparsers."""
    from hipsight.export.formats import format_names

    export = subparsers.add_parser(
        "export", help="export a session as CSV, OpenSim .mot, results.json or landmarks"
    )
    export.add_argument("session", type=Path, help="session folder, or its results.json")
    export.add_argument("--format", required=True, choices=format_names(), help="what to export")
    export.add_argument(
        "--out", type=Path, default=None, help="output folder (default: SESSION/export)"
    )
    export.set_defaults(handler=cmd_export)
