"""The column-at-a-time readers and writers (issue 11) give what the cell-at-a-time ones gave.

Oracles independent of the code under test: Python's ``csv`` module and ``repr`` for what
a CSV must hold, pandas' own parser for what a CSV reads as, openpyxl for what a workbook
holds, plain shapely for zones, and a plain prefix test for formula-like text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_guard import Canal, build_zones, classify
from geo_guard.io.arrow_text import (
    CodedText,
    escape_formulas,
    fixed_text,
    number_text,
    pandas_text,
)
from geo_guard.io.csv_arrow import read_csv_fast
from geo_guard.io.csv_writer import csv_blocks
from geo_guard.io.tables import _parse_csv, read_table
from geo_guard.io.vector import write_table
from geo_guard.reports.classification import write_classified

from .conftest import X0, Y0, uniform_rules

EXAMPLES = int(os.environ.get("GEO_GUARD_FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
WORDS = ["=1+1", "-3.5", "-", "a,b", 'q"', "c\rd", "e\nf", "", " ", "卧龙区", "@x", "＝1", "+12",
         "\t=1", "1e5", "x\r\n", "－３", "_x0041_", "\x01"]


def _live(text: str) -> bool:
    return text.startswith(FORMULA_START) and text != "-" and not PLAIN_NUMBER.fullmatch(text)


def _csv_oracle(frame: pd.DataFrame) -> bytes:
    """What the CSV must hold, by Python's csv module: repr for floats, str for the rest,
    empty for missing values, a ' before formula-like text."""

    def cell(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, float | np.floating):
            return repr(float(value))
        text = str(value)
        return "'" + text if isinstance(value, str) and _live(text) else text

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell(str(c)) for c in frame.columns])
    for row in frame.astype(object).itertuples(index=False):
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- CSV writer


@FUZZ
@given(data=st.data(), n=st.integers(0, 25), block=st.integers(1, 9))
def test_csv_blocks_hold_what_the_csv_module_writes(data: st.DataObject, n: int, block: int
                                                    ) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    floats = rng.normal(0, 10.0 ** rng.integers(-8, 20), n)
    floats[rng.random(n) < 0.1] = np.nan
    frame = pd.DataFrame({
        "f": floats,
        "i": rng.integers(-10**15, 10**15, n),
        "b": rng.random(n) < 0.5,
        "s": pd.array(data.draw(st.lists(st.sampled_from(WORDS), min_size=n, max_size=n)),
                      dtype="str"),
        "=h": pd.array(data.draw(st.lists(st.sampled_from([None, 0.5, 2.0, -1.0]),
                                          min_size=n, max_size=n)), dtype="Float64"),
        "I": pd.array(data.draw(st.lists(st.sampled_from([None, 3, -4]), min_size=n,
                                         max_size=n)), dtype="Int64"),
        "o": np.array(data.draw(st.lists(st.sampled_from([None, "x=", "=x", "卧龙区"]),
                                         min_size=n, max_size=n)), dtype=object),
    })
    columns = data.draw(st.lists(st.sampled_from(list(frame.columns)), min_size=1, max_size=7,
                                 unique=True))
    frame = frame[columns]
    blocks = csv_blocks(frame, block_rows=block)
    assert blocks is not None
    assert b"".join(bytes(b) for b in blocks) == _csv_oracle(frame)


@pytest.mark.parametrize("value", [0.1, 1.0, -0.0, 1e-05, 1e-4, 0.00011, 5e15, 1e16, 1e22,
                                   123456789.0, 999999999.9999999, 1e9, 3.3333333333333335,
                                   5e-324, 1.7976931348623157e308, float("inf"), -float("inf"),
                                   0.1 + 0.2, 2.0**53, 112.5296875, 3650000.25])
def test_float_text_is_python_repr(value: float) -> None:
    assert number_text(pd.Series([value, value])).to_pylist() == [repr(value)] * 2


def test_float_text_on_random_bits() -> None:
    bits = np.random.default_rng(3).integers(0, 2**63, 20_000, dtype=np.int64).view(np.float64)
    bits = bits[np.isfinite(bits)]
    got = number_text(pd.Series(bits)).to_pylist()
    assert got == [repr(float(v)) for v in bits]


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=30))
def test_escape_formulas_is_the_prefix_rule(values: list[str]) -> None:
    got = escape_formulas(pa.array(values, type=pa.large_string())).to_pylist()
    assert got == ["'" + v if _live(v) else v for v in values]


