"""Audit of markers, fences and crossings (标志及隔离防护设施): boundaries, marker spacing,
turning points, entries with signs and facilities, fence gaps, the sample's planted
defects, the workbook and the CLI.

Expectations come from hand numbers on tiny canals in EPSG:4547 and from
``data/boundaries/audit_expected.csv``, which the sample script writes from its own
construction of the zones (not geo_guard's).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point

from geo_guard._errors import InputFileError, OptionError, RulesError
from geo_guard.audit import (
    AuditOptions,
    audit_facilities,
    audit_options_from_text,
    prepare_crossings,
    prepare_markers,
)
from geo_guard.audit.boundaries import turning_points
from geo_guard.audit.markers import BOUNDARY_END, project_markers, spacing_gaps
from geo_guard.audit.rules import load_rules_files
from geo_guard.audit.vocabulary import (
    crossing_kind,
    facility_value,
    marker_condition,
    marker_kind,
    osm_crossing_kind,
)
from geo_guard.canal.model import Canal
from geo_guard.cli import main
from geo_guard.io.vector import write_vector_layers
from geo_guard.reports.audit import audit_summary
from geo_guard.zones import build_zones, load_rules

from .conftest import METRIC, SAMPLE, X0, Y0, line_frame, uniform_rules

# Zones of the straight canal (conftest) with uniform_rules(): management edge 20 m, 一级
# to 70 m, 二级 to 220 m from the centerline on both banks.
EDGE, L1, L2 = 20.0, 70.0, 220.0


def points(*xy: tuple[float, float], **columns: list) -> gpd.GeoDataFrame:
    """Points given relative to (X0, Y0) in EPSG:4547."""
    return gpd.GeoDataFrame(columns, geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
                            crs=METRIC)


def lines(*coords: list[tuple[float, float]], **columns: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[LineString([(X0 + x, Y0 + y) for x, y in c])
                                               for c in coords], crs=METRIC)


def row(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def every(step: float, y: float, start: float = 0.0, end: float = 3000.0
          ) -> list[tuple[float, float]]:
    return [(x, y) for x in np.arange(start, end + 1e-9, step)]


def boundary_markers(**skip: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """界标 every 400 m on both banks' 一级 and 二级 boundaries of the straight canal."""
    spots = []
    for y in (L1, -L1, L2, -L2):
        spots += [*every(400, y), (3000.0, y)]
    return [p for p in spots if p not in skip.get("without", [])]


def marker_frame(spots: list[tuple[float, float]], kind: str = "界标",
                 condition: str = "完好") -> gpd.GeoDataFrame:
    n = len(spots)
    return points(*spots, 编号=[f"J{i:02d}" for i in range(n)], 类型=[kind] * n,
                  状况=[condition] * n)


# ----------------------------------------------------------------------- vocabulary
@pytest.mark.parametrize(("text", "kind"), [
    ("界标", "界标"), ("界桩", "界标"), ("保护区界桩", "界标"), ("Boundary post", "界标"),
    ("警示牌", "警示牌"), ("标志牌", "警示牌"), ("警示标志", "警示牌"), ("道路警示牌", "警示牌"),
    ("宣传牌", "宣传牌"), ("宣传栏", "宣传牌"), ("公告牌", "宣传牌"), ("路灯", None), ("", None),
])
def test_marker_kinds_in_the_users_words(text: str, kind: str | None) -> None:
    assert marker_kind(text) == kind


def test_conditions_and_facility_values() -> None:
    assert [marker_condition(v) for v in ("", None, "完好", "良好", "破损", "倾斜", "缺失",
                                          "被盗", "字迹看不清", "待核实")] == [
        "完好", "完好", "完好", "完好", "损坏", "损坏", "缺失", "缺失", "损坏", "不明"]
    yes = ["有", "是", "已建", "yes", "Y", "1", 1, 1.0, "√", "ＹＥＳ"]
    no = ["无", "否", "没有", "no", "0", 0, "×"]
    unknown = ["", None, float("nan"), "不详", "待查", "部分", "有（损坏）", "2"]
    assert {facility_value(v) for v in yes} == {"有"}
    assert {facility_value(v) for v in no} == {"无"}
    assert {facility_value(v) for v in unknown} == {"不明"}
    assert [crossing_kind(v) for v in ("公路", "铁路桥", "天然气管道", "高铁", "X")] == [
        "道路", "桥梁", "管线", "铁路", None]


