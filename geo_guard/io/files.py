"""Writing files safely: atomic replacement, output-path checks, safe file names.

Why atomic: analysts keep outputs open in Excel, WPS or QGIS and re-run jobs on them. A
writer that fails midway (a bad geometry, a full disk, Ctrl+C) must leave the previous
file as it was, so every writer builds its output under a temporary name in the target
folder (same filesystem, so the final :func:`os.replace` is a rename) and moves it into
place only when it is complete. A write that was killed (power cut, ``kill -9``) cannot
clean up after itself: the next write of the same file removes its leftover temporary.

File names are limited to 255 bytes on most file systems, and a Chinese character takes
three: names are measured in bytes, temporary names are shortened to fit, and an output
name that cannot fit is refused with one line.

Examples
--------
>>> safe_filename("卧龙区 / 七里园乡")
'卧龙区_七里园乡'
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import logging
import os
import re
import shutil
import socket
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geo_guard._errors import OptionError, OutputError

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

# A run starts at leading dots or at an unsafe character and swallows the unsafe characters
# and dots after it, so "../" and "..\\..\\" collapse into a single "_".
_SAFE_NAME_RUN = re.compile(r"(?:^\.+|[^\w\-.+()（）【】·])[^\w\-+()（）【】·]*")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
)


#: Usual limit of one file name (bytes on Linux/macOS, UTF-16 units on Windows).
NAME_MAX = 255
#: A temporary file whose writer may still be alive is removed only after this long.
STALE_TEMP_SECONDS = 3600.0
# Temporary names: ".<stem>.tmp-<pid>-<host>-<random><suffix>"; the pid and host tell the
# next run whether the writer is gone. Room kept for SQLite's "-journal"/"-wal" sidecars.
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_TEMP_TAG_ROOM = len(".tmp-4194304-abcdef-01234567") + len("-journal")
_NAME_HASH_CHARS = 8


def name_max(folder: Path) -> int:
    """The longest file name the file system of ``folder`` takes (255 when unknown)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):  # Windows has no pathconf
        return NAME_MAX


def name_size(name: str) -> int:
    """Length of a file name as the file system counts it: bytes, UTF-16 units on Windows."""
    if os.name == "nt":
        return len(name.encode("utf-16-le", "surrogatepass")) // 2
    return len(os.fsencode(name))


def _fit(text: str, size: int) -> str:
    """Longest prefix of ``text`` whose :func:`name_size` is at most ``size``, whole characters."""
    if name_size(text) <= size:
        return text
    low, high = 0, len(text)
    while low < high:  # binary search: names can be long, sizes are monotonic in length
        mid = (low + high + 1) // 2
        if name_size(text[:mid]) <= size:
            low = mid
        else:
            high = mid - 1
    return text[:low]


def _name_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:_NAME_HASH_CHARS]


def _shorten(text: str, size: int) -> str:
    """``text`` if it fits ``size``, else a prefix plus a hash of the whole (stays unique)."""
    if name_size(text) <= size:
        return text
    tail = "_" + _name_hash(text)
    return _fit(text, max(size - name_size(tail), 0)) + tail


