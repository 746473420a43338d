"""XLSX workbooks written column by column: the sheet XML of a million cells is built by
Arrow kernels over whole columns and streamed, block by block, into the zip.

openpyxl (and xlsxwriter, even in ``constant_memory`` mode) make a Python call, and for
openpyxl a Python object, per cell: 200,000 rows took minutes and gigabytes. Here a
column is turned into the XML of its cells at once (``<c r="B7" s="2"><v>12.5</v></c>``),
the cells of a block of rows are joined into ``<row>`` elements and compressed while the
next block is formatted; memory is a few blocks and the zipped workbook.

What a cell holds (issue 11): text is an inline string (``t="inlineStr"``, as Apache POI's
streaming writer stores it), which a spreadsheet shows as text and never evaluates, so
text that starts like a formula is kept as typed (the visible ``'`` escape is for CSV
only); numbers are numbers, with a number format per column when one is given; booleans
are booleans; dates and times are serial numbers with a date format. Control characters
become Excel's ``_x0001_`` escapes and text longer than a cell holds is cut, as in
:mod:`geo_guard.io.spreadsheets`, with a warning each.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"名称": ["=1+1"], "距离(米)": [12.25]})
>>> write_workbook([Sheet("表", frame, number_formats={"距离(米)": "0.0"})], tmp / "b.xlsx")
>>> import openpyxl
>>> cells = openpyxl.load_workbook(tmp / "b.xlsx")["表"]["A2":"B2"][0]
>>> [(c.value, c.data_type, c.number_format) for c in cells]
[('=1+1', 's', 'General'), (12.25, 'n', '0.0')]
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import numbers
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from geo_guard._parallel import ordered_map
from geo_guard.io.arrow_text import large, layout, replace_rows, rows_holding, text_array
from geo_guard.io.files import atomic_path

logger = logging.getLogger(__name__)

__all__ = ["XLSX_MAX_CHARS", "Sheet", "write_workbook"]

XLSX_MAX_CHARS = 32_767  # Excel's limit per cell; longer text makes Excel "repair" the file
_MAX_EXACT_INT = 10**15  # Excel keeps 15 significant digits; longer integers become text
_MIN_WIDTH, _MAX_WIDTH = 6, 60
BLOCK_ROWS = 50_000
# Fast to compress and still about 10x smaller than the XML.
_ZIP_LEVEL = 1
_DATETIME, _DATE, _TIME, _DURATION = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd", "h:mm:ss", "[hh]:mm:ss"
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_DAY_NS = 86_400 * 10**9
# Control characters XML cannot hold, and text that would read back as an Excel escape
# ("_x0041_") or holds a non-character: such cells go through xlsx_escape.
_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_ESCAPE_MARKS = ("_x", "\ufffe", "\uffff")


@dataclass
class Sheet:
    """One sheet: its (Excel-valid) name, the table, an optional title row above the
    header and Excel number formats by column name (``"0.0"``, ``"0.000000"``, ``"0"``)."""

    name: str
    frame: pd.DataFrame
    title: str | None = None
    number_formats: Mapping[str, str] = field(default_factory=dict)


class _Styles:
    """Cell formats used so far (font and number format) -> their index in styles.xml."""

    FONTS: ClassVar[tuple[str, ...]] = (
        '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
        '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>',
    )
    BUILTIN: ClassVar[dict[str, int]] = {"General": 0, "0": 1, "0.00": 2}

    def __init__(self) -> None:
        self.formats: dict[str, int] = {}
        self.xfs: dict[tuple[int, int], int] = {(0, 0): 0}

    def index(self, number_format: str = "General", font: int = 0) -> int:
        fmt = self.BUILTIN.get(number_format)
        if fmt is None:
            fmt = self.formats.setdefault(number_format, 164 + len(self.formats))
        return self.xfs.setdefault((font, fmt), len(self.xfs))

    def xml(self) -> str:
        formats = "".join(f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>'
                          for code, i in self.formats.items())
        xfs = "".join(
            f'<xf numFmtId="{fmt}" fontId="{font}" fillId="0" borderId="0" xfId="0"'
            + (' applyNumberFormat="1"' if fmt else "") + (' applyFont="1"' if font else "")
            + "/>" for (font, fmt) in self.xfs)
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(self.formats)}">{formats}</numFmts>'
            f'<fonts count="{len(self.FONTS)}">{"".join(self.FONTS)}</fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{len(self.xfs)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )


class _Counts:
    def __init__(self) -> None:
        self.escaped = 0
        self.truncated = 0


def _fit_text(text: str, counts: _Counts) -> str:
    """Excel's escapes for control characters, cut to the cell limit (see spreadsheets)."""
    from geo_guard.io.spreadsheets import xlsx_escape

    stored = xlsx_escape(text)
    if len(stored) != len(text):
        counts.escaped += 1
    if len(stored) > XLSX_MAX_CHARS:
        counts.truncated += 1
        cut = XLSX_MAX_CHARS  # cut the text, not its escapes, so no escape is cut in half
        while len(stored) > XLSX_MAX_CHARS:
            cut -= len(stored) - XLSX_MAX_CHARS
            stored = xlsx_escape(text[:cut])
    return stored


