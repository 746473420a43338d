"""Ecological corridor: belt, coverage per station, gaps (断档), weak stands, CLI."""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Polygon, box

from geo_guard._errors import CRSMissingError, OptionError
from geo_guard.canal.model import Canal
from geo_guard.cli import main
from geo_guard.corridor.analysis import (
    CorridorOptions,
    analyse_corridor,
    corridor_belt,
    find_runs,
    prepare_forest,
)
from geo_guard.reports.corridor import corridor_sheets, write_corridor
from geo_guard.zones.rules import load_rules, rules_from_text

from .conftest import METRIC, SAMPLE, X0, Y0, line_frame

# The belt of the straight canal (conftest): left y = Y0+20 … Y0+120, right Y0-120 … Y0-20.
EDGE, WIDTH = 20.0, 100.0


def corridor_rules(edge: float = EDGE, corridor: float = WIDTH) -> object:
    return rules_from_text(f"""
[defaults]
edge_m = {edge}
corridor_m = {corridor}
[[rules]]
name = "all"
default = true
widths = {{ first = 50 }}
""")


def left(x0: float, x1: float, y0: float = EDGE, y1: float = EDGE + WIDTH + 10) -> Polygon:
    """Forest on the left bank between x0 and x1 (relative), by default the whole belt."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def right(x0: float, x1: float, y0: float = EDGE, y1: float = EDGE + WIDTH + 10) -> Polygon:
    return box(X0 + x0, Y0 - y1, X0 + x1, Y0 - y0)


def forest(*geoms: Polygon, **columns: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=METRIC)


def spans(gaps: pd.DataFrame, bank: str | None = None) -> list[tuple[str, float, float]]:
    rows = gaps if bank is None else gaps[gaps["bank"] == bank]
    return [(b, round(f, 6), round(t, 6)) for b, f, t in
            rows[["bank", "chainage_from_m", "chainage_to_m"]].itertuples(index=False)]


# ---------------------------------------------------------------------------- belt
def test_belt_is_the_band_from_the_edge_outward_with_flat_ends(straight_canal: Canal) -> None:
    belt = corridor_belt(straight_canal, corridor_rules())
    assert belt[["segment_id", "bank"]].values.tolist()[:2] == [["A", "左岸"], ["A", "右岸"]]
    assert belt["belt_m2"].to_numpy() == pytest.approx(np.full(6, 1000 * WIDTH))
    left_a = belt.geometry.iloc[0]
    assert left_a.symmetric_difference(box(X0, Y0 + 20, X0 + 1000, Y0 + 120)).area < 1e-3


def test_urban_rule_widens_the_belt(straight_canal: Canal) -> None:
    rules = rules_from_text("""
