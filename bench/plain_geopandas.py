"""The plain geopandas way to classify a point table, as an analyst would script it.

``read_csv``, numbers from the coordinate columns, ``sjoin`` against the zone polygons
(strictest level where pieces meet, 9 outside), ``distance`` to the centerline and
``line_locate_point`` (``GeoSeries.project``) for the measure along it, then ``to_csv``,
``to_parquet`` or ``to_excel`` by the output's extension. Coordinates typed as
degrees-minutes-seconds or with full-width digits are left empty (NaN): this script reads
plain numbers only.

The join uses ``predicate="within"``, not ``sjoin``'s default ``"intersects"``: with
points on the left, ``within`` tests each point against the prepared zone polygons, while
``intersects`` walks every vertex of every candidate polygon for every point. With the
real centerline's zones (six pieces of about 3,000 vertices) the default made this
script 199 s instead of 35 s on 1,000,000 rows (2026-11-29, this project's 2-core
machine): the benchmarks compare with the faster way. A point exactly on a zone
boundary is "within" none (zone 9 here): random coordinates never fall there, and the
benchmarks check every row's zone. The benchmarks run it as its own process, as they run the CLI.

Run: ``python bench/plain_geopandas.py POINTS.csv ZONES.gpkg CANAL.gpkg OUT.csv``
(the zones with ``zone_level`` and the centerline in the same metric CRS).
"""

from __future__ import annotations

import sys

import geopandas as gpd
import pandas as pd


def main(points: str, zones_path: str, canal_path: str, output: str) -> None:
    table = pd.read_csv(points, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    lon = pd.to_numeric(table["经度"], errors="coerce")
    lat = pd.to_numeric(table["纬度"], errors="coerce")
    zones = gpd.read_file(zones_path)
    line = gpd.read_file(canal_path).geometry.iloc[0]
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    frame = frame.to_crs(zones.crs)
    joined = gpd.sjoin(frame[["geometry"]], zones[["zone_level", "geometry"]], how="left",
                       predicate="within")
    frame["zone_level"] = joined["zone_level"].groupby(level=0).min().fillna(9).astype(int)
    frame["distance_m"] = frame.distance(line)
    # line_locate_point raises on a point without coordinates: only the rows that have them.
    placed = frame.geometry.x.notna()
    along = gpd.GeoSeries([line] * int(placed.sum()), crs=zones.crs, index=frame.index[placed])
    frame["measure_m"] = along.project(frame.geometry[placed])
    if output.endswith(".parquet"):
        frame.to_parquet(output)
    elif output.endswith(".xlsx"):
        frame.drop(columns="geometry").to_excel(output, index=False)
    else:
        frame.drop(columns="geometry").to_csv(output, index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main(*sys.argv[1:5])
