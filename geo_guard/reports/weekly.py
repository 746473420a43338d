"""周报.docx: the week's report on the rectification ledger, as a Word document.

Sections, in order (the headings as they read in the document):

- 一、总体情况: problems in the ledger by status, found / rectified / closed this week,
  overdue and due soon, and the week's actions from the ledger's events;
- 二、本周新增问题, 三、本周整改完成问题, 四、本周销号问题: one table each;
- 五、超期未整改问题 (most overdue first, with the days overdue), 六、临期问题;
- 七、分类统计: counts by 风险源类型, 保护区 and 行政村 (total, per status, overdue);
- 八、问题分布: a bar chart of problems by type and status, and a static map of the open
  problems (:mod:`geo_guard.reports.charts`).

Text from the ledger goes into the document as text runs (Word never interprets it);
characters XML cannot hold (control characters) are dropped.

Examples
--------
>>> import datetime as dt
>>> from geo_guard.reports.digest import weekly_digest
>>> frame = pd.DataFrame({"problem_id": [1], "status": ["整改中"], "township": ["示意镇甲"],
...     "village": ["甲一村"], "source_type": ["排污口"], "zone": ["一级保护区"],
...     "description": ["排污口"], "found_on": [dt.date(2021, 10, 9)],
...     "deadline": [dt.date(2021, 10, 30)], "rectified_on": [None], "closed_on": [None],
...     "unit": ["示意镇甲"], "person": ["王某"], "lon": [112.0], "lat": [32.7]})
>>> digest = weekly_digest(frame, None, dt.date(2021, 10, 14))
>>> write_weekly_docx(digest, tmp / "周报.docx").name
'周报.docx'
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
import pandas as pd
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from geo_guard._errors import OutputError
from geo_guard.io import atomic_path
from geo_guard.reports.charts import static_map, status_chart
from geo_guard.reports.digest import (
    DUE_SOON_DAYS,
    WeeklyDigest,
    chinese_date,
    count_table,
    place_names,
    plain_text,
    zone_names,
)
from geo_guard.settings import ZONE_NAMES

__all__ = ["REPORT_TITLE", "SECTION_HEADINGS", "weekly_document", "write_weekly_docx"]

PathLike = str | os.PathLike[str]

REPORT_TITLE = "南水北调中线工程水源保护区生态环境保护专项行动周报"
#: The document's section headings, in order.
SECTION_HEADINGS: tuple[str, ...] = (
    "一、总体情况",
    "二、本周新增问题",
    "三、本周整改完成问题",
    "四、本周销号问题",
    "五、超期未整改问题",
    "六、临期问题",
    "七、分类统计",
    "八、问题分布",
)
_BODY_FONT, _HEADING_FONT, _TITLE_FONT = "宋体", "黑体", "方正小标宋简体"
# Control characters are not allowed in XML; lone surrogates cannot be encoded.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(value: object) -> str:
    if isinstance(value, dt.date):
        return chinese_date(value)
    return _NOT_XML.sub("", plain_text(value))


def _fonts(run_or_style: Any, name: str, size: float | None = None, bold: bool | None = None
           ) -> None:
    """Set Latin and East Asian fonts (Word takes Chinese glyphs from w:eastAsia)."""
    font = run_or_style.font
    font.name = name
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold


def _new_document() -> Any:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    _fonts(document.styles["Normal"], _BODY_FONT, 12)
    for level in (1, 2):
        style = document.styles[f"Heading {level}"]
        _fonts(style, _HEADING_FONT, 15 if level == 1 else 13, bold=level == 2)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
    return document


def _paragraph(document: Any, text: str, *, align: Any = None, size: float | None = None,
               font: str | None = None, bold: bool = False) -> Any:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(_clean(text))
    if font or size or bold:
        _fonts(run, font or _BODY_FONT, size, bold=bold or None)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _repeat_header(row: Any) -> None:
    """Repeat a table's header row at the top of each page."""
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _shade(cell: Any, fill: str = "D9D9D9") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _set_text(run: Any, text: str) -> None:
    """Put text in a run element (``w:r``): one ``w:t`` per line, ``w:br`` between."""
    for child in run.findall(qn("w:t")) + run.findall(qn("w:br")):
        run.remove(child)
    for i, line in enumerate(text.split("\n")):
        if i:
            run.append(OxmlElement("w:br"))
        element = OxmlElement("w:t")
        element.set(qn("xml:space"), "preserve")  # keep leading/trailing spaces
        element.text = line
        run.append(element)


