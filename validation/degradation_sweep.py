"""Degradation sweep: every protocol's synthetic recording, clean and degraded.

Degradations (landmark level, ``hipsight.samples.synthetic``): dropped frames (10 % in bursts of
1-6 frames), a 15-frame left/right swap, 3 px of landmark noise. Each degraded result is compared
with the clean one: a value is *within* when it is within its stated error of the clean value
(the metric's declared ``view_tolerance.max_error_deg``, else 5 deg, 0.25 s or the exact count),
*refused* when it is ``not_measurable`` with a reason, and *wrong* otherwise. Findings that
appear or disappear against the clean recording are counted too.

Run: ``python validation/degradation_sweep.py`` prints the table for docs/validation.md;
``tests/validation/test_degradation_sweep.py`` asserts the invariants (nothing wrong, no new
finding).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hipsight.findings.engine import grade
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.swaps import repair_side_swaps
from hipsight.protocols.base import MeasureContext
from hipsight.protocols.registry import get_protocol
from hipsight.results import MetricValue, TestResult
from hipsight.samples import motions
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    front_camera,
    make_sequence,
    side_camera,
    smooth_ramp,
    time_axis,
    with_dropped_frames,
    with_noise,
    with_swapped_sides,
)

FLOOR = (0.0, 0.3, 0.0)
CHAIR = (0.0, 0.6, 0.0)
STATED = {"deg": 5.0, "s": 0.25, "count": 0.0}


def clean_recordings() -> dict[str, SyntheticSequence]:
    """One short synthetic recording per protocol, in its own view and position."""
    t10, t12 = time_axis(10.0), time_axis(12.0)
    lift = smooth_ramp(t12, 0, 1, 2.0, 3.5) - smooth_ramp(t12, 0, 1, 9.0, 10.5)
    return {
        "posture": make_sequence(Pose(), side_camera(), n_frames=180, jitter_px=0.5),
        "squat": make_sequence(motions.squat(t10), side_camera(), jitter_px=0.5),
        "hip_extension": make_sequence(
            motions.standing_hip_extension(t10, "left", extension_deg=15.0),
            side_camera(),
            jitter_px=0.5,
        ),
        "bridge": make_sequence(
            motions.bridge(t12, profile=lift), side_camera(target=FLOOR), jitter_px=0.5
        ),
        "thomas": make_sequence(motions.thomas_test(t10), side_camera(), jitter_px=0.5),
        "hip_rotation": make_sequence(
            motions.seated_hip_rotation(t12), front_camera(target=CHAIR), jitter_px=0.5
        ),
        "single_leg_stance": make_sequence(
            motions.single_leg_stance(t10), front_camera(), jitter_px=0.5
        ),
    }


Degrade = Callable[[SyntheticSequence], SyntheticSequence]


def swapped(syn: SyntheticSequence) -> SyntheticSequence:
    middle = syn.sequence.n_frames // 2
    return with_swapped_sides(syn, middle, middle + 15)


DEGRADATIONS: dict[str, Degrade] = {
    "dropped 10 % (bursts 1-6)": lambda syn: with_dropped_frames(syn, 0.10, (1, 6), seed=4),
    "15-frame left/right swap": swapped,
    "3 px noise": lambda syn: with_noise(syn, 3.0, seed=5),
}


def measure(test_id: str, syn: SyntheticSequence) -> TestResult:
    """The pipeline's order: swap repair, angles, protocol, grading."""
    seq = repair_side_swaps(syn.sequence)
    result = get_protocol(test_id).measure(seq, compute_angles(seq), MeasureContext())
    return grade(result, recording_s=seq.duration_s)


def stated_error(test_id: str, value: MetricValue) -> float:
    spec = get_protocol(test_id).metric_spec(value.metric)
    if spec.view_tolerance is not None:
        return spec.view_tolerance.max_error_deg
    return STATED.get(value.unit, 5.0)


@dataclass(frozen=True)
class Outcome:
    within: int
    refused: int  # not measurable, with a reason, where the clean recording gave a value
    also_clean: int  # not measurable here and in the clean recording (other side, other view)
    wrong: list[str]
    appeared: list[str]
    disappeared: list[str]


def compare(test_id: str, clean: TestResult, degraded: TestResult) -> Outcome:
    """Degraded values against the clean ones, and the findings of both."""
    within, refused, also_clean, wrong = 0, 0, 0, []
    for value in degraded.metrics:
        reference = clean.metric(value.metric, value.side)
        if value.status == "not_measurable":
            if not value.reason:
                wrong.append(f"{value.metric} {value.side}: refused without a reason")
            elif reference.value is None:
                also_clean += 1
            else:
                refused += 1
            continue
        if reference.value is None or value.value is None:
            wrong.append(f"{value.metric} {value.side}: {value.value} where clean has none")
            continue
        error = abs(value.value - reference.value)
        if error <= stated_error(test_id, value) + 1e-9:
            within += 1
        else:
            wrong.append(f"{value.metric} {value.side}: {value.value} vs clean {reference.value}")
    found = {f.id for f in degraded.findings}
    expected = {f.id for f in clean.findings}
    return Outcome(
        within, refused, also_clean, wrong, sorted(found - expected), sorted(expected - found)
    )


def sweep() -> dict[tuple[str, str], Outcome]:
    out = {}
    for test_id, syn in clean_recordings().items():
        clean = measure(test_id, syn)
        for name, degrade in DEGRADATIONS.items():
            out[(test_id, name)] = compare(test_id, clean, measure(test_id, degrade(syn)))
    return out


def table(results: dict[tuple[str, str], Outcome]) -> str:
    lines = [
        "| protocol | degradation | within stated error | refused | wrong | findings +/- | "
        "refused clean too |",
        "|---|---|---|---|---|---|---|",
    ]
    for (test_id, name), o in results.items():
        total = max(o.within + o.refused + len(o.wrong), 1)
        lines.append(
            f"| `{test_id}` | {name} | {100 * o.within / total:.0f} % ({o.within}) | "
            f"{100 * o.refused / total:.0f} % ({o.refused}) | {len(o.wrong)} | "
            f"+{len(o.appeared)} / -{len(o.disappeared)} | {o.also_clean} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    results = sweep()
    print(table(results))
    for key, o in results.items():
        for line in o.wrong + [f"new finding {f}" for f in o.appeared]:
            print(key, line)
        for f in o.disappeared:
            print(key, "lost finding", f)
