from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.cleaning import (
    fill_landmark_gaps,
    filter_butterworth,
    gap_duration,
    interpolate_gaps,
    landmark_validity,
    min_filter_length,
)
from hipsight.pose.sequence import PoseSequence

NAN = np.nan


# ---------------------------------------------------------------------------- validity


def test_landmark_validity_uses_the_threshold_inclusively_and_rejects_nan() -> None:
    vis = np.array([[0.49, 0.5, 0.9, NAN]])
    np.testing.assert_array_equal(landmark_validity(vis), [[False, True, True, False]])
    np.testing.assert_array_equal(landmark_validity(vis, 0.95), [[False, False, False, False]])


def test_landmark_validity_rejects_a_bad_threshold() -> None:
    with pytest.raises(ValueError, match=r"min_visibility must be in \[0, 1\], got 1.5"):
        landmark_validity(np.ones((2, 3)), 1.5)


# ---------------------------------------------------------------------------- gaps

T10 = np.arange(12) / 10.0  # 10 Hz
#               0    1    2    3    4    5     6    7    8    9    10    11
SIGNAL = np.array([NAN, 2.0, 4.0, NAN, NAN, 10.0, 12.0, NAN, NAN, NAN, 20.0, NAN])


def test_interpolate_gaps_fills_short_gaps_linearly_and_leaves_the_rest() -> None:
    out = interpolate_gaps(SIGNAL, T10, max_gap_s=0.3)
    # gap 3-4 spans t=0.2..0.5 (0.3 s): filled on the line 2*i; gap 7-9 spans 0.4 s: kept
    np.testing.assert_array_equal(out, [NAN, 2, 4, 6, 8, 10, 12, NAN, NAN, NAN, 20, NAN])
    out = interpolate_gaps(SIGNAL, T10, max_gap_s=0.4)
    np.testing.assert_array_equal(out, [NAN, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, NAN])
    assert np.isnan(SIGNAL[3])  # input untouched


def test_interpolate_gaps_weights_by_time_not_by_index() -> None:
    t = np.array([0.0, 0.1, 0.4, 0.5])
    out = interpolate_gaps([0.0, NAN, NAN, 5.0], t, max_gap_s=1.0)
    np.testing.assert_allclose(out, [0.0, 1.0, 4.0, 5.0])


def test_interpolate_gaps_is_vectorised_over_trailing_dimensions() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(40, 3, 2))
    values[rng.random(values.shape) < 0.3] = NAN
    t = np.cumsum(rng.uniform(0.02, 0.05, 40))
    out = interpolate_gaps(values, t, 0.1)
    for i in range(3):
        for j in range(2):
            np.testing.assert_array_equal(out[:, i, j], interpolate_gaps(values[:, i, j], t, 0.1))
    np.testing.assert_array_equal(interpolate_gaps(values.T, t, 0.1, axis=-1), out.T)


def test_gap_duration_reports_each_gap_and_inf_at_the_ends() -> None:
    out = gap_duration(SIGNAL, T10)
    np.testing.assert_allclose(out, [np.inf, 0, 0, 0.3, 0.3, 0, 0, 0.4, 0.4, 0.4, 0, np.inf])


def test_all_nan_and_no_nan_series() -> None:
    np.testing.assert_array_equal(interpolate_gaps([NAN, NAN], [0.0, 1.0], 5.0), [NAN, NAN])
    np.testing.assert_array_equal(interpolate_gaps([1.0, 2.0], [0.0, 1.0], 5.0), [1.0, 2.0])
    np.testing.assert_array_equal(gap_duration([1.0, 2.0], [0.0, 1.0]), [0.0, 0.0])


def test_interpolate_gaps_rejects_mismatched_time() -> None:
    with pytest.raises(
        ValueError, match=r"must have 3 samples along axis 0 to match t, got shape \(4,\)"
    ):
        interpolate_gaps(np.ones(4), np.arange(3.0), 0.1)
    with pytest.raises(ValueError, match="max_gap_s must be >= 0"):
        interpolate_gaps(np.ones(3), np.arange(3.0), -1.0)


# ---------------------------------------------------------------------------- filter

FS = 30.0
T = np.arange(300) / FS


