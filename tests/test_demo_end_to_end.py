"""End to end on a real clip: the Sports2D demo (one person walks across in side view while
another jumps on and off a box behind them).

The walk: the walker enters on the right at about 2.0 s (frame 60) and leaves on the left at
about 6.6 s (frame 198); frames 62-198 are the walk.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from hipsight.cli import main
from hipsight.pose.sequence import PoseSequence

pytestmark = [pytest.mark.model, pytest.mark.sample]
WALK = slice(62, 199)


@pytest.fixture(scope="module")
def demo_run(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["analyze", str(demo_video), "--out", str(out), "--no-progress"]) == 0
    return out


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "sports2d_demo_angles.csv").open() as fh:
        return list(csv.DictReader(fh))


def _column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(r[name]) if r[name] else np.nan for r in rows])


def test_csv_parses_with_one_row_per_frame(demo_run: Path) -> None:
    rows = _rows(demo_run)
    assert len(rows) == 230
    assert list(rows[0])[:4] == ["frame", "time_s", "detected", "quality"]
    t = _column(rows, "time_s")
    assert (np.diff(t) > 0).all()
    assert t[-1] == pytest.approx(229 / 30.0, abs=1e-3)


def test_the_walker_is_followed_not_the_person_on_the_box(demo_run: Path) -> None:
    seq = PoseSequence.from_npz(demo_run / "sports2d_demo_landmarks.npz")
    hips = seq.image_xy[:, [23, 24]].mean(axis=1)
    walk_x = hips[WALK, 0]
    # The walker crosses the frame right to left; the jumper stays near the box (x ~ 400-900).
    assert np.nanpercentile(walk_x[:20], 50) > 1200
    assert np.nanpercentile(walk_x[-20:], 50) < 350
    # ... on the ground: the hips stay in the lower part of the image (the box top is above y=500).
    assert np.nanmin(hips[WALK, 1]) > 550
    summary = json.loads((demo_run / "summary.json").read_text())
    chosen = summary["meta"]["subject"]["track_id"]
    facts = {c["id"]: c for c in summary["meta"]["subject"]["candidates"]}
    assert facts[chosen]["hip_travel_px"] > 1000


def test_the_walker_is_detected_on_90_percent_of_the_walk(demo_run: Path) -> None:
    detected = _column(_rows(demo_run), "detected")[WALK]
    assert detected.mean() >= 0.90


def test_walking_hip_angle_is_physiological(demo_run: Path) -> None:
    """Sagittal hip excursion while walking, near side (left): roughly 30-60 deg, with extension.

    Healthy walking spans about 40 deg (more at brisk speed); this walker takes long strides and
    measures about 55 deg. Peak extension must pass neutral (negative flexion).
    """
    rows = _rows(demo_run)
    hip = _column(rows, "left_hip_flexion_deg")[WALK]
    p5, p95 = np.nanpercentile(hip, [5, 95])
    assert 30 <= p95 - p5 <= 60
    assert p5 < -5
    assert p95 > 15


def test_frontal_angles_are_blank_in_a_side_view(demo_run: Path) -> None:
    rows = _rows(demo_run)
    assert np.isnan(_column(rows, "pelvic_obliquity_deg")[WALK]).mean() > 0.95
