"""The register's data written out: the problems as GeoPackage or GeoJSON points (English
column names, the data contract) or as a CSV table under Chinese headers.

The CSV has the columns of the seed's 附件4 first, in its order (序号, 乡镇（街道）, 行政村,
风险源类型, 风险源描述, 整改措施, 整改时限, 整改进度, 责任单位, 责任人), then the ledger's
own (编号, 状态, 保护区类型, 桩号 …); 整改进度 says the status and the latest note (and 超期
when overdue). Text typed by people is never written as a live formula. The print-ready
附件4 workbook is :func:`geo_guard.reports.forms.attachment4_workbook`'s
(``geo-guard ledger export -o 台账.xlsx``).

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
from geo_guard.ledger.history import DATE_FIELDS
from geo_guard.ledger.ledger import Ledger
from geo_guard.vocabulary.headers import LEDGER_HEADERS

__all__ = ["ATTACHMENT4_COLUMNS", "EXPORT_SUFFIXES", "export_ledger", "ledger_table"]

EXPORT_SUFFIXES = (".gpkg", ".csv", ".geojson")

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


def ledger_table(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems under Chinese headers, 附件4's columns first, then the ledger's others.

    Examples
    --------
    >>> p = pd.DataFrame({"problem_id": [3], "status": ["整改中"], "progress": ["拆除中"],
    ...                   "overdue": [True], "township": ["示意镇"], "village": ["示意村"]})
    >>> ledger_table(p)[["序号", "整改进度", "编号"]].values.tolist()
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
    """Write the problems out, format by extension, atomically.

    Parameters
    ----------
    ledger : Ledger
    path : str or path-like
        ``.gpkg`` / ``.geojson`` (points, English column names), ``.csv`` (Chinese
        headers, UTF-8 with BOM, :func:`ledger_table`).
    as_of : date, optional
        Day for 超期/临期 (default today).

    Examples
    --------
    >>> from geo_guard.ledger import init_ledger
    >>> export_ledger(init_ledger(tmp / "l.gpkg"), tmp / "台账.csv").name
    '台账.csv'
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise OutputError(f"{target.name}: export the problems as .gpkg, .geojson or .csv "
                          "(the 附件4 workbook: geo-guard ledger export -o 台账.xlsx)")
    problems = ledger.problems(as_of or dt.date.today())
    if suffix == ".csv":
        return write_table(ledger_table(problems), target)
    return write_vector(_vector_frame(problems), target)
