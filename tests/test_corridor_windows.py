"""The corridor window by window (in this process and on a real dask cluster) equals one
run: the same stations, the same gaps (one across a window edge, one merged across an edge
from two short openings), weak stands and tables."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from geo_guard.canal.model import Canal
from geo_guard.corridor.analysis import CorridorResult, analyse_corridor
from geo_guard.corridor.windows import analyse_corridor_windows, corridor_windows
from geo_guard.zones.rules import rules_from_text

from .conftest import METRIC, line_frame

STEP = 10.0
RULES = rules_from_text("""
[defaults]
edge_m = 20
corridor_m = 100
[[rules]]
name = "all"
default = true
widths = { first = 50 }
""")


@pytest.fixture(scope="module")
def canal() -> Canal:
    """12.7 km in four segments with turns, starting at K5+000."""
    frame = line_frame(
        [(0, 0), (3000, 0)],
        [(3000, 0), (5000, 800), (7000, 900)],
        [(7000, 900), (9000, 2500)],
        [(9000, 2500), (12000, 2600)],
        segment_id=["A", "B", "C", "D"],
    )
    return Canal.from_frame(frame, chainage_start_m=5000)


@pytest.fixture(scope="module")
def planted(canal: Canal) -> tuple[gpd.GeoDataFrame, list[tuple[str, float, float]]]:
    """Forest over both belts, cut into 300 m grid cells (every 9th stand weak), with open
    stretches planted at measures relative to the window boundaries."""
    windows = corridor_windows(canal, RULES, window_km=4)
    b1, b2 = windows[0].core_to_m, windows[1].core_to_m
    length = canal.length_m
    openings = [
        ("左岸", b1 - 150, b1 + 250),  # across the first window edge
        ("右岸", b2 - 40, b2),  # two short openings 10 m apart, one on each side of the
        ("右岸", b2 + 10, b2 + 50),  # second edge: one gap of 90 m
        ("右岸", 1000, 1500),
        ("左岸", 0, 200),
        ("左岸", length - 300, length),
        ("左岸", b2 - 200, b2 - 170),  # 30 m: too short to be a gap
    ]
    parts = []
    for bank, sign in (("左岸", 1.0), ("右岸", -1.0)):
        region = shapely.buffer(canal.line, sign * 400, single_sided=True)
        for which, lo, hi in openings:
            if which == bank:
                cut = shapely.ops.substring(canal.line, lo, hi)
                region = region.difference(shapely.buffer(cut, sign * 500, single_sided=True))
        x0, y0, x1, y1 = region.bounds
        cells = [box(x, y, x + 300, y + 300) for x in np.arange(x0, x1, 300)
                 for y in np.arange(y0, y1, 300)]
        pieces = shapely.intersection(region, cells)
        parts.extend(p for p in pieces if p.area > 1)
    survival = [0.5 if i % 9 == 0 else 0.9 for i in range(len(parts))]
    forest = gpd.GeoDataFrame({"小班号": [f"F{i:03d}" for i in range(len(parts))],
                               "保存率": survival}, geometry=parts, crs=METRIC)
    expected = [("左岸", 0, 200), ("左岸", b1 - 150, b1 + 250), ("左岸", length - 300, length),
                ("右岸", 1000, 1500), ("右岸", b2 - 40, b2 + 50)]
    return forest, [(bank, *canal.chainage_at([lo, hi]).tolist()) for bank, lo, hi in expected]


def test_windows_end_at_straight_whole_kilometres(canal: Canal) -> None:
    windows = corridor_windows(canal, RULES, window_km=4)
    assert len(windows) == 3
    assert windows[0].core_from_m == 0 and windows[-1].core_to_m == canal.length_m
    for before, after in itertools.pairwise(windows):
        assert before.core_to_m == after.core_from_m
        chainage = canal.chainage_at([before.core_to_m])[0]
        assert chainage % 1000 == pytest.approx(0, abs=1e-6)
        # No vertex of the centerline within 30 m: the belt is cut square there.
        vertices = shapely.line_locate_point(canal.line, shapely.points(
            shapely.get_coordinates(canal.line)))
        assert np.abs(vertices - before.core_to_m).min() > 30
        # The margin reaches past the belt's width plus the gap and merge lengths.
        assert before.to_m - before.core_to_m >= 120 + 50 + 20
    part = windows[1].canal
    assert part.chainage_range == pytest.approx(tuple(canal.chainage_at(
        [windows[1].from_m, windows[1].to_m])))


def _compare(merged: CorridorResult, single: CorridorResult) -> None:
    cols = ["bank", "stake_from", "segment_id", "gap_id"]
    assert merged.stations[cols].values.tolist() == single.stations[cols].values.tolist()
    for column in ("chainage_from_m", "chainage_to_m", "belt_m2", "forest_m2", "coverage"):
        np.testing.assert_allclose(merged.stations[column], single.stations[column],
                                   rtol=1e-9, atol=1e-6, equal_nan=True, err_msg=column)
    g, s = merged.gaps, single.gaps
    assert g[["gap_id", "bank", "stake_from", "stake_to", "segment_id"]].values.tolist() == \
        s[["gap_id", "bank", "stake_from", "stake_to", "segment_id"]].values.tolist()
    for column in ("chainage_from_m", "chainage_to_m", "length_m", "belt_m2", "uncovered_m2"):
        np.testing.assert_allclose(g[column], s[column], rtol=1e-9, atol=1e-6, err_msg=column)
    # The gap geometry: the windows' pieces put together, as one run draws it.
    diff = shapely.area(shapely.symmetric_difference(g.geometry.values, s.geometry.values))
    assert diff.max() < 0.01
    np.testing.assert_allclose(shapely.area(g.geometry.values), g["uncovered_m2"], rtol=1e-6)
    w, sw = merged.weak_stands, single.weak_stands
    assert w[["forest_id", "bank"]].values.tolist() == sw[["forest_id", "bank"]].values.tolist()
    np.testing.assert_allclose(w["area_m2"], sw["area_m2"], rtol=1e-9)
    k, sk = merged.per_km, single.per_km
    assert k[["km", "bank", "stake_from"]].values.tolist() == \
        sk[["km", "bank", "stake_from"]].values.tolist()
    for column in ("belt_m2", "forest_m2", "gap_m"):
        np.testing.assert_allclose(k[column], sk[column], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(shapely.area(k.geometry.values), shapely.area(sk.geometry.values),
                               rtol=1e-9)
    b = merged.belt.sort_values(["segment_id", "bank"], ignore_index=True)
    sb = single.belt.sort_values(["segment_id", "bank"], ignore_index=True)
    assert b[["segment_id", "bank", "gaps"]].values.tolist() == \
        sb[["segment_id", "bank", "gaps"]].values.tolist()
    for column in ("belt_m2", "forest_m2", "gap_m"):
        np.testing.assert_allclose(b[column], sb[column], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(shapely.area(b.geometry.values), b["belt_m2"], rtol=1e-6)


def test_windowed_run_equals_one_run(canal: Canal, planted) -> None:
    forest, expected = planted
    single = analyse_corridor(canal, RULES, forest, step_m=STEP)
    merged = analyse_corridor_windows(canal, RULES, forest, window_km=4, step_m=STEP)
    # The planted gaps, by hand: the one across the edge and the merged one are one gap.
    got = [(r.bank, r.chainage_from_m, r.chainage_to_m) for r in single.gaps.itertuples()]
    assert [g[0] for g in got] == [e[0] for e in expected]
    np.testing.assert_allclose([g[1:] for g in got], [e[1:] for e in expected], atol=STEP)
    _compare(merged, single)
    assert merged.repaired == single.repaired
    assert merged.stations.crs == single.stations.crs == canal.crs


def test_windowed_run_on_a_dask_cluster(canal: Canal, planted, dask_client) -> None:
    forest, _ = planted
    single = analyse_corridor(canal, RULES, forest, step_m=STEP)
    merged = analyse_corridor_windows(canal, RULES, forest, window_km=4, step_m=STEP,
                                      client=dask_client)
    _compare(merged, single)


def test_one_window_is_the_single_run(canal: Canal, planted) -> None:
    forest, _ = planted
    single = analyse_corridor(canal, RULES, forest.to_crs(4326), step_m=25)
    merged = analyse_corridor_windows(canal, RULES, forest.to_crs(4326), window_km=50,
                                      step_m=25)
    _compare(merged, single)
    assert isinstance(merged.per_township, type(None))


def test_bad_window_is_refused(canal: Canal, planted) -> None:
    from geo_guard._errors import OptionError

    with pytest.raises(OptionError, match="window-km"):
        corridor_windows(canal, RULES, window_km=0.5)
    with pytest.raises(OptionError, match="step-m"):
        analyse_corridor_windows(canal, RULES, planted[0], step_m=0)


def test_cli_corridor_in_windows(tmp_path) -> None:
    from click.testing import CliRunner

    from geo_guard.cli import main
    from geo_guard.zones.rules import load_rules

    from .conftest import SAMPLE

    args = ["corridor", "--canal", str(SAMPLE / "canal.geojson"), "--rules",
            str(SAMPLE / "zone_rules.example.toml"), "--forest", str(SAMPLE / "forest.geojson"),
            "--window-km", "10", "-o", str(tmp_path / "c.gpkg")]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    gaps = gpd.read_file(tmp_path / "c.gpkg", layer="gaps")
    single = analyse_corridor(Canal.from_file(SAMPLE / "canal.geojson"),
                              load_rules(SAMPLE / "zone_rules.example.toml"),
                              gpd.read_file(SAMPLE / "forest.geojson"))
    assert gaps[["bank", "stake_from", "stake_to"]].values.tolist() == \
        single.gaps[["bank", "stake_from", "stake_to"]].values.tolist()
