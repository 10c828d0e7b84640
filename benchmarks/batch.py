"""Batch throughput: ``hipsight batch`` at 1, 2 and 4 jobs, against ``hipsight analyze`` in a loop
(one process per recording), the split between processes and threads, and Ray's overhead.

    .venv/bin/python benchmarks/batch.py [--clips 8] [--frames 40]  -> benchmarks/batch_results.json

Clips are cut from the Sports2D demo (230 frames, 1768x994); every configuration analyses the
same clips with ``--test gait`` into a fresh folder (no resume).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("batch_results.json")


def cut_clips(demo: Path, folder: Path, count: int, frames: int) -> list[Path]:
    """``count`` clips of ``frames`` frames, spread over the demo."""
    import cv2

    cap = cv2.VideoCapture(str(demo))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    video = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        video.append(frame)
    cap.release()
    height, width = video[0].shape[:2]
    step = max(1, (len(video) - frames) // max(1, count - 1))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        start = min(i * step, len(video) - frames)
        path = folder / f"clip{i:02d}.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        for frame in video[start : start + frames]:
            writer.write(frame)
        writer.release()
        paths.append(path)
    return paths


def time_analyze_loop(clips: list[Path], out: Path) -> float:
    """Whole ``hipsight analyze`` processes, one after another."""
    start = time.perf_counter()
    for clip in clips:
        command = [sys.executable, "-m", "hipsight.cli", "analyze", str(clip), "--test", "gait"]
        command += ["--no-progress", "--out", str(out / clip.stem)]
        subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def time_batch(
    folder: Path, out: Path, jobs: int, threads: int = 1, engine: str = "local"
) -> float:
    from hipsight.batching.runner import run_batch

    start = time.perf_counter()
    result = run_batch(folder, out, test="gait", jobs=jobs, threads=threads, engine=engine)  # type: ignore[arg-type]
    assert result.summary["counts"]["error"] == 0, result.rows
    return time.perf_counter() - start


def figures(seconds: float, clips: int, frames: int) -> dict[str, float]:
    return {
        "seconds": round(seconds, 2),
        "recordings_per_min": round(60 * clips / seconds, 1),
        "frames_per_s": round(clips * frames / seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--long-frames", type=int, default=230, help="frames of the long clips")
    args = parser.parse_args()
    from hipsight.samples.store import fetch_sample

    demo = fetch_sample("sports2d_demo")
    report: dict[str, Any] = {"cpus": os.cpu_count(), "clips": args.clips, "frames": args.frames}
    with tempfile.TemporaryDirectory(prefix="hipsight-bench-batch-") as tmp:
        root = Path(tmp)
        short = root / "short"
        clips = cut_clips(demo, short, args.clips, args.frames)
        n, f = len(clips), args.frames
        report["analyze_loop"] = figures(time_analyze_loop(clips, root / "loop"), n, f)
        for jobs in (1, 2, 4):
            seconds = time_batch(short, root / f"jobs{jobs}", jobs)
            report[f"batch_jobs{jobs}"] = figures(seconds, n, f)
        report["batch_jobs2_ray"] = figures(time_batch(short, root / "ray", 2, engine="ray"), n, f)
        long = root / "long"
        cut_clips(demo, long, 4, args.long_frames)
        g = args.long_frames
        report["long_jobs1_threads2"] = figures(time_batch(long, root / "l12", 1, 2), 4, g)
        report["long_jobs2_threads1"] = figures(time_batch(long, root / "l21", 2, 1), 4, g)
        report["long_jobs2_threads2"] = figures(time_batch(long, root / "l22", 2, 2), 4, g)
    loop = report["analyze_loop"]["seconds"]
    local2 = report["batch_jobs2"]["seconds"]
    report["speedup_jobs2_vs_analyze_loop"] = round(loop / local2, 2)
    report["ray_overhead"] = round(report["batch_jobs2_ray"]["seconds"] / local2 - 1, 3)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
