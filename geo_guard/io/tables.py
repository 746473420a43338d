"""Reading the tables field teams send: CSV in any common encoding, or XLSX.

CSV comes as UTF-8, UTF-8 with BOM, GBK/GB18030 or Excel's UTF-16 "Unicode text" (a file
mixing UTF-8 and GBK lines is read line by line, :mod:`geo_guard.io.encoding`), with any
common separator; XLSX by sheet. Values are kept as typed (``"0123"`` stays text), a
title row above the header is skipped, and every record row is kept, empty ones between
records included, so row numbers match the sheet. Fields of any length are read, and
empty fields beyond the header (``...,d,,,``) are ignored.

Examples
--------
>>> table = read_table("data/boundaries/risk_sources_gbk.csv")
>>> table.columns[:5].tolist(), len(table)
(['序号', '名称', '类型', '经度', '纬度'], 60)
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo_guard._errors import InputFileError, OptionError, one_line
from geo_guard.io.csv_arrow import read_csv_fast
from geo_guard.io.encoding import DecodedText, decode_text
from geo_guard.io.form_layout import (
    HEADER_SEARCH_ROWS,
    LAYOUT,
    HeaderFound,
    MergedRange,
    SheetLayout,
    TableLayout,
    fill_merged_down,
    find_header,
    is_filled,
    merged_ranges,
    trailing_notes,
)
from geo_guard.io.spreadsheets import xlsx_unescape

logger = logging.getLogger(__name__)

_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"
# Old BIFF .xls, but also password-protected .xlsx (an encrypted OLE container).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEPARATORS = ("\t", ";", ",", "|")
#: ``read_table(sheet=ALL_SHEETS)`` reads every sheet (``--sheet all``).
ALL_SHEETS = "all"
#: The column naming each row's sheet when every sheet is read.
SHEET_COLUMN = "工作表"
#: Trailing rows looked at for notes under the records (注：…, 合计, 填表人：…).
_NOTE_ROWS_MAX = 50
#: ``DataFrame.attrs`` key of :func:`read_table`: row label -> a note on that row (a line
#: in another encoding), for callers that report a reason per row (classify does).
ROW_NOTES = "row_notes"

# The csv module refuses fields over 131,072 characters by default, pandas reads any; a
# long note or WKT is a legitimate value, so lift the limit (it only ever grows here).
# 2**31 - 1 rather than sys.maxsize, which overflows a C long on Windows.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def _lines(text: str) -> list[str]:
    """Lines split where pandas and Excel split them (CR, LF, CRLF), endings kept.

    Not :meth:`str.splitlines`, which also breaks at \\v, \\f, \\x1c-\\x1e, U+0085,
    U+2028 and U+2029: those are ordinary characters inside a CSV field.
    """
    return io.StringIO(text, newline="").readlines()


def _csv_rows(lines: list[str], sep: str) -> list[list[str]]:
    try:
        return list(csv.reader(lines, delimiter=sep))
    except csv.Error:  # a stray quote in the first lines: this separator does not fit
        return []


def _sniff_separator(lines: list[str]) -> str:
    """The separator giving the same field count (>1) on most of the first lines."""
    best, best_score = ",", (0, 0)
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep) if row]
        if not counts:
            continue
        width = max(set(counts), key=counts.count)
        score = (counts.count(width), width) if width > 1 else (0, 0)
        if score > best_score:  # ties keep the earlier, tab before comma
            best, best_score = sep, score
    return best


def _head_records(lines: list[str], sep: str) -> tuple[list[list[str]], list[int], list[int]]:
    """Records of the first lines (``[]`` for a blank line), with first and last line."""
    records: list[list[str]] = []
    starts: list[int] = []
    ends: list[int] = []
    reader = csv.reader(lines, delimiter=sep)
    first = 1
    try:
        for row in reader:
            records.append(row)
            starts.append(first)
            ends.append(reader.line_num)
            first = reader.line_num + 1
    except csv.Error:  # a stray quote: what was read so far is what there is to look at
        pass
    return records, starts, ends


def _header_lines(head_text: str, header_row: int | None
                  ) -> tuple[str, HeaderFound, list[int], list[int], int]:
    """From the first lines: the separator, the header found, each head record's first and
    last line, and how many lines come before the (last) row of names."""
    head = _lines(head_text[:200_000])[: HEADER_SEARCH_ROWS + 20]
    sep = _sniff_separator([line for line in head if line.strip()][:20])
    records, starts, ends = _head_records(head, sep)
    found = find_header(records[: HEADER_SEARCH_ROWS + 10], (), header_row)
    names_at = found.first + found.rows - 1  # pandas reads the (last) name row
    skip = starts[names_at] - 1 if names_at < len(starts) else 0
    return sep, found, starts, ends, skip


def _read_text_table(
    data: bytes, name: str, encoding: str | None, header_row: int | None
) -> tuple[pd.DataFrame, SheetLayout]:
    fast = _read_utf8_fast(data, name, header_row) if encoding is None else None
    if fast is not None:
        return fast
    decoded = decode_text(data, name, encoding)
    text = decoded.text
    if not text or text.isspace():  # not text.strip(): no copy of a large file
        raise InputFileError(f"{name}: the file is empty; export the table again with a header row")
    sep, found, starts, ends, skip = _header_lines(text, header_row)
    if found.first:
        logger.warning("%s: skipped %d line(s) above the header", name, starts[found.first] - 1)
    df = _parse_csv(text, sep, skip, name)
    if found.rows > 1:
        df = _named(df, found)
    first_data_line = ends[found.data_start - 1] + 1 if found.data_start - 1 < len(ends) else 1
    if found.numbered and len(df):
        df = df.iloc[1:].reset_index(drop=True)
    spans = None
    rows = _fast_record_lines(text, first_data_line, len(df))
    if rows is None or decoded.other_lines:
        spans = _record_lines(text, sep, first_data_line)
        if spans is not None and len(spans) != len(df):
            spans = None  # records and rows do not line up (pandas' own rules): positions
        rows = (np.array([a for a, _ in spans], dtype=np.int64) if spans is not None
                else first_data_line + np.arange(len(df), dtype=np.int64))
    df, layout = _form_parts(df, found, rows, None,
                             (starts[found.first], ends[found.data_start - 1]))
    if decoded.other_lines and spans is not None:
        df.attrs[ROW_NOTES] = _encoding_notes(decoded, spans[: len(df)])
    return df, layout


def _read_utf8_fast(data: bytes, name: str, header_row: int | None
                    ) -> tuple[pd.DataFrame, SheetLayout] | None:
    """A well-formed UTF-8 file read by Arrow's parser straight from its bytes: the whole
    file is never decoded into a Python string, nor its records counted by the csv module
    (seconds and gigabytes less on a million rows). None for anything else (other
    encodings, odd quoting, short or long lines): pandas' parser, its checks and its
    messages decide then. The header is found as for every text file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:  # the first megabyte holds more than the 200,000 characters the header search reads
        head = codecs.getincrementaldecoder("utf-8")().decode(data[start : start + (1 << 20)])
    except UnicodeDecodeError:
        return None
    if not head or head.isspace():
        return None
    sep, found, starts, ends, skip = _header_lines(head, header_row)
    read = read_csv_fast(head, sep, skip, data, start)
    if read is None:
        return None
    df = read.frame
    if found.first:
        logger.warning("%s: skipped %d line(s) above the header", name, starts[found.first] - 1)
    if found.rows > 1:
        df = _named(df, found)
    first_data_line = ends[found.data_start - 1] + 1 if found.data_start - 1 < len(ends) else 1
    if found.numbered and len(df):
        df = df.iloc[1:].reset_index(drop=True)
    rows = read.lines[read.lines >= first_data_line]
    if len(rows) != len(df):  # cannot happen for a file Arrow read; positions then
        rows = first_data_line + np.arange(len(df), dtype=np.int64)
    return _form_parts(df, found, rows, None, (starts[found.first], ends[found.data_start - 1]))


