"""``finish_session``: the report with the change since the previous session, then the session
recorded in the history; history problems never stop the report.

The sessions are demos (tests/demo_session.py): synthetic recordings measured by the real
protocols, so the expected changes are computed from the values they measured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from demo_session import CopyDemo, DemoOptions, measured_value
from hipsight.finish import finish_session
from hipsight.history.db import HistoryDB
from hipsight.session.reader import load_session
from html_dom import parse


def change_row_text(then: float, now: float, verdict: str) -> str:
    """A row of the report's change table as read: previous, current, signed change, verdict."""
    sign = "+" if now >= then else "−"
    return f"{then:.1f}° {now:.1f}° {sign}{abs(now - then):.1f}° {verdict}"


def test_change_since_the_previous_session(tmp_path: Path, copy_demo_session: CopyDemo) -> None:
    db_path = tmp_path / "history.sqlite"
    first = copy_demo_session(tmp_path / "s1", DemoOptions(person="Alex"))
    second = copy_demo_session(
        tmp_path / "s2",
        DemoOptions(
            person="alex ",
            session_id="demo-0002",
            created="2024-06-01T10:00:00+00:00",
            internal_rotation_deg=(37.0, 33.0),
        ),
    )
    with HistoryDB.open(db_path) as db:
        assert db.import_session(load_session(first)) == "imported"
    _, dom = parse(finish_session(second, db_path=db_path))
    change = dom.section_text("change")
    assert "2024-05-01 10:00 UTC" in change and "demo-0001" in change
    before, after = load_session(first), load_session(second)
    # the demo's hips turned inward right 15° then 33° (beyond the 5° noise; the norm is a
    # minimum, so up is better), left 36° then 37° (within the noise)
    for side, change_deg, verdict in (("right", 18.0, "better"), ("left", 1.0, "no clear change")):
        then, now = (
            measured_value(s, "hip_rotation", "internal_rotation", side) for s in (before, after)
        )
        assert now - then == pytest.approx(change_deg, abs=1.0)
        assert change_row_text(then, now, verdict) in change
    with HistoryDB.open(db_path) as db:
        assert [s.session_id for s in db.sessions("ALEX")] == ["demo-0001", "demo-0002"]


def test_a_broken_history_database_does_not_stop_the_report(
    tmp_path: Path, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path / "s")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    warnings: list[str] = []
    out = finish_session(tmp_path / "s", db_path=bad, warn=warnings.append)
    assert out.is_file() and len(warnings) == 1 and "history not used" in warnings[0]


def test_an_unnamed_session_leaves_the_history_alone(
    tmp_path: Path, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path / "s", DemoOptions(person=None))
    out = finish_session(tmp_path / "s", db_path=tmp_path / "db.sqlite")
    assert out.is_file() and not (tmp_path / "db.sqlite").exists()
