"""Pick features by their attributes: ``adcode = 411303``, ``name = '卧龙区'``.

A district file holds every district of the city, a township file every township; the
clip or the admin layer is one of them (``--clip-where "adcode = 411303"``). The
condition is a small language that needs no SQL: ``column OP value`` joined by
``and``/``or`` (``且``/``或`` too), where OP is ``=``, ``==``, ``!=``, ``<>``, ``<``,
``<=``, ``>``, ``>=``, ``in (…)``, ``not in (…)`` or ``like`` (``%`` any text, ``_`` one
character). A value is a number, a quoted text (``'卧龙区'``, ``"卧龙区"``) or a bare word;
a column name may be quoted with double quotes or backticks. ``=`` compares numbers as
numbers when both sides are numbers (``adcode = 411303`` matches the number 411303 and
the text ``"411303"``), else as text with spaces trimmed. ``and`` binds before ``or``.

Examples
--------
>>> frame = pd.DataFrame({"adcode": [411302, 411303], "name": ["宛城区", "卧龙区"]})
>>> select_features(frame, "adcode = 411303")["name"].tolist()
['卧龙区']
>>> select_features(frame, "name in ('宛城区', 卧龙区) and adcode > 411302").index.tolist()
[1]
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from geo_guard._errors import OptionError, name_list, one_line

__all__ = ["select_features"]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`)
      | (?P<op><>|!=|==|<=|>=|=|<|>|\(|\)|,)
      | (?P<word>[^\s'"`=<>!(),]+)
    )""",
    re.VERBOSE,
)
_OPERATORS = {"=", "==", "!=", "<>", "<", "<=", ">", ">=", "in", "not in", "like"}
_AND = {"and", "且", "&&"}
_OR = {"or", "或", "||"}


def select_features(frame: pd.DataFrame, where: str | None, option: str = "--where") -> Any:
    """The rows of ``frame`` the condition holds for (a copy; the index is kept).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
    where : str or None
        The condition (module docstring); ``None`` or blank keeps every row.
    option : str
        The option's name, for messages (``--clip-where``).

    Raises
    ------
    OptionError
        The condition cannot be read, names a column the file lacks (the columns are
        listed), or no row matches (some values of the column are listed).
    """
    if where is None or not where.strip():
        return frame
    tokens = _tokens(where, option)
    conditions = _parse(tokens, where, option)
    mask = np.zeros(len(frame), dtype=bool)
    for group in conditions:  # or of ands
        part = np.ones(len(frame), dtype=bool)
        for column, op, value in group:
            part &= _holds(frame, column, op, value, option)
        mask |= part
    if not mask.any():
        column = conditions[0][0][0]
        found = _column(frame, column, option)
        values = pd.Series(frame[found]).drop_duplicates().head(10).map(str).tolist()
        raise OptionError(
            f"{option} {where!r}: no feature matches; some values of {found!r} are: "
            f"{name_list(values, limit=10)}"
        )
    return frame[mask].copy()


# ------------------------------------------------------------------------- parsing
def _tokens(where: str, option: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = where.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise OptionError(f"{option} {where!r}: cannot read it at {text[pos:pos + 20]!r}; "
                              "write it as column = value, e.g. adcode = 411303")
        kind = match.lastgroup or ""
        value = match[kind]
        if kind == "quoted":
            quote = value[0]
            value = value[1:-1].replace(quote * 2, quote) if quote != "`" else value[1:-1]
        out.append((kind, value))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _parse(tokens: list[tuple[str, str]], where: str, option: str) -> list[list[tuple]]:
    """``[[(column, op, value), …and…], …or…]``."""
    def fail(why: str) -> OptionError:
        return OptionError(f"{option} {where!r}: {why}; write it as column = value, e.g. "
                           "adcode = 411303 or name = '卧龙区'")

    groups: list[list[tuple]] = [[]]
    i = 0
    while i < len(tokens):
        if i + 2 > len(tokens):
            raise fail("a condition needs a column, an operator and a value")
        column = tokens[i][1]
        op, i = tokens[i + 1][1].lower(), i + 2
        if op == "not" and i < len(tokens) and tokens[i][1].lower() == "in":
            op, i = "not in", i + 1
        if op not in _OPERATORS:
            raise fail(f"unknown operator {op!r}")
        if op in ("in", "not in"):
            if i >= len(tokens) or tokens[i][1] != "(":
                raise fail(f"{op} needs a list in brackets, e.g. {column} in (1, 2)")
            values, i = [], i + 1
            while i < len(tokens) and tokens[i][1] != ")":
                if tokens[i][1] != ",":
                    values.append(tokens[i][1])
                i += 1
            if i >= len(tokens):
                raise fail("a list is not closed with ')'")
            value: Any = values
            i += 1
        else:
            if i >= len(tokens):
                raise fail(f"no value after {op!r}")
            value, i = tokens[i][1], i + 1
        groups[-1].append((column, op, value))
        if i < len(tokens):
            joiner = tokens[i][1].lower()
            if joiner in _OR:
                groups.append([])
            elif joiner not in _AND:
                raise fail(f"expected and/or, found {tokens[i][1]!r}")
            i += 1
            if i >= len(tokens):
                raise fail(f"nothing after {joiner!r}")
    return groups


# ------------------------------------------------------------------------ matching
def _column(frame: pd.DataFrame, name: str, option: str) -> Any:
    if name in frame.columns:
        return name
    folded = {str(c).strip().lower(): c for c in frame.columns}
    if name.strip().lower() in folded:
        return folded[name.strip().lower()]
    columns = [c for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    raise OptionError(f"{option}: no column {name!r}; the columns are: {name_list(columns)}")


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def _holds(frame: pd.DataFrame, column: str, op: str, value: Any, option: str) -> np.ndarray:
    cells = frame[_column(frame, column, option)]
    text = cells.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                     else one_line(v)).to_numpy(dtype=object)
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
    if op in ("in", "not in"):
        hit = np.zeros(len(cells), dtype=bool)
        for item in value:
            hit |= _equal(text, numbers, item)
        return ~hit if op == "not in" else hit
    if op in ("=", "=="):
        return _equal(text, numbers, value)
    if op in ("!=", "<>"):
        return ~_equal(text, numbers, value)
    if op == "like":
        pattern = re.escape(str(value)).replace("%", ".*").replace("_", ".")
        regex = re.compile(f"^{pattern}$", re.DOTALL)
        return np.array([regex.match(t) is not None for t in text], dtype=bool)
    target = _number(value)
    if target is None:
        raise OptionError(f"{option}: {op} needs a number, not {value!r}")
    with np.errstate(invalid="ignore"):
        return {"<": numbers < target, "<=": numbers <= target, ">": numbers > target,
                ">=": numbers >= target}[op] & np.isfinite(numbers)


def _equal(text: np.ndarray, numbers: np.ndarray, value: object) -> np.ndarray:
    target = _number(value)
    same_text = text == str(value).strip()
    if target is None:
        return same_text
    return same_text | (np.isfinite(numbers) & (numbers == target))
