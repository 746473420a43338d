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
>>> text = "序号,名称\\r\\n1,卧龙区\\r\\n2,\\"a,b\\"\\r\\n"
>>> read = read_csv_fast(text, ",", 0, text.encode())
>>> read.frame.to_dict("list"), read.lines.tolist()
({'序号': ['1', '2'], '名称': ['卧龙区', 'a,b']}, [1, 2, 3])
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo_guard.io.arrow_text import default_text_dtype

__all__ = ["FastRead", "read_csv_fast", "record_lines"]

def _header(text: str, sep: str, skip: int) -> pd.Index | None:
    """The column names exactly as pandas makes them (``Unnamed: 2``, ``a.1``)."""
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, skiprows=skip, nrows=0, dtype=str,
                           index_col=False, engine="c").columns
    except (pd.errors.ParserError, ValueError):
        return None


@dataclass(frozen=True)
class _Marks:
    """Where the line breaks and quotes of a file are (offsets from the text's start)."""

    lf: np.ndarray
    cr: np.ndarray  # lone CRs (not before LF): line ends of old Mac files, or in a field
    quotes: np.ndarray
    nul: bool
    size: int

    @classmethod
    def scan(cls, raw: bytes, start: int) -> _Marks:
        data = np.frombuffer(raw, dtype=np.uint8)[start:]
        # One pass: every byte up to '"' (controls, space, '!', '"'); then sorted by value.
        low = np.flatnonzero(data <= 0x22)
        value = data[low]
        cr = low[value == 0x0D]
        cr = cr[data[np.minimum(cr + 1, len(data) - 1)] != 0x0A]  # a CR at the end too
        return cls(low[value == 0x0A], cr, low[value == 0x22], bool((value == 0).any()),
                   len(data))


def _well_formed(marks: _Marks, data: np.ndarray, sep: str) -> bool:
    """True when every quote is where RFC 4180 puts one, no line ends in a bare CR and
    no NUL is in the text, so both readers agree.

    The quotes before a position tell whether it is inside a quoted field: an opening
    quote (an even number before it) starts a field or doubles the quote just before it;
    a closing one (odd) ends the field or is doubled by the next. A literal quote inside an
    unquoted field (``x"y``), text after a closing quote or a quote left open at the end is
    read differently by pandas and Arrow; so are lines ended by a bare CR (old Mac files),
    where pandas' tokenizer loses fields after blank lines, and NUL characters. Those files
    go to pandas.
    """
    at = marks.quotes
    if marks.nul or len(at) % 2:
        return False
    if not len(at):
        return len(marks.cr) == 0
    bounds = np.zeros(256, dtype=bool)
    bounds[[ord(sep), 0x0A, 0x0D, 0x22]] = True
    before = data[np.maximum(at - 1, 0)]
    after = data[np.minimum(at + 1, len(data) - 1)]
    before[at == 0] = 0x0A  # the text's start and end count as bounds
    after[at == len(data) - 1] = 0x0A
    opening = np.arange(len(at)) % 2 == 0
    if not (bounds[before[opening]].all() and bounds[after[~opening]].all()):
        return False
    inside = np.searchsorted(at, marks.cr) % 2 == 1  # an odd number of quotes before it
    return bool(inside.all())


def _record_lines(marks: _Marks, data: np.ndarray) -> np.ndarray:
    """First line of every record that is not a blank line (see :func:`record_lines`)."""
    if not marks.size:
        return np.zeros(0, dtype=np.int64)
    lf, cr = marks.lf, marks.cr
    # The last byte of every line break, in order (lone CRs are few: no set union).
    breaks = lf if not len(cr) else np.sort(np.concatenate([lf, cr]))
    outside = np.searchsorted(marks.quotes, breaks) % 2 == 0  # even number of quotes before
    line = np.arange(1, len(breaks) + 1, dtype=np.int64)  # break k ends line k
    ends, end_lines = breaks[outside], line[outside]
    first = np.concatenate([[0], ends + 1])  # where each record starts
    first_line = np.concatenate([[1], end_lines + 1])
    # Each record's text without its line break (a CRLF ends one byte earlier).
    stop = np.append(ends, marks.size).astype(np.int64)
    crlf = np.zeros(len(stop), dtype=bool)
    crlf[:-1] = (data[ends] == 0x0A) & (ends > 0) & (data[np.maximum(ends - 1, 0)] == 0x0D)
    length = stop - first - crlf
    return first_line[length > 0]


