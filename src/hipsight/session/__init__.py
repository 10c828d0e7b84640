"""The session folder: writing it, reading it back, and its file formats.

- :mod:`~hipsight.session.codec`       ``results.json`` to and from the result types
  (:mod:`hipsight.results`), validated.
- :mod:`~hipsight.session.writer`      :class:`SessionWriter`: a session folder, written atomically.
- :mod:`~hipsight.session.reader`      :func:`load_session`: the one reader of ``results.json``.
- :mod:`~hipsight.session.summary`     ``summary.json``: its schema and reader.
- :mod:`~hipsight.session.angles_csv`  the angles CSV.
- :mod:`~hipsight.session.series`      a test's angles and landmarks read back from its files.

The result types live in :mod:`hipsight.results` (they import nothing else from hipsight, so
every layer can use them), and the one "finish" step (report, then history) in
:mod:`hipsight.finish`, above report and history. See docs/architecture.md.
"""
