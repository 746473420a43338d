"""The Thursday report set: 附件2–4, 周报.docx and 周报.html from the ledger's frames.

:func:`write_weekly_report` is what ``geo-guard report weekly`` runs; it takes the
ledger's plain frames, so it can be called (and tested) without a database. The week
ends on the last Thursday on or before ``as_of`` (:func:`~geo_guard.reports.digest.report_week`),
and every file describes the ledger as of that Thursday: problems found later are left
out, the forms carry it as 填报时间.

Examples
--------
>>> import datetime as dt
>>> frame = pd.DataFrame({"problem_id": [1], "status": ["整改中"], "township": ["示意镇甲"],
...     "village": ["甲一村"], "source_type": ["排污口"], "zone": ["一级保护区"],
...     "description": ["排污口"], "measure": ["封堵"], "origin": ["属地排查"],
...     "found_by": ["李某"], "found_on": [dt.date(2021, 10, 9)],
...     "deadline": [dt.date(2021, 10, 30)], "progress": [""], "unit": ["示意镇甲"],
...     "person": ["王某"], "rectified_on": [None], "closed_on": [None],
...     "lon": [112.2], "lat": [32.9]})
>>> paths = write_weekly_report(frame, None, dt.date(2021, 10, 15), tmp / "week",
...                             basemap="none")
>>> [p.name for p in paths]
['附件2.xlsx', '附件3.xlsx', '附件4.xlsx', '周报.docx', '周报.html']
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_guard.reports.digest import WeeklyDigest, chinese_date, weekly_digest
from geo_guard.reports.forms import (
    attachment2_workbook,
    attachment3_workbook,
    attachment4_workbook,
    output_folder,
    save_workbook,
)
from geo_guard.reports.weekly import REPORT_TITLE, write_weekly_docx
from geo_guard.reports.weekly_map import write_problems_map

__all__ = ["WEEKLY_FILES", "write_weekly_files", "write_weekly_report"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: The files of a weekly report, in the order they are written.
WEEKLY_FILES: tuple[str, ...] = ("附件2.xlsx", "附件3.xlsx", "附件4.xlsx", "周报.docx",
                                 "周报.html")


def write_weekly_report(problems: pd.DataFrame, events: pd.DataFrame | None, as_of: dt.date,
                        out_dir: PathLike, unit: str | None = None, canal: Any = None,
                        zones: gpd.GeoDataFrame | None = None, *, basemap: str = "osm",
                        tianditu_key: str | None = None) -> list[Path]:
    """Write the week's forms, document and map into a folder.

    Parameters
    ----------
    problems : DataFrame
        ``open_ledger(url).problems(week_end)``: one row per problem (columns of the
        ledger's contract: problem_id, township, village, source_type, zone, description,
        origin, found_on, found_by, measure, deadline, unit, person, progress, status,
        lon/lat or geometry, overdue, due_soon, rectified_on, closed_on).
    events : DataFrame or None
        ``open_ledger(url).events()`` (``at``, ``action`` …); the week's are counted.
    as_of : datetime.date
        Any day; the report covers the week ending the last Thursday on or before it.
    out_dir : str or path-like
        Folder for the files; created when missing (its parent must exist). Files of an
        earlier run are replaced, each atomically.
    unit : str, optional
        Reporting unit (填报单位), written on the forms and the document.
    canal : Canal or GeoDataFrame, optional
        Drawn on both maps.
    zones : GeoDataFrame, optional
        Protection zones (``zone_level``) drawn on both maps.
    basemap : str
        Base map of 周报.html (``"none"`` for no tiles).
    tianditu_key : str, optional
        Key of the Tianditu base maps.

    Returns
    -------
    list of pathlib.Path
        附件2.xlsx, 附件3.xlsx, 附件4.xlsx, 周报.docx, 周报.html.
    """
    digest = weekly_digest(problems, events, as_of, unit=unit)
    return write_weekly_files(digest, out_dir, canal=canal, zones=zones, basemap=basemap,
                              tianditu_key=tianditu_key)


def write_weekly_files(digest: WeeklyDigest, out_dir: PathLike, *, canal: Any = None,
                       zones: gpd.GeoDataFrame | None = None, basemap: str = "osm",
                       tianditu_key: str | None = None) -> list[Path]:
    """Write the files of :func:`write_weekly_report` from a digest already made.

    Returns
    -------
    list of pathlib.Path
        附件2.xlsx, 附件3.xlsx, 附件4.xlsx, 周报.docx, 周报.html.
    """
    folder = output_folder(out_dir)
    week_end, unit = digest.week.end, digest.unit
    forms = {"附件2.xlsx": attachment2_workbook, "附件3.xlsx": attachment3_workbook,
             "附件4.xlsx": attachment4_workbook}
    paths = [save_workbook(build(digest.problems, unit=unit, filled_on=week_end), folder / name)
             for name, build in forms.items()]
    paths.append(write_weekly_docx(digest, folder / "周报.docx", canal=canal, zones=zones))
    title = f"{REPORT_TITLE}（截至{chinese_date(week_end)}）"
    paths.append(write_problems_map(digest.problems, folder / "周报.html", canal=canal,
                                    zones=zones, basemap=basemap, tianditu_key=tianditu_key,
                                    title=title))
    logger.info("weekly report %s: %d problems, %d new, %d overdue", digest.week.label,
                len(digest.problems), len(digest.new), len(digest.overdue))
    return paths
