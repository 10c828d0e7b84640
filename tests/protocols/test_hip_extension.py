"""hip_extension: per-rep peak extension, trunk compensation and the extension without it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from hipsight.pose import landmarks as lm
from hipsight.pose.landmarks import Side
from hipsight.protocols.registry import get_protocol
from hipsight.results import TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    time_axis,
    with_hidden_landmarks,
    with_noise,
)

Measure = Callable[..., TestResult]
TOL = 2.0
FPS = 30.0


def kicks(
    t: NDArray[np.float64],
    n: int = 5,
    period_s: float = 2.0,
    first_s: float = 1.0,
    rise_s: float = 1.2,
) -> NDArray[np.float64]:
    """0 at rest, rising smoothly to 1 and back ``n`` times (one kick back each ``period_s``)."""
    starts = first_s + period_s * np.arange(n)
    phase = (t[:, None] - starts[None, :]) / rise_s
    bumps = np.where((phase >= 0) & (phase < 1), np.sin(np.pi * phase) ** 2, 0.0)
    return bumps.sum(axis=1)


def kick_back(
    extension: float,
    *,
    arch: float = 0.0,
    lean: float = 0.0,
    side: Side = "left",
    n: int = 5,
    camera_side: Side = "left",
    seconds: float = 12.0,
    jitter_px: float = 1.0,
) -> SyntheticSequence:
    """Standing; one leg extends ``extension`` deg at the hip (thigh vs pelvis) in each kick.

    ``arch``: the lower back extends (trunk tips back against a still pelvis) by this much.
    ``lean``: pelvis and trunk tip forward together over the standing leg by this much.
    Either way the true hip extension is ``extension``.
    """
    t = time_axis(seconds, FPS)
    k = kicks(t, n)
    stance = "right" if side == "left" else "left"
    pose = Pose(body_pitch_deg=-lean * k, trunk_flexion_deg=-arch * k).replace(
        **{f"{side}_hip_flexion_deg": -extension * k, f"{stance}_hip_flexion_deg": lean * k}
    )
    return make_sequence(pose, side_camera(camera_side), fps=FPS, jitter_px=jitter_px)


def test_declaration_matches_the_norms() -> None:
    protocol = get_protocol("hip_extension")
    assert protocol.view == "side" and protocol.per_side
    assert protocol.metric_spec("corrected_extension").norm == "hip_extension_active"
    assert protocol.metric_spec("trunk_compensation").norm == "hip_extension_compensation"


def test_backward_arch_is_taken_out_of_the_extension(measure_synthetic: Measure) -> None:
    result = measure_synthetic("hip_extension", kick_back(15.0, arch=8.0))
    assert result.status == "measured"
    assert result.metric("peak_hip_extension", "left").value == pytest.approx(
        23.0, abs=TOL
    )  # thigh vs trunk
    assert result.metric("trunk_compensation", "left").value == pytest.approx(-8.0, abs=TOL)
    assert result.metric("corrected_extension", "left").value == pytest.approx(15.0, abs=TOL)
    assert result.metric("reps", "left").value == 5
    assert result.findings == ()


def test_forward_lean_is_reported_and_not_credited_to_the_hip(measure_synthetic: Measure) -> None:
    synthetic = kick_back(15.0, lean=8.0)
    # the thigh goes 23 deg behind the vertical, but 8 of them come from tipping the pelvis forward
    assert synthetic.truth["left_thigh_inclination"].min() == pytest.approx(-23.0, abs=0.1)
    result = measure_synthetic("hip_extension", synthetic)
    assert result.metric("peak_hip_extension", "left").value == pytest.approx(15.0, abs=TOL)
    assert result.metric("trunk_compensation", "left").value == pytest.approx(8.0, abs=TOL)
    assert result.metric("corrected_extension", "left").value == pytest.approx(15.0, abs=TOL)
    assert result.findings == ()


def test_low_extension_with_large_arch_gives_both_findings(measure_synthetic: Measure) -> None:
    # beyond each norm by more than its measurement error (4 deg hip angle, 3 deg trunk)
    result = measure_synthetic("hip_extension", kick_back(5.0, arch=16.0))
    assert result.metric("peak_hip_extension", "left").value == pytest.approx(21.0, abs=TOL)
    assert result.metric("corrected_extension", "left").value == pytest.approx(5.0, abs=TOL)
    assert result.metric("trunk_compensation", "left").value == pytest.approx(-16.0, abs=TOL)
    found = {f.id: f for f in result.findings}
    assert set(found) == {
        "hip_extension.corrected_extension.left",
        "hip_extension.trunk_compensation.left",
    }
    assert "hip_flexor_stretch" in found["hip_extension.corrected_extension.left"].exercises


def test_per_rep_values_are_in_the_segments(measure_synthetic: Measure) -> None:
    result = measure_synthetic("hip_extension", kick_back(20.0, n=4))
    reps = [s for s in result.segments if s.kind == "rep"]
    assert len(reps) == 4 and all(s.side == "left" for s in reps)
    for rep in reps:
        assert rep.values["corrected_extension"] == pytest.approx(20.0, abs=TOL)
    starts = [rep.t_start for rep in reps]
    assert np.all(np.diff(starts) > 1.5)


def test_far_leg_moving_is_found_automatically(measure_synthetic: Measure) -> None:
    result = measure_synthetic("hip_extension", kick_back(18.0, side="right", camera_side="left"))
    assert {m.side for m in result.metrics} == {"right"}
    assert result.metric("corrected_extension", "right").value == pytest.approx(18.0, abs=TOL)


def test_both_legs_in_one_recording_are_both_measured(measure_synthetic: Measure) -> None:
    t = time_axis(14.0, FPS)
    left, right = kicks(t, 3, first_s=1.0), kicks(t, 3, first_s=8.0)
    # 18 deg apart: beyond the 10 deg limit + sqrt(2) x 4 deg error of the difference
    pose = Pose(left_hip_flexion_deg=-10.0 * left, right_hip_flexion_deg=-28.0 * right)
    result = measure_synthetic(
        "hip_extension", make_sequence(pose, side_camera("right"), fps=FPS, jitter_px=1.0)
    )
    assert result.metric("corrected_extension", "left").value == pytest.approx(10.0, abs=TOL)
    assert result.metric("corrected_extension", "right").value == pytest.approx(28.0, abs=TOL)
    assert result.metric("reps", "left").value == 3 and result.metric("reps", "right").value == 3
    assert "hip_extension.corrected_extension.asymmetry" in {f.id for f in result.findings}


def test_noisy_standing_leg_is_not_taken_for_a_kicking_leg(measure_synthetic: Measure) -> None:
    result = measure_synthetic("hip_extension", kick_back(15.0, arch=8.0, jitter_px=5.0))
    assert {m.side for m in result.metrics} == {"left"}
    assert result.metric("reps", "left").value == 5
    assert result.metric("corrected_extension", "left").value == pytest.approx(15.0, abs=TOL)


def test_named_leg_that_did_not_move_is_not_measurable(measure_synthetic: Measure) -> None:
    result = measure_synthetic("hip_extension", kick_back(15.0), side="right")
    value = result.metric("corrected_extension", "right")
    assert value.status == "not_measurable" and value.value is None
    assert "no repetition found for the right leg" in (value.reason or "")


def test_front_view_is_not_measurable_with_a_reason(measure_synthetic: Measure) -> None:
    t = time_axis(12.0, FPS)
    pose = Pose(left_hip_flexion_deg=-15.0 * kicks(t))
    result = measure_synthetic(
        "hip_extension", make_sequence(pose, front_camera(), fps=FPS, jitter_px=1.0)
    )
    assert result.status == "not_measurable"
    assert all(m.value is None for m in result.metrics)
    assert "needs a side view" in result.metric("corrected_extension", "left").reason


def test_hidden_moving_leg_is_not_measurable(measure_synthetic: Measure) -> None:
    hidden = [lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX]
    synthetic = with_hidden_landmarks(kick_back(15.0), hidden)
    result = measure_synthetic("hip_extension", synthetic, side="left")
    value = result.metric("corrected_extension", "left")
    assert value.status == "not_measurable" and value.value is None
    assert "too few valid frames" in (value.reason or "")
    auto = measure_synthetic("hip_extension", synthetic)
    assert auto.status == "not_measurable" and auto.findings == ()


@pytest.mark.parametrize("jitter_px", [0.0, 3.0])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_standing_leg_never_gets_a_rep(
    measure_synthetic: Measure, jitter_px: float, seed: int
) -> None:
    """Left leg kicks; 3 px of extra noise on the standing (right) leg's landmarks. Asked for
    explicitly, the right leg has no rep (its jitter made one in seeds 0 and 3 at 3 px before
    the standing-leg checks); in auto mode only the left leg is reported, with its 5 reps."""
    synthetic = kick_back(15.0, jitter_px=jitter_px)
    seq = synthetic.sequence
    standing = [lm.RIGHT_HIP, lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX]
    xy = seq.image_xy.copy()
    xy[:, standing] += np.random.default_rng(seed).normal(0.0, 3.0, xy[:, standing].shape)
    noisy = seq.with_image_xy(xy, "3 px noise on the standing leg")

    right = measure_synthetic("hip_extension", noisy, side="right")
    assert right.metric("reps", "right").value is None
    assert not [s for s in right.segments if s.kind == "rep"]
    auto = measure_synthetic("hip_extension", noisy)
    assert {m.side for m in auto.metrics} == {"left"}
    assert auto.metric("reps", "left").value == 5


def test_stepping_with_the_standing_leg_is_not_a_kick(measure_synthetic: Measure) -> None:
    """The person kicks back once with the left leg, then walks off (the standing right foot
    travels): the walk's leg swings are not hip extension reps."""
    t = time_axis(8.0, FPS)
    kick = kicks(t, 1, first_s=1.0)
    walking = (t >= 3.5).astype(float)
    swing = walking * 20.0 * np.sin(2 * np.pi * (t - 3.5) / 1.1)
    x = np.cumsum(walking) / FPS * 1.0
    pose = Pose(
        pelvis_xyz=np.stack([x, np.full_like(t, 0.93), np.zeros_like(t)], axis=1),
        left_hip_flexion_deg=-15.0 * kick + swing,
        right_hip_flexion_deg=-swing,
        left_knee_flexion_deg=walking * 30.0 * (1 + np.sin(2 * np.pi * (t - 3.5) / 1.1)),
        right_knee_flexion_deg=walking * 30.0 * (1 - np.sin(2 * np.pi * (t - 3.5) / 1.1)),
    )
    camera = side_camera("left", target=(2.0, 0.9, 0.0), distance_m=6.0)
    result = measure_synthetic("hip_extension", make_sequence(pose, camera, fps=FPS, jitter_px=1.0))

    assert result.metric("reps", "left").value == 1
    assert all(s.t_start < 3.5 for s in result.segments if s.kind == "rep")
    rejected = [s for s in result.segments if s.kind == "rejected rep"]
    assert rejected and all(s.t_start >= 3.0 for s in rejected)


