"""The live picker's ``moving`` rule is the offline rule, judged on the last second."""

from __future__ import annotations

import numpy as np

from hipsight.live.subject import MIN_WALKING_S, RECENT_S, SubjectPicker
from hipsight.pose import landmarks as lm
from hipsight.pose.estimator import FrameDetections
from hipsight.pose.subject import body_length, walking_time

FRAME = (1280, 720)
FPS = 30.0


def person(cx: float, height: float = 500.0, top: float = 100.0) -> np.ndarray:
    """(33, 2): a standing stick figure, hips at ``cx``; its body length is 3 x its torso."""
    xy = np.zeros((lm.N_LANDMARKS, 2))
    xy[:, 0] = cx
    xy[:, 1] = np.linspace(top, top + height, lm.N_LANDMARKS)
    return xy


def frame(*people: np.ndarray) -> FrameDetections:
    xy = np.stack(people)
    n = len(people)
    ones = np.ones((n, lm.N_LANDMARKS))
    return FrameDetections(xy, np.zeros((n, lm.N_LANDMARKS, 3)), ones, ones)


def run(picker: SubjectPicker, frames: list[FrameDetections]) -> list[float]:
    """The hip x of the person picked in each frame (NaN: nobody)."""
    picked = []
    for k, dets in enumerate(frames):
        chosen = picker.pick(dets, k / FPS)
        picked.append(np.nan if chosen is None else float(chosen.image_xy[lm.LEFT_HIP, 0]))
    return picked


def test_a_walker_is_picked_over_a_larger_central_person_once_they_walk() -> None:
    """A smaller person walking across at 0.5 body lengths/s (offline: walking) takes over from
    the larger, central one within a second; before anyone walks, prominence decides."""
    walker_length = float(body_length(person(0.0, 300.0)))  # 3 x the torso
    speed = 0.5 * walker_length  # px per second
    frames = [
        frame(person(640.0), person(100.0 + speed * k / FPS, 300.0, 300.0)) for k in range(60)
    ]
    picked = run(SubjectPicker(FRAME, "moving"), frames)

    assert picked[0] == 640.0  # nobody has walked yet: the larger, central person
    switch = next(k for k, x in enumerate(picked) if x != 640.0)
    assert 0.5 <= switch / FPS <= 0.5 + MIN_WALKING_S + 2 / FPS
    assert all(x != 640.0 for x in picked[switch:])


def test_swaying_shuffling_and_a_treadmill_are_not_walking() -> None:
    """Hips swaying 15 px at 1 Hz, a shuffle sideways at 0.2 body lengths per second (the old
    live rule, 0.5 torso lengths of travel in a second, took it for walking), and a treadmill
    walker whose hips stay put never beat a still central person: offline none of them walks
    either."""
    t = np.arange(90) / FPS
    sway = 240.0 + 15.0 * np.sin(2 * np.pi * t)
    shuffle = 100.0 + 0.2 * float(body_length(person(0.0, 300.0))) * t
    frames = [
        frame(person(640.0), person(a, 300.0, 300.0), person(b, 300.0), person(1000.0, 300.0))
        for a, b in zip(sway, shuffle, strict=True)
    ]
    picked = run(SubjectPicker(FRAME, "moving"), frames)
    assert set(picked) == {640.0}

    xy = np.stack([f.image_xy for f in frames])
    np.testing.assert_array_equal(walking_time(xy, t), [0.0, 0.0, 0.0, 0.0])


def test_live_and_offline_agree_on_who_walks_in_the_last_second() -> None:
    """Two people walk across; the first stops after 0.6 s. The live picker keeps the walker it
    chose while they walk (no flicker), then takes the other, and at the end its pick is the one
    the offline rule ranks first over the last second."""
    length = float(body_length(person(0.0, 400.0)))
    t = np.arange(round(2.0 * FPS)) / FPS
    first = 900.0 - 0.6 * length * np.minimum(t, 0.6)
    second = 200.0 + 0.6 * length * np.clip(t - 0.3, 0.0, None)  # sets off 0.3 s later
    frames = [frame(person(a, 400.0), person(b, 400.0)) for a, b in zip(first, second, strict=True)]

    picked = run(SubjectPicker(FRAME, "moving"), frames)
    last = t >= t[-1] - RECENT_S
    offline = walking_time(np.stack([f.image_xy for f in frames])[last], t[last])

    assert picked[round(0.8 * FPS)] == first[round(0.8 * FPS)]  # kept while it still walked
    assert offline[1] > offline[0] == 0.0
    assert picked[-1] == second[-1]


def test_a_walker_missing_from_every_third_frame_is_still_found() -> None:
    """The detector misses the walker in every third frame: the last second's hips are then
    unevenly spaced in time, and the walker is still found."""
    length = float(body_length(person(0.0, 300.0)))
    frames = []
    for k in range(60):
        walker = person(100.0 + 0.5 * length * k / FPS, 300.0, 300.0)
        frames.append(frame(person(640.0)) if k % 3 == 2 else frame(person(640.0), walker))
    picked = run(SubjectPicker(FRAME, "moving"), frames)
    seen_late = [x for k, x in enumerate(picked) if k >= FPS and k % 3 != 2]
    assert seen_late and 640.0 not in seen_late
