"""hipsight.schema: one-line messages with field path, expected and actual; unknown fields."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
import pytest
from msgspec import Meta

from hipsight.errors import InputError
from hipsight.schema import convert_document, format_path, parse_path, unknown_fields


class Inner(msgspec.Struct, kw_only=True):
    size: tuple[Annotated[int, Meta(gt=0)], Annotated[int, Meta(gt=0)]]
    mode: Literal["a", "b"] = "a"


class Outer(msgspec.Struct, kw_only=True):
    name: str
    inner: Inner
    tables: dict[Literal["front", "side"], Inner] = msgspec.field(default_factory=dict)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


VALID: dict[str, Any] = {"name": "x", "inner": {"size": [1, 2]}}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {**VALID, "inner": {"size": [1, -2]}},
            "doc field inner.size[1]: expected `int` >= 1, got -2",
        ),
        ({**VALID, "name": 5}, "doc field name: expected `str`, got 5"),
        ({"name": "x"}, "doc field inner: required field is missing"),
        ({**VALID, "inner": {}}, "doc field inner.size: required field is missing"),
        (
            {**VALID, "inner": {"size": [1, 2], "mode": "c"}},
            'doc field inner.mode: expected one of "a", "b", got "c"',
        ),
        (
            {**VALID, "tables": {"top": {"size": [1, 1]}}},
            'doc field tables: key \'top\' is not one of "front", "side"',
        ),
        (
            {**VALID, "tables": {"front": {"size": "big"}}},
            "doc field tables[...].size: expected `array`",
        ),
        ({**VALID, "extra": {1: 2}}, "doc field extra: bad key: expected `str`, got `int`"),
        ([1], "doc field (the whole document): expected `object`, got [1]"),
        ({**VALID, "name": "y" * 200}, None),
    ],
)
def test_messages_name_file_field_expected_and_actual(doc: Any, message: str | None) -> None:
    if message is None:
        assert convert_document(doc, Outer, "f.json", "doc").name == "y" * 200
        return
    with pytest.raises(InputError) as info:
        convert_document(doc, Outer, "f.json", "doc")
    assert str(info.value).startswith(f"f.json: {message}")
    assert "\n" not in str(info.value)


def test_long_actual_values_are_cut_to_one_short_line() -> None:
    with pytest.raises(InputError) as info:
        convert_document({**VALID, "name": ["z" * 500]}, Outer, "f.json", "doc")
    assert str(info.value) == 'f.json: doc field name: expected `str`, got ["' + "z" * 55 + "..."


def test_unknown_fields_are_listed_with_their_paths() -> None:
    doc = {
        **VALID,
        "new": 1,
        "inner": {"size": [1, 2], "lens": "x"},
        "tables": {"side": {"size": [1, 1], "z": 0}},
        "extra": {"free": "form"},
    }
    assert unknown_fields(doc, Outer) == ["inner.lens", "new", "tables.side.z"]
    assert unknown_fields(VALID, Outer) == []


def test_paths_round_trip() -> None:
    assert parse_path("$.meta.frame_size[1]") == ["meta", "frame_size", 1]
    assert format_path(["meta", "frame_size", 1]) == "meta.frame_size[1]"
    assert format_path(parse_path("$.views[...].a")) == "views[...].a"
