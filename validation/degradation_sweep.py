"""Degradation sweep: every protocol's synthetic recordings, clean and degraded.

Recordings (:func:`clean_recordings`): one normal recording per protocol and one with a deficit
for most, each in its protocol's own view and position, with the findings its truth calls for
(``expected``) and true values of its key metrics (``truth``). The deficits and the walk are
generated from ``hipsight.samples`` (motions with known joint angles, filmed by a pinhole
camera), independent of the code under test.

Degradations (:data:`DEGRADATIONS`):

- dropped frames, 5 % and 15 % of the frames in bursts of 1-6 (``synthetic.with_dropped_frames``);
- a 15-frame left/right swap mid-recording (``synthetic.with_swapped_sides``);
- 3 px of landmark noise (``synthetic.with_noise``);
- all at once, as real video does it: a 10-frame swap with 3 frames dropped inside it, 10 % of
  the frames dropped and 2 px of noise (:func:`combined`);
- a second person, filmed by the same camera: standing still beside the subject (same distance
  from the camera, 1.2 m to the side, fully visible), or walking through the view from a quarter
  of the clip on, 1.5 m behind the subject or 0.8 m in front of them (the subject's landmarks
  behind the passer-by's body then have a hidden landmark's visibility). Both people go through
  the real tracker and subject rule as in ``hipsight analyze``
  (``pose.extract.extraction_from_frames`` with the protocol's own subject policy), the
  detector's order shuffled in every frame.

The degraded sequence is measured in the pipeline's order (swap repair, angles, protocol,
grading) and compared with the clean one: a value is *within* when it is within its stated error
of the clean value (the metric's declared ``view_tolerance.max_error_deg``, else 5 deg, 0.25 s or
the exact count), *refused* when it is ``not_measurable`` with a reason, and *wrong* otherwise.
Findings that appear or disappear against the clean recording are counted; a lost finding is
also wrong unless its metric was refused with a reason. With a second person, a frame whose
chosen landmarks are the other person's is wrong too. A count of units that passed the gates
(``GATED_COUNTS``) may be lower where a degradation hid a unit's frames (``fewer_units``), never
higher.

Run: ``python validation/degradation_sweep.py`` prints the table for docs/validation.md;
``tests/validation/test_degradation_sweep.py`` asserts the invariants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from hipsight.findings.engine import grade
from hipsight.io.video import VideoInfo
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.swaps import repair_side_swaps
from hipsight.models.store import ModelInfo
from hipsight.pose import landmarks as lm
from hipsight.pose.estimator import FrameDetections
from hipsight.pose.extract import extraction_from_frames
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import get_protocol
from hipsight.results import Finding, MetricValue, TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    smooth_ramp,
    time_axis,
    with_body_roll,
    with_dropped_frames,
    with_nan_gap,
    with_noise,
    with_swapped_sides,
)

FLOOR = (0.0, 0.3, 0.0)
CHAIR = (0.0, 0.6, 0.0)
STATED = {"deg": 5.0, "s": 0.25, "count": 0.0}
# Counts of the units that passed the visibility gates: fewer where a degradation hid a unit's
# frames is what they are for (not a wrong value); more is wrong.
GATED_COUNTS = {("gait", "strides"), ("hip_extension", "reps"), ("squat", "rep_count")}
BESIDE_M = 1.2  # the bystander stands this far to the side of the subject
BEHIND_M = 1.5  # the passer-by walks this far behind the subject, or ...
IN_FRONT_M = 0.8  # ... this far in front of them, hiding what is behind their body
HIDDEN_VISIBILITY = 0.05  # what the detector reports for a landmark hidden behind someone
PASSER_SPEED_M_S = 1.3
PASSER_ENTERS = 0.25  # share of the clip after which the passer-by comes into view


@dataclass(frozen=True)
class Recording:
    """A synthetic recording for one protocol, with what its truth calls for."""

    test_id: str
    synthetic: SyntheticSequence
    expected: frozenset[str] = frozenset()  # the findings of its deficit (empty: normal)
    truth: dict[tuple[str, str | None], float] = field(default_factory=dict)


def normal_recordings() -> dict[str, Recording]:
    """One recording per protocol without a deficit."""
    t10, t12 = time_axis(10.0), time_axis(12.0)
    lift = smooth_ramp(t12, 0, 1, 2.0, 3.5) - smooth_ramp(t12, 0, 1, 9.0, 10.5)
    return {
        "posture": Recording(
            "posture", make_sequence(Pose(), side_camera(), n_frames=180, jitter_px=0.5)
        ),
        "squat": Recording(
            "squat", make_sequence(motions.squat(t10), side_camera(), jitter_px=0.5)
        ),
        "hip_extension": Recording(
            "hip_extension",
            film(motions.standing_hip_extension(t10, "left", extension_deg=15.0), side_camera()),
            truth={("corrected_extension", "left"): 15.0},
        ),
        "bridge": Recording(
            "bridge",
            film(motions.bridge(t12, profile=lift), side_camera(target=FLOOR)),
            truth={("peak_extension", None): 180.0},
        ),
        "thomas": Recording(
            "thomas",
            film(motions.thomas_test(t10), side_camera()),
            truth={("thigh_above_horizontal", "left"): -10.0},
        ),
        "hip_rotation": Recording(
            "hip_rotation",
            film(motions.seated_hip_rotation(t12), front_camera(target=CHAIR)),
            truth={("internal_rotation", "left"): 38.0},
        ),
        "single_leg_stance": Recording(
            "single_leg_stance", film(motions.single_leg_stance(t10), front_camera())
        ),
        "gait": Recording(
            "gait",
            walk_across(hip_lo=-15.0, hip_hi=25.0),
            truth={("peak_hip_extension", "left"): 15.0, ("hip_flexion_range", "left"): 40.0},
        ),
        "single_leg_bridge": Recording(
            "single_leg_bridge",
            single_leg_bridge((3.0, 25.0), drop_deg=1.0, duration_s=28.0),
            truth={("single_leg_hold_time", "left"): 22.0},
        ),
    }


def deficit_recordings() -> dict[str, Recording]:
    """Recordings whose truth is a deficit, with the findings it must give."""
    t7, t10, t12 = time_axis(7.0), time_axis(10.0), time_axis(12.0)
    lift = smooth_ramp(t12, 0, 1, 2.0, 3.5) - smooth_ramp(t12, 0, 1, 9.0, 10.5)
    return {
        "hip_extension, 5 deg": Recording(
            "hip_extension",
            film(motions.standing_hip_extension(t10, "left", extension_deg=5.0), side_camera()),
            frozenset({"hip_extension.corrected_extension.left"}),
            {("corrected_extension", "left"): 5.0},
        ),
        "squat, thigh 30 deg above horizontal": Recording(
            "squat",
            film(motions.squat(t10, hip_flexion_deg=60.0, knee_flexion_deg=70.0), side_camera()),
            frozenset({"squat.thigh_vs_horizontal.both"}),
            {("thigh_vs_horizontal", None): 30.0},
        ),
        "bridge, hips short of the line": Recording(
            "bridge",
            film(motions.bridge(t12, lift_deg=14.0, profile=lift), side_camera(target=FLOOR)),
            frozenset({"bridge.peak_extension.both"}),
        ),
        "thomas, thigh 10 deg up": Recording(
            "thomas",
            film(motions.thomas_test(t10, thigh_below_horizontal_deg=-10.0), side_camera()),
            frozenset({"thomas.thigh_above_horizontal.left"}),
            {("thigh_above_horizontal", "left"): 10.0},
        ),
        "hip_rotation, IR 20 deg": Recording(
            "hip_rotation",
            film(motions.seated_hip_rotation(t12, internal_deg=20.0), front_camera(target=CHAIR)),
            frozenset({"hip_rotation.internal_rotation.left"}),
            {("internal_rotation", "left"): 20.0},
        ),
        "single_leg_stance, 6 deg drop, 7 s": Recording(
            "single_leg_stance",
            film(motions.single_leg_stance(t7, pelvic_drop_deg=6.0), front_camera()),
            frozenset({"single_leg_stance.pelvic_drop.left", "single_leg_stance.hold_time.left"}),
        ),
        "gait, 4 deg extension": Recording(
            "gait",
            walk_across(hip_lo=-4.0, hip_hi=32.0),
            frozenset({"gait.peak_hip_extension.left", "gait.peak_hip_extension.right"}),
            {("peak_hip_extension", "left"): 4.0, ("hip_flexion_range", "left"): 36.0},
        ),
        "single_leg_bridge, 8 deg drop, 12 s": Recording(
            "single_leg_bridge",
            single_leg_bridge((3.0, 15.0), drop_deg=8.0, duration_s=18.0),
            frozenset(
                {
                    "single_leg_bridge.single_leg_pelvic_drop.left",
                    "single_leg_bridge.single_leg_hold_time.left",
                }
            ),
            {("single_leg_hold_time", "left"): 12.0, ("single_leg_pelvic_drop", "left"): 7.5},
        ),
    }


@cache
def clean_recordings() -> dict[str, Recording]:
    """Every recording of the sweep, normal ones first."""
    return {**normal_recordings(), **deficit_recordings()}


def film(pose: Pose, camera: Camera) -> SyntheticSequence:
    return make_sequence(pose, camera, jitter_px=0.5)


def walk_across(*, hip_lo: float, hip_hi: float) -> SyntheticSequence:
    """7 s of walking across a side view at 1 m/s, 6 m from the camera (the view is 8.2 m wide)."""
    pose = motions.walk(time_axis(7.0), hip_lo=hip_lo, hip_hi=hip_hi, period_s=1.1, speed_m_s=1.0)
    return film(pose, side_camera(distance_m=6.0))


def single_leg_bridge(
    hold: tuple[float, float], drop_deg: float, duration_s: float
) -> SyntheticSequence:
    """A bridge on the left leg (the right one straight) during ``hold``, the pelvis dropping
    ``drop_deg`` on the free side (in the frontal plane a roll of 8 deg is a 7.5 deg drop): the
    rolled sequence of tests/protocols/test_bridge.py, filmed from 4 m at 0.5 m high so that a
    person standing beside the subject is in view too."""
    pose, roll = motions.single_leg_bridge(
        time_axis(duration_s), {"left": hold}, {"left": drop_deg}
    )
    camera = front_camera(target=(0.0, 0.5, 0.0), distance_m=4.0)  # a bystander fits in
    return with_body_roll(make_sequence(pose, camera), roll)


# ============================================================================ a second person


def ground_point(syn: SyntheticSequence) -> np.ndarray:
    """(3,) the subject's key-body centre over the clip, on the floor."""
    centre = np.nanmean(syn.landmarks_lab[:, lm.KEY_BODY], axis=(0, 1))
    return np.array([centre[0], 0.0, centre[2]])


