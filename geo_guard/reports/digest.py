"""The week a report covers and what happened in it, from the ledger's plain frames.

Reports are due every Thursday before noon (seed, 四(三)3 定期上报), so a report week ends on
a Thursday: :func:`report_week` takes the **last Thursday on or before** ``as_of`` as the
week's end and the seven days up to it, Friday to Thursday, as the week. Run on a
Thursday, the report covers the week ending that day; run on a Wednesday, it covers the
week that ended the Thursday before.

:func:`weekly_digest` turns the ledger's problems and events into what the weekly report
shows: the problems found, rectified and closed in the week, those overdue or due soon at
its end, and counts by status, risk-source type, zone and village. It takes plain frames
(the columns of ``geo_guard.ledger``'s ``problems()`` and ``events()``), never a database.

Examples
--------
>>> import datetime as dt
>>> report_week(dt.date(2021, 10, 14))   # a Thursday: the week ending that day
ReportWeek(start=datetime.date(2021, 10, 8), end=datetime.date(2021, 10, 14))
>>> report_week(dt.date(2021, 10, 13))   # a Wednesday: the week ending the Thursday before
ReportWeek(start=datetime.date(2021, 10, 1), end=datetime.date(2021, 10, 7))
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard._errors import OptionError, name_list
from geo_guard.settings import ZONE_NAMES

__all__ = [
    "CLOSED",
    "DONE_STATUSES",
    "STATUSES",
    "STATUS_COLOURS",
    "ReportWeek",
    "WeeklyDigest",
    "check_problems",
    "count_table",
    "place_names",
    "plain_text",
    "problem_points",
    "report_week",
    "weekly_digest",
]

logger = logging.getLogger(__name__)

#: The ledger's workflow, in order (发现 → 交办 → 整改中 → 已整改 → 销号).
STATUSES: tuple[str, ...] = ("待交办", "已交办", "整改中", "已整改", "已销号")
CLOSED = "已销号"
#: Statuses that are no longer waiting for work: never overdue.
DONE_STATUSES: frozenset[str] = frozenset({"已整改", CLOSED})
#: Colour per status in the chart and both maps: red = nobody acts yet, grey = closed.
STATUS_COLOURS: dict[str, str] = {
    "待交办": "#d7191c",
    "已交办": "#f28e2b",
    "整改中": "#2c7bb6",
    "已整改": "#1a9641",
    "已销号": "#8c8c8c",
}
OTHER_STATUS_COLOUR = "#7b3294"
#: Days before a deadline that make an open problem "due soon" (临期), when the frame
#: carries no ``due_soon`` column of its own.
DUE_SOON_DAYS = 3
#: Shown for a category left empty in the ledger.
UNFILLED = "（未填）"

DATE_COLUMNS: tuple[str, ...] = ("found_on", "deadline", "rectified_on", "closed_on")
#: Columns the weekly digest cannot do without.
DIGEST_COLUMNS: tuple[str, ...] = ("problem_id", "status", *DATE_COLUMNS)


@dataclass(frozen=True)
class ReportWeek:
    """Seven days, Friday to Thursday, both included.

    Attributes
    ----------
    start : datetime.date
        The Friday that opens the week.
    end : datetime.date
        The Thursday that closes it: the report's "as of" date.
    """

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        """The week in Chinese, e.g. ``2021年10月8日—2021年10月14日``."""
        return f"{chinese_date(self.start)}—{chinese_date(self.end)}"


def chinese_date(day: dt.date) -> str:
    """``2021年10月14日``.

    Examples
    --------
    >>> import datetime as dt
    >>> chinese_date(dt.date(2021, 10, 4))
    '2021年10月4日'
    """
    return f"{day.year}年{day.month}月{day.day}日"


def report_week(as_of: dt.date | None = None) -> ReportWeek:
    """The report week of ``as_of``: it ends on the last Thursday on or before it.

    Parameters
    ----------
    as_of : datetime.date, optional
        Any day (a ``datetime`` counts by its date); default today.

    Returns
    -------
    ReportWeek
        ``end`` is a Thursday, ``start`` the Friday six days before it.

    Examples
    --------
    >>> import datetime as dt
    >>> week = report_week(dt.date(2021, 10, 15))   # Friday: last week's report
    >>> week.start, week.end, week.label
    (datetime.date(2021, 10, 8), datetime.date(2021, 10, 14), '2021年10月8日—2021年10月14日')
    """
    try:
        day = _as_date(as_of) if as_of is not None else dt.date.today()
    except ValueError:
        day = None
    if day is None:
        raise OptionError(f"as_of {as_of!r} is not a date; give one like 2021-10-14")
    end = day - dt.timedelta(days=(day.weekday() - 3) % 7)  # Monday is 0, Thursday 3
    return ReportWeek(start=end - dt.timedelta(days=6), end=end)


# --------------------------------------------------------------------------- frames


def _as_date(value: object) -> dt.date | None:
    """A date from a date, datetime, Timestamp or ISO text; None for empty values."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return pd.Timestamp(value.strip()).date()
        except ValueError:
            raise ValueError(value) from None
    raise ValueError(value)


