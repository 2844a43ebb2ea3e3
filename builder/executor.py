"""Executors run shard tasks. They differ in where tasks run, never in what a task produces."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Iterator


def _init_worker() -> None:
    # image work is single-threaded numpy/zlib; extra BLAS/torch threads only fight over the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def run_local(fn: Callable, tasks: Iterable, workers: int) -> Iterator:
    """Yield fn(task) results as they complete, in a process pool of `workers` (in-process when 1)."""
    tasks = list(tasks)
    if workers <= 1 or len(tasks) <= 1:
        for t in tasks:
            yield fn(t)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        pending = {pool.submit(fn, t) for t in tasks[: workers * 2]}
        queued = iter(tasks[workers * 2:])
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                nxt = next(queued, None)
                if nxt is not None:
                    pending.add(pool.submit(fn, nxt))
                yield fut.result()
