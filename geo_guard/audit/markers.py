"""Boundary markers (界标) along the zone boundaries: spacing, turning points, damage.

Each intact 界标 is projected onto the nearest zone boundary within ``marker_offset_m``
(one STRtree query for all markers, one ``line_locate_point`` call for all pairs); the
positions are sorted per boundary and every stretch longer than ``marker_spacing_m`` —
from marker to marker, or from the boundary's end to the first marker — is a gap. Along
a closed ring the last stretch wraps around to the first marker.

Examples
--------
>>> from shapely.geometry import LineString, Point
>>> line = gpd.GeoDataFrame({"boundary_id": ["L1-左岸-1"], "zone_level": [1],
...     "zone": ["一级保护区"], "bank": ["左岸"], "closed": [False], "length_m": [3000.0]},
...     geometry=[LineString([(0, 0), (3000, 0)])], crs="EPSG:4547")
>>> at = np.array([0.0, 400.0, 2000.0, 2400.0, 3000.0])
>>> spots = gpd.GeoSeries([Point(p, 5) for p in at], crs="EPSG:4547")
>>> placed = project_markers(line, spots, np.array([f"J{i}" for i in range(5)]),
...                          max_offset_m=50)
>>> gaps = spacing_gaps(line, placed, spacing_m=500)
>>> gaps[["from_m", "to_m", "from_marker", "to_marker"]].values.tolist()
[[400.0, 2000.0, 'J1', 'J2'], [2400.0, 3000.0, 'J3', 'J4']]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import linemerge, substring

from geo_guard.audit.boundaries import LineIndex

__all__ = ["BOUNDARY_END", "corner_gaps", "project_markers", "spacing_gaps"]

#: How a gap that starts or ends at the boundary's end names that end.
BOUNDARY_END = "边界端点"
#: Stretches longer than the spacing by less than this (m) are not gaps (rounding).
_EPS_M = 1e-6


def project_markers(lines: gpd.GeoDataFrame, points: gpd.GeoSeries, codes: np.ndarray, *,
                    max_offset_m: float) -> pd.DataFrame:
    """Each marker's nearest boundary within ``max_offset_m`` and its position along it.

    Parameters
    ----------
    lines : GeoDataFrame
        Boundaries (``boundary_id`` …), metric CRS.
    points : GeoSeries
        The intact 界标, same CRS.
    codes : ndarray
        Their codes (编号), carried to the gaps' ends.
    max_offset_m : float

    Returns
    -------
    DataFrame
        One row per marker (same order): ``line`` (row of ``lines``, -1 when none is
        near), ``boundary_id``, ``offset_m`` (distance to it; NaN when none) and
        ``position_m`` (along it), ``code``.
    """
    line, offset, position = LineIndex(np.asarray(lines.geometry.values, dtype=object)).locate(
        np.asarray(points.values, dtype=object), max_distance=max_offset_m)
    ids = np.append(lines["boundary_id"].to_numpy(dtype=object), "")
    return pd.DataFrame({"line": line, "boundary_id": ids[line], "offset_m": offset,
                         "position_m": position, "code": np.asarray(codes, dtype=object)})


def spacing_gaps(lines: gpd.GeoDataFrame, placed: pd.DataFrame, *, spacing_m: float
                 ) -> gpd.GeoDataFrame:
    """Stretches of each boundary longer than ``spacing_m`` without an intact 界标.

    Parameters
    ----------
    lines : GeoDataFrame
        Boundaries with ``boundary_id``, ``zone_level``, ``zone``, ``bank``, ``closed``.
    placed : DataFrame
        From :func:`project_markers`.
    spacing_m : float

    Returns
    -------
    GeoDataFrame
        One row per gap, ordered by boundary then position: the boundary's columns,
        ``from_m``/``to_m`` (along the boundary; ``to_m`` may pass the length of a closed
        ring, wrapping), ``length_m``, ``from_marker``/``to_marker`` (codes, or
        :data:`BOUNDARY_END`) and the stretch of boundary as geometry.
    """
    on = placed[placed["line"] >= 0].sort_values(["line", "position_m"], kind="stable")
    line_of = on["line"].to_numpy()
    position = on["position_m"].to_numpy(dtype=float)
    code = on["code"].to_numpy(dtype=object)
    length = lines.geometry.length.to_numpy()
    closed = lines["closed"].to_numpy(dtype=bool)
    rows: list[tuple[int, float, float, str, str]] = []
    # Between consecutive markers of the same boundary.
    same = np.flatnonzero(line_of[1:] == line_of[:-1])
    rows += zip(line_of[same].tolist(), position[same].tolist(), position[same + 1].tolist(),
                code[same].tolist(), code[same + 1].tolist(), strict=True)
    # The ends: open lines from their start and to their end; rings wrap around.
    first = np.flatnonzero(np.r_[True, line_of[1:] != line_of[:-1]]) if len(on) else []
    last = np.flatnonzero(np.r_[line_of[1:] != line_of[:-1], True]) if len(on) else []
    for f, g in zip(first, last, strict=True):
        k = int(line_of[f])
        if closed[k]:
            rows.append((k, position[g], position[f] + length[k], code[g], code[f]))
        else:
            rows.append((k, 0.0, position[f], BOUNDARY_END, code[f]))
            rows.append((k, position[g], length[k], code[g], BOUNDARY_END))
    for k in sorted(set(range(len(lines))) - set(line_of.tolist())):
        rows.append((k, 0.0, length[k], BOUNDARY_END, BOUNDARY_END))
    table = pd.DataFrame(rows, columns=["line", "from_m", "to_m", "from_marker", "to_marker"])
    table["length_m"] = table["to_m"] - table["from_m"]
    table = table[table["length_m"] > spacing_m + _EPS_M].sort_values(["line", "from_m"])
    geoms = np.asarray(lines.geometry.values, dtype=object)
    stretch = [_stretch(geoms[k], a, b) for k, a, b in
               zip(table["line"], table["from_m"], table["to_m"], strict=True)]
    keep = ["boundary_id", "zone_level", "zone", "bank"]
    out = lines[keep].iloc[table["line"].to_numpy()].reset_index(drop=True)
    for column in ("from_m", "to_m", "length_m", "from_marker", "to_marker"):
        out[column] = table[column].to_numpy()
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(stretch, crs=lines.crs), crs=lines.crs)


def _stretch(line: shapely.Geometry, start: float, end: float) -> shapely.Geometry:
    """The part of a line between two positions; past the end of a ring it wraps."""
    length = line.length
    if end <= length + _EPS_M:
        return substring(line, start, min(end, length))
    merged = linemerge([substring(line, start, length), substring(line, 0.0, end - length)])
    return merged


def corner_gaps(corners: gpd.GeoDataFrame, markers: gpd.GeoSeries, *, radius_m: float
                ) -> gpd.GeoDataFrame:
    """Turning points with no intact 界标 within ``radius_m``.

    Parameters
    ----------
    corners : GeoDataFrame
        From :func:`geo_guard.audit.boundaries.turning_points`.
    markers : GeoSeries
        Intact 界标 (any boundary), same CRS.

    Returns
    -------
    GeoDataFrame
        The corners concerned with ``nearest_marker_m`` (distance to the nearest intact
        界标; NaN when there is none at all).
    """
    nearest = np.full(len(corners), np.nan)
    if len(corners) and len(markers):
        tree = shapely.STRtree(np.asarray(markers.values, dtype=object))
        pairs, distance = tree.query_nearest(np.asarray(corners.geometry.values, dtype=object),
                                             return_distance=True, all_matches=False)
        nearest[pairs[0]] = distance
    lacking = ~(nearest <= radius_m)
    return corners[lacking].assign(nearest_marker_m=nearest[lacking]).reset_index(drop=True)
