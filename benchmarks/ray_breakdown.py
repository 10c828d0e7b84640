"""Where the Ray engine's time goes, phase by phase, with the CPU seconds of every Ray process.

    .venv/bin/python benchmarks/ray_breakdown.py [--clips 8] [--frames 40] [--before | --local]

Runs the Ray engine's steps one at a time on short clips of the Sports2D demo (as
benchmarks/batch.py cuts them): ``ray.init``, actor start, model load in each actor, the
recordings (round trip at the driver against the time inside the worker: the dispatch cost),
the size of what comes back, actor kill and shutdown. For each phase: wall time, and CPU seconds
per process (from /proc: the driver, gcs_server, raylet, Ray's agents, the actors), so you see
who competes for the cores. It also counts how many landmarkers each actor created (1: warm
across recordings) and their threads. ``--before`` starts Ray as hipsight did before
(a ``runtime_env``, plain ``ray.shutdown``) for comparison. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from batch import cut_clips
from hipsight.batching.task import RecordingWorker

TICK = os.sysconf("SC_CLK_TCK")
Snapshot = dict[int, tuple[str, float, int]]
AGENTS = ("dashboard/agent", "runtime_env/agent", "log_monitor", "monitor.py", "dashboard.py")


def snapshot() -> Snapshot:
    """pid -> (command, CPU seconds, threads) for every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            raw = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        command = raw.replace(b"\0", b" ").decode(errors="replace")
        out[int(entry)] = (command, (int(fields[11]) + int(fields[12])) / TICK, int(fields[17]))
    return out


def thread_cpu(pid: int) -> dict[int, float]:
    """tid -> CPU seconds of each thread of ``pid``."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def busy_threads(before: dict[int, float], after: dict[int, float], share: float = 0.05) -> int:
    """Threads that did at least ``share`` of the process's CPU work between two readings."""
    spent = {tid: cpu - before.get(tid, 0.0) for tid, cpu in after.items()}
    total = sum(spent.values()) or 1.0
    return sum(1 for s in spent.values() if s / total >= share)


def process_name(pid: int, command: str) -> str | None:
    if pid == os.getpid():
        return "driver"
    if "ray" not in command:
        return None
    for agent in AGENTS:
        if agent in command:
            return agent
    first = command.split(maxsplit=1)[0] if command.strip() else command
    return first.rsplit("/", 1)[-1] if "/" in first else first


def cpu_by_process(before: Snapshot, after: Snapshot) -> dict[str, float]:
    groups: dict[str, float] = {}
    for pid, (command, cpu, _) in after.items():
        name = process_name(pid, command)
        if name is not None:
            spent = cpu - before.get(pid, (command, 0.0, 0))[1]
            groups[name] = round(groups.get(name, 0.0) + spent, 2)
    return {k: v for k, v in sorted(groups.items()) if v > 0}


class Probe(RecordingWorker):
    """The batch worker, plus what the probe asks it."""

    created = 0

    def pose(self) -> Any:
        if self._pose is None:
            Probe.created += 1
        return super().pose()

    def warm(self) -> tuple[int, float]:
        start = time.perf_counter()
        self.pose()
        return os.getpid(), time.perf_counter() - start

    def landmarkers_created(self) -> int:
        return Probe.created


def warm_local() -> int:
    """In a pool process: load the model, as the first recording would."""
    from hipsight.batching import engines

    assert engines._WORKER is not None
    engines._WORKER.pose()
    return os.getpid()


