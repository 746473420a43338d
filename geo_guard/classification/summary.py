"""Counts of a classification: rows per zone and per source type, and the rows to check.

Examples
--------
>>> from geo_guard import classify
>>> out = classify(pd.DataFrame({"lon": [112.3, 0], "lat": [33.0, 0]}), canal, rules)
>>> summarise(out)["source_type"].to_dict("records")
[{'source_type': '其他', 'rows': 1}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo_guard.io import LAYOUT, as_layout

__all__ = ["row_numbers", "summarise"]


def summarise(result: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Row counts per zone level and per source type, and the rows to look at again.

    Counts take the rows with status ``ok``. ``invalid`` lists every other row (``invalid``
    and ``far``), indexed by its position in ``result``, with ``row``: its row number in
    the file it was read from (as Excel/WPS or a text editor shows it) when
    :func:`~geo_guard.io.read_table` read it, else its 1-based position; ``sheet`` too
    when every sheet of a workbook was read; then ``status`` and ``reason``.

    Examples
    --------
    >>> from geo_guard import classify
    >>> out = classify(pd.DataFrame({"lon": [112.3, 0], "lat": [33.0, 0]}), canal, rules)
    >>> summarise(out)["zone"].columns.tolist()
    ['zone_level', 'zone', 'rows']
    >>> summarise(out)["invalid"].to_dict("records")[0]["row"]
    2
    """
    is_ok = (result["status"] == "ok").to_numpy(dtype=bool)  # compared in Arrow memory
    by_zone = _count_rows(result, ["zone_level", "zone"], is_ok).sort_values(
        ["zone_level", "zone"], ignore_index=True)
    by_type = (_count_rows(result, ["source_type"], is_ok)
               .sort_values("source_type", ignore_index=True)
               .sort_values("rows", ascending=False, ignore_index=True, kind="stable"))
    pairs = _count_rows(result, ["source_type", "zone"], is_ok)
    cross = (pairs.pivot(index="source_type", columns="zone", values="rows")
             .fillna(0).astype(np.int64).sort_index().sort_index(axis=1)
             if len(pairs) else pd.DataFrame())
    positions = np.flatnonzero(~is_ok)
    rows = row_numbers(result)
    status = result["status"].iloc[positions].to_numpy(dtype=object)
    invalid = pd.DataFrame({"row": rows[positions], "status": status,
                            "reason": result["reason"].to_numpy(dtype=object)[positions]},
                           index=positions)
    layout = as_layout(result.attrs.get(LAYOUT))
    if layout is not None and layout.sheet_column in result.columns:
        sheets = result[layout.sheet_column].to_numpy(dtype=object)[positions]
        invalid.insert(0, "sheet", sheets)
    return {"zone": by_zone, "source_type": by_type, "type_by_zone": cross, "invalid": invalid}


def _count_rows(result: pd.DataFrame, columns: list[str], rows: np.ndarray) -> pd.DataFrame:
    """Rows (of the mask ``rows``) per combination of ``columns`` that occurs; rows missing
    a value are not counted. Each column is factorised once over the whole table: no copy
    of a million selected rows, no grouping of text."""
    present = [c for c in columns if c in result.columns]
    if len(present) < len(columns):
        return pd.DataFrame({**{c: [] for c in columns}, "rows": np.zeros(0, dtype=np.int64)})
    key = np.zeros(len(result), dtype=np.int64)
    counted = rows.copy()
    uniques = []
    for column in columns:
        codes, values = pd.factorize(result[column], use_na_sentinel=True)
        counted &= codes >= 0
        key = key * max(len(values), 1) + codes
        uniques.append(values)
    sizes = [max(len(values), 1) for values in uniques]
    counts = np.bincount(key[counted], minlength=int(np.prod(sizes)))
    found = np.flatnonzero(counts)
    parts = np.unravel_index(found, sizes)
    frame = {column: values.take(part) if len(values) else values
             for column, values, part in zip(columns, uniques, parts, strict=True)}
    return pd.DataFrame({**frame, "rows": counts[found].astype(np.int64)})


def row_numbers(result: pd.DataFrame) -> np.ndarray:
    """Each row's number in the file it was read from, else its 1-based position.

    Examples
    --------
    >>> row_numbers(pd.DataFrame({"a": [1, 2]})).tolist()
    [1, 2]
    """
    layout = as_layout(result.attrs.get(LAYOUT))
    if layout is not None and len(layout.rows) == len(result):
        return np.asarray(layout.rows, dtype=np.int64)
    return np.arange(1, len(result) + 1, dtype=np.int64)
