"""Government forms as they arrive: find the header, fill merged cells down, keep notes out.

A form filled in by a township (附件2 …) is not a plain table. Above the header sit a
label (``附件2``), a title merged across the sheet and a ``填报单位：… 填报时间：…`` row
with several filled cells; the header may take two rows (``坐标`` merged over ``经度`` and
``纬度``, with ``序号`` merged down over both); a township is written once in a cell merged
down over its villages; and under the records come notes (``注：…``), a 合计 row or a
``填表人：… 审核人：…`` line. This module reads that layout from the cells (and, for
workbooks, the merged ranges) so that :func:`geo_guard.io.read_table` gives one row per
record under one row of names, and says what it left out (:class:`SheetLayout`).

Rules, in the order they are applied:

1. **Header row**: among the first 30 rows, before the first row of numbers, the row with
   the most known header words (序号, 名称, 乡镇（街道）, 经度 …, lon/lat, x/y) is the
   header; with none known, the first row with two filled cells, most of them text, that
   is not a ``label：value`` row (填报单位：…). ``header_row=`` (``--header-row N``, as
   Excel numbers rows) overrides the choice.
2. **Two header rows**: when the header has groups (a cell merged across columns, or in a
   file without merges a label followed by empty cells) and the next row holds text only
   under those groups, the next row is the second header row: its names are used
   (``经度``, ``纬度``), prefixed with the group's label when a name repeats (起点经度 …).
3. **Notes at the bottom**: trailing rows that start with 注/备注/说明/填表说明, that are
   ``label：value`` lines (填表人：, 审核人：, 联系电话：), a 合计/总计/小计 row, or one text
   merged across the table, are not records; they are kept in :attr:`SheetLayout.notes`.
4. **Merged cells** in the records are filled down: every cell of a merged range takes
   the value at the top of its column in that range (乡镇 written once for five villages
   is given to all five). Files without merge information (CSV) are not filled: an empty
   cell there is empty.

Examples
--------
>>> rows = [["附件2", ""], ["填报单位：百里奚街道", "填报时间：2021年10月14日"],
...         ["序号", "经度"], [1, 112.5], ["注：坐标为WGS84", ""]]
>>> found = find_header(rows)
>>> found.first, found.names, found.filled_in["填报单位"]
(2, ['序号', '经度'], '百里奚街道')
>>> trailing_notes(rows[3:], first_row=4)
(1, [(5, '注：坐标为WGS84')])
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from geo_guard._errors import InputFileError
from geo_guard.io.coord_headers import find_coordinate_columns
from geo_guard.io.merged_cells import MergedRange, fill_merged_down, is_filled, merged_ranges
from geo_guard.io.table_layout import LAYOUT, SheetLayout, TableLayout, as_layout

__all__ = [
    "LAYOUT",
    "HeaderFound",
    "MergedRange",
    "SheetLayout",
    "TableLayout",
    "as_layout",
    "fill_merged_down",
    "find_header",
    "is_filled",
    "merged_ranges",
    "trailing_notes",
]

#: How far down a header is looked for.
HEADER_SEARCH_ROWS = 30

#: Header words of the seed's forms and of field lists (normalised: NFKC, no spaces or
#: bracketed parts, lower case). Coordinate headers are recognised on top of these.
_KNOWN_HEADERS = frozenset({
    "序号", "编号", "名称", "名字", "单位名称", "企业名称", "风险源名称", "点位名称", "问题编号",
    "乡镇", "乡镇街道", "街道", "乡镇名称", "行政村", "村", "社区", "村社区", "村名", "组",
    "风险源类型", "类型", "问题类型", "污染源类型", "类别", "保护区类型", "保护区", "风险源描述",
    "问题描述", "描述", "存在问题", "整改措施", "整改时限", "整改进度", "整改情况", "排查责任人",
    "责任单位", "责任人", "区直部门", "地址", "位置", "详细地址", "坐标", "经纬度", "备注",
    "联系人", "联系电话", "电话", "规模", "面积", "桩号", "岸别", "距离", "发现时间", "日期",
    "id", "fid", "no", "name", "type", "address", "note", "remark", "town", "township",
    "village", "description",
})
_BRACKETED = re.compile(r"[(\[【<{].*?[)\]】>}]")
# "填报单位：百里奚街道" / "填报时间:  年 月 日": a short label, then a colon.
_LABEL_VALUE = re.compile(r"^\s*([^\s:：]{1,12}?)\s*[:：]\s*(.*)$", re.DOTALL)
_NOTE_START = re.compile(
    r"^\s*(注|附注|备注|说明|填表说明|填报说明|填表要求|资料来源|数据来源)\s*"
    r"[0-9一二三四五六七八九十]*\s*[:：、.．]"
)
_TOTALS = frozenset({"合计", "总计", "小计", "共计", "total"})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


# ------------------------------------------------------------------------ cell tests
def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Number):
        return True
    return isinstance(value, str) and _NUMBER.fullmatch(value.strip()) is not None


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(value: object) -> str:
    """A header as compared with known words: NFKC, lower case, no spaces or brackets.

    Examples
    --------
    >>> header_key(" 乡镇（街道） "), header_key("经度(E)")
    ('乡镇', '经度')
    """
    text = unicodedata.normalize("NFKC", str(value)).replace("\ufeff", "").strip().lower()
    return re.sub(r"\s+", "", _BRACKETED.sub("", text))


def _label_value(value: object) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return None
    match = _LABEL_VALUE.match(value)
    if match is None or _is_number(match[1]):
        return None
    return match[1], match[2].strip()


def _is_label_row(cells: Sequence[object]) -> bool:
    """Every filled cell reads ``label：value`` (填报单位：…, 填表人：…)."""
    filled = [v for v in cells if is_filled(v)]
    return bool(filled) and all(_label_value(v) is not None for v in filled)


def _known(value: object) -> bool:
    key = header_key(value)
    if not key:
        return False
    return key in _KNOWN_HEADERS or key.replace("(", "").replace(")", "") in _KNOWN_HEADERS


def _coordinate_words(cells: Sequence[object]) -> int:
    names = [_text(v) for v in cells if isinstance(v, str) and is_filled(v)]
    if not names:
        return 0
    try:
        lon, lat = find_coordinate_columns(names)
    except InputFileError:
        return 0
    return len({lon, lat})


# ------------------------------------------------------------------------ the header
@dataclass(frozen=True)
class HeaderFound:
    """The header of a sheet: where it is, its names, and what sits above it.

    Attributes
    ----------
    first : int
        0-based index of the (first) header row in the rows given.
    rows : int
        1 or 2 header rows.
    names : list of str
        One name per column ("" for an unnamed column).
    above : list of str
        Text of each non-empty row above the header.
    filled_in : dict
        ``label：value`` cells above the header.
    numbered : bool
        The row under the header numbers the columns (1, 2, 3 …), as many forms do; it
        is part of the header, not a record.
    """

    first: int
    rows: int
    names: list[str]
    above: list[str]
    filled_in: dict[str, str]
    numbered: bool = False

    @property
    def data_start(self) -> int:
        """0-based index of the first record."""
        return self.first + self.rows + int(self.numbered)


def find_header(
    rows: Sequence[Sequence[object]],
    merges: Sequence[MergedRange] = (),
    header_row: int | None = None,
) -> HeaderFound:
    """Find the header of a form (see the module's rules 1 and 2).

    Parameters
    ----------
    rows : sequence of sequences
        The first rows of the sheet, cell values as read (merged ranges hold their value
        in the top-left cell only, as in the file).
    merges : sequence of MergedRange, optional
        The sheet's merged ranges (none for text files).
    header_row : int, optional
        1-based index of the header row among ``rows`` (``--header-row``).

    Returns
    -------
    HeaderFound

    Raises
    ------
    InputFileError
        ``header_row`` is beyond the rows or names an empty row.

    Examples
    --------
    >>> rows = [["统计表", "", "", ""], ["序号", "名称", "坐标", ""], ["", "", "经度", "纬度"],
    ...         [1, "猪场", 112.5, 33.0]]
    >>> merges = [MergedRange(1, 2, 1, 3), MergedRange(1, 0, 2, 0)]
    >>> found = find_header(rows, merges)
    >>> found.first, found.rows, found.names
    (1, 2, ['序号', '名称', '经度', '纬度'])
    """
    if header_row is not None:
        first = header_row - 1
        if not 0 <= first < len(rows):
            raise InputFileError(
                f"--header-row {header_row}: the sheet has only {len(rows)} row(s) there; "
                "give the row number of the header as Excel shows it"
            )
        if not any(is_filled(v) for v in rows[first]):
            raise InputFileError(
                f"--header-row {header_row}: row {header_row} is empty; give the row number "
                "of the header as Excel shows it"
            )
    else:
        first = _header_index(rows[:HEADER_SEARCH_ROWS])
    width = max((len(r) for r in rows[first : first + 2]), default=0)
    top = _padded(rows[first], width)
    second = _padded(rows[first + 1], width) if first + 1 < len(rows) else None
    groups = _groups(top, second, [m for m in merges if m.first_row == first])
    two = second is not None and _is_sub_header(top, second, groups)
    names = _names(top, second if two else None, groups)
    after = first + (2 if two else 1)
    numbered = after < len(rows) and _is_numbering(rows[after])
    above, filled_in = [], {}
    for row in rows[:first]:
        filled = [_text(v) for v in row if is_filled(v)]
        if filled:
            above.append(" ".join(filled))
        for value in row:
            pair = _label_value(value)
            if pair is not None:
                filled_in[pair[0]] = pair[1]
    return HeaderFound(first, 2 if two else 1, names, above, filled_in, numbered)


def _is_numbering(row: Sequence[object]) -> bool:
    """1, 2, 3 … (at least three) under the header: the columns' numbers."""
    filled = [v for v in row if is_filled(v)]
    if len(filled) < 3 or not all(_is_number(v) for v in filled):
        return False
    try:
        values = [float(v) for v in filled]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return values == [float(k) for k in range(1, len(values) + 1)]


def _padded(row: Sequence[object], width: int) -> list[object]:
    return [*row, *([""] * (width - len(row)))]


def _header_index(rows: Sequence[Sequence[object]]) -> int:
    """Rule 1: the header row among the first rows (0 when nothing looks like one)."""
    best, best_known, first_candidate = -1, 0, -1
    for i, row in enumerate(rows):
        filled = [v for v in row if is_filled(v)]
        if len(filled) < 2:
            continue
        numeric = sum(_is_number(v) for v in filled)
        if numeric * 2 >= len(filled):
            break  # records start here: the header is above
        if _is_label_row(row):
            continue
        known = sum(_known(v) for v in filled) + _coordinate_words(filled)
        if known > best_known:
            best, best_known = i, known
        if first_candidate < 0:
            first_candidate = i
    if best >= 0:
        return best
    if first_candidate >= 0:
        return first_candidate
    # Nothing looks like a header: the first row with two filled cells, as before.
    return next((i for i, r in enumerate(rows) if sum(is_filled(v) for v in r) >= 2), 0)


def _groups(
    top: list[object], second: list[object] | None, merges: Sequence[MergedRange]
) -> list[tuple[int, int]]:
    """Column spans (first, last) of the header's labels: merged ranges across columns, or
    in a sheet without merges a label with the empty cells after it."""
    width = len(top)
    across = sorted((m.first_col, min(m.last_col, width - 1)) for m in merges
                    if m.last_col > m.first_col and m.last_row == m.first_row)
    if merges:
        spans, covered = [], set()
        for a, b in across:
            spans.append((a, b))
            covered.update(range(a, b + 1))
        spans += [(j, j) for j in range(width) if j not in covered]
        return sorted(spans)
    used = max((j for j in range(width)
                if is_filled(top[j]) or (second is not None and is_filled(second[j]))),
               default=-1)
    spans, start = [], None
    for j in range(used + 1):
        if is_filled(top[j]):
            if start is not None:
                spans.append((start, j - 1))
            start = j
        elif start is None:
            spans.append((j, j))
    if start is not None:
        spans.append((start, used))
    spans += [(j, j) for j in range(used + 1, width)]
    return spans


def _is_sub_header(top: list[object], second: list[object], groups: list[tuple[int, int]]) -> bool:
    """Rule 2: the row under the header names the columns of its groups, and only those."""
    filled = [j for j, v in enumerate(second) if is_filled(v)]
    if not filled or _is_label_row(second):
        return False
    if any(_is_number(second[j]) for j in filled):
        return False
    wide = [(a, b) for a, b in groups if b > a]
    in_wide = {j for a, b in wide for j in range(a, b + 1)}
    if not set(filled) <= in_wide:
        return False  # a value under a single-column header: a record, not a header
    # The groups' columns under the label are named: at least two names in some group.
    return any(sum(is_filled(second[j]) for j in range(a, b + 1)) >= 2 for a, b in wide)


def _names(
    top: list[object], second: list[object] | None, groups: list[tuple[int, int]]
) -> list[str]:
    names = [_text(v) if is_filled(v) else "" for v in top]
    if second is None:
        return names
    parent = list(names)
    for a, b in groups:
        for j in range(a, b + 1):
            parent[j] = names[a]
    subs = [_text(v) if is_filled(v) else "" for v in second]
    out = [sub or parent[j] for j, sub in enumerate(subs)]
    # A sub-header that repeats (起点 经度/纬度, 终点 经度/纬度) gets its group's label.
    counts: dict[str, int] = {}
    for name in out:
        counts[name] = counts.get(name, 0) + 1
    return [f"{parent[j]}{subs[j]}" if subs[j] and counts[out[j]] > 1 and parent[j] else out[j]
            for j in range(len(out))]


# ---------------------------------------------------------------------- notes at the end
def _is_note_row(cells: Sequence[object], merges_across: bool) -> bool:
    filled = [v for v in cells if is_filled(v)]
    if not filled:
        return False
    first = filled[0]
    if isinstance(first, str):
        if _NOTE_START.match(first):
            return True
        if header_key(first) in _TOTALS:
            return True
    if _is_label_row(cells):
        return True
    # One text merged across the table ("本表由各乡镇填报，…").
    return merges_across and len(filled) == 1 and isinstance(first, str) and not _is_number(first)


def trailing_notes(
    rows: Sequence[Sequence[object]],
    first_row: int | Sequence[int],
    merges: Sequence[MergedRange] = (),
    offset: int = 0,
) -> tuple[int, list[tuple[int, str]]]:
    """Rule 3: how many records remain once the note rows at the bottom are taken off.

    Parameters
    ----------
    rows : sequence of sequences
        The records, as read (before merged cells are filled).
    first_row : int or sequence of int
        Row number (1-based) of ``rows[0]`` in the file, or of every row (a text file's
        record may take several lines).
    merges : sequence of MergedRange, optional
        The sheet's merged ranges; ``offset`` is the 0-based sheet row of ``rows[0]``.

    Returns
    -------
    keep : int
        Records to keep (``rows[:keep]``); trailing empty rows between the last record and
        the notes go too.
    notes : list of (int, str)
        Row number and text of each note row, top to bottom.

    Examples
    --------
    >>> trailing_notes([["1", "a"], ["合计", "1"], ["", ""], ["填表人：张三", "审核人：李四"]], 5)
    (1, [(6, '合计 1'), (8, '填表人：张三 审核人：李四')])
    """
    across = {m.first_row - offset for m in merges if m.last_col - m.first_col >= 2}
    last_record, notes = -1, []
    for i in range(len(rows) - 1, -1, -1):
        cells = rows[i]
        if not any(is_filled(v) for v in cells):
            continue
        if not _is_note_row(cells, i in across):
            last_record = i
            break
        number = first_row + i if isinstance(first_row, int) else int(first_row[i])
        notes.append((number, " ".join(_text(v) for v in cells if is_filled(v))))
    if not notes:
        return len(rows), []
    return last_record + 1, notes[::-1]
