"""Tables of the ecological-corridor analysis: stations, gap and weak-stand lists, summaries
per kilometre and segment.

:func:`geo_guard.corridor.analyse_corridor` builds its frames with the helpers here
(English identifiers, Chinese values such as 左岸 and 新建新造); the workbook layout is in
:mod:`geo_guard.reports.corridor`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from geo_guard.canal.model import Canal
from geo_guard.canal.stakes import format_stakes
from geo_guard.settings import BANK_LEFT, BANK_RIGHT
from geo_guard.zones.admin import ADMIN_COLUMNS, admin_join

ACTION_PLANT = "新建新造"
ACTION_IMPROVE = "提质改造"

#: Strips with less belt than this (m²) have no coverage (the exclusion layer took them).
MIN_BELT_M2 = 0.01

STATION_COLUMNS = [
    "bank", "segment_id", "chainage_from_m", "chainage_to_m", "stake_from", "stake_to",
    "length_m", "belt_m2", "excluded_m2", "forest_m2", "coverage", "gap_id",
]
GAP_COLUMNS = [
    "gap_id", "bank", "stake_from", "stake_to", "chainage_from_m", "chainage_to_m",
    "length_m", "excluded_m", "belt_m2", "uncovered_m2", "mean_coverage", "segment_id",
    "action",
]
WEAK_COLUMNS = [
    "forest_id", "bank", "stake_from", "stake_to", "chainage_from_m", "chainage_to_m",
    "length_m", "area_m2", "survival", "canopy", "species", "planting_year", "reason",
    "segment_id", "action",
]
SUMMARY_COLUMNS = ["belt_m2", "forest_m2", "coverage", "length_m", "gap_m", "gap_share"]


# ------------------------------------------------------------------------- building
def station_table(canal: Canal, strips: pd.DataFrame,
                  admin: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Chainages, stakes, coverage and (with ``admin``) township of every strip.

    ``strips`` has ``bank``, ``segment_index``, ``from_m``/``to_m`` (measures),
    ``belt_m2``, ``forest_m2`` and ``x``/``y`` (the belt's middle, metric CRS).
    """
    st = strips.copy()
    st["segment_id"] = canal.segments["segment_id"].to_numpy()[st["segment_index"]]
    st["chainage_from_m"] = canal.chainage_at(st["from_m"].to_numpy())
    st["chainage_to_m"] = canal.chainage_at(st["to_m"].to_numpy())
    st["stake_from"] = format_stakes(st["chainage_from_m"], prefix=canal.stake_prefix)
    st["stake_to"] = format_stakes(st["chainage_to_m"], prefix=canal.stake_prefix)
    st["length_m"] = st["to_m"] - st["from_m"]
    belt = st["belt_m2"].to_numpy()
    st["coverage"] = np.where(belt > MIN_BELT_M2,
                              st["forest_m2"] / np.maximum(belt, MIN_BELT_M2), np.nan)
    st["gap_id"] = ""
    if admin is not None:
        for column, values in admin_join(admin, st["x"].to_numpy(), st["y"].to_numpy(),
                                         canal.metric_crs).items():
            st[column] = values
    return st


def station_points(stations: pd.DataFrame, crs: Any) -> gpd.GeoDataFrame:
    """The stations as points in the middle of the belt (``crs`` = the metric CRS)."""
    columns = [*STATION_COLUMNS, *[c for c in ADMIN_COLUMNS if c in stations]]
    points = shapely.points(stations["x"].to_numpy(), stations["y"].to_numpy())
    return gpd.GeoDataFrame(stations[columns].reset_index(drop=True), geometry=points, crs=crs)


def joined(values: pd.Series) -> str:
    """Distinct non-empty values in order of appearance: ``'S01、S02'``.

    Examples
    --------
    >>> joined(pd.Series(["S01", "S01", "", "S02"]))
    'S01、S02'
    """
    return "、".join(v for v in dict.fromkeys(values.astype(str)) if v)


