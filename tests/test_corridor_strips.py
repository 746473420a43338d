"""Corridor strips measured in their edges' frames, against constructions made here.

The strips' belt and forest areas come from faces cut only at the slabs' ends and
integrated in the frame of their centerline edge (:func:`geo_guard.corridor.strips.
strip_areas`). Checked on a hand-made canal with sharp turns, hair's-breadth edges and
segment junctions (one of them on a 0.3 m edge) against:

- a 0.5 m point grid labelled by the brute-force nearest-point rule of
  :mod:`tests.test_geometry_robust` and tested against the plain shapely union of the
  forest: the belt and forest of every strip;
- plain shapely overlays: the belt less the forest, in total and per gap (each gap's
  geometry is its strips' open belt, cut square at the gap's ends).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from geo_guard.corridor.analysis import analyse_corridor, corridor_belt

from .conftest import METRIC, X0, Y0
from .test_geometry_robust import UNIFORM, Shape, _walk, expected, make_canal

# Turns of 100° and 120° (sharper than the belt is wide), 0.4 m and 0.3 m edges, a
# junction at the start of the 0.3 m edge and one at a plain vertex.
SHAPE = Shape("sharp", _walk([300, 0.4, 200, 0.3, 250, 150, 180], [100, 10, -120, 5, 60, -30]),
              [0, 3, 5, 7], ["明渠", "渡槽", "明渠"])
INNER, OUTER = 20.0, 120.0  # UNIFORM: management edge 20 m, corridor 100 m
CELL = 0.5


def _forest(seed: int = 7) -> gpd.GeoDataFrame:
    """Overlapping rotated rectangles over the whole belt, and a few large blocks."""
    rng = np.random.default_rng(seed)
    v = SHAPE.vertices + np.array([X0, Y0])
    lo, hi = v.min(axis=0) - OUTER, v.max(axis=0) + OUTER
    centre = rng.uniform(lo, hi, (400, 2))
    size = rng.uniform(5, 60, (400, 2))
    angle = rng.uniform(0, np.pi, 400)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) / 2
    geoms = []
    for c, s, a in zip(centre, size, angle, strict=True):
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        geoms.append(Polygon(c + (corners * s) @ rot.T))
    return gpd.GeoDataFrame(geometry=geoms, crs=METRIC)


@pytest.mark.parametrize("step", [10.0, 7.0])
def test_strips_near_sharp_turns_and_tiny_edges_match_a_grid_and_overlays(step: float) -> None:
    canal = make_canal(SHAPE)
    trees = _forest()
    result = analyse_corridor(canal, UNIFORM, trees, step_m=step, min_gap_m=30, merge_m=0)
    st = result.stations
    # The grid: cell centres over the belt, labelled by the brute-force rule.
    x0, y0, x1, y1 = canal.line.buffer(OUTER + 5).bounds
    gx, gy = np.meshgrid(np.arange(x0, x1, CELL) + CELL / 2, np.arange(y0, y1, CELL) + CELL / 2)
    gx, gy = gx.ravel(), gy.ravel()
    e = expected(SHAPE, gx, gy)
    inside = (e["distance"] > INNER) & (e["distance"] < OUTER)
    inside &= (e["measure"] > 0) & (e["measure"] < canal.length_m)  # flat ends
    gx, gy = gx[inside], gy[inside]
    measure, segment, side = e["measure"][inside], e["segment"][inside], e["side"][inside]
    wooded = shapely.contains_xy(shapely.union_all(trees.geometry.values), gx, gy)
    segment_ids = canal.segments["segment_id"].tolist()
    for bank, sign in (("左岸", 1), ("右岸", -1)):
        rows = st[st["bank"] == bank]
        start = canal.measure_at(rows["chainage_from_m"].to_numpy())
        strip_segment = np.array([segment_ids.index(s) for s in rows["segment_id"]])
        mine = side == sign
        # A point's strip: the one its measure falls in, among its segment's strips (the
        # half of a junction's turn next to the upstream edge is the upstream segment's).
        strip = np.searchsorted(start, measure[mine], side="right") - 1
        lowest = np.searchsorted(strip_segment, segment[mine], side="left")
        highest = np.searchsorted(strip_segment, segment[mine], side="right") - 1
        strip = np.clip(strip, lowest, highest)
        area = CELL * CELL
        belt = np.bincount(strip, minlength=len(rows)) * area
        wood = np.bincount(strip, wooded[mine], minlength=len(rows)) * area
        # The grid's errors along the outlines (each cut cell off by under a cell's
        # area, either way) mostly cancel: a few m² a strip here, where a face in the
        # wrong strip moves hundreds (a turn's sector holds thousands).
        assert np.abs(rows["belt_m2"].to_numpy() - belt).max() <= 20, bank
        assert np.abs(rows["forest_m2"].to_numpy() - wood).max() <= 30, bank
        # And in total, far closer than strip by strip.
        assert rows["belt_m2"].sum() == pytest.approx(belt.sum(), rel=2e-3)
        assert rows["forest_m2"].sum() == pytest.approx(wood.sum(), rel=5e-3)
    # Plain overlays: the open belt in total and under every gap.
    belt = shapely.union_all(corridor_belt(canal, UNIFORM).geometry.values)
    cover = shapely.union_all(trees.geometry.values)
    open_area = shapely.difference(belt, cover).area
    assert (st["belt_m2"] - st["forest_m2"]).sum() == pytest.approx(open_area, rel=1e-9)
    assert st["belt_m2"].sum() == pytest.approx(belt.area, rel=1e-9)
    assert len(result.gaps) >= 2
    for gap in result.gaps.itertuples():
        assert gap.geometry.area == pytest.approx(gap.uncovered_m2, rel=1e-7, abs=1e-3)
        assert shapely.intersection(gap.geometry, cover).area == pytest.approx(0, abs=1e-3)
        assert shapely.difference(gap.geometry, belt).area == pytest.approx(0, abs=1e-3)


def test_weak_stands_across_segment_junctions_are_cut_to_the_whole_belt() -> None:
    """Stands over a junction (0.3 m edge) or the belt's outline: the piece in the belt is
    the stand less what lies outside the bank's belt, by a plain overlay."""
    canal = make_canal(SHAPE)
    trees = _forest(11)
    trees["小班号"] = [str(i) for i in range(len(trees))]
    trees["保存率"] = 0.5  # every stand weak
    result = analyse_corridor(canal, UNIFORM, trees, step_m=10)
    weak = result.weak_stands.to_crs(METRIC)
    belts = corridor_belt(canal, UNIFORM)
    for bank in ("左岸", "右岸"):
        belt = shapely.union_all(belts.loc[belts["bank"] == bank].geometry.values)
        expected = shapely.area(shapely.intersection(trees.geometry.values, belt))
        mine = weak[weak["bank"] == bank]
        index = mine["forest_id"].astype(int).to_numpy()
        got = np.zeros(len(trees))
        got[index] = mine["area_m2"].to_numpy()
        keep = expected > 1.0
        np.testing.assert_allclose(got[keep], expected[keep], rtol=1e-9)
        assert (got[~keep] < 1.0 + 1e-9).all()
        # Some of them lie across two segments' belts.
        junctions = shapely.points(canal.segments.geometry.apply(
            lambda g: g.coords[0]).tolist()[1:])
        across = shapely.intersects(trees.geometry.values[index],
                                    shapely.buffer(shapely.multipoints(junctions), OUTER))
        assert across.any()
