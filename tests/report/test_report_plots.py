"""SVG plot helpers: embeddable output, scoped ids, deterministic rendering, label layout."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from hipsight.report import plots


def test_clean_svg_strips_prolog_and_metadata_and_scopes_ids() -> None:
    raw = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        "<metadata><rdf:RDF>https://matplotlib.org</rdf:RDF></metadata>"
        '<defs><clipPath id="c1"><rect/></clipPath><path id="m1"/></defs>'
        '<g clip-path="url(#c1)"><use xlink:href="#m1"/></g></svg>'
    )
    svg = plots.clean_svg(raw, "fig3", label='hip <"flexion">')
    assert svg.startswith('<svg role="img" aria-label="hip &lt;&quot;flexion&quot;&gt;"')
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "metadata" not in svg
    assert 'id="fig3-c1"' in svg and "url(#fig3-c1)" in svg and 'xlink:href="#fig3-m1"' in svg
    with pytest.raises(ValueError, match="prefix"):
        plots.scope_svg_ids(raw, "3bad")


def test_angle_series_svg_is_embeddable_and_deterministic() -> None:
    t = np.linspace(0.0, 5.0, 151)
    lines = [plots.SeriesLine("left", 40 + 40 * np.sin(t), plots.LEFT_COLOR)]
    marks = [plots.SegmentMark(1.0, 2.0, "rep 1")]
    first = plots.plot_angle_series(
        t, lines, title="hip $flexion$ & <co>", band=(0, 30), segments=marks
    )
    second = plots.plot_angle_series(
        t, lines, title="hip $flexion$ & <co>", band=(0, 30), segments=marks
    )
    strip = re.compile(r'\bid="p\d+-|#p\d+-|\(#p\d+-')
    assert strip.sub("", first) == strip.sub("", second)  # same output but for the id prefix
    root = ET.fromstring(first)
    assert root.tag.endswith("svg")
    texts = "".join(root.itertext())
    assert "hip $flexion$ & <co>" in texts  # no mathtext parsing, text kept and escaped
    assert "rep 1" in texts and "normal band" in texts
    assert not re.search(r'(?:href|src)="(?!#|data:)', first)


def test_angle_series_validates_its_input() -> None:
    with pytest.raises(ValueError, match="at least one line"):
        plots.plot_angle_series(np.arange(3.0), [])
    with pytest.raises(ValueError, match="shape"):
        plots.plot_angle_series(np.arange(3.0), [plots.SeriesLine("x", np.arange(4.0))])


def test_side_comparison_and_skeleton_render() -> None:
    bars = plots.plot_side_comparison(
        [plots.SideBar("internal rotation", "deg", 36.0, 24.0, 30.0, ">= 30 deg")]
    )
    assert "36.0°" in "".join(ET.fromstring(bars).itertext())
    xy = np.full((33, 2), np.nan)
    xy[[11, 12, 23, 24, 25, 26, 27, 28]] = [
        [100, 100],
        [140, 100],
        [105, 200],
        [135, 200],
        [105, 290],
        [135, 290],
        [105, 380],
        [135, 380],
    ]
    labels = [
        plots.JointLabel(135, 290, "knee 12°", side="right"),
        plots.JointLabel(105, 290, "knee 10°", side="left"),
    ]
    svg = plots.plot_skeleton(xy, (640, 480), labels=labels, label="peak")
    texts = "".join(ET.fromstring(svg).itertext())
    assert "knee 12°" in texts and "knee 10°" in texts
    with pytest.raises(ValueError, match="shape"):
        plots.plot_skeleton(np.zeros((10, 2)), (640, 480))


def test_callout_rows_keep_labels_apart_and_inside() -> None:
    assert plots.callout_rows([50.0, 52.0, 53.0], top=0.0, bottom=100.0, gap=10.0) == [
        50.0,
        60.0,
        70.0,
    ]
    assert plots.callout_rows([95.0, 96.0], top=0.0, bottom=100.0, gap=10.0) == [90.0, 100.0]
    assert plots.callout_rows([-5.0], top=0.0, bottom=100.0, gap=10.0) == [0.0]
    assert plots.widen((0.0, 0.0, 10.0, 100.0), 0.5) == (-20.0, 0.0, 30.0, 100.0)
    assert plots.crop_box(np.full((33, 2), np.nan), (640, 480)) == (0.0, 0.0, 640.0, 480.0)
