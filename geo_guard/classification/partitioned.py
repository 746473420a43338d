"""Many input files as one partitioned dask frame, and the classified parts written safely.

:func:`read_partitioned` turns a folder or glob of Parquet/GeoParquet or CSV files into a
dask frame whose partitions hold at most ``partition_rows`` rows (Parquet: whole row
groups, or slices of a larger one; CSV: one file each). Every row carries where it came
from: ``source_file`` (the file's name, relative to the folder) and ``source_row`` (the
record's number in that file, from 1, the header not counted), so a result can always be
traced back to its input line.

:func:`write_partitioned` writes a classified dask frame as a folder of GeoParquet parts
(``part.00000.parquet`` …, in input order) or as one GeoParquet file, in a hidden temporary
folder first: a failure half way leaves the previous output as it was.

Examples
--------
>>> frame = pd.DataFrame({"lon": [112.3, 112.31, 112.32], "lat": [33.0, 33.01, 33.02]})
>>> frame.to_parquet(tmp / "a.parquet", row_group_size=2)
>>> parts = read_partitioned(tmp / "a.parquet", partition_rows=2)
>>> parts.npartitions, parts.compute()[["source_file", "source_row"]].values.tolist()
(2, [['a.parquet', 1], ['a.parquet', 2], ['a.parquet', 3]])
"""

from __future__ import annotations

import glob
import json
import logging
import math
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_guard._errors import InputFileError, OptionError, OutputError, name_list, one_line
from geo_guard.classification.dask import require_dask
from geo_guard.io.files import atomic_path
from geo_guard.io.tables import read_table

logger = logging.getLogger(__name__)

#: Rows per partition by default: about 300-600 MB of a classifying worker's memory.
DEFAULT_PARTITION_ROWS = 1_000_000

PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".parq")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
ROW_COLUMNS = ("source_file", "source_row")
PART_NAME = re.compile(r"^part\.\d+\.parquet$")


@dataclass(frozen=True)
class Part:
    """One partition: rows ``start:stop`` of row groups ``row_groups`` of a Parquet file
    (the whole file for CSV); ``first_row`` is the file row number of its first row."""

    path: str
    name: str
    row_groups: tuple[int, ...] = ()
    start: int = 0
    stop: int = -1
    first_row: int = 0


# ------------------------------------------------------------------------------ input
def find_inputs(source: str | os.PathLike[str]) -> tuple[list[Path], Path]:
    """The input files of a folder, glob or single file, in natural name order.

    Returns the files and the folder their ``source_file`` names are relative to.

    Raises
    ------
    InputFileError
        Nothing matches, or Parquet and CSV files are mixed.

    Examples
    --------
    >>> for name in ("b10.csv", "b9.csv", "notes.md"):
    ...     _ = (tmp / name).write_text("lon,lat\\n112.3,33\\n")
    >>> [p.name for p in find_inputs(tmp)[0]]
    ['b9.csv', 'b10.csv']
    """
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        root = path
        files = [p for p in path.iterdir()
                 if p.is_file() and not p.name.startswith((".", "_"))
                 and p.suffix.lower() in PARQUET_SUFFIXES + CSV_SUFFIXES]
    elif glob.has_magic(text):
        files = [Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file()]
        root = Path(os.path.commonpath([p.parent for p in files])) if files else path.parent
    elif path.is_file():
        files, root = [path], path.parent
    else:
        raise InputFileError(f"{text}: no such file or folder; give a folder, a file or a "
                             "glob such as 'sources/*.parquet'")
    if not files:
        raise InputFileError(f"{text}: no Parquet or CSV files found (looked for "
                             f"{', '.join(PARQUET_SUFFIXES + CSV_SUFFIXES)})")
    kinds = {p.suffix.lower() in PARQUET_SUFFIXES for p in files}
    if len(kinds) > 1:
        raise InputFileError(f"{text}: holds both Parquet and CSV files; classify one kind "
                             "at a time (or convert the CSV files to Parquet)")
    return sorted(files, key=lambda p: _natural_key(p.relative_to(root).as_posix())), root


