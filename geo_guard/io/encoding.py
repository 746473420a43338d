"""Decoding the bytes of a text table: UTF-8, GB18030/GBK, UTF-16, or a mix, line by line.

Field teams' CSV files come from Excel, WPS and scripts; a file assembled from several of
them can hold UTF-8 lines and GBK lines at once. Decoded wholesale in either encoding, the
other lines turn into mojibake (``涓冮噷鍥``) that nothing flags. So when a file is not
UTF-8 throughout, every line is looked at on its own: a line that is valid UTF-8 is UTF-8
(GBK text almost never is, while GB18030 decodes almost any UTF-8 to wrong characters),
the others are GB18030, a superset of GBK and GB2312. A file with both kinds is read line
by line and the lines that differ from the rest are named, so they can be checked.

Examples
--------
>>> data = "名称\\n卧龙区\\n".encode() + "七里园乡\\n".encode("gbk")
>>> decoded = decode_text(data, "mixed.csv")
>>> decoded.text.splitlines(), decoded.encoding, decoded.other_lines
(['名称', '卧龙区', '七里园乡'], 'utf-8', (3,))
"""

from __future__ import annotations

import codecs
import itertools
import logging
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo_guard._errors import InputFileError, OptionError

logger = logging.getLogger(__name__)

__all__ = ["DecodedText", "decode_text"]

_GB = "gb18030"
_UTF8 = "utf-8"
# CR and LF bytes never occur inside a multi-byte UTF-8 or GB18030 character, so splitting
# the bytes there cuts no character in half, whatever the encoding of each line.
_LINE_BREAK = re.compile(rb"(\r\n|\r|\n)")
_NAMES = {_UTF8: "UTF-8", _GB: "GB18030 (GBK)"}
_LINES_SHOWN = 10


@dataclass(frozen=True)
class DecodedText:
    """Text of a file and how it was decoded.

    Attributes
    ----------
    text : str
        The decoded text, without a byte-order mark.
    encoding : str
        ``"utf-8"``, ``"gb18030"``, ``"utf-16"``, the encoding asked for, or
        charset-normalizer's guess. For a mixed file: the encoding of most lines.
    other_lines : tuple of int
        1-based numbers of the lines decoded in ``other_encoding`` (mixed files only).
    other_encoding : str or None
        The encoding of ``other_lines``.
    """

    text: str
    encoding: str
    other_lines: tuple[int, ...] = ()
    other_encoding: str | None = None


# Characters a Chinese table holds: ASCII; general punctuation (‘’“”…′″), letter-like
# symbols and number forms (℃ № Ⅰ), arrows, maths, enclosed numbers (①), box drawing and
# shapes (■ ▲ ★); CJK punctuation, kana and ideographs (ext. A too); compatibility
# ideographs and forms; full-width forms; ideographs of ext. B and later; ° ± × ÷ · µ ² ³.
# GBK bytes that happen to be valid UTF-8 decode to Latin, Greek or Cyrillic letters instead.
_IMPLAUSIBLE = re.compile(
    "[^\x00-\x7f\u2000-\u27bf\u3000-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003ffff°±×÷·µ²³]"
)


def _odd(text: str) -> int:
    return len(_IMPLAUSIBLE.findall(text))


def _is_gbk_after_all(line: bytes) -> bool:
    """A line that is valid UTF-8 but reads better as GB18030: GBK bytes that happen to form
    UTF-8 decode to Latin, Greek or Cyrillic letters, not to Chinese."""
    as_utf8 = line.decode(_UTF8)
    if not _IMPLAUSIBLE.search(as_utf8):
        return False
    try:
        as_gb = line.decode(_GB)
    except UnicodeDecodeError:
        return False
    return _odd(as_utf8) > _odd(as_gb)


def _line_ends(raw: NDArray[np.uint8]) -> NDArray[np.intp]:
    """Index just past the end of every line (its line break included), the last line too."""
    if not len(raw):
        return np.zeros(1, dtype=np.intp)
    lf = raw == 0x0A
    brk = lf.copy()
    brk[:-1] |= (raw[:-1] == 0x0D) & ~lf[1:]  # a CR not followed by LF ends a line too
    brk[-1] |= raw[-1] == 0x0D
    ends = np.flatnonzero(brk) + 1
    return ends if len(ends) and ends[-1] == len(raw) else np.append(ends, len(raw))


def _utf8_errors(raw: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Bytes that break UTF-8's structure (a lead byte and its continuation bytes).

    Vectorised: a byte is in error when it is a continuation byte (10xxxxxx) where none is
    expected, or is expected to be one and is not, or can never occur (C0, C1, F5-FF).
    Overlong forms and encoded surrogates pass here; a strict decode of the lines that look
    valid catches them.
    """
    n = len(raw)
    padded = np.concatenate([raw, np.zeros(3, dtype=np.uint8)])  # a cut-off last character
    need = np.zeros(n + 3, dtype=np.int8)
    need[(padded >= 0xC2) & (padded <= 0xDF)] = 1
    need[(padded >= 0xE0) & (padded <= 0xEF)] = 2
    need[(padded >= 0xF0) & (padded <= 0xF4)] = 3
    expected = np.zeros(n + 3, dtype=bool)
    for k in (1, 2, 3):
        expected[k:] |= need[:-k] >= k
    continuation = (padded & 0xC0) == 0x80
    errors = (continuation != expected) | (padded == 0xC0) | (padded == 0xC1) | (padded >= 0xF5)
    errors[n - 1] |= errors[n:].any()  # an error in the padding belongs to the last byte
    return errors[:n]


def _runs(flags: NDArray[np.bool_]) -> list[tuple[int, int, bool]]:
    """Runs of equal values: (first index, index past the last, value)."""
    cuts = [0, *(np.flatnonzero(np.diff(flags)) + 1).tolist(), len(flags)]
    return [(a, b, bool(flags[a])) for a, b in itertools.pairwise(cuts)]


def _confirm_utf8(
    data: bytes, starts: NDArray[np.intp], ends: NDArray[np.intp], utf8: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Check the lines that look like UTF-8 with a strict decode, a run of lines at a time,
    and drop GBK lines that only happen to be valid UTF-8."""
    utf8 = utf8.copy()
    for first, last, candidate in _runs(utf8):
        if not candidate:
            continue
        try:
            text = data[starts[first] : ends[last - 1]].decode(_UTF8)
        except UnicodeDecodeError:
            text = None  # an overlong form or encoded surrogate somewhere: line by line
        if text is not None and not _IMPLAUSIBLE.search(text):
            continue  # the usual case: all of them UTF-8
        for i in range(first, last):
            line = data[starts[i] : ends[i]]
            try:
                line.decode(_UTF8)
            except UnicodeDecodeError:
                utf8[i] = False
                continue
            utf8[i] = not _is_gbk_after_all(line)
    return utf8


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_LINES_SHOWN]))
    return shown + (f" ... ({len(numbers)} lines)" if len(numbers) > _LINES_SHOWN else "")


