"""Where a finding lies: stake and bank of the canal opposite, zone, township and village.

Examples
--------
>>> x, y = canal.point_at([100_000.0])[0].coords[0]
>>> placed = place_points(canal, np.array([x]), np.array([y + 100]))
>>> placed["stake"][0], placed["bank"][0]
('K100+036', '左岸')
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from geo_guard.canal import Canal
from geo_guard.crs import to_wgs84_xy
from geo_guard.zones.admin import admin_join

__all__ = ["PLACE_COLUMNS", "place_points", "wgs84"]

PLACE_COLUMNS = ("chainage_m", "stake", "bank", "distance_m")


def place_points(canal: Canal, x: np.ndarray, y: np.ndarray,
                 admin: gpd.GeoDataFrame | None = None) -> dict[str, np.ndarray]:
    """Chainage, stake, bank and distance to the centerline of points in the canal's
    metric CRS, and ``township``/``village`` when an admin layer is given.

    Missing points (NaN) get NaN and empty text.
    """
    where = canal.locate(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    out: dict[str, np.ndarray] = {
        "chainage_m": where.chainage_m,
        "stake": np.where(np.isfinite(where.chainage_m), where.stakes(), ""),
        "bank": where.banks(),
        "distance_m": where.distance_m,
    }
    if admin is not None:
        out.update(admin_join(admin, np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                              canal.metric_crs))
    return out


def wgs84(x: np.ndarray, y: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat of metric points (for the ledger and the map)."""
    lon, lat = to_wgs84_xy(np.asarray(x, dtype=float), np.asarray(y, dtype=float), crs)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
