"""``finish_session``: the report with the change since the previous session, then the session
recorded in the history; history problems never stop the report."""

from __future__ import annotations

from pathlib import Path

from demo_session import CopyDemo, DemoOptions
from hipsight.history.db import HistoryDB
from hipsight.session.finish import finish_session
from hipsight.session.reader import load_session
from html_dom import parse


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
    assert "24.0° 33.0° +9.0° better" in change  # right internal rotation
    assert "36.0° 37.0° +1.0° no clear change" in change
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
