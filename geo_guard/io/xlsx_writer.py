"""XLSX workbooks written column by column: the sheet XML of a million cells is built by
Arrow kernels over whole columns and streamed, block by block of rows, into the zip.

openpyxl (and xlsxwriter, even in its ``constant_memory`` mode) makes a Python call, and
openpyxl a Python object, per cell: 200,000 classified rows took minutes and gigabytes.
Here each column is turned into the XML of its cells at once (:mod:`~geo_guard.io.xlsx_cells`:
``<c r="B7" s="2"><v>12.5</v></c>``), the cells of a block of rows are joined into
``<row>`` elements in worker threads and compressed while the next block is formatted;
memory is a few blocks, the columns' distinct texts and the zipped workbook.

A sheet has a bold header row (and optionally a bold title above it), frozen below the
header, a filter over the table and column widths fitted to the content (Chinese counts
double). :func:`geo_guard.io.spreadsheets.write_xlsx_sheets` is the public entry.

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

import io
import logging
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo_guard._parallel import ordered_map
from geo_guard.io.arrow_text import large, layout
from geo_guard.io.files import atomic_path
from geo_guard.io.xlsx_cells import (
    MAX_WIDTH,
    XLSX_MAX_CHARS,
    Column,
    Counts,
    SharedStrings,
    Styles,
    column_letter,
    display_width,
    fit_text,
    make_column,
    xml_text,
)

logger = logging.getLogger(__name__)

__all__ = ["XLSX_MAX_CHARS", "Sheet", "write_workbook"]

_MIN_WIDTH = 6
BLOCK_ROWS = 50_000
# Deflate level 1: several times faster than the default, the file about a fifth larger.
_ZIP_LEVEL = 1
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass
class Sheet:
    """One sheet: its (Excel-valid) name, the table, an optional title row above the
    header and Excel number formats by column name (``"0.0"``, ``"0.000000"``, ``"0"``)."""

    name: str
    frame: pd.DataFrame
    title: str | None = None
    number_formats: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Prepared:
    sheet: Sheet
    columns: list[Column]
    counts: Counts

    @property
    def header_row(self) -> int:
        return 2 if self.sheet.title else 1


def _prepare(sheet: Sheet, styles: Styles, strings: SharedStrings) -> _Prepared:
    counts = Counts()
    frame = sheet.frame
    columns = [
        make_column(column_letter(i + 1), frame.iloc[:, i], styles,
                    sheet.number_formats.get(str(frame.columns[i]), "General"), strings, counts)
        for i in range(frame.shape[1])
    ]
    return _Prepared(sheet, columns, counts)


def _inline_row(row: int, values: Sequence[object], style: int) -> str:
    cells = "".join(
        f'<c r="{column_letter(i)}{row}" s="{style}" t="inlineStr"><is>'
        f'<t xml:space="preserve">{xml_text(fit_text(str(value), Counts()))}</t></is></c>'
        for i, value in enumerate(values, start=1))
    return f'<row r="{row}">{cells}</row>'


def _filter_ref(part: _Prepared) -> str | None:
    frame = part.sheet.frame
    if not frame.shape[1]:
        return None
    return f"A{part.header_row}:{column_letter(frame.shape[1])}{part.header_row + len(frame)}"


def _sheet_head(part: _Prepared, styles: Styles) -> str:
    """The XML before the data rows: view (frozen header), widths, title and header rows."""
    frame, header_row = part.sheet.frame, part.header_row
    cols = ""
    for i, column in enumerate(part.columns, start=1):
        header = display_width(str(frame.columns[i - 1])) + 1  # bold text is a little wider
        width = min(max(max(header, int(column.width())) + 2, _MIN_WIDTH), MAX_WIDTH)
        cols += f'<col min="{i}" max="{i}" width="{float(width)}" customWidth="1"/>'
    top = f"A{header_row + 1}"
    last = column_letter(max(frame.shape[1], 1))
    head = (
        f'{_DECL}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<dimension ref="A1:{last}{header_row + len(frame)}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{header_row}" topLeftCell="{top}" activePane="bottomLeft" '
        f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
    )
    if part.sheet.title:
        head += _inline_row(1, [part.sheet.title], styles.index(font=2))
    return head + _inline_row(header_row, list(frame.columns), styles.index(font=1))


def _row_block(columns: list[Column], first_row: int, start: int, stop: int) -> memoryview:
    """``<row>`` elements of rows [start, stop) as one UTF-8 buffer."""
    rownum = pa.array(np.arange(first_row + start, first_row + stop)).cast(pa.large_string())
    items = [large('<row r="'), rownum, large('">')]
    items += [pc.fill_null(c.cells(start, stop, rownum), large("")) for c in columns]
    rows = pc.binary_join_element_wise(*items, large("</row>"), large(""))
    offsets, data = layout(rows)
    return memoryview(data)[: offsets[-1]]


def _write_sheet(archive: zipfile.ZipFile, path: str, part: _Prepared, styles: Styles) -> None:
    n = len(part.sheet.frame)
    first_row = part.header_row + 1
    with archive.open(path, "w", force_zip64=True) as stream:
        stream.write(_sheet_head(part, styles).encode("utf-8"))
        if part.columns:

            def block(start: int) -> memoryview:
                return _row_block(part.columns, first_row, start, min(start + BLOCK_ROWS, n))

            # Blocks are formatted in threads (Arrow releases the GIL) while one is zipped.
            for xml in ordered_map(block, range(0, n, BLOCK_ROWS)):
                stream.write(xml)
        ref = _filter_ref(part)
        tail = "</sheetData>" + (f'<autoFilter ref="{ref}"/>' if ref else "") + "</worksheet>"
        stream.write(tail.encode("utf-8"))
    name, counts = part.sheet.name, part.counts
    if counts.truncated:
        logger.warning("sheet '%s': %d texts longer than %d characters were cut to fit an "
                       "Excel cell", name, counts.truncated, XLSX_MAX_CHARS)
    if counts.escaped:
        logger.warning(
            "sheet '%s': %d texts hold control characters (U+0000-U+001F) that a workbook "
            "cannot store as such; they are written as Excel's escapes such as _x0001_, which "
            "Excel, WPS and geo_guard read back as the characters (other programs may show "
            "the escape); write .csv or .parquet to keep them as they are", name, counts.escaped)


def _absolute(sheet: str, ref: str) -> str:
    """``'Sheet'!$A$1:$E$3``: a range as Excel names it in a defined name."""

    def dollar(cell: str) -> str:
        letters = cell.rstrip("0123456789")
        return f"${letters}${cell[len(letters):]}"

    first, last = ref.split(":")
    return "'{}'!{}:{}".format(sheet.replace("'", "''"), dollar(first), dollar(last))


def _package(parts: Sequence[_Prepared], styles: Styles) -> dict[str, str]:
    """The workbook's other parts: content types, relationships, workbook, styles."""
    count = len(parts)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        f'ContentType="{_TYPE}.worksheet+xml"/>' for i in range(1, count + 1))
    content_types = (
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'{overrides}<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override '
        f'PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/></Types>')
    root_rels = (f'{_DECL}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                 f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book_rels = (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                  f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
        + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        + f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>')
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_absolute(part.sheet.name, ref))}</definedName>"
        for i, part in enumerate(parts) if (ref := _filter_ref(part)))
    sheets = "".join(f'<sheet name={quoteattr(part.sheet.name)} sheetId="{i}" r:id="rId{i}"/>'
                     for i, part in enumerate(parts, start=1))
    workbook = (f'{_DECL}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
                f"</bookViews><sheets>{sheets}</sheets>"
                + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>")
    return {"[Content_Types].xml": content_types, "_rels/.rels": root_rels,
            "xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": book_rels,
            "xl/styles.xml": styles.xml()}


def write_workbook(sheets: Sequence[Sheet], target: Path | str) -> None:
    """Write ``sheets`` as one ``.xlsx`` workbook at ``target``, atomically.

    Sheet names must already be valid for Excel (see
    :func:`geo_guard.io.spreadsheets.write_xlsx_sheets`, which checks them and the sheet
    sizes). The workbook is zipped in memory and written once, so a full disk leaves no
    half-written file behind and is one clear error.
    """
    styles, strings = Styles(), SharedStrings()
    parts = [_prepare(sheet, styles, strings) for sheet in sheets]
    strings.finish()  # every text column added its values: the table's numbers are known
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=_ZIP_LEVEL) as archive:
        for i, part in enumerate(parts, start=1):
            _write_sheet(archive, f"xl/worksheets/sheet{i}.xml", part, styles)
        archive.writestr("xl/sharedStrings.xml", strings.xml())
        for name, text in _package(parts, styles).items():
            archive.writestr(name, text)
    with atomic_path(target) as temp:
        temp.write_bytes(buffer.getbuffer())
