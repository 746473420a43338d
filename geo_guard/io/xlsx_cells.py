"""The cells of an XLSX sheet, a whole column at a time: ``<c>`` elements built by Arrow
kernels, text in the workbook's shared-string table, widths fitted without a Python loop
over the rows.

:mod:`geo_guard.io.xlsx_writer` assembles them into rows, sheets and the zip package.

What a cell holds (issue 11): text is a shared string (``t="s"``, as Excel stores it),
which a spreadsheet shows as text and never evaluates, so text that starts like a formula
is kept as typed (the visible ``'`` escape is for CSV only); empty text is an empty cell;
numbers are numbers, with the column's number format; booleans are booleans; dates and
times are serial numbers with a date format; integers of more than 15 digits (ID numbers)
are text, so Excel cannot round them. Control characters become Excel's ``_x0001_``
escapes and text longer than a cell holds is cut, each with a count for the warning.

Examples
--------
>>> import pandas as pd
>>> strings, styles = SharedStrings(), Styles()
>>> column = make_column("B", pd.Series(["卧龙区", "", "卧龙区"]), styles, "General", strings)
>>> strings.finish()
>>> column.cells(0, 3, pa.array(["2", "3", "4"], pa.large_string())).to_pylist()
['<c r="B2" t="s"><v>0</v></c>', None, '<c r="B4" t="s"><v>0</v></c>']
>>> strings.xml().endswith('uniqueCount="1"><si><t xml:space="preserve">卧龙区</t></si></sst>')
True
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import numbers
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo_guard.io.arrow_text import large, layout, replace_rows, rows_holding, text_array

__all__ = [
    "XLSX_MAX_CHARS",
    "Column",
    "SharedStrings",
    "Styles",
    "column_letter",
    "make_column",
    "xml_text",
]

XLSX_MAX_CHARS = 32_767  # Excel's limit per cell; longer text makes Excel "repair" the file
_MAX_EXACT_INT = 10**15  # Excel keeps 15 significant digits; longer integers become text
MAX_WIDTH = 60
_DATETIME, _DATE, _TIME, _DURATION = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd", "h:mm:ss", "[hh]:mm:ss"
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_DAY_NS = 86_400 * 10**9
# Control characters XML cannot hold, and text that would read back as an Excel escape
# ("_x0041_") or holds a non-character: such cells go through xlsx_escape.
_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_ESCAPE_MARKS = ("_x", "\ufffe", "\uffff")
_NULL = pa.scalar(None, pa.large_string())


@dataclass
class Counts:
    """Texts changed to fit a workbook, for the warnings."""

    escaped: int = 0
    truncated: int = 0


class Styles:
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
            + (f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if formats else "")
            + f'<fonts count="{len(self.FONTS)}">{"".join(self.FONTS)}</fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{len(self.xfs)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )


def column_letter(number: int) -> str:
    """Excel's name of column ``number`` (1-based): A … Z, AA … XFD.

    Examples
    --------
    >>> column_letter(1), column_letter(27), column_letter(16_384)
    ('A', 'AA', 'XFD')
    """
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def fit_text(text: str, counts: Counts) -> str:
    """Excel's escapes for control characters, cut to the cell limit (see spreadsheets)."""
    from geo_guard.io.spreadsheets import xlsx_escape  # the one definition of the escapes

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


def xml_text(text: str) -> str:
    """Text for an XML element; a bare CR would read back as LF, so it is a reference."""
    return escape(text, {"\r": "&#13;"})


def _needs_fitting(text: pa.Array) -> np.ndarray:
    """Rows :func:`fit_text` may change: control characters, escapes, over-long text."""
    check = rows_holding(text, _CONTROL)
    check |= np.diff(layout(text)[0]) > XLSX_MAX_CHARS  # more bytes than the limit in chars
    for mark in _ESCAPE_MARKS:
        check |= np.asarray(pc.fill_null(pc.match_substring(text, mark), False), dtype=bool)
    return check


