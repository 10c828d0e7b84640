"""The grammar helpers that build messages: articles, counts, a number with its unit."""

from __future__ import annotations

import pytest

from hipsight.wording import count, number, quantity, with_article


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("oblique", "an oblique"),
        ("unknown", "an unknown"),
        ("side", "a side"),
        ("front", "a front"),
        ("8.0 s hold", "an 8.0 s hold"),
        ("11 s hold", "an 11 s hold"),
        ("18x12 board", "an 18x12 board"),
        ("80 s hold", "an 80 s hold"),
        ("1.5 s hold", "a 1.5 s hold"),
        ("9x6 board", "a 9x6 board"),
        ("110 s hold", "a 110 s hold"),
        ("one-leg hold", "a one-leg hold"),
        ("FPPA", "an FPPA"),
        ("rep", "a rep"),
        ("left leg rep", "a left leg rep"),
    ],
)
def test_the_article_follows_the_sound(word: str, expected: str) -> None:
    assert with_article(word) == expected


def test_counts_take_the_number_of_their_noun() -> None:
    assert count(1, "stride") == "1 stride"
    assert count(2, "valid stride") == "2 valid strides"
    assert count(0, "frame") == "0 frames"
    assert count(1, "person") == "1 person"
    assert count(3, "person") == "3 people"
    assert count(2, "more track") == "2 more tracks"


def test_quantities_are_written_as_people_write_them() -> None:
    assert quantity(12.0, "deg") == "12°"
    assert quantity(3.0, "count") == "3"
    assert quantity(3.5, "s") == "3.5 s"
    assert quantity(0.42, "ratio") == "0.42"
    assert quantity(4.0, "cm") == "4 cm"
    assert quantity(-0.2, "deg", ".0f") == "0°"
    assert number(-0.04, ".1f") == "0.0"
    assert number(-0.5, ".0f") == "0"  # banker's rounding gives "-0"
    assert number(-1.5, ".0f") == "-2"
