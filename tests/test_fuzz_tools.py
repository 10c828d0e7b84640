"""tests/fuzz.py itself: the mutators change copies (never the valid input), use every kind of
mutation, and the tally counts escapes."""

from __future__ import annotations

import copy
import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from fuzz import (
    Case,
    FuzzTally,
    delete_at,
    describe_path,
    document_paths,
    fuzz_settings,
    mutated_arrays,
    mutated_bytes,
    mutated_documents,
    replace_at,
)
from hipsight.errors import InputError

VALID: dict[str, Any] = {
    "format": "x",
    "version": 1,
    "meta": {"size": [640, 480], "fps": 30.0, "tags": ["a", "b"], "note": None},
}
LOG_VERBS = ("drop", "truncate", "append", "empty", "add", "set")


def _same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_path_helpers() -> None:
    assert ("meta", "size", 1) in document_paths(VALID)
    assert describe_path(("meta", "size", 1)) == "meta.size[1]" and describe_path(()) == "$"
    assert replace_at(VALID, ("meta", "size", 1), -1)["meta"]["size"] == [640, -1]
    assert "fps" not in delete_at(VALID, ("meta", "fps"))["meta"]
    assert VALID["meta"]["size"] == [640, 480] and "fps" in VALID["meta"]


def test_mutated_documents_change_a_copy_and_use_every_operation() -> None:
    original = copy.deepcopy(VALID)
    verbs: Counter[str] = Counter()
    changed = 0
    tried = 0

    @fuzz_settings(300)
    @given(mutated_documents(VALID))
    def run(case: tuple[Any, list[str]]) -> None:
        nonlocal changed, tried
        doc, log = case
        tried += 1
        assert 1 <= len(log) <= 3
        verbs.update(entry.split()[0] for entry in log)
        changed += not _same(doc, VALID)

    run()
    assert original == VALID
    assert set(verbs) == set(LOG_VERBS), verbs
    assert changed >= 0.9 * tried


def test_mutated_arrays_and_bytes_differ_from_the_valid_input() -> None:
    arrays = {"t": np.arange(3.0), "xy": np.zeros((3, 2, 2))}
    data = b"0123456789" * 4
    seen: Counter[str] = Counter()

    @fuzz_settings(150)
    @given(mutated_arrays(arrays), mutated_bytes(data))
    def run(array_case: Case, byte_case: tuple[bytes, list[str]]) -> None:
        seen.update(entry.split()[0] for entry in array_case[1])
        assert byte_case[0] != data, byte_case[1]

    run()
    np.testing.assert_array_equal(arrays["t"], np.arange(3.0))
    assert {"drop", "truncate", "dtype", "set", "add", "reverse"} <= set(seen), seen


def test_tally_counts_refusals_and_escapes() -> None:
    tally = FuzzTally("demo")

    def refuse() -> None:
        raise InputError("f: bad")

    assert isinstance(tally.run(refuse, []), InputError)
    assert tally.run(lambda: 5, []) == 5
    with pytest.raises(AssertionError, match="KeyError escaped after \\['drop k'\\]"):
        tally.run(lambda: {}["k"], ["drop k"])
    assert (tally.tried, tally.accepted, tally.refused, tally.escaped) == (3, 1, 1, 1)
    assert tally.line() == "fuzz demo: 3 tried, 1 read, 1 refused (InputError), 1 escaped"
    with pytest.raises(AssertionError):
        tally.check(min_tried=1)
