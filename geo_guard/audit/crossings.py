"""Linear works crossing the zones (穿越保护区的道路、桥梁、管线、铁路): where each enters a
zone, whether a warning sign (警示牌) stands there, which facilities are missing, and the
audit's tables of them.

An *entry* is a place where the line crosses the outer boundary of the union of levels
``<= L`` for a checked level ``L`` (一级, 二级): travelling either way, a road enters the
zone there (State Council order 647 art. 41 asks for warning and limit signs at road
junctions and bridge entrances of the zones). A line wholly inside a zone gets one row at
a point on it. Kinds in ``sign_kinds`` (roads, bridges) need an intact 警示牌 within
``sign_radius_m`` of each entry.

Crossings of the 一级 zone or of the canal itself need the facilities of HJ 773-2015
(防撞护栏, 事故导流槽, 应急池, as the rules require per kind): each is reported present,
missing, or unknown (an empty or unreadable cell is never taken as present).

Examples
--------
>>> from shapely.geometry import LineString, Point, box
>>> unions = {1: box(-60, -1000, 60, 1000), 2: box(-200, -1000, 200, 1000)}
>>> road = LineString([(-500, 0), (500, 0)])
>>> entries = entry_points(np.array([road]), unions, levels=(1, 2))
>>> sorted(zip(entries["zone_level"].tolist(),
...            shapely.get_x(entries["point"].to_numpy()).tolist()))
[(1, -60.0), (1, 60.0), (2, -200.0), (2, 200.0)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard.audit.boundaries import LineIndex
from geo_guard.audit.inputs import prepare_crossings
from geo_guard.audit.place import place_points
from geo_guard.audit.rules import AuditOptions
from geo_guard.audit.vocabulary import ABSENT, FACILITIES, NO, PRESENT, UNKNOWN, YES
from geo_guard.canal import Canal
from geo_guard.settings import FIRST_LEVEL, ZONE_NAMES

__all__ = ["NOT_REQUIRED", "crossing_tables", "empty_entries", "entry_points",
           "facility_findings", "sign_distances"]

NOT_REQUIRED = "不要求"
WHOLLY_INSIDE = "全线在保护区内"
#: An entry of a wider level this close to one of a stricter level is the same place.
_SAME_PLACE_M = 0.5


def entry_points(lines: np.ndarray, unions: Mapping[int, shapely.Geometry],
                 levels: Sequence[int]) -> pd.DataFrame:
    """Where each line enters each checked level (both directions of travel).

    Parameters
    ----------
    lines : ndarray of LineString
        The crossings, metric CRS.
    unions : mapping
        Level -> union of the zones of that level and stricter ones.
    levels : sequence of int
        Levels whose entries are wanted.

    Returns
    -------
    DataFrame
        ``line`` (position in ``lines``), ``zone_level``, ``entry`` (``进入一级保护区`` …,
        or ``全线在保护区内``), ``along_m`` (position along the line) and ``point``; by
        line, then along the line.
    """
    found = [lv for lv in sorted(levels) if lv in unions]
    frames = []
    for level in found:
        rings = shapely.get_exterior_ring(shapely.get_parts(unions[level]))
        # Short pieces of the boundary in a tree: each crossing meets only a few of them.
        pieces = LineIndex(rings[~shapely.is_empty(rings)]).pieces
        line_of, piece_of = shapely.STRtree(pieces).query(lines, predicate="intersects")
        if not len(line_of):
            continue
        cuts = shapely.intersection(lines[line_of], pieces[piece_of])
        parts, owner = shapely.get_parts(cuts, return_index=True)
        # A stretch running along the boundary enters where it starts.
        linear = shapely.get_type_id(parts) != 0
        parts[linear] = shapely.get_point(parts[linear], 0)
        # Where a crossing passes through the joint of two pieces it is found twice; the
        # repeat is dropped below with the other same-place entries.
        frames.append(pd.DataFrame({"line": line_of[owner], "zone_level": level,
                                    "point": parts}))
    table = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame({"line": pd.Series(dtype=np.int64),
                                "zone_level": pd.Series(dtype=np.int64),
                                "point": pd.Series(dtype=object)}))
    table = _drop_repeats(table)
    table["entry"] = [f"进入{ZONE_NAMES[int(lv)]}" for lv in table["zone_level"]]
    if found:
        outer = unions[found[-1]]
        inside = np.flatnonzero(shapely.intersects(outer, lines))
        alone = np.setdiff1d(inside, table["line"].to_numpy())
        if len(alone):
            # Wholly inside: one row, at a point on the line.
            levels_in = [min(lv for lv in found if shapely.intersects(unions[lv], lines[i]))
                         for i in alone]
            points = shapely.point_on_surface(lines[alone])
            extra = pd.DataFrame({"line": alone, "zone_level": levels_in, "point": points,
                                  "entry": WHOLLY_INSIDE})
            table = pd.concat([table, extra], ignore_index=True)
    table["along_m"] = (shapely.line_locate_point(lines[table["line"].to_numpy()],
                                                  table["point"].to_numpy())
                        if len(table) else np.empty(0))
    table = table.sort_values(["line", "along_m"], kind="stable").reset_index(drop=True)
    return table[["line", "zone_level", "entry", "along_m", "point"]]


def _drop_repeats(table: pd.DataFrame) -> pd.DataFrame:
    """Drop an entry of a wider level at the place of a stricter one (where the stricter
    zone reaches the outer line, a road enters it directly)."""
    if len(table) < 2:
        return table.reset_index(drop=True)
    table = table.sort_values(["line", "zone_level"], kind="stable").reset_index(drop=True)
    xy = shapely.get_coordinates(table["point"].to_numpy())
    keep = np.ones(len(table), dtype=bool)
    for _, rows in table.groupby("line").indices.items():
        for j, r in enumerate(rows):
            earlier = rows[:j][keep[rows[:j]]]
            if len(earlier) and (np.hypot(*(xy[earlier] - xy[r]).T) < _SAME_PLACE_M).any():
                keep[r] = False
    return table[keep].reset_index(drop=True)


def sign_distances(points: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest intact warning sign (inf without signs)."""
    out = np.full(len(points), np.inf)
    if len(points) and len(signs):
        tree = shapely.STRtree(signs)
        pairs, distance = tree.query_nearest(points, return_distance=True, all_matches=False)
        out[pairs[0]] = distance
    return out


