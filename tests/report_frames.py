"""A hand-made ledger, as ``open_ledger(url).problems()`` / ``.events()`` return it.

Ten problems along the sample canal, with every date placed around the report week of
Thursday 2021-10-14 (the week is Friday 2021-10-08 to Thursday 2021-10-14), so that the
expected selections can be counted by hand from the table below:

==  ========  ======  ============  ====  =========  ========  ======  =========  =========
id  township  village type          zone  found_on   deadline  status  rectified  closed
==  ========  ======  ============  ====  =========  ========  ======  =========  =========
1   示意镇甲  甲一村  畜禽养殖      二级  09-20      10-10     整改中                         (a)
2   示意镇甲  甲一村  排污口        一级  10-08 new  10-31     已交办
3   示意镇甲  甲二村  工业企业      二级  10-14 new  10-16     待交办                         (b)
4   示意镇乙  乙一村  旅游餐饮      二级  10-07      10-20     已整改  10-12 wk              (c)
5   示意镇乙  乙一村  垃圾填埋场    准    09-01      09-30     已销号  09-28      10-14 wk
6   示意镇乙  乙二村  排污口        一级  09-01      09-30     已销号  09-25      10-07
7   示意镇乙  乙二村  畜禽养殖      二级  10-15: after the week, not in the report
8   示意镇甲  甲一村  固体废物堆存  一级  10-01      10-13     整改中                         (a)(c)
9   -         -       经营场所      -     10-09 new  -         待交办                         (d)
10  示意镇甲  甲二村  居民生活污染  二级  09-15      10-08     已整改  10-08 wk
==  ========  ======  ============  ====  =========  ========  ======  =========  =========

(a) overdue, (b) due soon, (c) found by department supervision (部门督查/部门督察),
(d) no location; "new"/"wk": the date falls in the week.

Hostile text: problem 2's description is an HTML payload; problem 8's description is a
spreadsheet formula, its measure the HTML payload, its person a template expression.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard.canal.model import Canal

from .conftest import SAMPLE

AS_OF = dt.date(2021, 10, 14)
HOSTILE_FORMULA = "=cmd|' /C calc'!A0"
HOSTILE_SCRIPT = '<img src=x onerror="window.__pwned=1;alert(1)">'
HOSTILE_TEMPLATE = "{{7*7}}"


def d(text: str) -> dt.date:
    """A day of 2021 written MM-DD."""
    return dt.date.fromisoformat(f"2021-{text}")

ROWS = [
    # id, township, village, type, level, found_on, deadline, status, rectified, closed, origin
    (1, "示意镇甲", "甲一村", "畜禽养殖", 2, "09-20", "10-10", "整改中", None, None, "排查"),
    (2, "示意镇甲", "甲一村", "排污口", 1, "10-08", "10-31", "已交办", None, None, "APP推送"),
    (3, "示意镇甲", "甲二村", "工业企业", 2, "10-14", "10-16", "待交办", None, None, "排查"),
    (4, "示意镇乙", "乙一村", "旅游餐饮", 2, "10-07", "10-20", "已整改", "10-12", None, "督查"),
    (5, "示意镇乙", "乙一村", "垃圾填埋场", 3, "09-01", "09-30", "已销号", "09-28", "10-14",
     "上级交办"),
    (6, "示意镇乙", "乙二村", "排污口", 1, "09-01", "09-30", "已销号", "09-25", "10-07",
     "历史遗留"),
    (7, "示意镇乙", "乙二村", "畜禽养殖", 2, "10-15", "10-25", "待交办", None, None, "排查"),
    (8, "示意镇甲", "甲一村", "固体废物堆存", 1, "10-01", "10-13", "整改中", None, None,
     "部门督察"),
    (9, None, None, "经营场所", None, "10-09", None, "待交办", None, None, "排查"),
    (10, "示意镇甲", "甲二村", "居民生活污染", 2, "09-15", "10-08", "已整改", "10-08", None,
     "排查"),
]
ZONE = {1: "一级保护区", 2: "二级保护区", 3: "准保护区"}
#: The ledger's own flags as of 2021-10-14 (open and past the deadline; due within 3 days).
OVERDUE = {1, 8}
DUE_SOON = {3}


def ledger_problems() -> gpd.GeoDataFrame:
    """The problems frame of the table above (EPSG:4326 points, the ledger's columns)."""
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    chainages = 96_000.0 + 1_500.0 * np.arange(len(ROWS))
    on_line = canal.point_at(chainages)
    # 120 m off the centreline (north) in the canal's metric CRS.
    points = shapely.points(shapely.get_x(on_line), shapely.get_y(on_line) + 120.0)
    geoms = gpd.GeoSeries(points, crs=canal.metric_crs).to_crs("EPSG:4326")
    records = []
    for row in ROWS:
        pid, town, village, kind, level, found, deadline, status, rect, closed, origin = row
        records.append({
            "problem_id": pid, "township": town, "village": village, "source_type": kind,
            "zone": ZONE.get(level), "zone_level": level,
            "stake": canal.stake(chainages[pid - 1]), "bank": "左岸", "distance_m": 120.0,
            "description": f"{village or ''}{kind}问题{pid}", "origin": origin,
            "found_on": d(found), "found_by": f"排查员{pid}", "measure": f"整改措施{pid}",
            "deadline": d(deadline) if deadline else pd.NaT, "unit": town or "示意区生态环境局",
            "person": f"责任人{pid}", "progress": "", "status": status,
            "rectified_on": d(rect) if rect else pd.NaT,
            "closed_on": d(closed) if closed else pd.NaT,
            "overdue": pid in OVERDUE, "due_soon": pid in DUE_SOON,
        })
    frame = gpd.GeoDataFrame(records, geometry=list(geoms.values), crs="EPSG:4326")
    frame["zone_level"] = frame["zone_level"].astype("Int64")
    frame.loc[frame["problem_id"] == 8, "description"] = HOSTILE_FORMULA
    frame.loc[frame["problem_id"] == 8, "measure"] = HOSTILE_SCRIPT
    frame.loc[frame["problem_id"] == 8, "person"] = HOSTILE_TEMPLATE
    frame.loc[frame["problem_id"] == 2, "description"] = HOSTILE_SCRIPT
    frame.loc[frame["problem_id"] == 1, "progress"] = "已清理粪污50%"
    frame.loc[frame["problem_id"] == 9, "geometry"] = None  # no location
    frame["lon"] = frame.geometry.x
    frame["lat"] = frame.geometry.y
    return frame


def ledger_events() -> pd.DataFrame:
    """Events around the week: four inside it (交办 ×2, 整改完成, 销号), two outside."""
    rows = [
        (1, 4, "2021-10-07 18:00", "退回"),      # the day before the week
        (2, 2, "2021-10-08 00:00", "交办"),      # first minute of the week
        (3, 1, "2021-10-11 09:30", "交办"),
        (4, 4, "2021-10-12 16:00", "整改完成"),
        (5, 5, "2021-10-14 23:59", "销号"),      # last minute of the week
        (6, 7, "2021-10-15 08:00", "登记"),      # the day after
    ]
    return pd.DataFrame({
        "event_id": [r[0] for r in rows], "problem_id": [r[1] for r in rows],
        "at": pd.to_datetime([r[2] for r in rows]), "action": [r[3] for r in rows],
        "from_status": None, "to_status": None, "by": "测试", "note": "", "attachment": None,
    })
