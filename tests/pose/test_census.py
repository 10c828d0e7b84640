"""Every landmark slot only while several people are seen (``pose/census.py``)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from hipsight.models.store import ModelInfo
from hipsight.pose.census import CensusPlan, FrameEstimator, OnDemandEstimator, open_estimator
from hipsight.pose.estimator import FrameDetections, PoseEstimator
from scripted_landmarker import ScriptedLandmarker

FRAME = np.ones((4, 4, 3), dtype=np.uint8)
FPS = 10.0  # the scripts' frame rate


def scripted(counts: list[int], slots: int) -> ScriptedLandmarker:
    return ScriptedLandmarker(counts, slots, FPS)


def run(counts: list[int], plan: CensusPlan) -> tuple[ScriptedLandmarker, ScriptedLandmarker, str]:
    """Feed the script at 10 fps; return both landmarkers and the mode of each frame (W/N)."""
    wide, narrow = scripted(counts, 2), scripted(counts, 1)
    modes = ""
    with OnDemandEstimator(wide, narrow, plan) as estimator:
        for i in range(len(counts)):
            before = len(wide.frames)
            estimator.detect(FRAME, i / FPS)
            modes += "W" if len(wide.frames) > before else "N"
    assert wide.closed
    assert narrow.closed == bool(narrow.entered)  # closed if it was ever created
    return wide, narrow, modes


PLAN = CensusPlan(first_frames=3, census_frames=2, follow_s=1.0)


def test_one_person_is_followed_with_one_slot_between_short_censuses() -> None:
    wide, narrow, modes = run([1] * 30, PLAN)
    # 3 census frames, then 1 s (10 frames at 10 fps) followed, a 2-frame census, and so on.
    assert modes == "WWW" + "N" * 10 + "WW" + "N" * 10 + "WW" + "NNN"
    # Every follow starts from a fresh detection: created for the first, reset for the others.
    assert narrow.entered == 1
    assert narrow.resets == modes.count("WN") - 1
    assert wide.resets == modes.count("NW")


def test_a_second_person_keeps_every_slot_for_the_rest_of_the_stream() -> None:
    counts = [1] * 5 + [2] * 10 + [1] * 30
    _, _, modes = run(counts, PLAN)
    # Followed with one slot from frame 3: the person who enters at frame 5 is looked for at
    # the next census (frame 13, 1 s later), and from then on every slot stays on.
    assert modes == "WWW" + "N" * 10 + "W" * 32


def test_a_person_who_comes_and_goes_between_censuses_is_not_seen() -> None:
    """The documented price of following: at most ``follow_s`` of a newcomer can be missed."""
    _, _, modes = run([1] * 5 + [2] * 3 + [1] * 10, PLAN)
    assert modes == "WWW" + "N" * 10 + "WW" + "NNN"


def test_two_people_from_the_start_never_switch_to_one_slot() -> None:
    _, narrow, modes = run([1, 2, 1, 1, 1, 1, 1, 1, 1, 1], PLAN)
    assert modes == "W" * 10
    assert narrow.frames == []
    assert narrow.entered == 0  # a crowded stream never even creates the one-slot landmarker


def test_the_narrow_landmarker_can_be_opened_before_the_stream() -> None:
    """The live loop opens it up front; every follow then starts with a reset, never a load."""
    counts = [1] * 30
    wide, narrow = scripted(counts, 2), scripted(counts, 1)
    with OnDemandEstimator(wide, narrow, PLAN) as estimator:
        assert estimator.open_narrow() is narrow
        assert estimator.open_narrow() is narrow  # opened once
        for i in range(len(counts)):
            estimator.detect(FRAME, i / FPS)
    assert narrow.entered == 1
    assert narrow.resets == 3  # the three follows of the one-person script above
    assert narrow.closed and wide.closed


def test_landmarkers_sharing_a_crowd_keep_every_slot_once_either_saw_several() -> None:
    crowd = threading.Event()
    wide, narrow = scripted([1] * 20, 2), scripted([1] * 20, 1)
    one = OnDemandEstimator(wide, narrow, PLAN, crowd)
    two = OnDemandEstimator(scripted([2] * 20, 2), scripted([2] * 20, 1), PLAN, crowd)
    for i in range(5):
        one.detect(FRAME, i / FPS)  # a lone person: followed from frame 3
    assert narrow.frames == [3, 4]
    two.detect(FRAME, 0.5)  # the other landmarker sees two people
    assert one.crowded
    for i in range(6, 10):
        one.detect(FRAME, i / FPS)
    assert narrow.frames == [3, 4]  # the follow ended at the next frame
    assert wide.frames[-4:] == [6, 7, 8, 9]
    one.reset(1.0)
    assert not crowd.is_set() and not two.crowded


def test_frames_with_nobody_do_not_count_as_a_one_person_census() -> None:
    _, _, modes = run([0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1], PLAN)
    assert modes[:9] == "W" * 9  # three one-person frames in a row only from frame 6 to 8
    assert modes[9:] == "NN"


def test_losing_the_followed_person_starts_a_census_at_once() -> None:
    counts = [1] * 5 + [0] + [1] * 6
    _, _, modes = run(counts, PLAN)
    assert modes == "WWWNN" + "N" + "WW" + "NNNN"


def test_census_fraction_counts_frames_seen_with_every_slot() -> None:
    wide, narrow = scripted([1] * 20, 2), scripted([1] * 20, 1)
    estimator = OnDemandEstimator(wide, narrow, PLAN)
    assert estimator.census_fraction == 1.0
    for i in range(20):
        estimator.detect(FRAME, i / FPS)
    assert estimator.census_fraction == pytest.approx(len(wide.frames) / 20)
    assert len(wide.frames) + len(narrow.frames) == 20


def test_reset_starts_again_with_the_first_census() -> None:
    counts = [1] * 10 + [1] * 10
    wide, narrow = scripted(counts, 2), scripted(counts, 1)
    estimator = OnDemandEstimator(wide, narrow, PLAN)
    for i in range(10):
        estimator.detect(FRAME, i / FPS)
    estimator.reset(1.0)
    before = len(wide.frames)
    for i in range(10, 13):
        estimator.detect(FRAME, i / FPS)
    assert len(wide.frames) - before == 3  # the full first census again


@pytest.mark.parametrize(
    ("first", "census", "follow"), [(0, 0, 1.0), (2, 3, 1.0), (3, 2, 0.0), (3, 2, -1.0)]
)
def test_plan_rejects_settings_that_cannot_work(first: int, census: int, follow: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        CensusPlan(first_frames=first, census_frames=census, follow_s=follow)


def detect_all(
    path: Path, estimator: FrameEstimator, stop: int | None = None
) -> list[FrameDetections]:
    from hipsight.io.sources import open_source

    with open_source(input_path=path, stop_frame=stop) as source, estimator:
        return [estimator.detect(frame.rgb, frame.t_s) for frame in source]


def test_on_the_crowded_demo_every_slot_stays_on(pose_model: ModelInfo, demo_video: Path) -> None:
    """Walker and box jumper: the same people, the same landmarks as a wide landmarker alone."""
    on_demand = open_estimator(pose_model, 2)
    wide = detect_all(demo_video, PoseEstimator(pose_model, max_people=2), stop=60)
    mixed = detect_all(demo_video, on_demand, stop=60)
    assert isinstance(on_demand, OnDemandEstimator)
    assert on_demand.census_fraction == 1.0
    assert [d.n_people for d in mixed] == [d.n_people for d in wide]
    assert max(d.n_people for d in wide) == 2
    for a, b in zip(mixed, wide, strict=True):
        np.testing.assert_array_equal(a.image_xy, b.image_xy)


def test_one_person_alone_is_followed_with_one_slot(
    pose_model: ModelInfo, single_person_video: Path
) -> None:
    """The person is found in every frame; the landmarks are those of a one-slot landmarker."""
    on_demand = open_estimator(pose_model, 2)
    mixed = detect_all(single_person_video, on_demand)
    narrow = detect_all(single_person_video, PoseEstimator(pose_model, max_people=1))
    assert isinstance(on_demand, OnDemandEstimator)
    assert [d.n_people for d in mixed] == [1] * len(narrow)
    # 100 frames at 60 fps: the first census (10 frames), then one follow stretch of 3 s.
    assert on_demand.census_fraction == pytest.approx(10 / len(narrow))
    following = np.array([d.image_xy[0] for d in mixed[10:]])
    alone = np.array([d.image_xy[0] for d in narrow[10:]])
    height = np.ptp(alone[..., 1], axis=1).mean()
    offset = np.linalg.norm(following - alone, axis=-1)
    assert np.median(offset) < 0.005 * height  # the first frames after the switch differ a little


def test_every_slot_keeps_one_landmarker_with_all_slots(pose_model: ModelInfo) -> None:
    """What the multi-view validation asks for: the behaviour before slots on demand."""
    estimator = open_estimator(pose_model, 2, every_slot=True)
    assert isinstance(estimator, PoseEstimator)
    assert estimator.max_people == 2
    assert isinstance(open_estimator(pose_model, 2), OnDemandEstimator)
    one = open_estimator(pose_model, 1)
    assert isinstance(one, PoseEstimator) and one.max_people == 1


def test_provenance_records_how_the_slots_were_used(pose_model: ModelInfo) -> None:
    from hipsight.pose.extract import landmarker_params

    on_demand = landmarker_params(pose_model, 2, 2)
    assert on_demand["census_frames"] == CensusPlan().census_frames
    assert "every_slot" not in on_demand
    every = landmarker_params(pose_model, 2, 2, every_slot=True)
    assert every["every_slot"] is True and "census_frames" not in every
    assert "census_frames" not in landmarker_params(pose_model, 1, 2)


def test_a_crowd_that_has_left_for_the_expiry_time_frees_the_slots() -> None:
    """Two people in frames 0-4, then one: every slot until one person has been seen for 1 s."""
    plan = CensusPlan(first_frames=3, census_frames=2, follow_s=1.0, crowd_expiry_s=1.0)
    _, _, modes = run([2] * 5 + [1] * 40, plan)
    # Alone from frame 5 (t = 0.5 s); the crowd ends at t = 1.5 s (frame 15), where more than
    # three one-person frames have been seen, so the follow starts with the next frame.
    assert modes[:16] == "W" * 16
    assert modes[16:26] == "N" * 10
    assert modes[26:28] == "WW"


def test_a_second_person_missed_for_less_than_the_expiry_keeps_the_crowd() -> None:
    plan = CensusPlan(first_frames=3, census_frames=2, follow_s=1.0, crowd_expiry_s=1.0)
    counts = ([2] * 3 + [1] * 8) * 4  # the detector loses the second person for 0.8 s at a time
    _, _, modes = run(counts, plan)
    assert modes == "W" * len(counts)
