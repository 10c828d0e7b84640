"""Plots for the report, as inline SVG strings (matplotlib, imported lazily).

Each function builds a :class:`matplotlib.figure.Figure` directly (no pyplot, no global state)
and returns SVG text ready to be placed inside HTML: no XML prolog, no metadata, text kept as
``<text>`` (small, searchable) and every ``id`` prefixed so several plots can share a page.
"""

# Lazy imports on purpose: matplotlib is imported only when a plot is drawn.

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from hipsight.optional import require
from hipsight.pose import landmarks as lm
from hipsight.style import BAND_COLOR, CENTRE_COLOR, LEFT_COLOR, RIGHT_COLOR, side_color

FloatArray = NDArray[np.float64]

SEGMENT_COLORS = ("#64748b", "#94a3b8")
MAX_IMAGE_PX = 480

_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "hipsight",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e2e8f0",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
}
_counter = itertools.count(1)

__all__ = [
    "JointLabel",
    "SegmentMark",
    "SeriesLine",
    "SideBar",
    "figure_to_svg",
    "plot_angle_series",
    "plot_side_comparison",
    "plot_skeleton",
    "scope_svg_ids",
    "side_color",
]


# ============================================================================ SVG plumbing


@contextmanager
def _style() -> Iterator[None]:
    matplotlib = require("matplotlib", "drawing the report's figures")

    with matplotlib.rc_context(cast(Any, _STYLE)):
        yield


def _new_figure(
    width_in: float, height_in: float, layout: Literal["constrained"] | None = "constrained"
) -> Any:
    figure = require("matplotlib.figure", "drawing the report's figures")
    return figure.Figure(figsize=(width_in, height_in), layout=layout)


def figure_to_svg(fig: Any, label: str = "", prefix: str | None = None) -> str:
    """Render a figure to SVG text for inline use; ``label`` becomes its accessible name."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return clean_svg(buffer.getvalue(), prefix or f"p{next(_counter)}", label)


def clean_svg(svg: str, prefix: str, label: str = "") -> str:
    """Strip the prolog and metadata, scope ids with ``prefix``, add role and aria-label."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = scope_svg_ids(svg, prefix)
    attributes = f' role="img" aria-label="{escape(label, quote=True)}" class="plot-svg"'
    return re.sub(r"<svg\b", "<svg" + attributes, svg, count=1).strip()


def scope_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every ``id`` and every ``#id`` reference so ids stay unique on one page."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", prefix):
        raise ValueError(
            f"prefix must be a letter then letters, digits, '_' or '-', got {prefix!r}"
        )
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)


# ============================================================================ time series


@dataclass(frozen=True)
class SeriesLine:
    label: str
    values: FloatArray
    color: str = CENTRE_COLOR


@dataclass(frozen=True)
class SegmentMark:
    t_start: float
    t_stop: float
    label: str


def plot_angle_series(
    t: FloatArray,
    lines: Sequence[SeriesLine],
    *,
    title: str = "",
    band: tuple[float, float] | None = None,
    band_label: str = "normal band",
    segments: Sequence[SegmentMark] = (),
    ylabel: str = "degrees",
) -> str:
    """Angles over time with an optional shaded normal band and marked reps/holds."""
    if not lines:
        raise ValueError("plot_angle_series needs at least one line")
    for line in lines:
        if line.values.shape != t.shape:
            raise ValueError(
                f"line {line.label!r} has shape {line.values.shape}, time has {t.shape}"
            )
    with _style():
        fig = _new_figure(7.4, 2.5)
        ax = fig.add_subplot()
        _draw_segments(ax, segments)
        if band is not None:
            ax.axhspan(min(band), max(band), color=BAND_COLOR, alpha=0.13, lw=0, label=band_label)
        for line in lines:
            ax.plot(t, line.values, color=line.color, lw=1.5, label=line.label)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, loc="left")
        if len(t) > 1:
            ax.set_xlim(float(t[0]), float(t[-1]))
        ax.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=len(lines) + (band is not None),
            borderaxespad=0.2,
        )
        ax.margins(y=0.15)
        return figure_to_svg(fig, label=title or "angles over time")


