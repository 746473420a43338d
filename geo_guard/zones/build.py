"""Protection-zone polygons: management area and zone rings per segment and bank.

Widths come from the first matching rule (:mod:`geo_guard.rules`) and are measured outward
from the management edge: the management area reaches ``edge`` metres from the
centerline, the first-class zone ``edge + first``, the second-class zone
``edge + first + second`` and so on. All geometry is built in the canal's metric CRS.

How the pieces fit: each segment owns a *territory*, the part of the plane nearest to it,
cut off at each junction by the line that bisects the canal's turn there; each territory
is split into banks by the centerline. A zone ring of a segment and bank is the band
between two buffers of the segment inside that territory. Territories do not overlap and
leave no hole, so where neighbouring segments have different widths the boundary steps
at the junction without sliver, hole or overlap; for uniform widths the union equals the
plain buffer of the centerline (round ends included, as the distance rule implies).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> from geo_guard.canal.model import Canal
>>> from geo_guard.zones.rules import rules_from_text
>>> canal = Canal.from_frame(gpd.GeoDataFrame(
...     geometry=[LineString([(500000, 3650000), (502000, 3650000)])], crs="EPSG:4547"))
>>> rules = rules_from_text('''
... [defaults]
... edge_m = 20
... [[rules]]
... default = true
... widths = { first = 50, second = 150 }
... ''')
>>> zones = build_zones(canal, rules)
>>> zones[["zone", "bank", "width_m"]].head(3).values.tolist()
[['管理范围', '左岸', 20.0], ['一级保护区', '左岸', 50.0], ['二级保护区', '左岸', 150.0]]
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Polygon
from shapely.ops import split, substring

from geo_guard._errors import OptionError, RulesError
from geo_guard.canal.geometry import ARC_SEGMENTS, GRID_M, polygonal, to_crs_valid
from geo_guard.canal.model import Canal
from geo_guard.settings import (
    BANK_LEFT,
    BANK_RIGHT,
    MANAGEMENT_LEVEL,
    MAX_REACH_M,
    ZONE_NAMES,
)
from geo_guard.zones.rules import ZoneRules

logger = logging.getLogger(__name__)

#: How zones end at the two ends of the centerline (see :func:`build_zones`).
END_STYLES = ("round", "flat")

ZONE_COLUMNS = [
    "zone",
    "zone_level",
    "bank",
    "segment_id",
    "rule",
    "width_m",
    "inner_m",
    "outer_m",
    "area_m2",
    "geometry",
]


def segment_widths(canal: Canal, rules: ZoneRules) -> pd.DataFrame:
    """Rule, edge and outer distance of every zone level, per segment and bank.

    Returns
    -------
    DataFrame
        One row per segment (in order) and bank with ``segment_index``, ``segment_id``,
        ``bank``, ``rule``, ``corridor_m`` and, per level ``L`` (0 = management area),
        ``width_L`` and ``outer_L`` (distance from the centerline to the outer line).

    Examples
    --------
    >>> first = segment_widths(canal, rules).iloc[0]  # S01, left bank: edge 60 m
    >>> first["bank"], [float(first[f"outer_{level}"]) for level in (0, 1, 2)]
    ('左岸', [60.0, 110.0, 610.0])
    """
    rows = []
    for index, seg in enumerate(canal.segments.itertuples(index=False)):
        attributes = seg._asdict()
        label = f"segment {seg.segment_id}"
        rule = rules.match(attributes, label=label)
        for bank, edge_column in ((BANK_LEFT, "edge_left_m"), (BANK_RIGHT, "edge_right_m")):
            edge = rules.edge_for(rule, attributes.get(edge_column), label=f"{label} {bank}")
            row: dict[str, Any] = {
                "segment_index": index,
                "segment_id": seg.segment_id,
                "bank": bank,
                "rule": rule.name,
                "corridor_m": rules.corridor_for(rule),
                f"width_{MANAGEMENT_LEVEL}": edge,
                f"outer_{MANAGEMENT_LEVEL}": edge,
            }
            outer = edge
            for level, width in rule.widths_for(bank).items():
                outer += width
                row[f"width_{level}"] = width
                row[f"outer_{level}"] = outer
            reach = max(outer, edge + row["corridor_m"])
            if reach > MAX_REACH_M:  # the edge may come from the canal, not the rules
                raise RulesError(
                    f"{label} {bank}: management edge {edge:,.0f} m plus the zone or corridor "
                    f"widths of rule '{rule.name}' reach {reach:,.0f} m from the centerline; "
                    f"the outer line must stay within {MAX_REACH_M / 1000:.0f} km: check "
                    "edge_left_m/edge_right_m and the widths (metres)"
                )
            rows.append(row)
    return pd.DataFrame(rows)


def build_zones(
    canal: Canal,
    rules: ZoneRules,
    *,
    clip: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    crs: Any = None,
    ends: str = "round",
) -> gpd.GeoDataFrame:
    """Management area and zone rings per segment and bank.

    Parameters
    ----------
    canal : Canal
    rules : ZoneRules
    clip : GeoDataFrame or GeoSeries, optional
        Study area: zones are cut to it (any CRS; it is reprojected).
    crs : optional
        CRS of the result; default the canal's (the caller's) CRS.
    ends : {"round", "flat"}
        At the two ends of the centerline: ``round`` follows the distance rule (the zones
        of a canal that ends there); ``flat`` cuts square across (a stretch of a longer
        canal, such as one district's part).

    Returns
    -------
    GeoDataFrame
        Columns ``zone`` (Chinese name), ``zone_level`` (0 = management area, 1, 2, 3),
        ``bank``, ``segment_id``, ``rule``, ``width_m``, ``inner_m``/``outer_m`` (distances
        from the centerline), ``area_m2`` (in the metric CRS) and geometry. Rows are
        ordered by segment, bank, level. Pieces emptied by the clip are left out.

    Examples
    --------
    >>> round(float(build_zones(canal, rules)["area_m2"].sum()) / 1e6, 1)  # km²
    65.0
    """
    if ends not in END_STYLES:
        raise OptionError(f"ends must be one of {', '.join(END_STYLES)}, not {ends!r}")
    widths = segment_widths(canal, rules)
    zones = _zone_rings(canal, widths, ends)
    if clip is not None:
        area = _clip_area(clip, canal)
        zones["geometry"] = polygonal(
            shapely.intersection(zones.geometry.values, area, grid_size=GRID_M)
        )
        zones = zones[~zones.geometry.is_empty].reset_index(drop=True)
    zones["area_m2"] = zones.geometry.area
    return to_crs_valid(zones[ZONE_COLUMNS], canal.crs if crs is None else crs)


def dissolve_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per zone level, with its total area.

    Examples
    --------
    >>> dissolve_zones(build_zones(canal, rules))["zone"].tolist()
    ['管理范围', '一级保护区', '二级保护区', '准保护区']
    """
    grouped = zones.dissolve(by="zone_level", aggfunc={"area_m2": "sum"}, as_index=False)
    grouped["zone"] = grouped["zone_level"].map(ZONE_NAMES)
    return grouped[["zone", "zone_level", "area_m2", "geometry"]].sort_values(
        "zone_level", ignore_index=True
    )


# --------------------------------------------------------------------- internals
def _zone_rings(canal: Canal, widths: pd.DataFrame, ends: str) -> gpd.GeoDataFrame:
    """Rings per segment, bank and level, in the metric CRS (vectorised per level)."""
    levels = sorted(int(c.split("_")[1]) for c in widths.columns if c.startswith("outer_"))
    reach = float(np.nanmax(widths[[f"outer_{lvl}" for lvl in levels]].to_numpy()))
    territory = bank_territories(canal, reach, ends=ends)  # keyed by (segment_index, bank)
    segments = canal.segments.geometry.values
    records = []
    previous = None
    for level in levels:
        outer = widths[f"outer_{level}"].to_numpy()
        has = np.isfinite(outer)
        geoms = np.full(len(widths), None, dtype=object)
        seg = segments[widths["segment_index"].to_numpy()[has]]
        own = np.array(
            [
                territory[k]
                for k in zip(widths["segment_index"][has], widths["bank"][has], strict=True)
            ],
            dtype=object,
        )
        band = shapely.buffer(seg, outer[has], quad_segs=ARC_SEGMENTS)
        geoms[has] = polygonal(shapely.intersection(band, own, grid_size=GRID_M))
        ring = geoms if previous is None else _difference(geoms, previous)
        inner = (
            widths[f"outer_{levels[levels.index(level) - 1]}"].to_numpy()
            if level != levels[0]
            else np.zeros(len(widths))
        )
        records.append(
            pd.DataFrame(
                {
                    "zone": ZONE_NAMES[level],
                    "zone_level": level,
                    "bank": widths["bank"],
                    "segment_id": widths["segment_id"],
                    "rule": widths["rule"],
                    "width_m": widths[f"width_{level}"],
                    "inner_m": inner,
                    "outer_m": outer,
                    "geometry": ring,
                    "_order": widths.index * 10 + level,
                }
            )
        )
        # Where a bank has no such level the previous outer line stays the limit.
        previous = np.where(has, geoms, previous) if previous is not None else geoms
    table = pd.concat(records, ignore_index=True)
    table = table[table["geometry"].notna()]
    table = table[~shapely.is_empty(table["geometry"].to_numpy())]
    table = table.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=canal.metric_crs)


