"""The outer boundary of each zone level, per bank, as lines to measure markers along.

For a level ``L`` the zone's outer boundary is the exterior of the union of all levels
``<= L`` (so the management area and stricter zones fill it), kept where the zone just
inside it is level ``L`` itself (where a level is absent the stricter one's boundary is
the outer line, and it is counted once, for that level). Of that ring the audit keeps the
parts that run *along* the canal, facing away from it, and splits them per bank:

- parts beyond the canal's ends (round caps, or flat cuts where a district's stretch
  ends) and the radial lines that cross the canal (a study-area cut) are dropped: a
  zone does not end there, the drawing does;
- parts facing the canal (the management edge, when a zones file has no level 0) are
  dropped;
- radial steps *between* outer parts, where the width changes at a segment junction,
  are kept: they are boundary, and turning points too.

Everything is computed in the canal's metric CRS. The ring is cut into pieces of at most
``step_m`` so that each piece is classified on its own (vectorised: one locate call, one
point-in-zone call for all pieces), then runs of kept pieces become lines. A ring kept
all round on one bank stays closed, and spacing along it wraps around.

Examples
--------
>>> from geo_guard.classification import zone_index
>>> outlines = zone_outlines(zone_index(canal, rules), canal, levels=(1,))
>>> outlines[["zone_level", "bank", "closed"]].values.tolist()
[[1, '左岸', False], [1, '右岸', False]]
>>> round(float(outlines["length_m"].iloc[0]))  # 35 km of canal and the steps at junctions
35307
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo_guard.canal import Canal
from geo_guard.classification import ZoneIndex
from geo_guard.settings import BANK_LEFT, BANK_RIGHT, ZONE_NAMES

__all__ = ["DEFAULT_STEP_M", "LineIndex", "level_unions", "turning_points", "zone_outlines"]

#: Longest piece of ring classified on its own (m): where the kept part begins and ends is
#: known to this length.
DEFAULT_STEP_M = 10.0
#: Facing (cosine between the outward normal and the direction away from the canal) below
#: which a piece faces the canal, and above which (in absolute value) it is not radial.
_FACING = 0.5
#: Probe distance (m) off a piece, inside the zone, to read which level lies there.
_PROBE_M = 0.25
#: Slits narrower than twice this (m) between zone pieces are sealed.
_CLOSE_M = 0.01
#: Ring vertices closer than this to the line through their neighbours are dropped before
#: classification: millimetre jogs would give pieces a meaningless direction.
_CLEAN_M = 0.05
#: Where a stricter zone reaches this level's outer line for less than this (m), the line
#: is taken to go on (a step at a junction); longer, the level is absent there.
_BRIDGE_M = 100.0
#: Vertices within this distance of the line are dropped from the output lines (m).
_TIDY_M = 0.01


def level_unions(index: ZoneIndex, levels: Sequence[int]) -> dict[int, shapely.Geometry]:
    """Union of the zones of every level ``<= L``, for each ``L`` asked that exists.

    Examples
    --------
    >>> from geo_guard.classification import zone_index
    >>> sorted(level_unions(zone_index(canal, rules), (1, 2)))
    [1, 2]
    """
    out: dict[int, shapely.Geometry] = {}
    running = None
    for level, geom in zip(index.levels.tolist(), index.geometries, strict=True):
        running = geom if running is None else shapely.union(running, geom)
        if level in levels:
            # Zone pieces snapped to a millimetre grid leave hairline slits where they meet
            # at a junction (the union falls apart there); a closing of 1 cm seals them.
            grown = shapely.buffer(running, _CLOSE_M, join_style="mitre")
            out[level] = shapely.buffer(grown, -_CLOSE_M, join_style="mitre")
            shapely.prepare(out[level])
    return out


def zone_outlines(index: ZoneIndex, canal: Canal, levels: Sequence[int], *,
                  step_m: float = DEFAULT_STEP_M,
                  unions: Mapping[int, shapely.Geometry] | None = None) -> gpd.GeoDataFrame:
    """Outer boundary lines per zone level and bank (see the module text).

    Parameters
    ----------
    index : ZoneIndex
        The zones, in the canal's metric CRS.
    canal : Canal
    levels : sequence of int
        Levels wanted (0 = the management edge, 1 一级, 2 二级, 3 准); absent ones are
        skipped.
    step_m : float
        Classification resolution along the ring.
    unions : mapping, optional
        :func:`level_unions` already computed for these levels.

    Returns
    -------
    GeoDataFrame
        In the canal's metric CRS, ordered by level, bank (左岸 first) and position along
        the canal: ``boundary_id`` (``L1-左岸-1`` …), ``zone_level``, ``zone``, ``bank``,
        ``closed`` (a ring), ``length_m`` and the line.
    """
    if unions is None:
        unions = level_unions(index, levels)
    rows: list[dict[str, object]] = []
    for level, union in unions.items():
        if level not in levels:
            continue
        rings = shapely.get_exterior_ring(shapely.get_parts(union))
        rings = rings[~shapely.is_empty(rings)]
        for ring in rings:
            rows += _outline_runs(ring, level, index, canal, step_m)
    frame = gpd.GeoDataFrame(rows, columns=["zone_level", "bank", "closed", "start_m",
                                            "geometry"], geometry="geometry",
                             crs=canal.metric_crs)
    frame["zone_level"] = frame["zone_level"].astype(np.int64)
    frame["closed"] = frame["closed"].astype(bool)
    bank_order = frame["bank"].map({BANK_LEFT: 0, BANK_RIGHT: 1})
    frame = (frame.assign(_bank=bank_order).sort_values(["zone_level", "_bank", "start_m"])
             .drop(columns=["_bank", "start_m"]).reset_index(drop=True))
    number = frame.groupby(["zone_level", "bank"]).cumcount() + 1
    frame.insert(0, "boundary_id", [f"L{lv}-{b}-{k}" for lv, b, k in
                                    zip(frame["zone_level"], frame["bank"], number, strict=True)])
    frame.insert(2, "zone", frame["zone_level"].map(ZONE_NAMES))
    frame["length_m"] = frame.geometry.length
    return frame[["boundary_id", "zone_level", "zone", "bank", "closed", "length_m", "geometry"]]


def _outline_runs(ring: shapely.Geometry, level: int, index: ZoneIndex, canal: Canal,
                  step_m: float) -> list[dict[str, object]]:
    """Kept runs of one exterior ring, as rows (level, bank, closed, start_m, line)."""
    if not shapely.is_ccw(ring):
        ring = shapely.reverse(ring)
    ring = shapely.simplify(ring, _CLEAN_M)
    # A vertex where the ring crosses the perpendicular through each end of the canal, so
    # that the pieces beyond an end part exactly there.
    ends = shapely.intersection(ring, _end_lines(canal, ring))
    if not shapely.is_empty(ends):
        ring = shapely.snap(ring, ends, 1e-6)
    xy = shapely.get_coordinates(shapely.segmentize(ring, step_m))
    a, b = xy[:-1], xy[1:]
    vector = b - a
    length = np.hypot(vector[:, 0], vector[:, 1])
    good = length > 0
    a, b, vector, length = a[good], b[good], vector[good], length[good]
    n = len(a)
    if n < 3:
        return []
    unit = vector / length[:, None]
    inward = np.column_stack([-unit[:, 1], unit[:, 0]])  # interior lies left of a CCW ring
    mid = (a + b) / 2
    probe = mid + _PROBE_M * inward
    inside = index.level_of_points(probe[:, 0], probe[:, 1])
    own = _bridge_short(inside == level, length, _BRIDGE_M) & (inside <= level)

    where = canal.locate(mid[:, 0], mid[:, 1])
    side = where.side
    # A piece where the side changes (to or from its neighbours) crosses the centerline or
    # its extension beyond an end.
    turns_side = (side != np.roll(side, 1)) | (side != np.roll(side, -1))
    nearest = _points_along(canal.line, where.measure_m)
    away = mid - nearest
    away_len = np.hypot(away[:, 0], away[:, 1])
    away_unit = away / np.where(away_len > 0, away_len, 1.0)[:, None]
    facing = -np.einsum("ij,ij->i", inward, away_unit)  # outward normal . away-from-canal
    beyond = (where.measure_m <= 1e-6) | (where.measure_m >= canal.length_m - 1e-6)
    across = beyond | turns_side | (side == 0)
    inner = ~across & (facing < -_FACING)
    radial = ~across & ~inner & (np.abs(facing) <= _FACING)
    across = _spread_over_radial(across | inner, radial) & ~inner
    keep = own & ~across & ~inner
    label = np.where(keep, side.astype(np.int64), 0)
    rows = []
    for pieces, side, closed, line in _runs(label, a, b):
        # A CCW ring runs upstream along the left bank: turn it to run with the flow.
        rows.append({"zone_level": level, "bank": BANK_LEFT if side > 0 else BANK_RIGHT,
                     "closed": closed, "start_m": float(where.measure_m[pieces].min()),
                     "geometry": shapely.reverse(line) if side > 0 else line})
    return rows


def _end_lines(canal: Canal, reach: shapely.Geometry) -> shapely.Geometry:
    """The perpendiculars through the canal's two ends, long enough to cross ``reach``."""
    xy = shapely.get_coordinates(canal.line)
    x0, y0, x1, y1 = shapely.bounds(shapely.union(reach, canal.line))
    length = float(np.hypot(x1 - x0, y1 - y0))
    lines = []
    for point, towards in ((xy[0], xy[1]), (xy[-1], xy[-2])):
        d = (towards - point) / np.hypot(*(towards - point))
        normal = np.array([-d[1], d[0]]) * length
        lines.append(shapely.linestrings([point - normal, point + normal]))
    return shapely.multilinestrings(lines)


