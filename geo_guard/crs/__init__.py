"""Coordinate reference systems: parsing, metric CRS choice, GCJ-02/BD-09 <-> WGS84.

Chinese web maps do not publish true coordinates. AMap (高德), Tencent and Aliyun DataV use
GCJ-02 (国测局坐标, "火星坐标"), a non-linear offset of WGS84 lon/lat by a few hundred metres;
Baidu adds a second offset on top of it, BD-09. Neither is an EPSG CRS, so an
:class:`InputCRS` carries the real CRS of the coordinates *once the offset is removed*
(always EPSG:4326 for GCJ-02/BD-09) plus the name of the offset.

`parse` reads what the user says a CRS is; `offsets` holds the GCJ-02/BD-09 formulas;
`metric` chooses the CRS to measure in (never degrees); `transform` moves coordinates and
frames between the user's CRS and WGS84.

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

from geo_guard.crs.metric import metric_crs_for
from geo_guard.crs.offsets import (
    apply_offset,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_apply_offset,
    geometry_remove_offset,
    remove_offset,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo_guard.crs.parse import CGCS2000, OFFSETS, WGS84, InputCRS, parse_crs
from geo_guard.crs.transform import from_wgs84_xy, to_wgs84_xy, with_input_crs

__all__ = [
    "CGCS2000",
    "OFFSETS",
    "WGS84",
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
