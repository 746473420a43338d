"""Coordinates in tables (问题点位): coordinate headers, DMS, CRSs, row-level status.

Field teams and the provincial app send point lists (read by :mod:`geo_guard.io.tables`)
with Chinese or English headers and coordinates typed every way people type them:
``112.5``, ``１１２．５``, ``112°31′45″``, ``东经112度31分45秒``, ``E112.5``, projected
metres with the X/Y axes the surveyor's way round.

Headers are found by :mod:`~geo_guard.io.coord_headers`, values parsed by
:mod:`~geo_guard.io.coord_values`; this module checks them against the CRS, row by row.
The rule: **nothing is ever dropped**. Every input row comes out, in input
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

import functools
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyproj
from numpy.typing import NDArray

from geo_guard._errors import CRSError, one_line
from geo_guard._parallel import MIN_CHUNK, ordered_map, workers
from geo_guard.crs import InputCRS, parse_crs, to_wgs84_xy
from geo_guard.io.coord_headers import _combined_column, _split_pairs, find_coordinate_columns
from geo_guard.io.coord_values import (
    _HEMI_LAT,
    _HEMI_LON,
    _HEMI_NONE,
    REASON_EXCEL_TIME,
    REASON_HEMISPHERE_CONFLICT,
    REASON_LOOKS_DEGREES,
    REASON_LOOKS_PROJECTED,
    REASON_NOT_METRES,
    REASON_NULL_ISLAND,
    REASON_OUT_OF_RANGE,
    REASON_OUTSIDE_CRS,
    REASON_SWAPPED,
    REASON_XY_SWAPPED,
    REASON_ZONE_ADDED,
    REASON_ZONE_STRIPPED,
    REASON_ZONE_WRONG,
    FloatArray,
    ObjArray,
    _parse_array,
)

logger = logging.getLogger(__name__)

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
    # The two columns side by side: Arrow's kernels release the GIL.
    threads = min(2, workers()) if len(df) >= MIN_CHUNK else 1
    px, py = ordered_map(_parse_array, [lon_values, lat_values], threads=threads)
    n = len(df)
    rows = _Rows(n)
    x, y = px.value.copy(), py.value.copy()

    # One reason per row, naming both cells' problems when they differ.
    # Masks compared once: each comparison of a million Python strings costs 20-30 ms.
    has_x, has_y = px.reason != "", py.reason != ""
    parse_reason = np.where(has_x, px.reason, py.reason)
    both = np.flatnonzero(has_x & has_y)
    both = both[px.reason[both] != py.reason[both]]
    if len(both):
        parse_reason[both] = px.reason[both] + "; " + py.reason[both]
    rows.fail(has_x | has_y, parse_reason)
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
    status = np.array(["ok", "invalid"], dtype=object)[rows.invalid.astype(np.intp)]
    if rows.invalid.any():
        logger.info("%d of %d rows have no usable coordinates", int(rows.invalid.sum()), n)
    return CoordinateResult(lon, lat, status, rows.reason, lon_name, lat_name)
