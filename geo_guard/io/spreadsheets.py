"""Spreadsheets for people: CSV and XLSX that Excel opens right, with no live formulas.

Text typed by people (risk-source names, notes) ends up in CSV and XLSX files opened in
Excel; a cell such as ``=HYPERLINK(...)`` must stay text, never run as a formula
(CSV/formula injection). In CSV, where Excel decides what a cell is when it opens the
file, :func:`escape_formula` puts a ``'`` before such text; an XLSX text cell is text and
never evaluates, so it keeps the text as typed. A line break typed in a cell must not
start a new row either: CSV fields holding CR or LF are quoted (:data:`CSV_OPTIONS`, the
one place that decides how CSV is written). XLSX cells keep control characters that XML
cannot hold as Excel's own ``_x0001_`` escapes (:func:`xlsx_escape`), and a sheet is never
longer than Excel allows. XLSX sheets get a bold frozen header, a filter, column widths
fitted to Chinese text and, where the caller gives them, number formats.

The writers themselves work column by column: :mod:`geo_guard.io.csv_writer` and
:mod:`geo_guard.io.xlsx_writer`.

Examples
--------
>>> print(escape_formula('=HYPERLINK("http://x","y")'))
'=HYPERLINK("http://x","y")
>>> escape_formula("-3.5")
'-3.5'
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryDtype

from geo_guard._errors import OptionError, OutputError, name_list
from geo_guard.io.files import PathLike, atomic_path, check_target
from geo_guard.io.xlsx_writer import XLSX_MAX_CHARS, Sheet, write_workbook

if TYPE_CHECKING:  # imported when a workbook is read or saved: a sixth of a second
    import openpyxl

logger = logging.getLogger(__name__)

_SHEET_NAME_MAX = 31
# Control characters a sheet name cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE; not
# imported from openpyxl, whose import costs a command a sixth of a second).
_ILLEGAL_IN_NAME = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Excel's sheet size (header and title rows included); a longer sheet is cut when opened.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLUMNS = 16_384

#: How every CSV is written, decided here only: UTF-8 with a byte-order mark (Excel then
#: reads Chinese), CRLF line ends (RFC 4180, what Excel writes) and minimal quoting, which
#: quotes every field holding the separator, a quote, CR or LF (the characters of the line
#: end). A bare CR in a note therefore stays inside its cell: unquoted, Excel and pandas
#: read it as a line end, and the rest of the cell (``=cmd|...``) as a new row.
CSV_OPTIONS: dict[str, Any] = {
    "encoding": "utf-8-sig",
    "lineterminator": "\r\n",
    "quoting": csv.QUOTE_MINIMAL,
}

# Characters XML 1.0 cannot hold (openpyxl refuses them), plus the non-characters U+FFFE/F.
_XML_ILLEGAL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
_XML_ILLEGAL = re.compile(f"[{_XML_ILLEGAL_CHARS}]")
# Excel's escape of a character in cell text (ECMA-376 ST_Xstring): "_x0001_" is U+0001.
_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# An "_" that would start such an escape, also where the closing "_" is the start of a
# control character's escape; a lookahead, so "_x0041_x0042_" gets both.
_XLSX_ESCAPE_START = re.compile(f"_(?=x[0-9A-Fa-f]{{4}}[_{_XML_ILLEGAL_CHARS}])")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def is_geometry_column(series: pd.Series) -> bool:
    return isinstance(series.dtype, GeometryDtype)


def wkt_text(series: pd.Series) -> np.ndarray:
    # rounding_precision=-1: full precision (shortest round-trip text), so WKT in a
    # spreadsheet gives back the same coordinates; shapely's default rounds to 6 decimals.
    return shapely.to_wkt(np.asarray(series.array, dtype=object), rounding_precision=-1)


def escape_formula(value: object) -> object:
    """Make text that starts like a spreadsheet formula stay text.

    Strings starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (or the
    full-width ``＝ ＋ － ＠`` that Chinese input methods produce) get a leading
    apostrophe, so Excel/WPS show them instead of running them. Plain numbers such as
    ``"-3.5"`` or ``"+12"`` and a lone ``"-"`` (a common "none" placeholder) cannot run
    and are kept. Non-strings are returned unchanged. Escaping twice changes nothing.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        The value, with ``'`` prepended when it is formula-like text.

    Examples
    --------
    >>> escape_formula('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> escape_formula("-3.5"), escape_formula(12), escape_formula("卧龙区")
    ('-3.5', 12, '卧龙区')
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if value == "-" or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def xlsx_escape(text: str) -> str:
    """Cell text as Excel stores it: control characters XML cannot hold become ``_xHHHH_``.

    Excel writes a control character in a cell as ``_x0001_`` and shows the character
    again when it reads the file; :func:`xlsx_unescape` does the same for
    :func:`~geo_guard.io.read_table`. Text that already looks like an escape gets its
    ``_`` escaped (``_x005F_``) so it reads back unchanged.

    Examples
    --------
    >>> xlsx_escape("a\x01b"), xlsx_escape("_x0041_")
    ('a_x0001_b', '_x005F_x0041_')
    >>> xlsx_unescape(xlsx_escape("a\x01b_x0041_")) == "a\x01b_x0041_"
    True
    """
    if "_x" in text:
        text = _XLSX_ESCAPE_START.sub("_x005F_", text)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def xlsx_unescape(text: str) -> str:
    """Undo :func:`xlsx_escape` (and Excel's own escapes) in text read with openpyxl."""
    if "_x" not in text:
        return text
    return _XLSX_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


def spreadsheet_frame(df: pd.DataFrame, *, max_wkt_chars: int | None = None,
                      escape: bool = True) -> pd.DataFrame:
    """A plain DataFrame for CSV/XLSX: named index as columns, geometry as WKT, and (with
    ``escape``, for CSV) formula-like text escaped.

    Works by column position, so duplicate column names survive, and on a copy, so the
    caller's frame is never changed.
    """
    if any(name is not None for name in df.index.names):
        df = df.reset_index(allow_duplicates=True)
    frame = pd.DataFrame(df, copy=False).copy(deep=False)
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if is_geometry_column(column):
            wkt = pd.Series(wkt_text(column), index=frame.index, dtype=object)
            if max_wkt_chars is not None:
                too_long = wkt.str.len() > max_wkt_chars
                if too_long.any():
                    logger.warning(
                        "%d geometries in column '%s' are longer than an Excel cell holds "
                        "(%d characters) and are left empty; write .gpkg or .csv for them",
                        int(too_long.sum()),
                        frame.columns[i],
                        max_wkt_chars,
                    )
                    wkt = wkt.where(~too_long, None)
            frame.isetitem(i, wkt)
        elif escape and (
            pd.api.types.is_object_dtype(column.dtype)
            or pd.api.types.is_string_dtype(column.dtype)
            or isinstance(column.dtype, pd.CategoricalDtype)
        ):
            frame.isetitem(i, column.astype(object).map(escape_formula))
    if escape:
        frame.columns = [escape_formula(c) for c in frame.columns]
    return frame


def _sheet_title(name: object, used: set[str]) -> str:
    """An Excel-valid, unique sheet title: 31 characters, none of []:*?/\\ ."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", _ILLEGAL_IN_NAME.sub("", str(name)))
    cleaned = cleaned.strip().strip("'").strip() or "Sheet"
    candidate, number = cleaned[:_SHEET_NAME_MAX], 1
    # Excel compares sheet names case-insensitively and reserves "History".
    while candidate.casefold() in used or candidate.casefold() == "history":
        number += 1
        suffix = f"({number})"
        candidate = cleaned[: _SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(candidate.casefold())
    if candidate != name:
        logger.info(
            "sheet %r is named %r in the workbook (Excel allows 31 characters, "
            "no []:*?/\\ and unique names)",
            name,
            candidate,
        )
    return candidate


def _check_sheet_size(target: Path, sheet: object, rows: int, columns: int) -> None:
    """Refuse a sheet Excel would cut: it opens the file and silently drops the rest."""
    if rows > XLSX_MAX_ROWS:
        raise OutputError(
            f"{target.name}: sheet '{sheet}' would have {rows:,} rows (header included), more "
            f"than the {XLSX_MAX_ROWS:,} an Excel sheet holds; write .csv or .parquet instead, "
            "or split the table over several sheets"
        )
    if columns > XLSX_MAX_COLUMNS:
        raise OutputError(
            f"{target.name}: sheet '{sheet}' has {columns:,} columns, more than the "
            f"{XLSX_MAX_COLUMNS:,} an Excel sheet holds; write .csv or .parquet instead"
        )


def write_xlsx_sheets(
    sheets: Mapping[str, pd.DataFrame],
    path: PathLike,
    *,
    title_rows: Mapping[str, str] | None = None,
    number_formats: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write several tables as sheets of one Excel workbook, atomically.

    Each sheet gets a bold, frozen header row with a filter, column widths fitted to the
    content (Chinese characters count double), and optionally a bold title row above the
    header. Numbers stay numbers (with the given number formats), missing values are empty
    cells, geometry is WKT text, text is a text cell (never a formula, so text that starts
    like one is kept as typed), integers with more than 15 digits (ID numbers) are written
    as text so Excel cannot round them, and time zones are dropped (Excel has none; the
    wall-clock time is kept). Sheet names are made valid for Excel (31 characters, no
    ``[]:*?/\\``, unique). Large tables are fine: 200,000 rows take seconds
    (:mod:`geo_guard.io.xlsx_writer`).

    Parameters
    ----------
    sheets : Mapping[str, pandas.DataFrame]
        Sheet name -> table, in workbook order.
    path : str or os.PathLike
        Output ``.xlsx`` file; its folder must exist.
    title_rows : Mapping[str, str], optional
        Sheet name -> title written above that sheet's header.
    number_formats : Mapping[str, Mapping[str, str]], optional
        Sheet name -> {column: Excel number format such as ``"0.0"``}.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        ``path`` is not ``.xlsx``, its folder is missing, or a sheet has more rows (header
        and title included) or columns than Excel allows (1,048,576 x 16,384): write CSV
        or Parquet for such tables, or split them.
    OptionError
        No sheets, or titles for sheets that are not written.

    Examples
    --------
    >>> summary = pd.DataFrame({"保护区": ["一级保护区"], "点位数": [3]})
    >>> path = write_xlsx_sheets({"汇总": summary}, tmp / "周报.xlsx",
    ...                          title_rows={"汇总": "饮用水水源保护区风险源汇总"})
    >>> path.name
    '周报.xlsx'
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(
            f"{target.name}: a workbook needs the .xlsx extension; give a path ending in .xlsx"
        )
    check_target(target)
    if not sheets:
        raise OptionError("no sheets to write; give at least one {sheet name: DataFrame}")
    titles = dict(title_rows or {})
    unknown = [name for name in titles if name not in sheets]
    if unknown:
        raise OptionError(
            f"title_rows names sheets that are not written ({name_list(unknown)}); "
            "use the same names as in sheets"
        )
    for name, df in sheets.items():
        _check_sheet_size(target, name, len(df) + 1 + bool(titles.get(name)), df.shape[1])
    formats = dict(number_formats or {})
    used: set[str] = set()
    prepared = []
    for name, df in sheets.items():
        frame = spreadsheet_frame(df, max_wkt_chars=XLSX_MAX_CHARS, escape=False)
        _check_sheet_size(target, name, 0, frame.shape[1])  # a named index adds columns
        prepared.append(Sheet(_sheet_title(name, used), frame, titles.get(name),
                              formats.get(name, {})))
    write_workbook(prepared, target)
    return target


def save_workbook_atomically(workbook: openpyxl.Workbook, target: Path) -> Path:
    """Save an openpyxl workbook to ``target`` atomically (the old file stays on failure).

    Examples
    --------
    >>> import openpyxl
    >>> save_workbook_atomically(openpyxl.Workbook(), tmp / "empty.xlsx").name
    'empty.xlsx'
    """
    # Zip in memory, then write once: openpyxl leaves its zip file open when the disk fills
    # up, and its clean-up at exit would print a traceback.
    buffer = io.BytesIO()
    workbook.save(buffer)
    with atomic_path(target) as temp:
        temp.write_bytes(buffer.getbuffer())
    return Path(target)
