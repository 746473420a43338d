"""Large CSV tables read by Arrow's multi-threaded parser, every cell as text.

:func:`geo_guard.io.read_table` reads what field teams send exactly as pandas' parser does
(every value kept as typed, short lines padded, long lines checked, odd quoting told
apart); on a million rows that parser and the Python strings it makes take most of a
command's time. Arrow's CSV reader parses the same well-formed files in a fraction of it
and keeps the text in Arrow memory, which the rest of the pipeline (coordinates, the
writers) reads without a Python object per cell. :func:`read_csv_fast` takes only what it
is sure to read as pandas would, and says None otherwise: the caller then uses pandas.

Examples
--------
>>> frame = read_csv_fast("序号,名称\\r\\n1,卧龙区\\r\\n2,\\"a,b\\"\\r\\n", ",", 0)
>>> frame.to_dict("list")
{'序号': ['1', '2'], '名称': ['卧龙区', 'a,b']}
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo_guard.io.arrow_text import default_text_dtype

__all__ = ["read_csv_fast"]

#: Below this many characters pandas is as fast, and a file this small gains nothing.
MIN_CHARS = 0


def _header(text: str, sep: str, skip: int) -> pd.Index | None:
    """The column names exactly as pandas makes them (``Unnamed: 2``, ``a.1``)."""
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, skiprows=skip, nrows=0, dtype=str,
                           index_col=False, engine="c").columns
    except (pd.errors.ParserError, ValueError):
        return None


def _well_formed(data: np.ndarray, sep: str) -> bool:
    """True when every quote is where RFC 4180 puts one and no line ends in a bare CR, so
    both readers agree.

    The quotes before a position tell whether it is inside a quoted field: an opening
    quote (an even number before it) starts a field or doubles the quote just before it;
    a closing one (odd) ends the field or is doubled by the next. A literal quote inside an
    unquoted field (``x"y``), text after a closing quote or a quote left open at the end is
    read differently by pandas and Arrow; so are lines ended by a bare CR (old Mac files),
    where pandas' tokenizer loses fields after blank lines. Those files go to pandas.
    """
    at = np.flatnonzero(data == 0x22)
    if len(at) % 2:
        return False
    if len(at):
        bounds = np.zeros(256, dtype=bool)
        bounds[[ord(sep), 0x0A, 0x0D, 0x22]] = True
        padded = np.concatenate([[0x0A], data[np.clip(np.concatenate([at - 1, at + 1]), 0,
                                                      len(data) - 1)], [0x0A]])
        before, after = padded[1 : len(at) + 1], padded[len(at) + 1 : -1]
        before[at == 0] = 0x0A  # the text's start and end are bounds
        after[at == len(data) - 1] = 0x0A
        opening = np.arange(len(at)) % 2 == 0
        if not (bounds[before[opening]].all() and bounds[after[~opening]].all()):
            return False
    cr = np.flatnonzero(data == 0x0D)
    if len(cr):
        bare = cr[(cr + 1 >= len(data)) | (data[np.minimum(cr + 1, len(data) - 1)] != 0x0A)]
        inside = np.searchsorted(at, bare) % 2 == 1  # an odd number of quotes before it
        if not inside.all():
            return False
    return True


def _to_pandas(column: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    dtype = default_text_dtype()  # what read_csv(dtype=str) gives: the same columns
    if isinstance(dtype, pd.StringDtype):
        return pd.array(column.cast(pa.large_string()), dtype=dtype)
    return column.to_numpy(zero_copy_only=False).astype(object)


def read_csv_fast(text: str, sep: str, skip: int, data: bytes | memoryview | None = None
                  ) -> pd.DataFrame | None:
    """Read ``text`` (``skip`` title lines, then a header) with Arrow, or None when the file
    is not one Arrow reads exactly as pandas would.

    Parameters
    ----------
    text : str
        The decoded file.
    sep : str
        The separator (one character).
    skip : int
        Title lines above the header.
    data : bytes or memoryview, optional
        ``text`` in UTF-8 when the caller has it (the file's own bytes, without a BOM).

    Returns
    -------
    pandas.DataFrame or None
        Every cell text (``""`` when empty), columns named as pandas names them.
    """
    if len(text) < MIN_CHARS or len(sep) != 1:
        return None
    lines = text[:100_000].splitlines()[: skip + 2]
    head = lines[: skip + 1]
    # Title and header lines counted alike by both readers: no quotes, no blank lines.
    if len(head) < skip + 1 or any('"' in line or not line.strip() for line in head):
        return None
    # The header's end: title and header lines hold no quotes, so lines are records.
    start = io.StringIO(text[:100_000], newline="")
    end = sum(len(start.readline()) for _ in range(skip + 1))
    columns = _header(text[:end], sep, skip)
    if columns is None or len(columns) < 2:  # one column: blank lines are read differently
        return None
    try:
        raw = data if data is not None else text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    bytes_ = np.frombuffer(raw, dtype=np.uint8)
    if not _well_formed(bytes_, sep) or (bytes_ == 0).any():  # NUL: pandas reads it its way
        return None
    quoted = bool((bytes_ == 0x22).any())
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(skip_rows=skip + 1, use_threads=True,
                                           column_names=[f"c{i}" for i in range(len(columns))],
                                           block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=quoted,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(columns))},
                null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # short or long lines, stray quotes: pandas decides
    frame = pd.DataFrame({i: _to_pandas(table.column(i)) for i in range(len(columns))})
    frame.columns = columns
    return frame
