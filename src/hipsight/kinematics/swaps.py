"""Repair short bursts of swapped left/right labels, before any angle is computed.

MediaPipe sometimes exchanges a left and a right landmark (a knee, a foot, or the whole side)
for a few frames. An angle computed on such frames measures the other leg; a single-leg hold
is cut short, a rep or a stride is split. This module finds those bursts and swaps the labels
back, in every array (``image_xy``, ``world_xyz``, ``visibility``, ``presence``).

Method (all frames at once, per landmark group: face, shoulders, arms, hips, knees, feet):

1. **Continuity.** Between consecutive frames, the *keep* cost is how far each side moved
   (left to left, right to right) and the *swap* cost how far it is from each side to the other
   side of the frame before. A **transition** is a frame where the swap cost is below
   :data:`SWAP_RATIO` of the keep cost *and* the labels jumped by more than :data:`MIN_JUMP`
   torso lengths per landmark pair: a real limb does not teleport to where its twin was. Image
   coordinates decide; world coordinates must not contradict. Where the image cannot tell the
   sides apart (they overlap, e.g. the hips in a side view), the world coordinates may decide on
   their own with the same rule.
2. **Parity.** Counting transitions gives each frame's label state. Within a stretch of
   connected frames (a gap longer than :data:`COMPARE_ACROSS_S` breaks it: continuity says
   nothing across it; a shorter one is bridged, the frames either side compared with the
   velocity carried over it), the state held by most frames is the true one; the other
   state's frames are bursts.
3. **Bursts.** A burst up to ``max_burst_s`` long is swapped back; the minority stretches on
   both sides of a gap up to :data:`MAX_BRIDGE_S` that run into and out of it are one burst
   (dropped frames inside a swap). It is **ambiguous** when it is longer, when neither state
   clearly holds most of its stretch, or when swapping it back makes the body's own segment
   lengths (thigh, shank, foot, upper arm, forearm, trunk side) fit worse than before: then its
   landmarks become missing (NaN) in those frames, never a guess.
4. **The body mirror.** MediaPipe often mirrors the whole body at once. Over each repaired burst
   of a limb group, every group votes with its own transitions at the burst's two ends (within
   :data:`END_FRAMES`): *mirrored* (a transition at both), *kept* (no transition, and its sides
   told apart at every frame there), *split* (mirrored at one end and kept at the other, or a
   transition inside) or *unknown* (its sides overlap there). When the upper limbs (shoulders,
   arms) and the lower limbs (knees, feet) both vote mirrored, a group whose labels were left
   as they are inside the burst and whose own vote is neither *kept* nor *split* (the hips in a
   side view, whose sides overlap and which may miss a transition) **follows the body**: it is
   swapped back too, subject to the segment-length check. When one end of the body votes
   mirrored and the other split, such a group's frames there become missing. A mirror seen in
   the legs alone (legs crossing) leaves the other groups as they are.

Thresholds are fixed from the geometry, not tuned on data: a swap moves each label by twice the
distance between the sides, while noise (a few pixels) and even fast movements move it far less
than :data:`MIN_JUMP` torso lengths per frame and almost never onto the other side's place.

Limitation: a swap that starts and ends while the two sides overlap in the image and in depth
(legs passing each other in a side view) leaves no jump to see; it is not repaired. Such frames
give nearly the same angles for both labels.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.landmarks import (
    LEFT_HIP,
    LEFT_SHOULDER,
    N_LANDMARKS,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)
from hipsight.pose.sequence import PoseSequence
from hipsight.results import ProcessingStep

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

# Left/right landmark pairs, grouped by what MediaPipe tends to swap together.
SWAP_GROUPS: dict[str, tuple[tuple[int, int], ...]] = {
    "face": ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10)),
    "shoulders": ((11, 12),),
    "arms": ((13, 14), (15, 16), (17, 18), (19, 20), (21, 22)),
    "hips": ((23, 24),),
    "knees": ((25, 26),),
    "feet": ((27, 28), (29, 30), (31, 32)),
}
# Segments whose length checks a repair, as (a, b) on the LEFT side; the right twin is (a+1, b+1).
SEGMENTS: tuple[tuple[int, int], ...] = (
    (11, 13),  # upper arm
    (13, 15),  # forearm
    (11, 23),  # trunk side
    (23, 25),  # thigh
    (25, 27),  # shank
    (27, 29),  # ankle-heel
    (29, 31),  # foot
)
SWAP_RATIO = 0.5  # the swapped labels must fit at least twice as well as the kept ones ...
MIN_JUMP = 0.25  # ... and the kept labels must jump this many torso lengths per pair more
MAX_BURST_S = 1.0  # longer bursts are not repaired (their frames become missing)
MAX_BRIDGE_S = 0.25  # a burst may run through a gap (nobody found) up to this long: the gaps
# that the angles' gap filling bridges too (config.DEFAULTS.max_gap_s)
COMPARE_ACROSS_S = 0.1  # continuity compares the frames either side of gaps up to this long:
# over longer ones, legs passing each other in a stride look like a swap
MIN_MAJORITY = 2.0  # the true state must hold this many times the frames of the other
LENGTH_TOLERANCE = 0.05  # a repair may not worsen the mean relative segment-length error more
# The groups of one body mirror change labels within this many frames of its ends (on real
# video, a frame apart: the mirror reaches the shoulders a frame before the knees, or after).
END_FRAMES = 2
UPPER = ("shoulders", "arms")  # the body's two ends, whose votes decide a body mirror
LOWER = ("knees", "feet")
MIRRORED, KEPT, SPLIT, UNKNOWN = "mirrored", "kept", "split", "unknown"
FOLLOWS_BODY = "follows the body's mirror"


@dataclass(frozen=True)
class Burst:
    """Frames ``start:stop`` in which group ``group``'s labels were swapped (or are ambiguous)."""

    group: str
    start: int
    stop: int
    ambiguous: bool
    reason: str = ""


