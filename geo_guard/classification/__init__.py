"""Classification of risk sources: every input row placed in a zone and on the canal.

`core.classify` takes a table or GeoDataFrame of points, lines or polygons and returns the
same rows in the same order with zone, distance, chainage, stake, bank, source type,
status and reason. (The package is not called ``classify`` so that the function
``geo_guard.classify`` does not hide it.)
"""

from geo_guard.classification.core import (
    CHINESE_HEADERS,
    NOTES,
    OUTPUT_COLUMNS,
    STATUS_FAR,
    ZoneIndex,
    classify,
    row_numbers,
    summarise,
    zone_index,
)

__all__ = [
    "CHINESE_HEADERS",
    "NOTES",
    "OUTPUT_COLUMNS",
    "STATUS_FAR",
    "ZoneIndex",
    "classify",
    "row_numbers",
    "summarise",
    "zone_index",
]
