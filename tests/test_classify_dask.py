"""The dask engine on a real dask.distributed LocalCluster (worker processes): every row as
the in-memory engine classifies it, whatever the partitioning; files in, GeoParquet out."""

from __future__ import annotations

import pickle
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from geo_guard import Canal, classify, load_rules
from geo_guard._errors import GeoGuardError, InputFileError, OutputError

from .conftest import SAMPLE

dd = pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
dask_geopandas = pytest.importorskip("dask_geopandas", reason="dask-geopandas not installed")
distributed = pytest.importorskip("distributed", reason="distributed not installed")

from geo_guard.classification.dask import classify_dask  # noqa: E402
from geo_guard.classification.partitioned import (  # noqa: E402
    read_partitioned,
    write_partitioned,
)

TIMEOUT_S = 120
#: Columns that must be equal row for row; distance and chainage within 1e-6 m.
EXACT = ["zone", "zone_level", "bank", "stake", "segment_id", "source_type", "status",
         "reason"]


@pytest.fixture
def client(dask_client):
    return dask_client


@pytest.fixture(scope="module")
def sample() -> tuple[Canal, object]:
    return Canal.from_file(SAMPLE / "canal.geojson"), load_rules(SAMPLE / "zone_rules.example.toml")


def _points(canal: Canal, n: int, seed: int = 3) -> pd.DataFrame:
    """``n`` points up to 3 km either side of the canal, as a lon/lat table, with nasty
    rows: empty, unparseable, DMS text, swapped columns, (0, 0), far away."""
    rng = np.random.default_rng(seed)
    measure = rng.uniform(-200, canal.length_m + 200, n)
    offset = rng.uniform(-3000, 3000, n)
    on = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure))
    x, y = on[:, 0] + offset * 0.6, on[:, 1] + offset * 0.8
    lon, lat = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True).transform(x, y)
    lon = lon.astype(object)
    lat = lat.astype(object)
    nasty = {0: ("", ""), 1: ("abc", "33"), 2: ("112°18′00″", "北纬33°0′0″"),
             3: (lat[3], lon[3]), 4: (0.0, 0.0), 5: (116.4, 39.9), 6: ("{{7*7}}", "<script>")}
    for i, (a, b) in nasty.items():
        lon[i], lat[i] = a, b
    types = np.array(["养猪场", "加油站", "农家乐", "=cmd|' /C calc'!A0", "排污口"])
    return pd.DataFrame({
        "名称": [f"点{i}" for i in range(n)],
        "类型": types[rng.integers(0, len(types), n)],
        "经度": pd.Series(lon, dtype=object).astype(str),
        "纬度": pd.Series(lat, dtype=object).astype(str),
    })


def _compute(client, lazy) -> pd.DataFrame:
    return client.compute(lazy).result(timeout=TIMEOUT_S)


def _assert_same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want)
    assert got.index.tolist() == want.index.tolist()
    for column in EXACT:
        left = got[column].astype(object).where(got[column].notna(), None).tolist()
        right = want[column].astype(object).where(want[column].notna(), None).tolist()
        assert left == right, column
    for column in ("distance_m", "chainage_m", "lon", "lat"):
        np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(float),
                                   atol=1e-6, rtol=0, equal_nan=True, err_msg=column)
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, 1e-9).sum() == \
        (~want.geometry.isna()).sum()


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_equals_the_in_memory_engine(client, sample, partitions: int) -> None:
    canal, rules = sample
    table = _points(canal, 3000)
    want = classify(table, canal, rules)
    lazy = classify_dask(dd.from_pandas(table, npartitions=partitions), canal, rules,
                         client=client)
    assert lazy.npartitions == partitions
    got = _compute(client, lazy)
    _assert_same_rows(got, want)
    # An independent check on the valid rows: distance to the centerline by plain shapely.
    ok = (got["status"] == "ok").to_numpy()
    pts = gpd.GeoSeries(got.geometry.values[ok], crs=4326).to_crs(canal.metric_crs)
    np.testing.assert_allclose(got["distance_m"].to_numpy()[ok],
                               shapely.distance(pts.values, canal.line), atol=1e-6)
    assert {"invalid", "ok"} <= set(got["status"].iloc[:7])
    assert "颠倒" in got["reason"].iloc[3]  # swapped columns fixed, as in memory


def test_empty_partitions_and_a_partition_of_invalid_rows(client, sample) -> None:
    import dask

    canal, rules = sample
    table = _points(canal, 400)
    bad = pd.DataFrame({"名称": ["坏1", "坏2"], "类型": ["养猪场", ""],
                        "经度": ["", "东经abc"], "纬度": ["33", ""]}, index=[400, 401])
    empty = table.iloc[:0]
    pieces = [empty, table.iloc[:150], empty, table.iloc[150:], bad, empty]
    frame = dd.from_delayed([dask.delayed(p) for p in pieces], meta=empty,
                            verify_meta=False)
    got = _compute(client, classify_dask(frame, canal, rules, client=client))
    whole = pd.concat([table, bad])
    _assert_same_rows(got, classify(whole, canal, rules))
    assert got["status"].iloc[-2:].tolist() == ["invalid", "invalid"]
    assert got["zone_level"].iloc[-2:].isna().all()


