"""Township (乡镇/街道) and village (行政村) of points, by a spatial join.

Examples
--------
>>> villages = gpd.read_file("data/boundaries/villages.geojson")
>>> x, y = canal.point_at([110_000.0])[0].coords[0]
>>> admin_join(villages, np.array([x]), np.array([y]), canal.metric_crs)["township"].tolist()
['示意镇乙']
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo_guard._errors import InputFileError
from geo_guard.crs import with_input_crs
from geo_guard.vocabulary.columns import TOWNSHIP_HEADERS, VILLAGE_HEADERS, find_column

ADMIN_COLUMNS = ("township", "village")


def admin_join(
    admin: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray, crs: Any
) -> dict[str, np.ndarray]:
    """Township and village of each point (the first polygon that holds it; "" if none).

    Parameters
    ----------
    admin : GeoDataFrame
        Polygons with a township and/or village column (English or Chinese headers).
    x, y : ndarray
        Point coordinates in ``crs``; NaN for a missing point.
    crs : pyproj.CRS or str
        CRS of ``x``/``y``; the polygons are reprojected to it.

    Returns
    -------
    dict
        ``{"township": ..., "village": ...}`` for the columns the admin layer has.

    Raises
    ------
    InputFileError
        The layer has neither column.
    """
    frame = with_input_crs(admin, None, "admin").to_crs(crs)
    township = find_column(frame.columns, TOWNSHIP_HEADERS)
    village = find_column(frame.columns, VILLAGE_HEADERS)
    if township is None and village is None:
        raise InputFileError(
            "the admin file needs a township (乡镇) or village (行政村) column; "
            f"it has: {', '.join(map(str, frame.columns))}"
        )
    tree = shapely.STRtree(shapely.make_valid(frame.geometry.values))
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    hit_point, hit_polygon = tree.query(shapely.points(x[ok], y[ok]), predicate="intersects")
    first = np.full(len(x), -1, dtype=np.int64)
    # query returns pairs sorted by point; keep the first polygon per point
    unique_points, first_pair = np.unique(hit_point, return_index=True)
    first[ok[unique_points]] = hit_polygon[first_pair]
    out = {}
    for name, column in (("township", township), ("village", village)):
        if column is not None:
            values = np.append(frame[column].astype(str).to_numpy(dtype=object), "")
            out[name] = values[first]
    return out
