"""Cross-section strips of the corridor belt and the forest area in each, vectorised.

The belt of one bank is cut at stations every ``step_m`` of chainage (and at every
kilometre and segment junction); a strip holds the belt whose nearest centerline point
lies between two cuts. One partition of the plane by nearest centerline part
(:func:`geo_guard.zones.territory.distance_faces`, cutting between every two parts so
that inside a face the nearest point runs along one edge or stays at one vertex), with
cuts at the ends of the 100 m slabs and the exclusion outline added, gives faces that
each lie in one slab, on one bank, in or out of the belt and of the exclusion. The
station cuts are not drawn: in the frame of the face's centerline edge (x = measure,
y = offset) the strips are x-intervals, and a face nearest to a vertex lies beyond that
end of the edge, all in one strip; so the area of any polygon per strip comes from one
numpy pass over its outline (:func:`strip_areas`). Away from the turns that is done on
a slab's whole forest; near a turn each face is overlaid with the forest first,
vectorised. Used by :mod:`geo_guard.corridor`.

Examples
--------
>>> station_breaks(canal, 10.0)[:3].tolist()
[0.0, 10.0, 20.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from geo_guard._parallel import ordered_map, workers
from geo_guard.canal.geometry import polygonal
from geo_guard.canal.model import Canal
from geo_guard.zones.territory import distance_faces


def union_faces(geoms: np.ndarray) -> Any:
    """Union of faces that share their edges exactly (polygonize output): the fast
    coverage union, checked, with the general union as the fallback."""
    if not len(geoms):
        return Polygon()
    merged = shapely.coverage_union_all(geoms)
    return merged if shapely.is_valid(merged) else shapely.union_all(geoms)


# Cut lines reach this far past the belt's inner and outer lines (m) so noding cuts it.
_CUT_PAD_M = 1.0


def offset_points(canal: Canal, measure_m: np.ndarray, offset_m: np.ndarray | float) -> np.ndarray:
    """Points at a signed distance from the centerline (left positive), ``(n, 2)``.

    The offset is taken along the normal of the centerline edge at ``measure_m``.

    Examples
    --------
    >>> xy = offset_points(canal, np.array([1000.0]), -30.0)
    >>> loc = canal.locate(xy[:, 0], xy[:, 1])
    >>> round(float(loc.distance_m[0]), 6), loc.banks().tolist()
    (30.0, ['右岸'])
    """
    xy = shapely.get_coordinates(canal.line)
    d = np.diff(xy, axis=0)
    length = np.hypot(d[:, 0], d[:, 1])
    start = np.concatenate([[0.0], np.cumsum(length)[:-1]])
    m = np.asarray(measure_m, dtype=float)
    e = np.clip(np.searchsorted(start, m, side="right") - 1, 0, len(length) - 1)
    t = np.clip((m - start[e]) / length[e], 0.0, 1.0)
    normal = np.column_stack([-d[e, 1], d[e, 0]]) / length[e][:, None]
    offset = np.broadcast_to(np.asarray(offset_m, dtype=float), m.shape)
    return xy[e] + t[:, None] * d[e] + normal * offset[:, None]


def station_breaks(canal: Canal, step_m: float) -> np.ndarray:
    """Measures of the strip cuts: stations, whole kilometres, junctions and both ends."""
    c0, c1 = canal.chainage_range
    grids = [np.arange(math.ceil(c0 / s) * s, c1, s) for s in (step_m, 1000.0)]
    cuts = np.concatenate(
        [
            canal.measure_at(np.concatenate(grids)),
            canal.segments["start_m"].to_numpy(),
            [0.0, canal.length_m],
        ]
    )
    cuts = np.unique(np.clip(cuts, 0.0, canal.length_m))
    # Cuts a millimetre apart only make slivers of strips.
    keep = np.concatenate([[True], np.diff(cuts) > 1e-3])
    keep[-1] = True
    cuts = cuts[keep]
    if len(cuts) > 2 and cuts[-1] - cuts[-2] <= 1e-3:
        cuts = np.delete(cuts, -2)
    return cuts


@dataclass(frozen=True)
class EdgeFrames:
    """The frame of every centerline edge: ``origin`` (its first vertex), unit direction
    ``u``, and the measures ``start``/``end`` of its two ends. A point's frame
    coordinates are ``x`` (measure along the edge's line) and ``y`` (offset, left
    positive); ``segment`` is the index of the segment each edge belongs to."""

    origin: np.ndarray
    u: np.ndarray
    start: np.ndarray
    end: np.ndarray
    segment: np.ndarray

    @classmethod
    def of(cls, canal: Canal) -> EdgeFrames:
        """The frames of ``canal``'s edges.

        Examples
        --------
        >>> frames = EdgeFrames.of(canal)
        >>> bool(np.isclose(frames.end[-1], canal.length_m))
        True
        """
        xy = shapely.get_coordinates(canal.line)
        d = np.diff(xy, axis=0)
        length = np.hypot(d[:, 0], d[:, 1])
        end = np.cumsum(length)
        counts = [len(shapely.get_coordinates(g)) - 1 for g in canal.segments.geometry.values]
        return cls(xy[:-1], d / length[:, None], end - length, end,
                   np.repeat(np.arange(len(counts)), counts))

    def frame(self, xy: np.ndarray, edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame coordinates ``(x, y)`` of points ``xy`` in the frames of ``edge``.

        Examples
        --------
        >>> frames = EdgeFrames.of(canal)
        >>> x, y = frames.frame(offset_points(canal, np.array([30.0]), 12.0), np.array([0]))
        >>> round(float(x[0]), 6), round(float(y[0]), 6)
        (30.0, 12.0)
        """
        rel = xy - self.origin[edge]
        u = self.u[edge]
        return (self.start[edge] + rel[:, 0] * u[:, 0] + rel[:, 1] * u[:, 1],
                rel[:, 1] * u[:, 0] - rel[:, 0] * u[:, 1])

    def world(self, x: np.ndarray, y: np.ndarray, edge: np.ndarray) -> np.ndarray:
        """Points ``(n, 2)`` at frame coordinates ``x``, ``y`` of ``edge``.

        Examples
        --------
        >>> frames = EdgeFrames.of(canal)
        >>> xy = frames.world(np.array([30.0]), np.array([12.0]), np.array([0]))
        >>> bool(np.allclose(xy, offset_points(canal, np.array([30.0]), 12.0)))
        True
        """
        u = self.u[edge]
        along = (x - self.start[edge])[:, None]
        return self.origin[edge] + along * u + y[:, None] * np.column_stack([-u[:, 1], u[:, 0]])


