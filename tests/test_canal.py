from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
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
