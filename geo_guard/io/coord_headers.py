"""Which columns hold the coordinates: Chinese and English headers (经度/纬度, 东经/北纬,
lon/lat, x/y …), ranked, or named by the user; a single 经纬度 column is split.

Examples
--------
>>> from geo_guard.io.coord_headers import find_coordinate_columns
>>> find_coordinate_columns(["名称", "东经", "北纬"])
('东经', '北纬')
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

from geo_guard._errors import InputFileError

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------

# Normalised spellings (see _header_key), strongest first. Names that say "longitude" beat
# bare x/y: a sheet often has both (经度 and a surveyor's X坐标).
_LON_STRONG: tuple[str, ...] = ("经度", "东经", "经度坐标", "lon", "lng", "long", "longitude")
_LAT_STRONG: tuple[str, ...] = ("纬度", "北纬", "纬度坐标", "lat", "latitude")
# Careful: in Chinese surveying X is the northing (纵轴) and Y the easting; "X坐标" is put
# on the longitude side like everywhere else and the values' magnitudes decide (see
# coordinates_from_table), never the name alone.
# E/N: GNSS/RTK exports ("点名,N,E,H").
_LON_WEAK: tuple[str, ...] = ("x", "x坐标", "坐标x", "横坐标", "东坐标", "easting", "east", "e")
_LAT_WEAK: tuple[str, ...] = ("y", "y坐标", "坐标y", "纵坐标", "北坐标", "northing", "north", "n")

#: Header names taken as the longitude / easting column (normalised: lower case, without
#: spaces, BOM and bracketed units such as ``经度(E)``), strongest first.
LON_HEADERS: tuple[str, ...] = _LON_STRONG + _LON_WEAK
#: Header names taken as the latitude / northing column, strongest first.
LAT_HEADERS: tuple[str, ...] = _LAT_STRONG + _LAT_WEAK

# Contained in longer names ("GPS经度", "wgs84_lat", "point_x"): weaker than exact names.
_LON_WORDS_ZH = ("经度", "东经")
_LAT_WORDS_ZH = ("纬度", "北纬")
_LON_TOKENS = frozenset({"lon", "lng", "longitude"})
_LAT_TOKENS = frozenset({"lat", "latitude"})
_COMBINED_NAMES = frozenset({"经纬度", "坐标", "位置", "lonlat", "latlon", "coordinates"})

_BRACKETS = re.compile(r"[(\[【<{].*?[)\]】>}]")


def _header_key(name: object) -> str:
    """Header without BOM, case, spaces, units in brackets: ``" 经度（E）"`` -> ``"经度"``."""
    # NFKC turns full-width brackets and letters (（Ｅ）) into ASCII ones.
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").strip().lower()
    text = _BRACKETS.sub("", text)
    return re.sub(r"[\s°:：]+", "", text)


def _header_tokens(name: object) -> set[str]:
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").lower()
    return {t for t in re.split(r"[^0-9a-z]+", _BRACKETS.sub(" ", text)) if t}


def _header_rank(name: object, axis: str) -> int | None:
    """Lower is better; ``None`` = not a candidate."""
    strong, weak = (_LON_STRONG, _LON_WEAK) if axis == "lon" else (_LAT_STRONG, _LAT_WEAK)
    words, tokens = (_LON_WORDS_ZH, _LON_TOKENS) if axis == "lon" else (_LAT_WORDS_ZH, _LAT_TOKENS)
    raw = str(name).replace("\ufeff", "").strip().lower()
    key = _header_key(name)
    if raw in strong:
        return 0
    if key in strong:
        return 1
    if any(w in key for w in words) or _header_tokens(name) & tokens:
        return 2
    if raw in weak:
        return 3
    if key in weak:
        return 4
    letter = "x" if axis == "lon" else "y"
    if letter in _header_tokens(name):  # point_x, coord_x
        return 5
    return None


def _list_columns(columns: Sequence[object], limit: int = 20) -> str:
    names = [str(c) for c in columns]
    text = ", ".join(names[:limit])
    return text + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _explicit_column(columns: Sequence[object], name: str, option: str) -> str:
    names = [str(c) for c in columns]
    if name in names:
        return name
    # Forgive case, spaces and a BOM, but only when that leaves a single candidate.
    matches = [c for c in names if _header_key(c) == _header_key(name)]
    if len(matches) == 1:
        return matches[0]
    raise InputFileError(
        f"no column {name!r}; the columns are: {_list_columns(names)}; "
        f"pass {option} with one of them"
    )


def _search_column(columns: Sequence[object], axis: str) -> str:
    names = [str(c) for c in columns]
    ranked = [(r, c) for c in names if (r := _header_rank(c, axis)) is not None]
    word, option = ("longitude", "--lon-col") if axis == "lon" else ("latitude", "--lat-col")
    if not ranked:
        combined = [c for c in names if _header_key(c) in _COMBINED_NAMES]
        hint = (
            f"column {combined[0]!r} seems to hold both; split it into 经度 and 纬度 columns"
            if combined
            else f"pass {option} NAME"
        )
        looked = ", ".join((LON_HEADERS if axis == "lon" else LAT_HEADERS)[:8])
        raise InputFileError(
            f"no {word} column found (looked for {looked} …); the columns are: "
            f"{_list_columns(names)}; {hint}"
        )
    best = min(r for r, _ in ranked)
    tied = [c for r, c in ranked if r == best]
    if len(tied) > 1:
        # Picking one silently could move every point: make the user choose.
        raise InputFileError(
            f"several {word} columns: {', '.join(tied)}; pass {option} with the one to use"
        )
    return tied[0]


def find_coordinate_columns(
    columns: Sequence[str], lon_col: str | None = None, lat_col: str | None = None
) -> tuple[str, str]:
    """Find the longitude (easting) and latitude (northing) columns of a table.

    Parameters
    ----------
    columns : sequence of str
        The table's column names.
    lon_col, lat_col : str, optional
        Names given by the user (``--lon-col``/``--lat-col``); they must exist (case, spaces
        and a BOM are forgiven). A missing one is searched for.

    Returns
    -------
    tuple of str
        ``(lon_column, lat_column)`` as spelled in `columns`.

    Raises
    ------
    InputFileError
        A given name is not a column, no column matches, two columns match equally well,
        or both resolve to the same column. The message lists the columns.

    Notes
    -----
    Matching is case-insensitive and ignores spaces, a BOM and units in brackets
    (``经度(E)``, ``纬度（度）``). Exact names (:data:`LON_HEADERS`) beat names containing
    经度/纬度/lon/lat, which beat bare ``x``/``y``.

    Examples
    --------
    >>> find_coordinate_columns(["序号", "X坐标", "经度（E）", "纬度(°)"])
    ('经度（E）', '纬度(°)')
    >>> find_coordinate_columns(["id", "lng", "lat"])
    ('lng', 'lat')
    """
    names = [str(c) for c in columns]
    lon = (
        _explicit_column(names, lon_col, "--lon-col")
        if lon_col is not None
        else _search_column(names, "lon")
    )
    lat = (
        _explicit_column(names, lat_col, "--lat-col")
        if lat_col is not None
        else _search_column(names, "lat")
    )
    if lon == lat:
        raise InputFileError(
            f"column {lon!r} was taken for both longitude and latitude; the columns are: "
            f"{_list_columns(names)}; pass --lon-col and --lat-col"
        )
    return lon, lat


def _combined_column(columns: Sequence[object]) -> str | None:
    """A single 经纬度/坐标 column, when no separate longitude and latitude columns exist."""
    names = [str(c) for c in columns]
    combined = [c for c in names if _header_key(c) in _COMBINED_NAMES]
    # "经纬度" itself contains 纬度: look for separate columns among the others only.
    separate = [
        c
        for c in names
        if c not in combined
        and (_header_rank(c, "lon") is not None or _header_rank(c, "lat") is not None)
    ]
    return combined[0] if combined and not separate else None


_PAIR_SEPARATOR = re.compile(r"\s*[,，;；]\s*")


def _split_pairs(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split "112.5,33.0" (as map pickers copy it; also ，; or one space) into two cells.

    Longitude first, as AMap, Tencent and Baidu pickers give it; a latitude-first pair is
    caught by the swapped-column check. A value that is not exactly two parts stays whole
    in both cells, so it is reported as unparseable with the user's text.
    """
    lon, lat = [], []
    for value in values:
        text = (
            ""
            if value is None or (isinstance(value, float) and math.isnan(value))
            else str(value).strip()
        )
        parts = _PAIR_SEPARATOR.split(text) if _PAIR_SEPARATOR.search(text) else text.split()
        if len(parts) == 2:
            lon.append(parts[0])
            lat.append(parts[1])
        else:
            lon.append(text)
            lat.append(text)
    return (
        pd.Series(lon, index=values.index, dtype=object),
        pd.Series(lat, index=values.index, dtype=object),
    )
