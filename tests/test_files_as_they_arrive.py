"""Issue 11, files as they arrive: distances to the edge and the zone's outer line, far
points, the GCJ-02 hint, feature selection, one CRS option name per input, the admin
name column, source types, the rows-to-check sheet, and the CLI around them.

Expected numbers are worked out by hand on straight canals in EPSG:4547, or come from
an independent construction (plain shapely distances to plain buffers).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point, box

from geo_guard import Canal, classify
from geo_guard._errors import InputFileError, OptionError
from geo_guard.classification import summarise
from geo_guard.cli import main
from geo_guard.crs import wgs84_to_gcj02
from geo_guard.crs.transform import looks_like_datav
from geo_guard.io.where import select_features
from geo_guard.maps.elements import SHAPE_VERTICES, TYPE_SHAPES
from geo_guard.maps.layers import FAR_LABEL, add_sources
from geo_guard.reports.classification import CHECK_SHEET, classification_sheets
from geo_guard.vocabulary.source_types import SOURCE_TYPES, normalise_source_types
from geo_guard.zones.admin import admin_areas
from geo_guard.zones.build import build_zones
from geo_guard.zones.rules import rules_from_text

from .conftest import (
    METRIC,
    SAMPLE,
    X0,
    Y0,
    government_form,
    line_frame,
    shared_file,
    uniform_rules,
)

TO_WGS = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True)
CANAL = str(SAMPLE / "canal.geojson")
RULES = str(SAMPLE / "zone_rules.example.toml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def table_of(points: list[tuple[float, float]], **extra: list) -> pd.DataFrame:
    """Points relative to (X0, Y0) in EPSG:4547 as a lon/lat table."""
    lon, lat = TO_WGS.transform([X0 + x for x, _ in points], [Y0 + y for _, y in points])
    return pd.DataFrame({"名称": [f"p{i}" for i in range(len(points))], "经度": lon, "纬度": lat,
                         **extra})


# ------------------------------------------------------------------ edge and zone lines
def test_distances_to_the_edge_and_the_zone_line_by_hand(straight_canal: Canal) -> None:
    # Edge 20 m, first 50 m, second 150 m: lines at 20, 70 and 220 m from the centerline.
    points = [(500, 10), (1500, -45), (2500, 100), (1000, -300), (1500, 500)]
    out = classify(table_of(points), straight_canal, uniform_rules(edge=20, first=50,
                                                                   second=150))
    assert out["zone_level"].tolist() == [0, 1, 2, 9, 9]
    # |distance - edge|: 10, 25, 80, 280, 480
    assert out["edge_distance_m"].to_numpy() == pytest.approx([10, 25, 80, 280, 480], abs=1e-3)
    # its own zone's outer line: 20-10, 70-45, 220-100; outside: the outermost (220 m) line
    assert out["zone_boundary_m"].to_numpy() == pytest.approx([10, 25, 120, 80, 280], abs=1e-3)
    assert list(out.columns[5:8]) == ["distance_m", "edge_distance_m", "zone_boundary_m"]


def test_per_bank_and_per_segment_widths_by_hand() -> None:
    canal = Canal.from_frame(line_frame([(0, 0), (1000, 0)], [(1000, 0), (2000, 0)],
                                        segment_id=["A", "B"], edge_left_m=[30.0, 30.0],
                                        edge_right_m=[40.0, 40.0]))
    rules = rules_from_text("""
