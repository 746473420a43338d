"""KML/KMZ for phone apps and `geo-guard convert`, checked with independent readers:
the XML parser, GDAL's KML driver and pyproj directly."""

from __future__ import annotations

import html
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from geo_guard.cli import main
from geo_guard.crs import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from geo_guard.io.convert import convert_table
from geo_guard.io.kml import write_kml
from geo_guard.zones import build_zones

from .conftest import METRIC, government_form, uniform_rules

KML = "{http://www.opengis.net/kml/2.2}"
HOSTILE = ["<script>alert(1)</script>", "{{7*7}}", "=cmd|' /C calc'!A0", "A & B \"引号\""]


def _placemarks(text: bytes) -> list[ET.Element]:
    return ET.fromstring(text).findall(f".//{KML}Placemark")


def _sources() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": [*HOSTILE, "no fix"], "zone_level": [1, 2, 9, 0, pd.NA],
         "stake": ["K0+100", "K0+200", "K0+300", "K0+400", ""]},
        geometry=[Point(112.5, 33.0), Point(112.51, 33.01), Point(112.52, 33.02),
                  Point(112.53, 33.03), None],
        crs="EPSG:4326",
    )


def test_kml_holds_every_placed_row_with_literal_text(tmp_path: Path) -> None:
    path, counts = write_kml({"风险源": _sources()}, tmp_path / "s.kml")
    marks = _placemarks(path.read_bytes())
    assert counts == {"风险源": 4} and len(marks) == 4  # the row without a fix is left out
    names = [m.find(f"{KML}name").text for m in marks]
    assert names == HOSTILE
    for mark, text in zip(marks, HOSTILE, strict=True):
        values = {d.get("name"): d.find(f"{KML}value").text
                  for d in mark.iter(f"{KML}Data")}
        # Escaped once more than XML needs: an app rendering it as HTML shows the text.
        assert values["名称"] == html.escape(text, quote=False)
        assert "<script" not in (values["名称"] or "")
    styles = [m.find(f"{KML}styleUrl").text for m in marks]
    assert styles == ["#level-1", "#level-2", "#level-9", "#level-0"]
    lonlat = marks[0].find(f".//{KML}coordinates").text
    assert lonlat == "112.5000000,33.0000000"


def test_kmz_zones_read_back_by_gdal_where_pyproj_puts_them(tmp_path: Path,
                                                            straight_canal) -> None:
    zones = build_zones(straight_canal, uniform_rules())  # EPSG:4547 metres
    path, counts = write_kml({"保护区": zones}, tmp_path / "z.kmz")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["doc.kml"]
        text = archive.read("doc.kml")
    assert counts["保护区"] == len(zones) == len(_placemarks(text))
    (tmp_path / "doc.kml").write_bytes(text)
    back = pyogrio.read_dataframe(tmp_path / "doc.kml")
    assert len(back) == len(zones)
    # First vertex of the first zone, moved to WGS84 by pyproj on its own.
    x, y = np.asarray(zones.geometry.iloc[0].exterior.coords[0])
    lon, lat = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True).transform(x, y)
    got = np.asarray(back.geometry.iloc[0].geoms[0].exterior.coords[0]
                     if back.geometry.iloc[0].geom_type.startswith("Multi")
                     else back.geometry.iloc[0].exterior.coords[0])[:2]
    assert got == pytest.approx([lon, lat], abs=1e-7)


def test_convert_matches_the_published_formulas_and_pyproj() -> None:
    table = pd.DataFrame({"名称": ["甲", "乙", "丙"], "经度": ["112.505939", "", "112°30′"],
                          "纬度": ["32.998089", "33", "33"]})
    out = convert_table(table, from_crs="gcj02", to_crs="wgs84")
    assert list(out.columns[:3]) == ["名称", "经度", "纬度"] and len(out) == 3
    assert out.status.tolist() == ["ok", "invalid", "ok"]
    lon, lat = gcj02_to_wgs84(112.505939, 32.998089)
    assert out.lon_wgs84[0] == pytest.approx(float(lon), abs=1e-9)
    assert out.lat_wgs84[0] == pytest.approx(float(lat), abs=1e-9)
    assert "坐标为空" in out.reason[1]
    # WGS84 -> BD-09 and -> CGCS2000 Gauss-Kruger, against the formula and pyproj.
    wgs = pd.DataFrame({"lon": [112.5], "lat": [33.0]})
    bd = convert_table(wgs, to_crs="bd09")
    assert bd.lon_bd09[0] == pytest.approx(float(wgs84_to_bd09(112.5, 33.0)[0]), abs=1e-9)
    gk = convert_table(wgs, to_crs="EPSG:4547")
    x, y = pyproj.Transformer.from_crs(4326, 4547, always_xy=True).transform(112.5, 33.0)
    assert (gk.x_4547[0], gk.y_4547[0]) == pytest.approx((x, y), abs=1e-6)


