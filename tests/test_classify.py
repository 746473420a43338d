from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo_guard import Canal, load_rules
from geo_guard._errors import InputFileError
from geo_guard.classification.core import CHINESE_HEADERS, ZoneIndex, classify
from geo_guard.classification.summary import summarise
from geo_guard.zones.build import build_zones

from .conftest import METRIC, SAMPLE, X0, Y0, shared_file, uniform_rules

TO_WGS = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True)


def _table(points: list[tuple[float, float]], **extra: list) -> pd.DataFrame:
    """Points relative to (X0, Y0) in EPSG:4547, as a lon/lat table."""
    lon, lat = TO_WGS.transform([X0 + x for x, _ in points], [Y0 + y for _, y in points])
    return pd.DataFrame(
        {"名称": [f"p{i}" for i in range(len(points))], "经度": lon, "纬度": lat, **extra}
    )


def test_hand_made_points_on_a_straight_canal(straight_canal: Canal) -> None:
    canal = Canal.from_frame(straight_canal.segments, chainage_start_m=12000)
    points = [
        (500, 10),
        (1500, -45),
        (2500, 100),
        (1000, -300),
        (-30, 40),
        (3040, -30),
        (1500, 70),
        (1500, 20),
    ]
    out = classify(_table(points), canal, uniform_rules(edge=20, first=50, second=150))
    # the last two lie on a boundary (70 m, 20 m); via lon/lat they may land a hair off it
    assert out["zone_level"].tolist()[:6] == [0, 1, 2, 9, 1, 1]
    assert out["zone"].tolist()[:4] == ["管理范围", "一级保护区", "二级保护区", "保护区外"]
    assert out["distance_m"].to_numpy() == pytest.approx(
        [10, 45, 100, 300, 50, 50, 70, 20], abs=1e-3
    )
    assert out["chainage_m"].to_numpy() == pytest.approx(
        [12500, 13500, 14500, 13000, 12000, 15000, 13500, 13500], abs=1e-3
    )
    assert out["stake"].tolist()[:2] == ["K12+500", "K13+500"]
    assert out["bank"].tolist() == ["左岸", "右岸", "左岸", "右岸", "左岸", "右岸", "左岸", "左岸"]
    assert out["segment_id"].tolist() == ["A", "B", "C", "A", "A", "C", "B", "B"]
    assert (out["status"] == "ok").all()


def test_a_point_on_a_boundary_belongs_to_the_stricter_zone(straight_canal: Canal) -> None:
    points = gpd.GeoDataFrame(
        geometry=[
            Point(X0 + 1500, Y0 + 70),
            Point(X0 + 1500, Y0 - 20),
            Point(X0 + 1500, Y0 + 220),
            Point(X0 + 1000, Y0 + 50),
        ],
        crs=METRIC,
    )
    out = classify(points, straight_canal, uniform_rules(edge=20, first=50, second=150))
    assert out["zone_level"].tolist() == [1, 0, 2, 1]


def test_at_a_bend(bent_canal: Canal) -> None:
    out = classify(_table([(1020, -20), (1050, 100)]), bent_canal, uniform_rules())
    assert out["distance_m"].to_numpy() == pytest.approx([np.hypot(20, 20), 25.6], abs=0.05)
    assert out["bank"].tolist() == ["右岸", "左岸"]
    assert out["zone_level"].tolist() == [1, 1]
    assert out["chainage_m"].iloc[0] == pytest.approx(1000, abs=1e-3)


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-400, 2000), y=st.floats(-400, 1900))
def test_zone_level_follows_the_distance_for_uniform_widths(x: float, y: float) -> None:
    canal = _BENT
    loc = canal.locate([X0 + x], [Y0 + y])
    d = float(loc.distance_m[0])
    # Buffer arcs are chords: stay 5 cm clear of a threshold.
    assume(all(abs(d - t) > 0.05 for t in (20, 70, 220)))
    expected = 0 if d <= 20 else 1 if d <= 70 else 2 if d <= 220 else 9
    level = _BENT_INDEX.level_of_points(np.array([X0 + x]), np.array([Y0 + y]))
    assert level.tolist() == [expected]


