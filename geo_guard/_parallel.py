"""Run a vectorised function over chunks of large arrays in threads.

shapely, numpy and pyproj release the GIL inside their array loops, so on a machine with
several cores a million points split into one chunk per core finish that much sooner.
Small inputs run in the calling thread.

Examples
--------
>>> import numpy as np
>>> chunked(lambda a, b: a + b, np.arange(5.0), np.ones(5), min_size=2).tolist()
[1.0, 2.0, 3.0, 4.0, 5.0]
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")

#: Below this many elements a thread costs more than it saves.
MIN_CHUNK = 100_000


def workers() -> int:
    """Threads to use: the cores this process may run on, at most 8, and at most
    ``OMP_NUM_THREADS`` when it is set: dask workers set it to 1, since they already run
    one task per core, and threads inside each task would only compete for the cores."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    limit = os.environ.get("OMP_NUM_THREADS", "")
    if limit.isdigit() and int(limit) > 0:
        count = min(count, int(limit))
    return max(1, min(count, 8))


def chunked(
    func: Callable[..., np.ndarray | tuple[np.ndarray, ...]],
    *arrays: np.ndarray,
    min_size: int = MIN_CHUNK,
) -> np.ndarray | tuple[np.ndarray, ...]:
    """Apply ``func`` to aligned slices of ``arrays`` and join the results in order.

    ``func`` must be element-wise along the first axis (each output row depends only on
    the same input rows) and return an array or a tuple of arrays.
    """
    n = len(arrays[0])
    parts = min(workers(), max(1, n // min_size))
    if parts == 1:
        return func(*arrays)
    bounds = np.linspace(0, n, parts + 1).astype(int)
    with ThreadPoolExecutor(parts) as pool:
        results = list(
            pool.map(lambda i: func(*(a[bounds[i] : bounds[i + 1]] for a in arrays)), range(parts))
        )
    if isinstance(results[0], tuple):
        return tuple(np.concatenate(r) for r in zip(*results, strict=True))
    return np.concatenate(results)


def ordered_map(func: Callable[[T], R], items: Iterable[T], *, threads: int | None = None,
                window: int | None = None) -> Iterator[R]:
    """``map(func, items)`` run ahead in threads, results in order, at most ``window``
    items in flight (one per thread by default): a writer formats the next blocks while it
    writes this one, and memory stays a few blocks whatever the table's length; many small
    jobs take a wider window, so that no thread waits for the slowest of a few.

    Examples
    --------
    >>> list(ordered_map(lambda x: x * x, range(5), threads=2))
    [0, 1, 4, 9, 16]
    """
    threads = workers() if threads is None else threads
    if threads <= 1:
        yield from map(func, items)
        return
    window = max(threads, window or threads)
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off while a vectorised call makes many objects that hold no
    cycles (a million shapely points): it would otherwise walk all of them again every few
    hundred new ones.

    Examples
    --------
    >>> with gc_paused():
    ...     points = [object() for _ in range(1000)]
    >>> import gc; gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
