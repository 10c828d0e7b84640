"""The change since the person's previous session, from the history database.

Sessions are matched by person name (case-insensitive); a session without a name is never
compared. A change smaller than the typical single-camera error is reported as "no clear change";
otherwise the norm's rule says whether it went the right way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hipsight.findings.engine import Norm, NormBook
from hipsight.history.db import HistoryDB, MetricRow
from hipsight.report.views import (
    ChangeRowView,
    ChangeView,
    PreviousSession,
    fmt_value,
    format_timestamp,
    humanize,
    norm_for,
)
from hipsight.results import MetricValue, SessionResults

CHANGE_NOISE = {"deg": 5.0, "s": 3.0}  # a change smaller than this is within measurement error

__all__ = ["build_change_view", "change_note", "change_verdict", "find_previous_session"]


def find_previous_session(
    results: SessionResults, history: HistoryDB | str | Path | None
) -> PreviousSession | None:
    """The person's previous session in the history (None without a person or a history)."""
    if history is None or not (results.person or "").strip():
        return None
    if isinstance(history, HistoryDB):
        return _previous_from(history, results)
    with HistoryDB.open(history) as db:
        return _previous_from(db, results)


def _previous_from(db: HistoryDB, results: SessionResults) -> PreviousSession | None:
    row = db.previous_session(results.person, results.created, exclude=results.session_id)
    return PreviousSession(row, db.session_metrics(row.session_id)) if row is not None else None


def change_note(results: SessionResults, previous: PreviousSession | None) -> str:
    if not (results.person or "").strip():
        return "No person is named in this session, so it is not compared with earlier sessions."
    if previous is None:
        return "No earlier session of this person is in the history database."
    return ""


def build_change_view(
    results: SessionResults,
    previous: PreviousSession,
    book: NormBook,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> ChangeView:
    """Each metric measured in both sessions (by test, metric and side): before, now, direction.

    ``labels`` maps test id -> metric id -> the protocol's label for it.
    """
    before = {(m.test, m.metric, m.side): m for m in previous.metrics}
    rows = []
    for record in results.tests:
        for value in record.result.metrics:
            old = before.get((record.result.test, value.metric, value.side))
            if old is None or (value.status != "ok" and old.status != "ok"):
                continue
            norm = norm_for(value, record.result.test, book)
            label = (labels or {}).get(record.result.test, {}).get(value.metric)
            rows.append(change_row(record.result.title, value, old, norm, label))
    note = "" if rows else "The previous session measured none of the same metrics."
    return ChangeView(
        format_timestamp(previous.row.created), previous.row.session_id, tuple(rows), note
    )


def change_row(
    title: str, value: MetricValue, old: MetricRow, norm: Norm | None, label: str | None = None
) -> ChangeRowView:
    now = value.value if value.status == "ok" else None
    then = old.value if old.status == "ok" else None
    delta = verdict = ""
    if now is not None and then is not None:
        change = now - then
        delta = ("+" if change >= 0 else "−") + fmt_value(abs(change), value.unit)
        verdict = change_verdict(now, then, value.unit, norm)
    return ChangeRowView(
        test_title=title,
        metric=label or humanize(value.metric),
        side=value.side or "—",
        previous=fmt_value(then, value.unit) if then is not None else "not measured",
        current=fmt_value(now, value.unit) if now is not None else "not measured",
        delta=delta,
        verdict=verdict,
    )


def change_verdict(now: float, then: float, unit: str, norm: Norm | None) -> str:
    """'better', 'worse' or 'no clear change' (within measurement error), by the norm's rule."""
    if abs(now - then) < CHANGE_NOISE.get(unit, 0.0):
        return "no clear change"
    if norm is None or norm.rule == "descriptive":
        return "changed"
    if norm.rule == "min":
        return "better" if now > then else "worse"
    if norm.absolute:
        return "better" if abs(now) < abs(then) else "worse"
    return "better" if now < then else "worse"