def test_openstreetmap_tags_are_mapped() -> None:
    assert osm_crossing_kind({"highway": "primary"})[0] == "道路"
    assert osm_crossing_kind({"highway": "secondary", "bridge": "yes"})[0] == "桥梁"
    assert osm_crossing_kind({"railway": "rail"})[0] == "铁路"
    assert osm_crossing_kind({"man_made": "pipeline"})[0] == "管线"
    kind, why = osm_crossing_kind({"highway": "footway"})
    assert kind is None and "footway" in why
    assert osm_crossing_kind({"railway": "abandoned"})[0] is None


# ---------------------------------------------------------------------------- rules
def test_rules_file_and_overrides() -> None:
    options = audit_options_from_text("""
[audit]
marker_spacing_m = 300
sign_kinds = ["道路"]
[audit.required_facilities]
"管道" = ["应急池", "导流槽"]
""")
    assert options.marker_spacing_m == 300.0
    assert options.sign_kinds == ("道路",)
    assert options.required_for("管线") == ("应急池", "事故导流槽")
    assert options.required_for("铁路") == ("防撞护栏", "事故导流槽", "应急池")
    assert options.with_overrides(marker_spacing_m=None, sign_radius_m=40).sign_radius_m == 40.0
    example = load_rules_files([SAMPLE / "audit_rules.example.toml"])
    assert example[0] is None and example[1].marker_spacing_m == 500.0


@pytest.mark.parametrize(("text", "message"), [
    ("[audit]\nspacing = 5\n", "unknown key.*spacing"),
    ("[audit]\nmarker_spacing_m = -1\n", "give 0 or more"),
    ("[audit]\nmarker_spacing_m = 'far'\n", "give a number"),
    ("[audit]\nmarker_levels = [7]\n", "levels 0-3"),
    ("[audit.required_facilities]\n\"道路\" = [\"路灯\"]\n", "unknown facility"),
    ("[audit]\nmarker_spacing_m = \n", "TOML syntax error"),
])
def test_bad_rules_say_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        audit_options_from_text(text)


def test_rules_files_hold_zone_rules_and_thresholds(tmp_path: Path) -> None:
    both = tmp_path / "both.toml"
    both.write_text((SAMPLE / "zone_rules.example.toml").read_text(encoding="utf-8")
                    + "\n[audit]\nmarker_spacing_m = 250\n", encoding="utf-8")
    zone_rules, options = load_rules_files([both])
    assert zone_rules is not None and options.marker_spacing_m == 250.0
    # The zones still read the same file (the [audit] table is ignored there).
    assert load_rules(both).rules[-1].name == "默认"
    neither = tmp_path / "neither.toml"
    neither.write_text("[meta]\ntitle = 'x'\n", encoding="utf-8")
    with pytest.raises(RulesError, match="neither zone rules"):
        load_rules_files([neither])
    with pytest.raises(RulesError, match="second zone-rules file"):
        load_rules_files([both, SAMPLE / "zone_rules.example.toml"])


# -------------------------------------------------------------------------- inputs
def test_every_marker_row_comes_out_in_order_with_status(straight_canal: Canal) -> None:
    table = pd.DataFrame({"编号": ["a", "b", "c", "d"], "类型": ["界桩", "路灯", "界标", "宣传牌"],
                          "状况": ["", "", "", "歪了一点"],
                          "经度": ["114.0", "114.0", "不详", "114.0"],
                          "纬度": ["33.0", "33.0", "33.0", "33.0"]})
    out = prepare_markers(table, straight_canal.metric_crs)
    assert out["input_row"].tolist() == [1, 2, 3, 4]
    assert out["status"].tolist() == ["ok", "ignored", "invalid", "ok"]
    assert out["kind"].tolist() == ["界标", "", "界标", "宣传牌"]
    assert out["condition"].tolist()[3] == "损坏"
    assert out.crs == straight_canal.metric_crs and out.geometry.iloc[2] is None


def test_inputs_of_the_wrong_kind_are_refused(straight_canal: Canal) -> None:
    crs = straight_canal.metric_crs
    with pytest.raises(InputFileError, match="not points"):
        prepare_markers(lines([(0, 0), (1, 1)], 类型=["界标"]), crs)
    with pytest.raises(InputFileError, match="类型"):
        prepare_markers(points((0, 0), 名称=["x"]), crs)
    with pytest.raises(InputFileError, match="not lines"):
        prepare_crossings(points((0, 0), 类型=["道路"]), crs)
    with pytest.raises(InputFileError, match="empty"):
        prepare_markers(points(类型=[]), crs)
    with pytest.raises(Exception, match="no CRS"):
        prepare_markers(points((0, 0), 类型=["界标"]).set_crs(None, allow_override=True), crs)


