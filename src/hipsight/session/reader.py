"""Reading a session folder back: its ``results.json``, validated, for report, history and export.

:func:`load_session` is the one way to read a ``results.json``. It refuses, with one line naming
the file and the field, anything that does not fit the schema (:mod:`hipsight.session.codec`);
nothing downstream ever sees a half-valid session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hipsight.errors import InputError
from hipsight.results import SessionResults
from hipsight.session.codec import SchemaError, decode_session

RESULTS_NAME = "results.json"

__all__ = ["RESULTS_NAME", "load_session", "results_path_of"]


def results_path_of(session: str | Path) -> Path:
    """The ``results.json`` of a session folder, or the file itself; InputError if absent."""
    path = Path(session)
    if path.is_dir():
        path = path / RESULTS_NAME
    if not path.is_file():
        raise InputError(
            f"{path}: no results.json here; expected a session folder or its results.json"
        )
    return path


def load_session(session: str | Path, warn: Callable[[str], None] | None = None) -> SessionResults:
    """Read and validate a session's ``results.json`` (the file, or the folder holding it).

    Notes for the user (keys ignored from a newer minor version) go to ``warn``.
    """
    path = results_path_of(session)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable results file ({exc})") from exc
    except RecursionError as exc:
        raise InputError(f"{path}: unreadable results file (nested too deeply)") from exc
    try:
        decoded = decode_session(document)
    except SchemaError as exc:
        raise InputError(f"{path}: {exc}") from exc
    if warn is not None:
        for note in decoded.notes:
            warn(f"{path}: {note}")
    return decoded.session