def _difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.full(len(a), None, dtype=object)
    both = np.array([x is not None and y is not None for x, y in zip(a, b, strict=True)])
    out[both] = polygonal(shapely.difference(a[both], b[both], grid_size=GRID_M))
    return out


def bank_territories(
    canal: Canal, reach: float, *, ends: str = "round"
) -> dict[tuple[int, str], Any]:
    """Part of the plane owned by each segment and bank, out to ``reach`` metres.

    With ``ends="flat"`` the canal's two ends are cut square, as if the line went on
    straight: the same cut as at a junction with no turn.
    """
    segments = canal.segments.geometry.values
    n = len(segments)
    radius = reach + 10.0
    territories = shapely.buffer(segments, radius, quad_segs=ARC_SEGMENTS)
    if ends == "flat":
        head, tail = _straight_continuations(canal.line)
        before, _ = _junction_half_discs(head, segments[0], radius)
        _, after = _junction_half_discs(segments[-1], tail, radius)
        territories[0] = polygonal(shapely.difference(territories[0], before, grid_size=GRID_M))
        territories[-1] = polygonal(
            shapely.difference(territories[-1], after, grid_size=GRID_M)
        )
    for j in range(1, n):
        before, after = _junction_half_discs(segments[j - 1], segments[j], radius)
        territories[j - 1] = polygonal(
            shapely.difference(territories[j - 1], after, grid_size=GRID_M)
        )
        territories[j] = polygonal(shapely.difference(territories[j], before, grid_size=GRID_M))
    extended = _extended_line(canal.line, 2 * radius)
    out: dict[tuple[int, str], Any] = {}
    for i in range(n):
        start, end = canal.segments["start_m"].iat[i], canal.segments["end_m"].iat[i]
        # The local centerline reaches past both ends so it cuts the whole territory.
        local = substring(extended, start, end + 4 * radius)
        pieces = split(territories[i], local).geoms if local.length else [territories[i]]
        sides = _sides(canal, [p.representative_point() for p in pieces])
        for bank, sign in ((BANK_LEFT, 1), (BANK_RIGHT, -1)):
            parts = [p for p, s in zip(pieces, sides, strict=True) if s == sign]
            out[(i, bank)] = shapely.union_all(parts, grid_size=GRID_M) if parts else Polygon()
    return out


