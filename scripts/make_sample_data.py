"""Create geo_guard's schematic sample data in ``data/boundaries/``.

Everything this script writes is **schematic and synthetic**: a made-up canal centreline
near Nanyang shaped like the Middle Route north-west of the city, a made-up study area
cut into invented townships and villages (all marked 示意), a synthetic forest belt
(生态廊道) with documented defects, synthetic risk-source tables with the mistakes
field teams make, and synthetic boundary markers, warning signs, fences and crossings
with planted defects for the audit (标志及隔离防护设施). None of it is survey data or the
official protection-zone delineation.

The output is deterministic: a seeded :class:`numpy.random.Generator`, GeoJSON written by
hand with :mod:`json` (coordinates rounded to 1e-7 degree), so running the script twice
gives byte-identical files. All geometry is built in the metric CRS EPSG:4546
(CGCS2000 3-degree Gauss-Kruger, CM 111E) and written as WGS84 lon/lat (OGC:CRS84).

Chainage (桩号) is ``95000 + distance along the merged centreline`` measured in EPSG:4546
after the centreline has been rounded to the stored lon/lat, so a reader that loads
``canal.geojson`` and projects it to EPSG:4546 gets the same chainages as this script.

Usage::

    python scripts/make_sample_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely import LineString, MultiPoint, Point, Polygon
from shapely.geometry.polygon import orient
from shapely.ops import substring

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

SEED = 20141212  # the Middle Route started delivering water on 2014-12-12
WGS84 = "OGC:CRS84"
CRS84_URN = "urn:ogc:def:crs:OGC:1.3:CRS84"
METRIC_CRS = "EPSG:4546"
DECIMALS = 7
TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
TO_WGS84 = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)

CHAINAGE_START_M = 95_000.0
CANAL_LENGTH_M = 35_000.0
CANAL_START_LONLAT = (112.22, 32.96)
CANAL_END_LONLAT = (112.50, 33.12)
#: Relative amplitudes of the sine harmonics that bend the canal sideways (+ = left).
BEND_HARMONICS = {1: 0.3, 2: -1.0, 3: 0.25}
VERTEX_SPACING_M = 80.0

BANK_LEFT = "左岸"
BANK_RIGHT = "右岸"
#: Sign of the offset distance per bank: left bank = left side looking downstream.
BANK_SIGN = {BANK_LEFT: 1.0, BANK_RIGHT: -1.0}

STUDY_FROM_M = 5_500.0  # distance along the canal where the study area starts
STUDY_TO_M = 29_000.0
STUDY_HALF_WIDTH_M = 4_000.0

BELT_WIDTH_RURAL_M = 100.0
BELT_WIDTH_URBAN_M = 200.0
PATCH_OVERSHOOT_M = 20.0  # patches reach this far beyond the belt's outer edge
#: Patches start this far outside the management edge so that rounding to 1e-7 degree
#: (at most 6 mm here) never puts forest inside the management area.
PATCH_CLEARANCE_M = 0.05
PATCH_MIN_M = 150.0
PATCH_MAX_M = 400.0
BOWTIE_EXTENSION_M = 25.0
MIN_GAP_M = 50.0  # shorter breaks are not gaps (断档)
GRID_M = 0.001  # snap-rounding grid for re-noding townships and villages
#: At a junction where the management edge steps outward, the patch on the wider side
#: reaches this far back over the narrower side, and the narrower side's patch stops
#: PATCH_CLEARANCE_M short of the junction, so no forest falls inside either edge.
JUNCTION_OVERLAP_M = 1.0

SPECIES = ("杨树", "柳树", "女贞", "栾树", "侧柏")
TOWNSHIP_NAMES = ("示意镇甲", "示意镇乙", "示意镇丙", "示意镇丁")
TOWNSHIP_SHORT = ("甲", "乙", "丙", "丁")
VILLAGE_NUMERALS = ("一", "二", "三", "四", "五")
VILLAGES_PER_TOWNSHIP = (4, 3, 5, 4)


@dataclass(frozen=True)
class SegmentSpec:
    """Design attributes of one canal segment (a feature of ``canal.geojson``)."""

    length_m: float | None  # nominal length; None = the rest of the canal
    structure: str
    section: str
    groundwater: str
    permeability: str
    area_type: str
    edge_left_m: float
    edge_right_m: float


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec(3500, "明渠", "挖方", "高于渠底", "弱透水", "农村", 60, 70),
    SegmentSpec(4300, "明渠", "挖方", "高于渠底", "中透水", "农村", 65, 65),
    SegmentSpec(600, "渡槽", "", "低于渠底", "强透水", "农村", 25, 25),
    SegmentSpec(4600, "明渠", "填方", "低于渠底", "中透水", "农村", 55, 70),
    SegmentSpec(5000, "明渠", "挖方", "高于渠底", "强透水", "城区", 60, 55),
    SegmentSpec(500, "倒虹吸", "", "高于渠底", "中透水", "农村", 20, 30),
    SegmentSpec(6500, "明渠", "填方", "低于渠底", "弱透水", "农村", 58, 72),
    SegmentSpec(400, "暗涵", "", "低于渠底", "弱透水", "农村", 30, 20),
    SegmentSpec(None, "明渠", "挖方", "高于渠底", "中透水", "农村", 80, 75),
)


@dataclass(frozen=True)
class Stretch:
    """A documented stretch of the forest belt on one bank (distance along the canal)."""

    kind: str  # gap / short_break / weak_stand / invalid
    bank: str
    from_m: float
    to_m: float
    note: str
    forest_id: str = ""


#: The five gaps (断档) and the one short break: no forest at all on that bank.
GAPS: tuple[Stretch, ...] = (
    Stretch("gap", BANK_LEFT, 1_500, 1_750, "左岸断档 250 m（右岸林带连续），农村明渠挖方段 S01"),
    Stretch("gap", BANK_RIGHT, 3_380, 3_620, "右岸断档 240 m，跨 S01/S02 段界"),
    Stretch("gap", BANK_LEFT, 10_400, 10_520, "左岸断档 120 m，农村明渠填方段 S04"),
    Stretch("gap", BANK_RIGHT, 15_300, 15_650, "右岸断档 350 m，城区段 S05（林带宽 200 m）"),
    Stretch("gap", BANK_LEFT, 30_200, 30_290, "左岸断档 90 m，农村明渠挖方段 S09"),
)
SHORT_BREAK = Stretch(
    "short_break", BANK_RIGHT, 22_000, 22_030,
    "右岸 30 m 小缺口：短于 50 m 最小断档长度，不计为断档",
)

#: Weak stands: (bank, distance along inside the patch, 保存率, 郁闭度, note).
WEAK_STANDS: tuple[tuple[str, float, float, float, str], ...] = (
    (BANK_LEFT, 11_800, 0.62, 0.71, "林分质量差：保存率 0.62 < 0.7"),
    (BANK_RIGHT, 21_000, 0.55, 0.68, "林分质量差：保存率 0.55 < 0.7"),
    (BANK_LEFT, 16_500, 0.91, 0.35, "林分质量差：郁闭度 0.35 < 0.4（城区段）"),
    (BANK_RIGHT, 28_000, 0.58, 0.32, "林分质量差：保存率 0.58 < 0.7 且郁闭度 0.32 < 0.4"),
)
#: Bow-tie (self-intersecting) patches: (bank, distance along inside the patch).
INVALID_PATCHES: tuple[tuple[str, float], ...] = (
    (BANK_LEFT, 6_500),
    (BANK_RIGHT, 12_500),
    (BANK_RIGHT, 33_000),
)


def _require(condition: bool, message: str) -> None:
    """Raise ``RuntimeError(message)`` unless ``condition`` holds (asserts survive -O)."""
    if not condition:
        raise RuntimeError(f"sample data check failed: {message}")


def stake(chainage_m: float) -> str:
    """Format a chainage in metres as a stake, e.g. ``96250.0 -> 'K96+250'``."""
    metres = round(chainage_m)
    return f"K{metres // 1000}+{metres % 1000:03d}"


# --------------------------------------------------------------------------------------
# Coordinates and GeoJSON
# --------------------------------------------------------------------------------------


def to_lonlat(xy: np.ndarray) -> np.ndarray:
    """Project metric ``(n, 2)`` coordinates to WGS84 lon/lat rounded to 7 decimals."""
    lon, lat = TO_WGS84.transform(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([lon, lat]), DECIMALS)


def to_metric(lonlat: np.ndarray) -> np.ndarray:
    """Project WGS84 lon/lat ``(n, 2)`` coordinates to EPSG:4546 metres."""
    x, y = TO_METRIC.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def round_trip(poly: Polygon) -> Polygon:
    """The polygon as a reader of the written file sees it in EPSG:4546."""
    return Polygon(to_metric(to_lonlat(np.asarray(poly.exterior.coords))))


def polygon_json(poly: Polygon, *, keep_ring_order: bool = False) -> dict:
    """GeoJSON geometry of a metric polygon (no holes), counter-clockwise unless told."""
    if not keep_ring_order:
        poly = orient(poly, 1.0)
    ring = to_lonlat(np.asarray(poly.exterior.coords)).tolist()
    return {"type": "Polygon", "coordinates": [ring]}


def feature(properties: dict, geometry: dict) -> dict:
    """A GeoJSON feature with properties in the given order."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_geojson(path: Path, name: str, features: Sequence[dict]) -> None:
    """Write a WGS84 FeatureCollection, one feature per line, deterministically."""
    head = {"type": "FeatureCollection", "name": name,
            "crs": {"type": "name", "properties": {"name": CRS84_URN}}}
    head_text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    body = ",\n".join(
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features
    )
    path.write_text(f'{head_text},"features":[\n{body}\n]}}\n', encoding="utf-8")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              encoding: str, lineterminator: str = "\r\n") -> None:
    """Write a CSV file in the given encoding (``utf-8-sig`` = UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


# --------------------------------------------------------------------------------------
# Canal
# --------------------------------------------------------------------------------------


@dataclass
class Canal:
    """The schematic centreline: stored lon/lat and the metric line readers will see.

    ``xy`` is the rounded lon/lat projected back to EPSG:4546, ``along`` the distance
    along it at each vertex, ``junctions`` the vertex index where each segment starts
    (plus the last vertex).
    """

    lonlat: np.ndarray
    xy: np.ndarray
    junctions: list[int]
    along: np.ndarray = field(init=False)
    normals: np.ndarray = field(init=False)  # left unit normal of each edge
    mitres: np.ndarray = field(init=False)  # mitre offset vector at each vertex

    def __post_init__(self) -> None:
        steps = np.diff(self.xy, axis=0)
        lengths = np.hypot(steps[:, 0], steps[:, 1])
        self.along = np.concatenate([[0.0], np.cumsum(lengths)])
        units = steps / lengths[:, None]
        self.normals = np.column_stack([-units[:, 1], units[:, 0]])
        inner = self.normals[:-1] + self.normals[1:]
        cosines = 1.0 + np.einsum("ij,ij->i", self.normals[:-1], self.normals[1:])
        self.mitres = np.vstack([self.normals[:1], inner / cosines[:, None], self.normals[-1:]])

    @property
    def length(self) -> float:
        """Length of the centreline in metres."""
        return float(self.along[-1])

    @property
    def line(self) -> LineString:
        """The merged centreline in EPSG:4546."""
        return LineString(self.xy)

    def junction_along(self, index: int) -> float:
        """Distance along the canal where segment ``index`` starts (``len`` = the end)."""
        return float(self.along[self.junctions[index]])

    def segment_at(self, along_m: float) -> int:
        """Index of the segment holding ``along_m`` (a junction belongs downstream)."""
        starts = self.along[self.junctions[1:-1]]
        return int(np.searchsorted(starts, along_m, side="right"))

    def offset_point(self, along_m: float, distance_m: float) -> np.ndarray:
        """Point ``distance_m`` from the centreline (+ left, - right) at ``along_m``.

        At a vertex the offset follows the mitre, so it lies on the exact parallel
        offset of both edges; between vertices it is perpendicular to the edge.
        """
        index = int(np.searchsorted(self.along, along_m))
        for vertex in (index - 1, index):
            if 0 <= vertex < len(self.along) and abs(self.along[vertex] - along_m) < 1e-6:
                return self.xy[vertex] + distance_m * self.mitres[vertex]
        edge = index - 1
        unit = np.array([self.normals[edge, 1], -self.normals[edge, 0]])
        base = self.xy[edge] + unit * (along_m - self.along[edge])
        return base + distance_m * self.normals[edge]

    def band(self, from_m: float, to_m: float, inner_m: float, outer_m: float) -> Polygon:
        """Region between the offset curves at ``inner_m`` and ``outer_m`` (signed).

        Equivalent to the mitre-joined ``offset_curve`` of
        ``shapely.ops.substring(line, from_m, to_m)``, but computed from the parent line
        so that neighbouring bands share their end cross-sections exactly.
        """
        stations = self.stations(from_m, to_m)
        inner = [self.offset_point(s, inner_m) for s in stations]
        outer = [self.offset_point(s, outer_m) for s in stations]
        return Polygon(np.vstack([inner, outer[::-1]]))

    def stations(self, from_m: float, to_m: float) -> list[float]:
        """``from_m``, the vertex distances strictly between, and ``to_m``."""
        between = self.along[(self.along > from_m + 1e-6) & (self.along < to_m - 1e-6)]
        return [from_m, *between.tolist(), to_m]


def design_curve(bend_scale: float, samples: int = 20_001) -> np.ndarray:
    """Densely sampled smooth design curve in EPSG:4546 from start to end point."""
    start = to_metric(np.array([CANAL_START_LONLAT]))[0]
    end = to_metric(np.array([CANAL_END_LONLAT]))[0]
    chord = end - start
    left = np.array([-chord[1], chord[0]]) / np.hypot(*chord)
    t = np.linspace(0.0, 1.0, samples)
    sideways = sum(a * np.sin(k * np.pi * t) for k, a in BEND_HARMONICS.items())
    return start + np.outer(t, chord) + np.outer(bend_scale * sideways, left)


def polyline_length(xy: np.ndarray) -> float:
    """Length of a polyline given as ``(n, 2)`` coordinates."""
    return float(np.hypot(*np.diff(xy, axis=0).T).sum())


def fit_bend_scale(target_m: float) -> float:
    """Sideways amplitude (m) that makes the design curve ``target_m`` long (bisection)."""
    low, high = 0.0, 10_000.0
    for _ in range(60):
        middle = (low + high) / 2
        if polyline_length(design_curve(middle)) < target_m:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def resample(dense: np.ndarray, breaks: Sequence[float]) -> tuple[np.ndarray, list[int]]:
    """Vertices every <= VERTEX_SPACING_M along ``dense`` with a vertex at each break.

    Each junction vertex is then moved onto the straight line between its neighbours (to
    the foot of the perpendicular), so the canal runs straight through every junction.
    """
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(dense, axis=0).T))])
    stations: list[float] = [0.0]
    junctions = [0]
    for start, end in itertools.pairwise(breaks):
        count = math.ceil((end - start) / VERTEX_SPACING_M)
        stations.extend(np.linspace(start, end, count + 1)[1:].tolist())
        junctions.append(len(stations) - 1)
    xy = np.column_stack([np.interp(stations, along, dense[:, 0]),
                          np.interp(stations, along, dense[:, 1])])
    for index in junctions[1:-1]:
        before, after = xy[index - 1], xy[index + 1]
        chord = after - before
        share = np.dot(xy[index] - before, chord) / np.dot(chord, chord)
        xy[index] = before + share * chord
    return xy, junctions


def build_canal() -> Canal:
    """The schematic canal, ``CANAL_LENGTH_M`` long, split into the ``SEGMENTS``."""
    dense = design_curve(fit_bend_scale(CANAL_LENGTH_M))
    total = polyline_length(dense)
    nominal = [s.length_m for s in SEGMENTS if s.length_m is not None]
    breaks = [0.0, *np.cumsum(nominal).tolist(), total]
    xy, junctions = resample(dense, breaks)
    lonlat = to_lonlat(xy)
    return Canal(lonlat=lonlat, xy=to_metric(lonlat), junctions=junctions)


def canal_features(canal: Canal) -> list[dict]:
    """One LineString feature per segment; consecutive segments share a vertex."""
    features = []
    for number, spec in enumerate(SEGMENTS, start=1):
        first, last = canal.junctions[number - 1], canal.junctions[number]
        kind = spec.structure + spec.section
        properties = {
            "segment_id": f"S{number:02d}",
            "name": f"示意段{number} {kind}",
            "structure": spec.structure,
            "section": spec.section,
            "groundwater": spec.groundwater,
            "permeability": spec.permeability,
            "area_type": spec.area_type,
            "edge_left_m": float(spec.edge_left_m),
            "edge_right_m": float(spec.edge_right_m),
            "chainage_start_m": CHAINAGE_START_M if number == 1 else None,
        }
        coords = canal.lonlat[first:last + 1].tolist()
        features.append(feature(properties, {"type": "LineString", "coordinates": coords}))
    return features


def management_area(canal: Canal) -> shapely.Geometry:
    """Management area (centreline to edge, per segment and bank), flat at junctions."""
    parts = []
    for index, spec in enumerate(SEGMENTS):
        start, end = canal.junction_along(index), canal.junction_along(index + 1)
        parts.append(canal.band(start, end, 0.0, spec.edge_left_m))
        parts.append(canal.band(start, end, 0.0, -spec.edge_right_m))
    return shapely.unary_union(parts)


# --------------------------------------------------------------------------------------
# Study area, townships, villages
# --------------------------------------------------------------------------------------


def study_band(canal: Canal) -> Polygon:
    """Band 4 km either side of the middle ~67 % of the canal (flat ends across it)."""
    middle = substring(canal.line, STUDY_FROM_M, STUDY_TO_M)
    band = middle.buffer(STUDY_HALF_WIDTH_M, cap_style="flat", quad_segs=4)
    return orient(band.simplify(30.0), 1.0)


def voronoi_partition(parent: Polygon, seeds: Sequence[np.ndarray]) -> list[Polygon] | None:
    """Split ``parent`` into one polygon per seed (Voronoi), or None if a piece is split.

    The Voronoi edges and the parent's ring are noded together and polygonised, so the
    pieces tile the parent.
    """
    points = MultiPoint([tuple(s) for s in seeds])
    frame = parent.buffer(5_000.0).envelope
    edges = shapely.voronoi_polygons(points, extend_to=frame, only_edges=True)
    noded = shapely.unary_union([parent.exterior, edges])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = [f for f in faces if parent.contains(f.point_on_surface())]
    owners: dict[int, list[Polygon]] = {i: [] for i in range(len(seeds))}
    seed_array = np.asarray(seeds)
    for face in inside:
        probe = np.asarray(face.point_on_surface().coords[0])
        owners[int(np.argmin(np.hypot(*(seed_array - probe).T)))].append(face)
    if any(len(found) != 1 for found in owners.values()):
        return None
    return [owners[i][0] for i in range(len(seeds))]


def renode(pieces: Sequence[Polygon]) -> list[Polygon]:
    """Re-node a partition on a 1 mm grid so that neighbours share every vertex.

    Without this, a vertex where three pieces meet may exist on one side of a shared
    boundary only; rounding to 1e-7 degree would then open slivers of several m².
    """
    noded = shapely.unary_union([p.exterior for p in pieces], grid_size=GRID_M)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    owners: dict[int, list[Polygon]] = {i: [] for i in range(len(pieces))}
    for face in faces:
        overlaps = [face.intersection(p).area for p in pieces]
        owners[int(np.argmax(overlaps))].append(face)
    merged = [shapely.union_all(owners[i], grid_size=GRID_M) for i in range(len(pieces))]
    _require(all(m.geom_type == "Polygon" for m in merged), "re-noded piece fell apart")
    return [orient(m, 1.0) for m in merged]


def check_partition(parent: Polygon, pieces: Sequence[Polygon], label: str) -> None:
    """Require that ``pieces`` tile ``parent``: areas within 1e-6, overlaps < 0.01 m²."""
    union = shapely.unary_union(list(pieces))
    _require(abs(union.area - parent.area) <= 1e-6 * parent.area, f"{label}: union area")
    _require(abs(sum(p.area for p in pieces) - parent.area) <= 1e-6 * parent.area,
             f"{label}: sum of areas")
    _require(parent.symmetric_difference(union).area <= 1e-6 * parent.area,
             f"{label}: symmetric difference")
    for i, first in enumerate(pieces):
        _require(first.is_valid, f"{label}: piece {i} invalid")
        for second in pieces[i + 1:]:
            _require(first.intersection(second).area < 0.01, f"{label}: overlap")


def township_seeds(canal: Canal) -> list[np.ndarray]:
    """Four seeds spread along the study stretch, 1.2 km off the canal, alternating banks."""
    span = STUDY_TO_M - STUDY_FROM_M
    return [
        canal.offset_point(STUDY_FROM_M + span * (k + 0.5) / 4, 1_200.0 * (-1) ** k)
        for k in range(4)
    ]


def random_seeds(rng: np.random.Generator, parent: Polygon, count: int) -> list[np.ndarray]:
    """``count`` random points well inside ``parent`` and well apart from each other."""
    core = parent.buffer(-300.0)
    spacing = 0.6 * math.sqrt(parent.area / count)
    xmin, ymin, xmax, ymax = core.bounds
    seeds: list[np.ndarray] = []
    while len(seeds) < count:
        candidate = rng.uniform([xmin, ymin], [xmax, ymax])
        if not core.contains(Point(candidate)):
            continue
        if all(np.hypot(*(candidate - s)) >= spacing for s in seeds):
            seeds.append(candidate)
    return seeds


def split_township(rng: np.random.Generator, canal: Canal,
                   township: Polygon, count: int) -> list[Polygon]:
    """Split a township into ``count`` connected villages, ordered along the canal."""
    for _ in range(200):
        seeds = random_seeds(rng, township, count)
        pieces = voronoi_partition(township, seeds)
        if pieces is not None and min(p.area for p in pieces) >= 0.3 * township.area / count:
            break
    else:
        raise RuntimeError("could not split a township into villages")
    order = np.argsort([canal.line.project(Point(s)) for s in seeds], kind="stable")
    return [pieces[i] for i in order]


def build_divisions(rng: np.random.Generator,
                    canal: Canal) -> tuple[Polygon, list[Polygon], list[list[Polygon]]]:
    """Study area, its four townships and their villages, sharing every boundary vertex.

    The villages are re-noded together; townships are the union of their villages and
    the study area the union of all, so the three files agree vertex for vertex.
    """
    pieces = voronoi_partition(study_band(canal), township_seeds(canal))
    _require(pieces is not None, "townships: a township fell apart")
    assert pieces is not None  # for the type checker
    nested = [split_township(rng, canal, township, count)
              for township, count in zip(pieces, VILLAGES_PER_TOWNSHIP, strict=True)]
    flat = renode([village for villages in nested for village in villages])
    bounds = np.cumsum([0, *VILLAGES_PER_TOWNSHIP]).tolist()
    villages = [flat[a:b] for a, b in itertools.pairwise(bounds)]
    townships = [orient(shapely.union_all(v, grid_size=GRID_M), 1.0) for v in villages]
    study = orient(shapely.union_all(flat, grid_size=GRID_M), 1.0)
    _require(all(p.geom_type == "Polygon" for p in [*townships, study]), "divisions whole")
    return study, townships, villages


def check_divisions(study: Polygon, townships: Sequence[Polygon],
                    villages: Sequence[Sequence[Polygon]]) -> None:
    """Check the partitions as a reader of the written (rounded) files sees them."""
    study = round_trip(study)
    check_partition(study, [round_trip(t) for t in townships], "townships")
    for township, pieces in zip(townships, villages, strict=True):
        check_partition(round_trip(township), [round_trip(v) for v in pieces], "villages")
    check_partition(study, [round_trip(v) for vs in villages for v in vs], "all villages")


# --------------------------------------------------------------------------------------
# Forest belt (生态廊道)
# --------------------------------------------------------------------------------------


@dataclass
class Patch:
    """One forest patch on one bank between two distances along the canal."""

    bank: str
    from_m: float
    to_m: float
    polygon: Polygon
    species: str
    year: int
    survival: float
    canopy: float
    forest_id: str = ""
    bowtie: Polygon | None = None  # the self-intersecting ring written instead

    @property
    def invalid(self) -> bool:
        """True for the deliberately self-intersecting patches."""
        return self.bowtie is not None


def belt_width(spec: SegmentSpec) -> float:
    """Planned belt width per bank: 200 m in the urban segment, else 100 m."""
    return BELT_WIDTH_URBAN_M if spec.area_type == "城区" else BELT_WIDTH_RURAL_M


def edge_m(spec: SegmentSpec, bank: str) -> float:
    """Centreline to management edge on ``bank`` for a segment."""
    return spec.edge_left_m if bank == BANK_LEFT else spec.edge_right_m


def belt_intervals(canal: Canal, bank: str) -> list[tuple[float, float]]:
    """Forested intervals on a bank: split at junctions, without gaps and short breaks."""
    holes = [(s.from_m, s.to_m) for s in (*GAPS, SHORT_BREAK) if s.bank == bank]
    cuts = {canal.junction_along(i) for i in range(len(SEGMENTS) + 1)}
    cuts.update(x for hole in holes for x in hole)
    ordered = sorted(cuts)
    return [
        (a, b) for a, b in itertools.pairwise(ordered)
        if not any(h0 <= a and b <= h1 for h0, h1 in holes)
    ]


def junction_reach(canal: Canal, bank: str, along_m: float, segment: int) -> float:
    """How far a belt interval of ``segment`` ending at ``along_m`` may extend beyond it.

    Zero away from junctions or where both segments have the same edge; positive where
    the other segment's edge is narrower (reach over it), negative where it is wider.
    """
    if along_m == canal.junction_along(segment) and segment > 0:
        other = segment - 1
    elif along_m == canal.junction_along(segment + 1) and segment + 1 < len(SEGMENTS):
        other = segment + 1
    else:
        return 0.0
    step = edge_m(SEGMENTS[other], bank) - edge_m(SEGMENTS[segment], bank)
    if step == 0:
        return 0.0
    return -PATCH_CLEARANCE_M if step > 0 else JUNCTION_OVERLAP_M


def split_interval(rng: np.random.Generator, start: float, end: float) -> list[float]:
    """Breakpoints cutting ``[start, end]`` into pieces of 150-400 m (whole metres)."""
    length = end - start
    fewest, most = math.ceil(length / PATCH_MAX_M), math.floor(length / PATCH_MIN_M)
    _require(fewest <= most, f"interval {start:.0f}-{end:.0f} cannot be tiled")
    count = min(max(round(length / 275.0), fewest), most)
    while True:
        weights = rng.uniform(0.6, 1.4, count)
        inner = np.round(start + length * np.cumsum(weights)[:-1] / weights.sum())
        points = [start, *inner.tolist(), end]
        pieces = np.diff(points)
        if pieces.min() >= PATCH_MIN_M and pieces.max() <= PATCH_MAX_M:
            return points


def stand_attributes(rng: np.random.Generator) -> tuple[str, int, float, float]:
    """Species, planting year, survival rate and canopy closure of a healthy stand."""
    species = str(rng.choice(SPECIES))
    year = int(rng.integers(2014, 2022))
    survival = rng.uniform(0.85, 0.98) if rng.random() < 0.9 else rng.uniform(0.75, 0.85)
    canopy = rng.uniform(0.6, 0.9) if rng.random() < 0.9 else rng.uniform(0.45, 0.6)
    return species, year, round(float(survival), 2), round(float(canopy), 2)


def build_patches(rng: np.random.Generator, canal: Canal) -> list[Patch]:
    """Tile both banks' belts with patches; neighbours touch or overlap by 2-5 m."""
    patches: list[Patch] = []
    for bank, sign in BANK_SIGN.items():
        for start, end in belt_intervals(canal, bank):
            segment = canal.segment_at((start + end) / 2)
            spec = SEGMENTS[segment]
            start -= junction_reach(canal, bank, start, segment)
            end += junction_reach(canal, bank, end, segment)
            inner = edge_m(spec, bank) + PATCH_CLEARANCE_M
            outer = edge_m(spec, bank) + belt_width(spec) + PATCH_OVERSHOOT_M
            points = split_interval(rng, start, end)
            for k, (a, b) in enumerate(itertools.pairwise(points)):
                overlap = 0 if k == 0 or rng.random() < 0.5 else int(rng.integers(2, 6))
                polygon = canal.band(a - overlap, b, sign * inner, sign * outer)
                patches.append(Patch(bank, a - overlap, b, orient(polygon, 1.0),
                                     *stand_attributes(rng)))
    for number, patch in enumerate(patches, start=1):
        patch.forest_id = f"F{number:04d}"
    return patches


