"""Coordinates in tables (问题点位): coordinate headers, DMS, CRSs, row-level status.

Field teams and the provincial app send point lists (read by :mod:`geo_guard.tables`)
with Chinese or English headers and coordinates typed every way people type them:
``112.5``, ``１１２．５``, ``112°31′45″``, ``东经112度31分45秒``, ``E112.5``, projected
metres with the X/Y axes the surveyor's way round.

The rule of this module: **nothing is ever dropped**. Every input row comes out, in input
order, with ``status`` (``"ok"``/``"invalid"``) and a bilingual ``reason`` that says what was
wrong, or what was fixed (swapped columns, a zone number on an easting ...).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"经度": ["112.5", "112°31′45″", "", "abc"],
...                    "纬度": ["33.0", "北纬33°", "33", "33"]})
>>> res = coordinates_from_table(df)
>>> res.status.tolist()
['ok', 'ok', 'invalid', 'invalid']
>>> round(float(res.lon[1]), 6), res.reason[2]
(112.529167, '坐标为空 / coordinate is empty')
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyproj
from numpy.typing import NDArray

from geo_guard._errors import CRSError, InputFileError, OptionError, one_line
from geo_guard.crs import InputCRS, parse_crs, to_wgs84_xy

__all__ = [
    "LAT_HEADERS",
    "LON_HEADERS",
    "REASON_EMPTY",
    "REASON_LOOKS_DEGREES",
    "REASON_LOOKS_PROJECTED",
    "REASON_MINSEC",
    "REASON_NOT_METRES",
    "REASON_OUT_OF_RANGE",
    "REASON_SWAPPED",
    "REASON_XY_SWAPPED",
    "CoordinateResult",
    "coordinates_from_table",
    "find_coordinate_columns",
    "parse_coordinates",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
ObjArray = NDArray[np.object_]

# --------------------------------------------------------------------------------------
# Reasons (Chinese first: the analysts read Chinese; English for tools and logs)
# --------------------------------------------------------------------------------------

REASON_EMPTY = "坐标为空 / coordinate is empty"
REASON_UNPARSEABLE = "无法解析坐标 '{0}' / cannot parse coordinate '{0}'"
REASON_MINSEC = "分/秒超出 0–60 / minutes or seconds out of range"
REASON_AMBIGUOUS_COMMA = (
    "逗号含义不明 '{0}'，小数请用点号 / ambiguous comma in '{0}'; use a dot for decimals"
)
REASON_HEMISPHERE = "方位标记与{1}列不符 '{0}' / hemisphere mark does not fit a {2} column: '{0}'"
REASON_HEMISPHERE_CONFLICT = (
    "经纬度的方位标记矛盾 / both coordinates carry the same kind of hemisphere mark (E/W or N/S)"
)
REASON_OUT_OF_RANGE = "坐标超出范围 / out of range"
REASON_NULL_ISLAND = "坐标为 (0, 0)，可能未定位 / coordinate is (0, 0), probably no GPS fix"
REASON_SWAPPED = "经纬度颠倒，已交换 / longitude and latitude were swapped; fixed"
REASON_LOOKS_PROJECTED = (
    "坐标像是投影坐标（米），请用 --crs 指定 / looks like projected metres; pass --crs, "
    "e.g. EPSG:4547"
)
REASON_NOT_METRES = (
    "投影坐标应为以米为单位的数字 / projected coordinates must be plain numbers in metres"
)
REASON_LOOKS_DEGREES = (
    "坐标像是经纬度（度），但 --crs 是投影坐标系 / looks like degrees but --crs is projected; "
    "pass e.g. --crs wgs84"
)
REASON_XY_SWAPPED = (
    "X/Y 颠倒（X 为北坐标），已交换 / X and Y were swapped (X was the northing); fixed"
)
REASON_ZONE_STRIPPED = "东坐标含带号 {0}，已去除 / removed zone number {0} from the easting; fixed"
REASON_ZONE_ADDED = "东坐标缺少带号 {0}，已补上 / added the missing zone number {0} to the easting"
REASON_ZONE_WRONG = (
    "东坐标带号与 {0} 不符 / the easting's zone number does not match {0}; pass the CRS of "
    "that zone"
)
REASON_OUTSIDE_CRS = (
    "坐标不在 {0} 的适用范围内 / coordinate is outside the area of use of {0}; check --crs"
)
REASON_EXCEL_TIME = (
    "Excel 把度分秒存成了时间，已按度分秒读取 / Excel stored D:M:S as a time; read as degrees"
)

_QUOTE_LIMIT = 40

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


def _quote(value: object) -> str:
    text = one_line(value)
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"


# --------------------------------------------------------------------------------------
# Parsing coordinate values
# --------------------------------------------------------------------------------------

_HEMI_NONE, _HEMI_LON, _HEMI_LAT = 0, 1, 2

# Degree/minute/second marks people type, folded into °, ′, ″ before NFKC (which would turn
# º into "o" and ˚/´ into combining accents).
_PRE_MARKS = str.maketrans(
    {
        "º": "°",
        "˚": "°",
        "´": "′",
        "`": "′",
        "‘": "′",
        "’": "′",
        "ʹ": "′",
        "“": "″",
        "”": "″",
        "〃": "″",
        "ʺ": "″",
        "−": "-",
        "–": "-",
    }
)
_ZH_MARKS = re.compile(r"(?<=[\d.\s])\s*([度分秒])")
_ZH_MARK_MAP = {"度": "°", "分": "′", "秒": "″"}
_HEMI_WORDS: dict[str, tuple[int, int]] = {
    "东经": (_HEMI_LON, 1),
    "西经": (_HEMI_LON, -1),
    "北纬": (_HEMI_LAT, 1),
    "南纬": (_HEMI_LAT, -1),
    "经度": (_HEMI_LON, 1),
    "纬度": (_HEMI_LAT, 1),
    "东": (_HEMI_LON, 1),
    "西": (_HEMI_LON, -1),
    "北": (_HEMI_LAT, 1),
    "南": (_HEMI_LAT, -1),
    "E": (_HEMI_LON, 1),
    "W": (_HEMI_LON, -1),
    "N": (_HEMI_LAT, 1),
    "S": (_HEMI_LAT, -1),
}
_HEMI_ALT = "东经|西经|北纬|南纬|经度|纬度|[东西南北]|[NSEW]"
_HEMI_PREFIX = re.compile(rf"^({_HEMI_ALT})(?![A-Z])\s*[:=]?\s*", re.IGNORECASE)
_HEMI_SUFFIX = re.compile(rf"(?<![A-Z])\s*({_HEMI_ALT})\.?$", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DMS_TOKEN = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([°′″:])?\s*")
_EMPTY_WORDS = frozenset(
    {"", "nan", "null", "none", "na", "n/a", "-", "--", "—", "/", "无", "空", "暂无", "缺"}
)
# openpyxl turns Excel serials below 60 into datetimes counted from 1899-12-31.
_EXCEL_DAY0 = dt.datetime(1899, 12, 31)
_EXCEL_DAY60 = dt.datetime(1900, 3, 1)


class _One(NamedTuple):
    value: float
    reason: str = ""
    hemi: int = _HEMI_NONE
    plain: bool = False  # a bare number: the only form allowed for projected metres
    note: str = ""  # status stays ok, but the user should know (Excel time ...)


class _Parsed(NamedTuple):
    value: FloatArray
    reason: ObjArray
    hemi: NDArray[np.int8]
    plain: NDArray[np.bool_]
    note: ObjArray


def _fail(raw: object, template: str = REASON_UNPARSEABLE) -> _One:
    return _One(math.nan, template.format(_quote(raw)))


def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_PRE_MARKS))
    # 度分秒 only after a number: the 度 of 经度/纬度 is part of a word.
    text = _ZH_MARKS.sub(lambda m: _ZH_MARK_MAP[m.group(1)], text)
    # NFKC spells ″ as ′′; '' and " are seconds too.
    text = text.replace("′′", "″").replace("''", "″").replace('"', "″").replace("'", "′")
    return text.strip()


def _parse_dms(body: str) -> float | str:
    """``112°31′45.6″`` / ``112 31 45`` / ``112:31:45`` / ``112°31.75′`` -> degrees.

    Returns the value, or a reason template when the text is not a DMS spelling.
    """
    parts: list[str | None] = [None, None, None]
    pos, at = -1, 0
    while at < len(body):
        m = _DMS_TOKEN.match(body, at)
        if m is None:
            return REASON_UNPARSEABLE
        number, mark = m.group(1), m.group(2)
        slot = {"°": 0, "′": 1, "″": 2}.get(mark or "", pos + 1)
        at = m.end()
        # Marks must come in order without gaps; ':' cannot end the value ("112:31:").
        if slot != pos + 1 or slot > 2 or (mark == ":" and at == len(body)):
            return REASON_UNPARSEABLE
        parts[slot], pos = number, slot
    deg, minutes, seconds = parts
    if deg is None:
        return REASON_UNPARSEABLE
    # Decimals only on the last part: "112.5°30′" means nothing.
    if (minutes is not None and "." in deg) or (seconds is not None and "." in (minutes or "")):
        return REASON_UNPARSEABLE
    m_val = float(minutes) if minutes is not None else 0.0
    s_val = float(seconds) if seconds is not None else 0.0
    if m_val >= 60 or s_val >= 60:
        return REASON_MINSEC
    return float(deg) + m_val / 60.0 + s_val / 3600.0


def _parse_text(raw: str) -> _One:
    text = _normalise_text(raw)
    if text.lower() in _EMPTY_WORDS:
        return _One(math.nan, REASON_EMPTY)
    hemi, sign = _HEMI_NONE, 1
    for pattern in (_HEMI_PREFIX, _HEMI_SUFFIX):
        m = pattern.search(text)
        if m:
            if hemi != _HEMI_NONE:  # "E112E" or "东经112N"
                return _fail(raw)
            hemi, sign = _HEMI_WORDS[m.group(1).upper()]
            text = (text[: m.start()] + text[m.end() :]).strip()
    if text and text[0] in "+-":
        if text[0] == "-" and hemi != _HEMI_NONE:  # "-112E": which one is meant?
            return _fail(raw)
        sign = sign * (-1 if text[0] == "-" else 1)
        text = text[1:].strip()
    if "," in text:
        if _THOUSANDS.fullmatch(text) and ("." in text or text.count(",") > 1):
            text = text.replace(",", "")  # 3,650,000.5 (thousands, as Chinese Excel writes)
        elif text.count(",") == 1 and "." not in text:
            if re.fullmatch(r"\d+,\d{3}", text):  # 112,500: 112.5 or 112500?
                return _fail(raw, REASON_AMBIGUOUS_COMMA)
            text = text.replace(",", ".")  # decimal comma: 112,5
        else:
            return _fail(raw)
    if not text:
        return _fail(raw)
    plain = hemi == _HEMI_NONE
    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            return _fail(raw)
        return _One(sign * value, "", hemi, plain)
    result = _parse_dms(text)
    if isinstance(result, str):
        return _One(math.nan, result.format(_quote(raw)), hemi)
    return _One(sign * result, "", hemi, False)


def _parse_scalar(value: object) -> _One:
    """One value the fast path could not read: text, Excel times, oddities."""
    if value is None or value is pd.NA or value is pd.NaT:
        return _One(math.nan, REASON_EMPTY)
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, bool | np.bool_):
        return _fail(value)
    # Excel turns a typed 112:31:45 into a duration; openpyxl gives timedelta, time, or
    # (serials < 60 with a plain time format) a datetime in January 1900.
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return _One(value.total_seconds() / 3600.0, note=REASON_EXCEL_TIME)
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        if _EXCEL_DAY0 - dt.timedelta(days=1) <= naive < _EXCEL_DAY60:
            day0 = _EXCEL_DAY0 if naive >= _EXCEL_DAY0 else _EXCEL_DAY0 - dt.timedelta(days=1)
            hours = (naive - day0).total_seconds() / 3600.0
            return _One(hours, note=REASON_EXCEL_TIME)
        return _fail(value)
    if isinstance(value, dt.time):
        hours = value.hour + value.minute / 60 + (value.second + value.microsecond / 1e6) / 3600
        return _One(hours, note=REASON_EXCEL_TIME)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return _One(math.nan, REASON_EMPTY)
        if math.isinf(number):
            return _fail(value)
        return _One(number, plain=True)
    return _parse_text(str(value))


def _parse_array(values: Sequence[Any] | pd.Series | np.ndarray) -> _Parsed:
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    n = len(series)
    reason = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    hemi = np.zeros(n, dtype=np.int8)
    plain = np.ones(n, dtype=bool)

    # Fast path: one vectorised conversion for everything that is already a number or
    # numeric text; only what is left (empty, DMS, hemisphere letters ...) goes to Python.
    kind = getattr(series.dtype, "kind", "O")
    if kind in "iuf":
        # A writable copy: with copy-on-write, to_numpy may hand out a read-only view.
        value = np.array(series.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
        objects = None
    elif kind in "mMb":
        # Durations/dates (Excel times): to_numeric would give nanoseconds; booleans 1/0.
        # Parse each distinct value instead.
        objects = series.to_numpy(dtype=object)
        value = np.full(n, np.nan)
    else:
        numeric = pd.to_numeric(series, errors="coerce")
        value = np.array(numeric.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
        objects = series.to_numpy(dtype=object)
        if series.dtype == object:
            # to_numeric reads True as 1: a ticked checkbox is not a coordinate.
            zero_one = np.flatnonzero((value == 0) | (value == 1))
            is_bool = [isinstance(objects[i], bool | np.bool_) for i in zero_one]
            value[zero_one[np.asarray(is_bool, dtype=bool)]] = np.nan
    left = np.flatnonzero(~np.isfinite(value))
    if left.size == 0:
        return _Parsed(value, reason, hemi, plain, note)

    if objects is None:  # numeric dtype: only NaN (empty) and inf are left
        inf = left[np.isinf(value[left])]
        reason[left] = REASON_EMPTY
        reason[inf] = [REASON_UNPARSEABLE.format(_quote(v)) for v in value[inf]]
        value[inf] = np.nan
        plain[left] = False
        return _Parsed(value, reason, hemi, plain, note)

    # Each distinct leftover is parsed once (a column of 10k "北纬33°" costs one parse).
    try:
        codes, uniques = pd.factorize(pd.Series(objects[left], dtype=object), use_na_sentinel=False)
    except TypeError:  # unhashable cells (lists ...) in a hand-made frame
        codes, uniques = np.arange(left.size), objects[left]
    parsed = [_parse_scalar(u) for u in uniques]
    value[left] = np.array([p.value for p in parsed], dtype=np.float64)[codes]
    reason[left] = np.array([p.reason for p in parsed], dtype=object)[codes]
    hemi[left] = np.array([p.hemi for p in parsed], dtype=np.int8)[codes]
    plain[left] = np.array([p.plain for p in parsed], dtype=bool)[codes]
    note[left] = np.array([p.note for p in parsed], dtype=object)[codes]
    return _Parsed(value, reason, hemi, plain, note)


def parse_coordinates(
    values: Sequence[Any] | pd.Series, *, axis: str
) -> tuple[FloatArray, ObjArray]:
    """Parse one column of longitudes or latitudes typed any common way.

    Accepted: numbers and numeric text (also full-width ``１１２．５``, decimal comma
    ``112,5``, thousands ``3,650,000.5``), ``112.5°``, ``112°31′45″``, ``112°31'45.6"E``,
    ``112 31 45``, ``112:31:45``, ``112度31分45秒``, ``东经112度31分45.5秒``, ``北纬33°02′``,
    ``E112.5``, ``112.5E``, degrees with decimal minutes ``112°31.75′``, Excel times
    (a typed ``112:31:45`` that Excel stored as a duration). ``S``/``W``/南纬/西经 or a
    leading ``-`` make the value negative.

    Parameters
    ----------
    values : sequence or pandas.Series
        Raw cells (text, numbers, ``None``/NaN).
    axis : {"lon", "lat"}
        Which column this is: a latitude mark (N/S, 北纬) in a longitude column is an error.

    Returns
    -------
    value : numpy.ndarray of float
        Degrees (or metres for bare numbers); NaN where the cell cannot be read.
    reason : numpy.ndarray of object
        ``""`` where the value was read, otherwise a bilingual reason such as
        ``"坐标为空 / coordinate is empty"`` or
        ``"分/秒超出 0–60 / minutes or seconds out of range"``.

    Raises
    ------
    OptionError
        `axis` is not ``"lon"`` or ``"lat"``.

    Notes
    -----
    Ranges are not checked here (bare numbers may be metres): see
    :func:`coordinates_from_table`. Numeric columns take a vectorised path; only cells that
    are not plain numbers go through the text parser.

    Examples
    --------
    >>> value, reason = parse_coordinates(["112°31′45″", "112.5W", "", "112°75′"], axis="lon")
    >>> value[:2].round(6).tolist()
    [112.529167, -112.5]
    >>> reason[2:].tolist()
    ['坐标为空 / coordinate is empty', '分/秒超出 0–60 / minutes or seconds out of range']
    """
    if axis not in ("lon", "lat"):
        raise OptionError(f"axis must be 'lon' or 'lat', not {axis!r}")
    parsed = _parse_array(values)
    value, reason = parsed.value.copy(), parsed.reason.copy()
    wrong = _HEMI_LAT if axis == "lon" else _HEMI_LON
    bad = np.flatnonzero(parsed.hemi == wrong)
    if bad.size:
        raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else list(values)
        zh, en = ("经度", "longitude") if axis == "lon" else ("纬度", "latitude")
        value[bad] = np.nan
        reason[bad] = [REASON_HEMISPHERE.format(_quote(raw[i]), zh, en) for i in bad]
    return value, reason


# --------------------------------------------------------------------------------------
# Whole tables
# --------------------------------------------------------------------------------------

# Swapped lon/lat of a point in China: a "longitude" that is a Chinese latitude and a
# "latitude" that is a Chinese longitude.
_CHINA_LAT_RANGE = (17.0, 55.0)
_CHINA_LON_RANGE = (72.0, 136.0)
# Above this a lon/lat value is certainly not degrees.
_METRES_THRESHOLD = 1000.0
# Area of use of a projected CRS, widened by this many degrees, bounds the plausible x/y:
# Nanyang (110.6-113.8E) straddles the 3-degree zones CM 111E and CM 114E, and analysts
# use either zone for the whole city.
_AREA_MARGIN_DEG = 3.0
_CHINA_BOUNDS = (73.0, 17.0, 136.0, 54.0)
_ZONE_FACTOR = 1_000_000.0


@dataclass(eq=False)  # arrays do not compare to one bool
class CoordinateResult:
    """Row-aligned WGS84 coordinates with a status and reason for every input row.

    Attributes
    ----------
    lon, lat : numpy.ndarray of float
        WGS84 degrees; NaN where the row is invalid.
    status : numpy.ndarray of object
        ``"ok"`` or ``"invalid"``.
    reason : numpy.ndarray of object
        ``""``, why the row is invalid, or (with status ``ok``) what was fixed, e.g.
        ``"经纬度颠倒，已交换 / longitude and latitude were swapped; fixed"``.
    lon_col, lat_col : str
        The columns the coordinates were read from.

    Examples
    --------
    >>> import pandas as pd
    >>> res = coordinates_from_table(pd.DataFrame({"lon": [112.5], "lat": [33.0]}))
    >>> res.to_frame().to_dict("records")
    [{'lon': 112.5, 'lat': 33.0, 'status': 'ok', 'reason': ''}]
    """

    lon: FloatArray
    lat: FloatArray
    status: ObjArray
    reason: ObjArray
    lon_col: str = ""
    lat_col: str = ""

    def __len__(self) -> int:
        return len(self.status)

    @property
    def ok(self) -> NDArray[np.bool_]:
        """Boolean mask of the rows with usable coordinates."""
        return np.asarray(self.status == "ok", dtype=bool)

    def to_frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        """Columns ``lon``, ``lat``, ``status``, ``reason`` (on `index` if given).

        Examples
        --------
        >>> import pandas as pd
        >>> res = coordinates_from_table(pd.DataFrame({"lon": ["x"], "lat": [33.0]}))
        >>> res.to_frame().status.tolist()
        ['invalid']
        """
        return pd.DataFrame(
            {"lon": self.lon, "lat": self.lat, "status": self.status, "reason": self.reason},
            index=index,
        )


class _Rows:
    """Per-row status while the checks run: the first failure wins, notes accumulate."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, "", dtype=object)
        self.invalid = np.zeros(n, dtype=bool)

    @property
    def ok(self) -> NDArray[np.bool_]:
        return ~self.invalid

    def _append(self, mask: NDArray[np.bool_], text: str | ObjArray) -> None:
        texts = text[mask] if isinstance(text, np.ndarray) else text
        current = self.reason[mask]
        self.reason[mask] = np.where(current == "", texts, current + "; " + texts)

    def fail(self, mask: NDArray[np.bool_], text: str | ObjArray) -> None:
        mask = mask & ~self.invalid
        if mask.any():
            self._append(mask, text)
            self.invalid |= mask

    def note(self, mask: NDArray[np.bool_], text: str | ObjArray) -> None:
        mask = mask & ~self.invalid
        if mask.any():
            self._append(mask, text)


