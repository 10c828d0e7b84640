"""Tracker: identities survive crossings, duplicates are dropped, fragments are stitched."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.pose.estimator import FrameDetections
from hipsight.pose.tracking import choose_subject, drop_duplicates, track_people
from hipsight.samples import motions
from hipsight.samples.synthetic import Pose, make_sequence, side_camera, time_axis

T = 90


def _person(cx: float, height: float, phase: float) -> np.ndarray:
    """A 33-point stick figure centred at ``cx``, feet at y=400, legs swinging with ``phase``."""
    rng = np.random.default_rng(0)
    base = rng.uniform(-0.15, 0.15, size=(33, 2)) * height  # face/hands clutter
    xy = np.zeros((33, 2))
    xy[:] = base + np.array([cx, 400 - 0.8 * height])
    top, hip, knee, foot = 400 - height, 400 - 0.5 * height, 400 - 0.25 * height, 400.0
    for left, right, y in (
        (11, 12, top + 0.15 * height),
        (23, 24, hip),
        (25, 26, knee),
        (27, 28, foot),
        (29, 30, foot),
        (31, 32, foot),
    ):
        swing = 0.1 * height * np.sin(phase) * (y - hip) / height
        xy[left] = [cx + swing, y]
        xy[right] = [cx - swing, y]
    return xy


def _frames(people: list[list[np.ndarray | None]]) -> list[FrameDetections]:
    out = []
    for frame in people:
        present = [p for p in frame if p is not None]
        if not present:
            out.append(FrameDetections.empty())
            continue
        xy = np.stack(present)
        n = len(present)
        out.append(FrameDetections(xy, np.zeros((n, 33, 3)), np.ones((n, 33)), np.ones((n, 33))))
    return out


def _crossing() -> tuple[np.ndarray, list[FrameDetections]]:
    t = np.arange(T) / 30.0
    frames = []
    for i in range(T):
        a = _person(100 + 8 * i, 300, i / 3)  # walks right
        b = _person(800 - 8 * i, 240, i / 4 + 1)  # walks left, smaller, other gait
        frames.append([b, a] if i % 2 else [a, b])  # detection order changes every frame
    return t, _frames(frames)


def _track_x(tracks, k: int) -> np.ndarray:
    return np.nanmean(tracks.image_xy[:, k, [23, 24], 0], axis=1)


def test_identities_survive_a_crossing() -> None:
    t, dets = _crossing()
    tracks = track_people(t, dets)
    assert tracks.n_tracks == 2
    for k in range(2):
        x = _track_x(tracks, k)
        steps = np.diff(x[np.isfinite(x)])
        assert (steps > 0).all() or (steps < 0).all(), (
            "a track changed direction: identities switched"
        )
        assert np.isfinite(x).all()


def test_duplicate_detections_are_dropped() -> None:
    a = _person(300, 300, 0.0)
    dets = _frames([[a, a + 2.0, _person(700, 300, 1.0)]])[0]
    assert drop_duplicates(dets).n_people == 2


def test_dropouts_are_stitched_into_one_track() -> None:
    t = np.arange(T) / 30.0
    frames = [
        [None] if 30 <= i < 45 else [_person(100 + 6 * i, 300, i / 3)] for i in range(T)
    ]  # 0.5 s gap
    tracks = track_people(t, _frames(frames))
    assert tracks.n_tracks == 1
    assert tracks.seen[:, 0].sum() == T - 15


def test_subject_policies() -> None:
    t = np.arange(T) / 30.0
    frames = []
    for i in range(T):
        walker = _person(100 + 8 * i, 250, i / 3)
        still = _person(900, 320, 0.0) if i < 60 else None  # bigger, but leaves early
        frames.append([walker, still])
    tracks = track_people(t, _frames(frames))
    size = (1200, 600)
    moving, report = choose_subject(tracks, size, "moving")
    assert _track_x(tracks, moving)[-1] > 700
    largest, _ = choose_subject(tracks, size, "largest")
    assert largest != moving
    visible, _ = choose_subject(tracks, size, "visible")
    assert visible == moving  # the walker is fully visible in more frames
    assert report["n_people_tracked"] == 2 and len(report["candidates"]) == 2
    chosen, _ = choose_subject(tracks, size, str(largest))
    assert chosen == largest


def _two_standing(first: str, central_height: float = 300.0) -> list[FrameDetections]:
    """Two people fully visible all along: one off to the side, one central; ``first`` says which
    one the detector lists first."""
    frames = []
    for i in range(T):
        side = _person(250, 300, i / 5)
        centre = _person(600, central_height, i / 6 + 1)
        frames.append([side, centre] if first == "side" else [centre, side])
    return _frames(frames)


def test_fully_visible_people_are_chosen_by_prominence_not_detector_order() -> None:
    t = np.arange(T) / 30.0
    size = (1200, 600)
    chosen = []
    for first in ("side", "centre"):
        tracks = track_people(t, _two_standing(first))
        subject, report = choose_subject(tracks, size, "visible")
        chosen.append((subject, float(_track_x(tracks, subject)[0])))
        assert report["reason"] == "largest and most central of 2 fully visible people"
        # ids run left to right for people who appear together, whatever the detector's order
        assert [c["centre_x_px"] < 400 for c in report["candidates"]] == [True, False]
    assert chosen[0] == chosen[1] and chosen[0][1] == 600.0


def test_the_documented_criterion_decides_between_fully_visible_people() -> None:
    t = np.arange(T) / 30.0
    size = (1200, 600)
    # a clearly taller person off to the side wins over a small central one: body lengths
    # (3 x the torso) 315 and 158 px, so 315/600 - 0.5 * 350/1200 = 0.38 > 158/600 = 0.26
    tracks = track_people(t, _two_standing("centre", central_height=150.0))
    subject, report = choose_subject(tracks, size, "visible")
    facts = {c["id"]: c for c in report["candidates"]}
    assert facts[subject]["body_height_px"] > facts[1 - subject]["body_height_px"]
    assert facts[subject]["prominence"] > facts[1 - subject]["prominence"]
    assert facts[subject]["centre_offset"] == pytest.approx(abs(250 - 600) / 1200, abs=0.01)
    # the user's id overrides the rule
    other, override = choose_subject(tracks, size, str(1 - subject))
    assert other == 1 - subject and override["reason"].startswith("chosen by id")


@pytest.mark.parametrize("seed", range(4))
def test_a_person_standing_beside_a_lying_subject_is_not_chosen(seed: int) -> None:
    """A bridge filmed from the side (camera aimed at the subject), a second person standing still
    1.2 m beside them at the same distance, both fully visible throughout, the detector's order
    shuffled: the central subject is chosen. Before, prominence scored the body's height in the
    image, and a lying body is short, so the bystander was analysed in every recording."""
    t = time_axis(6.0)
    camera = side_camera(target=(0.0, 0.5, 0.0), distance_m=4.0)  # both fully in view
    lying = make_sequence(motions.bridge(t), camera, jitter_px=0.5).sequence
    beside = (0.0, 0.93, 0.0) + 1.2 * camera.rotation[0] * np.array([1.0, 0.0, 1.0])
    standing = make_sequence(Pose(pelvis_xyz=beside), camera, jitter_px=0.5, n_frames=len(t))
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(len(t)):
        people = [lying, standing.sequence]
        order = rng.permutation(2)
        xy = np.stack([people[i].image_xy[k] for i in order])
        frames.append(FrameDetections(xy, np.zeros((2, 33, 3)), np.ones((2, 33)), np.ones((2, 33))))
    tracks = track_people(t, frames)
    chosen, report = choose_subject(tracks, camera.image_size, "visible")
    np.testing.assert_allclose(tracks.image_xy[:, chosen], lying.image_xy)
    assert report["reason"] == "largest and most central of 2 fully visible people"


def test_moving_follows_the_walker_not_a_nearer_passer_by() -> None:
    """The subject walks across the whole clip; a larger passer-by (nearer the camera) crosses
    more of the image, faster, but only in the last two thirds. Before, ``moving`` ranked by hip
    travel in pixels and analysed the passer-by (the degradation sweep's gait recordings with a
    passer-by in front)."""
    t = np.arange(T) / 30.0
    frames = []
    for i in range(T):
        walker = _person(100 + 6 * i, 250, i / 3)
        passer = _person(50 + 12 * (i - 30), 350, i / 4 + 1) if i >= 30 else None
        frames.append([passer, walker] if i % 2 else [walker, passer])
    tracks = track_people(t, _frames(frames))
    chosen, report = choose_subject(tracks, (1200, 600), "moving")

    assert tracks.n_tracks == 2
    assert _track_x(tracks, chosen)[0] == pytest.approx(100.0, abs=1.0)  # the walker
    facts = {c["id"]: c for c in report["candidates"]}
    assert facts[chosen]["hip_travel_px"] < facts[1 - chosen]["hip_travel_px"]
    assert facts[chosen]["walking_s"] > facts[1 - chosen]["walking_s"] > 0
    assert report["reason"] == "walking across the view the longest of 2 people"


def test_moving_without_anyone_walking_across_goes_by_hip_travel() -> None:
    """On a treadmill nobody travels across the view: the most hip travel decides, as before."""
    t = np.arange(T) / 30.0
    frames = [
        [_person(300 + 10 * np.sin(i / 10), 250, i / 3), _person(800, 250, 0.0)] for i in range(T)
    ]
    tracks = track_people(t, _frames(frames))
    chosen, report = choose_subject(tracks, (1200, 600), "moving")

    assert _track_x(tracks, chosen)[0] == pytest.approx(300.0, abs=1.0)
    assert all(c["walking_s"] == 0 for c in report["candidates"])
    assert report["reason"] == "the most hip travel of 2 people"


def _many_fragments(n_people: int = 11) -> tuple[np.ndarray, list[FrameDetections]]:
    """``n_people`` people side by side, each seen in its own stretch of 20 frames."""
    t = np.arange(20 * n_people) / 30.0
    frames: list[list[np.ndarray | None]] = []
    for i in range(len(t)):
        k = i // 20
        frames.append([_person(100 + 300 * k, 200 + 10 * k, i / 3)])
    return t, _frames(frames)


def test_tracks_are_stored_per_person_and_read_back_densely() -> None:
    t, frames = _many_fragments()
    tracks = track_people(t, frames)
    assert tracks.n_tracks == 11
    assert sum(len(p.frames) for p in tracks.people) == len(t)  # only the frames seen are held
    dense = tracks.image_xy
    assert dense.shape == (len(t), 11, 33, 2)
    for k, person in enumerate(tracks.people):
        np.testing.assert_array_equal(dense[person.frames, k], person.image_xy)
        np.testing.assert_array_equal(tracks.dense([k]).image_xy[:, 0], dense[:, k])
        unseen = np.setdiff1d(np.arange(len(t)), person.frames)
        assert np.isnan(dense[unseen, k]).all()
    np.testing.assert_array_equal(tracks.seen, np.isfinite(dense).all(axis=3).any(axis=2))


def test_subject_facts_do_not_depend_on_how_many_tracks_are_read_at_once() -> None:
    """The facts are computed a block of tracks at a time; 11 tracks span two blocks of 8."""
    from hipsight.pose import tracking

    t, frames = _many_fragments()
    tracks = track_people(t, frames)
    blocked = tracking.describe_tracks(tracks, (3400, 500))
    block = tracks.dense()
    whole = tracking.track_facts(block, tracks.t, (3400, 500), tracking.MIN_VISIBILITY)
    assert len(blocked) == 11
    for k, facts in enumerate(blocked):
        assert facts["frames_fully_visible"] == int(whole[0]["visible"][k])
        assert facts["median_height_px"] == float(whole[0]["largest"][k])
        assert facts["prominence"] == tracking._rounded(whole[4][k], 4)
        assert facts["walking_s"] == round(float(whole[5][k]), 2)