@dataclass(frozen=True)
class SwapRepair:
    """What :func:`find_side_swaps` found: the bursts and the per-frame masks."""

    bursts: tuple[Burst, ...]
    repaired: BoolArray  # (T, 33) labels swapped back
    ambiguous: BoolArray  # (T, 33) labels made missing

    @property
    def frames_repaired(self) -> int:
        return int(self.repaired.any(axis=1).sum())

    @property
    def frames_ambiguous(self) -> int:
        return int((self.ambiguous.any(axis=1) & ~self.repaired.any(axis=1)).sum())


def repair_side_swaps(seq: PoseSequence, max_burst_s: float = MAX_BURST_S) -> PoseSequence:
    """Return ``seq`` with short left/right swap bursts swapped back and ambiguous ones missing.

    Records ``repair_side_swaps`` in the provenance with the frames repaired and made missing.
    """
    found = find_side_swaps(seq, max_burst_s)
    image_xy, world_xyz, visibility, presence = apply_repair(seq, found)
    groups = sorted({b.group for b in found.bursts if not b.ambiguous})
    step = ProcessingStep(
        "repair_side_swaps",
        {
            "frames_repaired": found.frames_repaired,
            "frames_ambiguous": found.frames_ambiguous,
            "bursts_repaired": sum(not b.ambiguous for b in found.bursts),
            "bursts_ambiguous": sum(b.ambiguous for b in found.bursts),
            "groups": ",".join(groups) if groups else "none",
            "max_burst_s": float(max_burst_s),
        },
    )
    return seq.with_landmarks(image_xy, world_xyz, visibility, presence, step)


def find_side_swaps(seq: PoseSequence, max_burst_s: float = MAX_BURST_S) -> SwapRepair:
    """Find the swap bursts of every landmark group (see the module docstring).

    Frames in which nobody was found, in gaps up to :data:`COMPARE_ACROSS_S`, are left out of
    the search, so that continuity reaches across them (the frames either side are compared,
    the velocity carried over the gap); longer gaps break it (see :func:`join_across_gaps`)."""
    if not max_burst_s > 0:
        raise ValueError(f"max_burst_s must be positive, got {max_burst_s}")
    n = seq.n_frames
    kept = bridged_frames(seq.detected, round(COMPARE_ACROSS_S * seq.fps))
    if len(kept) == n:
        bursts = search_bursts(seq, max_burst_s, None)
    else:
        steps = np.diff(kept, prepend=kept[0] - 1).astype(np.float64)
        found = search_bursts(seq.select_frames(kept), max_burst_s, steps)
        bursts = [in_video_frames(b, kept) for b in found]
    repaired = np.zeros((n, N_LANDMARKS), dtype=bool)
    ambiguous = np.zeros((n, N_LANDMARKS), dtype=bool)
    for burst in bursts:
        target = ambiguous if burst.ambiguous else repaired
        target[burst.start : burst.stop, group_columns(burst.group)] = True
    return SwapRepair(tuple(bursts), repaired, ambiguous)


