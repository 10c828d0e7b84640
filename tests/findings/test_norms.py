"""norms.toml validation: a bad entry names the entry, the field, what was expected and found."""

from __future__ import annotations

from typing import Any

import pytest

from hipsight.findings.norms import parse_norms


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "test": "t", "metric": "m", "rule": "min", "threshold": 10.0, "unit": "deg",
        "population": "p", "source": "s", "evidence": "VL", "lbp_link": "l",
        "margin": 3.0, "error_source": "e",
    }  # fmt: skip
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_reps": -1}, "norm 'x': min_reps must be a whole number >= 0, got -1"),
        ({"min_reps": 1.5}, "norm 'x': min_reps must be a whole number >= 0, got 1.5"),
        ({"margin": -2.0}, "norm 'x': margin must be >= 0, got -2.0"),
        ({"margin": "3"}, "norm 'x': margin must be number, got '3'"),
        ({"min_hold_s": True}, "norm 'x': min_hold_s must be number, got True"),
        ({"error_source": None}, "norm 'x': error_source is required for rule 'min'"),
        ({"threshold": None}, "norm 'x': threshold is required for rule 'min'"),
        ({"evidence": "high"}, "norm 'x': evidence must be one of VL, L, M, EO, got 'high'"),
        ({"exercises": ["yoga"]}, "norm 'x': exercises names unknown exercises ['yoga']"),
        ({"steps": [10.0, 5.0]}, "norm 'x': steps must be two increasing positive numbers"),
    ],
)
def test_a_bad_norm_names_the_norm_the_field_and_the_values(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as error:
        parse_norms({"norms": {"x": _entry(**changes)}})
    assert message in str(error.value)


def test_a_descriptive_norm_needs_no_threshold_or_error() -> None:
    book = parse_norms({"norms": {"x": _entry(rule="descriptive", threshold=None, margin=None)}})
    assert book.norms["x"].describe() == "descriptive only"


def test_the_difference_margin_defaults_to_two_measurements() -> None:
    book = parse_norms(
        {"norms": {"x": _entry(margin=4.0), "y": _entry(metric="n", asymmetry_margin=9.0)}}
    )
    assert book.norms["x"].difference_margin() == pytest.approx(5.7)  # sqrt(2) x 4
    assert book.norms["y"].difference_margin() == 9.0
    assert book.norms["x"].asymmetry_min_reps == book.norms["x"].min_reps


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"range": [35.0, -30.0], "unit": "deg", "source": "s"}, "range must be two increasing"),
        ({"range": [0.0], "unit": "deg", "source": "s"}, "range must be two increasing"),
        ({"range": [0.0, 1.0], "unit": "deg"}, "is missing fields ['source']"),
    ],
)
def test_a_bad_plausible_range_names_test_metric_and_field(
    entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as error:
        parse_norms({"plausibility": {"gait": {"peak_hip_extension": entry}}})
    assert "plausibility gait.peak_hip_extension" in str(error.value)
    assert message in str(error.value)
