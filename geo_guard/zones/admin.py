"""Township (乡镇/街道) and village (行政村) of points, by a spatial join.

The admin layer names its areas under 乡镇/行政村 (or township/village, XJQYMC/CJQYMC of
the land survey); a file whose names sit in another column (``name`` in DataV files) is
read with :func:`admin_areas` and ``name_column``.

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


def admin_areas(admin: gpd.GeoDataFrame, name_column: str | None = None) -> gpd.GeoDataFrame:
    """The admin layer with its names under ``township``/``village`` (a copy).

    Parameters
    ----------
    admin : GeoDataFrame
    name_column : str, optional
        The column holding each area's name when it is not called 乡镇/行政村/township/
        village (``--admin-name-col name``). Its names are townships (乡镇(街道)) unless
        the layer also has a township column: then they are villages.

    Raises
    ------
    InputFileError
        ``name_column`` is not a column of the layer (the columns are listed).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> layer = gpd.GeoDataFrame({"name": ["卧龙区"]}, geometry=[shapely.box(0, 0, 1, 1)])
    >>> admin_areas(layer, "name")[["township"]].values.tolist()
    [['卧龙区']]
    """
    if name_column is None:
        return admin.copy()
    if name_column not in admin.columns:
        raise InputFileError(
            f"--admin-name-col {name_column!r}: the admin file has no such column; it has: "
            f"{', '.join(str(c) for c in admin.columns if c != admin.geometry.name)}"
        )
    has_township = find_column([c for c in admin.columns if c != name_column],
                               TOWNSHIP_HEADERS) is not None
    target = "village" if has_township else "township"
    out = admin.drop(columns=[c for c in admin.columns if str(c) == target and c != name_column])
    return out.rename(columns={name_column: target})


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
