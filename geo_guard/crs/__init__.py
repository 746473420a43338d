"""Coordinate reference systems: parsing, metric CRS choice, GCJ-02/BD-09 <-> WGS84.

Chinese web maps do not publish true coordinates. AMap (高德), Tencent and Aliyun DataV use
GCJ-02 (国测局坐标, "火星坐标"), a non-linear offset of WGS84 lon/lat by a few hundred metres;
Baidu adds a second offset on top of it, BD-09. Neither is an EPSG CRS, so an
:class:`InputCRS` carries the real CRS of the coordinates *once the offset is removed*
(always EPSG:4326 for GCJ-02/BD-09) plus the name of the offset.

Distances and buffers are never computed in degrees: :func:`metric_crs_for` chooses a
metric CRS (CGCS2000 3-degree Gauss-Kruger zone by default, UTM on request).

Examples
--------
>>> from geo_guard.crs import parse_crs, to_wgs84_xy
>>> amap = parse_crs("gaode")
>>> amap.offset, amap.crs.to_epsg()
('gcj02', 4326)
>>> lon, lat = to_wgs84_xy(112.505939, 32.998089, amap)
>>> round(float(lon), 5), round(float(lat), 5)
(112.5, 33.0)
"""

from __future__ import annotations

import functools
import logging
import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from geo_guard._errors import CRSError, CRSMissingError, OptionError

__all__ = [
    "InputCRS",
    "apply_offset",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84_xy",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geometry_apply_offset",
    "geometry_remove_offset",
    "metric_crs_for",
    "parse_crs",
    "remove_offset",
    "to_wgs84_xy",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
    "with_input_crs",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
_G = TypeVar("_G")

WGS84 = pyproj.CRS.from_epsg(4326)
CGCS2000 = pyproj.CRS.from_epsg(4490)

OFFSETS: tuple[str, ...] = ("gcj02", "bd09")

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

# CGCS2000 / 3-degree Gauss-Kruger CM 75E .. CM 135E are EPSG:4534 .. EPSG:4554, in steps
# of 3 degrees (checked against the EPSG names in tests/test_crs.py).
_GK3_FIRST_EPSG = 4534
_GK3_CM_MIN = 75
_GK3_CM_MAX = 135

_ACCEPTED = (
    "wgs84, cgcs2000, gcj02 (AMap/Tencent/DataV), bd09 (Baidu), an EPSG code such as "
    "EPSG:4547, or a WKT/PROJ string"
)

# Keys are normalised by _alias_key: lower case, without spaces, '-' and '_'.
_ALIASES: dict[str, tuple[int, str | None]] = {
    **dict.fromkeys(("wgs84", "wgs1984", "gps"), (4326, None)),
    **dict.fromkeys(("cgcs2000", "cgcs", "2000国家大地坐标系", "国家2000"), (4490, None)),
    **dict.fromkeys(
        (
            "gcj02",
            "gcj",
            "amap",
            "gaode",
            "autonavi",
            "高德",
            "tencent",
            "qq",
            "腾讯",
            "datav",
            "火星坐标",
            "火星坐标系",
            "国测局坐标",
            "国测局坐标系",
        ),
        (4326, "gcj02"),
    ),
    **dict.fromkeys(("bd09", "bd09ll", "baidu", "百度", "百度坐标", "百度坐标系"), (4326, "bd09")),
}
# Baidu Mercator metres are sometimes exported by mistake; say what to do instead of failing
# with a generic "unknown CRS".
_BD09MC = {"bd09mc", "baidumercator", "百度墨卡托"}


def _alias_key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text.strip().lower())