def _draw_segments(ax: Any, segments: Sequence[SegmentMark]) -> None:
    show_labels = len(segments) <= 12
    for i, segment in enumerate(segments):
        color = SEGMENT_COLORS[i % 2]
        ax.axvspan(segment.t_start, segment.t_stop, color=color, alpha=0.12, lw=0)
        if show_labels and segment.label:
            ax.text(
                (segment.t_start + segment.t_stop) / 2,
                0.97,
                segment.label,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=7.5,
                color="#475569",
            )


# ============================================================================ left / right


@dataclass(frozen=True)
class SideBar:
    """One metric measured on both sides, with its reference threshold when there is one."""

    label: str
    unit: str
    left: float
    right: float
    threshold: float | None = None
    reference: str = ""


def plot_side_comparison(items: Sequence[SideBar], title: str = "Left and right") -> str:
    """One small bar pair per metric (left blue, right orange), the reference as a dashed line."""
    if not items:
        raise ValueError("plot_side_comparison needs at least one metric")
    with _style():
        fig = _new_figure(7.4, 1.0 * len(items) + 0.3)
        axes = fig.subplots(len(items), 1, squeeze=False)[:, 0]
        for ax, item in zip(axes, items, strict=True):
            _draw_side_pair(ax, item)
        return figure_to_svg(fig, label=title)


def _draw_side_pair(ax: Any, item: SideBar) -> None:
    values = [item.left, item.right]
    ax.barh([1, 0], values, color=[LEFT_COLOR, RIGHT_COLOR], height=0.7)
    ax.set_yticks([1, 0], ["left", "right"])
    ax.grid(axis="y", visible=False)
    low = min(0.0, *values, item.threshold if item.threshold is not None else 0.0)
    high = max(0.0, *values, item.threshold if item.threshold is not None else 0.0)
    span = (high - low) or 1.0
    ax.set_xlim(low - (0.3 if low < 0 else 0.05) * span, high + 0.3 * span)
    unit = "°" if item.unit == "deg" else f" {item.unit}"
    for y, value in zip([1, 0], values, strict=True):
        ax.text(
            value,
            y,
            f" {value:.1f}{unit} ",
            va="center",
            ha="left" if value >= 0 else "right",
            fontsize=8,
        )
    if item.threshold is not None:
        ax.axvline(item.threshold, color=BAND_COLOR, ls="--", lw=1.2)
    text = f"{item.label}: difference {abs(item.left - item.right):.1f}{unit}"
    text += f", reference {item.reference}" if item.reference else ""
    ax.set_title(text, loc="left", fontsize=9)
    ax.axvline(0.0, color="#94a3b8", lw=0.8)


# ============================================================================ skeleton


@dataclass(frozen=True)
class JointLabel:
    """A value written beside a landmark, e.g. ``"hip 84°"`` at the hip."""

    x: float
    y: float
    text: str
    color: str = CENTRE_COLOR
    side: str | None = None  # right-side labels go left of the joint, the others right of it


