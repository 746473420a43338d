"""Boundary markers (界标) along the zone boundaries: spacing, turning points, damage,
and the audit's tables of them.

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

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import linemerge, substring

from geo_guard.audit.boundaries import LineIndex
from geo_guard.audit.place import place_points
from geo_guard.audit.rules import AuditOptions
from geo_guard.audit.vocabulary import BOUNDARY_MARKER, DAMAGED, MISSING, NO, YES
from geo_guard.canal import Canal
from geo_guard.settings import ZONE_NAMES

__all__ = ["BOUNDARY_END", "boundary_summary", "corner_gaps", "corner_rows", "damaged_rows",
           "gap_rows", "marker_rows", "project_markers", "spacing_gaps"]

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


def marker_rows(table: gpd.GeoDataFrame, valid: np.ndarray, near: pd.DataFrame,
                counted: np.ndarray, lines: gpd.GeoDataFrame, canal: Canal, index: Any,
                admin: gpd.GeoDataFrame | None, options: AuditOptions) -> gpd.GeoDataFrame:
    """Every marker with its place, zone and the boundary it stands by.

    A 界标 within reach of a boundary marks that boundary: its ``zone`` is the boundary's
    zone (it stands on the line between two zones); other markers get the zone they
    stand in.

    Parameters
    ----------
    table : GeoDataFrame
        From :func:`geo_guard.audit.inputs.prepare_markers` (metric CRS).
    valid : ndarray of int
        Rows with a position; ``near`` (from :func:`project_markers`) holds their nearest
        boundary.
    counted : ndarray of int
        Rows that count for the spacing (intact 界标).
    lines : GeoDataFrame
        The boundaries.
    canal, index, admin, options
        For the place (stake, bank, township/village), zone and the messages.

    Returns
    -------
    GeoDataFrame
        ``table`` with ``zone``, the place columns, ``boundary_id``, ``offset_m`` and
        ``counted`` (是/否) before ``status``/``reason``.
    """
    out = table.copy()
    x = np.asarray(shapely.get_x(out.geometry.values), dtype=float)
    y = np.asarray(shapely.get_y(out.geometry.values), dtype=float)
    level = index.level_of_points(x, y)
    zone = np.where(np.isfinite(x), [ZONE_NAMES.get(int(v), "") for v in level], "")
    zone = zone.astype(object)
    boundary = np.full(len(out), "", dtype=object)
    offset = np.full(len(out), np.nan)
    boundary[valid] = near["boundary_id"].to_numpy(dtype=object)
    offset[valid] = near["offset_m"].to_numpy(dtype=float)
    zone_of_line = dict(zip(lines["boundary_id"], lines["zone"], strict=True))
    on_line = (out["kind"].to_numpy(dtype=object) == BOUNDARY_MARKER) & (boundary != "")
    zone[on_line] = [zone_of_line[b] for b in boundary[on_line]]
    out["zone"] = zone
    for column, values in place_points(canal, x, y, admin).items():
        out[column] = values
    out["boundary_id"], out["offset_m"] = boundary, offset
    counts = np.zeros(len(out), dtype=bool)
    counts[counted] = True
    out["counted"] = np.where(counts & (boundary != ""), YES, NO)
    reason = out["reason"].to_numpy(dtype=object).copy()
    for i in counted[boundary[counted] == ""]:
        note = (f"距各级保护区边界均超过 {options.marker_offset_m:g} m，未计入界标间距 / more "
                f"than {options.marker_offset_m:g} m from every zone boundary: not counted")
        reason[i] = f"{reason[i]}; {note}" if reason[i] else note
    out["reason"] = reason
    columns = [c for c in out.columns if c not in ("status", "reason", "geometry")]
    return out[[*columns, "status", "reason", "geometry"]]


def damaged_rows(markers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The markers whose 状况 is 损坏 or 缺失, with their place (from :func:`marker_rows`)."""
    bad = (markers["status"] == "ok") & markers["condition"].isin([DAMAGED, MISSING])
    keep = ["input_row", "code", "kind", "condition", "zone", "bank", "stake", "chainage_m",
            "distance_m", *[c for c in ("township", "village") if c in markers], "photo",
            "geometry"]
    return markers.loc[bad, keep].reset_index(drop=True)


