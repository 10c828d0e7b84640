"""Batch throughput: ``hipsight batch`` at 1, 2 and 4 jobs, against ``hipsight analyze`` in a loop
(one process per recording), the split between processes and threads, and Ray's overhead.

    .venv/bin/python benchmarks/batch.py [--clips 8] [--frames 40]  -> benchmarks/batch_results.json
    .venv/bin/python benchmarks/batch.py --ray-only                 -> prints, writes nothing

Clips are cut from the Sports2D demo (230 frames, 1768x994); every configuration analyses the
same clips with ``--test gait`` into a fresh folder (no resume).

Ray's overhead is measured twice against the local engine at 2 jobs, in the same run and on the
same clips: ``ray_overhead_with_startup`` (the batch starts Ray on this machine and stops it:
what ``--engine ray`` alone costs) and ``ray_overhead_running`` (``--address`` of a Ray head
already running here, started by ``ray start --head --block`` and left to settle first: what a
batch costs on an existing cluster). The local reference is run just before and just after the
Ray runs; its mean is the denominator, and both are reported, so a change of load shows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
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
    folder: Path,
    out: Path,
    jobs: int,
    threads: int = 1,
    engine: str = "local",
    address: str | None = None,
) -> float:
    from hipsight.batching.runner import run_batch

    start = time.perf_counter()
    result = run_batch(
        folder,
        out,
        test="gait",
        jobs=jobs,
        threads=threads,
        engine=engine,  # type: ignore[arg-type]
        address=address,
    )
    assert result.summary["counts"]["error"] == 0, result.rows
    return time.perf_counter() - start


@contextmanager
def ray_head(cpus: int, log: Path, settle_s: float = 5.0) -> Iterator[str]:
    """A Ray head on this machine (``ray start --head --block``), as an existing cluster; its
    address. Its processes share its fate: ending the command ends them all."""
    from hipsight.batching.engines import worker_environment

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ray = Path(sys.executable).with_name("ray")
    command = [str(ray), "start", "--head", "--block", f"--num-cpus={cpus}", f"--port={port}"]
    command += ["--include-dashboard=false", "--disable-usage-stats"]
    with worker_environment(), log.open("wb") as fh:  # its workers import this hipsight
        head = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (address := found_address(log)):
            if head.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start failed: {log.read_text()}")
            time.sleep(0.2)
        time.sleep(settle_s)  # its agents finish starting: the cluster is idle, as a running one
        yield address
    finally:
        head.terminate()
        head.wait(timeout=60)
        current = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"
        if current.is_file() and current.read_text().strip() == found_address(log):
            current.unlink()  # as `ray stop` does: a later ray.init() must not look for it


def found_address(log: Path) -> str:
    found = re.search(r"ray start --address='([^']+)'", log.read_text())
    return found.group(1) if found else ""


def ray_overhead(
    short: Path, root: Path, clips: int, frames: int, repeat: int = 1
) -> dict[str, Any]:
    """Ray against the local engine at 2 jobs, with and without Ray's start-up (see above):
    ``repeat`` rounds of local, Ray started by the batch, Ray already running, local."""
    rounds = []
    for i in range(repeat):
        load = os.getloadavg()[0]
        first = time_batch(short, root / f"ray-ref1-{i}", 2)
        with_startup = time_batch(short, root / f"ray-start-{i}", 2, engine="ray")
        with ray_head(2, root / f"ray-head-{i}.log") as address:
            running = time_batch(short, root / f"ray-run-{i}", 2, engine="ray", address=address)
        second = time_batch(short, root / f"ray-ref2-{i}", 2)
        local = (first + second) / 2
        rounds.append(
            {
                "load_at_start": round(load, 2),
                "local_jobs2_s": [round(first, 2), round(second, 2)],
                "ray_jobs2_with_startup_s": round(with_startup, 2),
                "ray_jobs2_running_s": round(running, 2),
                "overhead_with_startup": round(with_startup / local - 1, 3),
                "overhead_running": round(running / local - 1, 3),
            }
        )
    last = rounds[-1]
    return {
        "rounds": rounds,
        "ray_jobs2_with_startup": figures(last["ray_jobs2_with_startup_s"], clips, frames),
        "ray_jobs2_running": figures(last["ray_jobs2_running_s"], clips, frames),
        "ray_overhead_with_startup": median([r["overhead_with_startup"] for r in rounds]),
        "ray_overhead_running": median([r["overhead_running"] for r in rounds]),
    }


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
    parser.add_argument(
        "--ray-only", action="store_true", help="only Ray's overhead; print it, write nothing"
    )
    parser.add_argument(
        "--ray-rounds", type=int, default=1, help="rounds of the Ray comparison (median ratio)"
    )
    args = parser.parse_args()
    from hipsight.samples.store import fetch_sample

    demo = fetch_sample("sports2d_demo")
    report: dict[str, Any] = {"cpus": os.cpu_count(), "clips": args.clips, "frames": args.frames}
    with tempfile.TemporaryDirectory(prefix="hipsight-bench-batch-") as tmp:
        root = Path(tmp)
        short = root / "short"
        clips = cut_clips(demo, short, args.clips, args.frames)
        n, f = len(clips), args.frames
        if args.ray_only:
            print(
                json.dumps({**report, **ray_overhead(short, root, n, f, args.ray_rounds)}, indent=2)
            )
            return 0
        report["analyze_loop"] = figures(time_analyze_loop(clips, root / "loop"), n, f)
        for jobs in (1, 2, 4):
            seconds = time_batch(short, root / f"jobs{jobs}", jobs)
            report[f"batch_jobs{jobs}"] = figures(seconds, n, f)
        report["ray"] = ray_overhead(short, root, n, f, args.ray_rounds)
        long = root / "long"
        cut_clips(demo, long, 4, args.long_frames)
        g = args.long_frames
        report["long_jobs1_threads2"] = figures(time_batch(long, root / "l12", 1, 2), 4, g)
        report["long_jobs2_threads1"] = figures(time_batch(long, root / "l21", 2, 1), 4, g)
        report["long_jobs2_threads2"] = figures(time_batch(long, root / "l22", 2, 2), 4, g)
    loop = report["analyze_loop"]["seconds"]
    local2 = report["batch_jobs2"]["seconds"]
    report["speedup_jobs2_vs_analyze_loop"] = round(loop / local2, 2)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