def _named(df: pd.DataFrame, found: HeaderFound) -> pd.DataFrame:
    """Columns named from a two-row header (by position; extra columns keep theirs)."""
    names = _excel_header(found.names + list(df.columns[len(found.names):]))
    return df.set_axis(names[: df.shape[1]], axis=1)


def _fast_record_lines(text: str, first_line: int, rows: int) -> NDArray[np.int64] | None:
    """Line of every record when each line is one record (no blank line, no line break in
    a quoted field): counted, not parsed. ``None`` otherwise."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    lines = breaks + (0 if text.endswith(("\n", "\r")) else 1)
    if lines - (first_line - 1) != rows:
        return None
    return first_line + np.arange(rows, dtype=np.int64)


def _form_parts(
    df: pd.DataFrame,
    found: HeaderFound,
    rows: NDArray[np.int64],
    sheet: str | None,
    header_lines: tuple[int, int],
    raw: NDArray[np.object_] | None = None,
    merges: Sequence[MergedRange] = (),
) -> tuple[pd.DataFrame, SheetLayout]:
    """Notes at the bottom taken off, merged cells filled down, and the sheet's layout."""
    n = len(df)
    tail = max(0, n - _NOTE_ROWS_MAX)
    # Only the last rows can be notes: look at those alone (a table may have a million).
    cells = raw[tail:n] if raw is not None else df.iloc[tail:n].to_numpy(dtype=object)
    offset = found.data_start
    keep, notes = trailing_notes([list(r) for r in cells], rows[tail:n], merges, offset + tail)
    keep += tail
    if keep < n:
        df, rows = df.iloc[:keep], rows[:keep]
    filled_down: dict[str, int] = {}
    if merges and keep:
        values = df.to_numpy(dtype=object).copy()
        counts = fill_merged_down(values, merges, offset)
        if counts:
            df = pd.DataFrame(values, columns=df.columns, dtype=object)
            filled_down = {str(df.columns[j]): c for j, c in sorted(counts.items())}
    header_rows = tuple(range(header_lines[0], header_lines[1] + 1))
    layout = SheetLayout(sheet, header_rows, found.above, found.filled_in, notes, filled_down,
                         np.asarray(rows, dtype=np.int64))
    for line in layout.describe()[1:]:
        logger.info("%s", line)
    return df, layout


