"""The metric CRS to compute in: the data's own projected CRS, else the CGCS2000 3-degree
Gauss-Kruger zone of the data (or UTM on request). Distances and buffers are never
computed in degrees.

Examples
--------
>>> from geo_guard.crs import metric_crs_for
>>> metric_crs_for(canal.segments.to_crs(4326)).to_epsg()  # CGCS2000 / 3-degree GK CM 111E
4546
"""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import pyproj

from geo_guard._errors import CRSError, CRSMissingError, OptionError
from geo_guard.crs.parse import (
    WGS84,
    _alias_key,
    _crs_label,
    _is_geographic,
    _short,
    _transformer,
    parse_crs,
)

logger = logging.getLogger(__name__)

# CGCS2000 / 3-degree Gauss-Kruger CM 75E .. CM 135E are EPSG:4534 .. EPSG:4554, in steps
# of 3 degrees (checked against the EPSG names in tests/test_crs.py).
_GK3_FIRST_EPSG = 4534
_GK3_CM_MIN = 75
_GK3_CM_MAX = 135


def _wgs84_centre(data: Any, source: str = "the data") -> tuple[float, float]:
    if isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries):
        if data.crs is None:
            raise CRSMissingError(
                "data has no CRS; set one first (e.g. gdf.set_crs('EPSG:4326')) or pass "
                "an explicit metric CRS such as EPSG:4547"
            )
        bounds = tuple(float(v) for v in data.total_bounds)
        if all(math.isnan(v) for v in bounds):
            raise CRSError(
                "cannot choose a metric CRS for empty data; pass an explicit one such as EPSG:4547"
            )
        if not all(math.isfinite(v) for v in bounds):
            raise CRSError(
                f"{source} has infinite or NaN coordinates (bounds "
                f"{', '.join(f'{v:g}' for v in bounds)}); fix or delete those features"
            )
        declared = data.crs
        if not declared.equals(WGS84, ignore_axis_order=True):
            # Densified edges: a bbox's edges are curves in lon/lat.
            bounds = _transformer(declared, WGS84).transform_bounds(*bounds, densify_pts=21)
        _check_centre(bounds, declared, source)
    else:
        try:
            bounds = tuple(float(v) for v in data)
        except (TypeError, ValueError):
            bounds = ()
        if len(bounds) != 4 or not all(math.isfinite(v) for v in bounds):
            raise OptionError(
                f"bounds {_short(data)} are not (minx, miny, maxx, maxy); pass WGS84 lon/lat "
                "bounds or a GeoDataFrame/GeoSeries with a CRS"
            )
    minx, miny, maxx, maxy = bounds
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise OptionError(
            f"bounds centre ({lon:g}, {lat:g}) is not lon/lat in degrees; pass WGS84 bounds "
            "or a GeoDataFrame/GeoSeries with a CRS"
        )
    return lon, lat


def _check_centre(bounds: tuple[float, ...], declared: pyproj.CRS, source: str) -> None:
    """Say what is wrong when a frame's coordinates do not fit the CRS it declares."""
    minx, miny, maxx, maxy = bounds
    x, y = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if all(math.isfinite(v) for v in (x, y)) and abs(x) <= 180.0 and abs(y) <= 90.0:
        return
    label = _crs_label(declared)
    if _is_geographic(declared) and abs(x) <= 90.0 and 90.0 < abs(y) <= 180.0:
        raise CRSError(
            f"{source} ({label}) is centred at x={x:g}, y={y:g}: x holds the latitude and y "
            f"the longitude ({label} officially lists latitude first and some software "
            "writes it so); swap X and Y (QGIS: Processing > Swap X and Y coordinates; in "
            "a table, swap the columns) so that x is the longitude"
        )
    raise CRSError(
        f"{source}: its coordinates (centred at x={x:g}, y={y:g}) do not fit its CRS "
        f"{label}; give the real one with --crs (wgs84 or cgcs2000 for degrees, e.g. "
        "EPSG:4547 for Gauss-Kruger metres)"
    )


def _utm_epsg(lon: float, lat: float) -> int:
    # Plain 6-degree zones (no Norway/Svalbard exceptions: not relevant in China).
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def _gk3_epsg(lon: float) -> int | None:
    # Nearest multiple of 3; floor(x + 0.5) sends ties (e.g. 112.5E) east, to CM 114E.
    cm = 3 * math.floor((lon + 1.5) / 3.0)
    if _GK3_CM_MIN <= cm <= _GK3_CM_MAX:
        return _GK3_FIRST_EPSG + (cm - _GK3_CM_MIN) // 3
    return None


def metric_crs_for(
    data: Any, policy: str | int | pyproj.CRS = "gk3", *, source: str = "the data"
) -> pyproj.CRS:
    """Choose the metric CRS to measure and buffer `data` in.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or tuple of 4 floats
        Data with a CRS, or ``(minx, miny, maxx, maxy)`` in WGS84 lon/lat. Only the centre
        of its WGS84 bounding box is used. Ignored when `policy` is an explicit CRS.
    policy : str, int or pyproj.CRS, default "gk3"
        ``"gk3"``: CGCS2000 3-degree Gauss-Kruger zone whose central meridian is nearest to
        the centre (EPSG:4534 = CM 75E ... EPSG:4554 = CM 135E; UTM outside 73.5-136.5E).
        ``"utm"``: WGS84 UTM zone of the centre (EPSG:326xx north, 327xx south).
        Anything else is parsed by :func:`parse_crs` and must be projected, in metres.
    source : str, default "the data"
        Name of the data in messages (e.g. its file name).

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        `policy` is not a metric projected CRS, `data` is empty, or its coordinates do not
        fit its CRS (latitude-first lon/lat says so and how to swap).
    CRSMissingError
        `data` has no CRS.
    OptionError
        `data` is neither a frame nor 4 lon/lat bounds.

    Examples
    --------
    >>> metric_crs_for((111.9, 32.6, 112.5, 33.4)).to_epsg()
    4546
    >>> metric_crs_for((111.9, 32.6, 112.5, 33.4), "utm").to_epsg()
    32649
    """
    if isinstance(policy, str) and _alias_key(policy) in ("gk3", "utm"):
        lon, lat = _wgs84_centre(data, source)
        code = _gk3_epsg(lon) if _alias_key(policy) == "gk3" else None
        if code is None:
            code = _utm_epsg(lon, lat)
        return pyproj.CRS.from_epsg(code)

    parsed = parse_crs(policy)
    hint = "pass e.g. EPSG:4547 or 'gk3'/'utm'"
    if parsed is None:
        raise CRSError(f"no metric CRS policy given; {hint}")
    crs = parsed.crs
    axes = crs.axis_info[:2]
    metric = (
        parsed.offset is None
        and not _is_geographic(crs)
        and (crs.is_projected or (crs.is_compound and crs.sub_crs_list[0].is_projected))
        and len(axes) == 2
        and all(a.unit_name in ("metre", "meter") for a in axes)
    )
    if not metric:
        raise CRSError(f"{parsed.label} is not a metric projected CRS; {hint}")
    return crs
