"""Ctrl-C on a real ``hipsight batch --jobs 2`` process, local and Ray.

The batch runs in its own session (as a terminal runs a command); once the first recording's row
is in ``batch.csv``, SIGINT goes to the whole process group, as Ctrl-C does (or, ``driver-only``,
to the driver alone, as ``kill -INT`` does: the workers must still be ended). Three recordings:
two 30-frame clips start together, a 90-frame clip starts when the first one is done, so the
interrupt always lands while work is left (no sleeps: the test waits for the row itself). Every
process the batch started carries a tag in its environment, so leftovers are found wherever they
were re-parented.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from batch_inputs import demo_clips

import hipsight
from hipsight.batching.table import CSV_NAME, FIXED_COLUMNS, MARKER_NAME, STATUSES, read_marker

pytestmark = [pytest.mark.model, pytest.mark.sample]

TAG = "HIPSIGHT_INTERRUPT_TEST_TAG"
LONG_START, LONG_FRAMES = 40, 90


@pytest.fixture(scope="module")
def clips(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """a (30 frames), b (30 frames), c (90 frames): c is dispatched after a or b is done."""
    import cv2

    folder = tmp_path_factory.mktemp("interrupt-clips")
    short = demo_clips(demo_video)
    (folder / "a.mp4").symlink_to(short[0])
    (folder / "b.mp4").symlink_to(short[1])
    cap = cv2.VideoCapture(str(demo_video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cap.set(cv2.CAP_PROP_POS_FRAMES, LONG_START)
    writer = cv2.VideoWriter(str(folder / "c.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for _ in range(LONG_FRAMES):
        ok, frame = cap.read()
        assert ok
        writer.write(frame)
    writer.release()
    cap.release()
    return folder


def batch_process(
    clips: Path, out: Path, engine: str, tag: str, log: Path
) -> subprocess.Popen[bytes]:
    src = str(Path(hipsight.__file__).resolve().parents[1])
    env = {
        **os.environ,
        TAG: tag,
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "hipsight.cli", "batch", str(clips), "--test", "gait"]
    command += ["--jobs", "2", "--engine", engine, "--out", str(out), "--no-progress"]
    with log.open("wb") as fh:
        return subprocess.Popen(
            command, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )


def table(out: Path) -> list[dict[str, str]]:
    """batch.csv's rows; the file must parse with every row complete."""
    path = out / CSV_NAME
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, restkey="__extra__", restval=None)  # type: ignore[arg-type]
        rows = list(reader)
        assert reader.fieldnames is not None
        assert tuple(reader.fieldnames[: len(FIXED_COLUMNS)]) == FIXED_COLUMNS
    for row in rows:
        assert "__extra__" not in row and None not in row.values(), row
    return rows


def wait_for_row(out: Path, process: subprocess.Popen[bytes], log: Path, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while not table(out):
        assert process.poll() is None, f"batch ended before a row: {log.read_text()}"
        assert time.monotonic() < deadline, f"no row after {deadline_s} s: {log.read_text()}"
        time.sleep(0.05)


# Processes are found by their environment in /proc: on a system without it (macOS) the
# interrupt, the table and the resume are still checked, the leftover processes are not.
LISTS_PROCESSES = Path("/proc/self/environ").is_file()


def tagged_processes(tag: str) -> list[int]:
    """Processes whose environment carries ``tag`` (the batch and everything it started)."""
    found = []
    needle = f"{TAG}={tag}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            found.append(int(entry))
    return found


def no_processes_left(tag: str, deadline_s: float = 30.0) -> list[int]:
    """Waits until no tagged process is left (they may take a moment to exit); those left."""
    deadline = time.monotonic() + deadline_s
    while (left := tagged_processes(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.parametrize(
    ("engine", "group"),
    [("local", True), ("local", False), ("ray", True)],
    ids=["local", "local-driver-only", "ray"],
)
def test_ctrl_c_keeps_a_valid_table_leaves_no_process_and_resumes(
    clips: Path, tmp_path: Path, engine: str, group: bool
) -> None:
    out = tmp_path / "out"
    tag = uuid.uuid4().hex
    log = tmp_path / "batch.log"
    process = batch_process(clips, out, engine, tag, log)
    try:
        wait_for_row(out, process, log, deadline_s=180)
        if LISTS_PROCESSES:  # the driver and two workers, at least: seen
            assert len(tagged_processes(tag)) >= 3
        if group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert code == 130, log.read_text()
    if LISTS_PROCESSES:
        assert no_processes_left(tag) == [], log.read_text()
    rows = table(out)
    done = {Path(row["output"]).name for row in rows}
    assert 1 <= len(rows) < 3 and "c" not in done, rows
    for row in rows:
        assert row["status"] in STATUSES and row["sha256"] and row["resumed"] == "false"
        assert row["n_frames"] == "30", row
        assert (Path(row["output"]) / MARKER_NAME).is_file()
    # a worker may finish the recording it had started after the driver stopped: its folder is
    # then complete (the marker is written last) and the rerun resumes it, as a finished one
    finished = done | {n for n in ("a", "b", "c") if read_marker(out / n) is not None}

    again = tmp_path / "again.log"
    rerun = batch_process(clips, out, engine, tag, again)
    assert rerun.wait(timeout=180) == 0, again.read_text()
    if LISTS_PROCESSES:
        assert no_processes_left(tag) == [], again.read_text()
    rows = table(out)
    assert [Path(row["output"]).name for row in rows] == ["a", "b", "c"]
    assert {Path(r["output"]).name for r in rows if r["resumed"] == "true"} == finished
    assert "c" not in finished
    assert all(r["status"] != "error" for r in rows), rows