@dataclass
class StripFaces:
    """The faces of both banks' belts, each nearest to one centerline edge or vertex and
    inside one slab: ``geoms``, ``side`` (+1 left, -1 right), ``segment`` index,
    ``excluded`` (inside the exclusion layer: not belt), ``edge`` (the edge in whose
    frame the face is measured), ``first``/``last`` (the strips it may reach) and
    ``slab``.

    Inside a face the measure of the nearest centerline point is the face's ``x`` in
    the frame of ``edge`` clamped to the edge's ends (a face nearest to a vertex lies
    beyond that end of the edge): its strip is the strip of that measure, clamped to
    ``first``-``last``. :func:`strip_areas` measures any part of it per strip.
    """

    geoms: np.ndarray
    side: np.ndarray
    segment: np.ndarray
    excluded: np.ndarray
    edge: np.ndarray
    first: np.ndarray
    last: np.ndarray
    slab: np.ndarray


def slab_of_strips(canal: Canal, breaks: np.ndarray) -> np.ndarray:
    """Index of the slab each strip lies in: slabs are runs of strips that start in one
    :data:`SLAB_M` of chainage.

    Examples
    --------
    >>> slab_of_strips(canal, station_breaks(canal, 25.0))[:5].tolist()
    [0, 0, 0, 0, 1]
    """
    hundred = np.floor(canal.chainage_at(breaks[:-1]) / SLAB_M + 1e-9).astype(int)
    return np.concatenate([[0], np.cumsum(hundred[1:] != hundred[:-1])])


