"""Classify 1,000,000 risk-source rows: ``geo-guard classify`` vs PostGIS, side by side.

The PostGIS way, as a database analyst would do it and tuned: ``COPY`` the CSV into a
table, the zone polygons ``ST_Subdivide``d (256 vertices) with a GiST index, tables
analysed, JIT off (it costs this query seconds), then one query — ``ST_Intersects`` for the
strictest zone (9 outside), ``ST_Distance`` to the centerline, ``ST_LineLocatePoint`` ×
length for the measure, the point computed once per row — written out by ``COPY (…) TO
STDOUT``.
Timed: load + query + export (the zones and the centerline are prepared beforehand, as a
database would hold them). geo_guard: the CLI an analyst runs, as its own process, on the
same file, building the same zones from the rules.

PostgreSQL runs in a throwaway cluster (Debian's ``postgresql`` and ``postgis``, a
temporary folder, a Unix socket, no port: tests/_pg.py, started as the ``postgres`` user
when run as root) and is stopped at the end. Without it the script says why and exits 0.
The same table generator and checks as bench/bench_classify.py: the same zone for every
row both placed, distances and chainages within 0.01 m.

Run: ``.venv/bin/python bench/bench_postgis.py [--points N] [--spread-m M]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import ROOT, machine
from _points import points_table
from bench_classify import RULES, canal_file, cli, compare

from geo_guard import Canal, build_zones, load_rules
from geo_guard.classification import CHINESE_HEADERS
from geo_guard.io import write_table

sys.path.insert(0, str(ROOT))  # the tests' throwaway-cluster helper
from tests._pg import PostgresUnavailable, start_cluster

COLUMNS = ("序号", "名称", "类型", "经度", "纬度", "乡镇", "联系人", "描述")
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def prepare(conn: object, canal: Canal, zones: object, srid: int) -> None:
    """The database as it would hold them: subdivided, indexed zones and the centerline."""
    columns = ", ".join(f'"{c}" text' for c in COLUMNS)
    statements = [
        f"CREATE UNLOGGED TABLE pts (id bigserial PRIMARY KEY, {columns})",
        f"CREATE TABLE zones (zone_level int, geom geometry(MultiPolygon, {srid}))",
        f"CREATE TABLE canal (geom geometry(LineString, {srid}))",
    ]
    for sql in statements:
        conn.execute(sql)  # type: ignore[attr-defined]
    import shapely

    for level, geom in zip(zones["zone_level"], zones.geometry, strict=True):
        conn.execute(  # type: ignore[attr-defined]
            f"INSERT INTO zones VALUES (%s, ST_Multi(ST_GeomFromWKB(%s, {srid})))",
            (int(level), shapely.to_wkb(geom)))
    conn.execute(f"INSERT INTO canal VALUES (ST_GeomFromWKB(%s, {srid}))",  # type: ignore[attr-defined]
                 (shapely.to_wkb(canal.line),))
    conn.execute("CREATE TABLE zone_parts AS SELECT zone_level, ST_Subdivide(geom, 256) AS geom "  # type: ignore[attr-defined]
                 "FROM zones")
    conn.execute("CREATE INDEX ON zone_parts USING gist (geom)")  # type: ignore[attr-defined]
    for table in ("zone_parts", "canal"):  # the planner's estimates: one canal row
        conn.execute(f"ANALYZE {table}")  # type: ignore[attr-defined]
    # JIT compiles this query for seconds and then runs it slower: off, PostGIS at its best.
    conn.execute("SET jit = off")  # type: ignore[attr-defined]


def postgis_way(conn: object, points: Path, output: Path, srid: int) -> tuple[float, float]:
    """Load, query and export; the seconds of the load and of query + export."""
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    start = time.perf_counter()
    with conn.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
            f"COPY pts ({names}) FROM STDIN (FORMAT csv, HEADER true)") as copy, \
            open(points, "rb") as handle:
        handle.read(3)  # the BOM: PostgreSQL's CSV reader does not skip it
        while block := handle.read(1 << 20):
            copy.write(block)
    conn.execute("ANALYZE pts")  # type: ignore[attr-defined]
    loaded = time.perf_counter()
    lon = f"""CASE WHEN p."经度" ~ '{NUMBER}' THEN p."经度"::float8 END"""
    lat = f"""CASE WHEN p."纬度" ~ '{NUMBER}' THEN p."纬度"::float8 END"""
    columns = ", ".join(f'g."{c}"' for c in COLUMNS)
    # OFFSET 0 keeps the point computed once per row (the planner would otherwise repeat
    # ST_Transform in the index condition and the filter).
    query = f"""
        SELECT {columns}, coalesce(z.level, 9) AS zone_level,
               ST_Distance(g.geom, c.geom) AS distance_m,
               ST_LineLocatePoint(c.geom, g.geom) * ST_Length(c.geom) AS measure_m
        FROM (SELECT p.*, ST_Transform(ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326), {srid})
                          AS geom
              FROM pts p OFFSET 0) g
        CROSS JOIN canal c
        LEFT JOIN LATERAL (SELECT min(s.zone_level) AS level FROM zone_parts s
                           WHERE ST_Intersects(s.geom, g.geom)) z ON true
        ORDER BY g.id"""
    with conn.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
            f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER true)") as copy, \
            open(output, "wb") as handle:
        for block in copy:
            handle.write(block)
    done = time.perf_counter()
    return loaded - start, done - loaded


def agreement(ours_path: Path, theirs_path: Path, canal: Canal) -> tuple[bool, str]:
    headers = {CHINESE_HEADERS[c]: c for c in ("zone_level", "distance_m", "chainage_m")}
    ours = pd.read_csv(ours_path, encoding="utf-8-sig", usecols=list(headers)).rename(
        columns=headers)
    theirs = pd.read_csv(theirs_path, usecols=["zone_level", "distance_m", "measure_m"])
    ok, both, figures = compare(ours, theirs, canal)
    return ok, f"{both.sum():,} rows both placed, {figures}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--spread-m", type=float, default=5000.0)
    args = parser.parse_args()
    try:
        import psycopg
    except ImportError:
        print("skipped: psycopg is not installed (pip install 'psycopg[binary]')")
        return 0
    try:
        cluster = start_cluster()
    except PostgresUnavailable as err:
        print(f"skipped: no PostgreSQL with PostGIS can be started here: {err}")
        return 0
    cleanup: list[Path] = []
    try:
        canal_path, where = canal_file()
        canal = Canal.from_file(canal_path)
        rules = load_rules(RULES)
        srid = canal.metric_crs.to_epsg()
        print(f"machine   : {machine()}")
        print(f"data      : {args.points:,} rows within {args.spread_m:,.0f} m of {where}")
        folder = Path(tempfile.mkdtemp(prefix="gg-bench-pg-"))
        cleanup.append(folder)
        points = write_table(points_table(canal, args.points, args.spread_m), folder / "pts.csv")
        zones = build_zones(canal, rules, crs=canal.metric_crs)
        with psycopg.connect(cluster.create_database(), autocommit=True) as conn:
            version = conn.execute("SELECT postgis_lib_version(), version()").fetchone()
            print(f"PostGIS   : {version[0]} on {version[1].split(',')[0]}")
            prepare(conn, canal, zones, srid)
            load_s, query_s = postgis_way(conn, points, folder / "postgis.csv", srid)
        ours_s, ours_mb, _ = cli(points, folder / "ours.csv", canal_path)
        total = load_s + query_s
        print(f"PostGIS   : {total:6.2f} s  (COPY in {load_s:.2f} s, query + COPY out "
              f"{query_s:.2f} s)")
        print(f"geo_guard : {ours_s:6.2f} s  (geo-guard classify -o .csv, peak {ours_mb:,.0f} MB)")
        print(f"ratio     : {total / ours_s:5.1f}x")
        ok, text = agreement(folder / "ours.csv", folder / "postgis.csv", canal)
        print(f"agreement : {text} {'OK' if ok else 'MISMATCH'}")
        print(f"machine   : {machine()}  (load at the end)")
        return 0 if ok else 1
    finally:
        cluster.stop()
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