def _short(value: object, limit: int = 60) -> str:
    """One-line, bounded ``repr`` for error messages (WKT can be long and multi-line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _crs_label(crs: pyproj.CRS) -> str:
    auth = crs.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


def _is_geographic(crs: pyproj.CRS) -> bool:
    # A compound CRS (e.g. CGCS2000 + height) counts by its horizontal part.
    if crs.is_compound and crs.sub_crs_list:
        crs = crs.sub_crs_list[0]
    return bool(crs.is_geographic)


@dataclass(frozen=True)
class InputCRS:
    """How the user's coordinates are referenced.

    Parameters
    ----------
    crs : pyproj.CRS
        CRS of the coordinates once any offset is removed: EPSG:4326 for GCJ-02 and BD-09.
    offset : str or None
        ``None``, ``"gcj02"`` or ``"bd09"``.
    label : str
        How the user named it, for messages.

    Examples
    --------
    >>> import pyproj
    >>> InputCRS(pyproj.CRS.from_epsg(4326), "gcj02", "amap").offset
    'gcj02'
    """

    crs: pyproj.CRS
    offset: str | None
    label: str

    def __post_init__(self) -> None:
        if self.offset is not None and self.offset not in OFFSETS:
            raise CRSError(
                f"unknown coordinate offset {self.offset!r}; use None, 'gcj02' or 'bd09'"
            )
        # GCJ-02/BD-09 are defined on lon/lat degrees only.
        if self.offset is not None and not _is_geographic(self.crs):
            raise CRSError(
                f"offset {self.offset} needs lon/lat coordinates, not {_crs_label(self.crs)}; "
                "use crs EPSG:4326"
            )


def parse_crs(value: str | int | pyproj.CRS | InputCRS | None) -> InputCRS | None:
    """Read a CRS as a user writes it.

    Parameters
    ----------
    value : str, int, pyproj.CRS, InputCRS or None
        Case-insensitive, ``-``/``_`` tolerant names: ``wgs84`` (EPSG:4326), ``cgcs2000``
        (EPSG:4490), ``gcj02``/``gcj-02``/``amap``/``gaode``/``tencent``/``火星坐标``
        (GCJ-02 offset), ``bd09``/``bd-09``/``baidu`` (BD-09 offset); EPSG codes as ``4547``,
        ``"4547"`` or ``"EPSG:4547"``; WKT or PROJ strings; a :class:`pyproj.CRS`; an
        :class:`InputCRS` (returned as is).

    Returns
    -------
    InputCRS or None
        ``None`` when `value` is ``None``.

    Raises
    ------
    CRSError
        Unknown or unusable value; the message lists the accepted forms.

    Examples
    --------
    >>> parse_crs("GCJ-02").offset
    'gcj02'
    >>> parse_crs("EPSG:4547").crs.to_epsg()
    4547
    >>> parse_crs(None) is None
    True
    """
    if value is None or isinstance(value, InputCRS):
        return value
    if isinstance(value, pyproj.CRS):
        return _checked(InputCRS(value, None, _crs_label(value)))
    # bool is an Integral; True would silently become EPSG:1.
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return _checked(_from_epsg(int(value), f"EPSG:{int(value)}"))
    if not isinstance(value, str):
        raise CRSError(f"unknown CRS {_short(value)}; use {_ACCEPTED}")

    text = value.strip()
    key = _alias_key(text)
    if not key:
        raise CRSError(f"empty CRS; use {_ACCEPTED}")
    if key in _ALIASES:
        code, offset = _ALIASES[key]
        return InputCRS(pyproj.CRS.from_epsg(code), offset, text)
    if key in _BD09MC:
        raise CRSError(
            f"{text!r} (Baidu Mercator metres) is not supported; export Baidu lon/lat and "
            "pass --crs bd09"
        )
    if key.isdigit():
        return _checked(_from_epsg(int(key), text))
    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise CRSError(f"unknown CRS {_short(text)}; use {_ACCEPTED}") from None
    label = text if len(text) <= 40 and "\n" not in text else _crs_label(crs)
    return _checked(InputCRS(crs, None, label))


def _from_epsg(code: int, label: str) -> InputCRS:
    try:
        crs = pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError:
        raise CRSError(f"unknown EPSG code {code}; use {_ACCEPTED}") from None
    return InputCRS(crs, None, label)


def _checked(parsed: InputCRS) -> InputCRS:
    # Vertical, geocentric or engineering CRSs cannot hold lon/lat or x/y map coordinates.
    crs = parsed.crs
    horizontal = crs.sub_crs_list[0] if crs.is_compound and crs.sub_crs_list else crs
    if not (horizontal.is_geographic or horizontal.is_projected):
        raise CRSError(f"{parsed.label} is not a geographic or projected CRS; use {_ACCEPTED}")
    return parsed


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


def _normalise_offset(offset: str | None) -> str | None:
    if offset is None:
        return None
    if isinstance(offset, str):
        alias = _ALIASES.get(_alias_key(offset))
        if alias is not None and alias[1] is not None:
            return alias[1]
    raise CRSError(f"unknown coordinate offset {_short(offset)}; use None, 'gcj02' or 'bd09'")


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


# --------------------------------------------------------------------------------------
# Metric CRS choice and point transforms
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    # Building a Transformer costs milliseconds (PROJ database look-ups); reuse it.
    # pyproj.CRS hashes by its WKT. always_xy: callers pass lon/lat or easting/northing
    # whatever the authority axis order (EPSG:4326/4490 are latitude-first).
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _wgs84_centre(data: Any) -> tuple[float, float]:
    if isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries):
        if data.crs is None:
            raise CRSMissingError(
                "data has no CRS; set one first (e.g. gdf.set_crs('EPSG:4326')) or pass "
                "an explicit metric CRS such as EPSG:4547"
            )
        bounds = tuple(float(v) for v in data.total_bounds)
        if not all(math.isfinite(v) for v in bounds):
            raise CRSError(
                "cannot choose a metric CRS for empty data; pass an explicit one such as EPSG:4547"
            )
        if not data.crs.equals(WGS84, ignore_axis_order=True):
            # Densified edges: a bbox's edges are curves in lon/lat.
            bounds = _transformer(data.crs, WGS84).transform_bounds(*bounds, densify_pts=21)
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


def metric_crs_for(data: Any, policy: str | int | pyproj.CRS = "gk3") -> pyproj.CRS:
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

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        `policy` is not a metric projected CRS, or `data` is empty.
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
        lon, lat = _wgs84_centre(data)
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
