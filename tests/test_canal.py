from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo_guard._errors import CanalError, CRSMissingError
from geo_guard.canal.model import Canal

from .conftest import X0, Y0, line_frame, shared_file


def test_chainage_distance_and_bank_on_a_straight_line(straight_canal: Canal) -> None:
    canal = Canal.from_frame(straight_canal.segments, chainage_start_m=12000)
    x = X0 + np.array([250.0, 1500.0, 2999.0, -30.0, 3040.0, 500.0])
    y = Y0 + np.array([10.0, -25.0, 0.0, 40.0, -30.0, 0.0])
    loc = canal.locate(x, y)
    assert loc.distance_m == pytest.approx([10, 25, 0, 50, 50, 0])
    assert loc.chainage_m == pytest.approx([12250, 13500, 14999, 12000, 15000, 12500])
    assert loc.banks().tolist() == ["左岸", "右岸", "", "左岸", "右岸", ""]
    assert loc.stakes().tolist() == [
        "K12+250",
        "K13+500",
        "K14+999",
        "K12+000",
        "K15+000",
        "K12+500",
    ]
    assert [canal.segments["segment_id"].iat[i] for i in loc.segment_index] == [*list("ABCAC"), "A"]


def test_bank_is_named_looking_downstream(straight_canal: Canal) -> None:
    reversed_canal = Canal.from_frame(straight_canal.segments, reverse=True)
    loc = reversed_canal.locate([X0 + 500], [Y0 + 10])
    assert loc.banks().tolist() == ["右岸"]
    assert reversed_canal.segments["segment_id"].tolist() == ["C", "B", "A"]
    assert loc.chainage_m == pytest.approx([2500])


def test_at_a_bend_the_nearest_edge_wins(bent_canal: Canal) -> None:
    # Outside (right) of the left turn at (1000, 0): nearest is the vertex itself.
    loc = bent_canal.locate([X0 + 1020], [Y0 - 20])
    assert loc.distance_m == pytest.approx([np.hypot(20, 20)])
    assert loc.chainage_m == pytest.approx([1000])
    assert loc.banks().tolist() == ["右岸"]
    # Inside the bend, closer to the second segment.
    loc = bent_canal.locate([X0 + 1050], [Y0 + 100])
    t_out = np.array([500, 600]) / np.hypot(500, 600)
    along = np.dot([50, 100], t_out)
    assert loc.distance_m == pytest.approx([abs(t_out[0] * 100 - t_out[1] * 50)])
    assert loc.chainage_m == pytest.approx([1000 + along])
    assert loc.banks().tolist() == ["左岸"]
    assert bent_canal.segments["segment_id"].iat[loc.segment_index[0]] == "B"


def test_missing_points_stay_missing(straight_canal: Canal) -> None:
    loc = straight_canal.locate([np.nan, X0 + 10], [Y0, Y0 + 1])
    assert np.isnan(loc.distance_m[0]) and loc.segment_index[0] == -1
    assert loc.banks().tolist() == ["", "左岸"]


def test_parts_are_oriented_joined_and_cleaned(caplog: pytest.LogCaptureFixture) -> None:
    frame = line_frame(
        [(1000, 0), (0, 0)],  # digitised upstream
        [(1000, 0), (2000, 0)],
        [(1000, 0), (2000, 0)],  # repeated
        [(2005, 0), (3000, 0)],  # 5 m gap
        [(4000, 0), (3000, 0)],  # digitised upstream
        segment_id=["A", "B", "B2", "C", "D"],
    )
    canal = Canal.from_frame(frame)
    assert canal.segments["segment_id"].tolist() == ["A", "B", "C", "D"]
    assert canal.length_m == pytest.approx(4000)
    text = " ".join(canal.issues)
    assert "part A was digitised upstream" in text and "part D was digitised upstream" in text
    assert "B2 repeats an earlier part" in text
    assert "gap of 5.0 m between parts B and C" in text and "E " in text