def test_vector_features_points_and_polygons(client, sample) -> None:
    canal, rules = sample
    x, y = canal.point_at([100_000.0, 101_000.0, 102_000.0])[0].coords[0]
    geoms = [Point(x + 30, y), box(x - 400, y - 400, x + 400, y + 400), Point(x + 9000, y),
             None, Point(x - 120, y + 10)]
    features = gpd.GeoDataFrame({"名称": list("abcde")}, geometry=geoms, crs=canal.metric_crs)
    want = classify(features, canal, rules)
    lazy = classify_dask(dask_geopandas.from_geopandas(features, npartitions=3), canal, rules,
                         client=client)
    got = _compute(client, lazy)
    _assert_same_rows(got.to_crs(want.crs), want)
    inside = [c for c in want.columns if c.startswith("inside_L")]
    assert inside and inside == [c for c in got.columns if c.startswith("inside_L")]
    np.testing.assert_allclose(got[inside].to_numpy(float), want[inside].to_numpy(float),
                               atol=1e-6)


def test_public_classify_takes_and_returns_a_dask_frame(client, sample) -> None:
    canal, rules = sample
    table = _points(canal, 200)
    lazy = classify(dd.from_pandas(table, npartitions=2), canal, rules)
    assert type(lazy).__module__.startswith("dask_geopandas")
    _assert_same_rows(_compute(client, lazy), classify(table, canal, rules))


def test_canal_and_zones_are_scattered_not_in_the_graph(client, sample) -> None:
    canal, rules = sample
    table = _points(canal, 100)
    lazy = classify_dask(dd.from_pandas(table, npartitions=7), canal, rules, client=client)
    graph = dict(lazy.__dask_graph__())
    # Seven tasks, and the whole graph pickles smaller than one canal: the canal and
    # zones travel once per worker, as futures.
    size = len(pickle.dumps(graph))
    assert size < len(pickle.dumps(canal))
    assert not [v for v in graph.values() if isinstance(v, Canal)]


def test_bad_input_fails_before_any_work(client, sample) -> None:
    canal, rules = sample
    frame = dd.from_pandas(pd.DataFrame({"名称": ["a"], "x1": [1.0]}), npartitions=1)
    with pytest.raises(InputFileError, match="longitude"):
        classify_dask(frame, canal, rules, client=client)
    ok = dd.from_pandas(pd.DataFrame({"lon": [112.3], "lat": [33.0]}), npartitions=1)
    with pytest.raises(InputFileError, match="no column 'kind'"):
        classify_dask(ok, canal, rules, type_col="kind", client=client)


# ------------------------------------------------------------------- files in, files out
def _write_parquet_files(table: pd.DataFrame, folder: Path, sizes: list[int]) -> None:
    folder.mkdir()
    start = 0
    for i, size in enumerate(sizes):
        table.iloc[start:start + size].reset_index(drop=True).to_parquet(
            folder / f"part{i + 1}.parquet", row_group_size=97)
        start += size


def test_parquet_folder_to_geoparquet_parts(client, sample, tmp_path: Path) -> None:
    canal, rules = sample
    table = _points(canal, 1000)
    _write_parquet_files(table, tmp_path / "in", [300, 0, 450, 250])
    frame = read_partitioned(tmp_path / "in", partition_rows=200)
    # 300 rows in groups of 97: 97+97 | 97+9 ; then 450 and 250 likewise.
    assert frame.npartitions == 2 + 3 + 2
    out = write_partitioned(classify_dask(frame, canal, rules, client=client),
                            tmp_path / "out")
    parts = sorted(out.iterdir())
    assert [p.name for p in parts] == [f"part.{i:05d}.parquet" for i in range(7)]
    got = gpd.read_parquet(out)
    assert got.crs.to_epsg() == 4326
    assert got["source_file"].tolist() == ["part1.parquet"] * 300 + ["part3.parquet"] * 450 + \
        ["part4.parquet"] * 250
    assert got["source_row"].tolist() == [*range(1, 301), *range(1, 451), *range(1, 251)]
    want = classify(table, canal, rules)
    _assert_same_rows(got.drop(columns=["source_file", "source_row"]), want)
    # Written again: the old parts are replaced, nothing is left beside them.
    write_partitioned(classify_dask(read_partitioned(tmp_path / "in", partition_rows=5000),
                                    canal, rules, client=client), tmp_path / "out")
    assert len(list(out.iterdir())) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_one_geoparquet_file_out_and_csv_in(client, sample, tmp_path: Path) -> None:
    canal, rules = sample
    table = _points(canal, 500)
    (tmp_path / "in").mkdir()
    table.iloc[:200].to_csv(tmp_path / "in" / "b2.csv", index=False, encoding="gbk")
    table.iloc[200:].to_csv(tmp_path / "in" / "b10.csv", index=False)
    frame = read_partitioned(tmp_path / "in" / "b*.csv")
    out = write_partitioned(classify_dask(frame, canal, rules, client=client),
                            tmp_path / "all.parquet")
    got = gpd.read_parquet(out)
    assert got["source_file"].iloc[[0, 199, 200]].tolist() == ["b2.csv", "b2.csv", "b10.csv"]
    assert got["source_row"].iloc[[0, 199, 200, 499]].tolist() == [1, 200, 1, 300]
    want = classify(table.astype(str), canal, rules)
    _assert_same_rows(got.drop(columns=["source_file", "source_row"]), want)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.parquet", "in"]


