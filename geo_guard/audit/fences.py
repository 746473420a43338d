"""Isolation fences (隔离防护网) along the management edge (管理范围边线): the unfenced
stretches.

The edge of each bank counts as fenced where an intact fence lies within
``fence_buffer_m``: the edge minus the buffered fences is what is open, and each open
piece longer than ``min_fence_gap_m`` is a gap. Damaged or missing fence pieces (状况
损坏/缺失) do not fence; a gap next to one says so.

Examples
--------
>>> from shapely.geometry import LineString
>>> edge = gpd.GeoDataFrame({"boundary_id": ["L0-左岸-1"], "zone_level": [0],
...     "zone": ["管理范围"], "bank": ["左岸"], "closed": [False]},
...     geometry=[LineString([(0, 0), (1000, 0)])], crs="EPSG:4547")
>>> fence = np.array([LineString([(0, 2), (300, 2)]), LineString([(600, 2), (1000, 2)])])
>>> gaps = fence_gaps(edge, fence, np.array([], dtype=object), buffer_m=10, min_gap_m=20)
>>> gaps[["from_m", "to_m"]].round(2).values.tolist()
[[309.8, 590.2]]
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard.audit.inputs import prepare_fences
from geo_guard.audit.place import place_points
from geo_guard.audit.rules import AuditOptions
from geo_guard.audit.vocabulary import INTACT, NO, YES
from geo_guard.canal import Canal
from geo_guard.canal.geometry import ARC_SEGMENTS
from geo_guard.settings import MANAGEMENT_LEVEL

__all__ = ["fence_gaps", "fence_table"]


def fence_gaps(edges: gpd.GeoDataFrame, intact: np.ndarray, broken: np.ndarray, *,
               buffer_m: float, min_gap_m: float) -> gpd.GeoDataFrame:
    """Stretches of the management edge with no intact fence within ``buffer_m``.

    Parameters
    ----------
    edges : GeoDataFrame
        Management-edge lines per bank (``boundary_id``, ``bank`` …), metric CRS.
    intact, broken : ndarray of LineString
        Intact fences, and damaged or missing ones (same CRS).
    buffer_m, min_gap_m : float

    Returns
    -------
    GeoDataFrame
        One row per gap: the edge's columns, ``from_m``/``to_m`` along it, ``length_m``,
        ``damaged_fence`` (a damaged or missing fence lies along it) and the open stretch.
    """
    geoms = np.asarray(edges.geometry.values, dtype=object)
    fenced = (shapely.union_all(shapely.buffer(intact, buffer_m, quad_segs=ARC_SEGMENTS))
              if len(intact) else shapely.Polygon())
    shapely.prepare(fenced)
    open_parts = shapely.difference(geoms, fenced)
    parts, owner = shapely.get_parts(shapely.line_merge(open_parts), return_index=True)
    lines_only = shapely.get_type_id(parts) == 1  # no stray points where a buffer touches
    parts, owner = parts[lines_only], owner[lines_only]
    long = shapely.length(parts) > min_gap_m
    parts, owner = parts[long], owner[long]
    start = shapely.line_locate_point(geoms[owner], shapely.get_point(parts, 0))
    end = shapely.line_locate_point(geoms[owner], shapely.get_point(parts, -1))
    low, high = np.minimum(start, end), np.maximum(start, end)
    damaged = np.zeros(len(parts), dtype=bool)
    if len(broken) and len(parts):
        tree = shapely.STRtree(broken)
        near, _ = tree.query(parts, predicate="dwithin", distance=buffer_m)
        damaged[np.unique(near)] = True
    out = edges[["boundary_id", "zone_level", "zone", "bank"]].iloc[owner].reset_index(drop=True)
    out["from_m"], out["to_m"] = low, high
    out["length_m"] = shapely.length(parts)
    out["damaged_fence"] = damaged
    order = np.lexsort((low, owner))
    frame = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(parts, crs=edges.crs), crs=edges.crs)
    return frame.iloc[order].reset_index(drop=True) if len(frame) else frame


def fence_table(fences: gpd.GeoDataFrame, crs: Any, outlines: gpd.GeoDataFrame,
                canal: Canal, admin: Any, options: AuditOptions) -> gpd.GeoDataFrame:
    """The unfenced stretches of the management edge (``outlines`` of level 0) with
    ``gap_id``, stakes, township/village and ``damaged_fence`` (是/否), metric CRS."""
    table = prepare_fences(fences, canal.metric_crs, crs=crs)
    ok = (table["status"] == "ok").to_numpy()
    condition = table["condition"].to_numpy(dtype=object)
    geoms = np.asarray(table.geometry.values, dtype=object)
    edges = outlines[outlines["zone_level"] == MANAGEMENT_LEVEL].reset_index(drop=True)
    gaps = fence_gaps(edges, geoms[ok & (condition == INTACT)],
                      geoms[ok & (condition != INTACT)], buffer_m=options.fence_buffer_m,
                      min_gap_m=options.min_fence_gap_m)
    lines = np.asarray(gaps.geometry.values, dtype=object)
    out = gaps.drop(columns="geometry")
    out.insert(0, "gap_id", [f"GL{i + 1:03d}" for i in range(len(out))])
    if len(out):
        ends = np.vstack([shapely.get_coordinates(shapely.get_point(lines, 0)),
                          shapely.get_coordinates(shapely.get_point(lines, -1))])
        chainage = place_points(canal, ends[:, 0], ends[:, 1])["chainage_m"].reshape(2, -1)
        out["chainage_from_m"], out["chainage_to_m"] = chainage.min(0), chainage.max(0)
        out["stake_from"] = [canal.stake(c) for c in out["chainage_from_m"]]
        out["stake_to"] = [canal.stake(c) for c in out["chainage_to_m"]]
        if admin is not None:
            middle = shapely.line_interpolate_point(lines, 0.5, normalized=True)
            mid = place_points(canal, shapely.get_x(middle), shapely.get_y(middle), admin)
            out["township"], out["village"] = mid.get("township"), mid.get("village")
    else:
        for column in ("chainage_from_m", "chainage_to_m"):
            out[column] = pd.Series(dtype=float)
        for column in ("stake_from", "stake_to"):
            out[column] = pd.Series(dtype=object)
    out["damaged_fence"] = np.where(out["damaged_fence"].astype(bool), YES, NO)
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(lines, crs=canal.metric_crs),
                            crs=canal.metric_crs)