def patch_at(patches: Sequence[Patch], bank: str, along_m: float) -> int:
    """Index of the patch on ``bank`` whose nominal stretch holds ``along_m``."""
    for index, patch in enumerate(patches):
        if patch.bank == bank and patch.from_m <= along_m < patch.to_m:
            return index
    raise RuntimeError(f"no patch on {bank} at {along_m}")


def make_weak(patches: list[Patch]) -> list[Stretch]:
    """Give four patches poor survival and/or canopy; return their documentation."""
    documented = []
    for bank, along_m, survival, canopy, note in WEAK_STANDS:
        patch = patches[patch_at(patches, bank, along_m)]
        patch.survival, patch.canopy = survival, canopy
        documented.append(
            Stretch("weak_stand", bank, patch.from_m, patch.to_m, note, patch.forest_id))
    return documented


def bowtie(canal: Canal, patch: Patch, sign: float, inner: float, outer: float) -> Polygon:
    """Self-intersecting version of ``patch``: its downstream end crosses itself.

    The ring goes along the inner edge to the patch end, jumps to the outer edge
    ``BOWTIE_EXTENSION_M`` further downstream, back to the inner edge there, and returns
    along the outer edge. The two jumps cross, so the ring is a bow-tie at that end;
    ``shapely.make_valid`` gives the whole patch plus a small triangle over the
    downstream neighbour.
    """
    stations = canal.stations(patch.from_m, patch.to_m)
    inner_pts = [canal.offset_point(s, sign * inner) for s in stations]
    outer_pts = [canal.offset_point(s, sign * outer) for s in stations]
    beyond = patch.to_m + BOWTIE_EXTENSION_M
    tie = [canal.offset_point(beyond, sign * outer), canal.offset_point(beyond, sign * inner)]
    return Polygon(np.vstack([inner_pts, tie, outer_pts[::-1]]))


