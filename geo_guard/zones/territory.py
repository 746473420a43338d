"""The plane around a centerline cut by its nearest part: faces that hold on any canal.

Every point near the canal has a nearest centerline point, inside an edge or at a vertex.
The *sites* are those parts, each with the region where its distance formula holds (its
*domain*):

- an **edge side**: the rectangle beside an edge on one bank, out to the reach; inside
  it the distance is the offset from the edge's line (linear in the point);
- a **vertex sector**: the disc sector outside a turn, between the normals of the two
  edges (the points whose nearest point is the vertex), and the round **end caps**,
  quartered by the end tangent; inside it the distance is to the vertex.

Domains overlap wherever the canal turns or comes back near itself. In the overlap of two
sites the nearer one lies on one side of their *bisector*: a straight line between two
edge lines or two vertices, a parabola (sampled) between a vertex and an edge line.
Noding the centerline, the rays where domains of two classes meet, the bisectors and
every site's curves at its band distances, then polygonizing, gives faces that each lie
in one class (segment and bank) and one band, with no overlap and no hole by
construction: a polygonize output is a coverage. Each face is labelled from a point
inside it with :meth:`geo_guard.canal.Canal.locate`, the rule that gives ``classify``
its bank and segment, so zones and classification agree everywhere.

Arcs and parabolas are sampled so that chords stray at most :data:`ARC_TOLERANCE_M`
from the true curve; straight boundaries are exact.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> from geo_guard.canal.model import Canal
>>> hairpin = Canal.from_frame(gpd.GeoDataFrame(geometry=[LineString(
...     [(500000, 3650000), (501000, 3650000), (500000, 3650100)])], crs="EPSG:4547"))
>>> faces = distance_faces(hairpin, np.full((1, 2, 1), 30.0))
>>> inside = faces.band >= 0
>>> sorted(set(faces.side[inside].tolist()))
[-1, 1]
>>> plain = hairpin.line.buffer(30, quad_segs=256)  # the 30 m buffer of the hairpin
>>> round(float(shapely.area(faces.geoms[inside]).sum() / plain.area), 5)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo_guard._parallel import chunked
from geo_guard.canal.model import Canal

#: Largest distance (m) between a sampled arc or parabola chord and the true curve.
ARC_TOLERANCE_M = 0.01

#: Largest distance (m) between the chords of a sector domain's arc and the true arc at
#: the reach, which lies 1 m beyond the last band.
_DOMAIN_TOLERANCE_M = 0.25

#: Overlaps of two domains smaller than this (m²) are not split between them.
_MIN_OVERLAP_M2 = 1e-6

#: How far bisectors go past the outline of the overlap they are clipped to (m), and
#: half the length of the piece of ray that joins two of them there.
_OVERSHOOT_M = 0.01
_WINDOW_M = 0.1

#: Most points sampled on one bisector parabola.
_MAX_PARABOLA_POINTS = 20_000


@dataclass(frozen=True)
class Sites:
    """The parts of a centerline a point can be nearest to, with their domains.

    ``kind`` 0 is an edge side (of edge ``edge``), 1 a vertex sector (``edge`` -1).
    ``origin``/``end`` are the edge's ends
    (kind 0) or the vertex twice (kind 1); ``normal`` is the unit normal toward the site's
    bank (kind 0) or the direction where the sector starts, ``stop`` where it ends
    (counter-clockwise). ``segment`` and ``side`` (+1 left, -1 right bank) name the
    site's class. ``rays`` are the straight lines from a vertex where two domains meet
    (edge normals, a junction sector's bisector, the end tangents and normals);
    ``ray_split`` marks those that may part two classes, ``ray_side`` the bank of the
    domains they bound (0: both).
    """

    kind: np.ndarray
    edge: np.ndarray
    segment: np.ndarray
    side: np.ndarray
    origin: np.ndarray
    end: np.ndarray
    normal: np.ndarray
    stop: np.ndarray
    domain: np.ndarray
    rays: np.ndarray
    ray_split: np.ndarray
    ray_side: np.ndarray


@dataclass(frozen=True)
class Faces:
    """Faces of the partition and the label of each, from a point ``xy`` inside it:
    ``segment`` index, ``side`` (+1 left, -1 right), ``distance`` and ``measure`` of that
    point, and ``band`` (the first band whose limit is at or beyond the distance; -1 past
    the last one, or beyond a flat end).
    """

    geoms: np.ndarray
    segment: np.ndarray
    side: np.ndarray
    distance: np.ndarray
    measure: np.ndarray
    band: np.ndarray
    xy: np.ndarray


def distance_faces(
    canal: Canal,
    limits: np.ndarray,
    *,
    ends: str = "round",
    every_site: bool = False,
    extra_lines: Any = None,
) -> Faces:
    """Cut the plane near the canal into faces of one segment, bank and distance band.

    Parameters
    ----------
    canal : Canal
    limits : ndarray of shape (segments, 2, bands)
        Where the bands of each segment end (metres from the centerline), left bank
        ``[:, 0]`` and right bank ``[:, 1]``, increasing; NaN for a band the bank lacks.
        A face at distance ``d`` gets the first band ``k`` with ``d <= limits[k]``.
    ends : {"round", "flat"}
        ``flat``: faces beyond a canal end (nearest point the end) get band -1.
    every_site : bool
        Also cut between sites of one segment and bank, so that inside every face the
        nearest point runs along one edge or stays at one vertex (corridor strips).
    extra_lines : array of LineString, optional
        More lines to cut along (station cuts, exclusion outlines).

    Returns
    -------
    Faces
    """
    limits = _filled(np.asarray(limits, dtype=float))
    vertices = shapely.get_coordinates(canal.line)
    radius = float(np.nanmax(limits)) + 1.0
    sites = centerline_sites(vertices, _edge_segments(canal), radius, limits)
    # A bank with no band anywhere (the corridor does one bank at a time) only needs
    # to be parted from the other one.
    active = (limits.max(axis=2) > 0)[sites.segment, np.where(sites.side > 0, 0, 1)]
    # The outlines of the domains at the reach are beyond every band: left out. Of the
    # rays only those that may part two classes, unless the measure matters too.
    rays = sites.ray_split.copy()
    if every_site:
        banks = np.unique(sites.side[active])
        rays |= np.isin(sites.ray_side, banks)
    parts = [
        np.array([canal.line], dtype=object),
        sites.rays[rays],
        _band_curves(sites, limits, vertices),
        _bisectors(sites, every_site, canal, radius, active),
    ]
    if extra_lines is not None:
        parts.append(np.asarray(extra_lines, dtype=object))
    linework = np.concatenate(parts)
    linework = linework[~(shapely.is_missing(linework) | shapely.is_empty(linework))]
    try:
        noded = shapely.union_all(linework)
    except shapely.errors.GEOSException:  # pragma: no cover - robustness fallback
        noded = shapely.union_all(linework, grid_size=1e-4)
    geoms = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
    where = canal.locate(xy[:, 0], xy[:, 1])
    segment = where.segment_index
    side = where.side.astype(np.int64)
    band = np.full(len(geoms), -1, dtype=np.int64)
    ok = (segment >= 0) & (side != 0)
    row = limits[segment[ok], np.where(side[ok] > 0, 0, 1)]
    k = (row < where.distance_m[ok, None]).sum(axis=1)
    band[ok] = np.where(k < limits.shape[2], k, -1)
    if ends == "flat":
        band[_beyond_ends(vertices, xy, where.measure_m, canal.length_m)] = -1
    return Faces(geoms, segment, side, where.distance_m, where.measure_m, band, xy)


def centerline_sites(vertices: np.ndarray, edge_segment: np.ndarray, radius: float,
                     ray_radii: Any = ()) -> Sites:
    """Edge sides, turn sectors and end quarters of a polyline, out to ``radius``.

    At a junction of two segments the turn's sector is halved along its bisector: each
    half belongs to the segment whose edge it adjoins. The rays get a vertex at each of
    ``ray_radii`` from their vertex: distances, or band limits of shape (segments, 2,
    bands) (left, right bank), of which a ray gets those of the segments and banks of
    the domains it bounds: the band curves that end on it.

    Examples
    --------
    >>> v = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]])
    >>> s = centerline_sites(v, np.array([0, 1]), 10.0)
    >>> s.kind.tolist()  # 4 edge sides, the turn's sector in two halves, 4 end quarters
    [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    >>> s.segment.tolist(), s.side.tolist()
    ([0, 0, 1, 1, 0, 1, 0, 0, 1, 1], [1, -1, 1, -1, -1, -1, 1, -1, -1, 1])
    """
    a, b = vertices[:-1], vertices[1:]
    d = b - a
    u = d / np.hypot(d[:, 0], d[:, 1])[:, None]
    left = np.column_stack([-u[:, 1], u[:, 0]])
    n_edges = len(u)
    # Edge sides, left then right of every edge.
    e = np.repeat(np.arange(n_edges), 2)
    e_side = np.tile([1, -1], n_edges)
    e_normal = left[e] * e_side[:, None]
    # Turn sectors, outside every turn; a turn back on itself counts as a left turn.
    u1, u2 = u[:-1], u[1:]
    cross = u1[:, 0] * u2[:, 1] - u1[:, 1] * u2[:, 0]
    dot = (u1 * u2).sum(axis=1)
    # A sector wherever the two normals differ, so that the curves of both edges join.
    turns = (left[:-1] != left[1:]).any(axis=1)
    leftward = (cross > 0) | ((cross == 0) & (dot < 0))
    start = np.where(leftward[:, None], -left[:-1], left[1:])
    stop = np.where(leftward[:, None], -left[1:], left[:-1])
    t_side = np.where(leftward, -1, 1)
    seg_in, seg_out = edge_segment[:-1], edge_segment[1:]
    junction = turns & (seg_in != seg_out)
    single = turns & ~junction
    middle = start + stop
    norm = np.hypot(middle[:, 0], middle[:, 1])
    middle = np.where((norm > 1e-12)[:, None], middle / np.maximum(norm, 1e-300)[:, None], u1)
    first = np.where(leftward, seg_in, seg_out)  # the half next to `start`
    second = np.where(leftward, seg_out, seg_in)
    jv = vertices[1:-1]
    # End caps: quarter discs on either side of the end tangent.
    v0, w0, v1, w1 = vertices[0], u[0], vertices[-1], u[-1]
    caps_centre = np.array([v0, v0, v1, v1])
    caps_start = np.array([left[0], -w0, -left[-1], w1])
    caps_stop = np.array([-w0, -left[0], w1, left[-1]])
    caps_side = np.array([1, -1, -1, 1])
    caps_seg = np.array([edge_segment[0]] * 2 + [edge_segment[-1]] * 2)

    j1, j2 = np.flatnonzero(single), np.flatnonzero(junction)
    s_centre = np.concatenate([jv[j1], jv[j2], jv[j2], caps_centre])
    s_start = np.concatenate([start[j1], start[j2], middle[j2], caps_start])
    s_stop = np.concatenate([stop[j1], middle[j2], stop[j2], caps_stop])
    s_side = np.concatenate([t_side[j1], t_side[j2], t_side[j2], caps_side])
    s_seg = np.concatenate([seg_in[j1], first[j2], second[j2], caps_seg])

    kind = np.concatenate([np.zeros(len(e), np.int8), np.ones(len(s_centre), np.int8)])
    origin = np.concatenate([a[e], s_centre])
    end = np.concatenate([b[e], s_centre])
    normal = np.concatenate([e_normal, s_start])
    stop_all = np.concatenate([e_normal, s_stop])
    rect = np.stack([a[e], b[e], b[e] + radius * e_normal, a[e] + radius * e_normal, a[e]],
                    axis=1)
    # The sectors' arcs at the reach only clip bisectors beyond every band (the reach is
    # 1 m past the last one): coarse chords keep them there, with far fewer vertices to
    # intersect the domains with.
    coords, index = arc_coords(s_centre, np.full(len(s_centre), radius), s_start, s_stop,
                               closed=True, tolerance=_DOMAIN_TOLERANCE_M)
    domain = np.concatenate([shapely.polygons(rect),
                             shapely.polygons(shapely.linearrings(coords, indices=index))])
    # Rays: every edge normal at both ends, each junction sector's bisector, the end
    # tangents (between the banks) and end normals (where flat ends cut).
    ray_from = np.concatenate([a[e], b[e], jv[j2], [v0, v1, v0, v0, v1, v1]])
    ray_dir = np.concatenate([e_normal, e_normal, middle[j2],
                              [-w0, w1, left[0], -left[0], left[-1], -left[-1]]])
    # An edge's normals at a junction part two segments where the canal runs straight on.
    at_junction = np.concatenate([[False], seg_in != seg_out, [False]])
    ray_split = np.concatenate([at_junction[e], at_junction[e + 1],
                                np.ones(len(j2) + 6, bool)])
    ray_side = np.concatenate([e_side, e_side, t_side[j2], [0, 0, 1, -1, 1, -1]])
    # The curves at the band limits end on the rays: a vertex there makes the node exact.
    radii = np.asarray(ray_radii, dtype=float)
    if radii.ndim == 3:
        # Only the limits of the classes beside each ray (a long canal has hundreds of
        # distinct limits, and every vertex on a ray is noded again).
        last = len(edge_segment) - 1
        before = edge_segment[np.maximum(e - 1, 0)]
        after = edge_segment[np.minimum(e + 1, last)]
        seg_a = np.concatenate([before, edge_segment[e], seg_in[j2],
                                edge_segment[[0, last, 0, 0, last, last]]])
        seg_b = np.concatenate([edge_segment[e], after, seg_out[j2],
                                edge_segment[[0, last, 0, 0, last, last]]])
        sides = [radii[seg, bank] for seg in (seg_a, seg_b) for bank in (0, 1)]
        mine = [ray_side >= 0, ray_side <= 0] * 2  # left bank, right bank
        steps = np.column_stack([np.where(m[:, None], r, np.nan)
                                 for r, m in zip(sides, mine, strict=True)])
    else:
        steps = np.broadcast_to(radii.reshape(1, -1), (len(ray_from), radii.size))
    steps = np.column_stack([np.zeros(len(ray_from)), steps, np.full(len(ray_from), radius)])
    steps = np.sort(np.where((steps >= 0) & (steps <= radius), steps, np.nan), axis=1)
    new = np.isfinite(steps)
    new[:, 1:] &= steps[:, 1:] != steps[:, :-1]
    row, col = np.nonzero(new)
    rays = shapely.linestrings(ray_from[row] + steps[row, col][:, None] * ray_dir[row],
                               indices=row)
    return Sites(kind, np.concatenate([e, np.full(len(s_centre), -1)]),
                 np.concatenate([edge_segment[e], s_seg]).astype(np.int64),
                 np.concatenate([e_side, s_side]).astype(np.int64), origin, end, normal,
                 stop_all, domain, rays, ray_split, ray_side)


def arc_coords(centre: np.ndarray, radius: np.ndarray, start: np.ndarray, stop: np.ndarray,
               *, closed: bool = False, tolerance: float = ARC_TOLERANCE_M
               ) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of arcs from directions ``start`` counter-clockwise to ``stop``.

    The ends are ``centre + radius * start`` and ``centre + radius * stop`` exactly (so
    they meet the straight lines that end there); in between, the points sit at whole
    multiples of an angle step that depends only on the radius, so two arcs of one circle
    share their points where they overlap. Chords stray at most ``tolerance``
    (:data:`ARC_TOLERANCE_M`) from the circle. ``closed`` adds the centre at both ends
    (a sector's outline).

    Returns
    -------
    (coords, index)
        For ``shapely.linestrings(coords, indices=index)``.

    Examples
    --------
    >>> xy, i = arc_coords(np.zeros((1, 2)), np.array([100.0]), np.array([[1.0, 0.0]]),
    ...                    np.array([[0.0, 1.0]]))
    >>> xy[0].tolist(), xy[-1].tolist(), bool(np.allclose(np.hypot(*xy.T), 100))
    ([100.0, 0.0], [0.0, 100.0], True)
    """
    n = len(centre)
    a0 = np.arctan2(start[:, 1], start[:, 0])
    a1 = np.arctan2(stop[:, 1], stop[:, 0])
    a1 = np.where(a1 <= a0, a1 + 2 * np.pi, a1)
    # No sector sweeps more than half a turn: more is a hair's-breadth one whose two
    # directions came out of order by rounding.
    a1 = np.where(a1 - a0 > np.pi * (1 + 1e-9), a0, a1)
    step = angle_step(radius, tolerance)
    k0 = np.floor(a0 / step).astype(np.int64) + 1
    k1 = np.ceil(a1 / step).astype(np.int64) - 1
    count = np.maximum(k1 - k0 + 1, 0)
    owner = np.repeat(np.arange(n), count)
    k = k0[owner] + np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    angles = k * step[owner]
    keep = (angles > a0[owner] + 1e-9) & (angles < a1[owner] - 1e-9)
    owner, angles = owner[keep], angles[keep]
    inner = centre[owner] + radius[owner, None] * np.column_stack([np.cos(angles),
                                                                   np.sin(angles)])
    first = centre + radius[:, None] * start
    last = centre + radius[:, None] * stop
    # Order: (centre), first, inner points by angle, last, (centre) per arc.
    pieces = [(first, np.arange(n), 1), (inner, owner, 2), (last, np.arange(n), 3)]
    if closed:
        pieces = [(centre, np.arange(n), 0), *pieces, (centre, np.arange(n), 4)]
    xy = np.concatenate([p[0] for p in pieces])
    index = np.concatenate([p[1] for p in pieces])
    rank = np.concatenate([np.full(len(p[1]), p[2]) for p in pieces])
    order = np.lexsort((np.arange(len(index)), rank, index))  # stable: inner stay by angle
    return xy[order], index[order]


def angle_step(radius: np.ndarray, tolerance: float = ARC_TOLERANCE_M) -> np.ndarray:
    """Angle between arc points at each radius: the chord's sagitta stays within
    ``tolerance`` (and at most 1/512 of a turn)."""
    wanted = 2.0 * np.sqrt(2.0 * tolerance / np.maximum(radius, 1e-9))
    count = 4 * np.ceil(2 * np.pi / np.minimum(wanted, np.pi / 256) / 4)
    return 2 * np.pi / count


def _filled(limits: np.ndarray) -> np.ndarray:
    """Limits with a missing band set to the one before: an empty band (so a missing
    last band adds nothing beyond the last given limit)."""
    out = limits.copy()
    for k in range(1, out.shape[2]):
        gap = np.isnan(out[:, :, k])
        out[:, :, k][gap] = out[:, :, k - 1][gap]
    return np.nan_to_num(out, nan=0.0)


def _edge_segments(canal: Canal) -> np.ndarray:
    counts = [len(shapely.get_coordinates(g)) - 1 for g in canal.segments.geometry.values]
    return np.repeat(np.arange(len(counts)), counts)


def _band_curves(sites: Sites, limits: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Each site's curves at its class's band limits: offset lines and arcs.

    On the inside of a turn the offset lines of the two edges cross on the turn's
    bisector; they stop there, at one shared point (fewer crossings to node), where both
    edges still reach that offset from the turn (:func:`_inner_reach`).
    """
    side_index = np.where(sites.side > 0, 0, 1)
    radii = limits[sites.segment, side_index]  # (sites, bands)
    site, band = np.nonzero(radii > 0)
    r = radii[site, band]
    # Equal limits (an empty band) give the same curve once.
    first = np.ones(len(site), dtype=bool)
    first[1:] = (site[1:] != site[:-1]) | (r[1:] != r[:-1])
    site, r = site[first], r[first]
    rect = sites.kind[site] == 0
    rs, rr = site[rect], r[rect]
    start, end = _inner_reach(sites, vertices, sites.edge[rs], sites.side[rs], rr)
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    ss, sr = site[~rect], r[~rect]
    coords, index = arc_coords(sites.origin[ss], sr, sites.normal[ss], sites.stop[ss])
    arcs = shapely.linestrings(coords, indices=index)
    return np.concatenate([lines, arcs])


def _inner_reach(sites: Sites, vertices: np.ndarray, edge: np.ndarray, side: np.ndarray,
                 offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ends of the offset lines of edges (``side``, ``offset``), stopped on the inner
    turn bisectors where that is safe.

    At a vertex turning by ``θ`` toward the line's side, the bisector meets the offset
    ``o`` at ``o tan(θ/2)`` along each edge from the vertex, at ``v + o (n1 + n2) / c``
    with ``n1``, ``n2`` the edges' unit normals and ``c = |n1 + n2|² / 2``. A line stops
    there only when both edges still reach the offset between their two bisectors: then
    the points beyond it are nearer to the other edge itself, not just to its line.
    Else both lines run to their normals and cross as they may (a short edge's line
    underrates the distance to the edge beyond its end).
    """
    n_edges = len(vertices) - 1
    d = np.diff(vertices, axis=0)
    length = np.hypot(d[:, 0], d[:, 1])
    u = d / length[:, None]
    left = np.column_stack([-u[:, 1], u[:, 0]])
    cross = np.zeros(n_edges + 1)
    dot = np.ones(n_edges + 1)
    cross[1:-1] = u[:-1, 0] * u[1:, 1] - u[:-1, 1] * u[1:, 0]
    dot[1:-1] = (u[:-1] * u[1:]).sum(axis=1)
    half_tan = np.abs(cross) / np.maximum(1 + dot, 1e-300)  # tan(θ/2) per vertex

    def along(j: np.ndarray) -> np.ndarray:
        """How far from vertex j along its edges the bisector meets the offset (0: none)."""
        inner = (np.sign(cross[j]) == side) & (j > 0) & (j < n_edges)
        return np.where(inner, offset * half_tan[j], 0.0)

    def reaches(e: np.ndarray) -> np.ndarray:
        ok = (e >= 0) & (e < n_edges)
        ec = np.clip(e, 0, n_edges - 1)
        gap = length[ec] - along(ec) - along(ec + 1)
        return ok & (gap > 1e-9 * np.maximum(length[ec], 1.0))

    mine = reaches(edge)
    normal = left[edge] * side[:, None]
    start = vertices[edge] + offset[:, None] * normal
    end = vertices[edge + 1] + offset[:, None] * normal
    for j, other, point in ((edge, edge - 1, start), (edge + 1, edge + 1, end)):
        stop = mine & (along(j) > 0) & reaches(other)
        jj = j[stop]
        n1 = left[jj - 1] * side[stop, None]
        n2 = left[jj] * side[stop, None]
        both = n1 + n2
        scale = 2 * offset[stop] / (both * both).sum(axis=1)
        point[stop] = vertices[jj] + scale[:, None] * both
    return start, end


def _bisectors(sites: Sites, every_site: bool, canal: Canal, radius: float,
               active: np.ndarray) -> np.ndarray:
    """Where two overlapping domains are equally near, clipped to their overlap (pairs
    with an ``active`` site: one whose class has bands).

    Only the bisectors that can matter are kept: one whose every point has some third
    part of the canal nearer than the pair (a lap beyond the next one of a spiral) parts
    nothing. That is tested on points along it a step ``h`` apart: distances are
    1-Lipschitz, so where the pair is farther than the canal by more than ``h`` at every
    point, it is farther everywhere on the line.
    """
    # Pairs whose boxes meet, of two classes unless every site counts; then the overlap.
    i, j = shapely.STRtree(sites.domain).query(sites.domain, predicate="intersects")
    keep = (i < j) & (active[i] | active[j])
    if not every_site:
        keep &= (sites.segment[i] != sites.segment[j]) | (sites.side[i] != sites.side[j])
    i, j = i[keep], j[keep]
    # Two edge sides that only touch (the two banks of an edge, the next edge straight
    # on) need no overlay: a separating axis says so in numpy.
    rects = np.flatnonzero((sites.kind[i] == 0) & (sites.kind[j] == 0))
    apart = rects[_rects_apart(sites, i[rects], j[rects], radius)]
    i, j = np.delete(i, apart), np.delete(j, apart)
    # GEOS runs without the GIL: the pairs shared among the cores.
    overlap = chunked(shapely.intersection, sites.domain[i], sites.domain[j], min_size=2000)
    big = shapely.area(overlap) > _MIN_OVERLAP_M2
    i, j, overlap = i[big], j[big], overlap[big]
    # Order each pair so that an edge side comes first.
    swap = sites.kind[i] > sites.kind[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    straight = sites.kind[i] == sites.kind[j]
    i = np.concatenate([i[straight], i[~straight]])
    j = np.concatenate([j[straight], j[~straight]])
    overlap = np.concatenate([overlap[straight], overlap[~straight]])
    lines = np.concatenate([
        _straight_bisectors(sites, i[:straight.sum()], j[:straight.sum()],
                            overlap[:straight.sum()]),
        _parabolas(sites, i[straight.sum():], j[straight.sum():], overlap[straight.sum():]),
    ])
    lines = shapely.intersection(lines, overlap)
    # Keep the lines of the clipped results (a bisector may touch an overlap in a point).
    parts, pair = shapely.get_parts(lines, return_index=True)
    line = (shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)
    parts, pair = parts[line], pair[line]
    useful = _useful(sites, canal, parts, i[pair], max(radius / 16.0, 1.0))
    parts, pair = parts[useful], pair[useful]
    # A bisector ends on its overlap's outline (a ray, the centerline), where the next
    # one takes over: each goes on a little past its end, and a short piece of the ray
    # it ends on joins it to the next one (their ends differ by rounding, or by a
    # parabola's sampling).
    return np.concatenate([_extended(parts, _OVERSHOOT_M),
                           _ray_windows(sites, parts, i[pair], j[pair])])


def _rects_apart(sites: Sites, i: np.ndarray, j: np.ndarray, radius: float) -> np.ndarray:
    """Pairs of edge-side domains (rectangles) whose interiors do not meet, or meet in a
    sliver under :data:`_MIN_OVERLAP_M2`: an axis of one of them (its edge or normal)
    on which their projections overlap by at most a hair.

    Coordinates are taken from the first rectangle's corner, so rounding stays far
    below the hair (1e-11 m, times a side of a few km: under the sliver's area).
    """
    def corners(s: np.ndarray, base: np.ndarray) -> np.ndarray:
        o, e, n = sites.origin[s] - base, sites.end[s] - base, sites.normal[s] * radius
        return np.stack([o, e, e + n, o + n], axis=1)

    base = sites.origin[i]
    a, b = corners(i, base), corners(j, base)
    apart = np.zeros(len(i), dtype=bool)
    for s in (i, j):
        u = sites.end[s] - sites.origin[s]
        u = u / np.hypot(u[:, 0], u[:, 1])[:, None]
        for axis in (u, sites.normal[s]):
            pa = np.einsum("nkd,nd->nk", a, axis)
            pb = np.einsum("nkd,nd->nk", b, axis)
            gap = np.maximum(pb.min(axis=1) - pa.max(axis=1), pa.min(axis=1) - pb.max(axis=1))
            apart |= gap >= -1e-11
    return apart


def _useful(sites: Sites, canal: Canal, lines: np.ndarray, site: np.ndarray, step: float
            ) -> np.ndarray:
    """Lines on which the pair may be the canal's nearest part somewhere (see above)."""
    if not len(lines):
        return np.zeros(0, dtype=bool)
    length = shapely.length(lines)
    count = np.ceil(length / step).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(lines)), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    at = length[owner] * k / np.maximum(count[owner] - 1, 1)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[owner], at))
    near = canal.locate(xy[:, 0], xy[:, 1]).distance_m
    s = site[owner]
    rel = xy - sites.origin[s]
    mine = np.where(sites.kind[s] == 0, (rel * sites.normal[s]).sum(axis=1),
                    np.hypot(rel[:, 0], rel[:, 1]))
    # Sample points are at most step / 2 from any point of the line; distances change
    # by at most 2 * step / 2 between them.
    worst = np.full(len(lines), np.inf)
    np.minimum.at(worst, owner, mine - near)
    return worst <= step + 1e-6


