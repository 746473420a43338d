from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo_guard.canal.model import Canal
from geo_guard.zones.build import build_zones, dissolve_zones, segment_widths
from geo_guard.zones.rules import load_rules, rules_from_text

from .conftest import SAMPLE, X0, Y0, line_frame, shared_file, uniform_rules


def _union(zones: gpd.GeoDataFrame) -> shapely.Geometry:
    return shapely.union_all(zones.geometry.values, grid_size=0.001)


def _no_overlap_no_hole(zones: gpd.GeoDataFrame) -> None:
    union = _union(zones)
    assert zones.geometry.is_valid.all()
    # Pieces meet exactly but for sub-millimetre snapping along slanted junction lines.
    assert zones.geometry.area.sum() == pytest.approx(union.area, rel=1e-6)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0


@pytest.mark.parametrize("fixture", ["straight_canal", "bent_canal"])
def test_uniform_widths_equal_the_plain_buffer(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    canal: Canal = request.getfixturevalue(fixture)
    zones = build_zones(canal, uniform_rules(edge=20, first=50, second=150))
    union = _union(zones)
    plain = canal.line.buffer(220, quad_segs=64)
    assert union.area == pytest.approx(plain.area, rel=1e-3)
    assert union.hausdorff_distance(plain) < 0.5
    _no_overlap_no_hole(zones)
    # every level in its place: the first-class zone is the band 20–70 m
    first = shapely.union_all(zones.loc[zones.zone_level == 1].geometry.values, grid_size=0.001)
    band = canal.line.buffer(70, quad_segs=64).difference(canal.line.buffer(20, quad_segs=64))
    assert first.symmetric_difference(band).area < 1e-4 * band.area


def test_different_widths_per_bank_give_exact_rectangles(straight_canal: Canal) -> None:
    rules = rules_from_text("""
[defaults]
edge_m = 30
[[rules]]
default = true
widths = { first = 50, second = 150 }
widths_right = { first = 40, second = 500, quasi = 100 }
""")
    zones = build_zones(straight_canal, rules)
    middle = zones[zones.segment_id == "B"].set_index(["bank", "zone_level"]).geometry
    x0, x1 = X0 + 1000, X0 + 2000
    expected = {
        ("左岸", 0): box(x0, Y0, x1, Y0 + 30),
        ("左岸", 1): box(x0, Y0 + 30, x1, Y0 + 80),
        ("左岸", 2): box(x0, Y0 + 80, x1, Y0 + 230),
        ("右岸", 0): box(x0, Y0 - 30, x1, Y0),
        ("右岸", 1): box(x0, Y0 - 70, x1, Y0 - 30),
        ("右岸", 2): box(x0, Y0 - 570, x1, Y0 - 70),
        ("右岸", 3): box(x0, Y0 - 670, x1, Y0 - 570),
    }
    assert set(middle.index) == set(expected)
    for key, rect in expected.items():
        assert middle[key].symmetric_difference(rect).area < 1e-3, key
    assert zones.loc[zones.segment_id == "B", "area_m2"].sum() == pytest.approx(1000 * (230 + 670))
    assert (zones.loc[(zones.bank == "左岸"), "zone_level"] <= 2).all()
    _no_overlap_no_hole(zones)


def test_junction_with_different_widths_steps_without_sliver_overlap_or_hole() -> None:
    frame = line_frame(
        [(0, 0), (1000, 0)],
        [(1000, 0), (1700, 500)],
        [(1700, 500), (2500, 500)],
        segment_id=["A", "B", "C"],
        structure=["明渠", "渡槽", "明渠"],
        edge_left_m=[60, 20, 70],
        edge_right_m=[50, 20, 65],
    )
    rules = rules_from_text("""
[[rules]]
match = { structure = "渡槽" }
widths = { first = 50, second = 150 }
[[rules]]
default = true
widths = { first = 50, second = 1000 }
""")
    canal = Canal.from_frame(frame)
    zones = build_zones(canal, rules)
    _no_overlap_no_hole(zones)
    dissolved = dissolve_zones(zones)
    for geom in dissolved.geometry:
        assert geom.is_valid
    # B's second-class ring lies 70-220 m from B; at the junctions the boundary steps.
    seg_b = canal.segments.geometry.iloc[1]
    ring_b = zones[(zones.segment_id == "B") & (zones.zone_level == 2)].geometry
    vertices = shapely.points(shapely.get_coordinates(ring_b.values))
    assert shapely.distance(vertices, seg_b).max() <= 220 + 1e-3
    assert shapely.distance(vertices, seg_b).min() >= 70 - 0.01  # arc chords cut 5 mm
    union = _union(zones)
    normal_b = np.array([-500, 700]) / np.hypot(500, 700)  # left of B
    middle_b = np.array(seg_b.interpolate(0.5, normalized=True).coords[0])
    assert not union.contains(shapely.Point(middle_b + 500 * normal_b))
    assert union.contains(shapely.Point(X0 + 500, Y0 + 500))  # left of A, 500 < 1110 m
    assert union.contains(shapely.Point(X0 + 2100, Y0 + 1200))  # left of C, 700 < 1120 m
    # Union of all levels of all segments equals the union of per-segment buffers clipped
    # to the nearest segment: every point within its segment's distance is covered.
    widths = segment_widths(canal, rules)
    assert widths.loc[widths.segment_id == "B", "outer_2"].tolist() == [220.0, 220.0]
    assert widths.loc[widths.segment_id == "A", "outer_2"].tolist() == [1110.0, 1100.0]


def test_clip_to_a_study_area(straight_canal: Canal) -> None:
    area = gpd.GeoDataFrame(
        geometry=[box(X0 + 500, Y0 - 100, X0 + 1500, Y0 + 100)], crs="EPSG:4547"
    )
    zones = build_zones(straight_canal, uniform_rules(), clip=area)
    assert zones.area_m2.sum() == pytest.approx(1000 * 200)
    assert set(zones.segment_id) == {"A", "B"}
    wgs = area.to_crs(4326)
    assert build_zones(straight_canal, uniform_rules(), clip=wgs).area_m2.sum() == pytest.approx(
        1000 * 200, rel=1e-4
    )


def test_output_crs_and_columns(straight_canal: Canal) -> None:
    zones = build_zones(straight_canal, uniform_rules(), crs="EPSG:4326")
    assert zones.crs.to_epsg() == 4326
    assert list(zones.columns) == [
        "zone",
        "zone_level",
        "bank",
        "segment_id",
        "rule",
        "width_m",
        "inner_m",
        "outer_m",
        "area_m2",
        "geometry",
    ]
    assert zones.geometry.is_valid.all()
    assert set(zones.zone) == {"管理范围", "一级保护区", "二级保护区"}
    dissolved = dissolve_zones(zones)
    assert dissolved.zone_level.tolist() == [0, 1, 2]
    assert dissolved.area_m2.sum() == pytest.approx(zones.area_m2.sum())


def test_sample_canal_with_example_rules() -> None:
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    zones = build_zones(canal, rules)
    assert zones.geometry.is_valid.all()
    assert set(zones.rule) >= {"建筑物段（渡槽、倒虹吸、暗涵、隧洞）", "明渠 地下水位低于渠底"}
    assert 3 in set(zones.zone_level)  # the example's quasi-protection zone
    metric = zones.to_crs(canal.metric_crs)
    assert metric.area.sum() == pytest.approx(zones.area_m2.sum(), rel=1e-6)
    assert shapely.union_all(metric.geometry.values, grid_size=0.001).area == pytest.approx(
        zones.area_m2.sum(), rel=1e-6
    )


@pytest.mark.real_data
def test_real_osm_centerline_builds_valid_zones() -> None:
    ways = gpd.read_file(shared_file("snwd_middle_route_ways_osm_wgs84.geojson"))
    # Vary the attributes along the canal so that several rules apply.
    n = len(ways)
    ways["groundwater"] = np.where(np.arange(n) % 3 == 0, "高于渠底", "低于渠底")
    ways["section"] = "挖方"
    ways["permeability"] = np.where(np.arange(n) % 2 == 0, "弱透水", "强透水")
    canal = Canal.from_frame(ways)
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    zones = build_zones(canal, rules)
    assert zones.geometry.is_valid.all()
    assert len(set(zones.rule)) >= 3
    total = zones.area_m2.sum() / 1e6
    # 115 km x 2 banks x (60 m edge + 50 m + 150..2000 m) gives 60..500 km2
    assert 60 < total < 500
    union = shapely.union_all(zones.to_crs(canal.metric_crs).geometry.values, grid_size=0.001)
    assert union.area / 1e6 == pytest.approx(total, rel=1e-6)


def test_flat_ends_cut_a_stretch_square(straight_canal: Canal, bent_canal: Canal) -> None:
    zones = build_zones(straight_canal, uniform_rules(), ends="flat")
    union = _union(zones)
    assert union.symmetric_difference(box(X0, Y0 - 220, X0 + 3000, Y0 + 220)).area < 1e-3
    _no_overlap_no_hole(zones)
    bent = build_zones(bent_canal, uniform_rules(), ends="flat")
    _no_overlap_no_hole(bent)
    round_area = build_zones(bent_canal, uniform_rules()).area_m2.sum()
    # flat ends drop exactly two half discs of radius 220 m
    assert round_area - bent.area_m2.sum() == pytest.approx(np.pi * 220**2, rel=1e-3)


def test_unknown_end_style_is_an_error(straight_canal: Canal) -> None:
    from geo_guard._errors import OptionError

    with pytest.raises(OptionError, match="ends must be one of round, flat"):
        build_zones(straight_canal, uniform_rules(), ends="square")


# ------------------------------------------------- sharp turns and short segments
def _pairwise_overlap(zones: gpd.GeoDataFrame) -> float:
    """Area where two pieces overlap, with plain shapely (metric CRS)."""
    geoms = zones.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    return float(shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]])).sum())


