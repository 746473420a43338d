"""Audit findings as problems for the rectification ledger (问题整改台账).

One point per finding, in the form the ledger registers (:meth:`geo_guard.ledger.Ledger.
register` when the ledger exists): WGS84 ``lon``/``lat``, ``source_type``
标志及隔离防护设施, ``name``, ``description`` (Chinese), ``zone``, ``zone_level``,
``stake``, ``bank``, ``chainage_m``, ``township``/``village`` and ``category`` (what kind of
finding) with ``ref`` (the id in its audit table). Lines (a stretch without markers or
fence) are placed at their middle; a crossing's missing facilities at the place it enters
the 一级 zone.

Examples
--------
>>> from geo_guard.audit import audit_facilities
>>> result = audit_facilities(canal, gpd.read_file("data/boundaries/markers.geojson"),
...                           rules=rules)
>>> result.findings["category"].value_counts().sort_index().to_dict()
{'拐点无界标': 1, '标志损坏': 2, '标志缺失': 2, '界标间距超限': 1}
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard.audit.place import wgs84
from geo_guard.audit.vocabulary import MISSING, SOURCE_TYPE
from geo_guard.canal import Canal
from geo_guard.settings import FIRST_LEVEL, MANAGEMENT_LEVEL, ZONE_NAMES

__all__ = ["FINDING_COLUMNS", "findings_table"]

FINDING_COLUMNS = ["category", "ref", "source_type", "name", "description", "zone",
                   "zone_level", "bank", "stake", "chainage_m", "township", "village", "lon",
                   "lat"]


def findings_table(result: Any, canal: Canal) -> gpd.GeoDataFrame:
    """The ledger-ready findings of an :class:`~geo_guard.audit.AuditResult` whose frames
    are still in the canal's metric CRS; in that CRS, ordered by category."""
    frames = [_gap_findings(result), _corner_findings(result), _damaged_findings(result),
              _sign_findings(result), _facility_findings(result), _fence_findings(result)]
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=canal.metric_crs),
                                crs=canal.metric_crs)
    table = pd.concat(frames, ignore_index=True)
    geometry = gpd.GeoSeries(table.pop("geometry").to_numpy(), crs=canal.metric_crs)
    lon, lat = wgs84(geometry.x.to_numpy(), geometry.y.to_numpy(), canal.metric_crs)
    table["lon"], table["lat"] = np.round(lon, 7), np.round(lat, 7)
    table["source_type"] = SOURCE_TYPE
    for column in FINDING_COLUMNS:
        if column not in table:
            table[column] = ""
    table["zone_level"] = pd.array(table["zone_level"], dtype="Int64")
    return gpd.GeoDataFrame(table[FINDING_COLUMNS], geometry=geometry, crs=canal.metric_crs)