def _ray_windows(sites: Sites, lines: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> np.ndarray:
    """Short pieces of the domain rays that the lines' ends lie on."""
    if not len(lines):
        return np.empty(0, dtype=object)
    xy, index = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(index, minlength=len(lines))
    last = np.cumsum(counts) - 1
    ends = np.concatenate([xy[last - counts + 1], xy[last]])
    owners = np.concatenate([np.arange(len(lines))] * 2)
    windows = []
    for site in (a, b):
        s = site[owners]
        rect = sites.kind[s] == 0
        # The two rays of each site: from origin (and end) along the normal, or from the
        # vertex along the sector's start and stop directions.
        for base, direction in ((sites.origin[s], sites.normal[s]),
                                (np.where(rect[:, None], sites.end[s], sites.origin[s]),
                                 np.where(rect[:, None], sites.normal[s], sites.stop[s]))):
            rel = ends - base
            off = np.abs(direction[:, 0] * rel[:, 1] - direction[:, 1] * rel[:, 0])
            along = (rel * direction).sum(axis=1)
            on = (off <= 1e-6 * (1.0 + np.abs(along))) & (along > 0)
            half = _WINDOW_M * direction[on]
            windows.append(shapely.linestrings(np.stack([ends[on] - half, ends[on] + half],
                                                        axis=1)))
    return np.concatenate(windows)


def _extended(lines: np.ndarray, length: float) -> np.ndarray:
    """Lines with both end segments lengthened by ``length`` (m)."""
    if not len(lines):
        return lines
    xy, index = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(index, minlength=len(lines))
    last = np.cumsum(counts) - 1
    first = last - counts + 1
    for end, inner in ((first, first + 1), (last, last - 1)):
        step = xy[end] - xy[inner]
        norm = np.hypot(step[:, 0], step[:, 1])
        ok = norm > 0
        xy[end[ok]] += step[ok] * (length / norm[ok])[:, None]
    return shapely.linestrings(xy, indices=index)


def _straight_bisectors(sites: Sites, i: np.ndarray, j: np.ndarray, overlap: np.ndarray
                        ) -> np.ndarray:
    """Edge-edge (equal offsets) and vertex-vertex (equal distances) bisectors: lines
    ``w . p = c`` (for edges ``w = n_i - n_j`` with the offsets ``n . (p - origin)``), as
    segments across the overlap's bounding box."""
    rect = sites.kind[i] == 0
    n_i, n_j = sites.normal[i], sites.normal[j]
    o_i, o_j = sites.origin[i], sites.origin[j]
    w = np.where(rect[:, None], n_i - n_j, 2.0 * (o_j - o_i))
    c = np.where(
        rect,
        (n_i * o_i).sum(axis=1) - (n_j * o_j).sum(axis=1),
        (o_j * o_j).sum(axis=1) - (o_i * o_i).sum(axis=1),
    )
    norm2 = (w * w).sum(axis=1)
    # Parallel edge lines: one is nearer throughout the overlap; no line (an empty one).
    flat = norm2 <= 1e-18
    norm2 = np.where(flat, 1.0, norm2)
    bounds = shapely.bounds(overlap)
    centre = (bounds[:, :2] + bounds[:, 2:]) / 2
    half = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) + 1.0
    # The line's point nearest the overlap's centre, and its direction.
    foot = centre - (((w * centre).sum(axis=1) - c) / norm2)[:, None] * w
    direction = np.column_stack([-w[:, 1], w[:, 0]]) / np.sqrt(norm2)[:, None]
    lines = shapely.linestrings(
        np.stack([foot - half[:, None] * direction, foot + half[:, None] * direction], axis=1))
    lines[flat] = shapely.LineString()
    return lines


