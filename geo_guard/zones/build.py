"""Protection-zone polygons: management area and zone rings per segment and bank.

Widths come from the first matching rule (:mod:`geo_guard.rules`) and are measured outward
from the management edge: the management area reaches ``edge`` metres from the
centerline, the first-class zone ``edge + first``, the second-class zone
``edge + first + second`` and so on. All geometry is built in the canal's metric CRS.

How the pieces fit: every point belongs to the segment and bank of its nearest
centerline point (:mod:`geo_guard.zones.territory`), the rule :meth:`Canal.locate` and
so ``classify`` use, at any turn angle, for segments shorter than the zone widths and
where the canal comes back near itself. A piece of a segment, bank and level is the part
of that territory between the level's inner and outer distance. Pieces do not overlap and
leave no hole (they are unions of the faces of one polygonize), so where neighbouring
segments have different widths the boundary steps where their territories meet; for
uniform widths each level's union is the plain buffer ring of the whole centerline
(round ends included, as the distance rule implies).

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
from shapely.geometry import Polygon

from geo_guard._errors import OptionError, RulesError
from geo_guard.canal.geometry import polygonal, to_crs_valid
from geo_guard.canal.model import Canal
from geo_guard.settings import (
    BANK_LEFT,
    BANK_RIGHT,
    MANAGEMENT_LEVEL,
    MAX_REACH_M,
    ZONE_NAMES,
)
from geo_guard.zones.rules import ZoneRules
from geo_guard.zones.territory import distance_faces

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
            shapely.intersection(zones.geometry.values, area)
        )
        zones = zones[~zones.geometry.is_empty].reset_index(drop=True)
    zones["area_m2"] = zones.geometry.area
    return to_crs_valid(zones[ZONE_COLUMNS], canal.crs if crs is None else crs)


def dissolve_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per zone level, with its area measured on the dissolved shape.

    The area is that of the geometry written, in metres: taken in the zones' CRS when it
    is projected in metres, else in the CGCS2000 Gauss-Kruger zone of the data. Pieces
    that overlap (zones from elsewhere) are not counted twice.

    Examples
    --------
    >>> dissolved = dissolve_zones(build_zones(canal, rules))
    >>> dissolved["zone"].tolist()
    ['管理范围', '一级保护区', '二级保护区', '准保护区']
    >>> wgs = dissolve_zones(build_zones(canal, rules, crs="EPSG:4326"))
    >>> bool(np.allclose(wgs["area_m2"], dissolved["area_m2"], rtol=1e-4))
    True
    """
    grouped = zones[["zone_level", zones.geometry.name]].dissolve(by="zone_level",
                                                                 as_index=False)
    grouped["zone"] = grouped["zone_level"].map(ZONE_NAMES)
    grouped["area_m2"] = _metric(grouped.geometry).area.to_numpy()
    return grouped[["zone", "zone_level", "area_m2", "geometry"]].sort_values(
        "zone_level", ignore_index=True
    )


