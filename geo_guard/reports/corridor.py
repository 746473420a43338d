"""The corridor analysis as the bureau reads it: totals per bank, the workbook (Chinese
headers, shares in per cent, a 说明 sheet with the thresholds) and the GeoPackage.

Examples
--------
>>> from geo_guard.reports.corridor import write_corridor
>>> gpkg, workbook = write_corridor(corridor_result, tmp / "corridor.gpkg")
>>> gpkg.name, workbook.name
('corridor.gpkg', 'corridor.xlsx')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo_guard.corridor import CorridorResult
from geo_guard.corridor.tables import summary_by
from geo_guard.io.spreadsheets import write_xlsx_sheets
from geo_guard.io.vector import write_vector_layers
from geo_guard.settings import BANKS
from geo_guard.vocabulary.headers import CORRIDOR_HEADERS

_PERCENT = ("coverage", "mean_coverage", "gap_share")


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
    override :data:`~geo_guard.vocabulary.headers.CORRIDOR_HEADERS`.
    """
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for column in _PERCENT:
        if column in table:
            table[column] = (table[column] * 100).round(2)
    for column in table.columns:
        if column.endswith(("_m2", "_m")) and pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].round(1)
    names = {**CORRIDOR_HEADERS, **({"length_m": "岸线长度(m)"} if summary else {}),
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
