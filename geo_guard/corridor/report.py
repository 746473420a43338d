"""Tables of the ecological-corridor analysis: stations, lists, summaries, workbook.

:func:`geo_guard.corridor.analyse_corridor` builds its frames with the helpers here; the
writers turn a :class:`~geo_guard.corridor.CorridorResult` into a GeoPackage (English
identifiers, Chinese values such as 左岸 and 新建新造) and an Excel workbook with Chinese
headers for the bureau's analysts.

Examples
--------
>>> from geo_guard.corridor.analysis import analyse_corridor
>>> result = analyse_corridor(canal, rules, forest)
>>> gpkg, workbook = write_corridor(result, tmp / "corridor.gpkg")
>>> gpkg.name, workbook.name
('corridor.gpkg', 'corridor.xlsx')
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from geo_guard.canal.model import Canal
from geo_guard.canal.stakes import format_stakes
from geo_guard.io.spreadsheets import write_xlsx_sheets
from geo_guard.io.vector import write_vector_layers
from geo_guard.settings import BANK_LEFT, BANK_RIGHT, BANKS
from geo_guard.zones.admin import ADMIN_COLUMNS, admin_join

if TYPE_CHECKING:
    from geo_guard.corridor.analysis import CorridorResult

ACTION_PLANT = "新建新造"
ACTION_IMPROVE = "提质改造"

#: Strips with less belt than this (m²) have no coverage (the exclusion layer took them).
MIN_BELT_M2 = 0.01

STATION_COLUMNS = [
    "bank", "segment_id", "chainage_from_m", "chainage_to_m", "stake_from", "stake_to",
    "length_m", "belt_m2", "forest_m2", "coverage", "gap_id",
]
GAP_COLUMNS = [
    "gap_id", "bank", "stake_from", "stake_to", "chainage_from_m", "chainage_to_m",
    "length_m", "belt_m2", "uncovered_m2", "mean_coverage", "segment_id", "action",
]
WEAK_COLUMNS = [
    "forest_id", "bank", "stake_from", "stake_to", "chainage_from_m", "chainage_to_m",
    "length_m", "area_m2", "survival", "canopy", "species", "planting_year", "reason",
    "segment_id", "action",
]
SUMMARY_COLUMNS = ["belt_m2", "forest_m2", "coverage", "length_m", "gap_m", "gap_share"]

#: Workbook headers. Shares (coverage, gap_share) are shown in per cent.
CHINESE_HEADERS = {
    "gap_id": "断档编号", "bank": "岸别", "segment_id": "渠段", "rule": "规则",
    "chainage_from_m": "起点里程(m)", "chainage_to_m": "终点里程(m)",
    "stake_from": "起点桩号", "stake_to": "终点桩号", "length_m": "长度(m)",
    "belt_m2": "林带面积(m²)", "forest_m2": "林地面积(m²)", "uncovered_m2": "未覆盖面积(m²)",
    "mean_coverage": "平均覆盖率(%)", "coverage": "覆盖率(%)", "gap_m": "断档长度(m)",
    "gap_share": "断档长度占比(%)", "gaps": "断档处数", "action": "措施",
    "township": "乡镇(街道)", "village": "行政村", "forest_id": "林地编号",
    "area_m2": "林带内面积(m²)", "survival": "保存率", "canopy": "郁闭度", "species": "树种",
    "planting_year": "栽植年份", "reason": "原因", "km": "公里", "inner_m": "林带内边距中心线(m)",
    "weak_stands": "提质改造林分数", "weak_m2": "提质改造面积(m²)",
    "outer_m": "林带外边距中心线(m)", "corridor_m": "林带宽度(m)",
}
_PERCENT = ("coverage", "mean_coverage", "gap_share")


# ------------------------------------------------------------------------- building
def station_table(canal: Canal, strips: pd.DataFrame,
                  admin: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Chainages, stakes, coverage and (with ``admin``) township of every strip.

    ``strips`` has ``bank``, ``segment_index``, ``from_m``/``to_m`` (measures),
    ``belt_m2``, ``forest_m2`` and ``x``/``y`` (the belt's middle, metric CRS).
    """
    st = strips.copy()
    st["segment_id"] = canal.segments["segment_id"].to_numpy()[st["segment_index"]]
    st["chainage_from_m"] = canal.chainage_at(st["from_m"].to_numpy())
    st["chainage_to_m"] = canal.chainage_at(st["to_m"].to_numpy())
    st["stake_from"] = format_stakes(st["chainage_from_m"], prefix=canal.stake_prefix)
    st["stake_to"] = format_stakes(st["chainage_to_m"], prefix=canal.stake_prefix)
    st["length_m"] = st["to_m"] - st["from_m"]
    belt = st["belt_m2"].to_numpy()
    st["coverage"] = np.where(belt > MIN_BELT_M2,
                              st["forest_m2"] / np.maximum(belt, MIN_BELT_M2), np.nan)
    st["gap_id"] = ""
    if admin is not None:
        for column, values in admin_join(admin, st["x"].to_numpy(), st["y"].to_numpy(),
                                         canal.metric_crs).items():
            st[column] = values
    return st


