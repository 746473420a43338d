"""Errors raised for a user's mistake: one line that says what is wrong and how to fix it.

Every class derives from :class:`GeoGuardError`, itself a :class:`ValueError`, so callers
can catch them together; the CLI prints ``str(error)`` and exits non-zero without a
traceback.

Examples
--------
>>> from geo_guard._errors import CRSMissingError
>>> try:
...     raise CRSMissingError("canal.geojson has no CRS; pass --crs EPSG:4326")
... except ValueError as err:
...     print(err)
canal.geojson has no CRS; pass --crs EPSG:4326
"""

from __future__ import annotations

from collections.abc import Iterable


class GeoGuardError(ValueError):
    """Base class: a problem with the user's input, options or environment."""


class InputFileError(GeoGuardError):
    """A file cannot be read, is empty, or holds the wrong kind of data."""


class CRSError(GeoGuardError):
    """A coordinate reference system is missing, unknown or unusable."""


class CRSMissingError(CRSError):
    """Data has no CRS and none was given."""


class RulesError(GeoGuardError):
    """The zone-rules file is malformed or does not cover every segment."""


class CanalError(GeoGuardError):
    """The canal centerline is not a usable line in flow order."""


class OptionError(GeoGuardError):
    """A command-line option or function argument is out of range."""


class OutputError(GeoGuardError):
    """An output path cannot be written (unknown extension, missing folder ...)."""


def one_line(text: object) -> str:
    """Any text (an exception, a cell value) folded into one line for a message.

    Examples
    --------
    >>> one_line("line one\\n  line two")
    'line one line two'
    """
    return " ".join(str(text).split())


def name_list(names: Iterable[object], limit: int = 20) -> str:
    """Names joined for a message, cut after ``limit`` with the total.

    Examples
    --------
    >>> name_list(["a", "b", "c"], limit=2)
    'a, b, ... (3 in all)'
    """
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
