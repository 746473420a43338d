"""The seed's forms 附件1–4 as Excel workbooks, ready to print on A4 landscape and stamp.

Each workbook has one sheet laid out as the attachment in the seed (宛开办〔2021〕15号):

- row 1: the label ``附件N``;
- row 2: the title, merged across the table and centred;
- row 3: ``填报单位：（盖章）`` on the left and ``填报时间：  年  月  日`` on the right
  (filled with the unit and the date when given);
- row 4: the seed's column headers in the seed's order, bold, bordered, repeated at the
  top of every printed page;
- then one bordered row per entry (the seed's number of empty rows on a blank form);
- then the seed's ``注：`` note, where the attachment has one.

Pages are A4 landscape, fitted to one page wide, centred, numbered ``第 N 页，共 M 页``.

Text typed by people is never a formula: a value such as ``=cmd|' /C calc'!A0`` is stored
as a text cell (type ``s``) with Excel's own "this is text" mark (quote prefix), so it
prints exactly as typed and stays text when edited, unlike a leading apostrophe that would
show on the printed form.

Which problems each form lists:

- 附件2 (乡镇（街道）专项行动排查情况统计表): the problems the township found itself or
  verified (every origin except department supervision), 排查责任人 = ``found_by``;
- 附件3 (区直有关部门专项行动督察情况统计表): the problems found by district departments'
  supervision (``origin`` containing 督查 or 督察), 区直部门 = ``department`` if the frame
  has one, else ``found_by``;
- 附件4 (专项行动问题整改台账): every problem, closed ones included, with its progress.

Examples
--------
>>> paths = write_blank_forms(tmp)
>>> [p.name for p in paths]
['附件1.xlsx', '附件2.xlsx', '附件3.xlsx', '附件4.xlsx']
"""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from geo_guard._errors import OptionError, OutputError
from geo_guard.io.spreadsheets import escape_formula, save_workbook_atomically
from geo_guard.reports.digest import check_problems, chinese_date, plain_text, zone_names

__all__ = [
    "FORMS",
    "NOTE",
    "FormLayout",
    "attachment1_workbook",
    "attachment2_rows",
    "attachment2_workbook",
    "attachment3_rows",
    "attachment3_workbook",
    "attachment4_rows",
    "attachment4_workbook",
    "form_workbook",
    "save_workbook",
    "write_blank_forms",
]

PathLike = str | os.PathLike[str]

#: The seed's note under 附件2 and 附件4 (its "准 保护区" has a typesetting space, dropped).
NOTE = ("注：风险源类型指工业企业、畜禽养殖、旅游餐饮、排污口、产业集聚区、污水处理厂、"
        "垃圾填埋场等；保护区类型指一级保护区、二级保护区、准保护区。")


@dataclass(frozen=True)
class FormLayout:
    """One attachment's layout.

    Attributes
    ----------
    number : int
        N of ``附件N``.
    title : str
    headers : tuple of str
        Column headers, in the seed's order.
    widths : tuple of float
        Excel column widths (characters; a Chinese character counts two).
    blank_rows : int
        Empty rows on the blank form (as many as the seed's).
    note : str or None
        The ``注：`` line under the table.
    """

    number: int
    title: str
    headers: tuple[str, ...]
    widths: tuple[float, ...]
    blank_rows: int
    note: str | None = None

    @property
    def label(self) -> str:
        return f"附件{self.number}"

    @property
    def filename(self) -> str:
        return f"附件{self.number}.xlsx"


