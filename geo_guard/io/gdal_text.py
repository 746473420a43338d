r"""Text that GDAL cannot store as typed: NUL characters.

GDAL hands text to its drivers as C strings, which end at the first NUL character: a value
``"a\x00b"`` would silently become ``"a"`` in a GeoPackage, GeoJSON or Shapefile. Every
other character, control characters included, goes through unchanged.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> frame = gpd.GeoDataFrame({"名称": ["a\x00b"]}, geometry=[Point(0, 0)], crs=4326)
>>> nul_free(frame, Path("t.gpkg"))["名称"].tolist()
['a\\x00b']
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_guard._errors import name_list
from geo_guard.io.spreadsheets import is_geometry_column

__all__ = ["nul_free"]

logger = logging.getLogger(__name__)

_NUL = "\x00"
_NUL_SHOWN = "\\x00"  # the four characters \x00


def nul_free(gdf: gpd.GeoDataFrame, target: Path) -> gpd.GeoDataFrame:
    """``gdf`` with every NUL in its text and column names written as the text ``\\x00``.

    A copy when something changed (logged as a warning), else ``gdf`` itself.
    """
    changed: list[str] = []
    out = gdf
    for i, column in enumerate(gdf.columns):
        values = gdf.iloc[:, i]
        if is_geometry_column(values) or not (
            pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)
        ):
            continue
        has_nul = values.map(lambda v: isinstance(v, str) and _NUL in v).to_numpy(dtype=bool)
        if not has_nul.any():
            continue
        if out is gdf:
            out = gdf.copy()
        fixed = values.astype(object).copy()
        fixed[has_nul] = [v.replace(_NUL, _NUL_SHOWN) for v in values[has_nul]]
        out.isetitem(i, fixed)
        changed.append(f"{column} ({int(has_nul.sum())})")
    names = [c.replace(_NUL, _NUL_SHOWN) if isinstance(c, str) else c for c in out.columns]
    if names != list(out.columns):
        out = out.copy() if out is gdf else out
        out.columns = names
        changed.append("column names")
    if changed:
        logger.warning(
            "%s: text with NUL characters (which %s cannot hold) written with \\x00 in their "
            "place: %s; write .csv or .parquet to keep them",
            target.name,
            target.suffix.lstrip(".").upper() or "GDAL",
            name_list(changed),
        )
    return out