def _stored_text(text: pa.Array) -> pa.Array:
    """Text as it goes between ``<t>`` and ``</t>``: fitted and XML-escaped."""
    text = pc.fill_null(text, large(""))
    rows = np.flatnonzero(_needs_fitting(text))
    if len(rows):
        fitted = [fit_text(v, Counts()) for v in text.take(pa.array(rows)).to_pylist()]
        text = replace_rows(text, rows, pa.array(fitted, type=pa.large_string()))
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        rows = np.flatnonzero(rows_holding(text, char.encode()))
        if len(rows):
            part = pc.replace_substring(text.take(pa.array(rows)), char, entity)
            text = replace_rows(text, rows, part)
    return text


@dataclass
class SharedStrings:
    """The workbook's shared-string table: each text column adds its distinct values; after
    :meth:`finish` each column maps its own value numbers to the table's."""

    parts: list[pa.Array] = field(default_factory=list)
    maps: list[np.ndarray] = field(default_factory=list)
    unique: pa.Array | None = None
    cells: int = 0

    def add(self, values: pa.Array) -> int:
        self.parts.append(values)
        return len(self.parts) - 1

    def finish(self) -> None:
        everything = (pa.concat_arrays(self.parts) if self.parts
                      else pa.array([], pa.large_string()))
        encoded = pc.dictionary_encode(everything)
        self.unique = encoded.dictionary
        numbers = np.asarray(encoded.indices, dtype=np.int64)
        bounds = np.cumsum([0, *(len(p) for p in self.parts)])
        # One spare entry: an empty cell's (masked) number 0 must index even an empty map.
        self.maps = [np.append(numbers[a:b], 0) for a, b in itertools.pairwise(bounds)]

    def xml(self) -> str:
        assert self.unique is not None
        text = _stored_text(self.unique)
        items = pc.binary_join_element_wise(large('<si><t xml:space="preserve">'), text,
                                            large("</t></si>"), large(""))
        offsets, data = layout(items)
        body = data[: offsets[-1]].tobytes().decode("utf-8")
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
                'schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{self.cells}" uniqueCount="{len(text)}">{body}</sst>')


@dataclass
class Column:
    """The cell XML of rows [start, stop) of one column (null for an empty cell), given
    the row numbers as text, and the column's width in Excel units."""

    cells: Callable[[int, int, pa.Array], pa.Array]
    width: Callable[[], float]


def _join(parts: Sequence[pa.Array | str]) -> pa.Array:
    """Concatenate arrays and constant strings element-wise (null if an array is null)."""
    return pc.binary_join_element_wise(
        *[large(p) if isinstance(p, str) else p for p in parts], large(""))


def display_width(text: str) -> int:
    """Width of the widest line in Excel column units: CJK and other wide characters 2."""
    return max(
        len(line) if line.isascii()
        else sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:MAX_WIDTH])
        for line in (text.splitlines() or [""])
    )


def _text_width(text: pa.Array) -> int:
    """Widest value of a text column, measured in Python for a few values only.

    A string of ``L`` UTF-8 bytes and ``C`` characters is at most ``C + (L - C) / 2`` wide
    (a double-width character takes three bytes): strings are measured from the largest
    bound down until no bound beats the widest so far.
    """
    if len(text) == 0:
        return 0
    text = pc.fill_null(text, large(""))
    nbytes = np.diff(layout(text)[0])
    chars = np.asarray(pc.utf8_length(text), dtype=np.int64)
    bound = chars + (nbytes - chars) // 2
    best = 0
    for i in np.argsort(-bound, kind="stable"):
        if bound[i] <= best or best >= MAX_WIDTH:
            break
        best = max(best, display_width(text[int(i)].as_py()))
    return best


