"""Whole-process measurements against the 2-core ceiling, run by ``benchmarks/run.py``.

Each figure is a whole process (interpreter start-up, imports and model load included), timed
from outside, so hipsight and the bare loops are measured the same way:

- ``bare``: decode, then ``detect_for_video`` with one person per frame, serially, nothing else;
- ``ceiling``: two bare loops side by side, each on one half of the clip (the most two cores can
  give a one-landmarker-per-core layout); its time is the slower half's;
- ``analyze`` / ``analyze_1``: ``hipsight analyze`` with its defaults / ``--max-people 1``;
- ``peer``: Sports2D 0.3.4 (BlazePose, the full model), pose plus angles, when its venv exists.

The peer runs in its own venv, never in hipsight's. Create it with::

    python3.11 -m venv /tmp/peer
    /tmp/peer/bin/pip install --no-deps sports2d==0.3.4
    /tmp/peer/bin/pip install mediapipe==0.10.21 pandas anytree toml matplotlib scipy \\
        ipython statsmodels PyQt5 opencv-python tqdm

(or point ``HIPSIGHT_PEER_VENV`` at another venv).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PEER_VENV = Path(os.environ.get("HIPSIGHT_PEER_VENV", "/tmp/peer"))

BARE_LOOP = """
import json, sys, time
import cv2
from hipsight.models.store import resolve_model
from hipsight.pose.estimator import PoseEstimator
start, stop = int(sys.argv[1]), int(sys.argv[2])
cap = cv2.VideoCapture(sys.argv[3])
cap.set(cv2.CAP_PROP_POS_FRAMES, start)
frames = 0
with PoseEstimator(resolve_model(), mode="video", max_people=1) as estimator:
    while start + frames < stop:
        ok, bgr = cap.read()
        if not ok:
            break
        t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        estimator.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t)
        frames += 1
print(json.dumps({"frames": frames}))
"""

PEER_RUN = """
import sys
from pathlib import Path
import toml
from Sports2D import Sports2D
video, out = Path(sys.argv[1]), Path(sys.argv[2])
config = toml.load(Path(Sports2D.__file__).parent / "Demo" / "Config_demo.toml")
config["project"].update(video_dir=str(video.parent), video_files=video.name, result_dir=str(out))
config["pose"]["BLAZEPOSE"]["model_complexity"] = 1  # the full model, as hipsight uses
config["pose_advanced"].update(save_vid=False, save_img=False, show_plots=False,
                               overwrite_pose=True)
config["compute_angles_advanced"].update(show_angles_on_img=False, show_angles_on_vid=False,
                                         show_plots=False)
path = out / "Config.toml"
path.write_text(toml.dumps(config))
Sports2D.detect_pose(str(path))
Sports2D.compute_angles(str(path))
"""


def child_env() -> dict[str, str]:
    """The environment for child processes: this interpreter's hipsight on the path."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env.setdefault("GLOG_minloglevel", "2")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def start_process(cmd: list[str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd, cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


PEAK_RSS_MB: dict[str, float] = {}  # the largest resident memory seen per configuration


# The analysis child prints its own peak resident memory (VmHWM) as it ends. The rusage of a
# child is no use here: Linux carries the parent's peak across fork and exec.
ANALYZE = """
import sys
from hipsight.cli import main
try:
    code = main()
finally:
    with open("/proc/self/status") as status:
        peak = [line.split()[1] for line in status if line.startswith("VmHWM")]
    sys.stderr.write(f"PEAK_KB {peak[0] if peak else 0}\\n")
sys.exit(code)
"""


def wait_ok(proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for ``proc``; raise with its last lines if it failed; record a reported peak."""
    _, err = proc.communicate()
    for line in err.decode(errors="replace").splitlines():
        if line.startswith("PEAK_KB "):
            mb = int(line.split()[1]) / 1024
            PEAK_RSS_MB[what] = round(max(PEAK_RSS_MB.get(what, 0.0), mb), 1)
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{what} failed ({proc.returncode}): {' | '.join(tail)}")


def time_processes(cmds: list[list[str]], what: str, cwd: Path | None = None) -> float:
    """Wall seconds from starting ``cmds`` side by side until the last one ends."""
    start = time.perf_counter()
    procs = [start_process(cmd, cwd) for cmd in cmds]
    for proc in procs:
        wait_ok(proc, what)
    return time.perf_counter() - start


def time_bare(video: Path, frames: int) -> float:
    return time_processes([[sys.executable, "-c", BARE_LOOP, "0", str(frames), str(video)]], "bare")


def time_ceiling(video: Path, frames: int) -> float:
    half = frames // 2
    cmds = [
        [sys.executable, "-c", BARE_LOOP, "0", str(half), str(video)],
        [sys.executable, "-c", BARE_LOOP, str(half), str(frames), str(video)],
    ]
    return time_processes(cmds, "ceiling")


def time_analyze(video: Path, extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", ANALYZE]
        cmd += ["analyze", str(video), "--out", tmp, "--no-progress", *extra]
        return time_processes([cmd], f"hipsight analyze {' '.join(extra)}".strip())


def peer_python() -> Path | None:
    python = PEER_VENV / "bin" / "python"
    return python if python.is_file() else None


def time_peer(video: Path) -> float:
    python = peer_python()
    if python is None:
        raise RuntimeError(f"no peer venv at {PEER_VENV}")
    with tempfile.TemporaryDirectory() as tmp:
        env_free = [str(python), "-c", PEER_RUN, str(video), tmp]
        return time_processes([env_free], "Sports2D", cwd=Path(tmp))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def measure_clip(
    video: Path, frames: int, repeats: int, peer: bool, only: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Medians of ``repeats`` rounds, the configurations alternating within each round.

    ``only`` keeps just the named configurations (the ceiling is always measured)."""
    runs: dict[str, Any] = {
        "bare": lambda: time_bare(video, frames),
        "ceiling": lambda: time_ceiling(video, frames),
        "analyze": lambda: time_analyze(video, []),
        "analyze_1": lambda: time_analyze(video, ["--max-people", "1"]),
    }
    if peer and peer_python() is not None:
        runs["peer"] = lambda: time_peer(video)
    if only:
        runs = {name: run for name, run in runs.items() if name in only or name == "ceiling"}
    times: dict[str, list[float]] = {name: [] for name in runs}
    PEAK_RSS_MB.clear()
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(run())
    out: dict[str, Any] = {"frames": frames, "load_average": list(os.getloadavg())}
    out["peak_rss_mb"] = {what: round(mb, 1) for what, mb in PEAK_RSS_MB.items()}
    PEAK_RSS_MB.clear()
    ceiling_s = median(times["ceiling"])
    for name, values in times.items():
        seconds = median(values)
        out[name] = {
            "seconds": round(seconds, 2),
            "fps": round(frames / seconds, 1),
            "vs_ceiling": round(ceiling_s / seconds, 2),
            "all_s": [round(v, 2) for v in values],
        }
    return out


if __name__ == "__main__":
    clip, count = Path(sys.argv[1]), int(sys.argv[2])
    print(json.dumps(measure_clip(clip, count, 1, peer=True), indent=2))
