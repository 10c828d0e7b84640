"""The HTML report: structure, inline plots, escaping, no network loads, history comparison.

The session is the demo (tests/demo_session.py): synthetic recordings measured by the real
protocols. Where a check depends on a measured value, it reads the value from results.json.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np
import pytest

from demo_session import CopyDemo, DemoOptions
from hipsight.errors import InputError
from hipsight.history.db import HistoryDB
from hipsight.report import html as report_html
from hipsight.report.html import MAX_PLOT_GROUPS, ProtocolInfo, build_report
from hipsight.report.views import base_angle
from hipsight.results import SessionResults, TestRecord
from hipsight.session.codec import DISCLAIMER
from hipsight.session.reader import load_session
from hipsight.session.writer import save_session
from html_dom import Dom, parse

HOSTILE = "<script>alert(1)</script>"
LOADING_ATTRIBUTES = {
    "src",
    "href",
    "xlink:href",
    "data",
    "poster",
    "srcset",
    "action",
    "background",
}


@pytest.fixture(scope="module")
def report(demo_session: Path) -> tuple[str, Dom]:
    """The demo report, independent of the protocols installed (labels and bands come from them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_html, "protocol_info", lambda test: None)
        return parse(build_report(demo_session))


def test_report_builds_with_the_installed_protocols(
    tmp_path: Path, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path)
    _, dom = parse(build_report(tmp_path))
    assert dom.count("svg", "test-squat") >= 3


def test_report_is_the_only_file_written(demo_session: Path, report: tuple[str, Dom]) -> None:
    source, _ = report
    assert source.startswith("<!DOCTYPE html>")
    written = {p.name for p in demo_session.iterdir()}
    assert written == {
        "results.json",
        "report.html",
        "squat_angles.csv",
        "squat_landmarks.npz",
        "squat.mp4",
        "hip_rotation_landmarks.npz",
    }


def test_every_test_has_a_section_with_its_title(
    demo_session: Path, report: tuple[str, Dom]
) -> None:
    _, dom = report
    results = load_session(demo_session)
    sections = [
        a.get("id")
        for t, a, _ in dom.tags
        if t == "section" and "test" in a.get("class", "").split()
    ]
    assert sections == ["test-squat", "test-hip-rotation", "test-thomas"]
    for section, record in zip(sections, results.tests, strict=True):
        assert record.result.title in dom.section_text(section)
    for required in ("summary", "change", "methods"):
        assert any(a.get("id") == required for t, a, _ in dom.tags if t == "section")


def measured_on_both_sides(record: TestRecord) -> set[str]:
    """The metrics of a test measured on the left and on the right (a left/right chart each)."""
    sides: dict[str, set[str | None]] = {}
    for m in record.result.metrics:
        if m.status == "ok":
            sides.setdefault(m.metric, set()).add(m.side)
    return {metric for metric, seen in sides.items() if {"left", "right"} <= seen}


def test_plots_are_inline_svg_and_well_formed(demo_session: Path, report: tuple[str, Dom]) -> None:
    source, dom = report
    assert dom.count("img") == 0 and dom.count("object") == 0 and dom.count("iframe") == 0
    squat, rotation, thomas = load_session(demo_session).tests
    # squat, filmed from the side: nothing is measured per side (no side chart); series of the
    # first MAX_PLOT_GROUPS of its key angles (hip and knee flexion, thigh and shank inclination);
    # a key frame per rep
    assert measured_on_both_sides(squat) == set() and len(squat.result.segments) == 3
    groups = list(dict.fromkeys(base_angle(n) for n in squat.result.key_angles))
    assert groups[:MAX_PLOT_GROUPS] == [
        "hip_flexion",
        "knee_flexion",
        "thigh_inclination",
        "shank_inclination",
    ]
    assert dom.count("svg", "test-squat") == 0 + 4 + 3
    # hip rotation: side chart (internal rotation), shank and pelvic obliquity series, a key frame
    # per hold
    assert measured_on_both_sides(rotation) == {"internal_rotation"}
    assert len(rotation.result.segments) == 2
    assert dom.count("svg", "test-hip-rotation") == 1 + 2 + 2
    assert thomas.files == {}
    assert dom.count("svg", "test-thomas") == 0
    svgs = re.findall(r"<svg\b.*?</svg>", source, flags=re.DOTALL)
    assert len(svgs) == 7 + 5
    for svg in svgs:
        ET.fromstring(svg)  # each inline SVG is well-formed XML


def test_reps_and_holds_are_marked_and_tabled(report: tuple[str, Dom]) -> None:
    _, dom = report
    squat = dom.section_text("test-squat")
    rotation = dom.section_text("test-hip-rotation")
    assert all(f"rep {i}" in squat for i in (1, 2, 3))
    assert "hold L 1" in rotation and "hold R 1" in rotation
    assert "Reps and holds".upper() in squat.upper()