def make_invalid(canal: Canal, patches: list[Patch]) -> list[Stretch]:
    """Turn three patches into bow-ties; return their documentation."""
    documented = []
    for bank, along_m in INVALID_PATCHES:
        index = patch_at(patches, bank, along_m)
        patch, neighbour = patches[index], patches[index + 1]
        _require(neighbour.bank == bank and neighbour.from_m <= patch.to_m
                 and neighbour.to_m >= patch.to_m + BOWTIE_EXTENSION_M,
                 f"bow-tie at {along_m} needs a downstream neighbour")
        spec = SEGMENTS[canal.segment_at((patch.from_m + patch.to_m) / 2)]
        inner = edge_m(spec, bank) + PATCH_CLEARANCE_M
        outer = edge_m(spec, bank) + belt_width(spec) + PATCH_OVERSHOOT_M
        patch.bowtie = bowtie(canal, patch, BANK_SIGN[bank], inner, outer)
        documented.append(Stretch(
            "invalid", bank, patch.from_m, patch.to_m,
            "自相交（蝴蝶结）多边形；make_valid 修复后仍覆盖该段", patch.forest_id,
        ))
    return documented


def forest_features(patches: Sequence[Patch]) -> list[dict]:
    """GeoJSON features of the forest patches."""
    return [
        feature(
            {"forest_id": p.forest_id, "树种": p.species, "栽植年份": p.year,
             "保存率": p.survival, "郁闭度": p.canopy},
            polygon_json(p.polygon) if p.bowtie is None
            else polygon_json(p.bowtie, keep_ring_order=True),
        )
        for p in patches
    ]