[defaults]
edge_m = 10
[[rules]]
name = "B"
match = { segment_id = "B" }
widths = { first = 100, second = 300 }
[[rules]]
name = "rest"
default = true
widths = { first = 50, second = 150 }
widths_right = { first = 60, second = 200 }
""")
    # A left: 30 | 80 | 230; A right: 40 | 100 | 300; B left 30 | 130 | 430; B right 40 | 140 | 440
    points = [(500, 50), (500, -50), (500, -250), (1500, 200), (1500, -500)]
    out = classify(table_of(points), canal, rules)
    assert out["zone_level"].tolist() == [1, 1, 2, 2, 9]
    assert out["edge_distance_m"].to_numpy() == pytest.approx([20, 10, 210, 170, 460], abs=1e-3)
    assert out["zone_boundary_m"].to_numpy() == pytest.approx([30, 50, 50, 230, 60], abs=1e-3)


def test_given_zone_polygons_are_measured_to_their_lines(straight_canal: Canal) -> None:
    rules = uniform_rules(edge=20, first=50, second=150)
    zones = build_zones(straight_canal, rules)
    points = [(500, 10), (1500, -45), (2500, 100), (1000, -300)]
    from_rules = classify(table_of(points), straight_canal, rules)
    from_file = classify(table_of(points), straight_canal, zones=zones)
    for column in ("edge_distance_m", "zone_boundary_m"):
        assert from_file[column].to_numpy() == pytest.approx(
            from_rules[column].to_numpy(), abs=0.05)  # the polygons' arcs are segmented
    # Independent: plain shapely to the plain 220 m buffer's outline.
    line = shapely.LineString([(X0, Y0), (X0 + 3000, Y0)])
    outline = line.buffer(220).exterior
    assert from_file["zone_boundary_m"].iloc[3] == pytest.approx(
        Point(X0 + 1000, Y0 - 300).distance(outline), abs=0.05)
    # Polygons without a management area: no edge distance.
    no_edge = classify(table_of(points), straight_canal, zones=zones[zones["zone_level"] > 0])
    assert no_edge["edge_distance_m"].isna().all()


def test_given_zone_polygons_distances_are_plain_shapely_distances(bent_canal: Canal) -> None:
    """Many points around a bent canal with a 50° turn, measured to given zone polygons:
    each distance is GEOS's distance from the point to the outline of the levels up to
    its own (to the outermost outline outside every zone), and to the management edge."""
    zones = build_zones(bent_canal, uniform_rules(edge=20, first=50, second=150),
                        crs=bent_canal.metric_crs)
    rng = np.random.default_rng(5)
    xmin, ymin, xmax, ymax = zones.total_bounds
    xy = np.column_stack([rng.uniform(xmin - 300, xmax + 300, 3000),
                          rng.uniform(ymin - 300, ymax + 300, 3000)])
    xy = np.vstack([xy, shapely.get_coordinates(zones.geometry.values)[::7]])  # on vertices
    table = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    out = classify(table, bent_canal, zones=zones, crs=bent_canal.metric_crs)
    points = shapely.points(out["lon"], out["lat"])  # where classify placed them, back in metres
    points = gpd.GeoSeries(points, crs=4326).to_crs(bent_canal.metric_crs).values
    outline = {level: shapely.union_all(zones.geometry[zones["zone_level"] <= level].values
                                        ).boundary for level in (0, 1, 2)}
    outline[9] = outline[2]
    expected_zone = [shapely.distance(p, outline[int(lvl)])
                     for p, lvl in zip(points, out["zone_level"], strict=True)]
    expected_edge = shapely.distance(points, outline[0])
    assert out["zone_boundary_m"].to_numpy() == pytest.approx(expected_zone, abs=1e-6)
    assert out["edge_distance_m"].to_numpy() == pytest.approx(expected_edge, abs=1e-6)
    assert set(out["zone_level"]) == {0, 1, 2, 9}


def test_a_polygon_source_measures_from_where_it_comes_nearest(straight_canal: Canal) -> None:
    rules = uniform_rules(edge=20, first=50, second=150)
    farm = gpd.GeoDataFrame({"名称": ["猪场"]}, geometry=[box(X0 + 900, Y0 + 100,
                                                          X0 + 1100, Y0 + 400)], crs=METRIC)
    out = classify(farm, straight_canal, rules)
    assert out["zone_level"].iloc[0] == 2 and out["distance_m"].iloc[0] == pytest.approx(100)
    assert out["edge_distance_m"].iloc[0] == pytest.approx(80)
    assert out["zone_boundary_m"].iloc[0] == pytest.approx(120)


def test_invalid_rows_have_no_distances(straight_canal: Canal) -> None:
    out = classify(pd.DataFrame({"经度": ["不详"], "纬度": [33.0]}), straight_canal,
                   uniform_rules())
    assert out[["edge_distance_m", "zone_boundary_m"]].isna().all().all()


# ------------------------------------------------------------------------ far points
def test_far_points_are_listed_and_drawn_apart(straight_canal: Canal) -> None:
    out = classify(table_of([(100, 10), (0, 80_000), (200, 30)], 序号=[11, 12, 13]),
                   straight_canal, uniform_rules())
    assert out["status"].tolist() == ["ok", "far", "ok"]
    check = classification_sheets(out)[CHECK_SHEET]
    assert check["序号"].tolist() == [12] and check["状态"].iloc[0].startswith("待核实")
    assert check["距中心线(km)"].iloc[0] == pytest.approx(80.0)
    import folium

    layers = add_sources(folium.Map(tiles=None), out)
    names = [layer.display_name for layer in layers]
    assert names[-1] == f"风险源 · {FAR_LABEL}"
    assert layers[-1].source_rows.tolist() == [1]
    assert sum(len(layer.source_rows) for layer in layers[:-1]) == 2


# ------------------------------------------------------------------------- GCJ-02 hint
@pytest.fixture
def north_canal() -> Canal:
    """A 6 km straight canal flowing north near 114°E 33°N (GCJ-02 shifts it sideways)."""
    return Canal.from_frame(line_frame([(0, 0), (0, 3000)], [(0, 3000), (0, 6000)],
                                       segment_id=["A", "B"]))


def true_points(n: int = 40, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Risk sources within 250 m of the north canal, on both banks (WGS84)."""
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(-250, 250, n)
    y = Y0 + rng.uniform(200, 5800, n)
    lon, lat = TO_WGS.transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def test_gcj02_points_read_as_wgs84_give_the_hint(north_canal: Canal) -> None:
    lon, lat = true_points()
    glon, glat = wgs84_to_gcj02(lon, lat)
    rules = uniform_rules()
    out = classify(pd.DataFrame({"经度": glon, "纬度": glat}), north_canal, rules)
    [hint] = out.attrs["notes"]
    assert "--sources-crs gcj02" in hint and "GCJ-02" in hint
    # Told the truth, the same points give no hint and land where the true points are.
    fixed = classify(pd.DataFrame({"经度": glon, "纬度": glat}), north_canal, rules,
                     crs="gcj02")
    assert fixed.attrs["notes"] == []
    truth = classify(pd.DataFrame({"经度": lon, "纬度": lat}), north_canal, rules)
    assert truth.attrs["notes"] == []  # correct WGS84 points: no hint
    assert fixed["distance_m"].to_numpy() == pytest.approx(truth["distance_m"].to_numpy(),
                                                           abs=1.0)