def _parse_csv(text: str, sep: str, skip: int, name: str) -> pd.DataFrame:
    # dtype=str + keep_default_na=False: values stay as typed ("0123", "NA", "112,5").
    # index_col=False: a trailing separator on every line must not turn the first column
    # into the index. pandas then cuts fields beyond the header with only a warning.
    options: dict[str, object] = {
        "sep": sep,
        "dtype": str,
        "keep_default_na": False,
        "skiprows": skip,
        "index_col": False,
        "engine": "c",
    }
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            try:
                df = pd.read_csv(io.StringIO(text), **options)  # type: ignore[call-overload]
            except pd.errors.ParserError as err:
                if "Expected" not in str(err):
                    raise
                # Lines with several fields beyond the header ("...,d,,,"): pandas refuses
                # them outright. Empty extra fields are formatting; filled ones are refused.
                header = pd.read_csv(io.StringIO(text), nrows=0, **options)  # type: ignore[call-overload]
                width = header.shape[1]
                _check_extra_fields(text, sep, skip, width, name)
                df = pd.read_csv(io.StringIO(text), usecols=range(width), **options)  # type: ignore[call-overload]
                logger.info("%s: empty fields beyond the header's %d columns ignored", name, width)
    except InputFileError:
        raise
    except pd.errors.EmptyDataError:
        raise InputFileError(
            f"{name}: the file is empty; export the table again with a header row"
        ) from None
    except (pd.errors.ParserError, ValueError) as err:
        raise InputFileError(
            f"{name}: cannot read the table ({one_line(err)[:300]}); quote values that contain "
            f"the separator {sep!r}"
        ) from None
    for w in caught:
        if issubclass(w.category, pd.errors.ParserWarning):
            _check_extra_fields(text, sep, skip, df.shape[1], name)
        else:
            warnings.warn(w.message, w.category, stacklevel=3)
    # Short lines leave NaN; make them empty text like every other empty cell.
    return df.fillna("")


def _check_extra_fields(text: str, sep: str, skip: int, width: int, name: str) -> None:
    """Refuse lines whose fields beyond the header are filled: pandas would drop them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for record, row in enumerate(reader):
            if record > skip and len(row) > width and any(f.strip() for f in row[width:]):
                raise InputFileError(
                    f"{name}: line {reader.line_num} has {len(row)} fields but the header has "
                    f"{width}; quote values that contain {sep!r} or name the extra column"
                )
    except csv.Error as err:
        raise InputFileError(
            f"{name}: cannot read line {reader.line_num} ({one_line(err)}); quote values that "
            f"contain {sep!r}, quotes or line breaks"
        ) from None


def _record_lines(text: str, sep: str, first_line: int) -> list[tuple[int, int]] | None:
    """First and last line (1-based) of every record from ``first_line`` on, blank lines
    left out as pandas leaves them out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    spans: list[tuple[int, int]] = []
    first = 1
    try:
        for row in reader:
            start, first = first, reader.line_num + 1
            if start < first_line or not row:  # header and title lines, blank lines
                continue
            spans.append((start, reader.line_num))
    except csv.Error:
        return None
    return spans