def test_a_failed_run_leaves_no_output(client, sample, tmp_path: Path) -> None:
    canal, rules = sample
    (tmp_path / "in").mkdir()
    pd.DataFrame({"lon": [112.3], "lat": [33.0]}).to_parquet(tmp_path / "in" / "a.parquet")
    pd.DataFrame({"lon": ["x"], "lat": ["y"]}).to_parquet(tmp_path / "in" / "b.parquet")
    pd.DataFrame({"lon": [1.0], "other": [2.0]}).to_parquet(tmp_path / "c.parquet")
    lazy = classify_dask(read_partitioned(tmp_path / "in"), canal, rules, client=client)
    with pytest.raises(InputFileError, match=r"b\.parquet: column types differ"):
        write_partitioned(lazy, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.parquet", "in"]
    with pytest.raises(InputFileError, match="columns differ"):
        read_partitioned(str(tmp_path / "**" / "*.parquet"))
    with pytest.raises(OutputError, match="holds other files"):
        write_partitioned(lazy, tmp_path / "in")
    with pytest.raises(GeoGuardError, match="no Parquet or CSV"):
        read_partitioned(tmp_path / "in" / "*.xlsx")


# ------------------------------------------------------------------------ command line
def _cli(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from geo_guard.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_dask_engine_on_a_running_cluster(client, sample, tmp_path: Path) -> None:
    canal, rules = sample
    table = _points(canal, 600)
    _write_parquet_files(table, tmp_path / "in", [250, 350])
    args = ["classify", str(tmp_path / "in" / "*.parquet"), "--engine", "dask",
            "--canal", str(SAMPLE / "canal.geojson"),
            "--rules", str(SAMPLE / "zone_rules.example.toml"),
            "--scheduler", client.scheduler.address, "--partition-rows", "100"]
    code, out, err = _cli(*args, "-o", str(tmp_path / "out"))
    assert code == 0, err
    got = gpd.read_parquet(tmp_path / "out")
    _assert_same_rows(got.drop(columns=["source_file", "source_row"]),
                      classify(table, canal, rules))
    want = classify(table, canal, rules)
    assert f"{(want['status'] != 'ok').sum()} row(s) to check" in out
    assert "part2.parquet:" in out or "part1.parquet:" in out
    assert "600 rows in 7 partition(s)" in out
    # Bad options: one error line, exit 2, before any work.
    code, _, err = _cli(*args, "-o", str(tmp_path / "out.xlsx"))
    assert code == 2 and err.startswith("error:") and "folder" in err
    code, _, err = _cli("classify", str(SAMPLE / "risk_sources.csv"), "--canal",
                        str(SAMPLE / "canal.geojson"), "--rules",
                        str(SAMPLE / "zone_rules.example.toml"), "--partition-rows", "5",
                        "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "--partition-rows needs --engine dask" in err


def test_cli_dask_engine_starts_and_closes_a_local_cluster(sample, tmp_path: Path) -> None:
    import subprocess
    import sys

    canal, _ = sample
    (tmp_path / "in").mkdir()
    _points(canal, 300).to_csv(tmp_path / "in" / "a.csv", index=False)
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "geo_guard.cli", "classify", str(tmp_path / "in"),
         "--engine", "dask", "--workers", "1", "--memory-limit", "1GB",
         "--canal", str(SAMPLE / "canal.geojson"),
         "--rules", str(SAMPLE / "zone_rules.example.toml"), "-o", str(tmp_path / "out.parquet")],
        cwd=root, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    assert "300 rows in 1 partition(s)" in proc.stdout
    assert len(gpd.read_parquet(tmp_path / "out.parquet")) == 300
