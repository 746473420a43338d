"""Cross-section strips of the corridor belt and the forest area in each, vectorised.

The belt of one bank is cut at stations every ``step_m`` of chainage (and at every
kilometre and segment junction); a strip holds the belt whose nearest centerline point
lies between two cuts. One partition of the plane by nearest centerline part
(:func:`geo_guard.zones.territory.distance_faces`, cutting between every two parts so
that inside a face the nearest point runs along one edge or stays at one vertex), with
the station cuts and the exclusion outline added, gives faces that each lie in one strip,
on one bank, in or out of the belt and of the exclusion. Away from the turns a strip is
the part of a rectangle in the frame of its centerline edge, so the forest area of every
strip comes from one numpy pass over the forest outline; near a turn each face is
overlaid with the forest, vectorised. Used by :mod:`geo_guard.corridor`.

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

from geo_guard._parallel import ordered_map
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


@dataclass
class StripFaces:
    """The faces of both banks' belts, each inside one strip: ``geoms``, ``side`` (+1 left,
    -1 right), ``segment`` index, ``strip`` index and ``excluded`` (inside the exclusion
    layer: not belt)."""

    geoms: np.ndarray
    side: np.ndarray
    segment: np.ndarray
    strip: np.ndarray
    excluded: np.ndarray


def strip_faces(canal: Canal, limits: np.ndarray, breaks: np.ndarray, removed: Any = None
                ) -> StripFaces:
    """Cut the belts of both banks into faces, each in one strip, bank and segment.

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
    >>> bool(faces.strip.min() == 0), sorted(set(faces.side.tolist()))
    (True, [-1, 1])
    """
    # One bank at a time (half the faces to polygonize at once); the other bank's parts
    # of the centerline still part the plane, but get no band.
    def one_bank(bank: int, sign: int) -> StripFaces:
        one = limits.copy()
        one[:, 1 - bank] = np.nan
        return _bank_faces(canal, one, bank, sign, breaks, removed)

    # The two banks side by side: GEOS nodes and polygonizes without the GIL.
    parts = list(ordered_map(lambda bank: one_bank(*bank), ((0, 1), (1, -1)), threads=2))
    return StripFaces(*(np.concatenate(column) for column in zip(*(
        (p.geoms, p.side, p.segment, p.strip, p.excluded) for p in parts), strict=True)))


def _bank_faces(canal: Canal, limits: np.ndarray, bank: int, sign: int, breaks: np.ndarray,
                removed: Any) -> StripFaces:
    """The faces of one bank's belt (``limits`` NaN on the other bank)."""
    # A cut spans the belt of both segments at a junction.
    start_m = canal.segments["start_m"].to_numpy()
    end_m = canal.segments["end_m"].to_numpy()
    at = np.clip(np.searchsorted(start_m, breaks, side="right") - 1, 0, len(start_m) - 1)
    before = np.maximum(at - 1, 0)
    inner, outer = limits[:, bank, 0], limits[:, bank, 1]
    near = np.maximum(np.minimum(inner[at], inner[before]) - _CUT_PAD_M, 0.0)
    far = np.maximum(outer[at], outer[before]) + _CUT_PAD_M
    lines = [shapely.linestrings(np.stack(
        [offset_points(canal, breaks, sign * near), offset_points(canal, breaks, sign * far)],
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
    strip = np.searchsorted(breaks, faces.measure[belt], side="right") - 1
    # A face outside a turn at a junction has the junction's measure: it belongs to the
    # last strip of the upstream segment when that segment holds it.
    lowest = np.searchsorted(breaks, start_m[segment] - 1e-6)
    highest = np.searchsorted(breaks, end_m[segment] - 1e-6) - 1
    strip = np.clip(strip, lowest, np.maximum(highest, lowest))
    return StripFaces(faces.geoms[belt], faces.side[belt], segment, strip, excluded)


@dataclass
class BankStrips:
    """One bank's belt cut into faces, each inside one strip, grouped in slabs of
    :data:`SLAB_M` with the forest of each slab.

    Per face: ``geoms``, ``strip`` (index of its strip), ``slab`` (index of its slab) and
    ``area`` (m²). Per strip: ``forest_m2`` and ``excluded_m2`` (belt taken by the
    exclusion layer). Per slab: ``slab_km``, ``slabs`` (the belt) and ``covers`` (its
    forest).
    """

    geoms: np.ndarray
    strip: np.ndarray
    slab: np.ndarray
    area: np.ndarray
    forest_m2: np.ndarray
    excluded_m2: np.ndarray
    slab_km: np.ndarray
    slabs: np.ndarray
    covers: np.ndarray

    def open_part(self, first: int, stop: int) -> Any:
        """The belt without forest in strips ``first:stop``."""
        chosen = (self.strip >= first) & (self.strip < stop)
        pieces = polygonal(shapely.difference(self.geoms[chosen], self.covers[self.slab[chosen]]))
        pieces = pieces[~shapely.is_empty(pieces)]
        return shapely.union_all(pieces) if len(pieces) else Polygon()

    def km_belts(self) -> tuple[np.ndarray, np.ndarray]:
        """Kilometres and the belt of each (the union of its slabs)."""
        km, group = np.unique(self.slab_km, return_inverse=True)
        return km, np.array(
            [union_faces(self.slabs[group == i]) for i in range(len(km))], dtype=object
        )


#: Length of the slabs (m) in which the forest is dissolved and measured; divides 1000.
SLAB_M = 100.0


def bank_strips(
    canal: Canal,
    faces: StripFaces,
    breaks: np.ndarray,
    sign: float,
    forest: np.ndarray,
    tree: shapely.STRtree,
) -> BankStrips:
    """Measure the forest of every strip of one bank (``sign`` +1 left, -1 right).

    The forest is dissolved per slab: small dissolves are faster than one per bank and
    give small covers to measure against.
    """
    n = len(breaks) - 1
    bank = faces.side == sign
    excluded = bank & faces.excluded
    excluded_m2 = np.bincount(faces.strip[excluded], shapely.area(faces.geoms[excluded]), n)
    chosen = bank & ~faces.excluded
    geoms, strip = faces.geoms[chosen], faces.strip[chosen]
    strip_slab = np.floor(canal.chainage_at(breaks[:-1]) / SLAB_M + 1e-9).astype(int)
    slab_ids, slab = np.unique(strip_slab[strip], return_inverse=True)
    order = np.argsort(slab, kind="stable")
    bounds = np.searchsorted(slab[order], np.arange(1, len(slab_ids)))
    slabs = np.array([union_faces(group) for group in np.split(geoms[order], bounds)],
                     dtype=object)
    # GEOS runs each dissolve without the GIL: the slabs are shared among the cores.
    covers = np.array(list(ordered_map(lambda geom: _cover(geom, forest, tree), slabs,
                                       window=64)), dtype=object)
    first = np.full(len(slab_ids), n)
    last = np.full(len(slab_ids), -1)
    np.minimum.at(first, slab, strip)
    np.maximum.at(last, slab, strip)
    straight = _straight_slabs(canal, breaks[first], breaks[last + 1])
    forest_m2 = _integrate_covers(canal, covers[straight], first[straight], last[straight], breaks)
    # Near a turn of the centerline strips are not rectangles: overlay each face with its
    # slab's forest, after prepared predicates settle the faces wholly in or out of it.
    bent = ~straight[slab]
    cover = covers[slab[bent]]
    shapely.prepare(cover)
    area = shapely.area(geoms)
    inside = shapely.contains_properly(cover, geoms[bent])
    across = ~inside & shapely.intersects(cover, geoms[bent])
    forest = np.where(inside, area[bent], 0.0)
    forest[across] = shapely.area(shapely.intersection(geoms[bent][across], cover[across]))
    forest_m2 += np.bincount(strip[bent], forest, n)
    slab_km = np.floor(slab_ids * SLAB_M / 1000 + 1e-9).astype(int)
    return BankStrips(geoms, strip, slab, area, forest_m2, excluded_m2, slab_km, slabs, covers)


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


def _integrate_covers(
    canal: Canal, covers: np.ndarray, first: np.ndarray, last: np.ndarray, breaks: np.ndarray
) -> np.ndarray:
    """Forest area per strip of straight slabs, without an overlay per strip.

    In the frame of the slab's centerline edge (x = measure, y = offset) strips are
    x-intervals, and the area of a polygon between two x values is ``-∫ y dx`` along
    its rings clipped to them: the closing cuts are vertical and add nothing. So every
    ring edge is split at the station measures and integrated with numpy.
    """
    n = len(breaks) - 1
    parts, part_slab = shapely.get_parts(covers, return_index=True)
    rings, ring_part = shapely.get_rings(shapely.orient_polygons(parts), return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    slab = part_slab[ring_part[ring[:-1][same]]]
    # The frame of each slab: its centerline edge.
    line = shapely.get_coordinates(canal.line)
    d = np.diff(line, axis=0)
    length = np.hypot(d[:, 0], d[:, 1])
    start = np.concatenate([[0.0], np.cumsum(length)[:-1]])
    middle = (breaks[first] + breaks[last + 1]) / 2
    edge = np.clip(np.searchsorted(start, middle, side="right") - 1, 0, len(d) - 1)[slab]
    u = d[edge] / length[edge][:, None]
    frame = []
    for p in (xy[:-1][same], xy[1:][same]):
        rel = p - line[edge]
        frame.append(
            (
                start[edge] + rel[:, 0] * u[:, 0] + rel[:, 1] * u[:, 1],
                rel[:, 1] * u[:, 0] - rel[:, 0] * u[:, 1],
            )
        )
    (x0, y0), (x1, y1) = frame
    lo, hi = np.minimum(x0, x1), np.maximum(x0, x1)
    moving = hi > lo
    x0, y0, x1, y1, lo, hi, slab = (a[moving] for a in (x0, y0, x1, y1, lo, hi, slab))
    k0 = np.clip(np.searchsorted(breaks, lo, side="right") - 1, first[slab], last[slab])
    k1 = np.clip(np.searchsorted(breaks, hi, side="left") - 1, k0, last[slab])
    count = k1 - k0 + 1
    piece = np.repeat(np.arange(len(k0)), count)
    k = k0[piece] + np.arange(len(piece)) - np.repeat(np.cumsum(count) - count, count)
    # The slab's own ends are open: vertices a rounding error beyond them still count.
    left = np.where(k == first[slab][piece], -np.inf, breaks[k])
    right = np.where(k == last[slab][piece], np.inf, breaks[k + 1])
    xa = np.maximum(lo[piece], left)
    xb = np.minimum(hi[piece], right)
    slope = (y1 - y0) / (x1 - x0)
    ya = y0[piece] + (xa - x0[piece]) * slope[piece]
    yb = y0[piece] + (xb - x0[piece]) * slope[piece]
    integral = np.sign(x1 - x0)[piece] * np.maximum(xb - xa, 0.0) * (ya + yb) / 2
    return np.bincount(k, -integral, n).astype(float)


def _cover(slab: Any, forest: np.ndarray, tree: shapely.STRtree) -> Any:
    """The forested part of a slab of belt: dissolve the stands that reach it, clip."""
    near = tree.query(slab, predicate="intersects")
    if not len(near):
        return Polygon()
    return polygonal(shapely.intersection(shapely.union_all(forest[near]), slab))
