"""Swapped left/right labels no longer cut holds, reps or strides (issue 14): through
``analyse_sequence``, which repairs the swaps before any angle, against the same clip measured
with and without the swap."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.analysis import AnalysisOptions, analyse_sequence
from hipsight.findings.engine import grade
from hipsight.kinematics.angles import compute_angles
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import get_protocol
from hipsight.results import TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Pose,
    front_camera,
    make_sequence,
    side_camera,
    sinusoid,
    smooth_ramp,
    time_axis,
    with_swapped_sides,
)

LEGS = tuple(range(lm.LEFT_KNEE, lm.RIGHT_FOOT_INDEX + 1))
FPS = 30.0


def analysed(seq: PoseSequence, test: str) -> TestResult:
    analysis = analyse_sequence(seq, AnalysisOptions(test=test, calibration="none"))
    assert analysis.result is not None
    return analysis.result


def unrepaired(seq: PoseSequence, test: str) -> TestResult:
    """The protocol on the raw labels: what hipsight measured before the repair."""
    return grade(get_protocol(test).measure(seq, compute_angles(seq), MeasureContext()))


def stance_hold() -> PoseSequence:
    """Standing on the left leg from 2 s to 15 s (right knee lifted), front view."""
    t = time_axis(17.0, FPS)
    up = smooth_ramp(t, 0.0, 1.0, 2.0, 2.4) - smooth_ramp(t, 0.0, 1.0, 15.0, 15.4)
    pose = Pose(right_hip_flexion_deg=30.0 * up, right_knee_flexion_deg=60.0 * up)
    return make_sequence(pose, front_camera(), fps=FPS, jitter_px=1.0).sequence


def test_a_swap_burst_in_a_single_leg_hold_neither_cuts_it_nor_makes_a_finding() -> None:
    clean = stance_hold()
    swapped = with_swapped_sides(clean, 240, 255, LEGS)  # 15 frames in the middle of the hold

    truth = analysed(clean, "single_leg_stance").metric("hold_time", "left").value
    broken = unrepaired(swapped, "single_leg_stance")
    result = analysed(swapped, "single_leg_stance")

    assert truth is not None and truth == pytest.approx(13.0, abs=0.3)
    broken_hold = broken.metric("hold_time", "left").value
    assert broken_hold is None or broken_hold < truth - 2.0  # the bug this repairs
    assert result.metric("hold_time", "left").value == pytest.approx(truth, abs=2 / FPS)
    assert result.findings == ()


def test_a_swap_burst_in_a_squat_keeps_every_rep() -> None:
    t = time_axis(10.0, FPS)
    clean = make_sequence(motions.squat(t), front_camera(), fps=FPS, jitter_px=1.0).sequence
    swapped = with_swapped_sides(clean, 100, 115, None)  # the whole side, mid-descent

    want = analysed(clean, "squat")
    got = analysed(swapped, "squat")

    assert got.metric("rep_count").value == want.metric("rep_count").value == 3
    assert [(s.t_start, s.t_stop) for s in got.segments] == [
        (s.t_start, s.t_stop) for s in want.segments
    ]
    assert {f.id for f in got.findings} == {f.id for f in want.findings}


def test_a_swap_burst_in_a_walk_keeps_every_stride() -> None:
    t = time_axis(6.0, FPS)
    pose = Pose(
        left_hip_flexion_deg=sinusoid(t, 25.0, -15.0, 1.0),
        right_hip_flexion_deg=sinusoid(t, 25.0, -15.0, 1.0, 180.0),
        left_knee_flexion_deg=sinusoid(t, 5.0, 60.0, 1.0, -79.0),
        right_knee_flexion_deg=sinusoid(t, 5.0, 60.0, 1.0, 101.0),
    )
    clean = make_sequence(pose, side_camera("left"), fps=FPS, jitter_px=1.0).sequence
    swapped = with_swapped_sides(clean, 80, 92, LEGS)

    want = analysed(clean, "gait")
    got = analysed(swapped, "gait")

    for side in ("left", "right"):
        assert got.metric("strides", side).value == want.metric("strides", side).value
        assert got.metric("peak_hip_extension", side).value == pytest.approx(
            want.metric("peak_hip_extension", side).value, abs=0.2
        )
    steps = {
        s.name: s.params for s in analyse_sequence(swapped, AnalysisOptions()).angles.provenance
    }
    assert steps["repair_side_swaps"]["frames_repaired"] == 12
    assert np.isfinite(steps["repair_side_swaps"]["max_burst_s"])