def strip_faces(canal: Canal, limits: np.ndarray, breaks: np.ndarray, removed: Any = None
                ) -> StripFaces:
    """Cut the belts of both banks into faces, each at one site, bank, segment and slab.

    Only the slabs' ends are cut: inside a face the strips are measured in its edge's
    frame (:func:`strip_areas`), which is exact, and far fewer cut lines are noded.

    Parameters
    ----------
    canal : Canal
    limits : ndarray of shape (segments, 2, 2)
        The belt's inner and outer distance per segment and bank (left, right).
    breaks : ndarray
        Measures of the strip cuts (:func:`station_breaks`).
    removed : geometry, optional
        The exclusion layer (metric CRS): its faces are kept and marked ``excluded``.

    Examples
    --------
    >>> limits = np.tile([60.0, 160.0], (len(canal.segments), 2, 1))
    >>> faces = strip_faces(canal, limits, station_breaks(canal, 100.0))
    >>> bool(faces.first.min() == 0), sorted(set(faces.side.tolist()))
    (True, [-1, 1])
    """
    slab = slab_of_strips(canal, breaks)
    cut = np.flatnonzero(np.concatenate([[True], slab[1:] != slab[:-1], [True]]))

    # One bank at a time (half the faces to polygonize at once); the other bank's parts
    # of the centerline still part the plane, but get no band.
    def one_bank(bank: int, sign: int) -> StripFaces:
        one = limits.copy()
        one[:, 1 - bank] = np.nan
        return _bank_faces(canal, one, bank, sign, breaks, cut, slab, removed)

    # The two banks side by side: GEOS nodes and polygonizes without the GIL.
    parts = list(ordered_map(lambda bank: one_bank(*bank), ((0, 1), (1, -1)),
                             threads=min(2, workers())))
    names = list(StripFaces.__dataclass_fields__)
    return StripFaces(*(np.concatenate([getattr(p, name) for p in parts]) for name in names))