def test_parts_that_do_not_join_are_an_error() -> None:
    frame = line_frame([(0, 0), (1000, 0)], [(5000, 0), (6000, 0)], segment_id=["A", "B"])
    with pytest.raises(CanalError, match=r"parts A and B do not join \(gap 4000 m at .*E .*N\)"):
        Canal.from_frame(frame)


def test_non_lines_empty_and_missing_crs() -> None:
    points = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:4547")
    with pytest.raises(CanalError, match="holds Point geometry, not lines"):
        Canal.from_frame(points, source="points.geojson")
    with pytest.raises(CanalError, match="no features"):
        Canal.from_frame(points.iloc[:0])
    no_crs = gpd.GeoDataFrame(geometry=[LineString([(112, 33), (112.1, 33.1)])])
    with pytest.raises(CRSMissingError, match="has no CRS; pass --crs"):
        Canal.from_frame(no_crs)
    canal = Canal.from_frame(no_crs, crs="wgs84")
    assert canal.metric_crs.to_epsg() == 4546
    assert canal.length_m == pytest.approx(14_500, rel=0.01)


def test_segment_attributes_normalised_and_ids_filled() -> None:
    frame = line_frame(
        [(0, 0), (100, 0)],
        [(100, 0), (200, 0)],
        建筑物类型=["Aqueduct", None],
        地下水=["above", "低于"],
    )
    canal = Canal.from_frame(frame)
    seg = canal.segments
    assert seg["segment_id"].tolist() == ["S01", "S02"]
    assert seg["structure"].tolist() == ["渡槽", "明渠"]
    assert seg["groundwater"].tolist() == ["高于渠底", "低于渠底"]


def test_calibration_makes_chainage_piecewise_linear(straight_canal: Canal) -> None:
    calibration = gpd.GeoDataFrame(
        {"stake": ["K10+000", "K11+100"]},
        geometry=[Point(X0, Y0 + 5), Point(X0 + 1000, Y0 - 5)],
        crs="EPSG:4547",
    )
    canal = Canal.from_frame(straight_canal.segments, calibration=calibration)
    chain = canal.chainage_at([0, 500, 1000, 2000])
    assert chain == pytest.approx([10000, 10550, 11100, 12100])
    assert canal.measure_at(chain) == pytest.approx([0, 500, 1000, 2000])
    assert canal.stake(10550.0) == "K10+550"


def test_segment_start_chainages_calibrate() -> None:
    frame = line_frame([(0, 0), (1000, 0)], [(1000, 0), (2000, 0)], chainage_start_m=[5000, 6010])
    canal = Canal.from_frame(frame)
    assert canal.chainage_at([0, 500, 1000, 1500]) == pytest.approx([5000, 5505, 6010, 6510])


def test_decreasing_calibration_is_an_error() -> None:
    frame = line_frame([(0, 0), (1000, 0)], [(1000, 0), (2000, 0)], chainage_start_m=[5000, 4000])
    with pytest.raises(CanalError, match="must increase downstream"):
        Canal.from_frame(frame)


@pytest.mark.real_data
def test_real_osm_centerline() -> None:
    ways = gpd.read_file(shared_file("snwd_middle_route_ways_osm_wgs84.geojson"))
    canal = Canal.from_frame(ways)
    assert canal.length_m == pytest.approx(115_262, rel=0.002)
    assert canal.metric_crs.to_epsg() == 4546
    assert len(canal.segments) == 27 and not canal.issues
    assert set(canal.segments["structure"]) == {"明渠", "渡槽", "暗涵", "倒虹吸"}
    single = Canal.from_frame(
        gpd.read_file(shared_file("snwd_middle_route_centerline_osm_wgs84.geojson"))
    )
    assert single.length_m == pytest.approx(canal.length_m, abs=1)
    # Taocha head is the upstream start: chainage 0 there.
    start = canal.centerline("EPSG:4326").geometry.iloc[0].coords[0]
    assert start == pytest.approx((111.7091, 32.6745), abs=1e-3)


