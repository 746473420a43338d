"""Tests for geo_guard.crs: CRS parsing, GCJ-02/BD-09 offsets, metric CRS choice."""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geo_guard._errors import CRSError, CRSMissingError, OptionError
from geo_guard.crs import (
    InputCRS,
    apply_offset,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84_xy,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_apply_offset,
    geometry_remove_offset,
    metric_crs_for,
    parse_crs,
    remove_offset,
    to_wgs84_xy,
    wgs84_to_bd09,
    wgs84_to_gcj02,
    with_input_crs,
)
from geo_guard.crs import parse as gcrs_parse

from .conftest import shared_file

GEOD = pyproj.Geod(ellps="WGS84")
NANYANG = (112.5, 33.0)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between two sets of lon/lat points."""
    a = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    return np.asarray(GEOD.inv(*a)[2])


@pytest.fixture(scope="module")
def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """10,000 seeded WGS84 points well inside the China rectangle (away from its edge)."""
    rng = np.random.default_rng(20240611)
    return rng.uniform(75.0, 134.0, 10_000), rng.uniform(5.0, 53.0, 10_000)


# --------------------------------------------------------------------------------------
# Published test vectors and offset functions
# --------------------------------------------------------------------------------------


def test_wgs84_to_gcj02_public_vector():
    lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    assert float(lon) == pytest.approx(121.531541859215, abs=1e-9)
    assert float(lat) == pytest.approx(31.17530398364597, abs=1e-9)


def test_gcj02_to_wgs84_public_vector():
    lon, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    assert float(lon) == pytest.approx(121.5272106, abs=1e-9)
    assert float(lat) == pytest.approx(31.1774276, abs=1e-9)


def test_gcj02_to_bd09_public_vector():
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert float(lon) == pytest.approx(116.41036949371029, abs=1e-9)
    assert float(lat) == pytest.approx(39.92133699351022, abs=1e-9)


def test_bd09_to_gcj02_public_vector():
    lon, lat = bd09_to_gcj02(116.41036949371029, 39.92133699351022)
    assert float(lon) == pytest.approx(116.404, abs=1e-9)
    assert float(lat) == pytest.approx(39.915, abs=1e-9)


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (wgs84_to_gcj02, gcj02_to_wgs84),
        (wgs84_to_bd09, bd09_to_wgs84),
        (gcj02_to_bd09, bd09_to_gcj02),
    ],
    ids=["gcj02", "bd09", "gcj02-bd09"],
)
def test_round_trips_under_1cm(china_grid, forward, inverse):
    lon, lat = china_grid
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01
    # The other way round: the inverse is exact, not the usual one-step approximation.
    again_lon, again_lat = forward(*inverse(lon, lat))
    assert metres(lon, lat, again_lon, again_lat).max() < 0.01


def test_inverse_is_much_better_than_one_step_approximation(china_grid):
    # The naive inverse (subtract the forward shift once) is off by metres: make sure the
    # iteration really runs.
    lon, lat = china_grid
    glon, glat = wgs84_to_gcj02(lon, lat)
    flon, flat = wgs84_to_gcj02(glon, glat)
    naive = metres(lon, lat, 2 * glon - flon, 2 * glat - flat).max()
    exact = metres(lon, lat, *gcj02_to_wgs84(glon, glat)).max()
    assert naive > 0.1
    assert exact < 0.001


def test_gcj02_shift_near_nanyang():
    lon, lat = wgs84_to_gcj02(*NANYANG)
    assert float(lon) - NANYANG[0] == pytest.approx(0.0058, abs=0.0005)
    assert float(lat) - NANYANG[1] == pytest.approx(-0.0020, abs=0.0005)
    assert float(metres(*NANYANG, lon, lat)) == pytest.approx(590, abs=40)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(-0.1276, 51.5072), (151.2093, -33.8688), (139.6917, 35.6895), (72.0, 30.0), (112.5, 2.0)],
    ids=["london", "sydney", "tokyo", "west-of-china", "south-of-china"],
)
def test_outside_china_unchanged(lon, lat):
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        assert float(out_lon) == lon
        assert float(out_lat) == lat


def test_arrays_keep_shape_and_inputs_are_not_modified():
    lon = np.array([[112.5, 113.0], [0.0, 112.0]])
    lat = np.array([[33.0, 33.5], [0.0, 32.5]])
    lon_before, lat_before = lon.copy(), lat.copy()
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        assert out_lon.shape == out_lat.shape == (2, 2)
        assert out_lon is not lon
    np.testing.assert_array_equal(lon, lon_before)
    np.testing.assert_array_equal(lat, lat_before)


def test_scalars_give_0d_arrays_and_lists_broadcast():
    lon, lat = gcj02_to_wgs84(112.5, 33.0)
    assert isinstance(lon, np.ndarray) and lon.shape == ()
    lon, lat = wgs84_to_gcj02([112.5, 113.0], 33.0)
    assert lon.shape == lat.shape == (2,)


def test_nan_and_inf_pass_through_without_warnings():
    lon = np.array([np.nan, np.inf, 112.5])
    lat = np.array([33.0, 33.0, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (wgs84_to_gcj02, gcj02_to_wgs84, bd09_to_wgs84):
            out_lon, out_lat = fn(lon, lat)
            assert np.isnan(out_lon[0]) and np.isnan(out_lat[2])
        out_lon, _ = gcj02_to_wgs84(lon, lat)
        assert np.isinf(out_lon[1])


def test_empty_arrays():
    lon, lat = gcj02_to_wgs84(np.array([]), np.array([]))
    assert lon.size == lat.size == 0


@pytest.mark.parametrize(
    ("offset", "forward"),
    [("gcj02", wgs84_to_gcj02), ("GCJ-02", wgs84_to_gcj02), ("amap", wgs84_to_gcj02),
     ("bd09", wgs84_to_bd09), ("baidu", wgs84_to_bd09)],
)  # fmt: skip
def test_apply_and_remove_offset(offset, forward):
    lon, lat = apply_offset(*NANYANG, offset)
    exp_lon, exp_lat = forward(*NANYANG)
    assert float(lon) == float(exp_lon) and float(lat) == float(exp_lat)
    back = remove_offset(lon, lat, offset)
    assert float(metres(*NANYANG, *back)) < 0.01


def test_offset_none_returns_a_copy():
    lon = np.array([112.5])
    lat = np.array([33.0])
    for fn in (apply_offset, remove_offset):
        out_lon, _ = fn(lon, lat, None)
        np.testing.assert_array_equal(out_lon, lon)
        out_lon[0] = 0.0
        assert lon[0] == 112.5


@pytest.mark.parametrize("fn", [apply_offset, remove_offset])
@pytest.mark.parametrize("bad", ["wgs84", "mars", "", 3])
def test_unknown_offset_raises(fn, bad):
    with pytest.raises(CRSError, match=r"unknown coordinate offset .*use None, 'gcj02' or 'bd09'"):
        fn(112.5, 33.0, bad)


# --------------------------------------------------------------------------------------
# parse_crs and InputCRS
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "epsg", "offset"),
    [
        ("wgs84", 4326, None),
        ("WGS-84", 4326, None),
        ("wgs_84", 4326, None),
        ("cgcs2000", 4490, None),
        ("CGCS-2000", 4490, None),
        ("gcj02", 4326, "gcj02"),
        ("gcj-02", 4326, "gcj02"),
        ("GCJ_02", 4326, "gcj02"),
        ("amap", 4326, "gcj02"),
        ("AMap", 4326, "gcj02"),
        ("gaode", 4326, "gcj02"),
        ("tencent", 4326, "gcj02"),
        ("火星坐标", 4326, "gcj02"),
        ("bd09", 4326, "bd09"),
        ("bd-09", 4326, "bd09"),
        ("BD_09", 4326, "bd09"),
        ("baidu", 4326, "bd09"),
        (" Baidu ", 4326, "bd09"),
        (4547, 4547, None),
        (np.int64(4547), 4547, None),
        ("4547", 4547, None),
        ("EPSG:4547", 4547, None),
        ("epsg:4546", 4546, None),
        ("EPSG:32649", 32649, None),
    ],
)
def test_parse_crs_aliases_and_codes(value, epsg, offset):
    parsed = parse_crs(value)
    assert isinstance(parsed, InputCRS)
    assert parsed.crs.to_epsg() == epsg
    assert parsed.offset == offset
    assert parsed.label


def test_parse_crs_label_keeps_user_spelling():
    assert parse_crs("gaode").label == "gaode"
    assert parse_crs(4547).label == "EPSG:4547"
    assert parse_crs(pyproj.CRS.from_epsg(4547)).label == "EPSG:4547"


def test_parse_crs_wkt_proj_and_objects():
    wkt = pyproj.CRS.from_epsg(4547).to_wkt()
    assert parse_crs(wkt).crs.equals(pyproj.CRS.from_epsg(4547))
    proj = parse_crs("+proj=tmerc +lon_0=114 +k=1 +x_0=500000 +ellps=GRS80 +units=m")
    assert proj.crs.is_projected and proj.offset is None
    crs = pyproj.CRS.from_epsg(4490)
    assert parse_crs(crs).crs == crs
    given = parse_crs("amap")
    assert parse_crs(given) is given
    assert parse_crs(None) is None


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("mars-grid", r"unknown CRS 'mars-grid'; use wgs84, cgcs2000, gcj02 .*bd09.*EPSG:4547"),
        ("", r"empty CRS; use wgs84"),
        ("   ", r"empty CRS; use wgs84"),
        (4547.0, r"unknown CRS 4547\.0; use wgs84"),
        (True, r"unknown CRS True; use wgs84"),
        ([4326], r"unknown CRS \[4326\]; use wgs84"),
        (999999, r"unknown EPSG code 999999; use wgs84"),
        ("EPSG:999999", r"unknown CRS 'EPSG:999999'; use wgs84"),
        ("bd09mc", r"Baidu Mercator .*pass --crs bd09"),
        ("EPSG:5773", r"EPSG:5773 is not a geographic or projected CRS"),
    ],
)
def test_parse_crs_errors(value, match):
    with pytest.raises(CRSError, match=match) as info:
        parse_crs(value)
    assert "\n" not in str(info.value)


def test_parse_crs_error_for_long_wkt_is_one_bounded_line():
    bad = 'GEOGCRS["broken",\n' + "x" * 500
    with pytest.raises(CRSError, match=r"unknown CRS .*\.\.\.; use wgs84") as info:
        parse_crs(bad)
    assert "\n" not in str(info.value) and len(str(info.value)) < 250


def test_input_crs_validates_offset():
    with pytest.raises(CRSError, match=r"unknown coordinate offset 'wgs84'; use None"):
        InputCRS(pyproj.CRS.from_epsg(4326), "wgs84", "x")
    with pytest.raises(CRSError, match=r"offset gcj02 needs lon/lat coordinates.*EPSG:4547"):
        InputCRS(pyproj.CRS.from_epsg(4547), "gcj02", "x")


# --------------------------------------------------------------------------------------
# metric_crs_for
# --------------------------------------------------------------------------------------


def bbox(lon: float, lat: float, half: float = 0.2) -> tuple[float, float, float, float]:
    return (lon - half, lat - half, lon + half, lat + half)


@pytest.mark.parametrize(
    ("lon", "lat", "policy", "epsg"),
    [
        (112.2, 33.0, "gk3", 4546),
        (113.0, 33.0, "gk3", 4547),
        (112.5, 33.0, "gk3", 4547),  # tie between CM 111E and 114E goes east
        (112.49, 33.0, "gk3", 4546),
        (75.0, 40.0, "gk3", 4534),
        (135.0, 48.0, "gk3", 4554),
        (112.2, 33.0, "GK3", 4546),
        (112.2, 33.0, "utm", 32649),
        (112.2, -33.0, "utm", 32749),
        (10.0, 50.0, "gk3", 32632),  # outside 73.5-136.5E: UTM
        (137.0, 35.0, "gk3", 32653),
        (-179.9, 10.0, "utm", 32601),
    ],
)
def test_metric_crs_for_bounds(lon, lat, policy, epsg):
    assert metric_crs_for(bbox(lon, lat, 0.05), policy).to_epsg() == epsg


def test_gk3_epsg_codes_match_their_central_meridians():
    for cm in range(75, 136, 3):
        crs = metric_crs_for(bbox(cm + 0.4, 35.0, 0.1))
        assert crs.name == f"CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"
    assert metric_crs_for(bbox(111.0, 33.0)).to_epsg() == 4546
    assert metric_crs_for(bbox(114.0, 33.0)).to_epsg() == 4547


def test_metric_crs_for_frames_in_any_crs():
    pts = gpd.GeoSeries([Point(112.0, 32.8), Point(112.4, 33.2)], crs="EPSG:4326")
    assert metric_crs_for(pts).to_epsg() == 4546
    assert metric_crs_for(gpd.GeoDataFrame(geometry=pts)).to_epsg() == 4546
    # Same points in a projected CRS of another zone: the centre is taken in WGS84.
    assert metric_crs_for(pts.to_crs(4547)).to_epsg() == 4546
    assert metric_crs_for(pts.to_crs(4547), "utm").to_epsg() == 32649


def test_metric_crs_for_explicit_policies():
    assert metric_crs_for(None, 4547).to_epsg() == 4547
    assert metric_crs_for(bbox(*NANYANG), "EPSG:32649").to_epsg() == 32649
    assert metric_crs_for(bbox(*NANYANG), pyproj.CRS.from_epsg(4546)).to_epsg() == 4546


@pytest.mark.parametrize(
    ("policy", "label"),
    [
        ("EPSG:4326", "EPSG:4326"),
        (4490, "EPSG:4490"),
        ("gcj02", "gcj02"),
        ("EPSG:2263", "EPSG:2263"),  # projected, but in US survey feet
    ],
)
def test_metric_crs_for_rejects_non_metric_policies(policy, label):
    with pytest.raises(
        CRSError,
        match=rf"{label} is not a metric projected CRS; pass e\.g\. EPSG:4547 or 'gk3'/'utm'",
    ):
        metric_crs_for(bbox(*NANYANG), policy)


def test_metric_crs_for_errors():
    with pytest.raises(CRSError, match=r"unknown CRS 'gk6'"):
        metric_crs_for(bbox(*NANYANG), "gk6")
    with pytest.raises(CRSError, match=r"no metric CRS policy given; pass e\.g\. EPSG:4547"):
        metric_crs_for(bbox(*NANYANG), None)  # type: ignore[arg-type]
    with pytest.raises(CRSMissingError, match=r"data has no CRS; set one first"):
        metric_crs_for(gpd.GeoSeries([Point(112.5, 33.0)]))
    with pytest.raises(CRSError, match=r"cannot choose a metric CRS for empty data"):
        metric_crs_for(gpd.GeoSeries([], crs="EPSG:4326"))
    with pytest.raises(OptionError, match=r"are not \(minx, miny, maxx, maxy\)"):
        metric_crs_for((112.0, 33.0))
    with pytest.raises(OptionError, match=r"are not \(minx, miny, maxx, maxy\)"):
        metric_crs_for(None)
    with pytest.raises(OptionError, match=r"is not lon/lat in degrees"):
        metric_crs_for((500000.0, 3650000.0, 510000.0, 3660000.0))


# --------------------------------------------------------------------------------------
# Point transforms and axis order
# --------------------------------------------------------------------------------------


def test_epsg4490_axis_order_lon_first():
    # EPSG:4490 is officially latitude-first and EPSG:4546 northing-first; with always_xy
    # callers pass lon/lat and get easting/northing.
    assert pyproj.CRS.from_epsg(4490).axis_info[0].direction == "north"
    assert pyproj.CRS.from_epsg(4546).axis_info[0].direction == "north"
    x, y = pyproj.Transformer.from_crs(4490, 4546, always_xy=True).transform(111.0, 33.0)
    assert x == pytest.approx(500000.0, abs=1e-6)
    assert y == pytest.approx(3_652_748.0, abs=1.0)

    lon, lat = to_wgs84_xy(111.0, 33.0, parse_crs("cgcs2000"))
    assert (float(lon), float(lat)) == pytest.approx((111.0, 33.0), abs=1e-9)
    x, y = from_wgs84_xy(lon, lat, parse_crs(4546))
    assert float(x) == pytest.approx(500000.0, abs=1e-6)


def test_easting_offset_from_central_meridian():
    # 1 degree east of CM 111E at 33N: ~93.45 km geodesic, plus the TM scale (~1e-4).
    x, _ = from_wgs84_xy(112.0, 33.0, "EPSG:4546")
    geodesic = float(metres(111.0, 33.0, 112.0, 33.0))
    assert float(x) - 500000.0 == pytest.approx(geodesic, abs=20.0)


def test_to_and_from_wgs84_round_trip_projected():
    lon, lat = np.meshgrid(np.linspace(111.5, 114.5, 20), np.linspace(31.0, 35.0, 20))
    x, y = from_wgs84_xy(lon, lat, parse_crs("EPSG:4547"))
    back_lon, back_lat = to_wgs84_xy(x, y, parse_crs("EPSG:4547"))
    assert metres(lon, lat, back_lon, back_lat).max() < 1e-3


@pytest.mark.parametrize("name", ["gcj02", "bd09"])
def test_to_wgs84_xy_removes_offset(name):
    off_lon, off_lat = apply_offset(*NANYANG, name)
    lon, lat = to_wgs84_xy(off_lon, off_lat, parse_crs(name))
    assert float(metres(*NANYANG, lon, lat)) < 0.01
    again = from_wgs84_xy(lon, lat, name)  # plain names are accepted too
    assert float(metres(off_lon, off_lat, *again)) < 0.01


def test_transformers_are_cached():
    a, b = pyproj.CRS.from_epsg(4547), pyproj.CRS.from_epsg(4326)
    assert gcrs_parse._transformer(a, b) is gcrs_parse._transformer(pyproj.CRS("EPSG:4547"), b)


def test_point_transforms_need_a_crs():
    with pytest.raises(CRSMissingError, match=r"no CRS given; pass one of wgs84"):
        to_wgs84_xy(1.0, 2.0, None)  # type: ignore[arg-type]
    with pytest.raises(CRSError, match=r"unknown CRS 'nope'"):
        from_wgs84_xy(1.0, 2.0, "nope")


# --------------------------------------------------------------------------------------
# Offsets on geometries
# --------------------------------------------------------------------------------------


def square(lon: float, lat: float, half: float = 0.001) -> Polygon:
    return box(lon - half, lat - half, lon + half, lat + half)


def test_geometry_remove_offset_geoseries_keeps_index_and_name():
    gs = gpd.GeoSeries(
        [square(*NANYANG), LineString([(112.4, 32.9), (112.6, 33.1)]), Point(112.5, 33.0)],
        index=[10, 20, 30],
        name="shape",
        crs="EPSG:4326",
    )
    out = geometry_remove_offset(gs, "gcj02")
    assert isinstance(out, gpd.GeoSeries)
    assert list(out.index) == [10, 20, 30] and out.name == "shape"
    assert out.crs.to_epsg() == 4326
    assert list(out.geom_type) == ["Polygon", "LineString", "Point"]
    exp_lon, exp_lat = gcj02_to_wgs84(112.5, 33.0)
    assert (out.iloc[2].x, out.iloc[2].y) == pytest.approx((float(exp_lon), float(exp_lat)))
    assert gs.iloc[2].x == 112.5  # caller's series untouched


def test_geometry_offsets_on_shapely_inputs_and_z():
    p = geometry_apply_offset(Point(112.5, 33.0, 120.0), "bd09")
    assert p.has_z and p.z == 120.0
    back = geometry_remove_offset(p, "bd09")
    assert float(metres(112.5, 33.0, back.x, back.y)) < 0.01 and back.z == 120.0

    arr = np.array([Point(112.5, 33.0), MultiPolygon([square(112.4, 32.9)]), Polygon()])
    out = geometry_apply_offset(arr, "gcj02")
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    assert out[1].geom_type == "MultiPolygon" and out[2].is_empty
    assert shapely.get_num_coordinates(out).tolist() == shapely.get_num_coordinates(arr).tolist()


def test_geometry_apply_offset_converts_projected_frames_first():
    gs = gpd.GeoSeries([Point(112.5, 33.0)], crs="EPSG:4326")
    direct = geometry_apply_offset(gs, "gcj02")
    via_gk = geometry_apply_offset(gs.to_crs(4547), "gcj02")
    assert via_gk.crs.to_epsg() == 4326
    assert float(metres(direct.x, direct.y, via_gk.x, via_gk.y)[0]) < 1e-3


def test_geometry_remove_offset_rejects_projected_frames():
    gs = gpd.GeoSeries([Point(500000.0, 3650000.0)], crs="EPSG:4547")
    with pytest.raises(CRSError, match=r"EPSG:4547, a projected CRS, but gcj02 offsets apply"):
        geometry_remove_offset(gs, "gcj02")


def test_geometry_offset_none_is_a_copy():
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(112.5, 33.0)], crs="EPSG:4490")
    for fn in (geometry_remove_offset, geometry_apply_offset):
        out = fn(gdf, None)
        assert out is not gdf and out.crs.to_epsg() == 4490
        assert out.geometry.iloc[0].equals(gdf.geometry.iloc[0])
    with pytest.raises(CRSError, match=r"unknown coordinate offset 'utm'"):
        geometry_remove_offset(gdf, "utm")


# --------------------------------------------------------------------------------------
# with_input_crs
# --------------------------------------------------------------------------------------


@pytest.fixture
def gcj_frame() -> gpd.GeoDataFrame:
    """A GeoJSON-like frame: GCJ-02 coordinates that claim EPSG:4326, odd index."""
    gcj_lon, gcj_lat = wgs84_to_gcj02(*NANYANG)
    return gpd.GeoDataFrame(
        {"name": ["养殖场", "加油站"]},
        geometry=[square(float(gcj_lon), float(gcj_lat)), Point(float(gcj_lon), float(gcj_lat))],
        index=[7, 3],
        crs="EPSG:4326",
    )


def test_with_input_crs_gcj02_polygon_moves_about_590m(gcj_frame, caplog):
    before = gcj_frame.copy()
    with caplog.at_level(logging.WARNING, logger="geo_guard.crs"):
        out = with_input_crs(gcj_frame, "gcj02", "shops.geojson")
    assert not caplog.records  # the usual AMap case is not worth a warning
    assert out.crs.to_epsg() == 4326
    assert list(out.index) == [7, 3] and list(out["name"]) == ["养殖场", "加油站"]
    assert list(out.geom_type) == ["Polygon", "Point"]
    old_c, new_c = gcj_frame.geometry.iloc[0].centroid, out.geometry.iloc[0].centroid
    assert float(metres(old_c.x, old_c.y, new_c.x, new_c.y)) == pytest.approx(590, abs=40)
    assert (new_c.x, new_c.y) == pytest.approx(NANYANG, abs=1e-8)
    # The caller's frame is unchanged.
    assert gcj_frame.geometry.geom_equals(before.geometry).all()
    assert gcj_frame.crs == before.crs


def test_with_input_crs_override_warns_when_file_differs(gcj_frame, caplog):
    frame = gcj_frame.set_crs(4547, allow_override=True)
    with caplog.at_level(logging.WARNING, logger="geo_guard.crs"):
        out = with_input_crs(frame, "wgs84", "points.gpkg")
    assert out.crs.to_epsg() == 4326
    assert frame.crs.to_epsg() == 4547
    # Relabelled, not moved.
    assert shapely.equals(np.asarray(out.geometry.values), np.asarray(frame.geometry.values)).all()
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "points.gpkg declares EPSG:4547 but --crs wgs84 was given" in record.getMessage()


def test_with_input_crs_bd09_and_no_warning_for_same_crs(caplog):
    bd_lon, bd_lat = wgs84_to_bd09(*NANYANG)
    frame = gpd.GeoDataFrame(geometry=[Point(float(bd_lon), float(bd_lat))])  # no CRS
    with caplog.at_level(logging.WARNING, logger="geo_guard.crs"):
        out = with_input_crs(frame, "baidu", "baidu.csv")
        same = with_input_crs(out, "EPSG:4326", "again")
    assert not caplog.records
    assert (out.geometry.x.iloc[0], out.geometry.y.iloc[0]) == pytest.approx(NANYANG, abs=1e-8)
    assert frame.crs is None
    assert same.crs.to_epsg() == 4326 and same is not out


def test_with_input_crs_keeps_file_crs_when_none_given(gcj_frame):
    out = with_input_crs(gcj_frame, None, "shops.geojson")
    assert out is not gcj_frame
    assert out.crs == gcj_frame.crs
    assert out.geometry.geom_equals(gcj_frame.geometry).all()


def test_with_input_crs_missing_crs():
    frame = gpd.GeoDataFrame(geometry=[Point(112.5, 33.0)])
    with pytest.raises(
        CRSMissingError,
        match=r"^risk\.csv has no CRS; pass --crs \(wgs84, cgcs2000, gcj02, bd09 or an EPSG code "
        r"such as EPSG:4547\)$",
    ):
        with_input_crs(frame, None, "risk.csv")


def test_with_input_crs_bad_crs():
    frame = gpd.GeoDataFrame(geometry=[Point(112.5, 33.0)], crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"unknown CRS 'marsgrid'"):
        with_input_crs(frame, "marsgrid", "risk.csv")


# --------------------------------------------------------------------------------------
# Real data: DataV districts of Nanyang, GCJ-02 vs the published WGS84 conversion
# --------------------------------------------------------------------------------------


@pytest.mark.real_data
def test_datav_districts_convert_to_published_wgs84():
    gcj_path = shared_file("nanyang_districts_datav_gcj02.geojson")
    wgs_path = shared_file("nanyang_districts_datav_wgs84.geojson")
    gcj = gpd.read_file(gcj_path, engine="pyogrio")
    wgs = gpd.read_file(wgs_path, engine="pyogrio")
    # Same features, same vertices, same order: compare vertex by vertex.
    assert list(gcj["adcode"]) == list(wgs["adcode"]) and len(gcj) == 13
    np.testing.assert_array_equal(
        shapely.get_num_coordinates(gcj.geometry.values),
        shapely.get_num_coordinates(wgs.geometry.values),
    )

    converted = geometry_remove_offset(gcj, "gcj02")
    assert converted.crs.to_epsg() == 4326 and list(converted.index) == list(gcj.index)
    ours = shapely.get_coordinates(converted.geometry.values)
    theirs = shapely.get_coordinates(wgs.geometry.values)
    raw = shapely.get_coordinates(gcj.geometry.values)
    dist = metres(ours[:, 0], ours[:, 1], theirs[:, 0], theirs[:, 1])
    assert len(dist) > 5000
    assert dist.max() < 1.0
    # And the offset really was large before conversion.
    before = metres(raw[:, 0], raw[:, 1], theirs[:, 0], theirs[:, 1])
    assert np.median(before) == pytest.approx(590, abs=60)


# --------------------------------------------------------------------------------------
# Data whose coordinates do not fit the CRS it declares
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("epsg", [4490, 4326])
def test_latitude_first_data_gets_a_hint_to_swap_axes(epsg):
    # EPSG:4490/4326 officially list latitude first; some software writes (lat, lon).
    lat_first = gpd.GeoSeries([Point(33.0, 112.5), Point(33.1, 112.6)], crs=epsg)
    with pytest.raises(
        CRSError,
        match=rf"canal.gpkg \(EPSG:{epsg}\) is centred at x=33.05, y=112.55: x holds the "
        r"latitude and y the longitude .*swap X and Y \(QGIS: Processing > Swap X and Y",
    ):
        metric_crs_for(lat_first, source="canal.gpkg")


def test_coordinates_that_fit_no_crs_say_so():
    metres_said_degrees = gpd.GeoSeries([Point(500000.0, 3650000.0)], crs=4326)
    with pytest.raises(CRSError, match=r"do not fit its CRS EPSG:4326; give the real one"):
        metric_crs_for(metres_said_degrees)
    infinite = gpd.GeoSeries([Point(112.5, 33.0), Point(np.inf, 33.0)], crs=4326)
    with pytest.raises(CRSError, match=r"the data has infinite or NaN coordinates"):
        metric_crs_for(infinite)
