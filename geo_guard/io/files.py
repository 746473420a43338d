"""Writing files safely: atomic replacement, output-path checks, safe file names.

Why atomic: analysts keep outputs open in Excel, WPS or QGIS and re-run jobs on them. A
writer that fails midway (a bad geometry, a full disk, Ctrl+C) must leave the previous
file as it was, so every writer builds its output under a temporary name in the target
folder (same filesystem, so the final :func:`os.replace` is a rename) and moves it into
place only when it is complete.

Examples
--------
>>> safe_filename("卧龙区 / 七里园乡")
'卧龙区_七里园乡'
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geo_guard._errors import OptionError, OutputError

PathLike = str | os.PathLike[str]

# A run starts at leading dots or at an unsafe character and swallows the unsafe characters
# and dots after it, so "../" and "..\\..\\" collapse into a single "_".
_SAFE_NAME_RUN = re.compile(r"(?:^\.+|[^\w\-.+()（）【】·])[^\w\-+()（）【】·]*")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
)


def check_target(target: Path) -> None:
    """Refuse output paths that cannot be written before any work is done."""
    if target.is_dir():
        raise OutputError(
            f"{target}: is a folder; give a file path with an extension, e.g. "
            f"{target / ('output' + (target.suffix or '.gpkg'))}"
        )
    parent = target.parent
    if not parent.exists():
        raise OutputError(
            f"{target}: folder '{parent}' does not exist; create it first or choose another folder"
        )
    if not parent.is_dir():
        raise OutputError(f"{target}: '{parent}' is a file, not a folder; choose another folder")
    if not os.access(parent, os.W_OK):
        raise OutputError(
            f"{target}: no permission to write in folder '{parent}'; choose another folder"
        )


def replace_file(source: Path, target: Path) -> None:
    """Rename ``source`` onto ``target``; a locked target is a one-line OutputError."""
    try:
        os.replace(source, target)
    except PermissionError as err:
        # On Windows the usual cause is the old file being open in Excel, WPS or QGIS.
        raise OutputError(
            f"{target}: cannot replace the file (permission denied; is it open in Excel, WPS "
            "or QGIS?); close it and try again"
        ) from err


def _remove_temp(temp: Path) -> None:
    """Remove a temp file and anything GDAL/SQLite put next to it (-journal, -wal, -shm)."""
    for leftover in temp.parent.glob(glob.escape(temp.name) + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _temp_name(target: Path) -> str:
    # Hidden, unique and recognisable; the same suffix keeps GDAL's driver guess working.
    return f".{target.stem}.tmp-{uuid.uuid4().hex[:12]}{target.suffix}"


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Give a temporary path to write to; move it onto ``path`` only if the block succeeds.

    The temporary file is in the same folder as ``path`` (so the final :func:`os.replace`
    is an atomic rename on the same filesystem) and has the same suffix (so GDAL and
    pandas pick the same format). On an exception the temporary file and any sidecars
    (``-journal``, ``-wal``) are removed and ``path`` is left untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Final output file.

    Yields
    ------
    pathlib.Path
        Temporary path that does not exist yet; the block must create it.

    Raises
    ------
    OutputError
        The folder is missing or not writable, ``path`` is a folder, the block wrote
        nothing, or the old file cannot be replaced (open in another program).

    Examples
    --------
    >>> with atomic_path(tmp / "report.csv") as part:
    ...     _ = part.write_text("a,b\\n1,2\\n", encoding="utf-8")
    >>> (tmp / "report.csv").read_text(encoding="utf-8")
    'a,b\\n1,2\\n'
    """
    target = Path(path)
    check_target(target)
    temp = target.with_name(_temp_name(target))
    try:
        yield temp
        if not temp.exists():
            raise OutputError(f"{target}: the writer produced no file; nothing was replaced")
        replace_file(temp, target)
    finally:
        _remove_temp(temp)


def output_target(path: PathLike, allowed: Iterable[str], types_hint: str, what: str) -> Path:
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in allowed:
        raise OutputError(f"{target.name}: unknown {what} type '{suffix}'; {types_hint}")
    check_target(target)
    return target


def safe_filename(name: str, *, max_length: int = 80) -> str:
    """Turn any area name into a file stem that is safe on Windows, macOS and Linux.

    Letters (Chinese included), digits and ``- _ . + ( ) （ ） 【 】 ·`` are kept; every run
    of anything else (path separators, spaces, control characters, ``<>:"/\\|?*``) and
    leading dots become one ``_``, so a name can never climb out of its folder or hide.
    Windows device names (``CON``, ``NUL``, ``COM1`` ...) get a ``_`` prefix; an empty
    result is ``"_"``. The result has at most ``max_length`` characters (80 Chinese
    characters are 240 bytes, under the usual 255-byte limit).

    Parameters
    ----------
    name : str
        Any text, e.g. a township name.
    max_length : int
        Maximum length in characters, at least 1.

    Returns
    -------
    str
        A file stem (add the extension yourself).

    Raises
    ------
    OptionError
        ``max_length`` is less than 1.

    Examples
    --------
    >>> safe_filename("卧龙区 / 七里园乡")
    '卧龙区_七里园乡'
    >>> safe_filename("../etc/passwd"), safe_filename("CON"), safe_filename("")
    ('_etc_passwd', '_CON', '_')
    """
    if max_length < 1:
        raise OptionError(f"max_length must be at least 1, got {max_length}")
    text = unicodedata.normalize("NFC", str(name))  # one spelling for composed characters
    stem = _SAFE_NAME_RUN.sub("_", text)[:max_length] or "_"
    if stem.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem[: max_length - 1]
    return stem