def test_locate_takes_one_point_as_two_numbers(straight_canal: Canal) -> None:
    from .conftest import X0, Y0

    where = straight_canal.locate(X0 + 500.0, Y0 - 30.0)  # 30 m right of K0+500
    assert where.distance_m.tolist() == pytest.approx([30.0])
    assert where.chainage_m.tolist() == pytest.approx([500.0])
    assert where.banks().tolist() == ["右岸"]


def test_part_keeps_segments_attributes_and_chainage(bent_canal: Canal) -> None:
    calibrated = Canal(bent_canal.segments.drop(columns=["start_m", "end_m"]),
                       crs=bent_canal.crs, calibration=[(0.0, 5000.0), (1500.0, 6600.0)])
    part = calibrated.part(400.0, 1700.0)
    assert part.length_m == pytest.approx(1300.0, abs=1e-9)
    assert part.segments["segment_id"].tolist() == ["A", "B"]
    # The same place has the same chainage on the part and on the whole canal (the
    # calibration's 1.0667 m per metre between 0 and 1500, 1 beyond), by hand.
    assert part.chainage_range == pytest.approx((5000 + 400 * 1600 / 1500, 6600 + 200))
    x, y = X0 + 1250, Y0 + 300 + 20  # near segment B's first edge
    whole, piece = calibrated.locate([x], [y]), part.locate([x], [y])
    assert piece.chainage_m == pytest.approx(whole.chainage_m, abs=1e-9)
    assert piece.distance_m == pytest.approx(whole.distance_m, abs=1e-9)
    # Vertices between the cuts are kept exactly; the cut ends lie on the line.
    inner = shapely.get_coordinates(part.line)[1:-1]
    assert (inner == shapely.get_coordinates(bent_canal.line)[1:2]).all()
    with pytest.raises(CanalError, match="empty stretch"):
        calibrated.part(900.0, 900.0)


# ------------------------------------------------------------- degenerate and hostile lines
def test_a_zero_length_canal_is_one_canal_error() -> None:
    frame = line_frame([(0, 0), (0, 0)], [(5, 5), (5, 5)])
    with pytest.raises(CanalError, match="the centerline has zero length"):
        Canal.from_frame(frame)


def test_a_start_snapped_onto_the_previous_end_leaves_no_zero_length_edge() -> None:
    # B starts 0.5 m past A's end and its second vertex IS A's end: snapping B's start
    # onto A's end would repeat that point (an edge of length 0, no direction).
    frame = line_frame(
        [(0, 0), (1000, 0)], [(1000.5, 0), (1000, 0), (2000, 0)], segment_id=["A", "B"]
    )
    canal = Canal.from_frame(frame)
    assert canal.segments["segment_id"].tolist() == ["A", "B"]
    assert (canal._edge_len > 0).all()
    assert canal.length_m == pytest.approx(2000)
    loc = canal.locate([X0 + 1000, X0 + 1500], [Y0 + 30, Y0 - 30])
    assert loc.distance_m == pytest.approx([30, 30]) and loc.banks().tolist() == ["左岸", "右岸"]
    from geo_guard.zones.build import build_zones

    from .conftest import uniform_rules

    zones = build_zones(canal, uniform_rules(edge=20, first=50, second=150))
    plain = LineString([(X0, Y0), (X0 + 2000, Y0)]).buffer(220, quad_segs=64)
    union = shapely.union_all(zones.geometry.values, grid_size=0.001)
    assert union.area == pytest.approx(plain.area, rel=1e-3)


def _lonlat_text(x: float, y: float) -> str:
    lon, lat = pyproj.Transformer.from_crs(4547, 4326, always_xy=True).transform(x, y)
    return f"{lon:.6f}E {lat:.6f}N"


