"""Helpers shared by the benchmarks: paths, timing, peak memory, the machine."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "boundaries"


def _shared_data() -> Path:
    """``$GEO_GUARD_SHARED_DATA``, else ``shared/data`` beside the checkout or beside a
    folder above it (a git worktree such as ``/work/wt/name`` shares ``/work/shared/data``
    with ``/work/main``)."""
    if "GEO_GUARD_SHARED_DATA" in os.environ:
        return Path(os.environ["GEO_GUARD_SHARED_DATA"])
    for folder in ROOT.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return ROOT.parent / "shared" / "data"


SHARED_DATA = _shared_data()
REAL_CENTERLINE = SHARED_DATA / "snwd_middle_route_centerline_osm_wgs84.geojson"


def machine() -> str:
    """One line for a benchmark's header: date, CPU, cores, memory, load, commit."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    memory = psutil.virtual_memory().total / 2**30
    return (f"{dt.datetime.now():%Y-%m-%d %H:%M}, {cpu}, {os.cpu_count()} cores, "
            f"{memory:.0f} GB, load {load}, commit {commit}{'+changes' if dirty else ''}")


#: Runs a command and writes its peak RSS (KiB, from ``wait4``) to the fd given first.
#: A small process in between: a child forked from this (large) benchmark process would
#: count this process's memory as its own peak (Linux keeps the hiwater of the image it
#: replaced at exec), so every command measured after a big table looked 1.2 GB large.
_MEASURE = (
    "import os, subprocess, sys\n"
    "fd = int(sys.argv[1])\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "os.write(fd, str(usage.ru_maxrss).encode())\n"
    "os.close(fd)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_timed(command: Sequence[str], **kwargs: Any) -> tuple[float, float, str]:
    """Run a command; its wall time (s), peak memory (MB: the kernel's peak RSS of the
    command, or of its largest child process) and output. Raises when it fails."""
    read_end, write_end = os.pipe()
    start = time.perf_counter()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(write_end), *map(str, command)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_end,), **kwargs)
    finally:
        os.close(write_end)
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    with os.fdopen(read_end, "rb") as peak_kib:
        reported = peak_kib.read()
    text = output.decode("utf-8", "replace")
    if process.returncode:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({process.returncode}):\n"
                         f"{text[-2000:]}")
    return seconds, int(reported) / 1024, text  # ru_maxrss is in KiB on Linux


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``func`` once; return its result and the wall time in seconds."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def _kernel_peak_kb() -> int | None:
    """The kernel's peak RSS of this process (``VmHWM``, KiB) after resetting it to the
    current RSS, or None where Linux's ``/proc/self/clear_refs`` is not available."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak RSS (Linux 4.0+)
        return _vm_hwm_kb()
    except OSError:
        return None


def _vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise OSError("no VmHWM in /proc/self/status")


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """This process's peak resident memory over the block; yields a dict that gets
    ``peak_mb`` (highest RSS) and ``added_mb`` (peak minus the RSS at the start).

    On Linux the kernel keeps the peak (``VmHWM``, reset at the start): exact, and no
    thread. Elsewhere a thread samples the RSS every 20 ms; a thread waking every 2 ms
    took the GIL from the timed code often enough to make a 0.8 s read take 9 s.
    """
    process = psutil.Process()
    start = process.memory_info().rss
    result = {"peak_mb": start / 2**20, "added_mb": 0.0}
    if _kernel_peak_kb() is not None:
        try:
            yield result
        finally:
            peak = max(start, _vm_hwm_kb() * 1024)
            result["peak_mb"] = peak / 2**20
            result["added_mb"] = (peak - start) / 2**20
        return
    stop = threading.Event()

    def sample() -> None:
        peak = start
        while not stop.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.02)
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
