"""Zones, banks and corridor on canals that turn sharply or come back near themselves.

Every canal here is checked against constructions made in this file, not by the module:

- a brute-force nearest-point rule in numpy (:func:`expected`): the nearest centerline
  point over all edges (ties to the upstream edge), its segment, the side of its tangent
  (outside the turn at a vertex, the end tangent's side beyond an end) and the level its
  distance gives with the widths written here by hand;
- for uniform widths, plain shapely buffers of the whole line, differenced level by level;
- a fine grid of points for the area of every corridor strip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from geo_guard.canal.model import Canal
from geo_guard.classification.core import classify
from geo_guard.corridor.analysis import analyse_corridor
from geo_guard.zones.build import build_zones, dissolve_zones
from geo_guard.zones.rules import load_rules, rules_from_text

from .conftest import METRIC, SAMPLE, X0, Y0, shared_file

# ------------------------------------------------------------------------ the widths
#: Uniform widths: management edge 20 m, first-class 50 m, second-class 200 m.
UNIFORM = rules_from_text("""
[defaults]
edge_m = 20
corridor_m = 100
[[rules]]
default = true
widths = { first = 50, second = 200 }
""")
UNIFORM_OUTER = [20.0, 70.0, 270.0]

#: Per-structure widths: an aqueduct's zones are narrow, the open channel's wide (and its
#: left bank has a quasi-protection zone), as on the Middle Route.
PER_STRUCTURE = rules_from_text("""
[defaults]
corridor_m = 100
[[rules]]
match = { structure = "渡槽" }
widths = { first = 50, second = 150 }
edge_m = 25
[[rules]]
default = true
widths = { first = 50, second = 1000 }
widths_left = { first = 50, second = 1000, quasi = 500 }
edge_m = 60
""")
#: Outer distance of each level by structure and bank (+1 left, -1 right), by hand.
PER_STRUCTURE_OUTER = {
    ("渡槽", 1): [25.0, 75.0, 225.0], ("渡槽", -1): [25.0, 75.0, 225.0],
    ("明渠", 1): [60.0, 110.0, 1110.0, 1610.0], ("明渠", -1): [60.0, 110.0, 1110.0],
}


# ------------------------------------------------------------------------ the canals
def _walk(lengths: list[float], turns_deg: list[float]) -> np.ndarray:
    """Vertices of a path: edge lengths and the turn (degrees, left positive) after each."""
    heading, point, points = 0.0, np.zeros(2), [np.zeros(2)]
    for length, turn in zip(lengths, [*turns_deg, 0.0], strict=True):
        point = point + length * np.array([math.cos(heading), math.sin(heading)])
        points.append(point)
        heading += math.radians(turn)
    return np.array(points)


@dataclass
class Shape:
    name: str
    vertices: np.ndarray          # relative to (X0, Y0)
    cuts: list[int]               # vertex indices where segments start/end
    structures: list[str]         # per segment


def _hairpin(angle: float) -> Shape:
    return Shape(f"hairpin_{angle:g}", _walk([3000, 3000], [angle]), [0, 1, 2], ["明渠", "明渠"])


def _spiral() -> Shape:
    # Archimedean spiral, laps 450 m apart, a vertex every ~60 m, four segments.
    phi = [0.0]
    while phi[-1] < 4 * math.pi:
        r = 300 + 450 * phi[-1] / (2 * math.pi)
        phi.append(phi[-1] + 60 / r)
    phi = np.array(phi)
    r = 300 + 450 * phi / (2 * math.pi)
    vertices = np.column_stack([r * np.cos(phi), r * np.sin(phi)])
    n = len(vertices) - 1
    cuts = [0, n // 4, n // 2, 3 * n // 4, n]
    return Shape("spiral", vertices, cuts, ["明渠", "渡槽", "明渠", "渡槽"])


SHAPES = {
    **{f"hairpin_{a}": _hairpin(a) for a in (120, 150, 170)},
    # Arms twice the (uniform) zone width apart: 2 x 270 m.
    "u_turn": Shape("u_turn", _walk([3000, 540, 3000], [90, 90]), [0, 1, 2, 3],
                    ["明渠", "渡槽", "明渠"]),
    # 45° turns every 150 m, shorter than the widths; every edge its own segment.
    "zigzag": Shape("zigzag", _walk([150.0] * 16, [45, -45] * 7 + [45]), list(range(17)),
                    ["明渠", "渡槽"] * 8),
    # A 400 m aqueduct between two 30° turns the same way.
    "aqueduct_30": Shape("aqueduct_30", _walk([3000, 400, 3000], [30, 30]), [0, 1, 2, 3],
                         ["明渠", "渡槽", "明渠"]),
    "aqueduct_45": Shape("aqueduct_45", _walk([3000, 400, 3000], [45, 45]), [0, 1, 2, 3],
                         ["明渠", "渡槽", "明渠"]),
    "spiral": _spiral(),
}


def make_canal(shape: Shape) -> Canal:
    xy = shape.vertices + np.array([X0, Y0])
    geoms = [LineString(xy[a:b + 1]) for a, b in zip(shape.cuts[:-1], shape.cuts[1:],
                                                        strict=True)]
    frame = gpd.GeoDataFrame({"structure": shape.structures}, geometry=geoms, crs=METRIC)
    return Canal.from_frame(frame)


# --------------------------------------------------------- the independent rule
def expected(shape: Shape, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Nearest centerline point by brute force: segment, side, distance, measure."""
    v = shape.vertices + np.array([X0, Y0])
    a, b = v[:-1], v[1:]
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    px, py = x[:, None] - a[:, 0], y[:, None] - a[:, 1]
    t = np.clip((px * d[:, 0] + py * d[:, 1]) / length**2, 0, 1)
    dist = np.hypot(px - t * d[:, 0], py - t * d[:, 1])
    edge = np.argmin(dist, axis=1)  # first minimum: ties to the upstream edge
    rows = np.arange(len(x))
    t = t[rows, edge]
    distance = dist[rows, edge]
    cross = d[edge, 0] * py[rows, edge] - d[edge, 1] * px[rows, edge]
    side = np.sign(cross)
    segment_of_edge = np.searchsorted(shape.cuts, np.arange(len(d)), side="right") - 1
    segment = segment_of_edge[edge]
    u = d / length[:, None]
    n_edges = len(d)
    # Nearest point a vertex: which one.
    k = np.flatnonzero((t == 0.0) | (t == 1.0))
    j = edge[k] + (t[k] == 1.0)
    p = np.column_stack([x[k], y[k]]) - v[j]
    end = (j == 0) | (j == n_edges)
    # Beyond an end: the side of the end tangent (straight ahead: left).
    w = np.where((j == 0)[:, None], u[0], u[-1])
    beyond = np.sign(w[:, 0] * p[:, 1] - w[:, 1] * p[:, 0])
    side[k[end]] = np.where(beyond == 0, 1.0, beyond)[end]
    # Outside a turn: the outside; at a junction the half next to each edge's normal
    # is that edge's segment.
    k, j, p = k[~end], j[~end], p[~end]
    u_in, u_out = u[j - 1], u[j]
    turn = np.sign(u_in[:, 0] * u_out[:, 1] - u_in[:, 1] * u_out[:, 0])
    side[k] = -turn
    normal_in = np.column_stack([u_in[:, 1], -u_in[:, 0]]) * turn[:, None]
    normal_out = np.column_stack([u_out[:, 1], -u_out[:, 0]]) * turn[:, None]
    upstream = (p * normal_in).sum(axis=1) >= (p * normal_out).sum(axis=1)
    segment[k] = np.where(upstream, segment_of_edge[j - 1], segment_of_edge[j])
    measure = np.concatenate([[0], np.cumsum(length)])[edge] + t * length[edge]
    return {"segment": segment, "side": side, "distance": distance, "measure": measure}