def test_single_column_empty_rows_stay_rows(tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"a": ["", "x", None]}), tmp_path / "t.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [["a"], [""], ["x"], [""]]


def test_unusual_columns_go_through_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-02", None]), "f": np.float32([0.1, 2])})
    assert csv_blocks(frame) is None
    path = write_table(frame, tmp_path / "t.csv")
    assert path.read_bytes().decode("utf-8-sig") == "t,f\r\n2024-01-02,0.1\r\n,2.0\r\n"


# --------------------------------------------------------------------------- CSV reader

_pieces = st.sampled_from(['a', 'b', ',', '"', '\r', '\n', '\r\n', ' ', '卧', '\t', 'x"y', '""',
                           '\x0b', '\u2028', "'", '='])
_field = st.lists(_pieces, max_size=4).map("".join)


@FUZZ
@given(rows=st.lists(st.lists(_field, min_size=1, max_size=5),
                     max_size=6),
       quote=st.booleans(), end=st.sampled_from(["\n", "\r\n", "\r"]), skip=st.integers(0, 2))
def test_arrow_reads_what_pandas_reads(rows: list[list[str]], quote: bool, end: str,
                                       skip: int) -> None:
    fields = [['"' + f.replace('"', '""') + '"' if quote and any(c in f for c in ',"\r\n')
               else f for f in row] for row in rows]
    text = "".join(f"标题{i}\n" for i in range(skip)) + "h0,h1,h2" + end + end.join(
        ",".join(row) for row in fields)
    read = read_csv_fast(text, ",", skip, text.encode("utf-8"))
    if read is None:
        return  # not for Arrow: pandas reads it (and its checks decide)
    got, want = read.frame, _parse_csv(text, ",", skip, "t.csv")
    assert got.columns.tolist() == want.columns.tolist()
    assert got.astype(object).values.tolist() == want.astype(object).values.tolist()


@pytest.mark.parametrize("text", [
    'h0,h1\nx"y,b\n',                 # a quote inside an unquoted field
    'h0,h1\n"a"b,c\n',                # text after a closing quote
    'h0,h1\na,"b\n',                  # a quote left open at the end
    'h0,h1\ra,b\r\rc,d\r',            # bare CR line ends
    'h0,h1\na,b\x00\n',               # NUL
    'h0,h1\na,b,c\n',                 # a line longer than the header
    'h0,h1,h2\na,b\n',                # a line shorter than the header
])
def test_files_arrow_would_read_otherwise_go_to_pandas(text: str) -> None:
    assert read_csv_fast(text, ",", 0, text.encode("utf-8")) is None


def test_bytes_that_are_not_utf8_go_to_pandas() -> None:
    raw = "序号,名称\n1,卧龙区\n".encode() + "2,七里园乡\n".encode("gbk")
    assert read_csv_fast("序号,名称\n", ",", 0, raw) is None


def test_a_gbk_line_in_a_utf8_file_is_still_read_line_by_line(tmp_path: Path) -> None:
    data = "序号,名称\r\n1,卧龙区\r\n".encode() + "2,七里园乡\r\n".encode("gbk")
    (tmp_path / "t.csv").write_bytes(data)
    table = read_table(tmp_path / "t.csv")
    assert table["名称"].tolist() == ["卧龙区", "七里园乡"]


def test_fast_reader_keeps_titles_quotes_and_text(tmp_path: Path) -> None:
    rows = [["序号", "名称", "备注"], ["1", "卧龙区", 'a,"b"\r\nc'], ["2", "0123", ""]]
    buffer = io.StringIO(newline="")
    buffer.write("附件2 问题点位清单\r\n")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (tmp_path / "t.csv").write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    table = read_table(tmp_path / "t.csv")
    assert table.columns.tolist() == rows[0]
    assert table.values.tolist() == rows[1:]


# --------------------------------------------------------------------------- XLSX writer


