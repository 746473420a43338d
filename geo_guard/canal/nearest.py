"""Nearest edge of a polyline for many points, exactly and fast.

``STRtree.query_nearest`` costs a few microseconds per point; for a million points that
is seconds. Here points are binned into square cells; for each occupied cell the
STRtree gives the few edges that can be nearest to *any* point of that cell, and numpy
then tests each point against just those candidates.

Why the candidates are complete: let ``c`` be a cell's centre, ``h`` half its diagonal and
``d`` the distance from ``c`` to its nearest edge. For a point ``p`` of the cell, its nearest
edge ``e`` satisfies ``dist(p, e) <= d + h``, hence ``dist(c, e) <= d + 2h``; so every edge
within ``d + 2h`` of the centre is a candidate, and no other edge can win.

Examples
--------
>>> import numpy as np, shapely
>>> vertices = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]])
>>> tree = shapely.STRtree(shapely.linestrings(np.stack([vertices[:-1], vertices[1:]], axis=1)))
>>> nearest_edges(vertices, tree, np.array([50.0, 120.0]), np.array([-5.0, 60.0])).tolist()
[0, 1]
"""

from __future__ import annotations

import itertools

import numpy as np
import shapely

from geo_guard._parallel import chunked, ordered_map

#: Cell size in metres: small enough that few edges compete in a cell, large enough that a
#: million points near a canal fall into tens of thousands of cells, not a million.
CELL_M = 250.0

#: Distances closer than this count as equal.
TIE_M = 1e-9

#: Below this many occupied cells the tree is queried in one go.
_MIN_CELLS = 2_000


def nearest_edges(
    vertices: np.ndarray,
    tree: shapely.STRtree,
    x: np.ndarray,
    y: np.ndarray,
    cell_m: float = CELL_M,
) -> np.ndarray:
    """Index of the nearest edge (``vertices[i] -> vertices[i + 1]``) for each point.

    Parameters
    ----------
    vertices : ndarray of shape (n + 1, 2)
        Polyline vertices.
    tree : shapely.STRtree
        Tree over the n edges as 2-point LineStrings, in edge order.
    x, y : ndarray
        Point coordinates; non-finite ones get ``-1``.
    cell_m : float
        Cell size.

    Returns
    -------
    ndarray of int64
    """
    return nearest_segments(vertices[:-1], vertices[1:], tree, x, y, cell_m)[0]