[defaults]
edge_m = 20
[[rules]]
name = "urban"
match = { segment_id = "B" }
widths = { first = 50 }
corridor_m = 200
[[rules]]
name = "rural"
default = true
widths = { first = 50 }
""")
    belt = corridor_belt(straight_canal, rules)
    assert belt.set_index(["segment_id", "bank"])["corridor_m"].to_dict()[("B", "左岸")] == 200
    assert belt["belt_m2"].sum() == pytest.approx(2 * (2000 * 100 + 1000 * 200))


def test_exclusion_is_removed_from_the_belt(straight_canal: Canal) -> None:
    road = gpd.GeoDataFrame(geometry=[box(X0 + 500, Y0 - 200, X0 + 520, Y0 + 200)], crs=METRIC)
    result = analyse_corridor(straight_canal, corridor_rules(),
                              forest(left(0, 3000), right(0, 3000)), exclude=road)
    assert result.belt["belt_m2"].sum() == pytest.approx(2 * 3000 * WIDTH - 2 * 20 * WIDTH)
    st = result.stations
    assert st.loc[st["chainage_from_m"] == 500, "coverage"].isna().all()  # no belt left
    assert result.gaps.empty


def test_exclusion_of_lines_is_refused(straight_canal: Canal) -> None:
    road = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0 + 50), (X0 + 100, Y0 + 50)])],
                            crs=METRIC)
    with pytest.raises(ValueError, match="no polygons; give roads"):
        corridor_belt(straight_canal, corridor_rules(), exclude=road)


# ------------------------------------------------------------------ coverage & gaps
def test_straight_canal_exact_coverage_gap_positions_and_areas(straight_canal: Canal) -> None:
    trees = forest(
        left(0, 1000),
        left(1000, 1500, EDGE, EDGE + WIDTH / 2),  # half the belt width: 50 %, not a gap
        left(1800, 2003),  # 1500-1800 open: a 300 m gap
        left(2003, 2005.5, EDGE, EDGE + 40),  # strip 2000-2010 = (3 + 2.5 * 0.4) / 10
        left(2010, 3000),
        right(0, 3000),
    )
    result = analyse_corridor(straight_canal, corridor_rules(), trees)
    st = result.stations.set_index(["bank", "chainage_from_m"])["coverage"]
    assert st[("左岸", 0.0)] == pytest.approx(1.0)
    assert st[("左岸", 1200.0)] == pytest.approx(0.5)
    assert st[("左岸", 1600.0)] == pytest.approx(0.0)
    assert st[("左岸", 2000.0)] == pytest.approx(0.4)
    assert len(result.stations) == 2 * 300
    assert spans(result.gaps) == [("左岸", 1500.0, 1800.0)]
    gap = result.gaps.iloc[0]
    assert (gap["stake_from"], gap["stake_to"], gap["segment_id"]) == ("K1+500", "K1+800", "B")
    assert gap["length_m"] == pytest.approx(300)
    assert gap["uncovered_m2"] == pytest.approx(300 * WIDTH)
    assert gap["mean_coverage"] == pytest.approx(0.0)
    assert gap["action"] == "新建新造"
    assert gap.geometry.symmetric_difference(left(1500, 1800, EDGE, EDGE + WIDTH)).area < 1e-3
    # 2000-2010 is 40 % covered but only 10 m long: below the 50 m minimum.
    assert len(result.gaps) == 1


def test_gap_across_a_segment_junction(straight_canal: Canal) -> None:
    trees = forest(left(0, 3000), right(0, 950), right(1100, 3000))
    result = analyse_corridor(straight_canal, corridor_rules(), trees)
    assert spans(result.gaps) == [("右岸", 950.0, 1100.0)]
    gap = result.gaps.iloc[0]
    assert gap["segment_id"] == "A、B"
    assert gap["uncovered_m2"] == pytest.approx(150 * WIDTH)
    belt = result.belt.set_index(["segment_id", "bank"])
    assert belt.loc[("A", "右岸"), "gap_m"] == pytest.approx(50)
    assert belt.loc[("B", "右岸"), "gap_m"] == pytest.approx(100)
    assert belt.loc[("A", "右岸"), "gaps"] == 1 and belt.loc[("B", "右岸"), "gaps"] == 1


def test_gaps_on_one_bank_only_and_short_breaks_and_merging(straight_canal: Canal) -> None:
    trees = forest(
        right(0, 3000),
        left(0, 400), left(440, 1000),  # a 40 m break: shorter than 50 m, no gap
        left(1060, 2000),  # 1000-1060: exactly 60 m, a gap
        left(2030, 2040),  # 2000-2030 and 2040-2070: 30 m each, 10 m apart: merged
        left(2070, 3000),
    )
    result = analyse_corridor(straight_canal, corridor_rules(), trees)
    assert spans(result.gaps) == [("左岸", 1000.0, 1060.0), ("左岸", 2000.0, 2070.0)]
    assert result.gaps.iloc[1]["uncovered_m2"] == pytest.approx(60 * WIDTH)
    assert result.gaps.iloc[1]["mean_coverage"] == pytest.approx(10 / 70)
    assert spans(result.gaps, "右岸") == []
    unmerged = analyse_corridor(straight_canal, corridor_rules(), trees, merge_m=0,
                                min_gap_m=30)
    assert spans(unmerged.gaps) == [("左岸", 400.0, 440.0), ("左岸", 1000.0, 1060.0),
                                    ("左岸", 2000.0, 2030.0), ("左岸", 2040.0, 2070.0)]


def test_touching_polygons_make_no_false_gap(straight_canal: Canal) -> None:
    # 7 m pieces touching edge to edge (not on the 10 m stations), in two rows across.
    edges = np.arange(0, 3001, 7.0)
    edges[-1] = 3000
    pieces = [left(a, b, EDGE, EDGE + 50) for a, b in itertools.pairwise(edges)]
    pieces += [left(a, b, EDGE + 50, EDGE + 100) for a, b in itertools.pairwise(edges)]
    result = analyse_corridor(straight_canal, corridor_rules(), forest(*pieces, right(0, 3000)))
    assert result.gaps.empty
    assert result.stations["coverage"].min() == pytest.approx(1.0)


def test_empty_forest_file_is_one_gap_per_bank(straight_canal: Canal, tmp_path: Path) -> None:
    path = tmp_path / "forest.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    empty = gpd.read_file(path)
    result = analyse_corridor(straight_canal, corridor_rules(), empty, forest_crs=METRIC)
    assert spans(result.gaps) == [("左岸", 0.0, 3000.0), ("右岸", 0.0, 3000.0)]
    assert result.gaps["uncovered_m2"].to_numpy() == pytest.approx([3000 * WIDTH] * 2)
    assert result.gaps["segment_id"].tolist() == ["A、B、C"] * 2
    assert result.weak_stands.empty


def test_bent_canal_areas_add_up(bent_canal: Canal) -> None:
    """Strips partition the belt on a turning canal; open area = the plain overlay's."""
    rules = corridor_rules()
    belt = corridor_belt(bent_canal, rules)
    patches = [box(X0 + x, Y0 - 300, X0 + x + 120, Y0 + 1600) for x in range(-200, 1800, 170)]
    trees = forest(*patches, shapely.Point(X0 + 1400, Y0 + 800).buffer(200))
    result = analyse_corridor(bent_canal, rules, trees, step_m=25)
    st = result.stations
    assert st["belt_m2"].sum() == pytest.approx(belt["belt_m2"].sum(), rel=1e-9)
    open_area = shapely.difference(shapely.union_all(belt.geometry.values),
                                   shapely.union_all(trees.geometry.values)).area
    assert (st["belt_m2"] - st["forest_m2"]).sum() == pytest.approx(open_area, rel=1e-9)
    # per-segment belt in the summary = the belt polygon of that segment and bank
    assert result.belt["belt_m2"].to_numpy() == pytest.approx(belt["belt_m2"].to_numpy(),
                                                              rel=1e-9)
    assert (result.stations["coverage"].dropna().between(0, 1 + 1e-9)).all()


