"""The forms 附件1–4 against the seed's own text, cell by cell, and ready to print.

The seed (宛开办〔2021〕15号, ``../shared/seed/000_799b095b0410cbcc.txt``) is parsed here,
independently of geo_guard's constants: each attachment's label, title, 填报单位 line,
column headers, number of empty rows and 注 line are read from its text and compared with
what openpyxl reads back from the written workbooks.
"""

from __future__ import annotations

import datetime as dt
import errno
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo_guard._errors import OptionError, OutputError
from geo_guard.reports import (
    attachment1_workbook,
    attachment2_workbook,
    attachment3_workbook,
    attachment4_workbook,
    save_workbook,
    weekly_digest,
    write_blank_forms,
)

from .conftest import ROOT
from .report_frames import AS_OF, HOSTILE_FORMULA, HOSTILE_SCRIPT, HOSTILE_TEMPLATE, ledger_problems

SEED_NAME = "000_799b095b0410cbcc.txt"
#: Where the seed's text extraction lost a character: 附件3's header "存在问题" (its body
#: text and the issue both say 存在问题) reads "存在\n题" in the extracted text.
SEED_ERRATA = {"存在题": "存在问题"}


def seed_path() -> Path:
    """The seed beside the checkout (../shared/seed), or skip with the reason."""
    for folder in ROOT.parents:
        path = folder / "shared" / "seed" / SEED_NAME
        if path.is_file():
            return path
    pytest.skip(f"the seed {SEED_NAME} is not beside the checkout (../shared/seed); the "
                "layout tests compare the forms with its text")


def squash(text: object) -> str:
    """Text without any whitespace: the seed's spacing is typesetting, not content."""
    return re.sub(r"\s+", "", "" if text is None else str(text))


@dataclass
class SeedForm:
    label: str
    title: str
    fill_line: str
    headers: list[str]
    blank_rows: int
    note: str | None


def parse_seed(text: str) -> dict[int, SeedForm]:
    """The attachments at the end of the seed, from its text layout.

    After ``附件N`` come the title, the 填报单位 line, then the table as Word's text
    export writes it: one cell per line starting with a tab (a line without a tab
    continues the cell above), rows separated by empty lines; then maybe a 注 line.
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"附件[1-4]", line.strip())]
    forms = {}
    for k, start in enumerate(starts):
        block = lines[start: starts[k + 1] if k + 1 < len(starts) else len(lines)]
        label = block[0].strip()
        rest = iter(block[1:])
        title = next(line for line in rest if line.strip()).strip()
        fill_line = next(line for line in rest if line.strip()).strip()
        assert fill_line.startswith("填报单位")
        headers: list[str] = []
        rows: list[list[str]] = []
        current: list[str] | None = None
        note = None
        for line in rest:
            if line.startswith("注："):
                note = line.strip()
            elif line == "":
                if current:
                    rows.append(current)
                current = None
            elif line.startswith("\t"):
                current = [] if current is None else current
                current.append(line[1:])
            elif current is not None:  # a header cell broken over two lines
                current[-1] += line
        if current:
            rows.append(current)
        headers = [squash(cell) for cell in rows[0]]
        blank = [row for row in rows[1:] if all(not cell.strip() for cell in row)]
        assert all(len(row) == len(headers) for row in blank)
        forms[int(label[-1])] = SeedForm(label, title, fill_line, headers, len(blank), note)
    return forms


@pytest.fixture(scope="module")
def seed() -> dict[int, SeedForm]:
    forms = parse_seed(seed_path().read_text(encoding="utf-8"))
    assert sorted(forms) == [1, 2, 3, 4]
    # Only the known loss is corrected; any other difference from the seed still fails.
    for form in forms.values():
        form.headers = [SEED_ERRATA.get(h, h) for h in form.headers]
    return forms


@pytest.fixture(scope="module")
def blank_forms(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    paths = write_blank_forms(tmp_path_factory.mktemp("forms") / "空白表")
    return {int(p.stem[-1]): p for p in paths}


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The forms of the weekly report (as write_weekly_report writes them, without the
    document and the map, which test_reports_weekly covers)."""
    folder = tmp_path_factory.mktemp("weekly")
    problems = weekly_digest(ledger_problems(), None, AS_OF).problems
    builders = {2: attachment2_workbook, 3: attachment3_workbook, 4: attachment4_workbook}
    return {f"附件{n}.xlsx": save_workbook(build(problems, unit="示意镇甲", filled_on=AS_OF),
                                           folder / f"附件{n}.xlsx")
            for n, build in builders.items()}