#: The four attachments of the seed (宛开办〔2021〕15号), by number.
FORMS: dict[int, FormLayout] = {
    1: FormLayout(1, "联络员信息表", ("姓名", "单位", "职务", "手机", "电子邮箱"),
                  (14, 40, 22, 20, 32), blank_rows=7),
    2: FormLayout(2, "乡镇（街道）专项行动排查情况统计表",
                  ("序号", "乡镇（街道）", "行政村", "风险源类型", "保护区类型", "风险源描述",
                   "整改措施", "整改时限", "排查责任人"),
                  (6, 14, 12, 12, 12, 36, 30, 16, 12), blank_rows=5, note=NOTE),
    3: FormLayout(3, "区直有关部门专项行动督察情况统计表",
                  ("序号", "区直部门", "存在问题", "整改措施", "整改时限", "责任单位", "责任人"),
                  (6, 18, 40, 36, 16, 18, 12), blank_rows=6),
    4: FormLayout(4, "专项行动问题整改台账",
                  ("序号", "乡镇（街道）", "行政村", "风险源类型", "风险源描述", "整改措施",
                   "整改时限", "整改进度", "责任单位", "责任人"),
                  (6, 14, 12, 12, 32, 28, 16, 20, 16, 10), blank_rows=5, note=NOTE),
}

_HEADER_ROW = 4
_BODY_FONT = "宋体"
_LABEL_FONT = "黑体"
_TITLE_FONT = "方正小标宋简体"  # the title font of official documents (GB/T 9704)
_DATE_FORMAT = 'yyyy"年"m"月"d"日"'
_LINE_PT = 15.0  # height of one line of 11-point CJK text
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
# Table cells share three named styles: one style id per cell instead of a font, a border
# and an alignment each (openpyxl hashes every style object it is given: slow on big forms).
_CELL_STYLES = {
    "gg_header": (Font(name=_BODY_FONT, size=11, bold=True), _WRAP_CENTRE),
    "gg_centre": (Font(name=_BODY_FONT, size=11), _WRAP_CENTRE),
    "gg_left": (Font(name=_BODY_FONT, size=11), _WRAP_LEFT),
}


def _add_styles(workbook: openpyxl.Workbook) -> None:
    for name, (font, alignment) in _CELL_STYLES.items():
        workbook.add_named_style(NamedStyle(name=name, font=font, alignment=alignment,
                                            border=_BORDER))
#: Columns whose cells are centred (short values); the others are left-aligned text.
_CENTRED = frozenset({"序号", "乡镇（街道）", "行政村", "风险源类型", "保护区类型", "整改时限",
                      "排查责任人", "责任人", "姓名", "职务", "手机"})
#: Words in ``origin`` that mark a problem found by department supervision (附件3).
SUPERVISION_WORDS = ("督查", "督察")