def _turns(lengths: list[float], turns_deg: list[float]) -> list[list[tuple[float, float]]]:
    """Segments of a path (relative coordinates), one per length, turning between them."""
    heading, point, segments = 0.0, (0.0, 0.0), []
    for k, length in enumerate(lengths):
        end = (point[0] + length * np.cos(heading), point[1] + length * np.sin(heading))
        segments.append([point, end])
        point = end
        if k < len(turns_deg):
            heading += np.radians(turns_deg[k])
    return segments


AQUEDUCT_RULES = """
[[rules]]
match = { structure = "渡槽" }
widths = { first = 50, second = 150 }
edge_m = 25
[[rules]]
default = true
widths = { first = 50, second = 950 }
edge_m = 60
"""


@pytest.mark.parametrize("turn", [30.0, 45.0])
def test_short_aqueduct_between_two_same_way_turns_does_not_overlap(turn: float) -> None:
    # The case: ~41,000 m² (30°) and ~230,000 m² (45°) of overlap before.
    frame = line_frame(*_turns([3000, 400, 3000], [turn, turn]),
                       structure=["明渠", "渡槽", "明渠"])
    zones = build_zones(Canal.from_frame(frame), rules_from_text(AQUEDUCT_RULES))
    assert _pairwise_overlap(zones) < 0.01
    # One hole, by hand: inside the turns the points nearest to the aqueduct lie between
    # the turns' bisectors (at 90° - turn/2 to it), which meet tan(90° - turn/2) * 200 m
    # out; beyond its 225 m they are in no zone, and the open channels' 1,060 m zones
    # close around them.
    union = _union(zones)
    slope = np.tan(np.radians(90 - turn / 2))
    apex = 200 * slope
    width = 400 - 2 * 225 / slope
    assert [shapely.Polygon(r).area for r in union.interiors] == pytest.approx(
        [width * (apex - 225) / 2], rel=1e-4)