def _table(document: Any, headers: Sequence[str], rows: Sequence[Sequence[object]],
           widths_cm: Sequence[float] | None = None, size: float = 9) -> Any:
    """A bordered table with a shaded header row repeated on each page.

    The first body row is formatted through python-docx (fonts, widths), then copied for
    every row with only its text replaced: building each cell through the object model
    costs about a millisecond, too slow for a ledger of thousands of problems.
    """
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(_clean(header))
        _fonts(run, _BODY_FONT, size, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell)
    _repeat_header(table.rows[0])
    template = table.add_row()
    for cell in template.cells:
        _fonts(cell.paragraphs[0].add_run(""), _BODY_FONT, size)
    if widths_cm is not None:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    body = template._tr
    for values in rows:
        tr = copy.deepcopy(body)
        for tc, value in zip(tr.tc_lst, values, strict=True):
            _set_text(tc.find(f"{qn('w:p')}/{qn('w:r')}"), _clean(value))
        body.addprevious(tr)
    body.getparent().remove(body)
    return table


# --------------------------------------------------------------------------- sections


def _responsible(row: Any) -> str:
    unit, person = plain_text(getattr(row, "unit", "")), plain_text(getattr(row, "person", ""))
    return f"{unit}（{person}）" if unit and person else unit or person


_PROBLEM_HEADERS = ("编号", "位置", "风险源类型", "风险源描述", "整改时限", "责任单位（人）",
                    "状态")
_PROBLEM_WIDTHS = (1.2, 2.6, 2.0, 4.6, 2.4, 2.8, 1.6)


def _problem_rows(frame: pd.DataFrame, extra: Callable[[Any], object] | None = None
                  ) -> list[list[object]]:
    rows = []
    for row, place in zip(frame.itertuples(), place_names(frame), strict=True):
        values: list[object] = [row.problem_id, place, getattr(row, "source_type", ""),
                                getattr(row, "description", ""), row.deadline or "",
                                _responsible(row), row.status]
        if extra is not None:
            values.append(extra(row))
        rows.append(values)
    return rows


def _problem_section(document: Any, heading: str, frame: pd.DataFrame, empty: str,
                     extra_header: str, extra: Callable[[Any], object]) -> None:
    document.add_heading(f"{heading}（{len(frame)}个）", level=1)
    if len(frame) == 0:
        _paragraph(document, empty)
        return
    widths = [w * 0.92 for w in _PROBLEM_WIDTHS] + [2.0]
    _table(document, [*_PROBLEM_HEADERS, extra_header], _problem_rows(frame, extra), widths)


def _overview(document: Any, digest: WeeklyDigest) -> None:
    document.add_heading(SECTION_HEADINGS[0], level=1)
    counts = digest.status_counts()
    by_status = "，".join(f"{status}{n}个" for status, n in counts.items())
    _paragraph(
        document,
        f"截至{chinese_date(digest.week.end)}，问题整改台账共登记问题{len(digest.problems)}个"
        f"（{by_status}），未销号{len(digest.open)}个。"
        f"本周（{digest.week.label}）新增问题{len(digest.new)}个，整改完成"
        f"{len(digest.rectified)}个，销号{len(digest.closed)}个；超期未整改"
        f"{len(digest.overdue)}个，{DUE_SOON_DAYS}日内到期{len(digest.due_soon)}个。",
    )
    if len(digest.actions):
        _paragraph(document, "本周台账办理情况：")
        _table(document, ["动作", "次数"], digest.actions.to_numpy().tolist(), [5.0, 2.5])
    else:
        _paragraph(document, "本周台账无办理记录。")


def _counts_section(document: Any, digest: WeeklyDigest) -> None:
    document.add_heading(SECTION_HEADINGS[6], level=1)
    problems = digest.problems
    zone_order = [ZONE_NAMES[level] for level in sorted(ZONE_NAMES)]
    groups = [
        ("（一）按风险源类型", problems.get("source_type", pd.Series("", index=problems.index)),
         "风险源类型", None),
        ("（二）按保护区", zone_names(problems), "保护区", zone_order),
        ("（三）按行政村", place_names(problems), "行政村", None),
    ]
    for heading, by, label_, order in groups:
        document.add_heading(heading, level=2)
        table = count_table(problems, by, label_, order)
        widths = [3.6] + [1.55] * (table.shape[1] - 1)
        _table(document, list(table.columns), table.to_numpy().tolist(), widths)