def test_xlsx_cells_by_type(tmp_path: Path) -> None:
    when = dt.datetime(2024, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    frame = pd.DataFrame({
        "text": ["=cmd|' /C calc'!A0", "a\rb\x01", "", None],
        "float": [1.5, np.nan, np.inf, -0.25],
        "int": [1, 2, 3, 4],
        "big": [10**16, 1, 2, 3],
        "bool": [True, False, True, False],
        "mixed": [dt.date(2024, 1, 2), dt.time(12, 30), 7, "x"],
        "stamp": pd.to_datetime(["2024-01-02 03:04:05", None, "1900-01-01 00:00:00",
                                 "2024-12-31 00:00:00"]),
        "aware": [when, when, when, when],
        "span": pd.to_timedelta([1.5, 0, 2, 3], unit="h"),
    })
    path = write_table(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    types = [[c.data_type for c in row] for row in sheet.iter_rows(min_row=2)]
    # As stored: a text cell, CR kept, U+0001 as Excel's escape (read_table undoes it).
    assert [r[0] for r in rows] == ["=cmd|' /C calc'!A0", "a\rb_x0001_", None, None]
    assert types[0][0] == "s"
    assert [r[1] for r in rows] == [1.5, None, None, -0.25]
    assert [r[2] for r in rows] == [1, 2, 3, 4] and types[0][2] == "n"
    assert [r[3] for r in rows] == ["10000000000000000", 1, 2, 3]
    assert [r[4] for r in rows] == [True, False, True, False]
    assert rows[0][5] == dt.datetime(2024, 1, 2) and rows[1][5] == dt.time(12, 30)
    assert rows[2][5] == 7 and rows[3][5] == "x"
    assert rows[0][6] == dt.datetime(2024, 1, 2, 3, 4, 5) and rows[1][6] is None
    assert rows[2][6] == dt.datetime(1900, 1, 1)  # before Excel's 29 February 1900
    assert rows[0][7] == dt.datetime(2024, 3, 1, 8, 30)  # wall-clock time, no zone
    assert rows[0][8] == dt.timedelta(hours=1.5)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_number_formats_and_serial_numbers(tmp_path: Path, straight_canal: Canal) -> None:
    table = pd.DataFrame({"序号": ["1", "2", "3"], "名称": ["=1+1", "b", "c"],
                          "经度": ["114.0", "114.01", ""], "纬度": ["32.98", "32.99", ""]})
    out = classify(table, straight_canal, uniform_rules())
    path = write_classified(out, tmp_path / "c.xlsx", keep_geometry=False)
    sheet = openpyxl.load_workbook(path)["分类结果"]
    header = [c.value for c in sheet[1]]
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert first["序号"].value == 1 and first["序号"].data_type == "n"
    assert first["名称"].value == "=1+1" and first["名称"].data_type == "s"
    assert first["距中心线(m)"].number_format == "0.0"
    assert first["经度(WGS84)"].number_format == "0.000000"
    assert first["级别"].number_format == "0"
    assert sheet.cell(row=4, column=1).value == 3


def test_serial_numbers_with_leading_zeros_stay_text(tmp_path: Path,
                                                      straight_canal: Canal) -> None:
    table = pd.DataFrame({"序号": ["001", "2"], "经度": ["", ""], "纬度": ["", ""]})
    out = classify(table, straight_canal, uniform_rules())
    path = write_classified(out, tmp_path / "c.xlsx", keep_geometry=False)
    sheet = openpyxl.load_workbook(path)["分类结果"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["001", "2"]


def test_xlsx_widths_follow_chinese_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["卧龙区七里园乡" * 2] * 3, "b": ["abcdefghijklmn"] * 3,
                          "c": [1.0, 2.0, 3.0]})
    sheet = openpyxl.load_workbook(write_table(frame, tmp_path / "w.xlsx")).active
    widths = {k: sheet.column_dimensions[k].width for k in "ABC"}
    assert widths["A"] == 14 * 2 + 2 and widths["B"] == 14 + 2 and widths["C"] == 6


# --------------------------------------------------------------------------- classify


def test_coded_text_and_pandas_text_hold_the_same_values() -> None:
    values = np.array(["左岸", "", None, "右岸", "左岸"], dtype=object)
    assert pd.Series(pandas_text(values)).fillna("?").tolist() == ["左岸", "", "?", "右岸", "左岸"]
    coded = CodedText(["a", "b", ""], np.array([2, 0, -1, 1]))
    assert np.asarray(coded).tolist() == ["", "a", "", "b"]
    assert pd.Series(coded.to_pandas()).tolist() == ["", "a", "", "b"]


def test_points_at_the_zones_reach_keep_their_zone(straight_canal: Canal) -> None:
    """Only points within the zones' reach are tested against them: points 1 cm inside
    and 1 cm outside the farthest zone vertices, against plain shapely (not on the
    vertices: the CRS round trip of a table moves a point by nanometres)."""
    rules = uniform_rules()
    zones = build_zones(straight_canal, rules, crs=straight_canal.metric_crs)
    xy = shapely.get_coordinates(zones.geometry.values)
    away = xy - xy.mean(axis=0)
    far = np.hypot(*away.T).argsort()[-50:]
    unit = away[far] / np.hypot(*away[far].T)[:, None]
    points = np.concatenate([xy[far] - unit * 0.01, xy[far] + unit * 0.01])
    frame = pd.DataFrame({"x": points[:, 0], "y": points[:, 1]})
    out = classify(frame, straight_canal, rules, crs=straight_canal.metric_crs)
    expected = []
    for px, py in points:
        hits = [lvl for lvl, geom in zip(zones["zone_level"], zones.geometry, strict=True)
                if shapely.intersects(geom, shapely.Point(px, py))]
        expected.append(min(hits) if hits else 9)
    assert out["zone_level"].tolist() == expected


# --------------------------------------------------------------------------- CSV decimals


@pytest.mark.parametrize("decimals", [0, 2, 7])
def test_fixed_text_rounds_like_format(decimals: int) -> None:
    """Every value to the nearest unit of the last decimal (Python's format as oracle;
    exact ties may round either way), missing values empty, no '-0.00'."""
    rng = np.random.default_rng(decimals)
    values = np.concatenate([rng.uniform(-1e5, 1e5, 5000), rng.uniform(-1, 1, 5000),
                             [0.0, -0.0, -0.004, 1e300, -np.inf, np.inf, np.nan]])
    got = fixed_text(values, decimals).to_pylist()
    for value, text in zip(values, got, strict=True):
        if math.isnan(value):
            assert text is None
            continue
        expected = format(float(value), f".{decimals}f")
        if not math.isfinite(value) or abs(value) > 1e15:
            assert text == expected
            continue
        assert abs(float(text) - value) <= 0.5 * 10.0**-decimals * (1 + 1e-9), (value, text)
        assert len(text.partition(".")[2]) == decimals and text.count(".") == (decimals > 0)
        assert not re.fullmatch(r"-0\.?0*", text), text


def test_csv_distances_to_the_centimetre(tmp_path: Path, straight_canal: Canal) -> None:
    """The CSV spells the hand-computed distances (a straight canal along y = 0 with a
    20 m management edge and zones to 70 m and 220 m) to the centimetre and the WGS84
    place to 1e-7 degree, as PROJ gives it."""
    xs = [1234.5678, 2500.0, 10.0, 1500.25]
    ys = [37.123456, -137.98765, 0.004, 512.5]
    table = pd.DataFrame({"x": np.add(xs, X0), "y": np.add(ys, Y0)})
    out = classify(table, straight_canal, uniform_rules(), crs=straight_canal.metric_crs,
                   geometry=False)
    path = write_classified(out, tmp_path / "c.csv", keep_geometry=False)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    to_wgs84 = pyproj.Transformer.from_crs(straight_canal.metric_crs, 4326, always_xy=True)
    outer = {1: 70.0, 2: 220.0}
    for row, x, y in zip(rows, xs, ys, strict=True):
        assert row["距中心线(m)"] == f"{abs(y):.2f}"
        assert row["距管理范围边线(m)"] == f"{abs(abs(y) - 20):.2f}"
        level = int(row["级别"])
        boundary = outer.get(level, 20.0 if level == 0 else 220.0)
        assert row["距所在保护区外边线(m)"] == f"{abs(boundary - abs(y)):.2f}"
        assert row["里程(m)"] == f"{x:.2f}"
        lon, lat = to_wgs84.transform(X0 + x, Y0 + y)
        for text, value in ((row["经度(WGS84)"], lon), (row["纬度(WGS84)"], lat)):
            assert len(text.split(".")[1]) == 7 and abs(float(text) - value) <= 0.51e-7
    assert [int(r["级别"]) for r in rows] == [1, 2, 0, 9]


def test_classify_without_geometry_is_the_same_table(straight_canal: Canal) -> None:
    table = pd.DataFrame({"经度": ["114.0", "bad", "114.01"], "纬度": ["32.98", "", "32.99"],
                          "名称": ["a", "=1+1", "c"]})
    full = classify(table, straight_canal, uniform_rules())
    bare = classify(table, straight_canal, uniform_rules(), geometry=False)
    assert not isinstance(bare, gpd.GeoDataFrame) and "geometry" not in bare.columns
    pd.testing.assert_frame_equal(bare, pd.DataFrame(full.drop(columns="geometry")))
