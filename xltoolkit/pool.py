"""One way to spread work over processes, shared by generate and merge.

A `state` object (everything the work needs: the plan, labels …) is sent once to each worker process;
each item is then handled by ``getattr(state, method)(item)``. Results come back in item order, so
the output is the same as the serial path's (tests/test_parallel.py). Workers fork where the platform
allows it (cheap: the plan is already in memory).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterable, Iterator, Optional

PARALLEL_THRESHOLD = 40  # items; below this a process pool costs more than it saves

_STATE: Any = None
_METHOD = ""


def resolve_jobs(jobs: Optional[int], count: int, threshold: int = PARALLEL_THRESHOLD) -> int:
    """Worker processes for `count` items: `jobs` when given (1 = serial), else all cores from
    `threshold` items up and 1 below; never more than there are items."""
    if jobs is None or jobs <= 0:
        jobs = (os.cpu_count() or 1) if count >= threshold else 1
    return max(1, min(jobs, count))


def _init(state: Any, method: str) -> None:
    global _STATE, _METHOD
    _STATE, _METHOD = state, method


def _call(item: Any) -> Any:
    return getattr(_STATE, _METHOD)(item)


@contextlib.contextmanager
def mapped(state: Any, method: str, items: list, workers: int, max_chunk: int = 16) -> Iterator[Iterable]:
    """Yield the results of ``state.method(item)`` for every item, in order, using `workers`
    processes (1: in this process). Leaving the block early cancels what is not started."""
    if workers <= 1:
        yield map(getattr(state, method), items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(state, method))
    try:
        yield pool.map(_call, items, chunksize=max(1, min(max_chunk, len(items) // (workers * 4))))
    finally:
        pool.shutdown(cancel_futures=True)