def _bent() -> Canal:
    frame = gpd.GeoDataFrame(
        {"segment_id": ["A", "B"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 1000, Y0)]),
            LineString([(X0 + 1000, Y0), (X0 + 1500, Y0 + 600), (X0 + 1600, Y0 + 1500)]),
        ],
        crs=METRIC,
    )
    return Canal.from_frame(frame)


_BENT = _bent()
_BENT_INDEX = ZoneIndex.from_zones(build_zones(_BENT, uniform_rules()), _BENT.metric_crs)


def test_invalid_rows_are_kept_in_order_with_reasons(straight_canal: Canal) -> None:
    table = pd.DataFrame(
        {
            "名称": list("abcdefg"),
            "类型": ["养猪场", "农家乐", "排水口", "", "化工厂", "洗车场", "垃圾堆放点"],
            "经度": ["", "不详", "95", "33.0", "114.0", "113.99", "200"],
            "纬度": ["32.9", "33", "95", "114.0", "32.97", "", "33"],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    out = classify(table, straight_canal, uniform_rules())
    assert out.index.tolist() == [10, 11, 12, 13, 14, 15, 16]
    assert out["名称"].tolist() == list("abcdefg")
    assert out["status"].tolist() == [
        "invalid",
        "invalid",
        "invalid",
        "ok",
        "ok",
        "invalid",
        "invalid",
    ]
    assert "坐标为空" in out["reason"].iloc[0] and "empty" in out["reason"].iloc[0]
    assert "不详" in out["reason"].iloc[1]
    assert "swapped" in out["reason"].iloc[3]
    assert out["source_type"].tolist() == [
        "畜禽养殖",
        "旅游餐饮",
        "排污口",
        "其他",
        "工业企业",
        "经营场所",
        "固体废物堆存",
    ]
    bad = out["status"] == "invalid"
    assert out.loc[bad, "zone_level"].isna().all() and out.loc[bad, "stake"].eq("").all()
    assert out.loc[bad].geometry.isna().all()
    summary = summarise(out)
    assert summary["invalid"]["row"].tolist() == [1, 2, 3, 6, 7]


def test_far_points_are_classified_and_flagged(straight_canal: Canal) -> None:
    out = classify(_table([(0, 60_000), (0, 100)]), straight_canal, uniform_rules())
    assert out["status"].tolist() == ["far", "ok"] and out["zone_level"].iloc[0] == 9
    assert "60.0 km from the canal" in out["reason"].iloc[0]
    summary = summarise(out)
    assert summary["invalid"][["row", "status"]].values.tolist() == [[1, "far"]]
    assert summary["zone"]["rows"].sum() == 1  # counts take the rows placed for sure


def test_summary_counts_are_a_plain_count() -> None:
    """The counts against a plain loop over the rows: status other than ok, a missing
    source type and zone levels in any order."""
    rng = np.random.default_rng(11)
    n = 3000
    level = rng.choice([0, 1, 2, 3, 9], n)
    names = {0: "管理范围", 1: "一级保护区", 2: "二级保护区", 3: "准保护区", 9: "保护区外"}
    kinds = np.array(["养殖", "工业", "其他", "农家乐", None], dtype=object)[rng.integers(0, 5, n)]
    result = pd.DataFrame({"status": rng.choice(["ok", "ok", "ok", "invalid", "far"], n),
                           "zone_level": pd.array(level, dtype="Int64"),
                           "zone": pd.array([names[v] for v in level], dtype="str"),
                           "source_type": pd.array(kinds, dtype="str"), "reason": "x"})
    summary = summarise(result)
    by_zone, by_type, pairs = Counter(), Counter(), Counter()
    for status, lvl, zone, kind in zip(result["status"], level, result["zone"], kinds,
                                       strict=True):
        if status != "ok":
            continue
        by_zone[(int(lvl), zone)] += 1
        if kind is not None:
            by_type[kind] += 1
            pairs[(kind, zone)] += 1
    got = {(int(r.zone_level), r.zone): r.rows for r in summary["zone"].itertuples()}
    assert got == dict(by_zone) and list(got) == sorted(by_zone)
    assert dict(zip(summary["source_type"]["source_type"], summary["source_type"]["rows"],
                    strict=True)) == dict(by_type)
    assert summary["source_type"]["rows"].is_monotonic_decreasing
    cross = summary["type_by_zone"]
    assert {(k, z): int(cross.loc[k, z]) for k in cross.index for z in cross.columns
            if cross.loc[k, z]} == dict(pairs)
    assert summary["invalid"]["row"].tolist() == [
        i + 1 for i, s in enumerate(result["status"]) if s != "ok"]


def test_clashing_columns_are_kept_as_input(straight_canal: Canal) -> None:
    table = _table([(10, 10)], zone=["mine"], status=["open"])
    out = classify(table, straight_canal, uniform_rules())
    assert out["zone_input"].tolist() == ["mine"] and out["status_input"].tolist() == ["open"]
    assert out["status"].tolist() == ["ok"]


def test_chinese_header_clashes_are_kept_as_input(straight_canal: Canal) -> None:
    # The Chinese headers a spreadsheet gives the added columns (保护区, 状态 ...) must not
    # be taken by the input's own columns of that name.
    table = _table(
        [(10, 10)], 保护区=["我的"], 状态=["已整改"], 桩号=["K1+000"], 岸别=["左"],
        zone=["mine"], zone_input=["taken"],
    )
    out = classify(table, straight_canal, uniform_rules())
    assert out["保护区_input"].tolist() == ["我的"] and out["状态_input"].tolist() == ["已整改"]
    assert out["桩号_input"].tolist() == ["K1+000"] and out["岸别_input"].tolist() == ["左"]
    assert out["zone_input2"].tolist() == ["mine"] and out["zone_input"].tolist() == ["taken"]
    assert out["status"].tolist() == ["ok"]
    headers = out.rename(columns=CHINESE_HEADERS).columns.tolist()
    assert len(headers) == len(set(headers))  # every spreadsheet header is unique
    assert headers.count("保护区") == 1


def test_the_chinese_sheet_renames_only_the_added_columns(straight_canal: Canal) -> None:
    from geo_guard.reports.classification import classification_sheets

    # "name"/"note" are in the project's vocabulary (名称/备注) but are the input's own here
    table = _table([(10, 10)], name=["甲"], note=["x"], 备注=["y"], 保护区=["我的"])
    sheet = classification_sheets(classify(table, straight_canal, uniform_rules()))["分类结果"]
    headers = sheet.columns.tolist()
    assert len(headers) == len(set(headers))
    assert headers[:6] == ["名称", "经度", "纬度", "name", "note", "备注"]
    assert {"保护区", "保护区_input", "桩号", "岸别", "状态", "说明"} <= set(headers)


def test_rows_from_lines_in_another_encoding_say_so(straight_canal: Canal, tmp_path: Path) -> None:
    from geo_guard.io.tables import read_table

    table = _table([(10, 10), (20, -10)])
    lines = [f"{n},{lon!r},{lat!r}\n" for n, lon, lat in table.itertuples(index=False)]
    path = tmp_path / "points.csv"
    path.write_bytes(("名称,经度,纬度\n" + lines[0]).encode() + ("七里园" + lines[1]).encode("gbk"))
    out = classify(read_table(path), straight_canal, uniform_rules())
    assert out["名称"].tolist() == ["p0", "七里园p1"]
    assert out["status"].tolist() == ["ok", "ok"]
    assert out["reason"].iloc[0] == ""
    assert "line 3 is GB18030 (GBK) while the rest of the file is UTF-8" in out["reason"].iloc[1]


def test_gcj02_input_moves_about_590_m_near_nanyang() -> None:
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    table = pd.DataFrame({"lon": [112.30], "lat": [33.00]})
    wgs = classify(table, canal, rules)
    gcj = classify(table, canal, rules, crs="gcj02")
    _, _, moved = pyproj.Geod(ellps="WGS84").inv(
        wgs["lon"].iloc[0], wgs["lat"].iloc[0], gcj["lon"].iloc[0], gcj["lat"].iloc[0]
    )
    assert 540 < moved < 640
    assert gcj["lon"].iloc[0] < 112.30 and gcj["lat"].iloc[0] > 33.00


def test_gbk_csv_with_chinese_headers_and_dms(tmp_path: Path) -> None:
    from geo_guard.io.tables import read_table

    path = tmp_path / "points.csv"
    path.write_bytes(
        "序号,名称,类型,东经,北纬\n1,示意养殖场,养鸡场,112°18′00″,33°00′00″\n"
        "2,示意饭店,饭店,东经112度18分,北纬33度0分\n".encode("gbk")
    )
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    out = classify(read_table(path), canal, load_rules(SAMPLE / "zone_rules.example.toml"))
    assert out["lon"].tolist() == pytest.approx([112.3, 112.3])
    assert out["lat"].tolist() == pytest.approx([33.0, 33.0])
    assert out["source_type"].tolist() == ["畜禽养殖", "旅游餐饮"]
    assert out["status"].tolist() == ["ok", "ok"]


def test_lines_and_polygons_take_the_strictest_zone_touched(straight_canal: Canal) -> None:
    features = gpd.GeoDataFrame(
        {"名称": ["farm", "road", "far", "none"]},
        geometry=[
            box(X0 + 500, Y0 + 50, X0 + 600, Y0 + 150),  # 50-70 first, 70-150 second
            LineString([(X0 + 1500, Y0 - 300), (X0 + 1500, Y0 + 300)]),  # crosses
            Point(X0 + 100, Y0 + 1000),
            None,
        ],
        crs=METRIC,
    )
    out = classify(features, straight_canal, uniform_rules())
    assert out["zone_level"].tolist()[:3] == [1, 0, 9]
    assert out["inside_L1"].iloc[0] == pytest.approx(100 * 20, abs=0.01)
    assert out["inside_L2"].iloc[0] == pytest.approx(100 * 80, abs=0.01)
    assert out["inside_L0"].iloc[1] == pytest.approx(40, abs=1e-6)
    assert out["inside_L2"].iloc[1] == pytest.approx(300, abs=1e-6)
    assert out["bank"].tolist()[:3] == ["左岸", "两岸", "左岸"]
    assert out["distance_m"].iloc[0] == pytest.approx(50)
    assert out["chainage_m"].iloc[1] == pytest.approx(1500)
    assert out["status"].tolist() == ["ok", "ok", "ok", "invalid"]
    assert out.crs == straight_canal.crs and out.geometry.iloc[0].equals(features.geometry.iloc[0])


def test_admin_join_gives_township_and_village(straight_canal: Canal) -> None:
    admin = gpd.GeoDataFrame(
        {"乡镇": ["甲镇", "乙镇"], "行政村": ["一村", "二村"]},
        geometry=[
            box(X0 - 500, Y0 - 500, X0 + 1500, Y0 + 500),
            box(X0 + 1500, Y0 - 500, X0 + 3500, Y0 + 500),
        ],
        crs=METRIC,
    )
    out = classify(
        _table([(100, 10), (2000, -10), (100, 9000)]), straight_canal, uniform_rules(), admin=admin
    )
    assert out["township"].tolist() == ["甲镇", "乙镇", ""]
    assert out["village"].tolist() == ["一村", "二村", ""]


def test_zones_from_a_file_without_levels_is_an_error(straight_canal: Canal) -> None:
    zones = gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(0, 0, 1, 1)], crs=METRIC)
    with pytest.raises(InputFileError, match="needs a zone_level column"):
        classify(_table([(0, 0)]), straight_canal, zones=zones)
    named = zones.assign(zone=["一级保护区"])
    assert classify(_table([(0, 0)]), straight_canal, zones=named)["zone_level"].tolist() == [9]


