"""Classified risk sources as the bureau reads them: the table under Chinese headers and a
workbook with summary sheets (按保护区统计, 按类型统计, 无效行及待核实, 读取说明).

The same layout serves ``geo-guard classify -o x.xlsx`` and the Python API.

Examples
--------
>>> from geo_guard.reports.classification import classification_sheets, write_classified
>>> list(classification_sheets(sources))
['分类结果', '按保护区统计', '按类型统计', '无效行及待核实']
>>> write_classified(sources, tmp / "sources.xlsx").name
'sources.xlsx'
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_guard._errors import InputFileError, OptionError
from geo_guard.classification import CHINESE_HEADERS, NOTES, OUTPUT_COLUMNS, summarise
from geo_guard.io import LAYOUT, as_layout
from geo_guard.io.coord_headers import find_coordinate_columns
from geo_guard.io.files import check_target
from geo_guard.io.geoparquet import write_parquet
from geo_guard.io.kml import KML_SUFFIXES, write_kml
from geo_guard.io.spreadsheets import write_xlsx_sheets
from geo_guard.io.vector import write_table, write_vector
from geo_guard.settings import FAR_FROM_CANAL_M
from geo_guard.vocabulary.columns import (
    ID_COLUMNS,
    NAME_COLUMNS,
    TOWNSHIP_HEADERS,
    TYPE_HEADERS,
    VILLAGE_HEADERS,
    find_column,
)

__all__ = ["CHECK_SHEET", "CSV_DECIMALS", "NUMBER_FORMATS", "OUTPUT_SUFFIXES", "SERIAL_COLUMNS",
           "classification_sheets", "rows_to_check", "write_classified"]

#: Excel number formats of the added columns in the workbook (the stored numbers keep
#: their full precision; the format only decides what a cell shows).
NUMBER_FORMATS: dict[str, str] = {
    "zone_level": "0", "distance_m": "0.0", "edge_distance_m": "0.0",
    "zone_boundary_m": "0.0", "chainage_m": "0.0", "lon": "0.000000", "lat": "0.000000",
    **{f"inside_L{level}": "0.0" for level in range(4)},
}
#: Decimals of the added float columns in a CSV: distances and chainages to the
#: centimetre, WGS84 coordinates to 1e-7 degree (about 1 cm); the workbook and the vector
#: and Parquet outputs keep every digit.
CSV_DECIMALS: dict[str, int] = {
    "distance_m": 2, "edge_distance_m": 2, "zone_boundary_m": 2, "chainage_m": 2,
    "lon": 7, "lat": 7, **{f"inside_L{level}": 2 for level in range(4)},
}
#: Input columns holding a row's serial number (序号): a number in the workbook when every
#: filled cell is a whole number typed without leading zeros.
SERIAL_COLUMNS = ("序号",)
_WHOLE_NUMBER = r"^(?:0|[1-9][0-9]{0,14})$"

#: What a classification can be written to.
OUTPUT_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".gpkg", ".geojson", ".json", ".parquet",
                                    ".shp", ".kml", ".kmz")
#: The sheet of rows to look at again: not placed (无效) or placed far away (待核实).
CHECK_SHEET = "无效行及待核实"
#: How the sheet of rows to check names a status.
STATUS_WORDS = {"invalid": "无效",
                "far": f"待核实（距总干渠超过{FAR_FROM_CANAL_M / 1000:.0f}公里）"}


def classification_sheets(result: pd.DataFrame, summary: dict[str, Any] | None = None, *,
                          headers: str = "zh", keep_geometry: bool = False
                          ) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: every row, counts by zone and type, the rows to check, and
    how the file was read.

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

    Returns
    -------
    dict
        ``分类结果``, ``按保护区统计``, ``按类型统计``, ``无效行及待核实`` (:func:`rows_to_check`)
        and, when there is anything to say, ``读取说明``: how a form was read (header
        rows, 填报单位/填报时间, notes under the records, merged cells filled down,
        sheets left out) and the notes on the whole table (the GCJ-02 hint).
    """
    summary = summarise(result) if summary is None else summary
    table = _table(result, headers=headers, keep_geometry=keep_geometry)
    by_zone = summary["zone"].rename(columns={"zone_level": "级别", "zone": "保护区",
                                              "rows": "点位数"})
    by_type = summary["source_type"].rename(columns={"source_type": "风险源类型",
                                                     "rows": "点位数"})
    sheets = {"分类结果": table, "按保护区统计": by_zone, "按类型统计": by_type,
              CHECK_SHEET: rows_to_check(result, summary)}
    notes = reading_notes(result)
    if len(notes):
        sheets["读取说明"] = notes
    return sheets


