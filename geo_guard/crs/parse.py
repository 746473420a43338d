"""What the user says a CRS is: names (wgs84, cgcs2000, gcj02, bd09, 高德 …), EPSG codes,
WKT/PROJ strings -> an :class:`InputCRS` (the real CRS once any offset is removed, plus
the offset's name).

Examples
--------
>>> from geo_guard.crs import parse_crs
>>> amap = parse_crs("gaode")
>>> amap.offset, amap.crs.to_epsg()
('gcj02', 4326)
"""

from __future__ import annotations

import functools
import logging
import numbers
import re
from dataclasses import dataclass

import pyproj

from geo_guard._errors import CRSError

logger = logging.getLogger(__name__)

WGS84 = pyproj.CRS.from_epsg(4326)
CGCS2000 = pyproj.CRS.from_epsg(4490)

OFFSETS: tuple[str, ...] = ("gcj02", "bd09")

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


def _normalise_offset(offset: str | None) -> str | None:
    if offset is None:
        return None
    if isinstance(offset, str):
        alias = _ALIASES.get(_alias_key(offset))
        if alias is not None and alias[1] is not None:
            return alias[1]
    raise CRSError(f"unknown coordinate offset {_short(offset)}; use None, 'gcj02' or 'bd09'")


# --------------------------------------------------------------------------------------
# Metric CRS choice and point transforms
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    # Building a Transformer costs milliseconds (PROJ database look-ups); reuse it.
    # pyproj.CRS hashes by its WKT. always_xy: callers pass lon/lat or easting/northing
    # whatever the authority axis order (EPSG:4326/4490 are latitude-first).
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)