def test_find_runs_merges_then_filters() -> None:
    edges = np.arange(11) * 10.0
    flags = np.array([1, 1, 0, 1, 1, 1, 0, 0, 0, 1], dtype=bool)
    assert find_runs(flags, edges[:-1], edges[1:], min_length_m=30, merge_m=15) == [(0, 6)]
    assert find_runs(flags, edges[:-1], edges[1:], min_length_m=30, merge_m=0) == [(3, 6)]
    assert find_runs(flags, edges[:-1], edges[1:], min_length_m=0, merge_m=40) == [(0, 10)]
    assert find_runs(np.zeros(3, bool), edges[:3], edges[1:4], min_length_m=0, merge_m=0) == []


def test_find_runs_go_on_across_strips_without_belt() -> None:
    edges = np.arange(11) * 10.0
    flags = np.array([1, 1, 0, 0, 1, 1, 0, 1, 0, 0], dtype=bool)
    none = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 1], dtype=bool)  # a road; the last strip
    # 0-20 and 40-60 are one run across the road; 60-70 is forest (not merged: 10 m >= 0);
    # the run 70-80 does not take in the empty strip after it.
    assert find_runs(flags, edges[:-1], edges[1:], min_length_m=0, merge_m=0,
                     neutral=none) == [(0, 6), (7, 8)]
    # Merging counts only judged strips as the distance between runs.
    assert find_runs(flags, edges[:-1], edges[1:], min_length_m=0, merge_m=15,
                     neutral=none) == [(0, 8)]
    # Only strips without belt: no run at all.
    assert find_runs(np.zeros(3, bool), edges[:3], edges[1:4], min_length_m=0, merge_m=0,
                     neutral=np.ones(3, bool)) == []


