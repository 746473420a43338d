"""A synthetic whole Middle Route: 1,432 km in 500 segments, built from the real OSM stretch.

The real OpenStreetMap stretch in ../shared/data (27 ways, 115 km from the Taocha head, with
aqueducts, inverted siphons and culverts tagged) is copied end to end, each copy turned so
that the route heads north-east out of Nanyang and then north (as the real canal runs to
Beijing), every other copy mirrored so the bends do not repeat; the chain is cut at
1,432 km. Long open-channel stretches are split until there are 500 segments, and every
segment gets attributes drawn the way the real ones vary: section (挖方/填方/半挖半填),
groundwater (高于/低于渠底), permeability, urban stretches (城区, 8 %), management-edge
distances of 40-80 m per bank. The canal is built in CGCS2000 / 3-degree Gauss-Kruger
CM 114E (EPSG:4547), so its length is exactly 1,432 km in the CRS it is analysed in.

Not committed data: the benchmarks build it each time (about a second).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString

from geo_guard import Canal

ROUTE_KM = 1432.0
SEGMENTS = 500
OSM_WAYS = "snwd_middle_route_ways_osm_wgs84.geojson"
METRIC = "EPSG:4547"
# Heading of each copy's chord, degrees clockwise from north: north-east out of Nanyang,
# then north with small swings.
BEARINGS = (55.0, 40.0, 25.0, 10.0, 0.0, -8.0, 5.0, 12.0, 0.0, -5.0, 8.0, 0.0, 3.0, -3.0)


def osm_stretch(shared_data: Path) -> gpd.GeoDataFrame:
    """The real stretch as joined segments (metric CRS) with a ``structure`` column."""
    path = shared_data / OSM_WAYS
    if not path.is_file():
        raise FileNotFoundError(f"the real OSM stretch {path} is absent (it lives in "
                                "../shared/data beside the checkout; pass --shared-data DIR)")
    canal = Canal.from_frame(gpd.read_file(path), metric_crs=METRIC)
    return canal.segments[["structure", "geometry"]].reset_index(drop=True)


def whole_route(shared_data: Path, *, km: float = ROUTE_KM, segments: int = SEGMENTS,
                seed: int = 1432) -> gpd.GeoDataFrame:
    """The synthetic route as segment lines in flow order (EPSG:4547) with attributes."""
    stretch = osm_stretch(shared_data)
    coords = [shapely.get_coordinates(g) for g in stretch.geometry.values]
    start, end = coords[0][0], coords[-1][-1]
    chord = end - start
    chord_bearing = np.degrees(np.arctan2(chord[0], chord[1]))
    lines: list[np.ndarray] = []
    kinds: list[str] = []
    at = start.copy()
    total = 0.0
    copy = 0
    while total < km * 1000:
        mirror = copy % 2 == 1
        turn = np.radians(chord_bearing - BEARINGS[copy % len(BEARINGS)])
        rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
        for xy, kind in zip(coords, stretch["structure"], strict=True):
            rel = xy - start
            if mirror:  # reflect across the chord: the bends go the other way
                u = chord / np.hypot(*chord)
                along = rel @ u
                rel = 2 * np.outer(along, u) - rel
            placed = rel @ rotation.T + at
            lines.append(placed)
            kinds.append(kind)
            total += float(np.hypot(*np.diff(placed, axis=0).T).sum())
        at = lines[-1][-1].copy()
        copy += 1
    # Snap each copy's start onto the previous end (rounding) and cut at the route length.
    for i in range(1, len(lines)):
        lines[i][0] = lines[i - 1][-1]
    geoms = [LineString(xy) for xy in lines]
    lengths = np.array([g.length for g in geoms])
    ends = np.cumsum(lengths)
    last = int(np.searchsorted(ends, km * 1000))
    geoms = geoms[: last + 1]
    kinds = kinds[: last + 1]
    geoms[-1] = shapely.ops.substring(geoms[-1], 0, km * 1000 - (ends[last] - lengths[last]))
    geoms, kinds = _split_to(geoms, kinds, segments)
    return _attributes(gpd.GeoDataFrame({"structure": kinds}, geometry=geoms, crs=METRIC), seed)


def _split_to(geoms: list[LineString], kinds: list[str], count: int
              ) -> tuple[list[LineString], list[str]]:
    """Halve the longest open-channel segment until there are ``count``."""
    geoms, kinds = list(geoms), list(kinds)
    while len(geoms) < count:
        lengths = [g.length if k == "明渠" else 0.0 for g, k in zip(geoms, kinds, strict=True)]
        i = int(np.argmax(lengths))
        half = geoms[i].length / 2
        first = shapely.ops.substring(geoms[i], 0, half)
        second = LineString([shapely.get_coordinates(first)[-1],
                             *shapely.get_coordinates(shapely.ops.substring(
                                 geoms[i], half, geoms[i].length))[1:]])
        geoms[i : i + 1] = [first, second]
        kinds[i : i + 1] = [kinds[i], kinds[i]]
    return geoms, kinds


def _attributes(frame: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    n = len(frame)
    frame.insert(0, "segment_id", [f"ZX{i + 1:03d}" for i in range(n)])
    frame["section"] = rng.choice(["挖方", "填方", "半挖半填"], n, p=[0.55, 0.3, 0.15])
    frame["groundwater"] = rng.choice(["高于渠底", "低于渠底"], n, p=[0.35, 0.65])
    frame["permeability"] = rng.choice(["弱透水", "中透水", "强透水"], n, p=[0.5, 0.3, 0.2])
    frame["area_type"] = np.where(rng.random(n) < 0.08, "城区", "农村")
    frame["edge_left_m"] = rng.integers(8, 17, n) * 5.0
    frame["edge_right_m"] = rng.integers(8, 17, n) * 5.0
    return frame