def test_an_openstreetmap_extract_needs_no_type_column(straight_canal: Canal) -> None:
    osm = lines(*[[(1500, 500), (1500, -500)]] * 4,
                highway=["primary", "footway", None, None], bridge=[None, None, None, None],
                railway=[None, None, "rail", None], man_made=[None, None, None, "pipeline"],
                name=["省道", "步道", "铁路线", "输气管"])
    out = prepare_crossings(osm, straight_canal.metric_crs)
    assert out["kind"].tolist() == ["道路", "", "铁路", "管线"]
    assert out["status"].tolist() == ["ok", "ignored", "ok", "ok"]
    assert set(out["crash_barrier"]) == {"不明"}  # OSM does not say: unknown, not present


# ------------------------------------------------------------------ marker spacing
def test_a_gap_between_markers_is_found_with_bank_and_length(straight_canal: Canal) -> None:
    spots = boundary_markers(without=[(1200.0, L1)])  # left 一级: 800 -> 1600 is 800 m
    result = audit_facilities(straight_canal, marker_frame(spots), rules=uniform_rules())
    gaps = result.boundary_gaps
    assert len(gaps) == 1
    gap = gaps.iloc[0]
    assert (gap["zone"], gap["bank"], gap["zone_level"]) == ("一级保护区", "左岸", 1)
    assert gap["length_m"] == pytest.approx(800.0, abs=0.05)
    assert (gap["stake_from"], gap["stake_to"]) == ("K0+800", "K1+600")
    codes = marker_frame(spots)["编号"]
    assert (gap["from_marker"], gap["to_marker"]) == (codes[2], codes[3])
    # The stretch itself: the boundary line from marker to marker.
    expected = LineString([(X0 + 800, Y0 + L1), (X0 + 1600, Y0 + L1)])
    assert shapely.hausdorff_distance(gaps.geometry.iloc[0], expected) < 0.05
    assert result.boundaries.set_index("boundary_id").loc["L1-左岸-1", "markers"] == 8


def test_spacing_is_more_than_not_at_least(straight_canal: Canal) -> None:
    spots = boundary_markers(without=[(1200.0, L1)])
    result = audit_facilities(straight_canal, marker_frame(spots), rules=uniform_rules(),
                              marker_spacing_m=800.0)
    assert result.boundary_gaps.empty


def test_a_boundary_end_without_a_marker_is_a_gap(straight_canal: Canal) -> None:
    spots = boundary_markers(without=[(0.0, -L2), (400.0, -L2)])
    gaps = audit_facilities(straight_canal, marker_frame(spots), rules=uniform_rules()
                            ).boundary_gaps
    assert gaps[["bank", "zone", "from_marker"]].values.tolist() == [["右岸", "二级保护区",
                                                                      BOUNDARY_END]]
    assert gaps["length_m"].iloc[0] == pytest.approx(800.0, abs=0.05)


def test_damaged_markers_do_not_count_and_are_listed(straight_canal: Canal) -> None:
    frame = marker_frame(boundary_markers())
    frame.loc[frame.geometry == row(1200, L1), "状况"] = "破损"
    frame.loc[frame.geometry == row(2000, -L2), "状况"] = "缺失"
    result = audit_facilities(straight_canal, frame, rules=uniform_rules())
    assert result.damaged_markers[["condition", "bank", "stake", "zone"]].values.tolist() == [
        ["损坏", "左岸", "K1+200", "一级保护区"], ["缺失", "右岸", "K2+000", "二级保护区"]]
    assert sorted(result.boundary_gaps["length_m"].round(1)) == [800.0, 800.0]


def test_markers_far_from_every_boundary_are_not_counted(straight_canal: Canal) -> None:
    frame = marker_frame([*boundary_markers(without=[(1200.0, L1)]), (1200.0, L1 + 60)])
    result = audit_facilities(straight_canal, frame, rules=uniform_rules())
    assert len(result.boundary_gaps) == 1
    far = result.markers.iloc[-1]
    assert far["counted"] == "否" and "未计入" in far["reason"]