def _date_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as Python dates (None where empty); unreadable dates are an OptionError."""
    out, bad = [], []
    for problem_id, value in zip(frame["problem_id"], frame[column], strict=True):
        try:
            out.append(_as_date(value))
        except ValueError:
            out.append(None)
            bad.append(f"{problem_id}: {value!r}")
    if bad:
        raise OptionError(
            f"column {column} has values that are not dates ({name_list(bad, 5)}); "
            "write dates as 2021-10-14"
        )
    return pd.Series(out, index=frame.index, dtype=object)


def check_problems(problems: pd.DataFrame, columns: Iterable[str] = DIGEST_COLUMNS
                   ) -> pd.DataFrame:
    """The ledger's problems, checked and with dates as :class:`datetime.date` (or None).

    Parameters
    ----------
    problems : DataFrame
        Output of ``open_ledger(url).problems()`` or any frame with its columns.
    columns : iterable of str
        Columns that must be present.

    Returns
    -------
    DataFrame
        A copy; ``found_on``, ``deadline``, ``rectified_on`` and ``closed_on`` (those
        present) hold dates or None.

    Raises
    ------
    OptionError
        A column is missing or a date cannot be read.

    Examples
    --------
    >>> frame = pd.DataFrame({"problem_id": [1], "status": ["整改中"],
    ...                       "found_on": ["2021-10-09"], "deadline": [pd.NaT],
    ...                       "rectified_on": [None], "closed_on": [None]})
    >>> check_problems(frame)["found_on"].iloc[0]
    datetime.date(2021, 10, 9)
    """
    if not isinstance(problems, pd.DataFrame):
        raise OptionError(f"problems: expected a DataFrame, got {type(problems).__name__}")
    missing = [c for c in columns if c not in problems.columns]
    if "problem_id" not in problems.columns and "problem_id" not in missing:
        missing.insert(0, "problem_id")
    if missing:
        raise OptionError(
            f"the problems table lacks column(s) {name_list(missing)}; pass the frame of "
            "open_ledger(url).problems() (columns problem_id, township, village, status …)"
        )
    frame = problems.copy()
    for column in DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = _date_column(frame, column)
    return frame


def problem_points(problems: pd.DataFrame) -> gpd.GeoDataFrame:
    """The problems that have a location, as WGS84 points (from geometry, else lon/lat).

    Examples
    --------
    >>> frame = pd.DataFrame({"problem_id": [1, 2], "lon": [112.5, None], "lat": [33.0, None]})
    >>> problem_points(frame)["problem_id"].tolist()
    [1]
    """
    if isinstance(problems, gpd.GeoDataFrame) and problems.geometry.name in problems.columns:
        if problems.crs is None:
            raise OptionError("the problems frame has no CRS; set it (the ledger's is EPSG:4326)")
        points = problems.to_crs("EPSG:4326")
    elif {"lon", "lat"} <= set(problems.columns):
        lon = pd.to_numeric(problems["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(problems["lat"], errors="coerce").to_numpy(dtype=float)
        geoms = shapely.points(lon, lat)
        geoms[~(np.isfinite(lon) & np.isfinite(lat))] = None
        points = gpd.GeoDataFrame(problems, geometry=geoms, crs="EPSG:4326")
    else:
        raise OptionError("the problems frame has neither a geometry nor lon/lat columns")
    values = points.geometry.values
    keep = ~(shapely.is_missing(values) | shapely.is_empty(values))
    return points[keep]


def plain_text(value: object) -> str:
    """A cell's text: empty for missing values, stripped otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value).strip()


def zone_names(frame: pd.DataFrame) -> pd.Series:
    """Each problem's zone in words: ``zone``, else the name of ``zone_level``."""
    zone = frame["zone"].map(plain_text) if "zone" in frame.columns else pd.Series(
        "", index=frame.index)
    if "zone_level" in frame.columns:
        levels = pd.to_numeric(frame["zone_level"], errors="coerce")
        named = levels.map(lambda v: ZONE_NAMES.get(int(v), "") if pd.notna(v) else "")
        zone = zone.where(zone != "", named)
    return zone


