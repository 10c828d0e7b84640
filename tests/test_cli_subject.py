"""The analysis printout says who was analysed, why, and lists everyone tracked by id."""

from __future__ import annotations

import numpy as np

from hipsight.cli import subject_lines
from hipsight.pose import landmarks as lm
from hipsight.pose.estimator import FrameDetections
from hipsight.pose.tracking import choose_subject, track_people

SIZE = (1200, 600)


def standing(cx: float, height: float) -> np.ndarray:
    xy = np.zeros((lm.N_LANDMARKS, 2))
    xy[:, 0] = cx + np.where(np.arange(lm.N_LANDMARKS) % 2 == 1, 15.0, -15.0)
    xy[:, 1] = np.linspace(500 - height, 500, lm.N_LANDMARKS)
    return xy


def two_people_report(policy: str = "visible") -> dict:
    xy = np.stack([standing(900, 300), standing(580, 340)])
    frame = FrameDetections(xy, np.zeros((2, 33, 3)), np.ones((2, 33)), np.ones((2, 33)))
    tracks = track_people(np.arange(30) / 30.0, [frame] * 30)
    return choose_subject(tracks, SIZE, policy)[1]


def test_the_chosen_person_and_every_candidate_are_printed() -> None:
    lines = subject_lines(two_people_report())

    assert lines[0] == (
        "subject: track 0 (largest and most central of 2 fully visible people; "
        "body length 382 px, centre offset 2%)"
    )
    assert lines[1] == "people tracked (choose another with --subject ID):"
    # body length as the rule ranks it: 3 x the torso (shoulders to hips, 12 of 32 steps of
    # the landmarks' 340 and 300 px spread)
    assert lines[2].startswith(" * track 0: body length 382 px, centre offset 2%, centre x 580")
    assert lines[3].startswith("   track 1: body length 338 px, centre offset 25%, centre x 900")
    assert lines[3].endswith("fully visible in 30 of 30 frames seen")


def test_an_id_choice_says_so_and_old_reports_still_print() -> None:
    assert subject_lines(two_people_report("1"))[0].startswith("subject: track 1 (chosen by id")
    old = {"policy": "visible", "track_id": 0, "n_people_tracked": 1, "candidates": [{"id": 0}]}
    assert subject_lines(old) == ["subject: track 0 (policy visible)"]
    assert subject_lines({}) == []


# The Sports2D demo's 13 tracks (frames each was seen in): 4 people, 9 fragments of 1-6 frames.
DEMO_FRAMES = (50, 5, 2, 60, 135, 1, 1, 1, 6, 2, 2, 2, 29)


def fragmented_report(chosen: int = 4, frames: tuple[int, ...] = DEMO_FRAMES) -> dict:
    """A report as files written before ``body_length_px`` was recorded: printed by height."""
    candidates = [
        {
            "id": k,
            "frames_detected": n,
            "frames_fully_visible": n,
            "body_height_px": 280.0,
            "centre_offset": 0.1,
            "centre_x_px": 600.0,
        }
        for k, n in enumerate(frames)
    ]
    return {"policy": "moving", "track_id": chosen, "reason": "why", "candidates": candidates}


def listed_ids(lines: list[str]) -> list[int]:
    return [int(line.split("track ")[1].split(":")[0]) for line in lines if ": " in line[:14]]


def test_tracks_seen_in_a_few_frames_are_counted_not_listed() -> None:
    report = fragmented_report()

    lines = subject_lines(report)

    assert listed_ids(lines[2:]) == [0, 3, 4, 12]
    assert lines[-1] == (
        "   (9 more tracks seen in fewer than 10 frames are not listed; summary.json lists "
        "every track)"
    )
    assert len(report["candidates"]) == 13  # what summary.json keeps is not filtered


def test_a_short_track_chosen_by_id_is_still_listed_and_one_hidden_track_is_singular() -> None:
    lines = subject_lines(fragmented_report(chosen=8))
    assert listed_ids(lines[2:]) == [0, 3, 4, 8, 12]
    assert (
        " * track 8: 280 px tall, centre offset 10%, centre x 600 px, fully visible in 6 of 6 "
        "frames seen"
    ) in lines
    assert lines[-1].startswith("   (8 more tracks seen in fewer than 10 frames are not listed")

    lines = subject_lines(fragmented_report(chosen=0, frames=(50, 9, 10)))
    assert listed_ids(lines[2:]) == [0, 2]
    assert lines[-1].startswith("   (1 more track seen in fewer than 10 frames is not listed")


def test_every_track_is_listed_when_none_is_short() -> None:
    lines = subject_lines(two_people_report())
    assert len(lines) == 4 and "not listed" not in lines[-1]


def test_a_real_short_track_reaches_the_report_but_not_the_list() -> None:
    people = [standing(300, 300), standing(900, 320)]
    frames = [
        FrameDetections(np.stack(people), np.zeros((2, 33, 3)), np.ones((2, 33)), np.ones((2, 33)))
        for _ in range(60)
    ]
    blip = np.stack([*people, standing(600, 150)])
    frames[30] = FrameDetections(blip, np.zeros((3, 33, 3)), np.ones((3, 33)), np.ones((3, 33)))
    report = choose_subject(track_people(np.arange(60) / 30.0, frames), SIZE, "visible")[1]

    assert sorted(c["frames_detected"] for c in report["candidates"]) == [1, 60, 60]
    lines = subject_lines(report)
    assert len(listed_ids(lines[2:])) == 2
    assert lines[-1].startswith("   (1 more track seen in fewer than 10 frames is not listed")


def test_an_id_choice_with_one_person_tracked_is_singular() -> None:
    one = np.ones((1, 33))
    frame = FrameDetections(standing(600, 300)[None], np.zeros((1, 33, 3)), one, one)
    tracks = track_people(np.arange(10) / 30.0, [frame] * 10)
    assert choose_subject(tracks, SIZE, "0")[1]["reason"] == "chosen by id (1 person tracked)"
