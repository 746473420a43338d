"""Zone levels read from a zones file: numbers or names, under any of the usual headers.

One reader for every command that takes zone polygons (the official delineation, a
``geo-guard zones`` output, a drawing from another GIS): a ``zone_level`` column of
numbers, or a column such as 级别/保护区/分区 holding 0-3 or names like 一级, 一级保护区,
准保护区, 管理范围.

Examples
--------
>>> from geo_guard.vocabulary.zone_levels import zone_levels
>>> zone_levels(pd.DataFrame({"级别": ["一级", "二级保护区", "3", "管理范围"]})).tolist()
[1, 2, 3, 0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo_guard._errors import InputFileError
from geo_guard.settings import FIRST_LEVEL, MANAGEMENT_LEVEL, QUASI_LEVEL, SECOND_LEVEL, ZONE_NAMES
from geo_guard.vocabulary.columns import find_column

__all__ = ["LEVEL_COLUMNS", "zone_levels"]

#: Headers a zones file gives its level under, most specific first.
LEVEL_COLUMNS: tuple[str, ...] = ("zone_level", "级别", "保护区级别", "zone", "保护区", "分区")

_LEVEL_NAMES: dict[str, int] = {
    **{name: level for level, name in ZONE_NAMES.items()},
    "一级": FIRST_LEVEL, "一级区": FIRST_LEVEL, "first": FIRST_LEVEL,
    "二级": SECOND_LEVEL, "二级区": SECOND_LEVEL, "second": SECOND_LEVEL,
    "准": QUASI_LEVEL, "准保护": QUASI_LEVEL, "准保护区域": QUASI_LEVEL, "quasi": QUASI_LEVEL,
    "管理": MANAGEMENT_LEVEL, "管理区": MANAGEMENT_LEVEL, "management": MANAGEMENT_LEVEL,
}
_KNOWN = (MANAGEMENT_LEVEL, FIRST_LEVEL, SECOND_LEVEL, QUASI_LEVEL)


def _level(value: object) -> float:
    text = str(value).strip()
    if text in _LEVEL_NAMES:
        return float(_LEVEL_NAMES[text])
    try:
        number = float(text)
    except ValueError:
        return np.nan
    return number if number in _KNOWN else np.nan


def zone_levels(zones: pd.DataFrame) -> np.ndarray:
    """The level (0 管理范围 … 3 准保护区) of every feature of a zones frame.

    Parameters
    ----------
    zones : DataFrame
        With one of :data:`LEVEL_COLUMNS`, holding numbers or names.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    InputFileError
        No level column, or a feature whose level is not known (the message names the
        rows and the accepted values).
    """
    column = find_column(zones.columns, LEVEL_COLUMNS)
    if column is None:
        raise InputFileError(
            "the zones file needs a zone_level column (0 管理范围, 1 一级, 2 二级, 3 准保护区) "
            "or a 级别/保护区 column with those names; build zones with geo-guard zones"
        )
    levels = pd.Series(zones[column]).map(_level)
    if levels.isna().any():
        rows = np.flatnonzero(levels.isna().to_numpy())[:5].tolist()
        raise InputFileError(
            f"the zones file has {int(levels.isna().sum())} feature(s) without a known zone "
            f"level in column '{column}' (rows {rows}); use 0, 1, 2, 3 or "
            "管理范围/一级保护区/二级保护区/准保护区"
        )
    return levels.to_numpy(dtype=np.int64)