@pytest.mark.parametrize("seed", range(5))
def test_no_hint_for_true_points_on_one_bank_or_both(north_canal: Canal, seed: int) -> None:
    lon, lat = true_points(seed=seed)
    for side in (lon, ):  # both banks
        out = classify(pd.DataFrame({"经度": side, "纬度": lat}), north_canal, uniform_rules())
        assert out.attrs["notes"] == []
    # Only the west bank, within 250 m (the offset moves points east, across the canal).
    rng = np.random.default_rng(seed)
    x = X0 - rng.uniform(5, 250, 30)
    y = Y0 + rng.uniform(200, 5800, 30)
    west_lon, west_lat = TO_WGS.transform(x, y)
    out = classify(pd.DataFrame({"经度": west_lon, "纬度": west_lat}), north_canal,
                   uniform_rules())
    assert out.attrs["notes"] == []


def test_gcj02_hint_on_the_sample_canal_in_the_cli(tmp_path: Path) -> None:
    canal = Canal.from_file(CANAL)
    rng = np.random.default_rng(3)
    chainage = rng.uniform(96_000, 128_000, 30)
    on_line = canal.point_at(chainage)
    x = np.array([p.x for p in on_line]) + rng.uniform(-150, 150, 30)
    y = np.array([p.y for p in on_line]) + rng.uniform(-150, 150, 30)
    lon, lat = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True).transform(
        x, y)
    glon, glat = wgs84_to_gcj02(lon, lat)
    path = tmp_path / "高德取点.csv"
    pd.DataFrame({"名称": [f"点{i}" for i in range(30)], "经度": glon, "纬度": glat}).to_csv(
        path, index=False, encoding="utf-8-sig")
    code, out, err = run("classify", str(path), "--canal", CANAL, "--rules", RULES, "-o",
                         str(tmp_path / "out.xlsx"))
    assert code == 0, err
    assert "--sources-crs gcj02" in " ".join(out.split())
    notes = openpyxl.load_workbook(tmp_path / "out.xlsx")["读取说明"]
    assert any("gcj02" in str(row[0]) for row in notes.iter_rows(values_only=True))
    code, out, err = run("classify", str(path), "--canal", CANAL, "--rules", RULES,
                         "--sources-crs", "gcj02", "-o", str(tmp_path / "fixed.csv"))
    assert code == 0 and "sources-crs gcj02" not in " ".join(out.split())


