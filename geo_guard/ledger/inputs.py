"""What callers hand the ledger, checked before anything is written: texts, dates,
problem numbers, attachments and findings. A mistake is an :class:`OptionError` (or
:class:`InputFileError`) that says what to give instead.

Examples
--------
>>> from geo_guard.ledger.inputs import problem_ids, day_value
>>> problem_ids(["3", 1, 3])
[3, 1]
>>> day_value("2021-11-30", "--deadline")
datetime.date(2021, 11, 30)
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo_guard._errors import InputFileError, OptionError, name_list
from geo_guard.ledger.history import as_date
from geo_guard.ledger.schema import PROBLEM_FIELDS
from geo_guard.ledger.workflow import ORIGINS

__all__ = ["FINDING_FIELDS", "day_value", "finding_rows", "login_name", "now",
           "problem_ids", "read_attachment", "text_value"]

#: Fields a finding may bring when it is registered (status and progress are the ledger's).
FINDING_FIELDS: tuple[str, ...] = tuple(f for f in PROBLEM_FIELDS
                                        if f not in ("status", "progress"))


def now() -> dt.datetime:
    """The local time to the second: when an action is recorded unless told otherwise."""
    return dt.datetime.now().replace(microsecond=0)


def login_name() -> str:
    """Who acts, unless told: the login name ("" when the system has none)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return ""


def text_value(value: Any, what: str, *, required: bool = True) -> str | None:
    """Text as typed, trimmed; None (or an error when ``required``) for nothing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        if required:
            raise OptionError(f"{what} is empty; say it in words (it goes into the history)")
        return None
    return str(value).strip()


def day_value(value: Any, what: str) -> dt.date:
    """A date from a date or ISO text, or an error naming ``what``."""
    try:
        day = as_date(value)
    except ValueError:
        day = None
    if day is None:
        raise OptionError(f"{what} {value!r} is not a date; write it as 2021-11-30")
    return day


def problem_ids(ids: Iterable[Any]) -> list[int]:
    """Problem numbers, each once, in the order given."""
    out: list[int] = []
    for value in ids:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise OptionError(f"problem number {value!r} is not a whole number") from None
        if number < 1:
            raise OptionError(f"problem number {number}: numbers start at 1")
        if number not in out:
            out.append(number)
    if not out:
        raise OptionError("no problem number given; pass --id N (or N,M,…)")
    return out


def read_attachment(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a file to attach."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: attachment not found; check the path")
    return p.read_bytes()


def finding_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings checked and completed: lon/lat valid, origin known, dates as dates.

    Returns a copy indexed 0..n-1 with every field of :data:`FINDING_FIELDS` (missing
    ones None, ``origin`` 排查 and ``found_on`` today by default).
    """
    missing = [c for c in ("lon", "lat") if c not in findings.columns]
    if missing:
        raise OptionError(f"findings need WGS84 lon and lat columns (missing: "
                          f"{', '.join(missing)}); classify them first")
    rows = pd.DataFrame(findings).reset_index(drop=True).copy()
    lon = pd.to_numeric(rows["lon"], errors="coerce")
    lat = pd.to_numeric(rows["lat"], errors="coerce")
    bad = ~(lon.between(-180, 180) & lat.between(-90, 90))
    if bad.any():
        raise OptionError(f"{int(bad.sum())} finding(s) without valid WGS84 lon/lat (rows "
                          f"{name_list((np.flatnonzero(bad) + 1).tolist(), 10)}); leave out "
                          "invalid rows")
    rows["lon"], rows["lat"] = lon.astype(float), lat.astype(float)
    for column in FINDING_FIELDS:
        if column not in rows:
            rows[column] = None
    rows["origin"] = rows["origin"].where(rows["origin"].notna(), ORIGINS[0])
    unknown = sorted(set(rows["origin"]) - set(ORIGINS))
    if unknown:
        raise OptionError(f"unknown origin (问题来源) {name_list(unknown)}; use one of "
                          f"{', '.join(ORIGINS)}")
    today = dt.date.today()
    rows["found_on"] = [day_value(v, "found_on (发现日期)") if v is not None and not pd.isna(v)
                        else today for v in rows["found_on"]]
    rows["deadline"] = [day_value(v, "deadline (整改时限)") if v is not None and not pd.isna(v)
                        else None for v in rows["deadline"]]
    rows["source_type"] = rows["source_type"].where(rows["source_type"].notna(), None)
    return rows