def _parabolas(sites: Sites, edge: np.ndarray, vertex: np.ndarray, overlap: np.ndarray
               ) -> np.ndarray:
    """Points as near to a vertex as to an edge line: parabolas, sampled.

    With the edge's line as the axis (``x`` along it, ``y`` toward its bank) and the
    vertex at height ``f`` over the foot point, the parabola is ``y = (x² + f²) / (2 f)``;
    sampling ``x`` every ``sqrt(8 f tol)`` keeps every chord within ``tol`` of it (its
    curvature is at most ``1 / f``). A vertex behind the edge's line (``f <= 0``) is never
    nearer than the edge inside the edge's domain: no line.
    """
    out = np.full(len(edge), shapely.LineString(), dtype=object)
    normal = sites.normal[edge]
    origin = sites.origin[edge]
    direction = sites.end[edge] - origin
    direction /= np.hypot(direction[:, 0], direction[:, 1])[:, None]
    v = sites.origin[vertex]
    f = ((v - origin) * normal).sum(axis=1)
    ok = np.flatnonzero(f > 1e-9)
    if not len(ok):
        return out
    f, normal, direction = f[ok], normal[ok], direction[ok]
    foot = v[ok] - f[:, None] * normal
    # The overlap's extent along and across the edge, in the parabola's frame.
    ring, owner = shapely.get_coordinates(overlap[ok], return_index=True)
    rel = ring - foot[owner]
    xs = (rel * direction[owner]).sum(axis=1)
    ys = (rel * normal[owner]).sum(axis=1)
    lo = np.full(len(ok), np.inf)
    hi = np.full(len(ok), -np.inf)
    top = np.full(len(ok), -np.inf)
    np.minimum.at(lo, owner, xs)
    np.maximum.at(hi, owner, xs)
    np.maximum.at(top, owner, ys)
    reach = np.sqrt(np.maximum(2 * f * top - f * f, 0.0))
    lo = np.maximum(lo, -reach) - 1.0
    hi = np.minimum(hi, reach) + 1.0
    step = np.sqrt(8 * f * ARC_TOLERANCE_M)
    count = np.clip(np.ceil((hi - lo) / step).astype(np.int64) + 1, 2, _MAX_PARABOLA_POINTS)
    owner = np.repeat(np.arange(len(ok)), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    x = lo[owner] + (hi - lo)[owner] * k / (count[owner] - 1)
    y = (x * x + f[owner] ** 2) / (2 * f[owner])
    points = foot[owner] + x[:, None] * direction[owner] + y[:, None] * normal[owner]
    out[ok] = shapely.linestrings(points, indices=owner)
    return out


def _beyond_ends(vertices: np.ndarray, xy: np.ndarray, measure: np.ndarray, length: float
                 ) -> np.ndarray:
    """Points whose nearest centerline point is an end, and that lie beyond it."""
    out = np.zeros(len(xy), dtype=bool)
    for at, anchor, inward in ((0.0, vertices[0], vertices[1]),
                               (length, vertices[-1], vertices[-2])):
        at_end = np.abs(measure - at) <= 1e-9 * max(length, 1.0)
        out |= at_end & (((xy - anchor) @ (anchor - inward)) > 0)
    return out