@pytest.mark.parametrize("turn", [160.0, 170.0])
def test_sharp_junction_does_not_overlap(turn: float) -> None:
    frame = line_frame(*_turns([2000, 2000], [turn]), structure=["渡槽", "明渠"])
    zones = build_zones(Canal.from_frame(frame), rules_from_text(AQUEDUCT_RULES))
    assert _pairwise_overlap(zones) < 0.01
    # Every point within 1,060 m of the open channel and nearer to it is zoned; the
    # aqueduct's zone ends at 225 m: checked on the union against plain buffers.
    union = _union(zones)
    canal = Canal.from_frame(frame)
    wide = canal.segments.geometry.iloc[1].buffer(1060, quad_segs=256)
    assert union.area <= wide.union(canal.line.buffer(225, quad_segs=256)).area + 10


def test_dissolved_areas_are_measured_not_summed() -> None:
    # A U whose arms are closer than twice the widths: the pieces meet at the middle line.
    frame = line_frame(*_turns([2000, 600, 2000], [90, 90]), segment_id=["A", "B", "C"])
    canal = Canal.from_frame(frame)
    zones = build_zones(canal, uniform_rules(edge=20, first=50, second=300))
    dissolved = dissolve_zones(zones)
    plain = canal.line.buffer(370, quad_segs=256).area
    assert dissolved["area_m2"].sum() == pytest.approx(plain, rel=1e-4)
    # In degrees the areas are still taken in metres, from the dissolved shapes.
    wgs = dissolve_zones(build_zones(canal, uniform_rules(edge=20, first=50, second=300),
                                     crs="EPSG:4326"))
    assert wgs["area_m2"].sum() == pytest.approx(plain, rel=1e-3)
    # Zones from elsewhere that overlap are not counted twice.
    doubled = gpd.GeoDataFrame(pd.concat([zones, zones], ignore_index=True), crs=zones.crs)
    assert dissolve_zones(doubled)["area_m2"].sum() == pytest.approx(plain, rel=1e-4)