def test_filter_keeps_a_constant_and_a_slow_sine_without_lag() -> None:
    np.testing.assert_allclose(filter_butterworth(np.full(100, 7.0), FS), 7.0)
    slow = np.sin(2 * np.pi * 1.0 * T)
    out = filter_butterworth(slow, FS, cutoff_hz=6.0)
    inner = slice(30, -30)
    # zero phase: a lag of even 1/10 sample would already leave an error of ~0.02 here
    np.testing.assert_allclose(out[inner], slow[inner], atol=2e-3)


def test_filter_removes_high_frequency_noise() -> None:
    fast = np.sin(2 * np.pi * 12.0 * T)
    out = filter_butterworth(fast, FS, cutoff_hz=6.0)
    assert np.abs(out[30:-30]).max() < 0.02  # filtfilt squares the 4th-order gain at 12 Hz


def test_filter_runs_separately_on_each_finite_run_and_keeps_nan() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=120)
    x[50:55] = NAN
    out = filter_butterworth(x, FS)
    assert np.isnan(out[50:55]).all()
    assert np.isfinite(np.delete(out, range(50, 55))).all()
    np.testing.assert_allclose(out[:50], filter_butterworth(x[:50], FS))
    np.testing.assert_allclose(out[55:], filter_butterworth(x[55:], FS))


def test_filter_leaves_runs_too_short_for_filtfilt_unfiltered() -> None:
    n = min_filter_length(4)
    assert n == 16
    x = np.r_[np.random.default_rng(0).normal(size=n - 1), NAN, np.zeros(n)]
    out = filter_butterworth(x, FS)
    np.testing.assert_array_equal(out[: n - 1], x[: n - 1])


def test_filter_is_vectorised_over_trailing_dimensions() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(90, 4, 3))
    x[10:20, 1, 2] = NAN
    out = filter_butterworth(x, FS)
    for i in range(4):
        for j in range(3):
            np.testing.assert_allclose(out[:, i, j], filter_butterworth(x[:, i, j], FS))
    np.testing.assert_allclose(filter_butterworth(x.T, FS, axis=-1), out.T)


def test_filter_rejects_a_cutoff_above_nyquist() -> None:
    with pytest.raises(ValueError, match=r"cutoff_hz must be in \(0, 5\).*got 6.0"):
        filter_butterworth(np.zeros(50), fs=10.0, cutoff_hz=6.0)


# ---------------------------------------------------------------- landmark gaps, masks alike


def _walking_sequence() -> PoseSequence:
    from hipsight.samples.synthetic import Pose, make_sequence, side_camera, sinusoid, time_axis

    t = time_axis(2.0)
    pose = Pose(left_hip_flexion_deg=sinusoid(t, -10.0, 30.0, 1.0))
    return make_sequence(pose, side_camera()).sequence


def test_fill_landmark_gaps_fills_short_gaps_as_the_angles_do_and_leaves_long_ones() -> None:
    from hipsight.samples.synthetic import with_hidden_landmarks, with_nan_gap

    seq = _walking_sequence()
    gappy = with_nan_gap(seq, 10, 14)  # 4 frames, 0.17 s: filled
    gappy = with_nan_gap(gappy, 30, 45)  # 15 frames, 0.53 s: stays missing
    gappy = with_hidden_landmarks(gappy, [25], 50, 52, visibility=0.2)  # a knee, 2 frames

    filled = fill_landmark_gaps(gappy, max_gap_s=0.25, min_visibility=0.5)

    assert filled.detected[10:14].all() and not filled.detected[30:45].any()
    expected = interpolate_gaps(gappy.image_xy, gappy.t, 0.25)
    np.testing.assert_allclose(filled.image_xy[10:14], expected[10:14])
    assert (filled.visibility[10:14] >= 0.5).all()
    np.testing.assert_allclose(filled.image_xy[:10], seq.image_xy[:10])  # seen frames untouched
    # a landmark below the visibility threshold is treated as missing, like the angles do
    assert (filled.visibility[50:52, 25] >= 0.5).all()
    np.testing.assert_allclose(filled.image_xy[50:52, 25], seq.image_xy[50:52, 25], atol=2.0)
    step = filled.meta.provenance[-1]
    assert step.name == "fill_landmark_gaps"
    assert step.params["filled_landmark_frames"] == 4 * 33 + 2
