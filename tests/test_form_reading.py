"""Tables as they arrive from townships: government forms read into one row per record.

The workbooks are built here with openpyxl the way such forms are made by hand (a label,
a merged title, a 填报单位/填报时间 row, a two-row header with 坐标 merged over 经度/纬度,
乡镇 merged down over its villages, a row numbering the columns, notes and a 合计 row at
the bottom), and the expected table is written out by hand. The forms geo_guard itself
writes (附件2) are read back as a round trip.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geo_guard._errors import InputFileError
from geo_guard.io import LAYOUT, merged_cells, read_table
from geo_guard.io.form_layout import MergedRange, find_header, merged_ranges, trailing_notes
from geo_guard.reports import attachment2_workbook, save_workbook
from geo_guard.reports.forms import attachment2_rows

from .report_frames import AS_OF, HOSTILE_SCRIPT, ledger_problems

HEADER = ["序号", "乡镇（街道）", "行政村", "风险源类型", "名称", "坐标", None, "备注"]
SUB = [None, None, None, None, None, "经度", "纬度", None]
RECORDS = [
    # township written once (merged down), villages once per village
    [1, "百里奚街道", "新庄村", "养猪场", "王家猪场", 112.5101, 33.0203, "=cmd|' /C calc'!A0"],
    [2, None, "新庄村", "农家乐", "<script>alert(1)</script>", 112.5202, 33.0301, None],
    [3, None, "小寨村", "水产养殖", "{{7*7}}", "112°31′45″", "33°01′50″", "坐标为度分秒"],
    [4, "溧河乡", "丁营村", "排污口", "丁营排口", 112.6001, 33.0702, None],
    [5, None, "丁营村", "采砂", "河道采砂点", 112.6102, 33.0803, None],
]


def nasty_form(path: Path, *, numbering: bool = True, extra_rows: int = 0) -> Path:
    """A hand-made 附件2-like form with every habit of a township's clerk."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "百里奚街道"
    ws.append(["附件2"])
    ws.append(["乡镇（街道）专项行动排查情况统计表（含坐标）"])
    ws.merge_cells("A2:H2")
    ws.append(["填报单位：百里奚街道办事处（盖章）", None, None, None, None,
               "填报时间：2021年10月14日", None, None])
    ws.merge_cells("A3:C3")
    ws.merge_cells("F3:H3")
    ws.append(HEADER)   # row 4
    ws.append(SUB)      # row 5
    for column in "ABCDEH":  # every header but 坐标 spans both header rows
        ws.merge_cells(f"{column}4:{column}5")
    ws.merge_cells("F4:G4")
    if numbering:
        ws.append(list(range(1, 9)))  # row 6: the columns numbered, as forms often do
    first = (7 if numbering else 6) + extra_rows  # the first record's row
    for _ in range(extra_rows):
        ws.append([None] * 8)
    for record in RECORDS:
        ws.append(record)
    # 百里奚街道 over its three villages, 溧河乡 over its two; 新庄村 over its two rows.
    ws.merge_cells(f"B{first}:B{first + 2}")
    ws.merge_cells(f"B{first + 3}:B{first + 4}")
    ws.merge_cells(f"C{first}:C{first + 1}")
    ws.append([None] * 8)  # an empty row before the notes
    ws.append(["合计", None, None, None, "5处", None, None, None])
    ws.append(["注：风险源类型指工业企业、畜禽养殖、旅游餐饮、排污口等；坐标为WGS84。"])
    ws.merge_cells(f"A{ws.max_row}:H{ws.max_row}")
    ws.append(["填表人：张三", None, None, "审核人：李四", None, "联系电话：62391864"])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed as text (Excel's quote prefix), not a formula
    wb.save(path)
    return path


def expected_records() -> pd.DataFrame:
    """The records as an analyst reads them off the printed form."""
    towns = ["百里奚街道", "百里奚街道", "百里奚街道", "溧河乡", "溧河乡"]
    villages = ["新庄村", "新庄村", "小寨村", "丁营村", "丁营村"]
    rows = [[r[0], t, v, *r[3:]] for r, t, v in zip(RECORDS, towns, villages, strict=True)]
    frame = pd.DataFrame(rows, columns=["序号", "乡镇（街道）", "行政村", "风险源类型", "名称",
                                        "经度", "纬度", "备注"], dtype=object)
    return frame.where(frame.notna(), "")


def test_a_hand_made_form_reads_as_one_row_per_record(tmp_path: Path) -> None:
    path = nasty_form(tmp_path / "附件2 百里奚.xlsx")
    table = read_table(path)
    pd.testing.assert_frame_equal(table, expected_records())
    layout = table.attrs[LAYOUT]
    sheet = layout.sheets[0]
    assert sheet.header_rows == [4, 5, 6]
    assert sheet.rows.tolist() == [7, 8, 9, 10, 11]  # as Excel numbers them
    assert layout.rows.tolist() == [7, 8, 9, 10, 11]
    assert sheet.filled_in == {"填报单位": "百里奚街道办事处（盖章）", "填报时间": "2021年10月14日"}
    assert sheet.above[:2] == ["附件2", "乡镇（街道）专项行动排查情况统计表（含坐标）"]
    assert [row for row, _ in sheet.notes] == [13, 14, 15]
    assert sheet.notes[0][1] == "合计 5处"
    assert sheet.notes[1][1].startswith("注：风险源类型指")
    assert sheet.notes[2][1] == "填表人：张三 审核人：李四 联系电话：62391864"
    assert sheet.filled_down == {"乡镇（街道）": 3, "行政村": 1}
    text = "\n".join(layout.describe())
    assert "第 14 行为表注" in text and "乡镇（街道）" in text


def test_without_the_numbering_row_and_with_an_empty_row_in_the_records(tmp_path: Path) -> None:
    path = nasty_form(tmp_path / "form.xlsx", numbering=False, extra_rows=1)
    table = read_table(path)
    # The empty row between header and records stays (row numbers match the sheet) ...
    assert table.iloc[0].tolist() == [""] * 8
    pd.testing.assert_frame_equal(table.iloc[1:].reset_index(drop=True), expected_records())
    assert table.attrs[LAYOUT].rows.tolist() == [6, 7, 8, 9, 10, 11]


def test_header_row_given_by_the_user(tmp_path: Path) -> None:
    path = nasty_form(tmp_path / "form.xlsx")
    table = read_table(path, header_row=4)
    assert list(table.columns) == list(expected_records().columns)
    # A header row given on a record: the records below it are what is left.
    table = read_table(path, header_row=7)
    assert table.columns[1] == "百里奚街道"
    assert table.attrs[LAYOUT].rows.tolist()[:1] == [8]
    with pytest.raises(InputFileError, match="--header-row 99: the sheet has only"):
        read_table(path, header_row=99)
    with pytest.raises(InputFileError, match="--header-row 12: row 12 is empty"):
        read_table(path, header_row=12)


def test_every_sheet(tmp_path: Path) -> None:
    path = nasty_form(tmp_path / "all.xlsx")
    wb = openpyxl.load_workbook(path)
    second = wb.create_sheet("溧河乡")
    second.append(["溧河乡排查表"])
    second.append(["序号", "名称", "经度", "纬度", "联系人"])  # its own, plainer header
    second.append([1, "李家鸡场", 112.7, 33.1, "李四"])
    wb.create_sheet("说明").append(["本表坐标为 WGS84，由各乡镇填报。"])
    wb.create_sheet("空白")
    wb.save(path)
    table = read_table(path, sheet="all")
    assert table["工作表"].tolist() == ["百里奚街道"] * 5 + ["溧河乡"]
    assert list(table.columns) == ["工作表", *expected_records().columns, "联系人"]
    assert table.iloc[5].tolist() == ["溧河乡", 1, "", "", "", "李家鸡场", 112.7, 33.1, "", "李四"]
    layout = table.attrs[LAYOUT]
    assert layout.rows.tolist() == [7, 8, 9, 10, 11, 3]
    assert layout.sheet_column == "工作表"
    assert [name for name, _ in layout.skipped] == ["说明", "空白"]
    # One sheet by name still works, and a sheet really called "all" wins.
    assert read_table(path, sheet="溧河乡")["名称"].tolist() == ["李家鸡场"]


def test_every_sheet_keeps_a_sheet_column_of_the_input(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["工作表", "经度", "纬度"])
    wb.active.append(["甲", 112.5, 33.0])
    wb.save(path)
    table = read_table(path, sheet="ALL")
    assert list(table.columns) == ["工作表_sheet", "工作表", "经度", "纬度"]


def test_attachment2_written_by_geo_guard_reads_back(tmp_path: Path) -> None:
    problems = ledger_problems()
    path = save_workbook(attachment2_workbook(problems, unit="百里奚街道", filled_on=AS_OF),
                         tmp_path / "附件2.xlsx")
    table = read_table(path)
    assert list(table.columns) == ["序号", "乡镇（街道）", "行政村", "风险源类型", "保护区类型",
                                   "风险源描述", "整改措施", "整改时限", "排查责任人"]
    expected = attachment2_rows(problems)
    assert len(table) == len(expected)
    for got, want in zip(table.itertuples(index=False), expected, strict=True):
        for a, b in zip(got, want, strict=True):
            if isinstance(b, dt.date):
                assert pd.Timestamp(a).date() == b
            else:
                assert a == ("" if b is None or pd.isna(b) else b)
    assert HOSTILE_SCRIPT in set(table["风险源描述"])  # text as typed
    sheet = table.attrs[LAYOUT].sheets[0]
    assert sheet.header_rows == [4]
    assert sheet.rows.tolist() == list(range(5, 5 + len(expected)))
    assert sheet.filled_in["填报单位"].startswith("百里奚街道")
    assert sheet.filled_in["填报时间"] == "2021年10月14日"
    assert len(sheet.notes) == 1 and sheet.notes[0][1].startswith("注：风险源类型指")


def test_a_form_saved_as_csv(tmp_path: Path) -> None:
    """Excel's "save as CSV" of a form: no merge information, so nothing is filled down."""
    lines = [
        "附件2,,,,",
        "填报单位：百里奚街道（盖章）,,,填报时间：2021年10月14日,",
        "序号,名称,坐标,,备注",
        ",,经度,纬度,",
        "1,王家猪场,112.5,33.0,",
        '2,"李家\n鸡场",112.6,33.1,新建',
        ",,,,",
        "注：坐标为WGS84。,,,,",
    ]
    path = tmp_path / "form.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    table = read_table(path)
    assert list(table.columns) == ["序号", "名称", "经度", "纬度", "备注"]
    assert table.values.tolist() == [["1", "王家猪场", "112.5", "33.0", ""],
                                     ["2", "李家\n鸡场", "112.6", "33.1", "新建"]]
    sheet = table.attrs[LAYOUT].sheets[0]
    assert sheet.rows.tolist() == [5, 6]  # the line each record starts on
    assert sheet.notes == [[9, "注：坐标为WGS84。"]]
    assert sheet.filled_in == {"填报单位": "百里奚街道（盖章）", "填报时间": "2021年10月14日"}


def test_plain_tables_are_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("名称,lon,lat\n甲,112.5,33.0\n\n乙,112.6,33.1\n", encoding="utf-8")
    table = read_table(path)
    assert table.values.tolist() == [["甲", "112.5", "33.0"], ["乙", "112.6", "33.1"]]
    assert table.attrs[LAYOUT].rows.tolist() == [2, 4]  # the blank line is no record
    # A header of unknown words with numbers below: still the first row.
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["a", "b", "c"]
    # A header under a title, no known word in it.
    path.write_text("某某表\nfoo,bar\nx,1\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["foo", "bar"]


def test_a_record_that_looks_like_a_note_in_the_middle_stays(tmp_path: Path) -> None:
    path = tmp_path / "middle.csv"
    path.write_text("名称,经度,纬度\n注：见附图,112.5,33.0\n乙,112.6,33.1\n", encoding="utf-8")
    assert read_table(path)["名称"].tolist() == ["注：见附图", "乙"]


def test_find_header_rules() -> None:
    # 填报单位/填报时间 filled: not the header, though it has two filled cells.
    rows = [["填报单位：甲", "填报时间：2021年"], ["名称", "地址"], ["甲", "乙"]]
    assert find_header(rows).first == 1
    # Two header rows told apart from a record by the groups (no merge information).
    rows = [["序号", "起点", "", "终点", ""], ["", "经度", "纬度", "经度", "纬度"], [1, 1, 2, 3, 4]]
    found = find_header(rows)
    assert found.rows == 2
    assert found.names == ["序号", "起点经度", "起点纬度", "终点经度", "终点纬度"]
    # A record under a grouped header is no second header row.
    rows = [["序号", "坐标", ""], ["1", "112.5", "33.0"]]
    assert find_header(rows).rows == 1
    # Merged ranges say what the groups are.
    rows = [["序号", "坐标", "", "备注"], ["", "经度", "纬度", ""]]
    merges = [MergedRange(0, 1, 0, 2), MergedRange(0, 0, 1, 0), MergedRange(0, 3, 1, 3)]
    assert find_header(rows, merges).names == ["序号", "经度", "纬度", "备注"]


def test_trailing_notes_stop_at_the_last_record() -> None:
    rows = [["1", "甲"], ["说明：见附件", ""], ["2", "乙"], ["", ""], ["备注：无", ""]]
    assert trailing_notes(rows, first_row=3) == (3, [(7, "备注：无")])
    assert trailing_notes([["1", "甲"]], first_row=2) == (1, [])


def test_merged_ranges_straddling_chunks_and_prefixed_xml(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "m.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表一"
    refs = [f"A{3 * k + 1}:A{3 * k + 3}" for k in range(400)]
    for ref in refs:
        ws.merge_cells(ref)
    wb.create_sheet("表二").merge_cells("B2:D2")
    wb.save(path)
    monkeypatch.setattr(merged_cells, "_CHUNK", 97)  # every element cut somewhere
    found = merged_ranges(path)
    assert set(found["表一"]) == {MergedRange(3 * k, 0, 3 * k + 2, 0) for k in range(400)}
    assert found["表二"] == [MergedRange(1, 1, 1, 3)]
    # A namespace prefix, as some writers use (<x:mergeCell ref=...>).
    assert merged_cells._MERGE_REF.search(b'<x:mergeCell ref="AB10:AC12"/>').groups() == (
        b"AB", b"10", b"AC", b"12")
    assert merged_ranges(tmp_path / "missing.xlsx") == {}


def test_a_large_plain_sheet_has_row_numbers_without_a_parse(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    n = 20_000
    body = "\n".join(f"{i},{112 + i * 1e-5:.5f},33.0" for i in range(n))
    path.write_text("编号,经度,纬度\n" + body + "\n", encoding="utf-8")
    table = read_table(path)
    assert np.array_equal(table.attrs[LAYOUT].rows, np.arange(2, n + 2))