def horizontal(axis: np.ndarray) -> np.ndarray:
    flat = np.array([axis[0], 0.0, axis[2]])
    return flat / np.linalg.norm(flat)


def yaw_facing(direction: np.ndarray) -> float:
    """Body yaw (deg) that turns the body's front (lab +X at yaw 0) toward ``direction``."""
    return float(np.degrees(np.arctan2(-direction[2], direction[0])))


def bystander(syn: SyntheticSequence) -> SyntheticSequence:
    """A person standing still, facing the camera, ``BESIDE_M`` to the image-right of the
    subject at the same distance from the camera."""
    camera = syn.camera
    right, forward = horizontal(camera.rotation[0]), horizontal(camera.rotation[2])
    spot = ground_point(syn) + BESIDE_M * right
    pelvis = spot + np.array([0.0, syn.dims.standing_hip_height_m, 0.0])
    pose = Pose(pelvis_xyz=pelvis, body_yaw_deg=yaw_facing(-forward))
    return make_sequence(pose, camera, jitter_px=0.5, seed=11, n_frames=syn.sequence.n_frames)


def passer_by(syn: SyntheticSequence, behind_m: float = BEHIND_M) -> SyntheticSequence:
    """A person walking across the view, image left to right, ``behind_m`` behind the subject
    (negative: in front), coming into view after ``PASSER_ENTERS`` of the clip."""
    camera = syn.camera
    right, forward = horizontal(camera.rotation[0]), horizontal(camera.rotation[2])
    t = syn.sequence.t
    line = ground_point(syn) + behind_m * forward
    depth = float(np.dot(line - camera.position, horizontal(camera.rotation[2])))
    half_width = camera.image_size[0] / 2 / camera.focal_px * depth
    enters = t[0] + PASSER_ENTERS * (t[-1] - t[0])
    along = -half_width - 0.3 + PASSER_SPEED_M_S * (t - enters)
    pelvis = line + along[:, None] * right + np.array([0.0, 0.93, 0.0])
    pose = motions.walk(t, period_s=1.1).replace(pelvis_xyz=pelvis, body_yaw_deg=yaw_facing(right))
    return make_sequence(pose, camera, jitter_px=0.5, seed=12)


