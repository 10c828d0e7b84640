"""Fuzzing the readers: Hypothesis strategies that break valid documents, and a tally of outcomes.

A reader of a file hipsight wrote must survive whatever users do to that file: copy, hand-edit,
sync, partially download. For every mutated input it either returns a valid object or raises
:class:`~hipsight.errors.InputError`, never anything else.

Strategies (each yields ``(mutated, log)``; ``log`` lists the mutations, for failure reports):

- :func:`mutated_documents` for JSON-like trees (dicts, lists, scalars: a parsed JSON header,
  results.json, a TOML table): drop keys, null values, wrong types, NaN and infinities,
  negative and huge numbers, truncated or emptied lists, unknown keys;
- :func:`mutated_arrays` for a dict of numpy arrays (an ``.npz``): drop, truncate, reshape,
  change dtype, insert inf/NaN/out-of-range values, add unknown arrays;
- :func:`mutated_bytes` for a file's bytes: truncate (a partial download), flip, zero, append.

The tally (:class:`FuzzTally`, one per reader, from the ``fuzz_report`` fixture) counts the
inputs tried and how each ended; pytest prints the figures at the end of the run::

    fuzz landmarks .npz header: 400 tried, 112 read, 288 refused (InputError), 0 escaped

Typical use::

    def test_reader_survives(fuzz_report):
        tally = fuzz_report.tally("my reader")

        @fuzz_settings(300)
        @given(mutated_documents(VALID))
        def run(case):
            doc, log = case
            tally.run(lambda: read(doc), log)

        run()
        tally.check(min_tried=300)

Runs are derandomized (:func:`fuzz_settings`): the number tried and the escapes are the same
on every run. The split between read and refused can shift a little with the set of tests in
the session, since Hypothesis also draws on constants it finds in the loaded modules.

Loaded as a pytest plugin (``-p fuzz`` in pyproject.toml) for the fixture and the summary.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from hipsight.errors import InputError

T = TypeVar("T")
Doc = Any
PathPart = str | int
DocPath = tuple[PathPart, ...]
Case = tuple[Any, list[str]]
ArrayDict = dict[str, NDArray[Any]]

WRONG_TYPE_VALUES: tuple[Any, ...] = (
    "",
    "text",
    0,
    1,
    -1,
    2.5,
    True,
    False,
    [],
    {},
    [1, 2],
    {"x": 1},
)
SPECIAL_FLOATS: tuple[float, ...] = (math.nan, math.inf, -math.inf)
HUGE_NUMBERS: tuple[Any, ...] = (10**20, 1e308, -(10**20))
UNKNOWN_KEY = "x_unknown"
DOCUMENT_OPERATIONS = (
    "drop",
    "null",
    "wrong_type",
    "special_float",
    "negative",
    "zero",
    "huge",
    "truncate",
    "empty",
    "extend",
    "unknown_key",
)
ARRAY_OPERATIONS = (
    "drop",
    "truncate",
    "reshape",
    "dtype",
    "insert_value",
    "scalar",
    "unknown_array",
    "reverse",
)
INSERTED_VALUES: tuple[float, ...] = (math.inf, -math.inf, math.nan, -1.0, 2.0, 1e300, 0.0)
WRONG_DTYPES: tuple[str, ...] = ("int64", "float32", "bool", "complex128", "U8", "object")


# ============================================================================ document paths


def document_paths(doc: Doc, prefix: DocPath = ()) -> list[DocPath]:
    """Every node's path in a JSON-like tree, the root ``()`` first."""
    paths = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            paths.extend(document_paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            paths.extend(document_paths(value, (*prefix, index)))
    return paths


def get_at(doc: Doc, path: DocPath) -> Any:
    node = doc
    for part in path:
        node = node[part]
    return node


def replace_at(doc: Doc, path: DocPath, value: Any) -> Doc:
    """A deep copy of ``doc`` with the node at ``path`` replaced (the root too)."""
    if not path:
        return value
    new = copy.deepcopy(doc)
    get_at(new, path[:-1])[path[-1]] = value
    return new


def delete_at(doc: Doc, path: DocPath) -> Doc:
    """A deep copy of ``doc`` without the node at ``path`` (a key, or a list item)."""
    new = copy.deepcopy(doc)
    del get_at(new, path[:-1])[path[-1]]
    return new


def describe_path(path: DocPath) -> str:
    """``("meta", "frame_size", 1)`` -> ``meta.frame_size[1]``; the root is ``$``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def applicable_operations(doc: Doc, path: DocPath) -> list[str]:
    """The document operations that make sense for the node at ``path``."""
    value = get_at(doc, path)
    ops = ["null", "wrong_type", "special_float", "huge"]
    if path:
        ops.append("drop")
    if _is_number(value):
        ops += ["negative", "zero"]
    if isinstance(value, list):
        ops += ["truncate", "extend"] if value else ["extend"]
    if isinstance(value, (dict, list)) and value:
        ops.append("empty")
    if isinstance(value, dict):
        ops.append("unknown_key")
    return ops


# ============================================================================ documents


@st.composite
def mutate_document(draw: st.DrawFn, doc: Doc, extra_values: Sequence[Any] = ()) -> tuple[Doc, str]:
    """One mutation of ``doc`` at one node, and its description."""
    path = draw(st.sampled_from(document_paths(doc)))
    op = draw(st.sampled_from(applicable_operations(doc, path)))
    where = describe_path(path)
    value = get_at(doc, path)
    if op == "drop":
        return delete_at(doc, path), f"drop {where}"
    if op == "truncate":
        keep = draw(st.integers(0, len(value) - 1))
        return replace_at(doc, path, value[:keep]), f"truncate {where} to {keep} items"
    if op == "extend":
        extra = (
            copy.deepcopy(value[-1]) if value and draw(st.booleans()) else draw(_junk(extra_values))
        )
        return replace_at(doc, path, [*value, extra]), f"append {extra!r} to {where}"
    if op == "empty":
        return replace_at(doc, path, type(value)()), f"empty {where}"
    if op == "unknown_key":
        key = draw(st.sampled_from([UNKNOWN_KEY, f"{UNKNOWN_KEY}_2", ""]))
        new_value = draw(_junk(extra_values))
        return replace_at(doc, path, {**value, key: new_value}), f"add {where}.{key!r}"
    new = _replacement(draw, op, value, extra_values)
    return replace_at(doc, path, new), f"set {where} = {new!r}"


def _replacement(draw: st.DrawFn, op: str, value: Any, extra_values: Sequence[Any]) -> Any:
    if op == "null":
        return None
    if op == "special_float":
        return draw(st.sampled_from(SPECIAL_FLOATS))
    if op == "huge":
        return draw(st.sampled_from(HUGE_NUMBERS))
    if op == "negative":
        return -abs(value) - draw(st.sampled_from([1, 0.5]))
    if op == "zero":
        return draw(st.sampled_from([0, 0.0]))
    pool = [v for v in (*WRONG_TYPE_VALUES, *extra_values) if type(v) is not type(value)]
    return copy.deepcopy(draw(st.sampled_from(pool)))


def _junk(extra_values: Sequence[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([*WRONG_TYPE_VALUES, *SPECIAL_FLOATS, None, *extra_values])


def mutated_documents(
    valid_doc: Doc, *, max_mutations: int = 3, extra_values: Sequence[Any] = ()
) -> st.SearchStrategy[Case]:
    """``(mutated copy of valid_doc, [mutation, ...])`` with 1..max_mutations mutations.

    ``extra_values`` adds values of other types to the wrong-type pool (e.g. a ``datetime``
    for TOML). ``valid_doc`` itself is never changed.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        doc, log = copy.deepcopy(valid_doc), []
        for _ in range(draw(st.integers(1, max_mutations))):
            doc, note = draw(mutate_document(doc, extra_values))
            log.append(note)
        return doc, log

    return build()


# ============================================================================ arrays


@st.composite
def mutate_arrays(draw: st.DrawFn, arrays: ArrayDict) -> tuple[ArrayDict, str]:
    """One mutation of one array of a dict of arrays, and its description."""
    names = sorted(arrays)
    op = draw(st.sampled_from(ARRAY_OPERATIONS if names else ("unknown_array",)))
    if op == "unknown_array":
        new = dict(arrays)
        new[UNKNOWN_KEY] = np.zeros(draw(st.integers(0, 3)))
        return new, f"add array {UNKNOWN_KEY}"
    name = draw(st.sampled_from(names))
    arr = arrays[name]
    new = dict(arrays)
    if op == "drop":
        del new[name]
        return new, f"drop array {name}"
    changed, note = _changed_array(draw, op, arr)
    new[name] = changed
    return new, f"{note} of {name}"


def _changed_array(draw: st.DrawFn, op: str, arr: NDArray[Any]) -> tuple[NDArray[Any], str]:
    if op == "truncate" and arr.ndim and arr.size:
        axis = draw(st.integers(0, arr.ndim - 1))
        keep = draw(st.integers(0, arr.shape[axis] - 1))
        return np.take(arr, range(keep), axis=axis), f"truncate axis {axis} to {keep}"
    if op == "reshape" and arr.size:
        how = draw(st.sampled_from(["ravel", "transpose", "add_axis"]))
        reshaped = {"ravel": arr.ravel, "transpose": arr.T.copy, "add_axis": lambda: arr[None]}
        return reshaped[how](), how
    numeric = arr.dtype.kind in "biuf"
    if op == "dtype" and numeric:
        dtype = draw(st.sampled_from(WRONG_DTYPES))
        return _as_dtype(arr, dtype), f"dtype {dtype}"
    if op == "dtype":
        return np.zeros(arr.shape), "dtype float64 zeros"
    if op == "insert_value" and arr.size and numeric:
        index = draw(st.integers(0, arr.size - 1))
        value = draw(st.sampled_from(INSERTED_VALUES))
        changed = arr.astype(np.float64).copy()
        changed.flat[index] = value
        return changed, f"set flat[{index}] = {value}"
    if op == "reverse" and arr.ndim:
        return arr[::-1].copy(), "reverse"
    if op == "scalar":
        return np.array(draw(st.sampled_from([0.0, math.nan, 1.0]))), "make a scalar"
    return arr.copy(), "keep"


def _as_dtype(arr: NDArray[Any], dtype: str) -> NDArray[Any]:
    with np.errstate(invalid="ignore", over="ignore"):
        if dtype == "int64":
            return np.nan_to_num(arr.astype(np.float64)).astype(np.int64)
        return arr.astype(dtype)


def mutated_arrays(valid: ArrayDict, *, max_mutations: int = 2) -> st.SearchStrategy[Case]:
    """``(mutated copy of valid, [mutation, ...])`` for a dict of named numpy arrays."""

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        arrays: ArrayDict = {k: v.copy() for k, v in valid.items()}
        log: list[str] = []
        for _ in range(draw(st.integers(1, max_mutations))):
            arrays, note = draw(mutate_arrays(arrays))
            log.append(note)
        return arrays, log

    return build()


# ============================================================================ bytes


def mutated_bytes(valid: bytes) -> st.SearchStrategy[tuple[bytes, list[str]]]:
    """A damaged copy of a file's bytes: truncated, flipped, zeroed or with junk appended."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[bytes, list[str]]:
        size = len(valid)
        op = draw(st.sampled_from(["truncate", "flip", "zero", "append"]))
        if op == "truncate" or size == 0:
            keep = draw(st.integers(0, max(size - 1, 0)))
            return valid[:keep], [f"truncate to {keep} of {size} bytes"]
        if op == "flip":
            at = draw(st.integers(0, size - 1))
            mask = draw(st.integers(1, 255))
            flipped = valid[:at] + bytes([valid[at] ^ mask]) + valid[at + 1 :]
            return flipped, [f"xor byte {at} with {mask}"]
        if op == "zero":
            at = draw(st.integers(0, size - 1))
            length = draw(st.integers(1, 64))
            zeroed = valid[:at] + bytes(min(length, size - at)) + valid[at + length :]
            return zeroed, [f"zero {length} bytes at {at}"]
        junk = draw(st.binary(min_size=1, max_size=32))
        return valid + junk, [f"append {len(junk)} bytes"]

    return build()


# ============================================================================ the tally


class EscapedError(AssertionError):
    """A reader raised something other than InputError."""


@dataclass
class FuzzTally:
    """How the mutated inputs given to one reader ended."""

    reader: str
    tried: int = 0
    accepted: int = 0
    refused: int = 0
    escaped: int = 0
    escapes: list[str] = field(default_factory=list)

    def run(self, read: Callable[[], T], log: Sequence[str]) -> T | InputError:
        """Call ``read``; return its result or the InputError it raised. Anything else fails."""
        self.tried += 1
        try:
            result = read()
        except InputError as exc:
            self.refused += 1
            return exc
        except Exception as exc:
            self.escaped += 1
            self.escapes.append(f"{type(exc).__name__}: {exc} (after {list(log)})")
            raise EscapedError(
                f"{self.reader}: {type(exc).__name__} escaped after {list(log)}: {exc}"
            ) from exc
        self.accepted += 1
        return result

    def check(self, min_tried: int) -> None:
        """Fail unless at least ``min_tried`` inputs were tried and none escaped."""
        assert self.escaped == 0, self.escapes
        assert self.tried >= min_tried, f"{self.reader}: only {self.tried} inputs tried"

    def line(self) -> str:
        return (
            f"fuzz {self.reader}: {self.tried} tried, {self.accepted} read, "
            f"{self.refused} refused (InputError), {self.escaped} escaped"
        )


@dataclass
class FuzzReport:
    """All tallies of a test run, by reader."""

    tallies: dict[str, FuzzTally] = field(default_factory=dict)

    def tally(self, reader: str) -> FuzzTally:
        return self.tallies.setdefault(reader, FuzzTally(reader))

    def lines(self) -> Iterator[str]:
        for tally in self.tallies.values():
            yield tally.line()


def fuzz_settings(max_examples: int) -> Callable[[T], T]:
    """Deterministic Hypothesis settings for a fuzz run (same inputs in CI every time)."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


REPORT_KEY = pytest.StashKey[FuzzReport]()


@pytest.fixture(scope="session")
def fuzz_report(request: pytest.FixtureRequest) -> FuzzReport:
    """The run's fuzz tallies; printed in pytest's terminal summary."""
    return request.config.stash.setdefault(REPORT_KEY, FuzzReport())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report = config.stash.get(REPORT_KEY, None)
    if report is None or not report.tallies:
        return
    terminalreporter.section("fuzzed readers")
    for line in report.lines():
        terminalreporter.write_line(line)