def test_spacing_along_a_closed_ring_wraps_around() -> None:
    ring = LineString([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)])
    frame = gpd.GeoDataFrame({"boundary_id": ["r"], "zone_level": [2], "zone": ["二级保护区"],
                              "bank": ["左岸"], "closed": [True]}, geometry=[ring], crs=METRIC)
    spots = gpd.GeoSeries([Point(300, 0), Point(800, 0), Point(1000, 400), Point(1000, 900),
                           Point(500, 1000), Point(0, 700)], crs=METRIC)
    placed = project_markers(frame, spots, np.array(list("abcdef")), max_offset_m=10)
    gaps = spacing_gaps(frame, placed, spacing_m=500)
    # Sides run 0 -> 1000 -> 2000 -> 3000 -> 4000; markers at 300, 800, 1400, 1900, 2500, 3300.
    assert gaps[["from_marker", "to_marker"]].values.tolist() == [
        ["b", "c"], ["d", "e"], ["e", "f"], ["f", "a"]]
    assert gaps["length_m"].tolist() == pytest.approx([600.0, 600.0, 800.0, 1000.0])
    wrapped = gaps.geometry.iloc[3]  # 3300 -> 4000 = 0 -> 300: one line through the corner
    assert wrapped.geom_type == "LineString" and wrapped.length == pytest.approx(1000.0)
    assert shapely.equals(wrapped, LineString([(0, 700), (0, 0), (300, 0)]))


def test_turning_points_at_a_width_step_need_a_marker(tmp_path: Path) -> None:
    canal = Canal.from_frame(line_frame([(0, 0), (1000, 0)], [(1000, 0), (3000, 0)],
                                        segment_id=["A", "B"], edge_left_m=[20.0, 60.0]))
    spots = [p for p in boundary_markers() if p[1] != L1]
    spots += [(x, L1) for x in (0, 400, 800)] + [(x, L1 + 40) for x in (1200, 1600, 2000, 2400,
                                                                        2800, 3000)]
    spots = [(x, y + 40) if y == L2 and x > 1000 else (x, y) for x, y in spots]
    result = audit_facilities(canal, marker_frame(spots), rules=uniform_rules())
    corners = result.corner_gaps.sort_values(["zone_level", "position_m"])
    hand = [(1000.0, L1), (1000.0, L1 + 40), (1000.0, L2), (1000.0, L2 + 40)]
    assert [(round(p.x - X0, 1), round(p.y - Y0, 1)) for p in corners.geometry] == hand
    assert set(corners["bank"]) == {"左岸"} and corners["turn_deg"].round().tolist() == [90] * 4
    # One marker on each step, within 50 m of both its corners, settles them.
    fixed = audit_facilities(canal, marker_frame([*spots, (1000, L1 + 20), (1000, L2 + 20)]),
                             rules=uniform_rules())
    assert fixed.corner_gaps.empty and fixed.boundary_gaps.empty


def test_corner_detection_ignores_arcs_and_ends() -> None:
    arc = LineString([(100 * math.cos(t), 100 * math.sin(t)) for t in np.linspace(0, 3, 200)])
    frame = gpd.GeoDataFrame({"boundary_id": ["a"], "closed": [False]}, geometry=[arc],
                             crs=METRIC)
    assert turning_points(frame, turn_deg=30).empty


# ------------------------------------------------------------------------ crossings
def crossing_case(straight_canal: Canal, **changes: object) -> object:
    """One road across the straight canal at x = 1500 with a sign 15 m outside each entry,
    a pipeline into the right 二级 zone only, and a road far outside."""
    signs = [(1505, y) for y in (L2 + 15, L1 + 15, -L1 - 15, -L2 - 15)]
    road = changes.get("road", ("有", "有", "有"))
    crossings = lines([(1500, 400), (1500, -400)], [(2500, -400), (2500, -150)],
                      [(500, 600), (2500, 700)],
                      名称=["示意路", "输水管", "远路"], 类型=["公路", "管线", "道路"],
                      防撞护栏=[road[0], "", "无"], 事故导流槽=[road[1], "", "无"],
                      应急池=[road[2], "", "无"])
    frame = marker_frame(boundary_markers() + list(changes.get("signs", signs)))
    frame.loc[len(boundary_markers()):, "类型"] = "警示牌"
    return audit_facilities(straight_canal, frame, rules=uniform_rules(), crossings=crossings,
                            **{k: v for k, v in changes.items() if k.endswith("_m")})