def read_back(feature_json: dict) -> Polygon:
    """Polygon of a written feature, projected back to EPSG:4546."""
    return Polygon(to_metric(np.asarray(feature_json["geometry"]["coordinates"][0])))


# --------------------------------------------------------------------------------------
# Risk sources
# --------------------------------------------------------------------------------------

RISK_TYPES = (
    "养猪场", "养殖场", "养鸡场", "农家乐", "饭店", "排水口", "排污口", "工业企业", "化工厂",
    "垃圾堆放点", "垃圾填埋场", "污水处理厂", "加油站", "洗车场", "居民生活污水", "网箱养殖",
    "固废堆存", "其他",
)
NAME_STEMS = {"居民生活污水": "居民点", "网箱养殖": "网箱养殖点", "固废堆存": "固废堆存点",
              "其他": "其他风险点"}
CONTACTS = ("张某", "李某", "王某", "赵某", "刘某", "陈某", "杨某", "黄某", "周某", "吴某")
RISK_HEADER = ("序号", "名称", "类型", "经度", "纬度", "乡镇", "联系人", "描述")
MANAGEMENT_CLASS = (10, 40)  # inside the management area (every open-channel edge >= 55 m)
FAR_CLASS = (60_000, 60_000)
#: Offset classes (metres from the centreline) and how many rows use each.
OFFSET_CLASSES = ((MANAGEMENT_CLASS, 4), ((60, 200), 13), ((200, 700), 12), ((700, 1500), 13),
                  ((1500, 3000), 15), (FAR_CLASS, 3))
#: Rows (序号) whose coordinates are spoilt on purpose.
RISK_DAMAGED_COORDS = (7, 19, 26, 33, 41)
#: Rows (序号) with deliberate problems, and what is wrong with them.
RISK_QUIRKS = {
    7: "经度、纬度均为空",
    12: "描述为 HTML 注入 `<img src=x onerror=alert(1)>`",
    19: "经度、纬度只含空格（视同空）",
    26: "经度、纬度为“不详”",
    33: "经纬度填反（经度列是纬度值）",
    41: "纬度 95，超出范围",
    48: '描述为脚本注入 `<script>alert("x")</script>`',
    55: '名称为 `=HYPERLINK("http://example.com","点我")`（CSV 公式注入）',
}


def dms_symbols(value: float) -> str:
    """Degrees-minutes-seconds with symbols, e.g. ``112°31′45.6″``."""
    tenths = round(abs(value) * 36_000)
    degrees, rest = divmod(tenths, 36_000)
    minutes, tenth_seconds = divmod(rest, 600)
    return f"{degrees}°{minutes}′{tenth_seconds / 10:.1f}″"


def dms_chinese(value: float, prefix: str) -> str:
    """Chinese degrees-minutes-seconds, e.g. ``东经112度31分45秒`` (whole seconds)."""
    seconds = round(abs(value) * 3_600)
    degrees, rest = divmod(seconds, 3_600)
    minutes, second = divmod(rest, 60)
    return f"{prefix}{degrees}度{minutes}分{second}秒"


def dms_colon(value: float) -> str:
    """Colon-separated degrees-minutes-seconds, e.g. ``112:31:45``."""
    seconds = round(abs(value) * 3_600)
    degrees, rest = divmod(seconds, 3_600)
    minutes, second = divmod(rest, 60)
    return f"{degrees}:{minutes:02d}:{second:02d}"


def format_coordinates(style: str, lon: float, lat: float) -> tuple[str, str]:
    """Coordinates as a field team might type them in ``style``."""
    if style == "symbols":
        return dms_symbols(lon), dms_symbols(lat)
    if style == "chinese":
        return dms_chinese(lon, "东经"), dms_chinese(lat, "北纬")
    if style == "colon":
        return dms_colon(lon), dms_colon(lat)
    return f"{lon:.6f}", f"{lat:.6f}"


def township_of(point: Point, townships: Sequence[Polygon]) -> str:
    """Township name containing ``point``, or "" outside the study area."""
    for name, polygon in zip(TOWNSHIP_NAMES, townships, strict=True):
        if polygon.contains(point):
            return name
    return ""


def risk_position(rng: np.random.Generator, canal: Canal,
                  low: float, high: float) -> tuple[float, float, str]:
    """Random distance along, distance from centreline and bank for one risk source."""
    while True:
        along_m = float(rng.uniform(300.0, canal.length - 300.0))
        spec = SEGMENTS[canal.segment_at(along_m)]
        if (low, high) != MANAGEMENT_CLASS or spec.structure == "明渠":
            break
    bank = BANK_LEFT if rng.random() < 0.5 else BANK_RIGHT
    return along_m, round(float(rng.uniform(low, high))), bank


def keep_apart(classes: list[tuple[int, int]], damaged: Sequence[int]) -> None:
    """Swap special offset classes (management area, far away) off the damaged rows.

    Rows whose coordinates are spoilt on purpose would otherwise hide one of the few
    management-area or far-away points.
    """
    ordinary = [i for i, c in enumerate(classes) if c not in (MANAGEMENT_CLASS, FAR_CLASS)]
    spare = [i for i in ordinary if i not in damaged]
    for row in damaged:
        if row not in ordinary:
            swap = spare.pop(0)
            classes[row], classes[swap] = classes[swap], classes[row]


def build_risk_rows(rng: np.random.Generator, canal: Canal,
                    townships: Sequence[Polygon]) -> list[list[str]]:
    """About 60 synthetic risk-source rows, with the deliberate quirks in ``RISK_QUIRKS``."""
    classes = [bounds for bounds, count in OFFSET_CLASSES for _ in range(count)]
    classes = [classes[i] for i in rng.permutation(len(classes))]
    keep_apart(classes, damaged=[n - 1 for n in RISK_DAMAGED_COORDS])
    types = [RISK_TYPES[i % len(RISK_TYPES)] for i in rng.permutation(len(classes))]
    rows = []
    for number, ((low, high), kind) in enumerate(zip(classes, types, strict=True), start=1):
        along_m, offset, bank = risk_position(rng, canal, low, high)
        xy = canal.offset_point(along_m, BANK_SIGN[bank] * offset)
        lon, lat = to_lonlat(xy[None, :])[0].tolist()
        style = str(rng.choice(["decimal", "symbols", "chinese", "colon"],
                               p=[0.6, 0.2, 0.15, 0.05]))
        if (low, high) == MANAGEMENT_CLASS or number in RISK_QUIRKS:  # keep these exact
            style = "decimal"
        lon_text, lat_text = format_coordinates(style, lon, lat)
        place = f"{bank}{stake(CHAINAGE_START_M + along_m)}"
        where = f"位于总干渠{place}附近，距中心线约{offset} m（示意）"
        if (low, high) == FAR_CLASS:  # the nearest part of the canal may be elsewhere
            nearest_m = canal.line.distance(Point(xy))
            _require(nearest_m > 50_000, "far-away risk source within 50 km")
            where = f"距总干渠约{nearest_m / 1000:.0f} km（示意）"
        rows.append([
            str(number), f"示意{NAME_STEMS.get(kind, kind)}{number:02d}", kind, lon_text, lat_text,
            township_of(Point(xy), townships), CONTACTS[int(rng.integers(len(CONTACTS)))], where,
        ])
    apply_risk_quirks(rows)
    return rows


