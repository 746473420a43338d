"""The rectification workflow (发现、交办、整改、销号): statuses, actions and which action
may follow which status.

A problem is registered (登记) as 待交办, assigned (交办) to a unit and person with a
measure and a deadline (已交办), reported on (进展, 整改中), declared rectified (整改完成,
已整改) and, once checked, closed (销号, 已销号). A check that fails sends it back (退回)
to 整改中 with the reason. A repeat finding (重复发现) or a photo (附件) is recorded on any
problem that is not closed, without changing its status.

超期 (overdue): the deadline has passed and the problem is neither 已整改 nor 已销号.
临期 (due soon): not overdue, not rectified or closed, and due within 3 days.

Examples
--------
>>> from geo_guard.ledger.workflow import next_status
>>> next_status("assign", "待交办")
'已交办'
>>> try:
...     next_status("close", "整改中", problem_id=7)
... except ValueError as err:
...     print(err)
problem 7 is 整改中: 销号 (close) needs 已整改; mark it rectified first (geo-guard ledger done)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geo_guard.ledger.errors import TransitionError

__all__ = [
    "ACTIONS",
    "CLOSED",
    "DUE_SOON_DAYS",
    "FINISHED",
    "ORIGINS",
    "PENDING",
    "STATUSES",
    "deadline_flags",
    "next_status",
]

PENDING, ASSIGNED, IN_PROGRESS, RECTIFIED, CLOSED = STATUSES = (
    "待交办", "已交办", "整改中", "已整改", "已销号",
)

#: Statuses for which a deadline no longer runs (neither 超期 nor 临期).
FINISHED: tuple[str, ...] = (RECTIFIED, CLOSED)

#: Where a problem came from (问题来源).
ORIGINS: tuple[str, ...] = ("排查", "督查", "上级交办", "APP推送", "巡查")

#: A deadline this many days ahead (or fewer) is 临期.
DUE_SOON_DAYS = 3

#: Action key (API, CLI verb) -> the word stored in the history and shown to users.
ACTIONS: dict[str, str] = {
    "register": "登记",
    "assign": "交办",
    "progress": "进展",
    "done": "整改完成",
    "close": "销号",
    "reject": "退回",
    "repeat": "重复发现",
    "attach": "附件",
}

_OPEN = (PENDING, ASSIGNED, IN_PROGRESS, RECTIFIED)

#: action -> {status before: status after}; an absent status is an illegal transition.
_TRANSITIONS: dict[str, dict[str, str]] = {
    "assign": {PENDING: ASSIGNED, ASSIGNED: ASSIGNED, IN_PROGRESS: IN_PROGRESS},
    "progress": {ASSIGNED: IN_PROGRESS, IN_PROGRESS: IN_PROGRESS},
    "done": {ASSIGNED: RECTIFIED, IN_PROGRESS: RECTIFIED},
    "close": {RECTIFIED: CLOSED},
    "reject": {RECTIFIED: IN_PROGRESS},
    "repeat": {s: s for s in _OPEN},
    "attach": {s: s for s in _OPEN},
}

#: What to do instead, by the status that blocked the action.
_HINTS: dict[str, str] = {
    PENDING: "assign it first (geo-guard ledger assign)",
    ASSIGNED: "mark it rectified first (geo-guard ledger done)",
    IN_PROGRESS: "mark it rectified first (geo-guard ledger done)",
    RECTIFIED: "it awaits the check: close it (geo-guard ledger close) or send it back "
    "(geo-guard ledger reject)",
    CLOSED: "it is closed (已销号) for good; register a new finding as a new problem",
}


def next_status(action: str, status: str, *, problem_id: int | None = None) -> str:
    """The status after ``action`` on a problem in ``status``.

    Parameters
    ----------
    action : str
        A key of :data:`ACTIONS` other than ``register``.
    status : str
        The problem's current status, one of :data:`STATUSES`.
    problem_id : int, optional
        Named in the error message.

    Returns
    -------
    str
        The new status (the same one for a repeat finding, an attachment or a change of
        assignment).

    Raises
    ------
    TransitionError
        The action is not allowed from this status; the message says what is.

    Examples
    --------
    >>> next_status("reject", "已整改")
    '整改中'
    >>> next_status("repeat", "已交办")
    '已交办'
    """
    if action not in _TRANSITIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {sorted(_TRANSITIONS)}")
    allowed = _TRANSITIONS[action]
    if status in allowed:
        return allowed[status]
    who = f"problem {problem_id}" if problem_id is not None else "the problem"
    needs = "/".join(s for s in STATUSES if s in allowed)
    hint = _HINTS[CLOSED] if status == CLOSED else _HINTS.get(status, "")
    if action == "close" and status != CLOSED:
        hint = _HINTS[ASSIGNED] if status != PENDING else _HINTS[PENDING]
    raise TransitionError(
        f"{who} is {status}: {ACTIONS[action]} ({action}) needs {needs}"
        + (f"; {hint}" if hint else "")
    )


def deadline_flags(
    deadline: pd.Series, status: pd.Series, as_of: dt.date, *, due_days: int = DUE_SOON_DAYS
) -> tuple[np.ndarray, np.ndarray]:
    """超期 (overdue) and 临期 (due soon) for every problem on the day ``as_of``.

    Parameters
    ----------
    deadline : Series
        ``datetime.date`` or NaT/None per problem.
    status : Series
        Status per problem.
    as_of : datetime.date
        The day the report speaks of.
    due_days : int
        A deadline at most this many days after ``as_of`` is due soon.

    Returns
    -------
    overdue, due_soon : ndarray of bool
        Overdue: the deadline is before ``as_of`` and the status is not 已整改/已销号. Due
        soon: not overdue, not 已整改/已销号, and the deadline within ``due_days`` days
        (a deadline of ``as_of`` itself is due soon, not overdue).

    Examples
    --------
    >>> d = pd.Series([dt.date(2021, 10, 20), dt.date(2021, 10, 23), None])
    >>> s = pd.Series(["整改中", "已交办", "待交办"])
    >>> [a.tolist() for a in deadline_flags(d, s, dt.date(2021, 10, 21))]
    [[True, False, False], [False, True, False]]
    """
    days = pd.to_datetime(pd.Series(deadline, dtype=object), errors="coerce")
    left = (days - pd.Timestamp(as_of)).dt.days.to_numpy(dtype=float)
    running = ~pd.Series(status).isin(FINISHED).to_numpy()
    overdue = running & (left < 0)
    due_soon = running & (left >= 0) & (left <= due_days)
    return overdue, due_soon