def weak_table(canal: Canal, weak: pd.DataFrame,
               admin: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The 提质改造 list: weak stands with their stretch, stakes and township.

    ``weak`` has the forest attributes, ``bank``, ``area_m2``, ``reason`` and the part of
    the polygon in the belt as ``geometry`` (metric CRS).
    """
    out = weak.copy()
    for column in ("survival", "canopy"):
        if column not in out:
            out[column] = np.nan
    for column in ("species", "planting_year"):
        if column not in out:
            out[column] = ""
    geoms = out["geometry"].to_numpy()
    # The stretch a stand covers: the nearest centerline places of its vertices.
    xy, part = shapely.get_coordinates(geoms, return_index=True)
    measure = pd.Series(canal.locate(xy[:, 0], xy[:, 1]).measure_m).groupby(part)
    lo = measure.min().reindex(range(len(out))).to_numpy()
    hi = measure.max().reindex(range(len(out))).to_numpy()
    out["chainage_from_m"] = canal.chainage_at(lo)
    out["chainage_to_m"] = canal.chainage_at(hi)
    out["stake_from"] = format_stakes(out["chainage_from_m"], prefix=canal.stake_prefix)
    out["stake_to"] = format_stakes(out["chainage_to_m"], prefix=canal.stake_prefix)
    out["length_m"] = hi - lo
    segment = np.clip(np.searchsorted(canal.segments["start_m"].to_numpy(), (lo + hi) / 2,
                                      side="right") - 1, 0, len(canal.segments) - 1)
    out["segment_id"] = canal.segments["segment_id"].to_numpy()[segment]
    out["action"] = ACTION_IMPROVE
    admin_columns: list[str] = []
    if admin is not None:
        anchor = shapely.get_coordinates(shapely.point_on_surface(geoms))
        joined = admin_join(admin, anchor[:, 0], anchor[:, 1], canal.metric_crs)
        for column, values in joined.items():
            out[column] = values if len(out) else []
            admin_columns.append(column)
    out = out.sort_values(["bank", "chainage_from_m"], key=_bank_order, ignore_index=True)
    return gpd.GeoDataFrame(out[[*WEAK_COLUMNS, *admin_columns, "geometry"]],
                            geometry="geometry", crs=canal.metric_crs)


def _bank_order(values: pd.Series) -> pd.Series:
    return values.map({BANK_LEFT: 0, BANK_RIGHT: 1}) if values.name == "bank" else values


def summary_by(stations: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Belt and forest area, coverage, bank length, gap length and share per group.

    Examples
    --------
    >>> stations = pd.DataFrame(corridor_result.stations.drop(columns="geometry"))
    >>> summary_by(stations, ["bank"])["bank"].tolist()
    ['左岸', '右岸']
    """
    gap_m = np.where(stations["gap_id"] != "", stations["length_m"], 0.0)
    table = (stations.assign(gap_m=gap_m)
             .groupby(keys, sort=False)[["belt_m2", "forest_m2", "length_m", "gap_m"]]
             .sum().reset_index())
    table["coverage"] = table["forest_m2"] / table["belt_m2"].where(table["belt_m2"] > 0)
    table["gap_share"] = table["gap_m"] / table["length_m"].where(table["length_m"] > 0)
    return table[[*keys, *SUMMARY_COLUMNS]]


def per_km_table(canal: Canal, stations: pd.DataFrame, slabs: dict[str, Any]
                 ) -> gpd.GeoDataFrame:
    """Per kilometre and bank, with the belt of that kilometre as geometry.

    ``slabs`` maps each bank to an object whose ``km_belts()`` gives the kilometres and
    the belt of each (metric CRS).
    """
    st = stations.assign(km=np.floor(stations["chainage_from_m"] / 1000 + 1e-9).astype(int))
    table = summary_by(st, ["km", "bank"])
    span = st.groupby(["km", "bank"], sort=False).agg(
        chainage_from_m=("chainage_from_m", "min"), chainage_to_m=("chainage_to_m", "max"))
    table = table.join(span, on=["km", "bank"])
    table["stake_from"] = format_stakes(table["chainage_from_m"], prefix=canal.stake_prefix)
    table["stake_to"] = format_stakes(table["chainage_to_m"], prefix=canal.stake_prefix)
    geometry = {(int(k), bank): g for bank, part in slabs.items()
                for k, g in zip(*part.km_belts(), strict=True)}
    table["geometry"] = [geometry.get(key, Polygon())
                         for key in zip(table["km"], table["bank"], strict=True)]
    table = table.sort_values(["bank", "km"], key=_bank_order, kind="stable", ignore_index=True)
    columns = ["km", "bank", "stake_from", "stake_to", "chainage_from_m", "chainage_to_m",
               *SUMMARY_COLUMNS, "geometry"]
    return gpd.GeoDataFrame(table[columns], geometry="geometry", crs=canal.metric_crs)


def per_segment_table(belt: gpd.GeoDataFrame, stations: pd.DataFrame,
                      gaps: pd.DataFrame) -> gpd.GeoDataFrame:
    """The belt layer: per segment and bank, the belt polygon and its summary."""
    table = summary_by(stations, ["segment_index", "bank"])
    out = belt.drop(columns="belt_m2").merge(table, on=["segment_index", "bank"], how="left")
    counts: dict[tuple[str, str], int] = {}
    for segments, bank in zip(gaps["segment_id"], gaps["bank"], strict=True):
        for segment_id in segments.split("、"):
            counts[(segment_id, bank)] = counts.get((segment_id, bank), 0) + 1
    out["gaps"] = [counts.get(k, 0) for k in zip(out["segment_id"], out["bank"], strict=True)]
    columns = [c for c in out.columns if c not in ("segment_index", "geometry")]
    return gpd.GeoDataFrame(out[[*columns, "geometry"]], geometry="geometry", crs=belt.crs)
