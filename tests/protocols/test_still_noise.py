"""Noise alone never makes a rep or a finding: every registered protocol, on a still person
with 3 px of landmark noise, filmed in the protocol's own view and position."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from hipsight.protocols.base import Protocol
from hipsight.protocols.registry import all_protocols
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
)

NOISE_PX = 3.0
DURATION_S = 12.0
FLOOR = (0.0, 0.3, 0.0)
CHAIR = (0.0, 0.6, 0.0)


def still_pose(protocol: Protocol, t: np.ndarray) -> tuple[Pose, tuple[float, float, float] | None]:
    """The protocol's starting position, held still, and where the camera aims (None: default)."""
    n = t.size
    if protocol.position == "lying":
        if protocol.id == "thomas":  # the test position itself, a normal (not tight) hip
            return motions.thomas_test(t), None
        return motions.bridge(t, profile=np.zeros(n)), FLOOR
    if protocol.position == "seated":
        return motions.seated_hip_rotation(t, internal_deg=0.0, external_deg=0.0), CHAIR
    return Pose(), None


def filmed_still(protocol: Protocol, seed: int) -> SyntheticSequence:
    t = time_axis(DURATION_S)
    pose, target = still_pose(protocol, t)
    aim = {} if target is None else {"target": target}
    camera: Camera = side_camera(**aim) if protocol.view == "side" else front_camera(**aim)
    return make_sequence(pose, camera, n_frames=t.size, jitter_px=NOISE_PX, seed=seed)


def reps_of(result: TestResult) -> list[str]:
    """Every rep, stride, lift or rotation the result counts: segments and count metrics."""
    found = [f"segment {s.kind} {s.index}" for s in result.segments if s.kind in ("rep", "stride")]
    found += [
        f"{m.metric} {m.side} = {m.value}"
        for m in result.metrics
        if m.unit == "count" and m.value not in (None, 0)
    ]
    return found


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("protocol", all_protocols(), ids=lambda p: p.id)
def test_noise_on_a_still_person_makes_no_rep_and_no_finding(
    measure_synthetic: Callable[..., TestResult], protocol: Protocol, seed: int
) -> None:
    result = measure_synthetic(protocol.id, filmed_still(protocol, seed))

    assert reps_of(result) == [], result.metrics
    assert [f.id for f in result.findings] == []
