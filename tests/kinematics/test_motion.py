"""Stillness of a signal or of points, on hand-checkable series (each with a NaN twin)."""

from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.motion import still_frames, window_half_width


def test_still_frames() -> None:  # moved from tests/protocols/test_segmentation.py
    t = np.arange(0, 2, 0.1)
    x = np.where(t < 1, 0.0, 10 * (t - 1))  # still, then moving at 10 units/s
    still = still_frames(x, t, max_speed=2.0, window_s=0.0)
    assert still[:9].all() and not still[12:].any()


def test_a_movement_that_comes_back_within_the_window_is_not_still() -> None:
    t = np.arange(11) * 0.1
    x = np.zeros(11)
    x[5] = 1.0  # out and back: the ends of a 1 s window agree, the peak-to-peak does not
    still = still_frames(x, t, max_speed=0.5, window_s=1.0)
    assert not still[5]
    assert still_frames(np.zeros(11), t, max_speed=0.5, window_s=1.0).all()


def test_the_limit_is_speed_times_the_window_span() -> None:
    t = np.arange(21) * 0.1
    x = 0.5 * t  # 0.5 units/s; the 1 s window is 5 frames each side of the centre
    assert still_frames(x, t, max_speed=0.51, window_s=1.0)[10]
    assert not still_frames(x, t, max_speed=0.49, window_s=1.0)[10]


def test_points_use_the_largest_bounding_box_diagonal() -> None:
    t = np.arange(5) * 0.25
    points = np.zeros((5, 2, 2))
    points[:, 1, 0] = 3.0 * t  # point 1 moves 3 right and ...
    points[:, 1, 1] = 4.0 * t  # ... 4 down per second: 5 units/s
    assert still_frames(points, t, max_speed=5.0, window_s=0.5)[2]
    assert not still_frames(points, t, max_speed=4.9, window_s=0.5)[2]


def test_nan_in_the_window_is_not_still() -> None:
    t = np.arange(10) * 0.1
    x = np.zeros(10)
    x[4] = np.nan  # the NaN twin of a still series
    still = still_frames(x, t, max_speed=1.0, window_s=0.2)
    np.testing.assert_array_equal(np.flatnonzero(~still), [3, 4, 5])


def test_window_half_width_is_at_least_one_frame() -> None:
    t = np.arange(10) / 30.0
    assert window_half_width(t, 0.0) == 1
    assert window_half_width(t, 0.5) == 8  # 15 frame intervals, 7.5 -> 8 each side


@pytest.mark.parametrize(
    ("values", "t", "message"),
    [
        (np.zeros((4, 2)), np.arange(4.0), r"values must have shape \(T,\) or \(T, K, D\)"),
        (np.zeros(4), np.arange(3.0), r"t must have shape \(4,\), got \(3,\)"),
    ],
)
def test_shapes_are_checked(values: np.ndarray, t: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        still_frames(values, t, max_speed=1.0)


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"max_speed must be positive .* got 0\.0, 0\.5"):
        still_frames(np.zeros(3), np.arange(3.0), max_speed=0.0)
