"""Linear works crossing the zones (穿越保护区的道路、桥梁、管线、铁路): where each enters a
zone, whether a warning sign (警示牌) stands there, and which facilities are missing.

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

import numpy as np
import pandas as pd
import shapely

from geo_guard.audit.boundaries import LineIndex
from geo_guard.audit.rules import AuditOptions
from geo_guard.audit.vocabulary import ABSENT, FACILITIES, PRESENT, UNKNOWN
from geo_guard.settings import FIRST_LEVEL, ZONE_NAMES

__all__ = ["NOT_REQUIRED", "entry_points", "facility_findings", "sign_distances"]

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
