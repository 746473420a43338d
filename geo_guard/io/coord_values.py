"""Coordinate values typed every way people type them: ``112.5``, ``１１２．５``,
``112°31′45″``, ``东经112度31分45秒``, ``E112.5`` -> numbers, or the reason they are not.

Examples
--------
>>> from geo_guard.io.coord_values import parse_coordinates
>>> values, reasons = parse_coordinates(["112°31′45″", "abc"], axis="lon")
>>> round(float(values[0]), 6), reasons[1]
(112.529167, "无法解析坐标 'abc' / cannot parse coordinate 'abc'")
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from geo_guard._errors import OptionError, one_line
from geo_guard.io.arrow_text import text_array
from geo_guard.io.coord_typed import read_typed

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


def _quote(value: object) -> str:
    text = one_line(value)
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"

# Degree/minute/second marks people type, folded into °, ′, ″ before NFKC (which would turn
# º into "o" and ˚/´ into combining accents).
_HEMI_NONE, _HEMI_LON, _HEMI_LAT = 0, 1, 2

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
# The same in RE2 for Arrow (\d is ASCII there): full-width digits go the Python way.
_PLAIN_NUMBER_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
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
    parsed = _Parsed(np.full(n, np.nan), reason, hemi, plain, note)

    # Fast path: one vectorised conversion for everything that is already a number or
    # numeric text; only what is left (empty, DMS, hemisphere letters ...) goes to Python.
    kind = getattr(series.dtype, "kind", "O")
    text = None if kind in "iufmMb" else text_array(series)
    if text is not None and not isinstance(series.dtype, pd.CategoricalDtype):
        # Text in Arrow memory (a CSV read by Arrow): the bare numbers are cast in one
        # kernel, correctly rounded like float(); only the other cells become Python str.
        numeric = pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER_RE), False)
        cast = pc.cast(pc.if_else(numeric, text, pa.scalar(None, text.type)), pa.float64())
        value = np.array(cast.to_numpy(zero_copy_only=False), dtype=np.float64, copy=True)
        left = np.flatnonzero(~np.isfinite(value))
        parsed.value[:] = value
        rest = text.take(pa.array(left))
        if len(left):  # DMS and full-width digits as a column too (coord_typed)
            typed = read_typed(rest)
            done, read = left[typed.matched], typed.matched
            parsed.value[done], parsed.hemi[done] = typed.value[read], typed.hemi[read]
            plain[done] = typed.plain[read]
            left, rest = left[~read], rest.filter(pa.array(~read))
        objects = np.array(rest.to_pylist(), dtype=object)
        return _parse_leftovers(parsed, left, objects)
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
    parsed.value[:] = value
    left = np.flatnonzero(~np.isfinite(value))
    if left.size == 0:
        return parsed

    if objects is None:  # numeric dtype: only NaN (empty) and inf are left
        inf = left[np.isinf(value[left])]
        reason[left] = REASON_EMPTY
        reason[inf] = [REASON_UNPARSEABLE.format(_quote(v)) for v in value[inf]]
        parsed.value[inf] = np.nan
        plain[left] = False
        return parsed
    return _parse_leftovers(parsed, left, objects[left])


def _parse_leftovers(parsed: _Parsed, left: NDArray[np.intp], objects: ObjArray) -> _Parsed:
    """Parse the cells at ``left`` (their raw values ``objects``) one distinct value at a
    time: a column of 10k "北纬33°" costs one parse."""
    if left.size == 0:
        return parsed
    try:
        codes, uniques = pd.factorize(pd.Series(objects, dtype=object), use_na_sentinel=False)
    except TypeError:  # unhashable cells (lists ...) in a hand-made frame
        codes, uniques = np.arange(left.size), objects
    one = [_parse_scalar(u) for u in uniques]
    parsed.value[left] = np.array([p.value for p in one], dtype=np.float64)[codes]
    parsed.reason[left] = np.array([p.reason for p in one], dtype=object)[codes]
    parsed.hemi[left] = np.array([p.hemi for p in one], dtype=np.int8)[codes]
    parsed.plain[left] = np.array([p.plain for p in one], dtype=bool)[codes]
    parsed.note[left] = np.array([p.note for p in one], dtype=object)[codes]
    return parsed


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
