"""Shared fixtures for the protocol tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hipsight.findings.engine import grade
from hipsight.kinematics.angles import compute_angles
from hipsight.pose.sequence import PoseSequence
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import get_protocol
from hipsight.results import TestResult
from hipsight.samples.synthetic import SyntheticSequence

# ------------------------------------------------------ posture, hip_extension, thomas, gait


@pytest.fixture
def measure_synthetic() -> Callable[..., TestResult]:
    """Run one protocol on a synthetic sequence and grade it, as the pipeline does:
    ``measure_synthetic("gait", synthetic, side=...)``.

    Keyword arguments become :class:`MeasureContext` fields; ``asymmetry`` overrides limits.
    """

    def run(
        test_id: str,
        synthetic: SyntheticSequence | PoseSequence,
        asymmetry: dict[str, float] | None = None,
        **context: Any,
    ) -> TestResult:
        seq = synthetic.sequence if isinstance(synthetic, SyntheticSequence) else synthetic
        result = get_protocol(test_id).measure(seq, compute_angles(seq), MeasureContext(**context))
        assert result.findings == (), "protocols must not grade themselves"
        return grade(result, asymmetry, recording_s=seq.covered_s)

    return run


# ------------------------------ hip_rotation, bridge, single_leg_bridge, squat, single_leg_stance


@pytest.fixture
def assert_unmeasured() -> Callable[..., None]:
    """Check metrics are ``not_measurable``: no number, and a reason containing ``reason``.

    ``assert_unmeasured(result, "front view")`` checks every metric of the result;
    ``metrics=("knee_fppa",)`` only those.
    """

    def check(result: TestResult, reason: str, metrics: tuple[str, ...] | None = None) -> None:
        chosen = [m for m in result.metrics if metrics is None or m.metric in metrics]
        assert chosen, f"{result.test}: none of the metrics {metrics} were reported"
        for value in chosen:
            assert value.status == "not_measurable", value
            assert value.value is None, value
            assert reason.lower() in (value.reason or "").lower(), value.reason

    return check


@pytest.fixture
def assert_declaration_consistent() -> Callable[[str], None]:
    """Check a protocol's declaration against the registries it names: every norm exists, is for
    this test and this metric id (so findings are evaluated), and every angle is registered."""
    from hipsight.findings.engine import load_norms
    from hipsight.kinematics.angles import ANGLE_NAMES

    def check(test_id: str) -> None:
        protocol = get_protocol(test_id)
        norms = load_norms().norms
        for spec in protocol.metrics:
            if spec.norm is not None:
                norm = norms[spec.norm]
                assert (norm.test, norm.metric) == (protocol.id, spec.id), spec
        assert set(protocol.norms) <= {s.norm for s in protocol.metrics}
        assert set(protocol.angles) <= set(ANGLE_NAMES)
        assert protocol.key_angle in protocol.angles
        assert protocol.key_band[0] < protocol.key_band[1]

    return check
