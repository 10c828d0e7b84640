"""Side-by-side benchmark: hipsight analyze vs a bare serial MediaPipe loop, and the kinematics.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). Everything is measured in one
run on the same clip, so the ratios hold on any machine; absolute fps depend on the CPU.

Targets (see README):
- ``hipsight analyze`` end to end >= 1.25x the bare serial loop (decode, then detect_for_video)
  run with the same landmarker settings (``ratio_1``: one person per frame, ``ratio_2``: two,
  hipsight's default). ``ratio_default_vs_bare_1_person`` is reported too: the default two-person
  analysis against the cheapest possible loop;
- angles + summary of 100,000 synthetic frames < 0.5 s (median of 5). The same for 100,000
  frames of the real demo tiled end to end (gappy: the walker leaves and re-enters) is reported
  too, as a harder case.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hipsight.analysis import AnalysisOptions, run_analysis
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.summary import summarise_angles
from hipsight.models.store import resolve_model
from hipsight.pose.estimator import PoseEstimator
from hipsight.pose.sequence import PoseSequence
from hipsight.samples.store import fetch_sample


def bench_bare_loop(video: Path, max_people: int) -> dict[str, float]:
    """Decode then detect_for_video, serially, nothing else (model load included)."""
    import cv2

    model = resolve_model()
    start = time.perf_counter()
    frames = 0
    with PoseEstimator(model, mode="video", max_people=max_people) as estimator:
        cap = cv2.VideoCapture(str(video))
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            estimator.detect(
                cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            )
            frames += 1
        cap.release()
    elapsed = time.perf_counter() - start
    return {"frames": frames, "seconds": round(elapsed, 3), "fps": round(frames / elapsed, 2)}


def bench_analyze(video: Path, max_people: int) -> dict[str, float]:
    """``hipsight analyze`` end to end: pose, tracking, angles, CSV, summary and .npz written."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        analysis = run_analysis(
            video,
            out_dir=tmp,
            options=AnalysisOptions(max_people=max_people, progress=False),
            notify=lambda m: None,
        )
        elapsed = time.perf_counter() - start
    frames = analysis.sequence.n_frames
    return {"frames": frames, "seconds": round(elapsed, 3), "fps": round(frames / elapsed, 2)}


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


def tile_sequence(seq: PoseSequence, n_frames: int) -> PoseSequence:
    """A real sequence repeated to ``n_frames`` (gappy: the walker leaves and re-enters)."""
    reps = int(np.ceil(n_frames / seq.n_frames))
    return PoseSequence.from_arrays(
        t=np.arange(n_frames) / 30.0,
        image_xy=np.tile(seq.image_xy, (reps, 1, 1))[:n_frames],
        world_xyz=np.tile(seq.world_xyz, (reps, 1, 1))[:n_frames],
        visibility=np.tile(seq.visibility, (reps, 1))[:n_frames],
        presence=np.tile(seq.presence, (reps, 1))[:n_frames],
        meta=seq.meta,
    )


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--video", type=Path, default=None, help="clip (default: the Sports2D demo)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    video = args.video or fetch_sample("sports2d_demo")
    resolve_model()

    results: dict[str, object] = {
        "machine": f"{platform.machine()} {platform.processor()}",
        "video": str(video),
    }
    # Kinematics first, on a quiet process (before any landmarker has run).
    results["kinematics_100k_synthetic"] = bench_kinematics(synthetic_walk(100_000))
    results["bare_serial_1_person"] = bench_bare_loop(video, max_people=1)
    results["bare_serial_2_people"] = bench_bare_loop(video, max_people=2)
    for people in (1, 2):
        bare = results[f"bare_serial_{people}_{'person' if people == 1 else 'people'}"]
        analyze = bench_analyze(video, max_people=people)
        results[f"hipsight_analyze_{people}"] = analyze
        results[f"ratio_{people}"] = round(analyze["fps"] / bare["fps"], 2)  # type: ignore[index]
    results["ratio_default_vs_bare_1_person"] = round(
        results["hipsight_analyze_2"]["fps"] / results["bare_serial_1_person"]["fps"],
        2,  # type: ignore[index]
    )
    with tempfile.TemporaryDirectory() as tmp:
        options = AnalysisOptions(progress=False)
        seq = run_analysis(video, out_dir=tmp, options=options, notify=lambda m: None).sequence
    results["kinematics_100k_tiled_demo"] = bench_kinematics(tile_sequence(seq, 100_000))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    ok = (
        min(results["ratio_1"], results["ratio_2"]) >= 1.25  # type: ignore[type-var]
        and results["kinematics_100k_synthetic"]["median_s"] < 0.5  # type: ignore[index]
    )
    print("targets met" if ok else "TARGETS NOT MET", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