def test_ids_are_unique_and_internal_links_resolve(report: tuple[str, Dom]) -> None:
    _, dom = report
    ids = [a["id"] for _, a, _ in dom.tags if "id" in a]
    assert len(ids) == len(set(ids)), "duplicate ids (plots must scope theirs)"
    for tag, attributes, _ in dom.tags:
        for name in ("href", "xlink:href"):
            target = attributes.get(name)
            if target is not None and not (
                tag == "image" and target.startswith("data:image/png;base64,")
            ):
                assert target.startswith("#"), (
                    f"<{tag} {name}={target[:80]!r}> is not an internal link"
                )
                assert target[1:] in ids, f"link to missing id {target}"


def test_nothing_is_loaded_from_anywhere(report: tuple[str, Dom]) -> None:
    source, dom = report
    for tag, attributes, _ in dom.tags:
        for name, value in attributes.items():
            if name in LOADING_ATTRIBUTES:
                assert value.startswith(("#", "data:")), (
                    f"<{tag} {name}={value[:80]!r}> loads a resource"
                )
            if name == "style":
                assert "url(" not in value.replace("url(#", "")
    assert dom.count("script") == 0 and dom.count("link") == 0
    css = "\n".join(dom.styles)
    assert "@import" not in css and "url(" not in css
    assert "@media print" in css
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", source, flags=re.IGNORECASE)
    csp = [
        a
        for t, a, _ in dom.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_hostile_person_name_is_escaped(report: tuple[str, Dom]) -> None:
    source, dom = report
    assert HOSTILE not in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert dom.count("script") == 0
    assert HOSTILE in " ".join(dom.text.get(None, []))  # shown to the reader as text


def test_every_user_string_is_escaped(tmp_path: Path, copy_demo_session: CopyDemo) -> None:
    copy_demo_session(tmp_path)
    results = load_session(tmp_path)
    evil = '"><img src=x onerror=alert(2)>'
    record = results.tests[0]
    result = dataclasses.replace(
        record.result,
        title=f"Squat {evil}",
        reasons=(f"reason {evil}",),
        notes=(f"note {evil}",),
    )
    records = (
        dataclasses.replace(record, result=result, source=f"clip{evil}.mp4"),
        *results.tests[1:],
    )
    meta = {f"key{evil}": f"value{evil}"}
    save_session(
        dataclasses.replace(results, tests=records, person=evil, meta=meta, calibration=evil),
        tmp_path / "results.json",
    )
    source, dom = parse(build_report(tmp_path))
    assert "<img" not in source and "onerror=alert" not in source.replace(
        "onerror=alert(2)&gt;", ""
    )
    assert dom.count("img") == 0
    assert source.count("&lt;img src=x onerror=alert(2)&gt;") >= 6
    assert f"Squat {evil}" in dom.section_text("test-squat")


def test_quality_notes_say_what_was_not_measurable_and_why(
    demo_session: Path, report: tuple[str, Dom]
) -> None:
    _, dom = report
    squat = dom.section_text("test-squat")
    assert "Not measurable: left knee fppa: needs a front view" in squat
    rotation = dom.section_text("test-hip-rotation")
    _, rotation_record, thomas_record = load_session(demo_session).tests
    # the demo did no external-rotation trial; the protocol says so, per side
    for side in ("left", "right"):
        reason = rotation_record.result.metric("external_rotation", side).reason or ""
        assert f"no external rotation of the {side} hip found" in reason
        assert f"Not measurable: {side} external rotation: {reason}." in rotation
    thomas = dom.section_text("test-thomas")
    assert "stopped before it was complete" in thomas
    assert "No angles CSV or landmarks were saved" in thomas
    # filmed from the front: the protocol refuses the view
    [reason] = thomas_record.result.reasons
    assert "needs a side view" in reason and reason in thomas


def test_summary_has_traffic_lights_findings_and_exercises(
    demo_session: Path, report: tuple[str, Dom]
) -> None:
    _, dom = report
    results = load_session(demo_session)
    summary = dom.section_text("summary")
    lights = [
        a["class"]
        for t, a, s in dom.tags
        if s == "summary" and "light" in a.get("class", "").split()
    ]
    assert any("light-moderate" in c for c in lights) and any("light-na" in c for c in lights)
    for finding in results.findings:
        assert finding.message in summary
    assert "Suggested exercises".upper() in summary.upper()
    assert "Hip rotations in all directions" in summary


def test_methods_list_angles_norm_sources_evidence_and_disclaimer(report: tuple[str, Dom]) -> None:
    _, dom = report
    methods = dom.section_text("methods")
    for text in (
        "left_hip_flexion",
        "right_shank_frontal_inclination",
        "docs/angles.md",
        "Simoneau GG",
        "Cook G",
        "expert opinion",
    ):
        assert text in methods
    assert DISCLAIMER in methods
    assert "filter_butterworth" in methods  # provenance of the recomputed angles
    assert "camera roll assumed 0°" in methods


def test_key_frames_use_the_video_when_there_is_one(report: tuple[str, Dom]) -> None:
    source, _ = report
    squat = source[source.index('id="test-squat"') : source.index('id="test-hip-rotation"')]
    rotation = source[source.index('id="test-hip-rotation"') : source.index('id="test-thomas"')]
    assert "data:image/png;base64," in squat
    assert "<image" not in rotation and "(skeleton from the landmarks)" in rotation


def test_normal_band_comes_from_the_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path)
    info = ProtocolInfo(
        key_angle="left_knee_flexion",
        key_band=(90.0, 130.0),
        metric_labels={"thigh_vs_horizontal": "Thigh below horizontal"},
    )
    monkeypatch.setattr(
        report_html, "protocol_info", lambda test: info if test == "squat" else None
    )
    _, dom = parse(build_report(tmp_path))
    squat = dom.section_text("test-squat")
    assert "normal band 90 to 130°" in squat and "Thigh below horizontal" in squat
    assert "normal band" not in dom.section_text("test-hip-rotation")