def _cell_text(text: pa.Array, counts: _Counts) -> pa.Array:
    """Text as it goes between ``<t>`` and ``</t>``: Excel's escapes, cut to fit, XML-escaped."""
    text = pc.fill_null(text, large("")) if text.null_count else text
    check = rows_holding(text, _CONTROL)
    offsets, _ = layout(text)
    check |= np.diff(offsets) > XLSX_MAX_CHARS  # more bytes than a cell holds characters
    for mark in _ESCAPE_MARKS:
        check |= np.asarray(pc.match_substring(text, mark), dtype=bool)
    rows = np.flatnonzero(check)
    if len(rows):
        values = text.take(pa.array(rows)).to_pylist()
        fitted = [_fit_text(v, counts) for v in values]
        changed = np.flatnonzero([a != b for a, b in zip(values, fitted, strict=True)])
        if len(changed):
            patch = pa.array([fitted[i] for i in changed], type=pa.large_string())
            text = replace_rows(text, rows[changed], patch)
    # A bare CR would be read back as LF (XML's line-end handling): as a reference it stays.
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        rows = np.flatnonzero(rows_holding(text, char.encode()))
        if len(rows):
            text = replace_rows(text, rows,
                                pc.replace_substring(text.take(pa.array(rows)), char, entity))
    return text


def _wrap(parts: Sequence[pa.Array | str], rows: int) -> pa.Array:
    """Concatenate arrays and constant strings element-wise (``rows`` long)."""
    items = [large(p) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*items, large(""))


@dataclass
class _Column:
    """Makes the cell XML of rows [start, stop) of one column; null for an empty cell."""

    letter: str
    cells: Callable[[int, int, pa.Array], pa.Array]
    width: Callable[[], float]


