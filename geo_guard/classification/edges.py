"""How far a risk source is from the management edge and from its zone's outer line.

Beside the distance to the centerline (``distance_m``) an inspector wants the distance to
the fence (管理范围边线, ``edge_distance_m``) and to the outer line of the zone the source
lies in (``zone_boundary_m``: how far inside its zone, or for a source outside every zone
how far outside the outermost one). Both are distances, never negative; the ``zone``
column says on which side.

Zones built from rules are bands at fixed distances from the centerline of each segment
and bank (management edge ``outer_0``, then ``outer_1`` … see
:func:`geo_guard.zones.segment_widths`), so for a point placed by
:meth:`geo_guard.canal.Canal.locate` the distances are ``|distance_m - outer|`` of its
nearest segment and bank: no new geometry, consistent with the zones however they are
drawn at bends. Zone polygons given as a file (an official delineation) carry no widths;
there the distances are measured to the polygons' outer lines.

Examples
--------
>>> from geo_guard.zones import segment_widths
>>> table = BoundaryTable.from_widths(segment_widths(canal, rules), len(canal.segments))
>>> x, y = canal.point_at([100_000.0])[0].coords[0]
>>> where = canal.locate([x], [y + 100])
>>> edge, zone = table.distances(where.segment_index, where.side, where.distance_m,
...                              np.array([1]))
>>> [round(float(v), 1) for v in (where.distance_m[0], edge[0], zone[0])]
[93.5, 28.5, 21.5]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo_guard.canal.nearest import nearest_segments
from geo_guard.settings import BANK_LEFT, OUTSIDE_LEVEL

__all__ = ["BoundaryTable", "distance_to_lines", "polygon_distances"]

_LEVELS = 4  # management area 0, first 1, second 2, quasi 3


@dataclass(frozen=True)
class BoundaryTable:
    """Outer distance of every level per segment and bank (NaN where a level is absent).

    Attributes
    ----------
    outer : ndarray, shape (segments, 2, 4)
        ``outer[s, 0, L]`` left bank, ``outer[s, 1, L]`` right bank, levels 0–3.
    """

    outer: np.ndarray

    @classmethod
    def from_widths(cls, widths: pd.DataFrame, segments: int) -> BoundaryTable:
        """From :func:`geo_guard.zones.segment_widths`."""
        outer = np.full((segments, 2, _LEVELS), np.nan)
        seg = widths["segment_index"].to_numpy(dtype=np.int64)
        bank = np.where(widths["bank"].to_numpy(dtype=object) == BANK_LEFT, 0, 1)
        for level in range(_LEVELS):
            column = f"outer_{level}"
            if column in widths.columns:
                outer[seg, bank, level] = pd.to_numeric(widths[column], errors="coerce")
        return cls(outer)

    def distances(
        self,
        segment: np.ndarray,
        side: np.ndarray,
        distance: np.ndarray,
        level: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance to the management edge and to the zone's outer line, per point.

        Parameters
        ----------
        segment : ndarray of int
            Nearest segment (``-1`` for a missing point).
        side : ndarray of int
            +1 left bank, -1 right bank, 0 on the centerline (the nearer edge is used).
        distance : ndarray of float
            Distance to the centerline (m).
        level : ndarray of int
            Zone level of each point (9 outside every zone).

        Returns
        -------
        edge, zone : ndarray of float
            NaN for missing points.
        """
        n = len(distance)
        edge = np.full(n, np.nan)
        zone = np.full(n, np.nan)
        ok = (segment >= 0) & np.isfinite(distance)
        if not ok.any():
            return edge, zone
        # Flat look-ups per (segment, bank): no (points, 2, 4) block of copies.
        outer = self.outer.reshape(-1, _LEVELS)
        with np.errstate(all="ignore"):
            outermost = np.nanmax(np.where(np.isfinite(outer), outer, -np.inf), axis=1)
        seg = segment[ok]
        # On the centerline either bank will do: take the one whose edge is nearer.
        left = np.where(side[ok] > 0, True, np.where(side[ok] < 0, False,
                                                     outer[2 * seg, 0] <= outer[2 * seg + 1, 0]))
        pair = 2 * seg + np.where(left, 0, 1)
        d = distance[ok]
        edge[ok] = np.abs(d - outer[pair, 0])
        lvl = np.asarray(level)[ok]
        inside = (lvl >= 0) & (lvl < _LEVELS)
        own = outer.ravel()[pair * _LEVELS + np.where(inside, lvl, 0)]
        # Outside every zone, or in a level this segment lacks (a neighbour's zone at a
        # bend): the outermost line of the nearest segment.
        own = np.where(inside & np.isfinite(own), own, outermost[pair])
        zone[ok] = np.abs(d - own)
        return edge, zone


