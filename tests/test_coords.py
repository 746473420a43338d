"""Tests for geo_guard.coords: reading point tables, DMS parsing, row-level status."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_guard._errors import CRSError, InputFileError, OptionError
from geo_guard.io.coord_headers import LAT_HEADERS, LON_HEADERS, find_coordinate_columns
from geo_guard.io.coord_values import (
    REASON_EMPTY,
    REASON_LOOKS_DEGREES,
    REASON_LOOKS_PROJECTED,
    REASON_MINSEC,
    REASON_NOT_METRES,
    REASON_OUT_OF_RANGE,
    REASON_SWAPPED,
    REASON_XY_SWAPPED,
    _parse_array,
    _parse_scalar,
    parse_coordinates,
)
from geo_guard.io.coords import CoordinateResult, coordinates_from_table
from geo_guard.io.tables import ROW_NOTES, read_table

GEOD = pyproj.Geod(ellps="WGS84")
TO_4547 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True)
FROM_4547 = pyproj.Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True)
D = 112 + 31 / 60 + 45 / 3600  # 112°31′45″
HEADER = ["序号", "名称", "类型", "经度", "纬度", "备注"]


def unparseable(text: str) -> str:
    return f"无法解析坐标 '{text}' / cannot parse coordinate '{text}'"


def one(text: object, axis: str = "lon") -> tuple[float, str]:
    value, reason = parse_coordinates([text], axis=axis)
    return float(value[0]), str(reason[0])


# --------------------------------------------------------------------------------------
# parse_coordinates
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("112.5", 112.5),
        (112.5, 112.5),
        (" 112.5 ", 112.5),
        ("112.5°", 112.5),
        ("112°31′45″", D),
        ("112°31'45\"", D),
        ("112°31'45.6\"E", 112 + 31 / 60 + 45.6 / 3600),
        ("112° 31' 45''", D),
        ("112º31’45”", D),  # ordinal º and smart quotes from Word/WeChat
        ("112°31ʹ45ʺ", D),  # modifier-letter primes
        ("112 31 45", D),
        ("112:31:45", D),
        ("112度31分45秒", D),
        ("东经112度31分45.5秒", 112 + 31 / 60 + 45.5 / 3600),
        ("东经 112.5", 112.5),
        ("经度：112.5", 112.5),
        ("E112.5", 112.5),
        ("e 112.5", 112.5),
        ("112.5E", 112.5),
        ("112.5 °E", 112.5),
        ("112.5W", -112.5),
        ("西经112°30′", -112.5),
        ("-112°30′", -112.5),
        ("112°31.75′", 112 + 31.75 / 60),
        ("112°31′", 112 + 31 / 60),
        ("112,5", 112.5),  # decimal comma, the only comma
        ("3,650,000.5", 3_650_000.5),  # thousands separators
        ("1.125e2", 112.5),
    ],
)
def test_parse_lon_spellings(text: object, expected: float) -> None:
    value, reason = one(text)
    assert value == pytest.approx(expected, abs=1e-12)
    assert reason == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("北纬33°02′", 33 + 2 / 60),
        ("北纬33度2分10秒", 33 + 2 / 60 + 10 / 3600),
        ("33.0N", 33.0),
        ("N33.0", 33.0),
        ("S33.5", -33.5),
        ("南纬33°30′", -33.5),
        ("33°2′10″", 33 + 2 / 60 + 10 / 3600),
    ],
)
def test_parse_lat_spellings(text: str, expected: float) -> None:
    value, reason = one(text, "lat")
    assert value == pytest.approx(expected, abs=1e-12)
    assert reason == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１１２．５", 112.5),
        ("１１２°３１′４５″", D),
        ("东经１１２度３１分４５秒", D),
        ("Ｅ１１２．５", 112.5),
        ("１１２：３１：４５", D),
    ],
)
def test_parse_full_width(text: str, expected: float) -> None:
    value, reason = one(text)
    assert value == pytest.approx(expected, abs=1e-12)
    assert reason == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("112°60′", REASON_MINSEC),
        ("112°31′60″", REASON_MINSEC),
        ("112 75 00", REASON_MINSEC),
        ("", REASON_EMPTY),
        ("   ", REASON_EMPTY),
        ("NaN", REASON_EMPTY),
        ("无", REASON_EMPTY),
        (None, REASON_EMPTY),
        (float("nan"), REASON_EMPTY),
        ("abc", unparseable("abc")),
        ("inf", unparseable("inf")),
        ("112:31:", unparseable("112:31:")),
        ("112.5.5", unparseable("112.5.5")),
        ("112°45″", unparseable("112°45″")),  # seconds without minutes
        ("112.5°30′", unparseable("112.5°30′")),  # decimals only on the last part
        ("-112.5E", unparseable("-112.5E")),  # sign and hemisphere disagree
        ("E112.5W", unparseable("E112.5W")),
        ("112.5,33.0", unparseable("112.5,33.0")),  # both coordinates in one cell
        (True, unparseable("True")),  # a checkbox is not a coordinate
        ([112, 31], unparseable("[112, 31]")),
        (
            "112,500",
            "逗号含义不明 '112,500'，小数请用点号 / ambiguous comma in '112,500'; use a dot "
            "for decimals",
        ),
    ],
)
def test_parse_reasons(text: object, reason: str) -> None:
    value, got = one(text)
    assert np.isnan(value)
    assert got == reason


def test_parse_reason_quotes_at_most_40_characters() -> None:
    _, reason = one("x" * 100)
    assert reason == unparseable("x" * 39 + "…")


def test_parse_hemisphere_must_fit_the_axis() -> None:
    value, reason = parse_coordinates(["N33.0", "112.5E"], axis="lon")
    assert np.isnan(value[0])
    assert reason[0] == (
        "方位标记与经度列不符 'N33.0' / hemisphere mark does not fit a longitude column: 'N33.0'"
    )
    assert value[1] == 112.5
    value, reason = parse_coordinates(["东经112.5"], axis="lat")
    assert np.isnan(value[0])
    assert "latitude column" in reason[0]


def test_parse_excel_time_values() -> None:
    # Excel stores a typed 112:31:45 as a duration; openpyxl returns these.
    values = [
        dt.timedelta(hours=112, minutes=31, seconds=45),
        dt.time(22, 30),
        dt.datetime(1900, 1, 4, 16, 31, 45),  # serial 4.69 shown with a plain time format
        dt.datetime(2024, 5, 1),  # a real date is not a coordinate
    ]
    value, reason = parse_coordinates(values, axis="lon")
    assert value[:3] == pytest.approx([D, 22.5, D])
    assert list(reason[:3]) == ["", "", ""]
    assert reason[3] == unparseable("2024-05-01 00:00:00")


def test_parse_accepts_series_numeric_and_keeps_order() -> None:
    s = pd.Series([1.5, np.nan, np.inf, 3.0], index=[10, 5, 7, 1])
    value, reason = parse_coordinates(s, axis="lat")
    assert value[[0, 3]].tolist() == [1.5, 3.0]
    assert np.isnan(value[1]) and np.isnan(value[2])
    assert reason.tolist() == ["", REASON_EMPTY, unparseable("inf"), ""]
    # datetime64/timedelta64 columns are Excel times, not nanoseconds
    value, reason = parse_coordinates(
        pd.Series(pd.to_timedelta(["112:31:45", None])), axis="lon"
    )
    assert value[0] == pytest.approx(D) and reason.tolist() == ["", REASON_EMPTY]
    value, _ = parse_coordinates(pd.Series([True, False]), axis="lon")
    assert np.isnan(value).all()
    # nullable integers
    value, reason = parse_coordinates(pd.Series([33, None], dtype="Int64"), axis="lat")
    assert value[0] == 33.0 and reason[1] == REASON_EMPTY


def test_parse_axis_must_be_lon_or_lat() -> None:
    with pytest.raises(OptionError, match="axis must be 'lon' or 'lat'"):
        parse_coordinates(["1"], axis="x")


def test_parse_200k_numeric_column() -> None:
    rng = np.random.default_rng(0)
    numbers = rng.uniform(110.0, 114.0, 200_000)
    values = pd.Series(numbers.astype(str))
    value, reason = parse_coordinates(values, axis="lon")
    assert value.shape == (200_000,)
    np.testing.assert_allclose(value, numbers, rtol=0, atol=1e-9)
    assert (reason == "").all()


def _dms(value: float) -> str:
    # Whole thousandths of a second, so 59.9996″ carries into the minutes instead of
    # printing as 60.000″.
    millis = round(abs(value) * 3_600_000)
    deg, rest = divmod(millis, 3_600_000)
    minutes, millis = divmod(rest, 60_000)
    hemisphere = "W" if value < 0 else "E"
    return f"{deg}°{minutes}′{millis / 1000:06.3f}″{hemisphere}"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-180.0, max_value=180.0, allow_nan=False))
def test_dms_round_trip(value: float) -> None:
    parsed, reason = one(_dms(value))
    assert reason == ""
    assert parsed == pytest.approx(value, abs=1e-6)


# --------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (HEADER, ("经度", "纬度")),
        (["东经", "北纬"], ("东经", "北纬")),
        (["经度(E)", "纬度（度）"], ("经度(E)", "纬度（度）")),
        (["\ufeff经度(°)", " 纬度 "], ("\ufeff经度(°)", " 纬度 ")),
        (["id", "LON", "LAT"], ("LON", "LAT")),
        (["Longitude", "Latitude"], ("Longitude", "Latitude")),
        (["lng", "lat"], ("lng", "lat")),
        (["GPS经度", "GPS纬度"], ("GPS经度", "GPS纬度")),
        (["wgs84_lon", "wgs84_lat"], ("wgs84_lon", "wgs84_lat")),
        (["x", "y"], ("x", "y")),
        (["X坐标", "Y坐标"], ("X坐标", "Y坐标")),
        (["横坐标", "纵坐标"], ("横坐标", "纵坐标")),
        (["point_x", "point_y"], ("point_x", "point_y")),
        (["点名", "N", "E", "H"], ("E", "N")),  # GNSS/RTK export
        # names that say longitude beat bare x/y
        (["X坐标", "Y坐标", "经度", "纬度"], ("经度", "纬度")),
        # the exact spelling beats the same name with a unit
        (["经度", "经度(°)", "纬度"], ("经度", "纬度")),
    ],
)
def test_find_columns(columns: list[str], expected: tuple[str, str]) -> None:
    assert find_coordinate_columns(columns) == expected


def test_header_constants() -> None:
    assert LON_HEADERS[0] == "经度" and "x" in LON_HEADERS and "longitude" in LON_HEADERS
    assert LAT_HEADERS[0] == "纬度" and "y" in LAT_HEADERS and "北纬" in LAT_HEADERS


def test_find_columns_explicit() -> None:
    cols = ["名称", "E", "N", "x", "y"]
    assert find_coordinate_columns(cols, lon_col="E", lat_col="N") == ("E", "N")
    # case and spaces are forgiven
    assert find_coordinate_columns(["Lon ", "Lat"], lon_col="lon") == ("Lon ", "Lat")
    # only one given: the other is searched for
    assert find_coordinate_columns(["a", "b", "纬度"], lon_col="a") == ("a", "纬度")


def test_find_columns_errors() -> None:
    with pytest.raises(
        InputFileError, match=r"no column 'lon2'; the columns are: 名称, E, N; pass --lon-col"
    ):
        find_coordinate_columns(["名称", "E", "N"], lon_col="lon2", lat_col="N")
    with pytest.raises(InputFileError, match=r"several longitude columns: x, E; pass --lon-col"):
        find_coordinate_columns(["x", "E", "y"])
    with pytest.raises(
        InputFileError,
        match=r"no longitude column found .*the columns are: 名称, 地址; pass --lon-col",
    ):
        find_coordinate_columns(["名称", "地址"])
    with pytest.raises(InputFileError, match=r"no latitude column found .*pass --lat-col"):
        find_coordinate_columns(["名称", "经度"])
    with pytest.raises(InputFileError, match=r"several longitude columns: 经度\(GCJ02\), 经度"):
        find_coordinate_columns(["经度(GCJ02)", "经度（WGS84）", "纬度"])
    with pytest.raises(InputFileError, match=r"'经纬度' seems to hold both; split it"):
        find_coordinate_columns(["名称", "经纬度"])
    with pytest.raises(InputFileError, match="taken for both longitude and latitude"):
        find_coordinate_columns(["a", "b"], lon_col="a", lat_col="a")


# --------------------------------------------------------------------------------------
# read_table
# --------------------------------------------------------------------------------------

ROWS = [
    ["1", "某养殖场", "畜禽养殖", "112.5", "33.0", "已整改"],
    ["2", "汽修店", "经营场所", "112°31′45″", "北纬33°02′", "0123"],
    ["3", "", "排污口", "", "", "NA"],
]


def _csv_text(rows: list[list[str]], sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [HEADER, *rows]) + "\n"


def _assert_rows(df: pd.DataFrame, rows: list[list[str]] = ROWS) -> None:
    assert list(df.columns) == HEADER
    assert df.astype(str).to_numpy().tolist() == rows
    assert list(df.index) == list(range(len(rows)))


def test_read_gbk_csv_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(_csv_text(ROWS).encode("gbk"))
    df = read_table(path)
    _assert_rows(df)  # "0123" and "NA" are kept as typed
    res = coordinates_from_table(df)
    assert res.lon_col == "经度" and res.lat_col == "纬度"
    assert res.status.tolist() == ["ok", "ok", "invalid"]
    assert res.lon[:2] == pytest.approx([112.5, D])
    assert res.lat[:2] == pytest.approx([33.0, 33 + 2 / 60])
    assert res.reason[2] == REASON_EMPTY


def test_read_gb18030_rare_characters(tmp_path: Path) -> None:
    name = "𠮷祥䶮村养殖场"  # CJK extensions A/B: GB18030 four-byte codes, not in GBK
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    rows = [["1", name, "畜禽养殖", "112.5", "33.0", "𪚥"]]
    path = tmp_path / "points.csv"
    path.write_bytes(_csv_text(rows).encode("gb18030"))
    _assert_rows(read_table(path), rows)


def test_read_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text(_csv_text(ROWS), encoding="utf-8-sig")
    df = read_table(path)
    _assert_rows(df)
    assert not df.columns[0].startswith("\ufeff")


def test_read_explicit_encoding_keeps_no_bom(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text(_csv_text(ROWS), encoding="utf-8-sig")
    _assert_rows(read_table(path, encoding="utf-8"))


@pytest.mark.parametrize(("sep", "suffix"), [("\t", ".txt"), ("\t", ".tsv"), (";", ".csv")])
def test_read_other_separators(tmp_path: Path, sep: str, suffix: str) -> None:
    rows = [[*r[:3], r[3].replace("112.5", "112,5"), *r[4:]] for r in ROWS]  # decimal comma
    path = tmp_path / f"points{suffix}"
    path.write_text(_csv_text(rows, sep), encoding="utf-8")
    df = read_table(path)
    _assert_rows(df, rows)
    assert coordinates_from_table(df).lon[0] == 112.5


def test_read_excel_unicode_text_export(tmp_path: Path) -> None:
    # Excel "Unicode text (*.txt)": UTF-16 LE with BOM, tab-separated.
    path = tmp_path / "points.txt"
    path.write_bytes(_csv_text(ROWS, "\t").replace("\n", "\r\n").encode("utf-16"))
    _assert_rows(read_table(path))


def test_read_csv_quoted_dms_and_title_row(tmp_path: Path) -> None:
    text = (
        "附件2 问题点位清单,,,,,\n"
        + ",".join(HEADER)
        + '\n1,a,b,"112°31\'45""",33,\n2,b,c,112.5,33.0,\n'
    )
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == HEADER
    assert df["经度"].tolist() == ["112°31'45\"", "112.5"]
    assert coordinates_from_table(df).lon[0] == pytest.approx(D)


