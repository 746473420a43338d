"""Coordinates typed by hand the common ways, read as whole columns.

A form filled in by hand gives ``112°31′45.6″``, ``东经112度31分45.6秒``, ``112°31'45"`` or
full-width digits (``１１２．５``, typed with the input method in full-width mode) in every
row. The cell-at-a-time parser (:mod:`geo_guard.io.coord_values`) reads every spelling
people use, at about 20 µs a cell: a million such rows took 22 s. The common spellings
are matched here with RE2 over the Arrow column and computed with numpy, giving what that
parser gives (the same float operations in the same order); anything else (other marks,
spaces, lower-case letters, a decimal before a further part, minutes or seconds of 60 or
more) is left to it.

Examples
--------
>>> import pyarrow as pa
>>> text = pa.array(["112°31′45.6″", "北纬33度2分3秒", "112 31 45", "112°31'45\\"W", "１１２．５"])
>>> typed = read_typed(text)
>>> typed.matched.tolist(), typed.value[:2].round(6).tolist(), typed.hemi.tolist()
([True, True, False, True, True], [112.529333, 33.034167], [0, 2, 0, 1, 0])
>>> float(typed.value[4]), typed.plain.tolist()
(112.5, [False, False, False, False, True])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

__all__ = ["TypedColumn", "read_typed"]

# Hemisphere words and letters as coord_values reads them: (kind, sign); kind 1 is a
# longitude mark, 2 a latitude mark.
_PREFIXES = {"东经": (1, 1.0), "西经": (1, -1.0), "北纬": (2, 1.0), "南纬": (2, -1.0),
             "E": (1, 1.0), "W": (1, -1.0), "N": (2, 1.0), "S": (2, -1.0)}
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"  # "45." is left to the parser
_DMS = (
    r"^(?P<before>东经|西经|北纬|南纬|[NSEW])?"
    rf"(?P<deg>[0-9]+)(?:°|度)"
    rf"(?P<min>{_NUMBER})(?:′|'|分)"
    rf"(?:(?P<sec>{_NUMBER})(?:″|\"|秒))?"
    r"(?P<after>[NSEW])?$"
)


# A bare number, as coord_values' numeric fast path takes it.
_PLAIN_NUMBER_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


class TypedColumn(NamedTuple):
    """Which cells were read, their value (signed degrees, or a bare number), their
    hemisphere kind (0 none, 1 longitude mark, 2 latitude mark) and whether the cell was a
    bare number (the only form projected metres may take)."""

    matched: NDArray[np.bool_]
    value: NDArray[np.float64]
    hemi: NDArray[np.int8]
    plain: NDArray[np.bool_]


def read_typed(text: pa.Array) -> TypedColumn:
    """DMS cells (:func:`read_dms`), then bare numbers in full-width digits.

    Parameters
    ----------
    text : pyarrow string array

    Returns
    -------
    TypedColumn
        ``value``, ``hemi`` and ``plain`` are only meaningful where ``matched``.
    """
    matched, value, hemi = read_dms(text)
    plain = np.zeros(len(text), dtype=bool)
    rest = np.flatnonzero(~matched)
    if len(rest):
        # NFKC, as the parser normalises: full-width digits, point and signs become ASCII.
        folded = pc.utf8_normalize(text.take(pa.array(rest)), "NFKC")
        number = pc.fill_null(pc.match_substring_regex(folded, _PLAIN_NUMBER_RE), False)
        cast = pc.cast(pc.if_else(number, folded, pa.scalar(None, folded.type)), pa.float64())
        numbers = np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64)
        read = np.isfinite(numbers)  # an overflow (1e999) is the parser's to refuse
        value[rest[read]] = numbers[read]
        matched[rest[read]] = True
        plain[rest[read]] = True
    return TypedColumn(matched, value, hemi, plain)


def read_dms(text: pa.Array) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int8]]:
    """The cells of ``text`` spelt ``D°M′S″`` or ``D°M′`` (marks °/度, ′/'/分, ″/"/秒),
    with at most one hemisphere word or letter before or one letter after.

    Parameters
    ----------
    text : pyarrow string array

    Returns
    -------
    matched, value, hemi : ndarray
        ``value`` and ``hemi`` are only meaningful where ``matched``.
    """
    n = len(text)
    parts = pc.extract_regex(text, _DMS)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    value = np.full(n, np.nan)
    hemi = np.zeros(n, dtype=np.int8)
    rows = np.flatnonzero(matched)
    if len(rows) == 0:
        return matched, value, hemi
    found = parts.take(pa.array(rows))

    def field(name: str) -> pa.Array:
        return pc.struct_field(found, name)

    minutes_text = field("min")
    seconds_text = field("sec")
    has_seconds = np.asarray(pc.not_equal(seconds_text, "").to_numpy(zero_copy_only=False))
    # A decimal before a further part ("112°30.5′10″") means nothing: left to the parser.
    decimal_minutes = np.asarray(pc.match_substring(minutes_text, ".").to_numpy(
        zero_copy_only=False))
    before = np.asarray(field("before").to_numpy(zero_copy_only=False), dtype=object)
    after = np.asarray(field("after").to_numpy(zero_copy_only=False), dtype=object)
    # Casts are correctly rounded, as float() is; empty seconds read as 0.
    degrees = np.asarray(pc.cast(field("deg"), pa.float64()).to_numpy(zero_copy_only=False))
    minutes = np.asarray(pc.cast(minutes_text, pa.float64()).to_numpy(zero_copy_only=False))
    seconds = np.where(has_seconds, np.asarray(pc.cast(
        pc.if_else(has_seconds, seconds_text, "0"), pa.float64()).to_numpy(
        zero_copy_only=False)), 0.0)
    usable = ~(has_seconds & decimal_minutes) & (minutes < 60) & (seconds < 60) & ~(
        (before != "") & (after != ""))
    kind = np.zeros(len(rows), dtype=np.int8)
    sign = np.ones(len(rows))
    for word, (mark, factor) in _PREFIXES.items():
        marked = (before == word) | (after == word)
        kind[marked], sign[marked] = mark, factor
    # The parser's order: degrees + minutes / 60 + seconds / 3600, then the sign.
    result = sign * (degrees + minutes / 60.0 + seconds / 3600.0)
    keep = rows[usable]
    matched[:] = False
    matched[keep] = True
    value[keep] = result[usable]
    hemi[keep] = kind[usable]
    return matched, value, hemi