def nearest_segments(
    starts: np.ndarray,
    ends: np.ndarray,
    tree: shapely.STRtree,
    x: np.ndarray,
    y: np.ndarray,
    cell_m: float = CELL_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest of any set of segments (``starts[i] -> ends[i]``) for each point, and its
    distance: the boundaries of zone polygons as well as a polyline's edges.

    Large inputs run in threads (:func:`geo_guard._parallel.workers`, which
    ``OMP_NUM_THREADS=1`` turns off): the tree is queried for two halves of the cells,
    then the points are searched in chunks.

    Parameters
    ----------
    starts, ends : ndarray of shape (n, 2)
        Segment end points.
    tree : shapely.STRtree
        Tree over the n segments as 2-point LineStrings, in the same order.
    x, y : ndarray
        Point coordinates; non-finite ones get ``-1`` and NaN.
    cell_m : float
        Cell size.

    Returns
    -------
    index : ndarray of int64
    distance : ndarray of float

    Examples
    --------
    >>> starts, ends = np.array([[0.0, 0.0], [5.0, 5.0]]), np.array([[10.0, 0.0], [5.0, 9.0]])
    >>> tree = shapely.STRtree(shapely.linestrings(np.stack([starts, ends], axis=1)))
    >>> index, distance = nearest_segments(starts, ends, tree, np.array([5.0]), np.array([3.0]))
    >>> index.tolist(), distance.tolist()
    ([1], [2.0])
    """
    out = np.full(len(x), -1, dtype=np.int64)
    out_distance = np.full(len(x), np.nan)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if len(ok) == 0 or len(starts) == 0:
        return out, out_distance
    segments = _Segments(starts, ends)
    px, py = x[ok], y[ok]
    cell, cx, cy = _cells(px, py, cell_m)
    candidates = _Candidates.of_cells(segments, tree, cx, cy, cell_m)
    # The cells and their candidates once, the points in threads (numpy and shapely
    # release the GIL): split first, each thread would query the tree for the same cells.
    out[ok], out_distance[ok] = chunked(
        lambda xs, ys, cs: _search(segments, candidates, cx, cy, xs, ys, cs), px, py, cell)
    return out, out_distance


class _Candidates:
    """Each cell's candidate segments, nearest to the cell's centre first: the segments
    ``edge[start[c] : start[c] + count[c]]`` at ``centre_distance[...]``."""

    def __init__(self, edge: np.ndarray, centre_distance: np.ndarray, start: np.ndarray,
                 count: np.ndarray) -> None:
        self.edge, self.centre_distance = edge, centre_distance
        self.start, self.count = start, count

    @classmethod
    def of_cells(cls, segments: _Segments, tree: shapely.STRtree, cx: np.ndarray,
                 cy: np.ndarray, cell_m: float) -> _Candidates:
        """Every segment within the centre's nearest distance plus the cell's diagonal."""

        def query(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            centres = shapely.points(xs, ys)
            _, nearest = tree.query_nearest(centres, return_distance=True, all_matches=False)
            reach = nearest + np.sqrt(2.0) * cell_m + 1e-6
            cell_of_pair, edge_of_pair = tree.query(centres, predicate="dwithin",
                                                    distance=reach)
            return cell_of_pair, edge_of_pair

        # Two halves of the cells side by side; a half's cell numbers start at its start.
        n = len(cx)
        bounds = [0, n] if n < 2 * _MIN_CELLS else [0, n // 2, n]
        parts = list(ordered_map(lambda ab: (ab[0], *query(cx[ab[0]:ab[1]], cy[ab[0]:ab[1]])),
                                 list(itertools.pairwise(bounds))))
        cell_of_pair = np.concatenate([start + cells for start, cells, _ in parts])
        edge_of_pair = np.concatenate([edges for _, _, edges in parts])
        # Each cell's candidates sorted by distance from its centre: a point can stop at
        # the first candidate whose distance from the centre, less the point's own offset
        # from the centre, exceeds the best distance found so far.
        centre_distance = segments.distance2(edge_of_pair, cx[cell_of_pair],
                                             cy[cell_of_pair]) ** 0.5
        order = np.lexsort((centre_distance, cell_of_pair))
        count = np.bincount(cell_of_pair, minlength=len(cx))
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        return cls(edge_of_pair[order], centre_distance[order], start, count)


def _search(segments: _Segments, candidates: _Candidates, cx: np.ndarray, cy: np.ndarray,
            px: np.ndarray, py: np.ndarray, cell: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest segment among its cell's candidates, and its distance."""
    edge_of_pair, centre_distance = candidates.edge, candidates.centre_distance
    counts = candidates.count
    first = candidates.start[cell]
    offset = np.hypot(px - cx[cell], py - cy[cell])
    best_edge = edge_of_pair[first]
    best = segments.distance2(best_edge, px, py) ** 0.5
    active = np.flatnonzero(counts[cell] > 1)
    k = 1
    while len(active):
        pair = first[active] + k
        # TIE_M: a candidate as near as the best (a shared vertex) is still looked at.
        alive = centre_distance[pair] - offset[active] <= best[active] + TIE_M
        active, pair = active[alive], pair[alive]
        edge = edge_of_pair[pair]
        d = segments.distance2(edge, px[active], py[active]) ** 0.5
        # Ties (a point nearest to a shared vertex) go to the lower index (the upstream
        # edge of a polyline), whatever order the candidates came in.
        better = (d < best[active] - TIE_M) | (
            (d <= best[active] + TIE_M) & (edge < best_edge[active])
        )
        best[active[better]] = d[better]
        best_edge[active[better]] = edge[better]
        k += 1
        active = active[counts[cell[active]] > k]
    return best_edge, best


def _cells(px: np.ndarray, py: np.ndarray, cell_m: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The occupied cells of the points: each point's cell (numbered in the order of the
    cells' keys) and the cells' centres."""
    x0, y0 = px.min(), py.min()
    ix = np.floor((px - x0) / cell_m).astype(np.int64)
    iy = np.floor((py - y0) / cell_m).astype(np.int64)
    rows = int(iy.max()) + 1
    key = ix * rows + iy
    size = int(ix.max()) * rows + rows
    if size <= 8 * len(key) + (1 << 20):
        # A table over every possible cell: linear time, where np.unique sorts a million
        # keys (0.2 s).
        present = np.zeros(size, dtype=bool)
        present[key] = True
        keys = np.flatnonzero(present)
        rank = np.cumsum(present) - 1
        cell = rank[key]
    else:  # points spread far apart: most cells empty
        keys, cell = np.unique(key, return_inverse=True)
    cx = x0 + (keys // rows + 0.5) * cell_m
    cy = y0 + (keys % rows + 0.5) * cell_m
    return cell, cx, cy


class _Segments:
    """Segments as contiguous columns, for squared distances from points to chosen ones."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.ax = np.ascontiguousarray(starts[:, 0], dtype=np.float64)
        self.ay = np.ascontiguousarray(starts[:, 1], dtype=np.float64)
        self.dx = ends[:, 0] - self.ax
        self.dy = ends[:, 1] - self.ay
        length2 = self.dx * self.dx + self.dy * self.dy
        # A segment of zero length (a repeated vertex) is its start point: dx = dy = 0,
        # so dividing by 1 puts the foot there.
        self.length2 = np.where(length2 > 0, length2, 1.0)

    def distance2(self, edge: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Squared distance from each point to the segment ``edge`` of the same row."""
        dx, dy = self.dx[edge], self.dy[edge]
        px, py = x - self.ax[edge], y - self.ay[edge]
        t = np.clip((px * dx + py * dy) / self.length2[edge], 0.0, 1.0)
        ex, ey = px - t * dx, py - t * dy
        return ex * ex + ey * ey