def outer_limits(shape: Shape, uniform: bool, segment: np.ndarray, side: np.ndarray
                 ) -> np.ndarray:
    """Outer distance of every level for each point's segment and bank (NaN: none)."""
    out = np.full((len(segment), 4), np.nan)
    for k, (s, b) in enumerate(zip(segment, side, strict=True)):
        limits = UNIFORM_OUTER if uniform else PER_STRUCTURE_OUTER[(shape.structures[s], b)]
        out[k, :len(limits)] = limits
    return out


def expected_labels(shape: Shape, uniform: bool, x: np.ndarray, y: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(segment, side, level, clear): level 9 outside; ``clear`` is False where a step of
    5 cm changes the label (a boundary: either answer is right)."""
    labels = []
    for dx, dy in ((0, 0), (0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)):
        e = expected(shape, x + dx, y + dy)
        limits = outer_limits(shape, uniform, e["segment"], e["side"])
        level = np.sum(np.nan_to_num(limits, nan=np.inf) < e["distance"][:, None], axis=1)
        level = np.where(level >= np.sum(np.isfinite(limits), axis=1), 9, level)
        labels.append((e["segment"], e["side"], level))
    base = labels[0]
    clear = np.ones(len(x), dtype=bool)
    for other in labels[1:]:
        for a, b in zip(base, other, strict=True):
            clear &= a == b
    return (*base, clear)


def sample_points(canal: Canal, reach: float, n: int, seed: int = 1) -> np.ndarray:
    x0, y0, x1, y1 = canal.line.buffer(reach + 50).bounds
    rng = np.random.default_rng(seed)
    pts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    # Half of them near the canal, where the boundaries are.
    near = rng.uniform(0, 1, n) < 0.5
    along = shapely.line_interpolate_point(canal.line, rng.uniform(0, canal.length_m, n))
    offset = rng.uniform(-reach - 20, reach + 20, (n, 2))
    pts[near] = shapely.get_coordinates(along)[near] + offset[near]
    return pts


# ----------------------------------------------------------------- topology checks
def topology(zones: gpd.GeoDataFrame) -> dict[str, float]:
    """Overlap (largest and sum of pairwise intersections), holes of the union over
    0.01 m², pieces under 1 m² that are not a whole territory, and the area identity,
    measured with plain shapely."""
    geoms = zones.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    overlaps = shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r) for g in shapely.get_parts(union) for r in g.interiors]
    holes = [h for h in holes if h.area > 0.01]
    areas = shapely.area(geoms)
    per_territory = zones.assign(a=areas).groupby(["segment_id", "bank"])["a"].transform("size")
    small = (areas < 1.0) & (per_territory.to_numpy() > 1)
    return {
        "overlap_max": float(overlaps.max()) if len(overlaps) else 0.0,
        "overlap_sum": float(overlaps.sum()),
        "holes": holes,
        "small_pieces": int(small.sum()),
        "sum_vs_union": abs(areas.sum() - union.area) / union.area,
        "union": union,
    }


CASES = [(name, uniform) for name in SHAPES for uniform in (True, False)]


@pytest.fixture(scope="module")
def built() -> dict:
    """Zones of every canal with both width sets (built once for the module)."""
    out = {}
    for name, uniform in CASES:
        canal = make_canal(SHAPES[name])
        zones = build_zones(canal, UNIFORM if uniform else PER_STRUCTURE)
        out[(name, uniform)] = (canal, zones)
    return out


@pytest.mark.parametrize(("name", "uniform"), CASES)
def test_pieces_tile_without_overlap_hole_or_sliver(built: dict, name: str, uniform: bool
                                                    ) -> None:
    _, zones = built[(name, uniform)]
    assert zones.geometry.is_valid.all()
    check = topology(zones)
    assert check["sum_vs_union"] <= 1e-4  # 0.01 %
    assert check["overlap_max"] <= 0.01
    assert check["small_pieces"] == 0
    # A hole is right only where the nearest-point rule puts no zone (inside the spiral).
    for hole in check["holes"]:
        p = shapely.get_coordinates(hole.representative_point())
        *_, level, clear = expected_labels(SHAPES[name], uniform, p[:, 0], p[:, 1])
        assert level[0] == 9 or not clear[0], (name, hole.area)
    # Areas come from the geometry: dissolved = measured union, per level.
    dissolved = dissolve_zones(zones)
    assert dissolved["area_m2"].sum() == pytest.approx(check["union"].area, rel=1e-6)


@pytest.mark.parametrize("name", list(SHAPES))
def test_uniform_levels_equal_plain_buffers_of_the_whole_line(built: dict, name: str) -> None:
    canal, zones = built[(name, True)]
    line = canal.line
    previous = None
    for level, outer in enumerate(UNIFORM_OUTER):
        ring = line.buffer(outer, quad_segs=256)
        ring = ring if previous is None else ring.difference(previous)
        previous = line.buffer(outer, quad_segs=256)
        mine = shapely.union_all(zones.loc[zones.zone_level == level].geometry.to_numpy())
        # Both sides sample arcs: chords stray up to 1 cm (ours) / 9 mm (buffer).
        assert mine.symmetric_difference(ring).area <= 2e-5 * ring.area + 1.0, (name, level)


@pytest.mark.parametrize(("name", "uniform"), CASES)
def test_every_point_gets_its_nearest_segments_level_and_bank(built: dict, name: str,
                                                             uniform: bool) -> None:
    canal, zones = built[(name, uniform)]
    shape = SHAPES[name]
    reach = 270 if uniform else 1610
    xy = sample_points(canal, reach, 4000)
    segment, side, level, clear = expected_labels(shape, uniform, xy[:, 0], xy[:, 1])
    xy, segment, side, level = xy[clear], segment[clear], side[clear], level[clear]
    points = shapely.points(xy)
    hit_point, hit_piece = shapely.STRtree(zones.geometry.to_numpy()).query(
        points, predicate="intersects")
    count = np.bincount(hit_point, minlength=len(xy))
    assert (count[level == 9] == 0).all()
    assert (count[level != 9] == 1).all()
    piece = np.full(len(xy), -1)
    piece[hit_point] = hit_piece
    inside = level != 9
    got = zones.iloc[piece[inside]]
    ids = canal.segments["segment_id"].to_numpy()
    assert (got["zone_level"].to_numpy() == level[inside]).all()
    assert (got["segment_id"].to_numpy() == ids[segment[inside]]).all()
    banks = np.where(side[inside] > 0, "左岸", "右岸")
    assert (got["bank"].to_numpy() == banks).all()
    # classify gives the same bank, level and segment as the piece holding the point.
    sources = gpd.GeoDataFrame(geometry=points[inside], crs=METRIC)
    out = classify(sources, canal, zones=zones)
    assert (out["bank"].to_numpy() == got["bank"].to_numpy()).all()
    assert (out["zone_level"].to_numpy() == got["zone_level"].to_numpy()).all()
    assert (out["segment_id"].to_numpy() == got["segment_id"].to_numpy()).all()


def _random_shape(seed: int) -> Shape:
    """A random canal that does not cross itself: 3-24 edges of 20-800 m, turns up to
    175° either way, 1-6 segments of alternating structure."""
    rng = np.random.default_rng(seed)
    while True:
        n = int(rng.integers(3, 25))
        vertices = _walk(list(rng.uniform(20, 800, n)), list(rng.uniform(-175, 175, n - 1)))
        if LineString(vertices).is_simple:
            break
    inner = rng.choice(np.arange(1, n), size=int(rng.integers(0, min(n - 1, 5) + 1)),
                       replace=False)
    cuts = sorted({0, n, *inner.tolist()})
    return Shape(f"random_{seed}", vertices, cuts,
                 [("明渠", "渡槽")[i % 2] for i in range(len(cuts) - 1)])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("uniform", [True, False])
def test_random_canals_tile_and_label_every_point(seed: int, uniform: bool) -> None:
    shape = _random_shape(seed)
    canal = make_canal(shape)
    zones = build_zones(canal, UNIFORM if uniform else PER_STRUCTURE)
    check = topology(zones)
    assert check["sum_vs_union"] <= 1e-4 and check["overlap_max"] <= 0.01
    assert check["small_pieces"] == 0
    xy = sample_points(canal, 270 if uniform else 1610, 1500, seed)
    segment, side, level, clear = expected_labels(shape, uniform, xy[:, 0], xy[:, 1])
    xy, segment, side, level = xy[clear], segment[clear], side[clear], level[clear]
    hit_point, hit_piece = shapely.STRtree(zones.geometry.to_numpy()).query(
        shapely.points(xy), predicate="intersects")
    count = np.bincount(hit_point, minlength=len(xy))
    assert (count == np.where(level == 9, 0, 1)).all()
    piece = np.full(len(xy), -1)
    piece[hit_point] = hit_piece
    inside = level != 9
    got = zones.iloc[piece[inside]]
    assert (got["zone_level"].to_numpy() == level[inside]).all()
    assert (got["segment_id"].to_numpy()
            == canal.segments["segment_id"].to_numpy()[segment[inside]]).all()
    assert (got["bank"].to_numpy() == np.where(side[inside] > 0, "左岸", "右岸")).all()


def test_points_beyond_the_ends_and_at_an_outer_corner_have_a_bank() -> None:
    # A 90° left turn: the corner point (1000, -50) is outside the turn (right bank);
    # points straight ahead of an end are on the left (the tie rule), never "".
    canal = make_canal(Shape("l", _walk([1000, 1000], [90]), [0, 1, 2], ["明渠", "明渠"]))
    x = X0 + np.array([1050.0, 1000 + 30, -100.0, 1000.0, 500.0])
    y = Y0 + np.array([-50.0, -30, 0.0, 1100.0, 0.0])
    banks = canal.locate(x, y).banks().tolist()
    assert banks == ["右岸", "右岸", "左岸", "左岸", ""]


# ---------------------------------------------------------------------- corridor
@pytest.mark.parametrize("name", list(SHAPES))
def test_no_forest_is_one_gap_per_bank_over_the_whole_line(name: str) -> None:
    canal = make_canal(SHAPES[name])
    empty = gpd.GeoDataFrame(geometry=[], crs=METRIC)
    result = analyse_corridor(canal, UNIFORM, empty, step_m=50)
    c0, c1 = canal.chainage_range
    gaps = result.gaps
    assert gaps["bank"].tolist() == ["左岸", "右岸"], name
    assert gaps["chainage_from_m"].tolist() == [c0, c0]
    assert gaps["chainage_to_m"].tolist() == pytest.approx([c1, c1])
    # The open area is the whole belt, as the zones' partition draws it.
    assert gaps["uncovered_m2"].sum() == pytest.approx(result.belt["belt_m2"].sum(), rel=1e-9)


def test_strip_areas_on_a_vertex_every_100_m_match_a_point_grid() -> None:
    """Stations fall on every vertex (20°/40° turns): each strip holds exactly the belt
    whose nearest centerline point lies in it, counted on a 1 m grid."""
    turns = [20, 40, -20, -40, 20, 40, -40, -20, 40]
    shape = Shape("kinks", _walk([100.0] * 10, turns), [0, 10], ["明渠"])
    canal = make_canal(shape)
    empty = gpd.GeoDataFrame(geometry=[], crs=METRIC)
    result = analyse_corridor(canal, UNIFORM, empty, step_m=10, min_gap_m=0)
    st = result.stations
    # The grid: cell centres 1 m apart over the belt (20 m to 120 m from the centerline).
    x0, y0, x1, y1 = canal.line.buffer(130).bounds
    gx, gy = np.meshgrid(np.arange(x0, x1, 1.0) + 0.5, np.arange(y0, y1, 1.0) + 0.5)
    gx, gy = gx.ravel(), gy.ravel()
    e = expected(shape, gx, gy)
    inside = (e["distance"] > 20) & (e["distance"] < 120)
    # Flat ends: nothing beyond the two end normals.
    inside &= (e["measure"] > 0) & (e["measure"] < canal.length_m)
    strip = np.minimum((e["measure"][inside] // 10).astype(int), 99)
    for bank, sign in (("左岸", 1), ("右岸", -1)):
        mine = e["side"][inside] == sign
        grid = np.bincount(strip[mine], minlength=100)
        belt = st.loc[st["bank"] == bank, "belt_m2"].to_numpy()
        assert (belt > 0).sum() == (grid > 0).sum()
        # A 1 m grid counts a strip's area to within its outline's length in m².
        assert np.abs(belt - grid).max() <= 130, bank


def test_an_excluded_road_does_not_split_a_gap() -> None:
    canal = make_canal(SHAPES["aqueduct_30"])
    road = gpd.GeoDataFrame(geometry=[box(X0 + 1000, Y0 - 500, X0 + 1020, Y0 + 500)],
                            crs=METRIC)
    empty = gpd.GeoDataFrame(geometry=[], crs=METRIC)
    result = analyse_corridor(canal, UNIFORM, empty, exclude=road)
    assert result.gaps["bank"].tolist() == ["左岸", "右岸"]
    assert result.gaps["excluded_m"].to_numpy() == pytest.approx([20.0, 20.0])


# ---------------------------------------------------------------------- real data
@pytest.mark.real_data
def test_real_ways_with_per_structure_widths_pass_the_topology_check() -> None:
    ways = gpd.read_file(shared_file("snwd_middle_route_ways_osm_wgs84.geojson"))
    n = len(ways)
    ways["section"] = "挖方"
    ways["groundwater"] = np.where(np.arange(n) % 3 == 0, "高于渠底", "低于渠底")
    ways["permeability"] = np.where(np.arange(n) % 2 == 0, "弱透水", "强透水")
    canal = Canal.from_frame(ways)
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    zones = build_zones(canal, rules, crs=canal.metric_crs)
    assert zones.geometry.is_valid.all()
    check = topology(zones)
    assert check["overlap_max"] <= 0.01
    assert check["holes"] == []  # the canal makes no loop: nothing is enclosed
    assert check["small_pieces"] == 0
    assert check["sum_vs_union"] <= 1e-6
    # Bank and level of classify agree with the piece holding each point.
    xy = sample_points(canal, 2000, 3000)
    points = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=canal.metric_crs)
    out = classify(points, canal, zones=zones)
    hit_point, hit_piece = shapely.STRtree(zones.geometry.to_numpy()).query(
        points.geometry.to_numpy(), predicate="intersects")
    single = np.bincount(hit_point, minlength=len(xy)) == 1
    piece = np.full(len(xy), -1)
    piece[hit_point] = hit_piece
    got = zones.iloc[piece[single]]
    assert (out["bank"].to_numpy()[single] == got["bank"].to_numpy()).all()
    assert (out["zone_level"].to_numpy()[single] == got["zone_level"].to_numpy()).all()
    # No forest at all: one gap per bank over the whole line.
    empty = gpd.GeoDataFrame(geometry=[], crs=METRIC)
    gaps = analyse_corridor(canal, rules, empty, step_m=50).gaps
    c0, c1 = canal.chainage_range
    assert gaps["bank"].tolist() == ["左岸", "右岸"]
    assert gaps["chainage_from_m"].tolist() == [c0, c0]
    assert gaps["chainage_to_m"].tolist() == pytest.approx([c1, c1])