def test_gcj02_hint_on_the_real_centerline() -> None:
    canal = Canal.from_file(shared_file("snwd_middle_route_centerline_osm_wgs84.geojson"))
    rng = np.random.default_rng(11)
    on_line = canal.point_at(rng.uniform(2_000, 110_000, 60))
    x = np.array([p.x for p in on_line]) + rng.uniform(-200, 200, 60)
    y = np.array([p.y for p in on_line]) + rng.uniform(-200, 200, 60)
    lon, lat = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True).transform(
        x, y)
    rules = uniform_rules(edge=40, first=50, second=500)
    assert classify(pd.DataFrame({"lon": lon, "lat": lat}), canal, rules).attrs["notes"] == []
    glon, glat = wgs84_to_gcj02(lon, lat)
    out = classify(pd.DataFrame({"lon": glon, "lat": glat}), canal, rules)
    assert len(out.attrs["notes"]) == 1


# -------------------------------------------------------------------- picking features
def test_select_features_language() -> None:
    frame = pd.DataFrame({"adcode": [411302, 411303, "411304"],
                          "name": ["宛城区", "卧龙区", "示意 区"], "pop": [1.5, 2.5, 3.5]})
    assert select_features(frame, "adcode = 411303")["name"].tolist() == ["卧龙区"]
    assert select_features(frame, "adcode = '411304'").index.tolist() == [2]  # text or number
    assert select_features(frame, "name = 卧龙区 或 pop >= 3").index.tolist() == [1, 2]
    assert select_features(frame, "`name` like '%城%'").index.tolist() == [0]
    assert select_features(frame, 'name not in ("宛城区", 卧龙区)').index.tolist() == [2]
    assert select_features(frame, "adcode != 411302 and pop < 3").index.tolist() == [1]
    assert select_features(frame, "ADCODE <> 411302 AND name = '示意 区'").index.tolist() == [2]
    assert select_features(frame, None) is frame
    with pytest.raises(OptionError, match="no column 'code'; the columns are: adcode"):
        select_features(frame, "code = 1", "--clip-where")
    with pytest.raises(OptionError, match="no feature matches; some values of 'adcode'"):
        select_features(frame, "adcode = 1")
    with pytest.raises(OptionError, match="unknown operator"):
        select_features(frame, "adcode ~ 1")
    with pytest.raises(OptionError, match="needs a number"):
        select_features(frame, "pop > many")
    hostile = pd.DataFrame({"name": ["{{7*7}}", "<script>"]})
    assert select_features(hostile, "name = '{{7*7}}'").index.tolist() == [0]


