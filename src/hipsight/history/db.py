"""The history database: sessions and their metrics in a local SQLite file.

Location, first match wins: the ``path`` argument (``--db``), the ``HIPSIGHT_HISTORY_DB``
environment variable, ``data_dir()/history.sqlite`` (the platform's user data folder, or
``HIPSIGHT_DATA_DIR``).

The schema is versioned with ``PRAGMA user_version`` and upgraded by :data:`MIGRATIONS`, each in
one transaction; a database with data is copied to ``<name>.v<old>.bak`` before it is upgraded.
Importing a session is keyed by its ``session_id``: importing it again changes nothing, and a
re-analysed session replaces its own rows. docs/history.md describes the tables and versions.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from hipsight.errors import InputError
from hipsight.paths import data_dir
from hipsight.results import SessionResults
from hipsight.version import __version__

HISTORY_DB_ENV = "HIPSIGHT_HISTORY_DB"
DB_FILENAME = "history.sqlite"

ImportOutcome = Literal["imported", "unchanged", "updated"]

__all__ = [
    "DB_FILENAME",
    "HISTORY_DB_ENV",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "FindingRow",
    "HistoryDB",
    "MetricRow",
    "Migration",
    "SessionRow",
    "history_db_path",
    "migrate",
    "open_history",
    "schema_version",
    "to_utc_iso",
]


@dataclass(frozen=True)
class Migration:
    """One schema step: the statements that take the database to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sessions and metrics",
        (
            """CREATE TABLE sessions (
                session_id  TEXT PRIMARY KEY,
                person      TEXT,
                created     TEXT NOT NULL,
                kind        TEXT NOT NULL,
                calibration TEXT,
                source      TEXT,
                imported    TEXT NOT NULL
            )""",
            "CREATE INDEX sessions_person_created ON sessions (person, created)",
            """CREATE TABLE metrics (
                session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
                test_index INTEGER NOT NULL,
                test       TEXT NOT NULL,
                metric     TEXT NOT NULL,
                side       TEXT NOT NULL DEFAULT '',
                value      REAL,
                unit       TEXT NOT NULL,
                status     TEXT NOT NULL,
                reason     TEXT,
                quality    REAL NOT NULL,
                n_frames   INTEGER NOT NULL,
                norm       TEXT,
                PRIMARY KEY (session_id, test_index, metric, side)
            )""",
            "CREATE INDEX metrics_test_metric ON metrics (test, metric)",
        ),
    ),
    Migration(
        2,
        "per-session content hash and hipsight version; findings table",
        (
            "ALTER TABLE sessions ADD COLUMN content_sha256 TEXT",
            "ALTER TABLE sessions ADD COLUMN hipsight_version TEXT",
            """CREATE TABLE findings (
                session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
                test_index INTEGER NOT NULL,
                finding_id TEXT NOT NULL,
                test       TEXT NOT NULL,
                metric     TEXT NOT NULL,
                side       TEXT NOT NULL DEFAULT '',
                severity   TEXT NOT NULL,
                value      REAL,
                unit       TEXT NOT NULL,
                evidence   TEXT NOT NULL,
                message    TEXT NOT NULL,
                PRIMARY KEY (session_id, test_index, finding_id)
            )""",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


# ============================================================================ rows


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    person: str | None
    created: str  # UTC, ISO 8601
    kind: str
    calibration: str | None
    source: str | None
    imported: str
    content_sha256: str | None
    hipsight_version: str | None


@dataclass(frozen=True)
class MetricRow:
    session_id: str
    person: str | None
    created: str
    test_index: int
    test: str
    metric: str
    side: str | None
    value: float | None
    unit: str
    status: str
    reason: str | None
    quality: float
    n_frames: int
    norm: str | None


@dataclass(frozen=True)
class FindingRow:
    session_id: str
    test_index: int
    finding_id: str
    test: str
    metric: str
    side: str | None
    severity: str
    value: float | None
    unit: str
    evidence: str
    message: str


_SESSION_COLUMNS = (
    "session_id, person, created, kind, calibration, source, imported, content_sha256, "
    "hipsight_version"
)
_METRIC_COLUMNS = (
    "m.session_id, s.person, s.created, m.test_index, m.test, m.metric, m.side, m.value, m.unit, "
    "m.status, m.reason, m.quality, m.n_frames, m.norm"
)
_FINDING_COLUMNS = (
    "session_id, test_index, finding_id, test, metric, side, severity, value, unit, evidence, "
    "message"
)


# ============================================================================ paths and versions


def history_db_path(path: str | Path | None = None) -> Path:
    """The database: ``path``, else ``$HIPSIGHT_HISTORY_DB``, else ``data_dir()/history.sqlite``."""
    if path:
        return Path(path).expanduser()
    override = os.environ.get(HISTORY_DB_ENV)
    if override:
        return Path(override).expanduser()
    return data_dir() / DB_FILENAME


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the database (0 for a new, empty file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply the migrations above the stored version up to ``target``; return the versions applied.

    The connection must be in autocommit mode (``isolation_level=None``): each migration runs in
    its own ``BEGIN IMMEDIATE`` transaction and sets ``user_version`` inside it, so a failure
    leaves the previous version intact.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"target schema version must be in [0, {SCHEMA_VERSION}], got {target}")
    applied = []
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        if apply_migration(conn, migration):
            applied.append(migration.version)
    return applied


def apply_migration(conn: sqlite3.Connection, migration: Migration) -> bool:
    """Run one migration if the database is exactly one version below it; True if it ran."""
    with _transaction(conn):
        current = schema_version(
            conn
        )  # read under the write lock: another process may have migrated
        if current >= migration.version:
            return False
        if current != migration.version - 1:
            raise InputError(
                f"history database is at schema version {current}; cannot apply migration "
                f"{migration.version} (expected version {migration.version - 1} first)"
            )
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(migration.version)}")
    return True


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def to_utc_iso(value: str | datetime) -> str:
    """A timestamp as UTC ISO 8601 with milliseconds (naive values are taken as UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise InputError(
                f"timestamp {value!r} is not ISO 8601 (e.g. 2024-05-01T10:30:00+00:00)"
            ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _side_key(side: str | None) -> str:
    return side or ""


def _side_value(side: str) -> str | None:
    return side or None


def _clean_person(person: str | None) -> str | None:
    if person is None:
        return None
    return person.strip() or None


# ============================================================================ database


class HistoryDB:
    """An open history database. Use :func:`open_history` (or ``HistoryDB.open``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None = None, *, backup: bool = True) -> HistoryDB:
        """Open (creating or upgrading) the database at :func:`history_db_path` ``(path)``."""
        db_path = history_db_path(path)
        if db_path.is_dir():
            raise InputError(f"{db_path}: is a folder, expected the history database file")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db_path, timeout=10.0, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            current = schema_version(conn)
            if current > SCHEMA_VERSION:
                raise InputError(
                    f"{db_path}: history schema version {current} is newer than this hipsight "
                    f"understands ({SCHEMA_VERSION}); upgrade hipsight or pass --db with "
                    "another file"
                )
            if current < SCHEMA_VERSION:
                if backup and current >= 1:
                    backup_database(conn, db_path, current)
                migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise InputError(f"{db_path}: not a usable history database ({exc})") from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, db_path)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryDB:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def version(self) -> int:
        return schema_version(self._conn)

    # ------------------------------------------------------------------ writing
    def import_session(
        self, results: SessionResults, source: str | Path | None = None
    ) -> ImportOutcome:
        """Store a session and its metrics and findings; idempotent by ``session_id``.

        Returns ``"imported"`` for a new session, ``"unchanged"`` when the same content is
        already stored, ``"updated"`` when the session was stored with other values (its rows are
        replaced).
        """
        session = _session_values(results, source)
        metrics = _metric_values(results)
        findings = _finding_values(results)
        digest = _content_digest(session, metrics, findings)
        with _transaction(self._conn) as conn:
            row = conn.execute(
                "SELECT content_sha256 FROM sessions WHERE session_id = ?", (results.session_id,)
            ).fetchone()
            if row is not None and row[0] == digest:
                return "unchanged"
            if row is not None:
                conn.execute("DELETE FROM metrics WHERE session_id = ?", (results.session_id,))
                conn.execute("DELETE FROM findings WHERE session_id = ?", (results.session_id,))
                conn.execute("DELETE FROM sessions WHERE session_id = ?", (results.session_id,))
            conn.execute(
                f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *session,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    digest,
                    __version__,
                ),
            )
            conn.executemany(
                "INSERT INTO metrics (session_id, test_index, test, metric, side, value, unit, "
                "status, reason, "
                "quality, n_frames, norm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                metrics,
            )
            conn.executemany(
                f"INSERT INTO findings ({_FINDING_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                findings,
            )
        return "updated" if row is not None else "imported"

    # ------------------------------------------------------------------ reading
    def sessions(self, person: str | None = None) -> list[SessionRow]:
        """Sessions, oldest first; only ``person``'s (case-insensitive) when given."""
        where, params = self._person_filter("person", person)
        rows = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions {where} ORDER BY created, session_id", params
        )
        return [SessionRow(*row) for row in rows]

    def persons(self) -> list[str | None]:
        """Every person with sessions (None for sessions without a name)."""
        rows = self._conn.execute(
            "SELECT DISTINCT person FROM sessions ORDER BY person COLLATE NOCASE"
        )
        return [row[0] for row in rows]

    def query_metrics(
        self, person: str | None = None, test: str | None = None, metric: str | None = None
    ) -> list[MetricRow]:
        """Metric values over time, oldest session first, filtered by any of the arguments."""
        clauses, params = [], []
        if person is not None:
            clauses.append("s.person = ? COLLATE NOCASE")
            params.append(_clean_person(person) or "")
        for column, value in (("m.test", test), ("m.metric", metric)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._conn.execute(
            f"SELECT {_METRIC_COLUMNS} FROM metrics m JOIN sessions s USING (session_id) {where} "
            "ORDER BY s.created, s.session_id, m.test_index, m.metric, m.side",
            params,
        )
        return [_metric_row(row) for row in rows]

    def session_metrics(self, session_id: str) -> list[MetricRow]:
        rows = self._conn.execute(
            f"SELECT {_METRIC_COLUMNS} FROM metrics m JOIN sessions s USING (session_id) "
            "WHERE m.session_id = ? ORDER BY m.test_index, m.metric, m.side",
            (session_id,),
        )
        return [_metric_row(row) for row in rows]

    def session_findings(self, session_id: str) -> list[FindingRow]:
        rows = self._conn.execute(
            f"SELECT {_FINDING_COLUMNS} FROM findings WHERE session_id = ? "
            "ORDER BY test_index, finding_id",
            (session_id,),
        )
        return [_finding_row(row) for row in rows]

    def previous_session(
        self, person: str | None, before: str | datetime, exclude: str | None = None
    ) -> SessionRow | None:
        """The person's latest session created strictly before ``before`` (None if there is none).

        ``person=None`` matches sessions stored without a name. ``exclude`` skips one session id
        (the current one).
        """
        where, params = self._person_filter("person", person, match_null=True)
        where += (" AND " if where else "WHERE ") + "created < ? AND session_id != ?"
        params = [*params, to_utc_iso(before), exclude or ""]
        row = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions {where} "
            "ORDER BY created DESC, session_id DESC LIMIT 1",
            params,
        ).fetchone()
        return SessionRow(*row) if row is not None else None

    @staticmethod
    def _person_filter(
        column: str, person: str | None, match_null: bool = False
    ) -> tuple[str, list[Any]]:
        cleaned = _clean_person(person)
        if cleaned is None:
            return (f"WHERE {column} IS NULL", []) if match_null else ("", [])
        return f"WHERE {column} = ? COLLATE NOCASE", [cleaned]


