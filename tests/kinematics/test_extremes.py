"""The extreme of a noisy curve from a local parabola (kinematics.extremes)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipsight.kinematics.extremes import PEAK_FIT_S, fitted_extreme

FPS = 30.0


def frames(seconds: float = 2.0) -> np.ndarray:
    return np.arange(round(seconds * FPS)) / FPS


@given(
    top=st.floats(-90, 90),
    curvature=st.floats(5, 500),
    offset_s=st.floats(-0.1, 0.1),
    flip=st.booleans(),
)
def test_a_parabola_gives_its_vertex_exactly(
    top: float, curvature: float, offset_s: float, flip: bool
) -> None:
    """Peak or trough, the vertex between frames: its value, not the nearest frame's."""
    t = frames()
    sign = -1.0 if flip else 1.0
    values = sign * (top - curvature * (t - 1.0 - offset_s) ** 2)
    index = int(np.argmin(np.abs(t - 1.0 - offset_s)))
    assert fitted_extreme(values, t, index) == pytest.approx(sign * top, abs=1e-6)


def test_noise_on_a_peak_is_averaged_out_not_added() -> None:
    """A 2 deg-noise sine peak: the highest frame reads high, the parabola near the truth."""
    t = frames(4.0)
    rng = np.random.default_rng(0)
    raw, fitted = [], []
    for _ in range(200):
        values = 10.0 * np.sin(2 * np.pi * 0.5 * t) + rng.normal(0.0, 2.0, len(t))
        index = int(np.argmax(values[: round(1.0 * FPS)]))  # the first peak, at t = 0.5 s
        raw.append(values[index] - 10.0)
        fitted.append(fitted_extreme(values, t, index) - 10.0)
    assert np.mean(raw) > 1.5  # the bias the fit removes
    assert abs(np.mean(fitted)) < 0.5


def test_too_few_frames_give_the_frame_itself() -> None:
    t = frames()
    values = np.full(len(t), np.nan)
    values[28:32] = [1.0, 3.0, 2.0, 1.5]
    assert fitted_extreme(values, t, 29) == 3.0


def test_a_curve_without_a_turn_in_the_window_gives_the_fitted_value_at_the_frame() -> None:
    """A straight rise: no vertex within the window; the line's value at the frame."""
    t = frames()
    values = 5.0 * t
    assert fitted_extreme(values, t, 30) == pytest.approx(5.0, abs=1e-9)
    assert PEAK_FIT_S < 1.0


def test_nan_twin_uses_only_finite_frames() -> None:
    t = frames()
    values = 4.0 - 50.0 * (t - 1.0) ** 2
    holes = values.copy()
    holes[[27, 29, 31, 33]] = np.nan
    assert fitted_extreme(holes, t, 30) == pytest.approx(4.0, abs=1e-6)


@pytest.mark.parametrize("index", [-1, 60])
def test_an_index_outside_the_curve_is_refused(index: int) -> None:
    t = frames()
    with pytest.raises(ValueError, match="index"):
        fitted_extreme(np.zeros(len(t)), t, index)


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="one shape"):
        fitted_extreme(np.zeros(5), np.zeros(6), 0)