def gcj02_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same polygons with GCJ-02 coordinates (as AMap/DataV files hold them)."""
    wgs = frame.to_crs(4326)
    out = wgs.copy()
    out["geometry"] = shapely.transform(
        wgs.geometry.values, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    return out


def test_clip_in_gcj02_picked_by_where_is_converted(tmp_path: Path) -> None:
    study = gpd.read_file(SAMPLE / "study_area.geojson")
    other = study.copy()
    other["geometry"] = other.geometry.translate(5.0, 5.0)  # far away
    both = pd.concat([study.assign(adcode=411303), other.assign(adcode=411302)],
                     ignore_index=True)
    gcj = gcj02_frame(gpd.GeoDataFrame(both, crs=study.crs))
    gcj_path = tmp_path / "districts_gcj02.geojson"
    gcj.to_file(gcj_path)
    reference = tmp_path / "ref.gpkg"
    code, _ref_out, err = run("zones", "--canal", CANAL, "--rules", RULES, "--clip",
                             str(SAMPLE / "study_area.geojson"), "-o", str(reference))
    assert code == 0, err
    target = tmp_path / "zones.gpkg"
    code, out, err = run("zones", "--canal", CANAL, "--rules", RULES, "--clip", str(gcj_path),
                         "--clip-crs", "gcj02", "--clip-where", "adcode = 411303", "-o",
                         str(target))
    assert code == 0, err
    a = gpd.read_file(reference, layer="zones")["area_m2"].sum()
    b = gpd.read_file(target, layer="zones")["area_m2"].sum()
    assert b == pytest.approx(a, rel=1e-4)  # converted back to within a metre or so
    assert "K100+500 – K124+019" in " ".join(out.split())
    code, _, err = run("zones", "--canal", CANAL, "--rules", RULES, "--clip", str(gcj_path),
                       "--clip-where", "adcode = 1", "-o", str(tmp_path / "x.gpkg"))
    assert code == 2 and err.startswith("error: --clip-where 'adcode = 1': no feature matches")


def test_real_datav_districts_in_gcj02() -> None:
    gcj = gpd.read_file(shared_file("nanyang_districts_datav_gcj02.geojson"))
    wgs = gpd.read_file(shared_file("nanyang_districts_datav_wgs84.geojson"))
    assert looks_like_datav(gcj) and not looks_like_datav(wgs)
    from geo_guard.crs import with_input_crs

    converted = with_input_crs(select_features(gcj, "adcode = 411303"), "gcj02", "datav")
    truth = select_features(wgs, "name = 卧龙区")
    metric = "EPSG:4546"
    a = converted.to_crs(metric).geometry.iloc[0]
    b = truth.to_crs(metric).geometry.iloc[0]
    assert a.symmetric_difference(b).area / b.area < 1e-3


def test_datav_clip_without_its_crs_is_warned(tmp_path: Path) -> None:
    study = gpd.read_file(SAMPLE / "study_area.geojson")
    datav = gcj02_frame(study).assign(adcode=411303, centroid="[0,0]", childrenNum=0,
                                      acroutes="[100000]")
    centre = study.to_crs(4326).geometry.iloc[0].centroid
    glon, glat = wgs84_to_gcj02(centre.x, centre.y)
    datav["centroid"] = [[float(glon), float(glat)]]
    path = tmp_path / "datav.geojson"
    datav.to_file(path)
    code, _, err = run("zones", "--canal", CANAL, "--rules", RULES, "--clip", str(path), "-o",
                       str(tmp_path / "z.gpkg"))
    assert code == 0 and "looks like an Aliyun DataV / AMap export" in " ".join(err.split())
    code, _, err = run("zones", "--canal", CANAL, "--rules", RULES, "--clip", str(path),
                       "--clip-crs", "gcj02", "-o", str(tmp_path / "z.gpkg"))
    assert code == 0 and "DataV" not in err  # converted: its centre no longer on centroid


# ------------------------------------------------------------------ admin name column
def test_admin_name_column(straight_canal: Canal, tmp_path: Path) -> None:
    lon0, lat0 = TO_WGS.transform(X0 - 500, Y0 - 1000)
    lon1, lat1 = TO_WGS.transform(X0 + 3500, Y0 + 1000)
    towns = gpd.GeoDataFrame({"name": ["甲镇"], "adcode": [1]},
                             geometry=[box(lon0, lat0, lon1, lat1)], crs=4326)
    out = classify(table_of([(500, 10)]), straight_canal, uniform_rules(),
                   admin=admin_areas(towns, "name"))
    assert out["township"].tolist() == ["甲镇"]
    villages = towns.assign(乡镇=["甲镇"], name=["一村"])
    assert {"village", "乡镇"} <= set(admin_areas(villages, "name").columns)  # 乡镇 is there
    with pytest.raises(InputFileError, match=r"--admin-name-col 'NAME'.*it has: name, adcode"):
        admin_areas(towns, "NAME")


def test_cli_admin_name_col_and_where(tmp_path: Path) -> None:
    villages = gpd.read_file(SAMPLE / "villages.geojson")
    town_column = next(c for c in villages.columns if c in ("township", "乡镇"))
    renamed = villages.rename(columns={town_column: "name"}).drop(
        columns=[c for c in villages.columns if c in ("village", "行政村")])
    admin_path = tmp_path / "towns.geojson"
    renamed.to_file(admin_path)
    first = str(renamed["name"].iloc[0])
    out_path = tmp_path / "out.csv"
    code, _, err = run("classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL,
                       "--rules", RULES, "--admin", str(admin_path), "--admin-name-col",
                       "name", "--admin-where", f"name = '{first}'", "--headers", "en",
                       "-o", str(out_path))
    assert code == 0, err
    towns = set(pd.read_csv(out_path, encoding="utf-8-sig")["township"].dropna())
    assert towns == {first}


# -------------------------------------------------------------------- CLI option names
def test_crs_options_have_one_name_and_keep_the_old_one(tmp_path: Path) -> None:
    for command in ("zones", "classify", "corridor"):
        code, out, _ = run(command, "--help")
        assert "--canal-crs" in out and "--crs " not in out and "--crs," not in out
    code, out, _ = run("classify", "--help")
    assert "--sources-crs" in out and "--admin-crs" in out and "--admin-name-col" in out
    code, out, _ = run("zones", "--help")
    assert "--clip-crs" in out and "--clip-where" in out
    code, out, _ = run("map", "--help")
    for option in ("--calibration", "--ends", "--metric-crs", "--forest-crs", "--admin-crs"):
        assert option in out
    # The old spellings still work: zones --crs (the canal's), classify --crs (the sources').
    code, _, err = run("zones", "--canal", CANAL, "--rules", RULES, "--crs", "wgs84", "-o",
                       str(tmp_path / "z.gpkg"))
    assert code == 0, err
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for flag, target in (("--crs", a), ("--sources-crs", b)):
        code, _, err = run("classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL,
                           "--rules", RULES, flag, "gcj02", "-o", str(target))
        assert code == 0, err
    assert a.read_bytes() == b.read_bytes()


def test_classify_with_zones_and_no_rules(tmp_path: Path) -> None:
    zones = tmp_path / "zones.gpkg"
    assert run("zones", "--canal", CANAL, "--rules", RULES, "-o", str(zones))[0] == 0
    out_path = tmp_path / "out.csv"
    code, _, err = run("classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL,
                       "--zones", str(zones), "--headers", "en", "-o", str(out_path))
    assert code == 0, err
    with_zones = pd.read_csv(out_path, encoding="utf-8-sig")
    code, _, err = run("classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL,
                       "--rules", RULES, "--headers", "en", "-o", str(out_path))
    with_rules = pd.read_csv(out_path, encoding="utf-8-sig")
    assert with_zones["zone_level"].equals(with_rules["zone_level"])
    code, _, err = run("classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL,
                       "-o", str(out_path))
    assert code == 2 and err.startswith("error: no zones: give --rules")


# ------------------------------------------------------------------ forms through the CLI
def test_classify_a_government_form_with_every_sheet(tmp_path: Path) -> None:
    canal = Canal.from_file(CANAL)
    to_wgs = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True)
    points = [p.coords[0] for p in canal.point_at([100_000.0, 101_000.0, 102_000.0])]
    lonlat = [to_wgs.transform(x, y + 80) for x, y in points]
    path = government_form(tmp_path / "各乡镇.xlsx", {"示意镇甲": lonlat[:2],
                                                     "示意镇乙": lonlat[2:]},
                           unreadable_row=True)
    out_path = tmp_path / "out.xlsx"
    code, out, err = run("classify", str(path), "--canal", CANAL, "--rules", RULES, "--sheet",
                         "all", "-o", str(out_path))
    assert code == 0, err
    text = " ".join(out.split())
    assert "sheet 示意镇甲 row 7:" in text and "sheet 示意镇乙 row 6:" in text
    assert "第 8 行为表注" in text
    book = openpyxl.load_workbook(out_path)
    result = list(book["分类结果"].iter_rows(values_only=True))
    assert result[0][:6] == ("工作表", "序号", "乡镇（街道）", "名称", "经度", "纬度")
    assert [r[2] for r in result[1:]] == ["示意镇甲"] * 3 + ["示意镇乙"] * 2  # filled down
    check = list(book[CHECK_SHEET].iter_rows(values_only=True))
    assert check[0][:5] == ("工作表", "行号", "序号", "乡镇（街道）", "名称")
    assert [r[:2] for r in check[1:]] == [("示意镇甲", 7), ("示意镇乙", 6)]
    notes = [r[0] for r in book["读取说明"].iter_rows(values_only=True)]
    assert "示意镇甲: 填报单位：示意镇甲" in notes
    # --header-row on the same form: the second header row is still found.
    code, _, err = run("classify", str(path), "--canal", CANAL, "--rules", RULES,
                       "--sheet", "示意镇乙", "--header-row", "3", "-o",
                       str(tmp_path / "b.csv"))
    assert code == 0, err
    code, _, err = run("classify", str(SAMPLE / "canal.geojson"), "--canal", CANAL, "--rules",
                       RULES, "--header-row", "3", "-o", str(tmp_path / "c.csv"))
    assert code == 2 and "--header-row are for tables" in err


# ---------------------------------------------------------------------- map options
def test_map_split_by_the_forms_township_header(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    canal = Canal.from_file(CANAL)
    to_wgs = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True)
    rows = []
    for k, chainage in enumerate((100_000.0, 110_000.0)):
        x, y = canal.point_at([chainage])[0].coords[0]
        lon, lat = to_wgs.transform(x, y + 100)
        rows.append({"乡镇（街道）": ["百里奚街道", "溧河乡"][k], "名称": f"点{k}", "经度": lon,
                     "纬度": lat})
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    calibration = tmp_path / "stakes.geojson"
    x, y = canal.point_at([100_000.0])[0].coords[0]
    gpd.GeoDataFrame({"stake": ["K200+000"]}, geometry=[Point(x, y)],
                     crs=canal.metric_crs).to_file(calibration)
    folder = tmp_path / "maps"
    code, _out, err = run("map", "--canal", CANAL, "--rules", RULES, "--sources", str(path),
                         "--split-by", "乡镇（街道）", "--calibration", str(calibration),
                         "--ends", "flat", "--metric-crs", "utm", "--basemap", "none",
                         "-o", str(folder))
    assert code == 0, err
    assert sorted(p.name for p in folder.glob("*.html")) == ["index.html", "溧河乡.html",
                                                            "百里奚街道.html"]
    page = (folder / "百里奚街道.html").read_text(encoding="utf-8")
    assert "K200+036" in page and "K100+036" not in page  # stakes follow the calibration
    code, _, err = run("map", "--sources", str(path), "--canal", CANAL, "--rules", RULES,
                       "--split-by", "county", "-o", str(folder))
    assert code == 2 and "--split-by must be township or village" in err


# --------------------------------------------------------------------- source types
@pytest.mark.parametrize(("text", "category"), [
    ("水产养殖", "水产养殖"), ("鱼塘", "水产养殖"), ("养鱼场", "水产养殖"),
    ("fish farm", "水产养殖"),
    ("网箱养鱼", "网箱养殖"), ("养猪场", "畜禽养殖"), ("养殖场", "畜禽养殖"),
    ("河道采砂", "采砂"), ("砂石料场", "采砂"), ("洗砂厂", "采砂"),
    ("乡镇卫生院", "医疗机构"), ("个体诊所", "医疗机构"), ("医院排污口", "排污口"),
    ("宠物美容", "其他"),
])
def test_source_types(text: str, category: str) -> None:
    assert normalise_source_types([text]).tolist() == [category]


def test_every_category_has_its_own_shape_and_a_row_in_the_readme() -> None:
    assert len(set(TYPE_SHAPES.values())) == len(SOURCE_TYPES)
    for shape in ("fish", "mound", "heart"):  # the outlines added for the new categories
        assert shapely.Polygon(np.reshape(SHAPE_VERTICES[shape], (-1, 2))).is_valid
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| 归类 category |"):]
    for category in SOURCE_TYPES:
        assert f"| {category} |" in table


def test_summary_rows_to_check_without_a_file(straight_canal: Canal) -> None:
    out = classify(table_of([(100, 10), (0, 90_000)]).assign(序号=[5, 6]), straight_canal,
                   uniform_rules())
    found = summarise(out)["invalid"]
    assert found["row"].tolist() == [2] and found.index.tolist() == [1]