@pytest.mark.parametrize("extension", [3.0, 5.0])
@pytest.mark.parametrize("yaw", [-15.0, 0.0, 15.0])
def test_a_small_kick_inside_the_view_tolerance_is_measured_and_graded(
    measure_synthetic, extension: float, yaw: float
) -> None:
    """3-5 deg of extension, the camera up to 15 deg off the side view: measured, a deficit."""
    from hipsight.protocols.hip_extension import PROTOCOL as HIP_EXTENSION

    t = time_axis(12.0)
    pose = motions.standing_hip_extension(t, "left", extension_deg=extension)
    synthetic = make_sequence(pose, side_camera(yaw_deg=yaw), jitter_px=0.5, seed=1)
    result = measure_synthetic("hip_extension", synthetic)
    value = result.metric("corrected_extension", "left")
    stated = HIP_EXTENSION.metric_spec("corrected_extension").view_tolerance.max_error_deg

    assert value.status == "ok", value.reason
    assert value.value == pytest.approx(extension, abs=stated)
    if yaw == 0.0:
        assert value.value == pytest.approx(extension, abs=0.1)
    assert "hip_extension.corrected_extension.left" in {f.id for f in result.findings}


@pytest.mark.parametrize("seed", range(6))
def test_a_small_kick_in_three_px_of_noise_keeps_its_reps(measure_synthetic, seed: int) -> None:
    """A 5 deg kick, 3 px of noise on every landmark (the degradation sweep): every kick is a
    rep, measured within the stated error. Before, the standing thigh's raw jitter spread about
    as far as the kick within the rep's core, so kicks were rejected as "swung back 63-79 % of
    the other thigh's swing" and the deficit could not be graded (too few reps)."""
    from hipsight.protocols.hip_extension import PROTOCOL as HIP_EXTENSION

    t = time_axis(10.0)
    pose = motions.standing_hip_extension(t, "left", extension_deg=5.0)
    synthetic = with_noise(make_sequence(pose, side_camera(), jitter_px=0.5), 3.0, seed=seed)
    result = measure_synthetic("hip_extension", synthetic)

    stated = HIP_EXTENSION.metric_spec("corrected_extension").view_tolerance.max_error_deg

    assert result.metric("reps", "left").value == 3  # the sinusoid's three kicks back
    assert not [s for s in result.segments if s.kind == "rejected rep"]
    assert result.metric("corrected_extension", "left").value == pytest.approx(5.0, abs=stated)