def test_a_self_crossing_canal_is_reported_with_place_and_stakes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # East 2 km, north 1 km, west 1 km, south 2 km (crossing the first leg at x=1000),
    # east 2 km. Chainage of the crossing: 1000 on the first pass, 2000+1000+1000+1000.
    frame = line_frame(
        [(0, 0), (2000, 0), (2000, 1000), (1000, 1000), (1000, -1000), (3000, -1000)]
    )
    with caplog.at_level("WARNING"):
        canal = Canal.from_frame(frame, source="loop.geojson", chainage_start_m=10_000)
    crossing = [issue for issue in canal.issues if "crosses itself" in issue]
    assert len(crossing) == 1
    assert _lonlat_text(X0 + 1000, Y0) in crossing[0]
    assert "K11+000 and K15+000" in crossing[0]
    assert crossing[0] in caplog.text


def test_a_canal_running_back_over_itself_is_reported() -> None:
    canal = Canal.from_frame(line_frame([(0, 0), (1000, 0), (600, 0), (600, 500)]))
    assert [i for i in canal.issues if "itself" in i] == [
        f"canal: the centerline runs back over itself at {_lonlat_text(X0 + 600, Y0)} "
        "(K0+600 and K1+400); zones, banks and stakes are wrong there: check the vertex "
        "order of that stretch"
    ]


def test_a_simple_canal_has_no_crossing_issue(straight_canal: Canal, bent_canal: Canal) -> None:
    for canal in (straight_canal, bent_canal):
        assert not any("itself" in issue for issue in canal.issues)


@pytest.mark.parametrize(
    ("vertex", "message"),
    [
        ((1e10, 33.1), r"part #2 has a vertex at \(1e\+10, 33.1\), beyond longitude ±180"),
        ((np.inf, 33.1), r"part #2 has a vertex at \(inf, 33.1\), not a finite number"),
    ],
)
def test_a_vertex_off_the_globe_is_one_canal_error(vertex: tuple, message: str) -> None:
    frame = gpd.GeoDataFrame(
        geometry=[LineString([(112.3, 33.0), (112.4, 33.05)]),
                  LineString([(112.4, 33.05), vertex])],
        crs=4326,
    )
    with pytest.raises(CanalError, match=message):
        Canal.from_frame(frame)


def test_a_projected_vertex_off_the_earth_is_one_canal_error() -> None:
    frame = line_frame([(0, 0), (1000, 0)], [(1000, 0), (1e10, 0)])
    with pytest.raises(CanalError, match=r"beyond ±100,000,000 m"):
        Canal.from_frame(frame)


@pytest.mark.parametrize("edge", [np.inf, -5.0, 200_000.0])
def test_management_edge_out_of_range_is_an_error(edge: float) -> None:
    frame = line_frame([(0, 0), (1000, 0)], edge_left_m=[edge], segment_id=["A"])
    with pytest.raises(CanalError, match=r"edge_left_m is negative, infinite or over 100 km"):
        Canal.from_frame(frame)


def test_repeated_parts_found_among_many_match_pairwise_comparison() -> None:
    # The indexed duplicate check against the plain every-pair comparison it replaced.
    from geo_guard.canal.parts import repeated_parts

    rng = np.random.default_rng(8)
    parts = [LineString(rng.integers(0, 5, size=(rng.integers(2, 4), 2))) for _ in range(300)]
    parts += [parts[i].reverse() for i in rng.integers(0, 300, size=40)]
    geoms = np.array(shapely.remove_repeated_points(parts, 0.0))
    usable = shapely.length(geoms) > 0
    brute = np.array([
        bool(usable[i]) and any(usable[j] and geoms[i].equals(geoms[j]) for j in range(i))
        for i in range(len(geoms))
    ])
    assert brute.sum() > 40  # the case is not trivial
    assert (repeated_parts(geoms, usable) == brute).all()
