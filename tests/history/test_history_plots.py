"""Progress charts: one per person, test and metric, with the norm's reference range."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipsight.findings.engine import load_norms
from hipsight.history.db import MetricRow
from hipsight.history.plots import group_rows, reference_band, write_progress_plots


def row(
    created: str,
    side: str | None,
    value: float | None,
    metric: str = "internal_rotation",
    person: str | None = "Ana",
) -> MetricRow:
    status = "ok" if value is not None else "not_measurable"
    return MetricRow(
        "s" + created[:10],
        person,
        created,
        0,
        "hip_rotation",
        metric,
        side,
        value,
        "deg",
        status,
        None,
        0.9,
        30,
        None,
    )


ROWS = [
    row("2024-05-01T10:00:00+00:00", "left", 36.0),
    row("2024-05-01T10:00:00+00:00", "right", 24.0),
    row("2024-06-01T10:00:00+00:00", "left", 37.0),
    row("2024-06-01T10:00:00+00:00", "right", 31.0),
    row("2024-06-01T10:00:00+00:00", "left", None, metric="external_rotation"),
]


def test_groups_hold_measured_rows_only() -> None:
    groups = group_rows(ROWS)
    assert list(groups) == [("Ana", "hip_rotation", "internal_rotation")]
    assert len(groups[("Ana", "hip_rotation", "internal_rotation")]) == 4


def test_reference_band_follows_the_rule() -> None:
    norms = load_norms().norms
    assert reference_band(norms["hip_rotation_internal"], 20.0, 40.0)[0] == 30.0  # at or above 30
    low, high = reference_band(norms["squat_trunk_shank"], 0.0, 20.0)  # |value| <= 15
    assert (low, high) == (-15.0, 15.0)
    assert reference_band(norms["posture_pelvic_tilt"], 0.0, 10.0) is None  # descriptive
    assert reference_band(None, 0.0, 1.0) is None


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_writes_one_chart_per_metric(tmp_path: Path, fmt: str, magic: bytes) -> None:
    paths = write_progress_plots(ROWS, tmp_path / "plots", fmt=fmt)
    assert [p.name for p in paths] == [f"ana_hip_rotation_internal_rotation.{fmt}"]
    assert paths[0].read_bytes().startswith(magic)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="png"):
        write_progress_plots(ROWS, tmp_path, fmt="gif")
