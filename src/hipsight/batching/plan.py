"""What a batch will do: the recordings (from a folder or a manifest CSV) and their output folders.

A folder is searched recursively for videos and ``*_landmarks.npz`` files. A manifest CSV has one
row per recording with the columns ``path``, ``test``, ``person`` and optionally ``view`` and
``session_date``; every row is checked against :class:`ManifestRow` and a bad row is refused with
one line naming the file, the row and the field, what was expected and what was found.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from hipsight.errors import InputError
from hipsight.schema import convert_document, show_value

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")
LANDMARKS_SUFFIX = "_landmarks.npz"
MANIFEST_SUFFIX = ".csv"
REQUIRED_COLUMNS = ("path", "test", "person")
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
IsoDate = Annotated[str, msgspec.Meta(pattern=ISO_DATE)]


class ManifestRow(msgspec.Struct, forbid_unknown_fields=False):
    """One manifest row (empty cells are missing values)."""

    path: NonEmpty
    test: NonEmpty | None = None
    person: NonEmpty | None = None
    view: Literal["side", "front"] | None = None
    session_date: IsoDate | None = None


@dataclass(frozen=True)
class Recording:
    """One unit of batch work: an input, what to measure, and where its outputs go."""

    input: Path
    name: str  # the output folder's name, unique within the batch
    test: str | None = None
    person: str | None = None
    view: Literal["side", "front"] | None = None
    session_date: str | None = None


def plan_batch(
    source: str | Path,
    out_dir: Path,
    test: str | None = None,
    tests_from: str | None = None,
) -> list[Recording]:
    """The recordings of a folder or manifest, each with its own output folder name."""
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        if tests_from is not None:
            raise InputError(f"--tests-from {tests_from} needs a manifest CSV, got folder {path}")
        recordings = [
            Recording(input=p, name="", test=test) for p in find_inputs(path, exclude=out_dir)
        ]
        root = path
    elif path.suffix.lower() == MANIFEST_SUFFIX:
        recordings = read_manifest(path, test=test, tests_from=tests_from)
        root = path.parent
    else:
        raise InputError(f"{path}: expected a folder or a manifest .csv")
    if not recordings:
        raise InputError(f"{path}: no videos or *{LANDMARKS_SUFFIX} files found")
    check_tests(path, recordings)
    return name_outputs(recordings, root)


def find_inputs(folder: Path, exclude: Path | None = None) -> list[Path]:
    """Videos and landmarks files under ``folder`` (sorted), leaving out ``exclude``'s tree."""
    skip = exclude.resolve() if exclude is not None else None
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or not is_input(path):
            continue
        if skip is not None and path.resolve().is_relative_to(skip):
            continue  # our own outputs (landmarks files) are never inputs
        found.append(path)
    return found


def is_input(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(LANDMARKS_SUFFIX) or path.suffix.lower() in VIDEO_SUFFIXES


def read_manifest(
    path: Path, test: str | None = None, tests_from: str | None = None
) -> list[Recording]:
    """The manifest's rows as recordings; relative paths are relative to the manifest."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the manifest: {exc}") from exc
    check_columns(path, columns, tests_from)
    return [
        manifest_recording(path, number, raw, test, tests_from)
        for number, raw in enumerate(rows, start=2)  # row 1 is the header
    ]


def check_columns(path: Path, columns: Sequence[str], tests_from: str | None) -> None:
    needed = [*REQUIRED_COLUMNS, *([tests_from] if tests_from else [])]
    missing = [name for name in needed if name not in columns]
    if missing:
        raise InputError(
            f"{path}: manifest header: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(REQUIRED_COLUMNS)} [, view, session_date], "
            f"got {', '.join(columns)}"
        )


def manifest_recording(
    path: Path,
    number: int,
    raw: Mapping[str, str | None],
    test: str | None,
    tests_from: str | None,
) -> Recording:
    """One validated row: InputError ``FILE: row N: manifest field F: expected ..., got ...``."""
    cells = {key: value.strip() for key, value in raw.items() if key and value and value.strip()}
    if None in raw:  # DictReader puts the cells beyond the header under the key None
        raise InputError(f"{path}: row {number}: more cells than the header has columns")
    row = convert_document(cells, ManifestRow, f"{path}: row {number}", "manifest")
    chosen = test or (cells.get(tests_from) if tests_from else row.test)
    target = Path(row.path)
    return Recording(
        input=target if target.is_absolute() else path.parent / target,
        name="",
        test=chosen,
        person=row.person,
        view=row.view,
        session_date=row.session_date,
    )


def check_tests(source: Path, recordings: Iterable[Recording]) -> None:
    """Every named test exists (one line naming the first that does not)."""
    from hipsight.protocols.registry import all_protocols

    known = [protocol.id for protocol in all_protocols()]
    for recording in recordings:
        if recording.test is not None and recording.test not in known:
            raise InputError(
                f"{source}: {recording.input.name}: test: expected one of "
                f"{', '.join(known)}, got {show_value(recording.test)}"
            )


def name_outputs(recordings: Sequence[Recording], root: Path) -> list[Recording]:
    """A unique, stable folder name per recording: its path under ``root`` without the suffix
    (``a/clip.mp4`` -> ``a__clip``); clashes get the suffix, then the test, then a number."""
    names = [base_name(r.input, root) for r in recordings]
    names = disambiguate(names, [r.input.suffix.lstrip(".").lower() for r in recordings])
    names = disambiguate(names, [r.test or "angles" for r in recordings])
    clashes = Counter(names)
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if clashes[name] == 1 else f"{name}-{seen[name]}")
    return [replace(r, name=n) for r, n in zip(recordings, unique, strict=True)]


def base_name(path: Path, root: Path) -> str:
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(path.name)
    stem = relative.with_suffix("").as_posix().removesuffix("_landmarks")
    return re.sub(r"[^\w.-]+", "_", stem.replace("/", "__")).strip("._") or "recording"


def disambiguate(names: list[str], tags: list[str]) -> list[str]:
    counts = Counter(names)
    return [f"{n}_{t}" if counts[n] > 1 else n for n, t in zip(names, tags, strict=True)]