def _points_along(line: shapely.Geometry, measure: np.ndarray) -> np.ndarray:
    """Coordinates at distances along a polyline (numpy; ``line_interpolate_point`` walks
    the line once per point)."""
    xy = shapely.get_coordinates(line)
    along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    return np.column_stack([np.interp(measure, along, xy[:, 0]),
                            np.interp(measure, along, xy[:, 1])])


def _chains(mask: np.ndarray) -> list[np.ndarray]:
    """Maximal runs of True around a ring (cyclic), as index arrays in ring order; a mask
    true all round is not a chain (it has no ends)."""
    if mask.all() or not mask.any():
        return []
    start = int(np.flatnonzero(~mask)[0])
    order = np.roll(np.arange(len(mask)), -start)
    rolled = mask[order]
    edges = np.diff(np.r_[0, rolled.astype(np.int8), 0])
    return [order[lo:hi] for lo, hi in zip(np.flatnonzero(edges == 1),
                                            np.flatnonzero(edges == -1), strict=True)]


def _spread_over_radial(blocked: np.ndarray, radial: np.ndarray) -> np.ndarray:
    """``blocked`` grown over every chain of radial pieces that touches it (cyclic): a
    radial line reaching the canal or its end is a cut across, not a step of the zone."""
    out = blocked.copy()
    n = len(out)
    for chain in _chains(radial):
        if blocked[(chain[0] - 1) % n] or blocked[(chain[-1] + 1) % n]:
            out[chain] = True
    return out


