"""A small TOML writer for calibration files; the standard library's ``tomllib`` reads them back.

Only what the calibration files need: strings, booleans, integers, floats (``nan``/``inf``
included), arrays of those (nested arrays are written one row per line) and nested tables.
``None`` values are left out, since TOML has no null: readers treat a missing key as "not set".
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hipsight.errors import InputError

__all__ = ["dumps", "read_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """Return ``data`` as TOML text, with ``header`` lines written first as comments."""
    lines = [f"# {line}".rstrip() for line in header]
    _write_table(lines, data, prefix=())
    return "\n".join(lines).strip("\n") + "\n"


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing, unreadable or malformed file raises InputError."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML file ({exc})") from exc


def _write_table(lines: list[str], table: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
    scalars = {k: v for k, v in table.items() if v is not None and not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        lines.append("")
        lines.append(f"[{'.'.join(_key(part) for part in prefix)}]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value, indent=0)}")
    for key, sub in tables.items():
        _write_table(lines, sub, (*prefix, key))


def _key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise TypeError(f"TOML keys must be non-empty strings, got {key!r}")
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any, indent: int) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        return _array(value, indent)
    raise TypeError(f"cannot write {type(value).__name__} to TOML: {value!r}")


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def _array(values: Sequence[Any], indent: int) -> str:
    items = [v for v in values if v is not None]
    if len(items) != len(values):
        raise TypeError(f"TOML arrays cannot hold None, got {list(values)!r}")
    nested = any(isinstance(v, (Sequence, np.ndarray)) and not isinstance(v, str) for v in items)
    if not nested:
        return "[" + ", ".join(_value(v, indent) for v in items) + "]"
    pad = " " * (indent + 4)
    rows = [f"{pad}{_value(v, indent + 4)}," for v in items]
    return "[\n" + "\n".join(rows) + "\n" + " " * indent + "]"