def facility_findings(crossings: pd.DataFrame, checked: np.ndarray, options: AuditOptions
                      ) -> pd.DataFrame:
    """Per crossing: each facility's state, what is missing and what is unknown.

    Parameters
    ----------
    crossings : DataFrame
        Prepared crossings (``kind`` and one 有/无/不明 column per facility).
    checked : ndarray of bool
        Which crossings cross the 一级 zone or the canal (the others need no facility).
    options : AuditOptions

    Returns
    -------
    DataFrame
        Same index: one column per facility (有 / 无 / 不明, 不要求 where the kind needs
        none, "" where not checked), ``missing`` and ``unknown`` (names joined by 、).

    Examples
    --------
    >>> table = pd.DataFrame({"kind": ["道路", "道路"], "crash_barrier": ["有", "无"],
    ...     "drainage_channel": ["有", "不明"], "emergency_pool": ["有", "无"]})
    >>> out = facility_findings(table, np.array([True, True]), AuditOptions())
    >>> out[["missing", "unknown"]].values.tolist()
    [['', ''], ['防撞护栏、应急池', '事故导流槽']]
    """
    out = pd.DataFrame(index=crossings.index)
    missing: list[list[str]] = [[] for _ in range(len(crossings))]
    unknown: list[list[str]] = [[] for _ in range(len(crossings))]
    kinds = crossings["kind"].to_numpy(dtype=object)
    for key, name in FACILITIES:
        values = crossings[key].to_numpy(dtype=object)
        column = np.full(len(crossings), "", dtype=object)
        for i in np.flatnonzero(checked):
            if name not in options.required_for(kinds[i]):
                column[i] = NOT_REQUIRED
                continue
            column[i] = values[i]
            if values[i] == ABSENT:
                missing[i].append(name)
            elif values[i] != PRESENT:
                column[i] = UNKNOWN
                unknown[i].append(name)
        out[key] = column
    out["missing"] = ["、".join(m) for m in missing]
    out["unknown"] = ["、".join(u) for u in unknown]
    return out


def crosses_first_zone(lines: np.ndarray, unions: Mapping[int, shapely.Geometry],
                       canal_line: shapely.Geometry) -> np.ndarray:
    """Which lines cross the 一级 zone (with the management area inside it) or the canal."""
    hit = shapely.intersects(canal_line, lines)
    if FIRST_LEVEL in unions:
        hit |= shapely.intersects(unions[FIRST_LEVEL], lines)
    return np.asarray(hit, dtype=bool)


_ENTRY_COLUMNS = ["crossing_id", "name", "kind", "input_row", "entry", "zone", "zone_level",
                  "bank", "chainage_m", "stake", "sign", "sign_distance_m",
                  "crosses_first_zone", *[key for key, _ in FACILITIES], "missing", "unknown",
                  "findings"]


def empty_entries(canal: Canal) -> gpd.GeoDataFrame:
    """The entries table when no crossings are given: its columns, no rows."""
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in _ENTRY_COLUMNS},
                            geometry=gpd.GeoSeries([], crs=canal.metric_crs),
                            crs=canal.metric_crs)