def _bridge_short(own: np.ndarray, length: np.ndarray, max_m: float) -> np.ndarray:
    """``own`` with short stretches between own pieces filled: where a junction step of a
    stricter zone reaches a few metres beyond this level's line, the line goes on."""
    out = own.copy()
    for chain in _chains(~own):
        if length[chain].sum() < max_m:
            out[chain] = True
    return out


def _runs(label: np.ndarray, a: np.ndarray, b: np.ndarray
          ) -> list[tuple[np.ndarray, int, bool, shapely.Geometry]]:
    """Maximal runs of equal non-zero ``label`` around a ring: (pieces, label, closed,
    line). A run crossing the ring's start is joined; a ring kept all round is
    closed."""
    n = len(label)
    if (label == label[0]).all():
        if label[0] == 0:
            return []
        line = shapely.linestrings(np.vstack([a, a[:1]]))
        return [(np.arange(n), int(label[0]), True, _tidy(line))]
    change = np.flatnonzero(label != np.roll(label, 1))
    shift = int(change[0])
    label, order = np.roll(label, -shift), np.roll(np.arange(n), -shift)
    bounds = np.flatnonzero(np.diff(label) != 0) + 1
    out = []
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, n], strict=True):
        if label[lo] == 0:
            continue
        pieces = order[lo:hi]
        coords = np.vstack([a[pieces], b[pieces[-1:]]])
        out.append((pieces, int(label[lo]), False, _tidy(shapely.linestrings(coords))))
    return out


def _tidy(line: shapely.Geometry) -> shapely.Geometry:
    """Drop the extra vertices the classification added (straight-through points)."""
    return shapely.simplify(line, _TIDY_M, preserve_topology=False)