def record_lines(raw: bytes, start: int = 0) -> np.ndarray:
    """First line (1-based, as a text editor numbers them) of every record that is not a
    blank line, in a file :func:`read_csv_fast` reads (quotes where RFC 4180 puts them).

    A line ends at LF, CRLF or a lone CR; one inside a quoted field belongs to its
    record. The csv module finds the same records in seconds per million; here numpy
    finds them from the positions of the line breaks and the quotes.

    Examples
    --------
    >>> record_lines(b'a,b\\r\\n1,"x\\r\\ny"\\r\\n\\r\\n2,z').tolist()
    [1, 2, 5]
    """
    return _record_lines(_Marks.scan(raw, start), np.frombuffer(raw, dtype=np.uint8)[start:])


@dataclass(frozen=True)
class FastRead:
    """A table read by Arrow, and the first line of each of its records in the file."""

    frame: pd.DataFrame
    lines: np.ndarray


def _to_pandas(column: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    dtype = default_text_dtype()  # what read_csv(dtype=str) gives: the same columns
    if isinstance(dtype, pd.StringDtype):
        return pd.array(column, dtype=dtype)  # large_string already: no copy
    return column.to_numpy(zero_copy_only=False).astype(object)


def read_csv_fast(head: str, sep: str, skip: int, raw: bytes, start: int = 0
                  ) -> FastRead | None:
    """Read a CSV file's UTF-8 bytes with Arrow, or None when the file is not one Arrow
    reads exactly as pandas would (or is not UTF-8 throughout).

    Parameters
    ----------
    head : str
        The decoded start of the file: at least the title lines and the header.
    sep : str
        The separator (one character).
    skip : int
        Title lines above the header.
    raw : bytes
        The file; its text starts at ``start`` (after a byte-order mark).
    start : int
        Where the text starts in ``raw``.

    Returns
    -------
    FastRead or None
        ``frame``: every cell text (``""`` when empty), columns named as pandas names
        them; ``lines``: the first line of every record of the file (blank lines left
        out, title and header lines included).
    """
    if len(sep) != 1:
        return None
    lines = head[:100_000].splitlines()[: skip + 2]
    # Title and header lines counted alike by both readers: no quotes, no blank lines.
    if len(lines) < skip + 1 or any('"' in line or not line.strip() for line in lines[: skip + 1]):
        return None
    # The header's end: title and header lines hold no quotes, so lines are records.
    reader = io.StringIO(head[:100_000], newline="")
    end = sum(len(reader.readline()) for _ in range(skip + 1))
    columns = _header(head[:end], sep, skip)
    if columns is None or len(columns) < 2:  # one column: blank lines are read differently
        return None
    marks = _Marks.scan(raw, start)
    data = np.frombuffer(raw, dtype=np.uint8)[start:]
    if not _well_formed(marks, data, sep):
        return None
    names = [f"c{i}" for i in range(len(columns))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw)[start:],
            read_options=pacsv.ReadOptions(skip_rows=skip + 1, use_threads=True,
                                           column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                             escape_char=False,
                                             newlines_in_values=len(marks.quotes) > 0,
                                             ignore_empty_lines=True),
            # check_utf8: a line in another encoding (GBK) fails here, and decode_text
            # then reads the file line by line.
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), check_utf8=True,
                null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # short or long lines, stray quotes, not UTF-8: pandas decides
    frame = pd.DataFrame({i: _to_pandas(table.column(i)) for i in range(len(columns))})
    frame.columns = columns
    return FastRead(frame, _record_lines(marks, data))
