"""The small TOML writer: what it writes, tomllib reads back unchanged."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from hipsight.calibration.tomlwrite import dumps, read_toml
from hipsight.errors import InputError


def test_round_trip_through_tomllib() -> None:
    data = {
        "name": 'say "hi" \\ back\nslash — ünïcode',
        "count": 3,
        "flag": False,
        "ratio": 0.1 + 0.2,
        "tiny": 1e-12,
        "big": -3.5e20,
        "numbers": [1.0, 2.5, -0.0],
        "matrix": np.array([[1.0, 0.0], [0.0, 1.0]]),
        "numpy_scalar": np.float64(2.25),
        "skipped": None,
        "table": {"inner": "x", "deeper": {"value": 1}, "empty": {}},
        "dotted key": 1,
    }
    text = dumps(data, header=("a comment",))
    loaded = tomllib.loads(text)
    assert text.startswith("# a comment\n")
    assert loaded["name"] == data["name"]
    assert loaded["ratio"] == data["ratio"] and loaded["tiny"] == 1e-12 and loaded["big"] == -3.5e20
    assert loaded["matrix"] == [[1.0, 0.0], [0.0, 1.0]]
    assert loaded["numpy_scalar"] == 2.25 and loaded["count"] == 3 and loaded["flag"] is False
    assert "skipped" not in loaded
    assert loaded["table"] == {"inner": "x", "deeper": {"value": 1}, "empty": {}}
    assert loaded["dotted key"] == 1


def test_non_finite_floats_are_valid_toml() -> None:
    loaded = tomllib.loads(dumps({"a": float("nan"), "b": float("inf"), "c": -math.inf}))
    assert math.isnan(loaded["a"]) and loaded["b"] == math.inf and loaded["c"] == -math.inf


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot write object"):
        dumps({"x": object()})
    with pytest.raises(TypeError, match="cannot hold None"):
        dumps({"x": [1, None]})


def test_read_toml_reports_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("x = [1,\n")
    with pytest.raises(InputError, match="not a readable TOML file"):
        read_toml(bad)
