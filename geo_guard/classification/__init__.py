"""Classification of risk sources: every input row placed in a zone and on the canal.

`core.classify` takes a table or GeoDataFrame of points, lines or polygons and returns the
same rows in the same order with zone, distance, chainage, stake, bank, source type,
status and reason; `summary` counts them. `dask` runs the same function over the
partitions of a dask frame on a cluster; `partitioned` reads many Parquet/CSV files as
one partitioned frame (each row keeping its file and row number) and writes the
GeoParquet parts. (The package is not
called ``classify`` so that the function ``geo_guard.classify`` does not hide it.)
"""

from geo_guard.classification.core import (
    CHINESE_HEADERS,
    NOTES,
    OUTPUT_COLUMNS,
    STATUS_FAR,
    ZoneIndex,
    classify,
    zone_index,
)
from geo_guard.classification.dask import classify_dask, dask_client, summarise_parts
from geo_guard.classification.partitioned import read_partitioned, write_partitioned
from geo_guard.classification.summary import row_numbers, summarise

__all__ = [
    "CHINESE_HEADERS",
    "NOTES",
    "OUTPUT_COLUMNS",
    "STATUS_FAR",
    "ZoneIndex",
    "classify",
    "classify_dask",
    "dask_client",
    "read_partitioned",
    "row_numbers",
    "summarise",
    "summarise_parts",
    "write_partitioned",
    "zone_index",
]
