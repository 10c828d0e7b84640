"""Landmark sides and the one skeleton edge list."""

from __future__ import annotations

import pytest

from hipsight.pose import landmarks as lm


def test_odd_landmarks_are_left_even_right_and_the_nose_neither() -> None:
    assert lm.landmark_side(lm.LEFT_HIP) == "left"
    assert lm.landmark_side(lm.RIGHT_HIP) == "right"
    assert lm.landmark_side(lm.NOSE) is None


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