def _metric(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """The shapes in a CRS measured in metres (their own when it is one)."""
    from geo_guard.crs import metric_crs_for

    crs = geoms.crs
    if crs is None or (crs.is_projected and {a.unit_name for a in crs.axis_info} <= {"metre"}):
        return geoms
    return geoms.to_crs(metric_crs_for(geoms))


# --------------------------------------------------------------------- internals
def level_limits(widths: pd.DataFrame, n_segments: int) -> tuple[list[int], np.ndarray]:
    """Zone levels and the outer distance of each, per segment and bank.

    Returns
    -------
    (levels, limits)
        ``limits[segment, bank, k]`` is the outer distance of level ``levels[k]``, bank 0
        left and 1 right; NaN where the bank has no such level.

    Examples
    --------
    >>> levels, limits = level_limits(segment_widths(canal, rules), len(canal.segments))
    >>> levels, limits[0, 0].tolist()
    ([0, 1, 2, 3], [60.0, 110.0, 610.0, nan])
    """
    levels = sorted(int(c.split("_")[1]) for c in widths.columns if c.startswith("outer_"))
    limits = np.full((n_segments, 2, len(levels)), np.nan)
    bank = np.where(widths["bank"].to_numpy() == BANK_LEFT, 0, 1)
    limits[widths["segment_index"].to_numpy(), bank] = widths[
        [f"outer_{level}" for level in levels]].to_numpy(dtype=float)
    return levels, limits


def _zone_rings(canal: Canal, widths: pd.DataFrame, ends: str) -> gpd.GeoDataFrame:
    """Pieces per segment, bank and level, in the metric CRS."""
    levels, limits = level_limits(widths, len(canal.segments))
    faces = distance_faces(canal, limits, ends=ends)
    keep = faces.band >= 0
    bank = np.where(faces.side[keep] > 0, 0, 1)
    key = (faces.segment[keep] * 2 + bank) * len(levels) + faces.band[keep]
    pieces = _union_by(faces.geoms[keep], key)
    # The widths row of each piece: segment_widths gives left, right per segment.
    keys = np.fromiter(pieces, dtype=np.int64, count=len(pieces))
    row, index = np.divmod(keys, len(levels))
    level = np.asarray(levels)[index]
    pick = widths.to_dict("list")
    records = [
        {
            "zone": ZONE_NAMES[int(lv)],
            "zone_level": int(lv),
            "bank": pick["bank"][r],
            "segment_id": pick["segment_id"][r],
            "rule": pick["rule"][r],
            "width_m": pick[f"width_{lv}"][r],
            "inner_m": pick[f"outer_{levels[k - 1]}"][r] if k else 0.0,
            "outer_m": pick[f"outer_{lv}"][r],
            "geometry": geom,
            "_order": (r, int(lv)),
        }
        for r, lv, k, geom in zip(row, level, index, pieces.values(), strict=True)
    ]
    table = pd.DataFrame(records, columns=[*ZONE_COLUMNS[:-2], "geometry", "_order"])
    table = table.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=canal.metric_crs)


def _union_by(geoms: np.ndarray, key: np.ndarray) -> dict[int, Any]:
    """Faces of one polygonize merged per key (they share their edges exactly)."""
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    groups = np.split(geoms[order], starts[1:])
    return {int(k): _coverage_union(g) for k, g in zip(keys, groups, strict=True)}


def _coverage_union(faces: np.ndarray) -> Any:
    """Union of faces that share their edges exactly: the fast coverage union, checked,
    with the general union as the fallback."""
    merged = shapely.coverage_union_all(faces)
    return merged if shapely.is_valid(merged) else shapely.union_all(faces)


def bank_territories(
    canal: Canal, reach: float, *, ends: str = "round"
) -> dict[tuple[int, str], Any]:
    """Part of the plane owned by each segment and bank, out to ``reach`` metres.

    A point belongs to the segment and bank of its nearest centerline point
    (:func:`geo_guard.zones.territory.distance_faces`). With ``ends="flat"`` the parts
    beyond the canal's two ends are left out.

    Examples
    --------
    >>> own = bank_territories(canal, 100.0)
    >>> round(sum(g.area for g in own.values()) / canal.line.buffer(100, 256).area, 5)
    1.0
    """
    n = len(canal.segments)
    faces = distance_faces(canal, np.full((n, 2, 1), float(reach)), ends=ends)
    keep = faces.band >= 0
    pieces = _union_by(faces.geoms[keep], faces.segment[keep] * 2 + (faces.side[keep] < 0))
    return {
        (i, bank): pieces.get(2 * i + b, Polygon())
        for i in range(n)
        for b, bank in enumerate((BANK_LEFT, BANK_RIGHT))
    }


def _clip_area(clip: gpd.GeoDataFrame | gpd.GeoSeries, canal: Canal) -> Any:
    from geo_guard.crs import with_input_crs

    frame = clip if isinstance(clip, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=clip)
    frame = with_input_crs(frame, None, "clip area").to_crs(canal.metric_crs)
    return shapely.union_all(shapely.make_valid(frame.geometry.values))