def bridged_frames(detected: BoolArray, max_gap: int) -> IntArray:
    """The frames the search keeps: all but those of gaps (nobody found) up to ``max_gap``
    frames long between two detected frames."""
    drop = np.zeros(len(detected), dtype=bool)
    for start, stop in runs(~detected):
        if start > 0 and stop < len(detected) and stop - start <= max_gap:
            drop[start:stop] = True
    return np.flatnonzero(~drop)


def in_video_frames(burst: Burst, kept: IntArray) -> Burst:
    """A burst found among the ``kept`` frames, in the video's frame numbers (a bridged gap
    inside it is inside it)."""
    return dataclasses.replace(
        burst, start=int(kept[burst.start]), stop=int(kept[burst.stop - 1]) + 1
    )


def search_bursts(seq: PoseSequence, max_burst_s: float, steps: FloatArray | None) -> list[Burst]:
    """Steps 1-4 of the module docstring on frames taken as consecutive (``steps``: video
    frames between each and the one before, where gaps were bridged)."""
    n = seq.n_frames
    scales = (torso_length(seq.image_xy), torso_length(seq.world_xyz))
    if n < 3 or not np.isfinite(scales[0]):
        return []
    max_frames = max(1, round(max_burst_s * seq.fps))
    max_gap = round(MAX_BRIDGE_S * seq.fps)
    evidence = {
        group: (
            transitions(seq.image_xy, seq.world_xyz, pairs, scales, steps),
            linked_frames(seq.image_xy, pairs),
            leaning_frames(seq, pairs),
        )
        for group, pairs in SWAP_GROUPS.items()
    }
    bursts = group_bursts(evidence, np.zeros(n, dtype=bool), max_frames, max_gap)
    # A group whose sides overlap (the face in a side view) may miss one end of a burst that
    # the other groups saw: at the other groups' burst ends, leaning toward a swap is enough.
    ends = np.zeros(n + 1, dtype=bool)
    for burst in bursts:
        if not burst.ambiguous:
            ends[[burst.start, burst.stop]] = True
    if ends.any():
        bursts = group_bursts(evidence, ends[:n], max_frames, max_gap)
    tentative = [b for b in bursts if not b.ambiguous]
    fitted = [check_lengths(seq, b, tentative) for b in bursts]
    changes = group_changes(evidence, ends[:n])
    apart = {group: told_apart(seq, pairs, scales) for group, pairs in SWAP_GROUPS.items()}
    return follow_body(seq, fitted, changes, apart)


Evidence = dict[str, tuple[BoolArray, BoolArray, tuple[BoolArray, BoolArray]]]


def group_changes(evidence: Evidence, ends: BoolArray) -> dict[str, BoolArray]:
    """(T,) per group: its transitions; at ``ends`` frames a lean toward a swap is one."""
    return {group: jumps | (ends & leaning) for group, (jumps, _, (leaning, _)) in evidence.items()}


def group_bursts(
    evidence: Evidence, ends: BoolArray, max_frames: int, max_gap: int = 0
) -> list[Burst]:
    """Every group's bursts; at ``ends`` frames a group's lean toward a swap is a transition."""
    bursts: list[Burst] = []
    changes = group_changes(evidence, ends)
    for group, (_, linked, (_, unsteady)) in evidence.items():
        changed = changes[group]
        bursts.extend(bursts_of(group, changed, linked, unsteady & ~changed, max_frames, max_gap))
    return bursts


def told_apart(
    seq: PoseSequence, pairs: tuple[tuple[int, int], ...], scales: tuple[float, float]
) -> BoolArray:
    """(T,) frames where the image or the world tells the group's two sides apart from the frame
    before (:func:`jump_verdict`): there a swap would have shown as a jump."""
    apart = jump_verdict(seq.image_xy, pairs, scales[0])[2]
    if np.isfinite(scales[1]):
        apart = apart | jump_verdict(seq.world_xyz, pairs, scales[1])[2]
    return np.asarray(apart)


