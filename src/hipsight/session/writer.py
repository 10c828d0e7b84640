"""Writing a session folder: each test's files and the session's ``results.json``.

One writer serves ``hipsight analyze``, ``hipsight assess`` and the tests alike::

    writer = SessionWriter(out, kind="analyze", person="Ana")
    files = writer.write_test_files("squat", sequence, angles)
    writer.add_test(result, files, source=sequence.meta.source)
    writer.save()

Layout (docs/output-formats.md, docs/results-format.md)::

    <out>/
      results.json                    the session (rewritten after each test, atomically)
      summary.json                    analyze only: the angles' summary
      [<folder>/]<stem>_landmarks.npz the analysed PoseSequence (docs/landmarks-format.md)
      [<folder>/]<stem>_angles.csv    its angles (docs/output-formats.md)

Every file is written atomically (a temporary file renamed into place), so an interruption
leaves the previous version or nothing, never half a file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hipsight.fileio import write_text_atomic
from hipsight.kinematics.table import AngleTable
from hipsight.pose.sequence import PoseSequence
from hipsight.results import (
    ProcessingStep,
    SessionKind,
    SessionResults,
    TestRecord,
    TestResult,
    new_session_id,
    now_iso,
)
from hipsight.session.angles_csv import write_angles_csv
from hipsight.session.codec import encode_session
from hipsight.session.reader import RESULTS_NAME
from hipsight.version import __version__

SUMMARY_NAME = "summary.json"

__all__ = ["SUMMARY_NAME", "SessionWriter", "relative_path"]


class SessionWriter:
    """Owns one session folder: writes test files, records tests, (re)writes results.json."""

    def __init__(
        self,
        out_dir: str | Path,
        *,
        kind: SessionKind,
        person: str | None = None,
        calibration: str | None = None,
        session_id: str | None = None,
        created: str | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.kind: SessionKind = kind
        self.person = person
        self.calibration = calibration
        self.session_id = session_id or new_session_id()
        self.created = created or now_iso()
        self.records: list[TestRecord] = []

    @property
    def results_path(self) -> Path:
        return self.out_dir / RESULTS_NAME

    def write_test_files(
        self,
        stem: str,
        sequence: PoseSequence,
        angles: AngleTable,
        *,
        folder: str | None = None,
        csv_path: Path | None = None,
    ) -> dict[str, Path]:
        """Write a test's landmarks ``.npz`` and angles CSV; return their paths by kind."""
        where = self.out_dir / folder if folder else self.out_dir
        return {
            "csv": write_angles_csv(csv_path or where / f"{stem}_angles.csv", sequence, angles),
            "landmarks": sequence.save_npz(where / f"{stem}_landmarks.npz"),
        }

    def write_json(self, name: str, document: Mapping[str, Any]) -> Path:
        """Write another JSON document of the session (e.g. ``summary.json``) atomically."""
        return write_text_atomic(self.out_dir / name, json.dumps(document, indent=2) + "\n")

    def add_test(
        self,
        result: TestResult,
        files: Mapping[str, Path],
        *,
        source: str = "",
        complete: bool = True,
        processing: Sequence[ProcessingStep] = (),
    ) -> TestRecord:
        """Record a test's result and its files (paths stored relative to the session folder)."""
        record = TestRecord(
            result=result,
            source=source,
            files={kind: relative_path(path, self.out_dir) for kind, path in files.items()},
            complete=complete,
            processing=tuple(processing),
        )
        self.records.append(record)
        return record

    def session(
        self,
        records: Sequence[TestRecord] | None = None,
        *,
        baseline: Mapping[str, float] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> SessionResults:
        """The session as it stands: ``records`` when given, else the tests added so far."""
        return SessionResults(
            tests=tuple(self.records if records is None else records),
            session_id=self.session_id,
            created=self.created,
            person=self.person,
            kind=self.kind,
            calibration=self.calibration,
            baseline=dict(baseline or {}),
            meta=dict(meta or {}),
        )

    def save(
        self,
        records: Sequence[TestRecord] | None = None,
        *,
        baseline: Mapping[str, float] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Path:
        """(Re)write ``results.json`` atomically; return its path."""
        session = self.session(records, baseline=baseline, meta=meta)
        return save_session(session, self.results_path)


def save_session(session: SessionResults, path: str | Path) -> Path:
    """Write a session's ``results.json`` atomically."""
    document = encode_session(session, __version__)
    return write_text_atomic(path, json.dumps(document, indent=2, default=_json_default) + "\n")


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), or absolute when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
