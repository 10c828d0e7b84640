"""Personal baseline: measuring a stance, merging views, the TOML round trip, and flagging
frames whose segment lengths do not fit the person."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hipsight.calibration.baseline import (
    PersonBaseline,
    baseline_path,
    implausible_frames,
    list_baselines,
    load_baseline,
    measure_stance,
    relative_to_baseline,
    save_baseline,
    segment_lengths,
    stature_px,
    update_baseline,
)
from hipsight.errors import InputError
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.samples.synthetic import (
    BodyDimensions,
    Pose,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    time_axis,
    with_nan_gap,
)

STANCE_FRAMES = 120  # 4 s at 30 fps
FRONT_POSE = Pose(pelvic_obliquity_deg=2.0, trunk_lateral_lean_deg=1.0)
SIDE_POSE = Pose(trunk_flexion_deg=6.0, left_hip_flexion_deg=-3.0, right_hip_flexion_deg=-3.0)


def _front(roll: float = 0.0, jitter: float = 0.5) -> PoseSequence:
    camera = front_camera(roll_deg=roll)
    return make_sequence(FRONT_POSE, camera, n_frames=STANCE_FRAMES, jitter_px=jitter).sequence


def _side() -> PoseSequence:
    return make_sequence(
        SIDE_POSE, side_camera("left"), n_frames=STANCE_FRAMES, jitter_px=0.5
    ).sequence


def _baseline() -> PersonBaseline:
    front = measure_stance(_front(), view="front")
    side = measure_stance(_side(), view="side")
    return update_baseline(update_baseline(None, "anna", front, height_cm=175.0), "anna", side)


# ============================================================================ measuring


def test_front_stance_gives_reference_angles_corrected_for_roll() -> None:
    synthetic = make_sequence(
        FRONT_POSE, front_camera(roll_deg=6.0), n_frames=STANCE_FRAMES, jitter_px=0.5
    )
    measurement = measure_stance(synthetic.sequence, view="auto", roll_deg=6.0)
    view = measurement.view
    assert view.view == "front" and view.still_s == pytest.approx(4.0) and view.roll_deg == 6.0
    for name, value in view.angles_deg.items():
        assert value == pytest.approx(synthetic.truth[name][0], abs=0.1), name
    assert view.angles_deg["pelvic_obliquity"] == pytest.approx(2.0, abs=0.1)
    assert set(view.angles_deg) == {
        "pelvic_obliquity",
        "shoulder_tilt",
        "trunk_lateral_inclination",
        "left_knee_fppa",
        "right_knee_fppa",
    }
    assert not measurement.warnings


def test_side_stance_gives_sagittal_references() -> None:
    measurement = measure_stance(_side(), view="auto")
    angles = measurement.view.angles_deg
    assert measurement.view.view == "side"
    assert angles["trunk_inclination"] == pytest.approx(6.0 - 0.0, abs=0.3)
    assert angles["left_thigh_inclination"] == pytest.approx(-3.0, abs=0.3)
    assert angles["left_hip_flexion"] == pytest.approx(3.0, abs=0.3)  # thigh vs trunk: -3 + 6


def test_segment_lengths_relative_to_stature_and_in_metres() -> None:
    dims = BodyDimensions()
    measurement = measure_stance(_front(jitter=0.0), view="front")
    rel, metres = measurement.segments_rel, measurement.segments_m
    assert metres["left_thigh"] == pytest.approx(dims.thigh_m, abs=1e-3)
    assert metres["right_shank"] == pytest.approx(dims.shank_m, abs=1e-3)
    assert metres["trunk"] == pytest.approx(dims.trunk_m, abs=0.01)
    # stature from heel-to-eye / 0.936: the synthetic body is ~1.77 m by that rule
    stature_m = dims.thigh_m / rel["left_thigh"]
    assert stature_m == pytest.approx(1.75, rel=0.03)


def test_stance_needs_enough_still_time_and_a_clear_view() -> None:
    t = time_axis(4.0)
    moving = make_sequence(
        Pose(left_hip_abduction_deg=sinusoid(t, 0, 30, 1.0)), front_camera(), t=t
    )
    with pytest.raises(
        InputError, match=r"need at least 2 s of standing still in a front view, got"
    ):
        measure_stance(moving.sequence, view="front")
    with pytest.raises(InputError, match=r"in a side view, got 0\.0 s"):
        measure_stance(_front(), view="side")
    short = make_sequence(FRONT_POSE, front_camera(), n_frames=75).sequence  # 2.5 s
    assert any("only 2.5 s" in w for w in measure_stance(short).warnings)


def test_helpers_have_the_documented_shapes() -> None:
    seq = _front(jitter=0.0)
    lengths = segment_lengths(seq.image_xy)
    assert set(lengths) == {"left_thigh", "right_thigh", "left_shank", "right_shank", "trunk"}
    assert all(v.shape == (seq.n_frames,) for v in lengths.values())
    assert stature_px(seq.image_xy).shape == (seq.n_frames,)
    with pytest.raises(ValueError, match=r"shape \(T, 33, 2 or 3\)"):
        segment_lengths(np.zeros((3, 17, 2)))


# ============================================================================ merging and files


def test_views_merge_and_segments_prefer_the_front_view() -> None:
    baseline = _baseline()
    assert set(baseline.views) == {"front", "side"}
    assert baseline.segments_view == "front"
    assert baseline.height_cm == 175.0
    assert baseline.reference_angle("pelvic_obliquity") == pytest.approx(2.0, abs=0.1)
    assert baseline.reference_angle("trunk_inclination") == pytest.approx(6.0, abs=0.3)
    assert baseline.reference_angle("knee_flexion") is None
    again = update_baseline(baseline, "anna", measure_stance(_front(), view="front"))
    assert again.created == baseline.created and again.height_cm == 175.0


def test_baseline_toml_round_trip(calibration_folder: Path) -> None:
    baseline = _baseline()
    path = save_baseline(baseline)
    assert path == calibration_folder / "person_anna.toml" == baseline_path("anna")
    loaded = load_baseline("anna")
    assert loaded == baseline
    assert list_baselines() == ["anna"]
    assert "[views.front.angles_deg]" in path.read_text()


def test_missing_or_bad_baselines_raise_input_error(calibration_folder: Path) -> None:
    with pytest.raises(InputError, match=r"no baseline for person 'bob' .*known: none yet"):
        load_baseline("bob")
    calibration_folder.mkdir(parents=True, exist_ok=True)
    (calibration_folder / "person_bob.toml").write_text('format = "hipsight.calibration"\n')
    with pytest.raises(InputError, match=r"expected format 'hipsight\.baseline'"):
        load_baseline("bob")
    with pytest.raises(InputError, match="reserved"):
        baseline_path("default")


def test_relative_to_baseline() -> None:
    baseline = _baseline()
    reference = baseline.reference_angle("pelvic_obliquity")
    assert reference is not None
    assert relative_to_baseline([reference + 3.0], baseline, "pelvic_obliquity") == pytest.approx(
        [3.0]
    )
    with pytest.raises(KeyError, match="no reference for 'knee_flexion'"):
        relative_to_baseline([1.0], baseline, "knee_flexion")


# ============================================================================ implausible frames


def _with_bad_knee(seq: PoseSequence, frames: slice, world: bool) -> PoseSequence:
    """Move the left knee to where the ankle is (a typical landmark swap) in some frames."""
    xy = seq.image_xy.copy()
    xy[frames, lm.LEFT_KNEE] = xy[frames, lm.LEFT_ANKLE] + [0.0, -20.0]
    out = seq.with_image_xy(xy, "bad knee")
    if world:
        xyz = seq.world_xyz.copy()
        xyz[frames, lm.LEFT_KNEE] = xyz[frames, lm.LEFT_ANKLE] + [0.0, -0.03, 0.0]
        out = PoseSequence.from_arrays(
            out.t, out.image_xy, out.meta, xyz, out.visibility, out.presence
        )
    return out


@pytest.mark.parametrize("variant", ["2d", "3d", "auto"])
def test_implausible_frames_flag_exactly_the_broken_frames(variant: str) -> None:
    baseline = _baseline()
    seq = _with_bad_knee(_front(jitter=1.0), slice(30, 35), world=True)
    flagged = implausible_frames(seq, baseline, variant=variant)  # type: ignore[arg-type]
    assert flagged.shape == (seq.n_frames,)
    assert flagged[30:35].all()
    assert flagged.sum() == 5


def test_movement_with_constant_segments_is_not_flagged() -> None:
    baseline = _baseline()
    t = time_axis(3.0)
    knee = sinusoid(t, 0.0, 100.0, 1.5)
    squat = Pose(
        left_hip_flexion_deg=knee / 1.2,
        right_hip_flexion_deg=knee / 1.2,
        left_knee_flexion_deg=knee,
        right_knee_flexion_deg=knee,
    )
    side = make_sequence(squat, side_camera("left"), t=t, jitter_px=1.0).sequence
    assert not implausible_frames(side, baseline, variant="2d").any()  # segments in the image plane
    front = make_sequence(squat, front_camera(), t=t, jitter_px=1.0).sequence
    assert not implausible_frames(front, baseline, variant="3d").any()  # world lengths stay


def test_frames_without_landmarks_are_not_flagged_and_auto_falls_back_to_2d() -> None:
    baseline = _baseline()
    seq = with_nan_gap(_front(), 10, 20)
    assert not implausible_frames(seq, baseline).any()
    image_only = PoseSequence.from_arrays(seq.t, seq.image_xy, seq.meta)  # world landmarks NaN
    broken = _with_bad_knee(image_only, slice(40, 42), world=False)
    assert implausible_frames(broken, baseline).sum() == 2
    with pytest.raises(ValueError, match=r"tolerance must be in \(0, 1\)"):
        implausible_frames(seq, baseline, tolerance=1.5)