def test_noise_does_not_push_a_small_kick_up(measure_synthetic) -> None:
    """The highest frame of a noisy curve is biased upwards; the peak is read from a parabola
    over +-0.2 s (``kinematics.extremes``). A 5 deg kick with 3 px of noise, 20 seeds: the
    peak read 1.07 deg high on average from the highest frame (and lost the deficit finding in
    4 of 20 seeds); from the parabola 0.45 deg."""
    t = time_axis(10.0)
    pose = motions.standing_hip_extension(t, "left", extension_deg=5.0)
    clean = make_sequence(pose, side_camera(), jitter_px=0.5)
    reference = measure_synthetic("hip_extension", clean).metric("peak_hip_extension", "left")
    noisy = [
        measure_synthetic("hip_extension", with_noise(clean, 3.0, seed=seed)) for seed in range(20)
    ]
    peaks = np.array([r.metric("peak_hip_extension", "left").value for r in noisy])
    finding = "hip_extension.corrected_extension.left"
    kept = sum(finding in {f.id for f in r.findings} for r in noisy)

    assert reference.value == pytest.approx(5.0, abs=0.25)
    assert np.mean(peaks) - reference.value < 0.6
    assert kept >= 19


def test_a_kick_whose_peak_was_not_seen_is_not_a_rep(measure_synthetic) -> None:
    """Nobody found for 0.8 s around the second kick's peak (3.6 s): that kick is named in a
    note and not counted, the other four are. On the Sports2D demo walk such a candidate at a
    gap's edge had passed as a rep."""
    from hipsight.samples.synthetic import with_nan_gap

    synthetic = kick_back(15.0)
    blind = with_nan_gap(synthetic.sequence, round(3.2 * FPS), round(4.0 * FPS))
    result = measure_synthetic("hip_extension", blind)

    assert result.metric("reps", "left").value == 4
    assert any("its peak was not seen" in note for note in result.notes)
    assert result.metric("corrected_extension", "left").value == pytest.approx(15.0, abs=TOL)