def local_pool(settings: Any, jobs: int) -> dict[str, float]:
    """The local engine's start-up (spawned processes importing hipsight and loading the model,
    as before their first recording) and shutdown, for comparison."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from hipsight.batching.engines import start_worker

    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(jobs, context, initializer=start_worker, initargs=(settings,))
    pids = {f.result() for f in [pool.submit(warm_local) for _ in range(jobs)]}
    ready = time.perf_counter()
    pool.shutdown(wait=True)
    return {
        "processes_started_and_model_loaded_s": round(ready - start, 2),
        "shutdown_s": round(time.perf_counter() - ready, 2),
        "processes": len(pids),
    }


def start(ray: Any, before: bool, jobs: int) -> None:
    """Ray on this machine: as the engine starts it, or as it did ``before``."""
    from hipsight.batching.engines import start_ray, worker_environment

    if before:
        env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}
        env.update({k: v for k, v in os.environ.items() if k.startswith("HIPSIGHT_")})
        with worker_environment():
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        ray.init(
            num_cpus=jobs,
            include_dashboard=False,
            logging_level="ERROR",
            log_to_driver=False,
            runtime_env={"env_vars": env},
        )
    else:
        start_ray(ray, jobs, None)


def run_recordings(ray: Any, actors: list[Any], tasks: list[Any]) -> list[dict[str, float]]:
    """As the engine dispatches: one recording in flight per actor; each one's round trip at the
    driver, time inside the worker and row size."""
    pending = list(reversed(tasks))
    running: dict[Any, tuple[Any, float]] = {}
    trips: list[dict[str, float]] = []
    for actor in actors:
        if pending:
            running[actor.run.remote(pending.pop())] = (actor, time.perf_counter())
    while running:
        done, _ = ray.wait(list(running), num_returns=1)
        arrived = time.perf_counter()
        row = ray.get(done[0])
        actor, sent = running.pop(done[0])
        size = len(pickle.dumps(row))
        trips.append({"round_trip_s": arrived - sent, "in_worker_s": row.seconds, "bytes": size})
        if pending:
            running[actor.run.remote(pending.pop())] = (actor, time.perf_counter())
        assert row.status != "error", row
    return trips


def main() -> int:  # noqa: PLR0915 - one measurement, phase after phase, reads best in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--before", action="store_true", help="start and stop Ray as before")
    parser.add_argument("--local", action="store_true", help="the local pool's start-up only")
    args = parser.parse_args()

    started = time.perf_counter()
    import ray

    import_s = time.perf_counter() - started
    from hipsight.analysis import AnalysisOptions
    from hipsight.batching.engines import stop_ray
    from hipsight.batching.plan import plan_batch
    from hipsight.batching.task import Task, WorkerSettings
    from hipsight.samples.store import fetch_sample

    tmp = Path(tempfile.mkdtemp(prefix="hipsight-ray-breakdown-"))
    clips = tmp / "clips"
    cut_clips(fetch_sample("sports2d_demo"), clips, args.clips, args.frames)
    plan_start = time.perf_counter()
    tasks = [Task(r, tmp / "out" / r.name) for r in plan_batch(clips, tmp / "out", test="gait")]
    plan_s = time.perf_counter() - plan_start
    settings = WorkerSettings(options=AnalysisOptions(progress=False), threads=1)
    if args.local:
        load = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps({"load_at_start": load, "local_pool": local_pool(settings, args.jobs)}))
        shutil.rmtree(tmp, ignore_errors=True)
        return 0
    report: dict[str, Any] = {
        "mode": "before" if args.before else "now",
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
        "import_ray_s": round(import_s, 2),
        "plan_s": round(plan_s, 3),
    }
    marks: list[tuple[str, float, Snapshot]] = [("start", time.perf_counter(), snapshot())]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), snapshot()))

    start(ray, args.before, args.jobs)
    mark("ray.init")
    actor_class = ray.remote(num_cpus=1)(Probe)
    actors = [actor_class.remote(settings) for _ in range(args.jobs)]
    ray.get([actor.__ray_ready__.remote() for actor in actors])
    mark("actors started")
    warm = ray.get([actor.warm.remote() for actor in actors])
    mark("model loaded in each actor")
    pids = [pid for pid, _ in warm]
    report["model_load_s_per_actor"] = [round(s, 2) for _, s in warm]
    report["actor_pids_were_prestarted_workers"] = all(pid in marks[1][2] for pid in pids)
    report["threads_per_actor_after_load"] = [marks[-1][2][pid][2] for pid in pids]

    threads_before = [thread_cpu(pid) for pid in pids]
    trips = run_recordings(ray, actors, tasks)
    mark("recordings")
    after = snapshot()
    report["threads_per_actor_after_run"] = [after[pid][2] for pid in pids]
    report["threads_doing_5pct_of_the_work_per_actor"] = [
        busy_threads(b, thread_cpu(pid)) for b, pid in zip(threads_before, pids, strict=True)
    ]
    report["landmarkers_created_per_actor"] = ray.get(
        [actor.landmarkers_created.remote() for actor in actors]
    )
    report["recordings"] = len(trips)
    report["in_worker_s_total"] = round(sum(t["in_worker_s"] for t in trips), 2)
    report["dispatch_s_total"] = round(sum(t["round_trip_s"] - t["in_worker_s"] for t in trips), 3)
    report["row_bytes_max"] = max(int(t["bytes"]) for t in trips)
    mark("landmarker checks")
    for actor in actors:
        ray.kill(actor)
    mark("ray.kill actors")
    if args.before:
        ray.shutdown()
    else:
        stop_ray(ray)
    mark("shutdown")
    phases = {}
    for (_, t0, p0), (name, t1, p1) in itertools.pairwise(marks):
        phases[name] = {"wall_s": round(t1 - t0, 2), "cpu_s": cpu_by_process(p0, p1)}
    report["phases"] = phases
    report["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
