"""The dask engine: classify a partitioned table on a dask cluster, row for row as in memory.

A province's risk sources (building footprints, enterprises, remote-sensing detections)
run to hundreds of millions of rows: more than one process holds. This engine takes a
dask (or dask-geopandas) frame and returns a lazy dask-geopandas frame whose every
partition is classified by :func:`geo_guard.classification.core.classify`, the same
vectorised code as the in-memory path, so a row gets the same zone, distance, chainage,
bank and stake whichever engine ran it.

The canal, the zone polygons (built once, on the client) and the admin layer are sent to
the workers once (``Client.scatter(..., broadcast=True)``) and the tasks refer to them by
their futures, so a thousand partitions do not pickle the canal a thousand times. Without
a ``distributed`` client (dask's threaded scheduler) the objects are shared in memory.

Differences from the in-memory result, because a partition cannot see the others:

* text columns the engine adds have the same dtype in every partition (``str``);
* vector input always gets the ``inside_L*`` columns (0 for points), since one partition
  cannot know whether another holds lines or polygons.

Examples
--------
>>> import dask.dataframe as dd
>>> table = pd.DataFrame({"经度": [112.30, 112.31, "x"], "纬度": [33.00, 33.01, 33.0],
...                       "类型": ["养猪场", "加油站", "农家乐"]})
>>> lazy = classify_dask(dd.from_pandas(table, npartitions=2), canal, rules)
>>> lazy.compute()[["stake", "source_type", "status"]].values.tolist()
[['K103+859', '畜禽养殖', 'ok'], ['K105+514', '经营场所', 'ok'], ['', '旅游餐饮', 'invalid']]
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard._errors import GeoGuardError, OptionError
from geo_guard._parallel import workers as workers_available
from geo_guard.canal import Canal
from geo_guard.classification.core import ZoneIndex, classify, zone_index
from geo_guard.zones import ZoneRules

logger = logging.getLogger(__name__)

#: Columns :func:`classify` adds that hold text; cast to one dtype in every partition.
TEXT_COLUMNS = (
    "zone", "stake", "bank", "segment_id", "source_type", "status", "reason",
    "township", "village",
)

INSTALL_HINT = "install the optional extra: pip install 'geo-guard[dask]'"


def require_dask() -> None:
    """Raise a one-line :class:`GeoGuardError` when dask-geopandas or distributed is absent.

    Examples
    --------
    >>> require_dask()  # installed with the 'dask' extra: nothing happens
    """
    try:
        import dask.dataframe  # noqa: F401
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as err:
        raise GeoGuardError(f"the dask engine needs {err.name}; {INSTALL_HINT}") from None


def classify_dask(
    sources: Any,
    canal: Canal,
    rules: ZoneRules | None = None,
    *,
    zones: gpd.GeoDataFrame | ZoneIndex | None = None,
    crs: Any = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    type_col: str | None = None,
    admin: gpd.GeoDataFrame | None = None,
    ends: str = "round",
    client: Any = None,
) -> Any:
    """Classify every row of a dask frame; lazy, partition by partition.

    Parameters
    ----------
    sources : dask.dataframe.DataFrame or dask_geopandas.GeoDataFrame
        A table with coordinate columns, or features of any geometry type.
    canal, rules, zones, crs, lon_col, lat_col, type_col, admin, ends
        As for :func:`geo_guard.classification.core.classify`.
    client : distributed.Client, optional
        Where to scatter the canal, zones and admin layer; default the current client
        (``distributed.get_client``), if any. Without one the objects stay in memory and
        dask's local scheduler runs the tasks.

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Same partitions, rows, order and index as ``sources``; the columns of
        :func:`classify`. Nothing is computed until ``.compute()``/``.to_parquet()``.

    Raises
    ------
    GeoGuardError
        Before any work: missing coordinate columns, an unknown type column, a bad CRS
        (found by classifying the frame's empty meta), or dask not installed.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> lazy = classify_dask(dd.from_pandas(pd.DataFrame({"lon": [112.3], "lat": [33.0]}),
    ...                                     npartitions=1), canal, rules)
    >>> type(lazy).__name__, lazy.npartitions
    ('GeoDataFrame', 1)
    """
    require_dask()
    import dask_geopandas  # noqa: F401  (registers the GeoDataFrame collection)

    index = zones if isinstance(zones, ZoneIndex) else zone_index(canal, rules, zones, ends=ends)
    options = {"crs": crs, "lon_col": lon_col, "lat_col": lat_col, "type_col": type_col}
    vector = isinstance(sources._meta, gpd.GeoDataFrame)
    # The meta: classify the frame's empty meta, so a missing column fails now, not on a
    # worker an hour in.
    meta = _classify_part(sources._meta, canal, index, admin, options, vector)
    client = _current_client() if client is None else client
    shared: tuple[Any, ...] = (canal, index, admin)
    if client is not None:
        # One copy per worker, sent now; the graph holds only the futures' keys.
        shared = tuple(client.scatter(obj, broadcast=True, hash=False) if obj is not None
                       else None for obj in shared)
    return sources.map_partitions(
        _classify_part, *shared, options, vector, meta=meta, align_dataframes=False
    )


def _classify_part(
    part: pd.DataFrame,
    canal: Canal,
    index: ZoneIndex,
    admin: gpd.GeoDataFrame | None,
    options: dict[str, Any],
    vector: bool,
) -> gpd.GeoDataFrame:
    """One partition through the in-memory classify, with columns and dtypes fixed."""
    # Prepared geometries do not survive pickling; preparing a prepared one is a no-op.
    shapely.prepare(index.geometries)
    out = classify(part, canal, zones=index, admin=admin, **options)
    if vector:
        for level in index.levels:
            column = f"inside_L{level}"
            if column not in out:
                out.insert(out.columns.get_loc("geometry"), column, np.zeros(len(out)))
    for column in TEXT_COLUMNS:
        # An empty partition (and the meta) has object columns where a filled one has
        # pandas' str dtype: one dtype for every partition.
        if column in out and out[column].dtype == object:
            out[column] = out[column].astype(str)
    return out


def _current_client() -> Any:
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):  # no client running: dask's local scheduler
        return None


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    memory_limit: str | float | None = "auto",
) -> Iterator[Any]:
    """A ``distributed.Client``: on a running cluster, or on a new ``LocalCluster``.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://10.0.0.5:8786``) or a scheduler file
        (``.json``). Default: start a ``LocalCluster`` of worker processes, one thread
        each, and close it on exit.
    workers : int, optional
        Worker processes of the local cluster (default: the cores this process may use).
    memory_limit : str or float, optional
        Memory limit per local worker (``"2GB"``); dask's ``"auto"`` shares the machine's.

    Examples
    --------
    >>> with dask_client(workers=1, memory_limit="1GB") as client:
    ...     len(client.scheduler_info()["workers"])
    1
    """
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            if scheduler.endswith(".json"):
                client = Client(scheduler_file=scheduler, timeout="20s")
            else:
                client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise OptionError(
                f"--scheduler {scheduler}: cannot reach the dask scheduler ({err}); check "
                "the address (tcp://HOST:8786) or leave --scheduler out to start a local "
                "cluster"
            ) from None
        with client:
            yield client
        return
    count = workers_available() if workers is None else workers
    if count < 1:
        raise OptionError(f"--workers {count}: give 1 or more worker processes")
    cluster = LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:
        yield client


def summarise_parts(path: Any, *, shown: int = 10) -> dict[str, Any]:
    """Counts of classified GeoParquet output, computed by dask where the data is.

    The same tables as :func:`geo_guard.classification.summary.summarise` (rows per zone
    and per source type, invalid rows), read back from a folder of parts or one file
    column by column, so the client never holds the rows.

    Parameters
    ----------
    path : str or path
        Output of :func:`geo_guard.classification.partitioned.write_partitioned`.
    shown : int
        Rows to check listed (status ``invalid`` or ``far``; ``row`` is ``file:row``
        when the output has ``source_file``/``source_row``); ``invalid_rows`` counts them
        all, ``far_rows`` those far from the canal.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from geo_guard.classification.partitioned import write_partitioned
    >>> table = pd.DataFrame({"lon": [112.3, 112.31, 0.0], "lat": [33.0, 33.01, 0.0]})
    >>> lazy = classify_dask(dd.from_pandas(table, npartitions=2), canal, rules)
    >>> summary = summarise_parts(write_partitioned(lazy, tmp / "out"))
    >>> summary["rows"], summary["invalid_rows"], summary["zone"]["rows"].tolist()
    (3, 1, [2])
    """
    require_dask()
    import dask
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    names = pq.read_schema(next(iter(sorted(_parquet_files(path))))).names
    wanted = ["zone_level", "zone", "source_type", "status", "reason", "source_file",
              "source_row"]
    frame = dd.read_parquet(path, columns=[c for c in wanted if c in names])
    ok = frame[frame["status"] == "ok"]
    bad = frame[frame["status"] != "ok"]
    with warnings.catch_warnings():
        # dask's Parquet reader uses an argument pandas 3.1 deprecates; not ours to fix.
        warnings.filterwarnings("ignore", message="The inplace keyword")
        by_zone, by_type, rows, invalid_rows, far_rows = dask.compute(
            ok.groupby(["zone_level", "zone"]).size(), ok.groupby("source_type").size(),
            frame.shape[0], bad.shape[0], (frame["status"] == "far").sum())
        first = bad.head(shown, npartitions=-1)
    if "source_file" in first:
        where = first["source_file"].astype(str) + ":" + first["source_row"].astype(str)
    else:
        where = pd.Series(first.index.astype(str), index=first.index)
    zone = by_zone.rename("rows").reset_index().sort_values("zone_level", ignore_index=True)
    kind = (by_type.rename("rows").reset_index()
            .sort_values("rows", ascending=False, ignore_index=True))
    return {"zone": zone, "source_type": kind, "rows": int(rows),
            "invalid_rows": int(invalid_rows), "far_rows": int(far_rows),
            "invalid": pd.DataFrame({"row": where.to_numpy(),
                                     "status": first["status"].to_numpy(),
                                     "reason": first["reason"].to_numpy()})}


def _parquet_files(path: Any) -> list[Path]:
    target = Path(path)
    return sorted(target.glob("*.parquet")) if target.is_dir() else [target]