def _natural_key(name: str) -> list[Any]:
    """'b9' before 'b10': digit runs compare as numbers."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def read_partitioned(
    source: str | os.PathLike[str],
    *,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    encoding: str | None = None,
) -> Any:
    """A lazy dask frame over a folder, glob or file of Parquet/GeoParquet or CSV.

    Parameters
    ----------
    source : str or path
        A folder (its ``.parquet``/``.geoparquet``/``.csv`` files, hidden ones skipped),
        a glob (``"detections/2024-*.parquet"``) or one file.
    partition_rows : int
        Most rows in a partition (Parquet). A worker holds one partition and its result
        at a time, so this bounds its memory. CSV files are one partition each: the reader
        detects encoding, separator and title rows from the whole file.
    encoding : str, optional
        CSV encoding (default: detected, as :func:`geo_guard.io.read_table`).

    Returns
    -------
    dask.dataframe.DataFrame or dask_geopandas.GeoDataFrame
        The columns of the files (GeoParquet: with its geometry and CRS) plus
        ``source_file`` and ``source_row``.

    Raises
    ------
    InputFileError
        No files, mixed kinds, files whose columns differ, a column named
        ``source_file``/``source_row`` already.
    """
    require_dask()
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401  (registers the GeoDataFrame collection)

    if partition_rows < 1:
        raise OptionError(f"--partition-rows {partition_rows}: give 1 or more rows")
    files, root = find_inputs(source)
    names = [p.relative_to(root).as_posix() for p in files]
    if files[0].suffix.lower() in CSV_SUFFIXES:
        parts = [Part(str(p), n) for p, n in zip(files, names, strict=True)]
        meta = _read_csv_part(parts[0], None, encoding).iloc[:0]
        return dd.from_map(_read_csv_part, parts, columns=list(meta.columns),
                           encoding=encoding, meta=meta, label="read-csv",
                           enforce_metadata=False)
    import pyarrow.parquet as pq

    schema = _parquet_schema(files)
    parts, offsets = [], [0]
    for path, name in zip(files, names, strict=True):
        metadata = pq.ParquetFile(path).metadata
        for part in _row_group_parts(path, name, metadata, partition_rows):
            parts.append(part)
            offsets.append(offsets[-1] + part.stop - part.start)
    if not parts:  # every file is empty: one empty partition keeps the columns
        parts, offsets = [Part(str(files[0]), names[0], (), 0, 0)], [0, 0]
    meta = _parquet_frame(schema.empty_table(), files[0]).iloc[:0]
    meta = _with_row_columns(meta, names[0], 0, str(files[0]))
    # The index is the row's number across all files: known divisions, sorted output.
    divisions = (*offsets[:-1], max(offsets[-1] - 1, offsets[-2]))
    return dd.from_map(_read_parquet_part, parts, offsets[:-1], schema=schema, meta=meta,
                       divisions=divisions, label="read-parquet", enforce_metadata=False)


def _parquet_schema(files: list[Path]) -> Any:
    """The first file's Arrow schema; every file must have the same columns."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(files[0])
    for path in files[1:]:
        other = pq.read_schema(path)
        if set(other.names) != set(schema.names):
            missing = [n for n in schema.names if n not in other.names]
            extra = [n for n in other.names if n not in schema.names]
            raise InputFileError(
                f"{path.name}: columns differ from {files[0].name} (missing: "
                f"{name_list(missing) or '-'}; extra: {name_list(extra) or '-'}); give files "
                "of one table")
    clash = [c for c in ROW_COLUMNS if c in schema.names]
    if clash:
        raise InputFileError(f"{files[0].name} already has a column {clash[0]!r}; rename it "
                             "(the dask engine adds source_file and source_row)")
    return schema