def crossing_tables(crossings: gpd.GeoDataFrame, crs: Any, canal: Canal,
                    unions: dict[int, Any], signs: np.ndarray, admin: Any,
                    options: AuditOptions) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The crossings' entries (one row per place a line enters a checked zone) and the list
    of every input crossing, both in the canal's metric CRS.

    Parameters
    ----------
    crossings : GeoDataFrame
        As read (see :func:`geo_guard.audit.inputs.prepare_crossings`).
    crs : optional
        The crossings' CRS when the file has none or a wrong one.
    canal : Canal
    unions : dict
        From :func:`geo_guard.audit.boundaries.level_unions`.
    signs : ndarray of Point
        Intact warning signs.
    admin : GeoDataFrame, optional
    options : AuditOptions

    Returns
    -------
    (GeoDataFrame, GeoDataFrame)
        Entries (points) and crossings (lines).
    """
    table = prepare_crossings(crossings, canal.metric_crs, crs=crs)
    ok = np.flatnonzero((table["status"] == "ok").to_numpy())
    lines = np.asarray(table.geometry.values, dtype=object)[ok]
    entries = entry_points(lines, unions, options.crossing_levels)
    checked = np.zeros(len(table), dtype=bool)
    checked[ok] = crosses_first_zone(lines, unions, canal.line)
    facilities = facility_findings(table, checked, options)
    rows = ok[entries["line"].to_numpy(dtype=np.int64)]
    points = entries["point"].to_numpy(dtype=object)
    kinds = table["kind"].to_numpy(dtype=object)[rows]
    needs_sign = np.isin(kinds, list(options.sign_kinds))
    distance = sign_distances(points, signs)
    sign = np.where(~needs_sign, NOT_REQUIRED,
                    np.where(distance <= options.sign_radius_m, "有", "无"))
    xy = shapely.get_coordinates(points) if len(points) else np.empty((0, 2))
    where = place_points(canal, xy[:, 0], xy[:, 1], admin)
    out = pd.DataFrame({
        "crossing_id": [f"CX{r + 1:03d}" for r in rows],
        "name": table["name"].to_numpy(dtype=object)[rows],
        "kind": kinds,
        "input_row": table["input_row"].to_numpy()[rows],
        "entry": entries["entry"].to_numpy(dtype=object),
        "zone": [ZONE_NAMES[int(v)] for v in entries["zone_level"]],
        "zone_level": entries["zone_level"].to_numpy(dtype=np.int64),
        "bank": where["bank"], "chainage_m": where["chainage_m"], "stake": where["stake"],
        "sign": sign,
        "sign_distance_m": np.where(np.isfinite(distance), distance, np.nan),
        "crosses_first_zone": np.where(checked[rows], YES, NO),
    })
    for key in [k for k, _ in FACILITIES] + ["missing", "unknown"]:
        out[key] = facilities[key].to_numpy(dtype=object)[rows]
    for column in ("village", "township"):  # each inserted right after the stake
        if column in where:
            out.insert(out.columns.get_loc("stake") + 1, column, where[column])
    out["findings"] = [_entry_finding(s, e, m, u, options) for s, e, m, u in
                       zip(out["sign"], out["entry"], out["missing"], out["unknown"],
                           strict=True)]
    entry_frame = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(points, crs=canal.metric_crs),
                                   crs=canal.metric_crs)
    return entry_frame, _crossing_list(table, entries, rows, out, checked, facilities, unions,
                                       lines, ok, options)


def _entry_finding(sign: str, entry: str, missing: str, unknown: str,
                   options: AuditOptions) -> str:
    parts = []
    if sign == "无":
        parts.append(f"{entry}处 {options.sign_radius_m:g} m 内无完好警示牌")
    if missing:
        parts.append(f"缺{missing}")
    if unknown:
        parts.append(f"{unknown}情况不明（需核实）")
    return "；".join(parts)


def _crossing_list(table: gpd.GeoDataFrame, entries: pd.DataFrame, rows: np.ndarray,
                   out: pd.DataFrame, checked: np.ndarray, facilities: pd.DataFrame,
                   unions: dict[int, Any], lines: np.ndarray, ok: np.ndarray,
                   options: AuditOptions) -> gpd.GeoDataFrame:
    """Every input crossing: the zones it reaches, its entries and findings."""
    n = len(table)
    reached = np.full(n, "", dtype=object)
    for level in sorted(options.crossing_levels, reverse=True):
        if level in unions:
            hit = ok[shapely.intersects(unions[level], lines)]
            reached[hit] = ZONE_NAMES[level]
    entries_n = np.bincount(rows, minlength=n)
    unsigned = np.bincount(rows[out["sign"].to_numpy() == "无"], minlength=n)
    listing = table.copy()
    listing["zone"] = np.where(reached == "", "不进入检查的保护区", reached)
    listing["crosses_first_zone"] = np.where(checked, YES, NO)
    listing["entries"] = entries_n
    listing["entries_without_sign"] = unsigned
    listing["missing"], listing["unknown"] = facilities["missing"], facilities["unknown"]
    findings = [
        "；".join(filter(None, (
            f"{k} 处进入点无完好警示牌" if k else "",
            f"缺{m}" if m else "",
            f"{u}情况不明（需核实）" if u else "",
            "不进入一级、二级保护区，不检查" if st == "ok" and not r else "")))
        for k, m, u, st, r in zip(unsigned.tolist(), facilities["missing"].tolist(),
                                  facilities["unknown"].tolist(), table["status"].tolist(),
                                  reached.tolist(), strict=True)]
    listing["findings"] = findings
    columns = [c for c in listing.columns if c not in ("status", "reason", "geometry")]
    return listing[[*columns, "status", "reason", "geometry"]]