def passer_in_front(syn: SyntheticSequence) -> SyntheticSequence:
    return passer_by(syn, -IN_FRONT_M)


def body_width_px(seq: PoseSequence) -> np.ndarray:
    """(T,) how wide a body hides what is behind it: 1.2 shoulder widths, at least 0.45 torso
    lengths (seen from the side the shoulders overlap)."""
    xy = seq.image_xy
    shoulders = np.linalg.norm(xy[:, lm.LEFT_SHOULDER] - xy[:, lm.RIGHT_SHOULDER], axis=-1)
    torso = np.linalg.norm(xy[:, lm.LEFT_SHOULDER] - xy[:, lm.LEFT_HIP], axis=-1)
    return np.asarray(np.maximum(1.2 * shoulders, 0.45 * torso))


def hidden_behind(subject: PoseSequence, front: PoseSequence) -> np.ndarray:
    """(T, 33) the subject's landmarks hidden behind the front person's body: within half its
    width of its mid line, between its highest and lowest key joints."""
    xy = front.image_xy
    seen = front.detected
    hidden = np.zeros(subject.image_xy.shape[:2], dtype=bool)
    if not seen.any():
        return hidden
    torso = [lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]
    centre = xy[seen][:, torso, 0].mean(axis=1)
    top = xy[seen][:, lm.KEY_BODY, 1].min(axis=1)
    bottom = xy[seen][:, lm.KEY_BODY, 1].max(axis=1)
    sx, sy = subject.image_xy[seen, :, 0], subject.image_xy[seen, :, 1]
    with np.errstate(invalid="ignore"):
        hidden[seen] = (
            (np.abs(sx - centre[:, None]) <= body_width_px(front)[seen][:, None] / 2)
            & (sy >= top[:, None])
            & (sy <= bottom[:, None])
        )
    return hidden


