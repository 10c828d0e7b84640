"""gait: strides per side, late-stance peak hip extension and hip flexion range."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from scipy.signal import find_peaks

from hipsight.analysis import analyze
from hipsight.pose import landmarks as lm
from hipsight.pose.landmarks import Side
from hipsight.protocols.registry import get_protocol
from hipsight.results import TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    time_axis,
    with_hidden_landmarks,
    with_noise,
)
from synthetic_cases import squats_walk_and_turn

Measure = Callable[..., TestResult]
TOL = 2.0
FPS = 30.0


def walk(
    *,
    hip_lo: float = -15.0,
    hip_hi: float = 25.0,
    seconds: float = 6.0,
    period_s: float = 1.0,
    speed_m_s: float = 0.0,
    camera_side: Side = "left",
    camera: Camera | None = None,
) -> SyntheticSequence:
    """A side-view walk: sinusoidal hip flexion ``hip_lo..hip_hi`` (legs half a cycle apart),
    knee flexion 5..60 deg peaking in early swing, arms swinging. ``speed_m_s`` 0 is a treadmill;
    otherwise the walker crosses the view, centred on the camera."""
    t = time_axis(seconds, FPS)
    pose = motions.walk(
        t,
        hip_lo=hip_lo,
        hip_hi=hip_hi,
        period_s=period_s,
        speed_m_s=speed_m_s,
        start_x_m=-speed_m_s * seconds / 2.0,  # centred on the camera
    )
    cam = (
        camera
        if camera is not None
        else side_camera(camera_side, distance_m=3.0 if not speed_m_s else 5.0)
    )
    return make_sequence(pose, cam, fps=FPS, jitter_px=1.0)


def true_stride_count(synthetic: SyntheticSequence, side: str) -> int:
    peaks, _ = find_peaks(synthetic.truth[f"{side}_hip_flexion"])
    return len(peaks) - 1


def test_gait_follows_the_moving_person() -> None:
    protocol = get_protocol("gait")
    assert protocol.subject == "moving"
    assert protocol.view == "side" and protocol.position == "walking"


@pytest.mark.parametrize("camera_side", ["left", "right"])
def test_treadmill_walk_gives_extension_range_and_strides(
    measure_synthetic: Measure, camera_side: Side
) -> None:
    synthetic = walk(camera_side=camera_side)
    result = measure_synthetic("gait", synthetic)
    assert result.status == "measured"
    for side in ("left", "right"):
        assert result.metric("peak_hip_extension", side).value == pytest.approx(15.0, abs=TOL)
        assert result.metric("hip_flexion_range", side).value == pytest.approx(40.0, abs=TOL)
        assert result.metric("strides", side).value == true_stride_count(synthetic, side)
    assert result.findings == ()
    strides = [s for s in result.segments if s.kind == "stride"]
    assert len(strides) == true_stride_count(synthetic, "left") + true_stride_count(
        synthetic, "right"
    )
    assert all(s.t_stop - s.t_start == pytest.approx(1.0, abs=0.1) for s in strides)


def test_walk_across_the_view_is_accurate(measure_synthetic: Measure) -> None:
    result = measure_synthetic("gait", walk(seconds=5.0, speed_m_s=1.1, period_s=1.1))
    for side in ("left", "right"):
        assert result.metric("peak_hip_extension", side).value == pytest.approx(15.0, abs=TOL)
        assert result.metric("hip_flexion_range", side).value == pytest.approx(40.0, abs=TOL)
        assert result.metric("strides", side).value >= 3


def test_reduced_late_stance_extension_is_found(measure_synthetic: Measure) -> None:
    result = measure_synthetic("gait", walk(hip_lo=-4.0, hip_hi=32.0))
    assert result.metric("peak_hip_extension", "left").value == pytest.approx(4.0, abs=TOL)
    assert result.metric("hip_flexion_range", "left").value == pytest.approx(36.0, abs=TOL)
    ids = {f.id for f in result.findings}
    assert ids == {"gait.peak_hip_extension.left", "gait.peak_hip_extension.right"}


def test_front_view_is_not_measurable_with_a_reason(measure_synthetic: Measure) -> None:
    result = measure_synthetic("gait", walk(camera=front_camera()))
    assert result.status == "not_measurable"
    assert all(m.value is None for m in result.metrics)
    assert "needs a side view" in result.metric("peak_hip_extension", "left").reason


def test_hidden_far_leg_is_not_measurable_with_the_reason(measure_synthetic: Measure) -> None:
    far = [lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX]
    synthetic = with_hidden_landmarks(walk(camera_side="left"), far)
    result = measure_synthetic("gait", synthetic)
    assert result.status == "partial"
    assert result.metric("peak_hip_extension", "left").value == pytest.approx(15.0, abs=TOL)
    value = result.metric("peak_hip_extension", "right")
    assert value.status == "not_measurable" and value.value is None
    assert "farther from the camera" in (value.reason or "")


def test_a_side_can_be_asked_for_alone(measure_synthetic: Measure) -> None:
    result = measure_synthetic("gait", walk(), side="right")
    assert {m.side for m in result.metrics} == {"right"}


def test_standing_still_gives_no_stride(measure_synthetic: Measure) -> None:
    standing = make_sequence(Pose(), side_camera("left"), fps=FPS, n_frames=150, jitter_px=1.0)
    result = measure_synthetic("gait", standing)
    assert result.status == "not_measurable"
    assert "no complete stride" in result.metric("strides", "left").reason


@pytest.mark.model
@pytest.mark.sample
def test_demo_walk_gives_a_plausible_late_stance_extension(demo_video: Path) -> None:
    """The Sports2D demo: the walker crosses right to left at about 2.0-6.6 s, left side to the
    camera. The near (left) leg must give a plausible peak extension; the far (right) leg either
    a plausible value or not_measurable with a reason."""
    result = analyze(demo_video, test="gait", subject="moving").result
    assert result is not None and result.view_detected == "side"
    near = result.metric("peak_hip_extension", "left")
    assert near.status == "ok", near.reason
    assert 5.0 <= near.value <= 30.0
    assert result.metric("strides", "left").value >= 2
    # the camera is about 11° off the side (p90 20°) and the flexion range holds its ±4° only up
    # to 15° off it: the gate decides per frame, on gap-filled landmarks, whether enough frames
    # are confirmed inside; either way no implausible number comes out
    flexion_range = result.metric("hip_flexion_range", "left")
    if flexion_range.status == "ok":
        assert 30.0 <= flexion_range.value <= 60.0
        assert flexion_range.n_frames >= 0.6 * near.n_frames
    else:
        assert flexion_range.value is None
        assert "off the side view" in (flexion_range.reason or "")
    far = result.metric("peak_hip_extension", "right")
    far_strides = result.metric("strides", "right")
    if far_strides.value is not None and far_strides.value < 2:  # one stride: no stride value
        assert far.status == "not_measurable" and "needs at least 2" in (far.reason or "")
    if far.status == "ok":
        assert 5.0 <= far.value <= 35.0
    else:
        assert far.value is None and far.reason
    strides = [s for s in result.segments if s.kind == "stride" and s.values["valid"]]
    assert all(s.t_start >= 1.8 and s.t_stop <= 6.8 for s in strides)


def test_a_turn_in_the_middle_contributes_no_stride(measure_synthetic: Measure) -> None:
    """Walk across, turn round on the spot (1.2 s), walk back: the interval across the turn is
    a rejected stride with the reason, not a stride; the walks on both sides still count."""
    synthetic, phases = squats_walk_and_turn(0, crouch=0.0, walk_s=4.0)
    result = measure_synthetic("gait", synthetic)
    turn_start, turn_stop = phases["turn"]
    middle = (turn_start + turn_stop) / 2.0

    strides = [s for s in result.segments if s.kind == "stride"]
    assert not [s for s in strides if s.t_start < middle < s.t_stop]
    across = [s for s in result.segments if s.kind == "rejected stride"]
    assert across and all(s.t_start < middle < s.t_stop for s in across)
    assert all(s.values["turned_deg"] > 90.0 for s in across)
    assert any("not counted: the body turned" in n for n in result.notes)
    for side in ("left", "right"):
        assert result.metric("strides", side).value >= 4
        assert result.metric("hip_flexion_range", side).value == pytest.approx(40.0, abs=TOL)


def test_squats_and_standing_are_not_strides(measure_synthetic: Measure) -> None:
    """3 squats before the walk: hip flexion peaks there (1.6 s apart) are not strides (the
    feet stay planted under a body that does not travel)."""
    synthetic, phases = squats_walk_and_turn(3, crouch=0.0)
    result = measure_synthetic("gait", synthetic)
    squats_end = phases["squats"][1]

    assert not [s for s in result.segments if s.kind == "stride" and s.t_start < squats_end - 0.5]
    for side in ("left", "right"):
        assert result.metric("hip_flexion_range", side).value == pytest.approx(40.0, abs=TOL)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("hip_lo", "hip_hi"), [(-15.0, 25.0), (-4.0, 32.0)])
def test_three_px_of_noise_keeps_stride_values_within_their_stated_error(
    measure_synthetic: Measure, hip_lo: float, hip_hi: float, seed: int
) -> None:
    """Walking across a side view 6 m away (thigh about 100 px), 3 px of noise on every
    landmark (the degradation sweep): peak extension and range stay within their stated error
    of the truth on both legs, and a 4 deg extension keeps its finding on both. Before, each
    stride's extremes were single frames, where the jitter adds most: the range read up to
    4.5 deg high and the right leg's deficit finding was lost (seed 5)."""
    pose = motions.walk(time_axis(7.0), hip_lo=hip_lo, hip_hi=hip_hi, period_s=1.1, speed_m_s=1.0)
    synthetic = make_sequence(pose, side_camera(distance_m=6.0), jitter_px=0.5)
    result = measure_synthetic("gait", with_noise(synthetic, 3.0, seed=seed))
    protocol = get_protocol("gait")

    for side in ("left", "right"):
        for metric, truth in (
            ("peak_hip_extension", -hip_lo),
            ("hip_flexion_range", hip_hi - hip_lo),
        ):
            stated = protocol.metric_spec(metric).view_tolerance.max_error_deg
            assert result.metric(metric, side).value == pytest.approx(truth, abs=stated)
    deficit = {"gait.peak_hip_extension.left", "gait.peak_hip_extension.right"}
    assert {f.id for f in result.findings} == (deficit if hip_lo > -10.0 else set())
