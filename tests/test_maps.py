"""geo_guard.maps: layers, legend, escaping, base maps, offline assets, split maps, CLI.

Everything here runs without a browser; tests/test_maps_browser.py opens the pages in
headless Chromium. The frames below are built by hand with the classified-sources
contract (DESIGN.md §3) on the tiny straight canal of conftest (EPSG:4547).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from geo_guard import build_zones
from geo_guard._errors import CRSMissingError, InputFileError, OptionError, OutputError
from geo_guard.canal.model import Canal
from geo_guard.cli import main
from geo_guard.crs import wgs84_to_gcj02
from geo_guard.maps.assets import ASSETS, STATIC, inline_assets, read_static, script_safe
from geo_guard.maps.compose import (
    BASEMAPS,
    add_basemap,
    add_canal,
    add_controls,
    add_layer,
    add_sources,
    add_zones,
    make_map,
    map_html,
    risk_map,
    save_map,
)
from geo_guard.maps.elements import (
    SHAPE_VERTICES,
    TYPE_SHAPES,
    display_strings,
    encode_column,
    encode_table,
    integer_coords,
    json_for_script,
    map_state,
)
from geo_guard.maps.split import split_maps
from geo_guard.settings import ZONE_NAMES
from geo_guard.vocabulary.source_types import SOURCE_TYPES

from .conftest import METRIC, SAMPLE, X0, Y0, uniform_rules

PAYLOAD_IMG = '<img src=x onerror="window.__pwned=1;alert(1)">'
PAYLOAD_SCRIPT = "<script>window.__pwned=1</script>"
PAYLOADS = (PAYLOAD_IMG, PAYLOAD_SCRIPT)
TO_WGS = pyproj.Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


# --------------------------------------------------------------------------- fixtures


def level_of(distance_m: float) -> int:
    """Zone level under uniform_rules(): edge 20 m, first-class 50 m, second-class 150 m."""
    for level, limit in ((0, 20.0), (1, 70.0), (2, 220.0)):
        if abs(distance_m) <= limit:
            return level
    return 9


def classified(rows: list[tuple[str, str, float, float]], invalid: int = 0) -> pd.DataFrame:
    """Classified risk sources on the straight canal: (name, type, chainage, offset_m).

    Offsets are metres left (+) or right (-) of the canal, which flows east. ``invalid``
    rows without coordinates are appended, as classify() reports bad rows.
    """
    records = []
    for i, (name, kind, chainage, offset) in enumerate(rows, start=1):
        lon, lat = TO_WGS.transform(X0 + chainage, Y0 + offset)
        level = level_of(offset)
        records.append(
            {
                "序号": i,
                "名称": name,
                "类型": kind,
                "描述": f"说明 {name}",
                "zone": ZONE_NAMES[level],
                "zone_level": level,
                "distance_m": abs(offset),
                "chainage_m": chainage,
                "stake": f"K{int(chainage // 1000)}+{int(chainage % 1000):03d}",
                "bank": "左岸" if offset > 0 else "右岸",
                "segment_id": "ABC"[min(int(chainage // 1000), 2)],
                "lon": lon,
                "lat": lat,
                "source_type": kind if kind in SOURCE_TYPES else "其他",
                "status": "ok",
                "reason": "",
                "township": "甲镇" if chainage < 1500 else "乙镇",
                "village": "一村" if offset > 0 else "二村",
            }
        )
    for k in range(invalid):
        records.append(
            {"序号": len(records) + 1, "名称": f"坏点{k}", "类型": "其他", "zone": None,
             "zone_level": np.nan, "lon": np.nan, "lat": np.nan, "source_type": "其他",
             "status": "invalid", "reason": "经度为空", "township": None, "village": None}
        )
    return pd.DataFrame.from_records(records)


def sample_sources() -> pd.DataFrame:
    """One source per zone and type, an injection payload in several columns."""
    rows = [
        ("化工厂甲", "工业企业", 300.0, 10.0),
        ("养猪场乙", "畜禽养殖", 800.0, 40.0),
        (PAYLOAD_IMG, "旅游餐饮", 1200.0, -60.0),
        (PAYLOAD_SCRIPT, "排污口", 1700.0, 120.0),
        ("垃圾点", "固体废物堆存", 2300.0, -200.0),
        ("远处农家乐", "旅游餐饮", 2600.0, 900.0),
    ]
    frame = classified(rows, invalid=2)
    frame.loc[1, "描述"] = PAYLOAD_SCRIPT
    frame.loc[2, "village"] = PAYLOAD_IMG
    return frame


def corridor_layers() -> dict[str, gpd.GeoDataFrame]:
    """A gap (line), a weak stand and forest (polygons), and two villages."""
    gaps = gpd.GeoDataFrame(
        {"gap_id": ["G1"], "bank": ["左岸"], "stake_from": ["K0+400"], "stake_to": ["K0+650"],
         "length_m": [250.0]},
        geometry=[LineString([(X0 + 400, Y0 + 60), (X0 + 650, Y0 + 60)])],
        crs=METRIC,
    )
    weak = gpd.GeoDataFrame(
        {"forest_id": ["F2"], "保存率": [0.55], "郁闭度": [0.3], "note": [PAYLOAD_IMG]},
        geometry=[box(X0 + 1000, Y0 + 25, X0 + 1200, Y0 + 120)],
        crs=METRIC,
    )
    forest = gpd.GeoDataFrame(
        {"forest_id": ["F1", "F2", "F3"], "树种": ["杨树", "柳树", "侧柏"]},
        geometry=[box(X0 + 0, Y0 + 25, X0 + 380, Y0 + 120),
                  box(X0 + 1000, Y0 + 25, X0 + 1200, Y0 + 120),
                  box(X0 + 0, Y0 - 120, X0 + 3000, Y0 - 25)],
        crs=METRIC,
    )
    admin = gpd.GeoDataFrame(
        {"township": ["甲镇", "乙镇"], "village": ["一村", PAYLOAD_SCRIPT]},
        geometry=[box(X0 - 100, Y0 - 1500, X0 + 1500, Y0 + 1500),
                  box(X0 + 1500, Y0 - 1500, X0 + 3100, Y0 + 1500)],
        crs=METRIC,
    )
    return {"gaps": gaps, "weak_stands": weak, "forest": forest, "admin": admin}


_DATA_BLOCK = re.compile(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', re.S)
_DATA_CALL = re.compile(r'GeoGuard\.(\w+)\(\w+,\s*GeoGuard\.data\("([\w-]+)"\)\)')


def data_blocks(page: str) -> dict[str, object]:
    """The JSON data blocks of a saved page, parsed, by element id."""
    return {key: json.loads(text) for key, text in _DATA_BLOCK.findall(page)}


def call_data(page: str, function: str) -> list[object]:
    """The data handed to each ``GeoGuard.<function>(map, data)`` call of a page."""
    blocks = data_blocks(page)
    return [blocks[key] for name, key in _DATA_CALL.findall(page) if name == function]


def full_map(canal: Canal, **options: object) -> folium.Map:
    """Every layer on the straight canal, base map none unless given."""
    options.setdefault("basemap", "none")
    return risk_map(canal, rules=uniform_rules(), sources=sample_sources(),
                    title=f"测试 {PAYLOAD_SCRIPT}", **corridor_layers(), **options)


# --------------------------------------------------------------------------- encoding


def test_json_for_script_cannot_end_the_script_element() -> None:
    text = json_for_script({"a": PAYLOAD_SCRIPT + "</SCRIPT><!-- &", "b": "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": PAYLOAD_SCRIPT + "</SCRIPT><!-- &", "b": "\u2028"}
    with pytest.raises(ValueError):
        json_for_script({"a": float("nan")})


def test_columns_are_encoded_in_the_smallest_form() -> None:
    repeated = encode_column(np.array(["左岸", "右岸", None, "左岸"], dtype=object))
    assert repeated == {"d": ["左岸", "右岸"], "s": "AB.A"}
    many = np.array([f"v{i % 70}" for i in range(200)], dtype=object)
    assert "c" in encode_column(many) and len(encode_column(many)["d"]) == 70
    unique = encode_column(np.array(["甲", "乙"], dtype=object))
    assert unique == {"v": ["甲", "乙"]}
    numbers = encode_column(np.array(["1.2", "3.0", None], dtype=object),
                            np.array([1.25, 3.0, np.nan]), 1)
    assert numbers == {"n": [1.2, 3.0, None], "p": 1}


def test_display_strings_format_known_columns_and_drop_empties() -> None:
    assert display_strings(pd.Series([12.345, np.nan]), "distance_m").tolist() == ["12.3", None]
    assert display_strings(pd.Series(["12.345", ""]), "distance_m").tolist() == ["12.3", None]
    assert display_strings(pd.Series([3.0, 4.0]), "x").tolist() == ["3", "4"]
    assert display_strings(pd.Series(["  ", "a", None]), "x").tolist() == [None, "a", None]
    assert display_strings(pd.Series([True, False])).tolist() == ["是", "否"]


def test_tables_use_chinese_labels_for_our_columns() -> None:
    table = encode_table(pd.DataFrame({"bank": ["左岸"], "联系人": ["赵某"]}), [0, 1])
    assert table["labels"] == ["岸别", "联系人"]


def test_integer_coordinates_round_trip_to_a_tenth_of_a_metre() -> None:
    lon = np.array([112.1234567, 112.5, 113.0000004])
    origin, steps = integer_coords(lon)
    assert np.allclose(origin + np.array(steps) * 1e-6, lon, atol=5.1e-7)


def test_every_type_has_a_shape_with_an_outline() -> None:
    assert set(TYPE_SHAPES) == set(SOURCE_TYPES)
    assert len(set(TYPE_SHAPES.values())) == len(SOURCE_TYPES)  # types told apart
    for shape in TYPE_SHAPES.values():
        verts = SHAPE_VERTICES[shape]
        assert verts is None or (len(verts) % 2 == 0 and len(verts) >= 6)


# --------------------------------------------------------------------------- layers


def test_risk_map_has_every_layer_with_its_feature_count(straight_canal: Canal) -> None:
    m = full_map(straight_canal)
    counts = {c.display_name: c.feature_count for c in m._children.values()
              if hasattr(c, "display_name")}
    assert counts["总干渠"] == 3
    assert counts["行政区划"] == 2 and counts["生态廊道林地"] == 3
    assert counts["生态廊道断档"] == 1 and counts["林分质量差地块"] == 1
    assert {"管理范围", "一级保护区", "二级保护区"} <= set(counts)
    sources = {k: v for k, v in counts.items() if k.startswith("风险源")}
    assert sum(sources.values()) == 6  # the 2 invalid rows are not drawn
    assert sources == {"风险源 · 保护区外": 1, "风险源 · 二级保护区": 2,
                       "风险源 · 一级保护区": 2, "风险源 · 管理范围": 1}
    state = map_state(m)
    headings = [h for h, _ in state.legend]
    assert headings[:3] == ["行政区划", "生态廊道", "保护区"]
    assert any("另有 2 处风险源坐标无效" in n for n in state.notes)


def test_canal_layer_has_a_stake_every_kilometre_and_arrows(straight_canal: Canal) -> None:
    m = make_map(basemap="none")
    layer = add_canal(m, straight_canal)
    spec = json.loads(layer.spec_json)
    assert [t[6] for t in spec["ticks"]] == [0.0, 1000.0, 2000.0, 3000.0]
    assert [a[6] for a in spec["arrows"]] == [500.0, 1500.0, 2500.0]
    lon, lat = TO_WGS.transform(X0 + 1000, Y0)
    assert spec["ticks"][1][:2] == pytest.approx([lon, lat], abs=1e-6)
    # the points before and after each place follow the flow (east here)
    assert all(t[4] > t[2] for t in spec["ticks"])
    assert spec["chain"]["ch"][0] == 0.0 and spec["chain"]["ch"][-1] == pytest.approx(3000.0)
    with pytest.raises(OptionError, match="tick_every_m"):
        add_canal(m, straight_canal, tick_every_m=0)


def test_repeated_input_coordinates_are_not_repeated_in_popups(straight_canal: Canal) -> None:
    frame = classified([("甲", "工业企业", 100.0, 10.0), ("乙", "工业企业", 200.0, 10.0)])
    frame["经度"] = frame["lon"].round(7)
    frame["纬度"] = frame["lat"].astype(str)
    frame["东经"] = ["112°31′45″", "112°31′46″"]
    layers = add_sources(make_map(basemap="none"), frame)
    labels = json.loads(layers[0].spec_json)["table"]["labels"]
    assert "经度" not in labels and "纬度" not in labels and "东经" in labels
    assert "名称" in labels and "保护区" in labels and "桩号" in labels


def test_sources_need_the_classified_columns() -> None:
    with pytest.raises(OptionError, match=r"lon, lat, zone_level.*classify"):
        add_sources(make_map(basemap="none"), pd.DataFrame({"经度": [112.0]}))
    with pytest.raises(OptionError, match="name column"):
        add_sources(make_map(basemap="none"), classified([("a", "其他", 1.0, 1.0)]),
                    name_column="nope")


def test_zones_need_a_level_and_layers_a_crs(straight_canal: Canal) -> None:
    zones = build_zones(straight_canal, uniform_rules(), crs="EPSG:4326")
    with pytest.raises(InputFileError, match="zone_level"):
        add_zones(make_map(basemap="none"), zones.drop(columns=["zone_level", "zone"]))
    by_name = add_zones(make_map(basemap="none"), zones.drop(columns=["zone_level"]))
    assert len(by_name) == 3
    no_crs = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])
    with pytest.raises(CRSMissingError, match="set_crs"):
        add_layer(make_map(basemap="none"), no_crs, name="x", style={})


def test_features_without_geometry_are_skipped() -> None:
    frame = gpd.GeoDataFrame({"a": [1, 2, 3]}, geometry=[box(0, 0, 1, 1), None, Point()],
                             crs="EPSG:4326")
    layer = add_layer(make_map(basemap="none"), frame, name="x", style={})
    assert layer.feature_count == 1


# --------------------------------------------------------------------------- escaping


def test_user_values_never_reach_the_page_as_markup(straight_canal: Canal) -> None:
    page = map_html(full_map(straight_canal))
    for payload in PAYLOADS:
        assert payload not in page
    assert "<img src=x" not in page and "<script>window.__pwned" not in page
    assert f"<title>测试 {html.escape(PAYLOAD_SCRIPT)}</title>" in page
    # the values are there, as JSON text for textContent
    assert json_for_script(PAYLOAD_IMG)[1:-1] in page


def test_layer_control_names_are_escaped() -> None:
    m = make_map(basemap="none")
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(112.5, 33.0)], crs="EPSG:4326")
    add_layer(m, frame, name=PAYLOAD_IMG, style={})
    add_controls(m)
    page = map_html(m)
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    assert PAYLOAD_IMG not in page and html.escape(PAYLOAD_IMG) in control.overlays


# --------------------------------------------------------------------------- base maps


def test_osm_map_offers_the_wgs84_base_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    m = add_controls(make_map())
    page = map_html(m, offline=False)
    assert "tile.openstreetmap.org" in page and "tianditu" not in page
    assert "autonavi" not in page
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    assert list(control.base_layers) == ["OpenStreetMap", "无底图 (离线)"]


def test_tianditu_needs_a_key_which_is_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(OptionError, match="tianditu-key"):
        make_map(basemap="tianditu-img")
    page = map_html(make_map(basemap="tianditu-img", tianditu_key='k"{z}<'))
    assert "tk=k%22%7Bz%7D%3C" in page and "img_w" in page and "cia_w" in page
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    assert "tk=abc123" in map_html(make_map(basemap="tianditu-vec"))


def test_amap_moves_overlays_to_gcj02_and_says_so(straight_canal: Canal) -> None:
    m = full_map(straight_canal, basemap="amap")
    state = map_state(m)
    assert state.offset == "gcj02" and any("GCJ-02" in n for n in state.notes)
    page = map_html(m)
    assert 'GeoGuard.useOffset(' in page and '"gcj02"' in page
    assert "tile.openstreetmap.org" not in page  # no WGS84 base map to switch to
    # the view is fitted to the GCJ-02 position of the data
    west, south, east, north = state.bounds
    gx, gy = wgs84_to_gcj02([west, east], [south, north])
    fit = re.search(r"fitBounds\(\s*\[\[([\d.]+), ([\d.]+)\]", page)
    assert fit and float(fit.group(1)) == pytest.approx(gy[0]) and float(fit.group(2)) == \
        pytest.approx(gx[0])


def test_base_map_errors() -> None:
    with pytest.raises(OptionError, match="unknown base map"):
        make_map(basemap="google")
    m = folium.Map(tiles=None)
    add_layer(m, gpd.GeoDataFrame(geometry=[Point(112, 33)], crs=4326), name="x", style={})
    with pytest.raises(OptionError, match="before the overlays"):
        add_basemap(m, "amap")
    m = make_map(basemap="osm")
    with pytest.raises(OptionError, match="already has a base map"):
        add_basemap(m, "none")
    assert set(BASEMAPS) == {"osm", "tianditu-vec", "tianditu-img", "amap", "amap-img", "none"}


def test_layers_go_onto_an_existing_map(straight_canal: Canal) -> None:
    m = folium.Map(location=[33, 114], tiles="OpenStreetMap")
    folium.Marker([33, 114], popup="mine").add_to(m)
    out = risk_map(straight_canal, rules=uniform_rules(), m=m)
    assert out is m and map_state(m).basemap is None
    page = map_html(m)
    assert "GeoGuard.canal(" in page and "L.marker(" in page


# --------------------------------------------------------------------------- assets


def test_offline_page_loads_nothing_from_the_network(straight_canal: Canal) -> None:
    offline = map_html(full_map(straight_canal))
    assert not re.search(r'<script[^>]+src="http', offline)
    assert not re.search(r'<link[^>]+href="http', offline)
    assert "L.Control.MiniMap" in offline and "L.Control.Measure" in offline
    online = map_html(full_map(straight_canal), offline=False)
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in online
    assert "bootstrap" not in online and "font-awesome" not in online
    assert len(online) < len(offline) - 300_000


def test_every_vendored_file_is_present_with_its_licence() -> None:
    for asset in ASSETS:
        code = read_static(asset.path)
        assert len(code) > 1000, asset.path
        assert "url(images" not in code and "url(icon-" not in code  # images inlined
        folder = (STATIC / asset.path).parent
        assert any(p.name.upper().startswith("LICENSE") for p in folder.iterdir()), folder
    assert (STATIC / "README.md").is_file()


def test_inline_assets_reports_unknown_links() -> None:
    page, remote = inline_assets(
        '<script src="https://example.org/a.js"></script>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>'
    )
    assert remote == ["https://example.org/a.js"] and "<style>" in page
    with pytest.raises(ValueError, match="cannot be inlined"):
        script_safe("a = '</script>'")


# --------------------------------------------------------------------------- writing


def test_save_map_is_atomic_and_html_only(tmp_path: Path, straight_canal: Canal) -> None:
    m = risk_map(straight_canal, rules=uniform_rules(), basemap="none")
    path = save_map(m, tmp_path / "map.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]
    with pytest.raises(OptionError, match=r"\.html"):
        save_map(m, tmp_path / "map.png")
    with pytest.raises(OutputError, match="does not exist"):
        save_map(m, tmp_path / "missing" / "map.html")


def test_split_maps_writes_safe_names_tables_and_an_index(
    tmp_path: Path, straight_canal: Canal
) -> None:
    sources = sample_sources()
    sources["township"] = ["../evil", "CON", "甲镇", "a\\b", "甲镇", "a/b", None, None]
    paths = split_maps(sources, tmp_path / "maps", by="township", canal=straight_canal,
                       rules=uniform_rules(), basemap="none", **corridor_layers())
    names = sorted(p.name for p in paths)
    assert names == sorted(["_evil.html", "_CON.html", "a_b.html", "a_b-2.html", "甲镇.html",
                            "未归属乡镇.html", "index.html"])
    assert all(p.parent == tmp_path / "maps" for p in paths)
    index = (tmp_path / "maps" / "index.html").read_text(encoding="utf-8")
    assert "../evil" in html.unescape(index) and 'href="_evil.html"' in index
    assert 'href="%E7%94%B2%E9%95%87.html"' in index  # 甲镇, quoted
    page = (tmp_path / "maps" / "甲镇.html").read_text(encoding="utf-8")
    [table] = call_data(page, "sourcesTable")
    assert table["id"] == "gg-sources-table" and len(table["rows"]) == 2
    assert all(row["layer"].startswith("风险源") for row in table["rows"])
    assert PAYLOAD_IMG not in page
    # name and village of one row: carried as data, exactly
    assert sum(row["cells"].count(PAYLOAD_IMG) for row in table["rows"]) == 2
    unplaced = (tmp_path / "maps" / "未归属乡镇.html").read_text(encoding="utf-8")
    [table] = call_data(unplaced, "sourcesTable")
    assert [row["layer"] for row in table["rows"]] == [None, None]


def test_split_by_village_keeps_same_names_of_two_townships_apart(
    tmp_path: Path, straight_canal: Canal
) -> None:
    sources = classified([("a", "工业企业", 500.0, 10.0), ("b", "工业企业", 2500.0, 10.0)])
    paths = split_maps(sources, tmp_path, by="village", canal=straight_canal, basemap="none")
    assert sorted(p.name for p in paths) == ["index.html", "乙镇·一村.html", "甲镇·一村.html"]
    with pytest.raises(OptionError, match="township or village"):
        split_maps(sources, tmp_path, by="county")
    with pytest.raises(OptionError, match="no village column"):
        split_maps(sources.drop(columns="village"), tmp_path, by="village")


# --------------------------------------------------------------------------- CLI


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_map_classifies_a_raw_list_and_draws_every_layer(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    code, stdout, _ = run(
        "map", "--canal", str(SAMPLE / "canal.geojson"),
        "--rules", str(SAMPLE / "zone_rules.example.toml"),
        "--sources", str(SAMPLE / "risk_sources.csv"),
        "--forest", str(SAMPLE / "forest.geojson"),
        "--admin", str(SAMPLE / "villages.geojson"), "--basemap", "none", "-o", str(out),
    )
    assert code == 0, stdout
    assert "风险源 · 一级保护区" in stdout and "生态廊道林地" in stdout
    assert "map written to" in stdout and str(out.resolve()) in stdout.replace("\n", "")
    page = out.read_text(encoding="utf-8")
    assert "GeoGuard.points(" in page and not re.search(r'<script[^>]+src="http', page)


def test_cli_map_reads_classified_output_and_splits(tmp_path: Path) -> None:
    classified_xlsx = tmp_path / "rs.xlsx"
    code, _, _ = run("classify", str(SAMPLE / "risk_sources.csv"),
                     "--canal", str(SAMPLE / "canal.geojson"),
                     "--rules", str(SAMPLE / "zone_rules.example.toml"),
                     "--admin", str(SAMPLE / "townships.geojson"), "-o", str(classified_xlsx))
    assert code == 0
    code, stdout, _ = run("map", "--sources", str(classified_xlsx), "--split-by", "township",
                          "--basemap", "none", "--cdn", "-o", str(tmp_path / "maps"))
    assert code == 0, stdout
    assert (tmp_path / "maps" / "index.html").is_file() and "按乡镇分幅" in stdout
    assert len(list((tmp_path / "maps").glob("*.html"))) >= 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.html"], "nothing to draw"),
        (["--rules", "r.toml", "--admin", "a.gpkg", "-o", "x.html"], "--rules needs --canal"),
        (["--admin", "a.gpkg", "-o", "x.png"], "written as .html"),
        (["--admin", "a.gpkg", "--split-by", "village", "-o", "x.html"], "is a folder"),
        (["--admin", "a.gpkg", "--split-by", "village", "-o", "maps"], "needs --sources"),
    ],
)
def test_cli_map_option_errors(args: list[str], message: str) -> None:
    code, _, stderr = run("map", *args)
    assert code == 2 and message in stderr


def test_cli_map_refuses_an_unclassified_list_without_a_canal(tmp_path: Path) -> None:
    code, _, stderr = run("map", "--sources", str(SAMPLE / "risk_sources.csv"),
                          "-o", str(tmp_path / "m.html"))
    assert code == 2 and "not classified" in stderr


def test_cli_map_help_names_the_chinese_terms() -> None:
    code, stdout, _ = run("map", "--help")
    assert code == 0
    for word in ("底图", "高德", "天地图", "分幅", "--split-by", "--cdn"):
        assert word in stdout


def test_tiny_frames_helper_is_consistent(straight_canal: Canal) -> None:
    # The hand-made frames follow the canal: level by distance, stake by chainage.
    frame = classified([("a", "工业企业", 1234.0, -30.0)])
    assert frame.loc[0, "stake"] == "K1+234" and frame.loc[0, "zone_level"] == 1
    lon, lat = frame.loc[0, ["lon", "lat"]]
    x, y = pyproj.Transformer.from_crs(4326, METRIC, always_xy=True).transform(lon, lat)
    assert (x - X0, y - Y0) == pytest.approx((1234.0, -30.0), abs=1e-6)
    assert straight_canal.stake(1234.0) == "K1+234"


def test_first_view_leaves_out_points_far_from_the_canal() -> None:
    from geo_guard.maps.compose import make_map
    from geo_guard.maps.elements import map_state
    from geo_guard.maps.layers import add_sources

    near = classified([("近", "养猪场", 500.0, 30.0), ("近2", "饭店", 2500.0, -40.0)])
    far = classified([("远", "饭店", 1000.0, 60_000.0)])
    m = make_map(basemap="none")
    add_sources(m, pd.concat([near, far], ignore_index=True))
    _, south, _, north = map_state(m).bounds
    assert north < far["lat"].iloc[0] - 0.3  # 60 km north is not in the first view
    assert south <= near["lat"].min() and north >= near["lat"].max()


def test_split_maps_takes_classify_output_with_invalid_rows(tmp_path: Path) -> None:
    # classify() gives zone_level as nullable Int64: <NA> on invalid rows
    from geo_guard import Canal, classify, load_rules
    sample = Path(__file__).resolve().parents[1] / "data" / "boundaries"
    canal = Canal.from_file(sample / "canal.geojson")
    table = pd.DataFrame({"名称": ["甲", "乙"], "经度": ["112.30", ""], "纬度": ["33.00", ""],
                          "乡镇": ["示意镇甲", "示意镇甲"]})
    sources = classify(table, canal, load_rules(sample / "zone_rules.example.toml"))
    assert sources["zone_level"].isna().tolist() == [False, True]
    paths = split_maps(sources, tmp_path, by="township", basemap="none")
    assert paths[-1].name == "index.html" and len(paths) == 2
