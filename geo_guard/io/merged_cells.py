"""Merged cells of a workbook: where they are (read from the sheet's XML) and filling
them down.

A township written once over five villages is one cell merged over five rows; openpyxl
and pandas give its value to the top cell only. :func:`merged_ranges` finds the ranges
without loading the cells, :func:`fill_merged_down` gives every cell of a range the value
at its top.

Examples
--------
>>> cells = np.array([["甲镇", "1"], ["", "2"]], dtype=object)
>>> fill_merged_down(cells, [MergedRange(0, 0, 1, 0)], offset=0), cells[1, 0]
({0: 1}, '甲镇')
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
from numpy.typing import NDArray

__all__ = ["MergedRange", "fill_merged_down", "is_filled", "merged_ranges"]


@dataclass(frozen=True)
class MergedRange:
    """A merged range of a sheet, 0-based inclusive rows and columns."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int



def is_filled(value: object) -> bool:
    """False for None, NaN and blank text."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() != ""


def fill_merged_down(
    cells: NDArray[np.object_], merges: Sequence[MergedRange], offset: int
) -> dict[int, int]:
    """Rule 4, in place: cells of merged ranges under their column's top value.

    Parameters
    ----------
    cells : ndarray of object, shape (rows, columns)
        The records; changed in place.
    merges : sequence of MergedRange
        The sheet's merged ranges (sheet coordinates).
    offset : int
        0-based sheet row of ``cells[0]``: ranges that start above it (in the header)
        are left alone.

    Returns
    -------
    dict
        Column position -> number of cells filled.

    Examples
    --------
    >>> cells = np.array([["甲镇", "1"], ["", "2"], ["", "3"]], dtype=object)
    >>> fill_merged_down(cells, [MergedRange(5, 0, 7, 0)], offset=5)
    {0: 2}
    >>> cells[:, 0].tolist()
    ['甲镇', '甲镇', '甲镇']
    """
    n, width = cells.shape
    counts: dict[int, int] = {}
    for m in merges:
        top = m.first_row - offset
        if top < 0 or top >= n or m.last_row == m.first_row:
            continue
        bottom = min(m.last_row - offset, n - 1)
        for j in range(m.first_col, min(m.last_col, width - 1) + 1):
            value = cells[top, j]
            if not is_filled(value):
                continue
            below = cells[top + 1 : bottom + 1, j]
            empty = np.fromiter((not is_filled(v) for v in below), bool, len(below))
            if empty.any():
                below[empty] = value
                counts[j] = counts.get(j, 0) + int(empty.sum())
    return counts


# --------------------------------------------------------------- merged ranges of XLSX
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+)(\d+):([A-Za-z]+)(\d+)\"")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CHUNK = 1 << 20  # bytes of sheet XML read at a time


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def merged_ranges(path: str | Path) -> dict[str, list[MergedRange]]:
    """Merged ranges of every sheet of an ``.xlsx`` workbook, by sheet name.

    Read from the sheets' XML (``<mergeCell ref="A3:A8"/>``) without loading the cells,
    so a large sheet costs one pass over its compressed text.

    Examples
    --------
    >>> import openpyxl
    >>> wb = openpyxl.Workbook(); wb.active.title = "乡镇"; wb.active.merge_cells("A3:A8")
    >>> wb.save(tmp / "m.xlsx")
    >>> merged_ranges(tmp / "m.xlsx")
    {'乡镇': [MergedRange(first_row=2, first_col=0, last_row=7, last_col=0)]}
    """
    out: dict[str, list[MergedRange]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name, member in _sheet_members(archive).items():
                out[name] = _merges_of(archive, member)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}  # the cells were readable; without merges nothing is filled down
    return out


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member, from xl/workbook.xml and its relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[str(sheet.get("name"))] = member
    return out


def _merges_of(archive: zipfile.ZipFile, member: str) -> list[MergedRange]:
    found: list[MergedRange] = []
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            text = tail + chunk
            last = 0
            for match in _MERGE_REF.finditer(text):
                c0, r0, c1, r1 = match.groups()
                found.append(MergedRange(int(r0) - 1, _column_number(c0) - 1,
                                         int(r1) - 1, _column_number(c1) - 1))
                last = match.end()
            # Keep the unmatched end: a mergeCell element may straddle two chunks.
            tail = text[max(last, len(text) - 200):]
    return found

