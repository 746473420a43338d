"""Ecological corridor on the real 115 km centerline with 50,000 synthetic forest polygons:
geo_guard vs the plain geopandas way.

The forest is generated here: on each bank three rows of stands across the belt
(management edge to ``corridor_m`` outward, per the example rules), 6-20 m long, touching
or overlapping their neighbours by up to 2 m, each an 8-vertex polygon with jittered
sides; 60 planted gaps of 50-400 m on random banks; a few stands removed at random; 5 %
weak stands and 0.2 % self-intersecting (bow-tie) polygons. It is handed over in WGS84,
as forest files arrive.

* geo_guard: :func:`geo_guard.corridor.analyse_corridor` (belt, repair, coverage of every
  10 m station on both banks, gaps with geometry, weak stands, per-km summary).
* plain geopandas: ``gpd.overlay(belt, forest, how="difference")``, then every uncovered
  piece measured along the canal (``line_locate_point`` of its vertices) for its from/to
  and length.

The script checks that both find the same uncovered area (within 0.5 %) and prints both
times, the ratio and geo_guard's peak memory. The plain way's pieces are not gaps: a strip
left open along the belt's edge is one piece 100 km long, which is why geo_guard measures
coverage per station.

Run: ``.venv/bin/python bench/bench_corridor.py [--polygons N] [--step-m M] [--seed S]``
"""

from __future__ import annotations

import argparse
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _common import ROOT, SAMPLE, SHARED_DATA, peak_rss, timed

sys.path.insert(0, str(ROOT))  # this checkout's geo_guard, not the installed one

from geo_guard import Canal, load_rules
from geo_guard.corridor.analysis import (
    analyse_corridor,
    corridor_belt,
    offset_points,
)
from geo_guard.zones.rules import ZoneRules

REAL_CANAL = SHARED_DATA / "snwd_middle_route_ways_osm_wgs84.geojson"
RULES = SAMPLE / "zone_rules.example.toml"
TOLERANCE = 0.005


