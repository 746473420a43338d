"""Hostile text through every table reader and writer (hypothesis).

Every example asserts what issue 8 promises for untrusted input: the same rows in the same
order, the same text back, no traceback (only GeoGuardError subclasses), no live formula in
a workbook (text cells, kept as typed since issue 11) and no CSV cell that starts like a
formula. The oracles are independent of the
code under test: Python's csv module and openpyxl read and write the files, and the
formula check is a plain prefix test.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geo_guard._errors import GeoGuardError
from geo_guard.io.tables import read_table
from geo_guard.io.vector import read_vector, write_table, write_vector

#: Examples per test; GEO_GUARD_FUZZ_EXAMPLES=2000 for a long hunt (the suite stays fast).
EXAMPLES = int(os.environ.get("GEO_GUARD_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CONTROL = [chr(c) for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029]]
HOSTILE = [
    "{{7*7}}",
    "{% raw %}",
    "{# comment",
    "${7*7}",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2-3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "[[0]]",
    "[x](javascript:alert(1))",
    '"quoted, with comma"',
    "a\r\nb",
    "_x0041_",
    "NA",
    "0123",
    "-3.5",
    "-",
    "卧龙区",
    "𠀀",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Every run tries these first: each broke a writer once (a CR ending a CSV row, NUL cut by
# GDAL, JSON-looking text turned into a GeoJSON array, control characters dropped in XLSX).
KNOWN = [f"x\r{HOSTILE[5]}", "\x00", "a\x00b", "[[0]]", '{"k": 1}', "\x1f", "\x08=1", *HOSTILE]
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# Text people type plus everything that has ever split a row or run as code.
_chars = st.one_of(
    st.sampled_from(CONTROL),
    st.sampled_from(list("=+-@,;|\"'[]{}%#<>_x卧龙区七里园乡 \t")),
    st.characters(codec="utf-8", exclude_categories=["Cs"]),
)
cell_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(_chars, max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(_chars, max_size=10)),
)


def _live(value: str) -> bool:
    """True for text a spreadsheet would run: a formula prefix that is not a plain number."""
    return value.startswith(FORMULA_START) and value != "-" and not PLAIN_NUMBER.fullmatch(value)


def _frame(values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"名称": values, "n": [str(i) for i in range(len(values))]})


def _geo(values: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": values, "n": list(range(len(values)))},
        geometry=[Point(112.3 + i / 1000, 33.0) for i in range(len(values))],
        crs="EPSG:4326",
    )


def _csv_records(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _no_formula_cells(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)


# --------------------------------------------------------------------------- writers


@FUZZ
@given(values=st.lists(cell_text, min_size=1, max_size=6))
@example(values=KNOWN)
def test_csv_writer(tmp_path: Path, values: list[str]) -> None:
    path = write_table(_frame(values), tmp_path / "t.csv")
    records = _csv_records(path)  # an independent reader
    assert records[0] == ["名称", "n"]
    assert [r[1] for r in records[1:]] == [str(i) for i in range(len(values))]
    for typed, (cell, _) in zip(values, records[1:], strict=True):
        assert not _live(cell), cell
        assert cell == typed or (cell == "'" + typed and _live(typed))
    back = read_table(path)
    assert back["名称"].tolist() == [r[0] for r in records[1:]]
    assert back["n"].tolist() == [str(i) for i in range(len(values))]


@FUZZ
@given(values=st.lists(cell_text, min_size=1, max_size=6))
@example(values=KNOWN)
def test_xlsx_writer(tmp_path: Path, values: list[str]) -> None:
    path = write_table(_frame(values), tmp_path / "t.xlsx")
    _no_formula_cells(path)
    back = read_table(path)
    assert back["n"].tolist() == [str(i) for i in range(len(values))]
    # An XLSX text cell never evaluates (issue 11: the visible ' escape is for CSV only):
    # every cell is text (no formula, checked above) and comes back exactly as typed.
    assert ["" if cell is None else str(cell) for cell in back["名称"]] == values


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))  # three writes and reads per example
@given(values=st.lists(cell_text, min_size=1, max_size=6))
@example(values=KNOWN)
def test_vector_writers(
    tmp_path: Path, values: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    for suffix in (".gpkg", ".geojson", ".parquet"):
        path = write_vector(_geo(values), tmp_path / f"t{suffix}")
        back = read_vector(path)
        assert back["n"].tolist() == list(range(len(values)))
        # GDAL stores C strings: NUL is written as the text \x00 (with a warning).
        expected = values if suffix == ".parquet" else [v.replace("\0", "\\x00") for v in values]
        assert back["名称"].tolist() == expected


@FUZZ
@given(values=st.lists(cell_text, min_size=1, max_size=6), suffix=st.sampled_from(
    [".csv", ".xlsx", ".gpkg", ".geojson", ".parquet"]))
def test_hostile_column_names(tmp_path: Path, values: list[str], suffix: str) -> None:
    frame = _geo([str(i) for i in range(len(values))])
    frame.columns = [*[f"{v}" for v in values[:1]], "n", "geometry"]
    if frame.columns[0] in ("n", "geometry"):
        return
    try:
        write_table(frame, tmp_path / f"t{suffix}")
    except GeoGuardError as err:
        assert "\n" not in str(err)
        return
    if suffix == ".xlsx":
        _no_formula_cells(tmp_path / "t.xlsx")
    if suffix == ".csv":
        header = _csv_records(tmp_path / "t.csv")[0]
        assert not any(_live(h) for h in header)


# --------------------------------------------------------------------------- readers


def _csv_bytes(rows: list[list[str]], encoding: str, terminator: str, quoting: int) -> bytes:
    if terminator == "\n":
        # The csv module quotes only the line end's characters: a bare CR would be a line
        # end in an unquoted field, so a file can only hold one with every field quoted.
        quoting = csv.QUOTE_ALL
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=terminator, quoting=quoting).writerows(rows)
    return buffer.getvalue().encode(encoding)


@FUZZ
@given(
    values=st.lists(cell_text, min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_csv_reader(
    tmp_path: Path, values: list[str], encoding: str, terminator: str, quoting: int
) -> None:
    rows = [["名称", "n", "备注"], *[[v, str(i), "x"] for i, v in enumerate(values)]]
    try:
        data = _csv_bytes(rows, encoding, terminator, quoting)
    except UnicodeEncodeError:
        assume(False)  # the text has characters GBK cannot hold
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    back = read_table(path)
    assert back.columns.tolist() == ["名称", "n", "备注"]
    assert back["n"].tolist() == [str(i) for i in range(len(values))]
    assert back["名称"].tolist() == values


@FUZZ
@given(values=st.lists(cell_text, min_size=1, max_size=6))
def test_xlsx_reader(tmp_path: Path, values: list[str]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "n"])
    # What Excel itself stores: control characters as _xHHHH_, a literal "_x" escaped.
    stored = [
        re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", lambda m: f"_x{ord(m[0]):04x}_",
               re.sub(r"_(?=x[0-9A-Fa-f]{4}[_\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff])",
                      "_x005f_", v))
        for v in values
    ]
    for i, text in enumerate(stored):
        sheet.append([text, i])
        sheet.cell(row=i + 2, column=1).data_type = "s"  # text, even when it starts with "="
    path = tmp_path / "t.xlsx"
    book.save(path)
    back = read_table(path)
    assert back["n"].tolist() == list(range(len(values)))
    assert back["名称"].tolist() == values


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".txt", ".xlsx"]),
       prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"a,b\n"]))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes, suffix: str, prefix: bytes) -> None:
    path = tmp_path / f"t{suffix}"
    path.write_bytes(prefix + data)
    try:
        table = read_table(path)
    except GeoGuardError as err:
        assert "\n" not in str(err)
    else:
        assert isinstance(table, pd.DataFrame)


def test_huge_fields_through_every_format(tmp_path: Path) -> None:
    # Longer than the csv module's default field limit (131,072) and than an Excel cell.
    huge = "卧" * 200_000
    frame = _frame([huge, "=cmd|' /C calc'!A0" * 10_000, "short"])
    csv_path = write_table(frame, tmp_path / "t.csv")
    assert read_table(csv_path)["名称"].tolist()[0] == huge
    xlsx_path = write_table(frame, tmp_path / "t.xlsx")
    _no_formula_cells(xlsx_path)
    back = read_table(xlsx_path)
    assert back["名称"].str.len().tolist()[:2] == [32_767, 32_767]  # cut to fit, with a warning
    assert back["n"].tolist() == ["0", "1", "2"]
    for suffix in (".gpkg", ".geojson", ".parquet"):
        path = write_vector(_geo(frame["名称"].tolist()), tmp_path / f"t{suffix}")
        assert read_vector(path)["名称"].tolist() == frame["名称"].tolist()


# Common characters (GBK holds them all); five or more per line: a line of one or two GBK
# characters can also be valid UTF-8 by chance (measured: 0.4% of two-character lines), and
# is then read as UTF-8 with a warning naming it.
_HANZI = st.sampled_from([chr(c) for c in range(0x4E00, 0x9FA6) if chr(c).isprintable()]).filter(
    lambda c: c.encode("gbk", errors="ignore") != b""
)
_line = st.builds(
    lambda text, n: f"{text},{n}", st.text(_HANZI, min_size=5, max_size=12), st.integers(0, 999)
)


@FUZZ
@given(lines=st.lists(st.tuples(_line, st.booleans()), min_size=1, max_size=8))
def test_mixed_encodings_decode_line_by_line(lines: list[tuple[str, bool]]) -> None:
    from geo_guard.io.encoding import decode_text

    data = b"".join((t + "\n").encode("gbk" if gbk else "utf-8") for t, gbk in lines)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # GBK that is valid UTF-8 throughout ("一" is D2 BB, "һ" in UTF-8) reads as UTF-8
        assume(not any(gbk for _, gbk in lines))
    decoded = decode_text(data, "t.csv")
    assert decoded.text == "".join(t + "\n" for t, _ in lines)
    gbk = [i + 1 for i, (_, is_gbk) in enumerate(lines) if is_gbk]
    utf8 = [i + 1 for i, (_, is_gbk) in enumerate(lines) if not is_gbk]
    if gbk and utf8:  # mixed: the minority's lines are named
        assert decoded.other_lines == tuple(gbk if len(utf8) >= len(gbk) else utf8)
    else:
        assert decoded.other_lines == ()
