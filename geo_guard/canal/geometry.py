"""Geometry helpers shared by the zones, the corridor and classification: overlay
precision, arc resolution, keeping the areal part of overlay results, reprojecting polygons
without folding them.

Examples
--------
>>> from shapely.geometry import box
>>> polygonal(box(0, 0, 1, 1)).area
1.0
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

__all__ = ["ARC_SEGMENTS", "GRID_M", "polygonal", "to_crs_valid"]

#: Segments per quarter circle of buffer arcs: at 1 km the chord strays < 0.1 m from the arc.
ARC_SEGMENTS = 64

#: Overlay precision in metres: snapping every result to a 1 mm grid makes neighbouring
#: pieces share their boundaries exactly, so unions have no slits.
GRID_M = 0.001


def polygonal(geoms: Any) -> Any:
    """Keep only the areal parts of overlay results (drop stray lines and points).

    Overlays of touching polygons can return a GeometryCollection with a degenerate line
    where the pieces meet; later overlays refuse such mixed input.

    Examples
    --------
    >>> from shapely.geometry import GeometryCollection, LineString, box
    >>> kept = polygonal(GeometryCollection([box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])]))
    >>> kept.geom_type, kept.area
    ('Polygon', 1.0)
    """
    array = np.atleast_1d(np.asarray(geoms, dtype=object))
    mixed = np.flatnonzero(shapely.get_type_id(array) == 7)
    for i in mixed:
        parts = shapely.get_parts(array[i])
        areal = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        array[i] = shapely.union_all(areal) if len(areal) else Polygon()
    return array if np.ndim(geoms) else array[0]


def to_crs_valid(frame: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Reproject polygons and repair the rare ones that reprojection made invalid.

    Moving millimetre-snapped vertices into degrees can fold a ring where two vertices
    nearly touch; ``make_valid`` undoes that without changing the area measurably.

    Examples
    --------
    >>> from geo_guard import build_zones
    >>> to_crs_valid(build_zones(canal, rules), "EPSG:4326").is_valid.all()
    np.True_
    """
    out = frame.to_crs(crs)
    bad = ~out.geometry.is_valid.to_numpy()
    if bad.any():
        fixed = polygonal(shapely.make_valid(out.geometry.values[bad]))
        out.loc[bad, out.geometry.name] = gpd.GeoSeries(fixed, index=out.index[bad], crs=out.crs)
    return out
