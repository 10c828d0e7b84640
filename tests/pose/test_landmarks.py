"""Landmark sides and the one skeleton edge list."""

from __future__ import annotations

import pytest

from hipsight.pose import landmarks as lm


def test_odd_landmarks_are_left_even_right_and_the_nose_neither() -> None:
    assert lm.landmark_side(lm.LEFT_HIP) == "left"
    assert lm.landmark_side(lm.RIGHT_HIP) == "right"
    assert lm.landmark_side(lm.NOSE) is None


LIMB_PARTS = ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")
LIMB_PARTS += ("hip", "knee", "ankle", "heel", "foot_index")

# MediaPipe's 33 landmarks in order, each with its side written out by hand (not derived).
_MEDIAPIPE_SIDES = [
    ("nose", None),
    ("left_eye_inner", "left"),
    ("left_eye", "left"),
    ("left_eye_outer", "left"),
    ("right_eye_inner", "right"),
    ("right_eye", "right"),
    ("right_eye_outer", "right"),
    ("left_ear", "left"),
    ("right_ear", "right"),
    ("mouth_left", "left"),
    ("mouth_right", "right"),
] + [(f"{side}_{part}", side) for part in LIMB_PARTS for side in ("left", "right")]


@pytest.mark.parametrize("index", range(lm.N_LANDMARKS))
def test_every_landmark_has_the_side_its_mediapipe_name_says(index: int) -> None:
    name, side = _MEDIAPIPE_SIDES[index]
    assert lm.LANDMARK_NAMES[index] == name
    assert lm.landmark_side(index) == side


def test_the_eyes_break_the_odd_even_rule_and_keep_their_side() -> None:
    assert lm.LEFT_EYE == 2 and lm.landmark_side(lm.LEFT_EYE) == "left"
    assert lm.RIGHT_EYE == 5 and lm.landmark_side(lm.RIGHT_EYE) == "right"
    assert lm.edge_side(lm.LEFT_EYE, lm.LEFT_EAR) == "left"
    assert lm.edge_side(lm.RIGHT_EYE, lm.RIGHT_EAR) == "right"


def test_landmark_side_rejects_an_index_outside_the_model() -> None:
    with pytest.raises(ValueError, match=r"landmark index must be in \[0, 33\), got 33"):
        lm.landmark_side(33)


def test_edges_crossing_the_body_are_centre_edges() -> None:
    assert lm.edge_side(lm.LEFT_HIP, lm.LEFT_KNEE) == "left"
    assert lm.edge_side(lm.RIGHT_KNEE, lm.RIGHT_ANKLE) == "right"
    assert lm.edge_side(lm.LEFT_HIP, lm.RIGHT_HIP) is None
    assert lm.edge_side(lm.NOSE, lm.RIGHT_EYE) is None


def test_skeleton_has_the_trunk_limbs_and_feet_once_each() -> None:
    edges = {frozenset(edge) for edge in lm.SKELETON_EDGES}
    assert len(edges) == len(lm.SKELETON_EDGES) == 18
    sides = [lm.edge_side(a, b) for a, b in lm.SKELETON_EDGES]
    assert sides.count("left") == sides.count("right") == 8
    assert sides.count(None) == 2  # shoulder line and hip line