def test_a_road_with_signs_and_facilities_is_not_flagged(straight_canal: Canal) -> None:
    result = crossing_case(straight_canal)
    road = result.crossings[result.crossings["name"] == "示意路"]
    ys = sorted(round(p.y - Y0, 3) for p in road.geometry)
    assert ys == [-L2, -L1, L1, L2]  # hand numbers: the four boundary lines
    assert set(road["sign"]) == {"有"} and set(road["findings"]) == {""}
    assert road["sign_distance_m"].round(2).tolist() == [15.81] * 4  # √(15² + 5²)
    assert not (result.findings["ref"] == road["crossing_id"].iloc[0]).any()


def test_a_road_without_facilities_gets_exactly_the_missing_ones(straight_canal: Canal) -> None:
    result = crossing_case(straight_canal, road=("有", "无", "0"))
    road = result.crossings[result.crossings["name"] == "示意路"]
    assert set(road["missing"]) == {"事故导流槽、应急池"} and set(road["unknown"]) == {""}
    facility = result.findings[result.findings["category"] == "防护设施缺失"]
    assert len(facility) == 1 and "缺事故导流槽、应急池" in facility["description"].iloc[0]


def test_unknown_facility_values_are_unknown_not_present(straight_canal: Canal) -> None:
    result = crossing_case(straight_canal, road=("", "不详", "yes"))
    road = result.crossings[result.crossings["name"] == "示意路"]
    assert road[["crash_barrier", "drainage_channel", "emergency_pool"]].iloc[0].tolist() == [
        "不明", "不明", "有"]
    assert set(road["missing"]) == {""} and set(road["unknown"]) == {"防撞护栏、事故导流槽"}
    assert set(result.findings["category"]) >= {"防护设施情况不明"}


def test_crossings_outside_the_zones_are_ignored_and_pipelines_need_no_sign(
        straight_canal: Canal) -> None:
    result = crossing_case(straight_canal)
    assert "远路" not in set(result.crossings["name"])
    far = result.crossing_list.set_index("name").loc["远路"]
    assert far["entries"] == 0 and "不检查" in far["findings"]
    pipe = result.crossings[result.crossings["name"] == "输水管"]
    assert pipe[["entry", "bank", "sign", "crosses_first_zone"]].values.tolist() == [
        ["进入二级保护区", "右岸", "不要求", "否"]]
    assert pipe["missing"].tolist() == [""]  # it stays out of the 一级 zone


def test_a_sign_counts_within_the_radius_only(straight_canal: Canal) -> None:
    near = [(1500, L2 + 99), (1500, L1 + 10), (1500, -L1 - 10), (1500, -L2 - 101)]
    result = crossing_case(straight_canal, signs=near)
    road = result.crossings[result.crossings["name"] == "示意路"]
    by_place = {round(p.y - Y0): s for p, s in zip(road.geometry, road["sign"], strict=True)}
    assert by_place == {220: "有", 70: "有", -70: "有", -220: "无"}
    smaller = crossing_case(straight_canal, signs=near, sign_radius_m=50.0)
    assert (smaller.crossings["sign"] == "无").sum() == 2


# --------------------------------------------------------------------------- fences
def test_fence_gaps_along_the_management_edge(straight_canal: Canal) -> None:
    offset, buffer = 1.0, 10.0
    fences = lines([(0, EDGE + offset), (1000, EDGE + offset)],
                   [(1300, EDGE + offset), (3000, EDGE + offset)],
                   [(0, -EDGE - offset), (500, -EDGE - offset)],
                   [(500, -EDGE - offset), (650, -EDGE - offset)],
                   [(650, -EDGE - offset), (3000, -EDGE - offset)],
                   [(2000, EDGE + offset), (2030, EDGE + offset)],
                   状况=["完好", "完好", "完好", "损坏", "", "完好"])
    result = audit_facilities(straight_canal, marker_frame(boundary_markers()),
                              rules=uniform_rules(), fences=fences)
    gaps = result.fence_gaps.sort_values("bank", ascending=False)
    reach = math.sqrt(buffer**2 - offset**2)  # the buffer's end reaches the edge this far
    assert gaps["bank"].tolist() == ["左岸", "右岸"]
    assert gaps["length_m"].tolist() == pytest.approx([300 - 2 * reach, 150 - 2 * reach],
                                                      abs=0.1)
    assert gaps["damaged_fence"].tolist() == ["否", "是"]
    assert gaps["chainage_from_m"].tolist() == pytest.approx([1000 + reach, 500 + reach],
                                                             abs=0.1)


