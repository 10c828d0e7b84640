"""thomas: the hanging thigh against the horizontal and its knee flexion, with a still pelvis."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hipsight.pose import landmarks as lm
from hipsight.pose.landmarks import Side
from hipsight.protocols.registry import get_protocol
from hipsight.results import TestResult
from hipsight.samples.synthetic import (
    Camera,
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    ramp,
    side_camera,
    smooth_ramp,
    time_axis,
    with_hidden_landmarks,
)

Measure = Callable[..., TestResult]
TOL = 2.0
FPS = 30.0


def thomas_trial(
    thigh_deg: float,
    knee_deg: float,
    *,
    hanging: Side = "left",
    pelvis_tilt_deg: float = 0.0,
    camera_side: Side = "left",
    camera: Camera | None = None,
) -> SyntheticSequence:
    """Sit at a bed edge, lie back hugging one knee, let the other leg hang, hold still.

    The hanging thigh ends ``thigh_deg`` above the horizontal (negative: below) with the knee
    flexed ``knee_deg``. ``pelvis_tilt_deg`` tips the pelvis and trunk during the hold (5-6 s),
    as when the lower back arches: the hanging thigh stays where it is.
    """
    t = time_axis(9.0, FPS)
    tilt = ramp(t, 0.0, pelvis_tilt_deg, 5.0, 6.0)
    hugged = "right" if hanging == "left" else "left"
    pose = Pose(
        pelvis_xyz=(0.0, 0.65, 0.0),
        body_pitch_deg=smooth_ramp(t, 0.0, 90.0, 0.5, 2.0) + tilt,
    ).replace(
        **{
            f"{hanging}_hip_flexion_deg": smooth_ramp(t, 90.0, thigh_deg, 0.5, 2.5) - tilt,
            f"{hanging}_knee_flexion_deg": smooth_ramp(t, 90.0, knee_deg, 0.5, 2.5),
            f"{hugged}_hip_flexion_deg": smooth_ramp(t, 90.0, 120.0, 0.5, 2.0) - tilt,
            f"{hugged}_knee_flexion_deg": 130.0,
        }
    )
    cam = camera if camera is not None else side_camera(camera_side)
    return make_sequence(pose, cam, fps=FPS, jitter_px=1.0)


def test_thigh_10_deg_above_horizontal_is_found(measure_synthetic: Measure) -> None:
    synthetic = thomas_trial(10.0, 80.0)
    assert synthetic.truth["left_thigh_inclination"][-1] - 90.0 == pytest.approx(10.0, abs=1e-6)
    result = measure_synthetic("thomas", synthetic)
    assert result.status == "measured"
    assert result.metric("thigh_above_horizontal", "left").value == pytest.approx(10.0, abs=TOL)
    assert result.metric("knee_flexion", "left").value == pytest.approx(80.0, abs=TOL)
    assert [f.id for f in result.findings] == ["thomas.thigh_above_horizontal.left"]
    finding = result.findings[0]
    assert finding.evidence == "VL" and "hip_flexor_stretch" in finding.exercises
    assert {m.side for m in result.metrics} == {"left"}  # only the hanging leg is measured


def test_thigh_5_deg_below_horizontal_is_normal(measure_synthetic: Measure) -> None:
    result = measure_synthetic("thomas", thomas_trial(-5.0, 70.0))
    assert result.metric("thigh_above_horizontal", "left").value == pytest.approx(-5.0, abs=TOL)
    assert result.findings == ()


def test_straight_hanging_knee_is_found(measure_synthetic: Measure) -> None:
    result = measure_synthetic("thomas", thomas_trial(-5.0, 50.0))
    assert result.metric("knee_flexion", "left").value == pytest.approx(50.0, abs=TOL)
    assert [f.id for f in result.findings] == ["thomas.knee_flexion.left"]


@pytest.mark.parametrize("camera_side", ["left", "right"])
def test_hanging_leg_is_the_extended_one_on_either_side(
    measure_synthetic: Measure, camera_side: Side
) -> None:
    result = measure_synthetic(
        "thomas", thomas_trial(3.0, 75.0, hanging="right", camera_side=camera_side)
    )
    assert result.metric("thigh_above_horizontal", "right").value == pytest.approx(3.0, abs=TOL)
    assert result.metric("knee_flexion", "right").value == pytest.approx(75.0, abs=TOL)


def test_named_side_overrides_the_guess(measure_synthetic: Measure) -> None:
    result = measure_synthetic("thomas", thomas_trial(-5.0, 70.0, hanging="left"), side="left")
    assert {m.side for m in result.metrics} == {"left"}


def test_pelvis_tilting_during_the_hold_rejects_the_trial(measure_synthetic: Measure) -> None:
    result = measure_synthetic("thomas", thomas_trial(10.0, 80.0, pelvis_tilt_deg=8.0))
    assert result.status == "not_measurable"
    assert all(m.value is None for m in result.metrics)
    assert "pelvis tilts" in result.reasons[0] and "moved" in result.reasons[0]
    assert result.findings == ()
    assert result.segments[0].values["trunk_movement"] == pytest.approx(8.0, abs=TOL)


def test_pelvis_moving_within_tolerance_is_accepted(measure_synthetic: Measure) -> None:
    result = measure_synthetic("thomas", thomas_trial(-5.0, 70.0, pelvis_tilt_deg=2.0))
    assert result.status == "measured"
    assert result.metric("thigh_above_horizontal", "left").value == pytest.approx(-5.0, abs=TOL)


def test_front_view_is_not_measurable_with_a_reason(measure_synthetic: Measure) -> None:
    result = measure_synthetic(
        "thomas", thomas_trial(10.0, 80.0, camera=front_camera(distance_m=4.0))
    )
    assert result.status == "not_measurable"
    assert all(m.value is None for m in result.metrics)
    assert "needs a side view" in result.reasons[0]


def test_hidden_hanging_leg_is_not_measurable(measure_synthetic: Measure) -> None:
    hidden = [lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX]
    result = measure_synthetic("thomas", with_hidden_landmarks(thomas_trial(10.0, 80.0), hidden))
    assert result.status == "not_measurable"
    value = result.metric(
        "thigh_above_horizontal", "left"
    )  # the hugged right leg is not taken for it
    assert value.value is None and "too few valid frames" in (value.reason or "")


@pytest.mark.parametrize("side", ["left", None])
def test_standing_instead_of_lying_is_not_measurable(
    measure_synthetic: Measure, side: str | None
) -> None:
    """Named leg or not, the reason is that nobody lay back (it used to blame the hanging
    leg's visibility "while lying" when no leg was named)."""
    standing = make_sequence(Pose(), side_camera("left"), fps=FPS, n_frames=150)
    result = measure_synthetic("thomas", standing, side=side)
    assert result.status == "not_measurable"
    assert "no lying phase" in result.reasons[0]


def test_declaration() -> None:
    protocol = get_protocol("thomas")
    assert protocol.position == "lying" and protocol.view == "side"
    assert {m.norm for m in protocol.metrics} == {
        "thomas_thigh_above_horizontal",
        "thomas_knee_flexion",
    }