@pytest.mark.parametrize(
    ("edge", "rules_text", "message"),
    [
        # The edge comes from the canal, the widths from the rules: only together too far.
        (60_000.0, "widths = { first = 30000, second = 20000 }",
         r"segment A 左岸: management edge 60,000 m plus the zone or corridor widths of rule "
         r"'all' reach 110,000 m from the centerline; the outer line must stay within 100 km"),
        (95_000.0, "widths = { first = 50 }\ncorridor_m = 10000",
         r"reach 105,000 m from the centerline"),
    ],
)
def test_edge_plus_widths_beyond_100_km_is_a_rules_error(
    edge: float, rules_text: str, message: str
) -> None:
    from geo_guard._errors import RulesError

    canal = Canal.from_frame(
        line_frame([(0, 0), (1000, 0)], segment_id=["A"], edge_left_m=[edge], edge_right_m=[60])
    )
    rules = rules_from_text(f'[[rules]]\nname = "all"\ndefault = true\n{rules_text}\n')
    with pytest.raises(RulesError, match=message):
        build_zones(canal, rules)


def test_clipped_zones_still_tile() -> None:
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    area = gpd.read_file(SAMPLE / "study_area.geojson")
    zones = build_zones(canal, load_rules(SAMPLE / "zone_rules.example.toml"), clip=area,
                        crs=canal.metric_crs)
    assert _pairwise_overlap(zones) < 1e-6
    union = shapely.union_all(zones.geometry.to_numpy())
    assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))
    plain = shapely.intersection(shapely.union_all(build_zones(
        canal, load_rules(SAMPLE / "zone_rules.example.toml"), crs=canal.metric_crs
    ).geometry.to_numpy()), shapely.union_all(area.to_crs(canal.metric_crs).geometry.values))
    assert zones["area_m2"].sum() == pytest.approx(plain.area, rel=1e-9)
