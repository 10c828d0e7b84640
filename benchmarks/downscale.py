"""Frames at the size the model needs (issue 15, item 2): full frames against downscaled ones.

Run with ``PYTHONPATH=src .venv/bin/python benchmarks/downscale.py`` (a few minutes; not a test).

For each clip (the Sports2D demo, 1768x994, and Pose2Sim's single-person clip, 1080x1920), every
frame is decoded once into memory, so decoding is never timed. Then a one-slot VIDEO-mode
landmarker (the full model, a fresh one per pass) runs over the clip on the full frames and on
frames shrunk with ``cv2.resize(INTER_AREA)`` so that their long side is 1280, 960 or 640 px. The
sizes are measured alternately, in rounds whose order is reversed every other round (ABCD DCBA ...),
so a change in the machine's load falls on all of them alike.

Per size:

- ``cpu_ms``: process CPU time (``time.process_time``, every thread of this process) spent in
  ``detect`` per frame, median over the rounds of each round's mean; ``wall_ms`` likewise with
  ``time.perf_counter``. ``resize_cpu_ms``: the resize alone, per frame.
- the landmark difference against full resolution, in pixels of the FULL frame (the shrunk
  frame's landmarks are scaled back up), over the body landmarks 11-32 where the full-resolution
  visibility is >= 0.5: median and 95th percentile. Frames where the one slot went to another
  person than at full resolution (the mean distance exceeds one torso length) are counted in
  ``other_person_frames`` and left out of the difference.
- ``noise_px``: the landmarks' own noise at that size, in full-frame pixels: each landmark's
  distance from its own track low-passed at 6 Hz (``filter_butterworth``), median and p95 over
  the same landmarks. The full-resolution row's noise is the yardstick for the others' difference.

Also recorded: whether two full-resolution passes give the same landmarks (the model is
deterministic on CPU, so ``repeat_px`` should be 0) and the load average before and after.
Figures go to ``benchmarks/downscale_results.json`` and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.cleaning import filter_butterworth
from hipsight.models.store import resolve_model
from hipsight.pose.estimator import PoseEstimator
from hipsight.pose.tracking import torso_scale
from hipsight.samples.store import fetch_sample

LONG_SIDES: tuple[int | None, ...] = (None, 1280, 960, 640)  # None: full frames
BODY = slice(11, 33)
MIN_VISIBILITY = 0.5
CUTOFF_HZ = 6.0
CLIPS = ("sports2d_demo", "pose2sim_singleperson")
# MediaPipe's body landmarks come in left/right pairs: 11 left shoulder, 12 right shoulder, ...
MIRROR = np.arange(33)
MIRROR[11:33:2], MIRROR[12:33:2] = np.arange(12, 33, 2), np.arange(11, 33, 2)


def decode(path: Path) -> tuple[list[NDArray[np.uint8]], list[float], float]:
    """Every frame as RGB, its timestamp in seconds, and the clip's frame rate."""
    cap = cv2.VideoCapture(str(path))
    fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
    frames, times = [], []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        times.append(len(times) / fps)
    cap.release()
    return frames, times, fps


def target_size(width: int, height: int, long_side: int | None) -> tuple[int, int]:
    if long_side is None or long_side >= max(width, height):
        return width, height
    scale = long_side / max(width, height)
    return round(width * scale), round(height * scale)


def one_pass(
    frames: list[NDArray[np.uint8]], times: list[float], long_side: int | None
) -> dict[str, Any]:
    """One landmarker over the clip at one size: timings and landmarks in full-frame pixels."""
    height, width = frames[0].shape[:2]
    size = target_size(width, height, long_side)
    back = np.array([width / size[0], height / size[1]])
    xy = np.full((len(frames), 33, 2), np.nan)
    vis = np.full((len(frames), 33), np.nan)
    detect_cpu = detect_wall = resize_cpu = 0.0
    with PoseEstimator(resolve_model(), mode="video", max_people=1) as estimator:
        for i, (rgb, t) in enumerate(zip(frames, times, strict=True)):
            c0 = time.process_time()
            small = rgb if size == (width, height) else cv2.resize(rgb, size, cv2.INTER_AREA)
            c1, w1 = time.process_time(), time.perf_counter()
            found = estimator.detect(small, t)
            detect_wall += time.perf_counter() - w1
            detect_cpu += time.process_time() - c1
            resize_cpu += c1 - c0
            if found.n_people:
                xy[i] = found.image_xy[0] * back
                vis[i] = found.visibility[0]
    n = len(frames)
    return {
        "size": size,
        "cpu_ms": 1000 * detect_cpu / n,
        "wall_ms": 1000 * detect_wall / n,
        "resize_cpu_ms": 1000 * resize_cpu / n,
        "xy": xy,
        "vis": vis,
    }


def noise_px(xy: NDArray[np.float64], vis: NDArray[np.float64], fps: float) -> NDArray[np.float64]:
    """Each body landmark's distance from its own 6 Hz low-passed track (visible ones only)."""
    smooth = filter_butterworth(xy, fps, cutoff_hz=CUTOFF_HZ)
    dist = np.linalg.norm(xy - smooth, axis=-1)[:, BODY]
    keep = (vis[:, BODY] >= MIN_VISIBILITY) & np.isfinite(dist)
    return dist[keep]


