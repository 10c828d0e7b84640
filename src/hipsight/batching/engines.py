"""Where the per-recording tasks run: this machine's processes, or Ray actors.

Both engines run :class:`~hipsight.batching.task.RecordingWorker` unchanged: each worker (process
or actor) decodes its own videos and keeps its landmarkers warm; only the task (paths) goes out
and only the row comes back, never frames. Rows are yielded as recordings finish.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
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
    jobs: int | None,
    address: str | None = None,
) -> Iterator[BatchRow]:
    """Rows of ``tasks`` as they finish (any order). ``jobs=None``: one per core (Ray: as many
    actors as the cluster's CPUs hold)."""
    if not tasks:
        return iter(())
    if engine == "ray":
        return run_ray(tasks, settings, jobs, address)
    jobs = jobs or default_jobs()
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
    """Pool initializer: this process's warm worker. Ctrl-C is the driver's to handle (a
    terminal sends it to every process of the group): the worker ignores it and is ended by the
    driver (:func:`stop_workers`)."""
    global _WORKER  # noqa: PLW0603 - one worker per pool process, by design
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = RecordingWorker(settings)


def run_in_worker(task: Task) -> BatchRow:
    if _WORKER is None:
        raise RuntimeError("run_in_worker called outside a batch pool process")
    return _WORKER.run(task)


def run_pool(tasks: Sequence[Task], settings: WorkerSettings, jobs: int) -> Iterator[BatchRow]:
    """``jobs`` spawned processes, each with its worker; at most two tasks queued per worker,
    so an interruption leaves little to cancel. Interrupted (Ctrl-C, or the caller stops
    iterating), the workers are ended at once instead of finishing the recordings they are on:
    those have no marker yet, so the next run redoes them."""
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
        if running:
            stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor, grace_s: float = 5.0) -> None:
    """End the pool's worker processes now (SIGTERM, then SIGKILL after ``grace_s``)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(grace_s)
        if process.is_alive():
            process.kill()
            process.join()


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


def start_ray(ray: Any, cpus: int, address: str | None) -> bool:
    """Connect to ``address`` (an existing cluster) or start Ray here with ``cpus`` CPUs; True
    if we started it.

    A local Ray gets no ``runtime_env``: its workers inherit this process's environment (the
    ``HIPSIGHT_*`` variables, and ``PYTHONPATH`` naming this hipsight while ``ray.init`` runs),
    so the actors take over the workers Ray pre-starts instead of starting fresh ones
    (about half the actors' start-up: docs/batch.md).
    """
    if ray.is_initialized():
        return False
    common: dict[str, Any] = {"logging_level": "ERROR", "log_to_driver": False}
    if address:
        ray.init(address=address, **common)
    else:
        with worker_environment():
            # "local": a new Ray of our own, never one left running here by someone else
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, **common)
    return True


@contextmanager
def worker_environment() -> Iterator[None]:
    """``PYTHONPATH`` (absolute) leads to this hipsight while Ray starts, restored afterwards."""
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding hipsight/
    before = os.environ.get("PYTHONPATH")
    paths = [package_root, *filter(None, (before or "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(os.path.abspath(p) for p in paths))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def stop_ray(ray: Any) -> None:
    """``ray.shutdown()`` of the Ray we started, less Ray's one-second wait on its autoscaler
    monitor: told to stop after the GCS it reports to is gone, the monitor outlives its grace
    second and is killed anyway, so it is killed first (best effort: Ray internals)."""
    try:
        from ray._private import ray_constants, worker

        node: Any = getattr(worker, "_global_node", None)
        for info in node.all_processes.get(ray_constants.PROCESS_TYPE_MONITOR, []):
            if info.process.poll() is None:
                info.process.kill()
                info.process.wait(timeout=5)
    except Exception:  # another Ray version: shut down the slower way
        pass
    ray.shutdown()


def actor_count(ray: Any, jobs: int | None, threads: int) -> int:
    """``jobs`` actors of ``threads`` CPUs (None: as many as fit), at most as many as the
    cluster's CPUs hold (an actor that cannot be placed would hold its recording back for ever).
    """
    cpus = int(ray.cluster_resources().get("CPU", (jobs or 1) * threads))
    fit = max(1, cpus // threads)
    return fit if jobs is None else min(jobs, fit)


def run_ray(
    tasks: Sequence[Task], settings: WorkerSettings, jobs: int | None, address: str | None
) -> Iterator[BatchRow]:
    """Warm :class:`RecordingWorker` actors, one recording in flight each; the driver waits
    (``ray.wait`` blocks) and gathers the rows (a few hundred bytes: workers write their
    outputs themselves)."""
    ray = require_ray()
    started = start_ray(ray, (jobs or default_jobs()) * settings.threads, address)
    actors: list[Any] = []
    try:
        actor_class = ray.remote(num_cpus=settings.threads)(RecordingWorker)
        count = actor_count(ray, jobs, settings.threads)
        actors = [actor_class.remote(settings) for _ in range(count)]
        pending = list(reversed(tasks))
        running: dict[Any, tuple[Any, Task]] = {}
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
            stop_ray(ray)


def ray_row(ray: Any, ref: Any, task: Task) -> BatchRow:
    from hipsight.batching.task import outcome_row

    try:
        row: BatchRow = ray.get(ref)
    except ray.exceptions.RayError as exc:
        return outcome_row(task, "error", f"worker failed: {type(exc).__name__}", 0.0)
    return row