def apply_risk_quirks(rows: list[list[str]]) -> None:
    """Put the deliberate mistakes of ``RISK_QUIRKS`` into ``rows`` (in place)."""
    lon, lat = 3, 4
    rows[7 - 1][lon:lat + 1] = ["", ""]
    rows[12 - 1][7] = "<img src=x onerror=alert(1)>"
    rows[19 - 1][lon:lat + 1] = [" ", "  "]
    rows[26 - 1][lon:lat + 1] = ["不详", "不详"]
    swapped = rows[33 - 1]
    swapped[lon], swapped[lat] = swapped[lat], swapped[lon]
    rows[41 - 1][lat] = "95"
    rows[48 - 1][7] = '<script>alert("x")</script>'
    rows[55 - 1][1] = '=HYPERLINK("http://example.com","点我")'


# --------------------------------------------------------------------------------------
# Audit: boundary markers, signs, fences and crossings (标志及隔离防护设施)
# --------------------------------------------------------------------------------------

#: Zone widths of ``zone_rules.example.toml`` per segment: 一级, 二级 and the left bank's
#: 准保护区 (0 = none). Written out here rather than read from the rules, so that the
#: markers are an independent construction the audit is checked against.
ZONE_WIDTHS: tuple[tuple[float, float, float], ...] = (
    (50, 500, 0), (50, 1000, 1000), (50, 150, 0), (50, 150, 0), (50, 150, 0),
    (50, 150, 0), (50, 150, 0), (50, 150, 0), (50, 1000, 1000),
)
LEVEL_NAMES = {1: "一级保护区", 2: "二级保护区", 3: "准保护区"}
#: Regular spacing of the sample's boundary markers (m of chainage, or along a step).
MARKER_STEP_M = 200.0
#: The planted stretch without markers: (level, bank, from, to) in m along the canal.
MARKER_GAP = (1, BANK_LEFT, 21_000.0, 22_500.0)
#: The planted turning point without a marker: (level, bank, segment whose start it is).
BARE_CORNER = (2, BANK_RIGHT, 1)
FENCE_OFFSET_M = 1.0  # fences run this far outside the management edge
#: Fence defects: (kind, bank, from, to) in m along the canal.
FENCE_DEFECTS = (
    ("fence_gap", BANK_RIGHT, 10_600.0, 10_900.0),
    ("short_fence_break", BANK_LEFT, 23_000.0, 23_035.0),
    ("damaged_fence", BANK_LEFT, 30_000.0, 30_150.0),
)
SIGN_BACK_M, SIGN_ASIDE_M = 15.0, 6.0  # a warning sign stands outside the entry, by the road


@dataclass(frozen=True)
class CrossingSpec:
    """A sample linear work: where, what, its facilities and the expected findings."""

    ref: str
    name: str
    kind: str
    along_m: float
    facilities: tuple[str, str, str]  # 防撞护栏, 事故导流槽, 应急池 as typed
    expected: str
    reach: tuple[float, float] | None = None  # offsets (m, + left) when not across
    missing_sign: int | None = None  # entry (0-based, left first) whose sign is 缺失
    signs: bool = True


CROSSINGS: tuple[CrossingSpec, ...] = (
    CrossingSpec("C1", "示意大道", "道路", 10_000.0, ("有", "有", "有"),
                 "警示牌齐全，三项设施齐全：无问题"),
    CrossingSpec("C2", "示意乡道", "公路", 20_500.0, ("有", "无", "无"),
                 "缺事故导流槽、应急池"),
    CrossingSpec("C3", "<script>alert(1)</script>路", "道路", 27_000.0, ("", "不详", "有"),
                 "左岸进入二级保护区处警示牌缺失；防撞护栏、事故导流槽情况不明", missing_sign=0),
    CrossingSpec("C4", "=cmd|' /C calc'!A0", "输油管道", 1_500.0, ("", "", ""),
                 "只进入二级保护区的管线：不要求警示牌和设施，无问题", reach=(-900.0, -300.0),
                 signs=False),
    CrossingSpec("C5", "示意远郊路", "道路", 10_000.0, ("无", "无", "无"),
                 "距总干渠 3 km，不进入保护区：忽略", reach=(-3_000.0, -3_000.0), signs=False),
    CrossingSpec("C6", "示意渡槽桥", "桥梁", 33_000.0, ("yes", "1", "0"), "缺应急池"),
)


@dataclass(frozen=True)
class AuditSample:
    """What the audit sample holds, for the expected-defects table and the README."""

    markers: list[dict]
    crossings: list[dict]
    fences: list[dict]
    expected: list[list[str]]


def zone_offset(index: int, bank: str, level: int) -> float:
    """Centreline to the outer line of ``level`` (0 = management edge) on one bank."""
    first, second, quasi = ZONE_WIDTHS[index]
    widths = (edge_m(SEGMENTS[index], bank), first, second, quasi if bank == BANK_LEFT else 0)
    return float(sum(widths[: level + 1]))


def has_level(index: int, bank: str, level: int) -> bool:
    """True when segment ``index`` has zone ``level`` on ``bank``."""
    return level < 3 or (bank == BANK_LEFT and ZONE_WIDTHS[index][2] > 0)


def boundary_legs(canal: Canal, bank: str, level: int) -> list[tuple[str, float, float, float]]:
    """The outer boundary of ``level`` on ``bank`` as legs, in flow order.

    ``("along", from_m, to_m, offset)`` runs parallel to the canal; ``("step", at_m,
    offset_from, offset_to)`` is a radial step at a junction (the canal runs straight
    through every junction, so the step is perpendicular to it). Where a level starts or
    stops at a junction its boundary steps down to the next stricter level's outer line.
    """
    legs: list[tuple[str, float, float, float]] = []
    count = len(SEGMENTS)
    for i in range(count):
        if not has_level(i, bank, level):
            continue
        start, end = canal.junction_along(i), canal.junction_along(i + 1)
        here = zone_offset(i, bank, level)
        if i > 0 and not has_level(i - 1, bank, level):
            legs.append(("step", start, zone_offset(i, bank, level - 1), here))
        legs.append(("along", start, end, here))
        if i + 1 < count and has_level(i + 1, bank, level):
            after = zone_offset(i + 1, bank, level)
            if after != here:
                legs.append(("step", end, here, after))
        elif i + 1 < count:
            legs.append(("step", end, here, zone_offset(i, bank, level - 1)))
    return legs


def leg_points(canal: Canal, bank: str, leg: tuple[str, float, float, float]
               ) -> list[tuple[float, float]]:
    """(along, offset) of the regular markers on a leg, both ends included."""
    kind, a, b, c = leg
    sign = BANK_SIGN[bank]
    if kind == "along":
        count = max(1, math.ceil((b - a) / MARKER_STEP_M))
        return [(a + (b - a) * k / count, sign * c) for k in range(count + 1)]
    count = math.ceil(abs(c - b) / MARKER_STEP_M)
    return [(a, sign * (b + (c - b) * k / count)) for k in range(count + 1)] if count else []


def boundary_line(canal: Canal, bank: str, level: int, from_m: float, to_m: float) -> LineString:
    """The ``along`` boundary of ``level`` between two places of one segment."""
    index = canal.segment_at((from_m + to_m) / 2)
    offset = BANK_SIGN[bank] * zone_offset(index, bank, level)
    return LineString([canal.offset_point(s, offset) for s in canal.stations(from_m, to_m)])


def marker_feature(canal: Canal, along_m: float, offset_m: float, props: dict) -> dict:
    """A GeoJSON point feature at ``offset_m`` (+ left) from the canal at ``along_m``."""
    lonlat = to_lonlat(canal.offset_point(along_m, offset_m)[None, :])[0].tolist()
    return feature(props, {"type": "Point", "coordinates": lonlat})


def regular_markers(canal: Canal) -> list[dict]:
    """界标 every <= 200 m on every boundary, with the planted gap and bare corner."""
    level, bank, gap_from, gap_to = MARKER_GAP
    bare_level, bare_bank, bare_segment = BARE_CORNER
    bare = (canal.junction_along(bare_segment),
            BANK_SIGN[bare_bank] * zone_offset(bare_segment, bare_bank, bare_level))
    features, seen = [], set()
    for lv in (1, 2, 3):
        for bk in (BANK_LEFT, BANK_RIGHT):
            spots = [p for leg in boundary_legs(canal, bk, lv) for p in leg_points(canal, bk, leg)]
            if (lv, bk) == (level, bank):
                spots = [p for p in spots if not gap_from < p[0] < gap_to]
                spots += [(gap_from, BANK_SIGN[bk] * zone_offset(canal.segment_at(gap_from),
                                                                   bk, lv)),
                          (gap_to, BANK_SIGN[bk] * zone_offset(canal.segment_at(gap_to), bk, lv))]
            if (lv, bk) == (bare_level, bare_bank):
                spots = [p for p in spots if not (abs(p[0] - bare[0]) < 1e-6
                                                  and abs(p[1] - bare[1]) < 1e-6)]
            side = "Z" if bk == BANK_LEFT else "Y"  # 左 / 右
            number = 0
            for along_m, offset_m in sorted(spots):
                key = (round(along_m, 3), round(offset_m, 3))
                if key in seen:
                    continue
                seen.add(key)
                number += 1
                code = f"L{lv}{side}{number:03d}"
                kind = "界桩" if number % 7 == 0 else "保护区界桩" if number % 11 == 0 else "界标"
                condition = "" if number % 5 == 0 else "良好" if number % 13 == 0 else "完好"
                photo = f"{code}.jpg" if number % 10 == 1 else ""
                features.append(marker_feature(canal, along_m, offset_m, {
                    "编号": code, "类型": kind, "状况": condition, "照片": photo}))
    features[0]["properties"]["编号"] = "=cmd|' /C calc'!A0"  # formula injection
    return features


def crossing_entries(canal: Canal, spec: CrossingSpec) -> list[tuple[float, int]]:
    """Offsets (+ left) where a crossing meets the 一级/二级 boundaries, left bank first."""
    index = canal.segment_at(spec.along_m)
    out = []
    for bank in (BANK_LEFT, BANK_RIGHT):
        for level in (2, 1):
            offset = BANK_SIGN[bank] * zone_offset(index, bank, level)
            low, high = spec.reach or (-math.inf, math.inf)
            if low < offset < high:
                out.append((offset, level))
    return sorted(out, key=lambda e: -e[0])