def occluded(syn: SyntheticSequence, front: PoseSequence) -> SyntheticSequence:
    """The subject with the landmarks behind ``front`` at ``HIDDEN_VISIBILITY`` (the detector
    still guesses their position, but says it does not see them)."""
    seq = syn.sequence
    visibility = seq.visibility.copy()
    visibility[hidden_behind(seq, front)] = HIDDEN_VISIBILITY
    return syn.replace_sequence(
        PoseSequence.from_arrays(
            seq.t,
            seq.image_xy,
            seq.meta,
            world_xyz=seq.world_xyz,
            visibility=visibility,
            presence=seq.presence,
        )
    )


def in_view(seq: PoseSequence) -> np.ndarray:
    """(T,) frames whose mid-hip is inside the image: the detector finds the person there."""
    width, height = seq.meta.frame_size
    hip = seq.image_xy[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1)
    with np.errstate(invalid="ignore"):
        return np.asarray(
            (hip[:, 0] >= 0) & (hip[:, 0] < width) & (hip[:, 1] >= 0) & (hip[:, 1] < height)
        )


def detections(people: list[PoseSequence], frame: int, order: np.ndarray) -> FrameDetections:
    """One frame's detections of ``people`` (those seen there), listed in ``order``."""
    seen = [p for p in (people[k] for k in order) if np.isfinite(p.image_xy[frame]).all()]
    if not seen:
        return FrameDetections.empty()
    return FrameDetections(
        image_xy=np.stack([p.image_xy[frame] for p in seen]),
        world_xyz=np.stack([p.world_xyz[frame] for p in seen]),
        visibility=np.stack([p.visibility[frame] for p in seen]),
        presence=np.stack([p.presence[frame] for p in seen]),
    )


