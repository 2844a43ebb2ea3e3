"""Executors run shard tasks. They differ in where tasks run, never in what a task produces: a shard task is a
pure function of its plan rows, so both engines and any worker count give byte-identical shards."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import chain, islice
from typing import Callable, Iterable, Iterator, Optional

from cytoimagenet.errors import UserError

ENGINES = ("local", "ray")


def _init_worker() -> None:
    # image work is single-threaded numpy/zlib; extra BLAS/torch threads only fight over the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def check_engine(engine: str, address: Optional[str] = None) -> None:
    """Fail before any work when the engine cannot run: a typo or a missing Ray should not cost the records stage."""
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if address and engine != "ray":
        raise UserError("--address names a Ray cluster; it needs --engine ray")
    if engine == "ray":
        _import_ray()


def run_tasks(fn: Callable, tasks: Iterable, workers: int, engine: str = "local",
              address: Optional[str] = None) -> Iterator:
    """Yield fn(task) results as they complete, on the chosen engine."""
    check_engine(engine, address)
    if engine == "ray":
        return run_ray(fn, tasks, workers, address)
    return run_local(fn, tasks, workers)


def run_local(fn: Callable, tasks: Iterable, workers: int) -> Iterator:
    """Yield fn(task) results as they complete, in a process pool of `workers` (in-process when 1). `tasks` is
    consumed lazily, a bounded window ahead of the results: a generator of tasks is never held whole."""
    queued = iter(tasks)
    if workers <= 1:
        for t in queued:
            yield fn(t)
        return
    head = list(islice(queued, workers * 2))
    if len(head) <= 1:  # one task: a pool would only add its start-up
        for t in head:
            yield fn(t)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
    try:
        # a bounded window of submitted tasks: results stream back while the rest wait unbuilt in the caller's
        # generator, not in the pool's queue, so a failure stops the build without a backlog of work to drain
        pending = {pool.submit(fn, t) for t in head}
        del head
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                nxt = next(queued, None)
                if nxt is not None:
                    pending.add(pool.submit(fn, nxt))
                yield fut.result()
    finally:
        # on success nothing is pending; on an error or Ctrl-C, drop what has not started
        pool.shutdown(wait=True, cancel_futures=True)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise UserError(
            "--engine ray needs Ray, an optional extra: pip install 'cytoimagenet[ray]' "
            "(or use the default --engine local)"
        ) from None
    return ray


def run_ray(fn: Callable, tasks: Iterable, workers: int, address: Optional[str] = None) -> Iterator:
    """Yield fn(task) results as they complete, as Ray tasks.

    With no address a private local Ray instance of `workers` CPUs is started and shut down afterwards (never
    one that happens to run on the machine: its CPUs are someone else's). With an address (host:port,
    ray://host:port or "auto") the build joins that cluster and leaves it running; `workers` is then ignored and
    the cluster's CPUs set the parallelism. On a cluster, the sources and the release's parent folder must be on
    a filesystem every node mounts at the same path: tasks read sources and write shards where they run."""
    ray = _import_ray()
    queued = iter(tasks)
    first = list(islice(queued, 1))
    if not first:  # nothing to run: no Ray instance to start
        return
    started = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, log_to_driver=True)
            else:
                ray.init(address="local", num_cpus=max(1, workers), include_dashboard=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray instance"
            raise UserError(f"cannot start or join {where}: {exc}") from None
        started = True
    try:
        yield from _stream_ray(ray, fn, chain(first, queued))
    finally:
        if started:
            ray.shutdown()


def _stream_ray(ray, fn: Callable, tasks: Iterable) -> Iterator:
    # a task re-run after a lost worker rewrites the same bytes through an atomic rename, so retries are safe;
    # exceptions raised by the task itself (bad disk, a bug) are not retried: they would fail the same way
    remote = ray.remote(num_cpus=1, max_retries=3, retry_exceptions=False)(fn)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    window = max(2, 2 * cpus)  # keep every CPU busy without shipping the whole plan to the object store at once
    queued = iter(tasks)
    pending = [remote.remote(t) for t in _take(queued, window)]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            pending.extend(remote.remote(t) for t in _take(queued, len(done)))
            for ref in done:
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    # the task's own exception (a UserError naming a file, say) rather than Ray's wrapper
                    cause = getattr(exc, "cause", None)
                    if isinstance(cause, BaseException):
                        raise cause from exc
                    raise
                yield result
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)


def _take(it: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out
