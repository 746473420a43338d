"""Tests for geo_guard.io: round trips, atomic writes, spreadsheet safety, error messages."""

from __future__ import annotations

import csv
import errno
import logging
import math
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo_guard._errors import GeoGuardError, InputFileError, OptionError, OutputError
from geo_guard.io import csv_writer
from geo_guard.io.files import atomic_path, safe_filename
from geo_guard.io.spreadsheets import escape_formula, write_xlsx_sheets
from geo_guard.io.vector import (
    ENGINES,
    VECTOR_DRIVERS,
    read_vector,
    write_table,
    write_vector,
    write_vector_layers,
)

BOM = b"\xef\xbb\xbf"
FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-3.5"]
ESCAPED = ['\'=HYPERLINK("http://x","y")', "'+1+1", "'@SUM(A1)", "-3.5"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def sources() -> gpd.GeoDataFrame:
    """Two risk sources near Nanyang in CGCS2000 / 3-degree GK CM 114E (metres)."""
    return gpd.GeoDataFrame(
        {
            "名称": ["卧龙区养殖场", "七里园乡排污口"],
            "类型": ["畜禽养殖", "排污口"],
            "n": [1, 2],
            "dist_m": [12.5, np.nan],
        },
        geometry=[Point(352_000.0, 3_650_000.0), Point(352_150.5, 3_650_321.25)],
        crs="EPSG:4547",
    )


@pytest.fixture
def zone_4326() -> gpd.GeoDataFrame:
    """One small zone polygon in WGS84 degrees."""
    square = Polygon([(112.50, 32.90), (112.51, 32.90), (112.51, 32.91), (112.50, 32.91)])
    return gpd.GeoDataFrame(
        {"zone": ["一级保护区"], "zone_level": [1]}, geometry=[square], crs="EPSG:4326"
    )


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _assert_one_line(err: pytest.ExceptionInfo[BaseException]) -> None:
    assert isinstance(err.value, GeoGuardError)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".parquet", ".fgb"])
def test_round_trip_keeps_columns_chinese_text_and_crs(tmp_path, sources, suffix):
    path = write_vector(sources, tmp_path / f"风险源{suffix}")
    assert path == tmp_path / f"风险源{suffix}"
    back = read_vector(path)
    assert list(back.columns) == list(sources.columns)
    assert back["名称"].tolist() == ["卧龙区养殖场", "七里园乡排污口"]
    assert back["n"].tolist() == [1, 2]
    assert back["dist_m"].iloc[0] == pytest.approx(12.5)
    assert math.isnan(back["dist_m"].iloc[1])
    assert back.crs.to_epsg() == 4547
    assert back.geometry.geom_equals_exact(sources.geometry, tolerance=1e-6).all()


def test_round_trip_wgs84_polygon(tmp_path, zone_4326):
    back = read_vector(write_vector(zone_4326, tmp_path / "zone.geojson"))
    assert back.crs.to_epsg() == 4326
    assert back["zone"].tolist() == ["一级保护区"]
    assert back.geometry.iloc[0].equals_exact(zone_4326.geometry.iloc[0], tolerance=1e-12)


def test_geopackage_layer_defaults_to_file_stem(tmp_path, sources):
    write_vector(sources, tmp_path / "sources.gpkg")
    write_vector(sources, tmp_path / "named.gpkg", layer="风险源")
    assert pyogrio.list_layers(tmp_path / "sources.gpkg")[:, 0].tolist() == ["sources"]
    assert pyogrio.list_layers(tmp_path / "named.gpkg")[:, 0].tolist() == ["风险源"]


def test_geojson_records_non_wgs84_crs(tmp_path, sources):
    path = write_vector(sources, tmp_path / "s.geojson")
    assert "EPSG::4547" in path.read_text(encoding="utf-8")
    assert '"name": "s"' in path.read_text(encoding="utf-8")  # not the temp file's name


def test_flatgeobuf_keeps_input_order(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"n": [1, 2, 3]}, geometry=[Point(5, 5), Point(0, 0), Point(9, 1)], crs="EPSG:4547"
    )
    assert read_vector(write_vector(gdf, tmp_path / "o.fgb"))["n"].tolist() == [1, 2, 3]


def test_write_does_not_change_callers_frame(tmp_path, sources):
    before = sources.copy()
    write_vector(sources, tmp_path / "s.shp")
    write_table(sources, tmp_path / "s.csv")
    write_table(sources, tmp_path / "s.xlsx")
    pd.testing.assert_frame_equal(sources, before)


def test_extra_geometry_columns_written_as_wkt(tmp_path, sources):
    sources["start"] = gpd.GeoSeries([Point(1, 2), None], crs="EPSG:4547")
    back = read_vector(write_vector(sources, tmp_path / "s.gpkg"))
    assert back["start"].iloc[0] == "POINT (1 2)"
    assert back.geometry.name == "geometry"