def test_sample_risk_sources_xlsx_round_trip(tmp_path: Path) -> None:
    from geo_guard.io.tables import read_table
    from geo_guard.io.vector import write_table

    table = read_table(SAMPLE / "risk_sources.csv")
    path = tmp_path / "in.xlsx"
    write_table(table, path)
    back = read_table(path)
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    out = classify(
        back,
        canal,
        load_rules(SAMPLE / "zone_rules.example.toml"),
        admin=gpd.read_file(SAMPLE / "villages.geojson"),
    )
    assert len(out) == len(table) == 60
    assert out["序号"].astype(str).tolist() == table["序号"].astype(str).tolist()
    assert (out["status"] == "invalid").sum() == 4
    assert set(out["zone_level"].dropna()) >= {0, 1, 2, 9}
    target = tmp_path / "out.xlsx"
    write_table(pd.DataFrame(out.drop(columns="geometry")), target)
    sheet = openpyxl.load_workbook(target).active
    assert sheet.max_row == 61
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["序号", "名称"] and "stake" in header


@pytest.mark.real_data
def test_real_centerline_classification() -> None:
    ways = gpd.read_file(shared_file("snwd_middle_route_ways_osm_wgs84.geojson"))
    canal = Canal.from_frame(ways)
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    # A point 30 m left of the Taocha head start and one 2 km right of the middle.
    start = canal.point_at([0.0])[0]
    metric = gpd.GeoSeries([start], crs=canal.metric_crs)
    lon, lat = metric.to_crs(4326).iloc[0].coords[0]
    out = classify(pd.DataFrame({"lon": [lon], "lat": [lat]}), canal, rules)
    assert out["chainage_m"].iloc[0] == pytest.approx(0, abs=0.01)
    assert out["zone_level"].iloc[0] == 0 and out["distance_m"].iloc[0] < 0.01
    assert out["segment_id"].iloc[0] == canal.segments["segment_id"].iloc[0]