def _sides(canal: Canal, points: list[Any]) -> np.ndarray:
    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    return canal.locate(xy[:, 0], xy[:, 1]).side


def _straight_continuations(line: LineString) -> tuple[LineString, LineString]:
    """One-metre straight pieces before the start and after the end of ``line``."""
    xy = shapely.get_coordinates(line)
    head = LineString([xy[0] - _unit(xy[1] - xy[0]), xy[0]])
    tail = LineString([xy[-1], xy[-1] + _unit(xy[-1] - xy[-2])])
    return head, tail


def _extended_line(line: LineString, length: float) -> LineString:
    """The centerline with straight extensions of ``length`` metres at both ends.

    The extension makes the bank split continue past the canal's ends, so the round end
    caps are halved between the banks. Measures along the result are shifted by
    ``length``; :func:`bank_territories` accounts for that.
    """
    xy = shapely.get_coordinates(line)
    head = xy[0] - _unit(xy[1] - xy[0]) * length
    tail = xy[-1] + _unit(xy[-1] - xy[-2]) * length
    return LineString(np.vstack([head, xy, tail]))


def _junction_half_discs(
    incoming: LineString, outgoing: LineString, radius: float
) -> tuple[Polygon, Polygon]:
    """Half discs behind and ahead of the line bisecting the turn at a junction."""
    a = shapely.get_coordinates(incoming)
    b = shapely.get_coordinates(outgoing)
    centre = b[0]
    t_in, t_out = _unit(a[-1] - a[-2]), _unit(b[1] - b[0])
    direction = _unit(t_in + t_out)
    if not np.all(np.isfinite(direction)):  # a U-turn: fall back to the outgoing direction
        direction = t_out
    # A buffer of the outgoing segment bulges behind the bisector up to
    # radius * (1 + 1 / cos(turn / 2)) from the junction; the half disc must reach that far.
    # Inscribed arcs fall short of the circle, hence the last factor.
    half_turn_cos = max(float(np.dot(direction, t_out)), 0.25)
    r = radius * (1.0 + 1.0 / half_turn_cos) * 1.01 / np.cos(np.pi / (4 * ARC_SEGMENTS))
    angle = np.arctan2(direction[1], direction[0])
    theta = np.linspace(-np.pi / 2, np.pi / 2, 2 * ARC_SEGMENTS + 1)
    ahead = centre + r * np.column_stack([np.cos(angle + theta), np.sin(angle + theta)])
    behind = centre + r * np.column_stack(
        [np.cos(angle + np.pi + theta), np.sin(angle + np.pi + theta)]
    )
    return Polygon(behind), Polygon(ahead)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.hypot(v[0], v[1]))
    return v / norm if norm > 0 else np.array([np.nan, np.nan])


def _clip_area(clip: gpd.GeoDataFrame | gpd.GeoSeries, canal: Canal) -> Any:
    from geo_guard.crs import with_input_crs

    frame = clip if isinstance(clip, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=clip)
    frame = with_input_crs(frame, None, "clip area").to_crs(canal.metric_crs)
    return shapely.union_all(shapely.make_valid(frame.geometry.values))