# --------------------------------------------------------------------------- shapefile


def test_shapefile_cpg_says_utf8_and_chinese_survives(tmp_path, sources):
    path = write_vector(sources, tmp_path / "s.shp")
    assert _files(tmp_path) == ["s.cpg", "s.dbf", "s.prj", "s.shp", "s.shx"]
    assert (tmp_path / "s.cpg").read_text().strip() == "UTF-8"
    assert "卧龙区养殖场".encode() in (tmp_path / "s.dbf").read_bytes()
    assert read_vector(path)["类型"].tolist() == ["畜禽养殖", "排污口"]


def test_shapefile_long_names_shortened_on_character_boundaries(tmp_path, sources, caplog):
    gdf = sources.rename(columns={"类型": "风险源类型名称", "dist_m": "distance_to_canal_m"})
    gdf["distance_to_canal_x"] = 1
    with caplog.at_level(logging.WARNING, logger="geo_guard.io"):
        path = write_vector(gdf, tmp_path / "s.shp")
    # GDAL alone would cut bytes and leave invalid UTF-8; these names read back cleanly.
    fields = pyogrio.read_info(path)["fields"].tolist()
    assert fields == ["名称", "风险源", "n", "distance_t", "distance_1"]
    assert "风险源类型名称 -> 风险源" in caplog.text
    assert "distance_to_canal_m -> distance_t" in caplog.text
    assert read_vector(path)["风险源"].tolist() == ["畜禽养殖", "排污口"]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_replacement_removes_stale_sidecars(tmp_path, sources):
    write_vector(sources, tmp_path / "s.shp")
    (tmp_path / "s.qix").write_bytes(b"old spatial index")
    (tmp_path / "s.shp.xml").write_text("<metadata/>")  # not GDAL's: kept
    write_vector(sources.set_crs(None, allow_override=True), tmp_path / "s.shp")
    assert _files(tmp_path) == ["s.cpg", "s.dbf", "s.shp", "s.shp.xml", "s.shx"]
    assert read_vector(tmp_path / "s.shp").crs is None


def test_shapefile_refuses_mixed_geometry(tmp_path):
    mixed = gpd.GeoDataFrame(
        {"a": [1, 2]},
        geometry=[Point(0, 0), Polygon([(0, 0), (1, 0), (1, 1)])],
        crs="EPSG:4547",
    )
    with pytest.raises(OutputError, match=r"m\.shp: a Shapefile holds one kind of geometry") as err:
        write_vector(mixed, tmp_path / "m.shp")
    _assert_one_line(err)
    assert _files(tmp_path) == []
    write_vector(mixed, tmp_path / "m.gpkg")  # a GeoPackage takes it


# --------------------------------------------------------------------------- fiona engine


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_fiona_engine_round_trip(tmp_path, sources, suffix):
    pytest.importorskip("fiona", reason="fiona (optional extra geo-guard[fiona]) not installed")
    assert "fiona" in ENGINES
    path = write_vector(sources, tmp_path / f"s{suffix}", engine="fiona")
    back = read_vector(path, engine="fiona")
    assert back["名称"].tolist() == sources["名称"].tolist()
    assert back["n"].tolist() == [1, 2]
    assert back.crs.to_epsg() == 4547
    if suffix == ".shp":
        assert (tmp_path / "s.cpg").read_text().strip() == "UTF-8"


def test_fiona_missing_gives_install_hint(tmp_path, sources, monkeypatch):
    path = write_vector(sources, tmp_path / "s.gpkg")
    monkeypatch.setitem(sys.modules, "fiona", None)  # import fiona -> ImportError
    hint = r"--engine fiona needs the optional extra: pip install 'geo-guard\[fiona\]'"
    with pytest.raises(OptionError, match=hint):
        read_vector(path, engine="fiona")
    with pytest.raises(OptionError, match=hint):
        write_vector(sources, tmp_path / "t.gpkg", engine="fiona")


def test_unknown_engine(tmp_path, sources):
    with pytest.raises(OptionError, match=r"unknown engine 'gdal'; use 'pyogrio' or 'fiona'"):
        read_vector(tmp_path / "x.gpkg", engine="gdal")
    with pytest.raises(OptionError, match=r"unknown engine 'gdal'"):
        write_vector(sources, tmp_path / "x.gpkg", engine="gdal")


# --------------------------------------------------------------------------- layers


def test_several_layers_in_one_geopackage(tmp_path, sources, zone_4326):
    path = write_vector_layers({"风险源": sources, "一级保护区": zone_4326}, tmp_path / "z.gpkg")
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["风险源", "一级保护区"]
    assert read_vector(path, layer="一级保护区").crs.to_epsg() == 4326
    assert read_vector(path, layer=0)["名称"].tolist() == sources["名称"].tolist()
    assert _files(tmp_path) == ["z.gpkg"]