def place_names(frame: pd.DataFrame) -> pd.Series:
    """Each problem's place: township and village, e.g. ``示意镇甲 甲一村``.

    Examples
    --------
    >>> place_names(pd.DataFrame({"township": ["示意镇甲", None], "village": ["甲一村", "乙村"]})
    ...             ).tolist()
    ['示意镇甲 甲一村', '乙村']
    """
    parts = [frame[c].map(plain_text) if c in frame.columns
             else pd.Series("", index=frame.index) for c in ("township", "village")]
    return (parts[0] + " " + parts[1]).str.strip()


def _flags(frame: pd.DataFrame, end: dt.date) -> tuple[pd.Series, pd.Series]:
    """Overdue and due-soon flags: the ledger's own when given, else from deadline/status."""
    open_ = ~frame["status"].isin(DONE_STATUSES)
    deadline = frame["deadline"]
    # .astype(bool): an empty map() is of object dtype, which pandas reads as column names
    has = deadline.map(lambda d: d is not None).astype(bool)
    if "overdue" in frame.columns:
        overdue = frame["overdue"].fillna(False).astype(bool)
    else:
        overdue = open_ & has & deadline.map(lambda d: d is not None and d < end).astype(bool)
    if "due_soon" in frame.columns:
        due_soon = frame["due_soon"].fillna(False).astype(bool)
    else:
        soon = end + dt.timedelta(days=DUE_SOON_DAYS)
        due_soon = open_ & has & deadline.map(
            lambda d: d is not None and end <= d <= soon).astype(bool)
    return overdue, due_soon


# --------------------------------------------------------------------------- digest


@dataclass
class WeeklyDigest:
    """What the weekly report shows, computed once for the document, forms and maps.

    Attributes
    ----------
    week : ReportWeek
    problems : DataFrame
        Every problem found on or before the week's end (or with no date), by
        ``problem_id``, with dates as dates and boolean ``overdue``/``due_soon``.
    new, rectified, closed : DataFrame
        Problems found, rectified and closed during the week.
    overdue, due_soon : DataFrame
        Problems overdue (超期) or due within :data:`DUE_SOON_DAYS` days (临期) at its end.
    actions : DataFrame
        Ledger events of the week counted by action (``动作``, ``次数``).
    unit : str or None
        The reporting unit (填报单位).
    """

    week: ReportWeek
    problems: pd.DataFrame
    new: pd.DataFrame
    rectified: pd.DataFrame
    closed: pd.DataFrame
    overdue: pd.DataFrame
    due_soon: pd.DataFrame
    actions: pd.DataFrame
    unit: str | None = None

    @property
    def open(self) -> pd.DataFrame:
        """Problems not closed (未销号), rectified ones awaiting the check included."""
        return self.problems[self.problems["status"] != CLOSED]

    def status_counts(self) -> dict[str, int]:
        """Problems per status, the five statuses first (zeros kept), then any other."""
        counts = self.problems["status"].map(plain_text).value_counts()
        out = {status: int(counts.get(status, 0)) for status in STATUSES}
        out.update({str(s): int(n) for s, n in counts.items() if s not in out})
        return out


def _in_week(frame: pd.DataFrame, column: str, week: ReportWeek) -> pd.Series:
    return frame[column].map(lambda d: d in week).astype(bool)


def _week_actions(events: pd.DataFrame | None, week: ReportWeek) -> pd.DataFrame:
    columns = ["动作", "次数"]
    if events is None or len(events) == 0:
        return pd.DataFrame(columns=columns)
    missing = [c for c in ("at", "action") if c not in events.columns]
    if missing:
        raise OptionError(
            f"the events table lacks column(s) {name_list(missing)}; pass the frame of "
            "open_ledger(url).events()"
        )
    days = []
    for value in events["at"]:
        try:
            days.append(_as_date(value))
        except ValueError:
            raise OptionError(f"events: 'at' value {value!r} is not a date/time") from None
    mask = pd.Series([d in week for d in days], index=events.index)
    actions = events.loc[mask, "action"].map(plain_text).replace("", UNFILLED)
    counts = actions.value_counts(sort=False)
    table = pd.DataFrame({"动作": counts.index.astype(str), "次数": counts.to_numpy()})
    return table.sort_values("次数", ascending=False, kind="stable").reset_index(drop=True)


