"""Progress charts from the history database: one chart per person, test and metric.

Each chart shows the metric per side across sessions (left blue, right orange) with the norm's
reference range shaded, and is written as PNG or SVG (matplotlib, imported lazily).
"""

# Lazy imports on purpose: matplotlib is imported only when a chart is drawn.

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from hipsight.fileio import write_bytes_atomic
from hipsight.findings.engine import Norm, NormBook, load_norms
from hipsight.history.db import MetricRow
from hipsight.optional import require
from hipsight.style import BAND_COLOR, side_color

PLOT_FORMATS = ("png", "svg")

__all__ = ["PLOT_FORMATS", "group_rows", "plot_progress", "reference_band", "write_progress_plots"]


def group_rows(rows: Iterable[MetricRow]) -> dict[tuple[str | None, str, str], list[MetricRow]]:
    """Measured rows grouped by (person, test, metric), oldest first within each group."""
    groups: dict[tuple[str | None, str, str], list[MetricRow]] = {}
    for row in rows:
        if row.status == "ok" and row.value is not None:
            groups.setdefault((row.person, row.test, row.metric), []).append(row)
    return {key: sorted(value, key=lambda r: r.created) for key, value in groups.items()}


def reference_band(norm: Norm | None, low: float, high: float) -> tuple[float, float] | None:
    """The norm's reference range, within the plotted range ``low..high``; None if descriptive."""
    if norm is None or norm.rule == "descriptive" or norm.threshold is None:
        return None
    threshold = float(norm.threshold)
    if norm.rule == "min":
        return threshold, max(high, threshold) + abs(high - low) * 0.1 + 1.0
    if norm.absolute:
        return -threshold, threshold
    return min(low, threshold) - abs(high - low) * 0.1 - 1.0, threshold


def plot_progress(rows: Sequence[MetricRow], norm: Norm | None, title: str) -> Any:
    """A matplotlib Figure of one metric over sessions, per side, with the reference range."""
    if not rows:
        raise ValueError("plot_progress needs at least one measured row")
    matplotlib = require("matplotlib", "drawing progress charts")
    Figure = require("matplotlib.figure", "drawing progress charts").Figure  # noqa: N806

    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "hipsight", "text.parse_math": False}
    ):
        fig = Figure(figsize=(6.4, 3.2), layout="constrained")
        ax = fig.add_subplot()
        values = [float(r.value) for r in rows if r.value is not None]
        band = reference_band(norm, min(values), max(values))
        if band is not None and norm is not None:
            ax.axhspan(
                *band, color=BAND_COLOR, alpha=0.13, lw=0, label=f"reference ({norm.describe()})"
            )
        for side in sorted({r.side or "" for r in rows}):
            own = [r for r in rows if (r.side or "") == side]
            dates = np.array(
                [datetime.fromisoformat(r.created).replace(tzinfo=None) for r in own],
                dtype="datetime64[s]",
            )
            ys = np.array([r.value for r in own], dtype=np.float64)
            ax.plot(
                dates,
                ys,
                "o-",
                color=side_color(side or None),
                label=side or "both sides",
            )
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel(rows[0].unit)
        ax.grid(True, color="#e2e8f0")
        ax.legend(loc="best", fontsize=8, frameon=False)
        fig.autofmt_xdate()
        return fig


def write_progress_plots(
    rows: Iterable[MetricRow], out_dir: str | Path, fmt: str = "png", book: NormBook | None = None
) -> list[Path]:
    """Write one chart per (person, test, metric) into ``out_dir``; return the paths written."""
    if fmt not in PLOT_FORMATS:
        raise ValueError(f"plot format must be one of {PLOT_FORMATS}, got {fmt!r}")
    book = book or load_norms()
    out = Path(out_dir)
    written = []
    for (person, test, metric), group in sorted(
        group_rows(rows).items(), key=lambda kv: (kv[0][0] or "", *kv[0][1:])
    ):
        title = f"{person or 'unnamed'}: {metric.replace('_', ' ')} ({test.replace('_', ' ')})"
        fig = plot_progress(group, book.for_metric(test, metric), title)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=120, metadata=_metadata(fmt))
        name = "_".join(_slug(part) for part in (person or "unnamed", test, metric))
        written.append(write_bytes_atomic(out / f"{name}.{fmt}", buffer.getvalue()))
    return written


def _metadata(fmt: str) -> dict[str, Any]:
    return {"Date": None} if fmt == "svg" else {}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "x"
