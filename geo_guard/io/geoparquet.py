"""GeoParquet of point layers without a WKB call per point.

A classified table of a million rows is a million 2D points; :meth:`GeoDataFrame.to_parquet`
asks GEOS for each point's WKB (half a second). A 2D point's WKB is 21 fixed bytes (byte
order, type 1, x, y), so numpy writes them all at once, and the file carries the same
GeoParquet 1.1 metadata geopandas writes (encoding WKB, CRS as PROJJSON, geometry types,
bounding box). Frames with other geometries, several geometry columns, Z values or empty
points go through geopandas.

Examples
--------
>>> import shapely
>>> frame = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.Point(112.5, 33.0), None],
...                          crs=4326)
>>> point_wkb(frame.geometry.values).to_pylist()[0] == shapely.Point(112.5, 33.0).wkb
True
>>> gpd.read_parquet(write_geoparquet(frame, tmp / "p.parquet")).geometry.iloc[0].x
112.5
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyproj
import shapely

from geo_guard import __version__
from geo_guard._errors import OutputError, one_line
from geo_guard.io.files import atomic_path

__all__ = ["point_wkb", "write_geoparquet", "write_parquet", "xy_wkb"]

#: One little-endian 2D point in WKB: byte order 1, geometry type 1, x, y (21 bytes).
_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def point_wkb(geometries: np.ndarray) -> pa.Array | None:
    """WKB of 2D points (missing ones null) as an Arrow binary array, or None when any
    geometry is not a non-empty 2D point.

    Parameters
    ----------
    geometries : ndarray or GeometryArray of shapely geometries
    """
    geoms = np.asarray(geometries, dtype=object)
    present = ~shapely.is_missing(geoms)
    kept = geoms[present]
    if (shapely.get_type_id(kept) != 0).any() or shapely.is_empty(kept).any() or \
            shapely.has_z(kept).any():
        return None
    x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    x[present], y[present] = shapely.get_coordinates(kept).T
    return xy_wkb(x, y)


def xy_wkb(x: np.ndarray, y: np.ndarray) -> pa.Array:
    """WKB points of coordinate arrays as an Arrow binary array; a row with a NaN
    coordinate has no point (null).

    Examples
    --------
    >>> xy_wkb(np.array([1.0, np.nan]), np.array([2.0, 3.0])).to_pylist()[1] is None
    True
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    present = ~(np.isnan(x) | np.isnan(y))
    records = np.empty(int(present.sum()), dtype=_POINT)
    records["order"], records["type"] = 1, 1
    records["x"], records["y"] = x[present], y[present]
    sizes = np.where(present, _POINT.itemsize, 0)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    validity = None if present.all() else pa.array(present).buffers()[1]
    return pa.Array.from_buffers(
        pa.binary(), len(x),
        [validity, pa.py_buffer(offsets), pa.py_buffer(records.view(np.uint8))],
        null_count=int((~present).sum()),
    )


def write_parquet(frame: pd.DataFrame, target: Path, *,
                  points: tuple[np.ndarray, np.ndarray, object] | None = None) -> None:
    """Write a table atomically as Parquet: GeoParquet for a GeoDataFrame, or for a plain
    table given ``points`` (x, y and their CRS: a ``geometry`` column of points is added
    last); else plain Parquet.

    Raises
    ------
    OutputError
        A column Arrow cannot store (mixed types).
    """
    with atomic_path(target) as temp:
        try:
            if points is not None:
                x, y, crs = points
                _write_points(frame, "geometry", len(frame.columns), xy_wkb(x, y), x, y,
                              pyproj.CRS.from_user_input(crs), temp)
            elif isinstance(frame, gpd.GeoDataFrame):
                write_geoparquet(frame, temp)
            else:
                frame.to_parquet(temp)
        except (pa.ArrowException, ValueError) as err:
            raise OutputError(
                f"{target.name}: cannot be written as Parquet ({one_line(err)[:200]}); make each "
                "column hold one type, or write .csv or .xlsx"
            ) from err


def write_geoparquet(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``frame`` as GeoParquet (WKB, snappy), fast for a layer of 2D points.

    Not atomic by itself: callers write to a temporary path (see
    :func:`geo_guard.io.files.atomic_path`).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    name = frame.geometry.name
    others = [c for c in frame.columns if c != name and isinstance(frame[c].dtype,
                                                                    gpd.array.GeometryDtype)]
    wkb = None if others else point_wkb(frame.geometry.values)
    if wkb is None:
        frame.to_parquet(path)
        return path
    xy = shapely.get_coordinates(np.asarray(frame.geometry.values))
    _write_points(pd.DataFrame(frame.drop(columns=name)), name, list(frame.columns).index(name),
                  wkb, xy[:, 0], xy[:, 1], frame.crs, path)
    return path


def _write_points(table_frame: pd.DataFrame, name: str, position: int, wkb: pa.Array,
                  x: np.ndarray, y: np.ndarray, crs: pyproj.CRS | None, path: Path) -> None:
    """The frame's columns with the WKB column at ``position``, and GeoParquet metadata
    as geopandas writes it (bounding box of the points' x/y, NaN left out)."""
    table = pa.Table.from_pandas(table_frame, preserve_index=None)
    table = table.add_column(position, name, wkb)
    present = ~(np.isnan(x) | np.isnan(y))
    column: dict[str, object] = {
        "encoding": "WKB",
        "crs": _projjson(crs) if crs is not None else None,
        "geometry_types": ["Point"] if present.any() else [],
    }
    if present.any():  # the bounding box of no point is left out (the field is optional)
        column["bbox"] = [float(x[present].min()), float(y[present].min()),
                          float(x[present].max()), float(y[present].max())]
    geo = {"primary_column": name, "columns": {name: column}, "version": "1.1.0",
           "creator": {"library": "geo_guard", "version": __version__}}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"geo": json.dumps(geo).encode()})
    pq.write_table(table, path, use_dictionary=dictionary_columns(table))


#: Rows looked at to judge whether a column repeats its values.
DICTIONARY_SAMPLE_ROWS = 100_000


def dictionary_columns(table: pa.Table) -> list[str]:
    """The columns worth dictionary encoding: those whose first rows repeat their values
    (zone, bank, status, township ...; at most one distinct value in eight).

    Arrow tries a dictionary for every column by default and gives up on those with
    many distinct values (names, coordinates, distances, the points) only after
    building a megabyte of it; on a million classified rows skipping them saves a
    seventh of the write.

    Examples
    --------
    >>> t = pa.table({"bank": ["左岸", "右岸"] * 50, "d": np.arange(100.0)})
    >>> dictionary_columns(t)
    ['bank']
    """
    sample = table.slice(0, DICTIONARY_SAMPLE_ROWS)
    rows = max(sample.num_rows, 1)
    chosen = []
    for name, column in zip(sample.column_names, sample.columns, strict=True):
        try:
            distinct = pc.count_distinct(column, mode="all").as_py()
        except pa.ArrowNotImplementedError:  # nested types: no dictionary
            continue
        if distinct * 8 <= rows:
            chosen.append(name)
    return chosen


def _projjson(crs: object) -> dict:
    """The CRS as PROJJSON without the ids of datum-ensemble members, which older PROJ
    versions do not know (as geopandas and GDAL write it)."""
    data = crs.to_json_dict()  # type: ignore[attr-defined]
    stack = [data]
    while stack:
        node = stack.pop()
        for key, value in node.items():
            if isinstance(value, dict):
                stack.append(value)
            elif key == "members" and isinstance(value, list):
                for member in value:
                    member.pop("id", None)
    return data
