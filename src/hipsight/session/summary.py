"""``summary.json``: its declared schema, and a reader that checks it before any field is used.

``hipsight analyze`` writes one per input (docs/output-formats.md): where the landmarks came
from, how they were processed, and a statistical summary of every angle. The schema is
:class:`SummaryDocument`; :func:`read_summary` refuses, with one line naming the file and the
field, anything that does not fit. Versions follow the rule of every hipsight file: ``version``
is MAJOR (a newer one is refused with "upgrade"), ``minor_version`` is MINOR (a newer one is read;
unknown keys are ignored with a note).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from hipsight.errors import InputError
from hipsight.pose.landmarks_file import LandmarksMeta, StepDocument
from hipsight.schema import MajorVersion, MinorVersion, convert_document, unknown_fields

SUMMARY_SCHEMA = "hipsight.summary"
SUMMARY_VERSION = 1
SUMMARY_MINOR_VERSION = 2  # 1.1: "minor_version", "processing_steps"; 1.2: "camera_angle"
WHAT = "summary"

Fraction = Annotated[float, Meta(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Meta(ge=0.0)]
Degrees = Annotated[float, Meta(ge=-100_000.0, le=100_000.0)]  # finite (NaN fails both bounds)
SideName = Literal["left", "right"]

__all__ = [
    "SUMMARY_MINOR_VERSION",
    "SUMMARY_SCHEMA",
    "SUMMARY_VERSION",
    "SummaryDocument",
    "read_summary",
    "validate_summary",
]


class AngleSummary(msgspec.Struct, kw_only=True):
    """One angle's statistics over its valid frames (None when it has none)."""

    unit: str
    plane: str
    view: str
    variant: str
    min: Degrees | None
    max: Degrees | None
    p5: Degrees | None
    p95: Degrees | None
    range: Degrees | None
    range_p5_p95: Degrees | None
    valid_fraction: Fraction


class CameraAngleSummary(msgspec.Struct, kw_only=True):
    """The camera-to-body angle over the clip (0 = side view, 90 = front or back view)."""

    n_frames: Annotated[int, Meta(ge=0)]
    median_deg: Annotated[float, Meta(ge=0.0, le=90.0)] | None
    p10_deg: Annotated[float, Meta(ge=0.0, le=90.0)] | None
    p90_deg: Annotated[float, Meta(ge=0.0, le=90.0)] | None
    bands: dict[str, Fraction]
    estimate_error_deg: NonNegative | None = None


class SideChoice(msgspec.Struct, kw_only=True):
    requested: Literal["left", "right", "auto"]
    analysed: SideName
    near_camera: SideName


class SummaryVersion(msgspec.Struct, kw_only=True):
    """What every version has: read first, so a newer MAJOR is refused cleanly."""

    schema: Literal["hipsight.summary"]
    version: MajorVersion
    minor_version: MinorVersion = 0


class SummaryDocument(msgspec.Struct, kw_only=True):
    """``summary.json``, version 1.x."""

    schema: Literal["hipsight.summary"]
    version: MajorVersion
    minor_version: MinorVersion = 0
    hipsight_version: str = ""
    created: str
    source: str
    n_frames: Annotated[int, Meta(ge=0)]
    duration_s: NonNegative
    fps: Annotated[float, Meta(gt=0.0, le=100_000.0)]
    detected_fraction: Fraction
    side: SideChoice
    meta: LandmarksMeta
    calibration: dict[str, Any] | None = None
    processing: list[str] = msgspec.field(default_factory=list)
    processing_steps: list[StepDocument] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    angles: dict[str, AngleSummary]
    camera_angle: CameraAngleSummary | None = None  # since 1.2
    baseline: dict[str, Degrees] = msgspec.field(default_factory=dict)


def validate_summary(document: Any, where: str) -> tuple[SummaryDocument, tuple[str, ...]]:
    """Check a parsed summary; return it and notes (ignored keys). InputError if it is bad."""
    if not isinstance(document, dict):
        kind = "null" if document is None else type(document).__name__
        raise InputError(f"{where}: {WHAT}: expected a JSON object, got {kind}")
    version = convert_document(document, SummaryVersion, where, WHAT)
    if version.version > SUMMARY_VERSION:
        raise InputError(
            f"{where}: summary version {version.version}.{version.minor_version} is newer than "
            f"this hipsight reads ({SUMMARY_VERSION}.{SUMMARY_MINOR_VERSION}); upgrade hipsight"
        )
    summary = convert_document(document, SummaryDocument, where, WHAT)
    unknown = unknown_fields(document, SummaryDocument)
    notes = (f"{where}: ignored unknown keys: {', '.join(unknown[:5])}",) if unknown else ()
    return summary, notes


def read_summary(path: str | Path) -> tuple[SummaryDocument, tuple[str, ...]]:
    """Read and validate a ``summary.json``; InputError naming the file on any problem."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such summary file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: unreadable summary file ({type(exc).__name__})") from exc
    return validate_summary(document, str(path))
