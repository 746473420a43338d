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
import logging
import re
from dataclasses import dataclass

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
    line_starts : tuple of int
        Offset in ``text`` of the start of every line (mixed files only), so callers can
        tell which record a line belongs to.
    """

    text: str
    encoding: str
    other_lines: tuple[int, ...] = ()
    other_encoding: str | None = None
    line_starts: tuple[int, ...] = ()


def _plausible(char: str) -> bool:
    """Characters a Chinese table holds: ASCII, CJK, CJK and full-width punctuation."""
    return (
        char < "\x80"
        or "\u3000" <= char <= "\u9fff"  # CJK punctuation, kana, ideographs (ext. A too)
        or "\uff00" <= char <= "\uffef"  # full-width forms
        or "\u2000" <= char <= "\u206f"  # general punctuation: ‘’“”…′″
        or "\uf900" <= char <= "\ufaff"  # compatibility ideographs
        or "\U00020000" <= char <= "\U0003ffff"  # ideographs ext. B and later
        or char in "°±×÷·"
    )


def _odd(text: str) -> int:
    return sum(not _plausible(c) for c in text if c >= "\x80")


def _line_encoding(line: bytes) -> str | None:
    """``"utf-8"`` or ``"gb18030"`` for one line, ``None`` when it is neither."""
    try:
        as_utf8 = line.decode(_UTF8)
    except UnicodeDecodeError:
        as_utf8 = None
    try:
        as_gb = line.decode(_GB)
    except UnicodeDecodeError:
        as_gb = None
    if as_utf8 is None:
        return None if as_gb is None else _GB
    if as_gb is None:
        return _UTF8
    # Valid both ways: GBK bytes that happen to be valid UTF-8 decode to Latin, Greek or
    # Cyrillic letters, not to Chinese; UTF-8 wins unless it reads odder than GB18030.
    return _GB if _odd(as_utf8) > _odd(as_gb) else _UTF8


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_LINES_SHOWN]))
    return shown + (f" ... ({len(numbers)} lines)" if len(numbers) > _LINES_SHOWN else "")


def _by_line(data: bytes, name: str) -> DecodedText | None:
    """Decode a file that is not UTF-8 throughout; ``None`` when a line is neither encoding."""
    pieces = _LINE_BREAK.split(data)  # content, break, content, break, ..., content
    contents = pieces[0::2]
    kinds: list[str | None] = [
        _UTF8 if piece.isascii() else _line_encoding(piece) for piece in contents
    ]
    if None in kinds:
        return None
    known = [kind or _UTF8 for kind in kinds]
    utf8 = [i + 1 for i, (kind, piece) in enumerate(zip(known, contents, strict=True))
            if kind == _UTF8 and not piece.isascii()]
    gb = [i + 1 for i, kind in enumerate(known) if kind == _GB]
    if not utf8:
        return DecodedText(data.decode(_GB), _GB)
    if not gb:  # cannot happen: the whole file would have decoded as UTF-8
        return DecodedText(data.decode(_UTF8), _UTF8)
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for i, piece in enumerate(pieces):
        if i % 2 == 0:  # a line, in its own encoding
            starts.append(offset)
            text = piece.decode(known[i // 2])
        else:  # a line break
            text = piece.decode("ascii")
        parts.append(text)
        offset += len(text)
    main, other, lines = (_UTF8, _GB, gb) if len(utf8) >= len(gb) else (_GB, _UTF8, utf8)
    logger.warning(
        "%s: mixed text encodings: line(s) %s are %s, the other lines %s; each line was read "
        "in its own encoding, check those rows (save the file again as UTF-8 to avoid this)",
        name,
        _line_list(lines),
        _NAMES[other],
        _NAMES[main],
    )
    return DecodedText("".join(parts), main, tuple(lines), other, tuple(starts))


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