def rows_to_check(result: pd.DataFrame, summary: dict[str, Any] | None = None) -> pd.DataFrame:
    """The rows not placed (无效) or placed more than 50 km out (待核实), findable in the
    file: sheet and row number, the columns that identify the row as typed (序号, 名称,
    乡镇（街道）, 行政村, type, coordinates), status, distance to the canal and reason.

    Examples
    --------
    >>> table = pd.DataFrame({"序号": [1, 2], "名称": ["甲", "乙"], "经度": [112.3, "不详"],
    ...                       "纬度": [33.0, 33.0]})
    >>> from geo_guard import classify
    >>> rows_to_check(classify(table, canal, rules)).columns.tolist()[:5]
    ['行号', '序号', '名称', '经度', '纬度']
    """
    summary = summarise(result) if summary is None else summary
    found = summary["invalid"]
    positions = found.index.to_numpy(dtype=np.int64)
    out = pd.DataFrame(index=range(len(found)))
    if "sheet" in found.columns:
        out["工作表"] = found["sheet"].to_numpy(dtype=object)
    out["行号"] = found["row"].to_numpy()
    for column in identifying_columns(result):  # the few rows only, not a million strings
        out[str(column)] = result[column].iloc[positions].to_numpy(dtype=object)
    out["状态"] = [STATUS_WORDS.get(str(v), str(v)) for v in found["status"]]
    distance = pd.to_numeric(result["distance_m"], errors="coerce").to_numpy(dtype=float)
    out["距中心线(km)"] = np.round(distance[positions] / 1000, 1)
    out["说明"] = found["reason"].to_numpy(dtype=object)
    return out


def identifying_columns(result: pd.DataFrame) -> list[Any]:
    """Input columns that tell a row apart, in table order: number, name, township,
    village, type as typed, and the coordinates as typed."""
    added = {*OUTPUT_COLUMNS, "geometry"}
    layout = as_layout(result.attrs.get(LAYOUT))
    if layout is not None and layout.sheet_column:
        added.add(layout.sheet_column)
    inputs = [c for c in result.columns if str(c) not in added]
    wanted = {find_column(inputs, headers) for headers in (
        ID_COLUMNS, NAME_COLUMNS, TOWNSHIP_HEADERS, VILLAGE_HEADERS, TYPE_HEADERS)}
    with contextlib.suppress(InputFileError):  # no coordinate columns (a vector file)
        wanted.update(find_coordinate_columns([str(c) for c in inputs]))
    return [c for c in inputs if c in wanted or str(c) in wanted]


def reading_notes(result: pd.DataFrame) -> pd.DataFrame:
    """One line per fact about how the table was read and what to check in it.

    Examples
    --------
    >>> reading_notes(pd.DataFrame({"a": [1]})).columns.tolist()
    ['说明']
    """
    lines: list[str] = list(result.attrs.get(NOTES) or [])
    layout = as_layout(result.attrs.get(LAYOUT))
    if layout is not None and not layout.plain:
        for sheet in layout.sheets:
            where = f"{sheet.sheet}: " if sheet.sheet is not None and len(layout.sheets) > 1 else ""
            lines += [f"{where}{label}：{value}" for label, value in sheet.filled_in.items()]
        lines += layout.describe()
    return pd.DataFrame({"说明": lines}, dtype=object)


