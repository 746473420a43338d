"""The audit of markers, fences and crossings as the bureau reads it: a GeoPackage with a
layer per list, and beside it a workbook under Chinese headers with a 说明 sheet of the
thresholds used.

Examples
--------
>>> from geo_guard.audit import audit_facilities
>>> from geo_guard.reports.audit import audit_summary, write_audit
>>> result = audit_facilities(canal, gpd.read_file("data/boundaries/markers.geojson"),
...                           rules=rules)
>>> gpkg, workbook = write_audit(result, tmp / "audit.gpkg")
>>> gpkg.name, workbook.name
('audit.gpkg', 'audit.xlsx')
>>> audit_summary(result).set_index("检查项")["合计"].to_dict()["界标间距超限(处)"]
1
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_guard.audit import AuditResult
from geo_guard.io.spreadsheets import write_xlsx_sheets
from geo_guard.io.vector import write_vector_layers
from geo_guard.settings import BANKS
from geo_guard.vocabulary.headers import AUDIT_HEADERS

__all__ = ["AUDIT_LAYERS", "audit_sheets", "audit_summary", "write_audit"]

#: GeoPackage layers, in order (``fence_gaps`` and ``crossing_list`` only when given).
AUDIT_LAYERS = ("boundary_gaps", "corner_gaps", "crossings", "damaged_markers", "fence_gaps",
                "findings", "markers", "crossing_list", "boundaries")
TITLE = "南水北调中线总干渠水源保护区标志及隔离防护设施检查"


def audit_summary(result: AuditResult) -> pd.DataFrame:
    """One row per check with the count on each bank and in all.

    Examples
    --------
    >>> from geo_guard.audit import audit_facilities
    >>> r = audit_facilities(canal, gpd.read_file("data/boundaries/markers.geojson"),
    ...                      rules=rules)
    >>> audit_summary(r).iloc[0].tolist()
    ['界标间距超限(处)', 1, 0, 1]
    """
    entries = result.crossings
    rows: list[tuple[str, pd.DataFrame, Any]] = [
        ("界标间距超限(处)", result.boundary_gaps, None),
        ("界标间距超限长度(m)", result.boundary_gaps, "length_m"),
        ("拐点无界标(处)", result.corner_gaps, None),
        ("标志损坏或缺失(处)", result.damaged_markers, None),
        ("穿越工程进入点(处)", entries, None),
        ("进入点无警示牌(处)", entries[entries["sign"] == "无"] if len(entries) else entries,
         None),
        ("缺防护设施的穿越工程(处)", _category(result, "防护设施缺失"), None),
        ("防护设施情况不明的穿越工程(处)", _category(result, "防护设施情况不明"), None),
    ]
    if result.fence_gaps is not None:
        rows += [("隔离网缺口(处)", result.fence_gaps, None),
                 ("隔离网缺口长度(m)", result.fence_gaps, "length_m")]
    out = []
    for label, frame, column in rows:
        counts = []
        for bank in BANKS:
            part = frame[frame["bank"] == bank] if len(frame) else frame
            counts.append(round(float(part[column].sum()), 1) if column else len(part))
        total = round(float(frame[column].sum()), 1) if column else len(frame)
        out.append([label, *counts, total])
    # object columns: counts stay integers beside the lengths in metres
    return pd.DataFrame(out, columns=["检查项", *BANKS, "合计"], dtype=object)


def _category(result: AuditResult, category: str) -> pd.DataFrame:
    """Findings of one category (a crossing's facilities: one finding per crossing)."""
    findings = result.findings
    return findings[findings["category"] == category] if len(findings) else findings


def audit_sheets(result: AuditResult, *, sources: dict[str, str] | None = None
                 ) -> dict[str, pd.DataFrame]:
    """Workbook sheets with Chinese headers (geometry left out, metres to 0.1 m).

    Parameters
    ----------
    result : AuditResult
    sources : dict, optional
        Input files by role (标志, 穿越工程 …) for the 说明 sheet.
    """
    sheets = {
        "汇总": audit_summary(result),
        "问题清单": _chinese(result.findings),
        "界标间距超限": _chinese(result.boundary_gaps),
        "拐点无界标": _chinese(result.corner_gaps),
        "穿越工程进入点": _chinese(result.crossings),
        "损坏缺失标志": _chinese(result.damaged_markers),
    }
    if result.crossing_list is not None:
        sheets["穿越工程清单"] = _chinese(result.crossing_list)
    if result.fence_gaps is not None:
        sheets["隔离网缺口"] = _chinese(result.fence_gaps)
    sheets["边界统计"] = _chinese(result.boundaries)
    sheets["标志清单"] = _chinese(result.markers)
    sheets["说明"] = _notes(result, sources or {})
    return sheets


def _chinese(frame: pd.DataFrame) -> pd.DataFrame:
    """Chinese headers; an audit column whose header an input column already uses gets
    ``(归类)`` (the value as the audit read it, beside the value as typed)."""
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for column in table.columns:
        if str(column).endswith("_m") and pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].round(1)
    typed = {str(c) for c in table.columns if c not in AUDIT_HEADERS}
    names = {c: (f"{AUDIT_HEADERS[c]}(归类)" if AUDIT_HEADERS[c] in typed else AUDIT_HEADERS[c])
             for c in table.columns if c in AUDIT_HEADERS}
    return table.rename(columns=names)


def _notes(result: AuditResult, sources: dict[str, str]) -> pd.DataFrame:
    rows = [(f"输入：{role}", path) for role, path in sources.items()]
    rows += result.options.as_rows()
    rows += [
        ("边界", "各级保护区外边界：该级及更严格各级保护区合并后的外轮廓，按岸别分开；总干渠两端"
                 "（圆头或平切）和横穿总干渠的裁切线不是保护区边界，不检查。"),
        ("进入点", "线状工程与一级、二级保护区外边界的交点，两个方向均算进入点；"
                   "全线位于保护区内的工程列一行。"),
        ("设施", "防撞护栏、事故导流槽、应急池：有/无/不明；空白或无法识别的填写按“不明”列出，"
                 "不按“有”计。"),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def write_audit(result: AuditResult, path: str | Path, *, engine: str = "pyogrio",
                sources: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Write the GeoPackage (layers of :data:`AUDIT_LAYERS`, English column names) and the
    workbook beside it (same name, ``.xlsx``), each atomically.

    Returns
    -------
    (Path, Path)
        The GeoPackage and the workbook.
    """
    target = Path(path)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in AUDIT_LAYERS:
        frame = getattr(result, name)
        if frame is not None:
            layers[name] = frame
    write_vector_layers(layers, target, engine=engine)
    workbook = target.with_suffix(".xlsx")
    write_xlsx_sheets(audit_sheets(result, sources=sources), workbook,
                      title_rows={"汇总": TITLE})
    return target, workbook
