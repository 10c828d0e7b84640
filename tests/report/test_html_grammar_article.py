"""Indefinite articles in the report's generated sentences."""

from __future__ import annotations

from hipsight.report.html import with_article


def test_views_take_the_right_article() -> None:
    assert with_article("oblique") == "an oblique"
    assert with_article("unknown") == "an unknown"
    assert with_article("side") == "a side"
    assert with_article("front") == "a front"
