"""The cell-grid nearest segment (canal.nearest) against a brute-force loop over every
segment with shapely: the canal's edges, zone outlines and the nasty cases (repeated
vertices, points on vertices, far-flung points, NaN)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_guard.canal.nearest import TIE_M, nearest_segments


def _segments(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, shapely.STRtree]:
    starts, ends = coords[:-1], coords[1:]
    tree = shapely.STRtree(shapely.linestrings(np.stack([starts, ends], axis=1)))
    return starts, ends, tree


def _brute_force(starts: np.ndarray, ends: np.ndarray, x: np.ndarray, y: np.ndarray
                 ) -> np.ndarray:
    """Distance from every point to every segment, by shapely: (points, segments)."""
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    points = shapely.points(x, y)
    return shapely.distance(points[:, None], lines[None, :])


def _check(starts: np.ndarray, ends: np.ndarray, tree: shapely.STRtree, x: np.ndarray,
           y: np.ndarray, cell_m: float = 250.0) -> None:
    index, distance = nearest_segments(starts, ends, tree, x, y, cell_m)
    ok = np.isfinite(x) & np.isfinite(y)
    assert (index[~ok] == -1).all() and np.isnan(distance[~ok]).all()
    every = _brute_force(starts, ends, x[ok], y[ok])
    best = every.min(axis=1)
    np.testing.assert_allclose(distance[ok], best, rtol=0, atol=1e-7)
    # The segment given is one of the nearest ones (ties within TIE_M), and the first of
    # them: a point nearest to a shared vertex goes to the upstream segment.
    chosen = every[np.arange(len(best)), index[ok]]
    assert (chosen <= best + 1e-7).all()
    first = np.argmax(every <= best[:, None] + TIE_M / 2, axis=1)
    clear = np.sort(every, axis=1)[:, 1] - best > 1e-6 if every.shape[1] > 1 else best >= 0
    assert (index[ok][clear] == first[clear]).all()
    # On a shared vertex, say; within 10 km, where TIE_M (1 nm) is above rounding.
    exact = ((every == best[:, None]).sum(axis=1) > 1) & (best < 10_000)
    lowest = np.argmax(every == best[:, None], axis=1)
    assert (index[ok][exact] == lowest[exact]).all()


def _zigzag(rng: np.random.Generator, n: int) -> np.ndarray:
    """A winding line of n vertices with sharp turns, tiny and repeated segments."""
    steps = rng.uniform(0.5, 400.0, n - 1)
    steps[rng.random(n - 1) < 0.05] = 0.0  # repeated vertices
    steps[rng.random(n - 1) < 0.05] = 0.01  # 1 cm segments
    heading = np.cumsum(rng.uniform(-2.8, 2.8, n - 1))
    xy = np.zeros((n, 2))
    xy[1:, 0] = np.cumsum(steps * np.cos(heading))
    xy[1:, 1] = np.cumsum(steps * np.sin(heading))
    return xy + np.array([500_000.0, 3_600_000.0])


@pytest.mark.parametrize("seed", range(6))
def test_nearest_segment_is_the_brute_force_one_around_a_winding_line(seed: int) -> None:
    rng = np.random.default_rng(seed)
    coords = _zigzag(rng, int(rng.integers(2, 120)))
    starts, ends, tree = _segments(coords)
    lo, hi = coords.min(axis=0) - 3000, coords.max(axis=0) + 3000
    x = rng.uniform(lo[0], hi[0], 3000)
    y = rng.uniform(lo[1], hi[1], 3000)
    # Points on vertices and on segments, and missing ones.
    x[:40], y[:40] = coords[rng.integers(0, len(coords), 40)].T
    t = rng.random(40)
    k = rng.integers(0, len(starts), 40)
    x[40:80] = starts[k, 0] + t * (ends[k, 0] - starts[k, 0])
    y[40:80] = starts[k, 1] + t * (ends[k, 1] - starts[k, 1])
    x[80:90] = np.nan
    y[85:95] = np.inf
    _check(starts, ends, tree, x, y, cell_m=float(rng.choice([20.0, 250.0, 1000.0])))


def test_points_spread_over_a_continent_use_the_sparse_cells() -> None:
    """Points thousands of kilometres apart: far more possible cells than points."""
    rng = np.random.default_rng(7)
    coords = _zigzag(rng, 50)
    starts, ends, tree = _segments(coords)
    x = rng.uniform(-5e6, 5e6, 500) + 500_000
    y = rng.uniform(-5e6, 5e6, 500) + 3_600_000
    x[:100] = rng.uniform(coords[:, 0].min(), coords[:, 0].max(), 100)
    y[:100] = rng.uniform(coords[:, 1].min(), coords[:, 1].max(), 100)
    _check(starts, ends, tree, x, y)


@pytest.mark.parametrize(("coords", "expected"), [
    ([[0.0, 0.0], [10.0, 0.0]], 5.0),
    ([[10.0, 0.0], [10.0, 0.0]], 5.0),  # a line of one repeated vertex: a point
])
def test_one_point_and_one_segment(coords: list, expected: float) -> None:
    starts, ends, tree = _segments(np.array(coords))
    index, distance = nearest_segments(starts, ends, tree, np.array([13.0]), np.array([4.0]))
    assert index.tolist() == [0] and distance.tolist() == [expected]


def test_many_cells_queried_in_two_halves() -> None:
    """Enough occupied cells that the tree is queried for two halves of them side by
    side: each half's cell numbers must land on its own cells."""
    rng = np.random.default_rng(11)
    coords = _zigzag(rng, 80)
    starts, ends, tree = _segments(coords)
    lo, hi = coords.min(axis=0) - 2000, coords.max(axis=0) + 2000
    x = rng.uniform(lo[0], hi[0], 10_000)
    y = rng.uniform(lo[1], hi[1], 10_000)
    _check(starts, ends, tree, x, y, cell_m=20.0)
