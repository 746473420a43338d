"""GCJ-02 and BD-09 offsets: the published formulas, their iterative inverses, and
the same on geometries.

AMap (高德), Tencent and Aliyun DataV publish GCJ-02 (国测局坐标), a non-linear offset of
WGS84 lon/lat by a few hundred metres; Baidu adds BD-09 on top. Inside China's rectangle
the offsets apply; outside it the coordinates pass through unchanged.

Examples
--------
>>> from geo_guard.crs import gcj02_to_wgs84
>>> lon, lat = gcj02_to_wgs84(112.505939, 32.998089)
>>> round(float(lon), 5), round(float(lat), 5)
(112.5, 33.0)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from geo_guard._errors import CRSError
from geo_guard.crs.parse import WGS84, _crs_label, _is_geographic, _normalise_offset

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
_G = TypeVar("_G")

# GCJ-02 constants as published with the formula (Krasovsky 1940 ellipsoid). They are part of
# the obfuscation, not a datum choice: do not "correct" them to WGS84/CGCS2000 values.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
# BD-09 constant as published (pi * 3000 / 180).
_BD_X_PI = math.pi * 3000.0 / 180.0
# Inverse iterations: stop when the forward transform of the estimate is within this many
# degrees of the target (1e-10 deg ~ 0.01 mm), or after _MAX_ITER rounds.
_INV_TOL_DEG = 1e-10
_MAX_ITER = 30

# Where the GCJ-02 offset applies: the rectangle used by the published implementations.
_CHINA_LON = (73.66, 135.05)
_CHINA_LAT = (3.86, 53.55)


# --------------------------------------------------------------------------------------
# GCJ-02 and BD-09 offsets (vectorised numpy)
# --------------------------------------------------------------------------------------


def _as_xy(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Float64 copies broadcast to one shape, so results never alias the caller's arrays."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x.copy(), y.copy()


def _out_of_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    # Written as "not inside" so NaN counts as outside and passes through unchanged.
    inside = (
        (lon > _CHINA_LON[0])
        & (lon < _CHINA_LON[1])
        & (lat > _CHINA_LAT[0])
        & (lat < _CHINA_LAT[1])
    )
    return ~inside


def _gcj_dlat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _gcj_dlon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 lon/lat to GCJ-02 (AMap, Tencent, DataV) with the published formula.

    Points outside the usual China rectangle (73.66-135.05E, 3.86-53.55N) are returned
    unchanged, as every published implementation does. NaN passes through.

    Parameters
    ----------
    lon, lat : array_like
        Degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        New float64 arrays ``(lon, lat)`` (0-d for scalar input).

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    >>> round(float(lon), 9), round(float(lat), 9)
    (121.531541859, 31.175303984)
    """
    x, y = _as_xy(lon, lat)
    inside = ~_out_of_china(x, y)
    if not inside.any():
        return x, y
    # Compute only where the offset applies: keeps NaN/inf away from sin() warnings.
    xi, yi = x[inside], y[inside]
    dlat = _gcj_dlat(xi - 105.0, yi - 35.0)
    dlon = _gcj_dlon(xi - 105.0, yi - 35.0)
    radlat = yi / 180.0 * np.pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * np.pi)
    x[inside] = xi + dlon
    y[inside] = yi + dlat
    return x, y


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    tx: FloatArray,
    ty: FloatArray,
    x: FloatArray,
    y: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x, y) == (tx, ty)`` by fixed-point iteration from ``(x, y)``.

    The offsets change by well under 1 % per degree, so ``x -= forward(x) - target`` is a
    strong contraction: 3-4 rounds reach 1e-10 deg. Only unconverged points are recomputed.
    """
    shape = tx.shape
    # Fresh contiguous 1-D copies: the loop updates them in place.
    x_flat = np.array(x, dtype=np.float64).reshape(-1)
    y_flat = np.array(y, dtype=np.float64).reshape(-1)
    tx_flat, ty_flat = tx.reshape(-1), ty.reshape(-1)
    todo = np.flatnonzero(np.isfinite(x_flat) & np.isfinite(y_flat))
    for _ in range(_MAX_ITER):
        if todo.size == 0:
            break
        fx, fy = forward(x_flat[todo], y_flat[todo])
        dx, dy = fx - tx_flat[todo], fy - ty_flat[todo]
        x_flat[todo] -= dx
        y_flat[todo] -= dy
        todo = todo[(np.abs(dx) >= _INV_TOL_DEG) | (np.abs(dy) >= _INV_TOL_DEG)]
    if todo.size:
        # Happens only right on the edge of the China rectangle, where the offset jumps.
        logger.debug("offset inverse did not converge for %d point(s)", todo.size)
    return x_flat.reshape(shape), y_flat.reshape(shape)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 lon/lat to WGS84, inverting the published formula by iteration.

    Converges to 1e-10 deg, so a round trip WGS84 -> GCJ-02 -> WGS84 is exact to well under
    0.01 m (the common one-step "approximate inverse" is off by up to a few metres).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    >>> round(float(lon), 7), round(float(lat), 7)
    (121.5272106, 31.1774276)
    """
    tx, ty = _as_xy(lon, lat)
    return _invert(wgs84_to_gcj02, tx, ty, tx, ty)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 lon/lat to BD-09 (Baidu) with the published formula.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(116.404, 39.915)
    >>> round(float(lon), 9), round(float(lat), 9)
    (116.410369494, 39.921336994)
    """
    x, y = _as_xy(lon, lat)
    with np.errstate(invalid="ignore"):  # inf -> NaN quietly, like NaN passes through
        z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
        theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return np.asarray(z * np.cos(theta) + 0.0065), np.asarray(z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 (Baidu) lon/lat to GCJ-02, exact inverse of :func:`gcj02_to_bd09`.

    Starts from the published approximate inverse (off by up to ~1 m) and refines it by
    iteration to 1e-10 deg.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(116.41036949371029, 39.92133699351022)
    >>> round(float(lon), 9), round(float(lat), 9)
    (116.404, 39.915)
    """
    tx, ty = _as_xy(lon, lat)
    x, y = tx - 0.0065, ty - 0.006
    with np.errstate(invalid="ignore"):
        z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
        theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return _invert(gcj02_to_bd09, tx, ty, z * np.cos(theta), z * np.sin(theta))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 lon/lat to BD-09 (via GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(112.5, 33.0)
    >>> round(float(lon), 4), round(float(lat), 4)
    (112.5125, 33.0038)
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 lon/lat to WGS84 (via GCJ-02), exact to 1e-10 deg.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 ``(lon, lat)``.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(112.5, 33.0))
    >>> round(float(lon), 9), round(float(lat), 9)
    (112.5, 33.0)
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_REMOVE = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_APPLY = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def remove_offset(
    lon: ArrayLike, lat: ArrayLike, offset: str | None
) -> tuple[FloatArray, FloatArray]:
    """Offset lon/lat (GCJ-02 or BD-09) to WGS84.

    Parameters
    ----------
    lon, lat : array_like
        Degrees.
    offset : {"gcj02", "bd09", None}
        Aliases such as ``"amap"`` or ``"baidu"`` are accepted. ``None`` returns a copy.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 ``(lon, lat)``.

    Raises
    ------
    CRSError
        Unknown offset name.

    Examples
    --------
    >>> lon, lat = remove_offset([112.505939], [32.998089], "gcj02")
    >>> round(float(lon[0]), 5), round(float(lat[0]), 5)
    (112.5, 33.0)
    """
    name = _normalise_offset(offset)
    if name is None:
        return _as_xy(lon, lat)
    return _REMOVE[name](lon, lat)


