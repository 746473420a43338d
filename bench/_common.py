"""Helpers shared by the benchmarks: paths, timing and peak-memory sampling."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "boundaries"
SHARED_DATA = Path(os.environ.get("GEO_GUARD_SHARED_DATA", ROOT.parent / "shared" / "data"))


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``func`` once; return its result and the wall time in seconds."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """Sample this process's resident memory every 2 ms; yields a dict that gets
    ``peak_mb`` (highest RSS) and ``added_mb`` (peak minus the RSS at the start)."""
    process = psutil.Process()
    start = process.memory_info().rss
    result = {"peak_mb": start / 2**20, "added_mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        peak = start
        while not stop.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.002)
        result["peak_mb"] = peak / 2**20
        result["added_mb"] = (peak - start) / 2**20

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()


def worker_peak_mb(client: Any) -> dict[str, float]:
    """Each dask worker process's peak resident memory since it started (MiB), as the
    kernel counts it (``getrusage`` in the worker): exact, no sampling gaps."""

    def max_rss_mb() -> float:  # nested: pickled by value, the workers need no bench/
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    return client.run(max_rss_mb)
