"""Joining a canal of 4,000 line features: the duplicate check, geo_guard vs every pair.

A centerline exported in pieces (one feature per survey stretch, per OSM way, per
digitising session) can have thousands of parts. When joining them, each part is checked
against the earlier ones for an exact repeat (the same line digitised twice, in either
direction). The plain way compares each part with every earlier one (``g.equals(s)`` in
a loop: n²/2 comparisons); geo_guard compares only parts with the same bounding box
(equal lines have equal boxes), found by sorting the boxes. Both flag the same parts.
Prints both times, the ratio, and the time of the whole ``Canal.from_frame``.

Run: ``.venv/bin/python bench/bench_canal_join.py [--parts 4000]``
"""

from __future__ import annotations

import argparse
import logging

import geopandas as gpd
import numpy as np
import shapely
from _common import timed
from shapely.geometry import LineString

from geo_guard import Canal
from geo_guard.canal.parts import repeated_parts


def many_parts(n: int, repeats: int = 20) -> gpd.GeoDataFrame:
    """A 115 km meandering centerline in ``n`` parts of 10 edges, plus repeated parts."""
    t = np.linspace(0.0, 1.0, n * 10 + 1)
    x = 500_000 + t * 115_000
    y = 3_650_000 + 2_000 * np.sin(t * 20)
    parts = [LineString(np.c_[x[i * 10:(i + 1) * 10 + 1], y[i * 10:(i + 1) * 10 + 1]])
             for i in range(n)]
    ids = [f"P{i:04d}" for i in range(n)]
    # The same stretch exported twice: each repeat sits right after its original, reversed
    # every other time, so the joined line is unchanged once the repeats are dropped.
    rng = np.random.default_rng(0)
    for k, i in enumerate(sorted(rng.choice(n - 1, size=repeats, replace=False), reverse=True)):
        parts.insert(i + 1, parts[i].reverse() if k % 2 else parts[i])
        ids.insert(i + 1, f"{ids[i]}-dup")
    return gpd.GeoDataFrame({"segment_id": ids}, geometry=parts, crs="EPSG:4547")


def plain_pairs(geoms: np.ndarray) -> np.ndarray:
    """The every-pair way: each part against each earlier kept part."""
    repeated = np.zeros(len(geoms), dtype=bool)
    seen: list[LineString] = []
    for i, g in enumerate(geoms):
        if any(g.equals(s) for s in seen):
            repeated[i] = True
            continue
        seen.append(g)
    return repeated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=4000)
    args = parser.parse_args()
    logging.getLogger("geo_guard").setLevel(logging.ERROR)  # the 20 "repeats" notes
    frame = many_parts(args.parts)
    geoms = np.asarray(shapely.remove_repeated_points(frame.geometry.values, 0.0))
    plain, t_plain = timed(lambda: plain_pairs(geoms))
    ours, t_ours = timed(lambda: repeated_parts(geoms, np.ones(len(geoms), dtype=bool)))
    assert (plain == ours).all(), "the two ways disagree"
    canal, t_canal = timed(lambda: Canal.from_frame(frame))
    print(f"{len(frame):,} parts, {int(ours.sum())} repeated (both ways agree)")
    print(f"duplicate check, every pair : {t_plain:8.3f} s")
    print(f"duplicate check, geo_guard  : {t_ours:8.3f} s  ({t_plain / t_ours:,.0f}x faster)")
    print(f"Canal.from_frame, all of it : {t_canal:8.3f} s  ({len(canal.segments):,} segments, "
          f"{canal.length_m / 1000:.1f} km)")


if __name__ == "__main__":
    main()