def open_history(path: str | Path | None = None) -> HistoryDB:
    """Open the history database (see :func:`history_db_path` for where it lives)."""
    return HistoryDB.open(path)


def backup_database(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the database to ``<name>.v<version>.bak`` beside it (atomic rename of a full copy)."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# ============================================================================ row building


def _session_values(results: SessionResults, source: str | Path | None) -> tuple[Any, ...]:
    return (
        results.session_id,
        _clean_person(results.person),
        to_utc_iso(results.created),
        results.kind,
        results.calibration,
        str(source) if source is not None else None,
    )


def _metric_values(results: SessionResults) -> list[tuple[Any, ...]]:
    rows = []
    for index, record in enumerate(results.tests):
        seen: set[tuple[str, str]] = set()
        for m in record.result.metrics:
            key = (m.metric, _side_key(m.side))
            if key in seen:
                raise InputError(
                    f"session {results.session_id}, test {record.result.test!r}: "
                    f"metric {m.metric!r} "
                    f"appears twice for side {m.side!r}; expected one value per metric and side"
                )
            seen.add(key)
            value = float(m.value) if m.value is not None else None
            rows.append(
                (
                    results.session_id,
                    index,
                    record.result.test,
                    m.metric,
                    key[1],
                    value,
                    m.unit,
                    m.status,
                    m.reason,
                    float(m.quality),
                    int(m.n_frames),
                    m.norm,
                )
            )
    return rows


def _finding_values(results: SessionResults) -> list[tuple[Any, ...]]:
    rows: dict[tuple[int, str], tuple[Any, ...]] = {}
    for index, record in enumerate(results.tests):
        for f in record.result.findings:
            value = float(f.value) if f.value is not None else None
            rows[(index, f.id)] = (
                results.session_id,
                index,
                f.id,
                f.test,
                f.metric,
                _side_key(f.side),
                f.severity,
                value,
                f.unit,
                f.evidence,
                f.message,
            )
    return list(rows.values())


def _content_digest(
    session: Sequence[Any], metrics: Sequence[Sequence[Any]], findings: Sequence[Sequence[Any]]
) -> str:
    payload = json.dumps(
        [list(session[:5]), [list(m) for m in metrics], [list(f) for f in findings]], sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _finding_row(row: Sequence[Any]) -> FindingRow:
    values = list(row)
    values[5] = _side_value(values[5])
    return FindingRow(*values)


def _metric_row(row: Sequence[Any]) -> MetricRow:
    values = list(row)
    values[6] = _side_value(values[6])
    return MetricRow(*values)