def stats(values: NDArray[np.float64]) -> dict[str, float | None]:
    if values.size == 0:
        return {"median": None, "p95": None}
    return {
        "median": round(float(np.median(values)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
    }


def compare(full: dict[str, Any], other: dict[str, Any]) -> tuple[NDArray[np.float64], int, int]:
    """Body-landmark distances (full-frame px) between two passes; frames with another person
    and frames with nobody in one of them are counted and left out."""
    a, b = full["xy"], other["xy"]
    both = np.isfinite(a).all(axis=(1, 2)) & np.isfinite(b).all(axis=(1, 2))
    dist = np.linalg.norm(a - b, axis=-1)  # (T, 33)
    scale = np.array([float(np.nan_to_num(torso_scale(a[i]), nan=np.inf)) for i in range(len(a))])
    other_person = both & (np.nanmean(dist[:, BODY], axis=1) > scale)
    keep = both & ~other_person
    body = dist[keep][:, BODY]
    visible = full["vis"][keep][:, BODY] >= MIN_VISIBILITY
    missing = int((np.isfinite(a).all(axis=(1, 2)) != np.isfinite(b).all(axis=(1, 2))).sum())
    return body[visible], int(other_person.sum()), missing


def swapped_frames(full: dict[str, Any], other: dict[str, Any]) -> int:
    """Frames where the other pass labels left and right the other way round (its mirrored body
    lies closer to the full-resolution body than itself)."""
    a, b = full["xy"][:, BODY], other["xy"][:, BODY]
    direct = np.linalg.norm(a - b, axis=-1).mean(axis=1)
    mirrored = np.linalg.norm(a - other["xy"][:, MIRROR][:, BODY], axis=-1).mean(axis=1)
    ok = np.isfinite(direct) & np.isfinite(mirrored)
    return int((mirrored[ok] < 0.5 * direct[ok]).sum())


def run_clip(name: str, rounds: int, limit: int | None = None) -> dict[str, Any]:
    path = fetch_sample(name)
    frames, times, fps = decode(path)
    frames, times = frames[:limit], times[:limit]
    height, width = frames[0].shape[:2]
    passes: dict[int | None, list[dict[str, Any]]] = {side: [] for side in LONG_SIDES}
    for r in range(rounds):
        order = LONG_SIDES if r % 2 == 0 else tuple(reversed(LONG_SIDES))
        for side in order:
            result = one_pass(frames, times, side)
            passes[side].append(result)
            print(
                f"{name} round {r + 1} {result['size'][0]}x{result['size'][1]}: "
                f"{result['cpu_ms']:.1f} ms CPU, {result['wall_ms']:.1f} ms wall per frame, "
                f"load {os.getloadavg()[0]:.2f}",
                file=sys.stderr,
            )
    full = passes[None][0]
    repeat = compare(full, passes[None][1])[0] if rounds > 1 else np.empty(0)
    rows = []
    for side in LONG_SIDES:
        runs = passes[side]
        first = runs[0]
        diff, other_person, missing = compare(full, first)
        rows.append(
            {
                "long_side": side or max(width, height),
                "size": list(first["size"]),
                "cpu_ms": round(float(np.median([p["cpu_ms"] for p in runs])), 2),
                "cpu_ms_rounds": [round(p["cpu_ms"], 2) for p in runs],
                "wall_ms": round(float(np.median([p["wall_ms"] for p in runs])), 2),
                "wall_ms_rounds": [round(p["wall_ms"], 2) for p in runs],
                "resize_cpu_ms": round(float(np.median([p["resize_cpu_ms"] for p in runs])), 2),
                "diff_px": stats(diff),
                "noise_px": stats(noise_px(first["xy"], first["vis"], fps)),
                "frames_detected": int(np.isfinite(first["xy"]).all(axis=(1, 2)).sum()),
                "frames_detected_differently": missing,
                "other_person_frames": other_person,
                "left_right_swapped_frames": swapped_frames(full, first),
            }
        )
    full_cpu = rows[0]["cpu_ms"]
    for row in rows:
        row["cpu_saved"] = round(1 - row["cpu_ms"] / full_cpu, 3)
    return {
        "clip": name,
        "frame_size": [width, height],
        "frames": len(frames),
        "fps": fps,
        "repeat_px": stats(repeat),
        "rows": rows,
    }


def print_table(results: dict[str, Any]) -> None:
    print(
        "| clip | size | CPU ms/frame | wall ms/frame | resize CPU ms | diff px median / p95 "
        "| noise px median / p95 | other person | L/R swapped |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for clip in results["clips"]:
        for row in clip["rows"]:
            d, n = row["diff_px"], row["noise_px"]
            print(
                f"| {clip['clip']} | {row['size'][0]}x{row['size'][1]} | {row['cpu_ms']} "
                f"({100 * row['cpu_saved']:+.0f}%) | {row['wall_ms']} | {row['resize_cpu_ms']} "
                f"| {d['median']} / {d['p95']} | {n['median']} / {n['p95']} "
                f"| {row['other_person_frames']} | {row['left_right_swapped_frames']} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (default 4)")
    parser.add_argument("--frames", type=int, default=None, help="first frames only (a smoke run)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("downscale_results.json")
    )
    args = parser.parse_args()
    resolve_model()
    load_before = os.getloadavg()
    started = time.monotonic()
    clips = [run_clip(name, args.rounds, args.frames) for name in CLIPS]
    results = {
        "machine": f"{platform.machine()} {platform.processor()}".strip(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "elapsed_s": round(time.monotonic() - started, 1),
        "model": resolve_model().name,
        "rounds": args.rounds,
        "interpolation": "cv2.INTER_AREA",
        "landmarks": "body 11-32, full-resolution visibility >= 0.5",
        "noise": f"distance from the track's {CUTOFF_HZ:g} Hz Butterworth low-pass",
        "clips": clips,
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