def test_read_csv_trailing_separators_and_short_lines(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("经度,纬度,备注\n112.5,33.0,a,\n112.6,33.1\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["经度", "纬度", "备注"]
    assert df.to_numpy().tolist() == [["112.5", "33.0", "a"], ["112.6", "33.1", ""]]


def test_read_csv_keeps_empty_rows_between_records(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("经度,纬度,,\n112.5,33.0,,\n,,,\n112.6,33.1,,\n,,,\n,,,\n", encoding="utf-8")
    df = read_table(path)
    # the empty record in the middle stays (and is reported); trailing ones and the empty
    # unnamed columns are Excel's formatting leftovers
    assert df.to_dict("list") == {"经度": ["112.5", "", "112.6"], "纬度": ["33.0", "", "33.1"]}
    assert coordinates_from_table(df).reason.tolist() == ["", REASON_EMPTY, ""]


def _write_xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["本表为示例"])
    ws2 = wb.create_sheet("问题点位")
    ws2.append(["附件2 问题点位清单"])  # title row above the header
    ws2.append(HEADER)
    ws2.append([1, "某养殖场", "畜禽养殖", 112.5, 33.0, None])
    ws2.append([2, "汽修店", "经营场所", "112°31′45″", "北纬33°02′", "0123"])
    ws2.append([3, "", "排污口", None, None, "NA"])
    ws2.append([None] * 6)  # formatting leftovers at the end of the used range
    ws2["G7"] = None
    ws3 = wb.create_sheet("first")
    ws3.append(["lon", "lat"])
    ws3.append([112.5, 33.0])
    wb.move_sheet("first", offset=-2)  # make it the first sheet
    wb.save(path)


def test_read_xlsx_first_and_named_sheet(tmp_path: Path) -> None:
    path = tmp_path / "points.xlsx"
    _write_xlsx(path)
    first = read_table(path)
    assert first.to_dict("list") == {"lon": [112.5], "lat": [33.0]}
    assert isinstance(first["lon"].iloc[0], float)  # numbers stay numbers

    df = read_table(path, sheet="问题点位")
    assert list(df.columns) == HEADER
    assert len(df) == 3
    assert df["序号"].tolist() == [1, 2, 3]
    assert df["备注"].tolist() == ["", "0123", "NA"]
    res = coordinates_from_table(df)
    assert res.status.tolist() == ["ok", "ok", "invalid"]
    assert res.lon[1] == pytest.approx(D)

    assert read_table(path, sheet=2).equals(df)  # 0-based index
    assert read_table(path, sheet="2").equals(df)  # as it arrives from the command line


def test_read_xlsx_excel_time_cells(tmp_path: Path) -> None:
    # Typing 112:31:45 into Excel stores a duration with format [h]:mm:ss.
    path = tmp_path / "times.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["经度", "纬度"])
    ws.append([112 / 24 + 31 / 1440 + 45 / 86400, 33 / 24 + 2 / 1440])
    ws["A2"].number_format = "[h]:mm:ss"
    ws["B2"].number_format = "h:mm:ss"  # shown as a clock time: openpyxl gives a datetime
    wb.save(path)
    res = coordinates_from_table(read_table(path))
    assert res.status.tolist() == ["ok"]
    assert res.lon[0] == pytest.approx(D, abs=1e-9)
    assert res.lat[0] == pytest.approx(33 + 2 / 60, abs=1e-9)
    assert res.reason[0].startswith("Excel 把度分秒存成了时间")


def test_read_header_only_csv(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("经度,纬度\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["经度", "纬度"] and len(df) == 0
    assert len(coordinates_from_table(df)) == 0


def test_read_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "points.xlsx"
    _write_xlsx(path)
    with pytest.raises(
        InputFileError,
        match=r"points.xlsx: no sheet 'Sheet9'; the sheets are: first, 说明, 问题点位",
    ):
        read_table(path, sheet="Sheet9")
    with pytest.raises(InputFileError, match=r"no sheet number 5 \(0-based\); the sheets are"):
        read_table(path, sheet=5)


def test_read_xlsx_renamed_to_csv(tmp_path: Path) -> None:
    path = tmp_path / "points.xlsx"
    _write_xlsx(path)
    renamed = tmp_path / "points.csv"
    renamed.write_bytes(path.read_bytes())
    assert read_table(renamed).to_dict("list") == {"lon": [112.5], "lat": [33.0]}


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"^missing.csv: file not found"):
        read_table(tmp_path / "missing.csv")
    empty = tmp_path / "points.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"^points.csv: the file is empty; "):
        read_table(empty)
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(InputFileError, match=r"^bom.csv: the file is empty"):
        read_table(bom_only)
    xls = tmp_path / "points.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(
        InputFileError, match=r"^points.xls: old .xls .*is not supported; save it as .xlsx or .csv"
    ):
        read_table(xls)
    other = tmp_path / "points.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"unsupported table type '.json'; use .csv"):
        read_table(other)
    with pytest.raises(InputFileError, match="is a folder"):
        read_table(tmp_path)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("经度,纬度\n1,2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"^fake.xlsx: not a valid .xlsx workbook"):
        read_table(fake)


def test_read_ragged_line_is_an_error_not_a_dropped_value(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("经度,纬度\n112.5,33.0\n112,5,33,0\n", encoding="utf-8")
    with pytest.raises(
        InputFileError, match=r"^points.csv: line 3 has 4 fields but the header has 2; quote values"
    ):
        read_table(path)
    # every line one field too many: pandas would silently cut the last one
    path.write_text("经度,纬度\n112.5,33.0,\n112.6,33.1,备注\n", encoding="utf-8")
    with pytest.raises(
        InputFileError, match=r"^points.csv: line 3 has 3 fields but the header has 2; quote"
    ):
        read_table(path)


def test_read_encoding_errors(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(_csv_text(ROWS).encode("gbk"))
    with pytest.raises(InputFileError, match=r"cannot decode as utf-8 .*try --encoding"):
        read_table(path, encoding="utf-8")
    with pytest.raises(OptionError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")
    _assert_rows(read_table(path, encoding="gbk"))


def test_read_field_longer_than_the_csv_module_limit(tmp_path: Path) -> None:
    # 200,000 characters in the first record (the csv module's default limit is 131,072),
    # quoted with a separator and a line break inside.
    huge = "卧龙区," * 40_000 + "\n末尾"
    path = tmp_path / "points.csv"
    path.write_text(f'名称,经度,纬度\n"{huge}",112.5,33.0\n短,112.6,33.1\n', encoding="utf-8")
    df = read_table(path)
    assert df.to_dict("list") == {
        "名称": [huge, "短"],
        "经度": ["112.5", "112.6"],
        "纬度": ["33.0", "33.1"],
    }


def test_read_trailing_empty_fields_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text(
        "经度,纬度,备注\n112.5,33.0,a,,,\n112.6,33.1,b\n,,,,,,\n112.7,33.2,,,\n",
        encoding="utf-8",
    )
    df = read_table(path)
    assert df.to_dict("list") == {
        "经度": ["112.5", "112.6", "", "112.7"],
        "纬度": ["33.0", "33.1", "", "33.2"],
        "备注": ["a", "b", "", ""],
    }
    # a filled field beyond the header is refused, with its line, never dropped
    path.write_text("经度,纬度\n112.5,33.0,,,\n112,5,33,0,,\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"^points.csv: line 3 has 6 fields but the header"):
        read_table(path)


def test_read_utf8_file_with_a_gbk_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(
        "名称,经度,纬度\n卧龙区养殖场,112.5,33.0\n".encode()
        + '七里园乡排污口,112.6,33.1\n"两行\n的备注",112.7,33.2\n'.encode("gbk")
        + "南阳市,112.8,33.3\n".encode()
    )
    with caplog.at_level(logging.WARNING, logger="geo_guard.io"):
        df = read_table(path)
    assert df["名称"].tolist() == ["卧龙区养殖场", "七里园乡排污口", "两行\n的备注", "南阳市"]
    assert "line(s) 3, 4, 5 are GB18030 (GBK), the other lines UTF-8" in caplog.text
    notes = df.attrs[ROW_NOTES]
    assert sorted(notes) == [1, 2]  # the rows holding those lines
    assert notes[1].startswith("第 3 行的编码 (GB18030 (GBK)) 与文件其余部分 (UTF-8) 不同")
    assert "line 4, 5 is GB18030 (GBK) while the rest of the file is UTF-8" in notes[2]


def test_read_gbk_file_with_a_utf8_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(
        "名称,经度,纬度\n卧龙区养殖场,112.5,33.0\n七里园乡,112.6,33.1\n".encode("gbk")
        + "南阳市排污口,112.7,33.2\n".encode()
    )
    with caplog.at_level(logging.WARNING, logger="geo_guard.io"):
        df = read_table(path)
    assert df["名称"].tolist() == ["卧龙区养殖场", "七里园乡", "南阳市排污口"]
    assert "line(s) 4 are UTF-8, the other lines GB18030 (GBK)" in caplog.text
    assert list(df.attrs[ROW_NOTES]) == [2]


def test_read_plain_gbk_has_no_notes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(_csv_text(ROWS).encode("gbk"))
    with caplog.at_level(logging.WARNING, logger="geo_guard.io"):
        df = read_table(path)
    _assert_rows(df)
    assert "mixed" not in caplog.text and ROW_NOTES not in df.attrs


def test_read_lines_split_only_where_excel_splits(tmp_path: Path) -> None:
    # \x1c, \x1d, \x1e, \x85, \v, \f, U+2028 and U+2029 are line breaks for str.splitlines
    # but ordinary characters in a CSV field; old Mac files end lines with a bare CR.
    odd = ["a\x1cb", "a\x1dc", "a\x1ed", "a\x85e", "a\x0bf", "a\x0cg", "a\u2028h", "a\u2029i"]
    path = tmp_path / "points.csv"
    path.write_text(
        "名称,经度\r" + "".join(f"{v},11{i}\r" for i, v in enumerate(odd)),
        encoding="utf-8",
        newline="",
    )
    df = read_table(path)
    assert df["名称"].tolist() == odd
    assert df["经度"].tolist() == [f"11{i}" for i in range(len(odd))]


def test_read_explicit_encoding_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes("名称\n甲\n".encode() + "乙\n".encode("gbk"))
    with pytest.raises(
        InputFileError, match=r"^points.csv: cannot decode as utf-8 \(line 3: byte 0xd2 at"
    ):
        read_table(path, encoding="utf-8")


def test_read_xlsx_undoes_excel_escapes(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    # How Excel stores U+0001 and a typed "_x0041_" in cell text
    book.active.append(["名称_x0001_", "n"])
    book.active.append(["a_x0001_b", "_x005F_x0041_"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    df = read_table(path)
    assert df.columns.tolist() == ["名称\x01", "n"]
    assert df.iloc[0].tolist() == ["a\x01b", "_x0041_"]


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError) as info:
        read_table(path)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------------------
# coordinates_from_table
# --------------------------------------------------------------------------------------


def test_mixed_table_keeps_every_row_in_place() -> None:
    df = pd.DataFrame(
        {
            "名称": list("ABCDEFG"),
            "经度": ["112.5", "33.0", "", "abc", "200", "112°31′45″", "112°75′"],
            "纬度": ["33.0", "112.5", "33.0", "33.0", "33", "北纬33°02′", "33"],
        },
        index=[7, 3, 9, 1, 0, 5, 2],  # any index: results are positional
    )
    before = df.copy()
    res = coordinates_from_table(df)
    assert isinstance(res, CoordinateResult) and len(res) == 7
    assert res.status.tolist() == ["ok", "ok", "invalid", "invalid", "invalid", "ok", "invalid"]
    assert res.reason.tolist() == [
        "",
        REASON_SWAPPED,
        REASON_EMPTY,
        unparseable("abc"),
        REASON_OUT_OF_RANGE,
        "",
        REASON_MINSEC,
    ]
    np.testing.assert_allclose(res.lon, [112.5, 112.5, np.nan, np.nan, np.nan, D, np.nan])
    np.testing.assert_allclose(
        res.lat, [33.0, 33.0, np.nan, np.nan, np.nan, 33 + 2 / 60, np.nan]
    )
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is untouched
    frame = res.to_frame(df.index)
    assert list(frame.columns) == ["lon", "lat", "status", "reason"]
    assert list(frame.index) == list(df.index)
    assert res.ok.tolist() == [True, True, False, False, False, True, False]


def test_swapped_columns_fixed_with_reason() -> None:
    df = pd.DataFrame(
        {"lon": [33.0, 32.9, "N33.1", "N33", 112.4], "lat": [112.5, 112.6, "E112.7", "N112", "E33"]}
    )
    res = coordinates_from_table(df)
    assert res.status.tolist() == ["ok", "ok", "ok", "invalid", "invalid"]
    assert res.reason[:3].tolist() == [REASON_SWAPPED] * 3
    assert res.lon[:3] == pytest.approx([112.5, 112.6, 112.7])
    assert res.lat[:3] == pytest.approx([33.0, 32.9, 33.1])
    assert "方位标记矛盾" in res.reason[3]
    # "E33" in the latitude column: the marks say swapped, and then 112.4 is no latitude
    assert res.reason[4] == f"{REASON_SWAPPED}; {REASON_OUT_OF_RANGE}"


def test_geographic_checks() -> None:
    df = pd.DataFrame(
        {"x": [0, 500000.0, 112.5, "", "a"], "y": [0, 3650000.0, -91, "", ""]}
    )
    res = coordinates_from_table(df)
    assert res.status.tolist() == ["invalid"] * 5
    assert res.reason.tolist() == [
        "坐标为 (0, 0)，可能未定位 / coordinate is (0, 0), probably no GPS fix",
        REASON_LOOKS_PROJECTED,
        REASON_OUT_OF_RANGE,
        REASON_EMPTY,
        f"{unparseable('a')}; {REASON_EMPTY}",  # both cells' problems
    ]


def test_projected_metres_epsg4547() -> None:
    lons, lats = np.array([112.5, 111.9, 113.2]), np.array([33.0, 32.7, 33.3])
    e, n = TO_4547.transform(lons, lats)
    df = pd.DataFrame({"东坐标": [f"{v:.3f}" for v in e], "北坐标": [f"{v:.3f}" for v in n]})
    res = coordinates_from_table(df, crs="EPSG:4547")
    assert res.status.tolist() == ["ok"] * 3
    assert res.reason.tolist() == [""] * 3
    exp_lon, exp_lat = FROM_4547.transform(
        np.array([float(f"{v:.3f}") for v in e]), np.array([float(f"{v:.3f}") for v in n])
    )
    np.testing.assert_allclose(res.lon, exp_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.lat, exp_lat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.lon, lons, atol=1e-7)
    assert res.to_frame().equals(coordinates_from_table(df, crs=4547).to_frame())


def test_projected_xy_survey_convention_swap_and_zone_number() -> None:
    e, n = TO_4547.transform(112.5, 33.0)
    df = pd.DataFrame(
        {
            # Chinese surveying: X坐标 is the northing, Y坐标 the easting
            "X坐标": [n, e, n, e + 38e6, n, e + 39e6, "3650000E", 112.5, 1.0e5],
            "Y坐标": [e, n, e + 38e6, n, e + 38e6, n, e, 33.0, 9.0e6],
        }
    )
    res = coordinates_from_table(df, crs="EPSG:4547")
    zone = "东坐标含带号 38，已去除 / removed zone number 38 from the easting; fixed"
    assert res.status.tolist() == ["ok"] * 5 + ["invalid"] * 4
    assert res.reason.tolist() == [
        REASON_XY_SWAPPED,
        "",
        f"{REASON_XY_SWAPPED}; {zone}",
        zone,
        f"{REASON_XY_SWAPPED}; {zone}",
        "东坐标带号与 EPSG:4547 不符 / the easting's zone number does not match EPSG:4547; "
        "pass the CRS of that zone",
        REASON_NOT_METRES,
        REASON_LOOKS_DEGREES,
        "坐标不在 EPSG:4547 的适用范围内 / coordinate is outside the area of use of EPSG:4547; "
        "check --crs",
    ]
    np.testing.assert_allclose(res.lon[:5], 112.5, atol=1e-9)
    np.testing.assert_allclose(res.lat[:5], 33.0, atol=1e-9)


def test_projected_zone_numbered_crs_gets_missing_zone_number() -> None:
    # EPSG:4526: CGCS2000 / 3-degree Gauss-Kruger zone 38, eastings with the zone number.
    e, n = TO_4547.transform(112.5, 33.0)
    res = coordinates_from_table(pd.DataFrame({"x": [e + 38e6, e], "y": [n, n]}), crs=4526)
    assert res.status.tolist() == ["ok", "ok"]
    assert res.reason[1].startswith("东坐标缺少带号 38")
    np.testing.assert_allclose(res.lon, 112.5, atol=1e-9)


def test_gcj02_offset_removed() -> None:
    df = pd.DataFrame({"经度": [112.5], "纬度": [33.0]})
    res = coordinates_from_table(df, crs="gcj02")
    assert res.status.tolist() == ["ok"]
    _, _, dist = GEOD.inv(112.5, 33.0, res.lon[0], res.lat[0])
    assert 540 <= dist <= 640
    assert res.lon[0] < 112.5  # GCJ-02 pushes points east, so the truth lies west


def test_bd09_and_cgcs2000() -> None:
    df = pd.DataFrame({"lng": ["112.5"], "lat": ["33.0"]})
    bd = coordinates_from_table(df, crs="bd09")
    _, _, dist = GEOD.inv(112.5, 33.0, bd.lon[0], bd.lat[0])
    assert 1000 < dist < 2000
    cgcs = coordinates_from_table(df, crs="cgcs2000")
    assert cgcs.lon[0] == pytest.approx(112.5, abs=1e-6)


def test_unknown_or_unusable_crs_is_a_crs_error() -> None:
    df = pd.DataFrame({"lon": [112.5], "lat": [33.0]})
    with pytest.raises(CRSError, match="unknown CRS"):
        coordinates_from_table(df, crs="no such crs")
    # PROJ knows Mars, but cannot bring it to WGS84
    with pytest.raises(CRSError, match=r"cannot convert mars2000 to WGS84 .*pass an Earth CRS"):
        coordinates_from_table(df, crs="mars2000")


def test_explicit_columns_and_duplicate_names() -> None:
    df = pd.DataFrame([[1, 112.5, 33.0, 0.0]], columns=["id", "E", "N", "E"])
    res = coordinates_from_table(df, lon_col="E", lat_col="N")
    assert res.lon.tolist() == [112.5]


def test_empty_table() -> None:
    res = coordinates_from_table(pd.DataFrame({"经度": [], "纬度": []}))
    assert len(res) == 0 and res.lon.shape == (0,)


def test_large_table_end_to_end() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    df = pd.DataFrame(
        {"经度": rng.uniform(110, 114, n).astype(str), "纬度": rng.uniform(32, 34, n).astype(str)}
    )
    df.loc[12345, "经度"] = "112°31′45″"
    df.loc[54321, "纬度"] = ""
    res = coordinates_from_table(df)
    assert len(res) == n
    assert res.lon[12345] == pytest.approx(D)
    assert res.status[54321] == "invalid"
    assert int(res.ok.sum()) == n - 1


def test_a_single_lonlat_column_as_map_pickers_copy_it() -> None:
    df = pd.DataFrame({"名称": list("abcdef"),
                       "经纬度": ["112.30,33.00", "112.3，33.0", "33.0; 112.3", "112.3 33.0", "",
                                  "112.3,33.0,120"]})
    res = coordinates_from_table(df)
    assert res.status.tolist() == ["ok", "ok", "ok", "ok", "invalid", "invalid"]
    assert res.lon[:4] == pytest.approx([112.3] * 4)
    assert res.lat[:4] == pytest.approx([33.0] * 4)
    assert res.reason[2] == REASON_SWAPPED
    assert res.reason[4] == REASON_EMPTY
    assert "112.3,33.0,120" in res.reason[5]
    # Separate columns win over a combined one.
    both = df.assign(经度=["112.5"] * 6, 纬度=["33.5"] * 6)
    assert coordinates_from_table(both).lon.tolist() == [112.5] * 6


# ------------------------------------------------------------- DMS read as a whole column

_DMS_PIECES = st.tuples(
    st.sampled_from(["", "东经", "西经", "北纬", "南纬", "E", "W", "N", "S", "e", "北", " "]),
    st.sampled_from(["112", "33", "0", "005", "112.5", "1234567890123456789"]),
    st.sampled_from(["°", "度", "º", "", " "]),
    st.sampled_from(["31", "05", "59", "60", "75", "31.5", "31.", "0.25"]),
    st.sampled_from(["′", "'", "分", "’", "", " "]),
    st.sampled_from(["", "45", "45.6", "59.999", "60", "7", "45."]),
    st.sampled_from(["″", '"', "秒", "''", "", "″ "]),
    st.sampled_from(["", "E", "W", "N", "S", "n", "东", " "]),
)


# Full-width digits, point and signs, with a few things that make a cell no number.
_WIDE_PIECES = [*"０１２３４５６７８９．－＋ｅ e.-,，", "１１２", "３３．５"]
_WIDE = st.lists(st.sampled_from(_WIDE_PIECES), min_size=1, max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_DMS_PIECES.map("".join), _WIDE), min_size=1, max_size=20))
def test_typed_cells_read_as_a_column_are_what_the_cell_parser_reads(cells: list[str]
                                                                      ) -> None:
    """The column path (coord_typed for DMS and full-width digits) gives, cell for cell,
    the value, reason, hemisphere mark, plain flag and note the one-cell parser gives."""
    column = _parse_array(pd.Series(cells, dtype="str"))
    for i, cell in enumerate(cells):
        one = _parse_scalar(cell)
        got = (column.value[i], column.reason[i], column.hemi[i], column.plain[i],
               column.note[i])
        assert (got[0] == one.value or (np.isnan(got[0]) and np.isnan(one.value))), cell
        assert got[1:] == (one.reason, one.hemi, one.plain, one.note), cell


def test_dms_column_spellings_a_form_has() -> None:
    cells = ["112°31′45.6″", "东经112度31分45.6秒", "112°31'45.6\"E", "北纬33°02′", "W112°31′45″",
             "112°60′00″", "112°31.5′10″"]
    value, reason = parse_coordinates(cells, axis="lon")
    expected = [112 + 31 / 60 + 45.6 / 3600] * 3
    assert value[:3].tolist() == expected and np.isnan(value[3])  # 北纬 in a lon column
    assert value[4] == -(112 + 31 / 60 + 45 / 3600)
    assert reason[5] == "分/秒超出 0–60 / minutes or seconds out of range"
    assert reason[6].startswith("无法解析坐标")
