"""A whole-body mirror repairs the group whose sides overlap (the hips in a side view) with the rest
of the body; a mirror of the legs alone does not touch it; a body that disagrees with itself makes
it missing.

The figure is made by hand, checkable without the generator: a person standing still, seen
slightly from the front of a side view, image landmarks only (no world landmarks, so the image
alone decides), no noise. Each left landmark sits ``SPREAD_PX / 2`` to the right of its right twin
(40 px apart, 0.2 torso lengths), except the face and the hips. The face's sides overlap
everywhere. The hips overlap too, except while the pelvis turns toward the camera during the
body mirror (up to ``HIP_SPREAD_PX`` apart, smoothly): MediaPipe's labels swap there, but at both
ends of the swap the hips lie on each other, so they show no jump of their own.
"""

from __future__ import annotations

import numpy as np

from hipsight.kinematics.swaps import SWAP_GROUPS, find_side_swaps, repair_side_swaps
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence, SequenceMeta

FPS = 30.0
N = 90
MIRROR = (30, 45)  # frames whose labels MediaPipe mirrored (0.5 s)
SPREAD_PX = 40.0
HIP_SPREAD_PX = 30.0
TORSO_PX = 200.0
HIPS = [lm.LEFT_HIP, lm.RIGHT_HIP]
KNEES = [lm.LEFT_KNEE, lm.RIGHT_KNEE]
ARMS = [i for pair in SWAP_GROUPS["arms"] for i in pair]
ALL_PAIRS = [pair for pairs in SWAP_GROUPS.values() for pair in pairs]
LEG_PAIRS = [*SWAP_GROUPS["knees"], *SWAP_GROUPS["feet"]]
# (x, y) of each left/right pair's midpoint, pixels; y down, the person faces +x
MIDPOINTS = {
    "face": (330.0, 150.0),
    "shoulders": (300.0, 200.0),
    "arms": (305.0, 280.0),
    "hips": (300.0, 200.0 + TORSO_PX),
    "knees": (320.0, 500.0),
    "feet": (310.0, 590.0),
}


def hip_spread(frames: np.ndarray) -> np.ndarray:
    """(T,) hip distance in the image: 0, rising to HIP_SPREAD_PX mid-mirror, 0 at its ends."""
    start, stop = MIRROR
    phase = np.clip((frames - start) / (stop - start), 0.0, 1.0)
    return HIP_SPREAD_PX * np.sin(np.pi * phase) ** 2


def standing_person() -> PoseSequence:
    """The clean figure (module docstring): every label on its own side."""
    frames = np.arange(N, dtype=np.float64)
    xy = np.zeros((N, lm.N_LANDMARKS, 2))
    xy[:, lm.NOSE] = (340.0, 150.0)
    for group, pairs in SWAP_GROUPS.items():
        spread = {"face": np.zeros(N), "hips": hip_spread(frames)}.get(group, np.full(N, SPREAD_PX))
        for k, (left, right) in enumerate(pairs):
            x, y = MIDPOINTS[group]
            y += 6.0 * k  # landmarks of one group a little apart
            xy[:, left] = np.stack([x + spread / 2, np.full(N, y)], axis=1)
            xy[:, right] = np.stack([x - spread / 2, np.full(N, y)], axis=1)
    return PoseSequence.from_arrays(frames / FPS, xy, SequenceMeta(frame_size=(640, 720)))


def mirrored(
    seq: PoseSequence, start: int, stop: int, pairs: list[tuple[int, int]]
) -> PoseSequence:
    """``seq`` with the labels of ``pairs`` exchanged in frames ``start:stop`` (all four arrays)."""
    order = np.arange(lm.N_LANDMARKS)
    for left, right in pairs:
        order[left], order[right] = right, left
    arrays = []
    for a in (seq.image_xy, seq.world_xyz, seq.visibility, seq.presence):
        out = np.array(a)
        out[start:stop] = a[start:stop][:, order]
        arrays.append(out)
    return PoseSequence.from_arrays(
        seq.t, arrays[0], seq.meta, world_xyz=arrays[1], visibility=arrays[2], presence=arrays[3]
    )


