"""Table columns as Arrow text, vectorised: the cells of a CSV or XLSX file without a Python
call per cell.

A million-row classification has twenty million cells; a Python function per cell
(escaping, formatting, quoting) costs more than everything else the command does. Here each
column becomes an Arrow string array once, and the rules of :mod:`geo_guard.io.spreadsheets`
run as Arrow compute kernels over whole columns: only the rare cells that need a decision
Python makes (text starting like a formula, floats pandas and Arrow spell differently) go
through Python, so the output is the same as the per-cell code's.

Examples
--------
>>> import pandas as pd
>>> escape_formulas(text_array(pd.Series(["=1+1", "-3.5", "卧龙区", None]))).to_pylist()
["'=1+1", '-3.5', '卧龙区', None]
>>> number_text(pd.Series([1.0, 0.5, None, 1e-05])).to_pylist()
['1.0', '0.5', None, '1e-05']
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CodedText",
    "default_text_dtype",
    "escape_formulas",
    "fixed_text",
    "is_number_column",
    "large",
    "layout",
    "number_text",
    "pandas_text",
    "replace_rows",
    "rows_holding",
    "text_array",
    "text_rows",
]

# The plain numbers of spreadsheets.escape_formula that cannot run, in RE2 syntax (\d is
# ASCII there, as with re.ASCII).
_PLAIN_NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
# Python writes floats in fixed notation from 1e-4 up to 1e16, Arrow from 1e-6 up to 1e10:
# where both write fixed notation both give the shortest round-trip digits; elsewhere the
# (rare) values are spelt by Python (tests/test_fast_tables.py checks the edges).
_FIXED_LOW, _ARROW_FIXED_HIGH = 1e-4, 1e9


def large(text: str) -> pa.Scalar:
    """A text scalar of the type every column here has (``large_string``)."""
    return pa.scalar(text, pa.large_string())


def _chunks(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _arrow_held_text(series: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """A text column already in Arrow memory, as it is (no copy), else None."""
    dtype = series.dtype
    arrow = dtype.pyarrow_dtype if isinstance(dtype, pd.ArrowDtype) else None
    if isinstance(dtype, pd.StringDtype) or (
        arrow is not None and (pa.types.is_string(arrow) or pa.types.is_large_string(arrow))
    ):
        return pa.array(series.array)
    return None


def text_rows(series: pd.Series) -> Callable[[int, int], pa.Array] | None:
    """A function giving rows [start, stop) of a text column as ``large_string``, or None
    when the column is not all text (see :func:`text_array`).

    A column in Arrow memory is sliced first and only the slice is copied: a writer
    going through a million rows block by block never copies the whole column at once.

    Examples
    --------
    >>> text_rows(pd.Series(["a", "b", None], dtype="string[pyarrow]"))(1, 3).to_pylist()
    ['b', None]
    """
    held = _arrow_held_text(series)
    if held is not None:
        return lambda start, stop: _chunks(held.slice(start, stop - start)).cast(
            pa.large_string())
    text = text_array(series)
    if text is None:
        return None
    return lambda start, stop: text.slice(start, stop - start)


def text_array(series: pd.Series) -> pa.Array | None:
    """The column as an Arrow ``large_string`` array (missing values null), or None when it
    is not all text.

    Text columns are pandas ``str``/``string`` columns, categoricals of text and object
    columns holding only ``str`` and missing values (None, NaN, pd.NA).

    Examples
    --------
    >>> text_array(pd.Series(["a", None], dtype=object)).to_pylist()
    ['a', None]
    >>> text_array(pd.Series(["a", 1], dtype=object)) is None
    True
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = text_array(pd.Series(dtype.categories, dtype=object))
        if categories is None:
            return None
        codes = pa.array(series.cat.codes.to_numpy(), mask=series.cat.codes.to_numpy() < 0)
        return pc.take(categories, codes)
    held = _arrow_held_text(series)
    if held is not None:
        return _chunks(held).cast(pa.large_string())
    if not pd.api.types.is_object_dtype(dtype):
        return None
    values = series.to_numpy()
    # Only str (Arrow would also take bytes, which pandas writes as "b'...'").
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    return pa.array(values, type=pa.large_string(), from_pandas=True)


@functools.cache
def default_text_dtype() -> object:
    """The dtype pandas gives a column of Python strings: ``str`` (Arrow memory) in pandas
    3, object before. Columns built here take the same, so frames look as pandas makes them."""
    return pd.Series(np.array(["a"], dtype=object)).dtype


