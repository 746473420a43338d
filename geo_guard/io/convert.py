"""Coordinate lists from one CRS to another, every row kept: WGS84, CGCS2000, GCJ-02
(AMap/高德, Tencent), BD-09 (Baidu) or any EPSG CRS.

Field teams copy points from different map apps; an analyst needs them in one CRS. The
input's coordinates are read as :func:`~geo_guard.io.coords.coordinates_from_table`
reads them (DMS, full-width digits, swapped columns fixed with a reason), moved to WGS84,
then to the target. Rows that cannot be read stay, with the reason.

Examples
--------
>>> table = pd.DataFrame({"名称": ["A", "B"], "经度": ["112.505939", "x"],
...                       "纬度": ["32.998089", "33"]})
>>> out = convert_table(table, from_crs="gcj02", to_crs="wgs84")
>>> out[["lon_wgs84", "lat_wgs84"]].round(5).iloc[0].tolist(), out.status.tolist()
([112.5, 33.0], ['ok', 'invalid'])
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo_guard.crs import InputCRS, from_wgs84_xy, parse_crs
from geo_guard.io.coords import coordinates_from_table

__all__ = ["convert_table", "target_columns"]


def target_columns(crs: InputCRS) -> tuple[str, str]:
    """Names of the added coordinate columns for a target CRS.

    ``lon_<name>``/``lat_<name>`` for lon/lat CRSs (``wgs84``, ``cgcs2000``, ``gcj02``,
    ``bd09``), ``x_<epsg>``/``y_<epsg>`` for projected ones.

    >>> target_columns(parse_crs("gcj02")), target_columns(parse_crs("EPSG:4547"))
    (('lon_gcj02', 'lat_gcj02'), ('x_4547', 'y_4547'))
    """
    epsg = crs.crs.to_epsg()
    if crs.offset:
        tag = crs.offset
    elif epsg == 4326:
        tag = "wgs84"
    elif epsg == 4490:
        tag = "cgcs2000"
    else:
        tag = str(epsg) if epsg else re.sub(r"\W+", "_", crs.label).strip("_").lower()
    if crs.crs.is_geographic:
        return f"lon_{tag}", f"lat_{tag}"
    return f"x_{tag}", f"y_{tag}"


def convert_table(table: pd.DataFrame, *, from_crs: str | InputCRS = "wgs84",
                  to_crs: str | InputCRS = "wgs84", lon_col: str | None = None,
                  lat_col: str | None = None) -> pd.DataFrame:
    """The table with its coordinates converted, in two added columns, plus ``status`` and
    ``reason`` for every row (same rows, same order, input columns kept).

    Parameters
    ----------
    table : DataFrame
        Rows with coordinates under Chinese or English headers (or `lon_col`/`lat_col`).
    from_crs, to_crs : str or InputCRS
        Anything :func:`geo_guard.crs.parse_crs` takes: ``wgs84``, ``cgcs2000``,
        ``gcj02``, ``bd09``, ``EPSG:4547`` …
    lon_col, lat_col : str, optional
        The coordinate columns when their headers are not recognised.

    Returns
    -------
    DataFrame
        With ``lon_<crs>``/``lat_<crs>`` (or ``x_<epsg>``/``y_<epsg>``) — see
        :func:`target_columns` — and ``status``/``reason``. An input column of the same
        name is kept as ``<name>_input``.
    """
    source = parse_crs(from_crs) or parse_crs("wgs84")
    target = parse_crs(to_crs) or parse_crs("wgs84")
    found = coordinates_from_table(table, lon_col=lon_col, lat_col=lat_col, crs=source)
    x = np.full(len(table), np.nan)
    y = np.full(len(table), np.nan)
    ok = found.ok
    if ok.any():
        x[ok], y[ok] = from_wgs84_xy(found.lon[ok], found.lat[ok], target)
    x_name, y_name = target_columns(target)
    added = {x_name: x, y_name: y, "status": found.status, "reason": found.reason}
    out = table.rename(columns={c: f"{c}_input" for c in table.columns if c in added})
    return out.assign(**added)
