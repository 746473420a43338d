"""Classify risk-source tables end to end: ``geo-guard classify`` vs the plain geopandas way.

The issue-11 measurement: 1,000,000 rows within 5 km of the real 115 km centerline (the
sample canal when ../shared/data is absent), CSV in -> CSV out and -> Parquet out, and
200,000 rows -> XLSX. The table is generated here as field teams send it (序号, 名称, 类型,
经度, 纬度, 乡镇, 联系人, 描述; 0.5 % of the coordinates typed by hand, a few hostile notes:
bench/_points.py) and written to a temporary folder.

* geo_guard: the CLI an analyst runs, ``python -m geo_guard.cli classify pts.csv --canal …
  --rules … -o out.csv`` (and once more with ``--zones zones.gpkg``, the polygons the plain
  script uses, as an official delineation comes), as its own process (start-up, canal,
  zones, reading, the public :func:`geo_guard.classify`, summaries and writing included),
  and, in this process, the public ``read_table`` + ``classify()`` on the same file.
* plain geopandas: bench/plain_geopandas.py as its own process (``read_csv``, ``sjoin``,
  ``distance``, ``line_locate_point``, ``to_csv``/``to_parquet``/``to_excel``), with the
  same zone polygons (built from the same rules, handed over in a GeoPackage).

It checks that both give every row the same zone and distances and chainages within
0.01 m (rows whose coordinates the plain script can read; XLSX on its first 2,000 rows)
and prints times, ratios and the CLI's peak memory. PostGIS: bench/bench_postgis.py.

Run: ``.venv/bin/python bench/bench_classify.py [--points N] [--xlsx-points N] [--spread-m M]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from _common import REAL_CENTERLINE, ROOT, SAMPLE, machine, peak_rss, run_timed, timed
from _points import points_table

from geo_guard import Canal, build_zones, classify, load_rules
from geo_guard.classification import CHINESE_HEADERS
from geo_guard.io import read_table, write_table

RULES = SAMPLE / "zone_rules.example.toml"
PYTHON = sys.executable
TOLERANCE_M = 0.01


def canal_file() -> tuple[Path, str]:
    if REAL_CENTERLINE.is_file():
        return REAL_CENTERLINE, f"the real centerline ({REAL_CENTERLINE.name})"
    return SAMPLE / "canal.geojson", f"the SAMPLE canal ({REAL_CENTERLINE} is absent)"


def cli(points: Path, output: Path, canal: Path, zones: Path | None = None
        ) -> tuple[float, float, str]:
    """The command with zones built from the rules, or given as polygons (``--zones``)."""
    source = ["--zones", str(zones)] if zones is not None else ["--rules", str(RULES)]
    return run_timed([PYTHON, "-m", "geo_guard.cli", "classify", str(points), "--canal",
                      str(canal), *source, "-o", str(output)], cwd=ROOT)


def plain(points: Path, output: Path, zones: Path, line: Path) -> tuple[float, float, str]:
    script = Path(__file__).with_name("plain_geopandas.py")
    return run_timed([PYTHON, str(script), str(points), str(zones), str(line), str(output)])


def _ours_frame(path: Path, rows: int | None = None) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=["zone_level", "distance_m", "chainage_m"])
    headers = {CHINESE_HEADERS[c]: c for c in ("zone_level", "distance_m", "chainage_m")}
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=0, nrows=rows, usecols=list(headers))
    else:
        frame = pd.read_csv(path, encoding="utf-8-sig", usecols=list(headers), nrows=rows)
    return frame.rename(columns=headers)


def _plain_frame(path: Path, rows: int | None = None) -> pd.DataFrame:
    columns = ["zone_level", "distance_m", "measure_m"]
    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=columns)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, nrows=rows, usecols=columns)
    # pandas' to_csv leaves a CR typed in a note unquoted; read with LF line ends only so
    # that it stays in its row (Excel would split the row there: one reason for issue 8).
    return pd.read_csv(path, encoding="utf-8-sig", usecols=columns, nrows=rows,
                       lineterminator="\n")


def compare(ours: pd.DataFrame, theirs: pd.DataFrame, canal: Canal
            ) -> tuple[bool, np.ndarray, str]:
    """Same zone, distance and chainage (within 0.01 m) on the rows both placed: ``ours``
    with zone_level/distance_m/chainage_m, ``theirs`` with zone_level/distance_m/measure_m.
    Returns the verdict, which rows both placed, and the figures as text."""
    both = np.isfinite(theirs["distance_m"].to_numpy()) & ours["zone_level"].notna().to_numpy()
    zone = ours["zone_level"].to_numpy()[both].astype(int) == theirs["zone_level"].to_numpy()[
        both]
    d = np.abs(ours["distance_m"].to_numpy()[both] - theirs["distance_m"].to_numpy()[both])
    c = np.abs(canal.measure_at(ours["chainage_m"].to_numpy(dtype=float)[both])
               - theirs["measure_m"].to_numpy()[both])
    ok = bool(zone.all() and d.max(initial=0) <= TOLERANCE_M and c.max(initial=0) <= TOLERANCE_M)
    return ok, both, (f"zone same on {zone.mean():.4%}, max |Δdistance| "
                      f"{d.max(initial=0):.1e} m, max |Δchainage| {c.max(initial=0):.1e} m")


def agreement(ours_path: Path, plain_path: Path, canal: Canal, rows: int | None = None
              ) -> tuple[bool, str]:
    """Same zone, distance and chainage (within 0.01 m) on the rows both placed."""
    ours = _ours_frame(ours_path, rows)
    ok, both, figures = compare(ours, _plain_frame(plain_path, rows), canal)
    return ok, (f"{both.sum():,} rows both placed ({len(ours) - both.sum():,} only by "
                f"geo_guard: typed by hand or empty), {figures}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--xlsx-points", type=int, default=200_000)
    parser.add_argument("--spread-m", type=float, default=5000.0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    args = parser.parse_args()

    canal_path, where = canal_file()
    canal = Canal.from_file(canal_path)
    rules = load_rules(RULES)
    print(f"machine   : {machine()}")
    print(f"data      : {args.points:,} rows within {args.spread_m:,.0f} m of {where}, "
          f"{canal.length_m / 1000:.1f} km; {args.xlsx_points:,} rows for XLSX")
    folder = Path(tempfile.mkdtemp(prefix="gg-bench-")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, canal, rules, canal_path, folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, canal: Canal, rules: object, canal_path: Path,
        folder: Path) -> int:
    table = points_table(canal, args.points, args.spread_m)
    points = write_table(table, folder / "pts.csv")
    small = write_table(table.head(args.xlsx_points), folder / "pts_xlsx.csv")
    zones = build_zones(canal, rules, crs=canal.metric_crs)
    zones_path = folder / "zones.gpkg"
    zones[["zone_level", "geometry"]].to_file(zones_path)
    line_path = folder / "canal.gpkg"
    gpd.GeoDataFrame(geometry=[canal.line], crs=canal.metric_crs).to_file(line_path)

    # The public API in this process: read_table + classify() on the same file.
    with peak_rss() as memory:
        frame, read_s = timed(lambda: read_table(points))
        rows, api_s = timed(lambda: len(classify(frame, canal, rules)))
    print(f"API       : read_table {read_s:5.2f} s + classify() {api_s:5.2f} s "
          f"({rows:,} rows, peak memory +{memory['added_mb']:.0f} MB)")
    frame = None  # free it before the commands run

    failed = False
    # The last run gives the command the zone polygons (--zones, as an official
    # delineation comes) instead of the rules.
    runs = [(".csv", points, None, None), (".parquet", points, None, None),
            (".xlsx", small, 2000, None), (".csv", points, None, zones_path)]
    plain_runs: dict[tuple[str, Path], tuple[float, float, str]] = {}
    for suffix, source, sample, given in runs:
        ours_out, plain_out = folder / f"ours{suffix}", folder / f"plain{suffix}"
        ours_s, ours_mb, _ = cli(source, ours_out, canal_path, given)
        if (suffix, source) not in plain_runs:  # the same script on the same files: once
            plain_runs[suffix, source] = plain(source, plain_out, zones_path, line_path)
        plain_s, plain_mb, _ = plain_runs[suffix, source]
        ok, text = agreement(ours_out, plain_out, canal, sample)
        failed |= not ok
        rows = args.xlsx_points if suffix == ".xlsx" else args.points
        label = f"{suffix[1:]} --zones" if given else suffix[1:]
        print(f"CSV -> {label:<8}: {rows:,} rows  geo-guard classify {ours_s:6.2f} s "
              f"(peak {ours_mb:,.0f} MB)  plain geopandas {plain_s:6.2f} s (peak "
              f"{plain_mb:,.0f} MB)  ratio {plain_s / ours_s:5.1f}x")
        print(f"             agreement{' (first 2,000 rows)' if sample else ''}: {text} "
              f"{'OK' if ok else 'MISMATCH'}")
    print(f"machine   : {machine()}  (load at the end)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
