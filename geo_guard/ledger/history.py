"""The history (events) as the source of truth: a problem's row is the fold of its events.

Every event carries the fields it set (``changes``, JSON) and the status it left the
problem in (``to_status``); applying a problem's events in order rebuilds its row. The
ledger writes both in the same transaction, and :func:`rebuild_problems` lets anyone check
(or restore) the ``problems`` table from the append-only history.

Examples
--------
>>> import json
>>> events = pd.DataFrame({
...     "event_id": [1, 2], "problem_id": [5, 5], "to_status": ["待交办", "已交办"],
...     "changes": [json.dumps({"village": "示意村", "found_on": "2021-09-20"}),
...                 json.dumps({"unit": "社会事业局", "deadline": "2021-11-30"})]})
>>> row = rebuild_problems(events).iloc[0]
>>> int(row["problem_id"]), row["status"], row["unit"], row["deadline"]
(5, '已交办', '社会事业局', datetime.date(2021, 11, 30))
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from geo_guard.ledger.schema import PROBLEM_FIELDS

__all__ = ["DATE_FIELDS", "as_date", "compare_problems", "json_value", "normalise_problems",
           "rebuild_problems"]

DATE_FIELDS: tuple[str, ...] = ("found_on", "deadline")
_FLOAT_FIELDS = ("chainage_m", "distance_m", "lon", "lat")
_INT_FIELDS = ("zone_level",)


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, Timestamp or ISO text; None for missing.

    Examples
    --------
    >>> as_date("2021-11-30"), as_date(None)
    (datetime.date(2021, 11, 30), None)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def json_value(value: Any) -> Any:
    """A field value as JSON holds it: dates as ISO text, numpy scalars as Python, NaN as null.

    Examples
    --------
    >>> json_value(np.int64(2)), json_value(dt.date(2021, 9, 20)), json_value(float("nan"))
    (2, '2021-09-20', None)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) else \
            value.isoformat(timespec="seconds")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def normalise_problems(frame: pd.DataFrame) -> pd.DataFrame:
    """The problem fields with one type each, whichever database they came from.

    Dates become ``datetime.date`` (missing: ``NaT``), ``zone_level`` nullable ``Int64``,
    measures ``float``, text ``object`` with ``None`` for missing. Rows sorted by
    ``problem_id``; a copy.
    """
    out = frame.copy()
    for column in DATE_FIELDS:
        if column in out:
            out[column] = pd.Series([as_date(v) or pd.NaT for v in out[column]],
                                    index=out.index, dtype=object)
    for column in _FLOAT_FIELDS:
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    for column in _INT_FIELDS:
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    if "problem_id" in out:
        out["problem_id"] = out["problem_id"].astype("int64")
        out = out.sort_values("problem_id", ignore_index=True)
    text = [c for c in out.columns if c in PROBLEM_FIELDS and c not in
            (*DATE_FIELDS, *_FLOAT_FIELDS, *_INT_FIELDS)]
    for column in text:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def rebuild_problems(events: pd.DataFrame) -> pd.DataFrame:
    """Every problem's fields, rebuilt by applying its events in ``event_id`` order.

    Parameters
    ----------
    events : DataFrame
        With ``event_id``, ``problem_id``, ``to_status`` and ``changes`` (JSON text or dict).

    Returns
    -------
    DataFrame
        ``problem_id`` and every field of :data:`~geo_guard.ledger.schema.PROBLEM_FIELDS`,
        one row per problem, normalised with :func:`normalise_problems`.
    """
    state: dict[int, dict[str, Any]] = {}
    ordered = events.sort_values("event_id", kind="stable")
    for pid, status, changes in zip(ordered["problem_id"], ordered["to_status"],
                                    ordered["changes"], strict=True):
        row = state.setdefault(int(pid), {})
        row.update(changes if isinstance(changes, dict) else json.loads(changes or "{}"))
        if isinstance(status, str) and status:
            row["status"] = status
    frame = pd.DataFrame(
        [{"problem_id": pid, **{f: row.get(f) for f in PROBLEM_FIELDS}}
         for pid, row in state.items()],
        columns=["problem_id", *PROBLEM_FIELDS],
    )
    return normalise_problems(frame)


def compare_problems(table: pd.DataFrame, rebuilt: pd.DataFrame) -> pd.DataFrame:
    """Every field where two normalised problem tables differ (None, NaN and NaT alike).

    Returns
    -------
    DataFrame
        ``problem_id``, ``field``, ``table``, ``history``; a problem present on one side
        only is one row with ``field`` ``(row)``.

    Examples
    --------
    >>> a = pd.DataFrame({"problem_id": [1, 2], "unit": ["甲", None]})
    >>> b = pd.DataFrame({"problem_id": [1, 2], "unit": ["甲", "乙"]})
    >>> compare_problems(a, b).values.tolist()
    [[2, 'unit', None, '乙']]
    """
    left, right = table.set_index("problem_id"), rebuilt.set_index("problem_id")
    rows = [{"problem_id": pid, "field": "(row)", "table": "(present)" if pid in left.index
             else "(missing)", "history": "(present)" if pid in right.index else "(missing)"}
            for pid in left.index.symmetric_difference(right.index)]
    both = left.index.intersection(right.index)
    for field in (f for f in PROBLEM_FIELDS if f in left.columns and f in right.columns):
        x = left.loc[both, field].to_numpy(dtype=object)
        y = right.loc[both, field].to_numpy(dtype=object)
        gone_x, gone_y = pd.isna(left.loc[both, field]).to_numpy(), pd.isna(
            right.loc[both, field]).to_numpy()
        same = gone_x & gone_y
        present = ~gone_x & ~gone_y
        if field in _FLOAT_FIELDS:
            same[present] = np.isclose(x[present].astype(float), y[present].astype(float),
                                       rtol=0, atol=1e-12)
        else:
            same[present] = x[present] == y[present]
        for i in np.flatnonzero(~same):
            rows.append({"problem_id": both[i], "field": field,
                         "table": None if gone_x[i] else x[i],
                         "history": None if gone_y[i] else y[i]})
    return pd.DataFrame(rows, columns=["problem_id", "field", "table", "history"])