def station_points(stations: pd.DataFrame, crs: Any) -> gpd.GeoDataFrame:
    """The stations as points in the middle of the belt (``crs`` = the metric CRS)."""
    columns = [*STATION_COLUMNS, *[c for c in ADMIN_COLUMNS if c in stations]]
    points = shapely.points(stations["x"].to_numpy(), stations["y"].to_numpy())
    return gpd.GeoDataFrame(stations[columns].reset_index(drop=True), geometry=points, crs=crs)


def joined(values: pd.Series) -> str:
    """Distinct non-empty values in order of appearance: ``'S01、S02'``.

    Examples
    --------
    >>> joined(pd.Series(["S01", "S01", "", "S02"]))
    'S01、S02'
    """
    return "、".join(v for v in dict.fromkeys(values.astype(str)) if v)


def weak_table(canal: Canal, weak: pd.DataFrame,
               admin: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The 提质改造 list: weak stands with their stretch, stakes and township.

    ``weak`` has the forest attributes, ``bank``, ``area_m2``, ``reason`` and the part of
    the polygon in the belt as ``geometry`` (metric CRS).
    """
    out = weak.copy()
    for column in ("survival", "canopy"):
        if column not in out:
            out[column] = np.nan
    for column in ("species", "planting_year"):
        if column not in out:
            out[column] = ""
    geoms = out["geometry"].to_numpy()
    # The stretch a stand covers: the nearest centerline places of its vertices.
    xy, part = shapely.get_coordinates(geoms, return_index=True)
    measure = pd.Series(canal.locate(xy[:, 0], xy[:, 1]).measure_m).groupby(part)
    lo = measure.min().reindex(range(len(out))).to_numpy()
    hi = measure.max().reindex(range(len(out))).to_numpy()
    out["chainage_from_m"] = canal.chainage_at(lo)
    out["chainage_to_m"] = canal.chainage_at(hi)
    out["stake_from"] = format_stakes(out["chainage_from_m"], prefix=canal.stake_prefix)
    out["stake_to"] = format_stakes(out["chainage_to_m"], prefix=canal.stake_prefix)
    out["length_m"] = hi - lo
    segment = np.clip(np.searchsorted(canal.segments["start_m"].to_numpy(), (lo + hi) / 2,
                                      side="right") - 1, 0, len(canal.segments) - 1)
    out["segment_id"] = canal.segments["segment_id"].to_numpy()[segment]
    out["action"] = ACTION_IMPROVE
    admin_columns: list[str] = []
    if admin is not None:
        anchor = shapely.get_coordinates(shapely.point_on_surface(geoms))
        joined = admin_join(admin, anchor[:, 0], anchor[:, 1], canal.metric_crs)
        for column, values in joined.items():
            out[column] = values if len(out) else []
            admin_columns.append(column)
    out = out.sort_values(["bank", "chainage_from_m"], key=_bank_order, ignore_index=True)
    return gpd.GeoDataFrame(out[[*WEAK_COLUMNS, *admin_columns, "geometry"]],
                            geometry="geometry", crs=canal.metric_crs)


def _bank_order(values: pd.Series) -> pd.Series:
    return values.map({BANK_LEFT: 0, BANK_RIGHT: 1}) if values.name == "bank" else values


def summary_by(stations: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Belt and forest area, coverage, bank length, gap length and share per group.

    Examples
    --------
    >>> stations = pd.DataFrame(corridor_result.stations.drop(columns="geometry"))
    >>> summary_by(stations, ["bank"])["bank"].tolist()
    ['左岸', '右岸']
    """
    gap_m = np.where(stations["gap_id"] != "", stations["length_m"], 0.0)
    table = (stations.assign(gap_m=gap_m)
             .groupby(keys, sort=False)[["belt_m2", "forest_m2", "length_m", "gap_m"]]
             .sum().reset_index())
    table["coverage"] = table["forest_m2"] / table["belt_m2"].where(table["belt_m2"] > 0)
    table["gap_share"] = table["gap_m"] / table["length_m"].where(table["length_m"] > 0)
    return table[[*keys, *SUMMARY_COLUMNS]]


def per_km_table(canal: Canal, stations: pd.DataFrame, slabs: dict[str, Any]
                 ) -> gpd.GeoDataFrame:
    """Per kilometre and bank, with the belt of that kilometre as geometry.

    ``slabs`` maps each bank to an object whose ``km_belts()`` gives the kilometres and
    the belt of each (metric CRS).
    """
    st = stations.assign(km=np.floor(stations["chainage_from_m"] / 1000 + 1e-9).astype(int))
    table = summary_by(st, ["km", "bank"])
    span = st.groupby(["km", "bank"], sort=False).agg(
        chainage_from_m=("chainage_from_m", "min"), chainage_to_m=("chainage_to_m", "max"))
    table = table.join(span, on=["km", "bank"])
    table["stake_from"] = format_stakes(table["chainage_from_m"], prefix=canal.stake_prefix)
    table["stake_to"] = format_stakes(table["chainage_to_m"], prefix=canal.stake_prefix)
    geometry = {(int(k), bank): g for bank, part in slabs.items()
                for k, g in zip(*part.km_belts(), strict=True)}
    table["geometry"] = [geometry.get(key, Polygon())
                         for key in zip(table["km"], table["bank"], strict=True)]
    table = table.sort_values(["bank", "km"], key=_bank_order, kind="stable", ignore_index=True)
    columns = ["km", "bank", "stake_from", "stake_to", "chainage_from_m", "chainage_to_m",
               *SUMMARY_COLUMNS, "geometry"]
    return gpd.GeoDataFrame(table[columns], geometry="geometry", crs=canal.metric_crs)


def per_segment_table(belt: gpd.GeoDataFrame, stations: pd.DataFrame,
                      gaps: pd.DataFrame) -> gpd.GeoDataFrame:
    """The belt layer: per segment and bank, the belt polygon and its summary."""
    table = summary_by(stations, ["segment_index", "bank"])
    out = belt.drop(columns="belt_m2").merge(table, on=["segment_index", "bank"], how="left")
    counts: dict[tuple[str, str], int] = {}
    for segments, bank in zip(gaps["segment_id"], gaps["bank"], strict=True):
        for segment_id in segments.split("、"):
            counts[(segment_id, bank)] = counts.get((segment_id, bank), 0) + 1
    out["gaps"] = [counts.get(k, 0) for k in zip(out["segment_id"], out["bank"], strict=True)]
    columns = [c for c in out.columns if c not in ("segment_index", "geometry")]
    return gpd.GeoDataFrame(out[[*columns, "geometry"]], geometry="geometry", crs=belt.crs)


# ------------------------------------------------------------------------- reporting
def bank_totals(result: CorridorResult) -> pd.DataFrame:
    """One row per bank and a 合计 (total) row: belt, forest, coverage, gaps, area to
    plant, weak stands.

    Examples
    --------
    >>> bank_totals(corridor_result)[["bank", "gaps"]].values.tolist()
    [['左岸', 3], ['右岸', 2], ['合计', 5]]
    """
    stations = pd.DataFrame(result.stations.drop(columns="geometry"))
    table = summary_by(stations.assign(bank=pd.Categorical(stations["bank"], BANKS)), ["bank"])
    table["bank"] = table["bank"].astype(str)
    gaps = result.gaps.groupby("bank").agg(gaps=("gap_id", "size"),
                                           uncovered_m2=("uncovered_m2", "sum"))
    weak = result.weak_stands.groupby("bank").agg(weak_stands=("forest_id", "size"),
                                                  weak_m2=("area_m2", "sum"))
    table = table.join(gaps, on="bank").join(weak, on="bank")
    table = table.fillna({"gaps": 0, "weak_stands": 0, "uncovered_m2": 0.0, "weak_m2": 0.0})
    total = table.drop(columns="bank").sum()
    total["coverage"] = total["forest_m2"] / total["belt_m2"] if total["belt_m2"] else np.nan
    total["gap_share"] = total["gap_m"] / total["length_m"] if total["length_m"] else np.nan
    table = pd.concat([table, pd.DataFrame([{"bank": "合计", **total}])], ignore_index=True)
    return table.astype({"gaps": int, "weak_stands": int})


def corridor_sheets(result: CorridorResult, *, sources: dict[str, str] | None = None
                    ) -> dict[str, pd.DataFrame]:
    """Workbook sheets with Chinese headers (shares in per cent, geometry left out).

    Parameters
    ----------
    result : CorridorResult
    sources : dict, optional
        Input files by role (``canal``, ``rules``, ``forest`` …) for the 说明 sheet.
    """
    to_plant = {"uncovered_m2": "待新建新造面积(m²)"}
    sheets = {
        "汇总": _chinese(bank_totals(result), summary=True, headers=to_plant),
        "断档清单(新建新造)": _chinese(result.gaps),
        "提质改造清单": _chinese(result.weak_stands),
        "每公里统计": _chinese(result.per_km, summary=True),
        "分段统计": _chinese(result.belt, summary=True),
    }
    if result.per_township is not None:
        township = result.per_township.replace({"township": {"": "（不在乡镇图层内）"}})
        sheets["乡镇统计"] = _chinese(township, summary=True)
    sheets["说明"] = _notes(result, sources or {})
    return sheets


def _chinese(frame: pd.DataFrame, *, summary: bool = False,
             headers: dict[str, str] | None = None) -> pd.DataFrame:
    """Chinese headers, shares in per cent, metres and m² to 0.1 m / m².

    ``summary``: ``length_m`` is the length of bank in the group (岸线长度); ``headers``
    override :data:`CHINESE_HEADERS`.
    """
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for column in _PERCENT:
        if column in table:
            table[column] = (table[column] * 100).round(2)
    for column in table.columns:
        if column.endswith(("_m2", "_m")) and pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].round(1)
    names = {**CHINESE_HEADERS, **({"length_m": "岸线长度(m)"} if summary else {}),
             **(headers or {})}
    return table.rename(columns=names)