def polygon_distances(
    levels: np.ndarray, geometries: np.ndarray, x: np.ndarray, y: np.ndarray, level: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The same distances measured to zone polygons (a delineation given as a file).

    Parameters
    ----------
    levels : ndarray of int
        Zone levels present, strictest first.
    geometries : ndarray of geometries
        Each level's own area (without the stricter ones), in the points' CRS.
    x, y : ndarray
        Points; NaN for missing ones.
    level : ndarray of int
        Zone level of each point.

    Returns
    -------
    edge, zone : ndarray of float
        ``edge`` is NaN when the polygons have no management area (level 0).

    Examples
    --------
    >>> inner, outer = shapely.box(-20, -50, 20, 50), shapely.box(-70, -50, 70, 50)
    >>> own = np.array([inner, shapely.difference(outer, inner)], dtype=object)
    >>> polygon_distances(np.array([0, 1]), own, np.array([30.0, 100.0]),
    ...                   np.array([0.0, 0.0]), np.array([1, 9]))
    (array([10., 80.]), array([40., 30.]))
    """
    n = len(x)
    edge = np.full(n, np.nan)
    zone = np.full(n, np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any() or len(levels) == 0:
        return edge, zone
    # The outer line of level L bounds every level up to L (the band from the canal out).
    reach = shapely.union_all(geometries)
    cumulative, union = {}, None
    for value, geom in zip(levels, geometries, strict=True):
        union = geom if union is None else shapely.union(union, geom)
        cumulative[int(value)] = shapely.boundary(union)
    cumulative[OUTSIDE_LEVEL] = shapely.boundary(reach)
    lvl = np.asarray(level)[ok]
    px, py = x[ok], y[ok]
    out = np.full(len(px), np.nan)
    for value, line in cumulative.items():
        hit = lvl == value
        if hit.any():
            out[hit] = distance_to_lines(line, px[hit], py[hit])
    zone[ok] = out
    if 0 in cumulative:
        edge[ok] = distance_to_lines(cumulative[0], px, py)
    return edge, zone


def distance_to_lines(lines: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance from many points to (multi)line geometry, exactly, without a GEOS call per
    point: the nearest segment of each point from a cell grid over an STRtree
    (:func:`geo_guard.canal.nearest.nearest_segments`). A zone outline has thousands of
    vertices; GEOS measures a point against every one of them (about 40 µs a point).

    Examples
    --------
    >>> ring = shapely.box(0, 0, 10, 10).boundary
    >>> distance_to_lines(ring, np.array([5.0, 13.0]), np.array([4.0, 14.0])).tolist()
    [4.0, 5.0]
    """
    parts = shapely.get_parts(shapely.get_parts(lines))  # multi-parts and collections
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    same_part = owner[:-1] == owner[1:]  # consecutive vertices of one part make a segment
    starts, ends = coords[:-1][same_part], coords[1:][same_part]
    if len(starts) == 0:
        return np.full(len(x), np.nan)
    tree = shapely.STRtree(shapely.linestrings(np.stack([starts, ends], axis=1)))
    return nearest_segments(starts, ends, tree, x, y)[1]