def crossing_features(canal: Canal) -> tuple[list[dict], list[dict]]:
    """The crossings' line features and the warning signs at their entries."""
    lines, signs = [], []
    for spec in CROSSINGS:
        index = canal.segment_at(spec.along_m)
        if spec.reach == (-3_000.0, -3_000.0):  # parallel to the canal, far outside
            stations = np.linspace(spec.along_m - 1_000, spec.along_m + 1_500, 6)
            xy = np.array([canal.offset_point(s, -3_000.0) for s in stations])
        else:
            far = max(zone_offset(index, b, 2) for b in (BANK_LEFT, BANK_RIGHT)) + 300.0
            low, high = spec.reach or (-far, far)
            xy = np.array([canal.offset_point(spec.along_m, high),
                           canal.offset_point(spec.along_m, low)])
        crash, drain, pool = spec.facilities
        lines.append(feature({"名称": spec.name, "类型": spec.kind, "防撞护栏": crash,
                              "事故导流槽": drain, "应急池": pool},
                             {"type": "LineString", "coordinates": to_lonlat(xy).tolist()}))
        if not spec.signs:
            continue
        for k, (offset, _level) in enumerate(crossing_entries(canal, spec)):
            outward = offset + math.copysign(SIGN_BACK_M, offset)
            missing = k == spec.missing_sign
            signs.append(marker_feature(canal, spec.along_m + SIGN_ASIDE_M, outward, {
                "编号": f"{spec.ref}-{k + 1}", "类型": "警示标志" if k % 2 else "警示牌",
                "状况": "缺失" if missing else "完好", "照片": ""}))
    return lines, signs


#: Other markers: (along, offset + left, 编号, 类型, 状况, 照片, expected kind, note).
EXTRA_MARKERS: tuple[tuple[float, float, str, str, str, str, str, str], ...] = (
    (15_100.0, 260.0, "L2Z-D1", "界标", "破损", "L2Z-D1.jpg", "damaged_marker",
     "二级保护区左岸界标破损（损坏）"),
    (11_100.0, -120.0, "L1Y-M1", "界桩", "缺失", "", "damaged_marker",
     "一级保护区右岸界桩缺失"),
    (10_030.0, 75.0, "{{7*7}}", "宣传牌", "损坏", "<script>alert(1)</script>.jpg",
     "damaged_marker", "宣传牌损坏（编号、照片为注入文本）"),
    (20_530.0, -80.0, "XC-01", "宣传栏", "", "", "", "宣传牌完好"),
    (16_000.0, 450.0, "L9Z-FAR", "界标", "完好", "", "far_marker",
     "距一级、二级边界均超过 50 m，不计入间距"),
    (14_000.0, 30.0, "LD-01", "路灯", "完好", "", "ignored_marker", "类型无法识别，不检查"),
)


def extra_markers(canal: Canal) -> list[dict]:
    """Damaged, missing, misplaced and unrecognised markers, and one without a position."""
    out = [marker_feature(canal, a, o, {"编号": code, "类型": kind, "状况": cond, "照片": photo})
           for a, o, code, kind, cond, photo, _, _ in EXTRA_MARKERS]
    out.append(feature({"编号": "J-无坐标", "类型": "界标", "状况": "完好", "照片": ""}, None))
    return out


def fence_features(canal: Canal) -> list[dict]:
    """Fences 1 m outside the management edge on both banks, with the planted defects."""
    features = []
    for bank in (BANK_LEFT, BANK_RIGHT):
        holes = [(a, b, kind) for kind, bk, a, b in FENCE_DEFECTS if bk == bank]
        number = 0
        for i in range(len(SEGMENTS)):
            start, end = canal.junction_along(i), canal.junction_along(i + 1)
            cuts = sorted({start, end, *(x for a, b, _ in holes for x in (a, b)
                                         if start < x < end)})
            offset = BANK_SIGN[bank] * (edge_m(SEGMENTS[i], bank) + FENCE_OFFSET_M)
            for a, b in itertools.pairwise(cuts):
                hole = next((k for h0, h1, k in holes if h0 <= a and b <= h1), None)
                if hole in ("fence_gap", "short_fence_break"):
                    continue
                xy = [canal.offset_point(s, offset) for s in canal.stations(a, b)]
                if b == end and i + 1 < len(SEGMENTS):  # follow the edge's step
                    step = edge_m(SEGMENTS[i + 1], bank) + FENCE_OFFSET_M
                    xy.append(canal.offset_point(end, BANK_SIGN[bank] * step))
                number += 1
                side = "左" if bank == BANK_LEFT else "右"
                features.append(feature(
                    {"编号": f"隔离网-{side}{number:02d}",
                     "状况": "损坏" if hole == "damaged_fence" else "完好"},
                    {"type": "LineString", "coordinates": to_lonlat(np.array(xy)).tolist()}))
    return features


AUDIT_HEADER = ("kind", "layer", "bank", "level", "chainage_from_m", "chainage_to_m",
                "length_m", "ref", "township", "expected", "note")


def audit_expected(canal: Canal, townships: Sequence[Polygon]) -> list[list[str]]:
    """Rows of ``audit_expected.csv``: every planted defect and what the audit should say."""
    def chain(m: float) -> str:
        return f"{CHAINAGE_START_M + m:.1f}"

    level, bank, gap_from, gap_to = MARKER_GAP
    gap = boundary_line(canal, bank, level, gap_from, gap_to)
    middle = gap.interpolate(0.5, normalized=True)
    rows = [["boundary_gap", "boundary_gaps", bank, str(level), chain(gap_from), chain(gap_to),
             f"{gap.length:.1f}", "", township_of(middle, townships),
             f"{LEVEL_NAMES[level]}外边界 {gap.length:.0f} m 无完好界标",
             "界标间距超限：两处界标之间 1.5 km（沿边界量取）"]]
    bare_level, bare_bank, bare_segment = BARE_CORNER
    at = canal.junction_along(bare_segment)
    corner = Point(canal.offset_point(at, BANK_SIGN[bare_bank]
                                      * zone_offset(bare_segment, bare_bank, bare_level)))
    rows.append(["corner", "corner_gaps", bare_bank, str(bare_level), chain(at), chain(at), "",
                 "", township_of(corner, townships), "拐点 50 m 内无完好界标",
                 f"段界处二级保护区边界台阶外角（距中心线 "
                 f"{zone_offset(bare_segment, bare_bank, bare_level):.0f} m）的界标未设"])
    for along_m, offset, code, kind, cond, _, expect, note in EXTRA_MARKERS:
        if expect:
            rows.append([expect, "damaged_markers" if expect == "damaged_marker" else "markers",
                         BANK_LEFT if offset > 0 else BANK_RIGHT, "", chain(along_m),
                         chain(along_m), "", code, "", f"{kind} {cond}", note])
    for spec in CROSSINGS:
        entries = crossing_entries(canal, spec) if spec.reach != (-3_000.0, -3_000.0) else []
        rows.append(["crossing", "crossings", "", "", chain(spec.along_m), chain(spec.along_m),
                     "", spec.ref, "", f"{len(entries)} 处进入点", f"{spec.name}：{spec.expected}"])
        if spec.missing_sign is not None:
            offset, lv = entries[spec.missing_sign]
            rows.append(["damaged_marker", "damaged_markers",
                         BANK_LEFT if offset > 0 else BANK_RIGHT, str(lv), chain(spec.along_m),
                         chain(spec.along_m), "", f"{spec.ref}-{spec.missing_sign + 1}", "",
                         "警示牌 缺失", "进入点的警示牌缺失（同时列入穿越工程问题）"])
    for kind, bk, a, b in FENCE_DEFECTS:
        note = {"fence_gap": "隔离网缺失 300 m",
                "short_fence_break": "35 m 缺口：扣除两端 10 m 缓冲后不足 20 m，不列出",
                "damaged_fence": "隔离网 150 m 损坏（状况=损坏，不计为防护）"}[kind]
        rows.append([kind, "fence_gaps", bk, "0", chain(a), chain(b), f"{b - a:.1f}", "", "",
                     f"缺口 = {b - a:.0f} m − 2√(缓冲² − {FENCE_OFFSET_M:.0f}²)", note])
    return rows


def check_markers(canal: Canal, markers: Sequence[dict]) -> None:
    """Every boundary leg has markers at most 200 m apart except the planted defects."""
    for level in (1, 2, 3):
        for bank in (BANK_LEFT, BANK_RIGHT):
            legs = boundary_legs(canal, bank, level)
            for (_, a, _, _), (_, c, _, _) in itertools.pairwise(legs):
                _require(c >= a, f"legs of L{level} {bank} in flow order")
    codes = [f["properties"]["编号"] for f in markers]
    _require(len(codes) == len(set(codes)), "marker codes are unique")


def write_audit(out_dir: Path, canal: Canal, townships: Sequence[Polygon]) -> AuditSample:
    """Build and write ``markers``, ``crossings``, ``fences`` and ``audit_expected.csv``."""
    lines, signs = crossing_features(canal)
    markers = regular_markers(canal) + signs + extra_markers(canal)
    check_markers(canal, markers)
    fences = fence_features(canal)
    expected = audit_expected(canal, townships)
    write_geojson(out_dir / "markers.geojson", "markers", markers)
    write_geojson(out_dir / "crossings.geojson", "crossings", lines)
    write_geojson(out_dir / "fences.geojson", "fences", fences)
    write_csv(out_dir / "audit_expected.csv", AUDIT_HEADER, expected, "utf-8-sig", "\n")
    return AuditSample(markers, lines, fences, expected)


# --------------------------------------------------------------------------------------
# Documentation: expected-defects CSV and README
# --------------------------------------------------------------------------------------

EXPECTED_HEADER = ("kind", "bank", "chainage_from_m", "chainage_to_m", "forest_id", "note")


