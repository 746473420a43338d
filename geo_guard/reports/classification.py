"""Classified risk sources as the bureau reads them: the table under Chinese headers and a
workbook with summary sheets (按保护区统计, 按类型统计, 无效行).

The same layout serves ``geo-guard classify -o x.xlsx`` and the Python API.

Examples
--------
>>> from geo_guard.reports.classification import classification_sheets, write_classified
>>> list(classification_sheets(sources))
['分类结果', '按保护区统计', '按类型统计', '无效行']
>>> write_classified(sources, tmp / "sources.xlsx").name
'sources.xlsx'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from geo_guard._errors import OptionError
from geo_guard.classification import CHINESE_HEADERS, summarise
from geo_guard.io.kml import KML_SUFFIXES, write_kml
from geo_guard.io.spreadsheets import write_xlsx_sheets
from geo_guard.io.vector import write_table, write_vector

__all__ = ["OUTPUT_SUFFIXES", "classification_sheets", "write_classified"]

#: What a classification can be written to.
OUTPUT_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".gpkg", ".geojson", ".json", ".parquet",
                                    ".shp", ".kml", ".kmz")


def classification_sheets(result: pd.DataFrame, summary: dict[str, Any] | None = None, *,
                          headers: str = "zh", keep_geometry: bool = False
                          ) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: every row, then counts by zone and type, then invalid rows.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`geo_guard.classify`.
    summary : dict, optional
        Output of :func:`geo_guard.classification.summarise` (computed when omitted).
    headers : {"zh", "en"}
        Chinese headers for reading, or the data contract's English names.
    keep_geometry : bool
        Keep the geometry column (as WKT) on the first sheet; a table read from CSV/XLSX
        had none, so the default leaves it out.
    """
    summary = summarise(result) if summary is None else summary
    table = _table(result, headers=headers, keep_geometry=keep_geometry)
    by_zone = summary["zone"].rename(columns={"zone_level": "级别", "zone": "保护区",
                                              "rows": "点位数"})
    by_type = summary["source_type"].rename(columns={"source_type": "风险源类型",
                                                     "rows": "点位数"})
    invalid = summary["invalid"].rename(columns={"row": "行号", "reason": "说明"})
    return {"分类结果": table, "按保护区统计": by_zone, "按类型统计": by_type, "无效行": invalid}


def write_classified(result: pd.DataFrame, output: str | Path, *, headers: str = "zh",
                     keep_geometry: bool = True, engine: str = "pyogrio",
                     summary: dict[str, Any] | None = None) -> Path:
    """Write a classification by the output's extension, atomically.

    ``.csv`` (UTF-8 with BOM) and ``.xlsx`` get ``headers`` (Chinese by default; the
    workbook adds the summary sheets); ``.gpkg``, ``.geojson``, ``.shp`` and ``.parquet``
    keep the English data contract and the geometry; ``.kml``/``.kmz`` are for phone apps
    (placemarks coloured by zone, attributes under Chinese names; rows that could not be
    placed are left out).

    Parameters
    ----------
    result : DataFrame or GeoDataFrame
        Output of :func:`geo_guard.classify`.
    output : path
    headers : {"zh", "en"}
    keep_geometry : bool
        For .csv/.xlsx: write the geometry as WKT (False for rows that came from a table).
    engine : {"pyogrio", "fiona"}
    summary : dict, optional
        Output of :func:`~geo_guard.classification.summarise`, when already computed.
    """
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OptionError(f"{output.name}: unknown output type '{suffix}'; use .csv, .xlsx, "
                          ".gpkg, .geojson, .shp, .parquet, .kml or .kmz")
    if suffix == ".parquet":
        write_table(result, output)
    elif suffix in KML_SUFFIXES:
        write_kml({"风险源": result}, output, title="风险源分类结果")
    elif suffix not in {".csv", ".xlsx"}:
        write_vector(result, output, engine=engine)
    elif suffix == ".csv":
        write_table(_table(result, headers=headers, keep_geometry=keep_geometry), output)
    else:
        write_xlsx_sheets(classification_sheets(result, summary, headers=headers,
                                                keep_geometry=keep_geometry), output)
    return output


def _table(result: pd.DataFrame, *, headers: str, keep_geometry: bool) -> pd.DataFrame:
    table = result if keep_geometry else pd.DataFrame(result.drop(columns="geometry",
                                                                  errors="ignore"))
    # Only the added columns: input columns keep their names (classify renamed those that
    # would clash with an added column's Chinese header to <name>_input).
    return table.rename(columns=CHINESE_HEADERS) if headers == "zh" else table