def only_in_view(seq: PoseSequence) -> PoseSequence:
    """The sequence with frames outside the view missing."""
    gone = ~in_view(seq)
    arrays = {
        name: getattr(seq, name).copy()
        for name in ("image_xy", "world_xyz", "visibility", "presence")
    }
    for array in arrays.values():
        array[gone] = np.nan
    return PoseSequence.from_arrays(seq.t, meta=seq.meta, **arrays)


def with_second_person(
    syn: SyntheticSequence, other: SyntheticSequence, policy: str, seed: int = 7
) -> tuple[PoseSequence, list[str]]:
    """Both people through the tracker and the subject rule (``policy``), the detector's order
    shuffled per frame; return the chosen person's sequence and the frames it is not the subject
    (as problems)."""
    subject, second = syn.sequence, only_in_view(other.sequence)
    rng = np.random.default_rng(seed)
    frames = [
        (k, float(subject.t[k]), detections([subject, second], k, rng.permutation(2)))
        for k in range(subject.n_frames)
    ]
    width, height = subject.meta.frame_size
    video = VideoInfo("synthetic.mp4", width, height, subject.fps, subject.n_frames, 0)
    model = ModelInfo(Path("synthetic.task"), "synthetic", "0" * 64, "synthetic")
    chosen = extraction_from_frames(
        Path("synthetic.mp4"), video, frames, model, 2, 1, policy
    ).sequence
    return chosen, identity_problems(chosen, subject)


def identity_problems(chosen: PoseSequence, subject: PoseSequence) -> list[str]:
    """Frames where the chosen person is not the subject (a wrong choice or a track mix-up)."""
    both = chosen.detected & subject.detected
    same = np.zeros_like(both)
    same[both] = np.all(np.isclose(chosen.image_xy[both], subject.image_xy[both]), axis=(1, 2))
    other = int((chosen.detected & ~(subject.detected & same)).sum())
    if other == 0:
        return []
    return [f"the chosen person is not the subject in {other} of {chosen.n_frames} frames"]


# ============================================================================ degradations


Degrade = Callable[[Recording], tuple[PoseSequence, list[str]]]


def swapped(rec: Recording) -> tuple[PoseSequence, list[str]]:
    middle = rec.synthetic.sequence.n_frames // 2
    return with_swapped_sides(rec.synthetic.sequence, middle, middle + 15), []


def combined(rec: Recording) -> tuple[PoseSequence, list[str]]:
    """What real video does at once: a 10-frame left/right swap with 3 frames dropped inside it,
    10 % of the other frames dropped (bursts 1-6) and 2 px of noise."""
    seq = rec.synthetic.sequence
    middle = seq.n_frames // 2
    seq = with_nan_gap(with_swapped_sides(seq, middle, middle + 10), middle + 4, middle + 7)
    return with_dropped_frames(with_noise(seq, 2.0, seed=6), 0.10, (1, 6), seed=7), []


def combined_at(seed: int) -> Degrade:
    """The combined degradation with its parts placed by ``seed``: a 10-frame swap starting at
    20 %, 25 %, ... 65 % of the clip, 10 % of the frames dropped in bursts of 1-6 and 2 px of
    noise, each drawn from the seed (the sweep's seed-by-seed companion: one seed hid the bugs
    that ten found)."""

    def degrade(rec: Recording) -> tuple[PoseSequence, list[str]]:
        seq = rec.synthetic.sequence
        start = int(seq.n_frames * (0.2 + 0.05 * (seed % 10)))
        seq = with_noise(with_swapped_sides(seq, start, start + 10), 2.0, seed=200 + seed)
        return with_dropped_frames(seq, 0.10, (1, 6), seed=300 + seed), []

    return degrade


def dropped(fraction: float, seed: int) -> Degrade:
    return lambda rec: (with_dropped_frames(rec.synthetic.sequence, fraction, (1, 6), seed), [])


