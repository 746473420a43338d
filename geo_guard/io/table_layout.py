"""How a table file was read: the layout :func:`geo_guard.io.read_table` leaves in
``DataFrame.attrs[LAYOUT]`` — header rows, what sat above them, notes left out, cells
filled down, sheets skipped, and the file row number of every record.

Layouts are plain JSON-friendly dicts (keys read as attributes): pandas copies ``attrs``,
compares them when it joins frames, and writes them as JSON into Parquet files.

Examples
--------
>>> layout = TableLayout("a.csv", [SheetLayout(None, [3], above=["附件2"], rows=[4, 5])])
>>> layout.rows.tolist(), layout.plain
([4, 5], False)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo_guard._errors import one_line

__all__ = ["LAYOUT", "SheetLayout", "TableLayout", "as_layout"]

#: ``DataFrame.attrs`` key of :func:`geo_guard.io.read_table`: the :class:`TableLayout`.
LAYOUT = "layout"


class _Record(dict):  # type: ignore[type-arg]
    """A dict whose keys read as attributes.

    Layouts travel in ``DataFrame.attrs``, which pandas copies, compares when it joins
    frames, and writes as JSON into Parquet files: plain JSON-friendly dicts survive all
    three (an object or a numpy array would not).
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class SheetLayout(_Record):
    """How one sheet (or text file) was read.

    Attributes
    ----------
    sheet : str or None
        Sheet name; ``None`` for a text file.
    header_rows : list of int
        Row numbers (1-based, as Excel and WPS show them) of the header: one or two, and
        the row numbering the columns when there is one.
    above : list of str
        Text of the rows above the header (label, title), one entry per row.
    filled_in : dict
        ``label：value`` cells above the header: ``{"填报单位": "百里奚街道（盖章）", …}``.
    notes : list of (int, str)
        Rows under the records kept out of the data: (row number, their text).
    filled_down : dict
        Column -> how many empty cells took the value of a merged cell above them.
    runs : list of (int, int)
        The records' row numbers as runs (first row, count); :attr:`rows` spells them out.
    """

    def __init__(
        self,
        sheet: str | None,
        header_rows: Sequence[int],
        above: Sequence[str] = (),
        filled_in: dict[str, str] | None = None,
        notes: Sequence[tuple[int, str]] = (),
        filled_down: dict[str, int] | None = None,
        rows: Sequence[int] | NDArray[np.int64] = (),
    ) -> None:
        super().__init__(
            sheet=sheet, header_rows=[int(r) for r in header_rows], above=list(above),
            filled_in=dict(filled_in or {}), notes=[[int(r), str(t)] for r, t in notes],
            filled_down=dict(filled_down or {}), runs=_runs(rows),
        )

    @property
    def rows(self) -> NDArray[np.int64]:
        """Row number of every record, in order."""
        if not self["runs"]:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(a, a + n, dtype=np.int64) for a, n in self["runs"]])

    @property
    def records(self) -> int:
        return sum(n for _, n in self["runs"])

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` records (trailing empty rows dropped after reading)."""
        if n < self.records:
            self["runs"] = _runs(self.rows[:n])

    def describe(self) -> list[str]:
        """What the reader did, one Chinese/English line per fact (for logs and reports).

        Examples
        --------
        >>> lines = SheetLayout("乡镇A", (4, 5), above=["附件2"], notes=[(30, "注：…")],
        ...                     filled_down={"乡镇（街道）": 6}).describe()
        >>> for line in lines:
        ...     print(line.split(" / ")[0])
        乡镇A: 表头在第 4–5 行
        乡镇A: 表头以上 1 行（标题、填报单位等）未作数据
        乡镇A: “乡镇（街道）”列 6 个合并单元格已向下填充
        乡镇A: 第 30 行为表注，未作数据
        """
        where = f"{self.sheet}: " if self.sheet is not None else ""
        first, last = self.header_rows[0], self.header_rows[-1]
        rows = f"{first}" if first == last else f"{first}–{last}"
        if first == last:
            lines = [f"{where}表头在第 {rows} 行 / header in row {rows}"]
        else:
            lines = [f"{where}表头在第 {rows} 行 / header in rows {rows}"]
        if self.above:
            lines.append(
                f"{where}表头以上 {len(self.above)} 行（标题、填报单位等）未作数据 / "
                f"{len(self.above)} row(s) above the header (title, filled-in unit and date) "
                "are not data"
            )
        for column, count in self.filled_down.items():
            lines.append(
                f"{where}“{column}”列 {count} 个合并单元格已向下填充 / column {column!r}: "
                f"{count} cell(s) of merged ranges filled down"
            )
        for row, text in self.notes:
            lines.append(f"{where}第 {row} 行为表注，未作数据 / row {row} is a note, not data: "
                         f"{one_line(text)[:200]}")
        return lines


def _runs(rows: Sequence[int] | NDArray[np.int64]) -> list[list[int]]:
    """Consecutive row numbers as [first, count] runs: a sheet's records are one run."""
    values = np.asarray(rows, dtype=np.int64)
    if not len(values):
        return []
    breaks = np.flatnonzero(np.diff(values) != 1) + 1
    starts = np.concatenate([[0], breaks])
    counts = np.diff(np.concatenate([starts, [len(values)]]))
    return [[int(values[a]), int(n)] for a, n in zip(starts, counts, strict=True)]


class TableLayout(_Record):
    """How a table file was read: one :class:`SheetLayout` per sheet read.

    Attributes
    ----------
    source : str
        File name.
    sheets : list of SheetLayout
    sheet_column : str or None
        The column naming each row's sheet when several sheets were read (``工作表``).
    skipped : list of (str, str)
        Sheets not read and why.

    Examples
    --------
    >>> import json
    >>> layout = TableLayout("a.xlsx", [SheetLayout("表1", [3], rows=[4, 5, 6])])
    >>> layout.rows.tolist(), json.loads(json.dumps(layout))["sheets"][0]["runs"]
    ([4, 5, 6], [[4, 3]])
    """

    def __init__(
        self,
        source: str,
        sheets: Sequence[SheetLayout],
        sheet_column: str | None = None,
        skipped: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(source=source, sheets=list(sheets), sheet_column=sheet_column,
                         skipped=[[str(a), str(b)] for a, b in skipped])

    @property
    def rows(self) -> NDArray[np.int64]:
        """Row number in the file of every record of the table, in order."""
        if not self.sheets:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([s.rows for s in self.sheets])

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sheets)

    @property
    def plain(self) -> bool:
        """A plain table: the header in row 1, nothing above it, left out or filled in."""
        return not self.skipped and all(
            s.header_rows == [1] and not s.above and not s.notes and not s.filled_down
            for s in self.sheets
        )

    def describe(self) -> list[str]:
        """Every sheet's :meth:`SheetLayout.describe` and the sheets skipped."""
        lines = [line for sheet in self.sheets for line in sheet.describe()]
        lines += [f"工作表“{name}”未读取 / sheet {name!r} not read: {why}"
                  for name, why in self.skipped]
        return lines


def as_layout(value: Any) -> TableLayout | None:
    """A layout found in ``attrs`` (also after a copy made it a plain dict)."""
    if isinstance(value, TableLayout) or value is None:
        return value
    if isinstance(value, dict) and "sheets" in value:
        sheets = []
        for raw in value["sheets"]:
            sheet = SheetLayout(raw.get("sheet"), raw.get("header_rows", [1]))
            sheet.update(raw)
            sheets.append(sheet)
        layout = TableLayout(value.get("source", ""), sheets)
        layout.update({k: v for k, v in value.items() if k != "sheets"})
        return layout
    return None
