"""``hipsight assess`` through the real ``hipsight.cli.main`` (the command registered on the fly,
as the wiring in cli.py will do): exit codes and one-line errors."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from live_support import QUICK, Script, fake_protocol, side_cam, squats, still

from hipsight import cli
from hipsight.calibration.store import CameraCalibration, save_calibration
from hipsight.live import runner
from hipsight.live.cli import register
from hipsight.session.reader import load_session


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys) -> Callable[..., tuple[int, str, str]]:
    original = cli.build_parser

    def build_parser() -> argparse.ArgumentParser:
        parser = original()
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "assess" not in subparsers.choices:
            register(subparsers)
        return parser

    monkeypatch.setattr(cli, "build_parser", build_parser)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def scripted_camera(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make ``--camera`` open a script, and the model a scripted backend, with quick timing."""

    def install(script: Script, lose_at_s: float | None = None) -> None:
        monkeypatch.setattr(
            runner, "open_source", lambda *a, **k: script.source(lose_at_s=lose_at_s)
        )
        monkeypatch.setattr(runner, "_model_backend", lambda config, notify: script.backend())
        monkeypatch.setattr(
            runner.AssessConfig, "__init__", _with_quick_timing(runner.AssessConfig.__init__)
        )

    return install


def _with_quick_timing(init: Callable[..., None]) -> Callable[..., None]:
    def patched(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("timing", QUICK)
        init(self, *args, **kwargs)

    return patched


def one_error_line(err: str, *needles: str) -> bool:
    """Exactly one error line (besides the start notice), holding every needle."""
    noise = ("W0000", "I0000", "hipsight: assessing")
    lines = [line for line in err.strip().splitlines() if not line.startswith(noise)]
    return (
        len(lines) == 1
        and lines[0].startswith("hipsight: error:")
        and all(n in lines[0] for n in needles)
    )


def test_help_lists_the_options(run_cli) -> None:
    with pytest.raises(SystemExit):
        run_cli("assess", "--help")


def test_unknown_test_exits_2_with_one_line(run_cli, gray_video: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "assess",
        "--camera",
        str(gray_video),
        "--tests",
        "nope",
        "--display",
        "none",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2 and one_error_line(err, "unknown test(s) nope")
    assert not (tmp_path / "o").exists()


def test_missing_camera_exits_2_with_one_line(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "assess", "--camera", "/dev/video97", "--display", "none", "--out", str(tmp_path / "o")
    )
    assert code == 2 and one_error_line(err, "camera /dev/video97 does not exist")
    assert not (tmp_path / "o").exists()


def test_busy_or_absent_camera_index_exits_2(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "assess", "--camera", "5", "--display", "none", "--out", str(tmp_path / "o")
    )
    assert code == 2 and one_error_line(err, "camera 5 is not available")


def test_no_display_for_a_window_exits_2(
    run_cli, monkeypatch: pytest.MonkeyPatch, gray_video: Path
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = run_cli("assess", "--camera", str(gray_video), "--display", "window")
    assert code == 2 and one_error_line(err, "no display found", "--display none")


def test_missing_calibration_exits_2(
    run_cli, gray_video: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HIPSIGHT_CALIBRATION_DIR", str(tmp_path))
    code, _, err = run_cli(
        "assess", "--camera", str(gray_video), "--display", "none", "--calibration", "desk"
    )
    assert code == 2 and one_error_line(err, "no calibration named 'desk'")


def test_a_calibration_made_at_another_size_is_refused(
    run_cli, gray_video: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HIPSIGHT_CALIBRATION_DIR", str(tmp_path))
    matrix = np.array([[1000.0, 0, 960], [0, 1000.0, 540], [0, 0, 1]])
    save_calibration(CameraCalibration("phone", (1920, 1080), matrix, np.zeros(5)), tmp_path)
    code, _, err = run_cli(
        "assess", "--camera", str(gray_video), "--display", "none", "--calibration", "phone"
    )
    assert code == 2 and one_error_line(err, "640x480", "1920x1080")


def test_a_whole_session_from_the_command_line(
    run_cli, scripted_camera, fake_registry, tmp_path: Path, monkeypatch
) -> None:
    fake_registry(fake_protocol("fake_squat", reps=2))
    save_calibration(CameraCalibration("desk", (640, 480), roll_deg=1.5), tmp_path / "cal")
    monkeypatch.setenv("HIPSIGHT_CALIBRATION_DIR", str(tmp_path / "cal"))
    scripted_camera(Script().add(3, still(), side_cam()).add(8, squats(), side_cam()))
    out = tmp_path / "session"
    code, stdout, err = run_cli(
        "assess", "--tests", "fake_squat", "--display", "none", "--no-voice", "--out", str(out),
        "--person", "Ana", "--calibration", "desk",
    )  # fmt: skip
    assert code == 0, err
    assert (
        "fake_squat" in stdout
        and "measured" in stdout
        and f"results: {out / 'results.json'}" in stdout
    )
    pipeline_line = next(line for line in stdout.splitlines() if line.startswith("pipeline: "))
    assert all(
        word in pipeline_line
        for word in ("rendered", "before_inference", "before_analysis", "before_display")
    ), pipeline_line
    results = load_session(out)
    assert results.person == "Ana" and results.calibration == "desk"
    assert results.meta["roll_deg"] == 1.5


def test_camera_lost_exits_2_after_saving(
    run_cli, scripted_camera, fake_registry, tmp_path: Path
) -> None:
    fake_registry(fake_protocol("fake_squat", reps=3))
    scripted_camera(
        Script().add(3, still(), side_cam()).add(8, squats(), side_cam()), lose_at_s=4.0
    )
    out = tmp_path / "session"
    code, stdout, err = run_cli(
        "assess", "--tests", "fake_squat", "--display", "none", "--no-voice", "--out", str(out)
    )
    assert code == 2
    assert one_error_line(err, "camera was lost", str(out))
    assert "(incomplete)" in stdout
    assert load_session(out).tests[0].complete is False
