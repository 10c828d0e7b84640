"""Offline analysis: input file -> PoseSequence -> angles -> outputs.

This is the orchestration behind ``hipsight analyze`` and :func:`hipsight.analyze`. It computes
everything first and writes outputs only at the end, each atomically, so a failure leaves no
partial output behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hipsight.calibration.store import apply_calibration, calibration_summary, choose_calibration
from hipsight.config import DEFAULTS
from hipsight.errors import InputError, NoPersonError
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.cleaning import fill_landmark_gaps, usable_cutoff
from hipsight.kinematics.summary import summarise_angles
from hipsight.kinematics.swaps import repair_side_swaps
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import (
    apply_view_gate,
    camera_view_angle,
    near_side,
    summarise_camera_angle,
)
from hipsight.optional import require
from hipsight.pose.sequence import PoseSequence, read_landmarks
from hipsight.results import TestResult
from hipsight.session.summary import SUMMARY_MINOR_VERSION, SUMMARY_SCHEMA, SUMMARY_VERSION
from hipsight.session.writer import SUMMARY_NAME, SessionWriter
from hipsight.version import __version__

if TYPE_CHECKING:
    from hipsight.calibration.baseline import PersonBaseline
    from hipsight.calibration.store import CameraCalibration

LANDMARK_SUFFIX = ".npz"
SideChoice = Literal["left", "right", "auto"]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class AnalysisOptions:
    """Knobs of an offline analysis (CLI flags map onto these)."""

    side: SideChoice = "auto"
    model: str | None = None
    subject: str | None = None  # None: the test's own choice, else "visible"
    max_people: int = DEFAULTS.max_people
    workers: int | None = None
    roll_deg: float = 0.0
    cutoff_hz: float | None = DEFAULTS.cutoff_hz
    max_gap_s: float = DEFAULTS.max_gap_s
    min_visibility: float = DEFAULTS.min_visibility
    progress: bool = True
    view_gate: bool = True
    test: str | None = None
    view: Literal["side", "front"] | None = None
    asymmetry: dict[str, float] = field(default_factory=dict)
    calibration: str | None = None  # name or .toml path; None: the default calibration; "none": off
    person: str | None = None  # recorded in results.json; named sessions go into the history


@dataclass(frozen=True)
class Analysis:
    """The result of analysing one input: angles, their summary and, with a test, its result."""

    sequence: PoseSequence
    angles: AngleTable
    summary: dict[str, Any]
    warnings: tuple[str, ...] = ()
    outputs: dict[str, Path] = field(default_factory=dict)
    result: TestResult | None = None


def load_sequence(
    path: Path, options: AnalysisOptions, notify: Notify
) -> tuple[PoseSequence, tuple[str, ...]]:
    """Landmarks from a saved ``.npz`` (no model run) or from a video (pose estimation)."""
    if path.suffix.lower() == LANDMARK_SUFFIX:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        return read_landmarks(path)  # InputError naming the file; notes on ignored fields
    return extract_from_video(path, options, notify)


def extract_from_video(
    path: Path, options: AnalysisOptions, notify: Notify
) -> tuple[PoseSequence, tuple[str, ...]]:
    from hipsight.io.native import native_stderr_silenced
    from hipsight.io.video import probe_input
    from hipsight.models.store import resolve_model
    from hipsight.pose.extract import extract_pose

    video = probe_input(path)  # fail fast on bad input, before loading the model
    model = resolve_model(options.model, notify=notify)
    with (
        native_stderr_silenced() as stderr,
        _progress_bar(video.frame_count, options.progress, path.name, stderr) as tick,
    ):
        extraction = extract_pose(
            path,
            model,
            max_people=options.max_people,
            subject=choose_subject_policy(options),
            workers=options.workers,
            progress=tick,
        )
    return extraction.sequence, extraction.warnings


def choose_subject_policy(options: AnalysisOptions) -> str:
    """The user's ``--subject``, else the test's declared choice (e.g. gait follows who moves)."""
    if options.subject is not None:
        return options.subject
    if options.test:
        from hipsight.protocols.registry import get_protocol

        try:
            return get_protocol(options.test).subject
        except KeyError as exc:
            raise InputError(str(exc.args[0])) from exc
    return "visible"


class _progress_bar:  # noqa: N801 - used as a context manager like a function
    """A tqdm bar on stderr (hidden when stderr is not a terminal or when disabled)."""

    def __init__(self, total: int | None, enabled: bool, label: str, file: Any = None) -> None:
        self._bar: Any = None
        if enabled:
            tqdm = require("tqdm", "the progress bar").tqdm
            self._bar = tqdm(
                total=total,
                unit="frame",
                desc=f"pose {label}",
                leave=False,
                disable=None,
                file=file,
            )

    def __enter__(self) -> Callable[[int], None]:
        bar = self._bar
        return bar.update if bar is not None else (lambda n: None)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def analyse_sequence(
    seq: PoseSequence, options: AnalysisOptions, warnings: tuple[str, ...] = ()
) -> Analysis:
    """Angles and summary of a sequence (no files written)."""
    if not seq.detected.any():
        raise NoPersonError(f"{seq.input_label}: no person found in {seq.n_frames} frames")
    seq = repair_side_swaps(seq)  # left/right labels put right before any angle
    calib, notes = choose_calibration(options.calibration, seq.meta.frame_size)
    seq, calib_roll = apply_calibration(seq, calib)  # undistorted before any angle is computed
    warnings = (*warnings, *notes)
    cutoff_hz, cutoff_note = choose_cutoff(options.cutoff_hz, seq.fps)
    warnings = (*warnings, *cutoff_note)
    table = compute_angles(
        seq,
        roll_deg=calib_roll if calib_roll is not None else options.roll_deg,
        min_visibility=options.min_visibility,
        max_gap_s=options.max_gap_s,
        cutoff_hz=cutoff_hz,
    )
    # The view gate judges the landmarks gap-filled as the angles were, frame by frame.
    filled = fill_landmark_gaps(seq, options.max_gap_s, options.min_visibility)
    shown = apply_view_gate(table, filled) if options.view_gate else table
    side = near_side(seq) if options.side == "auto" else options.side
    summary = {
        "schema": SUMMARY_SCHEMA,
        "version": SUMMARY_VERSION,
        "minor_version": SUMMARY_MINOR_VERSION,
        "hipsight_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": seq.meta.source,
        "n_frames": seq.n_frames,
        "duration_s": round(seq.duration_s, 3),
        "fps": round(seq.fps, 3),
        "detected_fraction": round(float(seq.detected.mean()), 4),
        "side": {"requested": options.side, "analysed": side, "near_camera": near_side(seq)},
        "camera_angle": summarise_camera_angle(camera_view_angle(filled)[0]),
        "meta": seq.meta.to_dict(),
        "calibration": calibration_summary(calib),
        "processing": [step.describe() for step in shown.provenance],
        "processing_steps": [dataclasses.asdict(step) for step in shown.provenance],
        "warnings": list(warnings),
        "angles": summarise_angles(shown),
    }
    stance = person_stance(options.person)
    baseline = stance.reference_angles if stance is not None else {}
    if baseline:
        summary["baseline"] = baseline
    person = PersonFacts(
        baseline=baseline,
        m_per_px=person_scale(seq, stance),
        stature_m=stance.height_cm / 100.0 if stance and stance.height_cm else None,
        focal_px=focal_length_px(calib),
    )
    result = run_protocol(filled, table, options, side, person) if options.test else None
    return Analysis(sequence=seq, angles=shown, summary=summary, warnings=warnings, result=result)


def choose_cutoff(cutoff_hz: float | None, fps: float) -> tuple[float | None, tuple[str, ...]]:
    """The low-pass cutoff to use: lowered to 0.8 x Nyquist for low frame rates, with a note."""
    if cutoff_hz is None:
        return None, ()
    used = usable_cutoff(cutoff_hz, fps)
    if used == cutoff_hz:
        return cutoff_hz, ()
    return used, (
        f"frame rate {fps:.1f} fps is too low for a {cutoff_hz:g} Hz filter; used {used:.1f} Hz",
    )


def person_stance(person: str | None) -> PersonBaseline | None:
    """The person's neutral standing from `hipsight calibrate stance`, if stored."""
    if not person:
        return None
    from hipsight.calibration.baseline import baseline_path, load_baseline

    try:
        path = baseline_path(person)
    except InputError:
        return None  # a name that cannot be a file name has no stored baseline
    return load_baseline(person) if path.is_file() else None


