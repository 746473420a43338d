"""The part of the canal inside a study area: lengths per segment and the stretches' stakes.

After ``zones --clip`` the summary describes the clipped stretch (the district's part of
the canal), not the whole centerline.

Examples
--------
>>> import geopandas as gpd, shapely
>>> x, y = canal.point_at([100_000.0])[0].coords[0]
>>> area = gpd.GeoDataFrame(geometry=[shapely.box(x - 3000, y - 3000, x + 3000, y + 3000)],
...                         crs=canal.metric_crs)
>>> inside = canal_within(canal, area)
>>> [(canal.stake(a), canal.stake(b)) for a, b in inside.stretches]
[('K96+822', 'K103+301')]
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard.canal.model import Canal
from geo_guard.crs import with_input_crs

__all__ = ["CanalWithin", "canal_within"]


@dataclass(frozen=True)
class CanalWithin:
    """The canal inside an area.

    Attributes
    ----------
    segments : DataFrame
        Segments with a part inside: ``segment_id``, ``structure``, ``length`` (m inside).
    stretches : list of (float, float)
        Chainage from and to of each stretch inside, in flow order.
    """

    segments: pd.DataFrame
    stretches: list[tuple[float, float]]


def canal_within(canal: Canal, area: gpd.GeoDataFrame | gpd.GeoSeries) -> CanalWithin:
    """Which part of the canal lies in ``area`` (any CRS; it is reprojected).

    Parameters
    ----------
    canal : Canal
    area : GeoDataFrame or GeoSeries
        Polygons (a district, a study area).

    Returns
    -------
    CanalWithin
    """
    frame = area if isinstance(area, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=area)
    frame = with_input_crs(frame, None, "clip area").to_crs(canal.metric_crs)
    region = shapely.union_all(shapely.make_valid(frame.geometry.values))
    shapely.prepare(region)
    segments = canal.segments
    lengths = shapely.length(shapely.intersection(segments.geometry.values, region))
    table = pd.DataFrame({
        "segment_id": segments["segment_id"].to_numpy(dtype=object),
        "structure": segments["structure"].to_numpy(dtype=object)
        if "structure" in segments.columns else np.full(len(segments), "", dtype=object),
        "length": lengths,
    })
    table = table[table["length"] > 0].reset_index(drop=True)
    parts = shapely.line_merge(shapely.intersection(canal.line, region))
    stretches: list[tuple[float, float]] = []
    for part in getattr(parts, "geoms", [parts]):
        if part.is_empty or part.length <= 0:
            continue
        coords = np.asarray(part.coords)
        ends = canal.line.project(shapely.points(coords[[0, -1]]))
        a, b = sorted(float(v) for v in canal.chainage_at(ends))
        stretches.append((a, b))
    return CanalWithin(table, sorted(stretches))