def sheet(path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def row_text(ws: openpyxl.worksheet.worksheet.Worksheet, row: int) -> str:
    return "".join(str(c.value) for c in ws[row] if c.value is not None)


def table_end(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """Last row of the table: the row before the 注 line, or the last row."""
    last = ws.max_row
    return last - 1 if str(ws.cell(row=last, column=1).value or "").startswith("注") else last


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --------------------------------------------------------------------------- layout vs seed


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_blank_form_matches_the_seed(seed: dict[int, SeedForm], blank_forms: dict[int, Path],
                                     number: int) -> None:
    expected = seed[number]
    ws = sheet(blank_forms[number])
    assert ws["A1"].value == expected.label
    assert squash(ws["A2"].value) == squash(expected.title)
    assert squash(row_text(ws, 3)) == squash(expected.fill_line)
    assert [squash(c.value) for c in ws[4]] == expected.headers
    body = list(ws.iter_rows(min_row=5, max_row=table_end(ws)))
    assert len(body) == expected.blank_rows
    assert all(c.value is None for row in body for c in row)
    if expected.note is None:
        assert table_end(ws) == ws.max_row
    else:
        assert squash(ws.cell(row=ws.max_row, column=1).value) == squash(expected.note)


@pytest.mark.parametrize("number", [2, 3, 4])
def test_filled_form_has_the_seed_layout_with_unit_and_date(
        seed: dict[int, SeedForm], weekly: dict[str, Path], number: int) -> None:
    expected = seed[number]
    ws = sheet(weekly[f"附件{number}.xlsx"])
    assert ws["A1"].value == expected.label
    assert squash(ws["A2"].value) == squash(expected.title)
    # The seed's line with the unit before （盖章） and the week's Thursday in the blanks.
    filled = squash(expected.fill_line).replace("（盖章）", "示意镇甲（盖章）")
    filled = filled.replace("年月日", "2021年10月14日")
    assert squash(row_text(ws, 3)) == filled
    assert [squash(c.value) for c in ws[4]] == expected.headers
    if expected.note:
        assert squash(ws.cell(row=ws.max_row, column=1).value) == squash(expected.note)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_print_setup_borders_merges_and_widths(blank_forms: dict[int, Path],
                                               weekly: dict[str, Path], number: int) -> None:
    paths = [blank_forms[number]] + ([weekly[f"附件{number}.xlsx"]] if number > 1 else [])
    for path in paths:
        ws = sheet(path)
        columns = ws.max_column
        last = openpyxl.utils.get_column_letter(columns)
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.print_title_rows == "$4:$4"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert f"A2:{last}2" in merged  # the title spans the table
        if ws.cell(row=ws.max_row, column=1).value and str(
                ws.cell(row=ws.max_row, column=1).value).startswith("注"):
            assert f"A{ws.max_row}:{last}{ws.max_row}" in merged
        for row in ws.iter_rows(min_row=4, max_row=table_end(ws)):
            for cell in row:
                for side in (cell.border.left, cell.border.right, cell.border.top,
                             cell.border.bottom):
                    assert side.style == "thin", cell.coordinate
        for row in ws.iter_rows(min_row=1, max_row=3):  # no borders above the table
            assert all(c.border.left.style is None for c in row)
        for cell in ws[4]:
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= display_width(str(cell.value)) + 1, cell.value  # one line
            assert cell.font.b


def test_every_cell_is_a_value_never_a_formula(weekly: dict[str, Path],
                                               blank_forms: dict[int, Path]) -> None:
    for path in [*weekly.values(), *blank_forms.values()]:
        if path.suffix != ".xlsx":
            continue
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f>" not in xml and "<f " not in xml, path.name
        for row in sheet(path).iter_rows():
            assert all(c.data_type != "f" for c in row), path.name
    ws = sheet(weekly["附件3.xlsx"])
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells[HOSTILE_FORMULA].data_type == "s"
    assert cells[HOSTILE_FORMULA].quotePrefix  # Excel's "text" mark, not a visible '
    assert cells[HOSTILE_SCRIPT].data_type == "s" and HOSTILE_TEMPLATE in cells


# --------------------------------------------------------------------------- content


def body_rows(path: Path) -> list[list[object]]:
    ws = sheet(path)
    return [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=table_end(ws))]


def test_rows_of_each_attachment(weekly: dict[str, Path]) -> None:
    problems = ledger_problems().set_index("problem_id")
    # 附件2: found by the township (not department supervision), as of the week (7 is later)
    rows2 = body_rows(weekly["附件2.xlsx"])
    assert [r[0] for r in rows2] == [1, 2, 3, 4, 5, 6, 7]
    ids2 = [1, 2, 3, 5, 6, 9, 10]
    assert [r[5] for r in rows2] == [problems.loc[i, "description"] for i in ids2]
    assert rows2[0][1:5] == ["示意镇甲", "甲一村", "畜禽养殖", "二级保护区"]
    assert rows2[0][7] == dt.datetime(2021, 10, 10) and rows2[0][8] == "排查员1"
    assert rows2[5][1:3] == [None, None] and rows2[5][7] is None  # problem 9: blanks stay blank
    # 附件3: department supervision (部门督查, 部门督察); 区直部门 from found_by
    rows3 = body_rows(weekly["附件3.xlsx"])
    assert [r[1:3] for r in rows3] == [["排查员4", "乙一村旅游餐饮问题4"],
                                       ["排查员8", HOSTILE_FORMULA]]
    assert rows3[1][3:] == [HOSTILE_SCRIPT, dt.datetime(2021, 10, 13), "示意镇甲",
                            HOSTILE_TEMPLATE]
    # 附件4: every problem of the ledger as of the week, closed ones included
    rows4 = body_rows(weekly["附件4.xlsx"])
    assert len(rows4) == 9
    progress = {row[4]: row[7] for row in rows4}
    assert progress["甲一村畜禽养殖问题1"] == "整改中：已清理粪污50%（超期）"
    assert progress[HOSTILE_FORMULA] == "整改中（超期）"
    assert progress["乙一村垃圾填埋场问题5"] == "已销号"


def test_dates_are_dates_shown_in_chinese(weekly: dict[str, Path]) -> None:
    ws = sheet(weekly["附件4.xlsx"])
    cell = ws.cell(row=5, column=7)  # 整改时限 of problem 1
    assert cell.value == dt.datetime(2021, 10, 10)
    assert cell.number_format == 'yyyy"年"m"月"d"日"'


def test_empty_selection_reads_none_and_contacts_stay_text(tmp_path: Path) -> None:
    problems = ledger_problems()
    township_only = problems[problems["origin"] == "排查"]
    ws = attachment3_workbook(township_only).active
    assert [c.value for c in ws[5]][:2] == [None, "无"] and ws.max_row == 5
    for build in (attachment2_workbook, attachment3_workbook, attachment4_workbook):
        ws = build(problems.iloc[:0]).active  # an empty ledger
        assert ws.cell(row=5, column=2).value == "无" and ws.cell(row=6, column=2).value is None
    contacts = pd.DataFrame({"姓名": ["张军"], "单位": ["区南水北调办公室"], "职务": ["联络员"],
                             "手机": ["013800000000"], "电子邮箱": ["=1+1"]})
    path = save_workbook(attachment1_workbook(contacts, unit="区南水北调办公室",
                                              filled_on=dt.date(2021, 8, 31)),
                         tmp_path / "附件1.xlsx")
    ws = sheet(path)
    assert [c.value for c in ws[5]] == ["张军", "区南水北调办公室", "联络员", "013800000000",
                                        "=1+1"]
    assert ws["E5"].data_type == "s"
    assert squash(row_text(ws, 3)) == "填报单位：区南水北调办公室（盖章）填报时间：2021年8月31日"


def test_long_text_grows_the_row(tmp_path: Path) -> None:
    problems = ledger_problems()
    problems.loc[problems["problem_id"] == 1, "description"] = "很长的描述" * 30
    ws = attachment4_workbook(problems).active
    heights = [ws.row_dimensions[r].height for r in range(5, 5 + len(problems))]
    assert heights[0] > 3 * heights[1]


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    problems = ledger_problems()
    with pytest.raises(OptionError, match=r"lacks column.*measure"):
        attachment2_workbook(problems.drop(columns=["measure"]))
    bad = problems.astype({"deadline": object})
    bad.loc[0, "deadline"] = "下周"
    with pytest.raises(OptionError, match=r"deadline has values that are not dates.*1: '下周'"):
        attachment4_workbook(bad)
    with pytest.raises(OutputError, match=r"ending in \.xlsx"):
        save_workbook(attachment4_workbook(problems), tmp_path / "台账.xls")
    with pytest.raises(OutputError, match="does not exist"):
        write_blank_forms(tmp_path / "no" / "such")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        write_blank_forms(tmp_path / "file")


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    path = save_workbook(attachment4_workbook(ledger_problems()), tmp_path / "附件4.xlsx")
    before = path.read_bytes()

    real_write = Path.write_bytes

    def broken(self: Path, data: object) -> int:
        real_write(self, b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", broken)
    # atomic_path turns the OS error into one line for the user
    with pytest.raises(OutputError, match="disk full"):
        save_workbook(attachment4_workbook(ledger_problems()), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["附件4.xlsx"]