def _notes(result: CorridorResult, sources: dict[str, str]) -> pd.DataFrame:
    o = result.options
    rows = [(f"输入：{role}", path) for role, path in sources.items()]
    rows += [
        ("站距(m)", f"{o.step_m:g}：沿中心线每隔该距离切一个林带横断面条带"),
        ("断档覆盖率阈值", f"{o.min_coverage:.0%}：条带内林地面积占比低于该值计为未覆盖"),
        ("最小断档长度(m)", f"{o.min_gap_m:g}：连续未覆盖不短于该长度才列为断档"),
        ("合并间距(m)", f"{o.merge_m:g}：相距小于该长度的未覆盖段合并为一处断档"),
        ("保存率阈值", f"{o.min_survival:.2f}：低于该值列入提质改造"),
        ("郁闭度阈值", f"{o.min_canopy:.2f}：低于该值列入提质改造"),
        ("修复的无效多边形", "、".join(result.repaired) or "无"),
        ("说明", "林带自管理范围边线向外量取，宽度按规则文件 corridor_m；面积按平方米计，"
                 "1 亩 ≈ 666.67 m²，1 公顷 = 10000 m²。"),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def write_corridor(result: CorridorResult, path: str | Path, *, engine: str = "pyogrio",
                   sources: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Write the GeoPackage (layers belt, gaps, weak_stands, per_km, stations) and the
    workbook beside it (same name, ``.xlsx``), each atomically.

    Returns
    -------
    (Path, Path)
        The GeoPackage and the workbook.
    """
    target = Path(path)
    layers = {"belt": result.belt, "gaps": result.gaps, "weak_stands": result.weak_stands,
              "per_km": result.per_km, "stations": result.stations}
    write_vector_layers(layers, target, engine=engine)
    workbook = target.with_suffix(".xlsx")
    title = "南水北调中线总干渠生态廊道断档与林分质量分析"
    write_xlsx_sheets(corridor_sheets(result, sources=sources), workbook,
                      title_rows={"汇总": title})
    return target, workbook