def end_windows(start: int, stop: int, n: int) -> tuple[slice, slice, slice]:
    """Frames around a burst's start, strictly inside it, around its stop (transition indices).

    Each end's window reaches :data:`END_FRAMES` either side of it, but no further than the
    burst's middle, so a short burst's two windows never share a frame.
    """
    middle = start + (stop - start + 1) // 2
    head_stop = min(start + END_FRAMES + 1, middle)
    tail_start = max(stop - END_FRAMES, middle)
    return (
        slice(max(0, start - END_FRAMES), head_stop),
        slice(head_stop, max(head_stop, tail_start)),
        slice(tail_start, min(n, stop + END_FRAMES + 1)),
    )


def end_state(changed: BoolArray, apart: BoolArray) -> str:
    """One end's verdict from its window: MIRRORED (an odd number of transitions), KEPT (none,
    and the sides told apart at every frame), UNKNOWN otherwise."""
    count = int(changed.sum())
    if count % 2 == 1:
        return MIRRORED
    if count == 0 and changed.size > 0 and bool(apart.all()):
        return KEPT
    return UNKNOWN


def vote(changed: BoolArray, apart: BoolArray, start: int, stop: int) -> str:
    """A group's own verdict on frames ``start:stop``: MIRRORED, KEPT, SPLIT or UNKNOWN."""
    head, inside, tail = end_windows(start, stop, len(changed))
    if changed[inside].any():
        return SPLIT
    ends = {end_state(changed[w], apart[w]) for w in (head, tail)}
    if ends in ({MIRRORED}, {KEPT}):
        return ends.pop()
    return SPLIT if ends == {MIRRORED, KEPT} else UNKNOWN


def side_vote(votes: dict[str, str], groups: tuple[str, ...]) -> str:
    """One end of the body: MIRRORED or KEPT when its groups agree (unknown ones aside), SPLIT
    when they disagree, UNKNOWN when none can tell."""
    seen = {votes[g] for g in groups} - {UNKNOWN}
    if SPLIT in seen or seen == {MIRRORED, KEPT}:
        return SPLIT
    return seen.pop() if seen else UNKNOWN


def body_verdict(votes: dict[str, str]) -> str | None:
    """What a burst means for the groups that follow: "repair" when both ends of the body are
    mirrored, "blank" when one is mirrored and the other split (or both are split), ``None``
    when no whole-body mirror is seen (the legs alone, say)."""
    sides = {side_vote(votes, UPPER), side_vote(votes, LOWER)}
    if sides == {MIRRORED}:
        return "repair"
    if sides <= {MIRRORED, SPLIT}:
        return "blank"
    return None


def follow_body(
    seq: PoseSequence,
    bursts: list[Burst],
    changes: dict[str, BoolArray],
    apart: dict[str, BoolArray],
) -> list[Burst]:
    """``bursts`` plus the bursts of the groups that follow a whole-body mirror (see the module
    docstring, step 4); repairs among them pass :func:`check_lengths` like any other."""
    handled = {g: np.zeros(seq.n_frames, dtype=bool) for g in SWAP_GROUPS}
    for burst in bursts:
        handled[burst.group][burst.start : burst.stop] = True
    spans = sorted(
        {(b.start, b.stop) for b in bursts if b.group in UPPER + LOWER and not b.ambiguous}
    )
    added: list[Burst] = []
    for start, stop in spans:
        votes = {g: vote(changes[g], apart[g], start, stop) for g in SWAP_GROUPS}
        verdict = body_verdict(votes)
        if verdict is None:
            continue
        for group in SWAP_GROUPS:
            if votes[group] in (KEPT, SPLIT):
                continue  # the group's own evidence decides
            untouched = ~handled[group][start:stop]
            for a, b in runs(untouched):
                reason = FOLLOWS_BODY if verdict == "repair" else "the body's groups disagree"
                added.append(Burst(group, start + a, start + b, verdict == "blank", reason))
            handled[group][start:stop] = True
    accepted = [b for b in bursts + added if not b.ambiguous]
    return bursts + [check_lengths(seq, b, accepted) for b in added]


