"""Memory for a command: freed blocks kept for the next column instead of handed back.

A command allocates and frees columns of millions of rows one after another. Handed back
to the system, each is faulted in again, page by page, by the next one: on this
project's 2-core VM a million rows classified cost about 250,000 page faults and over a
second of system time. Kept, the next column reuses them.

Examples
--------
>>> MMAP_THRESHOLD // 2**20, TRIM_THRESHOLD // 2**30  # MiB, GiB
(32, 1)
"""

from __future__ import annotations

import ctypes
import logging

import pyarrow

__all__ = ["keep_freed_memory"]

logger = logging.getLogger(__name__)

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap, not from mmap (glibc's largest setting on
#: 64-bit systems, 32 MiB: a million float64 values are 8 MB).
MMAP_THRESHOLD = 32 << 20
#: Free memory at the heap's top is handed back only beyond this.
TRIM_THRESHOLD = 1 << 30


def keep_freed_memory() -> None:
    """Give Arrow the C library's allocator and keep freed memory in the process.

    Arrow's default allocator (mimalloc) hands freed memory back to the system. With
    glibc, blocks up to 32 MiB then come from the heap, and the heap keeps up to 1 GiB
    of free memory; other C libraries (musl, macOS) keep their own defaults. For a
    command, which ends soon after; a notebook keeps the defaults.
    """
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if not (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and
            mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        logger.debug("mallopt refused the thresholds; the C library's defaults stay")
