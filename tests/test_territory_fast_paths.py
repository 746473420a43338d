"""The partition's shortcuts, against plain shapely on canals with many distinct widths.

- A ray gets vertices only at the band limits of the classes beside it: every band
  curve that ends on a ray still ends on one of its vertices (exact nodes).
- Pairs of edge-side domains that only touch are set aside without an overlay: every
  pair set aside has no overlap area by a plain ``shapely.intersection``.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_guard.zones import territory
from geo_guard.zones.build import level_limits, segment_widths
from geo_guard.zones.rules import rules_from_text

from .test_geometry_robust import PER_STRUCTURE, SHAPES, Shape, _walk, make_canal

# Turns of a millionth of a degree: the inner sides of the two edges overlap in a wedge
# some micrometres thick, hundreds of metres long.
KINKS = Shape("kinks", _walk([1000.0, 800.0, 1200.0, 900.0], [1e-6, -3e-6, 2e-6]),
              [0, 2, 4], ["明渠", "渡槽"])
ALL_SHAPES = {**SHAPES, "kinks": KINKS}


def _sites(name: str, seed: int = 3) -> tuple[territory.Sites, np.ndarray, float]:
    """Sites of a test canal, every segment and bank with widths of its own."""
    canal = make_canal(ALL_SHAPES[name])
    _, limits = level_limits(segment_widths(canal, PER_STRUCTURE), len(canal.segments))
    rng = np.random.default_rng(seed)
    limits = territory._filled(np.asarray(limits, dtype=float))
    limits = limits * rng.uniform(0.7, 1.3, limits.shape[:2])[:, :, None]
    radius = float(np.nanmax(limits)) + 1.0
    vertices = shapely.get_coordinates(canal.line)
    edge_segment = territory._edge_segments(canal)
    return territory.centerline_sites(vertices, edge_segment, radius, limits), limits, radius


@pytest.mark.parametrize("name", ["zigzag", "spiral", "u_turn", "hairpin_150", "kinks"])
def test_band_curves_end_on_ray_vertices(name: str) -> None:
    sites, limits, _ = _sites(name)
    canal = make_canal(ALL_SHAPES[name])
    curves = territory._band_curves(sites, limits, shapely.get_coordinates(canal.line))
    xy, index = shapely.get_coordinates(curves, return_index=True)
    counts = np.bincount(index, minlength=len(curves))
    last = np.cumsum(counts) - 1
    ends = np.concatenate([xy[last - counts + 1], xy[last]])
    ray_xy = shapely.get_coordinates(sites.rays)
    # Ends lying on a ray's line (within a nanometre) ...
    tree = shapely.STRtree(sites.rays)
    point, _ = tree.query(shapely.points(ends), predicate="dwithin", distance=1e-9)
    assert len(point) > 0
    # ... are one of the rays' vertices, to the last bit.
    vertices = {tuple(v) for v in ray_xy}
    missing = [tuple(ends[p]) for p in np.unique(point) if tuple(ends[p]) not in vertices]
    assert missing == []


@pytest.mark.parametrize("name", ["zigzag", "spiral", "u_turn", "aqueduct_45", "kinks"])
def test_touching_edge_domains_set_aside_have_no_overlap(name: str) -> None:
    sites, _, radius = _sites(name)
    i, j = shapely.STRtree(sites.domain).query(sites.domain, predicate="intersects")
    rects = (i < j) & (sites.kind[i] == 0) & (sites.kind[j] == 0)
    i, j = i[rects], j[rects]
    apart = territory._rects_apart(sites, i, j, radius)
    area = shapely.area(shapely.intersection(sites.domain[i], sites.domain[j]))
    assert apart.any() and (~apart).any()
    assert area[apart].max() <= territory._MIN_OVERLAP_M2
    # Every pair with a real overlap is kept for the overlay.
    assert not apart[area > territory._MIN_OVERLAP_M2].any()


def test_uniform_widths_need_no_extra_ray_vertices() -> None:
    rules = rules_from_text("""
[defaults]
edge_m = 20
[[rules]]
default = true
widths = { first = 50 }
""")
    canal = make_canal(SHAPES["zigzag"])
    _, limits = level_limits(segment_widths(canal, rules), len(canal.segments))
    sites = territory.centerline_sites(shapely.get_coordinates(canal.line),
                                       territory._edge_segments(canal), 71.0,
                                       territory._filled(np.asarray(limits, dtype=float)))
    # 0, the two limits (20 m, 70 m) and the reach.
    assert set(shapely.get_num_coordinates(sites.rays).tolist()) == {4}
