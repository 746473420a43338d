"""Build the protection zones of the whole 115 km real centerline: geo_guard vs plain geopandas.

Data: the OpenStreetMap centerline in ../shared/data (27 ways), with attributes varied
per segment so that several rules apply (structure from the OSM tags; groundwater and
permeability alternating). The plain way buffers each segment on each bank with
single-sided buffers, takes ring differences row by row, dissolves per level and makes
each level exclude the stricter ones with ``overlay``; it leaves wedge-shaped holes at
bends and junctions, which geo_guard's territories avoid, so the areas are compared for
information only. Prints both times and the ratio, and the topology of geo_guard's
pieces measured with plain shapely: overlap between pieces, holes in their union, pieces
under 1 m².

Run: ``.venv/bin/python bench/bench_zones.py [--repeat N]``
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _common import SAMPLE, SHARED_DATA, timed

from geo_guard import Canal, build_zones, load_rules, segment_widths


def real_canal() -> Canal:
    path = SHARED_DATA / "snwd_middle_route_ways_osm_wgs84.geojson"
    if not path.is_file():
        raise SystemExit(f"real data not found at {path}; this benchmark needs ../shared/data")
    ways = gpd.read_file(path)
    n = len(ways)
    ways["section"] = "挖方"
    ways["groundwater"] = np.where(np.arange(n) % 3 == 0, "高于渠底", "低于渠底")
    ways["permeability"] = np.where(np.arange(n) % 2 == 0, "弱透水", "强透水")
    ways["edge_left_m"] = 55 + (np.arange(n) % 4) * 5
    ways["edge_right_m"] = 60 + (np.arange(n) % 3) * 5
    return Canal.from_frame(ways)


def plain_geopandas(canal: Canal, widths: pd.DataFrame) -> gpd.GeoDataFrame:
    segments = canal.segments.geometry.to_numpy()[widths["segment_index"].to_numpy()]
    sign = np.where(widths["bank"] == "左岸", 1.0, -1.0)
    base = gpd.GeoSeries(segments, crs=canal.metric_crs)
    levels = sorted(int(c.split("_")[1]) for c in widths.columns if c.startswith("outer_"))
    pieces = []
    previous = None
    outer_m = np.zeros(len(widths))
    for level in levels:
        # A bank without this level keeps the previous outer line: its ring is empty.
        outer_m = widths[f"outer_{level}"].fillna(pd.Series(outer_m)).to_numpy()
        outer = base.buffer(sign * outer_m, single_sided=True)
        ring = outer if previous is None else outer.difference(previous)
        pieces.append(gpd.GeoDataFrame({"zone_level": [level] * len(ring)},
                                       geometry=ring.values))
        previous = outer
    rings = pd.concat(pieces, ignore_index=True).set_crs(canal.metric_crs, allow_override=True)
    dissolved = rings.dissolve(by="zone_level", as_index=False)
    result, stricter = [], None
    for _, row in dissolved.iterrows():
        level = gpd.GeoDataFrame({"zone_level": [row.zone_level]}, geometry=[row.geometry],
                                 crs=canal.metric_crs)
        if stricter is not None:
            level = gpd.overlay(level, stricter, how="difference", keep_geom_type=False)
        result.append(level)
        both = level if stricter is None else pd.concat([stricter, level], ignore_index=True)
        stricter = both[["geometry"]].dissolve()
    return pd.concat(result, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each way; the best counts")
    args = parser.parse_args()

    canal = real_canal()
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    widths = segment_widths(canal, rules)
    print(f"real centerline: {canal.length_m / 1000:.1f} km, {len(canal.segments)} segments, "
          f"{widths['rule'].nunique()} rules applied")
    runs = [timed(lambda: build_zones(canal, rules, crs=canal.metric_crs))
            for _ in range(args.repeat)]
    zones, t_ours = min(runs, key=lambda r: r[1])
    plain_runs = [timed(lambda: plain_geopandas(canal, widths)) for _ in range(args.repeat)]
    plain, t_plain = min(plain_runs, key=lambda r: r[1])
    ours_km2 = zones.area_m2.sum() / 1e6
    plain_km2 = plain.area.sum() / 1e6
    print(f"geo_guard  : {t_ours:6.3f} s  ({len(zones)} pieces, {ours_km2:.2f} km², valid: "
          f"{bool(zones.is_valid.all())})")
    print(f"geopandas  : {t_plain:6.3f} s  ({plain_km2:.2f} km², flat ends leave "
          f"{ours_km2 - plain_km2:+.3f} km² of wedges at bends and junctions)")
    print(f"ratio      : {t_plain / t_ours:6.1f}x faster")
    print(f"topology   : {topology(zones)}")


def topology(zones: gpd.GeoDataFrame) -> str:
    """Overlap, holes and small pieces of the zones, with plain shapely."""
    geoms = zones.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    overlap = shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))
    union = shapely.union_all(geoms)
    holes = np.array([shapely.Polygon(r).area for part in shapely.get_parts(union)
                      for r in part.interiors])
    return (f"overlap {overlap.sum():.4f} m² (largest {overlap.max(initial=0):.4f}), "
            f"{(holes > 0.01).sum()} holes over 0.01 m² ({holes.sum():.4f} m² in all), "
            f"{(shapely.area(geoms) < 1).sum()} pieces under 1 m², "
            f"sum of pieces - union {shapely.area(geoms).sum() - union.area:.4f} m²")


if __name__ == "__main__":
    main()