def test_read_defaults_to_first_layer_and_says_so(tmp_path, sources, zone_4326, caplog):
    path = write_vector_layers({"a": sources, "b": zone_4326}, tmp_path / "z.gpkg")
    with caplog.at_level(logging.INFO, logger="geo_guard.io"):
        gdf = read_vector(path)
    assert len(gdf) == 2
    assert "has 2 layers (a, b); reading 'a'" in caplog.text


def test_write_vector_warns_when_other_layers_are_dropped(tmp_path, sources, caplog):
    path = write_vector_layers({"a": sources, "b": sources}, tmp_path / "z.gpkg")
    with caplog.at_level(logging.WARNING, logger="geo_guard.io"):
        write_vector(sources, path, layer="a")
    assert "other layers (b) are gone" in caplog.text
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["a"]


def test_unknown_layer_lists_available_layers(tmp_path, sources):
    path = write_vector_layers({"a": sources, "b": sources}, tmp_path / "z.gpkg")
    with pytest.raises(InputFileError, match=r"z\.gpkg: no layer 'c'; available layers: a, b$"):
        read_vector(path, layer="c")
    with pytest.raises(InputFileError, match=r"no layer number 5; available layers: a, b"):
        read_vector(path, layer=5)


def test_write_vector_layers_errors(tmp_path, sources):
    with pytest.raises(OutputError, match=r"z\.shp: several layers need a GeoPackage"):
        write_vector_layers({"a": sources}, tmp_path / "z.shp")
    with pytest.raises(OptionError, match=r"no layers to write"):
        write_vector_layers({}, tmp_path / "z.gpkg")
    with pytest.raises(OptionError, match=r"'Zone' and 'zone' differ only in case"):
        write_vector_layers({"Zone": sources, "zone": sources}, tmp_path / "z.gpkg")
    with pytest.raises(OutputError, match=r"layer 'a' is a plain table without geometry"):
        write_vector_layers({"a": pd.DataFrame({"x": [1]})}, tmp_path / "z.gpkg")
    assert _files(tmp_path) == []


# --------------------------------------------------------------------------- atomicity


def _fail_midway(monkeypatch, owner, name, partial: bytes = b"half-written"):
    """Replace owner.name by a writer that writes part of its output, then fails."""

    def writer(self, target=None, *args, **kwargs):
        target = self if isinstance(self, Path) else target  # Path.write_bytes(self, data)
        with open(target, "wb") as handle:
            handle.write(partial)
        if Path(target).suffix == ".shp":  # a shapefile writer makes several files
            with open(Path(target).with_suffix(".dbf"), "wb") as handle:
                handle.write(partial)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(owner, name, writer)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".fgb"])
def test_failed_vector_write_keeps_old_file(tmp_path, sources, monkeypatch, suffix):
    path = write_vector(sources, tmp_path / f"s{suffix}")
    before = {name: (tmp_path / name).read_bytes() for name in _files(tmp_path)}
    _fail_midway(monkeypatch, gpd.GeoDataFrame, "to_file")
    with pytest.raises(OutputError, match=r"^disk full while writing .*: free space in "):
        write_vector(sources.iloc[:1], path)
    assert {name: (tmp_path / name).read_bytes() for name in _files(tmp_path)} == before
    monkeypatch.undo()
    assert len(read_vector(path)) == 2


