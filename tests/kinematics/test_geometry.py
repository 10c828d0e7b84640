from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.geometry import (
    angle_between,
    cross_3d,
    dot,
    normalize,
    rotate_2d,
    signed_angle_2d,
    signed_angle_about,
    true_horizontal_2d,
    true_up_2d,
    true_up_3d,
    wrap_degrees,
)


def test_signed_angle_2d_is_clockwise_positive_on_a_y_down_image() -> None:
    right, down, left, up = (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)
    assert signed_angle_2d(right, down) == pytest.approx(90.0)  # clockwise on screen
    assert signed_angle_2d(down, right) == pytest.approx(-90.0)
    assert signed_angle_2d(up, right) == pytest.approx(90.0)
    assert abs(signed_angle_2d(right, left)) == pytest.approx(180.0)
    assert signed_angle_2d((1.0, 1.0), (2.0, 2.0)) == pytest.approx(0.0)


def test_signed_angle_2d_is_vectorised_and_propagates_nan() -> None:
    a = np.array([[1.0, 0.0], [1.0, 0.0], [np.nan, 0.0]])
    b = np.array([[1.0, 1.0], [1.0, -np.sqrt(3.0)], [1.0, 0.0]])
    out = signed_angle_2d(a, b)
    np.testing.assert_allclose(out[:2], [45.0, -60.0])
    assert np.isnan(out[2])


def test_angle_between_2d_and_3d() -> None:
    assert angle_between((1.0, 0.0), (-1.0, 1.0)) == pytest.approx(135.0)
    assert angle_between((1.0, 0.0, 0.0), (0.0, 0.0, 5.0)) == pytest.approx(90.0)
    assert angle_between((1.0, 2.0, 3.0), (-1.0, -2.0, -3.0)) == pytest.approx(180.0)
    assert angle_between((1.0, 2.0, 3.0), (2.0, 4.0, 6.0)) == pytest.approx(0.0, abs=1e-6)


def test_signed_angle_about_follows_the_right_hand_rule_and_ignores_axial_parts() -> None:
    x, y, z = np.eye(3)
    assert signed_angle_about(x, y, z) == pytest.approx(90.0)
    assert signed_angle_about(x, y, -z) == pytest.approx(-90.0)
    assert signed_angle_about(x, y, 7.0 * z) == pytest.approx(90.0)  # axis length is irrelevant
    # components along the axis are projected away
    assert signed_angle_about(x + 5.0 * z, y - 3.0 * z, z) == pytest.approx(90.0)
    assert signed_angle_about(x, y, z / 1.0, unit_axis=True) == pytest.approx(90.0)


def test_dot_cross_and_normalize_match_numpy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 50, 3))
    np.testing.assert_allclose(dot(a, b), np.sum(a * b, axis=-1))
    np.testing.assert_allclose(cross_3d(a, b), np.cross(a, b))
    np.testing.assert_allclose(np.linalg.norm(normalize(a), axis=-1), 1.0)
    assert np.isnan(normalize(np.zeros(3))).all()


def test_rotate_2d_turns_clockwise_on_screen_for_positive_angles() -> None:
    np.testing.assert_allclose(rotate_2d((1.0, 0.0), 90.0), (0.0, 1.0), atol=1e-12)
    v = np.array([[3.0, 4.0], [1.0, -2.0]])
    np.testing.assert_allclose(rotate_2d(rotate_2d(v, 33.0), -33.0), v)
    np.testing.assert_allclose(rotate_2d(v, [90.0, 180.0]), [[-4.0, 3.0], [-1.0, 2.0]], atol=1e-12)


@pytest.mark.parametrize("roll", [-30.0, 0.0, 12.5, 90.0])
def test_true_up_is_image_up_turned_counter_clockwise_by_the_roll(roll: float) -> None:
    # a camera rolled clockwise (seen from behind) sees the scene turned counter-clockwise,
    # i.e. by -roll in the y-down maths sense
    np.testing.assert_allclose(true_up_2d(roll), rotate_2d((0.0, -1.0), -roll), atol=1e-12)
    np.testing.assert_allclose(true_horizontal_2d(roll), rotate_2d((1.0, 0.0), -roll), atol=1e-12)
    np.testing.assert_allclose(true_up_3d(roll)[:2], true_up_2d(roll))
    assert true_up_3d(roll)[2] == 0.0


def test_true_up_examples() -> None:
    np.testing.assert_allclose(true_up_2d(0.0), (0.0, -1.0), atol=1e-12)
    np.testing.assert_allclose(true_up_2d(90.0), (-1.0, 0.0), atol=1e-12)  # up points image-left


def test_wrap_degrees_into_a_branch() -> None:
    np.testing.assert_allclose(
        wrap_degrees([190.0, -190.0, 180.0, -180.0, 0.0]), [-170, 170, -180, -180, 0]
    )
    np.testing.assert_allclose(
        wrap_degrees([-100.0, 250.0, 300.0], low=-90.0), [260.0, 250.0, -60.0]
    )
    out = wrap_degrees([np.nan, 720.5])
    assert np.isnan(out[0])
    assert out[1] == pytest.approx(0.5)
