"""Ecological corridor (生态廊道): the forest belt per bank, its coverage, gaps and weak stands.

The belt of a segment and bank is the band from the management edge (``outer_0`` of
:func:`geo_guard.zones.segment_widths`) outward by the rule's ``corridor_m`` (100 m a side
by default, 200 m where a rule says so), among the points whose nearest centerline point
is on that segment and bank (as for the zones), with flat ends at the canal's two ends
and an optional exclusion layer (roads, water, buildings) removed.

Coverage is measured on cross-section *strips*: the belt is cut at stations every
``step_m`` of chainage (and at every kilometre and segment junction); a strip holds the
belt whose nearest centerline point lies between two cuts. Its coverage is forest area /
belt area. A gap (断档) is a maximal run of strips below ``min_coverage``, runs closer than
``merge_m`` joined, at least ``min_gap_m`` long. Strips with no belt (taken by the
exclusion layer, or on the inside of a sharp bend) do not split a run: a stretch without
forest is one gap across them, and the gap tells how much of its length was excluded.

How it stays fast (no overlay per station): the partition of the plane by nearest
centerline part, cut at the ends of 100 m slabs and along the exclusion outline, is
noded and polygonized once (:func:`geo_guard.corridor.strips.strip_faces`); every face
is nearest to one edge or one vertex, so its area per strip is an integral in the frame
of that edge, split at the station measures, with no station cut drawn. The forest is
dissolved per slab of belt (small dissolves, found with an STRtree). Away from the
centerline's turns a slab's forest is measured per strip in one numpy pass over its
outline (``-∫ y dx`` split at the station measures); near a turn each face is
overlaid with its slab's forest, vectorised, after prepared predicates settle the faces
wholly in or out of it, and the pieces measured the same way.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString, box
>>> from geo_guard.canal.model import Canal
>>> from geo_guard.zones.rules import rules_from_text
>>> canal = Canal.from_frame(gpd.GeoDataFrame(
...     geometry=[LineString([(500000, 3650000), (501000, 3650000)])], crs="EPSG:4547"))
>>> rules = rules_from_text('''
... [defaults]
... edge_m = 20
... [[rules]]
... default = true
... widths = { first = 50 }
... ''')
>>> forest = gpd.GeoDataFrame(geometry=[box(500000, 3650020, 500400, 3650120),
...                                     box(500600, 3649880, 501000, 3649980)],
...                           crs="EPSG:4547")
>>> result = analyse_corridor(canal, rules, forest)
>>> result.gaps[["bank", "chainage_from_m", "chainage_to_m"]].values.tolist()
[['左岸', 400.0, 1000.0], ['右岸', 0.0, 600.0]]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from geo_guard._errors import CRSMissingError, InputFileError, OptionError
from geo_guard._parallel import ordered_map, workers
from geo_guard.canal.geometry import polygonal, to_crs_valid
from geo_guard.canal.model import Canal
from geo_guard.corridor import tables
from geo_guard.corridor.strips import (
    BankStrips,
    bank_strips,
    offset_points,
    station_breaks,
    strip_faces,
    union_faces,
)
from geo_guard.crs import with_input_crs
from geo_guard.settings import BANK_LEFT, BANK_RIGHT
from geo_guard.vocabulary.columns import find_column
from geo_guard.zones.build import segment_widths
from geo_guard.zones.rules import ZoneRules
from geo_guard.zones.territory import distance_faces

logger = logging.getLogger(__name__)

#: Station spacing along the canal (m).
DEFAULT_STEP_M = 10.0
#: A strip is open (part of a gap) when less than this share of its belt is forest.
DEFAULT_MIN_COVERAGE = 0.5
#: Shortest gap reported (m): the seed's 断档 are stretches, not single missing trees.
DEFAULT_MIN_GAP_M = 50.0
#: Open runs separated by less forest than this (m) are one gap: one planting job.
DEFAULT_MERGE_M = 20.0
#: Stands below this survival rate (保存率) go on the 提质改造 list: a stand that has lost
#: more than 30 % of its trees needs replanting. A working default, not a standard: set the
#: acceptance line your province uses with ``--min-survival``.
DEFAULT_MIN_SURVIVAL = 0.70
#: Stands below this canopy closure (郁闭度) go on the 提质改造 list: forest inventories
#: class 0.20-0.39 as 疏 (sparse), 0.40-0.69 as 中 (medium).
DEFAULT_MIN_CANOPY = 0.40

BANK_SIGNS = {BANK_LEFT: 1.0, BANK_RIGHT: -1.0}

#: Forest attribute headers accepted (Chinese or English, case-insensitive), best first.
FOREST_HEADERS: dict[str, tuple[str, ...]] = {
    "forest_id": ("forest_id", "小班号", "图斑号", "编号", "id", "fid_"),
    "species": ("species", "树种", "优势树种", "主要树种"),
    "planting_year": ("planting_year", "栽植年份", "造林年份", "种植年份", "栽植年度", "year"),
    "survival": ("survival", "survival_rate", "保存率", "造林保存率"),
    "canopy": ("canopy", "canopy_closure", "crown_closure", "郁闭度"),
}



@dataclass(frozen=True)
class CorridorOptions:
    """Thresholds of the corridor analysis (see the module constants for the defaults).

    Raises
    ------
    OptionError
        From :meth:`check` for a value out of range, with the accepted range.

    Examples
    --------
    >>> CorridorOptions(step_m=5).check().step_m
    5.0
    """

    step_m: float = DEFAULT_STEP_M
    min_coverage: float = DEFAULT_MIN_COVERAGE
    min_gap_m: float = DEFAULT_MIN_GAP_M
    merge_m: float = DEFAULT_MERGE_M
    min_survival: float = DEFAULT_MIN_SURVIVAL
    min_canopy: float = DEFAULT_MIN_CANOPY

    def check(self) -> CorridorOptions:
        """Return the options as floats, or raise :class:`OptionError` for a bad one."""
        values = {}
        for name, value in self.__dict__.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise OptionError(f"{_flag(name)} = {value!r}: give a number") from None
            if not math.isfinite(number):
                raise OptionError(f"{_flag(name)} = {value}: give a finite number")
            values[name] = number
        if not 1 <= values["step_m"] <= 1000:
            raise OptionError(f"--step-m = {self.step_m}: give a station spacing of 1 to 1000 m")
        for name in ("min_coverage", "min_survival", "min_canopy"):
            if not 0 <= values[name] <= 1:
                raise OptionError(
                    f"{_flag(name)} = {values[name]:g}: give a share from 0 to 1 "
                    f"(0.5 means 50 %)"
                )
        for name in ("min_gap_m", "merge_m"):
            if values[name] < 0:
                raise OptionError(f"{_flag(name)} = {values[name]:g}: give 0 or more metres")
        return CorridorOptions(**values)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


@dataclass
class CorridorResult:
    """Everything :func:`analyse_corridor` finds; frames in the output CRS, areas in m².

    Attributes
    ----------
    belt : GeoDataFrame
        One row per segment and bank: the belt and its ``belt_m2``, ``forest_m2``,
        ``coverage`` (0-1), ``gap_m``, ``gap_share`` and number of ``gaps``.
    stations : GeoDataFrame
        One row per strip and bank (points at the belt's middle): ``chainage_from_m``,
        ``chainage_to_m``, ``length_m``, ``belt_m2``, ``forest_m2``, ``coverage`` (NaN
        where no belt is left), ``gap_id`` ("" outside gaps).
    gaps : GeoDataFrame
        The 新建新造 list: ``gap_id``, ``bank``, chainages and stakes, ``length_m``,
        ``belt_m2``, ``uncovered_m2`` (area to plant), ``mean_coverage``, ``segment_id``,
        ``township``/``village`` with an admin layer; geometry = the open part of the belt.
    weak_stands : GeoDataFrame
        The 提质改造 list: forest polygons in the belt below a stand threshold, per bank,
        with the ``area_m2`` in the belt, stand attributes and the ``reason``.
    per_km : GeoDataFrame
        Per kilometre and bank: belt, forest, coverage, gap length and share.
    per_township : DataFrame or None
        Per township and bank (with an admin layer).
    options : CorridorOptions
    repaired : list of str
        Ids of forest polygons whose invalid geometry was repaired.
    """

    belt: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    weak_stands: gpd.GeoDataFrame
    per_km: gpd.GeoDataFrame
    per_township: pd.DataFrame | None
    options: CorridorOptions
    repaired: list[str]


# ----------------------------------------------------------------------------- belt
def corridor_belt(
    canal: Canal, rules: ZoneRules, *, exclude: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """The corridor belt per segment and bank, in the canal's metric CRS.

    Parameters
    ----------
    canal : Canal
    rules : ZoneRules
        Give the management-edge distance and ``corridor_m`` per segment.
    exclude : GeoDataFrame, optional
        Polygons removed from the belt (roads, water, buildings); any CRS.

    Returns
    -------
    GeoDataFrame
        ``segment_index``, ``segment_id``, ``bank``, ``rule``, ``inner_m`` (centerline to
        the belt's inner line = management edge), ``outer_m``, ``corridor_m``,
        ``belt_m2`` and the belt polygon. Flat ends at the canal's start and end.

    Examples
    --------
    >>> belt = corridor_belt(canal, rules)
    >>> belt["bank"].iat[0], [float(belt[c].iat[0]) for c in ("inner_m", "outer_m")]
    ('左岸', [60.0, 160.0])
    """
    widths = segment_widths(canal, rules)
    removed = _exclusion(exclude, canal) if exclude is not None else None
    return _belt(canal, widths, _belt_limits(canal, widths), removed)


def _belt(canal: Canal, widths: pd.DataFrame, limits: np.ndarray, removed: Any
          ) -> gpd.GeoDataFrame:
    """The belt frame: band 1 of the partition by nearest part, less the exclusion."""
    outline = None
    if removed is not None and not removed.is_empty:
        outline = np.array([shapely.boundary(removed)], dtype=object)
    faces = distance_faces(canal, limits, ends="flat", extra_lines=outline)
    belt = faces.band == 1
    if outline is not None:
        shapely.prepare(removed)
        belt &= ~shapely.contains_xy(removed, faces.xy[:, 0], faces.xy[:, 1])
    return _belt_frame(canal, widths, faces.geoms[belt], faces.segment[belt], faces.side[belt])


def _belt_limits(canal: Canal, widths: pd.DataFrame) -> np.ndarray:
    """Inner and outer distance of the belt per segment and bank (0 left, 1 right)."""
    limits = np.full((len(canal.segments), 2, 2), np.nan)
    bank = np.where(widths["bank"].to_numpy() == BANK_LEFT, 0, 1)
    inner = widths["outer_0"].to_numpy(dtype=float)
    limits[widths["segment_index"].to_numpy(), bank] = np.column_stack(
        [inner, inner + widths["corridor_m"].to_numpy(dtype=float)])
    return limits


def _belt_frame(canal: Canal, widths: pd.DataFrame, geoms: np.ndarray, segment: np.ndarray,
                side: np.ndarray) -> gpd.GeoDataFrame:
    """The belt per segment and bank from its faces (they share edges exactly)."""
    index = widths["segment_index"].to_numpy()
    sign = np.where(widths["bank"].to_numpy() == BANK_LEFT, 1, -1)
    key = segment * 2 + (side < 0)
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    merged = dict(zip(keys.tolist(), np.split(geoms[order], starts[1:]), strict=True))
    pieces = np.array([union_faces(merged.get(int(i * 2 + (s < 0)), np.empty(0)))
                       for i, s in zip(index, sign, strict=True)], dtype=object)
    inner = widths["outer_0"].to_numpy(dtype=float)
    return gpd.GeoDataFrame(
        {
            "segment_index": index,
            "segment_id": widths["segment_id"].to_numpy(),
            "bank": widths["bank"].to_numpy(),
            "rule": widths["rule"].to_numpy(),
            "inner_m": inner,
            "outer_m": inner + widths["corridor_m"].to_numpy(dtype=float),
            "corridor_m": widths["corridor_m"].to_numpy(dtype=float),
            "belt_m2": shapely.area(pieces),
        },
        geometry=gpd.GeoSeries(pieces, crs=canal.metric_crs),
    )


def _exclusion(exclude: gpd.GeoDataFrame, canal: Canal) -> Any:
    _require_crs(exclude, "the exclusion layer", "save it with its CRS")
    frame = exclude.to_crs(canal.metric_crs)
    geoms = frame.geometry.values
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    areal = shapely.get_type_id(geoms) >= 3
    if len(geoms) and not areal.any():
        raise InputFileError(
            "the exclusion layer holds no polygons; give roads, water and buildings as "
            "polygons (buffer road centerlines to their width first)"
        )
    if (~areal).any():
        logger.warning("exclusion layer: %d non-polygon feature(s) ignored", int((~areal).sum()))
    geoms = polygonal(shapely.make_valid(geoms[areal]))
    return shapely.union_all(geoms) if len(geoms) else Polygon()


# ---------------------------------------------------------------------------- forest
def prepare_forest(
    forest: gpd.GeoDataFrame, *, crs: Any = None, source: str = "forest"
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Forest polygons with canonical attribute columns and valid geometry.

    Recognises Chinese or English headers (:data:`FOREST_HEADERS`): ``forest_id``,
    ``species`` (树种), ``planting_year`` (栽植年份), ``survival`` (保存率) and ``canopy``
    (郁闭度), the last two as shares 0-1 (``85``, ``"85%"`` and ``0.85`` all read 0.85).
    Invalid polygons are repaired with ``make_valid``; empty and non-polygon features are
    dropped. Both are logged as warnings.

    Parameters
    ----------
    forest : GeoDataFrame
    crs : optional
        CRS of the data when the file has none or it is wrong.
    source : str
        Name used in messages.

    Returns
    -------
    (GeoDataFrame, list of str)
        The polygons (same CRS) and the ids of the repaired ones.

    Examples
    --------
    >>> frame, repaired = prepare_forest(gpd.read_file("data/boundaries/forest.geojson"))
    >>> repaired
    ['F0022', 'F0169', 'F0242']
    """
    if crs is None:
        _require_crs(forest, source, "pass --forest-crs (forest_crs= in Python)")
    frame = with_input_crs(forest, crs, source).reset_index(drop=True)
    out = gpd.GeoDataFrame(geometry=frame.geometry.values, crs=frame.crs)
    for name, headers in FOREST_HEADERS.items():
        column = find_column(frame.columns.drop(frame.geometry.name), headers)
        if column is not None:
            out[name] = frame[column].to_numpy()
    if "forest_id" in out:
        out["forest_id"] = out["forest_id"].astype(str)
    else:
        out.insert(0, "forest_id", [f"#{i + 1}" for i in range(len(out))])
    for name in ("survival", "canopy"):
        if name in out:
            out[name] = _shares(out[name], f"{source}: {name}")
    geoms = out.geometry.values.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    broken = ~missing & ~shapely.is_valid(geoms)
    if broken.any():
        geoms[broken] = shapely.make_valid(geoms[broken])
    # Collections (a repaired ring, a mixed layer) keep their polygons.
    mixed = ~missing & (shapely.get_type_id(geoms) == 7)
    if mixed.any():
        geoms[mixed] = polygonal(geoms[mixed])
    areal = ~missing & np.isin(shapely.get_type_id(geoms), (3, 6))
    areal &= ~shapely.is_empty(geoms)
    repaired = out["forest_id"][broken & areal].tolist()
    if repaired:
        logger.warning(
            "%s: %d invalid polygon(s) repaired with make_valid: %s",
            source, len(repaired), ", ".join(repaired[:10]) + (" …" if len(repaired) > 10 else ""),
        )
    dropped = int((~areal).sum())
    if dropped:
        logger.warning("%s: %d feature(s) without polygon geometry skipped", source, dropped)
    out = out.set_geometry(gpd.GeoSeries(geoms, crs=out.crs))
    return out[areal].reset_index(drop=True), repaired


def _require_crs(frame: gpd.GeoDataFrame, source: str, fix: str) -> None:
    if frame.crs is None:
        raise CRSMissingError(
            f"{source} has no CRS; {fix}: wgs84, cgcs2000, gcj02, bd09 or an EPSG code such "
            "as EPSG:4547"
        )


def _shares(values: pd.Series, where: str) -> pd.Series:
    """Numbers as shares 0-1: ``"85%"`` and a column of percentages become 0.85."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        # Numbers already: no text to look for "%" in (a text pass costs 0.1 s a column
        # at 50,000 stands).
        number = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
        percent = np.zeros(len(number), dtype=bool)
    else:
        text = values.astype("string").str.strip()
        percent = text.str.endswith("%").fillna(False).to_numpy()
        number = pd.to_numeric(text.str.rstrip("%"), errors="coerce").to_numpy(dtype=float)
    number[percent] /= 100
    # A column written in per cent (85, 62 …): most values above 1.
    plain = number[~percent & np.isfinite(number)]
    if len(plain) and np.median(plain) > 1:
        number[~percent] /= 100
        logger.info("%s: read as per cent", where)
    bad = (number < 0) | (number > 1)
    if bad.any():
        logger.warning("%s: %d value(s) outside 0-1 ignored", where, int(bad.sum()))
        number[bad] = np.nan
    return pd.Series(number, index=values.index)


# ------------------------------------------------------------------------------- gaps
def find_runs(
    below: np.ndarray, from_m: np.ndarray, to_m: np.ndarray, *, min_length_m: float,
    merge_m: float, neutral: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Runs of consecutive flagged strips: merged when closer than ``merge_m``, then kept
    when at least ``min_length_m`` long.

    Parameters
    ----------
    below : bool array
        Flag per strip, strips in order along the canal.
    from_m, to_m : float arrays
        Where each strip starts and ends (m along the canal).
    neutral : bool array, optional
        Strips with nothing to judge (no belt): a run goes on across them, but neither
        starts nor ends in them, and they do not count as the distance between two runs.

    Returns
    -------
    list of (first, stop)
        Strip index ranges ``first:stop``.

    Examples
    --------
    >>> flags = np.array([1, 1, 0, 1, 1, 1, 0, 0, 0, 1], dtype=bool)
    >>> edges = np.arange(11) * 10.0
    >>> find_runs(flags, edges[:-1], edges[1:], min_length_m=30, merge_m=15)
    [(0, 6)]
    >>> no_belt = np.array([0, 0, 1, 0, 0, 0, 1, 1, 1, 0], dtype=bool)  # road, sharp bend
    >>> find_runs(flags, edges[:-1], edges[1:], min_length_m=30, merge_m=0, neutral=no_belt)
    [(0, 10)]
    """
    counted = np.flatnonzero(~neutral) if neutral is not None else np.arange(len(below))
    flags = np.concatenate([[0], below[counted].astype(np.int8), [0]])
    change = np.flatnonzero(np.diff(flags))
    # Length of judged belt before each judged strip: the distance between runs.
    along = np.concatenate([[0.0], np.cumsum(to_m[counted] - from_m[counted])])
    merged: list[list[int]] = []
    for start, stop in zip(change[::2], change[1::2], strict=True):
        if merged and along[start] - along[merged[-1][1]] < merge_m:
            merged[-1][1] = int(stop)
        else:
            merged.append([int(start), int(stop)])
    runs = [(int(counted[s]), int(counted[e - 1]) + 1) for s, e in merged]
    return [(s, e) for s, e in runs if to_m[e - 1] - from_m[s] >= min_length_m - 1e-6]


# --------------------------------------------------------------------------- analysis
def analyse_corridor(
    canal: Canal,
    rules: ZoneRules,
    forest: gpd.GeoDataFrame,
    *,
    exclude: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    forest_crs: Any = None,
    crs: Any = None,
    step_m: float = DEFAULT_STEP_M,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    min_gap_m: float = DEFAULT_MIN_GAP_M,
    merge_m: float = DEFAULT_MERGE_M,
    min_survival: float = DEFAULT_MIN_SURVIVAL,
    min_canopy: float = DEFAULT_MIN_CANOPY,
) -> CorridorResult:
    """Coverage, gaps (断档) and weak stands of the ecological corridor.

    Parameters
    ----------
    canal : Canal
    rules : ZoneRules
        Management edge and ``corridor_m`` per segment.
    forest : GeoDataFrame
        Forest polygons, any CRS, attribute names in Chinese or English
        (:func:`prepare_forest`). May be empty: then each bank is one gap.
    exclude : GeoDataFrame, optional
        Polygons taken out of the belt (roads, water, buildings).
    admin : GeoDataFrame, optional
        Township/village polygons (``township``/``village`` or 乡镇/行政村).
    forest_crs : optional
        CRS of the forest data when it has none or it is wrong.
    crs : optional
        CRS of the returned frames (default: the canal's).
    step_m, min_coverage, min_gap_m, merge_m, min_survival, min_canopy : float
        See :class:`CorridorOptions` and the module constants.

    Returns
    -------
    CorridorResult

    Raises
    ------
    OptionError
        A threshold out of range.

    Examples
    --------
    >>> result = analyse_corridor(canal, rules, forest, step_m=10)  # the sample data
    >>> result.gaps[["bank", "stake_from", "stake_to"]].values.tolist()[:2]
    [['左岸', 'K96+500', 'K96+750'], ['左岸', 'K105+400', 'K105+520']]
    """
    options = CorridorOptions(step_m, min_coverage, min_gap_m, merge_m, min_survival,
                              min_canopy).check()
    if admin is not None:
        _require_crs(admin, "the admin layer", "save it with its CRS")
    widths = segment_widths(canal, rules)
    limits = _belt_limits(canal, widths)
    removed = _exclusion(exclude, canal) if exclude is not None else None
    breaks = station_breaks(canal, options.step_m)
    trees, repaired = prepare_forest(forest, crs=forest_crs)
    trees = trees.to_crs(canal.metric_crs)
    geoms = trees.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    # (Reading the forest beside the faces, in a thread, was slower: the faces already
    # keep both cores busy, and the reading is mostly pandas, under the GIL.)
    every = strip_faces(canal, limits, breaks, removed)
    # The belt per segment and bank from the same partition without the slab cuts: the
    # same shapes, with fewer vertices to test the stands against.
    belt = _belt(canal, widths, limits, removed)
    middle_m = (breaks[:-1] + breaks[1:]) / 2
    segment = np.clip(np.searchsorted(canal.segments["start_m"].to_numpy(), middle_m,
                                      side="right") - 1, 0, len(canal.segments) - 1)
    reasons = _stand_reasons(trees, options)

    def one_bank(bank: str) -> tuple[BankStrips, pd.DataFrame, pd.DataFrame]:
        sign = BANK_SIGNS[bank]
        pieces = belt[belt["bank"] == bank].sort_values("segment_index")
        face = bank_strips(canal, every, breaks, sign, geoms, tree,
                           threads=max(1, workers() // 2))
        belt_m2 = face.belt_m2
        centre = (pieces["inner_m"].to_numpy() + pieces["outer_m"].to_numpy())[segment] / 2
        xy = offset_points(canal, middle_m, sign * centre)
        strip = pd.DataFrame({
            "bank": bank, "segment_index": segment, "from_m": breaks[:-1], "to_m": breaks[1:],
            "belt_m2": belt_m2, "forest_m2": np.clip(face.forest_m2, 0.0, belt_m2),
            "excluded_m2": face.excluded_m2, "x": xy[:, 0], "y": xy[:, 1],
        })
        return face, strip, _weak_stands(trees, tree, reasons, pieces.geometry.to_numpy(),
                                         bank)

    # The banks side by side, each dissolving its slabs on half the cores: while one
    # bank's numpy work holds the GIL, the other's dissolves keep a core busy.
    done = dict(zip(BANK_SIGNS, ordered_map(one_bank, BANK_SIGNS, threads=min(2, workers())),
                    strict=True))
    faces = {bank: part[0] for bank, part in done.items()}
    strips = [part[1] for part in done.values()]
    weak = [part[2] for part in done.values()]
    stations = tables.station_table(canal, pd.concat(strips, ignore_index=True), admin)
    gaps = _gaps(canal, stations, faces, options)
    out_crs = canal.crs if crs is None else crs
    return CorridorResult(
        belt=to_crs_valid(tables.per_segment_table(belt, stations, gaps), out_crs),
        stations=tables.station_points(stations, canal.metric_crs).to_crs(out_crs),
        gaps=to_crs_valid(gaps, out_crs),
        weak_stands=to_crs_valid(
            tables.weak_table(canal, pd.concat(weak, ignore_index=True), admin), out_crs),
        per_km=to_crs_valid(tables.per_km_table(canal, stations, faces), out_crs),
        per_township=(tables.summary_by(stations, ["township", "bank"])
                      if "township" in stations else None),
        options=options,
        repaired=repaired,
    )


def _stand_reasons(trees: gpd.GeoDataFrame, options: CorridorOptions) -> np.ndarray:
    """Why each stand is weak ("保存率 0.62 < 0.70"); "" for a sound or unknown stand."""
    reasons = np.full(len(trees), "", dtype=object)
    for column, limit, label in (("survival", options.min_survival, "保存率"),
                                 ("canopy", options.min_canopy, "郁闭度")):
        if column in trees:
            values = trees[column].to_numpy(dtype=float)
            hit = values < limit  # NaN (not surveyed) is not weak
            text = np.array([f"{label} {v:.2f} < {limit:.2f}" for v in values[hit]], dtype=object)
            reasons[hit] = np.where(reasons[hit] == "", text, reasons[hit] + "；" + text)
    return reasons


def _weak_stands(trees: gpd.GeoDataFrame, tree: shapely.STRtree, reasons: np.ndarray,
                 belts: np.ndarray, bank: str) -> pd.DataFrame:
    """Weak stands of one bank's belt (``belts``: its pieces per segment), each cut to
    the belt.

    The stands are tested against each segment's belt, not against the bank's whole
    belt: on the whole route that is one polygon of some 100,000 vertices, and every
    overlay with it would walk them all.
    """
    belts = belts[~(shapely.is_missing(belts) | shapely.is_empty(belts))]
    part, stand = tree.query(belts, predicate="intersects")
    weak = reasons[stand] != ""
    part, stand = part[weak], stand[weak]
    near = np.unique(stand)
    geoms = trees.geometry.to_numpy()
    # Most stands lie wholly in one segment's belt: only the others need an overlay, with
    # each segment belt they reach, and their pieces merged.
    shapely.prepare(belts)
    whole = np.zeros(len(geoms), dtype=bool)
    whole[stand[shapely.contains_properly(belts[part], geoms[stand])]] = True
    pieces = geoms[near].copy()
    cut = ~whole[stand]
    part, stand = part[cut], stand[cut]
    order = np.argsort(stand, kind="stable")
    part, stand = part[order], stand[order]
    cuts = polygonal(shapely.intersection(geoms[stand], belts[part]))
    owners, first, count = np.unique(stand, return_index=True, return_counts=True)
    merged = cuts[first]
    for k in np.flatnonzero(count > 1):
        merged[k] = shapely.union_all(cuts[first[k]:first[k] + count[k]])
    pieces[np.searchsorted(near, owners)] = polygonal(merged)
    area = shapely.area(pieces)
    keep = area > tables.MIN_BELT_M2
    out = pd.DataFrame(trees.drop(columns="geometry").iloc[near[keep]]).reset_index(drop=True)
    out.insert(1, "bank", bank)
    out["area_m2"] = area[keep]
    out["reason"] = reasons[near[keep]]
    out["geometry"] = pieces[keep]
    return out


def _gaps(canal: Canal, stations: pd.DataFrame, faces: dict[str, BankStrips],
          options: CorridorOptions) -> gpd.GeoDataFrame:
    """Gaps of both banks, with the open faces of their strips, merged, as geometry (they
    share edges exactly); marks their strips in ``stations["gap_id"]``."""
    return gap_table(canal, stations, options,
                     lambda bank, first, stop: faces[bank].open_part(first, stop))


def gap_table(canal: Canal, stations: pd.DataFrame, options: CorridorOptions,
              open_part: Callable[[str, int, int], Any]) -> gpd.GeoDataFrame:
    """The gap list (新建新造) from the station table; marks ``stations["gap_id"]``.

    Parameters
    ----------
    canal : Canal
    stations : DataFrame
        Strips of both banks in order along the canal, with ``bank``, ``from_m``/``to_m``
        (measures), chainages, stakes, ``belt_m2``, ``excluded_m2``, ``forest_m2``,
        ``coverage``, ``length_m``, ``segment_id`` and ``gap_id``.
    options : CorridorOptions
    open_part : callable
        ``open_part(bank, first, stop)``: the open belt of that bank's strips
        ``first:stop`` (positions among the bank's rows), the gap's geometry.

    Returns
    -------
    GeoDataFrame
        :data:`tables.GAP_COLUMNS` (and the admin columns), metric CRS.
    """
    rows = []
    admin_columns = [c for c in tables.ADMIN_COLUMNS if c in stations]
    gap_ids = stations["gap_id"].to_numpy().copy()
    for bank in BANK_SIGNS:
        where = np.flatnonzero((stations["bank"] == bank).to_numpy())
        part = stations.iloc[where]
        coverage = part["coverage"].to_numpy(dtype=float)
        runs = find_runs(coverage < options.min_coverage, part["from_m"].to_numpy(),
                         part["to_m"].to_numpy(), min_length_m=options.min_gap_m,
                         merge_m=options.merge_m, neutral=np.isnan(coverage))
        for first, stop in runs:
            gap_id = f"G{len(rows) + 1:03d}"
            gap_ids[where[first:stop]] = gap_id
            run = part.iloc[first:stop]
            belt_m2, forest_m2 = float(run["belt_m2"].sum()), float(run["forest_m2"].sum())
            # The stretch the exclusion layer took: length times its share of the belt.
            taken = run["excluded_m2"].to_numpy()
            whole = taken + run["belt_m2"].to_numpy()
            share = np.divide(taken, whole, out=np.zeros_like(whole), where=whole > 0)
            rows.append({
                "gap_id": gap_id, "bank": bank,
                "chainage_from_m": run["chainage_from_m"].iat[0],
                "chainage_to_m": run["chainage_to_m"].iat[-1],
                "stake_from": run["stake_from"].iat[0], "stake_to": run["stake_to"].iat[-1],
                "length_m": run["to_m"].iat[-1] - run["from_m"].iat[0],
                "excluded_m": float((run["length_m"].to_numpy() * share).sum()),
                "belt_m2": belt_m2, "uncovered_m2": belt_m2 - forest_m2,
                "mean_coverage": forest_m2 / belt_m2 if belt_m2 > 0 else np.nan,
                "segment_id": tables.joined(run["segment_id"]), "action": tables.ACTION_PLANT,
                **{c: tables.joined(run[c]) for c in admin_columns},
                "geometry": open_part(bank, first, stop),
            })
    stations["gap_id"] = gap_ids
    frame = pd.DataFrame(rows, columns=[*tables.GAP_COLUMNS, *admin_columns, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=canal.metric_crs)
