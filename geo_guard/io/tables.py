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

import csv
import io
import logging
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo_guard._errors import InputFileError, OptionError, one_line
from geo_guard.io.encoding import DecodedText, decode_text
from geo_guard.io.spreadsheets import xlsx_unescape

logger = logging.getLogger(__name__)

_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_ZIP_MAGIC = b"PK\x03\x04"
# Old BIFF .xls, but also password-protected .xlsx (an encrypted OLE container).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEPARATORS = ("\t", ";", ",", "|")
# Rows above the header that hold a title ("附件2 …问题清单") are skipped; look this far.
_TITLE_ROWS_MAX = 10
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


def _title_rows(rows: list[list[object]]) -> int:
    """How many rows above the header are a title: at most one filled cell each."""
    width = max((len(r) for r in rows), default=0)
    if width < 2:
        return 0
    for i, row in enumerate(rows[:_TITLE_ROWS_MAX]):
        if sum(_filled(v) for v in row) >= 2:
            return i
    return 0


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() != ""


def _read_text_table(data: bytes, name: str, encoding: str | None) -> pd.DataFrame:
    decoded = decode_text(data, name, encoding)
    text = decoded.text
    if not text.strip():
        raise InputFileError(f"{name}: the file is empty; export the table again with a header row")
    head = _lines(text[:200_000])[:50]
    sep = _sniff_separator([line for line in head if line.strip()][:20])
    skip = _title_rows(_csv_rows(head[:_TITLE_ROWS_MAX], sep))
    if skip:
        logger.warning("%s: skipped %d title line(s) above the header", name, skip)
    df = _parse_csv(text, sep, skip, name)
    if decoded.other_lines:
        df.attrs[ROW_NOTES] = _encoding_notes(decoded, sep, skip, len(df))
    return df


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


def _record_lines(text: str, sep: str, skip: int) -> list[tuple[int, int]] | None:
    """First and last line (1-based) of every data record, in the rows pandas gives."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    spans: list[tuple[int, int]] = []
    first, header_seen = 1, False
    try:
        for row in reader:
            start, first = first, reader.line_num + 1
            if reader.line_num <= skip or not row:  # title lines, blank lines
                continue
            if not header_seen:
                header_seen = True
                continue
            spans.append((start, reader.line_num))
    except csv.Error:
        return None
    return spans


def _encoding_notes(decoded: DecodedText, sep: str, skip: int, rows: int) -> dict[int, str]:
    """Row position -> bilingual note for the rows holding a line in the other encoding."""
    spans = _record_lines(decoded.text, sep, skip)
    if spans is None or len(spans) != rows:
        return {}  # records and rows do not line up: the logged warning names the lines
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
        if not _filled(value):
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


def _read_excel_table(path: Path, name: str, sheet: str | int | None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:  # openpyxl raises zipfile/KeyError/... for damaged files
        raise InputFileError(
            f"{name}: cannot open the workbook ({one_line(err)}); save it again as .xlsx "
            "or .csv"
        ) from None
    with book:
        chosen = _excel_sheet(book, sheet, name)
        # dtype=object keeps numbers as numbers and text as typed; keep_default_na=False
        # keeps "NA" as text and makes empty cells "" like in CSV.
        raw = pd.read_excel(
            book, sheet_name=chosen, header=None, dtype=object, keep_default_na=False
        )
    label = chosen if isinstance(chosen, str) else book.sheet_names[chosen]
    if raw.empty:
        raise InputFileError(
            f"{name}: sheet {label!r} is empty; pick another with --sheet or fill in the table"
        )
    rows = _unescape_cells(raw.to_numpy(dtype=object))
    skip = _title_rows([list(r) for r in rows[:_TITLE_ROWS_MAX]])
    if skip:
        logger.warning("%s: skipped %d title row(s) above the header", name, skip)
    # dtype=object: no inference, an Excel duration must not become timedelta64.
    return pd.DataFrame(rows[skip + 1 :], columns=_excel_header(list(rows[skip])), dtype=object)


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
) -> pd.DataFrame:
    """Read a CSV/TXT or XLSX point table, keeping every row and every value as typed.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.txt``, ``.tsv`` (comma, tab, semicolon or ``|`` separated, detected) or
        ``.xlsx``/``.xlsm``. The content decides when the extension lies (an XLSX saved as
        ``.csv`` is read as a workbook).
    sheet : str or int, optional
        Workbook sheet: a name or a 0-based number; the first sheet by default.
    encoding : str, optional
        Text encoding. By default UTF-16 (with BOM), UTF-8 (with or without BOM) and
        GB18030 (which covers GBK/GB2312) are tried, then charset-normalizer guesses.

    Returns
    -------
    pandas.DataFrame
        Text files: every cell a string (``""`` when empty). Workbooks: numbers stay
        numbers, empty cells are ``""``. A title row above the header (one filled cell, as
        in "附件2 问题点位清单") is skipped; so are trailing all-empty rows, all-empty
        unnamed columns and blank lines of text files (none of them is a record). Every
        other row is kept, empty or not. The index is 0..n-1 in file order. Empty fields
        beyond the header are ignored. A text file mixing UTF-8 and GB18030 (GBK) lines is
        decoded line by line, with a logged warning naming the lines in the minority
        encoding and ``attrs[ROW_NOTES]`` a note per row holding one (classify appends it
        to the row's reason). XLSX cell text has Excel's ``_x0001_`` escapes undone.

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file, old ``.xls``, unknown sheet (the sheets are
        listed), a line with more filled fields than the header (the line is named).
    OptionError
        Unknown encoding name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = p.write_bytes("序号,经度,纬度\\n1,112.5,33.0\\n".encode("gbk"))
    >>> read_table(p).to_dict("records")
    [{'序号': '1', '经度': '112.5', '纬度': '33.0'}]
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
    if not data.strip():
        raise InputFileError(f"{name}: the file is empty; export the table again with a header row")
    if suffix == ".xls" or data.startswith(_OLE_MAGIC):
        raise InputFileError(
            f"{name}: old .xls (or a password-protected workbook) is not supported; save it "
            "as .xlsx or .csv"
        )
    if data.startswith(_ZIP_MAGIC):
        if suffix not in _EXCEL_SUFFIXES:
            logger.warning("%s: the file is a workbook; reading it as .xlsx", name)
        return _tidy(_read_excel_table(p, name, sheet))
    if suffix in _EXCEL_SUFFIXES:
        raise InputFileError(f"{name}: not a valid .xlsx workbook; save it again from Excel/WPS")
    if suffix not in _TEXT_SUFFIXES:
        raise InputFileError(
            f"{name}: unsupported table type {suffix or '(none)'!r}; use .csv, .txt or .xlsx"
        )
    if sheet is not None:
        logger.warning("%s: --sheet is ignored for text files", name)
    table = _read_text_table(data, name, encoding)
    notes = table.attrs.get(ROW_NOTES)
    table = _tidy(table)
    table.attrs.clear()
    if notes:  # _tidy drops trailing empty rows only: positions (= labels) still match
        table.attrs[ROW_NOTES] = {row: note for row, note in notes.items() if row < len(table)}
    return table