def _encoding_notes(decoded: DecodedText, spans: list[tuple[int, int]]) -> dict[int, str]:
    """Row position -> bilingual note for the rows holding a line in the other encoding."""
    other = set(decoded.other_lines)
    names = {"utf-8": "UTF-8", "gb18030": "GB18030 (GBK)"}
    theirs = names.get(decoded.other_encoding or "", decoded.other_encoding)
    ours = names.get(decoded.encoding, decoded.encoding)
    notes: dict[int, str] = {}
    for row, (start, end) in enumerate(spans):
        lines = [line for line in range(start, end + 1) if line in other]
        if lines:
            where = ", ".join(map(str, lines))
            notes[row] = (
                f"第 {where} 行的编码 ({theirs}) 与文件其余部分 ({ours}) 不同，已分别解码，"
                f"请核对文字 / line {where} is {theirs} while the rest of the file is {ours}; "
                "decoded on its own, check the text"
            )
    return notes


def _excel_sheet(book: pd.ExcelFile, sheet: str | int | None, name: str) -> str | int:
    names = [str(s) for s in book.sheet_names]
    listing = ", ".join(names)
    if sheet is None:
        return 0
    if isinstance(sheet, bool) or not isinstance(sheet, str | int):
        raise OptionError(f"sheet must be a name or a 0-based number, not {sheet!r}")
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
        if sheet.strip().isdigit():  # "--sheet 1" arrives as text
            sheet = int(sheet.strip())
        else:
            raise InputFileError(f"{name}: no sheet {sheet!r}; the sheets are: {listing}")
    if not 0 <= sheet < len(names):
        raise InputFileError(
            f"{name}: no sheet number {sheet} (0-based); the sheets are: {listing}"
        )
    return sheet