def _horizontal(crs: pyproj.CRS) -> pyproj.CRS:
    return crs.sub_crs_list[0] if crs.is_compound and crs.sub_crs_list else crs


@functools.lru_cache(maxsize=32)
def _expected_xy(crs: pyproj.CRS) -> tuple[float, float, float, float] | None:
    """Plausible (xmin, xmax, ymin, ymax) of a projected CRS: its widened area of use."""
    area = crs.area_of_use
    west, south, east, north = area.bounds if area is not None else _CHINA_BOUNDS
    if east < west:  # crosses the antimeridian: no simple box
        return None
    west, east = max(west - _AREA_MARGIN_DEG, -180.0), min(east + _AREA_MARGIN_DEG, 180.0)
    south, north = max(south - _AREA_MARGIN_DEG, -85.0), min(north + _AREA_MARGIN_DEG, 85.0)
    try:
        transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
        xmin, ymin, xmax, ymax = transformer.transform_bounds(
            west, south, east, north, densify_pts=21
        )
    except pyproj.exceptions.ProjError:
        return None
    box = (xmin, xmax, ymin, ymax)
    return box if all(math.isfinite(v) for v in box) else None


@functools.lru_cache(maxsize=32)
def _tm_zone(crs: pyproj.CRS) -> tuple[float, float] | None:
    """(false easting, central meridian) of a Transverse Mercator CRS in metres."""
    op = crs.coordinate_operation
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    if crs.axis_info[0].unit_name not in ("metre", "meter"):
        return None
    params = {p.name.lower(): p.value for p in op.params}
    fe, cm = params.get("false easting"), params.get("longitude of natural origin")
    return None if fe is None or cm is None else (float(fe), float(cm))


