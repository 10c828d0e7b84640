"""The subject policies, defined once for offline tracking and the live picker."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.live.subject import SubjectPicker
from hipsight.pose import landmarks as lm
from hipsight.pose.estimator import FrameDetections
from hipsight.pose.subject import (
    CENTRE_WEIGHT,
    KEY_BODY,
    SEGMENTS_PER_BODY,
    body_height,
    body_length,
    fully_visible,
    hip_travel,
    parse_policy,
    policy_scores,
    prominence,
)

FRAME = (640, 480)


def stick(cx: float, top: float, height: float) -> np.ndarray:
    """(33, 2): every landmark on a vertical line at ``cx`` from ``top`` down ``height`` px."""
    xy = np.zeros((lm.N_LANDMARKS, 2))
    xy[:, 0] = cx
    xy[:, 1] = np.linspace(top, top + height, lm.N_LANDMARKS)
    return xy


def detections(*people: np.ndarray, hidden_ankles: tuple[int, ...] = ()) -> FrameDetections:
    xy = np.stack(people)
    n = len(people)
    visibility = np.ones((n, lm.N_LANDMARKS))
    for k in hidden_ankles:
        visibility[k, [lm.LEFT_ANKLE, lm.RIGHT_ANKLE]] = 0.1
    return FrameDetections(
        xy, np.zeros((n, lm.N_LANDMARKS, 3)), visibility, np.ones_like(visibility)
    )


def test_parse_policy_accepts_names_and_ids() -> None:
    assert parse_policy("moving") == "moving"
    assert parse_policy("2") == 2 and parse_policy(0) == 0
    with pytest.raises(
        ValueError, match=r"one of \('visible', 'largest', 'moving'\) .* got 'yoga'"
    ):
        parse_policy("yoga")


def test_fully_visible_needs_every_key_joint_inside_and_visible() -> None:
    xy = np.stack([stick(100, 50, 300), stick(100, 300, 300)])  # the second's feet below 480
    visibility = np.ones((2, lm.N_LANDMARKS))
    np.testing.assert_array_equal(fully_visible(xy, visibility, FRAME), [True, False])
    visibility[0, KEY_BODY[0]] = 0.2
    np.testing.assert_array_equal(fully_visible(xy, visibility, FRAME), [False, False])


def test_body_height_and_hip_travel_with_nan_twins() -> None:
    xy = np.stack([stick(100, 50, 300), np.full((lm.N_LANDMARKS, 2), np.nan)])
    np.testing.assert_allclose(body_height(xy), [300.0, np.nan])
    hips = np.array([[0.0, np.nan], [10.0, np.nan], [20.0, np.nan]])
    np.testing.assert_allclose(hip_travel(hips), [18.0, 0.0])  # 95th - 5th percentile


def test_policy_scores_over_frames_and_people() -> None:
    # person 0: tall, still, feet hidden; person 1: short, fully visible, walking 10 px a frame
    xy = np.stack(
        [np.stack([stick(100, 20, 400), stick(200 + 10 * t, 100, 200)]) for t in range(5)]
    )
    visibility = np.ones((5, 2, lm.N_LANDMARKS))
    visibility[:, 0, [lm.LEFT_ANKLE, lm.RIGHT_ANKLE]] = 0.1
    np.testing.assert_allclose(policy_scores("visible", xy, visibility, FRAME), [0, 5])
    np.testing.assert_allclose(policy_scores("largest", xy, visibility, FRAME), [400, 200])
    np.testing.assert_allclose(policy_scores("moving", xy, visibility, FRAME), [0, 36])
    with pytest.raises(ValueError, match=r"need xy \(T, N, 33, 2\)"):
        policy_scores("visible", xy[0], visibility, FRAME)


def test_the_live_picker_applies_the_same_policies() -> None:
    tall_hidden = stick(320, 20, 440)
    short_visible = stick(500, 200, 200)
    dets = detections(tall_hidden, short_visible, hidden_ankles=(0,))
    visible = SubjectPicker(FRAME, "visible").pick(dets, 0.0)
    largest = SubjectPicker(FRAME, "largest").pick(dets, 0.0)
    by_id = SubjectPicker(FRAME, 1).pick(dets, 0.0)
    assert visible is not None and visible.image_xy[0, 0] == 500
    assert largest is not None and largest.image_xy[0, 0] == 320
    assert by_id is not None and by_id.image_xy[0, 0] == 500
    with pytest.raises(ValueError, match="got 'tallest'"):
        SubjectPicker(FRAME, "tallest")


def test_the_live_picker_breaks_ties_by_prominence_whatever_the_detector_order() -> None:
    central = stick(330, 60, 380)
    aside = stick(80, 40, 400)  # a bit taller but at the frame's edge
    for people in ((central, aside), (aside, central)):
        picker = SubjectPicker(FRAME, "visible")
        chosen = picker.pick(detections(*people), 0.0)
        assert chosen is not None and chosen.image_xy[0, 0] == 330
        assert [p.image_xy[0, 0] for p in picker.others] == [80]
    # ids run left to right, so id 0 is the person at the edge in either order
    for people in ((central, aside), (aside, central)):
        by_id = SubjectPicker(FRAME, 0).pick(detections(*people), 0.0)
        assert by_id is not None and by_id.image_xy[0, 0] == 80


def test_prominence_is_body_length_share_minus_half_the_centre_offset() -> None:
    xy = np.stack([stick(320, 40, 400), stick(480, 40, 400)])[None]  # (1, 2, 33, 2)
    step = 400 / (lm.N_LANDMARKS - 1)  # landmarks evenly spaced down the line
    torso = step * ((lm.LEFT_HIP + lm.RIGHT_HIP) - (lm.LEFT_SHOULDER + lm.RIGHT_SHOULDER)) / 2
    length = SEGMENTS_PER_BODY * torso  # the torso is the longest segment of this stick
    np.testing.assert_allclose(body_length(xy), [[length, length]])
    expected = [length / 480, length / 480 - CENTRE_WEIGHT * 160 / 640]
    np.testing.assert_allclose(prominence(xy, FRAME), expected)
    nobody = np.full((1, 1, lm.N_LANDMARKS, 2), np.nan)
    assert prominence(nobody, FRAME)[0] == -np.inf


def test_body_length_does_not_shrink_when_the_body_lies_down() -> None:
    """The same stick standing and lying (turned 90 deg in the image): its height in the image
    collapses, its body length does not (issue 14: a person standing beside a lying subject
    was taken for the larger one)."""
    standing = stick(320, 40, 400)
    centre = standing.mean(axis=0)
    lying = (standing - centre) @ np.array([[0.0, 1.0], [-1.0, 0.0]]) + centre
    assert body_height(lying[None])[0] < 0.1 * body_height(standing[None])[0]
    np.testing.assert_allclose(body_length(lying), body_length(standing))