# --------------------------------------------------------------------------- cells


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_value(value: object) -> object:
    """What a form cell holds: text, an int, a date; never a formula."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value.replace(tzinfo=None)
    if isinstance(value, dt.date | int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    text = plain_text(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text) or None


def _put(ws: Worksheet, row: int, column: int, value: object, style: str | None = None
         ) -> None:
    cell = ws.cell(row=row, column=column)
    if style is not None:
        cell.style = style  # first: a named style replaces the number format and text mark
    value = _cell_value(value)
    cell.value = value
    if isinstance(value, str):
        # openpyxl makes any text starting with "=" a formula: force text, and mark it
        # as text the way Excel does when one types '=... (the mark does not print).
        cell.data_type = "s"
        if escape_formula(value) != value:
            cell.quotePrefix = True
    elif isinstance(value, dt.date):
        cell.number_format = _DATE_FORMAT


def _lines(value: object, width: float) -> int:
    """Printed lines a value takes in a column of ``width`` (for the row height)."""
    if value is None:
        return 1
    text = chinese_date(value) if isinstance(value, dt.date) else str(value)
    per_line = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_display_width(part) / per_line))
               for part in text.splitlines() or [""])


# --------------------------------------------------------------------------- sheets


def _filled_line(layout: FormLayout, unit: str | None, filled_on: dt.date | None
                 ) -> tuple[str, str]:
    unit_text = f"填报单位：{plain_text(unit)}（盖章）"
    if filled_on is None:
        date_text = "填报时间：    年    月    日"
    else:
        date_text = f"填报时间：{chinese_date(filled_on)}"
    return unit_text, date_text


def _merge(ws: Worksheet, row: int, first: int, last: int) -> None:
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _print_setup(ws: Worksheet, last_row: int, columns: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4  # 9
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(columns)}{last_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=1).coordinate


def form_workbook(layout: FormLayout, rows: Sequence[Sequence[object]] | None = None, *,
                  unit: str | None = None, filled_on: dt.date | None = None
                  ) -> openpyxl.Workbook:
    """A workbook of one attachment: label, title, 填报 line, headers, rows, note.

    Parameters
    ----------
    layout : FormLayout
        One of :data:`FORMS`.
    rows : sequence of sequences, optional
        Table rows, one value per header; ``None`` writes the blank form (the seed's
        number of empty rows). An empty sequence writes one row reading 无.
    unit : str, optional
        Reporting unit, written before （盖章）.
    filled_on : datetime.date, optional
        Date written after 填报时间.

    Returns
    -------
    openpyxl.Workbook

    Examples
    --------
    >>> wb = form_workbook(FORMS[3])
    >>> ws = wb.active
    >>> ws["A1"].value, ws["A2"].value, ws.page_setup.paperSize
    ('附件3', '区直有关部门专项行动督察情况统计表', 9)
    """
    columns = len(layout.headers)
    workbook = openpyxl.Workbook()
    _add_styles(workbook)
    ws = workbook.active
    ws.title = layout.label
    for i, width in enumerate(layout.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    _put(ws, 1, 1, layout.label)
    ws.cell(row=1, column=1).font = Font(name=_LABEL_FONT, size=14)
    _put(ws, 2, 1, layout.title)
    ws.cell(row=2, column=1).font = Font(name=_TITLE_FONT, size=18, bold=True)
    ws.cell(row=2, column=1).alignment = Alignment(horizontal="center", vertical="center")
    _merge(ws, 2, 1, columns)
    ws.row_dimensions[2].height = 36

    unit_text, date_text = _filled_line(layout, unit, filled_on)
    split = (columns + 1) // 2  # the unit on the left half, the date on the right
    _put(ws, 3, 1, unit_text)
    _put(ws, 3, split + 1, date_text)
    ws.cell(row=3, column=1).alignment = Alignment(horizontal="left", vertical="center")
    ws.cell(row=3, column=split + 1).alignment = Alignment(horizontal="right",
                                                           vertical="center")
    for column in (1, split + 1):
        ws.cell(row=3, column=column).font = Font(name=_BODY_FONT, size=12)
    _merge(ws, 3, 1, split)
    _merge(ws, 3, split + 1, columns)
    ws.row_dimensions[3].height = 24

    for i, header in enumerate(layout.headers, start=1):
        _put(ws, _HEADER_ROW, i, header, "gg_header")
    ws.row_dimensions[_HEADER_ROW].height = max(
        _lines(h, w) for h, w in zip(layout.headers, layout.widths, strict=True)
    ) * _LINE_PT + 10

    if rows is None:
        body: list[Sequence[object]] = [[None] * columns for _ in range(layout.blank_rows)]
    elif len(rows) == 0:
        body = [[None, "无", *([None] * (columns - 2))]]
    else:
        body = list(rows)
    styles = ["gg_centre" if header in _CENTRED else "gg_left" for header in layout.headers]
    row_number = _HEADER_ROW
    for values in body:
        if len(values) != columns:
            raise OptionError(
                f"{layout.label}: a row has {len(values)} values for {columns} columns "
                f"({'、'.join(layout.headers)})"
            )
        row_number += 1
        for i, (style, value) in enumerate(zip(styles, values, strict=True), 1):
            _put(ws, row_number, i, value, style)
        lines = max(_lines(ws.cell(row=row_number, column=i).value, w)
                    for i, w in enumerate(layout.widths, start=1))
        ws.row_dimensions[row_number].height = max(lines * _LINE_PT + 6, 24)

    last_row = row_number
    if layout.note:
        last_row += 1
        _put(ws, last_row, 1, layout.note)
        cell = ws.cell(row=last_row, column=1)
        cell.font = Font(name=_BODY_FONT, size=11)
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        _merge(ws, last_row, 1, columns)
        ws.row_dimensions[last_row].height = _lines(layout.note, sum(layout.widths)) * _LINE_PT + 6
    _print_setup(ws, last_row, columns)
    return workbook


def save_workbook(workbook: openpyxl.Workbook, path: PathLike) -> Path:
    """Save a workbook atomically (the old file stays if anything fails).

    Examples
    --------
    >>> save_workbook(form_workbook(FORMS[1]), tmp / "附件1.xlsx").name
    '附件1.xlsx'
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"{target.name}: a form is written as .xlsx; give a path ending in .xlsx")
    return save_workbook_atomically(workbook, target)