def write_classified(result: pd.DataFrame, output: str | Path, *, headers: str = "zh",
                     keep_geometry: bool = True, engine: str = "pyogrio",
                     summary: dict[str, Any] | None = None) -> Path:
    """Write a classification by the output's extension, atomically.

    ``.csv`` (UTF-8 with BOM) and ``.xlsx`` get ``headers`` (Chinese by default; the CSV
    gives distances and chainages to the centimetre and WGS84 coordinates to 1e-7 degree
    (:data:`CSV_DECIMALS`); the workbook adds the summary sheets, shows distances and
    chainages with one decimal and WGS84 coordinates with six (:data:`NUMBER_FORMATS`),
    and stores 序号 as a number); ``.gpkg``, ``.geojson``, ``.shp`` and ``.parquet`` keep
    the English data contract and the geometry (a classification made with
    ``geometry=False`` gets its WGS84 points from ``lon``/``lat`` in ``.parquet``);
    ``.kml``/``.kmz`` are for phone apps (placemarks coloured by zone, attributes under
    Chinese names; rows that could not be placed are left out).

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
    if suffix == ".parquet" and not isinstance(result, gpd.GeoDataFrame) and \
            {"lon", "lat"} <= set(result.columns):
        # classify(geometry=False): the WGS84 points made from lon/lat as the file is written.
        check_target(output)
        write_parquet(result, output, points=(result["lon"].to_numpy(dtype=float),
                                              result["lat"].to_numpy(dtype=float), 4326))
    elif suffix == ".parquet":
        write_table(result, output)
    elif suffix in KML_SUFFIXES:
        write_kml({"风险源": result}, output, title="风险源分类结果")
    elif suffix not in {".csv", ".xlsx"}:
        write_vector(result, output, engine=engine)
    elif suffix == ".csv":
        names = CHINESE_HEADERS if headers == "zh" else {c: c for c in CSV_DECIMALS}
        write_table(_table(result, headers=headers, keep_geometry=keep_geometry), output,
                    decimals={names[column]: places for column, places in CSV_DECIMALS.items()})
    else:
        sheets = classification_sheets(result, summary, headers=headers,
                                       keep_geometry=keep_geometry)
        sheets["分类结果"] = _serials_as_numbers(sheets["分类结果"])
        names = CHINESE_HEADERS if headers == "zh" else {c: c for c in NUMBER_FORMATS}
        formats = {names[column]: fmt for column, fmt in NUMBER_FORMATS.items()}
        formats.update(dict.fromkeys(SERIAL_COLUMNS, "0"))
        write_xlsx_sheets(sheets, output, number_formats={"分类结果": formats})
    return output


def _serials_as_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """序号 typed as text ("1", "2" … read from a CSV) as numbers, so Excel sorts and sums
    them; left as text when any cell is not a plain whole number ("1-1", "012")."""
    for i, column in enumerate(table.columns):
        if column not in SERIAL_COLUMNS:
            continue
        values = table.iloc[:, i]
        if pd.api.types.is_numeric_dtype(values.dtype):
            continue
        text = values.astype("string").str.strip()
        filled = text.notna() & (text != "")
        if not filled.any() or not text[filled].str.fullmatch(_WHOLE_NUMBER).all():
            continue
        numbers = pd.to_numeric(text.where(filled), errors="coerce").astype("Int64")
        table = table.copy(deep=False)
        table.isetitem(i, numbers)
    return table


def _table(result: pd.DataFrame, *, headers: str, keep_geometry: bool) -> pd.DataFrame:
    table = result if keep_geometry else pd.DataFrame(result.drop(columns="geometry",
                                                                  errors="ignore"))
    # Only the added columns: input columns keep their names (classify renamed those that
    # would clash with an added column's Chinese header to <name>_input).
    return table.rename(columns=CHINESE_HEADERS) if headers == "zh" else table
