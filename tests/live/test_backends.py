"""The MediaPipe live backend's landmark slots, with scripted landmarkers (no model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hipsight.io.video import Frame
from hipsight.live.backends import MediaPipeBackend
from hipsight.models.store import ModelInfo
from hipsight.pose.census import CensusPlan
from hipsight.pose.estimator import FrameDetections
from scripted_landmarker import ScriptedLandmarker

FPS = 30.0
MODEL = ModelInfo(path=Path("scripted.task"), name="scripted", sha256="0" * 64, source="test")
RGB = np.zeros((480, 640, 3), dtype=np.uint8)


class Factory:
    """Makes scripted landmarkers for the backend and keeps them by slot count."""

    def __init__(self, counts: list[int]) -> None:
        self.counts = counts
        self.made: dict[int, ScriptedLandmarker] = {}

    def __call__(self, slots: int) -> ScriptedLandmarker:
        assert slots not in self.made, "one landmarker per slot count and worker"
        self.made[slots] = ScriptedLandmarker(self.counts, slots, FPS)
        return self.made[slots]


def feed(counts: list[int], **backend: object) -> tuple[Factory, list[FrameDetections]]:
    factory = Factory(counts)
    made = MediaPipeBackend(MODEL, make_estimator=factory, **backend)  # type: ignore[arg-type]
    detector = made.open_detector()
    frame = RGB.copy()
    frame[0, 0] = 1  # not black: only the warm-up frame is
    found = [detector.detect(Frame(i, i / FPS, frame)) for i in range(len(counts))]
    detector.close()
    assert all(m.entered and m.closed for m in factory.made.values())
    return factory, found


PLAN = CensusPlan(first_frames=10, census_frames=3, follow_s=1.0)


def test_one_person_in_view_is_followed_with_one_slot() -> None:
    factory, found = feed([1] * 90, max_people=2, workers=1, plan=PLAN)
    wide, narrow = factory.made[2], factory.made[1]
    assert wide.frames[0] == narrow.frames[0] == -1  # both loaded and warmed up
    inferred_wide, inferred_narrow = wide.frames[1:], narrow.frames[1:]
    # the first census (10 frames), then 1 s (30 frames) with one slot, a 3-frame census, ...
    assert inferred_wide == [*range(10), *range(40, 43), *range(73, 76)]
    assert inferred_narrow == [*range(10, 40), *range(43, 73), *range(76, 90)]
    assert len(inferred_narrow) / len(found) > 0.8
    assert [d.n_people for d in found] == [1] * 90


def test_two_people_in_view_keep_every_slot_and_are_both_handed_on() -> None:
    counts = [1] * 12 + [2] * 60
    factory, found = feed(counts, max_people=2, workers=1, plan=PLAN)
    wide, narrow = factory.made[2], factory.made[1]
    # followed alone from frame 10; the newcomer is seen at the next census (frame 40), and
    # every slot stays on from then on, so the subject choice sees both people every frame
    assert narrow.frames[1:] == list(range(10, 40))
    assert wide.frames[1:] == [*range(10), *range(40, 72)]
    assert [d.n_people for d in found[40:]] == [2] * 32


def test_max_people_one_or_every_slot_always_opens_one_landmarker() -> None:
    factory, _ = feed([1] * 20, max_people=1, workers=1)
    assert set(factory.made) == {1}
    assert factory.made[1].frames[1:] == list(range(20))
    factory, _ = feed([1] * 20, max_people=2, workers=1, on_demand=False)
    assert set(factory.made) == {2}
    assert factory.made[2].frames[1:] == list(range(20))


class Unloadable(ScriptedLandmarker):
    def __enter__(self) -> ScriptedLandmarker:
        raise RuntimeError("no model")


def test_a_landmarker_that_fails_to_load_closes_the_other() -> None:
    made: list[ScriptedLandmarker] = []

    def factory(slots: int) -> ScriptedLandmarker:
        made.append((Unloadable if slots == 1 else ScriptedLandmarker)([1], slots, FPS))
        return made[-1]

    with pytest.raises(RuntimeError, match="no model"):
        MediaPipeBackend(MODEL, max_people=2, make_estimator=factory).open_detector()
    wide = next(m for m in made if m.slots == 2)
    assert wide.entered and wide.closed


def test_the_one_slot_landmarker_is_loaded_and_warmed_up_before_the_first_frame() -> None:
    """Opening a landmarker mid-stream would stall the picture: both are ready at the start."""
    factory = Factory([2] * 5)
    MediaPipeBackend(MODEL, max_people=2, make_estimator=factory).open_detector()
    assert factory.made[1].entered and factory.made[1].frames == [-1]
    assert factory.made[2].entered and factory.made[2].frames == [-1]


def test_workers_share_what_their_censuses_saw() -> None:
    """Workers see alternate frames of one camera: a second person seen by one worker's census
    ends the other worker's follow at its next frame."""
    counts = [1] * 44 + [2] * 36
    made: list[ScriptedLandmarker] = []  # worker a's wide and narrow, then worker b's

    def factory(slots: int) -> ScriptedLandmarker:
        made.append(ScriptedLandmarker(counts, slots, FPS))
        return made[-1]

    backend = MediaPipeBackend(MODEL, max_people=2, workers=2, plan=PLAN, make_estimator=factory)
    a, b = backend.open_detector(), backend.open_detector()
    frame = RGB.copy()
    frame[0, 0] = 1
    for i in range(len(counts)):  # worker a alone at first, then the two take turns
        (a if i < 20 or i % 2 == 0 else b).detect(Frame(i, i / FPS, frame))
    wide_a, narrow_a, wide_b, narrow_b = (m.frames[1:] for m in made)
    # a: census 0-9, follows from 10 until 1 s later (frame 40), census from 42: two at 44
    assert narrow_a == [*range(10, 20), *range(20, 41, 2)]
    assert wide_a == [*range(10), *range(42, 80, 2)]
    # b: census 21-39, follows from 41 for 1 s, but a saw two people: every slot from 45 on
    assert narrow_b == [41, 43]
    assert wide_b == [*range(21, 40, 2), *range(45, 80, 2)]
    assert backend.crowd.is_set()