def output_folder(out_dir: PathLike) -> Path:
    """The folder reports go to, created if its parent exists."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file; give a folder for the reports")
    if not folder.exists():
        if not folder.parent.is_dir():
            raise OutputError(
                f"{folder}: folder '{folder.parent}' does not exist; create it first"
            )
        folder.mkdir()
    return folder


def write_blank_forms(out_dir: PathLike) -> list[Path]:
    """Write the four blank forms 附件1.xlsx … 附件4.xlsx into a folder.

    Parameters
    ----------
    out_dir : str or path-like
        Folder; created when missing (its parent must exist).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> [p.name for p in write_blank_forms(tmp / "forms")][:2]
    ['附件1.xlsx', '附件2.xlsx']
    """
    folder = output_folder(out_dir)
    return [save_workbook(form_workbook(layout), folder / layout.filename)
            for layout in FORMS.values()]


# --------------------------------------------------------------------------- rows


def _column(problems: pd.DataFrame, name: str) -> pd.Series:
    if name in problems.columns:
        return problems[name]
    return pd.Series([None] * len(problems), index=problems.index, dtype=object)


def is_supervision(problems: pd.DataFrame) -> pd.Series:
    """True for problems found by department supervision (``origin`` says 督查/督察)."""
    origin = _column(problems, "origin").map(plain_text)
    return origin.map(lambda text: any(word in text for word in SUPERVISION_WORDS)).astype(bool)


def attachment2_rows(problems: pd.DataFrame) -> list[list[object]]:
    """Rows of 附件2: the problems not found by department supervision, in ledger order.

    Examples
    --------
    >>> frame = pd.DataFrame({"problem_id": [7], "township": ["百里奚街道"], "village": ["新庄村"],
    ...     "source_type": ["畜禽养殖"], "zone": ["二级保护区"], "description": ["养猪场"],
    ...     "measure": ["关闭"], "deadline": ["2021-10-30"], "found_by": ["李明"]})
    >>> attachment2_rows(frame)[0][:3], attachment2_rows(frame)[0][7]
    ([1, '百里奚街道', '新庄村'], datetime.date(2021, 10, 30))
    """
    frame = check_problems(problems, ("problem_id", "township", "village", "source_type",
                                      "description", "measure", "deadline", "found_by"))
    frame = frame.loc[~is_supervision(frame)]
    zones = zone_names(frame)
    return [
        [n, r.township, r.village, r.source_type, zone, r.description, r.measure, r.deadline,
         r.found_by]
        for n, (r, zone) in enumerate(zip(frame.itertuples(), zones, strict=True), start=1)
    ]


def attachment3_rows(problems: pd.DataFrame) -> list[list[object]]:
    """Rows of 附件3: the problems found by department supervision."""
    frame = check_problems(problems, ("problem_id", "origin", "found_by", "description",
                                      "measure", "deadline", "unit", "person"))
    frame = frame.loc[is_supervision(frame)]
    department = _column(frame, "department").map(plain_text)
    department = department.where(department != "", frame["found_by"].map(plain_text))
    return [
        [n, dept, r.description, r.measure, r.deadline, r.unit, r.person]
        for n, (r, dept) in enumerate(zip(frame.itertuples(), department, strict=True), start=1)
    ]


def progress_text(status: object, progress: object, overdue: bool = False) -> str:
    """整改进度: the status, then what was done, then 超期 when overdue.

    Examples
    --------
    >>> progress_text("整改中", "已拆除围栏", overdue=True)
    '整改中：已拆除围栏（超期）'
    """
    status, progress = plain_text(status), plain_text(progress)
    text = status if not progress or progress == status else (
        f"{status}：{progress}" if status else progress)
    return text + ("（超期）" if overdue else "")


def attachment4_rows(problems: pd.DataFrame) -> list[list[object]]:
    """Rows of 附件4: every problem with its measure, deadline, progress and responsibles."""
    frame = check_problems(problems, ("problem_id", "township", "village", "source_type",
                                      "description", "measure", "deadline", "progress",
                                      "status", "unit", "person"))
    overdue = _column(frame, "overdue").fillna(False).astype(bool)
    return [
        [n, r.township, r.village, r.source_type, r.description, r.measure, r.deadline,
         progress_text(r.status, r.progress, late), r.unit, r.person]
        for n, (r, late) in enumerate(zip(frame.itertuples(), overdue, strict=True), start=1)
    ]


def attachment1_workbook(contacts: pd.DataFrame | None = None, *, unit: str | None = None,
                         filled_on: dt.date | None = None) -> openpyxl.Workbook:
    """附件1 联络员信息表: blank, or filled from a table under its Chinese headers.

    Examples
    --------
    >>> contacts = pd.DataFrame({"姓名": ["张军"], "单位": ["区南水北调办公室"], "职务": ["科员"],
    ...                          "手机": ["13800000000"], "电子邮箱": ["gxqshsyj@163.com"]})
    >>> attachment1_workbook(contacts).active["D5"].value  # a phone number stays text
    '13800000000'
    """
    layout = FORMS[1]
    if contacts is None:
        return form_workbook(layout, unit=unit, filled_on=filled_on)
    missing = [h for h in layout.headers if h not in contacts.columns]
    if missing:
        raise OptionError(f"contacts lack column(s) {'、'.join(missing)}")
    rows = [[plain_text(v) for v in row]
            for row in contacts[list(layout.headers)].itertuples(index=False)]
    return form_workbook(layout, rows, unit=unit, filled_on=filled_on)


def attachment2_workbook(problems: pd.DataFrame, *, unit: str | None = None,
                         filled_on: dt.date | None = None) -> openpyxl.Workbook:
    """附件2 乡镇（街道）专项行动排查情况统计表 filled from the ledger's problems."""
    return form_workbook(FORMS[2], attachment2_rows(problems), unit=unit, filled_on=filled_on)


