"""``hipsight report | history | export``, through a parser built the way the main CLI builds it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from demo_session import CopyDemo, DemoOptions, measured_value
from hipsight.errors import HipsightError
from hipsight.export.cli import register as register_export
from hipsight.finish_cli import register as register_report
from hipsight.history.cli import register as register_history
from hipsight.session.reader import load_session


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Parse and dispatch like ``hipsight.cli.main``: a HipsightError is one line and exit 2."""
    parser = argparse.ArgumentParser(prog="hipsight")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in (register_report, register_history, register_export):
        register(sub)
    args = parser.parse_args(list(argv))
    try:
        code = args.handler(args)
    except HipsightError as exc:
        print(f"hipsight: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sessions(
    tmp_path_factory: pytest.TempPathFactory, copy_demo_session: CopyDemo
) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sessions")
    first = root / "s1"
    second = root / "s2"
    copy_demo_session(first, DemoOptions(person="Ana"))
    copy_demo_session(
        second,
        DemoOptions(
            person="Ana",
            session_id="demo-0002",
            created="2024-06-01T10:00:00+00:00",
            internal_rotation_deg=(37.0, 33.0),
        ),
    )
    return first, second


def test_history_import_is_idempotent_and_lists_metrics(
    capsys: pytest.CaptureFixture[str], sessions: tuple[Path, Path], tmp_path: Path
) -> None:
    db = str(tmp_path / "h.sqlite")
    code, out, _ = run(
        capsys, "history", "import", str(sessions[0]), str(sessions[1] / "results.json"), "--db", db
    )
    assert code == 0 and out.count("imported ") == 2
    code, out, _ = run(capsys, "history", "--db", db, "import", str(sessions[0]))
    assert code == 0 and out.startswith("unchanged")
    code, out, _ = run(capsys, "history", "--db", db, "--person", "ana", "--test", "hip_rotation")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("person: Ana  (2 sessions)")
    assert lines[1].split() == ["test", "metric", "side", "2024-05-01", "2024-06-01"]
    right = [
        measured_value(load_session(s), "hip_rotation", "internal_rotation", "right")
        for s in sessions
    ]
    assert right == pytest.approx([15.0, 33.0], abs=2.0)  # the demo's right hip, then and now
    assert ["hip_rotation", "internal_rotation", "right", *(f"{v:.1f}" for v in right)] in [
        line.split() for line in lines
    ]
    assert ["hip_rotation", "external_rotation", "left", "—", "—"] in [
        line.split() for line in lines
    ]


def test_history_plot_writes_charts(
    capsys: pytest.CaptureFixture[str], sessions: tuple[Path, Path], tmp_path: Path
) -> None:
    db = str(tmp_path / "h.sqlite")
    run(capsys, "history", "import", *map(str, sessions), "--db", db)
    code, out, _ = run(
        capsys,
        "history",
        "--db",
        db,
        "--metric",
        "internal_rotation",
        "--plot",
        str(tmp_path / "plots"),
        "--plot-format",
        "svg",
    )
    assert code == 0
    assert (tmp_path / "plots" / "ana_hip_rotation_internal_rotation.svg").is_file()
    assert str(tmp_path / "plots" / "ana_hip_rotation_internal_rotation.svg") in out


def test_history_of_nobody(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "history", "--db", str(tmp_path / "h.sqlite"), "--person", "Zed")
    assert code == 0 and "no sessions for 'Zed'" in out and "hipsight history import" in out


def test_report_command_records_the_session(
    capsys: pytest.CaptureFixture[str], sessions: tuple[Path, Path], tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    out_file = tmp_path / "r.html"
    code, out, err = run(capsys, "report", str(sessions[0]), "-o", str(out_file), "--db", str(db))
    assert code == 0 and out.strip() == str(out_file) and out_file.is_file() and err == ""
    code, out, _ = run(capsys, "history", "--db", str(db), "import", str(sessions[0]))
    assert out.startswith("unchanged")


def test_report_without_history_touches_no_database(
    capsys: pytest.CaptureFixture[str],
    sessions: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HIPSIGHT_HISTORY_DB", str(tmp_path / "never.sqlite"))
    code, _, _ = run(
        capsys, "report", str(sessions[1]), "-o", str(tmp_path / "r.html"), "--no-history"
    )
    assert code == 0 and not (tmp_path / "never.sqlite").exists()


def test_export_command(
    capsys: pytest.CaptureFixture[str], sessions: tuple[Path, Path], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "export", str(sessions[0]), "--format", "mot", "--out", str(tmp_path)
    )
    assert code == 0
    assert out.split() == [
        str(tmp_path / "squat_angles.mot"),
        str(tmp_path / "hip_rotation_angles.mot"),
    ]
    assert "skipped thomas" in err


def test_bad_session_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv in (
        ("report", str(tmp_path / "none")),
        ("export", str(tmp_path / "none"), "--format", "csv"),
        ("history", "import", str(tmp_path / "none"), "--db", str(tmp_path / "h.sqlite")),
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "no results.json" in err
    assert not (tmp_path / "h.sqlite").exists()
