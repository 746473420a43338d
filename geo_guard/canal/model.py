"""The canal: centerline segments in flow order, chainage, stakes and bank side.

A :class:`Canal` holds the centerline in a metric CRS (CGCS2000 Gauss-Kruger or UTM,
chosen from the data) and remembers the caller's CRS. Chainage runs downstream from a
start chainage, optionally calibrated by known stakes. Banks are named looking
downstream: 左岸 is on the left of the flow.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> line = gpd.GeoDataFrame(geometry=[LineString([(500000, 3650000), (501000, 3650000)])],
...                         crs="EPSG:4547")
>>> canal = Canal.from_frame(line, chainage_start_m=12000)
>>> round(canal.length_m)
1000
>>> loc = canal.locate([500250.0], [3650010.0])
>>> loc.stakes().tolist(), loc.banks().tolist(), loc.distance_m.tolist()
(['K12+250'], ['左岸'], [10.0])
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import LineString

from geo_guard._errors import CanalError, name_list
from geo_guard._parallel import chunked
from geo_guard.canal.nearest import nearest_edges
from geo_guard.canal.parts import check_coordinates, join_parts, lonlat
from geo_guard.canal.stakes import format_stakes, parse_stake
from geo_guard.crs import metric_crs_for, with_input_crs
from geo_guard.io.vector import read_vector
from geo_guard.settings import BANK_LEFT, BANK_RIGHT, MAX_REACH_M
from geo_guard.vocabulary.columns import (
    SEGMENT_ATTRIBUTES,
    canonical_column,
    is_missing,
    normalise_value,
)

logger = logging.getLogger(__name__)

#: Chainages beyond this are typos (the whole Middle Route is 1,432 km long).
MAX_CHAINAGE_M = 10_000_000.0


@dataclass(frozen=True)
class CanalLocation:
    """Where points lie relative to the canal (arrays aligned with the input points).

    Attributes
    ----------
    distance_m : ndarray
        Distance to the centerline in metres (NaN for missing points).
    measure_m : ndarray
        Distance along the joined centerline from its upstream start to the nearest point.
    chainage_m : ndarray
        Chainage of the nearest point (start chainage and calibration applied).
    side : ndarray
        +1 left bank, -1 right bank, 0 on the centerline (looking downstream).
    segment_index : ndarray
        Position (0-based) of the nearest segment in :attr:`Canal.segments`; -1 if missing.
    """

    distance_m: np.ndarray
    measure_m: np.ndarray
    chainage_m: np.ndarray
    side: np.ndarray
    segment_index: np.ndarray
    stake_prefix: str = ""

    def banks(self) -> np.ndarray:
        """左岸 / 右岸 per point; empty string on the centerline or for missing points."""
        out = np.full(self.side.shape, "", dtype=object)
        out[self.side > 0] = BANK_LEFT
        out[self.side < 0] = BANK_RIGHT
        return out

    def stakes(self, decimals: int = 0) -> np.ndarray:
        """Stakes ``K12+345`` of the nearest points."""
        return format_stakes(self.chainage_m, prefix=self.stake_prefix, decimals=decimals)


class Canal:
    """A canal centerline in flow order with per-segment attributes.

    Build it with :meth:`from_file` or :meth:`from_frame` rather than directly.

    Parameters
    ----------
    segments : GeoDataFrame
        One LineString per segment in a metric CRS, in flow order, each starting where the
        previous one ends. Columns: ``segment_id`` plus the attributes of DESIGN.md §3.
    crs : pyproj.CRS
        The caller's CRS, used for results handed back.
    chainage_start_m : float
        Chainage at the upstream start.
    calibration : sequence of (measure_m, chainage_m), optional
        Known chainages at positions along the line; chainage is piecewise-linear between
        them and keeps the metre scale outside them.
    stake_prefix : str
        Text put before ``K`` in stakes.
    issues : list of str
        What was repaired while loading (reversed parts, bridged gaps ...).
    """

    def __init__(
        self,
        segments: gpd.GeoDataFrame,
        *,
        crs: pyproj.CRS,
        chainage_start_m: float = 0.0,
        calibration: Sequence[tuple[float, float]] | None = None,
        stake_prefix: str = "",
        issues: Sequence[str] = (),
    ) -> None:
        self.segments = segments
        self.crs = pyproj.CRS.from_user_input(crs)
        self.metric_crs = pyproj.CRS.from_user_input(segments.crs)
        self.stake_prefix = stake_prefix
        self.issues = list(issues)
        coords = [shapely.get_coordinates(g) for g in segments.geometry.values]
        # Consecutive segments share their junction vertex: keep it once.
        joined = np.vstack([coords[0]] + [c[1:] for c in coords[1:]])
        self.line = LineString(joined)
        lengths = np.array([g.length for g in segments.geometry.values])
        ends = np.cumsum(lengths)
        self.segments = segments.assign(start_m=ends - lengths, end_m=ends)
        self._vertices = joined
        edge_len = np.hypot(*np.diff(joined, axis=0).T)
        self._edge_start_m = np.concatenate([[0.0], np.cumsum(edge_len)[:-1]])
        self._edge_len = edge_len
        counts = np.array([len(c) - 1 for c in coords])
        self._edge_segment = np.repeat(np.arange(len(coords)), counts)
        self._set_chainage(calibration or [(0.0, float(chainage_start_m))])

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        layer: str | int | None = None,
        crs: Any = None,
        metric_crs: Any = None,
        reverse: bool = False,
        engine: str = "pyogrio",
        chainage_start_m: float | None = None,
        calibration: gpd.GeoDataFrame | None = None,
        stake_prefix: str = "",
    ) -> Canal:
        """Load a canal centerline from any vector file (see :meth:`from_frame`).

        Examples
        --------
        >>> Canal.from_file("data/boundaries/canal.geojson").segments["segment_id"].iloc[0]
        'S01'
        """
        frame = read_vector(path, layer=layer, engine=engine)
        return cls.from_frame(
            frame,
            crs=crs,
            metric_crs=metric_crs,
            reverse=reverse,
            chainage_start_m=chainage_start_m,
            calibration=calibration,
            stake_prefix=stake_prefix,
            source=Path(path).name,
        )

    @classmethod
    def from_frame(
        cls,
        frame: gpd.GeoDataFrame,
        *,
        crs: Any = None,
        metric_crs: Any = None,
        reverse: bool = False,
        chainage_start_m: float | None = None,
        calibration: gpd.GeoDataFrame | None = None,
        stake_prefix: str = "",
        source: str = "canal",
    ) -> Canal:
        """Build a canal from line features in flow order.

        Parameters
        ----------
        frame : GeoDataFrame
            LineString or MultiLineString features, upstream first. Several features are
            joined in order; a part digitised the wrong way round is flipped.
        crs : optional
            CRS of the data when the file has none or lies (``"gcj02"``, ``"EPSG:4326"`` ...).
        metric_crs : optional
            CRS to compute in. Default: the data's own CRS when it is projected in metres,
            else ``"gk3"`` (CGCS2000 3° Gauss-Kruger zone of the data); also ``"utm"`` or
            any projected CRS.
        reverse : bool
            The line was digitised upstream: flip feature order and direction.
        chainage_start_m : float, optional
            Chainage at the upstream start; default the first feature's ``chainage_start_m``
            attribute, else 0. Later features' ``chainage_start_m`` act as calibration.
        calibration : GeoDataFrame, optional
            Points with a ``stake`` (``K12+345``) or ``chainage_m`` column: known chainages.
        stake_prefix : str
            Text before ``K`` in stakes.
        source : str
            Name used in messages.

        Raises
        ------
        CanalError
            No features, non-line geometry, parts that do not join.
        """
        if len(frame) == 0:
            raise CanalError(f"{source}: no features; give the canal centerline as line features")
        frame = with_input_crs(frame, crs, source)
        frame = frame.rename(
            columns={c: canonical_column(c) for c in frame.columns if c != "geometry"}
        )
        frame = _check_geometry(frame, source)
        frame = frame.explode(index_parts=False, ignore_index=True)
        check_coordinates(frame, source)
        if reverse:
            frame = frame.iloc[::-1].reset_index(drop=True)
            frame["geometry"] = shapely.reverse(frame.geometry.values)
        metric = working_crs(frame, metric_crs, source=source)
        projected = frame.to_crs(metric)
        projected, issues = join_parts(projected, source)
        segments = _segment_table(projected)
        starts = segments.pop("chainage_start_m") if "chainage_start_m" in segments else None
        canal = cls(segments, crs=frame.crs, stake_prefix=stake_prefix, issues=issues)
        canal._set_chainage(_known_chainages(canal, starts, chainage_start_m, calibration, source))
        canal.issues += _crossing_issues(canal, source)
        for issue in canal.issues:
            logger.warning("%s", issue)
        return canal

    # ------------------------------------------------------------------- properties
    @property
    def length_m(self) -> float:
        """Length of the joined centerline in metres."""
        return float(self.line.length)

    @property
    def chainage_range(self) -> tuple[float, float]:
        """Chainage at the upstream start and the downstream end."""
        c = self.chainage_at([0.0, self.length_m])
        return float(c[0]), float(c[1])

    @cached_property
    def _tree(self) -> shapely.STRtree:
        a = self._vertices[:-1]
        b = self._vertices[1:]
        edges = shapely.linestrings(np.stack([a, b], axis=1))
        return shapely.STRtree(edges)

    def centerline(self, crs: Any = None) -> gpd.GeoDataFrame:
        """Segments as a GeoDataFrame with chainage columns, in ``crs`` (default: caller's)."""
        out = self.segments.copy()
        out["chainage_from_m"] = self.chainage_at(out["start_m"].to_numpy())
        out["chainage_to_m"] = self.chainage_at(out["end_m"].to_numpy())
        out["stake_from"] = format_stakes(out["chainage_from_m"], prefix=self.stake_prefix)
        out["stake_to"] = format_stakes(out["chainage_to_m"], prefix=self.stake_prefix)
        out["length_m"] = out["end_m"] - out["start_m"]
        return out.to_crs(self.crs if crs is None else crs)

    def part(self, from_m: float, to_m: float) -> Canal:
        """The stretch between two measures, as a canal of its own.

        Segments keep their ids and attributes (the first and last are cut) and every
        place keeps its chainage, so a stake on the stretch reads as on the whole canal.
        Used to analyse a long canal window by window.

        Parameters
        ----------
        from_m, to_m : float
            Measures along this canal (m from its upstream start), ``from_m < to_m``.

        Examples
        --------
        >>> stretch = canal.part(1200.0, 5000.0)
        >>> round(stretch.length_m, 6), stretch.stake(stretch.chainage_range[0])
        (3800.0, 'K96+200')
        >>> stretch.segments["segment_id"].tolist() == canal.segments["segment_id"][
        ...     (canal.segments["end_m"] > 1200) & (canal.segments["start_m"] < 5000)].tolist()
        True
        """
        from_m, to_m = max(float(from_m), 0.0), min(float(to_m), self.length_m)
        if not to_m > from_m:
            raise CanalError(f"empty stretch {from_m:.1f}-{to_m:.1f} m of a canal of "
                             f"{self.length_m:.1f} m")
        starts = self.segments["start_m"].to_numpy()
        ends = self.segments["end_m"].to_numpy()
        # Pieces under a millimetre would be degenerate segments.
        keep = np.flatnonzero((ends > from_m + 1e-3) & (starts < to_m - 1e-3))
        geoms = [
            _cut_line(self.segments.geometry.values[i], from_m - starts[i], to_m - starts[i])
            for i in keep
        ]
        segments = self.segments.iloc[keep].drop(columns=["start_m", "end_m"])
        segments = segments.set_geometry(gpd.GeoSeries(geoms, index=segments.index,
                                                       crs=self.metric_crs))
        inside = (self._cal_measure > from_m) & (self._cal_measure < to_m)
        known = [(0.0, float(self.chainage_at([from_m])[0]))]
        known += [(float(m - from_m), float(c)) for m, c in
                  zip(self._cal_measure[inside], self._cal_chainage[inside], strict=True)]
        known.append((to_m - from_m, float(self.chainage_at([to_m])[0])))
        return Canal(segments.reset_index(drop=True), crs=self.crs, calibration=known,
                     stake_prefix=self.stake_prefix)

    # ------------------------------------------------------------ chainage & stakes
    def _set_chainage(self, known: Sequence[tuple[float, float]]) -> None:
        """Set (measure, chainage) pairs; chainage must grow downstream."""
        pairs = np.array(sorted(known), dtype=float)
        if not (np.abs(pairs[:, 1]) <= MAX_CHAINAGE_M).all():  # also catches inf and NaN
            raise CanalError(
                f"chainage {pairs[~(np.abs(pairs[:, 1]) <= MAX_CHAINAGE_M), 1][0]:g} m is not "
                f"a chainage: give metres within ±{MAX_CHAINAGE_M / 1000:,.0f} km (check "
                "--chainage-start, the segments' chainage_start_m and the calibration stakes)"
            )
        if np.any(np.diff(pairs[:, 0]) <= 0) or np.any(np.diff(pairs[:, 1]) <= 0):
            raise CanalError(
                "calibration chainages must increase downstream, one per place; check the "
                "stakes of the calibration points and the segments' chainage_start_m"
            )
        self._cal_measure, self._cal_chainage = pairs[:, 0], pairs[:, 1]

    def chainage_at(self, measure_m: Sequence[float] | np.ndarray) -> np.ndarray:
        """Chainage at positions measured along the centerline from its upstream start.

        Between calibration points chainage is linear; outside them it keeps the metre
        scale from the nearest one (as linear-referencing tools do).

        Examples
        --------
        >>> canal.chainage_at([0.0, 500.0]).tolist()  # the sample starts at K95+000
        [95000.0, 95500.0]
        """
        return _calibrated(measure_m, self._cal_measure, self._cal_chainage)

    def measure_at(self, chainage_m: Sequence[float] | np.ndarray) -> np.ndarray:
        """Inverse of :meth:`chainage_at`: position along the line for given chainages."""
        return _calibrated(chainage_m, self._cal_chainage, self._cal_measure)

    def point_at(self, chainage_m: Sequence[float] | np.ndarray) -> np.ndarray:
        """Points (metric CRS) on the centerline at the given chainages."""
        return shapely.line_interpolate_point(self.line, self.measure_at(chainage_m))

    def stake(self, chainage_m: float, decimals: int = 0) -> str:
        """Stake text of one chainage with this canal's prefix.

        Examples
        --------
        >>> canal.stake(12345.0)
        'K12+345'
        """
        return str(format_stakes([chainage_m], prefix=self.stake_prefix, decimals=decimals)[0])

    # ---------------------------------------------------------------------- locate
    def locate(
        self, x: float | Sequence[float] | np.ndarray, y: float | Sequence[float] | np.ndarray
    ) -> CanalLocation:
        """Nearest place on the centerline for points given in the metric CRS.

        Vectorised: a cell grid over an STRtree of the centerline's edges finds each
        point's nearest edge exactly (:mod:`geo_guard.canal.nearest`), then numpy projects
        the point onto it. The bank is the side of the nearest point's tangent; outside a
        turn (nearest point a vertex) the side of the turn's bisecting tangent, which is
        the outside of the turn at any angle; beyond an end the side of the end tangent.
        Only points on the centerline get no bank. The zones
        (:func:`geo_guard.zones.build_zones`) are cut by the same rule, so a point's bank
        and segment are those of the zone piece holding it.

        Parameters
        ----------
        x, y : float or array-like
            Coordinates in :attr:`metric_crs`; NaN marks a missing point. One point may
            be given as two numbers: the result then holds arrays of length one.

        Returns
        -------
        CanalLocation

        Examples
        --------
        >>> x, y = canal.point_at([100_000.0])[0].coords[0]  # the canal flows north-east here
        >>> where = canal.locate([x], [y + 100])
        >>> where.banks().tolist(), where.stakes().tolist()
        (['左岸'], ['K100+036'])
        >>> one = canal.locate(x, y)  # one point as two numbers
        >>> round(float(one.distance_m[0]), 6), one.stakes()[0]
        (0.0, 'K100+000')
        """
        x = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
        y = np.atleast_1d(np.asarray(y, dtype=float)).ravel()
        edge = nearest_edges(self._vertices, self._tree, x, y)  # threaded inside
        # Projection in threads too: element-wise numpy, nearly half of the time.
        distance, measure, side, segment = chunked(self._project, x, y, edge)
        return CanalLocation(
            distance_m=distance,
            measure_m=measure,
            chainage_m=self.chainage_at(measure),
            side=side,
            segment_index=segment,
            stake_prefix=self.stake_prefix,
        )

    def _project(
        self, x: np.ndarray, y: np.ndarray, edge: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Project points onto given edges (``-1`` = none): distance, measure, side, segment.

        The bank is the side of the nearest centerline point's tangent. Inside an edge
        that is the edge's direction. At a vertex where the canal turns, the points whose
        nearest point is the vertex fill the sector outside the turn; they take the side
        of the turn's bisecting tangent (the outside), and at a junction of two segments
        the segment whose edge is on their side of the sector's bisector. At the two
        ends the side of the end tangent counts (a point straight ahead of an end is
        left). Only points on the centerline get 0.
        """
        valid = edge >= 0
        e = np.maximum(edge, 0)
        ax, ay = self._vertices[e, 0], self._vertices[e, 1]
        dx, dy = self._vertices[e + 1, 0] - ax, self._vertices[e + 1, 1] - ay
        px, py = x - ax, y - ay
        length2 = self._edge_len[e] ** 2
        t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
        distance = np.hypot(px - t * dx, py - t * dy)
        measure = self._edge_start_m[e] + t * self._edge_len[e]
        cross = dx * py - dy * px
        side = np.sign(np.nan_to_num(cross))
        segment = self._edge_segment[e].copy()
        # Points whose nearest point is a vertex: the vertex index and its two edges.
        n_edges = len(self._edge_len)
        vertex = np.where(t <= 0.0, e, np.where(t >= 1.0, e + 1, -1))
        at_vertex = valid & (vertex >= 0) & (distance > 0)
        if at_vertex.any():
            k = np.flatnonzero(at_vertex)
            j = vertex[k]
            units = np.diff(self._vertices, axis=0) / self._edge_len[:, None]
            u_in = units[np.clip(j - 1, 0, n_edges - 1)]
            u_out = units[np.clip(j, 0, n_edges - 1)]
            # At the two ends both tangents are the end edge's.
            u_in[j == 0] = u_out[j == 0]
            u_out[j == n_edges] = u_in[j == n_edges]
            tangent = u_in + u_out
            rel = np.column_stack([x[k], y[k]]) - self._vertices[j]
            s = np.sign(tangent[:, 0] * rel[:, 1] - tangent[:, 1] * rel[:, 0])
            turn = np.sign(u_in[:, 0] * u_out[:, 1] - u_in[:, 1] * u_out[:, 0])
            # A turn back on itself has no bisecting tangent: its outside is the right
            # bank, as the zones draw it.
            s = np.where(s == 0, np.where(turn != 0, -turn, np.where(
                (u_in * u_out).sum(axis=1) < 0, -1.0, 1.0)), s)
            side[k] = s
            inner = (j > 0) & (j < n_edges)
            downstream = inner & ((rel * tangent).sum(axis=1) > 0)
            segment[k[downstream]] = self._edge_segment[j[downstream]]
            segment[k[inner & ~downstream]] = self._edge_segment[j[inner & ~downstream] - 1]
        distance[~valid] = np.nan
        measure[~valid] = np.nan
        side = np.where(valid & (distance > 0), side, 0).astype(np.int8)
        segment = np.where(valid, segment, -1)
        return distance, measure, side, segment


# ------------------------------------------------------------------------ helpers
def _cut_line(line: LineString, from_m: float, to_m: float) -> LineString:
    """The part of a line between two distances along it; vertices in between are kept
    exactly, so a cut segment still meets its whole neighbour at the shared vertex."""
    xy = shapely.get_coordinates(line)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    from_m, to_m = max(from_m, 0.0), min(to_m, float(along[-1]))
    inner = (along > from_m) & (along < to_m)
    ends = [np.array([np.interp(d, along, xy[:, 0]), np.interp(d, along, xy[:, 1])])
            if 0.0 < d < along[-1] else xy[0 if d <= 0.0 else -1] for d in (from_m, to_m)]
    return LineString(np.vstack([ends[0], xy[inner], ends[1]]))


def _calibrated(
    values: Sequence[float] | np.ndarray, known_from: np.ndarray, known_to: np.ndarray
) -> np.ndarray:
    """Map values through (known_from -> known_to) pairs: linear between them, at the
    metre scale (slope 1) outside them, NaN kept."""
    v = np.asarray(values, dtype=float)
    out = np.interp(v, known_from, known_to)
    before, after = v < known_from[0], v > known_from[-1]
    out[before] = known_to[0] + (v[before] - known_from[0])
    out[after] = known_to[-1] + (v[after] - known_from[-1])
    out[np.isnan(v)] = np.nan
    return out


def working_crs(
    frame: gpd.GeoDataFrame | gpd.GeoSeries, policy: Any = None, *, source: str = "the data"
) -> pyproj.CRS:
    """Metric CRS to compute in: ``policy`` if given, else the data's own projected CRS
    in metres, else the CGCS2000 3° Gauss-Kruger zone of the data.

    Examples
    --------
    >>> working_crs(gpd.GeoSeries([], crs="EPSG:4547")).to_epsg()
    4547
    """
    if policy is None:
        crs = pyproj.CRS.from_user_input(frame.crs)
        units = {axis.unit_name for axis in crs.axis_info}
        if crs.is_projected and units <= {"metre"}:
            return crs
        policy = "gk3"
    return pyproj.CRS.from_user_input(metric_crs_for(frame, policy, source=source))


_LINE_TYPES = {"LineString", "MultiLineString"}


def _check_geometry(frame: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    geoms = frame.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.all():
        raise CanalError(
            f"{source}: every feature has an empty geometry; give the canal centerline"
        )
    kinds = set(geoms[~missing].geom_type)
    if not kinds <= _LINE_TYPES:
        other = ", ".join(sorted(kinds - _LINE_TYPES))
        raise CanalError(
            f"{source} holds {other} geometry, not lines; give the canal centerline as "
            "LineString features in flow order"
        )
    if missing.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy())[:10])
        logger.warning("%s: feature(s) %s have no geometry and are skipped", source, rows)
    return frame.loc[~missing.to_numpy()].reset_index(drop=True)


def _crossing_issues(canal: Canal, source: str, limit: int = 10) -> list[str]:
    """Where the centerline crosses or doubles back on itself, with lon/lat and stakes.

    Zones, banks and chainage are ambiguous there, so the user is told where to look.
    Non-adjacent edges must not meet at all; adjacent ones only at their shared vertex.
    """
    if shapely.is_simple(canal.line) and not shapely.is_closed(canal.line):
        return []  # GEOS says so in well under a millisecond; the search below is slower
    vertices = canal._vertices
    tree = canal._tree  # its geometries are the edges, in order
    edges = tree.geometries
    first, second = tree.query(edges, predicate="intersects")
    apart = second > first + 1
    adjacent = np.flatnonzero(second == first + 1)
    overlap = np.zeros(len(first), dtype=bool)
    if len(adjacent):
        shared = shapely.intersection(edges[first[adjacent]], edges[second[adjacent]])
        overlap[adjacent] = shapely.length(shared) > 0  # a spike: the line runs back on itself
    hits = np.flatnonzero(apart | overlap)
    if len(hits) == 0:
        return []
    a, b = first[hits], second[hits]
    meet = shapely.intersection(edges[a], edges[b])
    coords, owner = shapely.get_coordinates(meet, return_index=True)
    points = coords[np.unique(owner, return_index=True)[1]]  # the first point of each meeting
    # One report per place (a spike also touches the edge after it there), overlaps first.
    order = np.lexsort((~overlap[hits],))
    _, first_at = np.unique(np.round(points[order]), axis=0, return_index=True)
    keep = np.sort(order[first_at])
    hits, a, b, points = hits[keep], a[keep], b[keep], points[keep]
    stakes = [
        format_stakes(
            canal.chainage_at(canal._edge_start_m[e] + np.hypot(*(points - vertices[e]).T)),
            prefix=canal.stake_prefix,
        )
        for e in (a, b)
    ]
    issues = []
    for k in range(min(len(hits), limit)):
        what = "runs back over itself" if overlap[hits[k]] else "crosses itself"
        issues.append(
            f"{source}: the centerline {what} at {lonlat(points[k], canal.metric_crs)} "
            f"({stakes[0][k]} and {stakes[1][k]}); zones, banks and stakes are wrong there: "
            "check the vertex order of that stretch"
        )
    if len(hits) > limit:
        issues.append(f"{source}: … and {len(hits) - limit} more places where it meets itself")
    return issues


def _structure_from_osm(frame: pd.DataFrame) -> pd.Series:
    """Structure type from OpenStreetMap tags (``bridge=aqueduct``, ``tunnel=culvert`` ...)."""
    structure = pd.Series("明渠", index=frame.index, dtype=object)
    if "bridge" in frame:
        structure[frame["bridge"].isin(["aqueduct", "yes"])] = "渡槽"
    if "tunnel" in frame:
        structure[frame["tunnel"] == "culvert"] = "暗涵"
        # On the Middle Route a canal passing under a river is an inverted siphon.
        structure[frame["tunnel"] == "yes"] = "倒虹吸"
    return structure


def _segment_table(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Canonical segment columns: ids, normalised attribute values, edge distances."""
    out = frame.copy()
    if "segment_id" not in out or out["segment_id"].map(is_missing).any():
        fallback = pd.Series([f"S{i + 1:02d}" for i in range(len(out))], index=out.index)
        out["segment_id"] = (
            out["segment_id"].where(~out["segment_id"].map(is_missing), fallback)
            if "segment_id" in out
            else fallback
        )
    out["segment_id"] = out["segment_id"].astype(str)
    dupes = out["segment_id"].duplicated(keep=False)
    if dupes.any():
        # Exploded multi-part features share an id: number the parts.
        out.loc[dupes, "segment_id"] = (
            out.loc[dupes, "segment_id"]
            + "-"
            + (out[dupes].groupby("segment_id").cumcount() + 1).astype(str)
        )
    if "structure" not in out:
        out["structure"] = _structure_from_osm(out)
    for attribute in SEGMENT_ATTRIBUTES[1:]:
        values = out[attribute] if attribute in out else pd.Series(None, index=out.index)
        out[attribute] = values.map(lambda v, a=attribute: normalise_value(a, v))
    out["structure"] = out["structure"].fillna("明渠")
    for column in ("edge_left_m", "edge_right_m"):
        values = out[column] if column in out else pd.Series(np.nan, index=out.index)
        out[column] = pd.to_numeric(values, errors="coerce")
        numbers = out[column].to_numpy(dtype=float)
        bad = ~np.isnan(numbers) & ~((numbers >= 0) & (numbers <= MAX_REACH_M))
        if bad.any():
            raise CanalError(
                f"{column} is negative, infinite or over {MAX_REACH_M / 1000:.0f} km on "
                f"segment(s) {', '.join(out.loc[bad, 'segment_id'])}; "
                "give the distance from centerline to management edge in metres"
            )
    first = ["segment_id", *SEGMENT_ATTRIBUTES[1:], "edge_left_m", "edge_right_m"]
    rest = [c for c in out.columns if c not in first and c != "geometry"]
    return out[[*first, *rest, "geometry"]]


def _known_chainages(
    canal: Canal,
    segment_starts: pd.Series | None,
    chainage_start_m: float | None,
    calibration: gpd.GeoDataFrame | None,
    source: str,
) -> list[tuple[float, float]]:
    """(measure, chainage) pairs from the start chainage, segment starts and calibration."""
    known: dict[float, float] = {}
    if segment_starts is not None:
        values = pd.to_numeric(segment_starts, errors="coerce").to_numpy()
        for measure, value in zip(canal.segments["start_m"], values, strict=True):
            if np.isfinite(value):
                known[float(measure)] = float(value)
    if chainage_start_m is not None:
        known[0.0] = float(chainage_start_m)
    if calibration is not None and len(calibration):
        points = with_input_crs(calibration, None, "calibration").to_crs(canal.metric_crs)
        if "chainage_m" in points:
            chainages = pd.to_numeric(points["chainage_m"], errors="coerce").to_numpy()
        elif "stake" in points or "桩号" in points:
            column = points["stake"] if "stake" in points else points["桩号"]
            chainages = np.array([parse_stake(s) for s in column])
        else:
            raise CanalError(
                f"{source}: the calibration points need a 'stake' (K12+345) or 'chainage_m' "
                f"column; theirs are: {name_list(c for c in points.columns if c != 'geometry')}"
            )
        xy = shapely.get_coordinates(points.geometry.values)
        loc = canal.locate(xy[:, 0], xy[:, 1])
        far = loc.distance_m > 100
        if far.any():
            raise CanalError(
                f"calibration point(s) {np.flatnonzero(far) + 1} lie more than 100 m "
                "from the centerline; check their position or CRS"
            )
        known.update(zip(loc.measure_m.tolist(), chainages.tolist(), strict=True))
    if not known:
        known[0.0] = 0.0
    return sorted(known.items())