def _number_width(values: np.ndarray, number_format: str) -> int:
    """Width of numbers shown in ``number_format``, from a sample and the extremes."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0
    sample = np.concatenate([finite[:: max(1, len(finite) // 1000)],
                             [finite.min(), finite.max()]])
    if number_format == "General":
        return max(len(f"{v:.10g}") for v in sample)
    decimals = number_format.split(".")[1].count("0") if "." in number_format else 0
    return max(len(f"{v:.{decimals}f}") for v in sample)


def _attrs(style: int, kind: str) -> str:
    return (f' s="{style}"' if style else "") + (f' t="{kind}"' if kind != "n" else "")


def _text_column(letter: str, text: pa.Array, style: int, strings: SharedStrings,
                 counts: Counts) -> Column:
    text = pc.if_else(pc.equal(text, large("")), _NULL, text)  # empty text: an empty cell
    encoded = pc.dictionary_encode(text)
    values, local = encoded.dictionary, np.asarray(encoded.indices.fill_null(0))
    missing = np.asarray(encoded.indices.is_null(), dtype=bool)
    part = strings.add(values)
    strings.cells += int((~missing).sum())
    # The warnings count cells, as a cell-by-cell writer would.
    # Text that holds "_x0041_" is stored with its "_" escaped ("_x005F_x0041_"); openpyxl
    # drops "x005F_" from shared strings (and geo_guard would then read "A"), not from
    # inline ones: those few cells are inline strings.
    inline: dict[int, str] = {}
    changed = np.flatnonzero(_needs_fitting(values))
    if len(changed):
        per_value = np.bincount(local[~missing], minlength=len(values))
        for i, text_value in zip(changed, values.take(pa.array(changed)).to_pylist(),
                                 strict=True):
            own = Counts()  # the warnings count cells, as a cell-by-cell writer would
            stored = fit_text(text_value, own)
            counts.escaped += own.escaped * int(per_value[i])
            counts.truncated += own.truncated * int(per_value[i])
            if "_x005F_" in stored:
                inline[int(i)] = xml_text(stored)
    head = f'"{_attrs(style, "s")}><v>'
    is_inline = np.zeros(len(values) + 1, dtype=bool)  # + 1: see SharedStrings.finish
    is_inline[list(inline)] = True

    def cells(start: int, stop: int, rownum: pa.Array) -> pa.Array:
        number = strings.maps[part][local[start:stop]]
        shared = pa.array(number, mask=missing[start:stop]).cast(pa.large_string())
        xml = _join([f'<c r="{letter}', rownum, head, shared, "</v></c>"])
        rows = np.flatnonzero(is_inline[local[start:stop]] & ~missing[start:stop])
        if len(rows):
            attrs = _attrs(style, "inlineStr")
            patch = [f'<c r="{letter}{rownum[int(r)].as_py()}"{attrs}><is><t xml:space='
                     f'"preserve">{inline[int(local[start + r])]}</t></is></c>' for r in rows]
            xml = replace_rows(xml, rows, pa.array(patch, type=pa.large_string()))
        return xml

    return Column(cells, lambda: _text_width(text))


def _number_column(letter: str, values: np.ndarray, missing: np.ndarray, style: int,
                   number_format: str, kind: str = "n", width: int | None = None) -> Column:
    """Numbers as ``<v>`` text: Arrow spells a float with the shortest digits that read
    back as the same float."""
    head = f'"{_attrs(style, kind)}><v>'

    def cells(start: int, stop: int, rownum: pa.Array) -> pa.Array:
        text = pa.array(values[start:stop], mask=missing[start:stop]).cast(pa.large_string())
        return _join([f'<c r="{letter}', rownum, head, text, "</v></c>"])

    def measure() -> float:
        if width is not None:
            return width
        return _number_width(values[~missing].astype(float), number_format)

    return Column(cells, measure)


def _python_cell(value: object, styles: Styles, counts: Counts
                 ) -> tuple[str, int | None, str] | None:
    """One value of a mixed column -> (type, own style, inner XML), or None (empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "b", None, "<v>1</v>" if value else "<v>0</v>"
    if isinstance(value, numbers.Integral):
        if abs(int(value)) < _MAX_EXACT_INT:
            return "n", None, f"<v>{int(value)}</v>"
        value = str(int(value))
    elif isinstance(value, numbers.Real):
        real = float(value)
        return ("n", None, f"<v>{real!r}</v>") if math.isfinite(real) else None
    elif isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        if isinstance(value, dt.datetime):
            value, fmt = value.replace(tzinfo=None), _DATETIME  # Excel has no time zones
        else:
            fmt = (_TIME if isinstance(value, dt.time) else
                   _DURATION if isinstance(value, dt.timedelta) else _DATE)
        from openpyxl.utils.datetime import to_excel  # Excel's day numbers, 1900 bug included

        return "n", styles.index(fmt), f"<v>{float(to_excel(value))!r}</v>"
    elif isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    else:
        try:
            if pd.isna(value):  # type: ignore[call-overload]
                return None
        except (TypeError, ValueError):
            pass
    text = str(value)
    if not text:
        return None
    stored = xml_text(fit_text(text, counts))
    return "inlineStr", None, f'<is><t xml:space="preserve">{stored}</t></is>'


def _python_column(letter: str, values: np.ndarray, styles: Styles, style: int,
                   counts: Counts) -> Column:
    """A column of mixed values: each cell decided in Python (small tables only)."""

    def cells(start: int, stop: int, rownum: pa.Array) -> pa.Array:
        out: list[str | None] = []
        for value, row in zip(values[start:stop], rownum.to_pylist(), strict=True):
            cell = _python_cell(value, styles, counts)
            if cell is None:
                out.append(None)
                continue
            kind, own, inner = cell
            out.append(f'<c r="{letter}{row}"{_attrs(own or style, kind)}>{inner}</c>')
        return pa.array(out, type=pa.large_string())

    def width() -> float:
        shown = [f"{v:.10g}" if isinstance(v, float) else str(v) for v in values
                 if v is not None and not (isinstance(v, float) and math.isnan(v))]
        return _text_width(pa.array(shown, type=pa.large_string()))

    return Column(cells, width)


def _dates(series: pd.Series) -> tuple[np.ndarray, np.ndarray, str]:
    """Datetime or timedelta column -> Excel serial days, missing mask, default format."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)  # the wall-clock time: Excel has no zones
    missing = series.isna().to_numpy()
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series.to_numpy().astype("timedelta64[ns]").astype(np.int64) / _DAY_NS, \
            missing, _DURATION
    ns = series.to_numpy().astype("datetime64[ns]")
    days = (ns - _EXCEL_EPOCH).astype(np.int64) / _DAY_NS
    whole = np.floor(days)
    # Excel counts a 29 February 1900 that never was: serials 1-60 are one day less.
    return np.where((whole > 0) & (whole <= 60), days - 1, days), missing, _DATETIME


def make_column(letter: str, series: pd.Series, styles: Styles, number_format: str,
                strings: SharedStrings, counts: Counts | None = None) -> Column:
    """The cells of one column (``letter``) of a sheet."""
    counts = Counts() if counts is None else counts
    dtype = series.dtype
    style = styles.index(number_format) if number_format != "General" else 0
    if (isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)):
        days, missing, default = _dates(series)
        own = styles.index(default if number_format == "General" else number_format)
        return _number_column(letter, days, missing, own, "General", width=19)
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
        values = series.to_numpy().astype(np.int8)
        return _number_column(letter, values, np.zeros(len(values), dtype=bool), style,
                              number_format, "b", width=5)
    if pd.api.types.is_integer_dtype(dtype):
        missing = series.isna().to_numpy()
        # Excel keeps 15 digits: longer integers (ID numbers) go as text, cell by cell.
        if missing.all() or series.abs().max() < _MAX_EXACT_INT:
            values = series.to_numpy(dtype=np.int64, na_value=0)
            return _number_column(letter, values, missing, style, number_format)
    elif pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return _number_column(letter, values, ~np.isfinite(values), style, number_format)
    text = text_array(series)
    if text is not None:
        return _text_column(letter, text, style, strings, counts)
    return _python_column(letter, series.to_numpy(dtype=object), styles, style, counts)