def person_scale(seq: PoseSequence, stance: PersonBaseline | None) -> float | None:
    """Metres per image pixel at the person, from their stored height; None without one."""
    if stance is None or stance.height_cm is None:
        return None
    from hipsight.calibration.scale import metres_per_pixel

    scale = metres_per_pixel(seq, baseline=stance, per_frame=False)
    finite = scale[np.isfinite(scale)]
    return float(finite[0]) if finite.size else None


@dataclass(frozen=True)
class PersonFacts:
    """What the analysis knows about the person and the camera, for the protocol's context."""

    baseline: dict[str, float] = field(default_factory=dict)
    m_per_px: float | None = None
    stature_m: float | None = None
    focal_px: float | None = None


def focal_length_px(calib: CameraCalibration | None) -> float | None:
    """The calibrated horizontal focal length in pixels, when the calibration has intrinsics."""
    if calib is None or calib.camera_matrix is None:
        return None
    return float(calib.camera_matrix[0, 0])


def run_protocol(
    seq: PoseSequence,
    table: AngleTable,
    options: AnalysisOptions,
    side: str,
    person: PersonFacts | None = None,
) -> TestResult:
    """Measure one screening test, then grade it against the norms.

    Protocols get the raw table (they apply their own gates) and return metrics and segments;
    the findings come from :func:`hipsight.findings.engine.grade`, once, here.
    """
    from hipsight.findings.engine import grade
    from hipsight.protocols.base import MeasureContext
    from hipsight.protocols.registry import get_protocol

    try:
        protocol = get_protocol(options.test or "")
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from exc
    person = person or PersonFacts()
    context = MeasureContext(
        side="auto" if options.side == "auto" else side,  # type: ignore[arg-type]
        view=options.view,
        baseline=dict(person.baseline),
        m_per_px=person.m_per_px,
        focal_px=person.focal_px,
        stature_m=person.stature_m,
    )
    return grade(
        protocol.measure(seq, table, context), options.asymmetry, recording_s=seq.covered_s
    )