def test_missing_and_corrupt_files_become_notes_not_failures(
    tmp_path: Path, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path)
    (tmp_path / "squat_angles.csv").unlink()
    (tmp_path / "hip_rotation_landmarks.npz").write_bytes(b"junk")
    _, dom = parse(build_report(tmp_path))
    assert "squat_angles.csv: angles CSV listed in results.json is missing" in dom.section_text(
        "test-squat"
    )
    assert "Landmarks could not be read" in dom.section_text("test-hip-rotation")


def test_output_path_and_results_json_input(tmp_path: Path, copy_demo_session: CopyDemo) -> None:
    results_json = copy_demo_session(tmp_path / "s")
    out = build_report(results_json, tmp_path / "out" / "r.html")
    assert out == tmp_path / "out" / "r.html" and out.is_file()
    assert build_report(results_json, tmp_path / "out") == tmp_path / "out" / "report.html"


def test_missing_session_is_a_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no results\.json"):
        build_report(tmp_path / "nowhere")


def test_empty_session_still_renders(tmp_path: Path) -> None:
    save_session(SessionResults(tests=(), person="Sam"), tmp_path / "results.json")
    _, dom = parse(build_report(tmp_path))
    assert "This session has no tests." in dom.section_text("summary")


def test_without_a_person_there_is_no_comparison(tmp_path: Path) -> None:
    results = SessionResults(tests=(), person=None, created="2024-06-01T10:00:00+00:00")
    with HistoryDB.open(tmp_path / "db.sqlite") as db:
        db.import_session(
            SessionResults(tests=(), person=None, created="2024-05-01T10:00:00+00:00")
        )
        assert report_html.find_previous_session(results, db) is None
    assert "No person is named" in report_html.change_note(results, None)


def test_a_video_that_does_not_match_the_landmarks_is_not_used(
    tmp_path: Path, copy_demo_session: CopyDemo
) -> None:
    copy_demo_session(tmp_path, DemoOptions(with_video=True))
    writer = cv2.VideoWriter(
        str(tmp_path / "squat.mp4"), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (320, 240)
    )
    for _ in range(10):
        writer.write(np.full((240, 320, 3), 90, dtype=np.uint8))
    writer.release()
    source, dom = parse(build_report(tmp_path))
    squat = source[source.index('id="test-squat"') : source.index('id="test-hip-rotation"')]
    assert "<image" not in squat
    assert "do not line up with the landmarks" in dom.section_text("test-squat")


def test_a_missing_video_is_noted(tmp_path: Path, copy_demo_session: CopyDemo) -> None:
    copy_demo_session(tmp_path, DemoOptions(with_video=True))
    (tmp_path / "squat.mp4").unlink()
    _, dom = parse(build_report(tmp_path))
    assert "The video squat.mp4 listed for this test is missing" in dom.section_text("test-squat")


def test_a_session_with_nothing_graded_does_not_read_as_within_the_ranges(
    tmp_path: Path,
) -> None:
    """A squat recording of someone standing still measures only "0 reps": the report's verdict
    must not say the measured tests are within the reference ranges."""
    from demo_session import analyse_demo
    from hipsight.findings.engine import graded
    from hipsight.samples.synthetic import Pose, make_sequence, side_camera, with_noise
    from hipsight.session.writer import SessionWriter

    still = with_noise(make_sequence(Pose(), side_camera(), n_frames=150).sequence, 1.0)
    squat = analyse_demo("squat", still, "still.mp4")
    assert squat.result is not None and squat.result.status != "not_measurable"
    assert not graded(squat.result)
    writer = SessionWriter(tmp_path, kind="analyze")
    writer.add_test(squat.result, {}, source="still.mp4")
    report = build_report(writer.save())

    view = report_html.build_report_view(load_session(tmp_path), tmp_path)
    verdict = view.overall_text
    assert "within the reference ranges" not in verdict
    assert verdict.startswith("No value with a reference range could be measured")
    source, dom = parse(report)
    assert verdict in source
    # grey ("measured, not compared with a reference"), not green ("within the reference"), in
    # the summary and the test
    assert view.overall == "ungraded" and view.tests[0].severity == "ungraded"
    lights = [a.get("class", "") for t, a, _ in dom.tags if "light" in a.get("class", "").split()]
    assert lights and all("light-ungraded" in c.split() for c in lights), lights
    assert 'aria-label="measured, not compared with a reference"' in source
