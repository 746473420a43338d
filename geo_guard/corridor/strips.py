"""Cross-section strips of the corridor belt and the forest area in each, vectorised.

The belt of one bank is cut at stations every ``step_m`` of chainage (and at every
kilometre and segment junction); a strip holds the belt whose nearest centerline point
lies between two cuts. The belt outline, the station cut lines and the bisectors of the
centerline's turns are noded and polygonized once; every face lies in one strip. Away
from the turns a strip is a rectangle in the frame of its centerline edge, so the forest
area of every strip comes from one numpy pass over the forest outline; near a turn each
face is overlaid with the forest, vectorised. Used by :mod:`geo_guard.corridor`.

Examples
--------
>>> station_breaks(canal, 10.0)[:3].tolist()
[0.0, 10.0, 20.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from geo_guard.canal.geometry import GRID_M, polygonal
from geo_guard.canal.model import Canal


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


def _bisectors(canal: Canal, sign: float, reach: float) -> np.ndarray:
    """Lines through every turn of the centerline along the bisector, on one bank.

    On the inside of a turn the strips of the two edges meet on this line, so it must be
    in the linework for every face to fall in one strip.
    """
    xy = shapely.get_coordinates(canal.line)
    if len(xy) < 3:
        return np.empty(0, dtype=object)
    u1 = xy[1:-1] - xy[:-2]
    u2 = xy[2:] - xy[1:-1]
    u1 /= np.hypot(u1[:, 0], u1[:, 1])[:, None]
    u2 /= np.hypot(u2[:, 0], u2[:, 1])[:, None]
    mid = u1 + u2
    mid /= np.maximum(np.hypot(mid[:, 0], mid[:, 1]), 1e-12)[:, None]
    normal = np.column_stack([-mid[:, 1], mid[:, 0]])
    cos_half = np.maximum(np.abs(normal[:, 0] * -u1[:, 1] + normal[:, 1] * u1[:, 0]), 0.25)
    far = xy[1:-1] + sign * normal * ((reach + _CUT_PAD_M) / cos_half)[:, None]
    return shapely.linestrings(np.stack([xy[1:-1], far], axis=1))


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
class BankStrips:
    """One bank's belt cut into faces, each inside one strip, grouped in slabs of
    :data:`SLAB_M` with the forest of each slab.

    Per face: ``geoms``, ``strip`` (index of its strip), ``slab`` (index of its slab) and
    ``area`` (m²). Per strip: ``forest_m2``. Per slab: ``slab_km``, ``slabs`` (the belt)
    and ``covers`` (its forest).
    """

    geoms: np.ndarray
    strip: np.ndarray
    slab: np.ndarray
    area: np.ndarray
    forest_m2: np.ndarray
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
    pieces: gpd.GeoDataFrame,
    breaks: np.ndarray,
    sign: float,
    forest: np.ndarray,
    tree: shapely.STRtree,
) -> BankStrips:
    """Cut one bank's belt into strip faces and measure the forest of every strip.

    ``pieces`` are the bank's belt pieces in segment order (:func:`corridor_belt`).
    The forest is dissolved per slab: small dissolves are faster than one per bank and
    give small covers to measure against.
    """
    n = len(breaks) - 1
    faces, strip = _strip_faces(canal, pieces, breaks, sign)
    strip_slab = np.floor(canal.chainage_at(breaks[:-1]) / SLAB_M + 1e-9).astype(int)
    slab_ids, slab = np.unique(strip_slab[strip], return_inverse=True)
    order = np.argsort(slab, kind="stable")
    bounds = np.searchsorted(slab[order], np.arange(1, len(slab_ids)))
    slabs = np.array([union_faces(group) for group in np.split(faces[order], bounds)], dtype=object)
    covers = np.array([_cover(geom, forest, tree) for geom in slabs], dtype=object)
    first = np.full(len(slab_ids), n)
    last = np.full(len(slab_ids), -1)
    np.minimum.at(first, slab, strip)
    np.maximum.at(last, slab, strip)
    straight = _straight_slabs(
        canal, breaks[first], breaks[last + 1], float(pieces["outer_m"].max())
    )
    forest_m2 = _integrate_covers(canal, covers[straight], first[straight], last[straight], breaks)
    # Near a turn of the centerline strips are not rectangles: overlay each face with its
    # slab's forest, after prepared predicates settle the faces wholly in or out of it.
    bent = ~straight[slab]
    cover = covers[slab[bent]]
    shapely.prepare(cover)
    area = shapely.area(faces)
    inside = shapely.contains_properly(cover, faces[bent])
    across = ~inside & shapely.intersects(cover, faces[bent])
    forest = np.where(inside, area[bent], 0.0)
    forest[across] = shapely.area(shapely.intersection(faces[bent][across], cover[across]))
    forest_m2 += np.bincount(strip[bent], forest, n)
    slab_km = np.floor(slab_ids * SLAB_M / 1000 + 1e-9).astype(int)
    return BankStrips(faces, strip, slab, area, forest_m2, slab_km, slabs, covers)


def _straight_slabs(canal: Canal, lo: np.ndarray, hi: np.ndarray, reach: float) -> np.ndarray:
    """Slabs (measure ``lo``-``hi``) out of reach of every turn of the centerline.

    Inside the turn of a vertex the strips of its two edges meet on the bisector, up to
    ``reach * tan(turn / 2)`` along the canal from the vertex; outside it all points of
    the wedge share the vertex's measure. Away from those places each strip is a
    rectangle in the frame of its centerline edge.
    """
    xy = shapely.get_coordinates(canal.line)
    d = np.diff(xy, axis=0)
    heading = np.arctan2(d[:, 1], d[:, 0])
    turn = np.abs((np.diff(heading) + np.pi) % (2 * np.pi) - np.pi)
    measure = np.cumsum(np.hypot(d[:, 0], d[:, 1]))[:-1]
    near = (reach + _CUT_PAD_M) * np.tan(np.minimum(turn, 2.5) / 2) + 1.0
    touched = (measure[None, :] - near[None, :] < hi[:, None]) & (
        measure[None, :] + near[None, :] > lo[:, None]
    )
    return ~touched.any(axis=1)


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


def _strip_faces(
    canal: Canal, pieces: gpd.GeoDataFrame, breaks: np.ndarray, sign: float
) -> tuple[np.ndarray, np.ndarray]:
    """Node the belt outline with the cut lines and turn bisectors; polygonize.

    Every face lies in one strip (the linework holds every strip boundary); the strip
    is found from the nearest centerline place of a point inside the face.
    """
    start_m = canal.segments["start_m"].to_numpy()
    inner, outer = pieces["inner_m"].to_numpy(), pieces["outer_m"].to_numpy()
    # A cut at a junction reaches over the belts of both segments.
    at = np.clip(np.searchsorted(start_m, breaks, side="right") - 1, 0, len(pieces) - 1)
    before = np.maximum(at - 1, 0)
    near = np.maximum(np.minimum(inner[at], inner[before]) - _CUT_PAD_M, 0.0)
    far = np.maximum(outer[at], outer[before]) + _CUT_PAD_M
    cuts = shapely.linestrings(
        np.stack(
            [offset_points(canal, breaks, sign * near), offset_points(canal, breaks, sign * far)],
            axis=1,
        )
    )
    belt = pieces.geometry.to_numpy()
    lines = np.concatenate(
        [cuts, _bisectors(canal, sign, float(outer.max())), shapely.boundary(belt)]
    )
    try:
        noded = shapely.union_all(lines)
    except shapely.errors.GEOSException:  # pragma: no cover - robustness fallback
        noded = shapely.union_all(lines, grid_size=GRID_M)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    xy = shapely.get_coordinates(shapely.point_on_surface(faces))
    # Which belt piece holds each face (none: the face is outside the belt).
    hit, piece = shapely.STRtree(belt).query(shapely.points(xy), predicate="intersects")
    first = np.full(len(faces), -1)
    first[hit[::-1]] = piece[::-1]
    inside = first >= 0
    faces, xy, piece = faces[inside], xy[inside], first[inside]
    measure = canal.locate(xy[:, 0], xy[:, 1]).measure_m
    strip = np.searchsorted(breaks, measure, side="right") - 1
    # A face in the wedge outside a turn at a junction is as near to both segments: it
    # belongs to the strip of the segment whose belt holds it.
    segment = pieces["segment_index"].to_numpy()[piece]
    lowest = np.searchsorted(breaks, start_m[segment] - 1e-6)
    highest = np.searchsorted(breaks, canal.segments["end_m"].to_numpy()[segment] - 1e-6) - 1
    return faces, np.clip(strip, lowest, np.maximum(highest, lowest))


def _cover(slab: Any, forest: np.ndarray, tree: shapely.STRtree) -> Any:
    """The forested part of a slab of belt: dissolve the stands that reach it, clip."""
    near = tree.query(slab, predicate="intersects")
    if not len(near):
        return Polygon()
    return polygonal(shapely.intersection(shapely.union_all(forest[near]), slab))
