"""Offline analysis: input file -> PoseSequence -> angles -> outputs.

This is the orchestration behind ``hipsight analyze`` and :func:`hipsight.analyze`. It computes
everything first and writes outputs only at the end, each atomically, so a failure leaves no
partial output behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hipsight import __version__
from hipsight.errors import InputError, NoPersonError
from hipsight.export.angles_csv import write_angles_csv
from hipsight.fileio import write_text_atomic
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.summary import summarise_angles
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import apply_view_gate
from hipsight.pose.landmarks import LEFT_ANKLE, LEFT_HIP, LEFT_KNEE, RIGHT_ANKLE, RIGHT_HIP, RIGHT_KNEE
from hipsight.pose.sequence import PoseSequence

SUMMARY_SCHEMA = "hipsight.summary"
SUMMARY_VERSION = 1
LANDMARK_SUFFIX = ".npz"
SideChoice = Literal["left", "right", "auto"]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class AnalysisOptions:
    """Knobs of an offline analysis (CLI flags map onto these)."""

    side: SideChoice = "auto"
    model: str | None = None
    subject: str = "visible"
    max_people: int = 2
    workers: int | None = None
    roll_deg: float = 0.0
    cutoff_hz: float | None = 6.0
    max_gap_s: float = 0.25
    min_visibility: float = 0.5
    progress: bool = True
    view_gate: bool = True


@dataclass(frozen=True)
class Analysis:
    """The result of analysing one input."""

    sequence: PoseSequence
    angles: AngleTable
    summary: dict[str, Any]
    warnings: tuple[str, ...] = ()
    outputs: dict[str, Path] = field(default_factory=dict)


def load_sequence(path: Path, options: AnalysisOptions, notify: Notify) -> tuple[PoseSequence, tuple[str, ...]]:
    """Landmarks from a saved ``.npz`` (no model run) or from a video (pose estimation)."""
    if path.suffix.lower() == LANDMARK_SUFFIX:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            return PoseSequence.from_npz(path), ()
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    return extract_from_video(path, options, notify)


def extract_from_video(path: Path, options: AnalysisOptions, notify: Notify) -> tuple[PoseSequence, tuple[str, ...]]:
    from hipsight.io.video import probe_video
    from hipsight.models.store import resolve_model
    from hipsight.io.native import native_stderr_silenced
    from hipsight.pose.extract import extract_pose

    video = probe_video(path)  # fail fast on bad input, before loading the model
    model = resolve_model(options.model, notify=notify)
    with native_stderr_silenced() as stderr, _progress_bar(video.frame_count, options.progress, path.name, stderr) as tick:
        extraction = extract_pose(
            path, model, max_people=options.max_people, subject=options.subject, workers=options.workers, progress=tick
        )
    return extraction.sequence, extraction.warnings


class _progress_bar:  # noqa: N801 - used as a context manager like a function
    """A tqdm bar on stderr (hidden when stderr is not a terminal or when disabled)."""

    def __init__(self, total: int | None, enabled: bool, label: str, file: Any = None) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="frame", desc=f"pose {label}", leave=False, disable=None, file=file)

    def __enter__(self) -> Callable[[int], None]:
        bar = self._bar
        return (lambda n: bar.update(n)) if bar is not None else (lambda n: None)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def near_side(seq: PoseSequence) -> Literal["left", "right"]:
    """The side turned towards the camera: the leg with the higher mean visibility."""
    vis = np.nan_to_num(seq.visibility)
    left = vis[:, [LEFT_HIP, LEFT_KNEE, LEFT_ANKLE]].mean()
    right = vis[:, [RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE]].mean()
    return "left" if left >= right else "right"


def analyse_sequence(seq: PoseSequence, options: AnalysisOptions, warnings: tuple[str, ...] = ()) -> Analysis:
    """Angles and summary of a sequence (no files written)."""
    if not seq.detected.any():
        raise NoPersonError(f"{seq.meta.source or 'input'}: no person found in {seq.n_frames} frames")
    table = compute_angles(
        seq,
        roll_deg=options.roll_deg,
        min_visibility=options.min_visibility,
        max_gap_s=options.max_gap_s,
        cutoff_hz=options.cutoff_hz,
    )
    if options.view_gate:
        table = apply_view_gate(table, seq)
    side = near_side(seq) if options.side == "auto" else options.side
    summary = {
        "schema": SUMMARY_SCHEMA,
        "version": SUMMARY_VERSION,
        "hipsight_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": seq.meta.source,
        "n_frames": seq.n_frames,
        "duration_s": round(seq.duration_s, 3),
        "fps": round(seq.fps, 3),
        "detected_fraction": round(float(seq.detected.mean()), 4),
        "side": {"requested": options.side, "analysed": side, "near_camera": near_side(seq)},
        "meta": seq.meta.to_dict(),
        "processing": list(table.provenance),
        "warnings": list(warnings),
        "angles": summarise_angles(table),
    }
    return Analysis(sequence=seq, angles=table, summary=summary, warnings=warnings)


def write_outputs(analysis: Analysis, out_dir: Path, stem: str, csv_path: Path | None = None) -> dict[str, Path]:
    """Write CSV, summary.json and the landmarks .npz; return their paths."""
    csv_target = csv_path or out_dir / f"{stem}_angles.csv"
    paths = {
        "csv": write_angles_csv(csv_target, analysis.sequence, analysis.angles),
        "summary": write_text_atomic(out_dir / "summary.json", json.dumps(analysis.summary, indent=2) + "\n"),
        "landmarks": analysis.sequence.save_npz(out_dir / f"{stem}_landmarks.npz"),
    }
    return paths


def run_analysis(
    input_path: str | Path,
    out_dir: str | Path | None = None,
    csv_path: str | Path | None = None,
    options: AnalysisOptions | None = None,
    notify: Notify = print,
) -> Analysis:
    """Analyse a video or a landmarks file and write its outputs."""
    options = options or AnalysisOptions()
    path = Path(input_path)
    seq, warnings = load_sequence(path, options, notify)
    analysis = analyse_sequence(seq, options, warnings)
    stem = path.stem.removesuffix("_landmarks")
    target = Path(out_dir) if out_dir is not None else Path("out") / stem
    outputs = write_outputs(analysis, target, stem, Path(csv_path) if csv_path else None)
    return Analysis(analysis.sequence, analysis.angles, analysis.summary, analysis.warnings, outputs)