def leaning_frames(
    seq: PoseSequence, pairs: tuple[tuple[int, int], ...]
) -> tuple[BoolArray, BoolArray]:
    """(T,) each: frames whose labels lean toward a swap from the frame before (image and
    world agree, where the world exists); and those that lean by half a :data:`MIN_JUMP` in the
    image (:func:`unsteady_frames`)."""
    scale = torso_length(seq.image_xy)
    keep, swap, _ = side_costs(seq.image_xy, pairs)
    world_keep, world_swap, world_count = side_costs(seq.world_xyz, pairs)
    with np.errstate(invalid="ignore"):
        leaning = (swap < keep) & ((world_count == 0) | (world_swap < world_keep))
    return np.asarray(leaning), unsteady_frames(seq.image_xy, pairs, scale)


def apply_repair(
    seq: PoseSequence, found: SwapRepair
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The four landmark arrays with repaired labels swapped back and ambiguous ones NaN."""
    order = swap_order(found.repaired)
    rows = np.arange(seq.n_frames)[:, None]
    arrays = [
        np.array(a[rows, order], dtype=np.float64)
        for a in (seq.image_xy, seq.world_xyz, seq.visibility, seq.presence)
    ]
    for a in arrays:
        a[found.ambiguous] = np.nan
    return arrays[0], arrays[1], arrays[2], arrays[3]


def swap_order(swapped: BoolArray) -> IntArray:
    """(T, 33) landmark index to read for each label: its twin where ``swapped``."""
    twin = np.arange(N_LANDMARKS)
    for pairs in SWAP_GROUPS.values():
        for left, right in pairs:
            twin[left], twin[right] = right, left
    return np.where(swapped, twin[None, :], np.arange(N_LANDMARKS)[None, :])


def group_columns(group: str) -> list[int]:
    """Both sides' landmark indices of a group."""
    return [i for pair in SWAP_GROUPS[group] for i in pair]


def torso_length(points: FloatArray) -> float:
    """Median torso length (mid-shoulder to mid-hip) over the frames, in the points' units."""
    shoulders = points[:, [LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=1)
    hips = points[:, [LEFT_HIP, RIGHT_HIP]].mean(axis=1)
    lengths = np.linalg.norm(shoulders - hips, axis=-1)
    lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
    return float(np.median(lengths)) if lengths.size else float("nan")


def side_costs(
    points: FloatArray,
    pairs: tuple[tuple[int, int], ...],
    predicted: bool = False,
    steps: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per transition t-1 -> t (index t; the first frames are NaN): keep cost, swap cost, pairs.

    Keep: distance of each label to where the same label was (``predicted``: where it would be
    at constant velocity, ``2 x[t-1] - x[t-2]`` for evenly spaced frames); swap: to where its
    twin was. Sums over the pairs seen in the frames compared; NaN where none was. ``steps``
    (T,): video frames from frame t-1 to frame t, where frames were left out (a bridged gap),
    so that the velocity is carried over the gap.
    """
    left = points[:, [a for a, _ in pairs]]
    right = points[:, [b for _, b in pairs]]
    lag = 2 if predicted else 1
    ratio = None if steps is None else (steps[2:] / steps[1:-1])[:, None, None]

    def before(a: FloatArray) -> FloatArray:
        if not predicted:
            return a[:-1]
        if ratio is None:
            return a[1:-1] * 2 - a[:-2]
        return a[1:-1] + (a[1:-1] - a[:-2]) * ratio

    def step(a: FloatArray, b: FloatArray) -> FloatArray:
        return np.asarray(np.linalg.norm(a[lag:] - before(b), axis=-1))

    keep = step(left, left) + step(right, right)
    swap = step(left, right) + step(right, left)
    seen = np.isfinite(keep) & np.isfinite(swap)
    count = seen.sum(axis=1).astype(float)
    keep_sum = np.where(count > 0, np.where(seen, keep, 0.0).sum(axis=1), np.nan)
    swap_sum = np.where(count > 0, np.where(seen, swap, 0.0).sum(axis=1), np.nan)
    pad = np.full(lag, np.nan)
    return (
        np.concatenate([pad, keep_sum]),
        np.concatenate([pad, swap_sum]),
        np.concatenate([np.zeros(lag), count]),
    )


def jump_verdict(
    points: FloatArray, pairs: tuple[tuple[int, int], ...], scale: float, predicted: bool = False
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """(T,) each: the labels clearly swapped; clearly kept; the sides told apart at all.

    Told apart: the keep and swap costs differ by more than :data:`MIN_JUMP` torso lengths per
    pair. Swapped: told apart in favour of the swap, which also fits :data:`SWAP_RATIO` better.
    """
    keep, swap, count = side_costs(points, pairs, predicted)
    with np.errstate(invalid="ignore", divide="ignore"):
        jump = (keep - swap) / (np.maximum(count, 1.0) * scale)
        swapped = (swap < SWAP_RATIO * keep) & (jump > MIN_JUMP)
        kept = jump < -MIN_JUMP
    return np.asarray(swapped), np.asarray(kept), np.asarray(np.abs(jump) > MIN_JUMP)


def label_jumps(
    points: FloatArray,
    pairs: tuple[tuple[int, int], ...],
    scale: float,
    steps: FloatArray | None = None,
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """:func:`jump_verdict` on positions, vetoed where the velocities favour "kept".

    Two limbs passing each other fast (legs in a scissor kick) exchange places between frames
    as a swap would, but each keeps its velocity; a real swap breaks both.
    """
    swapped, kept, apart = jump_verdict(points, pairs, scale)
    keep, swap, _ = side_costs(points, pairs, predicted=True, steps=steps)
    with np.errstate(invalid="ignore"):
        moving_on = keep <= swap
    return swapped & ~moving_on, kept, apart


def transitions(
    image_xy: FloatArray,
    world_xyz: FloatArray,
    pairs: tuple[tuple[int, int], ...],
    scales: tuple[float, float],
    steps: FloatArray | None = None,
) -> BoolArray:
    """(T,) True at frames whose labels are swapped relative to the frame before.

    The image decides unless the world clearly says the labels were kept; where the image
    cannot tell the sides apart, the world decides alone. ``steps``: see :func:`side_costs`.
    """
    image_swapped, _, image_apart = label_jumps(image_xy, pairs, scales[0], steps)
    if not np.isfinite(scales[1]):
        return image_swapped
    world_swapped, world_kept, _ = label_jumps(world_xyz, pairs, scales[1], steps)
    return np.asarray((image_swapped & ~world_kept) | (~image_apart & world_swapped))


def unsteady_frames(
    image_xy: FloatArray, pairs: tuple[tuple[int, int], ...], scale: float
) -> BoolArray:
    """(T,) frames whose labels lean toward a swap from the frame before (half the jump).

    Inside a real burst and right around it the labels move on steadily; labels that flicker
    there make the burst ambiguous.
    """
    keep, swap, count = side_costs(image_xy, pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        jump = (keep - swap) / (np.maximum(count, 1.0) * scale)
        return np.asarray((swap < keep) & (jump > MIN_JUMP / 2))


def linked_frames(image_xy: FloatArray, pairs: tuple[tuple[int, int], ...]) -> BoolArray:
    """(T,) True where frame t shares a seen pair with frame t-1 (continuity can compare them)."""
    return side_costs(image_xy, pairs)[2] > 0


def bursts_of(
    group: str,
    changed: BoolArray,
    linked: BoolArray,
    unsteady: BoolArray,
    max_frames: int,
    max_gap: int = 0,
) -> list[Burst]:
    """The minority-state stretches of each connected stretch of frames, as bursts.

    ``changed`` marks transitions, ``linked`` frames comparable with the one before,
    ``unsteady`` frames that lean toward a swap without being a transition. Two minority
    stretches either side of a gap of up to ``max_gap`` frames, the first running into the gap
    and the second out of it, are one burst (:func:`join_across_gaps`).
    """
    present = linked | np.concatenate([linked[1:], [False]])  # frames in some linked stretch
    stretch = np.cumsum(~linked)  # a new stretch starts wherever the link breaks
    state = np.cumsum(changed & linked) % 2
    n_stretches = int(stretch.max()) + 1
    counts = np.bincount(stretch[present] * 2 + state[present], minlength=2 * n_stretches)
    counts = counts.reshape(n_stretches, 2)
    true_state = np.argmax(counts, axis=1)
    clear = counts.max(axis=1) >= MIN_MAJORITY * counts.min(axis=1)
    minority = present & (state != true_state[stretch])
    out: list[Burst] = []
    for start, stop in join_across_gaps(runs(minority), linked, present, max_gap):
        both_ends_seen = bool(linked[start]) and stop < len(linked) and bool(linked[stop])
        if not (clear[stretch[start]] and clear[stretch[stop - 1]]):
            out.append(Burst(group, start, stop, True, "no clear majority state"))
        elif stop - start > max_frames:
            out.append(Burst(group, start, stop, True, f"longer than {max_frames} frames"))
        elif not both_ends_seen:
            out.append(Burst(group, start, stop, True, "one end not seen (clip edge or gap)"))
        elif unsteady[max(0, start - 1) : stop + 2].any():
            out.append(Burst(group, start, stop, True, "labels flicker around it"))
        else:
            out.append(Burst(group, start, stop, False))
    return out


def join_across_gaps(
    pieces: list[tuple[int, int]], linked: BoolArray, present: BoolArray, max_gap: int
) -> list[tuple[int, int]]:
    """Minority runs joined across a short gap: a run that ends where a gap begins and the next
    that starts where it ends, the gap at most ``max_gap`` frames, become one run from the first
    one's start to the second one's stop.

    Each is swapped against its own stretch's majority, so the labels are swapped on both sides
    of the gap; apart, each had an unseen end and was made missing (a dropped frame inside a
    swap cut a 10 s single-leg hold to 5.1 s). Joined, both ends are seen. The gap's frames hold
    no landmarks, so what happened there does not matter.
    """
    out: list[tuple[int, int]] = []
    for start, stop in pieces:
        if out:
            previous_start, previous_stop = out[-1]
            gap = slice(previous_stop, start)
            if (
                0 < start - previous_stop <= max_gap
                and not linked[previous_stop]
                and not linked[start]
                and not present[gap].any()
            ):
                out[-1] = (previous_start, stop)
                continue
        out.append((start, stop))
    return out


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of True in a (T,) mask."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(
            np.flatnonzero(edges == 1).tolist(),
            np.flatnonzero(edges == -1).tolist(),
            strict=True,
        )
    )


def segment_error(points: FloatArray, reference: FloatArray) -> FloatArray:
    """(T,) mean relative error of the segment lengths of ``points`` against ``reference``."""
    left = np.array(SEGMENTS)
    ends = np.concatenate([left, left + 1])
    lengths = np.linalg.norm(points[:, ends[:, 0]] - points[:, ends[:, 1]], axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames without any segment
        return np.asarray(np.nanmean(np.abs(lengths / reference - 1.0), axis=1))


def check_lengths(seq: PoseSequence, burst: Burst, accepted: list[Burst]) -> Burst:
    """The burst, made ambiguous when swapping it back makes the segment lengths fit worse.

    Lengths come from the world landmarks where they exist (view-independent), else the image;
    the reference is each segment's median length in the frames around the burst, all accepted
    repairs applied.
    """
    if burst.ambiguous:
        return burst
    points = seq.world_xyz if np.isfinite(seq.world_xyz[burst.start : burst.stop]).any() else None
    points = seq.image_xy if points is None else points
    mask = np.zeros((seq.n_frames, N_LANDMARKS), dtype=bool)
    for other in accepted:
        mask[other.start : other.stop, group_columns(other.group)] = True
    rows = np.arange(seq.n_frames)[:, None]
    fixed = points[rows, swap_order(mask)]
    undone_mask = mask.copy()
    undone_mask[burst.start : burst.stop, group_columns(burst.group)] = False
    undone = points[rows, swap_order(undone_mask)]
    span = burst.stop - burst.start
    lo, hi = max(0, burst.start - 2 * span), min(seq.n_frames, burst.stop + 2 * span)
    around = np.r_[lo : burst.start, burst.stop : hi]
    if around.size == 0:
        return burst
    left = np.array(SEGMENTS)
    ends = np.concatenate([left, left + 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # segments never seen around the burst
        reference = np.nanmedian(
            np.linalg.norm(fixed[around][:, ends[:, 0]] - fixed[around][:, ends[:, 1]], axis=-1),
            axis=0,
        )
        sl = slice(burst.start, burst.stop)
        with_repair = float(np.nanmean(segment_error(fixed[sl], reference)))
        without = float(np.nanmean(segment_error(undone[sl], reference)))
    if (
        np.isfinite(with_repair)
        and np.isfinite(without)
        and with_repair > without + LENGTH_TOLERANCE
    ):
        return dataclasses.replace(
            burst,
            ambiguous=True,
            reason=f"segment lengths fit worse repaired ({with_repair:.2f} vs {without:.2f})",
        )
    return burst
