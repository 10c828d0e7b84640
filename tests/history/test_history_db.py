"""The history database: import, query, idempotent re-import, previous session, migrations."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from hipsight.errors import InputError
from hipsight.history import db as history
from hipsight.history.db import (
    SCHEMA_VERSION,
    HistoryDB,
    Migration,
    apply_migration,
    history_db_path,
    migrate,
    to_utc_iso,
)
from hipsight.results import Finding, MetricValue, SessionResults, TestRecord, TestResult

# The version-1 schema exactly as released; kept literal here so a later edit of MIGRATIONS[0]
# cannot silently change what an old database looks like.
V1_SCHEMA = (
    """CREATE TABLE sessions (session_id TEXT PRIMARY KEY, person TEXT, created TEXT NOT NULL,
       kind TEXT NOT NULL, calibration TEXT, source TEXT, imported TEXT NOT NULL)""",
    "CREATE INDEX sessions_person_created ON sessions (person, created)",
    """CREATE TABLE metrics (session_id TEXT NOT NULL REFERENCES sessions (session_id)
       ON DELETE CASCADE, test_index INTEGER NOT NULL, test TEXT NOT NULL, metric TEXT NOT NULL,
       side TEXT NOT NULL DEFAULT '', value REAL, unit TEXT NOT NULL, status TEXT NOT NULL,
       reason TEXT, quality REAL NOT NULL, n_frames INTEGER NOT NULL, norm TEXT,
       PRIMARY KEY (session_id, test_index, metric, side))""",
    "CREATE INDEX metrics_test_metric ON metrics (test, metric)",
)


def rotation_session(
    session_id: str, created: str, left: float, right: float, person: str | None = "Ana"
) -> SessionResults:
    metrics = (
        MetricValue.measured(
            "internal_rotation", "left", left, "deg", 0.9, 40, "hip_rotation_internal"
        ),
        MetricValue.measured(
            "internal_rotation", "right", right, "deg", 0.8, 38, "hip_rotation_internal"
        ),
        MetricValue.not_measurable("external_rotation", "left", "deg", "not recorded"),
    )
    finding = Finding(
        id="hip_rotation.internal_rotation.right",
        test="hip_rotation",
        metric="internal_rotation",
        side="right",
        value=right,
        unit="deg",
        norm_text=">= 30 deg",
        severity="moderate",
        message="right internal rotation is below the reference",
        lbp_link="...",
        evidence="VL",
        exercises=("hip_rotations",),
    )
    result = TestResult(
        "hip_rotation",
        "Seated hip rotation",
        "front",
        "front",
        "partial",
        (),
        metrics,
        findings=(finding,),
    )
    posture = TestResult(
        "posture", "Standing posture", "side", "side", "measured", (),
        (MetricValue.measured("pelvic_obliquity", None, 1.5, "deg", 0.95, 90),),
    )  # fmt: skip
    return SessionResults(
        tests=(TestRecord(result), TestRecord(posture)),
        session_id=session_id,
        created=created,
        person=person,
    )


@pytest.fixture
def db(tmp_path: Path) -> HistoryDB:
    with HistoryDB.open(tmp_path / "history.sqlite") as opened:
        yield opened


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("sessions", "metrics", "findings")
        }


def test_new_database_has_the_latest_schema(db: HistoryDB) -> None:
    assert db.version == SCHEMA_VERSION == 2
    assert db.sessions() == [] and db.query_metrics() == []


def test_import_then_query_round_trip(db: HistoryDB) -> None:
    assert (
        db.import_session(
            rotation_session("s1", "2024-05-01T10:00:00+00:00", 36.0, 24.0),
            source="/x/results.json",
        )
        == "imported"
    )
    rows = db.query_metrics(person="ana", test="hip_rotation")
    assert [(r.metric, r.side, r.value, r.status) for r in rows] == [
        ("external_rotation", "left", None, "not_measurable"),
        ("internal_rotation", "left", 36.0, "ok"),
        ("internal_rotation", "right", 24.0, "ok"),
    ]
    assert rows[0].reason == "not recorded" and rows[1].quality == 0.9 and rows[1].n_frames == 40
    assert rows[1].norm == "hip_rotation_internal" and rows[1].person == "Ana"
    posture = db.query_metrics(metric="pelvic_obliquity")
    assert len(posture) == 1 and posture[0].side is None and posture[0].test_index == 1
    [session] = db.sessions()
    assert (
        session.source == "/x/results.json" and session.content_sha256 and session.hipsight_version
    )
    [finding] = db.session_findings("s1")
    assert finding.severity == "moderate" and finding.side == "right" and finding.evidence == "VL"


def test_reimport_is_idempotent(db: HistoryDB) -> None:
    session = rotation_session("s1", "2024-05-01T10:00:00+00:00", 36.0, 24.0)
    db.import_session(session)
    before = (db.sessions(), db.query_metrics(), db.session_findings("s1"))
    assert db.import_session(session) == "unchanged"
    assert db.import_session(session, source="elsewhere/results.json") == "unchanged"
    assert (db.sessions(), db.query_metrics(), db.session_findings("s1")) == before
    assert table_counts(db.path) == {"sessions": 1, "metrics": 4, "findings": 1}


def test_reimport_of_a_reanalysed_session_replaces_its_rows(db: HistoryDB) -> None:
    db.import_session(rotation_session("s1", "2024-05-01T10:00:00+00:00", 36.0, 24.0))
    assert (
        db.import_session(rotation_session("s1", "2024-05-01T10:00:00+00:00", 36.0, 27.5))
        == "updated"
    )
    values = {(r.metric, r.side): r.value for r in db.query_metrics()}
    assert values[("internal_rotation", "right")] == 27.5
    assert table_counts(db.path) == {"sessions": 1, "metrics": 4, "findings": 1}


def test_previous_session_within_the_same_second(db: HistoryDB) -> None:
    db.import_session(rotation_session("x1", "2024-05-01T10:00:00.100+00:00", 30.0, 20.0))
    db.import_session(rotation_session("x2", "2024-05-01T10:00:00.900+00:00", 31.0, 21.0))
    previous = db.previous_session("Ana", "2024-05-01T10:00:00.900+00:00", exclude="x2")
    assert previous is not None and previous.session_id == "x1"


def test_previous_session_by_person_and_time(db: HistoryDB) -> None:
    db.import_session(rotation_session("a1", "2024-05-01T10:00:00+00:00", 30.0, 20.0))
    db.import_session(rotation_session("a2", "2024-06-01T12:00:00+02:00", 33.0, 25.0))  # 10:00 UTC
    db.import_session(rotation_session("b1", "2024-05-20T10:00:00+00:00", 40.0, 40.0, person="Ben"))
    db.import_session(rotation_session("n1", "2024-05-20T10:00:00+00:00", 40.0, 40.0, person=None))
    assert db.previous_session("ANA ", "2024-07-01T00:00:00Z").session_id == "a2"
    assert (
        db.previous_session("Ana", "2024-06-01T10:00:00+00:00").session_id == "a1"
    )  # strictly before
    assert db.previous_session("Ana", "2024-06-01T11:00:00+00:00", exclude="a2").session_id == "a1"
    assert db.previous_session("Ana", "2024-05-01T10:00:00+00:00") is None
    assert db.previous_session(None, "2024-12-01T00:00:00+00:00").session_id == "n1"
    assert [s.session_id for s in db.sessions("ana")] == ["a1", "a2"]
    assert db.sessions("Ana")[1].created == "2024-06-01T10:00:00.000+00:00"
    assert db.persons() == [None, "Ana", "Ben"]


def test_duplicate_metric_in_one_test_is_refused(db: HistoryDB) -> None:
    session = rotation_session("s1", "2024-05-01T10:00:00+00:00", 36.0, 24.0)
    record = session.tests[0]
    twice = dataclasses.replace(
        record.result, metrics=(*record.result.metrics, record.result.metrics[0])
    )
    bad = dataclasses.replace(session, tests=(dataclasses.replace(record, result=twice),))
    with pytest.raises(InputError, match="appears twice"):
        db.import_session(bad)
    assert db.sessions() == []  # nothing half-written


def test_path_argument_then_env_then_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(history.HISTORY_DB_ENV, raising=False)
    monkeypatch.setenv("HIPSIGHT_DATA_DIR", str(tmp_path / "data"))
    assert history_db_path() == tmp_path / "data" / "history.sqlite"
    monkeypatch.setenv(history.HISTORY_DB_ENV, str(tmp_path / "env.sqlite"))
    assert history_db_path() == tmp_path / "env.sqlite"
    assert history_db_path(tmp_path / "arg.sqlite") == tmp_path / "arg.sqlite"
    with HistoryDB.open() as opened:
        assert opened.path == tmp_path / "env.sqlite" and opened.path.is_file()


def make_v1_database(path: Path) -> None:
    """A database as version 1 of hipsight wrote it, with one session."""
    conn = sqlite3.connect(path)
    with conn:
        for statement in V1_SCHEMA:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO sessions VALUES ('old1', 'Ana', '2024-04-01T09:00:00+00:00', 'analyze', "
            "NULL, 'r.json', '2024-04-01T09:05:00+00:00')"
        )
        conn.executemany(
            "INSERT INTO metrics VALUES ('old1', 0, 'hip_rotation', 'internal_rotation', ?, ?, "
            "'deg', 'ok', NULL, 0.9, 40, 'hip_rotation_internal')",
            [("left", 31.0), ("right", 22.0)],
        )
        conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_migration_from_v1_keeps_every_row_and_backs_up(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    make_v1_database(path)
    with HistoryDB.open(path) as db:
        assert db.version == 2
        [session] = db.sessions()
        assert (session.session_id, session.person, session.source, session.content_sha256) == (
            "old1",
            "Ana",
            "r.json",
            None,
        )
        assert [(r.side, r.value) for r in db.query_metrics(person="Ana")] == [
            ("left", 31.0),
            ("right", 22.0),
        ]
        assert db.session_findings("old1") == []
        assert db.previous_session("Ana", "2024-05-01T00:00:00+00:00").session_id == "old1"
        db.import_session(rotation_session("s2", "2024-05-01T10:00:00+00:00", 36.0, 24.0))
    backup = tmp_path / "history.sqlite.v1.bak"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 2
    with HistoryDB.open(path) as db:  # opening again migrates nothing more
        assert db.version == 2 and len(db.sessions()) == 2


def test_migration_1_matches_the_released_v1_schema(tmp_path: Path) -> None:
    def columns(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
        return {
            t: conn.execute(f"PRAGMA table_info({t})").fetchall() for t in ("sessions", "metrics")
        }

    released = tmp_path / "released.sqlite"
    make_v1_database(released)
    fresh = sqlite3.connect(tmp_path / "fresh.sqlite", isolation_level=None)
    assert migrate(fresh, target=1) == [1]
    with sqlite3.connect(released) as old:
        assert columns(fresh) == columns(old)
    fresh.close()


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    make_v1_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    broken = Migration(
        2,
        "broken",
        ("ALTER TABLE sessions ADD COLUMN extra TEXT", "ALTER TABLE nowhere ADD COLUMN x TEXT"),
    )
    with pytest.raises(sqlite3.OperationalError):
        apply_migration(conn, broken)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "extra" not in [row[1] for row in conn.execute("PRAGMA table_info(sessions)")]
    assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 2
    conn.close()


def test_newer_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match="newer than this hipsight"):
        HistoryDB.open(path)


def test_not_a_database_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"definitely not sqlite" * 50)
    with pytest.raises(InputError, match="not a usable history database"):
        HistoryDB.open(path)
    with pytest.raises(InputError, match="is a folder"):
        HistoryDB.open(tmp_path)


def test_timestamps_are_normalised_to_utc() -> None:
    assert to_utc_iso("2024-06-01T12:00:00+02:00") == "2024-06-01T10:00:00.000+00:00"
    assert to_utc_iso("2024-06-01T10:00:00") == "2024-06-01T10:00:00.000+00:00"
    assert to_utc_iso("2024-06-01T10:00:00Z") == "2024-06-01T10:00:00.000+00:00"
    # milliseconds are kept: two sessions recorded within one second stay in order
    assert to_utc_iso("2024-06-01T10:00:00.250+00:00") == "2024-06-01T10:00:00.250+00:00"
    with pytest.raises(InputError, match="ISO 8601"):
        to_utc_iso("yesterday")