def _zone_matches(zone: NDArray[np.int64], cm: float) -> NDArray[np.bool_]:
    # Chinese Gauss-Kruger zone numbers: 3-degree zone n has CM 3n, 6-degree zone n 6n-3.
    return (zone * 3 == cm) | (zone * 6 - 3 == cm)


def _eastings(
    v: FloatArray, box: tuple[float, float, float, float], tm: tuple[float, float] | None
) -> tuple[NDArray[np.bool_], FloatArray, NDArray[np.int64]]:
    """Which values are eastings of the CRS, the eastings with the zone number fixed, and
    the zone number removed (>0) or added (<0), 0 when untouched."""
    xmin, xmax = box[0], box[1]
    ok = (v >= xmin) & (v <= xmax)
    fixed = v.copy()
    zone = np.zeros(len(v), dtype=np.int64)
    if tm is None:
        return ok, fixed, zone
    fe, cm = tm
    if fe < _ZONE_FACTOR:
        # 38456789.1 in a CRS without zone numbers (EPSG:4547): strip 38 if it is this zone.
        with np.errstate(invalid="ignore"):
            prefixed = ~ok & (v >= 10 * _ZONE_FACTOR) & (v < 100 * _ZONE_FACTOR)
        z = np.where(prefixed, np.floor(np.nan_to_num(v) / _ZONE_FACTOR), 0).astype(np.int64)
        stripped = v - z * _ZONE_FACTOR
        good = prefixed & _zone_matches(z, cm) & (stripped >= xmin) & (stripped <= xmax)
        fixed[good], zone[good], ok = stripped[good], z[good], ok | good
    else:
        # 456789.1 in a CRS with zone numbers (EPSG:4526, FE 38500000): add them.
        z_crs = math.floor(fe / _ZONE_FACTOR)
        added = v + z_crs * _ZONE_FACTOR
        good = ~ok & (v >= 0) & (v < _ZONE_FACTOR) & (added >= xmin) & (added <= xmax)
        fixed[good], zone[good], ok = added[good], -z_crs, ok | good
    return ok, fixed, zone


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


