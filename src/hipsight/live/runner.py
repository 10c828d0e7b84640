"""Wire a guided session together: plan, camera, model, session, recorder, voice, display, loop.

:func:`run_assess` is what ``hipsight assess`` runs; tests call it with a scripted source and a
scripted pose backend in place of the camera and the model.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hipsight.calibration.store import CameraCalibration, check_image_size, choose_calibration
from hipsight.errors import InputError
from hipsight.io.sources import INFERENCE_SIZE, FrameSource, open_source
from hipsight.live.backends import MediaPipeBackend, PoseBackend
from hipsight.live.display import NullDisplay, Tap, WindowDisplay, display_available
from hipsight.live.pipeline import LivePipeline, PipelineStats, Presenter
from hipsight.live.plan import build_plan
from hipsight.live.recorder import SessionRecorder, default_out_dir
from hipsight.live.render import OverlayRenderer
from hipsight.live.session import AssessSession, SessionTiming, Transition
from hipsight.live.speech import Speaker, make_speaker
from hipsight.models.store import resolve_model
from hipsight.protocols import registry
from hipsight.protocols.base import Protocol
from hipsight.results import TestRecord

DisplayMode = Literal["window", "none"]
Notify = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True)
class AssessConfig:
    """The options of ``hipsight assess``."""

    camera: str = "0"
    tests: Sequence[str] | None = None
    person: str | None = None
    out_dir: Path | None = None
    display: DisplayMode = "window"
    voice: bool = True
    realtime: bool = True
    save_video: bool = False
    calibration: str | None = None
    model: str | None = None
    max_people: int = 2
    workers: int = 2
    timing: SessionTiming = field(default_factory=SessionTiming)

    def __post_init__(self) -> None:
        if self.display not in ("window", "none"):
            raise ValueError(f"display must be 'window' or 'none', got {self.display!r}")


@dataclass(frozen=True)
class AssessOutcome:
    """What a session did and where it saved it."""

    out_dir: Path
    results_path: Path
    records: list[TestRecord]
    end_reason: str
    stats: PipelineStats
    transitions: list[Transition]
    meta: dict[str, Any]


def live_calibration(
    name: str | None, frame_size: tuple[int, int] = INFERENCE_SIZE
) -> tuple[CameraCalibration | None, tuple[str, ...]]:
    """The calibration the session uses (``--calibration``, else the default one) and notes.

    The same choice as ``hipsight analyze`` makes, so the offline re-analysis matches. Its
    intrinsics must have been made at the live frame size; its roll corrects the angles.
    """
    calib, notes = choose_calibration(name, frame_size)
    if calib is not None:
        check_image_size(calib, frame_size, "live camera")
    return calib, notes


def make_presenter(mode: DisplayMode, tap: Tap | None = None) -> Presenter:
    return WindowDisplay() if mode == "window" else NullDisplay(tap)


def run_assess(
    config: AssessConfig,
    *,
    source: FrameSource | None = None,
    backend: PoseBackend | None = None,
    protocols: Sequence[Protocol] | None = None,
    speaker: Speaker | None = None,
    tap: Tap | None = None,
    notify: Notify = _stderr,
) -> AssessOutcome:
    """Run a whole guided session and return where its results are.

    Everything that can fail on bad input (unknown test, no display, missing camera or
    calibration, model) fails before the session starts, with one clear line.
    """
    plan = build_plan(
        protocols if protocols is not None else registry.all_protocols(), config.tests
    )
    if config.display == "window" and not display_available():
        raise InputError(
            "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "run with --display none for a session without a window"
        )
    calib, notes = live_calibration(config.calibration)
    for note in notes:
        notify(f"hipsight: warning: {note}")
    source = source or open_source(
        camera=config.camera, realtime=config.realtime, size=INFERENCE_SIZE
    )
    speaker = speaker or make_speaker(config.voice)
    try:
        backend = backend or _model_backend(config, notify)
        presenter = make_presenter(config.display, tap)
    except BaseException:
        source.close()
        speaker.close()
        raise
    out_dir = config.out_dir or default_out_dir()
    recorder = SessionRecorder(
        out_dir,
        person=config.person,
        calibration=None if calib is None else calib.name,
        save_video=config.save_video,
        source=source.description,
        model_name=backend.name,
        model_sha256=backend.sha256,
    )
    session = AssessSession(
        plan,
        recorder,
        speaker,
        source.frame_size,
        timing=config.timing,
        roll_deg=None if calib is None else calib.roll_deg,
        calibration=config.calibration,
        source_fps=source.fps,
        meta={
            "camera": source.description,
            "frame_size": list(source.frame_size),
            "realtime": source.realtime,
            "display": config.display,
            "voice": speaker.name,
            "model": backend.name,
            "model_sha256": backend.sha256,
        },
    )
    # Overlays are drawn at the inference size and the window scales them up: drawing at 2x
    # cost ~8x the render time (38 vs 4.5 ms a frame) and took the live loop from 27 to 11 fps.
    pipeline = LivePipeline(source, backend, session, OverlayRenderer(), presenter)
    notify(
        f"hipsight: assessing {len(plan)} step(s) from {source.description}; saving to {out_dir}"
    )
    try:
        stats = pipeline.run()
    finally:
        speaker.close()
        session.write_results(extra={"pipeline": pipeline.stats.to_dict()})
    return AssessOutcome(
        out_dir=out_dir,
        results_path=recorder.results_path(),
        records=session.records(),
        end_reason=session.end_reason or stats.end_reason,
        stats=stats,
        transitions=list(session.log.transitions),
        meta=session.session_meta(),
    )


def _model_backend(config: AssessConfig, notify: Notify) -> PoseBackend:
    model = resolve_model(config.model, notify=notify)
    return MediaPipeBackend(model, max_people=config.max_people, workers=config.workers)
