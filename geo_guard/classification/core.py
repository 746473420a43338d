"""Classify risk sources: zone, distance, chainage, stake and bank for every input row.

Every input row comes out once, in input order, with its columns kept and these added:
``zone``, ``zone_level``, ``distance_m`` (to the centerline), ``edge_distance_m`` (to the
management edge), ``zone_boundary_m`` (to the outer line of the zone it lies in),
``chainage_m``, ``stake``, ``bank``, ``segment_id``, WGS84 ``lon``/``lat``, ``source_type``
(the seed's category), ``status`` (``ok``; ``far``: more than 50 km from the canal, to be
checked; ``invalid``) and ``reason``; ``township``/``village`` with an admin layer.
An input column whose name clashes with one of these, or with the Chinese header a
spreadsheet gives one of them (:data:`CHINESE_HEADERS`: 保护区, 状态, 桩号, 岸别 …), is
kept as ``<name>_input``, so the added column keeps its name in every output.

Zones are tested strictest first and a point on a boundary counts as inside, so **a point
exactly on the line between two zones belongs to the stricter zone**. Lines and polygons
take the strictest zone they touch, and ``inside_L0`` … ``inside_L3`` give their length
(m) or area (m²) inside each level.

The hot path has no Python loop per point: prepared polygons answer point-in-zone for all
points at once (:class:`ZoneIndex`), and :meth:`geo_guard.canal.Canal.locate` projects all
points onto their nearest centerline edge with numpy.

Examples
--------
>>> import pandas as pd
>>> from geo_guard import Canal, load_rules
>>> canal = Canal.from_file("data/boundaries/canal.geojson")
>>> rules = load_rules("data/boundaries/zone_rules.example.toml")
>>> table = pd.DataFrame({"名称": ["示意点"], "类型": ["养猪场"],
...                       "经度": [112.30], "纬度": [33.00]})
>>> out = classify(table, canal, rules)
>>> out[["source_type", "status"]].values.tolist()
[['畜禽养殖', 'ok']]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_guard._errors import InputFileError
from geo_guard._parallel import MIN_CHUNK, chunked, gc_paused, ordered_map, workers
from geo_guard.canal.geometry import polygonal
from geo_guard.canal.model import Canal
from geo_guard.canal.stakes import format_stakes
from geo_guard.classification.edges import BoundaryTable, polygon_distances
from geo_guard.classification.hints import gcj02_hint
from geo_guard.classification.summary import (  # noqa: F401  (scripts import them from here)
    row_numbers,
    summarise,
)
from geo_guard.crs import from_wgs84_xy, parse_crs, to_wgs84_xy, with_input_crs
from geo_guard.io import LAYOUT, ROW_NOTES, as_layout
from geo_guard.io.arrow_text import CodedText, pandas_text
from geo_guard.io.coords import REASON_OUT_OF_RANGE, coordinates_from_table
from geo_guard.settings import BANK_LEFT, BANK_RIGHT, FAR_FROM_CANAL_M, OUTSIDE_LEVEL, ZONE_NAMES
from geo_guard.vocabulary.columns import TYPE_HEADERS, find_column
from geo_guard.vocabulary.headers import HEADERS
from geo_guard.vocabulary.source_types import normalise_source_types
from geo_guard.vocabulary.zone_levels import zone_levels
from geo_guard.zones.admin import ADMIN_COLUMNS, admin_join
from geo_guard.zones.build import build_zones, segment_widths
from geo_guard.zones.rules import ZoneRules

logger = logging.getLogger(__name__)

ADDED_COLUMNS = (
    "zone",
    "zone_level",
    "distance_m",
    "edge_distance_m",
    "zone_boundary_m",
    "chainage_m",
    "stake",
    "bank",
    "segment_id",
    "lon",
    "lat",
    "source_type",
    "status",
    "reason",
)

#: Every column classify can add: ``inside_L0`` … ``inside_L3`` for lines and polygons,
#: ``township``/``village`` with an admin layer.
OUTPUT_COLUMNS = (*ADDED_COLUMNS, *(f"inside_L{level}" for level in range(4)), *ADMIN_COLUMNS)
#: Their Chinese headers in spreadsheets (from the one vocabulary, ``vocabulary.headers``).
CHINESE_HEADERS = {column: HEADERS[column] for column in OUTPUT_COLUMNS}


BOTH_BANKS = "两岸"
# Rounding slack when comparing a point's distance with the zones' reach (m).
_REACH_SLACK_M = 1e-6
#: ``status`` of a row placed more than :data:`~geo_guard.settings.FAR_FROM_CANAL_M` from
#: the canal: classified, but listed to be checked (a typing slip, a point in another CRS).
STATUS_FAR = "far"
#: ``attrs`` key of classify's result: notes on the whole table (the GCJ-02 hint).
NOTES = "notes"
REASON_EMPTY_GEOMETRY = "几何为空 / empty geometry"
REASON_REPAIRED = "几何无效，已修复 / invalid geometry repaired"
REASON_LAT_FIRST = (
    "经纬度颠倒（x 为纬度），请交换坐标 / latitude first: x holds the latitude and y the "
    "longitude (EPSG:4490 and EPSG:4326 officially list latitude first); swap the "
    "coordinates (QGIS: Swap X and Y coordinates)"
)


@dataclass(frozen=True)
class ZoneIndex:
    """Zone polygons per level in a metric CRS, prepared for fast tests, strictest first.

    Levels do not overlap: each excludes the stricter ones, so an area or length inside a
    level is counted once.
    """

    levels: np.ndarray
    geometries: np.ndarray
    crs: pyproj.CRS
    #: Widths per segment and bank when the zones come from rules (distances to the edge
    #: and the zone's outer line are then read off them); ``None`` for given polygons.
    boundaries: BoundaryTable | None = None

    @classmethod
    def from_zones(cls, zones: gpd.GeoDataFrame, crs: Any) -> ZoneIndex:
        """Build from zone polygons with a ``zone_level`` (or Chinese ``zone``) column.

        Examples
        --------
        >>> index = ZoneIndex.from_zones(build_zones(canal, rules), canal.metric_crs)
        >>> index.levels.tolist()
        [0, 1, 2, 3]
        """
        levels = zone_levels(zones)
        frame = with_input_crs(zones, None, "zones").to_crs(crs)
        geoms = shapely.make_valid(frame.geometry.values)
        found = sorted(set(levels.tolist()) - {OUTSIDE_LEVEL})
        merged, stricter = [], None
        for level in found:
            union = shapely.union_all(polygonal(geoms[levels == level]))
            own = union if stricter is None else polygonal(shapely.difference(union, stricter))
            stricter = union if stricter is None else shapely.union(stricter, union)
            merged.append(own)
        array = np.array(merged, dtype=object)
        shapely.prepare(array)
        return cls(np.array(found, dtype=np.int64), array, pyproj.CRS.from_user_input(crs))

    def level_of_points(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Strictest level containing each point (boundary counts as inside); 9 outside.

        Examples
        --------
        >>> index = zone_index(canal, rules)
        >>> x, y = canal.point_at([100_000.0])[0].coords[0]
        >>> index.level_of_points(np.array([x, x]), np.array([y + 80, y + 5000])).tolist()
        [1, 9]
        """
        return chunked(self._level_of_points, x, y)

    def reach_m(self, canal: Canal) -> float:
        """Farthest any zone reaches from the centerline (m): the largest distance of a
        polygon vertex, since the farthest point of a polygon from a line is a vertex.

        Examples
        --------
        >>> 1000 < zone_index(canal, rules).reach_m(canal) < 5000
        True
        """
        xy = shapely.get_coordinates(self.geometries)
        if not len(xy):
            return -np.inf
        return float(np.nanmax(canal.locate(xy[:, 0], xy[:, 1]).distance_m))

    def _level_of_points(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        level = np.full(len(x), OUTSIDE_LEVEL, dtype=np.int64)
        todo = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        for value, geom in zip(self.levels, self.geometries, strict=True):
            if len(todo) == 0:
                break
            hit = shapely.intersects_xy(geom, x[todo], y[todo])
            level[todo[hit]] = value
            todo = todo[~hit]
        return level

    def level_of_shapes(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Strictest level each geometry touches, and its measure inside every level.

        Returns
        -------
        level : ndarray of int
        inside : ndarray of shape (n, len(levels))
            Area (polygons) or length (lines) inside each level; 0 for points.
        """
        level = np.full(len(geoms), OUTSIDE_LEVEL, dtype=np.int64)
        inside = np.zeros((len(geoms), len(self.levels)))
        areal = np.isin(shapely.get_type_id(geoms), (3, 6))
        for j, (value, zone) in enumerate(zip(self.levels, self.geometries, strict=True)):
            hit = shapely.intersects(zone, geoms)
            level[hit & (level == OUTSIDE_LEVEL)] = value
            if hit.any():
                part = shapely.intersection(geoms[hit], zone)
                inside[hit, j] = np.where(areal[hit], shapely.area(part), shapely.length(part))
        return level, inside


def zone_index(
    canal: Canal,
    rules: ZoneRules | None = None,
    zones: gpd.GeoDataFrame | None = None,
    *,
    ends: str = "round",
) -> ZoneIndex:
    """Zones to classify against: given polygons, or built from the canal and rules.

    Examples
    --------
    >>> zone_index(canal, rules).levels.tolist()
    [0, 1, 2, 3]
    """
    if zones is not None:
        return ZoneIndex.from_zones(zones, canal.metric_crs)
    if rules is None:
        raise InputFileError("no zones: give a rules file (--rules) or a zones file (--zones)")
    index = ZoneIndex.from_zones(
        build_zones(canal, rules, crs=canal.metric_crs, ends=ends), canal.metric_crs
    )
    table = BoundaryTable.from_widths(segment_widths(canal, rules), len(canal.segments))
    return replace(index, boundaries=table)


def classify(
    sources: pd.DataFrame | gpd.GeoDataFrame,
    canal: Canal,
    rules: ZoneRules | None = None,
    *,
    zones: gpd.GeoDataFrame | ZoneIndex | None = None,
    crs: Any = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    type_col: str | None = None,
    admin: gpd.GeoDataFrame | None = None,
    ends: str = "round",
    geometry: bool = True,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Classify every row of a risk-source table or vector layer.

    Parameters
    ----------
    sources : DataFrame or GeoDataFrame
        A table with coordinate columns (经度/纬度, lon/lat, x/y …), or features of any
        geometry type. Not modified. A dask (or dask-geopandas) frame is classified
        partition by partition on the dask engine and a lazy dask-geopandas frame comes
        back (:func:`geo_guard.classification.dask.classify_dask`).
    canal : Canal
    rules : ZoneRules, optional
        Builds the zones when ``zones`` is not given.
    zones : GeoDataFrame or ZoneIndex, optional
        Zone polygons with ``zone_level`` (e.g. an officially published delineation).
    crs : optional
        CRS of the sources' coordinates: ``wgs84`` (default for tables), ``cgcs2000``,
        ``gcj02``, ``bd09`` or any EPSG code; overrides a vector file's CRS.
    lon_col, lat_col : str, optional
        Coordinate columns of a table when the headers are not recognised.
    type_col : str, optional
        Column holding the risk-source type (default: 类型, 风险源类型, type …).
    admin : GeoDataFrame, optional
        Township/village polygons (columns ``township``/``village`` or 乡镇/行政村).
    ends : {"round", "flat"}
        How zones built from ``rules`` end at the centerline's ends (see
        :func:`geo_guard.zones.build_zones`).
    geometry : bool
        False: a plain DataFrame without the geometry column (the WGS84 place is in
        ``lon``/``lat``), for a table that goes to CSV or Excel: a million point objects
        cost time and memory no one reads. (The dask engine always keeps it.)

    Returns
    -------
    GeoDataFrame or DataFrame
        Same rows, same order, same index; input columns then the added ones. Tables get
        WGS84 point geometry (empty where invalid); vector input keeps its geometry.
        A DataFrame without geometry when ``geometry`` is False.

    Examples
    --------
    >>> table = pd.DataFrame({"经度": ["112°18′00″"], "纬度": ["33°00′00″"], "类型": ["农家乐"]})
    >>> classify(table, canal, rules)[["stake", "bank", "source_type"]].values.tolist()
    [['K103+859', '左岸', '旅游餐饮']]
    """
    if is_dask_frame(sources):
        # A partitioned frame: the dask engine runs this function on every partition.
        from geo_guard.classification.dask import classify_dask

        return classify_dask(sources, canal, rules, zones=zones, crs=crs, lon_col=lon_col,
                             lat_col=lat_col, type_col=type_col, admin=admin, ends=ends)
    index = zones if isinstance(zones, ZoneIndex) else zone_index(canal, rules, zones, ends=ends)
    if isinstance(sources, gpd.GeoDataFrame):
        frame, placed = _place_features(sources, canal, index, crs)
    else:
        frame, placed = _place_table(sources, canal, index, crs, lon_col, lat_col, geometry)
    _add_row_notes(placed["reason"], sources)
    hint = _crs_hint(canal, placed, crs, frame)
    renamed = _clash_names(frame)
    out = _rename_clashes(frame, renamed)
    added = {c: v for c, v in placed.items() if c not in ("_x", "_y")}
    added["source_type"] = _source_types(sources, type_col)
    if admin is not None:
        added.update(admin_join(admin, placed["_x"], placed["_y"], canal.metric_crs))
    # All at once, text built from its few distinct values: column by column, pandas
    # would convert a million Python strings per column (Arrow text in pandas 3).
    # copy=False: each column stays its own array (stacking the floats into one block
    # would copy them, and geopandas copies a plain frame unless told not to).
    # Columns side by side: Arrow's take releases the GIL while pandas hashes the others.
    threads = min(2, workers()) if len(out) >= MIN_CHUNK else 1
    columns = ordered_map(_pandas_column, list(added.values()), threads=threads)
    new = pd.DataFrame(dict(zip(added, columns, strict=True)), index=out.index, copy=False)
    crs_out = getattr(out, "crs", None)
    out = pd.concat([pd.DataFrame(out.drop(columns=[c for c in added if c in out.columns])),
                     new], axis=1)
    ordered = [renamed.get(c, c) for c in frame.columns if c != _geometry_name(frame)]
    extra = [c for c in out.columns if c.startswith("inside_L")]
    admin_cols = [c for c in ADMIN_COLUMNS if c in out.columns]
    columns = [*ordered, *ADDED_COLUMNS, *extra, *admin_cols]
    if geometry:
        result = gpd.GeoDataFrame(out[[*columns, "geometry"]], geometry="geometry",
                                  crs=crs_out, copy=False)
    else:
        result = pd.DataFrame(out[columns])
    result.attrs.clear()
    layout = as_layout(sources.attrs.get(LAYOUT))
    if layout is not None and len(layout.rows) == len(result):
        result.attrs[LAYOUT] = layout  # row numbers of the file, for the lists of rows
    result.attrs[NOTES] = [hint] if hint else []
    return result


def _pandas_column(values: Any) -> Any:
    if isinstance(values, CodedText):
        return values.to_pandas()
    if isinstance(values, np.ndarray) and values.dtype == object:
        return pandas_text(values)
    return values


def _crs_hint(canal: Canal, placed: dict[str, Any], crs: Any, frame: pd.DataFrame) -> str:
    """The GCJ-02 hint when the points were taken as plain lon/lat (no offset given)."""
    parsed = parse_crs(crs)
    if parsed is not None and (parsed.offset or not parsed.crs.is_geographic):
        return ""
    frame_crs = getattr(frame, "crs", None)
    if parsed is None and frame_crs is not None and not frame_crs.is_geographic:
        return ""  # projected coordinates are no web-map picks
    usable = placed["status"] == "ok"
    lon = np.where(usable, placed["lon"], np.nan)
    lat = np.where(usable, placed["lat"], np.nan)
    hint = gcj02_hint(canal, lon, lat)
    if hint:
        logger.warning("%s", hint)
    return hint or ""


def is_dask_frame(frame: object) -> bool:
    """A dask or dask-geopandas frame, recognised without importing dask.

    Examples
    --------
    >>> is_dask_frame(pd.DataFrame())
    False
    """
    module = type(frame).__module__.split(".")[0]
    return module in ("dask", "dask_geopandas", "dask_expr") and hasattr(frame, "npartitions")


# ------------------------------------------------------------------ placing rows
def _place_table(
    table: pd.DataFrame,
    canal: Canal,
    index: ZoneIndex,
    crs: Any,
    lon_col: str | None,
    lat_col: str | None,
    with_geometry: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    coords = coordinates_from_table(table, lon_col=lon_col, lat_col=lat_col, crs=crs)
    # The cached transformer: building one costs a PROJ database look-up per call (a
    # tenth of a second, paid again by every partition of the dask engine).
    x, y = from_wgs84_xy(coords.lon, coords.lat, canal.metric_crs)
    ok = coords.ok
    x, y = np.where(ok, x, np.nan), np.where(ok, y, np.nan)
    placed = _place_points(canal, index, x, y)
    placed.update(
        lon=coords.lon, lat=coords.lat, status=coords.status.copy(), reason=coords.reason.copy()
    )
    _flag_far(placed)
    if not with_geometry:
        return table.copy(deep=False), placed  # shallow: new columns only, never written to
    with gc_paused():  # a million Point objects: no collection every 700 of them
        geometry = chunked(shapely.points, coords.lon, coords.lat)  # GEOS without the GIL
    geometry[~ok] = None
    # A shallow copy: the caller's columns are never written to, only new ones added.
    frame = gpd.GeoDataFrame(
        table.copy(deep=False), geometry=gpd.GeoSeries(geometry, index=table.index),
        crs="EPSG:4326"
    )
    return frame, placed


def _place_features(
    features: gpd.GeoDataFrame,
    canal: Canal,
    index: ZoneIndex,
    crs: Any,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    frame = with_input_crs(features, crs, "sources")
    n = len(frame)
    geoms = frame.to_crs(canal.metric_crs).geometry.values
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    status[missing], reason[missing] = "invalid", REASON_EMPTY_GEOMETRY
    # Coordinates that are inf/NaN, beyond ±180/±90, or that PROJ cannot bring into the
    # metric CRS (it gives inf) would crash GEOS: such rows are invalid, with the reason.
    unusable = _unusable_coordinates(frame.geometry.values, frame.crs, geoms, ~missing)
    for text in set(unusable[unusable != ""]):
        rows = unusable == text
        status[rows], reason[rows] = "invalid", text
    missing |= unusable != ""
    broken = ~missing & ~shapely.is_valid(geoms)
    if broken.any():
        geoms = geoms.copy()
        geoms[broken] = shapely.make_valid(geoms[broken])
        reason[broken] = REASON_REPAIRED
    present = np.flatnonzero(~missing)
    is_point = np.zeros(n, dtype=bool)
    is_point[present] = shapely.get_type_id(geoms[present]) == 0
    anchor = np.full(n, None, dtype=object)
    anchor[present] = shapely.point_on_surface(geoms[present])
    xy = np.full((n, 2), np.nan)
    xy[present] = shapely.get_coordinates(anchor[present])
    placed = _place_points(canal, index, xy[:, 0], xy[:, 1])
    shapes = np.flatnonzero(~missing & ~is_point)
    if len(shapes):
        _place_shapes(canal, index, geoms[shapes], shapes, placed)
    lon, lat = to_wgs84_xy(xy[:, 0], xy[:, 1], canal.metric_crs)
    placed.update(lon=lon, lat=lat, status=status, reason=reason)
    _flag_far(placed)
    return frame, placed


def _unusable_coordinates(
    source: np.ndarray, crs: pyproj.CRS, metric: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """Why each geometry's coordinates cannot be used ("" when they can).

    Examples
    --------
    >>> geoms = np.array([shapely.Point(112.5, 33), shapely.Point(1e10, 0),
    ...                   shapely.Point(33, 112.5)])
    >>> metric = np.array([shapely.Point(0, 0), shapely.Point(np.inf, np.inf),
    ...                    shapely.Point(np.inf, np.inf)])
    >>> why = _unusable_coordinates(geoms, pyproj.CRS(4490), metric, np.ones(3, dtype=bool))
    >>> why[0], why[1] == REASON_OUT_OF_RANGE, why[2] == REASON_LAT_FIRST
    ('', True, True)
    """
    n = len(source)
    out = np.full(n, "", dtype=object)
    rows = np.flatnonzero(present)
    xy, owner = shapely.get_coordinates(source[rows], return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    geographic = crs.is_geographic or (crs.is_compound and crs.sub_crs_list[0].is_geographic)
    with np.errstate(invalid="ignore"):
        if geographic:
            bad |= (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        metric_xy, metric_owner = shapely.get_coordinates(metric[rows], return_index=True)
        failed = np.zeros(len(rows), dtype=bool)
        failed[metric_owner[~np.isfinite(metric_xy).all(axis=1)]] = True
        failed[owner[bad]] = True
        out[rows[failed]] = REASON_OUT_OF_RANGE
        if geographic:
            # A latitude-first file: x holds Chinese latitudes, y Chinese longitudes.
            lat_x = (xy[:, 0] >= 17) & (xy[:, 0] <= 55) & (xy[:, 1] >= 72) & (xy[:, 1] <= 136)
            swapped = np.bincount(owner[lat_x], minlength=len(rows)) == np.bincount(
                owner, minlength=len(rows)
            )
            out[rows[failed & swapped]] = REASON_LAT_FIRST
    return out


def _place_points(canal: Canal, index: ZoneIndex, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The vectorised core: zone, distance, chainage, stake, bank and segment per point."""
    loc = canal.locate(x, y)
    valid = np.isfinite(loc.distance_m)
    # Points farther from the centerline than any zone reaches are outside every zone: only
    # the others are tested (within 5 km of the canal, most points are farther).
    near = np.flatnonzero(loc.distance_m <= index.reach_m(canal) + _REACH_SLACK_M)
    level = np.full(len(x), OUTSIDE_LEVEL, dtype=np.int64)
    level[near] = index.level_of_points(x[near], y[near])
    segment_ids = np.append(canal.segments["segment_id"].to_numpy(dtype=object), "")
    edge, zone = _boundary_distances(index, loc, loc.distance_m, level, x, y)
    # Text columns as numbers into their few values (CodedText): no string per point.
    bank = np.select([loc.side > 0, loc.side < 0], [0, 1], 2)
    return {
        "zone": _zone_names(level, valid),
        "zone_level": pd.arrays.IntegerArray(level, ~valid),
        "distance_m": loc.distance_m,
        "edge_distance_m": edge,
        "zone_boundary_m": zone,
        "chainage_m": loc.chainage_m,
        "stake": _stakes(canal, loc.chainage_m),
        "bank": CodedText([BANK_LEFT, BANK_RIGHT, ""], bank),
        "segment_id": CodedText(segment_ids, loc.segment_index),
        "_x": x,
        "_y": y,
    }


def _place_shapes(
    canal: Canal, index: ZoneIndex, geoms: np.ndarray, rows: np.ndarray, placed: dict[str, Any]
) -> None:
    """Lines and polygons: strictest zone touched, measure inside each level, nearest place."""
    for column in ("zone", "stake", "bank", "segment_id"):  # written row by row below
        placed[column] = np.asarray(placed[column])
    level, inside = index.level_of_shapes(geoms)
    placed["zone"][rows] = np.asarray(_zone_names(level, np.ones(len(rows), dtype=bool)))
    placed["zone_level"][rows] = level
    for j, value in enumerate(index.levels):
        column = placed.setdefault(f"inside_L{value}", np.zeros(len(placed["zone"])))
        column[rows] = inside[:, j]
    # The place on the canal is where the feature comes nearest to the centerline.
    nearest = shapely.get_coordinates(shapely.shortest_line(geoms, canal.line)).reshape(-1, 2, 2)
    loc = canal.locate(nearest[:, 0, 0], nearest[:, 0, 1])
    distance = shapely.distance(geoms, canal.line)
    placed["distance_m"][rows] = distance
    # Measured from where the feature comes nearest (its nearest point on the canal side).
    edge, zone = _boundary_distances(index, loc, distance, level, nearest[:, 0, 0],
                                     nearest[:, 0, 1])
    placed["edge_distance_m"][rows] = edge
    placed["zone_boundary_m"][rows] = zone
    placed["chainage_m"][rows] = loc.chainage_m
    placed["stake"][rows] = np.asarray(_stakes(canal, loc.chainage_m))
    bank = loc.banks()
    bank[shapely.intersects(geoms, canal.line)] = BOTH_BANKS
    placed["bank"][rows] = bank
    placed["segment_id"][rows] = canal.segments["segment_id"].to_numpy(dtype=object)[
        loc.segment_index
    ]


def _boundary_distances(
    index: ZoneIndex, loc: Any, distance: np.ndarray, level: np.ndarray, x: np.ndarray,
    y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance to the management edge and to the zone's outer line (see ``edges``)."""
    if index.boundaries is not None:
        return index.boundaries.distances(loc.segment_index, loc.side, distance, level)
    return polygon_distances(index.levels, index.geometries, x, y, level)


def _zone_names(level: np.ndarray, valid: np.ndarray) -> CodedText:
    lookup = np.full(OUTSIDE_LEVEL + 2, "", dtype=object)  # the last: no zone (invalid)
    for value, name in ZONE_NAMES.items():
        lookup[value] = name
    return CodedText(lookup, np.where(valid, level, OUTSIDE_LEVEL + 1))


def _stakes(canal: Canal, chainage: np.ndarray) -> CodedText:
    """Stakes of many chainages: each whole metre in range is formatted once, then looked
    up, because a million points share a few tens of thousands of metres."""
    ok = np.isfinite(chainage)
    if not ok.any():
        return CodedText([""], np.zeros(len(chainage), dtype=np.int64))
    metres = np.round(np.where(ok, chainage, 0)).astype(np.int64)
    low, high = int(metres[ok].min()), int(metres[ok].max())
    table = format_stakes(np.arange(low, high + 1, dtype=float), prefix=canal.stake_prefix)
    return CodedText(np.append(table, ""), np.where(ok, metres - low, high - low + 1))


def _flag_far(placed: dict[str, Any]) -> None:
    far = np.nan_to_num(placed["distance_m"], nan=0.0) > FAR_FROM_CANAL_M
    placed["status"][far & (placed["status"] == "ok")] = STATUS_FAR
    for i in np.flatnonzero(far):
        km = placed["distance_m"][i] / 1000
        note = (
            f"距总干渠 {km:.1f} 公里，超过 {FAR_FROM_CANAL_M / 1000:.0f} 公里，请核实坐标 / "
            f"{km:.1f} km from the canal (over {FAR_FROM_CANAL_M / 1000:.0f} km); "
            "check the coordinates"
        )
        placed["reason"][i] = f"{placed['reason'][i]}; {note}" if placed["reason"][i] else note


# ------------------------------------------------------------------ columns
def _geometry_name(frame: pd.DataFrame) -> Any:
    """The geometry column's name; None for a plain DataFrame."""
    return frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None


def _clash_names(frame: pd.DataFrame) -> dict[Any, str]:
    """Input columns named like an added column (English or its Chinese header) -> new name.

    ``<name>_input``, or ``<name>_input2`` ... when the input has that name too.
    """
    added = {*CHINESE_HEADERS, *CHINESE_HEADERS.values()}
    taken = {str(c) for c in frame.columns} | added
    renamed: dict[Any, str] = {}
    for column in frame.columns:
        if column == _geometry_name(frame) or str(column) not in added:
            continue
        candidate, number = f"{column}_input", 1
        while candidate in taken:
            number += 1
            candidate = f"{column}_input{number}"
        taken.add(candidate)
        renamed[column] = candidate
    return renamed


def _add_row_notes(reason: np.ndarray, sources: pd.DataFrame) -> None:
    """Append the notes :func:`~geo_guard.io.read_table` left on rows (by index label)."""
    notes = sources.attrs.get(ROW_NOTES)
    if not notes:
        return
    for i, label in enumerate(sources.index):
        note = notes.get(label)
        if note:
            reason[i] = f"{reason[i]}; {note}" if reason[i] else note


def _rename_clashes(frame: pd.DataFrame, renamed: dict[Any, str]) -> pd.DataFrame:
    out = frame.rename(columns=renamed)
    if _geometry_name(frame) not in (None, "geometry"):
        out = out.rename_geometry("geometry")
    return out


def _source_types(sources: pd.DataFrame, type_col: str | None) -> CodedText | np.ndarray:
    column = type_col or find_column(sources.columns, TYPE_HEADERS)
    if type_col is not None and type_col not in sources.columns:
        raise InputFileError(
            f"no column '{type_col}' for --type-col; the columns are: "
            f"{', '.join(map(str, sources.columns))}"
        )
    if column is None:
        return np.full(len(sources), "其他", dtype=object)
    # Each distinct spelling once (factorize reads Arrow text without Python strings).
    codes, uniques = pd.factorize(sources[column], use_na_sentinel=True)
    lookup = np.append(normalise_source_types(list(uniques)), normalise_source_types([None]))
    return CodedText(lookup, codes)  # code -1 (missing) picks the trailing one