def crop_box(
    xy: FloatArray, frame_size: tuple[int, int], margin: float = 0.18
) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) around the finite landmarks with a margin, clipped to the frame."""
    finite = xy[np.isfinite(xy).all(axis=1)]
    width, height = frame_size
    if finite.size == 0:
        return 0.0, 0.0, float(width), float(height)
    (x0, y0), (x1, y1) = finite.min(axis=0), finite.max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0, 1.0)
    return (
        max(0.0, float(x0 - pad)),
        max(0.0, float(y0 - pad)),
        min(float(width), float(x1 + pad)),
        min(float(height), float(y1 + pad)),
    )


def plot_skeleton(
    xy: FloatArray,
    frame_size: tuple[int, int],
    *,
    image: NDArray[np.uint8] | None = None,
    labels: Sequence[JointLabel] = (),
    label: str = "",
) -> str:
    """The skeleton of one frame (image pixels, y down), over the video frame when given."""
    if xy.shape != (lm.N_LANDMARKS, 2):
        raise ValueError(f"xy must have shape ({lm.N_LANDMARKS}, 2), got {xy.shape}")
    x0, y0, x1, y1 = widen(crop_box(xy, frame_size), min_ratio=0.95 if labels else 0.0)
    aspect = (y1 - y0) / max(x1 - x0, 1.0)
    with _style():
        fig = _new_figure(2.6, float(np.clip(2.6 * aspect, 1.6, 4.2)), layout=None)
        ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
        ax.set_facecolor("#f1f5f9")
        if image is not None:
            _draw_image(ax, image, (x0, y0, x1, y1))
        _draw_bones(ax, xy, halo=image is not None)
        _draw_callouts(ax, labels, (x0, y0, x1, y1))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        return figure_to_svg(fig, label=label or "skeleton")


def widen(
    box: tuple[float, float, float, float], min_ratio: float
) -> tuple[float, float, float, float]:
    """Widen a box symmetrically to at least ``min_ratio`` × its height (room for callouts)."""
    x0, y0, x1, y1 = box
    extra = max(0.0, min_ratio * (y1 - y0) - (x1 - x0)) / 2
    return x0 - extra, y0, x1 + extra, y1


def callout_rows(ys: Sequence[float], top: float, bottom: float, gap: float) -> list[float]:
    """Label heights near ``ys`` (sorted top to bottom), at least ``gap`` apart, inside the box."""
    rows: list[float] = []
    for y in ys:
        rows.append(max(y, rows[-1] + gap) if rows else max(y, top))
    overflow = rows[-1] - bottom if rows else 0.0
    if overflow > 0:
        rows = [max(top, r - overflow) for r in rows]
    return rows


def _draw_callouts(
    ax: Any, labels: Sequence[JointLabel], box: tuple[float, float, float, float]
) -> None:
    """Angle values in two columns (right-side joints on the image's left, the others on its
    right), each joined to its joint by a thin line, so values never cover each other."""
    x0, y0, x1, y1 = box
    height, width = y1 - y0, x1 - x0
    for on_left in (True, False):
        group = sorted((j for j in labels if (j.side == "right") == on_left), key=lambda j: j.y)
        rows = callout_rows(
            [j.y for j in group], y0 + 0.04 * height, y1 - 0.04 * height, 0.075 * height
        )
        x = x0 + 0.02 * width if on_left else x1 - 0.02 * width
        for joint, row in zip(group, rows, strict=True):
            ax.annotate(
                joint.text,
                (joint.x, joint.y),
                xytext=(x, row),
                textcoords="data",
                ha="left" if on_left else "right",
                va="center",
                fontsize=7.5,
                color="white",
                bbox={"boxstyle": "round,pad=0.2", "fc": joint.color, "ec": "none", "alpha": 0.92},
                arrowprops={
                    "arrowstyle": "-",
                    "color": joint.color,
                    "lw": 0.9,
                    "shrinkA": 0,
                    "shrinkB": 2,
                },
            )


def _draw_image(ax: Any, image: NDArray[np.uint8], box: tuple[float, float, float, float]) -> None:
    height, width = image.shape[:2]
    x0, y0 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    if x1 <= x0 or y1 <= y0:
        return
    crop = image[y0:y1, x0:x1]
    step = max(1, int(np.ceil(max(crop.shape[:2]) / MAX_IMAGE_PX)))
    ax.imshow(crop[::step, ::step], extent=(x0, x1, y1, y0), interpolation="bilinear")


def _draw_bones(ax: Any, xy: FloatArray, halo: bool) -> None:
    for a, b in lm.SKELETON_EDGES:
        side = lm.edge_side(a, b)
        pa, pb = xy[a], xy[b]
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        if halo:
            ax.plot(
                [pa[0], pb[0]],
                [pa[1], pb[1]],
                color="white",
                lw=4.0,
                alpha=0.8,
                solid_capstyle="round",
            )
        ax.plot(
            [pa[0], pb[0]], [pa[1], pb[1]], color=side_color(side), lw=2.2, solid_capstyle="round"
        )
    shoulders = (xy[lm.LEFT_SHOULDER] + xy[lm.RIGHT_SHOULDER]) / 2
    nose = xy[lm.NOSE]
    if np.isfinite(shoulders).all() and np.isfinite(nose).all():
        ax.plot([shoulders[0], nose[0]], [shoulders[1], nose[1]], color=CENTRE_COLOR, lw=2.0)
        ax.plot([nose[0]], [nose[1]], "o", color=CENTRE_COLOR, ms=6)
    joints = [i for i in range(11, lm.N_LANDMARKS) if np.isfinite(xy[i]).all()]
    if joints:
        ax.scatter(
            xy[joints, 0],
            xy[joints, 1],
            s=10,
            color="white",
            edgecolors=CENTRE_COLOR,
            linewidths=0.8,
            zorder=3,
        )