def _python_cell(value: object, styles: _Styles, style: int, counts: _Counts
                 ) -> tuple[str, str | None, str] | None:
    """One value of a mixed column -> (type attribute, style, value XML) or None (empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "b", None, "1" if value else "0"
    if isinstance(value, numbers.Integral):
        number = int(value)
        if abs(number) < _MAX_EXACT_INT:
            return "n", None, str(number)
        value = str(number)
    elif isinstance(value, numbers.Real):
        real = float(value)
        return ("n", None, repr(real)) if math.isfinite(real) else None
    elif isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        if isinstance(value, dt.datetime):
            value, fmt = value.replace(tzinfo=None), _DATETIME  # Excel has no time zones
        else:
            fmt = (_TIME if isinstance(value, dt.time) else
                   _DURATION if isinstance(value, dt.timedelta) else _DATE)
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        return "n", str(styles.index(fmt)), repr(float(to_excel(value)))
    elif isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    else:
        try:
            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
    text = _xml_text(_fit_text(str(value), counts))
    return "inlineStr", None, f'<is><t xml:space="preserve">{text}</t></is>'


def _xml_text(text: str) -> str:
    return escape(text, {"\r": "&#13;"})


def _text_width(text: pa.Array) -> int:
    """Widest line in Excel column units (CJK counts double), at most the sheet maximum.

    A string of ``L`` UTF-8 bytes and ``C`` characters is at most ``C + (L - C) / 2`` wide
    (a double-width character takes three bytes), so only the few strings whose bound
    beats the widest so far are measured in Python.
    """
    if len(text) == 0:
        return 0
    nbytes = np.diff(layout(pc.fill_null(text, large("")))[0])
    chars = np.asarray(pc.fill_null(pc.utf8_length(text), 0), dtype=np.int64)
    bound = chars + (nbytes - chars) // 2
    best = 0
    for i in np.argsort(-bound, kind="stable"):
        if bound[i] <= best or best >= _MAX_WIDTH:
            break
        best = max(best, _display_width(text[int(i)].as_py()))
    return best


def _display_width(text: str) -> int:
    lines = text.splitlines() or [""]
    return max(
        len(line) if line.isascii()
        else sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:_MAX_WIDTH])
        for line in lines
    )


def _number_width(values: np.ndarray, number_format: str) -> int:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0
    sample = np.concatenate([finite[:: max(1, len(finite) // 1000)],
                             [finite.min(), finite.max()]])
    decimals = number_format.split(".")[1].count("0") if "." in number_format else None
    if number_format == "General":
        return max(len(f"{v:.10g}") for v in sample)
    return max(len(f"{v:.{decimals or 0}f}") for v in sample)


def _text_column(letter: str, text: pa.Array, style: int, counts: _Counts) -> _Column:
    attr = f' s="{style}"' if style else ""

    def cells(start: int, stop: int, rownum: pa.Array) -> pa.Array:
        part = text.slice(start, stop - start)
        xml = _wrap([f'<c r="{letter}', rownum, f'"{attr} t="inlineStr"><is><t xml:space='
                     '"preserve">', _cell_text(part, counts), "</t></is></c>"], len(part))
        return pc.if_else(pc.is_null(part), pa.scalar(None, pa.large_string()), xml)

    return _Column(letter, cells, lambda: _text_width(text))


def _number_column(letter: str, values: np.ndarray, missing: np.ndarray, style: int,
                   number_format: str, kind: str = "n") -> _Column:
    """Numbers (already checked to fit Excel) as ``<v>`` text: Arrow spells a float with
    the shortest digits that read back as the same float."""
    attr = f' s="{style}"' if style else ""
    head = f' t="{kind}"' if kind != "n" else ""

    def cells(start: int, stop: int, rownum: pa.Array) -> pa.Array:
        part = values[start:stop]
        gone = missing[start:stop]
        text = pa.array(part, mask=gone).cast(pa.large_string())
        return _wrap([f'<c r="{letter}', rownum, f'"{attr}{head}><v>', text, "</v></c>"],
                     len(part))

    if kind == "b":
        return _Column(letter, cells, lambda: 5)
    return _Column(letter, cells, lambda: _number_width(values[~missing].astype(float),
                                                         number_format))


def _python_column(letter: str, values: np.ndarray, styles: _Styles, style: int,
                   counts: _Counts) -> _Column:
    """A column of mixed values: each cell decided in Python (small tables only)."""

    def cells(start: int, stop: int, rownum: pa.Array) -> pa.Array:
        out: list[str | None] = []
        for value, row in zip(values[start:stop], rownum.to_pylist(), strict=True):
            cell = _python_cell(value, styles, style, counts)
            if cell is None:
                out.append(None)
                continue
            kind, own_style, xml = cell
            s = own_style or (str(style) if style else None)
            attrs = (f' s="{s}"' if s else "") + (f' t="{kind}"' if kind != "n" else "")
            body = xml if kind == "inlineStr" else f"<v>{xml}</v>"
            out.append(f'<c r="{letter}{row}"{attrs}>{body}</c>')
        return pa.array(out, type=pa.large_string())

    def width() -> float:
        shown = [f"{v:.10g}" if isinstance(v, float) else str(v) for v in values
                 if v is not None and not (isinstance(v, float) and math.isnan(v))]
        return _text_width(pa.array(shown, type=pa.large_string()))

    return _Column(letter, cells, width)


def _columns(frame: pd.DataFrame, styles: _Styles, formats: Mapping[str, str],
             counts: _Counts) -> list[_Column]:
    out = []
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        letter = get_column_letter(i + 1)
        fmt = formats.get(str(frame.columns[i]), "General")
        style = styles.index(fmt) if fmt != "General" else 0
        out.append(_column(letter, series, styles, style, fmt, counts))
    return out


def _column(letter: str, series: pd.Series, styles: _Styles, style: int, fmt: str,
            counts: _Counts) -> _Column:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)  # the wall-clock time: Excel has no zones
        dtype = series.dtype
    if pd.api.types.is_datetime64_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        ns = series.to_numpy().astype("int64")
        missing = series.isna().to_numpy()
        if pd.api.types.is_datetime64_dtype(dtype):
            days = (series.to_numpy().astype("datetime64[ns]") - _EXCEL_EPOCH).astype(
                "int64") / _DAY_NS
            whole = np.floor(days)
            days = np.where((whole > 0) & (whole <= 60), days - 1, days)  # Excel's 1900-02-29
            own = styles.index(_DATETIME if fmt == "General" else fmt)
        else:
            days = ns / _DAY_NS
            own = styles.index(_DURATION if fmt == "General" else fmt)
        column = _number_column(letter, days, missing, own, "General")
        return _Column(letter, column.cells, lambda: 19)
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
        values = series.to_numpy().astype(np.int8)
        return _number_column(letter, values, np.zeros(len(values), bool), style, fmt, "b")
    if pd.api.types.is_integer_dtype(dtype):
        missing = series.isna().to_numpy()
        # Excel keeps 15 digits: longer integers (ID numbers) go as text, cell by cell.
        if not len(series) or missing.all() or series.abs().max() < _MAX_EXACT_INT:
            values = series.to_numpy(dtype=np.int64, na_value=0)
            return _number_column(letter, values, missing, style, fmt)
    elif pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return _number_column(letter, values, ~np.isfinite(values), style, fmt)
    text = text_array(series)
    if text is not None:
        return _text_column(letter, text, style, counts)
    return _python_column(letter, series.to_numpy(dtype=object), styles, style, counts)


def _header_cells(row: int, values: Sequence[object], style: int) -> str:
    counts = _Counts()
    cells = []
    for i, value in enumerate(values, start=1):
        text = _xml_text(_fit_text(str(value), counts))
        cells.append(f'<c r="{get_column_letter(i)}{row}" s="{style}" t="inlineStr"><is>'
                     f'<t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{row}">{"".join(cells)}</row>'


def _sheet_xml_blocks(sheet: Sheet, styles: _Styles, counts: _Counts
                      ) -> tuple[str, list[_Column], int]:
    """The XML before the rows (with the title and header rows), the columns, and the
    number of the first data row."""
    frame = sheet.frame
    columns = _columns(frame, styles, sheet.number_formats, counts)
    header_row = 2 if sheet.title else 1
    widths = []
    for i, column in enumerate(columns):
        header = _display_width(str(frame.columns[i])) + 1  # bold text is a little wider
        best = max(header, int(column.width()))
        widths.append(float(min(max(best + 2, _MIN_WIDTH), _MAX_WIDTH)))
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    top = f"A{header_row + 1}"
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:{get_column_letter(max(len(columns), 1))}'
        f'{header_row + len(frame)}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{header_row}" topLeftCell="{top}" activePane="bottomLeft" '
        f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
    )
    if sheet.title:
        head += _header_cells(1, [sheet.title], styles.index(font=2))
    head += _header_cells(header_row, list(frame.columns), styles.index(font=1))
    return head, columns, header_row + 1


def _filter_ref(sheet: Sheet) -> str | None:
    if not sheet.frame.shape[1]:
        return None
    header_row = 2 if sheet.title else 1
    last = get_column_letter(sheet.frame.shape[1])
    return f"A{header_row}:{last}{header_row + len(sheet.frame)}"


def _row_block(columns: list[_Column], first_row: int, start: int, stop: int
               ) -> memoryview:
    rownum = pa.array(np.arange(first_row + start, first_row + stop)).cast(pa.large_string())
    cells = [pc.fill_null(c.cells(start, stop, rownum), large("")) for c in columns]
    rows = _wrap(['<row r="', rownum, '">', *cells, "</row>"], stop - start)
    offsets, data = layout(rows)
    return memoryview(data)[: offsets[-1]]


def _write_sheet(archive: zipfile.ZipFile, path: str, sheet: Sheet, styles: _Styles) -> None:
    counts = _Counts()
    head, columns, first_row = _sheet_xml_blocks(sheet, styles, counts)
    n = len(sheet.frame)
    with archive.open(path, "w", force_zip64=True) as stream:
        stream.write(head.encode("utf-8"))
        if columns:
            def block(start: int) -> memoryview:
                return _row_block(columns, first_row, start, min(start + BLOCK_ROWS, n))

            # Blocks are formatted in threads while the last one is compressed.
            for xml in ordered_map(block, range(0, n, BLOCK_ROWS)):
                stream.write(xml)
        tail = "</sheetData>"
        ref = _filter_ref(sheet)
        if ref:
            tail += f'<autoFilter ref="{ref}"/>'
        stream.write((tail + "</worksheet>").encode("utf-8"))
    if counts.truncated:
        logger.warning("sheet '%s': %d texts longer than %d characters were cut to fit an "
                       "Excel cell", sheet.name, counts.truncated, XLSX_MAX_CHARS)
    if counts.escaped:
        logger.warning(
            "sheet '%s': %d texts hold control characters (U+0000-U+001F) that a workbook "
            "cannot store as such; they are written as Excel's escapes such as _x0001_, which "
            "Excel, WPS and geo_guard read back as the characters (other programs may show "
            "the escape); write .csv or .parquet to keep them as they are",
            sheet.name, counts.escaped)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _package_parts(sheets: Sequence[Sheet], styles: _Styles) -> dict[str, str]:
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    content_types = (
        decl + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>' + sheet_types +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>')
    root_rels = (
        decl + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book_rels = (
        decl + f'<Relationships xmlns="{_PKG_REL}">' + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" '
        'Target="styles.xml"/></Relationships>')
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        + escape(_absolute(sheet.name, ref)) + "</definedName>"
        for i, sheet in enumerate(sheets) if (ref := _filter_ref(sheet)))
    workbook = (
        decl + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
        "</bookViews><sheets>" + "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, sheet in enumerate(sheets, start=1))
        + "</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "")
        + "</workbook>")
    return {"[Content_Types].xml": content_types, "_rels/.rels": root_rels,
            "xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": book_rels,
            "xl/styles.xml": styles.xml()}


def _absolute(sheet: str, ref: str) -> str:
    """``'Sheet'!$A$1:$E$3``: the filter range as Excel names it."""
    first, last = ref.split(":")
    def dollar(cell: str) -> str:
        letters = cell.rstrip("0123456789")
        return f"${letters}${cell[len(letters):]}"
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{dollar(first)}:{dollar(last)}"


def write_workbook(sheets: Sequence[Sheet], target: Path | str) -> None:
    """Write ``sheets`` as one ``.xlsx`` workbook at ``target``, atomically.

    Sheet names must already be valid for Excel (see
    :func:`geo_guard.io.spreadsheets.write_xlsx_sheets`, which checks them and the sheet
    sizes). The workbook is zipped in memory and written once, so a full disk leaves no
    half-written file behind and a clear error.
    """
    styles = _Styles()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=_ZIP_LEVEL) as archive:
        for i, sheet in enumerate(sheets, start=1):
            _write_sheet(archive, f"xl/worksheets/sheet{i}.xml", sheet, styles)
        for name, text in _package_parts(sheets, styles).items():
            archive.writestr(name, text)
    with atomic_path(target) as temp:
        temp.write_bytes(buffer.getbuffer())
