"""The audit of markers, fences and crossings against the zones (标志及隔离防护设施).

:func:`audit_facilities` reads the zones (given, or built from the canal and the zone
rules), finds each level's outer boundary per bank, and checks along it: boundary markers
(界标) spacing and turning points, damaged or missing markers, linear works entering the
zones (warning signs, facilities) and the fence along the management edge. It returns an
:class:`AuditResult` whose frames are in the canal's (the caller's) CRS with English
column names; :mod:`geo_guard.reports.audit` writes them under Chinese headers.

Examples
--------
>>> from geo_guard.audit import audit_facilities
>>> markers = gpd.read_file("data/boundaries/markers.geojson")
>>> result = audit_facilities(canal, markers, rules=rules)
>>> result.boundary_gaps[["zone", "bank", "stake_from", "stake_to"]].values.tolist()
[['一级保护区', '左岸', 'K116+000', 'K117+500']]
>>> result.damaged_markers[["code", "condition"]].values.tolist()[:2]
[['C3-1', '缺失'], ['L2Z-D1', '损坏']]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_guard._errors import InputFileError
from geo_guard.audit.boundaries import level_unions, turning_points, zone_outlines
from geo_guard.audit.crossings import crossing_tables, empty_entries
from geo_guard.audit.fences import fence_table
from geo_guard.audit.findings import findings_table
from geo_guard.audit.inputs import prepare_markers
from geo_guard.audit.markers import (
    boundary_summary,
    corner_gaps,
    corner_rows,
    damaged_rows,
    gap_rows,
    marker_rows,
    project_markers,
    spacing_gaps,
)
from geo_guard.audit.rules import AuditOptions
from geo_guard.audit.vocabulary import BOUNDARY_MARKER, INTACT, WARNING_SIGN
from geo_guard.canal import Canal
from geo_guard.classification import zone_index
from geo_guard.settings import FIRST_LEVEL, MANAGEMENT_LEVEL
from geo_guard.zones import ZoneRules

__all__ = ["AuditResult", "audit_facilities"]

logger = logging.getLogger(__name__)


@dataclass
class AuditResult:
    """Everything :func:`audit_facilities` finds; frames in the canal's CRS.

    Attributes
    ----------
    boundary_gaps : GeoDataFrame
        Stretches of a zone's outer boundary (per bank) longer than the spacing without an
        intact 界标: ``gap_id``, ``zone``, ``zone_level``, ``bank``, ``boundary_id``,
        ``length_m`` (along the boundary), ``chainage_from_m``/``chainage_to_m`` and
        ``stake_from``/``stake_to`` of the canal opposite, ``from_marker``/``to_marker``,
        ``township``/``village`` (with an admin layer); the stretch as geometry.
    corner_gaps : GeoDataFrame
        Turning points of a boundary with no intact 界标 near: ``corner_id``, ``zone``,
        ``bank``, ``turn_deg``, ``nearest_marker_m``, ``stake`` …; points.
    crossings : GeoDataFrame
        Every place a crossing enters a checked zone: ``name``, ``kind``, ``entry``,
        ``zone``, ``bank``, ``stake``, ``sign`` (有/无/不要求), ``sign_distance_m``, the
        facilities (有/无/不明/不要求; empty where not checked), ``missing``, ``unknown``
        and ``findings`` (Chinese); points.
    damaged_markers : GeoDataFrame
        Markers whose 状况 is 损坏 or 缺失, with stake, bank, zone; points.
    fence_gaps : GeoDataFrame or None
        Unfenced stretches of the management edge (with fences given).
    markers : GeoDataFrame
        Every input marker, in input order, with ``kind``, ``condition``, ``status``,
        ``reason``, ``boundary_id``/``offset_m`` (the boundary it counts for) and place.
    crossing_list : GeoDataFrame or None
        Every input crossing with what it crosses and its findings.
    boundaries : GeoDataFrame
        Per boundary: length, intact markers, largest spacing, gaps, turning points.
    findings : GeoDataFrame
        One point per finding, ready for the ledger (``source_type`` 标志及隔离防护设施,
        ``name``, ``description``, ``lon``/``lat`` …).
    options : AuditOptions
    """

    boundary_gaps: gpd.GeoDataFrame
    corner_gaps: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame
    damaged_markers: gpd.GeoDataFrame
    fence_gaps: gpd.GeoDataFrame | None
    markers: gpd.GeoDataFrame
    crossing_list: gpd.GeoDataFrame | None
    boundaries: gpd.GeoDataFrame
    options: AuditOptions
    findings: gpd.GeoDataFrame = field(default_factory=gpd.GeoDataFrame)


def audit_facilities(
    canal: Canal,
    markers: pd.DataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    rules: ZoneRules | None = None,
    crossings: gpd.GeoDataFrame | None = None,
    fences: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    options: AuditOptions | None = None,
    markers_crs: Any = None,
    crossings_crs: Any = None,
    fences_crs: Any = None,
    ends: str = "round",
    **thresholds: float,
) -> AuditResult:
    """Audit markers, fences and crossings against the protection zones.

    Parameters
    ----------
    canal : Canal
        The centerline: stakes and banks, and the zones' ends.
    markers : DataFrame or GeoDataFrame
        Points with 类型/kind (界标, 警示牌, 宣传牌 …), optional 状况/condition (完好,
        损坏, 缺失; empty = 完好), 编号/code, 照片/photo; or a table with coordinates.
    zones : GeoDataFrame, optional
        Zone polygons with ``zone_level`` (a ``geo-guard zones`` output or the official
        delineation); default: built from ``rules``.
    rules : ZoneRules, optional
        Zone rules to build the zones when ``zones`` is not given.
    crossings : GeoDataFrame, optional
        Lines with 名称/name, 类型/kind (道路, 桥梁, 管线, 铁路) and 防撞护栏 / 事故导流槽 /
        应急池 as 有/无 (yes/no, 1/0; empty = unknown), or an OpenStreetMap extract.
    fences : GeoDataFrame, optional
        Fence lines with optional 状况.
    admin : GeoDataFrame, optional
        Township/village polygons for the lists.
    options : AuditOptions, optional
        Thresholds (default: the working values of :class:`AuditOptions`).
    markers_crs, crossings_crs, fences_crs : optional
        CRS of an input whose file has none or a wrong one (``gcj02``, ``EPSG:4547`` …).
    ends : {"round", "flat"}
        How zones built from ``rules`` end (see :func:`geo_guard.build_zones`).
    **thresholds
        Any :class:`AuditOptions` field to override (``marker_spacing_m=300`` …).

    Returns
    -------
    AuditResult

    Raises
    ------
    InputFileError
        Unusable markers, crossings, fences or zones (one line that says what to fix).
    OptionError
        A threshold out of range.
    """
    options = (options or AuditOptions()).with_overrides(**thresholds)
    index = zone_index(canal, rules, zones, ends=ends)
    present = set(index.levels.tolist())
    if fences is not None and MANAGEMENT_LEVEL not in present:
        raise InputFileError("the zones have no management area (zone_level 0), so the fence "
                             "line (管理范围边线) is unknown; build the zones with geo-guard zones")
    wanted = set(options.marker_levels) | set(options.crossing_levels) | {FIRST_LEVEL}
    if fences is not None:
        wanted.add(MANAGEMENT_LEVEL)
    unions = level_unions(index, sorted(wanted))
    outline_levels = sorted((set(options.marker_levels) | (
        {MANAGEMENT_LEVEL} if fences is not None else set())) & present)
    outlines = zone_outlines(index, canal, outline_levels, unions=unions)
    marker_lines = outlines[outlines["zone_level"] != MANAGEMENT_LEVEL].reset_index(drop=True)
    marker_lines = marker_lines[marker_lines["zone_level"].isin(options.marker_levels)]
    marker_lines = marker_lines.reset_index(drop=True)

    table = prepare_markers(markers, canal.metric_crs, crs=markers_crs)
    ok = (table["status"] == "ok").to_numpy()
    kind = table["kind"].to_numpy(dtype=object)
    condition = table["condition"].to_numpy(dtype=object)
    intact = ok & (condition == INTACT)
    # Every placed marker gets the boundary it stands by; intact 界标 count for spacing.
    valid = np.flatnonzero(ok)
    near = project_markers(marker_lines, table.geometry.iloc[valid],
                           table["code"].to_numpy(dtype=object)[valid],
                           max_offset_m=options.marker_offset_m)
    is_counted = (intact & (kind == BOUNDARY_MARKER))[valid]
    counted, placed = valid[is_counted], near[is_counted].reset_index(drop=True)
    gaps = spacing_gaps(marker_lines, placed, spacing_m=options.marker_spacing_m)
    corners = turning_points(marker_lines, turn_deg=options.corner_turn_deg)
    lacking = corner_gaps(corners, table.geometry.iloc[counted],
                          radius_m=options.corner_radius_m)

    table = marker_rows(table, valid, near, counted, marker_lines, canal, index, admin,
                         options)
    result = AuditResult(
        boundary_gaps=gap_rows(gaps, canal, admin),
        corner_gaps=corner_rows(lacking, marker_lines, canal, admin),
        crossings=gpd.GeoDataFrame(),
        damaged_markers=damaged_rows(table),
        fence_gaps=None,
        markers=table,
        crossing_list=None,
        boundaries=boundary_summary(marker_lines, placed, gaps, corners, lacking),
        options=options,
    )
    signs = table.geometry.values[ok & intact & (kind == WARNING_SIGN)]
    if crossings is not None:
        result.crossings, result.crossing_list = crossing_tables(
            crossings, crossings_crs, canal, unions, signs, admin, options)
    else:
        result.crossings = empty_entries(canal)
    if fences is not None:
        result.fence_gaps = fence_table(fences, fences_crs, outlines, canal, admin, options)
    result.findings = findings_table(result, canal)
    _to_caller_crs(result, canal)
    return result


def _to_caller_crs(result: AuditResult, canal: Canal) -> None:
    for name in ("boundary_gaps", "corner_gaps", "crossings", "damaged_markers", "fence_gaps",
                 "markers", "crossing_list", "boundaries", "findings"):
        frame = getattr(result, name)
        if frame is not None and isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            setattr(result, name, frame.to_crs(canal.crs))
