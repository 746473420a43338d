"""GDAL's warnings while a file is read, as one line each instead of a Python warning.

pyogrio passes GDAL's warnings on as Python ``RuntimeWarning``\\ s, which Python prints
with its own source line (``.../pyogrio/raw.py:200: RuntimeWarning: ...`` and the code
line under it) before whatever the command says. Collected here, a reader can drop them
when its own error says the same (an unclosed ring that then fails to build) or log them
as one line naming the file.

Examples
--------
>>> import warnings
>>> with gdal_warnings() as said:
...     warnings.warn_explicit("Non closed ring detected.", RuntimeWarning,
...                            "/x/pyogrio/raw.py", 200)
>>> said
['Non closed ring detected.']
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from geo_guard._errors import one_line

__all__ = ["gdal_warnings"]


@contextmanager
def gdal_warnings() -> Iterator[list[str]]:
    """Collect the GDAL warnings pyogrio raises in the block (one-line texts, in order);
    every other warning is issued again as it came."""
    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield said
        finally:
            others = []
            for warning in caught:
                if issubclass(warning.category, RuntimeWarning) and "pyogrio" in warning.filename:
                    said.append(one_line(warning.message))
                else:
                    others.append(warning)
    for warning in others:  # outside the recording block: the caller's filters apply
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