def write_outputs(
    analysis: Analysis,
    out_dir: Path,
    stem: str,
    csv_path: Path | None = None,
    person: str | None = None,
    created: str | None = None,
) -> dict[str, Path]:
    """Write CSV, summary.json, the landmarks .npz and, with a test, results.json.

    ``created`` (ISO 8601) dates the session, e.g. when it was recorded; default: now."""
    writer = SessionWriter(
        out_dir,
        kind="analyze",
        person=person,
        calibration=analysis.sequence.meta.calibration,
        created=created,
    )
    paths = writer.write_test_files(stem, analysis.sequence, analysis.angles, csv_path=csv_path)
    paths["summary"] = writer.write_json(SUMMARY_NAME, analysis.summary)
    if analysis.result is not None:
        writer.add_test(
            analysis.result,
            {kind: paths[kind] for kind in ("csv", "summary", "landmarks")},
            source=analysis.sequence.meta.source,
            processing=analysis.angles.provenance,
        )
        paths["results"] = writer.save(baseline=analysis.summary.get("baseline", {}))
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
    outputs = write_outputs(
        analysis, target, stem, Path(csv_path) if csv_path else None, person=options.person
    )
    return dataclasses.replace(analysis, outputs=outputs)


def analyze(
    path: str | Path, test: str | None = None, out_dir: str | Path | None = None, **options: Any
) -> Analysis:
    """Python API: analyse a video or landmarks file; with ``test``, measure that screening test.

    Writes files only when ``out_dir`` is given. ``options`` are :class:`AnalysisOptions` fields
    (``side``, ``view``, ``subject``, ``model``, ...); the progress bar is off unless asked for.

    >>> result = analyze("squat.mp4", test="squat").result  # doctest: +SKIP
    """
    options.setdefault("progress", False)
    opts = AnalysisOptions(test=test, **options)
    if out_dir is not None:
        return run_analysis(path, out_dir=out_dir, options=opts, notify=lambda m: None)
    seq, warnings = load_sequence(Path(path), opts, notify=lambda m: None)
    return analyse_sequence(seq, opts, warnings)