def _column_values(df: pd.DataFrame, name: str) -> pd.Series:
    # Positional: a frame with duplicate names would give a DataFrame for df[name].
    return df.iloc[:, list(map(str, df.columns)).index(name)]


def _check_geographic(
    rows: _Rows, x: FloatArray, y: FloatArray, hx: NDArray[np.int8], hy: NDArray[np.int8]
) -> None:
    ok = rows.ok
    rows.fail(ok & (x == 0) & (y == 0), REASON_NULL_ISLAND)
    with np.errstate(invalid="ignore"):
        rows.fail(
            (np.abs(x) > _METRES_THRESHOLD) | (np.abs(y) > _METRES_THRESHOLD),
            REASON_LOOKS_PROJECTED,
        )
    # Hemisphere marks say which is which: N/S on the "longitude" or E/W on the "latitude".
    rows.fail(
        ((hx == _HEMI_LAT) & (hy == _HEMI_LAT)) | ((hx == _HEMI_LON) & (hy == _HEMI_LON)),
        REASON_HEMISPHERE_CONFLICT,
    )
    by_mark = (hx != _HEMI_LON) & (hy != _HEMI_LAT) & ((hx == _HEMI_LAT) | (hy == _HEMI_LON))
    # Without marks, a China point swapped: lon value is a Chinese latitude and vice versa.
    by_value = (
        (hx == _HEMI_NONE)
        & (hy == _HEMI_NONE)
        & (x >= _CHINA_LAT_RANGE[0])
        & (x <= _CHINA_LAT_RANGE[1])
        & (y >= _CHINA_LON_RANGE[0])
        & (y <= _CHINA_LON_RANGE[1])
    )
    swap = rows.ok & (by_mark | by_value)
    x[swap], y[swap] = y[swap], x[swap].copy()
    rows.note(swap, REASON_SWAPPED)
    rows.fail((np.abs(x) > 180) | (np.abs(y) > 90), REASON_OUT_OF_RANGE)


