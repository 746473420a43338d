"""Chainage stakes (桩号): ``K12+345`` ⇄ metres.

A stake writes a chainage as kilometres and metres, ``K12+345`` for 12 345 m, optionally
with a prefix (``ZK12+345``, ``中线K12+345``) and decimals (``K12+345.60``).

Examples
--------
>>> format_stake(12345.6)
'K12+346'
>>> format_stake(12345.6, decimals=1, prefix="Z")
'ZK12+345.6'
>>> parse_stake("K12+345.6")
12345.6
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo_guard._errors import GeoGuardError
from geo_guard.io.arrow_text import large

_STAKE_RE = re.compile(
    r"^\s*(?P<sign>-)?(?P<prefix>[^-]*?)[Kk]\s*(?P<km>\d+)\s*[+＋]\s*(?P<m>\d+(?:\.\d*)?)\s*$"
)


def format_stake(chainage_m: float, *, prefix: str = "", decimals: int = 0) -> str:
    """Format one chainage in metres as a stake ``K12+345``.

    Parameters
    ----------
    chainage_m : float
        Chainage in metres. NaN gives an empty string.
    prefix : str, optional
        Text put before the ``K`` (e.g. ``"Z"`` for ``ZK12+345``).
    decimals : int, optional
        Decimals of the metre part.

    Returns
    -------
    str

    Examples
    --------
    >>> format_stake(999.6)
    'K1+000'
    >>> format_stake(-12.0)
    '-K0+012'
    """
    if chainage_m is None:
        return ""
    return str(format_stakes([chainage_m], prefix=prefix, decimals=decimals)[0])


def format_stakes(
    chainages_m: Iterable[float], *, prefix: str = "", decimals: int = 0
) -> np.ndarray:
    """Format many chainages; NaN gives ``""``.

    Examples
    --------
    >>> format_stakes([0.0, 1500.0]).tolist()
    ['K0+000', 'K1+500']
    """
    values = np.asarray(
        chainages_m if isinstance(chainages_m, np.ndarray) else list(chainages_m), dtype=float
    )
    out = np.full(values.shape, "", dtype=object)
    ok = np.isfinite(values)
    if not ok.any():
        return out
    scale = 10.0**decimals
    # Round first so that 999.6 m becomes K1+000, not K0+1000.
    total = np.round(np.abs(values[ok]) * scale) / scale
    km = np.floor(total / 1000.0).astype(np.int64)
    metres = np.round(total - km * 1000.0, decimals)
    carry = metres >= 1000
    km[carry] += 1
    metres[carry] = 0.0
    width = 3 if decimals == 0 else 4 + decimals
    signs = np.where((values[ok] < 0) & (total > 0), "-", "")
    if decimals == 0:  # whole metres, the common case: joined by Arrow, no loop per stake
        text = pc.binary_join_element_wise(
            pa.array(signs, type=pa.large_string()), large(f"{prefix}K"),
            pa.array(km).cast(pa.large_string()), large("+"),
            pc.utf8_lpad(pa.array(metres.astype(np.int64)).cast(pa.large_string()), 3, "0"),
            large(""))
        out[ok] = text.to_numpy(zero_copy_only=False)
        return out
    out[ok] = [
        f"{s}{prefix}K{k}+{m:0{width}.{decimals}f}"
        for s, k, m in zip(signs, km, metres, strict=True)
    ]
    return out


def parse_stake(text: str) -> float:
    """Parse a stake such as ``K12+345``, ``ZK12+345.6`` or ``K12 + 345`` into metres.

    Any prefix before ``K`` is ignored. Raises :class:`GeoGuardError` for text that is not a
    stake.

    Examples
    --------
    >>> parse_stake("ZK0+050")
    50.0
    """
    match = _STAKE_RE.match(str(text))
    if not match or float(match["m"]) >= 1000:
        raise GeoGuardError(
            f"'{text}' is not a stake; write it as K<km>+<metres>, e.g. K12+345 or K12+345.6"
        )
    value = int(match["km"]) * 1000.0 + float(match["m"])
    return -value if match["sign"] else value
