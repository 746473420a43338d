"""The register written out: a workbook in the 附件4 layout (专项行动问题整改台账) with the
history beside it, or the problems as GeoPackage, GeoJSON or CSV.

The workbook's first sheet has the columns of the seed's 附件4 in its order (序号,
乡镇（街道）, 行政村, 风险源类型, 风险源描述, 整改措施, 整改时限, 整改进度, 责任单位,
责任人), then the ledger's own columns (编号, 状态, 保护区类型, 桩号 …); 整改进度 says the
status and the latest note (and 超期 when overdue). A second sheet holds the history
(整改过程记录). Text typed by people is never written as a live formula.

Examples
--------
>>> from geo_guard.ledger.export import ATTACHMENT4_COLUMNS
>>> ATTACHMENT4_COLUMNS[6:8]
('整改时限', '整改进度')
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_guard._errors import OutputError
from geo_guard.io import write_table, write_vector
from geo_guard.io.spreadsheets import write_xlsx_sheets
from geo_guard.ledger.history import DATE_FIELDS
from geo_guard.ledger.ledger import Ledger
from geo_guard.vocabulary.headers import EVENT_HEADERS, LEDGER_HEADERS

__all__ = ["ATTACHMENT4_COLUMNS", "EXPORT_SUFFIXES", "attachment4_table", "export_ledger"]

EXPORT_SUFFIXES = (".xlsx", ".gpkg", ".csv", ".geojson")

#: The seed's 附件4 columns, in its order.
ATTACHMENT4_COLUMNS: tuple[str, ...] = (
    "序号", "乡镇（街道）", "行政村", "风险源类型", "风险源描述", "整改措施", "整改时限",
    "整改进度", "责任单位", "责任人",
)


def _progress(row: pd.Series) -> str:
    text = str(row["status"])
    if isinstance(row["progress"], str) and row["progress"]:
        text += f"：{row['progress']}"
    return text + ("（超期）" if bool(row["overdue"]) else "")


def attachment4_table(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems as the 附件4 table (then the ledger's other columns), Chinese headers.

    Examples
    --------
    >>> p = pd.DataFrame({"problem_id": [3], "status": ["整改中"], "progress": ["拆除中"],
    ...                   "overdue": [True], "township": ["示意镇"], "village": ["示意村"]})
    >>> attachment4_table(p)[["序号", "整改进度", "编号"]].values.tolist()
    [[1, '整改中：拆除中（超期）', 3]]
    """
    frame = pd.DataFrame(problems.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    progress = frame.apply(_progress, axis=1) if len(frame) else pd.Series([], dtype=object)
    table = frame.rename(columns=LEDGER_HEADERS)
    table["整改进度"] = progress.to_numpy()
    table.insert(0, "序号", range(1, len(table) + 1))
    first = [c for c in ATTACHMENT4_COLUMNS if c in table.columns]
    rest = [c for c in table.columns if c not in first]
    return table[first + rest]


def _vector_frame(problems: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = problems.copy()
    for column in (*DATE_FIELDS, "closed_on", "rectified_on"):
        if column in out:
            out[column] = pd.to_datetime(pd.Series(out[column].to_numpy(), dtype=object,
                                                   index=out.index))
    return out


def export_ledger(ledger: Ledger, path: str | os.PathLike[str], *,
                  as_of: dt.date | None = None) -> Path:
    """Write the register out, format by extension, atomically.

    Parameters
    ----------
    ledger : Ledger
    path : str or path-like
        ``.xlsx`` (附件4 layout + history sheet), ``.gpkg`` / ``.geojson`` (points, English
        column names, the data contract), ``.csv`` (Chinese headers, UTF-8 with BOM).
    as_of : date, optional
        Day for 超期/临期 (default today).

    Examples
    --------
    >>> from geo_guard.ledger import init_ledger
    >>> export_ledger(init_ledger(tmp / "l.gpkg"), tmp / "台账.xlsx").name
    '台账.xlsx'
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise OutputError(f"{target.name}: export as .xlsx (附件4 layout), .gpkg, .csv or "
                          ".geojson")
    as_of = as_of or dt.date.today()
    problems = ledger.problems(as_of)
    if suffix == ".xlsx":
        events = ledger.events()
        history = events[list(EVENT_HEADERS)].rename(columns=EVENT_HEADERS)
        title = f"专项行动问题整改台账（截至 {as_of:%Y年%m月%d日}）"
        return write_xlsx_sheets({"问题整改台账": attachment4_table(problems),
                                  "整改过程记录": history}, target,
                                 title_rows={"问题整改台账": title})
    if suffix == ".csv":
        return write_table(attachment4_table(problems), target)
    return write_vector(_vector_frame(problems), target)