def _short_name(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "…"


def check_target(target: Path) -> None:
    """Refuse output paths that cannot be written before any work is done."""
    try:
        _check_target(target)
    except OSError as err:  # e.g. a folder name in the path is itself too long
        raise write_error(err, target) from None


def _check_target(target: Path) -> None:
    limit = name_max(target.parent) if target.parent.is_dir() else NAME_MAX
    size = name_size(target.name)
    if size > limit:
        raise OutputError(
            f"{_short_name(target.name)}: the file name is {size} bytes long, more than the "
            f"{limit} the file system allows (a Chinese character takes 3); choose a shorter name"
        )
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


def write_error(err: OSError, target: Path) -> OutputError:
    """An operating-system error while writing ``target`` as one line that says what to do."""
    code = err.errno
    if code in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(err):
        return OutputError(
            f"disk full while writing {target.name}: free space in '{target.parent}' and run "
            "again (the previous file was left as it was)"
        )
    if code == errno.ENAMETOOLONG:
        return OutputError(
            f"{_short_name(str(target))}: the path or a name in it is too long for the file "
            "system; choose a shorter folder or file name"
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"{target}: cannot write in folder '{target.parent}' ({err.strerror or err}); "
            "choose another folder"
        )
    reason = err.strerror or " ".join(str(err).split())
    return OutputError(f"{target}: cannot be written ({reason}); check the disk and run again")


def _temp_stem(target: Path) -> str:
    """The part of a temporary name before ``.tmp-``: the target's stem, shortened to fit."""
    room = name_max(target.parent) - _TEMP_TAG_ROOM - name_size(target.suffix) - 1
    return "." + _shorten(target.stem, max(room, _NAME_HASH_CHARS + 1))


def _temp_name(target: Path) -> str:
    # Hidden, unique and recognisable; the same suffix keeps GDAL's driver guess working.
    tag = f"{os.getpid()}-{_HOST}-{uuid.uuid4().hex[:8]}"
    return f"{_temp_stem(target)}.tmp-{tag}{target.suffix}"


_TEMP_TAG = re.compile(
    r"(?:(?P<pid>\d+)-(?P<host>[0-9a-f]{6})-[0-9a-f]{8}|[0-9a-f]{12}|[a-z0-9_]{8}(?=$))"
    r"(?P<rest>.*)",
    re.DOTALL,
)


def _is_temp_of(path: Path, rest: str, suffix: str) -> bool:
    """The part after the tag is the target's suffix (a SQLite sidecar may follow it)."""
    if rest == "":  # an older shapefile work folder (tempfile.mkdtemp) had no suffix
        return suffix == "" or path.is_dir()
    return rest.startswith(suffix) and rest[len(suffix) :] in ("", "-journal", "-wal", "-shm")


def _writer_gone(pid: str | None, host: str | None) -> bool:
    """True when the process that made a temporary file is known to have ended."""
    if pid is None or host != _HOST or os.name == "nt":  # os.kill(pid, 0) kills on Windows
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError, ValueError):  # PermissionError: alive, another user
        return False
    return False


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove temporary files of ``target`` left by writes that were killed.

    A temporary belongs to ``target`` when its name is the target's temporary stem, a
    ``.tmp-`` tag and the target's suffix (plus a SQLite sidecar ending). It is removed
    when the process that made it has ended (same machine), or when it has not changed
    for :data:`STALE_TEMP_SECONDS`; a write still running in another process keeps its file.
    """
    prefix = _temp_stem(target) + ".tmp-"
    removed: list[Path] = []
    now = time.time()
    try:
        candidates = list(target.parent.glob(glob.escape(prefix) + "*"))
    except OSError:
        return removed
    for path in candidates:
        match = _TEMP_TAG.fullmatch(path.name[len(prefix) :])
        if match is None:
            continue
        if not _is_temp_of(path, match["rest"], target.suffix):
            continue
        try:
            old = now - path.lstat().st_mtime > STALE_TEMP_SECONDS
        except OSError:
            continue
        if not (old or _writer_gone(match["pid"], match["host"])):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    for path in removed:
        logger.info("removed %s, left by an earlier write that was interrupted", path.name)
    return removed


def temp_sibling(target: Path) -> Path:
    """A fresh temporary path beside ``target`` (after removing stale ones of ``target``)."""
    remove_stale_temps(target)
    return target.with_name(_temp_name(target))


@contextmanager
def temp_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` for a writer that makes several files (a Shapefile).

    Removed with whatever is left in it when the block ends; an OS error in the block (a
    full disk) becomes one :class:`OutputError` line.
    """
    folder = temp_sibling(target)
    try:
        folder.mkdir()
        yield folder
    except OSError as err:
        raise write_error(err, target) from err
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    temp = temp_sibling(target)
    try:
        yield temp
        if not temp.exists():
            raise OutputError(f"{target}: the writer produced no file; nothing was replaced")
        replace_file(temp, target)
    except OSError as err:  # a full disk, a read-only folder ...: one line, not a traceback
        raise write_error(err, target) from err
    finally:
        _remove_temp(temp)


def output_target(path: PathLike, allowed: Iterable[str], types_hint: str, what: str) -> Path:
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in allowed:
        raise OutputError(f"{target.name}: unknown {what} type '{suffix}'; {types_hint}")
    check_target(target)
    return target


def safe_filename(name: str, *, max_length: int = 80, max_bytes: int = 240) -> str:
    """Turn any area name into a file stem that is safe on Windows, macOS and Linux.

    Letters (Chinese included), digits and ``- _ . + ( ) （ ） 【 】 ·`` are kept; every run
    of anything else (path separators, spaces, control characters, ``<>:"/\\|?*``) and
    leading dots become one ``_``, so a name can never climb out of its folder or hide.
    Windows device names (``CON``, ``NUL``, ``COM1`` ...) get a ``_`` prefix; an empty
    result is ``"_"``.

    The result has at most ``max_length`` characters and ``max_bytes`` bytes in UTF-8
    (file systems allow 255 bytes per name and a Chinese character takes 3: the defaults
    keep 80 Chinese characters and leave room for an extension and a ``-2``). A longer
    name is cut on a character boundary and ends with ``_`` and 8 hex digits of a hash of
    the whole name, so two long names that start alike still get different stems.

    Parameters
    ----------
    name : str
        Any text, e.g. a township name.
    max_length : int
        Maximum length in characters, at least 1.
    max_bytes : int
        Maximum length in UTF-8 bytes, at least 4 (one character of any kind).

    Returns
    -------
    str
        A file stem (add the extension yourself).

    Raises
    ------
    OptionError
        ``max_length`` is less than 1 or ``max_bytes`` less than 4.

    Examples
    --------
    >>> safe_filename("卧龙区 / 七里园乡")
    '卧龙区_七里园乡'
    >>> safe_filename("../etc/passwd"), safe_filename("CON"), safe_filename("")
    ('_etc_passwd', '_CON', '_')
    >>> long = safe_filename("南水北调中线" * 20)
    >>> len(long.encode()) <= 240, long[-9:] != safe_filename("南水北调中线" * 21)[-9:]
    (True, True)
    """
    if max_length < 1:
        raise OptionError(f"max_length must be at least 1, got {max_length}")
    if max_bytes < 4:
        raise OptionError(f"max_bytes must be at least 4, got {max_bytes}")
    text = unicodedata.normalize("NFC", str(name))  # one spelling for composed characters
    stem = _SAFE_NAME_RUN.sub("_", text) or "_"
    if stem.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    if len(stem) <= max_length and len(stem.encode("utf-8")) <= max_bytes:
        return stem
    tail = "_" + _name_hash(stem)
    if max_length <= 2 * len(tail) or max_bytes <= 2 * len(tail):
        tail = ""  # too short to hold a hash: cut only
    room = max_bytes - len(tail)
    cut = stem[: max_length - len(tail)].encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + tail