def test_a_road_across_an_unforested_stretch_is_inside_one_gap(straight_canal: Canal) -> None:
    road = gpd.GeoDataFrame(geometry=[box(X0 + 1500, Y0 - 200, X0 + 1520, Y0 + 200)],
                            crs=METRIC)
    trees = forest(left(0, 1200), left(1800, 3000), right(0, 3000))
    result = analyse_corridor(straight_canal, corridor_rules(), trees, exclude=road)
    assert spans(result.gaps) == [("左岸", 1200.0, 1800.0)]
    gap = result.gaps.iloc[0]
    assert gap["excluded_m"] == pytest.approx(20.0)
    assert gap["uncovered_m2"] == pytest.approx((600 - 20) * WIDTH)
    assert gap.geometry.area == pytest.approx((600 - 20) * WIDTH)


# ------------------------------------------------------------------ forest & stands
def test_invalid_polygons_are_repaired_and_counted(straight_canal: Canal, caplog) -> None:
    bow_tie = Polygon([(X0 + 1000, Y0 + 20), (X0 + 2000, Y0 + 130), (X0 + 2000, Y0 + 20),
                       (X0 + 1000, Y0 + 130)])
    assert not bow_tie.is_valid
    trees = forest(left(0, 1000), bow_tie, left(2000, 3000), right(0, 3000),
                   forest_id=["F1", "F2", "F3", "F4"])
    with caplog.at_level(logging.WARNING, logger="geo_guard.corridor"):
        result = analyse_corridor(straight_canal, corridor_rules(), trees)
    assert result.repaired == ["F2"]
    assert "1 invalid polygon(s) repaired with make_valid: F2" in caplog.text
    # make_valid gives two triangles meeting at (1500, 75): the belt is covered
    # 110 - 0.22 d metres wide d metres from either end (100 - 0.11 d near the ends),
    # under half of it from d = 272.7 m: strips 1270-1730 are open.
    st = result.stations.set_index(["bank", "chainage_from_m"])["coverage"]
    assert st[("左岸", 1000.0)] == pytest.approx((100 - 0.11 * 5) / 100)
    assert st[("左岸", 1270.0)] == pytest.approx((110 - 0.22 * 275) / 100)
    assert spans(result.gaps) == [("左岸", 1270.0, 1730.0)]


def test_stand_attributes_in_chinese_or_english_and_weak_stands(straight_canal: Canal) -> None:
    trees = forest(left(0, 1000), left(1000, 2000), left(2000, 3000), right(0, 3000),
                   小班号=["a", "b", "c", "d"], 保存率=["85%", "62%", "90%", None],
                   canopy_closure=[0.7, 0.6, 0.35, 0.5], 树种=["杨树", "柳树", "侧柏", "女贞"])
    frame, repaired = prepare_forest(trees)
    assert frame["survival"].tolist()[:3] == pytest.approx([0.85, 0.62, 0.90])
    assert frame["forest_id"].tolist() == ["a", "b", "c", "d"] and repaired == []
    result = analyse_corridor(straight_canal, corridor_rules(), trees)
    weak = result.weak_stands
    assert weak["forest_id"].tolist() == ["b", "c"]
    assert weak["reason"].tolist() == ["保存率 0.62 < 0.70", "郁闭度 0.35 < 0.40"]
    assert weak["area_m2"].to_numpy() == pytest.approx([1000 * WIDTH] * 2)  # cut to the belt
    assert weak[["stake_from", "stake_to"]].values.tolist() == [["K1+000", "K2+000"],
                                                                 ["K2+000", "K3+000"]]
    assert weak["action"].unique().tolist() == ["提质改造"]
    stricter = analyse_corridor(straight_canal, corridor_rules(), trees, min_survival=0.86)
    assert stricter.weak_stands["forest_id"].tolist() == ["a", "b", "c"]


def test_percent_columns_are_read_as_shares() -> None:
    trees = gpd.GeoDataFrame({"survival": [85, 62.5, 120]}, geometry=[box(0, 0, 1, 1)] * 3,
                             crs=METRIC)
    frame, _ = prepare_forest(trees)
    assert frame["survival"].tolist()[:2] == pytest.approx([0.85, 0.625])
    assert np.isnan(frame["survival"].iloc[2])


