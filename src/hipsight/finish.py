"""The one "finish" step of a session: write its report, then record it in the history.

``hipsight analyze --test``, ``hipsight assess`` and ``hipsight report`` all end here. The report
shows the change since the person's previous session (from the history database); then the
session is recorded, so that the next report can compare with it. Only sessions that name a person
touch the database: an unnamed session is neither compared nor recorded (``hipsight history
import`` records it on request). History problems never stop the report: they go to ``warn``, one
line each, and the report is built without history.
"""

# Lazy imports on purpose: the report (jinja2, scipy) is imported when a session is finished.

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hipsight.errors import HipsightError
from hipsight.session.reader import load_session, results_path_of

Warn = Callable[[str], None]

__all__ = ["finish_session"]


def finish_session(
    session: str | Path,
    report_path: str | Path | None = None,
    db_path: str | Path | None = None,
    use_history: bool = True,
    warn: Warn | None = None,
) -> Path:
    """Write the session's report (default ``SESSION/report.html``) and record it in the
    history; return the report's path."""
    from hipsight.history.db import HistoryDB
    from hipsight.report.html import build_report

    results_path = results_path_of(session)
    results = load_session(results_path, warn=warn)  # validated once, before anything is written
    if not use_history or not (results.person or "").strip():
        return build_report(results_path, report_path)
    try:
        db = HistoryDB.open(db_path)
    except HipsightError as exc:
        _warn(warn, f"history not used: {exc}")
        return build_report(results_path, report_path)
    with db:
        report = build_report(results_path, report_path, history=db)
        try:
            db.import_session(results, source=results_path.resolve())
        except HipsightError as exc:
            _warn(warn, f"session not recorded in the history: {exc}")
    return report


def _warn(warn: Warn | None, message: str) -> None:
    if warn is not None:
        warn(message)