def gap_rows(gaps: gpd.GeoDataFrame, canal: Canal, admin: Any) -> gpd.GeoDataFrame:
    """The gaps of :func:`spacing_gaps` with ``gap_id``, the stakes of the canal opposite
    their ends (``stake_from`` upstream) and the township/village of their middle."""
    lines = np.asarray(gaps.geometry.values, dtype=object)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(lines, 0)),
                      shapely.get_coordinates(shapely.get_point(lines, -1))]) \
        if len(lines) else np.empty((0, 2))
    n = len(lines)
    where = place_points(canal, ends[:, 0], ends[:, 1])
    chainage = where["chainage_m"].reshape(2, n) if n else np.empty((2, 0))
    low, high = np.argmin(chainage, axis=0), np.argmax(chainage, axis=0)
    cols = np.arange(n)
    stakes = where["stake"].reshape(2, n) if n else np.empty((2, 0), dtype=object)
    middle = shapely.line_interpolate_point(lines, 0.5, normalized=True) if n else lines
    out = gaps.drop(columns="geometry").copy()
    out.insert(0, "gap_id", [f"JB{i + 1:03d}" for i in range(n)])
    out["chainage_from_m"] = chainage[low, cols]
    out["chainage_to_m"] = chainage[high, cols]
    out["stake_from"] = stakes[low, cols]
    out["stake_to"] = stakes[high, cols]
    if admin is not None:
        mx, my = shapely.get_x(middle), shapely.get_y(middle)
        mid = place_points(canal, np.asarray(mx, float), np.asarray(my, float), admin)
        out["township"], out["village"] = mid.get("township"), mid.get("village")
    columns = ["gap_id", "zone", "zone_level", "bank", "boundary_id", "length_m",
               "chainage_from_m", "chainage_to_m", "stake_from", "stake_to", "from_marker",
               "to_marker", *[c for c in ("township", "village") if c in out], "from_m", "to_m"]
    return gpd.GeoDataFrame(out[columns], geometry=gpd.GeoSeries(lines, crs=gaps.crs),
                            crs=gaps.crs)


def corner_rows(lacking: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, canal: Canal,
                admin: Any) -> gpd.GeoDataFrame:
    """The turning points of :func:`corner_gaps` with ``corner_id``, their boundary's zone
    and bank, stake and township/village."""
    info = lines.set_index("boundary_id")[["zone", "zone_level", "bank"]]
    out = lacking.join(info, on="boundary_id")
    xy = shapely.get_coordinates(out.geometry.values)
    for column, values in place_points(canal, xy[:, 0], xy[:, 1], admin).items():
        if column not in ("bank", "distance_m"):
            out[column] = values
    out.insert(0, "corner_id", [f"GD{i + 1:03d}" for i in range(len(out))])
    columns = ["corner_id", "zone", "zone_level", "bank", "boundary_id", "turn_deg",
               "nearest_marker_m", "chainage_m", "stake",
               *[c for c in ("township", "village") if c in out], "position_m", "geometry"]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=lines.crs)


def boundary_summary(lines: gpd.GeoDataFrame, placed: pd.DataFrame, gaps: gpd.GeoDataFrame,
                     corners: gpd.GeoDataFrame, lacking: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Per boundary: intact ``markers``, ``max_spacing_m`` between two of them, ``gaps``
    and their total ``gap_m``, ``corners`` and ``corners_without_marker``."""
    out = lines.copy()
    on = placed[placed["line"] >= 0].sort_values(["line", "position_m"])
    counts = on.groupby("line").size()
    spacing = on.groupby("line")["position_m"].apply(
        lambda p: float(np.diff(p.to_numpy()).max()) if len(p) > 1 else np.nan)
    k = np.arange(len(out))
    out["markers"] = counts.reindex(k, fill_value=0).to_numpy()
    out["max_spacing_m"] = spacing.reindex(k).to_numpy(dtype=float)
    out["gaps"] = gaps.groupby("boundary_id").size().reindex(out["boundary_id"],
                                                               fill_value=0).to_numpy()
    out["gap_m"] = gaps.groupby("boundary_id")["length_m"].sum().reindex(
        out["boundary_id"], fill_value=0.0).to_numpy()
    out["corners"] = corners.groupby("boundary_id").size().reindex(
        out["boundary_id"], fill_value=0).to_numpy()
    out["corners_without_marker"] = lacking.groupby("boundary_id").size().reindex(
        out["boundary_id"], fill_value=0).to_numpy()
    return out
