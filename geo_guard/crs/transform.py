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
