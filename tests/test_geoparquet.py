"""GeoParquet of points written with numpy (geo_guard.io.geoparquet) against geopandas'
own writer and shapely's WKB as oracles."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from geo_guard import Canal, classify
from geo_guard.io.geoparquet import point_wkb, write_geoparquet
from geo_guard.io.vector import write_table
from geo_guard.reports.classification import write_classified

from .conftest import uniform_rules


def _points(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = shapely.points(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n)).astype(object)
    points[::7] = None
    return points


def _geo(path: Path) -> dict:
    geo = json.loads(pq.read_metadata(path).metadata[b"geo"])
    geo.pop("creator")
    return geo


def test_point_wkb_is_shapely_wkb() -> None:
    points = _points(2000)
    got = point_wkb(points).to_pylist()
    expected = [None if p is None else shapely.to_wkb(p, byte_order=1) for p in points]
    assert got == expected


@pytest.mark.parametrize("geometry", [shapely.box(0, 0, 1, 1), shapely.Point(),
                                      shapely.Point(1, 2, 3)])
def test_anything_but_plain_points_is_left_to_shapely(geometry: shapely.Geometry) -> None:
    assert point_wkb(np.array([shapely.Point(1, 2), geometry], dtype=object)) is None


@pytest.mark.parametrize("crs", [4326, 4547, None])
def test_file_reads_back_as_geopandas_writes_it(tmp_path: Path, crs: int | None) -> None:
    frame = gpd.GeoDataFrame({"名称": [f"点{i}" for i in range(500)], "v": np.arange(500.0)},
                             geometry=_points(500, seed=crs or 1), crs=crs,
                             index=pd.RangeIndex(3, 503))
    frame = frame.rename_geometry("place")[["名称", "place", "v"]]
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_geoparquet(frame, ours)
    frame.to_parquet(theirs)
    pd.testing.assert_frame_equal(gpd.read_parquet(ours), gpd.read_parquet(theirs))
    assert _geo(ours) == _geo(theirs)


def test_no_points_at_all(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[None, None], crs=4326)
    back = gpd.read_parquet(write_geoparquet(frame, tmp_path / "none.parquet"))
    assert back.geometry.isna().all() and back.crs == frame.crs


def test_other_geometries_go_through_geopandas(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.box(0, 0, 1, 1), None],
                             crs=4547)
    back = gpd.read_parquet(write_table(frame, tmp_path / "boxes.parquet"))
    assert back.geometry.iloc[0].equals(frame.geometry.iloc[0]) and back.crs == frame.crs


def test_a_classification_without_geometry_gets_its_points_from_lon_lat(
        tmp_path: Path, straight_canal: Canal) -> None:
    """classify(geometry=False) written as .parquet reads back as geopandas' own file of
    the classification with its geometry: same columns, values and WGS84 points."""
    table = pd.DataFrame({"经度": ["114.0", "bad", "114.01", "北纬33度"],
                          "纬度": ["32.98", "", "32.99", "114.0"], "名称": ["a", "b", "c", "d"]})
    full = classify(table, straight_canal, uniform_rules())
    full.to_parquet(tmp_path / "theirs.parquet")
    bare = classify(table, straight_canal, uniform_rules(), geometry=False)
    write_classified(bare, tmp_path / "ours.parquet")
    ours, theirs = (gpd.read_parquet(tmp_path / f"{who}.parquet") for who in ("ours", "theirs"))
    pd.testing.assert_frame_equal(ours, theirs)
    # The last row typed its latitude first, marked 北纬: swapped and placed.
    assert ours.crs.to_epsg() == 4326 and ours.geometry.isna().tolist() == [False, True,
                                                                             False, False]


def test_only_columns_that_repeat_their_values_are_dictionary_encoded(tmp_path: Path) -> None:
    """Zone, bank and the like get a dictionary; names, distances and points are written
    plain (Arrow would build a dictionary for them and give up); the file reads back the
    same, nested columns included."""
    n = 3000
    rng = np.random.default_rng(3)
    frame = gpd.GeoDataFrame({
        "名称": [f"养殖场{i}" for i in range(n)],
        "bank": rng.choice(["左岸", "右岸"], n),
        "zone_level": rng.integers(0, 3, n),
        "distance_m": rng.uniform(0, 5000, n),
        "tags": [[i % 3] for i in range(n)],
    }, geometry=shapely.points(rng.uniform(112, 113, n), rng.uniform(32, 33, n)), crs=4326)
    path = write_geoparquet(frame, tmp_path / "p.parquet")
    meta = pq.ParquetFile(path).metadata
    columns = [meta.row_group(0).column(i) for i in range(meta.num_columns)]
    encoded = {c.path_in_schema.split(".")[0]: "RLE_DICTIONARY" in c.encodings
               for c in columns}
    assert encoded == {"名称": False, "bank": True, "zone_level": True, "distance_m": False,
                       "tags": False, "geometry": False}
    back = gpd.read_parquet(path)
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns=["geometry", "tags"])),
                                  pd.DataFrame(frame.drop(columns=["geometry", "tags"])))
    assert back["tags"].map(list).tolist() == frame["tags"].tolist()
    assert back.geometry.equals(frame.geometry)