def _middles(frame: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.line_interpolate_point(np.asarray(frame.geometry.values, dtype=object), 0.5,
                                          normalized=True)


def _admin(frame: pd.DataFrame) -> dict[str, Any]:
    return {c: frame[c].to_numpy() for c in ("township", "village") if c in frame}


def _gap_findings(result: Any) -> pd.DataFrame:
    gaps = result.boundary_gaps
    spacing = result.options.marker_spacing_m
    return pd.DataFrame({
        "category": "界标间距超限", "ref": gaps["gap_id"],
        "name": [f"{z}边界（{b}）{a}–{c} 缺少界标" for z, b, a, c in
                 zip(gaps["zone"], gaps["bank"], gaps["stake_from"], gaps["stake_to"],
                     strict=True)],
        "description": [f"{z}外边界（{b}）对应总干渠 {a}–{c}，沿边界 {length:,.0f} m 内无完好"
                        f"界标，超过间距 {spacing:g} m（{f}至{t}）"
                        for z, b, a, c, length, f, t in
                        zip(gaps["zone"], gaps["bank"], gaps["stake_from"], gaps["stake_to"],
                            gaps["length_m"], gaps["from_marker"], gaps["to_marker"],
                            strict=True)],
        "zone": gaps["zone"], "zone_level": gaps["zone_level"], "bank": gaps["bank"],
        "stake": [f"{a}–{c}" for a, c in zip(gaps["stake_from"], gaps["stake_to"],
                                              strict=True)],
        "chainage_m": gaps["chainage_from_m"], **_admin(gaps), "geometry": _middles(gaps)})


def _corner_findings(result: Any) -> pd.DataFrame:
    corners = result.corner_gaps
    radius = result.options.corner_radius_m
    return pd.DataFrame({
        "category": "拐点无界标", "ref": corners["corner_id"],
        "name": [f"{z}边界拐点（{b}）{s} 无界标" for z, b, s in
                 zip(corners["zone"], corners["bank"], corners["stake"], strict=True)],
        "description": [f"{z}外边界（{b}）在总干渠 {s} 对岸转折 {t:.0f}°，{radius:g} m 内无完好界标"
                        for z, b, s, t in zip(corners["zone"], corners["bank"],
                                              corners["stake"], corners["turn_deg"],
                                              strict=True)],
        "zone": corners["zone"], "zone_level": corners["zone_level"], "bank": corners["bank"],
        "stake": corners["stake"], "chainage_m": corners["chainage_m"], **_admin(corners),
        "geometry": corners.geometry.values})


def _damaged_findings(result: Any) -> pd.DataFrame:
    bad = result.damaged_markers
    category = np.where(bad["condition"] == MISSING, "标志缺失", "标志损坏")
    code = [f"（编号 {c}）" if c else "" for c in bad["code"]]
    return pd.DataFrame({
        "category": category, "ref": [f"第{r}行" for r in bad["input_row"]],
        "name": [f"{k}{c}{s}" for k, c, s in zip(bad["kind"], bad["condition"], code,
                                                 strict=True)],
        "description": [f"{b}{s} {k}{c}{cd}，需修复或补设" for b, s, k, c, cd in
                        zip(bad["bank"], bad["stake"], bad["kind"], bad["condition"], code,
                            strict=True)],
        "zone": bad["zone"], "zone_level": [_level(z) for z in bad["zone"]], "bank": bad["bank"],
        "stake": bad["stake"], "chainage_m": bad["chainage_m"], **_admin(bad),
        "geometry": bad.geometry.values})


def _sign_findings(result: Any) -> pd.DataFrame | None:
    entries = result.crossings
    if not len(entries):
        return None
    lack = entries[entries["sign"] == "无"]
    radius = result.options.sign_radius_m
    return pd.DataFrame({
        "category": "警示牌缺失", "ref": lack["crossing_id"],
        "name": [f"{n} {e}处无警示牌" for n, e in zip(lack["name"], lack["entry"], strict=True)],
        "description": [f"{n}（{k}）{e}处（{b}{s}）{radius:g} m 内无完好警示牌"
                        for n, k, e, b, s in zip(lack["name"], lack["kind"], lack["entry"],
                                                 lack["bank"], lack["stake"], strict=True)],
        "zone": lack["zone"], "zone_level": lack["zone_level"], "bank": lack["bank"],
        "stake": lack["stake"], "chainage_m": lack["chainage_m"], **_admin(lack),
        "geometry": lack.geometry.values})


def _facility_findings(result: Any) -> pd.DataFrame | None:
    entries = result.crossings
    if not len(entries):
        return None
    flagged = entries[(entries["missing"] != "") | (entries["unknown"] != "")]
    if not len(flagged):
        return None
    # One finding per crossing, where it enters the 一级 zone (else its first entry).
    first = flagged.assign(_order=(flagged["zone_level"] != FIRST_LEVEL).astype(int))
    one = first.sort_values(["crossing_id", "_order"], kind="stable").groupby(
        "crossing_id", sort=False).head(1)
    category = np.where(one["missing"] != "", "防护设施缺失", "防护设施情况不明")
    text = [";".join(filter(None, (f"缺{m}" if m else "", f"{u}情况不明" if u else "")))
            .replace(";", "；") for m, u in zip(one["missing"], one["unknown"], strict=True)]
    return pd.DataFrame({
        "category": category, "ref": one["crossing_id"],
        "name": [f"{n} 防护设施：{t}" for n, t in zip(one["name"], text, strict=True)],
        "description": [f"{n}（{k}）穿越一级保护区或总干渠（{b}{s}），{t}" for n, k, b, s, t in
                        zip(one["name"], one["kind"], one["bank"], one["stake"], text,
                            strict=True)],
        "zone": one["zone"], "zone_level": one["zone_level"], "bank": one["bank"],
        "stake": one["stake"], "chainage_m": one["chainage_m"], **_admin(one),
        "geometry": one.geometry.values})


def _fence_findings(result: Any) -> pd.DataFrame | None:
    gaps = result.fence_gaps
    if gaps is None or not len(gaps):
        return None
    note = np.where(gaps["damaged_fence"] == "是", "（段内隔离网损坏）", "")
    return pd.DataFrame({
        "category": "隔离网缺口", "ref": gaps["gap_id"],
        "name": [f"{b} {a}–{c} 隔离网缺口" for b, a, c in
                 zip(gaps["bank"], gaps["stake_from"], gaps["stake_to"], strict=True)],
        "description": [f"管理范围边线（{b}）{a}–{c} 共 {n:,.0f} m 无完好隔离防护网{t}"
                        for b, a, c, n, t in zip(gaps["bank"], gaps["stake_from"],
                                                 gaps["stake_to"], gaps["length_m"], note,
                                                 strict=True)],
        "zone": ZONE_NAMES[MANAGEMENT_LEVEL], "zone_level": MANAGEMENT_LEVEL,
        "bank": gaps["bank"], "stake": [f"{a}–{c}" for a, c in zip(
            gaps["stake_from"], gaps["stake_to"], strict=True)],
        "chainage_m": gaps["chainage_from_m"], **_admin(gaps), "geometry": _middles(gaps)})


def _level(zone: str) -> Any:
    for level, name in ZONE_NAMES.items():
        if name == zone:
            return level
    return pd.NA
