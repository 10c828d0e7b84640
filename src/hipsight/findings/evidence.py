"""How much evidence a metric value rests on: valid reps (strides, rotation ends), hold, frames.

A norm declares the minimum it needs (``min_reps``, ``asymmetry_min_reps``, ``min_hold_s``,
``min_frames`` in ``norms.toml``). The count of valid reps comes from the value's own ``n_reps``
when the protocol set it, else from the result's segments: a segment counts for a metric when
its ``values`` carry the metric (``"knee_fppa"`` on a segment of that side, or
``"left_knee_fppa"`` on a segment without a side) with a number, and it is not marked invalid
(``"valid": 0`` or ``"counted": 0``). With no segment carrying the metric the count is unknown,
and a norm that needs reps is not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from hipsight.findings.norms import Norm
from hipsight.results import MetricValue, Segment, SideName
from hipsight.wording import count, plural, with_article

INVALID_FLAGS = ("valid", "counted")  # segment values that mark a rep as not counted when 0
ACRONYMS = {"fppa": "FPPA", "sd": "SD"}
COMPOUNDS = {"single leg": "single-leg"}  # adjectives written with a hyphen


def metric_label(metric: str) -> str:
    """A metric id in words: ``knee_fppa`` -> ``knee FPPA``, ``single_leg_hold_time`` ->
    ``single-leg hold time``."""
    words = " ".join(ACRONYMS.get(word, word) for word in metric.split("_"))
    for loose, joined in COMPOUNDS.items():
        words = words.replace(loose, joined)
    return words


def segment_keys(metric: str, side: SideName | None, segment: Segment) -> tuple[str, ...]:
    """The ``values`` keys under which ``segment`` may hold ``metric`` of ``side``."""
    if side is None:
        return (metric,)
    if segment.side == side:
        return (metric, f"{side}_{metric}")
    return (f"{side}_{metric}",) if segment.side is None else ()


def carrying(
    segments: Iterable[Segment], metric: str, side: SideName | None
) -> list[tuple[Segment, float | None]]:
    """The segments that carry ``metric`` of ``side``, each with its value there."""
    found = []
    for segment in segments:
        key = next((k for k in segment_keys(metric, side, segment) if k in segment.values), None)
        if key is not None:
            found.append((segment, segment.values[key]))
    return found


def is_counted(segment: Segment, value: float | None) -> bool:
    """A segment's value counts: a number, and the segment not flagged invalid."""
    return value is not None and all(segment.values.get(f, 1.0) != 0 for f in INVALID_FLAGS)


def count_reps(segments: Sequence[Segment], metric: str, side: SideName | None) -> int | None:
    """Valid reps (strides, holds, rotation ends) that carry the metric; None if none carry it."""
    found = carrying(segments, metric, side)
    if not found:
        return None
    return sum(is_counted(segment, value) for segment, value in found)


def longest_hold(segments: Sequence[Segment], metric: str, side: SideName | None) -> float | None:
    """The longest valid ``hold`` segment (seconds) carrying the metric; None if none does."""
    holds = [
        segment.t_stop - segment.t_start
        for segment, value in carrying(segments, metric, side)
        if segment.kind == "hold" and is_counted(segment, value)
    ]
    return max(holds) if holds else None


def with_rep_counts(
    values: Iterable[MetricValue], segments: Sequence[Segment]
) -> tuple[MetricValue, ...]:
    """The values with ``n_reps`` filled from the segments where the protocol left it unset."""
    return tuple(with_rep_count(value, segments) for value in values)


def with_rep_count(value: MetricValue, segments: Sequence[Segment]) -> MetricValue:
    """One value with ``n_reps`` counted from the segments, if unset and countable."""
    if value.n_reps is not None or value.status != "ok":
        return value
    n_reps = count_reps(segments, value.metric, value.side)
    return value if n_reps is None else replace(value, n_reps=n_reps)


def valid_count(n: int | None, word: str) -> str:
    """'1 valid rep', '2 valid strides', or that the number was not recorded."""
    if n is None:
        return f"number of valid {plural(word)} not recorded"
    return count(n, f"valid {word}")


def rep_word(segments: Sequence[Segment], value: MetricValue) -> str:
    """What the protocol's reps are called for this metric: rep, stride or rotation."""
    kinds = {segment.kind for segment, _ in carrying(segments, value.metric, value.side)}
    if kinds == {"stride"}:
        return "stride"
    if kinds == {"hold"}:
        return "hold"
    return "rep"


def shortfall(
    value: MetricValue,
    norm: Norm,
    segments: Sequence[Segment],
    *,
    min_reps: int,
) -> str | None:
    """What evidence ``value`` lacks for ``norm`` ("1 valid rep, needs 2"), or None if enough."""
    lacking = []
    if norm.min_frames and value.n_frames < norm.min_frames:
        lacking.append(
            f"{count(value.n_frames, 'valid frame')}, needs {count(norm.min_frames, 'frame')}"
        )
    if min_reps:
        n_reps = value.n_reps
        if n_reps is None or n_reps < min_reps:
            word = rep_word(segments, value)
            lacking.append(f"{valid_count(n_reps, word)}, needs {count(min_reps, word)}")
    if norm.min_hold_s:
        hold = longest_hold(segments, value.metric, value.side)
        if hold is None or hold < norm.min_hold_s:
            have = "no hold recorded" if hold is None else with_article(f"{hold:.1f} s hold")
            lacking.append(f"{have}, needs {norm.min_hold_s:g} s")
    return "; ".join(lacking) or None


def deficit_note(value: MetricValue, why: str) -> str:
    side = f"{value.side} " if value.side else ""
    return f"{side}{metric_label(value.metric)} not compared with its norm: {why}"


def asymmetry_note(metric: str, why: dict[SideName, str]) -> str:
    texts = set(why.values())
    if len(why) == 2 and len(texts) == 1:
        text = next(iter(texts)).replace(", needs", " per side, needs", 1)
        return f"asymmetry of {metric_label(metric)} not assessed: {text}"
    parts = "; ".join(f"{side}: {text}" for side, text in why.items())
    return f"asymmetry of {metric_label(metric)} not assessed: {parts}"
