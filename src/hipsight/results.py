"""``results.json``: the versioned record of a session's tests, metrics and findings.

Documented in docs/results-format.md. Written by ``hipsight analyze --test`` and by the guided
session; read by the report, the history database and the exports.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hipsight import __version__
from hipsight.errors import InputError
from hipsight.fileio import write_text_atomic
from hipsight.protocols.base import Finding, MetricValue, Segment, TestResult

RESULTS_SCHEMA = "hipsight.results"
RESULTS_VERSION = 1
DISCLAIMER = (
    "hipsight is a screening aid, not a diagnosis. Values come from a single camera and carry "
    "measurement error of several degrees; findings say where a value lies outside a reference "
    "range and why that may matter for the lower back. See a health professional for pain, "
    "numbness, weakness or any concern."
)


@dataclass(frozen=True)
class TestRecord:
    """One test in a session: its result plus the files it came from."""

    __test__ = False  # not a pytest test class

    result: TestResult
    source: str = ""
    files: dict[str, str] = field(default_factory=dict)  # kind -> path relative to results.json
    complete: bool = True


@dataclass(frozen=True)
class SessionResults:
    """A whole session: who, when, how, and each test's record."""

    tests: tuple[TestRecord, ...]
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds")
    )
    person: str | None = None
    kind: str = "analyze"  # "analyze" or "assess"
    calibration: str | None = None
    baseline: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for record in self.tests for f in record.result.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RESULTS_SCHEMA,
            "version": RESULTS_VERSION,
            "hipsight_version": __version__,
            "session_id": self.session_id,
            "created": self.created,
            "person": self.person,
            "kind": self.kind,
            "calibration": self.calibration,
            "baseline": self.baseline,
            "meta": self.meta,
            "disclaimer": DISCLAIMER,
            "tests": [
                {
                    **asdict(record.result),
                    "source": record.source,
                    "files": record.files,
                    "complete": record.complete,
                }
                for record in self.tests
            ],
            "findings": [asdict(f) for f in self.findings],
        }

    def save(self, path: str | Path) -> Path:
        """Write results.json atomically."""
        return write_text_atomic(
            path, json.dumps(self.to_dict(), indent=2, default=_json_default) + "\n"
        )


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def test_result_from_dict(data: dict[str, Any]) -> TestResult:
    """Rebuild a TestResult from its results.json form."""
    return TestResult(
        test=data["test"],
        title=data["title"],
        view_required=data["view_required"],
        view_detected=data["view_detected"],
        status=data["status"],
        reasons=tuple(data.get("reasons", ())),
        metrics=tuple(MetricValue(**m) for m in data.get("metrics", ())),
        segments=tuple(Segment(**s) for s in data.get("segments", ())),
        findings=tuple(
            Finding(**{**f, "exercises": tuple(f.get("exercises", ()))})
            for f in data.get("findings", ())
        ),
        notes=tuple(data.get("notes", ())),
        key_angles=tuple(data.get("key_angles", ())),
    )


def session_from_dict(data: dict[str, Any]) -> SessionResults:
    """Rebuild a SessionResults from its results.json form (validates schema and version)."""
    if data.get("schema") != RESULTS_SCHEMA:
        raise InputError(
            f"not a hipsight results file (schema {data.get('schema')!r}, "
            f"expected {RESULTS_SCHEMA!r})"
        )
    if int(data.get("version", 0)) > RESULTS_VERSION:
        raise InputError(
            f"results version {data.get('version')} is newer than this hipsight "
            f"({RESULTS_VERSION}); upgrade"
        )
    records = tuple(
        TestRecord(
            result=test_result_from_dict(t),
            source=t.get("source", ""),
            files=dict(t.get("files", {})),
            complete=bool(t.get("complete", True)),
        )
        for t in data.get("tests", ())
    )
    return SessionResults(
        tests=records,
        session_id=data["session_id"],
        created=data["created"],
        person=data.get("person"),
        kind=data.get("kind", "analyze"),
        calibration=data.get("calibration"),
        baseline=dict(data.get("baseline", {})),
        meta=dict(data.get("meta", {})),
    )


def load_results(path: str | Path) -> SessionResults:
    """Read a results.json (or the one inside a session folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    if not path.is_file():
        raise InputError(f"{path}: no such results file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable results file ({exc})") from exc
    return session_from_dict(data)
