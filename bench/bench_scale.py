"""Classify 1M, 5M and 20M points: the in-memory engine versus the dask engine (2 workers).

Data: points spread along the sample canal and up to 5 km either side, as WGS84 lon/lat
with an id and a type, written as N Parquet files (``--files``, 20 by default: one
district office's export each). Both engines read the same files and write GeoParquet.

* in memory: ``pandas.read_parquet`` of every file, ``geo_guard.classify`` of the whole
  table, ``to_parquet``; run in a fresh process whose peak memory (``getrusage``) is the
  figure. Sizes above ``--in-memory-max`` rows are not run when the memory measured at the
  smaller sizes says they would not fit beside the other processes on this machine; the
  estimate is printed instead.
* dask: ``geo-guard classify INPUT --engine dask`` as a function: a ``LocalCluster`` of
  ``--workers`` processes with one thread each and a ``--memory-limit``, partitions of
  ``--partition-rows``, GeoParquet parts written by dask-geopandas. Each worker's peak
  memory is the kernel's ``ru_maxrss`` of the worker process.

For the smallest size the script checks that both engines give the same zone, bank and
stake for every row and distance and chainage within 1e-6 m, and prints rows per second
for each engine and size.

Run: ``.venv/bin/python bench/bench_scale.py [--sizes 1000000,5000000,20000000]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from _common import ROOT, SAMPLE, worker_peak_mb

# This checkout's geo_guard, also in the child process and the dask workers.
sys.path.insert(0, str(ROOT))

import itertools

from _points import point_lonlat

from geo_guard import Canal, load_rules

TYPES = np.array(["工业企业", "养猪场", "农家乐", "加油站", "排污口", "垃圾堆放点"])


def make_files(canal: Canal, n: int, files: int, folder: Path, seed: int = 14) -> None:
    """``n`` points in ``files`` Parquet files of about equal size."""
    folder.mkdir(parents=True)
    bounds = np.linspace(0, n, files + 1).astype(int)
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        lon, lat = point_lonlat(canal, hi - lo, 5000.0, seed=seed + i)
        rng = np.random.default_rng(seed + i)
        pd.DataFrame({
            "编号": np.arange(lo, hi, dtype=np.int64) + 1,
            "类型": TYPES[rng.integers(0, len(TYPES), hi - lo)],
            "lon": lon, "lat": lat,
        }).to_parquet(folder / f"district_{i + 1:02d}.parquet", index=False)


def _in_memory_child(folder: str, out: str, queue: multiprocessing.Queue) -> None:
    import resource

    import geopandas as gpd  # noqa: F401  (imported before the clock starts)

    from geo_guard import classify

    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    start = time.perf_counter()
    table = pd.concat([pd.read_parquet(p) for p in sorted(Path(folder).glob("*.parquet"))],
                      ignore_index=True)
    result = classify(table, canal, rules)
    result.to_parquet(out, index=False)
    seconds = time.perf_counter() - start
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def in_memory(folder: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of the in-memory engine, in a fresh process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_in_memory_child, args=(str(folder), str(out), queue))
    child.start()
    seconds, peak = queue.get()
    child.join()
    return seconds, peak


def on_dask(folder: Path, out: Path, workers: int, partition_rows: int,
            memory_limit: str) -> tuple[float, float, dict[str, float], int]:
    """Seconds (cluster start; classify and write), each worker's peak memory (MiB) and the
    number of partitions, on a fresh LocalCluster."""
    from geo_guard.classification.dask import classify_dask, dask_client
    from geo_guard.classification.partitioned import read_partitioned, write_partitioned

    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    start = time.perf_counter()
    with dask_client(workers=workers, memory_limit=memory_limit) as client:
        # Workers import geo_guard once, as a long-running cluster would have done.
        client.run(lambda: __import__("geo_guard.classification.core"))
        ready = time.perf_counter()
        frame = read_partitioned(folder, partition_rows=partition_rows)
        write_partitioned(classify_dask(frame, canal, rules, client=client), out)
        seconds = time.perf_counter() - ready
        peaks = worker_peak_mb(client)
    return ready - start, seconds, peaks, frame.npartitions


def check_same(memory_out: Path, dask_out: Path) -> str:
    """Both engines' outputs row for row."""
    a = pd.read_parquet(memory_out, columns=["zone_level", "bank", "stake", "distance_m",
                                             "chainage_m"])
    b = pd.read_parquet(dask_out, columns=["zone_level", "bank", "stake", "distance_m",
                                           "chainage_m"])
    same = (a["zone_level"].fillna(-1).to_numpy() == b["zone_level"].fillna(-1).to_numpy()).all()
    same &= (a["bank"].to_numpy() == b["bank"].to_numpy()).all()
    same &= (a["stake"].to_numpy() == b["stake"].to_numpy()).all()
    d = np.nanmax(np.abs(a["distance_m"].to_numpy() - b["distance_m"].to_numpy()))
    c = np.nanmax(np.abs(a["chainage_m"].to_numpy() - b["chainage_m"].to_numpy()))
    ok = bool(same) and d <= 1e-6 and c <= 1e-6 and len(a) == len(b)
    return (f"{'OK' if ok else 'MISMATCH'}: {len(a):,} rows, zone/bank/stake "
            f"{'equal' if same else 'DIFFER'}, max |Δdistance| {d:.1e} m, "
            f"max |Δchainage| {c:.1e} m")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000,20000000")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-rows", type=int, default=500_000)
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--in-memory-max", type=int, default=20_000_000,
                        help="largest size run in memory (if the estimate fits)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    work = Path(tempfile.mkdtemp(prefix="bench_scale_", dir=args.workdir))
    machine = (f"{psutil.cpu_count()} cores, "
               f"{psutil.virtual_memory().total / 2**30:.0f} GiB, load "
               f"{psutil.getloadavg()[0]:.1f}")
    print(f"{time.strftime('%Y-%m-%d')}; {machine}; sample canal "
          f"{canal.length_m / 1000:.1f} km; {args.files} Parquet files per size; dask: "
          f"{args.workers} workers x 1 thread, memory limit {args.memory_limit}, partitions "
          f"of {args.partition_rows:,} rows")
    mib_per_row = None
    try:
        for n in sizes:
            folder = work / f"in_{n}"
            make_files(canal, n, args.files, folder)
            memory_out = work / f"memory_{n}.parquet"
            estimate = None if mib_per_row is None else n * mib_per_row
            available = psutil.virtual_memory().available / 2**20
            if n <= args.in_memory_max and (estimate is None or estimate < 0.7 * available):
                m_s, m_peak = in_memory(folder, memory_out)
                mib_per_row = m_peak / n
                memory = (f"in memory {m_s:7.1f} s  {n / m_s:9,.0f} rows/s  peak "
                          f"{m_peak / 1024:5.1f} GiB")
            else:
                memory_out = None
                memory = (f"in memory not run: needs about {estimate / 1024:.1f} GiB "
                          f"(measured per row at the smaller size), {available / 1024:.1f} "
                          "GiB free")
            dask_out = work / f"dask_{n}"
            start_s, d_s, peaks, parts = on_dask(folder, dask_out, args.workers,
                                                 args.partition_rows, args.memory_limit)
            worker = ", ".join(f"{v / 1024:.2f}" for v in peaks.values())
            print(f"{n:>11,} points: {memory}")
            print(f"{'':>20}dask      {d_s:7.1f} s  {n / d_s:9,.0f} rows/s  {parts} partitions;"
                  f" peak per worker {worker} GiB (cluster start {start_s:.1f} s)")
            if memory_out is not None:
                print(f"{'':>20}ratio     in memory / dask = {m_s / d_s:.2f}x")
                if n == sizes[0]:
                    print(f"{'':>20}agreement {check_same(memory_out, dask_out)}")
            shutil.rmtree(folder)
            shutil.rmtree(dask_out, ignore_errors=True)
            if memory_out is not None:
                memory_out.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