def pandas_text(values: np.ndarray) -> object:
    """An object array of text (None or NaN where missing) as pandas' default text column.

    pandas 3 stores text in Arrow memory and converts a column of Python strings one by
    one; the added columns of a classification (zone, stake, bank, status ...) hold few
    distinct values, so each distinct value is converted once and taken by number.

    Examples
    --------
    >>> pd.Series(pandas_text(np.array(["左岸", None, "左岸"], dtype=object))).tolist()
    ['左岸', nan, '左岸']
    """
    dtype = default_text_dtype()
    if not isinstance(dtype, pd.StringDtype) or values.dtype != object:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not all(isinstance(u, str) for u in uniques):
        return values  # mixed values: pandas decides the column's dtype
    taken = pa.array(list(uniques), type=pa.large_string()).take(
        pa.array(codes, mask=codes < 0))
    return pd.array(taken, dtype=dtype)


class CodedText:
    """A text column held as numbers into its few distinct values (``categories[codes]``).

    The added columns of a classification (zone, bank, stake, segment, status) come out of
    numpy as such numbers; kept that way, they become pandas text without a Python string
    per row. ``numpy.asarray`` gives the object array.

    Examples
    --------
    >>> coded = CodedText(["左岸", "右岸", ""], np.array([0, 2, 1]))
    >>> np.asarray(coded).tolist(), pd.Series(coded.to_pandas()).tolist()
    (['左岸', '', '右岸'], ['左岸', '', '右岸'])
    """

    def __init__(self, categories: object, codes: np.ndarray) -> None:
        self.categories = np.asarray(categories, dtype=object)
        codes = np.asarray(codes, dtype=np.int64)
        # Negative numbers count from the end, as numpy indexing reads them.
        self.codes = np.where(codes < 0, codes + len(self.categories), codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return self.categories[self.codes]

    def to_pandas(self) -> object:
        """The column as pandas' default text column (Arrow memory in pandas 3)."""
        dtype = default_text_dtype()
        if not isinstance(dtype, pd.StringDtype):
            return np.asarray(self)
        taken = pa.array(list(self.categories), type=pa.large_string()).take(
            pa.array(self.codes))
        return pd.array(taken, dtype=dtype)


def layout(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (``n + 1``, from 0) and the UTF-8 bytes of a ``large_string`` array, as
    numpy views without a copy: byte scans over a column cost a few milliseconds."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    data = text.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return offsets - offsets[0], raw[offsets[0] : offsets[-1]]


def rows_holding(text: pa.Array, characters: bytes) -> np.ndarray:
    """Mask of the rows whose text holds any of the given ASCII ``characters``.

    Examples
    --------
    >>> rows_holding(pa.array(["a,b", "c", None, "d\\r"], pa.large_string()), b",\\r").tolist()
    [True, False, False, True]
    """
    offsets, data = layout(text)
    found = None
    for byte in characters:  # a comparison per character: SIMD, unlike a table lookup
        hit = data == byte
        found = hit if found is None else found | hit
    mask = np.zeros(len(text), dtype=bool)
    if found is None or not found.any():
        return mask
    hits = np.flatnonzero(found)
    mask[np.searchsorted(offsets, hits, side="right") - 1] = True
    return mask


# First UTF-8 bytes of a formula start: = + - @ TAB CR, and EF BC xx for the full-width
# ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
_ASCII_STARTS = np.zeros(256, dtype=bool)
_ASCII_STARTS[list(b"=+-@\t\r")] = True
_WIDE_THIRD = np.zeros(256, dtype=bool)
_WIDE_THIRD[[0x9D, 0x8B, 0x8D, 0xA0]] = True


def _formula_like(text: pa.Array) -> np.ndarray:
    """Rows whose text starts with a formula character (a byte test, no regex)."""
    offsets, data = layout(text)
    start, length = offsets[:-1], np.diff(offsets)
    filled = np.flatnonzero(length > 0)
    first = data[start[filled]]
    like = _ASCII_STARTS[first]
    wide = np.flatnonzero((first == 0xEF) & (length[filled] >= 3))
    if len(wide):
        at = start[filled[wide]]
        like[wide] = (data[at + 1] == 0xBC) & _WIDE_THIRD[data[at + 2]]
    mask = np.zeros(len(text), dtype=bool)
    mask[filled[like]] = True
    return mask


def escape_formulas(text: pa.Array) -> pa.Array:
    """:func:`geo_guard.io.spreadsheets.escape_formula` on a whole text column.

    Examples
    --------
    >>> escape_formulas(pa.array(["@A1", "-", "+12", "＝1"])).to_pylist()
    ["'@A1", '-', '+12', "'＝1"]
    """
    text = text.cast(pa.large_string())
    rows = np.flatnonzero(_formula_like(text))
    if not len(rows):
        return text
    some = text.take(pa.array(rows))
    harmless = pc.or_(pc.equal(some, large("-")), pc.match_substring_regex(some, _PLAIN_NUMBER_RE))
    live = ~np.asarray(harmless, dtype=bool)
    if not live.any():
        return text
    quoted = pc.binary_join_element_wise(large("'"), some.filter(pa.array(live)), large(""))
    return replace_rows(text, rows[live], quoted)


def is_number_column(series: pd.Series) -> bool:
    """True for the numbers :func:`number_text` writes like pandas: integers (numpy or
    nullable), 64-bit floats (numpy or nullable) and booleans (numpy)."""
    dtype = series.dtype
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return isinstance(dtype, pd.Int64Dtype | pd.Int32Dtype | pd.Int16Dtype | pd.Int8Dtype
                          | pd.UInt64Dtype | pd.UInt32Dtype | pd.UInt16Dtype | pd.UInt8Dtype
                          | pd.Float64Dtype)
    return dtype.kind in "iub" or dtype == np.float64


def number_text(series: pd.Series) -> pa.Array:
    """Numbers as the text pandas writes in a CSV (``1.0``, ``1e-05``, ``True``); missing
    values null.

    Examples
    --------
    >>> number_text(pd.Series([5e15, -0.0, float("inf")])).to_pylist()
    ['5000000000000000.0', '-0.0', 'inf']
    >>> number_text(pd.Series([True, False])).to_pylist()
    ['True', 'False']
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
        return pc.if_else(pa.array(series.to_numpy()), "True", "False").cast(pa.large_string())
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):  # nullable: NA is null
        kind = "f" if isinstance(dtype, pd.Float64Dtype) else "i"
        values = series.to_numpy(dtype=np.float64 if kind == "f" else dtype.numpy_dtype,
                                 na_value=np.nan if kind == "f" else 0)
        mask = series.isna().to_numpy()
        if kind == "i":
            return pa.array(values, mask=mask).cast(pa.large_string())
        return _float_text(values, mask)
    values = series.to_numpy()
    if dtype.kind in "iu":
        return pa.array(values).cast(pa.large_string())
    return _float_text(values, np.isnan(values))


def _float_text(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """64-bit floats spelt as Python's ``repr`` (what pandas writes), NaN as null."""
    with np.errstate(invalid="ignore"):
        size = np.abs(values)
        finite = ~missing & np.isfinite(values)
        python = finite & (size != 0) & ((size < _FIXED_LOW) | (size >= _ARROW_FIXED_HIGH))
        whole = finite & ~python & (np.floor(values) == values)
    text = pa.array(values, mask=missing).cast(pa.large_string())
    if whole.any():  # Arrow writes 1.0 as "1" and -0.0 as "-0": Python adds ".0"
        rows = np.flatnonzero(whole)
        ends = pc.binary_join_element_wise(text.take(pa.array(rows)), large(".0"), large(""))
        text = replace_rows(text, rows, ends)
    if python.any():
        rows = np.flatnonzero(python)
        patch = pa.array([repr(float(v)) for v in values[rows]], type=pa.large_string())
        text = replace_rows(text, rows, patch)
    return text


def fixed_text(values: np.ndarray, decimals: int) -> pa.Array:
    """Floats spelt with a fixed number of decimals (``415.36``), NaN as null.

    Whole and fractional parts are formatted as integers (Arrow's integer-to-text kernel),
    several times faster than the shortest round-trip spelling of each float. Values too
    large for that (or infinite) are spelt by Python's ``format``.

    Examples
    --------
    >>> fixed_text(np.array([415.3618, -0.004, 2.5, np.nan, 1e300]), 2).to_pylist()[:4]
    ['415.36', '0.00', '2.50', None]
    >>> fixed_text(np.array([-112.123456789]), 7).to_pylist()
    ['-112.1234568']
    """
    values = np.asarray(values, dtype=np.float64)
    scale = 10**decimals
    missing = np.isnan(values)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.round(np.abs(values) * scale)
        python = ~missing & ~(scaled < 2.0**53)  # beyond exact integers, or infinite
        units = np.where(missing | python, 0, scaled).astype(np.int64)
    whole = pa.array(units // scale).cast(pa.large_string())
    if decimals > 0:
        fraction = pc.utf8_lpad(pa.array(units % scale).cast(pa.large_string()), decimals, "0")
        text = pc.binary_join_element_wise(whole, fraction, large("."))
    else:
        text = whole
    negative = (values < 0) & (units > 0)  # -0.004 rounds to 0.00, written without a sign
    if negative.any():
        text = pc.if_else(pa.array(negative), pc.binary_join_element_wise(
            large("-"), text, large("")), text)
    if missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar(None, pa.large_string()), text)
    if python.any():
        rows = np.flatnonzero(python)
        patch = pa.array([format(float(v), f".{decimals}f") for v in values[rows]],
                         type=pa.large_string())
        text = replace_rows(text, rows, patch)
    return text


def replace_rows(values: pa.Array, rows: np.ndarray, patch: pa.Array) -> pa.Array:
    """``values`` with ``values[rows] = patch`` (Arrow arrays are immutable)."""
    index = np.arange(len(values), dtype=np.int64)
    index[rows] = len(values) + np.arange(len(rows))
    return pc.take(pa.concat_arrays([values, patch]), pa.array(index))