def weekly_digest(problems: pd.DataFrame, events: pd.DataFrame | None, as_of: dt.date,
                  *, unit: str | None = None) -> WeeklyDigest:
    """Select and count what the week's report shows.

    Parameters
    ----------
    problems : DataFrame
        The ledger's problems (``open_ledger(url).problems(as_of)``), ideally as of the
        week's end. ``overdue``/``due_soon`` are taken as given; when absent they are
        computed at the week's end (open and past the deadline; open and due within
        :data:`DUE_SOON_DAYS` days).
    events : DataFrame or None
        The ledger's events (``at``, ``action`` …); those of the week are counted.
    as_of : datetime.date
        Any day; the report covers :func:`report_week` of it.
    unit : str, optional
        The reporting unit (填报单位).

    Returns
    -------
    WeeklyDigest

    Examples
    --------
    >>> import datetime as dt
    >>> frame = pd.DataFrame({
    ...     "problem_id": [1, 2], "status": ["整改中", "已销号"],
    ...     "found_on": [dt.date(2021, 10, 9), dt.date(2021, 9, 20)],
    ...     "deadline": [dt.date(2021, 10, 12), dt.date(2021, 10, 1)],
    ...     "rectified_on": [None, dt.date(2021, 9, 30)],
    ...     "closed_on": [None, dt.date(2021, 10, 11)]})
    >>> digest = weekly_digest(frame, None, dt.date(2021, 10, 14))
    >>> len(digest.new), len(digest.closed), digest.overdue["problem_id"].tolist()
    (1, 1, [1])
    """
    week = report_week(as_of)
    frame = check_problems(problems)
    # The report is as of the week's end: problems registered later are not in it yet.
    found = frame["found_on"]
    frame = frame.loc[found.map(lambda d: d is None or d <= week.end).astype(bool)]
    frame = frame.sort_values("problem_id", kind="stable")
    frame["status"] = frame["status"].map(plain_text)
    unknown = sorted(set(frame["status"]) - set(STATUSES))
    if unknown:
        logger.warning("statuses not in the ledger's workflow are reported as written: %s",
                       name_list(unknown))
    overdue, due_soon = _flags(frame, week.end)
    frame["overdue"], frame["due_soon"] = overdue, due_soon
    return WeeklyDigest(
        week=week,
        problems=frame,
        new=frame.loc[_in_week(frame, "found_on", week)],
        rectified=frame.loc[_in_week(frame, "rectified_on", week)],
        closed=frame.loc[_in_week(frame, "closed_on", week)],
        overdue=frame[frame["overdue"]],
        due_soon=frame[frame["due_soon"] & ~frame["overdue"]],
        actions=_week_actions(events, week),
        unit=unit,
    )


# --------------------------------------------------------------------------- counts


def count_table(problems: pd.DataFrame, by: pd.Series, label: str,
                order: Sequence[str] | None = None) -> pd.DataFrame:
    """Problems per category: total, per status, overdue; a 合计 row last.

    Parameters
    ----------
    problems : DataFrame
        With ``status`` and boolean ``overdue``.
    by : Series
        The category of each problem (same index); empty ones count as （未填）.
    label : str
        Heading of the category column, e.g. ``风险源类型``.
    order : sequence of str, optional
        Categories first in this order (those present); the rest by count, largest first.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["整改中", "已销号", "整改中"],
    ...                       "overdue": [True, False, False]})
    >>> table = count_table(frame, pd.Series(["排污口", "排污口", ""]), "风险源类型")
    >>> table[["风险源类型", "问题数", "整改中", "超期"]].values.tolist()
    [['排污口', 2, 1, 1], ['（未填）', 1, 1, 0], ['合计', 3, 2, 1]]
    """
    category = pd.Series(by.to_numpy(), index=problems.index).map(plain_text).replace("", UNFILLED)
    statuses = list(STATUSES) + sorted(set(problems["status"]) - set(STATUSES))
    rows = []
    for name, group in problems.groupby(category, sort=False):
        row = {label: str(name), "问题数": len(group)}
        row.update({s: int((group["status"] == s).sum()) for s in statuses})
        row["超期"] = int(group["overdue"].sum())
        rows.append(row)
    table = pd.DataFrame(rows, columns=[label, "问题数", *statuses, "超期"])
    first = [c for c in (order or ()) if c in set(table[label])]
    rank = {name: i for i, name in enumerate(first)}
    table["_first"] = table[label].map(lambda n: rank.get(n, len(rank)))
    table["_unfilled"] = table[label] == UNFILLED
    table = table.sort_values(["_first", "_unfilled", "问题数"], ascending=[True, True, False],
                              kind="stable").drop(columns=["_first", "_unfilled"])
    total = {label: "合计", "问题数": len(problems), "超期": int(problems["overdue"].sum())}
    total.update({s: int((problems["status"] == s).sum()) for s in statuses})
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)