def _row_group_parts(path: Path, name: str, metadata: Any, limit: int) -> list[Part]:
    """Consecutive row groups up to ``limit`` rows; a larger group is sliced."""
    parts: list[Part] = []
    group: list[int] = []
    rows = first = 0
    done = 0

    def flush() -> None:
        nonlocal group, rows, first
        if group:
            parts.append(Part(str(path), name, tuple(group), 0, rows, first))
        group, rows, first = [], 0, done

    for i in range(metadata.num_row_groups):
        size = metadata.row_group(i).num_rows
        if size == 0:
            continue
        if size > limit:
            flush()
            for start in range(0, size, limit):
                stop = min(start + limit, size)
                parts.append(Part(str(path), name, (i,), start, stop, done + start))
            done += size
            first = done
            continue
        if rows + size > limit:
            flush()
        if not group:
            first = done
        group.append(i)
        rows += size
        done += size
    flush()
    return parts


def _read_parquet_part(part: Part, offset: int, schema: Any) -> pd.DataFrame:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(part.path)
    if part.row_groups:
        table = file.read_row_groups(list(part.row_groups))
        table = table.slice(part.start, part.stop - part.start)
    else:
        table = schema.empty_table()
    table = table.select(schema.names)
    if not table.schema.equals(schema, check_metadata=False):
        try:
            table = table.cast(schema)
        except Exception as err:  # pyarrow raises several types for a failed cast
            raise InputFileError(
                f"{part.name}: column types differ from the first file's and cannot be "
                f"converted ({one_line(err)[:150]}); give files of one table") from None
    frame = _parquet_frame(table, Path(part.path))
    frame = _with_row_columns(frame, part.name, part.first_row, part.path)
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def _parquet_frame(table: Any, path: Path) -> pd.DataFrame:
    """Arrow table to pandas; GeoParquet WKB columns become geometry with the file's CRS."""
    metadata = table.schema.metadata or {}
    if b"geo" not in metadata:
        return table.to_pandas()
    geo = json.loads(metadata[b"geo"])
    columns = geo.get("columns", {})
    if any(str(c.get("encoding", "WKB")).upper() != "WKB" for c in columns.values()):
        raise InputFileError(
            f"{path.name}: GeoParquet with GeoArrow geometry encoding is not read "
            "partition-wise; write it with WKB encoding (geopandas' default)")
    frame = table.drop_columns(list(columns)).to_pandas()
    primary = geo.get("primary_column", next(iter(columns), None))
    order = table.schema.names
    for name, spec in columns.items():
        crs = spec.get("crs", "OGC:CRS84")
        crs = pyproj.CRS.from_json_dict(crs) if isinstance(crs, dict) else crs
        values = shapely.from_wkb(table.column(name).to_numpy(zero_copy_only=False))
        frame.insert(order.index(name), name, gpd.GeoSeries(values, crs=crs, index=frame.index))
    return gpd.GeoDataFrame(frame, geometry=primary, crs=frame[primary].crs)


def _with_row_columns(frame: pd.DataFrame, name: str, first_row: int, path: str
                      ) -> pd.DataFrame:
    clash = [c for c in ROW_COLUMNS if c in frame.columns]
    if clash:
        raise InputFileError(f"{Path(path).name} already has a column {clash[0]!r}; rename "
                             "it (the dask engine adds source_file and source_row)")
    out = frame.copy()
    out["source_file"] = pd.Series(name, index=out.index, dtype=object).astype(str)
    out["source_row"] = np.arange(first_row + 1, first_row + 1 + len(out), dtype=np.int64)
    return out


def _read_csv_part(part: Part, columns: list[str] | None, encoding: str | None
                   ) -> pd.DataFrame:
    frame = read_table(part.path, encoding=encoding)
    if columns is not None and list(frame.columns) + list(ROW_COLUMNS) != columns:
        raise InputFileError(
            f"{part.name}: columns differ from the first file's ({name_list(frame.columns)} "
            f"against {name_list(columns[:-2])}); give files of one table")
    return _with_row_columns(frame, part.name, 0, part.path)


