"""周报.html: the ledger's problems on an interactive map, one layer per status.

Built with the public map API (:func:`geo_guard.maps.risk_map`, :func:`add_layer`,
:func:`add_controls`, :func:`save_map`): the canal and zones when given, then one point
layer per status (待交办 red … 已销号 grey) and a black ring around overdue problems, with
a Chinese legend (问题状态) counting each, popups under Chinese headers, and the search
box finding a problem by number, place or description. Everything the ledger holds goes
into the page as data (escaped JSON), never as HTML or template text.

Examples
--------
>>> frame = pd.DataFrame({"problem_id": [1, 2], "status": ["整改中", "已销号"],
...                       "description": ["排污口", "养殖场"], "lon": [112.2, 112.3],
...                       "lat": [32.9, 33.0]})
>>> m = problems_map(frame, basemap="none")
>>> write_problems_map(frame, tmp / "周报.html", basemap="none").name
'周报.html'
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo_guard.maps import add_controls, add_layer, risk_map, save_map
from geo_guard.maps.elements import legend_row, map_state, shape_symbol
from geo_guard.reports.digest import (
    OTHER_STATUS_COLOUR,
    STATUS_COLOURS,
    STATUSES,
    check_problems,
    plain_text,
    problem_points,
    zone_names,
)
from geo_guard.vocabulary.headers import LEDGER_HEADERS

__all__ = ["POPUP_COLUMNS", "problems_map", "write_problems_map"]

PathLike = str | os.PathLike[str]

#: Ledger columns shown in a problem's popup, in this order, under the ledger's headers.
_POPUP_ORDER = ("problem_id", "name", "township", "village", "source_type", "zone", "stake",
                "bank", "description", "measure", "deadline", "unit", "person", "status",
                "progress", "found_on", "rectified_on", "closed_on")
POPUP_COLUMNS: dict[str, str] = {c: LEDGER_HEADERS[c] for c in _POPUP_ORDER}
OVERDUE_LAYER = "超期未整改"
LEGEND_HEADING = "问题状态"


def _cell(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return plain_text(value)


def _popup_frame(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The points under Chinese headers, every value as text (data, never markup)."""
    data = {}
    for column, heading in POPUP_COLUMNS.items():
        if column == "zone":
            data[heading] = zone_names(points).to_numpy()
        elif column in points.columns:
            data[heading] = [_cell(v) for v in points[column]]
    if "overdue" in points.columns:
        data["超期"] = ["是" if v else "" for v in points["overdue"].fillna(False).astype(bool)]
    return gpd.GeoDataFrame(data, geometry=points.geometry.to_numpy(), crs=points.crs,
                            index=points.index)


def problems_map(problems: pd.DataFrame, *, canal: Any = None,
                 zones: gpd.GeoDataFrame | None = None, basemap: str = "osm",
                 tianditu_key: str | None = None, title: str | None = None) -> folium.Map:
    """An interactive map of the ledger's problems coloured by status.

    Parameters
    ----------
    problems : DataFrame
        The ledger's problems (geometry or ``lon``/``lat``, ``status`` …); those without
        a location are left out (noted in the legend).
    canal : Canal or GeoDataFrame, optional
        A :class:`geo_guard.Canal` is drawn with its stakes, a line frame as a line.
    zones : GeoDataFrame, optional
        Protection zones (``zone_level``).
    basemap : str
        As for :func:`geo_guard.maps.make_map` (``"none"`` draws no tiles).
    tianditu_key : str, optional
    title : str, optional
        Shown on the map (as text).

    Returns
    -------
    folium.Map
    """
    frame = check_problems(problems, ("problem_id", "status"))
    frame["status"] = frame["status"].map(plain_text)
    points = problem_points(frame)
    is_canal = hasattr(canal, "centerline")
    m = risk_map(canal if is_canal else None, zones=zones, basemap=basemap,
                 tianditu_key=tianditu_key, title=title, controls=False)
    if canal is not None and not is_canal:  # a plain line layer, e.g. read from a file
        add_layer(m, canal, name="总干渠", style={"color": "#0050b4", "weight": 3},
                  legend="总干渠")
    popup = _popup_frame(points)
    present = set(points["status"])
    rows = []
    for status in [s for s in STATUSES if s in present] + sorted(present - set(STATUSES)):
        colour = STATUS_COLOURS.get(status, OTHER_STATUS_COLOUR)
        part = popup[(points["status"] == status).to_numpy()]
        add_layer(m, part, name=status,
                  style={"color": "#ffffff", "weight": 1, "fillColor": colour,
                         "fillOpacity": 0.95, "radius": 7},
                  title=["风险源描述"], tooltip=["编号", "行政村", "风险源类型", "状态"],
                  search=["编号", "行政村", "风险源描述", "责任单位"])
        rows.append(legend_row(shape_symbol("circle", colour, size=14), status, len(part)))
    if "超期" in popup.columns:
        late = popup[(popup["超期"] == "是").to_numpy()]
        if len(late):
            add_layer(m, late, name=OVERDUE_LAYER,
                      style={"color": "#000000", "weight": 3, "fill": False, "radius": 11},
                      title=["风险源描述"], tooltip=["编号", "行政村", "整改时限"])
            ring = shape_symbol("circle", "none", size=14, stroke="#000", stroke_width=0.35,
                                scale=1.2)
            rows.append(legend_row(ring, OVERDUE_LAYER, len(late)))
    state = map_state(m)
    state.legend.append((LEGEND_HEADING, rows))
    unplaced = len(frame) - len(points)
    if unplaced:
        state.note(f"{unplaced} 个问题没有坐标，未上图。")
    add_controls(m)
    return m


def write_problems_map(problems: pd.DataFrame, path: PathLike, **options: Any) -> Path:
    """Write :func:`problems_map` as one offline HTML file, atomically.

    Parameters
    ----------
    problems : DataFrame
    path : str or path-like
        ``.html`` file; its folder must exist.
    **options
        Passed to :func:`problems_map`.

    Returns
    -------
    pathlib.Path
    """
    return save_map(problems_map(problems, **options), path)
