"""Angle summary statistics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.summary import summarise_angles
from hipsight.samples.synthetic import Pose, make_sequence, ramp, side_camera


def test_summary_of_a_ramp() -> None:
    t = np.arange(101) / 30.0
    synth = make_sequence(
        Pose(left_knee_flexion_deg=ramp(t, 0.0, 100.0, 0.0, t[-1])), side_camera(), t=t
    )
    summary = summarise_angles(compute_angles(synth.sequence, cutoff_hz=None))
    knee = summary["left_knee_flexion"]
    assert knee["min"] == pytest.approx(0.0, abs=0.1)
    assert knee["max"] == pytest.approx(100.0, abs=0.1)
    assert knee["p5"] == pytest.approx(5.0, abs=0.2) and knee["p95"] == pytest.approx(95.0, abs=0.2)
    assert knee["range"] == pytest.approx(100.0, abs=0.2)
    assert knee["valid_fraction"] == 1.0
    assert knee["plane"] == "sagittal" and knee["view"] == "side"
