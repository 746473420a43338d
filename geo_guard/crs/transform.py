"""Coordinates and frames from the user's CRS (offsets included) to WGS84 and back, and
frames given the CRS the user says they are in.

Examples
--------
>>> from geo_guard.crs import parse_crs, to_wgs84_xy
>>> lon, lat = to_wgs84_xy(112.505939, 32.998089, parse_crs("gcj02"))
>>> round(float(lon), 5), round(float(lat), 5)
(112.5, 33.0)
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pyproj
from numpy.typing import ArrayLike

from geo_guard._errors import CRSMissingError
from geo_guard.crs.offsets import (
    FloatArray,
    _as_xy,
    apply_offset,
    geometry_remove_offset,
    remove_offset,
)
from geo_guard.crs.parse import _ACCEPTED, WGS84, InputCRS, _crs_label, _transformer, parse_crs

logger = logging.getLogger(__name__)


def _as_input_crs(crs: str | int | pyproj.CRS | InputCRS) -> InputCRS:
    parsed = parse_crs(crs)
    if parsed is None:
        raise CRSMissingError(f"no CRS given; pass one of {_ACCEPTED}")
    return parsed


def to_wgs84_xy(
    x: ArrayLike, y: ArrayLike, crs: str | int | pyproj.CRS | InputCRS
) -> tuple[FloatArray, FloatArray]:
    """Coordinates in `crs` to WGS84 lon/lat.

    Parameters
    ----------
    x, y : array_like
        Easting/northing, or lon/lat for geographic CRSs: x is always the longitude, even
        for EPSG:4326/4490 whose official axis order is latitude first.
    crs : InputCRS or anything :func:`parse_crs` accepts

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 ``(lon, lat)``; points PROJ cannot transform come back as inf.

    Examples
    --------
    >>> lon, lat = to_wgs84_xy(500000.0, 3652748.043, parse_crs(4546))
    >>> round(float(lon), 6), round(float(lat), 6)
    (111.0, 33.0)
    """
    parsed = _as_input_crs(crs)
    # The offset sits on top of parsed.crs (lon/lat), so it comes off first.
    lon, lat = remove_offset(x, y, parsed.offset)
    if parsed.crs.equals(WGS84, ignore_axis_order=True):
        return lon, lat
    out_x, out_y = _transformer(parsed.crs, WGS84).transform(lon, lat)
    return np.asarray(out_x, dtype=np.float64), np.asarray(out_y, dtype=np.float64)


def from_wgs84_xy(
    lon: ArrayLike, lat: ArrayLike, crs: str | int | pyproj.CRS | InputCRS
) -> tuple[FloatArray, FloatArray]:
    """WGS84 lon/lat to coordinates in `crs` (x first, as :func:`to_wgs84_xy` takes them).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees.
    crs : InputCRS or anything :func:`parse_crs` accepts

    Returns
    -------
    tuple of numpy.ndarray
        ``(x, y)``: easting/northing, or lon/lat (offset applied for GCJ-02/BD-09).

    Examples
    --------
    >>> x, y = from_wgs84_xy(111.0, 33.0, parse_crs("EPSG:4546"))
    >>> round(float(x), 6)
    500000.0
    """
    parsed = _as_input_crs(crs)
    x, y = _as_xy(lon, lat)
    if not parsed.crs.equals(WGS84, ignore_axis_order=True):
        tx, ty = _transformer(WGS84, parsed.crs).transform(x, y)
        x, y = np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)
    return apply_offset(x, y, parsed.offset)


def with_input_crs(
    gdf: gpd.GeoDataFrame,
    crs: str | int | pyproj.CRS | InputCRS | None,
    source: str,
) -> gpd.GeoDataFrame:
    """Give a frame read from `source` its real CRS, on a copy.

    A given `crs` overrides the file's: GeoJSON from AMap/DataV always claims WGS84 but
    holds GCJ-02. GCJ-02/BD-09 coordinates are converted to WGS84 (result EPSG:4326).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        As read; not modified.
    crs : str, int, pyproj.CRS, InputCRS or None
        What the user says the coordinates are (see :func:`parse_crs`); ``None`` keeps the
        file's CRS.
    source : str
        Name of the input, for messages (e.g. the file name).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with a CRS.

    Raises
    ------
    CRSMissingError
        Neither `crs` nor the file gives a CRS.
    CRSError
        `crs` cannot be parsed.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> raw = gpd.GeoDataFrame(geometry=[Point(112.505939, 32.998089)], crs="EPSG:4326")
    >>> out = with_input_crs(raw, "gcj02", "shops.geojson")
    >>> out.crs.to_epsg(), round(float(out.geometry.x.iloc[0]), 5)
    (4326, 112.5)
    >>> round(float(raw.geometry.x.iloc[0]), 6)  # the caller's frame is untouched
    112.505939
    """
    parsed = parse_crs(crs)
    if parsed is None:
        if gdf.crs is None:
            raise CRSMissingError(
                f"{source} has no CRS; pass --crs (wgs84, cgcs2000, gcj02, bd09 or an EPSG "
                "code such as EPSG:4547)"
            )
        if looks_like_datav(gdf):
            logger.warning(
                "%s looks like an Aliyun DataV / AMap export (adcode, centroid … columns), "
                "whose coordinates are GCJ-02 though the file says WGS84: if so, give its CRS "
                "as gcj02 (--clip-crs / --admin-crs gcj02) so it is converted",
                source,
            )
        return gdf.copy()

    if gdf.crs is not None and not gdf.crs.equals(parsed.crs, ignore_axis_order=True):
        logger.warning(
            "%s declares %s but --crs %s was given; using %s",
            source,
            _crs_label(gdf.crs),
            parsed.label,
            parsed.label,
        )
    elif parsed.offset is not None and gdf.crs is not None:
        # Expected for AMap/DataV GeoJSON (the format can only say WGS84): not worth a warning.
        logger.info("%s declares WGS84; treating it as %s as requested", source, parsed.offset)

    out = gdf.set_crs(parsed.crs, allow_override=True)  # returns a new frame
    if parsed.offset is None:
        return out
    logger.info("%s: converting %s coordinates to WGS84", source, parsed.offset)
    return geometry_remove_offset(out, parsed.offset)


#: Columns of Aliyun DataV ``areas_v3`` GeoJSON (AMap's district data, GCJ-02).
_DATAV_COLUMNS = frozenset({"adcode", "centroid", "childrenNum", "acroutes", "subFeatureIndex"})


def looks_like_datav(gdf: gpd.GeoDataFrame) -> bool:
    """True for a DataV export still in GCJ-02 that claims lon/lat.

    DataV's columns (``adcode`` and two of centroid, childrenNum, acroutes,
    subFeatureIndex) say where the file came from; a ``crs`` property naming WGS84 says it
    was converted; else its ``centroid`` property (GCJ-02, which most tools leave as it
    is) says whether the geometry still is GCJ-02: the polygons' centres lie on those
    points, not on their WGS84 conversion.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"adcode": [411303], "centroid": [[112.5, 33.0]],
    ...     "childrenNum": [0]}, geometry=[shapely.Point(112.5, 33.0).buffer(0.01)], crs=4326)
    >>> looks_like_datav(frame), looks_like_datav(frame.drop(columns="adcode"))
    (True, False)
    >>> from geo_guard.crs import gcj02_to_wgs84
    >>> lon, lat = gcj02_to_wgs84(112.5, 33.0)   # the same file, converted to WGS84
    >>> moved = frame.set_geometry([shapely.Point(float(lon), float(lat)).buffer(0.01)])
    >>> looks_like_datav(moved)
    False
    """
    columns = {str(c) for c in gdf.columns}
    geographic = gdf.crs is not None and gdf.crs.is_geographic
    if not (geographic and "adcode" in columns and len(columns & _DATAV_COLUMNS) >= 3):
        return False
    for note in ("crs", "CRS", "坐标系"):  # a converter that says what it did
        if note in columns and gdf[note].astype(str).str.contains(
                "wgs|4326", case=False, regex=True).any():
            return False
    if "centroid" not in columns:
        return True
    given, centres = [], []
    for value, geom in zip(gdf["centroid"].head(20), gdf.geometry.head(20), strict=False):
        pair = _lonlat_pair(value)
        if pair is not None and geom is not None and not geom.is_empty:
            given.append(pair)
            centres.append((geom.centroid.x, geom.centroid.y))
    if not given:
        return True
    gx, gy = np.array(given).T
    cx, cy = np.array(centres).T
    wx, wy = remove_offset(gx, gy, "gcj02")
    as_given = np.hypot(cx - gx, cy - gy)
    as_converted = np.hypot(cx - wx, cy - wy)
    return bool(np.median(as_given) <= np.median(as_converted))


def _lonlat_pair(value: object) -> tuple[float, float] | None:
    """``[112.5, 33.0]`` as DataV writes it (a list, or its text)."""
    if isinstance(value, str):
        parts = value.strip("[]() ").split(",")
    elif isinstance(value, list | tuple | np.ndarray):
        parts = list(value)
    else:
        return None
    try:
        lon, lat = (float(v) for v in parts)
    except (TypeError, ValueError):
        return None
    return (lon, lat) if np.isfinite(lon) and np.isfinite(lat) else None
