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
import shapely

from geo_guard._errors import InputFileError
from geo_guard.audit.boundaries import level_unions, turning_points, zone_outlines
from geo_guard.audit.crossings import (
    NOT_REQUIRED,
    crosses_first_zone,
    entry_points,
    facility_findings,
    sign_distances,
)
from geo_guard.audit.fences import fence_gaps
from geo_guard.audit.findings import findings_table
from geo_guard.audit.inputs import prepare_crossings, prepare_fences, prepare_markers
from geo_guard.audit.markers import corner_gaps, project_markers, spacing_gaps
from geo_guard.audit.place import place_points
from geo_guard.audit.rules import AuditOptions
from geo_guard.audit.vocabulary import (
    BOUNDARY_MARKER,
    DAMAGED,
    FACILITIES,
    INTACT,
    MISSING,
    WARNING_SIGN,
)
from geo_guard.canal import Canal
from geo_guard.classification import zone_index
from geo_guard.settings import FIRST_LEVEL, MANAGEMENT_LEVEL, ZONE_NAMES
from geo_guard.zones import ZoneRules

__all__ = ["AuditResult", "audit_facilities"]

logger = logging.getLogger(__name__)

YES, NO = "是", "否"


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

    table = _marker_rows(table, valid, near, counted, marker_lines, canal, index, admin,
                         options)
    result = AuditResult(
        boundary_gaps=_boundary_gaps(gaps, canal, admin),
        corner_gaps=_corner_rows(lacking, marker_lines, canal, admin),
        crossings=gpd.GeoDataFrame(),
        damaged_markers=_damaged(table),
        fence_gaps=None,
        markers=table,
        crossing_list=None,
        boundaries=_boundary_summary(marker_lines, placed, gaps, corners, lacking),
        options=options,
    )
    signs = table.geometry.values[ok & intact & (kind == WARNING_SIGN)]
    if crossings is not None:
        result.crossings, result.crossing_list = _crossings(
            crossings, crossings_crs, canal, unions, signs, admin, options)
    else:
        result.crossings = _empty_entries(canal)
    if fences is not None:
        result.fence_gaps = _fences(fences, fences_crs, outlines, canal, admin, options)
    result.findings = findings_table(result, canal)
    _to_caller_crs(result, canal)
    return result


# -------------------------------------------------------------------------- markers
def _marker_rows(table: gpd.GeoDataFrame, valid: np.ndarray, near: pd.DataFrame,
                 counted: np.ndarray, lines: gpd.GeoDataFrame, canal: Canal, index: Any,
                 admin: gpd.GeoDataFrame | None, options: AuditOptions) -> gpd.GeoDataFrame:
    """Every marker with its place, zone and the boundary it stands by.

    A 界标 within reach of a boundary marks that boundary: its ``zone`` is the boundary's
    zone (it stands on the line between two zones); other markers get the zone they
    stand in.
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


def _damaged(markers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    bad = (markers["status"] == "ok") & markers["condition"].isin([DAMAGED, MISSING])
    keep = ["input_row", "code", "kind", "condition", "zone", "bank", "stake", "chainage_m",
            "distance_m", *[c for c in ("township", "village") if c in markers], "photo",
            "geometry"]
    return markers.loc[bad, keep].reset_index(drop=True)


def _boundary_gaps(gaps: gpd.GeoDataFrame, canal: Canal, admin: Any) -> gpd.GeoDataFrame:
    """Stakes of the canal opposite each gap's ends, and the place of its middle."""
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


def _corner_rows(lacking: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, canal: Canal,
                 admin: Any) -> gpd.GeoDataFrame:
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


def _boundary_summary(lines: gpd.GeoDataFrame, placed: pd.DataFrame, gaps: gpd.GeoDataFrame,
                      corners: gpd.GeoDataFrame, lacking: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


# ------------------------------------------------------------------------ crossings
_ENTRY_COLUMNS = ["crossing_id", "name", "kind", "input_row", "entry", "zone", "zone_level",
                  "bank", "chainage_m", "stake", "sign", "sign_distance_m",
                  "crosses_first_zone", *[key for key, _ in FACILITIES], "missing", "unknown",
                  "findings"]


def _empty_entries(canal: Canal) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in _ENTRY_COLUMNS},
                            geometry=gpd.GeoSeries([], crs=canal.metric_crs),
                            crs=canal.metric_crs)


def _crossings(crossings: gpd.GeoDataFrame, crs: Any, canal: Canal, unions: dict[int, Any],
               signs: np.ndarray, admin: Any, options: AuditOptions
               ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
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


# --------------------------------------------------------------------------- fences
def _fences(fences: gpd.GeoDataFrame, crs: Any, outlines: gpd.GeoDataFrame, canal: Canal,
            admin: Any, options: AuditOptions) -> gpd.GeoDataFrame:
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


def _to_caller_crs(result: AuditResult, canal: Canal) -> None:
    for name in ("boundary_gaps", "corner_gaps", "crossings", "damaged_markers", "fence_gaps",
                 "markers", "crossing_list", "boundaries", "findings"):
        frame = getattr(result, name)
        if frame is not None and isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            setattr(result, name, frame.to_crs(canal.crs))
