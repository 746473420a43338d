"""Where the register stands on a day: counts by status, type, zone and village, and the
lists of overdue (超期) and due-soon (临期) problems, under Chinese headers.

Examples
--------
>>> problems = pd.DataFrame({
...     "problem_id": [1, 2, 3], "status": ["整改中", "已销号", "已交办"],
...     "source_type": ["畜禽养殖", "畜禽养殖", "排污口"], "zone": ["一级保护区"] * 3,
...     "township": ["示意镇甲"] * 3, "village": ["示意村"] * 3,
...     "deadline": [dt.date(2021, 10, 1), dt.date(2021, 10, 1), dt.date(2021, 10, 22)],
...     "overdue": [True, False, False], "due_soon": [False, False, True]})
>>> s = ledger_summary(problems, dt.date(2021, 10, 21))
>>> s["status"]["问题数"].tolist()
[0, 1, 1, 0, 1]
>>> print(s["type"].to_string(index=False))
风险源类型  问题数  未销号  已整改或销号  超期
 畜禽养殖    2    1       1   1
  排污口    1    1       0   0
>>> s["overdue"][["编号", "超期天数"]].values.tolist()
[[1, 20]]
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from geo_guard.ledger.workflow import CLOSED, FINISHED, STATUSES

__all__ = ["LIST_COLUMNS", "ledger_summary"]

#: Columns of the overdue / due-soon lists: problem field -> Chinese header.
LIST_COLUMNS: dict[str, str] = {
    "problem_id": "编号", "township": "乡镇（街道）", "village": "行政村",
    "source_type": "风险源类型", "description": "风险源描述", "unit": "责任单位",
    "person": "责任人", "deadline": "整改时限", "status": "状态",
}


def _counts(problems: pd.DataFrame, by: list[str], labels: list[str]) -> pd.DataFrame:
    frame = problems.assign(
        _open=~problems["status"].eq(CLOSED),
        _done=problems["status"].isin(FINISHED),
        _overdue=problems["overdue"].astype(bool),
    )
    keys = [frame[c].fillna("（未填）").replace("", "（未填）") for c in by]
    grouped = frame.groupby(keys, sort=True).agg(
        问题数=("status", "size"), 未销号=("_open", "sum"), 已整改或销号=("_done", "sum"),
        超期=("_overdue", "sum"))
    grouped.index.names = labels
    counts = ("问题数", "未销号", "已整改或销号", "超期")
    out = grouped.reset_index().astype({c: "int64" for c in counts})
    # most problems first; equal counts by name
    return out.sort_values(["问题数", *labels], ascending=[False, *[True] * len(labels)],
                           ignore_index=True)


def _listing(problems: pd.DataFrame, mask: pd.Series, as_of: dt.date, days: str,
             sign: int) -> pd.DataFrame:
    rows = problems[mask.astype(bool)]
    columns = [c for c in LIST_COLUMNS if c in rows.columns]
    out = rows[columns].rename(columns=LIST_COLUMNS).reset_index(drop=True)
    deadline = pd.to_datetime(pd.Series(rows["deadline"].to_numpy(), dtype=object))
    out[days] = ((pd.Timestamp(as_of) - deadline).dt.days * sign).astype("int64")
    return out.sort_values([days, "编号"], ascending=[sign < 0, True], ignore_index=True)


def ledger_summary(problems: pd.DataFrame, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Counts and lists of :meth:`geo_guard.ledger.Ledger.problems` on the day ``as_of``.

    Parameters
    ----------
    problems : DataFrame
        ``Ledger.problems(as_of)`` (its ``overdue``/``due_soon`` judged on ``as_of``).
    as_of : datetime.date

    Returns
    -------
    dict of DataFrame
        ``status`` (every status, in workflow order, with 问题数), ``type``, ``zone``,
        ``village`` (问题数, 未销号, 已整改或销号, 超期), ``overdue`` (with 超期天数, most
        overdue first) and ``due_soon`` (with 剩余天数, soonest first).
    """
    status = problems["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    return {
        "status": pd.DataFrame({"状态": list(STATUSES), "问题数": status.to_numpy(dtype="int64")}),
        "type": _counts(problems, ["source_type"], ["风险源类型"]),
        "zone": _counts(problems, ["zone"], ["保护区类型"]),
        "village": _counts(problems, ["township", "village"], ["乡镇（街道）", "行政村"]),
        "overdue": _listing(problems, problems["overdue"], as_of, "超期天数", 1),
        "due_soon": _listing(problems, problems["due_soon"], as_of, "剩余天数", -1),
    }
