"""The corridor of a long canal window by window (on dask or in this process), merged into
the result of one run.

The whole Middle Route is 1,432 km: one run of :func:`analyse_corridor` over it and half
a million forest polygons holds every strip in one process. Here the canal is cut into
*windows* of ``window_km`` of chainage, each analysed with a margin on both sides by
:func:`analyse_corridor` itself (on a dask cluster when a client is given), and the
windows' *cores* are put back together:

* Each core ends at a whole kilometre where the centerline runs straight for the belt's
  width (no turn's bisector nearby), so the strips there are the same cross-sections as
  in one run and a core boundary cuts the belt along a strip boundary.
* The margin (at least the belt's reach plus ``min_gap_m`` plus ``merge_m``, 2 km by
  default, then out to the next segment junction: a window holds whole segments, so its
  belt is the same polygons as in one run) keeps what differs near a window's own ends
  (the square end of its belt) away from the core; the canal must not come back within
  that distance of itself further along (the Middle Route does not).
* The stations of the cores are concatenated and the gaps (断档) found again over the
  whole canal, so **a gap across a window boundary is one gap**, as in one run; its
  geometry is the union of the windows' open belt inside their cores.
* Weak stands are taken from the window whose core holds their upstream end; the per-km
  and per-segment tables are built from the merged stations.

Examples
--------
>>> windows = corridor_windows(canal, rules, window_km=10)
>>> [(round(w.core_from_m), round(w.core_to_m)) for w in windows][:2]
[(0, 12000), (12000, 23000)]
>>> merged = analyse_corridor_windows(canal, rules, forest, window_km=10)
>>> single = analyse_corridor(canal, rules, forest)
>>> merged.gaps[["bank", "stake_from", "stake_to"]].equals(
...     single.gaps[["bank", "stake_from", "stake_to"]])
True
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from geo_guard._errors import OptionError
from geo_guard.canal import Canal
from geo_guard.canal.geometry import polygonal, to_crs_valid
from geo_guard.corridor import tables
from geo_guard.corridor.analysis import (
    BANK_SIGNS,
    DEFAULT_MERGE_M,
    DEFAULT_MIN_CANOPY,
    DEFAULT_MIN_COVERAGE,
    DEFAULT_MIN_GAP_M,
    DEFAULT_MIN_SURVIVAL,
    DEFAULT_STEP_M,
    CorridorOptions,
    CorridorResult,
    analyse_corridor,
    gap_table,
    prepare_forest,
)
from geo_guard.zones import ZoneRules, segment_widths

logger = logging.getLogger(__name__)

#: Chainage covered by one window's core (km).
DEFAULT_WINDOW_KM = 100.0
#: Shortest margin on each side of a core (m).
DEFAULT_MARGIN_M = 2000.0
# Cut lines reach this far past the belt (m), as in the strips.
_PAD_M = 1.0
# Chainages within this of a core boundary belong to it (m): float noise only.
_EPS_M = 1e-6


@dataclass(frozen=True)
class Window:
    """One window: its core and its whole stretch, as measures along the whole canal.

    ``canal`` is the stretch ``from_m``-``to_m`` (:meth:`Canal.part`); the core
    ``core_from_m``-``core_to_m`` is what the window contributes.
    """

    index: int
    core_from_m: float
    core_to_m: float
    from_m: float
    to_m: float
    canal: Canal


def corridor_windows(
    canal: Canal,
    rules: ZoneRules,
    *,
    window_km: float = DEFAULT_WINDOW_KM,
    margin_m: float = DEFAULT_MARGIN_M,
    min_gap_m: float = DEFAULT_MIN_GAP_M,
    merge_m: float = DEFAULT_MERGE_M,
) -> list[Window]:
    """Cut the canal into windows whose cores end at straight whole kilometres.

    Parameters
    ----------
    canal : Canal
    rules : ZoneRules
        Give the belt's reach (management edge + ``corridor_m``).
    window_km : float
        Chainage of a core, about (each boundary moves to the nearest whole kilometre
        where the centerline is straight for the belt's reach).
    margin_m : float
        Extra canal analysed on each side of a core; raised to the belt's reach plus
        ``min_gap_m`` plus ``merge_m`` plus 1 km when smaller.

    Returns
    -------
    list of Window

    Examples
    --------
    >>> [w.index for w in corridor_windows(canal, rules, window_km=20)]
    [0, 1]
    """
    if not (isinstance(window_km, int | float) and math.isfinite(window_km) and window_km >= 1):
        raise OptionError(f"--window-km {window_km}: give a window of at least 1 km")
    reach = _reach(canal, rules)
    margin = max(float(margin_m), reach + float(min_gap_m) + float(merge_m) + 1000.0)
    bounds = _boundaries(canal, window_km * 1000.0, reach)
    # A window holds whole segments, and one more on each side: a segment cut short, or
    # one at the window's end (its belt ends square), has its belt snapped to the
    # millimetre grid from other end points, and its strips would differ by a hair.
    starts = canal.segments["start_m"].to_numpy()
    ends = canal.segments["end_m"].to_numpy()
    out = []
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        first = np.searchsorted(starts, max(lo - margin, 0.0), side="right") - 2
        last = np.searchsorted(ends, min(hi + margin, canal.length_m), side="left") + 1
        start, stop = float(starts[max(first, 0)]), float(ends[min(last, len(ends) - 1)])
        out.append(Window(i, lo, hi, start, stop, canal.part(start, stop)))
    return out


def _reach(canal: Canal, rules: ZoneRules) -> float:
    widths = segment_widths(canal, rules)
    return float((widths["outer_0"] + widths["corridor_m"]).max())


def _boundaries(canal: Canal, window_m: float, reach: float) -> np.ndarray:
    """Measures of the core boundaries: both ends and, about every ``window_m``, the
    whole kilometre nearest the target with no turn of the centerline within the reach
    of its bisector and no segment junction within a metre."""
    length = canal.length_m
    count = max(1, round(length / window_m))
    if count == 1:
        return np.array([0.0, length])
    c0, c1 = canal.chainage_range
    km = canal.measure_at(np.arange(math.ceil(c0 / 1000), math.floor(c1 / 1000) + 1) * 1000.0)
    xy = shapely.get_coordinates(canal.line)
    d = np.diff(xy, axis=0)
    heading = np.arctan2(d[:, 1], d[:, 0])
    turn = np.abs((np.diff(heading) + np.pi) % (2 * np.pi) - np.pi)
    vertex_m = np.cumsum(np.hypot(d[:, 0], d[:, 1]))[:-1]
    near = (reach + _PAD_M) * np.tan(np.minimum(turn, 2.5) / 2) + 1.0
    junctions = canal.segments["start_m"].to_numpy()[1:]
    clear = np.array([
        not np.any(np.abs(vertex_m - m) < near) and not np.any(np.abs(junctions - m) < 1.0)
        for m in km
    ], dtype=bool)
    bounds = [0.0]
    for target in np.arange(1, count) * (length / count):
        usable = clear & (km > bounds[-1] + 1000.0) & (km < length - 1000.0)
        if not usable.any():
            break
        best = km[usable][np.argmin(np.abs(km[usable] - target))]
        if abs(best - target) > window_m / 2:
            logger.warning("corridor windows: no straight kilometre near %.0f m; the window "
                           "boundary moves to %.0f m", target, best)
        bounds.append(float(best))
    bounds.append(length)
    return np.unique(bounds)


# ------------------------------------------------------------------------- analysis
def analyse_corridor_windows(
    canal: Canal,
    rules: ZoneRules,
    forest: gpd.GeoDataFrame,
    *,
    window_km: float = DEFAULT_WINDOW_KM,
    margin_m: float = DEFAULT_MARGIN_M,
    client: Any = None,
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
    """:func:`analyse_corridor`, window by window, merged into the result of one run.

    Parameters
    ----------
    canal, rules, forest, exclude, admin, forest_crs, crs, step_m, min_coverage, \
min_gap_m, merge_m, min_survival, min_canopy
        As for :func:`analyse_corridor`.
    window_km, margin_m : float
        See :func:`corridor_windows`.
    client : distributed.Client, optional
        Run the windows on this dask cluster (the exclusion and admin layers are
        scattered once; each window's forest travels with its task). Default: one after
        the other in this process.

    Returns
    -------
    CorridorResult
        The same stations, gaps (a gap across a window boundary is one gap), weak stands
        and tables as one run, within float rounding.

    Examples
    --------
    >>> result = analyse_corridor_windows(canal, rules, forest, window_km=10)
    >>> result.gaps["gap_id"].tolist()[:3]
    ['G001', 'G002', 'G003']
    """
    options = CorridorOptions(step_m, min_coverage, min_gap_m, merge_m, min_survival,
                              min_canopy).check()
    windows = corridor_windows(canal, rules, window_km=window_km, margin_m=margin_m,
                               min_gap_m=options.min_gap_m, merge_m=options.merge_m)
    # The forest once: canonical columns and ids, repaired, in the metric CRS; then each
    # window gets the polygons near its stretch.
    trees, repaired = prepare_forest(forest, crs=forest_crs)
    trees = trees.to_crs(canal.metric_crs)
    # How far the belt reaches from the centerline: the forest a window needs, and the
    # area its core contributes.
    reach = _reach(canal, rules)
    index = shapely.STRtree(trees.geometry.to_numpy())
    kwargs = {"step_m": options.step_m, "min_coverage": options.min_coverage,
              "min_gap_m": options.min_gap_m, "merge_m": options.merge_m,
              "min_survival": options.min_survival, "min_canopy": options.min_canopy,
              "crs": canal.metric_crs}
    tasks = []
    for window in windows:
        area = shapely.buffer(window.canal.line, reach + 2 * _PAD_M)
        near = np.sort(index.query(area, predicate="intersects"))
        tasks.append((window.canal, trees.iloc[near].reset_index(drop=True)))
    results = _run(tasks, rules, exclude, admin, kwargs, client)
    merged = _merge(canal, windows, results, options, reach + 2 * _PAD_M)
    out_crs = canal.crs if crs is None else crs
    return CorridorResult(
        belt=to_crs_valid(merged.belt, out_crs),
        stations=merged.stations.to_crs(out_crs),
        gaps=to_crs_valid(merged.gaps, out_crs),
        weak_stands=to_crs_valid(merged.weak_stands, out_crs),
        per_km=to_crs_valid(merged.per_km, out_crs),
        per_township=merged.per_township,
        options=options,
        repaired=repaired,
    )


def _run(tasks: list[tuple[Canal, gpd.GeoDataFrame]], rules: ZoneRules,
         exclude: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None,
         kwargs: dict[str, Any], client: Any) -> list[CorridorResult]:
    if client is None:
        return [_one_window(c, rules, f, exclude, admin, kwargs) for c, f in tasks]
    shared = [client.scatter(x, broadcast=True, hash=False) if x is not None else None
              for x in (rules, exclude, admin)]
    futures = [client.submit(_one_window, c, shared[0], f, shared[1], shared[2], kwargs,
                             pure=False) for c, f in tasks]
    return client.gather(futures)


def _one_window(canal: Canal, rules: ZoneRules, forest: gpd.GeoDataFrame,
                exclude: gpd.GeoDataFrame | None, admin: gpd.GeoDataFrame | None,
                kwargs: dict[str, Any]) -> CorridorResult:
    return analyse_corridor(canal, rules, forest, exclude=exclude, admin=admin, **kwargs)


# ---------------------------------------------------------------------------- merging
def _merge(canal: Canal, windows: list[Window], results: list[CorridorResult],
           options: CorridorOptions, reach: float) -> CorridorResult:
    """The cores' stations, gaps found again over them, and the tables, metric CRS."""
    stations, weak, per_km, belts, pieces = [], [], [], [], []
    for window, result in zip(windows, results, strict=True):
        lo, hi = canal.chainage_at([window.core_from_m, window.core_to_m])
        core = _core_area(canal, window, reach)
        st = result.stations
        inside = ((st["chainage_from_m"] >= lo - _EPS_M) & (st["chainage_to_m"] <= hi + _EPS_M))
        stations.append(st[inside.to_numpy()])
        w = result.weak_stands
        weak.append(w[((w["chainage_from_m"] >= lo - _EPS_M)
                       & (w["chainage_from_m"] < hi - _EPS_M)).to_numpy()])
        km = result.per_km
        per_km.append(km[((km["chainage_from_m"] >= lo - _EPS_M)
                          & (km["chainage_to_m"] <= hi + _EPS_M)).to_numpy()])
        belts.append(_clipped(result.belt, core))
        gaps = result.gaps
        gaps = gaps[((gaps["chainage_to_m"] > lo + _EPS_M)
                     & (gaps["chainage_from_m"] < hi - _EPS_M)).to_numpy()]
        pieces.append(_clipped(gaps, core).assign(
            lo=np.maximum(gaps["chainage_from_m"].to_numpy(), lo),
            hi=np.minimum(gaps["chainage_to_m"].to_numpy(), hi)))
    order = {bank: i for i, bank in enumerate(BANK_SIGNS)}
    st = pd.concat(stations, ignore_index=True)
    st = st.iloc[np.lexsort((st["chainage_from_m"].to_numpy(),
                             st["bank"].map(order).to_numpy()))].reset_index(drop=True)
    segment_index = pd.Series(np.arange(len(canal.segments)),
                              index=canal.segments["segment_id"].to_numpy())
    frame = pd.DataFrame(st.drop(columns="geometry"))
    frame["from_m"] = canal.measure_at(frame["chainage_from_m"].to_numpy())
    frame["to_m"] = canal.measure_at(frame["chainage_to_m"].to_numpy())
    frame["segment_index"] = segment_index.loc[frame["segment_id"]].to_numpy()
    frame["gap_id"] = ""
    found = pd.concat(pieces, ignore_index=True)
    # Rows are sorted by bank: each bank's strips are one block, starting here.
    banks = frame["bank"].to_numpy()
    offsets = {b: int(np.argmax(banks == b)) for b in BANK_SIGNS}

    def open_part(bank: str, first: int, stop: int) -> Any:
        rows = frame.iloc[offsets[bank] + first: offsets[bank] + stop]
        lo, hi = rows["chainage_from_m"].iat[0], rows["chainage_to_m"].iat[-1]
        hit = ((found["bank"] == bank) & (found["hi"] > lo + _EPS_M)
               & (found["lo"] < hi - _EPS_M)).to_numpy()
        geoms = polygonal(found.geometry.to_numpy()[hit])
        return shapely.union_all(geoms) if len(geoms) else Polygon()

    gaps = gap_table(canal, frame, options, open_part)
    stations = gpd.GeoDataFrame(frame[[*tables.STATION_COLUMNS,
                                       *[c for c in tables.ADMIN_COLUMNS if c in frame]]],
                                geometry=st.geometry.to_numpy(), crs=canal.metric_crs)
    belt = _dissolved_belt(canal, belts, segment_index)
    km_belts = {bank: _KmBelts(part) for bank, part in
                pd.concat(per_km, ignore_index=True).groupby("bank", sort=False)}
    weak_stands = pd.concat(weak, ignore_index=True)
    weak_stands = weak_stands.iloc[np.lexsort((
        weak_stands["chainage_from_m"].to_numpy(),
        weak_stands["bank"].map(order).to_numpy()))].reset_index(drop=True)
    return CorridorResult(
        belt=tables.per_segment_table(belt, frame, gaps),
        stations=stations,
        gaps=gaps,
        weak_stands=gpd.GeoDataFrame(weak_stands, geometry="geometry", crs=canal.metric_crs),
        per_km=tables.per_km_table(canal, frame, km_belts),
        per_township=(tables.summary_by(frame, ["township", "bank"])
                      if "township" in frame else None),
        options=options,
        repaired=[],
    )


def _core_area(canal: Canal, window: Window, reach: float) -> Any:
    """Everything within ``reach`` of the core's centerline, cut square at its ends (the
    core ends where the centerline is straight, so the cut is a strip boundary)."""
    line = canal.part(window.core_from_m, window.core_to_m).line
    return shapely.buffer(line, reach, cap_style="flat", quad_segs=16)


def _clipped(frame: gpd.GeoDataFrame, area: Any) -> gpd.GeoDataFrame:
    geoms = polygonal(shapely.intersection(frame.geometry.to_numpy(), area))
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _dissolved_belt(canal: Canal, belts: list[gpd.GeoDataFrame],
                    segment_index: pd.Series) -> gpd.GeoDataFrame:
    """One belt row per segment and bank from the windows' clipped pieces."""
    pieces = pd.concat(belts, ignore_index=True)
    pieces = pieces[~shapely.is_empty(pieces.geometry.to_numpy())]
    rows = []
    for (segment_id, bank), group in pieces.groupby(["segment_id", "bank"], sort=False):
        first = group.iloc[0]
        rows.append({"segment_index": int(segment_index[segment_id]), "segment_id": segment_id,
                     "bank": bank, "rule": first["rule"], "inner_m": first["inner_m"],
                     "outer_m": first["outer_m"], "corridor_m": first["corridor_m"],
                     "belt_m2": 0.0,
                     "geometry": shapely.union_all(group.geometry.to_numpy())})
    order = {bank: i for i, bank in enumerate(BANK_SIGNS)}
    out = pd.DataFrame(rows)
    out = out.iloc[np.lexsort((out["segment_index"].to_numpy(),
                               out["bank"].map(order).to_numpy()))]
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry",
                            crs=canal.metric_crs)


@dataclass(frozen=True)
class _KmBelts:
    """Adapter for :func:`tables.per_km_table`: the kilometres of one bank and their belt."""

    rows: pd.DataFrame

    def km_belts(self) -> tuple[np.ndarray, np.ndarray]:
        return self.rows["km"].to_numpy(), self.rows.geometry.to_numpy()