def expected_rows(stretches: Sequence[Stretch]) -> list[list[str]]:
    """Rows of ``forest_expected.csv`` (chainages absolute, 0.1 m)."""
    return [
        [s.kind, s.bank, f"{CHAINAGE_START_M + s.from_m:.1f}",
         f"{CHAINAGE_START_M + s.to_m:.1f}", s.forest_id, s.note]
        for s in stretches
    ]


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def files_table(canal: Canal, counts: dict[str, int]) -> str:
    """Markdown table of the files written, their CRS or encoding, and their columns."""
    wgs84 = "WGS84 (`urn:ogc:def:crs:OGC:1.3:CRS84`)"
    study = (f"{stake(CHAINAGE_START_M + STUDY_FROM_M)} – {stake(CHAINAGE_START_M + STUDY_TO_M)}"
             f" ({100 * (STUDY_TO_M - STUDY_FROM_M) / canal.length:.0f} % of the canal)")
    risk_columns = "`序号`, `名称`, `类型`, `经度`, `纬度`, `乡镇`, `联系人`, `描述`"
    rows = [
        ("`canal.geojson`",
         f"schematic canal centreline: {len(SEGMENTS)} LineString segments in flow order "
         f"(south-west → north-east), {canal.length:,.1f} m, a vertex every 65–80 m", wgs84,
         "`segment_id`, `name`, `structure`, `section`, `groundwater`, `permeability`, "
         "`area_type`, `edge_left_m`, `edge_right_m`, `chainage_start_m` (first feature only)"),
        ("`study_area.geojson`",
         f"one polygon 示意研究区: {STUDY_HALF_WIDTH_M / 1000:.0f} km either side of the canal "
         f"over {study}; the canal enters and leaves it", wgs84, "`name`"),
        ("`townships.geojson`", "4 invented townships that partition the study area", wgs84,
         "`township`, `code` (T01…T04, placeholders)"),
        ("`villages.geojson`",
         f"{counts['villages']} invented villages, 3–5 per township, that partition their "
         "township", wgs84, "`township`, `village`, `code` (T01-V01…, placeholders)"),
        ("`forest.geojson`",
         f"{counts['patches']} synthetic forest patches of the ecological corridor (生态廊道) "
         "on both banks", wgs84,
         "`forest_id`, `树种`, `栽植年份` (year), `保存率` (0–1), `郁闭度` (0–1)"),
        ("`forest_expected.csv`", "machine-readable truth of the documented forest defects",
         "UTF-8 with BOM, LF line ends",
         "`kind` (gap / short_break / weak_stand / invalid), `bank` (左岸/右岸), "
         "`chainage_from_m`, `chainage_to_m`, `forest_id`, `note`"),
        ("`risk_sources.csv`",
         f"{counts['risk']} synthetic risk-source rows as field teams send them",
         "UTF-8 with BOM, CRLF; lon/lat in WGS84", risk_columns),
        ("`risk_sources_gbk.csv`", "the same rows with the same text", "**GBK**, CRLF",
         risk_columns),
        ("`markers.geojson`",
         f"{counts['markers']} synthetic markers: boundary markers (界标) on every zone "
         "boundary, warning signs (警示牌) at crossing entries, notice boards (宣传牌), with "
         "planted defects", wgs84, "`编号`, `类型`, `状况`, `照片`"),
        ("`crossings.geojson`",
         f"{counts['crossings']} synthetic linear works crossing (or not) the zones", wgs84,
         "`名称`, `类型`, `防撞护栏`, `事故导流槽`, `应急池`"),
        ("`fences.geojson`",
         f"{counts['fences']} synthetic isolation-fence pieces 1 m outside the management edge",
         wgs84, "`编号`, `状况`"),
        ("`audit_expected.csv`", "machine-readable truth of the planted audit defects",
         "UTF-8 with BOM, LF line ends", ", ".join(f"`{h}`" for h in AUDIT_HEADER)),
    ]
    return markdown_table(["file", "content", "CRS / encoding", "columns / properties"], rows)


def segment_table(canal: Canal) -> str:
    """Markdown table of the canal segments."""
    rows = []
    for index, spec in enumerate(SEGMENTS):
        start, end = canal.junction_along(index), canal.junction_along(index + 1)
        rows.append([
            f"S{index + 1:02d}", spec.structure, spec.section or "—", spec.groundwater,
            spec.permeability, spec.area_type, f"{spec.edge_left_m:.0f} / {spec.edge_right_m:.0f}",
            f"{stake(CHAINAGE_START_M + start)} – {stake(CHAINAGE_START_M + end)}",
            f"{end - start:,.1f}", f"{belt_width(spec):.0f}",
        ])
    return markdown_table(
        ["segment_id", "structure", "section", "groundwater", "permeability", "area_type",
         "edge L / R (m)", "stakes", "length (m)", "belt width (m)"], rows)


def defects_table(stretches: Sequence[Stretch]) -> str:
    """Markdown table of the documented forest defects."""
    rows = [
        [s.kind, s.bank,
         f"{stake(CHAINAGE_START_M + s.from_m)} – {stake(CHAINAGE_START_M + s.to_m)}",
         f"{s.to_m - s.from_m:.0f}", s.forest_id or "—", s.note]
        for s in stretches
    ]
    return markdown_table(["kind", "bank", "stakes", "length (m)", "forest_id", "note"], rows)


README_TEMPLATE = """\
# data/boundaries — schematic sample data (示意数据)

**Everything in this folder is schematic and synthetic.** It is *not* survey data, *not* the
official drinking-water source protection-zone delineation (饮用水水源保护区划定), and not the
real position of the South-to-North Water Diversion Middle Route canal. The townships and
villages are invented placeholder names marked 示意 (示意镇甲…丁, 甲一村（示意）…); the risk
sources, contacts and forest stands are made up. Use the files to try and test geo_guard,
never to make decisions about real places.

## Provenance

Made by `scripts/make_sample_data.py` (numpy `default_rng({seed})`). Re-create with
`make sample` or `python scripts/make_sample_data.py [--out DIR]`; two runs give
byte-identical files. The script also writes this README, so edit the script, not this
file. All geometry is built in EPSG:4546 (CGCS2000 / 3-degree Gauss-Kruger CM 111E) and
written as WGS84 lon/lat rounded to 7 decimals. Chainage (桩号) = 95000 m + distance along
the merged centreline in EPSG:4546, so `K95+000` is the upstream end of `canal.geojson`.

The real OpenStreetMap canal and the DataV / geoBoundaries district polygons live in
`../shared/data` (next to the project checkout) under their own licences; they are not
copied here and nothing here is derived from them.

## Licence

Generated data: dedicated to the public domain under
[CC0 1.0](https://creativecommons.org/publicdomain/zero/1.0/). No rights reserved.

## Files

{files_table}

### Canal segments

{segment_table}

`edge` is the distance from the centreline to the management edge (管理范围边线) on each bank,
left/right looking downstream. Chainages in this table are measured on the stored line
(junctions are within a metre of the nominal design values). The canal runs straight
through every junction. The management area used by the checks is the band from the
centreline to the edge of each segment, with flat ends at the junctions.

## Forest belt (forest.geojson) and its documented defects

On each bank the belt starts at the management edge and is {rural:.0f} m wide in rural
segments and {urban:.0f} m wide in the urban (城区) segment S05. The belt is tiled with patches
150–400 m long along the canal, each a full-width piece between two chainages that reaches
{overshoot:.0f} m beyond the belt's outer edge (and starts {clearance_cm:.0f} cm outside the
management edge so that rounding never puts forest inside it). Within a segment, neighbouring
patches touch or overlap by 2–5 m. At a segment junction where the management edge steps
outward, the patch on the wider-edge side reaches {junction_overlap:.0f} m back over the
narrower side and the narrower side's patch stops {clearance_cm:.0f} cm short; where the edge
is the same they touch. Patch ids run along the left bank first (F0001…), then the right bank.
Healthy stands have 保存率 0.75–0.98 and 郁闭度 0.45–0.9; a weak stand is 保存率 < 0.7 or
郁闭度 < 0.4. A gap (断档) is a stretch of at least
{min_gap:.0f} m with no forest at all on that bank; every gap here is on one bank only, the other
bank being forested.

{defects_table}

The bow-tie patches are self-intersecting: their ring crosses itself at the downstream end
(over the first {bowtie:.0f} m of the next patch). `shapely.make_valid` turns each into a
polygon that still covers its whole stretch. All other polygons in all files are valid.
Forest patches carry no bank or chainage property: derive them from the geometry and compare
with `forest_expected.csv`.

## Risk sources (risk_sources.csv, risk_sources_gbk.csv)

Points lie at designed distances from the centreline on both banks: {n_mgmt} inside the
management area (10–40 m, always in decimal degrees), most between 60 and 3000 m, and 3
placed 60 km off the canal (50–60 km from its nearest point, beyond geo_guard's 50 km
"far from canal" flag). Each `描述` (unless overwritten below) says the designed bank, stake and
distance. Coordinates are decimal degrees or DMS strings in three spellings
(`112°31′45.6″`, `东经112度31分45秒` / `北纬…`, `112:31:45`); DMS are rounded to 0.1″ or
1″ (off by up to about 15 m). `乡镇` is the township holding the designed point, empty outside
the study area. `类型` keeps the field teams' raw spellings (养猪场, 养殖场, 排水口, 排污口,
固废堆存, 其他 …) for normalisation tests.

Rows with deliberate problems:

{quirks_table}

GBK: the DMS symbols ° ′ ″ are in GBK (A1E3, A1E4, A1E5), so `risk_sources_gbk.csv` holds
exactly the same text as the UTF-8 file, encoded as GBK (no BOM); no row had to be respelled.

## Markers, crossings and fences (markers.geojson, crossings.geojson, fences.geojson)

The zone boundaries here follow the widths of `zone_rules.example.toml` (一级 50 m from the
management edge; 二级 500 m on S01, 1000 m on S02 and S09, 150 m elsewhere; a 1000 m
准保护区 on the left bank of S02 and S09), written out in the script rather than read
from the rules. Boundary markers (界标) stand on every 一级, 二级 and 准 boundary of both
banks, at most {marker_step:.0f} m apart (in chainage along the canal, or along the radial
step where the width changes at a segment junction, with one at each corner of a step and
at the canal's two ends). Their `类型` uses synonyms (界标, 界桩, 保护区界桩) and `状况` is
完好, 良好 or empty (= 完好). Warning signs stand {sign_back:.0f} m outside each place a road
or bridge enters the 一级 or 二级 zone, {sign_aside:.0f} m beside the road. Fences run
{fence_offset:.0f} m outside the management edge of both banks and follow its steps.

Crossings (all straight across the canal at the given stake unless said):

{crossings_table}

Planted defects and what the audit should report (`audit_expected.csv`):

{audit_table}
"""