def _bank_faces(canal: Canal, limits: np.ndarray, bank: int, sign: int, breaks: np.ndarray,
                cut: np.ndarray, strip_slab: np.ndarray, removed: Any) -> StripFaces:
    """The faces of one bank's belt (``limits`` NaN on the other bank), cut at the
    breaks ``cut`` (the slabs' ends)."""
    # A cut spans the belt of both segments at a junction.
    start_m = canal.segments["start_m"].to_numpy()
    end_m = canal.segments["end_m"].to_numpy()
    at_m = breaks[cut]
    at = np.clip(np.searchsorted(start_m, at_m, side="right") - 1, 0, len(start_m) - 1)
    before = np.maximum(at - 1, 0)
    inner, outer = limits[:, bank, 0], limits[:, bank, 1]
    near = np.maximum(np.minimum(inner[at], inner[before]) - _CUT_PAD_M, 0.0)
    far = np.maximum(outer[at], outer[before]) + _CUT_PAD_M
    lines = [shapely.linestrings(np.stack(
        [offset_points(canal, at_m, sign * near), offset_points(canal, at_m, sign * far)],
        axis=1))]
    hole = removed is not None and not removed.is_empty
    if hole:
        reach = float(np.nanmax(limits)) + _CUT_PAD_M
        x0, y0, x1, y1 = canal.line.bounds
        lines.append(np.array([shapely.clip_by_rect(shapely.boundary(removed), x0 - reach,
                                                    y0 - reach, x1 + reach, y1 + reach)],
                              dtype=object))
    faces = distance_faces(canal, limits, ends="flat", every_site=True,
                           extra_lines=np.concatenate(lines))
    belt = (faces.band == 1) & (faces.side == sign)
    xy = faces.xy[belt]
    excluded = np.zeros(int(belt.sum()), dtype=bool)
    if hole:
        shapely.prepare(removed)
        excluded = shapely.contains_xy(removed, xy[:, 0], xy[:, 1])
    segment = faces.segment[belt]
    measure = faces.measure[belt]
    n = len(breaks) - 1
    # The strips of each segment: a face outside a turn at a junction has the junction's
    # measure, and belongs to the last strip of the upstream segment when that segment
    # holds it.
    lowest = np.searchsorted(breaks, start_m[segment] - 1e-6)
    highest = np.maximum(np.searchsorted(breaks, end_m[segment] - 1e-6) - 1, lowest)
    strip = np.clip(np.searchsorted(breaks, measure, side="right") - 1, lowest, highest)
    # The face's edge: the one its point is nearest to, among its segment's edges (a face
    # at a vertex lies beyond an end of either edge there).
    frames = EdgeFrames.of(canal)
    seg_first = np.searchsorted(frames.segment, segment, side="left")
    seg_last = np.searchsorted(frames.segment, segment, side="right") - 1
    edge = np.clip(np.searchsorted(frames.start, measure, side="right") - 1, seg_first, seg_last)
    # The strips its edge reaches (ends a rounding error off a break count as on it),
    # within its slab and segment.
    tol = 1e-6
    edge_first = np.searchsorted(breaks, frames.start[edge] + tol, side="right") - 1
    edge_last = np.searchsorted(breaks, frames.end[edge] - tol, side="right") - 1
    slab = strip_slab[strip]
    slab_first = np.searchsorted(strip_slab, slab, side="left")
    slab_last = np.searchsorted(strip_slab, slab, side="right") - 1
    first = np.maximum.reduce([edge_first, slab_first, lowest])
    last = np.minimum.reduce([edge_last, slab_last, highest])
    # A face whose ranges do not meet (a hair's-breadth edge, a vertex on a slab's end)
    # lies in the strip of its point.
    empty = first > last
    first[empty] = last[empty] = strip[empty]
    first, last = np.clip(first, 0, n - 1), np.clip(last, 0, n - 1)
    return StripFaces(faces.geoms[belt], faces.side[belt], segment, excluded, edge, first,
                      last, slab)


