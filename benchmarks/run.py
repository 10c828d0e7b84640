"""Side-by-side benchmark: hipsight analyze against the 2-core ceiling, and the kinematics.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). Everything is measured in one
run on the same clip, so the ratios hold on any machine; absolute fps depend on the CPU.

On the demo clip and on a 2-minute clip looped from it (written once with OpenCV, cached in the
samples folder), as whole processes (see ``benchmarks/ceiling.py``): the bare serial loop, the
2-core ceiling (two bare loops side by side on the clip's halves), ``hipsight analyze`` with its
defaults and with ``--max-people 1``, and Sports2D 0.3.4 when its venv exists; each as frames/s
and as a ratio to the ceiling, medians of ``--repeats`` alternating rounds. Then a one-line
profile of where the time of one analysis goes, and ``benchmarks/live.py``.

Targets (see README):
- default analyze >= 0.85x the ceiling on the 2-minute clip, >= 0.75x on the demo clip;
- with one person in view (Pose2Sim's single-person clip, 30 s), default analyze takes at most
  1.05x the time of ``--max-people 1``;
- >= 1.5x faster than Sports2D 0.3.4 on the demo clip, whole process, pose plus angles;
- angles + summary of 100,000 synthetic frames < 0.5 s (median of 5). The same for 100,000
  frames of the real demo tiled end to end (gappy: the walker leaves and re-enters) is reported
  too, as a harder case.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from hipsight.analysis import AnalysisOptions
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.summary import summarise_angles
from hipsight.models.store import resolve_model
from hipsight.pose.sequence import PoseSequence
from hipsight.samples.store import fetch_sample

sys.path.insert(0, str(Path(__file__).parent))
from ceiling import measure_clip  # benchmarks/ is not a package

LONG_S = 120.0
ONE_PERSON_S = 30.0  # Pose2Sim's single-person clip, played back and forth (60 fps, 1080x1920)


def synthetic_walk(n_frames: int) -> PoseSequence:
    """``n_frames`` of a synthetic side-view walk with 2 px jitter and a short gap every 10 s."""
    from hipsight.samples.synthetic import Pose, make_sequence, side_camera, sinusoid, time_axis

    t = time_axis(n_frames / 30.0)[:n_frames]
    pose = Pose(
        left_hip_flexion_deg=sinusoid(t, -15, 25, 1.1),
        right_hip_flexion_deg=sinusoid(t, -15, 25, 1.1, phase_deg=180),
        left_knee_flexion_deg=sinusoid(t, 5, 60, 1.1, phase_deg=90),
        right_knee_flexion_deg=sinusoid(t, 5, 60, 1.1, phase_deg=270),
    )
    seq = make_sequence(pose, side_camera(), t=t, jitter_px=2.0).sequence
    xy = seq.image_xy.copy()
    xy[np.arange(n_frames) % 300 < 3] = np.nan  # a 0.1 s dropout every 10 s
    return seq.with_image_xy(xy, "benchmark: dropouts")


def bench_kinematics(seq: PoseSequence, repeats: int = 5) -> dict[str, float]:
    """Angles (2D + 3D, gap filling, 6 Hz filter) + summary; best and median of ``repeats``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        summarise_angles(compute_angles(seq))
        times.append(time.perf_counter() - start)
    return {
        "frames": seq.n_frames,
        "best_s": round(float(np.min(times)), 3),
        "median_s": round(float(np.median(times)), 3),
    }


def make_long_clip(video: Path, seconds: float = LONG_S, bounce: bool = False) -> Path:
    """The clip looped to ``seconds``, written once with OpenCV beside it (cached).

    ``bounce`` plays it forwards then backwards, so the motion has no jump at the seams."""
    import cv2

    out = video.with_name(f"{video.stem}_{int(seconds)}s{'_bounce' if bounce else ''}.mp4")
    if out.is_file():
        return out
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.imencode(".png", bgr)[1])  # compressed: the clip is not held raw
    cap.release()
    if bounce:
        frames = frames + frames[-2:0:-1]
    height, width = cv2.imdecode(frames[0], cv2.IMREAD_COLOR).shape[:2]
    tmp = out.with_suffix(".part.mp4")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for k in range(round(seconds * fps)):
        writer.write(cv2.imdecode(frames[k % len(frames)], cv2.IMREAD_COLOR))
    writer.release()
    tmp.replace(out)
    return out


def count_frames(video: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(video))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    return count


