"""The command line: bad input gives one clear line and exit code 2, and leaves nothing behind."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from hipsight.cli import main
from hipsight.samples.synthetic import Pose, make_sequence, side_camera, sinusoid


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.mp4", None, "no such file"),
        ("empty.mp4", b"", "empty"),
        ("text.mp4", b"this is not a video\n", "not a readable video"),
        ("junk_landmarks.npz", b"junk", "not a hipsight landmarks file"),
    ],
)
def test_bad_input_exit_2_one_line_nothing_written(
    tmp_path: Path, capsys, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    out_dir = tmp_path / "out"
    code, _, err = _run(capsys, "analyze", str(path), "--out", str(out_dir), "--no-progress")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("hipsight: error:")
    assert "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.model
def test_video_without_a_person(gray_video: Path, tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "out"
    code, _, err = _run(capsys, "analyze", str(gray_video), "--out", str(out_dir), "--no-progress")
    assert code == 2
    assert "no person found" in err.strip().splitlines()[-1]
    assert not out_dir.exists()


@pytest.mark.model
@pytest.mark.sample
def test_truncated_video_is_analysed_with_a_warning(
    demo_video: Path, tmp_path: Path, capsys
) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(
        demo_video.read_bytes()[:2_500_000]
    )  # moov atom first: frames up to the cut decode
    code, _, err = _run(capsys, "analyze", str(cut), "--out", str(tmp_path / "o"), "--no-progress")
    assert code == 0
    assert "truncated or damaged" in err
    rows = list(csv.DictReader((tmp_path / "o" / "cut_angles.csv").open()))
    assert 100 < len(rows) < 230


def test_landmarks_file_gives_the_same_angles_without_the_model(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    t = np.arange(60) / 30.0
    synth = make_sequence(
        Pose(left_hip_flexion_deg=sinusoid(t, -10, 30, 1.0)), side_camera(), fps=30.0, n_frames=60
    )
    npz = synth.sequence.save_npz(tmp_path / "walk_landmarks.npz")

    def no_model(*args, **kwargs):
        raise AssertionError("the model must not run for a landmarks file")

    monkeypatch.setattr("hipsight.models.store.resolve_model", no_model)
    code, _, _ = _run(
        capsys, "analyze", str(npz), "--out", str(tmp_path / "a"), "--cutoff", "0", "--no-progress"
    )
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "a" / "walk_angles.csv").open()))
    assert len(rows) == 60
    hip = np.array([float(r["left_hip_flexion_deg"]) for r in rows])
    truth = synth.truth["left_hip_flexion"]
    assert np.max(np.abs(hip - truth)) < 0.5
    code, _, _ = _run(
        capsys,
        "analyze",
        str(tmp_path / "a" / "walk_landmarks.npz"),
        "--out",
        str(tmp_path / "b"),
        "--cutoff",
        "0",
        "--no-progress",
    )
    assert code == 0
    assert (tmp_path / "a" / "walk_angles.csv").read_text() == (
        tmp_path / "b" / "walk_angles.csv"
    ).read_text()


def test_help_lists_commands(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("analyze", "models", "samples"):
        assert command in out


@pytest.mark.model
@pytest.mark.sample
def test_a_folder_of_images_is_analysed_like_a_video(
    demo_video: Path, tmp_path: Path, capsys
) -> None:
    import cv2

    folder = tmp_path / "frames"
    folder.mkdir()
    cap = cv2.VideoCapture(str(demo_video))
    for i in range(130):
        ok, frame = cap.read()
        assert ok
        if i >= 70:  # the walker is in view from about frame 60
            cv2.imwrite(str(folder / f"frame_{i:04d}.jpg"), frame)
    cap.release()
    code, _, _ = _run(capsys, "analyze", str(folder), "--out", str(tmp_path / "o"), "--no-progress")
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "o" / "frames_angles.csv").open()))
    assert len(rows) == 60
    assert float(rows[1]["time_s"]) == pytest.approx(1 / 30, abs=1e-4)
    assert np.mean([r["detected"] == "1" for r in rows]) > 0.9
