"""Declared schemas for the documents hipsight reads back: decoding at the boundary.

A reader parses its file into plain Python data (``json.loads``, ``tomllib``) and converts it
with :func:`convert_document` into a ``msgspec.Struct`` type: the type is the schema. Every
problem becomes one :class:`~hipsight.errors.InputError` line that names the file, the field
path (``meta.frame_size[1]``), what was expected and what was found::

    clip_landmarks.npz: landmarks header field meta.frame_size[1]: expected `int` >= 1, got -5

:func:`unknown_fields` lists the keys a document has that its schema does not declare, so a
reader can ignore them with a note (forward compatibility within a major version).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import inspect as msgspec_inspect

from hipsight.errors import InputError

T = TypeVar("T")
MajorVersion = Annotated[int, msgspec.Meta(ge=1)]  # a file format's MAJOR version
MinorVersion = Annotated[int, msgspec.Meta(ge=0)]  # ... and its MINOR version (0 when absent)
PathPart = str | int

_AT = re.compile(r"^(?P<detail>.*) - at `(?P<path>[^`]*)`(?: in `(?P<container>[^`]*)`)?$")
_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
ANY_KEY = "[...]"  # msgspec's marker for "some value of this table"
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")
_GOT = re.compile(r",? got .*$")
_MAX_SHOWN = 60
_NOT_FOUND = object()
# Types with named fields: msgspec Structs and the dataclasses the session's results use.
_RECORD_TYPES = (msgspec_inspect.StructType, msgspec_inspect.DataclassType)

__all__ = [
    "MajorVersion",
    "MinorVersion",
    "convert_document",
    "format_path",
    "show_value",
    "unknown_fields",
]


def convert_document(raw: Any, schema: type[T], where: str, what: str) -> T:
    """Convert parsed data into ``schema``; InputError (one line) on the first problem.

    ``where`` names the file, ``what`` the document ("landmarks header", "calibration").
    Conversion is strict: no strings for numbers, no floats for integers, no booleans for
    either.
    """
    try:
        return msgspec.convert(raw, schema, strict=True)
    except msgspec.ValidationError as exc:
        raise InputError(f"{where}: {describe_problem(str(exc), raw, schema, what)}") from exc


def describe_problem(message: str, raw: Any, schema: type[Any], what: str) -> str:
    """Rewrite a msgspec validation message as ``WHAT field PATH: expected ..., got VALUE``."""
    message = message.replace("\n", " ")
    match = _AT.match(message)
    if match is None:  # a problem with the document itself has no " - at `$...`" suffix
        detail, path = message, "$"
    else:
        detail, path = match["detail"], match["path"]
    if match is not None and match["container"] is not None:  # "`key` in `$.meta.subject`"
        container = match["container"]
        return f"{what} field {_dotted(container)}: {_key_problem(detail, schema, container)}"
    parts = parse_path(path)
    missing = _MISSING.match(detail)
    if missing is not None:
        return f"{what} field {format_path([*parts, missing['name']])}: required field is missing"
    expected = _expected_text(detail, schema, parts)
    actual = value_at(raw, parts)
    field = format_path(parts) or "(the whole document)"
    if actual is _NOT_FOUND:
        return f"{what} field {field}: {_lower_first(detail)}"
    return f"{what} field {field}: {expected}, got {show_value(actual)}"


def parse_path(path: str) -> list[PathPart]:
    """``$.meta.frame_size[1]`` -> ``["meta", "frame_size", 1]``."""
    parts: list[PathPart] = []
    for key, index in _PART.findall(path.removeprefix("$")):
        parts.append(key if not index else ANY_KEY if index == "..." else int(index))
    return parts


def format_path(parts: list[PathPart] | tuple[PathPart, ...]) -> str:
    """``["meta", "frame_size", 1]`` -> ``meta.frame_size[1]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == ANY_KEY:
            text += ANY_KEY
        else:
            text += f".{part}" if text else part
    return text


def value_at(raw: Any, parts: list[PathPart]) -> Any:
    """The value at ``parts`` in nested dicts and lists, or ``_NOT_FOUND``."""
    node = raw
    for part in parts:
        in_list = isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)
        in_dict = isinstance(part, str) and isinstance(node, dict) and part in node
        if not (in_list or in_dict):
            return _NOT_FOUND
        node = node[part]
    return node