def _check_projected(
    rows: _Rows, x: FloatArray, y: FloatArray, plain: NDArray[np.bool_], crs: InputCRS
) -> None:
    rows.fail(~plain, REASON_NOT_METRES)
    rows.fail((np.abs(x) <= 180) & (np.abs(y) <= 180), REASON_LOOKS_DEGREES)
    horizontal = _horizontal(crs.crs)
    box = _expected_xy(horizontal)
    if box is None:
        return
    tm = _tm_zone(horizontal)
    ymin, ymax = box[2], box[3]
    e_x, fx, zx = _eastings(x, box, tm)
    e_y, fy, zy = _eastings(y, box, tm)
    normal = e_x & (y >= ymin) & (y <= ymax)
    # Chinese surveying: X is the northing. "X坐标 3650000, Y坐标 38456789" comes here.
    swapped = ~normal & e_y & (x >= ymin) & (x <= ymax)
    new_x = np.where(swapped, fy, fx)
    new_y = np.where(swapped, x, y)
    zone = np.where(swapped, zy, zx)
    ok = rows.ok
    rows.note(ok & swapped, REASON_XY_SWAPPED)
    for z in np.unique(zone[ok & (normal | swapped) & (zone != 0)]):
        template = REASON_ZONE_STRIPPED if z > 0 else REASON_ZONE_ADDED
        rows.note(ok & (normal | swapped) & (zone == z), template.format(abs(int(z))))
    bad = ~(normal | swapped)
    if tm is not None and tm[0] < _ZONE_FACTOR:
        big = np.fmax(x, y)
        zoned = (big >= 10 * _ZONE_FACTOR) & (big < 100 * _ZONE_FACTOR)
        rows.fail(bad & zoned, REASON_ZONE_WRONG.format(crs.label))
    rows.fail(bad, REASON_OUTSIDE_CRS.format(crs.label))
    keep = rows.ok
    x[keep], y[keep] = new_x[keep], new_y[keep]


