"""Measure a captured test exactly as ``hipsight analyze X.npz --test ID`` would.

The live session hands the captured :class:`PoseSequence` to
:func:`hipsight.analysis.analyse_sequence`, the offline analysis itself (same angles, same
filter, same protocol call), so re-analysing the saved landmarks gives the same metrics. Only the
side differs by step: a per-side step is measured for its side, like ``--side left``; and the
calibration (undistortion, roll) is the one the session used, like ``--calibration NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipsight.analysis import Analysis, AnalysisOptions, analyse_sequence
from hipsight.errors import HipsightError, NoPersonError
from hipsight.live.plan import Step
from hipsight.live.progress import saved_count
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import Protocol
from hipsight.results import TestResult


@dataclass(frozen=True)
class Measured:
    """A test's result, and the analysis behind it (None when there was nothing to analyse)."""

    result: TestResult
    analysis: Analysis | None


def analysis_options(step: Step, calibration: str | None = None) -> AnalysisOptions:
    """The offline options that reproduce this step's measurement: ``hipsight analyze X.npz
    --test ID [--side SIDE] [--calibration NAME]``."""
    return AnalysisOptions(
        test=step.protocol.id,
        side=step.side or "auto",
        calibration=calibration,
        progress=False,
    )


def not_measurable_result(protocol: Protocol, reason: str) -> TestResult:
    """A result with no metrics and one reason (nobody seen, analysis failed)."""
    return TestResult(
        test=protocol.id,
        title=protocol.title,
        view_required=protocol.view,
        view_detected="unknown",
        status="not_measurable",
        reasons=(reason,),
        metrics=(),
        key_angles=protocol.angles,
    )


def measure_capture(seq: PoseSequence, step: Step, calibration: str | None = None) -> Measured:
    """Angles and the protocol's result for one captured step.

    A capture without anybody in it, or one the protocol cannot digest, becomes a
    ``not_measurable`` result with the reason: a guided session never stops on a bad take.
    """
    try:
        analysis = analyse_sequence(seq, analysis_options(step, calibration))
    except NoPersonError as exc:
        return Measured(not_measurable_result(step.protocol, f"nobody was seen: {exc}"), None)
    except (HipsightError, ValueError, KeyError, IndexError) as exc:
        reason = f"the analysis failed on this take ({type(exc).__name__}: {exc})"
        return Measured(not_measurable_result(step.protocol, reason), None)
    if analysis.result is None:  # analyse_sequence measures whenever options.test is set
        raise RuntimeError(f"analyse_sequence returned no result for test {step.protocol.id!r}")
    return Measured(analysis.result, analysis)


def count_capture(seq: PoseSequence | None, step: Step, calibration: str | None = None) -> int:
    """The reps in a capture so far: :func:`measure_capture` (the protocol's own segmentation,
    exactly as the capture will be saved) and the protocol's count metric
    (:func:`~hipsight.live.progress.saved_count`). 0 before anybody was seen."""
    if seq is None or not seq.detected.any():
        return 0
    return saved_count(step.protocol, measure_capture(seq, step, calibration).result)
