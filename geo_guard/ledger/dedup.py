"""Repeat findings: a finding of the same type within a few metres of an open problem is
the same problem found again, not a new one.

Distances are measured in metres in a metric CRS (CGCS2000 3° Gauss-Kruger zone of the
points), never in degrees. Findings are taken in their order: each one is matched to the
nearest open problem of its type within the radius; failing that, to the nearest earlier
finding of the same batch that became a new problem; otherwise it is new.

Examples
--------
>>> new = pd.DataFrame({"lon": [112.3, 112.3001, 112.4], "lat": [33.0, 33.0, 33.0],
...                     "source_type": ["畜禽养殖"] * 3})
>>> none = new.iloc[:0]
>>> m = match_findings(new, none, radius_m=30)
>>> m["earlier"].tolist(), m["existing"].tolist()
([-1, 0, -1], [-1, -1, -1])
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_guard.crs import metric_crs_for

__all__ = ["DEDUP_RADIUS_M", "match_findings", "metric_xy"]

#: Default radius within which a finding of the same type repeats an open problem.
DEDUP_RADIUS_M = 30.0


@lru_cache(maxsize=16)
def _to_metric(epsg: int) -> pyproj.Transformer:
    # Building a transformer costs far more than using it; a ledger keeps measuring in
    # the same one or two zones.
    return pyproj.Transformer.from_crs(4326, epsg, always_xy=True)


def metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat to metres in the CGCS2000 3° Gauss-Kruger zone of the points' centre.

    Examples
    --------
    >>> x, y = metric_xy(np.array([111.0]), np.array([33.0]))
    >>> round(float(x[0]), 3)
    500000.0
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if len(lon) == 0:
        return np.empty(0), np.empty(0)
    crs = metric_crs_for((lon.min(), lat.min(), lon.max(), lat.max()))
    x, y = _to_metric(crs.to_epsg()).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _metric_xy(frames: list[pd.DataFrame]) -> list[tuple[np.ndarray, np.ndarray]]:
    lon = np.concatenate([f["lon"].to_numpy(dtype=float) for f in frames])
    lat = np.concatenate([f["lat"].to_numpy(dtype=float) for f in frames])
    x, y = metric_xy(lon, lat)
    out, start = [], 0
    for frame in frames:
        stop = start + len(frame)
        out.append((x[start:stop], y[start:stop]))
        start = stop
    return out


def _keys(frame: pd.DataFrame, on: tuple[str, ...]) -> np.ndarray:
    """One text per row joining the ``on`` columns (missing as ""): equal keys may repeat."""
    parts = [frame[c].astype(object).where(frame[c].notna(), "").astype(str).to_numpy()
             for c in on]
    if len(parts) == 1:
        return parts[0]
    return np.array(["\x1f".join(values) for values in zip(*parts, strict=True)], dtype=object)


def match_findings(
    new: pd.DataFrame, existing: pd.DataFrame, *, radius_m: float = DEDUP_RADIUS_M,
    on: tuple[str, ...] = ("source_type",),
) -> pd.DataFrame:
    """Match each new finding to an open problem or an earlier finding of the same batch.

    Parameters
    ----------
    new : DataFrame
        Findings in order, with WGS84 ``lon``, ``lat`` and the ``on`` columns.
    existing : DataFrame
        Open problems with the same columns.
    radius_m : float
        A finding within this distance (metres) of a problem of its type repeats it;
        0 turns matching off.
    on : tuple of str
        What "the same problem" must share besides the place: the type by default;
        audit findings add their ``name`` (a missing sign and a missing barrier at one
        road are two problems).

    Returns
    -------
    DataFrame
        Indexed like ``new``: ``existing`` (position in ``existing`` of the matched problem,
        or -1), ``earlier`` (position in ``new`` of the earlier finding it repeats, always a
        new one, or -1) and ``distance_m`` (to the match; NaN when new). Ties go to the
        problem listed first.
    """
    n = len(new)
    out_existing = np.full(n, -1, dtype=np.int64)
    out_earlier = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    if n and radius_m > 0:
        (nx, ny), (ex, ey) = _metric_xy([new, existing])
        new_pts = shapely.points(nx, ny)
        new_types = _keys(new, on)
        if len(existing):
            j, d = _nearest_same_type(new_pts, new_types, shapely.points(ex, ey),
                                      _keys(existing, on), radius_m)
            hit = j >= 0
            out_existing[hit], distance[hit] = j[hit], d[hit]
        _match_within_batch(new_pts, new_types, out_existing < 0, radius_m, out_earlier,
                            distance)
    return pd.DataFrame({"existing": out_existing, "earlier": out_earlier,
                         "distance_m": distance}, index=new.index)


def _nearest_same_type(points: np.ndarray, types: np.ndarray, targets: np.ndarray,
                       target_types: np.ndarray, radius_m: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target of the same type within the radius for every point (-1 if none)."""
    i, j = shapely.STRtree(targets).query(points, predicate="dwithin", distance=radius_m)
    same = types[i] == target_types[j]
    i, j = i[same], j[same]
    d = shapely.distance(points[i], targets[j])
    best_j = np.full(len(points), -1, dtype=np.int64)
    best_d = np.full(len(points), np.nan)
    # nearest first, then the lowest target position among equals
    for a, b, dist in sorted(zip(i.tolist(), j.tolist(), d.tolist(), strict=True),
                             key=lambda t: (t[0], t[2], t[1])):
        if best_j[a] < 0:
            best_j[a], best_d[a] = b, dist
    return best_j, best_d


def _match_within_batch(points: np.ndarray, types: np.ndarray, unmatched: np.ndarray,
                        radius_m: float, earlier: np.ndarray, distance: np.ndarray) -> None:
    """Fill ``earlier``/``distance`` for findings repeating an earlier new one (in place)."""
    todo = np.flatnonzero(unmatched)
    if len(todo) < 2:
        return
    pts = points[todo]
    a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=radius_m)
    keep = (b < a) & (types[todo[a]] == types[todo[b]])
    a, b = todo[a[keep]], todo[b[keep]]
    if len(a) == 0:
        return
    d = shapely.distance(points[a], points[b])
    candidates: dict[int, list[tuple[float, int]]] = {}
    for x, y, dist in zip(a.tolist(), b.tolist(), d.tolist(), strict=True):
        candidates.setdefault(x, []).append((dist, y))
    # In input order: a finding repeats the nearest earlier finding that is itself new.
    for x in sorted(candidates):
        for dist, y in sorted(candidates[x]):
            if earlier[y] < 0:
                earlier[x], distance[x] = y, dist
                break
