"""The whole Middle Route (1,432 km, 500 segments): zones, and the corridor against 500,000
forest polygons in one run and by chainage windows on dask; geo_guard vs plain geopandas.

The route is synthetic, built from the real OSM stretch in ../shared/data
(:mod:`_route`); the forest is :func:`bench_corridor.synthetic_forest` over the whole
route (three rows of stands a bank, planted gaps, 5 % weak stands, bow-ties), handed over
in WGS84 as forest files arrive.

* zones: :func:`geo_guard.build_zones` vs the plain geopandas way of
  :mod:`bench_zones` (single-sided buffers, ring differences, dissolve, overlay).
* corridor: :func:`geo_guard.corridor.analyse_corridor` in one run; the same by chainage
  windows (:func:`geo_guard.corridor.windows.analyse_corridor_windows`) on a dask
  ``LocalCluster`` of ``--workers`` processes; the plain geopandas way of
  :mod:`bench_corridor` (dissolve the forest, ``overlay(how="difference")``). The script
  checks that the windowed run finds the same gaps as the single run (bank and stakes;
  chainage, length and uncovered area within 1e-6) and prints times, ratios and peak
  memory (this process; each dask worker's ``ru_maxrss``).

Run: ``.venv/bin/python bench/bench_route.py [--polygons N] [--window-km K] [--workers W]
[--skip-single] [--skip-plain] [--shared-data DIR]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
from _common import ROOT, SAMPLE, SHARED_DATA, peak_rss, timed, worker_peak_mb

sys.path.insert(0, str(ROOT))  # this checkout's geo_guard, also in the dask workers

from _route import whole_route
from bench_corridor import plain_geopandas as plain_corridor
from bench_corridor import synthetic_forest
from bench_zones import plain_geopandas as plain_zones

from geo_guard import Canal, build_zones, load_rules, segment_widths
from geo_guard.corridor.analysis import analyse_corridor


def same_gaps(a, b) -> str:
    keys = ["bank", "stake_from", "stake_to"]
    if len(a) != len(b) or a[keys].values.tolist() != b[keys].values.tolist():
        return f"MISMATCH: {len(a)} gaps vs {len(b)}"
    worst = max(float(np.abs(a[c].to_numpy() - b[c].to_numpy()).max(initial=0.0))
                for c in ("chainage_from_m", "chainage_to_m", "length_m", "uncovered_m2"))
    return f"{'OK' if worst <= 1e-6 else 'MISMATCH'}: {len(a)} gaps, max difference {worst:.1e}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polygons", type=int, default=500_000)
    parser.add_argument("--step-m", type=float, default=10.0)
    parser.add_argument("--window-km", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="6GiB")
    parser.add_argument("--repeat", type=int, default=3, help="zones: best of N")
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--shared-data", type=Path, default=SHARED_DATA)
    args = parser.parse_args()

    commit = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %cs"],
                            capture_output=True, text=True).stdout.strip()
    try:
        route, route_s = timed(lambda: whole_route(args.shared_data))
    except FileNotFoundError as err:
        print(f"skipped: {err}")
        return 0
    canal = Canal.from_frame(route)
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    print(f"{time.strftime('%Y-%m-%d')}; geo_guard at {commit}; {psutil.cpu_count()} cores, "
          f"load {psutil.getloadavg()[0]:.1f}; synthetic route {canal.length_m / 1000:,.1f} km, "
          f"{len(canal.segments)} segments ({route_s:.1f} s to build)")

    # ------------------------------------------------------------------- zones
    zones_s = min(timed(lambda: build_zones(canal, rules, crs=canal.metric_crs))[1]
                  for _ in range(args.repeat))
    zones = build_zones(canal, rules, crs=canal.metric_crs)
    _, plain_s = timed(lambda: plain_zones(canal, segment_widths(canal, rules)))
    print(f"zones     : geo_guard {zones_s:6.2f} s ({len(zones):,} pieces; best of "
          f"{args.repeat}); plain geopandas {plain_s:6.2f} s; ratio {plain_s / zones_s:.1f}x"
          f" -> target <= 2 s {'met' if zones_s <= 2 else 'NOT met'}")

    # ---------------------------------------------------------------- corridor
    forest, _ = synthetic_forest(canal, rules, args.polygons)
    forest = forest.to_crs(4326)
    print(f"corridor  : {len(forest):,} forest polygons, stations every {args.step_m:g} m")
    single = None
    if not args.skip_single:
        with peak_rss() as memory:
            single, single_s = timed(lambda: analyse_corridor(canal, rules, forest,
                                                              step_m=args.step_m))
        print(f"  one run       : {single_s:7.1f} s  peak memory +{memory['added_mb']:,.0f} MB; "
              f"{len(single.stations):,} stations, {len(single.gaps)} gaps -> target <= 40 s "
              f"{'met' if single_s <= 40 else 'NOT met'}")
    from geo_guard.classification.dask import dask_client
    from geo_guard.corridor.windows import analyse_corridor_windows

    with dask_client(workers=args.workers, memory_limit=args.memory_limit) as client:
        client.run(lambda: __import__("geo_guard.corridor.analysis"))
        with peak_rss() as memory:
            windowed, windowed_s = timed(lambda: analyse_corridor_windows(
                canal, rules, forest, window_km=args.window_km, step_m=args.step_m,
                client=client))
        peaks = worker_peak_mb(client)
    per_worker = ", ".join(f"{v / 1024:.2f}" for v in peaks.values())
    print(f"  dask windows  : {windowed_s:7.1f} s  ({args.workers} workers, windows of "
          f"~{args.window_km:g} km) client +{memory['added_mb']:,.0f} MB, peak per worker "
          f"{per_worker} GiB -> target <= 40 s {'met' if windowed_s <= 40 else 'NOT met'}")
    if single is not None:
        print(f"  agreement     : windows vs one run {same_gaps(windowed.gaps, single.gaps)}")
        print(f"  ratio         : one run / dask windows = {single_s / windowed_s:.2f}x")
    if not args.skip_plain:
        plain, plain_s = timed(lambda: plain_corridor(canal, rules, forest))
        base = windowed_s if single is None else single_s
        print(f"  geopandas     : {plain_s:7.1f} s  ({len(plain):,} uncovered pieces); "
              f"ratio geopandas / geo_guard {'one run' if single is not None else 'windows'}"
              f" = {plain_s / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