class LineIndex:
    """Long lines cut into short pieces in an STRtree: the nearest line to each point and
    the position along it, without walking a 100 km line once per point.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> index = LineIndex(np.array([LineString([(0, 0), (100, 0), (100, 100)])]), vertices=2)
    >>> line, distance, position = index.locate(shapely.points([[50, 3], [104, 60]]))
    >>> line.tolist(), distance.tolist(), position.tolist()
    ([0, 0], [3.0, 4.0], [50.0, 160.0])
    """

    def __init__(self, lines: np.ndarray, *, vertices: int = 16) -> None:
        coords, owner, starts, pieces_of = [], [], [], []
        piece = 0
        for k, line in enumerate(np.asarray(lines, dtype=object)):
            xy = shapely.get_coordinates(line)
            along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
            cuts = np.r_[np.arange(0, len(xy) - 1, vertices - 1), len(xy) - 1]
            for a, b in itertools.pairwise(cuts):
                coords.append(xy[a:b + 1])
                pieces_of.append(np.full(b - a + 1, piece))
                owner.append(k)
                starts.append(along[a])
                piece += 1
        self.pieces = (shapely.linestrings(np.vstack(coords), indices=np.concatenate(pieces_of))
                       if coords else np.empty(0, dtype=object))
        self.owner = np.asarray(owner, dtype=np.int64)
        self.start_m = np.asarray(starts, dtype=float)
        self.tree = shapely.STRtree(self.pieces)

    def locate(self, points: np.ndarray, max_distance: float | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point: nearest line (-1 when none within ``max_distance``), distance to it
        and position along it (NaN when none)."""
        points = np.asarray(points, dtype=object)
        line = np.full(len(points), -1, dtype=np.int64)
        distance = np.full(len(points), np.nan)
        position = np.full(len(points), np.nan)
        if len(points) and len(self.pieces):
            pairs, found = self.tree.query_nearest(points, max_distance=max_distance,
                                                   return_distance=True, all_matches=False)
            piece = pairs[1]
            line[pairs[0]] = self.owner[piece]
            distance[pairs[0]] = found
            position[pairs[0]] = self.start_m[piece] + shapely.line_locate_point(
                self.pieces[piece], points[pairs[0]])
        return line, distance, position


def turning_points(lines: gpd.GeoDataFrame, *, turn_deg: float, tolerance_m: float = 2.0
                   ) -> gpd.GeoDataFrame:
    """Vertices where a boundary turns by more than ``turn_deg``.

    The line is first simplified by ``tolerance_m`` so that a buffer's arc (many small
    turns) is not a corner but a step of a few metres at a junction is. The ends of an
    open line are not turning points; every vertex of a closed ring may be.

    Returns
    -------
    GeoDataFrame
        ``boundary_id``, ``turn_deg``, ``position_m`` (along the line) and the point.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> step = gpd.GeoDataFrame({"boundary_id": ["b"], "closed": [False]},
    ...     geometry=[LineString([(0, 0), (100, 0), (100, 40), (200, 40)])], crs="EPSG:4547")
    >>> turning_points(step, turn_deg=30)[["turn_deg", "position_m"]].values.tolist()
    [[90.0, 100.0], [90.0, 140.0]]
    """
    ids, turns, points = [], [], []
    for boundary_id, closed, line in zip(lines["boundary_id"], lines["closed"],
                                         lines.geometry.values, strict=True):
        xy = shapely.get_coordinates(shapely.simplify(line, tolerance_m))
        if closed:
            xy = np.vstack([xy[-2:-1], xy])  # the closing vertex gets its turn too
        if len(xy) < 3:
            continue
        d = np.diff(xy, axis=0)
        heading = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
        turn = np.abs((np.diff(heading) + 180.0) % 360.0 - 180.0)
        corner = np.flatnonzero(turn > turn_deg)
        ids += [boundary_id] * len(corner)
        turns.append(turn[corner])
        points.append(xy[corner + 1])
    xy = np.vstack(points) if points else np.empty((0, 2))
    geometry = shapely.points(xy)
    # A corner is a vertex of its own line: locate it there (not on a neighbour's).
    row_of = {b: k for k, b in enumerate(lines["boundary_id"])}
    geoms = np.asarray(lines.geometry.values, dtype=object)
    position = np.full(len(ids), np.nan)
    for k in sorted(set(ids)):
        mine = np.flatnonzero(np.asarray(ids, dtype=object) == k)
        position[mine] = LineIndex(geoms[[row_of[k]]]).locate(geometry[mine])[2]
    return gpd.GeoDataFrame({"boundary_id": ids,
                             "turn_deg": np.round(np.concatenate(turns) if turns else [], 1),
                             "position_m": position},
                            geometry=geometry, crs=lines.crs)