def coordinates_from_table(
    df: pd.DataFrame,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    crs: str | int | pyproj.CRS | InputCRS | None = None,
) -> CoordinateResult:
    """Read every row's coordinates to WGS84 lon/lat, with a status and reason per row.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, e.g. from :func:`read_table`. Not modified.
    lon_col, lat_col : str, optional
        Coordinate columns; searched for by header when not given (see
        :func:`find_coordinate_columns`).
    crs : str, int, pyproj.CRS or InputCRS, optional
        Anything :func:`geo_guard.crs.parse_crs` takes (``"wgs84"``, ``"cgcs2000"``,
        ``"gcj02"``, ``"bd09"``, ``"EPSG:4547"``, ``4547`` ...). ``None``: WGS84 degrees.

    Returns
    -------
    CoordinateResult
        One entry per row of `df`, in order. Nothing is dropped.

    Raises
    ------
    InputFileError
        The coordinate columns cannot be found.
    CRSError
        `crs` cannot be parsed, or cannot be converted to WGS84.

    Notes
    -----
    Lon/lat CRSs (WGS84, CGCS2000, GCJ-02, BD-09): a row is invalid when a value is empty
    or unreadable, both are 0 (no GPS fix), a value exceeds 1000 (projected metres given
    without ``--crs``), or ``|lon| > 180``/``|lat| > 90``. Swapped columns are fixed (reason
    says so) when hemisphere marks say so (``北纬`` in the longitude column) or, for a point
    in China, the longitude is within 17–55 and the latitude within 72–136. GCJ-02/BD-09
    offsets are removed.

    Projected CRSs: values must be bare numbers in metres. The plausible x/y of the CRS
    (its area of use widened by 3°) decide whether ``X坐标``/``Y坐标`` hold the northing and
    the easting the surveyor's way round (swapped, with a reason), and whether an easting
    carries a Gauss-Kruger zone number (``38456789`` in EPSG:4547: removed when it is the
    CRS's zone, invalid otherwise). Rows outside that area are invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lon": [33.0, 112.5], "lat": [112.5, 95.0]})
    >>> res = coordinates_from_table(df)
    >>> res.lon.tolist()[0], res.status.tolist()
    (112.5, ['ok', 'invalid'])
    >>> res.reason[1]
    '坐标超出范围 / out of range'
    >>> res.reason[0]
    '经纬度颠倒，已交换 / longitude and latitude were swapped; fixed'
    """
    combined = None if (lon_col or lat_col) else _combined_column(df.columns)
    if combined is not None:
        lon_name = lat_name = combined
        lon_values, lat_values = _split_pairs(_column_values(df, combined))
    else:
        lon_name, lat_name = find_coordinate_columns(list(map(str, df.columns)), lon_col, lat_col)
        lon_values, lat_values = _column_values(df, lon_name), _column_values(df, lat_name)
    in_crs = parse_crs(crs)
    px = _parse_array(lon_values)
    py = _parse_array(lat_values)
    n = len(df)
    rows = _Rows(n)
    x, y = px.value.copy(), py.value.copy()

    # One reason per row, naming both cells' problems when they differ.
    parse_reason = np.where(px.reason != "", px.reason, py.reason)
    both = (px.reason != "") & (py.reason != "") & (px.reason != py.reason)
    if both.any():
        parse_reason[both] = px.reason[both] + "; " + py.reason[both]
    rows.fail(parse_reason != "", parse_reason)
    rows.note((px.note != "") | (py.note != ""), REASON_EXCEL_TIME)

    projected = in_crs is not None and not _horizontal(in_crs.crs).is_geographic
    if projected:
        assert in_crs is not None  # for type checkers
        _check_projected(rows, x, y, px.plain & py.plain, in_crs)
    else:
        _check_geographic(rows, x, y, px.hemi, py.hemi)

    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    ok = rows.ok
    if in_crs is not None and ok.any():
        try:
            tx, ty = to_wgs84_xy(x[ok], y[ok], in_crs)
        except pyproj.exceptions.ProjError as err:
            # PROJ parses CRSs it cannot transform to WGS84 (other planets, engineering).
            raise CRSError(
                f"cannot convert {in_crs.label} to WGS84 ({one_line(err)[:120]}); pass an "
                "Earth CRS such as wgs84, cgcs2000 or EPSG:4547"
            ) from None
        lon[ok], lat[ok] = tx, ty
    else:
        lon[ok], lat[ok] = x[ok], y[ok]
    with np.errstate(invalid="ignore"):
        rows.fail(
            ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)),
            REASON_OUT_OF_RANGE,
        )
    lon[rows.invalid] = np.nan
    lat[rows.invalid] = np.nan
    status = np.where(rows.invalid, "invalid", "ok").astype(object)
    if rows.invalid.any():
        logger.info("%d of %d rows have no usable coordinates", int(rows.invalid.sum()), n)
    return CoordinateResult(lon, lat, status, rows.reason, lon_name, lat_name)