# ----------------------------------------------------------------------------- output
def write_partitioned(frame: Any, output: str | os.PathLike[str]) -> Path:
    """Compute a dask-geopandas frame into GeoParquet: a folder of parts or one file.

    Parameters
    ----------
    frame : dask_geopandas.GeoDataFrame
    output : path
        A folder (no suffix): ``part.00000.parquet`` … one per partition, in order. A
        ``.parquet`` file: the parts joined into one GeoParquet file, one row group per
        partition (the client holds one part at a time).

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    OutputError
        Unknown suffix, missing parent folder, or an existing folder that holds other
        files than parts (it is not replaced).

    Examples
    --------
    >>> import dask_geopandas
    >>> points = gpd.GeoDataFrame({"n": [1, 2, 3]},
    ...                           geometry=gpd.points_from_xy([1, 2, 3], [1, 2, 3]), crs=4326)
    >>> out = write_partitioned(dask_geopandas.from_geopandas(points, npartitions=2),
    ...                         tmp / "parts")
    >>> sorted(p.name for p in out.iterdir()), len(gpd.read_parquet(out))
    (['part.00000.parquet', 'part.00001.parquet'], 3)
    >>> len(gpd.read_parquet(write_partitioned(
    ...     dask_geopandas.from_geopandas(points, npartitions=2), tmp / "one.parquet")))
    3
    """
    target = Path(output)
    suffix = target.suffix.lower()
    if suffix and suffix not in PARQUET_SUFFIXES:
        raise OutputError(f"{target.name}: the dask engine writes GeoParquet: give a folder "
                          "(no suffix) for parts or a .parquet file")
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(f"{target}: folder '{parent}' does not exist; create it first")
    if target.is_dir() and not suffix:
        _check_replaceable(target)
    temp = parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
    try:
        frame.to_parquet(temp, write_index=False, write_metadata_file=False,
                         name_function=lambda i: f"part.{i:05d}.parquet")
        if suffix:
            with atomic_path(target) as path:
                _join_parts(sorted(temp.glob("part.*.parquet")), path)
        else:
            _swap_folder(temp, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def _check_replaceable(folder: Path) -> None:
    other = [p.name for p in folder.iterdir() if not PART_NAME.match(p.name)]
    if other:
        raise OutputError(f"{folder}: the folder exists and holds other files "
                          f"({name_list(other, 5)}); give a new or empty folder")


def _swap_folder(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target``; the old folder goes only once the new is in."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _join_parts(parts: list[Path], path: Path) -> None:
    """Stream part files into one Parquet file, with GeoParquet metadata for all of them."""
    import pyarrow.parquet as pq

    schemas = [pq.read_schema(p) for p in parts]
    schema = schemas[0].with_metadata(_merged_geo(schemas))
    with pq.ParquetWriter(path, schema) as writer:
        for part in parts:
            writer.write_table(pq.read_table(part).cast(schema))


def _merged_geo(schemas: list[Any]) -> dict[bytes, bytes]:
    """The first schema's metadata with each geometry column's bbox and types over all."""
    metadata = dict(schemas[0].metadata or {})
    if b"geo" not in metadata:
        return metadata
    geo = json.loads(metadata[b"geo"])
    for name, spec in geo.get("columns", {}).items():
        specs = [json.loads(s.metadata[b"geo"])["columns"].get(name, {}) for s in schemas]
        spec["geometry_types"] = sorted({t for s in specs for t in s.get("geometry_types", [])})
        boxes = [s["bbox"] for s in specs if s.get("bbox") and
                 all(math.isfinite(v) for v in s["bbox"])]
        if boxes:
            box = np.array(boxes, dtype=float)
            spec["bbox"] = [*box[:, :2].min(axis=0).tolist(), *box[:, 2:].max(axis=0).tolist()]
        else:
            spec.pop("bbox", None)
    metadata[b"geo"] = json.dumps(geo).encode()
    return metadata
