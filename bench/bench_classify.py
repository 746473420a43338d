"""Classify 1,000,000 points around the sample canal: geo_guard vs the plain geopandas way.

Both ways take the same WGS84 lon/lat points and the same zone polygons and give, per
point, the zone level, the distance to the centerline and the chainage. The plain way is
``sjoin`` against the zone polygons plus ``GeoSeries.distance`` and ``project``
(line_locate_point) against the centerline; geo_guard's adds bank and stake. The script
checks that the two agree (same zone for every point, distance and chainage within
0.01 m) and prints both times, the ratio and geo_guard's peak memory for the step.

Run: ``.venv/bin/python bench/bench_classify.py [--points N] [--spread-m M]``
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from _common import SAMPLE, peak_rss, timed

from geo_guard import Canal, build_zones, load_rules
from geo_guard.classification.core import _place_points, zone_index
from geo_guard.settings import OUTSIDE_LEVEL


def make_points(canal: Canal, n: int, spread_m: float, seed: int = 7) -> tuple[np.ndarray, ...]:
    """Points spread uniformly along the canal and up to ``spread_m`` either side, as
    WGS84 lon/lat (how a coordinate list arrives)."""
    rng = np.random.default_rng(seed)
    measure = rng.uniform(-500, canal.length_m + 500, n)
    offset = rng.uniform(-spread_m, spread_m, n)
    on_line = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure + 1.0))
    tangent = ahead - on_line
    tangent /= np.maximum(np.hypot(*tangent.T), 1e-9)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    xy = on_line + normal * offset[:, None]
    to_wgs = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True)
    return to_wgs.transform(xy[:, 0], xy[:, 1])


def ours(canal: Canal, index, lon: np.ndarray, lat: np.ndarray) -> dict:
    to_metric = pyproj.Transformer.from_crs(4326, canal.metric_crs, always_xy=True)
    x, y = to_metric.transform(lon, lat)
    return _place_points(canal, index, x, y)


def plain_geopandas(
    canal: Canal, zones: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray
) -> gpd.GeoDataFrame:
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    points = points.to_crs(canal.metric_crs)
    joined = gpd.sjoin(
        points, zones[["zone_level", "geometry"]], how="left", predicate="intersects"
    )
    level = joined["zone_level"].fillna(OUTSIDE_LEVEL).groupby(level=0).min()
    line = gpd.GeoSeries([canal.line] * len(points), crs=canal.metric_crs, index=points.index)
    points["zone_level"] = level.astype(int)
    points["distance_m"] = points.distance(canal.line)
    points["measure_m"] = line.project(points.geometry)
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--spread-m", type=float, default=5000.0)
    args = parser.parse_args()

    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    zones = build_zones(canal, rules, crs=canal.metric_crs)
    index = zone_index(canal, zones=zones)
    lon, lat = make_points(canal, args.points, args.spread_m)
    print(
        f"{args.points:,} points within {args.spread_m:,.0f} m of the sample canal "
        f"({canal.length_m / 1000:.1f} km, {len(zones)} zone pieces)"
    )

    ours(canal, index, lon[:1000], lat[:1000])  # warm-up: caches, prepared geometries
    with peak_rss() as memory:
        mine, t_ours = timed(lambda: ours(canal, index, lon, lat))
    print(
        f"geo_guard  : {t_ours:6.2f} s  (zone, distance, chainage, bank, stake; "
        f"peak memory +{memory['added_mb']:.0f} MB)"
    )
    plain, t_plain = timed(lambda: plain_geopandas(canal, zones, lon, lat))
    print(f"geopandas  : {t_plain:6.2f} s  (sjoin + distance + project)")
    print(f"ratio      : {t_plain / t_ours:6.1f}x faster")

    same_zone = np.asarray(mine["zone_level"], dtype=np.int64) == plain["zone_level"].to_numpy()
    d_err = np.abs(mine["distance_m"] - plain["distance_m"].to_numpy())
    c_err = np.abs(canal.measure_at(mine["chainage_m"]) - plain["measure_m"].to_numpy())
    print(
        f"agreement  : zone {same_zone.mean():.6%} of points, max |Δdistance| {d_err.max():.2e} m, "
        f"max |Δchainage| {c_err.max():.2e} m"
    )
    if not same_zone.all() or d_err.max() > 0.01 or c_err.max() > 0.01:
        raise SystemExit("the two ways disagree")


if __name__ == "__main__":
    main()