def _pictures(document: Any, digest: WeeklyDigest, chart: bytes | None, map_png: bytes | None
              ) -> None:
    document.add_heading(SECTION_HEADINGS[7], level=1)
    for number, (caption, png) in enumerate(
        (("按风险源类型和状态统计的问题数", chart),
         (f"未销号问题分布示意图（截至{chinese_date(digest.week.end)}）", map_png)), start=1
    ):
        if png is None:
            continue
        document.add_picture(io.BytesIO(png), width=Cm(16.0))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _paragraph(document, f"图{number}  {caption}", align=WD_ALIGN_PARAGRAPH.CENTER, size=10.5)


def weekly_document(digest: WeeklyDigest, *, chart: bytes | None = None,
                    map_png: bytes | None = None, title: str = REPORT_TITLE) -> Any:
    """The weekly report as a python-docx Document (see the module for its sections).

    Parameters
    ----------
    digest : WeeklyDigest
        From :func:`geo_guard.reports.digest.weekly_digest`.
    chart, map_png : bytes, optional
        PNG images for 八、问题分布 (:func:`status_chart`, :func:`static_map`).
    title : str
        The document's title.

    Returns
    -------
    docx.document.Document
    """
    document = _new_document()
    _paragraph(document, title, align=WD_ALIGN_PARAGRAPH.CENTER, size=18, font=_TITLE_FONT)
    _paragraph(document, f"（{digest.week.label}）", align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
    unit = f"填报单位：{_clean(digest.unit)}    " if digest.unit else ""
    _paragraph(document, f"{unit}填报时间：{chinese_date(digest.week.end)}",
               align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
    _overview(document, digest)
    end = digest.week.end
    _problem_section(document, SECTION_HEADINGS[1], digest.new, "本周无新增问题。",
                     "发现日期", lambda r: r.found_on or "")
    _problem_section(document, SECTION_HEADINGS[2], digest.rectified, "本周无整改完成的问题。",
                     "整改完成", lambda r: r.rectified_on or "")
    _problem_section(document, SECTION_HEADINGS[3], digest.closed, "本周无销号问题。",
                     "销号日期", lambda r: r.closed_on or "")
    overdue = digest.overdue.sort_values(
        "deadline", key=lambda s: s.map(lambda d: d or dt.date.max), kind="stable")
    _problem_section(document, SECTION_HEADINGS[4], overdue, "无超期未整改问题。",
                     "超期天数", lambda r: f"{(end - r.deadline).days}天" if r.deadline else "")
    _problem_section(document, SECTION_HEADINGS[5], digest.due_soon,
                     f"无{DUE_SOON_DAYS}日内到期的问题。",
                     "剩余天数", lambda r: f"{(r.deadline - end).days}天" if r.deadline else "")
    _counts_section(document, digest)
    _pictures(document, digest, chart, map_png)
    return document


def write_weekly_docx(digest: WeeklyDigest, path: PathLike, *, canal: Any = None,
                      zones: Any = None) -> Path:
    """Draw the chart and the static map and write 周报.docx atomically.

    Parameters
    ----------
    digest : WeeklyDigest
    path : str or path-like
        ``.docx`` file; its folder must exist.
    canal : Canal or GeoDataFrame, optional
        Drawn under the problems on the static map.
    zones : GeoDataFrame, optional
        Protection zones (``zone_level``) drawn under the problems.

    Returns
    -------
    pathlib.Path
    """
    target = Path(path)
    if target.suffix.lower() != ".docx":
        raise OutputError(f"{target.name}: the weekly report is written as .docx")
    chart = status_chart(digest.problems) if len(digest.problems) else None
    map_png = static_map(digest.problems, canal=canal, zones=zones,
                         title=f"未销号问题分布（截至{chinese_date(digest.week.end)}）")
    document = weekly_document(digest, chart=chart, map_png=map_png)
    with atomic_path(target) as temp:
        document.save(temp)
    return target

