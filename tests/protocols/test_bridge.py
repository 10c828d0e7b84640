"""bridge (side view) and single_leg_bridge (front view) on synthetic recordings.

The synthetic body is supine at ``body_pitch = 90``; bridging raises the pelvis and pitches the
body further (shoulders down toward the floor) while the hips extend. A pelvic drop in the
single-leg bridge is a roll of the body about its long axis, which the synthetic pose has no
parameter for: the lab landmarks are rolled about the shoulder-to-hip line and filmed again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.bridge import HOLD_MAX_SPEED, METRICS, ONSET, PROTOCOL, TOP
from hipsight.results import TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    SyntheticSequence,
    front_camera,
    hip_line_elevation,
    make_sequence,
    ramp,
    side_camera,
    smooth_ramp,
    time_axis,
    with_body_roll,
    with_hidden_landmarks,
    with_nan_gap,
)

Measure = Callable[..., TestResult]
FLOOR_TARGET = (0.0, 0.3, 0.0)  # cameras at 30 cm, for a person lying on the floor


def bridge_sequence(
    top_hip_flexion: float = 0.0,
    sag_deg: float = 0.0,
    lift: tuple[float, float] = (2.0, 13.0),
    camera: Camera | None = None,
    duration: float = 16.0,
) -> SyntheticSequence:
    """Hook lying (hip flexion 55, knees 100), a 1.5 s lift to ``top_hip_flexion``, a hold in
    which the hips sink by ``sag_deg`` (from 1 s after the top to 1 s before lowering), lower."""
    t = time_axis(duration)
    up = smooth_ramp(t, 0, 1, lift[0], lift[0] + 1.5) - smooth_ramp(t, 0, 1, lift[1], lift[1] + 1.5)
    sag = ramp(t, 0.0, sag_deg, lift[0] + 2.5, lift[1] - 1.0) * (up > 0)
    hip = 55.0 * (1 - up) + top_hip_flexion * up + sag
    pelvis = np.stack([np.zeros_like(t), 0.1 + 0.15 * up, np.zeros_like(t)], axis=1)
    pose = Pose(
        pelvis_xyz=pelvis,
        body_pitch_deg=90.0 + 20.0 * up,
        left_hip_flexion_deg=hip,
        right_hip_flexion_deg=hip,
        left_knee_flexion_deg=100.0,
        right_knee_flexion_deg=100.0,
    )
    return make_sequence(pose, camera or side_camera(target=FLOOR_TARGET), jitter_px=0.5)


def truth_bridge(synthetic: SyntheticSequence, side: str = "left") -> dict[str, float]:
    """Peak, 10-90 % rise time and sag of the exact shoulder-hip-knee angle (one lift)."""
    angle = 180.0 - synthetic.truth[f"{side}_hip_flexion"]
    t = synthetic.sequence.t
    peak = int(np.argmax(angle))
    rest = float(angle[: peak + 1].min())
    excursion = angle[peak] - rest
    onset = int(np.flatnonzero(angle[:peak] < rest + ONSET * excursion)[-1]) + 1
    top = int(np.flatnonzero(angle[: peak + 1] >= rest + TOP * excursion)[0])
    speed = np.abs(np.gradient(angle, t))
    holding = np.flatnonzero((speed <= HOLD_MAX_SPEED) & (angle >= rest + excursion / 2))
    hold_end = int(holding[holding >= peak][-1])
    return {
        "peak_extension": float(angle[peak]),
        "time_to_peak": float(t[top] - t[onset]),
        "hold_sag": float(angle[peak] - angle[peak : hold_end + 1].min()),
    }


def finding_ids(result: TestResult) -> set[str]:
    return {f.id for f in result.findings}


# ============================================================================ bridge


def test_bridge_with_sag(measure_synthetic: Measure) -> None:
    synthetic = bridge_sequence(top_hip_flexion=5.0, sag_deg=8.0)
    result = measure_synthetic("bridge", synthetic)
    truth = truth_bridge(synthetic)

    assert truth["peak_extension"] == pytest.approx(175.0, abs=0.01)
    assert truth["hold_sag"] == pytest.approx(8.0, abs=0.5)  # + the start of the lowering
    value = {m.metric: m.value for m in result.metrics}
    assert value["peak_extension"] == pytest.approx(truth["peak_extension"], abs=2.0)
    assert value["time_to_peak"] == pytest.approx(truth["time_to_peak"], abs=0.1)
    assert_sag_refused(result)
    assert result.status == "partial" and finding_ids(result) == set()
    assert len(result.segments) == 1 and result.segments[0].kind == "rep"
    assert "left leg" in result.notes[0]


def assert_sag_refused(result: TestResult) -> None:
    """The sag's stated error (±2°, norms.toml bridge_sag) does not hold even side-on: the
    range within the hold picks up landmark noise (4.8° on the sweep at yaw 0), a reduction
    error the view gate cannot fix, so the sag is refused until it is computed robustly."""
    sag = result.metric("hold_sag")
    assert sag.status == "not_measurable" and sag.value is None
    assert "cannot be measured reliably from a single camera" in (sag.reason or "")


def test_incomplete_extension_is_a_finding(measure_synthetic: Measure) -> None:
    synthetic = bridge_sequence(top_hip_flexion=20.0)
    result = measure_synthetic("bridge", synthetic)

    peak = result.metric("peak_extension").value
    assert peak == pytest.approx(truth_bridge(synthetic)["peak_extension"], abs=2.0)
    assert peak == pytest.approx(160.0, abs=2.0)
    assert finding_ids(result) == {"bridge.peak_extension.both"}


def test_full_bridge_held_gives_no_finding(measure_synthetic: Measure) -> None:
    camera = side_camera("right", target=FLOOR_TARGET)
    synthetic = bridge_sequence(top_hip_flexion=0.0, camera=camera)
    result = measure_synthetic("bridge", synthetic)

    assert result.metric("peak_extension").value == pytest.approx(180.0, abs=2.0)
    assert_sag_refused(result)
    assert result.findings == ()
    assert "right leg" in result.notes[0]


def test_lying_still_is_not_measurable(measure_synthetic: Measure, assert_unmeasured) -> None:
    synthetic = bridge_sequence(lift=(30.0, 40.0))  # the lift never happens
    result = measure_synthetic("bridge", synthetic)

    assert result.metric("rep_count").value == 0  # a count of 0 is measured, as in the squat
    assert_unmeasured(result, "no bridge lift found", metrics=METRICS)


def test_bridge_front_view_is_not_measurable(measure_synthetic: Measure, assert_unmeasured) -> None:
    synthetic = bridge_sequence(camera=front_camera(target=FLOOR_TARGET))
    result = measure_synthetic("bridge", synthetic)

    assert result.status == "not_measurable"
    assert_unmeasured(result, "side view")


def test_bridge_hidden_body_is_not_measurable(
    measure_synthetic: Measure, assert_unmeasured
) -> None:
    synthetic = with_hidden_landmarks(bridge_sequence(), range(lm.N_LANDMARKS))
    result = measure_synthetic("bridge", synthetic)

    assert result.status == "not_measurable"
    assert_unmeasured(result, "not visible")


# ============================================================================ single-leg bridge


def single_leg_bridge(
    holds: dict[str, tuple[float, float]],
    drop_deg: dict[str, float],
    camera: Camera | None = None,
    duration: float = 24.0,
) -> tuple[PoseSequence, np.ndarray, np.ndarray]:
    """Bridge up on both feet (1-2 s), then per supporting leg straighten the other leg in line
    with the thigh during ``holds``, the pelvis dropping by ``drop_deg`` on the lifted side
    (``motions.single_leg_bridge``, a roll of the filmed body: ``with_body_roll``).

    Returns the sequence, the exact hip-line elevation and the frames with a leg lifted."""
    t = time_axis(duration)
    pose, roll = motions.single_leg_bridge(t, holds, drop_deg)  # type: ignore[arg-type]
    synthetic = with_body_roll(
        make_sequence(pose, camera or front_camera(target=FLOOR_TARGET)), roll
    )
    lifting = sum(
        smooth_ramp(t, 0, 1, start, start + 0.5) - smooth_ramp(t, 0, 1, stop, stop + 0.5)
        for start, stop in holds.values()
    )
    held = np.flatnonzero(np.asarray(lifting) >= 0.999)
    return synthetic.sequence, hip_line_elevation(synthetic.landmarks_lab), held


def test_single_leg_bridge_pelvic_drop(measure_synthetic: Measure) -> None:
    seq, elevation, held = single_leg_bridge({"left": (3.0, 15.0)}, {"left": 8.0})
    result = measure_synthetic("single_leg_bridge", seq)

    drop = result.metric("single_leg_pelvic_drop", "left")
    truth = float(np.median(elevation[held]))  # + = left hip higher = right (free) side lower
    assert truth == pytest.approx(7.5, abs=0.3)  # the roll seen in the frontal plane
    assert drop.value == pytest.approx(truth, abs=2.0)
    hold = result.metric("single_leg_hold_time", "left").value
    assert hold == pytest.approx(12.0, abs=0.6)
    assert finding_ids(result) == {
        "single_leg_bridge.single_leg_pelvic_drop.left",
        "single_leg_bridge.single_leg_hold_time.left",
    }
    assert result.metric("single_leg_hold_time", "right").status == "not_measurable"


def test_single_leg_bridge_level_and_long_gives_no_finding(measure_synthetic: Measure) -> None:
    seq, _, _ = single_leg_bridge(
        {"left": (3.0, 27.0), "right": (30.0, 54.0)}, {"left": 1.0, "right": 2.0}, duration=57
    )
    result = measure_synthetic("single_leg_bridge", seq)

    left = result.metric("single_leg_pelvic_drop", "left").value
    right = result.metric("single_leg_pelvic_drop", "right").value
    assert left == pytest.approx(1.0, abs=1.0)
    assert right == pytest.approx(2.0, abs=1.0)
    assert result.metric("single_leg_hold_time", "right").value == pytest.approx(24.0, abs=0.6)
    assert result.status == "measured"
    assert result.findings == ()


def test_single_leg_bridge_side_view_is_not_measurable(
    measure_synthetic: Measure, assert_unmeasured
) -> None:
    seq, _, _ = single_leg_bridge(
        {"left": (3.0, 15.0)}, {"left": 8.0}, camera=side_camera(target=FLOOR_TARGET)
    )
    result = measure_synthetic("single_leg_bridge", seq)

    assert result.status == "not_measurable"
    assert_unmeasured(result, "front view")


@pytest.mark.parametrize("test_id", ["bridge", "single_leg_bridge"])
def test_declaration_matches_norms_and_angles(assert_declaration_consistent, test_id: str) -> None:
    assert_declaration_consistent(test_id)


@pytest.mark.parametrize("test_id", ["bridge", "single_leg_bridge"])
@pytest.mark.parametrize("n_frames", [1, 5, 40])
def test_a_short_still_take_is_not_measurable(
    measure_synthetic: Measure, test_id: str, n_frames: int
) -> None:
    lying = Pose(pelvis_xyz=(0.0, 0.1, 0.0), body_pitch_deg=90.0)
    still = make_sequence(lying, side_camera(target=FLOOR_TARGET), n_frames=n_frames)
    result = measure_synthetic(test_id, still)

    counts = [m for m in result.metrics if m.unit == "count"]
    assert all(m.value in (None, 0) for m in counts)  # nobody seen enough, or 0 lifts
    assert all(m.value is None and m.reason for m in result.metrics if m.unit != "count")
    assert result.findings == ()


def bridge_then_get_up(n_lifts: int = 2) -> SyntheticSequence:
    """``n_lifts`` bridges with the feet planted (1.5 s up, 3 s hold, 1.5 s down, 1.5 s rest),
    then the person sits up (the trunk comes up to vertical), stands up and stays standing: the
    shoulder-hip-knee angle rises to 180 again, but the shoulders and feet leave the floor."""
    up_at = 2.0 + 7.5 * n_lifts
    stand_at = up_at + 2.0
    t = time_axis(stand_at + 4.0)
    lifts = sum(
        smooth_ramp(t, 0, 1, s, s + 1.5) - smooth_ramp(t, 0, 1, s + 4.5, s + 6.0)
        for s in 2.0 + 7.5 * np.arange(n_lifts)
    )
    sit = smooth_ramp(t, 0, 1, up_at, up_at + 1.5)
    stand = smooth_ramp(t, 0, 1, stand_at, stand_at + 1.5)
    bridges = motions.bridge(t, profile=lifts)
    pelvis = np.asarray(bridges.pelvis_xyz) + np.outer(0.83 * stand, [0.0, 1.0, 0.0])
    hip = (np.asarray(bridges.left_hip_flexion_deg) + 90.0 * sit) * (1 - stand)
    knee = np.asarray(bridges.left_knee_flexion_deg) * (1 - stand)
    pose = bridges.replace(
        pelvis_xyz=pelvis,
        body_pitch_deg=np.asarray(bridges.body_pitch_deg) * (1 - sit),
        left_hip_flexion_deg=hip,
        right_hip_flexion_deg=hip,
        left_knee_flexion_deg=knee,
        right_knee_flexion_deg=knee,
    )
    return make_sequence(pose, side_camera(target=(0.0, 0.5, 0.0), distance_m=4.0), jitter_px=0.5)


def test_getting_up_after_the_bridges_is_not_a_lift(measure_synthetic: Measure) -> None:
    synthetic = bridge_then_get_up(2)
    result = measure_synthetic("bridge", synthetic)

    assert result.metric("rep_count").value == 2
    reps = [s for s in result.segments if s.kind == "rep"]
    assert len(reps) == 2 and all(s.t_stop < 2.0 + 7.5 * 2 for s in reps)
    (rejected,) = [s for s in result.segments if s.kind == "rejected rep"]
    assert rejected.t_start > 2.0 + 7.5 * 2 and rejected.values["shoulders_moved"] > 1.0
    assert any("not counted: the shoulders moved" in n for n in result.notes)
    assert result.metric("peak_extension").value == pytest.approx(
        180.0 - synthetic.truth["left_hip_flexion"][: reps[-1].stop].min(), abs=2.0
    )


# ------------------------------------------------------------ dropouts reach every number


def dropped(synthetic: SyntheticSequence, every: int, length: int) -> SyntheticSequence:
    """``length``-frame dropouts (the person not detected) every ``every`` frames."""
    for start in range(10, synthetic.sequence.n_frames - length - 1, every):
        synthetic = with_nan_gap(synthetic, start, start + length)
    return synthetic


def test_a_sagging_bridge_with_four_frame_dropouts_reads_its_sag(measure_synthetic) -> None:
    """4-frame dropouts in 15 % of the frames: filled in the angles, so in every mask too.

    Before, the masks came from the raw landmarks, the hold was cut at every dropout and the
    sag read 0.15° of a true 8°. The sag itself is now refused from one camera (its computation
    misses ±2° even side-on, docs/validation.md), so the check is on what gap filling feeds:
    the holds keep their length, measured values carry their filled share, and no number is
    confidently wrong.
    """
    synthetic = bridge_sequence(top_hip_flexion=5.0, sag_deg=8.0)
    gappy = dropped(synthetic, every=27, length=4)
    assert 0.13 < 1 - gappy.sequence.detected.mean() < 0.16
    result = measure_synthetic("bridge", gappy)
    clean_result = measure_synthetic("bridge", synthetic)
    truth = truth_bridge(synthetic)
    sag = result.metric("hold_sag")
    stated = PROTOCOL.metric_spec("hold_sag").view_tolerance.max_error_deg

    if sag.status == "ok":
        assert sag.value == pytest.approx(truth["hold_sag"], abs=stated)
    else:
        assert sag.value is None and sag.reason
    peak = result.metric("peak_extension")
    assert peak.status == "ok" and peak.value == pytest.approx(175.0, abs=2.0)
    assert peak.filled_fraction == pytest.approx(0.15, abs=0.05)
    clean_peak = clean_result.metric("peak_extension")
    assert clean_peak.filled_fraction == 0.0 and peak.quality < clean_peak.quality
    holds = [(s.start, s.stop) for s in result.segments if s.kind in ("rep", "hold")]
    clean_holds = [(s.start, s.stop) for s in clean_result.segments if s.kind in ("rep", "hold")]
    assert len(holds) == len(clean_holds) > 0
    for (start, stop), (clean_start, clean_stop) in zip(holds, clean_holds, strict=True):
        assert abs(start - clean_start) <= 2 and abs(stop - clean_stop) <= 2
    assert finding_ids(result) == finding_ids(clean_result)


def test_a_gap_longer_than_the_limit_is_missing_never_zero(measure_synthetic) -> None:
    """Ten frames (0.37 s > 0.25 s) missing through the sag: those frames are not used."""
    synthetic = bridge_sequence(top_hip_flexion=5.0, sag_deg=8.0)
    gappy = dropped(synthetic, every=40, length=10)
    result = measure_synthetic("bridge", gappy)
    truth = truth_bridge(synthetic)

    for metric in result.metrics:
        if metric.metric == "hold_sag" and metric.status == "ok":
            assert metric.value == pytest.approx(truth["hold_sag"], abs=3.0)
            assert metric.filled_fraction == 0.0
        elif metric.status == "not_measurable":
            assert metric.value is None and metric.reason
