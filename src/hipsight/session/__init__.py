"""The output half of hipsight: result types, the session folder, reading it back, finishing it.

- :mod:`~hipsight.session.types`   the result types (``MetricValue``, ``Segment``, ``Finding``,
  ``TestResult``, ``TestRecord``, ``SessionResults``, ``ProcessingStep``); they import nothing
  else from hipsight, so every layer can use them.
- :mod:`~hipsight.session.codec`   ``results.json`` to and from those types, validated.
- :mod:`~hipsight.session.writer`  :class:`SessionWriter`: a session folder, written atomically.
- :mod:`~hipsight.session.reader`  :func:`load_session`: the one reader of ``results.json``.
- :mod:`~hipsight.session.series`  a test's angles and landmarks read back from its files.
- :mod:`~hipsight.session.finish`  the one "finish" step: the report, then the history.

See docs/architecture.md. This package imports only its types on import; the writer, reader and
finish step are imported where they are used.
"""

from __future__ import annotations

from hipsight.session.types import (
    Finding,
    MetricValue,
    ProcessingStep,
    Segment,
    SessionResults,
    TestRecord,
    TestResult,
)

__all__ = [
    "Finding",
    "MetricValue",
    "ProcessingStep",
    "Segment",
    "SessionResults",
    "TestRecord",
    "TestResult",
]
