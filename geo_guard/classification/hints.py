"""Hints on a whole table: coordinates that look like GCJ-02 read as WGS84.

Points picked on AMap (高德), Tencent or a DataV page are GCJ-02: a few hundred metres off
their true place (about 590 m in Nanyang, mostly east). Read as WGS84 they still land
near the canal, in the wrong zone. A risk-source list is made of places near the canal,
so when reading the points as GCJ-02 brings most of them much closer to the centerline,
``--sources-crs gcj02`` is probably missing. The test is a hint, not a decision (a list of
true points all 600–1000 m out on one bank could pass it too), so the message gives the
numbers and the table is classified as the user said.

Examples
--------
>>> line = canal.centerline(4326).geometry.iloc[0]
>>> pts = line.interpolate(np.linspace(0.1, 0.9, 8), normalized=True)
>>> gcj02_hint(canal, np.array([p.x for p in pts]), np.array([p.y for p in pts])) is None
True
"""

from __future__ import annotations

import numpy as np

from geo_guard.canal.model import Canal
from geo_guard.crs import from_wgs84_xy, gcj02_to_wgs84

__all__ = ["gcj02_hint"]

#: Fewer usable points than this say nothing about the whole table.
MIN_POINTS = 5
#: A large table is judged on this many of its points, spread over the table.
SAMPLE_POINTS = 2_000


def gcj02_hint(
    canal: Canal, lon: np.ndarray, lat: np.ndarray, *, min_points: int = MIN_POINTS
) -> str | None:
    """A bilingual note when the points look like GCJ-02 read as WGS84, else ``None``.

    It fires when, reading the points as GCJ-02 (converting them to WGS84), at least 70 %
    of them come closer to the centerline, the median distance to the centerline at
    least halves and drops by at least 40 % of the offset, and the offset there is at
    least 100 m (GCJ-02 is WGS84 outside China).

    Parameters
    ----------
    canal : Canal
    lon, lat : ndarray
        The placed points as read (WGS84 assumed); rows to leave out are NaN.
    min_points : int
        Fewer finite points give no hint.

    Examples
    --------
    >>> from geo_guard.crs import wgs84_to_gcj02
    >>> pts = canal.centerline(4326).geometry.iloc[0].interpolate(np.linspace(0.1, 0.9, 8),
    ...                                                           normalized=True)
    >>> glon, glat = wgs84_to_gcj02([p.x for p in pts], [p.y for p in pts])
    >>> print(gcj02_hint(canal, glon, glat).split("（")[0])
    大多数点位像是高德/腾讯地图的 GCJ-02 坐标
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    if int(ok.sum()) < min_points:
        return None
    lon, lat = np.asarray(lon, dtype=float)[ok], np.asarray(lat, dtype=float)[ok]
    if len(lon) > SAMPLE_POINTS:  # medians and shares: a spread-out sample tells as much
        pick = np.linspace(0, len(lon) - 1, SAMPLE_POINTS).astype(np.int64)
        lon, lat = lon[pick], lat[pick]
    true_lon, true_lat = gcj02_to_wgs84(lon, lat)
    # The transformer classification already made (building one takes 0.1 s).
    x, y = from_wgs84_xy(lon, lat, canal.metric_crs)
    fx, fy = from_wgs84_xy(true_lon, true_lat, canal.metric_crs)
    shift = float(np.median(np.hypot(np.asarray(x) - fx, np.asarray(y) - fy)))
    if not shift >= 100.0:
        return None
    raw = canal.locate(x, y).distance_m
    fixed = canal.locate(fx, fy).distance_m
    closer = float(np.mean(fixed < raw))
    raw_median, fixed_median = float(np.median(raw)), float(np.median(fixed))
    if closer < 0.7 or fixed_median > 0.5 * raw_median or raw_median - fixed_median < 0.4 * shift:
        return None
    return (
        f"大多数点位像是高德/腾讯地图的 GCJ-02 坐标（此处偏移约 {shift:.0f} 米）："
        f"按 GCJ-02 换算后，{closer:.0%} 的点位更靠近总干渠，"
        f"到中心线距离的中位数由 {raw_median:.0f} 米降为 {fixed_median:.0f} 米；"
        f"请核实坐标来源，若取自高德/腾讯地图，请加 --sources-crs gcj02 "
        f"重新分类 / most points look like GCJ-02 (AMap/Tencent) coordinates read as WGS84 "
        f"(the offset here is about {shift:.0f} m): read as GCJ-02, {closer:.0%} of them come "
        f"closer to the canal and their median distance to the centerline drops from "
        f"{raw_median:.0f} m to {fixed_median:.0f} m; if they were picked on AMap or Tencent "
        "maps, run again with --sources-crs gcj02 (crs='gcj02' in Python)"
    )