def test_the_figure_is_as_described() -> None:
    xy = standing_person().image_xy
    assert np.allclose(xy[:, lm.LEFT_KNEE, 0] - xy[:, lm.RIGHT_KNEE, 0], SPREAD_PX)
    hips = xy[:, lm.LEFT_HIP, 0] - xy[:, lm.RIGHT_HIP, 0]
    start, stop = MIRROR
    assert hips[: start + 1].max() == 0.0 and hips[stop:].max() == 0.0
    assert abs(hips[(start + stop) // 2] - HIP_SPREAD_PX) < 1.0  # apart mid-mirror
    torso = np.linalg.norm(xy[:, 11:13].mean(axis=1) - xy[:, 23:25].mean(axis=1), axis=1)
    assert np.allclose(torso, TORSO_PX)


def test_whole_body_mirror_repairs_the_overlapping_hips_with_the_knees() -> None:
    clean = standing_person()
    swapped = mirrored(clean, *MIRROR, ALL_PAIRS)
    start, stop = MIRROR
    # the hips were mirrored where they were apart: left there, knee angles would use the other hip
    assert not np.array_equal(swapped.image_xy[start:stop, HIPS], clean.image_xy[start:stop, HIPS])

    repaired = repair_side_swaps(swapped)

    np.testing.assert_array_equal(repaired.image_xy, clean.image_xy)  # hips, knees, all of it
    hips = [b for b in find_side_swaps(swapped).bursts if b.group == "hips"]
    assert [(b.start, b.stop, b.ambiguous) for b in hips] == [(start, stop, False)]
    assert hips[0].reason == "follows the body's mirror"
    step = repaired.meta.provenance[-1]
    assert step.params["frames_repaired"] == stop - start
    assert step.params["frames_ambiguous"] == 0
    assert "hips" in step.params["groups"].split(",")


def test_legs_alone_swapped_leave_the_hips_untouched() -> None:
    """Legs crossing: the knees and feet swap labels, the upper body keeps its labels, so no
    body mirror is seen and the overlapping hips keep theirs. The same clip also holds a whole-body
    mirror, which the hips do follow."""
    clean = standing_person()
    legs = (60, 75)
    swapped = mirrored(mirrored(clean, *MIRROR, ALL_PAIRS), *legs, LEG_PAIRS)

    found = find_side_swaps(swapped)
    repaired = repair_side_swaps(swapped)

    np.testing.assert_array_equal(repaired.image_xy, clean.image_xy)
    # the hips overlap there, so the masks tell whether they were touched
    assert not (found.repaired | found.ambiguous)[legs[0] : legs[1], HIPS].any()
    assert found.repaired[legs[0] : legs[1], KNEES].all()
    hips = sorted((b.start, b.stop) for b in found.bursts if b.group == "hips")
    assert hips == [MIRROR]


def test_groups_that_disagree_make_the_overlapping_hips_missing() -> None:
    """The knees, feet and shoulders mirror, the arms keep their labels: whether the hips went with
    the mirror is not known, so their frames become missing, not left mirrored."""
    clean = standing_person()
    start, stop = MIRROR
    pairs = [p for p in ALL_PAIRS if p not in SWAP_GROUPS["arms"]]
    swapped = mirrored(clean, start, stop, pairs)

    repaired = repair_side_swaps(swapped)

    assert np.isnan(repaired.image_xy[start:stop, HIPS]).all()
    assert np.isnan(repaired.visibility[start:stop, HIPS]).all()
    # everything the groups decide themselves is repaired or kept as it was
    body = [i for i in range(lm.LEFT_SHOULDER, lm.N_LANDMARKS) if i not in HIPS]
    np.testing.assert_array_equal(repaired.image_xy[:, body], clean.image_xy[:, body])
    np.testing.assert_array_equal(repaired.image_xy[:start], clean.image_xy[:start])
    np.testing.assert_array_equal(repaired.image_xy[stop:], clean.image_xy[stop:])
    step = repaired.meta.provenance[-1]
    assert step.params["frames_repaired"] == stop - start  # shoulders, knees, feet
    hips = [b for b in find_side_swaps(swapped).bursts if b.group == "hips"]
    assert [(b.start, b.stop, b.ambiguous) for b in hips] == [(start, stop, True)]
    assert not np.isnan(repaired.image_xy[:, ARMS]).any()


def test_with_noise_the_hips_follow_the_body_or_go_missing_never_mirrored() -> None:
    """1 px of image noise, 10 draws: the overlapping hips may lean toward a swap at one end of
    the mirror and so take one transition of their own; still, inside the mirror they are swapped
    back, and outside it they are right or missing."""
    start, stop = MIRROR
    for seed in range(10):
        clean = standing_person()
        noise = np.random.default_rng(seed).normal(0.0, 1.0, clean.image_xy.shape)
        clean = PoseSequence.from_arrays(clean.t, clean.image_xy + noise, clean.meta)

        got = repair_side_swaps(mirrored(clean, start, stop, ALL_PAIRS)).image_xy[:, HIPS]

        want = clean.image_xy[:, HIPS]
        np.testing.assert_array_equal(got[start:stop], want[start:stop], err_msg=f"seed {seed}")
        assert ((got == want) | np.isnan(got)).all(), seed
