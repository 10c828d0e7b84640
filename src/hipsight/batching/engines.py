"""Where the per-recording tasks run: this machine's processes, or Ray actors.

Both engines run :class:`~hipsight.batching.task.RecordingWorker` unchanged: each worker (process
or actor) decodes its own videos and keeps its landmarkers warm; only the task (paths) goes out
and only the row comes back, never frames. Rows are yielded as recordings finish.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, Literal

from hipsight.batching.table import BatchRow
from hipsight.batching.task import RecordingWorker, Task, WorkerSettings
from hipsight.errors import DependencyError

EngineName = Literal["local", "ray"]
ENGINES: tuple[EngineName, ...] = ("local", "ray")
RAY_HINT = "pip install 'hipsight[ray]'"

_WORKER: RecordingWorker | None = None  # the worker of a pool process (set by its initializer)


def default_jobs() -> int:
    """One worker per core: on short clips, recordings side by side beat chunks of one."""
    return max(1, os.cpu_count() or 1)


def run_engine(
    engine: EngineName,
    tasks: Sequence[Task],
    settings: WorkerSettings,
    jobs: int,
    address: str | None = None,
) -> Iterator[BatchRow]:
    """Rows of ``tasks`` as they finish (any order)."""
    if not tasks:
        return iter(())
    if engine == "ray":
        return run_ray(tasks, settings, jobs, address)
    if jobs <= 1:
        return run_here(tasks, settings)
    return run_pool(tasks, settings, jobs)


# ---------------------------------------------------------------------------- local
def run_here(tasks: Sequence[Task], settings: WorkerSettings) -> Iterator[BatchRow]:
    """One worker in this process (``--jobs 1``)."""
    worker = RecordingWorker(settings)
    try:
        for task in tasks:
            yield worker.run(task)
    finally:
        worker.close()


def start_worker(settings: WorkerSettings) -> None:
    """Pool initializer: this process's warm worker."""
    global _WORKER  # noqa: PLW0603 - one worker per pool process, by design
    _WORKER = RecordingWorker(settings)


def run_in_worker(task: Task) -> BatchRow:
    if _WORKER is None:
        raise RuntimeError("run_in_worker called outside a batch pool process")
    return _WORKER.run(task)


def run_pool(tasks: Sequence[Task], settings: WorkerSettings, jobs: int) -> Iterator[BatchRow]:
    """``jobs`` spawned processes, each with its worker; at most two tasks queued per worker,
    so an interruption leaves little to cancel."""
    import multiprocessing

    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(settings,),
    )
    pending = list(reversed(tasks))
    running: dict[Future[BatchRow], Task] = {}
    try:
        while pending or running:
            while pending and len(running) < 2 * jobs:
                task = pending.pop()
                running[pool.submit(run_in_worker, task)] = task
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                yield pool_row(future, task)
    finally:
        pool.shutdown(wait=not running, cancel_futures=True)


def pool_row(future: Future[BatchRow], task: Task) -> BatchRow:
    """The row, or an ``error`` row when the worker process itself failed."""
    from hipsight.batching.task import outcome_row

    try:
        return future.result()
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return outcome_row(task, "error", f"worker failed: {type(exc).__name__}: {exc}", 0.0)


# ---------------------------------------------------------------------------- ray
def require_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise DependencyError(
            f"--engine ray needs Ray, which is not installed ({exc}); install it with: {RAY_HINT}"
        ) from exc
    return ray


def start_ray(ray: Any, jobs: int, address: str | None) -> bool:
    """Connect to ``address`` (an existing cluster) or start Ray here; True if we started it."""
    if ray.is_initialized():
        return False
    common: dict[str, Any] = {"logging_level": "ERROR", "log_to_driver": False}
    if address:
        ray.init(address=address, **common)
    else:
        ray.init(
            num_cpus=jobs,
            include_dashboard=False,
            runtime_env={"env_vars": worker_environment()},
            **common,
        )
    return True


def worker_environment() -> dict[str, str]:
    """Local Ray workers import this hipsight and use the same model and data folders."""
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding hipsight/
    paths = [package_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {"PYTHONPATH": os.pathsep.join(os.path.abspath(p) for p in paths)}
    env.update({k: v for k, v in os.environ.items() if k.startswith("HIPSIGHT_")})
    return env


def run_ray(
    tasks: Sequence[Task], settings: WorkerSettings, jobs: int, address: str | None
) -> Iterator[BatchRow]:
    """``jobs`` Ray actors, each a warm :class:`RecordingWorker`; the driver gathers rows."""
    ray = require_ray()
    started = start_ray(ray, jobs, address)
    actor_class = ray.remote(num_cpus=settings.threads)(RecordingWorker)
    actors = [actor_class.remote(settings) for _ in range(max(1, jobs))]
    pending = list(reversed(tasks))
    running: dict[Any, tuple[Any, Task]] = {}
    try:
        for actor in actors:
            if pending:
                task = pending.pop()
                running[actor.run.remote(task)] = (actor, task)
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            actor, task = running.pop(done[0])
            if pending:
                follow = pending.pop()
                running[actor.run.remote(follow)] = (actor, follow)
            yield ray_row(ray, done[0], task)
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()


def ray_row(ray: Any, ref: Any, task: Task) -> BatchRow:
    from hipsight.batching.task import outcome_row

    try:
        row: BatchRow = ray.get(ref)
    except ray.exceptions.RayError as exc:
        return outcome_row(task, "error", f"worker failed: {type(exc).__name__}", 0.0)
    return row
