"""Joining the canal's line features into one clean centerline in flow order.

Each feature (part) is checked for vertices off the globe, oriented end to start,
dropped when it has zero length or repeats an earlier part, and snapped onto the previous
part's end when the gap is small; what was repaired is returned as issues for the user.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> parts = gpd.GeoDataFrame({"segment_id": ["A", "B"]}, crs="EPSG:4547", geometry=[
...     LineString([(500000, 3650000), (501000, 3650000)]),
...     LineString([(502000, 3650000), (501000, 3650000)])])  # B digitised upstream
>>> joined, issues = join_parts(parts, "canal.gpkg")
>>> issues
['canal.gpkg: part B was digitised upstream; reversed']
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo_guard._errors import CanalError
from geo_guard.settings import CANAL_GAP_TOLERANCE_M
from geo_guard.vocabulary.columns import is_missing

#: Gaps between consecutive parts longer than this are an error, not a digitising slip.
MAX_BRIDGED_GAP_M = 500.0

#: Beyond this a projected coordinate (metres) is no place on Earth.
_MAX_PROJECTED_M = 1e8


def check_coordinates(frame: gpd.GeoDataFrame, source: str) -> None:
    """Refuse a vertex that is inf/NaN or off the globe: GEOS and PROJ fail on it later.

    When every vertex is off (lon/lat swapped, a wrong CRS) the metric CRS choice says
    what to do, so only stray vertices are reported here.
    """
    xy, owner = shapely.get_coordinates(frame.geometry.values, return_index=True)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(xy).all(axis=1)
        crs = pyproj.CRS.from_user_input(frame.crs)
        if crs.is_geographic or (crs.is_compound and crs.sub_crs_list[0].is_geographic):
            off = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
            limits = "beyond longitude ±180 / latitude ±90"
        else:
            off = (np.abs(xy) > _MAX_PROJECTED_M).any(axis=1)
            limits = f"beyond ±{_MAX_PROJECTED_M:,.0f} m"
            degrees = (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)
            if len(xy) and degrees.all():
                raise CanalError(
                    f"{source}: coordinates such as ({xy[0, 0]:g}, {xy[0, 1]:g}) look like "
                    f"degrees, but its CRS {crs.name} is in metres; give the real CRS, e.g. "
                    "--crs wgs84 or --crs cgcs2000"
                )
    if off.all() and not bad.any():
        return
    bad |= off
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        what = limits if np.isfinite(xy[k]).all() else "not a finite number"
        raise CanalError(
            f"{source}: part {label(frame, int(owner[k]))} has a vertex at "
            f"({xy[k, 0]:g}, {xy[k, 1]:g}), {what} ({int(bad.sum())} such vertices in all); "
            "fix or delete those vertices"
        )


def join_parts(frame: gpd.GeoDataFrame, source: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Orient the parts end to start, drop repeated and zero-length ones, bridge small gaps."""
    issues: list[str] = []
    geoms = shapely.remove_repeated_points(frame.geometry.values, 0.0)
    zero = shapely.length(geoms) == 0
    repeated = repeated_parts(geoms, ~zero)
    for i in np.flatnonzero(zero | repeated):
        what = "has zero length" if zero[i] else "repeats an earlier part"
        issues.append(f"{source}: part {label(frame, i)} {what}; skipped")
    keep = np.flatnonzero(~zero & ~repeated)
    if len(keep) == 0:
        raise CanalError(
            f"{source}: the centerline has zero length (every vertex is the same place); "
            "give the canal as lines with at least two distinct points"
        )
    frame = frame.iloc[keep].reset_index(drop=True)
    coords = [shapely.get_coordinates(g) for g in geoms[keep]]
    if len(coords) > 1 and first_is_upstream(coords[0], coords[1]):
        issues.append(f"{source}: part {label(frame, 0)} was digitised upstream; reversed")
        coords[0] = coords[0][::-1]
    joined = [0]  # parts kept, in order; each starts exactly where the previous one ends
    for i in range(1, len(coords)):
        prev_end = coords[joined[-1]][-1]
        part = coords[i]
        d_start, d_end = np.hypot(*(part[0] - prev_end)), np.hypot(*(part[-1] - prev_end))
        if d_end < d_start:
            part = part[::-1]
            issues.append(f"{source}: part {label(frame, i)} was digitised upstream; reversed")
        gap = min(d_start, d_end)
        if gap > MAX_BRIDGED_GAP_M:
            where = lonlat(prev_end, frame.crs)
            raise CanalError(
                f"{source}: parts {label(frame, joined[-1])} and {label(frame, i)} do not join "
                f"(gap {gap:.0f} m at {where}); put the features in flow order, or pass --reverse "
                "for a line digitised upstream"
            )
        if gap > CANAL_GAP_TOLERANCE_M:
            issues.append(
                f"{source}: gap of {gap:.1f} m between parts {label(frame, joined[-1])} and "
                f"{label(frame, i)} at {lonlat(prev_end, frame.crs)}; "
                "bridged with a straight line"
            )
        # Snap the start onto the previous end so the segments share the junction exactly.
        # A part that began just past the previous end may then repeat that point as its
        # next vertex: a zero-length edge, which has no direction, so it goes.
        part = np.vstack([prev_end, part[1:]])
        part = part[np.r_[True, np.any(np.diff(part, axis=0) != 0, axis=1)]]
        if len(part) < 2:
            issues.append(
                f"{source}: part {label(frame, i)} has no length once joined to part "
                f"{label(frame, joined[-1])} at {lonlat(prev_end, frame.crs)}; skipped"
            )
            continue
        coords[i] = part
        joined.append(i)
    frame = frame.iloc[joined].reset_index(drop=True)
    kept = [coords[i] for i in joined]
    lines = shapely.linestrings(
        np.vstack(kept), indices=np.repeat(np.arange(len(kept)), [len(c) for c in kept])
    )
    frame = frame.set_geometry(gpd.GeoSeries(lines, index=frame.index, crs=frame.crs))
    return frame, issues


def repeated_parts(geoms: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Parts equal (in either direction) to an earlier usable part.

    Equal lines have the same bounding box, so only parts that share a box are compared:
    sorting the boxes makes this O(n log n) instead of comparing every pair (4,000 parts
    took seconds).
    """
    repeated = np.zeros(len(geoms), dtype=bool)
    candidates = np.flatnonzero(usable)
    if len(candidates) < 2:
        return repeated
    _, group, counts = np.unique(
        shapely.bounds(geoms[candidates]), axis=0, return_inverse=True, return_counts=True
    )
    group = group.reshape(-1)
    for g in np.flatnonzero(counts > 1):
        members = candidates[group == g]  # in input order
        for k in range(1, len(members)):
            if shapely.equals(geoms[members[k]], geoms[members[:k]]).any():
                repeated[members[k]] = True
    return repeated


def first_is_upstream(first: np.ndarray, second: np.ndarray) -> bool:
    """True when the first part's start, not its end, touches the second part."""
    ends = second[[0, -1]]
    d_end = np.hypot(*(ends - first[-1]).T).min()
    d_start = np.hypot(*(ends - first[0]).T).min()
    return bool(d_start < d_end)


def label(frame: gpd.GeoDataFrame, i: int) -> str:
    if "segment_id" in frame and not is_missing(frame["segment_id"].iloc[i]):
        return str(frame["segment_id"].iloc[i])
    return f"#{i + 1}"


def lonlat(xy: np.ndarray, crs: pyproj.CRS) -> str:
    lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(*xy)
    return f"{lon:.6f}E {lat:.6f}N"
