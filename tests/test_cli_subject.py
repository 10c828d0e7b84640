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
        "181 px tall, centre offset 2%)"
    )
    assert lines[1] == "people tracked (choose another with --subject ID):"
    assert lines[2].startswith(" * track 0: 181 px tall, centre offset 2%, centre x 580 px")
    assert lines[3].startswith("   track 1: 159 px tall, centre offset 25%, centre x 900 px")
    assert lines[3].endswith("fully visible in 30 of 30 frames seen")


def test_an_id_choice_says_so_and_old_reports_still_print() -> None:
    assert subject_lines(two_people_report("1"))[0].startswith("subject: track 1 (chosen by id")
    old = {"policy": "visible", "track_id": 0, "n_people_tracked": 1, "candidates": [{"id": 0}]}
    assert subject_lines(old) == ["subject: track 0 (policy visible)"]
    assert subject_lines({}) == []