def test_convert_command_keeps_rows_and_refuses_other_outputs(tmp_path: Path) -> None:
    source = tmp_path / "amap.csv"
    source.write_text("名称,经度,纬度\n=1+1,112.505939,32.998089\n坏点,abc,33\n",
                      encoding="gbk")
    out = tmp_path / "wgs.csv"
    result = CliRunner().invoke(main, ["convert", str(source), "--from", "高德", "--to",
                                       "wgs84", "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == ["名称", "经度", "纬度", "经度(WGS84)", "纬度(WGS84)", "状态",
                                  "说明"]
    assert back["状态"].tolist() == ["ok", "invalid"]
    assert not back["名称"][0].startswith("=")  # typed formula neutralised
    bad = CliRunner().invoke(main, ["convert", str(source), "-o", str(tmp_path / "x.gpkg")])
    assert bad.exit_code == 2 and "error:" in bad.output and "csv or .xlsx" in bad.output


def test_convert_reads_a_government_form_on_every_sheet(tmp_path: Path) -> None:
    """A form as townships send it (label, 填报单位 row, 坐标 merged over 经度/纬度, merged
    township cells, a 注： row), two sheets: every data row converted, in order, the
    township filled down, the note left out; converted against pyproj/the GCJ-02 formula."""
    points = {"示意镇甲": [(112.50, 33.00), (112.51, 33.01)], "示意镇乙": [(112.60, 33.10)]}
    form = government_form(tmp_path / "各乡镇.xlsx", points)
    out = tmp_path / "wgs.csv"
    result = CliRunner().invoke(main, ["convert", str(form), "--sheet", "all", "--from",
                                       "gcj02", "--to", "wgs84", "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert back["工作表"].tolist() == ["示意镇甲", "示意镇甲", "示意镇乙"]
    assert back["乡镇（街道）"].tolist() == ["示意镇甲", "示意镇甲", "示意镇乙"]  # filled down
    assert back["名称"].tolist() == ["示意镇甲点1", "示意镇甲点2", "示意镇乙点1"]
    assert back["状态"].tolist() == ["ok"] * 3
    # GCJ-02 -> WGS84 is the inverse of the published forward formula to well under 1 m.
    expected = [p for rows in points.values() for p in rows]
    lon = back["经度(WGS84)"].astype(float).to_numpy()
    lat = back["纬度(WGS84)"].astype(float).to_numpy()
    forward = [wgs84_to_gcj02(x, y) for x, y in zip(lon, lat, strict=True)]
    assert np.allclose([(float(a), float(b)) for a, b in forward], expected, atol=1e-6)
    # --header-row given by hand on one sheet: the same rows.
    one = tmp_path / "one.csv"
    result = CliRunner().invoke(main, ["convert", str(form), "--sheet", "示意镇甲",
                                       "--header-row", "3", "--from", "gcj02", "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(one, encoding="utf-8-sig", dtype=str)["名称"].tolist() == [
        "示意镇甲点1", "示意镇甲点2"]


def test_classify_and_zones_write_kmz(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "boundaries"
    args = ["--canal", str(sample / "canal.geojson"), "--rules",
            str(sample / "zone_rules.example.toml")]
    kmz = tmp_path / "sources.kmz"
    result = CliRunner().invoke(main, ["classify", str(sample / "risk_sources.csv"), *args,
                                       "-o", str(kmz)])
    assert result.exit_code == 0, result.output
    csv = tmp_path / "sources.csv"
    CliRunner().invoke(main, ["classify", str(sample / "risk_sources.csv"), *args,
                              "--headers", "en", "-o", str(csv)])
    placed = pd.read_csv(csv, encoding="utf-8-sig")["lon"].notna()
    with zipfile.ZipFile(kmz) as archive:
        marks = _placemarks(archive.read("doc.kml"))
    assert 0 < len(marks) == int(placed.sum()) < len(placed)  # the sample has bad rows
    zones_kml = tmp_path / "zones.kml"
    result = CliRunner().invoke(main, ["zones", *args, "-o", str(zones_kml)])
    assert result.exit_code == 0, result.output
    folders = ET.parse(zones_kml).getroot().findall(f".//{KML}Folder/{KML}name")
    assert [f.text for f in folders] == ["保护区", "总干渠中心线"]