# ------------------------------------------------------------------- the sample data
@pytest.fixture(scope="module")
def sample_result() -> object:
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    return audit_facilities(
        canal, gpd.read_file(SAMPLE / "markers.geojson"),
        rules=load_rules(SAMPLE / "zone_rules.example.toml"),
        crossings=gpd.read_file(SAMPLE / "crossings.geojson"),
        fences=gpd.read_file(SAMPLE / "fences.geojson"),
        admin=gpd.read_file(SAMPLE / "villages.geojson"))


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "audit_expected.csv", dtype=str, keep_default_na=False)


def test_sample_planted_marker_gap_is_found_exactly(sample_result: object,
                                                    expected: pd.DataFrame) -> None:
    truth = expected[expected["kind"] == "boundary_gap"].iloc[0]
    gaps = sample_result.boundary_gaps
    assert len(gaps) == 1
    gap = gaps.iloc[0]
    assert (gap["bank"], str(gap["zone_level"])) == (truth["bank"], truth["level"])
    assert gap["length_m"] == pytest.approx(float(truth["length_m"]), abs=1.0)
    assert gap["chainage_from_m"] == pytest.approx(float(truth["chainage_from_m"]), abs=1.0)
    assert gap["chainage_to_m"] == pytest.approx(float(truth["chainage_to_m"]), abs=1.0)
    assert gap["township"] == truth["township"]


def test_sample_bare_corner_and_damaged_markers(sample_result: object,
                                               expected: pd.DataFrame) -> None:
    truth = expected[expected["kind"] == "corner"].iloc[0]
    corners = sample_result.corner_gaps
    assert len(corners) == 1
    assert (corners["bank"].iloc[0], str(corners["zone_level"].iloc[0])) == (
        truth["bank"], truth["level"])
    assert corners["chainage_m"].iloc[0] == pytest.approx(float(truth["chainage_from_m"]),
                                                          abs=1.0)
    damaged = expected[expected["kind"] == "damaged_marker"]
    assert sorted(sample_result.damaged_markers["code"]) == sorted(damaged["ref"])
    listed = sample_result.damaged_markers.set_index("code")
    assert listed.loc["L2Z-D1", "condition"] == "损坏"
    assert listed.loc["L1Y-M1", ["condition", "bank"]].tolist() == ["缺失", "右岸"]


def test_sample_crossings(sample_result: object, expected: pd.DataFrame) -> None:
    entries = sample_result.crossings
    listing = sample_result.crossing_list.set_index("input_row")
    counts = expected[expected["kind"] == "crossing"]["expected"].str.extract(r"(\d+)")[0]
    assert listing["entries"].tolist() == counts.astype(int).tolist()
    c1, c2, c3, c4, c5, c6 = (entries[entries["input_row"] == k] for k in range(1, 7))
    assert set(c1["findings"]) == {""}
    assert set(c2["missing"]) == {"事故导流槽、应急池"} and set(c2["sign"]) == {"有"}
    assert set(c3["unknown"]) == {"防撞护栏、事故导流槽"} and set(c3["missing"]) == {""}
    unsigned = c3[c3["sign"] == "无"]
    assert unsigned[["bank", "zone_level"]].values.tolist() == [["左岸", 2]]
    assert set(c4["sign"]) == {"不要求"} and c5.empty
    assert set(c6["missing"]) == {"应急池"} and set(c6["kind"]) == {"桥梁"}


def test_sample_fences(sample_result: object, expected: pd.DataFrame) -> None:
    gaps = sample_result.fence_gaps
    reach = math.sqrt(10**2 - 1**2)
    reported = expected[expected["kind"].isin(["fence_gap", "damaged_fence"])]
    got = sorted(zip(gaps["chainage_from_m"], gaps["chainage_to_m"], strict=True))
    want = sorted((float(a) + reach, float(b) - reach) for a, b in
                  zip(reported["chainage_from_m"], reported["chainage_to_m"], strict=True))
    assert np.allclose(got, want, atol=0.5)  # the 35 m break is not reported
    assert sorted(gaps["damaged_fence"]) == ["否", "是"]


def test_sample_markers_every_row_and_findings(sample_result: object) -> None:
    raw = gpd.read_file(SAMPLE / "markers.geojson")
    markers = sample_result.markers
    assert len(markers) == len(raw) and markers["编号"].tolist() == raw["编号"].tolist()
    status = markers.set_index("编号")["status"]
    assert status["LD-01"] == "ignored" and status["J-无坐标"] == "invalid"
    assert "未计入" in markers.set_index("编号").loc["L9Z-FAR", "reason"]
    findings = sample_result.findings
    assert set(findings["source_type"]) == {"标志及隔离防护设施"}
    assert findings["lon"].between(112, 113).all() and findings["lat"].between(32, 34).all()
    assert findings.crs == sample_result.markers.crs  # the caller's CRS (WGS84 here)