def test_failed_layers_write_keeps_old_file(tmp_path, sources, monkeypatch):
    path = write_vector_layers({"a": sources}, tmp_path / "z.gpkg")
    before = path.read_bytes()
    _fail_midway(monkeypatch, gpd.GeoDataFrame, "to_file")
    with pytest.raises(OutputError, match=r"^disk full while writing .*: free space in "):
        write_vector_layers({"a": sources, "b": sources}, path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["z.gpkg"]


def test_failed_csv_write_keeps_old_file(tmp_path, monkeypatch):
    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    before = path.read_bytes()
    _fail_midway(monkeypatch, csv_writer, "write_blocks")  # the writer's file output
    with pytest.raises(OutputError, match=r"^disk full while writing .*: free space in "):
        write_table(pd.DataFrame({"a": [2]}), path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["t.csv"]


def test_failed_xlsx_write_keeps_old_file(tmp_path, monkeypatch):
    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")
    before = path.read_bytes()
    _fail_midway(monkeypatch, Path, "write_bytes")  # the workbook is zipped in memory first
    with pytest.raises(OutputError, match=r"^disk full while writing .*: free space in "):
        write_table(pd.DataFrame({"a": [2]}), path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["t.xlsx"]


def test_gdal_error_becomes_output_error_and_leaves_nothing(tmp_path, sources):
    path = write_vector(sources, tmp_path / "x.gpkg")
    before = path.read_bytes()
    with pytest.raises(
        OutputError,
        match=r"^x\.gpkg: cannot be written as GPKG "
        r"\(The layer name may not begin with 'gpkg'.*\); "
        r"check the layer name, column names and geometries$",
    ) as err:
        write_vector(sources, path, layer="gpkg_zones")  # a reserved GeoPackage prefix
    _assert_one_line(err)
    assert ".tmp-" not in str(err.value)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["x.gpkg"]


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old", encoding="utf-8")
    with atomic_path(target) as temp:
        assert temp.parent == tmp_path
        assert temp.suffix == ".csv"
        assert not temp.exists()
        temp.write_text("new", encoding="utf-8")
        assert target.read_text(encoding="utf-8") == "old"
    assert target.read_text(encoding="utf-8") == "new"

    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as temp:
        temp.write_text("broken", encoding="utf-8")
        Path(f"{temp}-journal").write_text("sqlite sidecar", encoding="utf-8")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "new"
    assert _files(tmp_path) == ["r.csv"]


def _enter(path: Path) -> None:
    with atomic_path(path):
        pass  # writes nothing


def test_atomic_path_errors(tmp_path):
    with pytest.raises(OutputError, match=r"the writer produced no file; nothing was replaced"):
        _enter(tmp_path / "r.csv")
    with pytest.raises(OutputError, match=r"folder '.*nowhere' does not exist; create it first"):
        _enter(tmp_path / "nowhere" / "r.csv")
    with pytest.raises(OutputError, match=r"is a folder; give a file path with an extension"):
        _enter(tmp_path)
    assert _files(tmp_path) == []


# --------------------------------------------------------------------------- tables


def test_csv_has_bom_and_reads_back_in_excel_encoding(tmp_path, sources):
    path = write_table(sources, tmp_path / "风险源.csv")
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ["名称", "类型", "n", "dist_m", "geometry"]
    assert back["名称"].tolist() == ["卧龙区养殖场", "七里园乡排污口"]
    assert back["n"].tolist() == [1, 2]
    assert math.isnan(back["dist_m"].iloc[1])  # NaN is an empty field
    assert back["geometry"].tolist() == ["POINT (352000 3650000)", "POINT (352150.5 3650321.25)"]


def test_csv_escapes_formulas(tmp_path):
    df = pd.DataFrame({"备注": FORMULAS, "=bad header": ["普通", "－1+1", "-", 7]})
    write_table(df, tmp_path / "t.csv")
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["备注", "'=bad header"]
    assert [r[0] for r in rows[1:]] == ESCAPED
    assert [r[1] for r in rows[1:]] == ["普通", "'－1+1", "-", "7"]


def test_named_index_written_as_column(tmp_path):
    df = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["甲", "乙"], name="村"))
    write_table(df, tmp_path / "t.csv")
    assert pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig").columns.tolist() == ["村", "v"]


def test_xlsx_read_back_with_openpyxl(tmp_path, sources):
    df = pd.DataFrame(
        {
            "名称": ["卧龙区", "x"],
            "n": [1, 2],
            "value": [1.5, np.nan],
            "备注": [FORMULAS[0], FORMULAS[3]],
            "身份证号": [410_303_199_001_011_234, 5],
        }
    )
    path = write_table(df, tmp_path / "t.xlsx", sheet_name="风险源")
    wb = openpyxl.load_workbook(path)
    ws = wb["风险源"]
    assert [c.value for c in ws[1]] == ["名称", "n", "value", "备注", "身份证号"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E3"
    # Text cells keep formula-like text as typed: an XLSX text cell never evaluates.
    assert [c.value for c in ws[2]] == ["卧龙区", 1, 1.5, FORMULAS[0], "410303199001011234"]
    assert [c.value for c in ws[3]] == ["x", 2, None, "-3.5", 5]
    assert ws["B2"].data_type == "n" and isinstance(ws["B2"].value, int)
    assert ws["D2"].data_type == "s"  # text, not a formula
    # Chinese characters count double when fitting widths.
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width


def test_xlsx_keeps_formula_like_text_as_text(tmp_path):
    # Issue 11: an XLSX text cell is never evaluated, so the text is stored as typed (no
    # apostrophe; that visible escape is for CSV, where Excel decides what a cell is).
    path = write_table(pd.DataFrame({"备注": FORMULAS, "=h": FORMULAS}), tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == FORMULAS
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row)  # no formula
    assert ws["B1"].value == "=h"


def test_xlsx_geometry_as_wkt(tmp_path, sources):
    ws = openpyxl.load_workbook(write_table(sources, tmp_path / "s.xlsx")).active
    assert ws["E1"].value == "geometry"
    assert ws["E2"].value == "POINT (352000 3650000)"


def test_xlsx_several_sheets_with_titles(tmp_path, sources):
    summary = pd.DataFrame({"乡镇": ["七里园乡"], "风险源数": [2]})
    path = write_xlsx_sheets(
        {"风险源": sources, "汇总": summary, "a/b:c" * 10: summary},
        tmp_path / "周报.xlsx",
        title_rows={"汇总": "饮用水水源保护区风险源汇总"},
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["风险源", "汇总", "a_b_ca_b_ca_b_ca_b_ca_b_ca_b_ca"]
    ws = wb["汇总"]
    assert ws["A1"].value == "饮用水水源保护区风险源汇总" and ws["A1"].font.bold
    assert [c.value for c in ws[2]] == ["乡镇", "风险源数"]
    assert ws["A2"].font.bold
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:B3"
    assert [c.value for c in ws[3]] == ["七里园乡", 2]
    assert wb["风险源"].freeze_panes == "A2"
    assert _files(tmp_path) == ["周报.xlsx"]


def test_xlsx_sheet_errors(tmp_path, sources):
    with pytest.raises(OptionError, match=r"no sheets to write"):
        write_xlsx_sheets({}, tmp_path / "w.xlsx")
    with pytest.raises(OptionError, match=r"title_rows names sheets that are not written \(x\)"):
        write_xlsx_sheets({"a": sources}, tmp_path / "w.xlsx", title_rows={"x": "t"})
    with pytest.raises(OutputError, match=r"w\.xls: a workbook needs the \.xlsx extension"):
        write_xlsx_sheets({"a": sources}, tmp_path / "w.xls")


def test_parquet_tables(tmp_path, sources):
    plain = pd.DataFrame({"名称": ["卧龙区"], "n": [1]})
    write_table(plain, tmp_path / "t.parquet")
    assert pd.read_parquet(tmp_path / "t.parquet")["名称"].tolist() == ["卧龙区"]
    write_table(sources, tmp_path / "g.parquet")
    assert read_vector(tmp_path / "g.parquet").crs.to_epsg() == 4547


def test_write_table_delegates_geodataframes_to_vector(tmp_path, sources):
    for suffix in (".gpkg", ".geojson", ".shp"):
        write_table(sources, tmp_path / f"s{suffix}")
        assert read_vector(tmp_path / f"s{suffix}")["n"].tolist() == [1, 2]
    assert set(VECTOR_DRIVERS) >= {".gpkg", ".geojson", ".shp"}


# --------------------------------------------------------------------------- escape_formula


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("1e5", "1e5"),
        ("-", "-"),
        ("-abc", "'-abc"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－３", "'－３"),
        ("＠A1", "'＠A1"),
        ("'=already", "'=already"),
        ("卧龙区", "卧龙区"),
        ("", ""),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_escape_formula(value, expected):
    assert escape_formula(value) == expected
    assert escape_formula(escape_formula(value)) == expected


# --------------------------------------------------------------------------- read errors


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match=r"nope\.gpkg: no such file; check the path") as err:
        read_vector(tmp_path / "nope.gpkg")
    _assert_one_line(err)


def test_directory(tmp_path):
    (tmp_path / "d.gpkg").mkdir()
    with pytest.raises(InputFileError, match=r"d\.gpkg: is a folder, not a file"):
        read_vector(tmp_path / "d.gpkg")


def test_zero_byte_file(tmp_path):
    (tmp_path / "e.geojson").touch()
    with pytest.raises(InputFileError, match=r"e\.geojson: the file is empty \(0 bytes\)"):
        read_vector(tmp_path / "e.geojson")


@pytest.mark.parametrize("name", ["g.gpkg", "g.geojson", "g.parquet"])
def test_garbage_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"\x00\x01 this is not a vector file \xff")
    pattern = (
        rf"{name.replace('.', '[.]')}: cannot be read as a vector file \(.+\); "
        r"give a GeoPackage, GeoJSON, Shapefile or GeoParquet$"
    )
    with pytest.raises(InputFileError, match=pattern) as err:
        read_vector(tmp_path / name)
    _assert_one_line(err)
    assert "It might help" not in str(err.value)


def test_plain_parquet_is_not_geoparquet(tmp_path):
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "p.parquet")
    with pytest.raises(InputFileError, match=r"without GeoParquet geometry metadata"):
        read_vector(tmp_path / "p.parquet")


def test_table_without_geometry(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"t\.csv: has no layer with geometry"):
        read_vector(tmp_path / "t.csv")


# --------------------------------------------------------------------------- write errors


def test_unknown_extension(tmp_path, sources):
    with pytest.raises(
        OutputError,
        match=r"^out\.txt: unknown output type '\.txt'; "
        r"use \.csv, \.xlsx, \.gpkg, \.geojson, \.shp or \.parquet$",
    ) as err:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.txt")
    _assert_one_line(err)
    with pytest.raises(OutputError, match=r"out\.kml: unknown vector type '\.kml'"):
        write_vector(sources, tmp_path / "out.kml")


def test_missing_output_folder(tmp_path, sources):
    missing = tmp_path / "没有" / "out.csv"
    with pytest.raises(OutputError, match=r"folder '.*没有' does not exist; create it first"):
        write_table(pd.DataFrame({"a": [1]}), missing)
    with pytest.raises(OutputError, match=r"does not exist"):
        write_vector(sources, missing.with_suffix(".shp"))
    with pytest.raises(OutputError, match=r"does not exist"):
        write_xlsx_sheets({"a": sources}, missing.with_suffix(".xlsx"))
    assert _files(tmp_path) == []


def test_plain_table_to_vector_format(tmp_path):
    with pytest.raises(OutputError, match=r"t\.gpkg: the table has no geometry"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.gpkg")
    with pytest.raises(OutputError, match=r"t\.shp: the data is a plain table without geometry"):
        write_vector(pd.DataFrame({"a": [1]}), tmp_path / "t.shp")


def test_geodataframe_without_active_geometry(tmp_path):
    gdf = gpd.GeoDataFrame({"a": [1], "line": [LineString([(0, 0), (1, 1)])]})
    with pytest.raises(OutputError, match=r"has no active geometry column; call set_geometry"):
        write_vector(gdf, tmp_path / "t.gpkg")


# --------------------------------------------------------------------------- safe_filename


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../etc/passwd", "_etc_passwd"),
        ("..\\..\\windows", "_windows"),
        (".hidden", "_hidden"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1", "_com1"),
        ("CONSOLE", "CONSOLE"),
        ("卧龙区 / 七里园乡", "卧龙区_七里园乡"),
        ("<script>", "_script_"),
        ('a:b*c?"d|e', "a_b_c_d_e"),
        ("line\nbreak\x00", "line_break_"),
        ("v1. 2/..", "v1._2_"),
        ("a.b", "a.b"),
        ("K12+345 桩号（左岸）", "K12+345_桩号（左岸）"),
        ("", "_"),
        ("   ", "_"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_length():
    # 80 characters at most: 71, "_" and an 8-digit hash of the whole name, so names that
    # only differ after the cut stay different.
    long = safe_filename("南" * 200)
    assert re.fullmatch(r"南{71}_[0-9a-f]{8}", long)
    assert safe_filename("南" * 199) != long
    assert safe_filename("南" * 200) == long  # the same name, the same stem
    assert re.fullmatch(r"a{71}_[0-9a-f]{8}", safe_filename("a" * 100))  # 80 characters
    rare = safe_filename("𠀀" * 100)  # 4 bytes each (CJK extension B, GB18030 rare names)
    assert len(rare.encode()) <= 240 and rare.startswith("𠀀" * 57)  # 240 bytes at most
    assert len(safe_filename("南" * 100, max_bytes=30).encode()) <= 30
    assert safe_filename("南" * 80) == "南" * 80  # fits: unchanged
    assert safe_filename("abcdef", max_length=3) == "abc"
    assert safe_filename("CON", max_length=3) == "_CO"
    with pytest.raises(OptionError, match=r"max_length must be at least 1"):
        safe_filename("x", max_length=0)


def test_shapefile_with_cut_chinese_field_names_is_a_clear_error(tmp_path: Path) -> None:
    # pyogrio lets GDAL cut the name at 10 bytes, in the middle of a character, as other
    # software does; our own writer shortens names on whole characters instead.
    path = tmp_path / "broken.shp"
    frame = gpd.GeoDataFrame({"风险源类型名称说明": ["a"]}, geometry=[Point(0, 0)], crs=4326)
    with pytest.warns(RuntimeWarning):
        pyogrio.write_dataframe(frame, path)
    with pytest.raises(InputFileError, match=r"not valid text.*save it as a GeoPackage"):
        read_vector(path)


# --------------------------------------------------------------------------- hostile text (#8)

CONTROL_CHARACTERS = [chr(c) for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029]]
CMD = "=cmd|' /C calc'!A0"


def _control_frame() -> gpd.GeoDataFrame:
    values = (
        [f"a{c}b" for c in CONTROL_CHARACTERS]
        + [f"{c}{CMD}" for c in CONTROL_CHARACTERS]
        + ["a\r\nb", "\r\n", CMD]
    )
    return gpd.GeoDataFrame(
        {"名称": values, "n": [str(i) for i in range(len(values))]},
        geometry=[Point(112.3, 33.0)] * len(values),
        crs="EPSG:4326",
    )


def _spreadsheet_text(value: str) -> str:
    """What a spreadsheet cell must hold: a leading ' where Excel would start a formula."""
    return "'" + value if value.startswith(("=", "\t", "\r")) else value


def test_csv_cr_in_a_cell_stays_in_its_row(tmp_path):
    frame = pd.DataFrame({"备注": [f"x\r{CMD}", "y"], "n": ["1", "2"]})
    path = write_table(frame, tmp_path / "t.csv")
    expected = BOM + "备注,n\r\n".encode() + f'"x\r{CMD}",1\r\ny,2\r\n'.encode()
    assert path.read_bytes() == expected  # quoted: the CR cannot end the row
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [["备注", "n"], [f"x\r{CMD}", "1"], ["y", "2"]]
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert back["备注"].tolist() == [f"x\r{CMD}", "y"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".geojson", ".parquet"])
def test_every_control_character_round_trips(tmp_path, suffix, caplog):
    from geo_guard.io.tables import read_table

    frame = _control_frame()
    typed = frame["名称"].tolist()
    with caplog.at_level(logging.WARNING, logger="geo_guard.io"):
        path = write_table(frame, tmp_path / f"t{suffix}")
    if suffix in (".csv", ".xlsx"):
        back = read_table(path)
        # CSV escapes formula-like text; an XLSX text cell keeps it as typed (issue 11).
        expected = [_spreadsheet_text(v) for v in typed] if suffix == ".csv" else typed
    else:
        back = read_vector(path)
        # GDAL keeps C strings: NUL alone is written as the text \x00, and says so.
        expected = typed if suffix == ".parquet" else [v.replace("\0", "\\x00") for v in typed]
    assert back["n"].astype(str).tolist() == frame["n"].tolist()  # same rows, same order
    assert back["名称"].tolist() == expected
    if suffix in (".gpkg", ".geojson"):
        assert "NUL characters" in caplog.text and "名称 (2)" in caplog.text
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert all(cell.data_type == "s" for cell in cells)  # text, never a formula
        assert cells[1].value == "a_x0001_b"  # Excel's own escape of U+0001
        assert "_x0001_" in caplog.text and "control characters" in caplog.text


def test_xlsx_escape_keeps_text_that_looks_like_an_escape(tmp_path):
    from geo_guard.io.tables import read_table

    typed = ["_x0041_", "_x0041_x0042_", "_x0041\x01", "_x005F_", "a_xZZZZ_b"]
    path = write_table(pd.DataFrame({"t": typed}), tmp_path / "t.xlsx")
    stored = [c.value for c in openpyxl.load_workbook(path).active["A"][1:]]
    # As Excel stores them: every "_" that would start an escape is itself escaped.
    assert stored == [
        "_x005F_x0041_",
        "_x005F_x0041_x005F_x0042_",
        "_x005F_x0041_x0001_",
        "_x005F_x005F_",
        "a_xZZZZ_b",
    ]
    assert read_table(path)["t"].tolist() == typed


def test_xlsx_refuses_more_rows_than_excel_holds(tmp_path, monkeypatch):
    from geo_guard.io import spreadsheets

    path = write_table(pd.DataFrame({"a": [0]}), tmp_path / "t.xlsx")
    before = path.read_bytes()
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 5)  # not a million rows in a test
    write_table(pd.DataFrame({"a": range(4)}), tmp_path / "fits.xlsx")  # 4 rows + header
    assert openpyxl.load_workbook(tmp_path / "fits.xlsx").active.max_row == 5
    with pytest.raises(
        OutputError,
        match=r"^t\.xlsx: sheet 'Sheet1' would have 6 rows \(header included\), more than the "
        r"5 an Excel sheet holds; write \.csv or \.parquet instead, or split the table",
    ) as err:
        write_table(pd.DataFrame({"a": range(5)}), path)
    _assert_one_line(err)
    with pytest.raises(OutputError, match=r"sheet '汇总' would have 6 rows"):  # a title row counts
        write_xlsx_sheets({"汇总": pd.DataFrame({"a": range(4)})}, path, title_rows={"汇总": "t"})
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_COLUMNS", 2)
    with pytest.raises(OutputError, match=r"has 3 columns, more than the 2 an Excel sheet holds"):
        write_table(pd.DataFrame({"a": [1], "b": [2], "c": [3]}), path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["fits.xlsx", "t.xlsx"]


def test_disk_full_is_one_line_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    before = path.read_bytes()

    def full(self, target, *args, **kwargs):
        Path(target).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(csv_writer, "write_blocks", full)
    with pytest.raises(
        OutputError,
        match=r"^disk full while writing t\.csv: free space in '.*' and run again \(the "
        r"previous file was left as it was\)$",
    ) as err:
        write_table(pd.DataFrame({"a": [2]}), path)
    _assert_one_line(err)
    assert path.read_bytes() == before and _files(tmp_path) == ["t.csv"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 192 KiB file system (tmpfs), for writes that run out of space."""
    import os
    import shutil
    import subprocess

    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs Linux and root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".parquet"])
def test_disk_full_on_a_real_small_disk(tiny_disk, suffix):
    rng = np.random.default_rng(8)
    small = gpd.GeoDataFrame({"t": ["old"]}, geometry=[Point(0, 0)], crs=4326)
    path = write_table(small, tiny_disk / f"t{suffix}")
    before = path.read_bytes()
    # Random text does not compress (XLSX and Parquet are compressed): about 1 MB.
    noise = ["".join(map(chr, rng.integers(0x4E00, 0x9FA5, 300))) for _ in range(1200)]
    big = gpd.GeoDataFrame({"t": noise}, geometry=[Point(0, 0)] * len(noise), crs=4326)
    with pytest.raises(OutputError, match=rf"^disk full while writing t\{suffix}: free space"):
        write_table(big, path)
    assert path.read_bytes() == before
    assert _files(tiny_disk) == [f"t{suffix}"]


def test_long_output_names(tmp_path, sources):
    fits = "七" * 83 + ".gpkg"  # 254 bytes: fits, but its temporary name would not
    assert len(fits.encode()) == 254
    for name in (fits, "七" * 83 + ".csv", "七" * 82 + ".xlsx"):
        write_table(sources, tmp_path / name)
    assert _files(tmp_path) == sorted([fits, "七" * 83 + ".csv", "七" * 82 + ".xlsx"])
    assert len(read_vector(tmp_path / fits)) == 2
    too_long = "七" * 84 + ".csv"  # 256 bytes
    for call in (
        lambda: write_table(sources, tmp_path / too_long),
        lambda: write_table(sources, tmp_path / too_long.replace(".csv", ".xlsx")),
        lambda: write_vector(sources, tmp_path / too_long.replace(".csv", ".gpkg")),
        lambda: _enter(tmp_path / too_long),
    ):
        with pytest.raises(
            OutputError,
            match=r"^七{40}…: the file name is 25\d bytes long, more than the 255 the file "
            r"system allows \(a Chinese character takes 3\); choose a shorter name$",
        ) as err:
            call()
        _assert_one_line(err)
    assert len(_files(tmp_path)) == 3


def test_temporary_names_of_long_targets_stay_distinct(tmp_path):
    from geo_guard.io.files import temp_sibling

    a, b = tmp_path / ("七" * 83 + "甲.csv"), tmp_path / ("七" * 83 + "乙.csv")
    temp_a, temp_b = temp_sibling(a), temp_sibling(b)
    assert all(len(t.name.encode()) + len("-journal") <= 255 for t in (temp_a, temp_b))
    assert temp_a.name.split(".tmp-")[0] != temp_b.name.split(".tmp-")[0]
    assert temp_a.suffix == ".csv" and temp_a.parent == tmp_path


def _killed_writer(target: Path) -> Path:
    """Run a writer in another process and kill it (SIGKILL) in the middle of the write."""
    import subprocess

    code = (
        "import os, signal, sys\n"
        "from geo_guard.io.files import atomic_path\n"
        "with atomic_path(sys.argv[1]) as temp:\n"
        "    temp.write_text('half', encoding='utf-8')\n"
        "    print(temp, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == -9, done.stderr
    return Path(done.stdout.strip())


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and the pid check are POSIX")
def test_next_write_removes_what_a_killed_write_left(tmp_path, caplog):
    target = tmp_path / "t.csv"
    left = _killed_writer(target)
    assert left.exists() and left.name.startswith(".t.tmp-") and _files(tmp_path) == [left.name]
    with caplog.at_level(logging.INFO, logger="geo_guard.io"):
        write_table(pd.DataFrame({"a": [1]}), target)
    assert _files(tmp_path) == ["t.csv"]
    assert "left by an earlier write that was interrupted" in caplog.text


def test_stale_temporaries_only_of_the_same_target(tmp_path):
    import os
    import time

    from geo_guard.io import files

    def temp(name: str, age_s: float = 0.0) -> Path:
        path = tmp_path / name
        path.write_text("x", encoding="utf-8")
        if age_s:
            os.utime(path, (time.time() - age_s, time.time() - age_s))
        return path

    me, host = os.getpid(), files._HOST
    hour = files.STALE_TEMP_SECONDS
    running = temp(f".t.tmp-{me}-{host}-0123abcd.csv")  # a write still running: kept
    running_journal = temp(f".t.tmp-{me}-{host}-0123abcd.csv-journal")
    other_host = temp(f".t.tmp-{me}-ffffff-0123abcd.csv")  # maybe alive elsewhere: kept
    abandoned = temp(f".t.tmp-{me}-ffffff-4567abcd.csv", age_s=hour + 60)  # untouched an hour
    old_style = temp(".t.tmp-0123456789ab.csv", age_s=hour + 60)  # before pids were recorded
    other_target = temp(".t.tmp-1-ffffff-0123abcd.gpkg", age_s=hour + 60)  # t.gpkg's
    users_file = temp(".t.tmp-notes.csv", age_s=hour + 60)  # not a name we make
    longer_stem = temp(f".t2.tmp-{me}-ffffff-0123abcd.csv", age_s=hour + 60)  # t2.csv's
    removed = files.remove_stale_temps(tmp_path / "t.csv")
    assert sorted(removed) == sorted([abandoned, old_style])
    for kept in (running, running_journal, other_host, other_target, users_file, longer_stem):
        assert kept.exists()