def second(person: Callable[[SyntheticSequence], SyntheticSequence]) -> Degrade:
    def degrade(rec: Recording) -> tuple[PoseSequence, list[str]]:
        policy = get_protocol(rec.test_id).subject
        return with_second_person(rec.synthetic, person(rec.synthetic), policy)

    return degrade


def second_in_front(rec: Recording) -> tuple[PoseSequence, list[str]]:
    """A passer-by in front of the subject, hiding the subject's landmarks behind them."""
    front = passer_in_front(rec.synthetic)
    subject = occluded(rec.synthetic, only_in_view(front.sequence))
    policy = get_protocol(rec.test_id).subject
    return with_second_person(subject, front, policy)


DEGRADATIONS: dict[str, Degrade] = {
    "dropped 5 % (bursts 1-6)": dropped(0.05, seed=3),
    "dropped 15 % (bursts 1-6)": dropped(0.15, seed=4),
    "15-frame left/right swap": swapped,
    "3 px noise": lambda rec: (with_noise(rec.synthetic.sequence, 3.0, seed=5), []),
    "swap with a gap inside, 10 % dropped, 2 px noise": combined,
    "second person standing beside": second(bystander),
    "second person walking through behind": second(passer_by),
    "second person walking through in front": second_in_front,
}


# ============================================================================ measuring


def measure(test_id: str, seq: PoseSequence) -> TestResult:
    """The pipeline's order: swap repair, angles, protocol, grading."""
    seq = repair_side_swaps(seq)
    result = get_protocol(test_id).measure(seq, compute_angles(seq), MeasureContext())
    return grade(result, recording_s=seq.covered_s)


@cache
def measure_clean(name: str) -> TestResult:
    rec = clean_recordings()[name]
    return measure(rec.test_id, rec.synthetic.sequence)


def stated_error(test_id: str, value: MetricValue) -> float:
    spec = get_protocol(test_id).metric_spec(value.metric)
    if spec.view_tolerance is not None:
        return spec.view_tolerance.max_error_deg
    return STATED.get(value.unit, 5.0)


def truth_errors(rec: Recording, clean: TestResult) -> list[str]:
    """The clean result against the recording's truth: its values and its findings."""
    errors = []
    for (metric, side), true_value in rec.truth.items():
        value = clean.metric(metric, side)
        if value.value is None or abs(value.value - true_value) > stated_error(rec.test_id, value):
            errors.append(f"{metric} {side}: {value.value} vs true {true_value}")
    found = {f.id for f in clean.findings}
    if found != rec.expected:
        errors.append(f"findings {sorted(found)} vs expected {sorted(rec.expected)}")
    return errors


@dataclass(frozen=True)
class Outcome:
    within: int
    refused: int  # not measurable, with a reason, where the clean recording gave a value
    also_clean: int  # not measurable here and in the clean recording (other side, other view)
    wrong: list[str]
    appeared: list[str]
    disappeared: list[str]
    worst: float = 0.0  # the largest error of a value as a share of its stated error
    fewer_units: tuple[str, ...] = ()  # gated counts lower than clean: units hidden


def compare(test_id: str, clean: TestResult, degraded: TestResult) -> Outcome:
    """Degraded values against the clean ones, and the findings of both."""
    within, n_refused, also_clean, wrong, worst = 0, 0, 0, [], 0.0
    fewer: list[str] = []
    for value in degraded.metrics:
        reference = clean_value(clean, value)
        if value.status == "not_measurable":
            if not value.reason:
                wrong.append(f"{value.metric} {value.side}: refused without a reason")
            elif reference is None:
                also_clean += 1
            else:
                n_refused += 1
            continue
        if reference is None or value.value is None:
            wrong.append(f"{value.metric} {value.side}: {value.value} where clean has none")
            continue
        if (test_id, value.metric) in GATED_COUNTS and value.value < reference:
            fewer.append(f"{value.metric} {value.side}: {value.value:g} of {reference:g}")
            continue
        error, stated = abs(value.value - reference), stated_error(test_id, value)
        worst = max(worst, error / stated if stated > 0 else float(error > 0))
        if error <= stated + 1e-9:
            within += 1
        else:
            wrong.append(f"{value.metric} {value.side}: {value.value} vs clean {reference}")
    found = {f.id for f in degraded.findings}
    expected = {f.id for f in clean.findings}
    lost = [f for f in clean.findings if f.id not in found]
    wrong += [f"lost finding {f.id} with a value" for f in lost if not refused(f, degraded)]
    return Outcome(
        within,
        n_refused,
        also_clean,
        wrong,
        sorted(found - expected),
        sorted(f.id for f in lost),
        worst,
        tuple(fewer),
    )


