"""Python API: :func:`batch` returns the batch table as typed rows."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hipsight.analysis import AnalysisOptions
from hipsight.batching.engines import ENGINES
from hipsight.batching.runner import run_batch
from hipsight.batching.table import BatchRow
from hipsight.errors import InputError


def batch(
    paths_or_manifest: str | Path | Iterable[str | Path],
    test: str | None = None,
    jobs: int | None = None,
    engine: str = "local",
    out_dir: str | Path | None = None,
    force: bool = False,
    address: str | None = None,
    threads: int = 1,
    **options: Any,
) -> list[BatchRow]:
    """Analyse a folder, a manifest CSV, or a list of files; one :class:`BatchRow` each.

    Outputs go to ``out_dir`` (default: ``out/batch``); ``options`` are
    :class:`~hipsight.analysis.AnalysisOptions` fields shared by all recordings.

    >>> rows = batch("clips/", test="squat", jobs=2)  # doctest: +SKIP
    """
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    out = Path(out_dir) if out_dir is not None else Path("out") / "batch"
    opts = AnalysisOptions(**{"progress": False, **options})
    with tempfile.TemporaryDirectory(prefix="hipsight-batch-") as tmp:
        source = as_source(paths_or_manifest, Path(tmp))
        result = run_batch(
            source,
            out,
            test=test,
            jobs=jobs,
            threads=threads,
            engine=engine,
            force=force,
            address=address,
            options=opts,
        )
    return list(result.rows)


def as_source(paths_or_manifest: str | Path | Iterable[str | Path], tmp: Path) -> Path:
    """A folder or manifest as given, or a manifest written for a list of files."""
    if isinstance(paths_or_manifest, (str, Path)):
        return Path(paths_or_manifest)
    return write_manifest([Path(p).resolve() for p in paths_or_manifest], tmp)


def write_manifest(paths: list[Path], folder: Path) -> Path:
    """A manifest listing ``paths`` (no test or person: those come from the call)."""
    lines = [["path", "test", "person"], *([str(p), "", ""] for p in paths)]
    path = folder / "manifest.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)
    return path


__all__ = ["BatchRow", "batch"]