def synthetic_forest(canal: Canal, rules: ZoneRules, n: int, seed: int = 20240601
                     ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """``n`` forest polygons along both banks' belts (metric CRS), see the module doc,
    and the planted gaps (``bank``, ``from_m``, ``to_m`` along the canal)."""
    rng = np.random.default_rng(seed)
    belt = corridor_belt(canal, rules)
    starts = canal.segments["start_m"].to_numpy()
    rows_across = 3
    total = 2 * rows_across * canal.length_m
    mean_length = total / (n * 1.08)  # 8 % spare for the planted gaps and removals
    polygons, banks, mids = [], [], []
    for bank, sign in (("左岸", 1.0), ("右岸", -1.0)):
        pieces = belt[belt["bank"] == bank].sort_values("segment_index")
        inner, outer = pieces["inner_m"].to_numpy(), pieces["outer_m"].to_numpy()
        for row in range(rows_across):
            count = int(canal.length_m / mean_length * 1.02)
            lengths = rng.uniform(0.45, 1.55, count) * mean_length
            ends = np.cumsum(lengths)
            ends = ends[ends < canal.length_m]
            m1 = np.append(ends, canal.length_m)
            m0 = np.concatenate([[0.0], ends])
            m0 = np.maximum(m0 - rng.uniform(0, 2, len(m0)) * (rng.random(len(m0)) < 0.5), 0)
            mid = (m0 + m1) / 2
            seg = np.clip(np.searchsorted(starts, mid, side="right") - 1, 0, len(inner) - 1)
            width = outer[seg] - inner[seg]
            a = inner[seg] + width * row / rows_across
            b = inner[seg] + width * (row + 1) / rows_across
            a = a + (0.5 if row == 0 else rng.uniform(-2, 2, len(a)))
            b = b + (10.0 if row == rows_across - 1 else 0.0)
            jitter = rng.uniform(-0.5, 0.5, (len(m0), 4))
            ring = np.stack([
                offset_points(canal, m0, sign * a),
                offset_points(canal, mid, sign * (a + jitter[:, 0])),
                offset_points(canal, m1, sign * a),
                offset_points(canal, m1, sign * (a + b) / 2),
                offset_points(canal, m1, sign * b),
                offset_points(canal, mid, sign * (b + jitter[:, 1])),
                offset_points(canal, m0, sign * b),
                offset_points(canal, m0, sign * (a + b) / 2 + jitter[:, 2]),
            ], axis=1)
            polygons.append(shapely.polygons(ring))
            banks.append(np.full(len(m0), sign))
            mids.append(mid)
    geoms, bank, mid = np.concatenate(polygons), np.concatenate(banks), np.concatenate(mids)
    gap_from = rng.uniform(0, canal.length_m - 400, 60)
    gap_to = gap_from + rng.uniform(50, 400, 60)
    gap_bank = rng.choice([1.0, -1.0], 60)
    planted = np.ones(len(geoms), dtype=bool)
    for lo, hi, side in zip(gap_from, gap_to, gap_bank, strict=True):
        planted &= ~((bank == side) & (mid > lo) & (mid < hi))
    keep = np.flatnonzero(planted)
    if len(keep) < n:
        raise SystemExit(f"generator made only {len(keep)} polygons; lower --polygons")
    keep = np.sort(rng.choice(keep, n, replace=False))  # the rest: stands lost at random
    geoms = geoms[keep]
    bow = rng.random(n) < 0.002
    coords = shapely.get_coordinates(geoms[bow]).reshape(-1, 9, 2)
    coords[:, [0, 6]] = coords[:, [6, 0]]  # swap two corners: a self-intersecting ring
    coords[:, 8] = coords[:, 0]
    geoms[bow] = shapely.polygons(coords)
    weak = rng.random(n) < 0.05
    survival = np.where(weak & (rng.random(n) < 0.6), rng.uniform(0.4, 0.69, n),
                        rng.uniform(0.75, 0.98, n))
    canopy = np.where(weak & (survival >= 0.7), rng.uniform(0.2, 0.39, n),
                      rng.uniform(0.45, 0.9, n))
    forest = gpd.GeoDataFrame({
        "小班号": [f"B{i:06d}" for i in range(1, n + 1)],
        "树种": rng.choice(["杨树", "柳树", "侧柏", "女贞", "栾树"], n),
        "保存率": survival.round(2), "郁闭度": canopy.round(2),
    }, geometry=geoms, crs=canal.metric_crs)
    planted = pd.DataFrame({"bank": np.where(gap_bank > 0, "左岸", "右岸"),
                            "from_m": gap_from, "to_m": gap_to})
    return forest, planted


def planted_found(planted: pd.DataFrame, gaps: pd.DataFrame, canal: Canal) -> tuple[int, int, int]:
    """How many planted gaps (overlapping ones merged) a found gap meets, of how many; and
    how many found gaps meet no planted one (random losses that happen to line up)."""
    merged: list[list] = []
    for bank, part in planted.sort_values("from_m").groupby("bank"):
        for lo, hi in zip(part["from_m"], part["to_m"], strict=True):
            if merged and merged[-1][0] == bank and lo <= merged[-1][2]:
                merged[-1][2] = max(merged[-1][2], hi)
            else:
                merged.append([bank, lo, hi])
    truth = pd.DataFrame(merged, columns=["bank", "from_m", "to_m"])
    truth["lo"], truth["hi"] = canal.chainage_at(truth["from_m"]), canal.chainage_at(truth["to_m"])
    pairs = truth.merge(gaps[["bank", "chainage_from_m", "chainage_to_m"]].reset_index(),
                        on="bank")
    meet = pairs[(pairs["chainage_from_m"] < pairs["hi"]) & (pairs["chainage_to_m"] > pairs["lo"])]
    found = meet[["from_m", "bank"]].drop_duplicates()
    return len(found), len(truth), len(gaps) - meet["index"].nunique()


def plain_geopandas(canal: Canal, rules: ZoneRules, forest: gpd.GeoDataFrame
                    ) -> gpd.GeoDataFrame:
    """Uncovered pieces of the belt by an overlay, each measured along the canal."""
    belt = corridor_belt(canal, rules)[["segment_id", "bank", "geometry"]]
    trees = forest.to_crs(canal.metric_crs)
    trees["geometry"] = trees.geometry.make_valid()
    trees = trees[trees.geom_type.isin(["Polygon", "MultiPolygon"])]
    # Dissolve first: overlay(how="difference") against 50,000 separate polygons subtracts
    # them one by one (functools.reduce in geopandas 1.2): 23 s at 5,000, hours at 50,000.
    forest_union = trees[["geometry"]].dissolve()
    uncovered = gpd.overlay(belt, forest_union, how="difference", keep_geom_type=True)
    pieces = uncovered.explode(ignore_index=True)
    xy, part = shapely.get_coordinates(pieces.geometry.values, return_index=True)
    measure = pd.Series(shapely.line_locate_point(canal.line, shapely.points(xy))).groupby(part)
    pieces["from_m"] = measure.min().to_numpy()
    pieces["to_m"] = measure.max().to_numpy()
    pieces["length_m"] = pieces["to_m"] - pieces["from_m"]
    pieces["area_m2"] = pieces.area
    return pieces


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polygons", type=int, default=50_000)
    parser.add_argument("--step-m", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    if REAL_CANAL.is_file():
        canal = Canal.from_file(REAL_CANAL)
        where = f"real centerline {REAL_CANAL.name}"
    else:
        canal = Canal.from_file(SAMPLE / "canal.geojson")
        where = f"SAMPLE canal ({REAL_CANAL} is absent)"
    rules = load_rules(RULES)
    forest, planted = synthetic_forest(canal, rules, args.polygons, args.seed)
    forest = forest.to_crs(4326)
    print(f"{where}: {canal.length_m / 1000:.1f} km, {len(canal.segments)} segments; "
          f"{len(forest):,} forest polygons; stations every {args.step_m:g} m")

    with peak_rss() as memory:
        result, ours_s = timed(lambda: analyse_corridor(canal, rules, forest,
                                                        step_m=args.step_m))
    plain, plain_s = timed(lambda: plain_geopandas(canal, rules, forest))

    st = result.stations
    ours_open = float((st["belt_m2"] - st["forest_m2"]).sum())
    plain_open = float(plain["area_m2"].sum())
    difference = abs(ours_open - plain_open) / plain_open
    long_pieces = int((plain["length_m"] >= result.options.min_gap_m).sum())
    print(f"geo_guard : {ours_s:6.2f} s  (peak memory +{memory['added_mb']:.0f} MB) "
          f"{len(st):,} stations, {len(result.gaps)} gaps "
          f"({result.gaps['length_m'].sum() / 1000:.2f} km), "
          f"{len(result.weak_stands):,} weak stands, {len(result.repaired)} repaired")
    found, total, extra = planted_found(planted, result.gaps, canal)
    print(f"            planted gaps found: {found} of {total} (overlapping ones merged); "
          f"{extra} other gap(s) where random losses line up")
    print(f"geopandas : {plain_s:6.2f} s  {len(plain):,} uncovered pieces, {long_pieces} of "
          f"them >= {result.options.min_gap_m:g} m along the canal (longest "
          f"{plain['length_m'].max() / 1000:.1f} km: pieces are not gaps)")
    print(f"ratio     : geopandas / geo_guard = {plain_s / ours_s:.2f}x")
    verdict = "OK" if difference <= TOLERANCE else "MISMATCH"
    print(f"agreement : uncovered area {ours_open / 1e4:,.3f} ha vs {plain_open / 1e4:,.3f} ha, "
          f"difference {difference:.5%} (tolerance {TOLERANCE:.1%}) {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
