"""What a screening protocol declares, and the typed results it returns.

A protocol is one module in :mod:`hipsight.protocols` that defines ``PROTOCOL``, an instance of
:class:`Protocol`. The declaration says what the person does, the view it needs, the angles it
uses, its metrics, gates and norms, and holds the ``measure`` function that turns a
:class:`PoseSequence` and its :class:`AngleTable` into a :class:`TestResult` of metrics and
segments. ``measure`` always sees the landmarks with their short gaps filled by the same rule
as the angles (:func:`on_filled_landmarks`), so that every mask a protocol computes from the
landmarks (camera view, in-plane frames, visible landmarks) agrees with the angles frame by
frame. Findings are not the protocol's business: :func:`hipsight.findings.engine.grade`
compares the metrics with the norms once, after the protocol. The guided webcam
session reads the same declaration to instruct and check the person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from hipsight.config import DEFAULTS
from hipsight.kinematics.cleaning import fill_landmark_gaps
from hipsight.kinematics.table import AngleTable
from hipsight.kinematics.view import DEFAULT_TOLERANCES, ViewTolerance
from hipsight.pose.sequence import PoseSequence
from hipsight.results import SideName, TestResult, View

Position = Literal["standing", "lying", "seated", "walking"]


@dataclass(frozen=True)
class MetricSpec:
    """One number a protocol reports (per side when ``per_side``)."""

    id: str
    label: str
    unit: str  # "deg", "s", "count", "cm", "ratio"
    per_side: bool = True
    norm: str | None = None  # id of the norm in norms.toml it is compared with
    description: str = ""
    # camera angles at which its 2D value stays within a stated error (validation/view_tolerance.py)
    view_tolerance: ViewTolerance | None = None


@dataclass(frozen=True)
class Gates:
    """Quality gates: what a recording must satisfy before any number is reported."""

    min_visibility: float = DEFAULTS.min_visibility
    min_valid_fraction: float = 0.6  # of the frames in the analysed phase
    min_valid_frames: int = 10
    side_view: ViewTolerance = DEFAULT_TOLERANCES["side"]  # camera angle a side view allows
    front_view: ViewTolerance = DEFAULT_TOLERANCES["front"]  # ... a front (or back) view allows

    def tolerance(self, view: View) -> ViewTolerance:
        """The camera-angle tolerance of ``view``."""
        if view not in ("side", "front"):
            raise ValueError(f"view must be 'side' or 'front', got {view!r}")
        return self.side_view if view == "side" else self.front_view


@dataclass(frozen=True)
class MeasureContext:
    """What a protocol's ``measure`` gets besides the data."""

    side: SideName | Literal["both", "auto"] = "auto"
    view: View | None = None  # the view the user says they recorded, if given
    baseline: dict[str, float] = field(default_factory=dict)  # personal neutral angles, degrees
    m_per_px: float | None = None  # image scale at the person, from `hipsight calibrate stance`
    focal_px: float | None = None  # the camera's focal length, from `hipsight calibrate camera`
    stature_m: float | None = None  # the person's height, from `hipsight calibrate stance`


MeasureFn = Callable[[PoseSequence, AngleTable, MeasureContext], TestResult]
FILL_STEP = "fill_landmark_gaps"


def cleaning_settings(table: AngleTable) -> tuple[float, float]:
    """``(max_gap_s, min_visibility)`` the angles of ``table`` were cleaned with (its
    provenance), the pipeline defaults where it does not say."""
    params = {step.name: step.params for step in table.provenance}
    max_gap_s = params.get("interpolate_gaps", {}).get("max_gap_s", DEFAULTS.max_gap_s)
    min_visibility = params.get("landmark_validity", {}).get(
        "min_visibility", DEFAULTS.min_visibility
    )
    return float(max_gap_s), float(min_visibility)


def on_filled_landmarks(measure: MeasureFn) -> MeasureFn:
    """``measure`` run on the landmarks gap-filled as the angles were
    (:func:`~hipsight.kinematics.cleaning.fill_landmark_gaps` with the table's settings)."""
    if getattr(measure, "fills_landmark_gaps", False):
        return measure

    def filled_measure(seq: PoseSequence, table: AngleTable, context: MeasureContext) -> TestResult:
        if not any(step.name == FILL_STEP for step in seq.meta.provenance):
            seq = fill_landmark_gaps(seq, *cleaning_settings(table))
        return measure(seq, table, context)

    filled_measure.fills_landmark_gaps = True  # type: ignore[attr-defined]
    filled_measure.__doc__ = measure.__doc__
    return filled_measure


@dataclass(frozen=True)
class Protocol:
    """The declaration of one screening test."""

    id: str
    title: str
    instructions: str  # what the person does, short enough to read aloud
    position: Position
    view: View
    angles: tuple[str, ...]  # angle names from the kinematics registry it uses
    key_angle: str  # the angle the live overlay shows on its gauge
    key_band: tuple[float, float]  # the normal band drawn on the gauge, degrees
    metrics: tuple[MetricSpec, ...]
    segmentation: str  # how the recording is cut into reps, holds, phases or steps
    measure: MeasureFn
    reps: int | None = None
    hold_s: float | None = None
    duration_s: float | None = None
    per_side: bool = True  # the person repeats the test for each side
    gates: Gates = field(default_factory=Gates)
    order: int = 50  # place in the guided session (posture first)
    subject: str = "visible"  # who to analyse when several people are in view ("moving" for gait)
    views: tuple[View, ...] = ()  # every view the test accepts, when more than ``view`` (posture)

    def __post_init__(self) -> None:
        object.__setattr__(self, "measure", on_filled_landmarks(self.measure))

    @property
    def norms(self) -> tuple[str, ...]:
        """The norms its metrics are compared with (from each :class:`MetricSpec`)."""
        return tuple(dict.fromkeys(spec.norm for spec in self.metrics if spec.norm))

    @property
    def accepted_views(self) -> tuple[View, ...]:
        """The views this test can use: ``views`` when declared, else just ``view``."""
        return self.views or (self.view,)

    def metric_spec(self, metric: str) -> MetricSpec:
        for spec in self.metrics:
            if spec.id == metric:
                return spec
        raise KeyError(f"{self.id}: no metric {metric!r}; have {[m.id for m in self.metrics]}")