def test_forest_without_crs_is_refused(straight_canal: Canal) -> None:
    trees = gpd.GeoDataFrame(geometry=[left(0, 100)])
    with pytest.raises(CRSMissingError, match="forest has no CRS; pass --forest-crs"):
        analyse_corridor(straight_canal, corridor_rules(), trees)
    assert len(analyse_corridor(straight_canal, corridor_rules(), trees,
                                forest_crs=METRIC).gaps) == 2


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("step_m", 0, "--step-m = 0: give a station spacing"),
        ("min_coverage", 50, r"--min-coverage = 50: give a share from 0 to 1 \(0.5 means 50 %\)"),
        ("min_gap_m", -5, "--min-gap-m = -5: give 0 or more metres"),
        ("merge_m", float("nan"), "--merge-m = nan: give a finite number"),
        ("min_canopy", "dense", "--min-canopy = 'dense': give a number"),
    ],
)
def test_bad_options_are_rejected(straight_canal: Canal, option: str, value: object,
                                  message: str) -> None:
    with pytest.raises(OptionError, match=message):
        analyse_corridor(straight_canal, corridor_rules(), forest(left(0, 10)), **{option: value})


def test_options_defaults_are_documented() -> None:
    assert CorridorOptions().check() == CorridorOptions(10.0, 0.5, 50.0, 20.0, 0.7, 0.4)


# ---------------------------------------------------------------------- sample data
@pytest.fixture(scope="module")
def sample_result():
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    trees = gpd.read_file(SAMPLE / "forest.geojson")
    admin = gpd.read_file(SAMPLE / "villages.geojson")
    return analyse_corridor(canal, rules, trees, admin=admin)


def test_sample_data_gaps_are_exactly_the_documented_ones(sample_result) -> None:
    expected = pd.read_csv(SAMPLE / "forest_expected.csv", encoding="utf-8-sig")
    step = sample_result.options.step_m
    truth = expected[expected["kind"] == "gap"]
    found = sample_result.gaps
    assert len(found) == len(truth)
    for row, gap in zip(truth.sort_values(["chainage_from_m"]).itertuples(),
                        found.sort_values("chainage_from_m").itertuples(), strict=True):
        assert gap.bank == row.bank
        assert abs(gap.chainage_from_m - row.chainage_from_m) <= step
        assert abs(gap.chainage_to_m - row.chainage_to_m) <= step
    # the 30 m short break is not a gap; the bow-ties are repaired and still cover
    invalid = expected.loc[expected["kind"] == "invalid", "forest_id"].tolist()
    assert sample_result.repaired == invalid


def test_sample_data_weak_stands_and_admin(sample_result) -> None:
    expected = pd.read_csv(SAMPLE / "forest_expected.csv", encoding="utf-8-sig")
    truth = expected[expected["kind"] == "weak_stand"]
    weak = sample_result.weak_stands
    columns = ["forest_id", "bank"]
    assert weak[columns].values.tolist() == truth[columns].values.tolist()
    assert weak["chainage_from_m"].to_numpy() == pytest.approx(truth["chainage_from_m"], abs=1)
    assert (weak["township"] != "").all()
    assert sample_result.per_township is not None
    gaps = sample_result.gaps.set_index("stake_from")
    assert gaps.loc["K110+300", "township"] == "示意镇乙"
    km = sample_result.per_km
    assert set(km["bank"]) == {"左岸", "右岸"} and km["km"].min() == 95


def test_sample_workbook_and_geopackage(sample_result, tmp_path: Path) -> None:
    gpkg, xlsx = write_corridor(sample_result, tmp_path / "corridor.gpkg")
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert layers == ["belt", "gaps", "weak_stands", "per_km", "stations"]
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets)[:3] == ["汇总", "断档清单(新建新造)", "提质改造清单"]
    gap_sheet = pd.read_excel(xlsx, sheet_name="断档清单(新建新造)")
    for header in ("岸别", "起点桩号", "终点桩号", "长度(m)", "未覆盖面积(m²)", "平均覆盖率(%)",
                   "乡镇(街道)", "行政村"):
        assert header in gap_sheet.columns
    assert "说明" in corridor_sheets(sample_result)


