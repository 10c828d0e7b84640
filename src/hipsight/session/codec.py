"""``results.json`` to and from the session types, validated at the boundary.

The result types in :mod:`hipsight.results` are the schema: :func:`decode_session` converts
a parsed document straight into them with msgspec, which checks every field's type, every
literal and every invariant the types declare (``__post_init__``). An error names the field path
(``tests[0].metrics[2].value``) with the expected and the actual value.

Versions (docs/results-format.md): ``version`` is the major version, ``minor_version`` the minor
one (absent in 1.0 files). A newer major version is refused with an "upgrade" message; a newer
minor version is read, and its unknown keys are ignored with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import msgspec

from hipsight.results import (
    ProcessingStep,
    SessionKind,
    SessionResults,
    TestRecord,
    TestResult,
)
from hipsight.schema import describe_problem, unknown_fields

RESULTS_SCHEMA = "hipsight.results"
RESULTS_VERSION = 1  # major: a reader refuses a newer one
RESULTS_MINOR_VERSION = 3
"""1.1 added each test's ``processing`` list; 1.2 metrics' ``n_reps``; 1.3 metrics'
``filled_fraction``."""
DISCLAIMER = (
    "hipsight is a screening aid, not a diagnosis. Values come from a single camera and carry "
    "measurement error of several degrees; findings say where a value lies outside a reference "
    "range and why that may matter for the lower back. See a health professional for pain, "
    "numbness, weakness or any concern."
)

__all__ = [
    "DISCLAIMER",
    "RESULTS_MINOR_VERSION",
    "RESULTS_SCHEMA",
    "RESULTS_VERSION",
    "Decoded",
    "SchemaError",
    "decode_session",
    "encode_session",
]


WHAT = "results"


class SchemaError(ValueError):
    """A document that does not fit its schema; the message names the field path."""


@dataclass(frozen=True)
class _Header:
    schema: str
    version: int
    minor_version: int = 0


@dataclass(frozen=True)
class _TestEntry(TestResult):
    """One element of ``tests``: a TestResult plus its record's fields."""

    source: str = ""
    files: dict[str, str] = field(default_factory=dict)
    complete: bool = True
    processing: tuple[ProcessingStep, ...] = ()


@dataclass(frozen=True)
class _Document:
    tests: tuple[_TestEntry, ...]
    session_id: str
    created: str
    person: str | None = None
    kind: SessionKind = "analyze"
    calibration: str | None = None
    baseline: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decoded:
    """A decoded session and the notes the reader has for the user (e.g. ignored keys)."""

    session: SessionResults
    notes: tuple[str, ...] = ()


def encode_session(session: SessionResults, hipsight_version: str) -> dict[str, Any]:
    """The ``results.json`` document of a session (plain JSON types)."""
    return {
        "schema": RESULTS_SCHEMA,
        "version": RESULTS_VERSION,
        "minor_version": RESULTS_MINOR_VERSION,
        "hipsight_version": hipsight_version,
        "session_id": session.session_id,
        "created": session.created,
        "person": session.person,
        "kind": session.kind,
        "calibration": session.calibration,
        "baseline": session.baseline,
        "meta": session.meta,
        "disclaimer": DISCLAIMER,
        "tests": [_encode_record(record) for record in session.tests],
        "findings": [asdict(f) for f in session.findings],
    }


def _encode_record(record: TestRecord) -> dict[str, Any]:
    return {
        **asdict(record.result),
        "source": record.source,
        "files": record.files,
        "complete": record.complete,
        "processing": [asdict(step) for step in record.processing],
    }


def decode_session(document: Any) -> Decoded:
    """Validate a parsed ``results.json`` and build the session; SchemaError if it does not fit."""
    if not isinstance(document, Mapping):
        raise SchemaError(f"expected a JSON object at the top level, got {_type_name(document)}")
    if document.get("schema") != RESULTS_SCHEMA:
        raise SchemaError(
            f"not a hipsight results file (schema {document.get('schema')!r}, "
            f"expected {RESULTS_SCHEMA!r})"
        )
    header = _convert(document, _Header)
    if header.version > RESULTS_VERSION:
        raise SchemaError(
            f"results version {header.version} is newer than this hipsight reads "
            f"({RESULTS_VERSION}); upgrade hipsight"
        )
    if header.version < 1:
        raise SchemaError(f"version: expected 1 or more, got {header.version}")
    body = _convert(document, _Document)
    try:
        session = _session_of(body)  # the session's own invariants (e.g. an ISO 8601 time)
    except ValueError as exc:
        raise SchemaError(f"{WHAT}: {exc}") from exc
    return Decoded(session=session, notes=_unknown_key_notes(document, header))


def _convert(document: Any, kind: type[Any]) -> Any:
    """Strict conversion (no strings for numbers, no booleans for integers)."""
    try:
        return msgspec.convert(document, kind, strict=True)
    except msgspec.ValidationError as exc:
        raise SchemaError(describe_problem(str(exc), document, kind, WHAT)) from exc


def _session_of(body: _Document) -> SessionResults:
    records = tuple(_record_of(entry) for entry in body.tests)
    return SessionResults(
        tests=records,
        session_id=body.session_id,
        created=body.created,
        person=body.person,
        kind=body.kind,
        calibration=body.calibration,
        baseline=dict(body.baseline),
        meta=dict(body.meta),
    )


_RESULT_FIELDS = tuple(f.name for f in fields(TestResult))


def _record_of(entry: _TestEntry) -> TestRecord:
    result = TestResult(**{name: getattr(entry, name) for name in _RESULT_FIELDS})
    return TestRecord(
        result=result,
        source=entry.source,
        files=dict(entry.files),
        complete=entry.complete,
        processing=entry.processing,
    )


_WRITTEN_ONLY = {"schema", "version", "minor_version", "hipsight_version", "disclaimer", "findings"}


def _unknown_key_notes(document: Mapping[str, Any], header: _Header) -> tuple[str, ...]:
    """A note naming the keys this version does not know (ignored, never an error)."""
    known = {key: value for key, value in document.items() if key not in _WRITTEN_ONLY}
    unknown = unknown_fields(known, _Document)
    if not unknown:
        return ()
    origin = (
        f"results version {header.version}.{header.minor_version} is newer than this hipsight "
        f"({RESULTS_VERSION}.{RESULTS_MINOR_VERSION}); "
        if header.minor_version > RESULTS_MINOR_VERSION
        else ""
    )
    shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
    return (f"{origin}ignored unknown keys: {shown}",)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