def profile_analysis(video: Path) -> dict[str, float]:
    """Seconds per stage of one in-process analysis (default settings), and start-up.

    Decode runs on its own threads, overlapped with inference; ``decode`` is a decode-only
    pass for scale, and ``inference`` is the pose stage minus tracking and subject choice."""
    import cv2

    from hipsight.analysis import analyse_sequence, load_sequence, write_outputs
    from hipsight.pose import extract

    start = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    while cap.read()[0]:
        pass
    cap.release()
    decode = time.perf_counter() - start
    cmd = "import hipsight.analysis, hipsight.pose.extract, mediapipe.tasks.python.vision"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", cmd], check=True, env=dict(os.environ))
    startup = time.perf_counter() - start
    spent = {"tracking": 0.0}
    original = extract.track_people

    def timed_tracking(*args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent["tracking"] += time.perf_counter() - begin

    options = AnalysisOptions(progress=False)
    extract.track_people = timed_tracking  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        seq, warnings = load_sequence(video, options, lambda m: None)
        pose = time.perf_counter() - start
    finally:
        extract.track_people = original
    start = time.perf_counter()
    analysis = analyse_sequence(seq, options, warnings)
    kinematics = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_outputs(analysis, Path(tmp), video.stem)
        outputs = time.perf_counter() - start
    return {
        "startup_s": round(startup, 2),
        "decode_only_s": round(decode, 2),
        "inference_s": round(pose - spent["tracking"], 2),
        "tracking_s": round(spent["tracking"], 2),
        "kinematics_s": round(kinematics, 2),
        "outputs_s": round(outputs, 2),
    }


def run_live() -> dict[str, Any]:
    """``benchmarks/live.py`` in a child process; its default configuration's figures."""
    out = Path(__file__).with_name("live_results.json")
    script = Path(__file__).with_name("live.py")
    subprocess.run([sys.executable, str(script), "--out", str(out), "--rounds", "1"], check=False)
    return dict(json.loads(out.read_text(encoding="utf-8"))["default"])


def print_clip(name: str, clip: dict[str, Any]) -> None:
    parts = [
        f"{key} {value['fps']} fps ({value['vs_ceiling']}x ceiling)"
        for key, value in clip.items()
        if isinstance(value, dict) and "fps" in value
    ]
    print(f"{name}: " + "; ".join(parts), file=sys.stderr)


def check_targets(results: dict[str, Any]) -> list[str]:
    """The targets missed, one line each (empty: all met)."""
    missed = []
    demo, long = results["demo"], results.get("long_2min")
    if demo["analyze"]["vs_ceiling"] < 0.75:
        missed.append(f"demo: analyze {demo['analyze']['vs_ceiling']}x the ceiling < 0.75x")
    if long is not None and long["analyze"]["vs_ceiling"] < 0.85:
        missed.append(f"2 min: analyze {long['analyze']['vs_ceiling']}x the ceiling < 0.85x")
    if "peer" in demo:
        speedup = demo["peer"]["seconds"] / demo["analyze"]["seconds"]
        results["speedup_vs_sports2d"] = round(speedup, 2)
        if speedup < 1.5:
            missed.append(f"demo: {speedup:.2f}x faster than Sports2D < 1.5x")
    one = results.get("one_person")
    if one is not None and one["analyze"]["seconds"] > 1.05 * one["analyze_1"]["seconds"]:
        ratio = one["analyze"]["seconds"] / one["analyze_1"]["seconds"]
        missed.append(f"one person: default analyze {ratio:.2f}x --max-people 1 > 1.05x")
    if results["kinematics_100k_synthetic"]["median_s"] >= 0.5:
        missed.append("kinematics of 100k frames >= 0.5 s")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--video", type=Path, default=None, help="clip (default: the Sports2D demo)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="rounds per clip (default 3)")
    parser.add_argument("--no-long", action="store_true", help="skip the 2-minute clip")
    parser.add_argument("--no-live", action="store_true", help="skip benchmarks/live.py")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    video = args.video or fetch_sample("sports2d_demo")
    resolve_model()

    results: dict[str, Any] = {
        "machine": f"{platform.machine()} {platform.processor()}".strip(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "video": str(video),
    }
    # Kinematics first, on a quiet process (before any landmarker has run).
    results["kinematics_100k_synthetic"] = bench_kinematics(synthetic_walk(100_000))
    results["demo"] = measure_clip(video, count_frames(video), args.repeats, peer=True)
    print_clip("demo", results["demo"])
    if not args.no_long:
        long = make_long_clip(video)
        results["long_2min"] = measure_clip(long, count_frames(long), args.repeats, peer=False)
        print_clip("2 min", results["long_2min"])
    one = make_long_clip(fetch_sample("pose2sim_singleperson"), ONE_PERSON_S, bounce=True)
    results["one_person"] = measure_clip(
        one, count_frames(one), args.repeats, peer=False, only=("analyze", "analyze_1")
    )
    print_clip("one person", results["one_person"])
    results["profile_demo"] = profile_analysis(video)
    print(
        "profile (demo, s): " + ", ".join(f"{k} {v}" for k, v in results["profile_demo"].items()),
        file=sys.stderr,
    )
    if not args.no_live:
        results["live"] = run_live()
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    missed = check_targets(results)
    results["targets_missed"] = missed
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    print("targets met" if not missed else "TARGETS NOT MET: " + "; ".join(missed), file=sys.stderr)
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