# ------------------------------------------------------------------------------- CLI
def test_cli_corridor_writes_outputs_and_prints_summary(tmp_path: Path) -> None:
    out = tmp_path / "corridor.gpkg"
    result = CliRunner().invoke(main, [
        "corridor", "--canal", str(SAMPLE / "canal.geojson"),
        "--rules", str(SAMPLE / "zone_rules.example.toml"),
        "--forest", str(SAMPLE / "forest.geojson"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_suffix(".xlsx").is_file()
    assert "K96+500" in result.output and "断档" in result.output


def test_cli_corridor_bad_option_is_one_line(tmp_path: Path) -> None:
    canal = line_frame([(0, 0), (1000, 0)])
    canal.to_file(tmp_path / "canal.gpkg")
    forest(left(0, 100)).to_file(tmp_path / "forest.gpkg")
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\ndefault = true\nedge_m = 20\nwidths = { first = 50 }\n")
    result = CliRunner().invoke(main, [
        "corridor", "--canal", str(tmp_path / "canal.gpkg"), "--rules", str(rules),
        "--forest", str(tmp_path / "forest.gpkg"), "--min-coverage", "50",
        "-o", str(tmp_path / "out.gpkg")])
    assert result.exit_code == 2
    assert "error: --min-coverage = 50: give a share from 0 to 1" in result.output
    result = CliRunner().invoke(main, [
        "corridor", "--canal", str(tmp_path / "canal.gpkg"), "--rules", str(rules),
        "--forest", str(tmp_path / "forest.gpkg"), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2 and "give a .gpkg output" in result.output


# ------------------------------------------------------------------------- real data
@pytest.mark.real_data
def test_real_centerline_strips_partition_the_belt() -> None:
    """On the real OSM centerline (kinks up to 27°) the strips add up to the belt and
    the open area equals the plain overlay's, near turns and away from them."""
    from geo_guard.corridor.analysis import offset_points

    from .conftest import shared_file

    frame = gpd.read_file(shared_file("snwd_middle_route_ways_osm_wgs84.geojson")).iloc[:5]
    canal = Canal.from_frame(frame)
    rules = corridor_rules(edge=40)
    rng = np.random.default_rng(5)
    start = rng.uniform(0, canal.length_m - 300, 600)
    length = rng.uniform(40, 300, 600)
    sign = rng.choice([1.0, -1.0], 600)
    near, far = rng.uniform(30, 100, 600), rng.uniform(100, 160, 600)
    patches = [Polygon(np.vstack([
        offset_points(canal, np.linspace(a, a + n, 6), s * lo),
        offset_points(canal, np.linspace(a + n, a, 6), s * hi)]))
        for a, n, s, lo, hi in zip(start, length, sign, near, far, strict=True)]
    trees = gpd.GeoDataFrame(geometry=patches, crs=canal.metric_crs).to_crs(4326)
    result = analyse_corridor(canal, rules, trees, step_m=20)
    belt = corridor_belt(canal, rules)
    st = result.stations
    assert st["belt_m2"].sum() == pytest.approx(belt["belt_m2"].sum(), rel=1e-9)
    repaired = shapely.make_valid(trees.to_crs(canal.metric_crs).geometry.values)
    open_area = shapely.difference(shapely.union_all(belt.geometry.values),
                                   shapely.union_all(repaired)).area
    assert (st["belt_m2"] - st["forest_m2"]).sum() == pytest.approx(open_area, rel=1e-7)
    assert result.gaps["uncovered_m2"].sum() <= open_area


class _NoThreads:
    """A ThreadPoolExecutor that refuses to start."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a thread pool was started")


def test_one_thread_when_omp_num_threads_says_so(straight_canal: Canal,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A dask worker (OMP_NUM_THREADS=1, one task per core already) runs the two banks
    one after the other, with the same result as side by side."""
    import geo_guard._parallel as parallel

    trees = forest(left(0, 1500), left(1800, 3000), right(0, 2500))
    both = analyse_corridor(straight_canal, corridor_rules(), trees)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(parallel, "ThreadPoolExecutor", _NoThreads)
    alone = analyse_corridor(straight_canal, corridor_rules(), trees)
    pd.testing.assert_frame_equal(alone.stations, both.stations)
    assert spans(alone.gaps) == spans(both.gaps) == [("左岸", 1500.0, 1800.0),
                                                      ("右岸", 2500.0, 3000.0)]