def attachment3_workbook(problems: pd.DataFrame, *, unit: str | None = None,
                         filled_on: dt.date | None = None) -> openpyxl.Workbook:
    """附件3 区直有关部门专项行动督察情况统计表 filled from the ledger's problems."""
    return form_workbook(FORMS[3], attachment3_rows(problems), unit=unit, filled_on=filled_on)


def attachment4_workbook(problems: pd.DataFrame, *, unit: str | None = None,
                         filled_on: dt.date | None = None) -> openpyxl.Workbook:
    """附件4 专项行动问题整改台账 filled from the ledger's problems (closed ones included).

    Examples
    --------
    >>> import datetime as dt
    >>> frame = pd.DataFrame({"problem_id": [1], "township": ["百里奚街道"], "village": ["新庄村"],
    ...     "source_type": ["排污口"], "description": ["=cmd|' /C calc'!A0"], "measure": ["封堵"],
    ...     "deadline": [dt.date(2021, 10, 30)], "progress": [""], "status": ["整改中"],
    ...     "unit": ["百里奚街道办"], "person": ["王五"]})
    >>> ws = attachment4_workbook(frame, unit="百里奚街道", filled_on=dt.date(2021, 10, 14)).active
    >>> ws["E5"].value, ws["E5"].data_type, ws["H5"].value
    ("=cmd|' /C calc'!A0", 's', '整改中')
    """
    return form_workbook(FORMS[4], attachment4_rows(problems), unit=unit, filled_on=filled_on)
