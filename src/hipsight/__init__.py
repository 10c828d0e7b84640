"""hipsight: hip movement screening from a webcam or a recorded video.

Screening, not diagnosis: every number carries its quality, and what cannot be measured is
reported as such with the reason.

>>> import hipsight
>>> analysis = hipsight.analyze("squat.mp4", test="squat")  # doctest: +SKIP
>>> analysis.result.metrics  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hipsight.version import __version__

if TYPE_CHECKING:
    from hipsight.analysis import Analysis
    from hipsight.batching.table import BatchRow

__all__ = ["__version__", "analyze", "batch"]


def analyze(path: Any, test: str | None = None, out_dir: Any = None, **options: Any) -> Analysis:
    """Analyse a video or landmarks file (see :func:`hipsight.analysis.analyze`)."""
    from hipsight.analysis import analyze as _analyze

    return _analyze(path, test=test, out_dir=out_dir, **options)


def batch(
    paths_or_manifest: Any,
    test: str | None = None,
    jobs: int | None = None,
    engine: str = "local",
    out_dir: Any = None,
    **options: Any,
) -> list[BatchRow]:
    """Analyse a folder, a manifest CSV or a list of files; one typed row per recording, as in
    ``batch.csv`` (see :func:`hipsight.batching.api.batch`)."""
    from hipsight.batching.api import batch as _batch

    return _batch(
        paths_or_manifest, test=test, jobs=jobs, engine=engine, out_dir=out_dir, **options
    )