def test_sample_zones_file_gives_the_same_gaps(tmp_path: Path, sample_result: object) -> None:
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    zones = build_zones(canal, load_rules(SAMPLE / "zone_rules.example.toml"))
    result = audit_facilities(canal, gpd.read_file(SAMPLE / "markers.geojson"), zones=zones)
    assert result.boundary_gaps["stake_from"].tolist() == (
        sample_result.boundary_gaps["stake_from"].tolist())


# ------------------------------------------------------------------------------- CLI
def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


SAMPLE_ARGS = ("--markers", str(SAMPLE / "markers.geojson"),
               "--crossings", str(SAMPLE / "crossings.geojson"))


def test_cli_audit_from_a_zones_geopackage(tmp_path: Path) -> None:
    """Zones and stakes from a geo-guard zones GeoPackage; the files as the bureau reads them."""
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    zones = build_zones(canal, load_rules(SAMPLE / "zone_rules.example.toml"))
    write_vector_layers({"zones": zones, "centerline": canal.centerline()},
                        tmp_path / "zones.gpkg")
    code, out, err = run("audit", "--zones", str(tmp_path / "zones.gpkg"), *SAMPLE_ARGS,
                         "--fences", str(SAMPLE / "fences.geojson"),
                         "--admin", str(SAMPLE / "villages.geojson"),
                         "--rules", str(SAMPLE / "audit_rules.example.toml"),
                         "-o", str(tmp_path / "audit.gpkg"))
    assert code == 0, err
    assert "界标间距超限" in out and "K116+000" in out
    assert "<script>alert(1)</script>" in out  # names print as text
    layers = dict(pyogrio.list_layers(tmp_path / "audit.gpkg"))
    assert layers["boundary_gaps"] == "LineString" and layers["findings"] == "Point"
    assert {"fence_gaps", "crossing_list", "markers", "boundaries"} <= set(layers)
    book = openpyxl.load_workbook(tmp_path / "audit.xlsx")
    assert book.sheetnames[:3] == ["汇总", "问题清单", "界标间距超限"]
    notes = {r[0]: r[1] for r in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert notes["界标最大间距(m)"].startswith("500") and "工作值" in notes["说明"]
    assert notes["阈值来源"].endswith("audit_rules.example.toml")
    header = [c.value for c in book["界标间距超限"][1]]
    assert {"岸别", "长度(m)", "起点桩号", "终点桩号", "乡镇(街道)"} <= set(header)
    gap = dict(zip(header, next(book["界标间距超限"].iter_rows(min_row=2, values_only=True)),
                   strict=True))
    assert (gap["岸别"], gap["起点桩号"], gap["乡镇(街道)"]) == ("左岸", "K116+000", "示意镇丙")
    found = [c for r in book["标志清单"].iter_rows() for c in r if c.value]
    # A formula typed in a cell stays text: a text cell, as typed (issue 11).
    typed = [c for c in found if c.value == "=cmd|' /C calc'!A0"]
    assert typed and all(c.data_type == "s" for c in typed)
    assert all(c.data_type != "f" for c in found)
    cells = [c.value for c in found]
    assert "{{7*7}}" in cells and "49" not in cells  # text, never a template


def test_summary_counts_per_bank(sample_result: object) -> None:
    summary = audit_summary(sample_result).set_index("检查项")
    assert summary.loc["界标间距超限(处)"].tolist() == [1, 0, 1]
    assert summary.loc["拐点无界标(处)"].tolist() == [0, 1, 1]
    assert summary.loc["缺防护设施的穿越工程(处)", "合计"] == 2
    assert summary.loc["隔离网缺口(处)", "合计"] == 2


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    lines([(0, 0), (10, 10)], 类型=["界标"]).to_file(folder / "lines.geojson")
    points((0, 0), 名称=["x"]).to_file(folder / "untyped.geojson")
    points((0, 0), 类型=["道路"]).to_file(folder / "point_roads.geojson")
    (folder / "syntax.toml").write_text("[audit]\nmarker_spacing_m = \n", encoding="utf-8")
    (folder / "unknown.toml").write_text("[audit]\nspacing = 1\n", encoding="utf-8")
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    zones = build_zones(canal, load_rules(SAMPLE / "zone_rules.example.toml"))
    write_vector_layers({"zones": zones}, folder / "bare_zones.gpkg")
    write_vector_layers({"zones": zones[zones["zone_level"] > 0]}, folder / "no_level0.gpkg")
    return {"folder": folder}


CANAL, RULES = str(SAMPLE / "canal.geojson"), str(SAMPLE / "zone_rules.example.toml")
MARKERS, FENCES = str(SAMPLE / "markers.geojson"), str(SAMPLE / "fences.geojson")
BASE = ("--canal", CANAL, "--rules", RULES)
BAD_CASES = {  # name -> (arguments before -o, message)
    "missing": ((*BASE, "--markers", "{f}/missing.geojson"), "not found|no such file"),
    "lines": ((*BASE, "--markers", "{f}/lines.geojson"), "not points"),
    "untyped": ((*BASE, "--markers", "{f}/untyped.geojson"), "类型"),
    "point crossings": ((*BASE, "--markers", MARKERS, "--crossings", "{f}/point_roads.geojson"),
                        "not lines"),
    "syntax": ((*BASE, "--rules", "{f}/syntax.toml", "--markers", MARKERS),
               "TOML syntax error"),
    "unknown key": ((*BASE, "--rules", "{f}/unknown.toml", "--markers", MARKERS),
                    "unknown key"),
    "no centerline": (("--zones", "{f}/bare_zones.gpkg", "--markers", MARKERS),
                      "centerline layer"),
    "no level 0": (("--zones", "{f}/no_level0.gpkg", "--canal", CANAL, "--markers", MARKERS,
                    "--fences", FENCES), "management area"),
    "no zones": (("--canal", CANAL, "--markers", MARKERS), "no zones"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_cli_bad_input_gives_one_error_line(bad_files: dict[str, Path], case: str) -> None:
    import re

    folder = bad_files["folder"]
    args, message = BAD_CASES[case]
    out = folder / f"{case}.gpkg"
    code, _, err = run("audit", *(a.format(f=folder) for a in args), "-o", str(out))
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err
    assert not out.exists()


def test_cli_output_must_be_a_geopackage(tmp_path: Path) -> None:
    code, _, err = run("audit", *BASE, "--markers", MARKERS, "-o", str(tmp_path / "a.xlsx"))
    assert code == 2 and err.startswith("error: ") and ".gpkg" in err


def test_options_out_of_range_are_refused(straight_canal: Canal) -> None:
    with pytest.raises(OptionError, match="marker-spacing-m"):
        audit_facilities(straight_canal, marker_frame(boundary_markers()),
                         rules=uniform_rules(), marker_spacing_m=0)
    assert AuditOptions().required_for("其他") == ("防撞护栏", "事故导流槽", "应急池")


# ------------------------------------------------------------------------------- map
def test_map_draws_the_audit_with_text_as_data(tmp_path: Path, sample_result: object) -> None:
    from geo_guard.maps import add_audit, make_map, map_html
    from geo_guard.maps.elements import map_state

    from .test_map_injection import layer_specs, table_column

    m = make_map(basemap="none")
    added = add_audit(m, sample_result)
    assert [layer.display_name for layer in added] == [
        "界标间距超限", "拐点无界标", "穿越工程进入点（有问题）", "穿越工程进入点（无问题）",
        "损坏缺失标志", "隔离网缺口"]
    assert [h for h, _ in map_state(m).legend].count("标志及隔离防护设施") == 1
    page = map_html(m)
    assert "<script>alert(1)</script>" not in page  # only inside escaped JSON data
    specs = layer_specs(page)
    flagged = specs["穿越工程进入点（有问题）"]
    names = set(table_column(flagged, "名称"))
    assert "<script>alert(1)</script>路" in names and "示意大道" not in names
    assert "{{7*7}}" in table_column(specs["损坏缺失标志"], "编号")
    gap = specs["界标间距超限"]
    assert table_column(gap, "起点桩号") == ["K116+000"] and gap["count"] == 1


def test_map_command_takes_an_audit_geopackage(tmp_path: Path, sample_result: object) -> None:
    from geo_guard.reports.audit import write_audit

    write_audit(sample_result, tmp_path / "audit.gpkg")
    code, out, err = run("map", "--audit", str(tmp_path / "audit.gpkg"), "--basemap", "none",
                         "-o", str(tmp_path / "map.html"))
    assert code == 0, err
    assert "界标间距超限" in out and "隔离网缺口" in out
    assert (tmp_path / "map.html").stat().st_size > 100_000
