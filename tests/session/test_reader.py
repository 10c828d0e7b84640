"""results.json: round trip, schema and version checks (the session reader and writer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hipsight.errors import InputError
from hipsight.findings.engine import evaluate
from hipsight.results import MetricValue, Segment, SessionResults, TestRecord, TestResult
from hipsight.session.codec import RESULTS_VERSION, encode_session
from hipsight.session.reader import load_session
from hipsight.session.writer import save_session


def _session() -> SessionResults:
    metrics = (
        MetricValue.measured("internal_rotation", "left", 18.0, "deg", 0.9, 40, n_reps=1),
        MetricValue.not_measurable("internal_rotation", "right", "deg", "right leg hidden"),
    )
    result = TestResult(
        test="hip_rotation",
        title="Seated hip rotation",
        view_required="front",
        view_detected="front",
        status="partial",
        reasons=("right leg hidden",),
        metrics=metrics,
        segments=(Segment("hold", 0, 10, 40, 0.33, 1.3, "left", {"internal_rotation": 18.0}),),
        findings=evaluate("hip_rotation", metrics),
    )
    return SessionResults(
        tests=(TestRecord(result, source="clip.mp4", files={"csv": "clip_angles.csv"}),),
        person="<b>Ann</b>",
    )


def test_round_trip(tmp_path: Path) -> None:
    session = _session()
    path = save_session(session, tmp_path / "results.json")
    back = load_session(tmp_path)
    assert back == session
    data = json.loads(path.read_text())
    assert data["schema"] == "hipsight.results" and data["version"] == RESULTS_VERSION
    assert data["tests"][0]["metrics"][1]["value"] is None
    assert data["findings"][0]["id"] == "hip_rotation.internal_rotation.left"


def test_newer_version_and_foreign_files_are_refused(tmp_path: Path) -> None:
    data = encode_session(_session(), "0.0.0")
    data["version"] = RESULTS_VERSION + 1
    (tmp_path / "results.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="newer"):
        load_session(tmp_path / "results.json")
    (tmp_path / "results.json").write_text(json.dumps({"schema": "other"}))
    with pytest.raises(InputError, match="not a hipsight results file"):
        load_session(tmp_path)


def test_missing_results_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no results\.json here"):
        load_session(tmp_path)


def test_test_result_metric_lookup() -> None:
    result = _session().tests[0].result
    assert result.metric("internal_rotation", "left").value == 18.0
    with pytest.raises(KeyError, match="no metric"):
        result.metric("external_rotation", "left")