def write_readme(path: Path, canal: Canal, stretches: Sequence[Stretch],
                 counts: dict[str, int], audit: AuditSample) -> None:
    """Write the README from the data that was just generated."""
    quirks = markdown_table(["序号", "problem"], sorted(RISK_QUIRKS.items()))
    crossings = markdown_table(
        ["ref", "名称", "类型", "stake", "防撞护栏 / 事故导流槽 / 应急池", "expected"],
        [[c.ref, "`" + c.name.replace("|", "\\|") + "`", c.kind,
          stake(CHAINAGE_START_M + c.along_m),
          " / ".join(f or "(empty)" for f in c.facilities), c.expected] for c in CROSSINGS])
    defects = markdown_table(
        ["kind", "bank", "level", "stakes", "length (m)", "ref", "note"],
        [[r[0], r[2] or "—", r[3] or "—",
          f"{stake(float(r[4]))} – {stake(float(r[5]))}" if r[4] != r[5]
          else stake(float(r[4])), r[6] or "—", f"`{r[7]}`" if r[7] else "—", r[10]]
         for r in audit.expected if r[0] != "crossing"])
    text = README_TEMPLATE.format(
        seed=SEED, files_table=files_table(canal, counts),
        n_mgmt=dict(OFFSET_CLASSES)[MANAGEMENT_CLASS],
        segment_table=segment_table(canal), defects_table=defects_table(stretches),
        rural=BELT_WIDTH_RURAL_M, urban=BELT_WIDTH_URBAN_M, overshoot=PATCH_OVERSHOOT_M,
        clearance_cm=PATCH_CLEARANCE_M * 100, junction_overlap=JUNCTION_OVERLAP_M,
        min_gap=MIN_GAP_M, bowtie=BOWTIE_EXTENSION_M,
        quirks_table=quirks, marker_step=MARKER_STEP_M, sign_back=SIGN_BACK_M,
        sign_aside=SIGN_ASIDE_M, fence_offset=FENCE_OFFSET_M, crossings_table=crossings,
        audit_table=defects,
    )
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------
# Checks on what was written
# --------------------------------------------------------------------------------------


def check_canal(canal: Canal, features: Sequence[dict]) -> None:
    """Length, exact joins, vertex spacing and Gauss-Kruger zone of the written canal."""
    _require(34_000 <= canal.length <= 36_000, f"canal length {canal.length:.1f} m")
    for first, second in itertools.pairwise(features):
        _require(first["geometry"]["coordinates"][-1] == second["geometry"]["coordinates"][0],
                 "segments must join exactly")
    lon = canal.lonlat[:, 0]
    _require((lon.min() + lon.max()) / 2 < 112.45, "bbox centre must stay west of 112.45E")
    spacing = np.diff(canal.along)
    _require(spacing.min() > 50 and spacing.max() <= 100, "vertex spacing 50-100 m")


def check_gap_design(canal: Canal) -> None:
    """Gaps 80-400 m, >= 1 km apart and from the canal ends; the short break < 50 m."""
    for gap in GAPS:
        _require(80 <= gap.to_m - gap.from_m <= 400, f"gap at {gap.from_m} length")
        _require(gap.from_m >= 1_000 and gap.to_m <= canal.length - 1_000, "gap near an end")
    for first, second in itertools.pairwise(sorted(GAPS, key=lambda g: g.from_m)):
        _require(second.from_m - first.to_m >= 1_000, "gaps closer than 1 km")
    _require(SHORT_BREAK.to_m - SHORT_BREAK.from_m < MIN_GAP_M, "short break too long")


def check_forest(canal: Canal, patches: Sequence[Patch], written: Sequence[dict]) -> None:
    """Validity, weak stands, management-area clearance, gaps and coverage elsewhere."""
    check_gap_design(canal)
    weak = [p.forest_id for p in patches if p.survival < 0.7 or p.canopy < 0.4]
    _require(len(weak) == len(WEAK_STANDS), f"weak stands {weak}")
    polygons = [read_back(f) for f in written]
    invalid = [p.forest_id for p, g in zip(patches, polygons, strict=True) if not g.is_valid]
    _require(invalid == [p.forest_id for p in patches if p.invalid], "exactly the bow-ties")
    repaired = [shapely.make_valid(g) for g in polygons]
    for patch, fixed in zip(patches, repaired, strict=True):
        if patch.invalid:  # the repaired bow-tie still covers the whole patch
            normal = round_trip(patch.polygon)
            _require(normal.difference(fixed).area < 0.01, f"{patch.forest_id} repair")
    area = management_area(canal)
    tree = shapely.STRtree(repaired)
    for index in tree.query(area, predicate="intersects"):
        _require(repaired[index].intersection(area).area < 0.01,
                 f"{patches[index].forest_id} inside the management area")
    forest = shapely.unary_union(repaired)
    shapely.prepare(forest)
    holes = [*GAPS, SHORT_BREAK]
    stations = np.arange(2.5, canal.length - 2.5, 5.0)
    for bank, sign in BANK_SIGN.items():
        in_hole = np.array([any(h.bank == bank and h.from_m <= s <= h.to_m for h in holes)
                            for s in stations])
        specs = [SEGMENTS[canal.segment_at(s)] for s in stations]
        for share in (0.01, 0.5, 0.99):  # near the edge, mid-belt, near the outer edge
            points = shapely.points([
                canal.offset_point(s, sign * (edge_m(spec, bank) + share * belt_width(spec)))
                for s, spec in zip(stations, specs, strict=True)
            ])
            wrong = shapely.intersects(forest, points) == in_hole
            _require(not wrong.any(), f"{bank} coverage at "
                     f"{[stake(CHAINAGE_START_M + s) for s in stations[wrong][:5]]}")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def write_canal(out_dir: Path) -> Canal:
    """Build, check and write ``canal.geojson``."""
    canal = build_canal()
    features = canal_features(canal)
    check_canal(canal, features)
    write_geojson(out_dir / "canal.geojson", "canal", features)
    return canal


def write_divisions(out_dir: Path, rng: np.random.Generator, canal: Canal) -> list[Polygon]:
    """Build, check and write the study area, townships and villages; return townships."""
    study, townships, villages = build_divisions(rng, canal)
    check_divisions(study, townships, villages)
    crossings = canal.line.intersection(round_trip(study).exterior)
    _require(len(shapely.get_parts(crossings)) == 2, "canal must enter and leave the study area")
    write_geojson(out_dir / "study_area.geojson", "study_area",
                  [feature({"name": "示意研究区"}, polygon_json(study))])
    write_geojson(out_dir / "townships.geojson", "townships", [
        feature({"township": name, "code": f"T{k + 1:02d}"}, polygon_json(poly))
        for k, (name, poly) in enumerate(zip(TOWNSHIP_NAMES, townships, strict=True))
    ])
    write_geojson(out_dir / "villages.geojson", "villages", [
        feature({"township": TOWNSHIP_NAMES[k],
                 "village": f"{TOWNSHIP_SHORT[k]}{VILLAGE_NUMERALS[v]}村（示意）",
                 "code": f"T{k + 1:02d}-V{v + 1:02d}"}, polygon_json(village))
        for k, pieces in enumerate(villages) for v, village in enumerate(pieces)
    ])
    return [round_trip(t) for t in townships]


def write_forest(out_dir: Path, rng: np.random.Generator,
                 canal: Canal) -> tuple[list[Patch], list[Stretch]]:
    """Build, check and write ``forest.geojson`` and ``forest_expected.csv``."""
    patches = build_patches(rng, canal)
    weak = sorted(make_weak(patches), key=lambda s: s.from_m)
    invalid = sorted(make_invalid(canal, patches), key=lambda s: s.from_m)
    stretches = [*GAPS, SHORT_BREAK, *weak, *invalid]
    features = forest_features(patches)
    check_forest(canal, patches, features)
    write_geojson(out_dir / "forest.geojson", "forest", features)
    write_csv(out_dir / "forest_expected.csv", EXPECTED_HEADER, expected_rows(stretches),
              "utf-8-sig", "\n")
    return patches, stretches


def write_risk_sources(out_dir: Path, rng: np.random.Generator, canal: Canal,
                       townships: Sequence[Polygon]) -> list[list[str]]:
    """Write the risk-source table as UTF-8 with BOM and as GBK."""
    rows = build_risk_rows(rng, canal, townships)
    write_csv(out_dir / "risk_sources.csv", RISK_HEADER, rows, "utf-8-sig")
    write_csv(out_dir / "risk_sources_gbk.csv", RISK_HEADER, rows, "gbk")
    return rows


def generate(out_dir: Path) -> None:
    """Create every sample file and the README in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    canal = write_canal(out_dir)
    townships = write_divisions(out_dir, rng, canal)
    patches, stretches = write_forest(out_dir, rng, canal)
    rows = write_risk_sources(out_dir, rng, canal, townships)
    audit = write_audit(out_dir, canal, townships)  # after the others: their bytes stay
    counts = {"villages": sum(VILLAGES_PER_TOWNSHIP), "patches": len(patches), "risk": len(rows),
              "markers": len(audit.markers), "crossings": len(audit.crossings),
              "fences": len(audit.fences)}
    write_readme(out_dir / "README.md", canal, stretches, counts, audit)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1] / "data" / "boundaries"
    parser.add_argument("--out", type=Path, default=default,
                        help=f"output folder (default: {default})")
    args = parser.parse_args(argv)
    generate(args.out)
    print(f"wrote sample data to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