def _excel_header(values: list[object]) -> list[str]:
    """Header cells to unique names the way pandas does it (Unnamed: i, name.1)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if not is_filled(value):
            label = f"Unnamed: {i}"
        elif isinstance(value, float) and value.is_integer():
            label = str(int(value))  # a year typed as a header, 2024 not 2024.0
        else:
            label = str(value).strip()
        if label in seen:
            seen[label] += 1
            label = f"{label}.{seen[label]}"
        else:
            seen[label] = 0
        out.append(label)
    return out


def _unescape_cells(cells: NDArray[np.object_]) -> NDArray[np.object_]:
    """Excel writes control characters in a cell as ``_x0001_``; openpyxl leaves them so."""
    flat = cells.ravel()
    escaped = np.fromiter((isinstance(v, str) and "_x" in v for v in flat), bool, len(flat))
    if not escaped.any():
        return cells
    flat = flat.copy()
    flat[escaped] = [xlsx_unescape(v) for v in flat[escaped]]
    return flat.reshape(cells.shape)


def _read_excel_table(
    path: Path, name: str, sheet: str | int | None, header_row: int | None
) -> tuple[pd.DataFrame, TableLayout]:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:  # openpyxl raises zipfile/KeyError/... for damaged files
        raise InputFileError(
            f"{name}: cannot open the workbook ({one_line(err)}); save it again as .xlsx "
            "or .csv"
        ) from None
    merges = merged_ranges(path)
    with book:
        names = [str(s) for s in book.sheet_names]
        every = (isinstance(sheet, str) and sheet.strip().lower() == ALL_SHEETS
                 and sheet not in names)
        if not every:
            label = names[_sheet_position(book, sheet, name)]
            df, layout = _tidied(*_read_sheet(book, label, name, header_row,
                                              merges.get(label, [])))
            return df, TableLayout(name, [layout])
        parts, skipped = [], []
        for label in names:
            try:
                df, layout = _read_sheet(book, label, name, header_row, merges.get(label, []))
            except _EmptySheet:
                skipped.append((label, "空表 / empty"))
                continue
            except InputFileError as err:
                skipped.append((label, str(err).removeprefix(f"{name}: ")))
                continue
            parts.append(_tidied(df, layout))
    return _every_sheet(parts, skipped, name, names)


class _EmptySheet(InputFileError):
    """A sheet without a filled cell."""


def _tidied(df: pd.DataFrame, layout: SheetLayout) -> tuple[pd.DataFrame, SheetLayout]:
    df = _tidy(df)
    layout.truncate(len(df))
    return df, layout


def _sheet_position(book: pd.ExcelFile, sheet: str | int | None, name: str) -> int:
    chosen = _excel_sheet(book, sheet, name)
    return chosen if isinstance(chosen, int) else [str(s) for s in book.sheet_names].index(chosen)


def _read_sheet(
    book: pd.ExcelFile, label: str, name: str, header_row: int | None, merges: list[MergedRange]
) -> tuple[pd.DataFrame, SheetLayout]:
    # dtype=object keeps numbers as numbers and text as typed; keep_default_na=False
    # keeps "NA" as text and makes empty cells "" like in CSV.
    raw = pd.read_excel(book, sheet_name=label, header=None, dtype=object, keep_default_na=False)
    if raw.empty:
        raise _EmptySheet(
            f"{name}: sheet {label!r} is empty; pick another with --sheet or fill in the table"
        )
    cells = _unescape_cells(raw.to_numpy(dtype=object))
    found = find_header([list(r) for r in cells[: HEADER_SEARCH_ROWS + 10]], merges, header_row)
    if found.first:
        logger.warning("%s: sheet %r: skipped %d row(s) above the header", name, label,
                       found.first)
    body = cells[found.data_start :]
    # dtype=object: no inference, an Excel duration must not become timedelta64.
    df = pd.DataFrame(body, columns=_excel_header(found.names), dtype=object)
    rows = found.data_start + 1 + np.arange(len(body), dtype=np.int64)
    return _form_parts(df, found, rows, label, (found.first + 1, found.data_start), body, merges)


def _every_sheet(
    parts: list[tuple[pd.DataFrame, SheetLayout]],
    skipped: list[tuple[str, str]],
    name: str,
    order: list[str],
) -> tuple[pd.DataFrame, TableLayout]:
    """``--sheet all``: the sheets' rows one after the other, with the sheet's name first.

    Sheets without coordinate columns (a 说明 sheet) are left out when others have them.
    """
    with_coords = [_has_coordinates(df) for df, _ in parts]
    why = "无坐标列 / no coordinate columns (经度/纬度 …)"
    if any(with_coords):
        for (_, layout), ok in zip(parts, with_coords, strict=True):
            if not ok:
                skipped.append((str(layout.sheet), why))
        parts = [part for part, ok in zip(parts, with_coords, strict=True) if ok]
    if not parts:
        raise InputFileError(f"{name}: every sheet is empty; fill in the table")
    skipped.sort(key=lambda item: order.index(item[0]))
    for label, why in skipped:
        logger.warning("%s: sheet %r not read: %s", name, label, why)
    column = SHEET_COLUMN
    while any(column in df.columns for df, _ in parts):
        column += "_sheet"
    frames = [df.assign(**{column: layout.sheet}) for df, layout in parts]
    table = pd.concat(frames, ignore_index=True, sort=False)
    table = table[[column, *(c for c in table.columns if c != column)]]
    table = table.astype(object).where(table.notna(), "")  # a column one sheet lacks: empty
    return table, TableLayout(name, [layout for _, layout in parts], column, skipped)


def _has_coordinates(df: pd.DataFrame) -> bool:
    from geo_guard.io.coord_headers import find_coordinate_columns

    try:
        find_coordinate_columns(list(df.columns))
    except InputFileError:
        return False
    return True


def _filled_cells(cells: NDArray[np.object_]) -> NDArray[np.bool_]:
    return np.asarray((cells != "") & ~pd.isna(cells), dtype=bool)


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Drop formatting leftovers: trailing all-empty rows and all-empty unnamed columns.

    Excel (and CSV exported from it) keeps empty rows and columns at the end of the used
    range; they are not records. Empty rows *between* records stay and get reported, so row
    numbers still match the sheet.
    """
    n, end, block = len(df), len(df), 64
    while end > 0:  # scan back from the end in growing blocks: usually a few rows
        start = max(0, end - block)
        filled = _filled_cells(df.iloc[start:end].to_numpy(dtype=object)).any(axis=1)
        if filled.any():
            end = start + int(np.flatnonzero(filled)[-1]) + 1
            break
        end, block = start, block * 4
    if end < n:
        df = df.iloc[:end]
    empty = [
        c
        for c in df.columns
        if str(c).startswith("Unnamed: ")
        and not _filled_cells(df[c].to_numpy(dtype=object)).any()
    ]
    return df.drop(columns=empty).reset_index(drop=True)


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:
    """Read a CSV/TXT or XLSX point table, keeping every record and every value as typed.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.txt``, ``.tsv`` (comma, tab, semicolon or ``|`` separated, detected) or
        ``.xlsx``/``.xlsm``. The content decides when the extension lies (an XLSX saved as
        ``.csv`` is read as a workbook).
    sheet : str or int, optional
        Workbook sheet: a name or a 0-based number; the first sheet by default.
        ``"all"`` reads every sheet (each with its own header), one after the other, with
        the sheet's name in a first column ``工作表``; sheets that are empty, or that have no
        coordinate columns while others have, are left out with a warning.
    encoding : str, optional
        Text encoding. By default UTF-16 (with BOM), UTF-8 (with or without BOM) and
        GB18030 (which covers GBK/GB2312) are tried, then charset-normalizer guesses.
    header_row : int, optional
        Row number of the header (1-based, as Excel numbers rows; a text file's line);
        found by :func:`geo_guard.io.form_layout.find_header` by default.

    Returns
    -------
    pandas.DataFrame
        Text files: every cell a string (``""`` when empty). Workbooks: numbers stay
        numbers, empty cells are ``""``. Government forms are read as
        :mod:`geo_guard.io.form_layout` says: the rows above the header (附件2, the title,
        填报单位/填报时间) are skipped, a two-row header (坐标 over 经度/纬度) gives one
        row of names, notes under the records (注：…, 合计, 填表人：…) are left out, and
        cells of merged ranges are filled down. So are trailing all-empty rows, all-empty
        unnamed columns and blank lines of text files (none of them is a record). Every
        other row is kept, empty or not. The index is 0..n-1 in file order, and
        ``attrs[LAYOUT]`` (a :class:`~geo_guard.io.form_layout.TableLayout`) gives each
        row's row number in the file, the notes and what was filled in. Empty fields
        beyond the header are ignored. A text file mixing UTF-8 and GB18030 (GBK) lines is
        decoded line by line, with a logged warning naming the lines in the minority
        encoding and ``attrs[ROW_NOTES]`` a note per row holding one (classify appends it
        to the row's reason). XLSX cell text has Excel's ``_x0001_`` escapes undone.

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file, old ``.xls``, unknown sheet (the sheets are
        listed), a line with more filled fields than the header (the line is named),
        ``header_row`` beyond the table or on an empty row.
    OptionError
        Unknown encoding name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = p.write_bytes("序号,经度,纬度\\n1,112.5,33.0\\n".encode("gbk"))
    >>> table = read_table(p)
    >>> table.to_dict("records"), table.attrs[LAYOUT].rows.tolist()
    ([{'序号': '1', '经度': '112.5', '纬度': '33.0'}], [2])
    """
    p = Path(path)
    name = p.name or str(p)
    if not p.exists():
        raise InputFileError(f"{name}: file not found ({p}); check the path")
    if p.is_dir():
        raise InputFileError(f"{name}: is a folder, not a table; pass a .csv or .xlsx file")
    suffix = p.suffix.lower()
    try:
        data = p.read_bytes()
    except OSError as err:
        raise InputFileError(f"{name}: cannot read the file ({one_line(err)})") from None
    if not data or data.isspace():  # not data.strip(): no copy of a large file
        raise InputFileError(f"{name}: the file is empty; export the table again with a header row")
    if suffix == ".xls" or data.startswith(_OLE_MAGIC):
        raise InputFileError(
            f"{name}: old .xls (or a password-protected workbook) is not supported; save it "
            "as .xlsx or .csv"
        )
    if data.startswith(_ZIP_MAGIC):
        if suffix not in _EXCEL_SUFFIXES:
            logger.warning("%s: the file is a workbook; reading it as .xlsx", name)
        table, layout = _read_excel_table(p, name, sheet, header_row)
        table.attrs.clear()
        table.attrs[LAYOUT] = layout
        return table
    if suffix in _EXCEL_SUFFIXES:
        raise InputFileError(f"{name}: not a valid .xlsx workbook; save it again from Excel/WPS")
    if suffix not in _TEXT_SUFFIXES:
        raise InputFileError(
            f"{name}: unsupported table type {suffix or '(none)'!r}; use .csv, .txt or .xlsx"
        )
    if sheet is not None:
        logger.warning("%s: --sheet is ignored for text files", name)
    table, sheet_layout = _read_text_table(data, name, encoding, header_row)
    notes = table.attrs.get(ROW_NOTES)
    table, sheet_layout = _tidied(table, sheet_layout)
    table.attrs.clear()
    if notes:  # _tidy drops trailing empty rows only: positions (= labels) still match
        table.attrs[ROW_NOTES] = {row: note for row, note in notes.items() if row < len(table)}
    table.attrs[LAYOUT] = TableLayout(name, [sheet_layout])
    return table