def clean_value(clean: TestResult, value: MetricValue) -> float | None:
    """The clean recording's value of the same metric and side (None: not measured there)."""
    same = [m for m in clean.metrics if (m.metric, m.side) == (value.metric, value.side)]
    return same[0].value if same else None


def refused(finding: Finding, result: TestResult) -> bool:
    """Whether a metric the finding grades is refused with a reason in ``result`` (a finding
    of both sides or of an asymmetry grades the metric of each side)."""
    values = [
        v
        for v in result.metrics
        if v.metric == finding.metric and (finding.side in (None, "both") or v.side == finding.side)
    ]
    return any(v.status == "not_measurable" and bool(v.reason) for v in values)


def run(name: str, degradation: str) -> Outcome:
    """One recording with one degradation, against its clean measurement."""
    rec = clean_recordings()[name]
    seq, problems = DEGRADATIONS[degradation](rec)
    outcome = compare(rec.test_id, measure_clean(name), measure(rec.test_id, seq))
    return Outcome(
        outcome.within,
        outcome.refused,
        outcome.also_clean,
        problems + outcome.wrong,
        outcome.appeared,
        outcome.disappeared,
        outcome.worst,
        outcome.fewer_units,
    )


def sweep() -> dict[tuple[str, str], Outcome]:
    return {(name, d): run(name, d) for name in clean_recordings() for d in DEGRADATIONS}


def table(results: dict[tuple[str, str], Outcome]) -> str:
    lines = [
        "| recording | degradation | within stated error | refused | wrong | findings +/- | "
        "refused clean too | fewer gated units |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (name, degradation), o in results.items():
        total = max(o.within + o.refused + len(o.wrong), 1)
        lines.append(
            f"| `{name}` | {degradation} | {100 * o.within / total:.0f} % ({o.within}) | "
            f"{100 * o.refused / total:.0f} % ({o.refused}) | {len(o.wrong)} | "
            f"+{len(o.appeared)} / -{len(o.disappeared)} | {o.also_clean} | "
            f"{'; '.join(o.fewer_units) or '-'} |"
        )
    return "\n".join(lines)


def summary(results: dict[tuple[str, str], Outcome]) -> str:
    """Per degradation, over all recordings: values within, refused, wrong; findings +/-."""
    lines = [
        "| degradation | recordings | values within stated error | refused | wrong | "
        "largest error / stated | findings +/- (of the clean ones) | fewer gated units |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for degradation in DEGRADATIONS:
        rows = [o for (_, d), o in results.items() if d == degradation]
        within, refused = sum(o.within for o in rows), sum(o.refused for o in rows)
        wrong = sum(len(o.wrong) for o in rows)
        total = max(within + refused + wrong, 1)
        clean_findings = sum(
            len(measure_clean(name).findings) for (name, d) in results if d == degradation
        )
        lines.append(
            f"| {degradation} | {len(rows)} | {100 * within / total:.0f} % ({within}) | "
            f"{100 * refused / total:.0f} % ({refused}) | {wrong} | "
            f"{max(o.worst for o in rows):.2f} | "
            f"+{sum(len(o.appeared) for o in rows)} / -{sum(len(o.disappeared) for o in rows)} "
            f"(of {clean_findings}) | {sum(len(o.fewer_units) for o in rows)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    for name, rec in clean_recordings().items():
        for line in truth_errors(rec, measure_clean(name)):
            print(name, "clean:", line)
    results = sweep()
    print(summary(results))
    print()
    print(table(results))
    for key, o in results.items():
        for line in o.wrong + [f"new finding {f}" for f in o.appeared]:
            print(key, line)
        for f in o.disappeared:
            print(key, "lost finding", f)