def apply_offset(
    lon: ArrayLike, lat: ArrayLike, offset: str | None
) -> tuple[FloatArray, FloatArray]:
    """WGS84 lon/lat to GCJ-02 or BD-09, e.g. to line overlays up with AMap tiles.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees.
    offset : {"gcj02", "bd09", None}
        Target offset; ``None`` returns a copy.

    Returns
    -------
    tuple of numpy.ndarray
        Offset ``(lon, lat)``.

    Raises
    ------
    CRSError
        Unknown offset name.

    Examples
    --------
    >>> lon, lat = apply_offset(112.5, 33.0, "gcj02")
    >>> round(float(lon), 6), round(float(lat), 6)
    (112.505939, 32.998089)
    """
    name = _normalise_offset(offset)
    if name is None:
        return _as_xy(lon, lat)
    return _APPLY[name](lon, lat)


# --------------------------------------------------------------------------------------
# Offsets on geometries
# --------------------------------------------------------------------------------------


def _transform_geoms(
    geoms: _G, fn: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
) -> _G:
    def on_coords(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = fn(coords[:, 0], coords[:, 1])
        return out  # z (if any) is kept as is

    def on_array(values: Any) -> Any:
        # include_z=None keeps 3D geometries 3D instead of flattening them.
        return shapely.transform(values, on_coords, include_z=None)

    if isinstance(geoms, gpd.GeoDataFrame):
        out = geoms.copy()
        col = geoms.geometry.name
        new = on_array(np.asarray(geoms.geometry.values))
        out[col] = gpd.GeoSeries(new, index=geoms.index, crs=WGS84)
        return out.set_crs(WGS84, allow_override=True)  # type: ignore[return-value]
    if isinstance(geoms, gpd.GeoSeries):
        new = on_array(np.asarray(geoms.values))
        return gpd.GeoSeries(new, index=geoms.index, crs=WGS84, name=geoms.name)  # type: ignore[return-value]
    return on_array(geoms)  # type: ignore[no-any-return]


def _frame_crs(geoms: object) -> pyproj.CRS | None:
    if isinstance(geoms, gpd.GeoDataFrame | gpd.GeoSeries):
        return geoms.crs
    return None


def geometry_remove_offset(geoms: _G, offset: str | None) -> _G:
    """Move geometries from GCJ-02/BD-09 lon/lat to WGS84.

    Parameters
    ----------
    geoms : GeoSeries, GeoDataFrame, shapely geometry or array of them
        Any geometry type, 2D or 3D (z is kept). A frame's CRS must be geographic or unset:
        the offsets are defined on lon/lat degrees.
    offset : {"gcj02", "bd09", None}
        ``None`` returns an unchanged copy (its CRS kept).

    Returns
    -------
    Same kind as `geoms`
        New object; a GeoSeries/GeoDataFrame keeps its index and gets CRS EPSG:4326.

    Raises
    ------
    CRSError
        Unknown offset, or the frame has a projected CRS.

    Examples
    --------
    >>> from shapely import Point
    >>> p = geometry_remove_offset(Point(112.505939, 32.998089), "gcj02")
    >>> round(p.x, 5), round(p.y, 5)
    (112.5, 33.0)
    """
    name = _normalise_offset(offset)
    crs = _frame_crs(geoms)
    if name is not None and crs is not None and not _is_geographic(crs):
        raise CRSError(
            f"geometries are in {_crs_label(crs)}, a projected CRS, but {name} offsets apply "
            "to lon/lat; set the CRS of the GCJ-02/BD-09 degrees to EPSG:4326"
        )
    if name is None:
        return geoms.copy() if hasattr(geoms, "copy") else geoms  # type: ignore[attr-defined,no-any-return]
    return _transform_geoms(geoms, _REMOVE[name])


def geometry_apply_offset(geoms: _G, offset: str | None) -> _G:
    """Move WGS84 geometries to GCJ-02/BD-09 lon/lat (for AMap/Baidu base maps).

    Parameters
    ----------
    geoms : GeoSeries, GeoDataFrame, shapely geometry or array of them
        True coordinates. A frame in another CRS is first converted to EPSG:4326; bare
        shapely geometries are taken as WGS84 lon/lat.
    offset : {"gcj02", "bd09", None}
        ``None`` returns an unchanged copy.

    Returns
    -------
    Same kind as `geoms`
        New object; a GeoSeries/GeoDataFrame keeps its index and gets CRS EPSG:4326 (the
        coordinates are offset degrees: label them so before writing them out).

    Raises
    ------
    CRSError
        Unknown offset name.

    Examples
    --------
    >>> from shapely import Point
    >>> p = geometry_apply_offset(Point(112.5, 33.0), "gcj02")
    >>> round(p.x, 6), round(p.y, 6)
    (112.505939, 32.998089)
    """
    name = _normalise_offset(offset)
    if name is None:
        return geoms.copy() if hasattr(geoms, "copy") else geoms  # type: ignore[attr-defined,no-any-return]
    crs = _frame_crs(geoms)
    if crs is not None and not _is_geographic(crs):
        geoms = geoms.to_crs(WGS84)  # type: ignore[attr-defined]
    return _transform_geoms(geoms, _APPLY[name])
