"""``hipsight calibrate ...`` end to end on synthetic boards and stance landmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from hipsight.calibration.baseline import load_baseline
from hipsight.calibration.cli import build_parser, camera_frames, main
from hipsight.calibration.store import default_calibration_name, load_calibration
from hipsight.errors import CameraError
from hipsight.io.video import Frame
from hipsight.samples.synthetic import Pose, front_camera, make_sequence

STANCE_ROLL = 3.5


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["calibrate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stance_npz(tmp_path: Path) -> Path:
    camera = front_camera(roll_deg=STANCE_ROLL)
    seq = make_sequence(Pose(), camera, n_frames=120, jitter_px=0.5).sequence
    return seq.save_npz(tmp_path / "stance_landmarks.npz")


def _calibrate_lab(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    code, _, err = _run(
        capsys,
        "camera",
        "--images",
        str(folder),
        "--board",
        "9x6",
        "--square",
        "25",
        "--name",
        "lab",
    )
    assert code == 0, err


def test_camera_from_images_then_default_and_show(
    capsys: pytest.CaptureFixture[str], board_image_folder: Path, calibration_folder: Path
) -> None:
    code, out, err = _run(
        capsys,
        "camera",
        "--images",
        str(board_image_folder),
        "--board",
        "9x6",
        "--square",
        "25",
        "--name",
        "lab",
    )
    assert code == 0, err
    assert "12 usable views from 12 images" in out and "principal point" in out
    assert f"saved {calibration_folder / 'lab.toml'}" in out
    assert load_calibration("lab").n_views == 12

    assert _run(capsys, "default", "lab")[0] == 0
    assert default_calibration_name() == "lab"
    assert "default calibration: lab" in _run(capsys, "default")[1]
    code, out, _ = _run(capsys, "show")
    assert code == 0 and "calibrations: lab (default)" in out
    code, out, _ = _run(capsys, "show", "lab")
    assert code == 0 and "RMS reprojection error" in out


def test_camera_with_too_few_views_exits_2_with_the_reason(
    capsys: pytest.CaptureFixture[str],
    board_image_folder: Path,
    tmp_path: Path,
    calibration_folder: Path,
) -> None:
    few = tmp_path / "few"
    few.mkdir()
    for path in sorted(board_image_folder.iterdir())[:3]:
        (few / path.name).write_bytes(path.read_bytes())
    code, _, err = _run(
        capsys, "camera", "--images", str(few), "--board", "9x6", "--square", "25", "--name", "few"
    )
    assert code == 2
    assert "too few usable chessboard views: need at least 4, got 3" in err
    assert err.count("\n") == 1  # one line
    assert not (calibration_folder / "few.toml").exists()


def test_camera_from_four_views_prints_and_stores_the_uncertainty(
    capsys: pytest.CaptureFixture[str], board_image_folder: Path, tmp_path: Path
) -> None:
    four = tmp_path / "four"
    four.mkdir()
    for path in sorted(board_image_folder.iterdir())[:4]:
        (four / path.name).write_bytes(path.read_bytes())
    code, out, err = _run(
        capsys,
        "camera",
        "--images",
        str(four),
        "--board",
        "9x6",
        "--square",
        "25",
        "--name",
        "four",
    )
    assert code == 0, err
    assert "standard deviation fx" in out and "angle error from the calibration (2 SD)" in out
    assert "per-view RMS" in out
    calib = load_calibration("four")
    assert calib.n_views == 4 and calib.uncertainty is not None
    assert len(calib.per_view_rms_px) == 4
    code, _, err = _run(
        capsys,
        "camera",
        "--images",
        str(four),
        "--board",
        "9x6",
        "--square",
        "25",
        "--name",
        "strict",
        "--max-angle-error",
        "0.05",
    )
    assert code == 2 and "expected an angle error of at most 0.05°, got 0." in err


def test_live_camera_that_is_missing_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys, "camera", "--camera", "99", "--board", "9x6", "--square", "25", "--name", "cam"
    )
    assert code == 2
    assert (
        err == "hipsight: error: camera 99 is not available (missing, or busy in another program)\n"
    )


def test_level_from_a_level_board_updates_the_calibration(
    capsys: pytest.CaptureFixture[str],
    board_image_folder: Path,
    board_renderer: Any,
    tmp_path: Path,
) -> None:
    _calibrate_lab(capsys, board_image_folder)
    camera = front_camera(
        roll_deg=-4.0,
        distance_m=0.55,
        target=(0.0, 1.2, 0.0),
        image_size=(640, 480),
        focal_px=600.0,
    )
    axes = np.column_stack([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]])
    origin = np.array([0.0, 1.2, 0.0]) - axes @ np.array([4 * 0.025, 2.5 * 0.025, 0.0])
    folder = tmp_path / "level"
    folder.mkdir()
    image = board_renderer.render(
        camera.rotation @ axes, camera.rotation @ (origin - camera.position) * 1000.0
    )
    cv2.imwrite(str(folder / "level.png"), image)
    code, out, err = _run(
        capsys, "level", "--name", "lab", "--images", str(folder), "--board", "9x6"
    )
    assert code == 0, err
    assert "camera tilted by 4.0° (counter-clockwise" in out
    calib = load_calibration("lab")
    assert calib.has_intrinsics and calib.level_method == "board"
    assert calib.roll_deg == pytest.approx(-4.0, abs=0.1)


def test_level_needs_a_board_size_for_board_sources(
    capsys: pytest.CaptureFixture[str], board_image_folder: Path
) -> None:
    code, _, err = _run(capsys, "level", "--name", "x", "--images", str(board_image_folder))
    assert code == 2 and "--board COLSxROWS is needed" in err


def test_level_from_a_stance_creates_a_level_only_calibration(
    capsys: pytest.CaptureFixture[str], stance_npz: Path
) -> None:
    code, out, err = _run(capsys, "level", "--name", "laptop", "--stand", str(stance_npz), "--yes")
    assert code == 0, err
    assert "roll +3.5°" in out
    calib = load_calibration("laptop")
    assert not calib.has_intrinsics and calib.level_method == "stance"
    assert calib.roll_deg == pytest.approx(STANCE_ROLL, abs=0.05)
    assert calib.image_size == (1920, 1080)


def test_level_refuses_frames_of_another_size(
    capsys: pytest.CaptureFixture[str], board_image_folder: Path, stance_npz: Path
) -> None:
    _calibrate_lab(capsys, board_image_folder)
    code, _, err = _run(capsys, "level", "--name", "lab", "--stand", str(stance_npz), "--yes")
    assert code == 2 and "1920x1080 px but calibration 'lab' was made at 640x480 px" in err


def test_stance_writes_the_person_baseline_with_the_calibration(
    capsys: pytest.CaptureFixture[str], stance_npz: Path, calibration_folder: Path
) -> None:
    assert _run(capsys, "level", "--name", "laptop", "--stand", str(stance_npz), "--yes")[0] == 0
    code, out, err = _run(
        capsys,
        "stance",
        "--person",
        "anna",
        "--video",
        str(stance_npz),
        "--height-cm",
        "175",
        "--calibration",
        "laptop",
    )
    assert code == 0, err
    assert "anna: front stance, 4.0 s still" in out and "calibration laptop" in out
    baseline = load_baseline("anna")
    assert baseline.height_cm == 175.0
    front = baseline.views["front"]
    assert front.calibration == "laptop" and front.roll_deg == pytest.approx(STANCE_ROLL, abs=0.05)
    assert front.angles_deg["pelvic_obliquity"] == pytest.approx(0.0, abs=0.2)
    code, out, _ = _run(capsys, "show", "anna")
    assert code == 0 and "person anna, 175 cm" in out
    assert (calibration_folder / "person_anna.toml").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("show", "nobody"), "no calibration or person named 'nobody'"),
        (("stance", "--person", "anna", "--video", "missing.npz"), "missing.npz: no such file"),
        (("stance", "--person", "default", "--video", "x.npz"), "reserved"),
        (("default", "ghost"), "no calibration named 'ghost'"),
        (
            ("camera", "--images", "nowhere", "--board", "9x6", "--square", "25", "--name", "x"),
            "not a folder",
        ),
        (("camera", "--images", ".", "--board", "9", "--square", "25", "--name", "x"), "COLSxROWS"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert message in err and err.startswith("hipsight: error: ")


def test_register_adds_every_subcommand() -> None:
    parser = build_parser()
    for argv in (
        [
            "calibrate",
            "camera",
            "--video",
            "v.mp4",
            "--board",
            "9x6",
            "--square",
            "20",
            "--name",
            "n",
        ],
        ["calibrate", "level", "--name", "n", "--stand", "s.mp4"],
        ["calibrate", "stance", "--person", "p", "--video", "s.mp4", "--view", "side"],
        ["calibrate", "default", "n"],
        ["calibrate", "show"],
    ):
        assert callable(parser.parse_args(argv).handler)
    with pytest.raises(SystemExit):
        parser.parse_args(
            [
                "calibrate",
                "camera",
                "--images",
                "d",
                "--video",
                "v",
                "--board",
                "9x6",
                "--square",
                "1",
                "--name",
                "n",
            ]
        )


def test_camera_from_a_video_samples_frames_and_skips_repeats(
    capsys: pytest.CaptureFixture[str], board_scene: Any, tmp_path: Path
) -> None:
    path = tmp_path / "board.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (640, 480))
    assert writer.isOpened()
    for image in board_scene.images:
        for _ in range(3):  # the board rests for three frames at each position
            writer.write(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    writer.release()
    code, out, err = _run(
        capsys,
        "camera",
        "--video",
        str(path),
        "--step",
        "1",
        "--board",
        "9x6",
        "--square",
        "25",
        "--name",
        "vid",
    )
    assert code == 0, err
    assert "12 usable views from 36 images" in out and "24 near-duplicates" in out
    calib = load_calibration("vid")
    assert calib.camera_matrix is not None
    assert calib.camera_matrix[0, 0] == pytest.approx(600.0, rel=0.01)


class _FakeCamera:
    def __init__(self, n: int, lose: bool) -> None:
        self.n, self.lose, self.lost, self.closed = n, lose, False, False
        self.description = "camera 0"

    def __iter__(self) -> Any:
        for i in range(self.n):
            yield Frame(index=i, t_s=i / 10.0, rgb=np.zeros((4, 4, 3), np.uint8))
        self.lost = self.lose

    def close(self) -> None:
        self.closed = True


def test_camera_frames_stop_after_the_time_and_report_a_lost_camera() -> None:
    camera = _FakeCamera(100, lose=False)
    assert len(list(camera_frames(camera, 1.0))) == 11  # type: ignore[arg-type]
    assert camera.closed
    lost = _FakeCamera(3, lose=True)
    with pytest.raises(CameraError, match="stopped delivering frames"):
        list(camera_frames(lost, 10.0))  # type: ignore[arg-type]
    assert lost.closed