def test_zone_levels_read_numbers_and_names_under_any_header() -> None:
    """One reader for zones files: a 级别 column holding 一级/二级 works for classify and maps
    alike (they used to disagree)."""
    from geo_guard.vocabulary.zone_levels import zone_levels

    table = pd.DataFrame({"级别": ["一级", "二级保护区", 3, "0", "准保护区"]})
    assert zone_levels(table).tolist() == [1, 2, 3, 0, 3]
    assert zone_levels(pd.DataFrame({"zone": ["一级保护区", "管理范围"]})).tolist() == [1, 0]
    with pytest.raises(InputFileError, match=r"rows \[1\]"):
        zone_levels(pd.DataFrame({"zone_level": [1, 7]}))


class _NoThreads:
    """A ThreadPoolExecutor that refuses to start: any thread pool fails the test."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a thread pool was started")


def _large_table(straight_canal: Canal, rows: int = 120_000) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = X0 + rng.uniform(-500, 3500, rows)
    y = Y0 + rng.uniform(-800, 800, rows)
    lon, lat = pyproj.Transformer.from_crs(straight_canal.metric_crs, 4326,
                                           always_xy=True).transform(x, y)
    return pd.DataFrame({"经度": [f"{v:.7f}" for v in lon], "纬度": [f"{v:.7f}" for v in lat]})


def test_one_thread_when_omp_num_threads_says_so(straight_canal: Canal,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """dask workers set OMP_NUM_THREADS=1 (one task per core already): classify then
    starts no thread of its own, and a large table still gets the threaded results."""
    import geo_guard._parallel as parallel

    table = _large_table(straight_canal)
    threaded = classify(table, straight_canal, uniform_rules(), geometry=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(parallel, "ThreadPoolExecutor", _NoThreads)
    alone = classify(table, straight_canal, uniform_rules(), geometry=False)
    pd.testing.assert_frame_equal(alone, threaded)
    if len(os.sched_getaffinity(0)) > 1:  # the stub does catch a pool where one is allowed
        monkeypatch.delenv("OMP_NUM_THREADS")
        with pytest.raises(AssertionError, match="thread pool"):
            classify(table, straight_canal, uniform_rules(), geometry=False)