def strip_areas(frames: EdgeFrames, geoms: np.ndarray, edge: np.ndarray, first: np.ndarray,
                last: np.ndarray, breaks: np.ndarray, window: np.ndarray | None = None
                ) -> np.ndarray:
    """Area per strip of polygons measured in the frames of their edges, no overlay.

    In the frame of ``edge`` (x = measure, y = offset) strips are x-intervals, and the
    area of a polygon between two x values is ``-∫ y dx`` along its rings clipped to
    them: the closing cuts are vertical and add nothing. So every ring edge is split at
    the station measures and integrated with numpy. The strips ``first`` and ``last``
    of each polygon are open outward: what lies before or beyond them (a face beyond
    its edge's end, nearest to the vertex there, or a rounding error) counts in them.
    With a ``window`` only the part of each polygon inside a rectangle of its frame
    counts: pieces are cut to its x-range and ``y`` is clamped to its y-range, since
    ``-∫ clamp(y) dx`` is the area of the part between the two y values (Green).

    Parameters
    ----------
    frames : EdgeFrames
    geoms : ndarray of (multi)polygons
    edge, first, last : int arrays
        Per polygon: its edge and the strips it may reach.
    breaks : ndarray
        Measures of the strip cuts.
    window : ndarray of shape (polygons, 4), optional
        Per polygon ``x0, x1, y0, y1`` in its frame: only the part inside counts.

    Returns
    -------
    ndarray
        Area (m²) per strip.

    Examples
    --------
    >>> frames = EdgeFrames.of(canal)
    >>> breaks = station_breaks(canal, 25.0)
    >>> sq = shapely.Polygon(offset_points(canal, np.array([10.0, 40, 40, 10]),
    ...                                    np.array([10.0, 10, 20, 20])))
    >>> strip_areas(frames, np.array([sq]), np.array([0]), np.array([0]), np.array([5]),
    ...             breaks)[:3].round(6).tolist()
    [150.0, 150.0, 0.0]
    """
    n = len(breaks) - 1
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(shapely.orient_polygons(parts), return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    owner = part_geom[ring_part[ring[:-1][same]]]
    e = edge[owner]
    x0, y0 = frames.frame(xy[:-1][same], e)
    x1, y1 = frames.frame(xy[1:][same], e)
    lo, hi = np.minimum(x0, x1), np.maximum(x0, x1)
    moving = hi > lo
    x0, y0, x1, y1, lo, hi, owner = (a[moving] for a in (x0, y0, x1, y1, lo, hi, owner))
    f, g = first[owner], last[owner]
    k0 = np.clip(np.searchsorted(breaks, lo, side="right") - 1, f, g)
    k1 = np.clip(np.searchsorted(breaks, hi, side="left") - 1, k0, g)
    count = k1 - k0 + 1
    piece = np.repeat(np.arange(len(k0)), count)
    k = k0[piece] + np.arange(len(piece)) - np.repeat(np.cumsum(count) - count, count)
    left = np.where(k == f[piece], -np.inf, breaks[k])
    right = np.where(k == g[piece], np.inf, breaks[np.minimum(k + 1, n)])
    xa = np.maximum(lo[piece], left)
    xb = np.minimum(hi[piece], right)
    if window is not None:
        box = window[owner[piece]]
        xa, xb = np.maximum(xa, box[:, 0]), np.minimum(xb, box[:, 1])
    slope = (y1 - y0) / (x1 - x0)
    ya = y0[piece] + (xa - x0[piece]) * slope[piece]
    yb = y0[piece] + (xb - x0[piece]) * slope[piece]
    mean = (ya + yb) / 2 if window is None else _clamped_mean(ya, yb, box[:, 2], box[:, 3])
    integral = np.sign(x1 - x0)[piece] * np.maximum(xb - xa, 0.0) * mean
    return np.bincount(k, -integral, n).astype(float)


def _clamped_mean(ya: np.ndarray, yb: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Mean of ``clip(y, c, d)`` while ``y`` runs linearly from ``ya`` to ``yb``.

    With ``H`` an antiderivative of the clamp (taken from ``c``, to keep the numbers
    small) the mean is ``(H(yb) - H(ya)) / (yb - ya)``; a level run takes the clamp of
    its middle.

    Examples
    --------
    >>> _clamped_mean(np.array([0.0, 2.0]), np.array([4.0, 2.0]), np.ones(2), 3 * np.ones(2))
    array([2., 2.])
    """
    top = d - c

    def h(y: np.ndarray) -> np.ndarray:
        t = y - c
        return np.clip(t, 0.0, top) ** 2 / 2 + top * np.maximum(t - top, 0.0)

    dy = yb - ya
    level = np.abs(dy) < 1e-6
    safe = np.where(level, 1.0, dy)
    return c + np.where(level, np.clip((ya + yb) / 2 - c, 0.0, top), (h(yb) - h(ya)) / safe)


#: Length of the slabs (m) in which the forest is dissolved and measured; divides 1000.
SLAB_M = 100.0


@dataclass
class BankStrips:
    """One bank's belt: its faces (:class:`StripFaces`), grouped in slabs of
    :data:`SLAB_M` with the forest of each slab, and the areas per strip.

    Per face: ``geoms``, ``edge``, ``first``/``last`` (its strips) and ``slab`` (index of
    its slab). Per strip: ``belt_m2``, ``forest_m2`` and ``excluded_m2`` (belt taken by
    the exclusion layer). Per slab: ``slab_km``, ``slabs`` (the belt) and ``covers`` (the
    stands that reach it, dissolved). ``frames``, ``breaks`` and ``reach`` (farther
    than any face from the centerline, m) cut faces at strip ends.
    """

    geoms: np.ndarray
    edge: np.ndarray
    first: np.ndarray
    last: np.ndarray
    slab: np.ndarray
    belt_m2: np.ndarray
    forest_m2: np.ndarray
    excluded_m2: np.ndarray
    slab_km: np.ndarray
    slabs: np.ndarray
    covers: np.ndarray
    frames: EdgeFrames
    breaks: np.ndarray
    reach: float

    def open_part(self, first: int, stop: int) -> Any:
        """The belt without forest in strips ``first:stop``.

        A face reaching strips outside them is cut square across its edge's frame at
        the end station: its points beyond that measure lie in the other strips.
        """
        chosen = np.flatnonzero((self.last >= first) & (self.first < stop))
        geoms = self.geoms[chosen].copy()
        before, after = self.first[chosen] < first, self.last[chosen] >= stop
        cut = before | after
        if cut.any():
            e = self.edge[chosen][cut]
            r = np.full(len(e), self.reach)
            x0 = np.where(before[cut], self.breaks[first], self.frames.start[e] - r)
            x1 = np.where(after[cut], self.breaks[min(stop, len(self.breaks) - 1)],
                          self.frames.end[e] + r)
            corners = [self.frames.world(x, y, e) for x, y in ((x0, -r), (x1, -r), (x1, r),
                                                                (x0, r), (x0, -r))]
            rect = shapely.polygons(np.stack(corners, axis=1))
            geoms[cut] = polygonal(shapely.intersection(geoms[cut], rect))
        pieces = polygonal(shapely.difference(geoms, self.covers[self.slab[chosen]]))
        pieces = pieces[~shapely.is_empty(pieces)]
        return shapely.union_all(pieces) if len(pieces) else Polygon()

    def km_belts(self) -> tuple[np.ndarray, np.ndarray]:
        """Kilometres and the belt of each (the union of its slabs)."""
        km, group = np.unique(self.slab_km, return_inverse=True)
        return km, np.array(
            [union_faces(self.slabs[group == i]) for i in range(len(km))], dtype=object
        )


def bank_strips(
    canal: Canal,
    faces: StripFaces,
    breaks: np.ndarray,
    sign: float,
    forest: np.ndarray,
    tree: shapely.STRtree,
    *,
    threads: int | None = None,
) -> BankStrips:
    """Measure the belt and the forest of every strip of one bank (``sign`` +1 left,
    -1 right).

    The forest is dissolved per slab: small dissolves are faster than one per bank and
    give small covers to measure against. Every area per strip comes from
    :func:`strip_areas`, in the frame of the centerline edge. ``threads`` dissolve the
    slabs (all cores by default; fewer when the other bank runs beside this one).
    """
    n = len(breaks) - 1
    frames = EdgeFrames.of(canal)

    def areas(mask: np.ndarray, geoms: np.ndarray | None = None) -> np.ndarray:
        return strip_areas(frames, faces.geoms[mask] if geoms is None else geoms,
                           faces.edge[mask], faces.first[mask], faces.last[mask], breaks)

    bank = faces.side == sign
    excluded_m2 = areas(bank & faces.excluded)
    chosen = bank & ~faces.excluded
    belt_m2 = areas(chosen)
    geoms, edge = faces.geoms[chosen], faces.edge[chosen]
    first, last = faces.first[chosen], faces.last[chosen]
    slab_ids, slab = np.unique(faces.slab[chosen], return_inverse=True)
    order = np.argsort(slab, kind="stable")
    bounds = np.searchsorted(slab[order], np.arange(1, len(slab_ids)))
    slabs = np.array([union_faces(group) for group in np.split(geoms[order], bounds)],
                     dtype=object)
    # GEOS runs each dissolve without the GIL: the slabs are shared among the cores.
    covers = np.array(list(ordered_map(lambda geom: _dissolved(geom, forest, tree), slabs,
                                       threads=threads, window=64)), dtype=object)
    slab_first = np.full(len(slab_ids), n)
    slab_last = np.full(len(slab_ids), -1)
    slab_edge = np.zeros(len(slab_ids), dtype=np.int64)
    np.minimum.at(slab_first, slab, first)
    np.maximum.at(slab_last, slab, last)
    slab_edge[slab] = edge
    # The faces in their frames: how far they reach (across, and beyond their edge's
    # ends), and each slab's extent.
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    e = edge[owner]
    x, y = frames.frame(xy, e)
    reach = float(np.concatenate([[0.0], np.abs(y), frames.start[e] - x,
                                  x - frames.end[e]]).max()) + 10.0
    extent = np.tile([np.inf, -np.inf, np.inf, -np.inf], (len(slab_ids), 1))
    for column, values, at in ((0, x, np.minimum), (1, x, np.maximum), (2, y, np.minimum),
                               (3, y, np.maximum)):
        at.at(extent[:, column], slab[owner], values)
    one_edge = np.ones(len(slab_ids), dtype=bool)
    one_edge[slab] &= edge == slab_edge[slab]
    # Away from the turns a slab's faces are all nearest to one edge: its forest is
    # measured whole, in that edge's frame. Where they fill the rectangle of their
    # extent (no other part of the canal nearer, nothing excluded) the forest needs no
    # clipping to the slab: the rectangle is the window of the integral.
    straight = _straight_slabs(canal, breaks[slab_first], breaks[slab_last + 1])
    box = (extent[:, 1] - extent[:, 0]) * (extent[:, 3] - extent[:, 2])
    full = np.abs(np.bincount(slab, shapely.area(geoms), len(slab_ids)) - box) <= 1e-9 * box
    square = np.flatnonzero(straight & one_edge & full)
    forest_m2 = strip_areas(frames, covers[square], slab_edge[square], slab_first[square],
                            slab_last[square], breaks, window=extent[square])
    clip = np.flatnonzero(straight & ~(one_edge & full))
    forest_m2 += strip_areas(frames, polygonal(shapely.intersection(covers[clip], slabs[clip])),
                             slab_edge[clip], slab_first[clip], slab_last[clip], breaks)
    # Near a turn a slab's faces are measured in frames of their own: each is overlaid
    # with its slab's forest, after prepared predicates settle the faces wholly in or
    # out of it.
    bent = np.flatnonzero(~straight[slab])
    cover = covers[slab[bent]]
    shapely.prepare(cover)
    inside = shapely.contains_properly(cover, geoms[bent])
    across = ~inside & shapely.intersects(cover, geoms[bent])
    pieces = geoms[bent].copy()
    pieces[across] = shapely.intersection(pieces[across], cover[across])
    hit = bent[inside | across]
    pieces = pieces[inside | across]
    forest_m2 += strip_areas(frames, polygonal(pieces), edge[hit], first[hit], last[hit],
                             breaks)
    slab_km = np.floor(canal.chainage_at(breaks[slab_first]) / 1000 + 1e-9).astype(int)
    return BankStrips(geoms, edge, first, last, slab, belt_m2, forest_m2, excluded_m2,
                      slab_km, slabs, covers, frames, breaks, reach)


def _straight_slabs(canal: Canal, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Slabs (measure ``lo``-``hi``) whose belt is nearest to the inside of one edge.

    The faces of a slab are those whose nearest centerline point lies between ``lo`` and
    ``hi``; with no vertex there (not even at an end, where the faces outside a turn
    have the vertex's measure) every one is nearest to one edge, and its strips are cut
    square across that edge: measures along the edge are its ``x`` coordinate.
    """
    xy = shapely.get_coordinates(canal.line)
    # Measures of the inner vertices, and past the end one that no slab reaches.
    measure = np.append(np.cumsum(np.hypot(*np.diff(xy, axis=0).T))[:-1], np.inf)
    pad = 1e-6 * max(canal.length_m, 1.0)
    return measure[np.searchsorted(measure, lo - pad, side="left")] > hi + pad


def _dissolved(slab: Any, forest: np.ndarray, tree: shapely.STRtree) -> Any:
    """The stands that reach a slab of belt, dissolved (not clipped to it)."""
    near = tree.query(slab, predicate="intersects")
    if not len(near):
        return Polygon()
    return polygonal(shapely.union_all(forest[near]))