def show_value(value: Any) -> str:
    """A short one-line rendering of a parsed value (JSON-like, cut at 60 characters)."""
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    text = text.replace("\n", " ")
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def unknown_fields(raw: Any, schema: type[Any]) -> list[str]:
    """Paths of the keys in ``raw`` that ``schema`` does not declare (nested structs included)."""
    return [format_path(p) for p in _unknown(raw, msgspec_inspect.type_info(schema), [])]


def _unknown(raw: Any, info: msgspec_inspect.Type, prefix: list[PathPart]) -> list[list[PathPart]]:
    if isinstance(info, msgspec_inspect.UnionType):
        return [path for member in info.types for path in _unknown(raw, member, prefix)]
    if isinstance(info, msgspec_inspect.DictType) and isinstance(raw, dict):
        return [
            path
            for key, value in raw.items()
            for path in _unknown(value, info.value_type, [*prefix, str(key)])
        ]
    info = _unwrap_optional(info) or info
    if isinstance(info, (msgspec_inspect.ListType, msgspec_inspect.VarTupleType)) and isinstance(
        raw, list
    ):
        return [
            path
            for index, value in enumerate(raw)
            for path in _unknown(value, info.item_type, [*prefix, index])
        ]
    if not isinstance(info, _RECORD_TYPES) or not isinstance(raw, dict):
        return []
    declared = {f.encode_name: f for f in info.fields}
    found: list[list[PathPart]] = []
    for key, value in raw.items():
        if key not in declared:
            found.append([*prefix, str(key)])
        else:
            found.extend(_unknown(value, declared[key].type, [*prefix, key]))
    return found


def _expected_text(detail: str, schema: type[Any], parts: list[PathPart]) -> str:
    if detail.startswith("Invalid enum value"):
        info = _type_at(msgspec_inspect.type_info(schema), parts)
        if isinstance(info, msgspec_inspect.LiteralType):
            return "expected one of " + ", ".join(show_value(v) for v in info.values)
        return "expected another value"
    return _lower_first(_GOT.sub("", detail))


def _type_at(info: msgspec_inspect.Type, parts: list[PathPart]) -> msgspec_inspect.Type | None:
    """The declared type at a path (through optional values), or None when it is not one type."""
    node: msgspec_inspect.Type | None = _unwrap_optional(info)
    for part in parts:
        node = _unwrap_optional(_child_type(node, part)) if node is not None else None
    return node


def _child_type(info: msgspec_inspect.Type, part: PathPart) -> msgspec_inspect.Type | None:
    if isinstance(info, _RECORD_TYPES) and isinstance(part, str):
        return {f.encode_name: f.type for f in info.fields}.get(part)
    if isinstance(info, msgspec_inspect.TupleType) and isinstance(part, int):
        return info.item_types[part] if 0 <= part < len(info.item_types) else None
    if isinstance(info, (msgspec_inspect.ListType, msgspec_inspect.VarTupleType)):
        return info.item_type
    if isinstance(info, msgspec_inspect.DictType):
        return info.value_type
    return None


def _unwrap_optional(info: msgspec_inspect.Type | None) -> msgspec_inspect.Type | None:
    """``X | None`` -> ``X``; other unions stay as they are."""
    if not isinstance(info, msgspec_inspect.UnionType):
        return info
    members = [t for t in info.types if not isinstance(t, msgspec_inspect.NoneType)]
    return members[0] if len(members) == 1 else info


def _key_problem(detail: str, schema: type[Any], container: str) -> str:
    """What is wrong with a key of a table: not one of the allowed keys, or not a string."""
    info = _type_at(msgspec_inspect.type_info(schema), parse_path(container))
    key_type = info.key_type if isinstance(info, msgspec_inspect.DictType) else None
    if detail.startswith("Invalid enum value") and isinstance(
        key_type, msgspec_inspect.LiteralType
    ):
        allowed = ", ".join(show_value(v) for v in key_type.values)
        return f"key {detail.removeprefix('Invalid enum value ')} is not one of {allowed}"
    return f"bad key: {_lower_first(detail)}"


def _dotted(path: str) -> str:
    return format_path(parse_path(path)) or "(the whole document)"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