def _by_line(data: bytes, name: str) -> DecodedText | None:
    """Decode a file that is not UTF-8 throughout; ``None`` when a line is neither encoding.

    Vectorised over the bytes, not a decode per line: telling the lines apart costs about
    as much as decoding the file.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = _line_ends(raw)
    starts = np.concatenate([[0], ends[:-1]])  # every line has a byte: its break at least
    high = np.logical_or.reduceat(raw >= 0x80, starts)
    utf8 = high & ~np.logical_or.reduceat(_utf8_errors(raw), starts)
    if utf8.any():
        utf8 = _confirm_utf8(data, starts, ends, utf8)
    if not utf8.any():
        try:
            return DecodedText(data.decode(_GB), _GB)
        except UnicodeDecodeError:
            return None
    # ASCII lines read the same either way: they join the run of the line before them.
    last_high = np.maximum.accumulate(np.where(high, np.arange(len(high)), 0))
    as_utf8 = utf8[last_high] | ~high[last_high]
    parts: list[str] = []
    for first, last, is_utf8 in _runs(as_utf8):
        try:
            parts.append(data[starts[first] : ends[last - 1]].decode(_UTF8 if is_utf8 else _GB))
        except UnicodeDecodeError:
            return None
    text = "".join(parts)
    gb = (np.flatnonzero(high & ~utf8) + 1).tolist()
    if not gb:
        return DecodedText(text, _UTF8)
    utf8_lines = (np.flatnonzero(utf8) + 1).tolist()
    main, other, lines = (
        (_UTF8, _GB, gb) if len(utf8_lines) >= len(gb) else (_GB, _UTF8, utf8_lines)
    )
    logger.warning(
        "%s: mixed text encodings: line(s) %s are %s, the other lines %s; each line was read "
        "in its own encoding, check those rows (save the file again as UTF-8 to avoid this)",
        name,
        _line_list(lines),
        _NAMES[other],
        _NAMES[main],
    )
    return DecodedText(text, main, tuple(lines), other)


def _decode_as(data: bytes, name: str, encoding: str) -> DecodedText:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise OptionError(
            f"unknown encoding {encoding!r}; use e.g. utf-8, utf-8-sig, gb18030 or gbk"
        ) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = len(_LINE_BREAK.findall(data, 0, err.start)) + 1
        raise InputFileError(
            f"{name}: cannot decode as {encoding} (line {line}: byte {data[err.start]:#04x} at "
            f"position {err.start}); try --encoding gb18030 or utf-8, or leave it out (a file "
            "mixing encodings is then read line by line)"
        ) from None
    return DecodedText(text.lstrip("\ufeff"), encoding)


def decode_text(data: bytes, name: str, encoding: str | None = None) -> DecodedText:
    """Decode a text table's bytes, line by line when it mixes UTF-8 and GB18030 (GBK).

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        File name for messages.
    encoding : str, optional
        Decode strictly in this encoding (an error names the line that does not fit).
        By default: UTF-16 with a byte-order mark, else UTF-8 (with or without BOM), else
        line by line UTF-8 or GB18030, else charset-normalizer's guess.

    Returns
    -------
    DecodedText
        The text; for a mixed file also the lines decoded in the other encoding (they
        are named in a logged warning).

    Raises
    ------
    InputFileError
        The bytes do not fit ``encoding``, or no encoding could be found.
    OptionError
        Unknown encoding name.

    Examples
    --------
    >>> decode_text("序号,名称\\n1,卧龙区\\n".encode("gbk"), "t.csv").encoding
    'gb18030'
    """
    if encoding is not None:
        return _decode_as(data, name, encoding)
    # Excel's "Unicode text" export is UTF-16 with a BOM (and tab-separated).
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedText(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            pass
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    # Valid UTF-8 throughout is UTF-8 (GBK text of more than a few characters never is).
    try:
        return DecodedText(body.decode(_UTF8), _UTF8)
    except UnicodeDecodeError:
        pass
    decoded = _by_line(body, name)
    if decoded is not None:
        logger.debug("%s: decoded as %s", name, decoded.encoding)
        return decoded
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputFileError(
            f"{name}: cannot tell the text encoding; pass --encoding (e.g. gb18030, big5)"
        )
    logger.warning("%s: not UTF-8 or GB18030; guessed encoding %s", name, best.encoding)
    return DecodedText(str(best).lstrip("\ufeff"), best.encoding)
