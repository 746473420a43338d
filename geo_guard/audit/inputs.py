"""Markers, crossings and fences as field teams send them, read into one shape each.

Every input row comes out, in input order, with its columns kept (a column whose name the
audit adds is kept as ``<name>_input``), ``input_row`` (1-based), the canonical values the
audit reads (``kind``, ``condition`` …, see :mod:`geo_guard.audit.vocabulary`),
``status`` (``ok`` / ``invalid`` / ``ignored``) and a bilingual ``reason``; geometry in the
canal's metric CRS, empty where the row could not be placed.

- **markers**: points (any vector file) or a table with coordinates (CSV/XLSX, the headers
  and notations :func:`geo_guard.io.coords.coordinates_from_table` reads).
- **crossings**: lines; an OpenStreetMap extract is recognised by its ``highway`` /
  ``railway`` / ``man_made`` / ``bridge`` columns when there is no 类型 column.
- **fences**: lines (a polygon stands for the fence around it).

Examples
--------
>>> table = pd.DataFrame({"编号": ["J1", "J2", "X"], "类型": ["界桩", "警示标志", "路灯"],
...                       "状况": ["", "破损", ""], "经度": [112.3, 112.3, "abc"],
...                       "纬度": [33.0, 33.01, 33.0]})
>>> markers = prepare_markers(table, canal.metric_crs)
>>> markers[["kind", "condition", "status"]].values.tolist()
[['界标', '完好', 'ok'], ['警示牌', '损坏', 'ok'], ['', '完好', 'invalid']]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard._errors import CRSMissingError, InputFileError
from geo_guard.audit.vocabulary import (
    CROSSING_HEADERS,
    FACILITIES,
    FENCE_HEADERS,
    MARKER_HEADERS,
    OSM_TAGS,
    OTHER,
    ROAD,
    crossing_kind,
    facility_value,
    marker_condition,
    marker_kind,
    osm_crossing_kind,
    plain_text,
)
from geo_guard.crs import from_wgs84_xy, with_input_crs
from geo_guard.io.coords import coordinates_from_table
from geo_guard.io.tables import read_table
from geo_guard.io.vector import read_vector
from geo_guard.vocabulary.columns import find_column

__all__ = ["TABLE_SUFFIXES", "load_features", "prepare_crossings", "prepare_fences",
           "prepare_markers"]

TABLE_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"})
OK, INVALID, IGNORED = "ok", "invalid", "ignored"
_CRS_HINT = "wgs84, cgcs2000, gcj02, bd09 or an EPSG code such as EPSG:4547"


def load_features(path: str | Path, *, engine: str = "pyogrio") -> pd.DataFrame:
    """A table (.csv/.xlsx, read as typed) or a vector file (any format GDAL reads).

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file (from the readers), one line each.
    """
    p = Path(path)
    if p.suffix.lower() in TABLE_SUFFIXES:
        return read_table(p)
    return read_vector(p, engine=engine)


# ------------------------------------------------------------------------ markers
def prepare_markers(source: pd.DataFrame, metric_crs: Any, *, crs: Any = None,
                    lon_col: str | None = None, lat_col: str | None = None,
                    name: str = "markers") -> gpd.GeoDataFrame:
    """Markers with ``kind`` (界标/警示牌/宣传牌), ``condition`` (完好/损坏/缺失/不明),
    ``code``, ``photo``, ``status``, ``reason`` and point geometry in ``metric_crs``.

    Parameters
    ----------
    source : DataFrame or GeoDataFrame
        A table with coordinate columns, or point features.
    metric_crs : pyproj.CRS
        CRS of the geometry handed back (the canal's metric CRS).
    crs : optional
        CRS of the coordinates or features when the file has none or it is wrong.
    lon_col, lat_col : str, optional
        Coordinate columns of a table whose headers are not recognised.
    name : str
        The input's name for messages.

    Raises
    ------
    InputFileError
        No rows, no point at all (lines or polygons given), no 类型/kind column.
    """
    frame, geoms, status, reason = _placed(source, metric_crs, crs, name, "point",
                                           lon_col=lon_col, lat_col=lat_col)
    columns = _columns(frame, MARKER_HEADERS)
    if columns["kind"] is None:
        raise InputFileError(
            f"{name}: no column says what each marker is; add a 类型 (kind) column with "
            "界标, 警示牌 or 宣传牌")
    raw_kind = frame[columns["kind"]]
    kinds = np.array([marker_kind(v) or "" for v in raw_kind], dtype=object)
    unknown = (kinds == "") & (status == OK)
    for i in np.flatnonzero(unknown):
        reason[i] = _join(reason[i], f"类型无法识别：{_short(raw_kind.iloc[i])} / unknown kind; "
                                     "use 界标, 警示牌 or 宣传牌")
    status[unknown] = IGNORED
    conditions = np.array([marker_condition(v) for v in _values(frame, columns["condition"])],
                          dtype=object)
    for i in np.flatnonzero((conditions == "不明") & (status == OK)):
        reason[i] = _join(reason[i], f"状况无法识别：{_short(frame[columns['condition']].iloc[i])}"
                                     "，按非完好计 / condition not recognised, not counted")
    added = {
        "kind": kinds,
        "condition": conditions,
        "code": _texts(frame, columns["code"]),
        "photo": _texts(frame, columns["photo"]),
    }
    return _finish(frame, geoms, status, reason, added, metric_crs)


# ---------------------------------------------------------------------- crossings
def prepare_crossings(source: pd.DataFrame, metric_crs: Any, *, crs: Any = None,
                      name: str = "crossings") -> gpd.GeoDataFrame:
    """Crossings with ``name``, ``kind`` (道路/桥梁/管线/铁路/其他), each facility as
    有/无/不明 under ``crash_barrier``, ``drainage_channel``, ``emergency_pool``,
    ``status``, ``reason`` and line geometry in ``metric_crs``.

    A kind that is not recognised is checked as a road (the strictest reading) and the
    reason says so; OpenStreetMap ways that are neither motor roads, working railways nor
    pipelines are ``ignored``.

    Raises
    ------
    InputFileError
        No rows, no line at all (points or polygons given).
    """
    if not isinstance(source, gpd.GeoDataFrame):
        raise InputFileError(f"{name}: crossings must be lines in a vector file (GeoPackage, "
                             "GeoJSON, Shapefile, KML …), not a table")
    frame, geoms, status, reason = _placed(source, metric_crs, crs, name, "line")
    columns = _columns(frame, CROSSING_HEADERS)
    osm = any(t in frame.columns for t in OSM_TAGS)
    kinds = np.full(len(frame), "", dtype=object)
    typed = _values(frame, columns["kind"])
    for i in range(len(frame)):
        kind = crossing_kind(typed[i])
        if kind is None and osm:  # an OpenStreetMap extract: the tags say what it is
            tags = {t: frame[t].iloc[i] for t in OSM_TAGS if t in frame.columns}
            kind, why = osm_crossing_kind(tags)
            if kind is None and status[i] == OK:
                status[i], reason[i] = IGNORED, _join(reason[i], why)
            kinds[i] = kind or ""
            continue
        if kind is None:
            kind = OTHER
            if status[i] == OK:
                said = _short(typed[i]) if plain_text(typed[i]) else "空"
                reason[i] = _join(reason[i], f"类型无法识别（{said}），按{ROAD}检查 / kind not "
                                             "recognised, checked as a road")
        kinds[i] = kind
    names = _texts(frame, columns["name"])
    for i in np.flatnonzero(names == ""):
        names[i] = f"未命名{kinds[i] or '线路'}（第{i + 1}行）"
    added: dict[str, Any] = {"name": names, "kind": kinds}
    for key, _label in FACILITIES:
        added[key] = np.array([facility_value(v) for v in _values(frame, columns[key])],
                              dtype=object)
    return _finish(frame, geoms, status, reason, added, metric_crs)


# -------------------------------------------------------------------------- fences
def prepare_fences(source: pd.DataFrame, metric_crs: Any, *, crs: Any = None,
                   name: str = "fences") -> gpd.GeoDataFrame:
    """Fences (隔离防护网/隔离栅) with ``code``, ``condition``, ``status``, ``reason`` and
    line geometry in ``metric_crs`` (a polygon gives its outline).

    Raises
    ------
    InputFileError
        No rows, no line or polygon at all.
    """
    if not isinstance(source, gpd.GeoDataFrame):
        raise InputFileError(f"{name}: fences must be lines in a vector file, not a table")
    frame, geoms, status, reason = _placed(source, metric_crs, crs, name, "fence")
    columns = _columns(frame, FENCE_HEADERS)
    added = {
        "code": _texts(frame, columns["code"]),
        "condition": np.array([marker_condition(v) for v in _values(frame, columns["condition"])],
                              dtype=object),
    }
    return _finish(frame, geoms, status, reason, added, metric_crs)


# ------------------------------------------------------------------------- helpers
_KINDS = {"point": (0, 4), "line": (1, 5), "fence": (1, 5, 3, 6)}  # shapely type ids
_GEOM_NAMES = {"point": "点 / point", "line": "线 / line", "fence": "线 / line"}


def _placed(source: pd.DataFrame, metric_crs: Any, crs: Any, name: str, want: str, *,
            lon_col: str | None = None, lat_col: str | None = None
            ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The frame (columns as read), geometry in the metric CRS, status and reason."""
    if len(source) == 0:
        raise InputFileError(f"{name}: no features; the file is empty")
    n = len(source)
    status = np.full(n, OK, dtype=object)
    reason = np.full(n, "", dtype=object)
    if not isinstance(source, gpd.GeoDataFrame):
        coords = coordinates_from_table(source, lon_col=lon_col, lat_col=lat_col, crs=crs)
        x, y = from_wgs84_xy(coords.lon, coords.lat, metric_crs)
        geoms = shapely.points(x, y)
        geoms[~coords.ok] = None
        status[~coords.ok] = INVALID
        reason[:] = coords.reason
        return pd.DataFrame(source).reset_index(drop=True), geoms, status, reason
    if source.crs is None and crs is None:
        raise CRSMissingError(f"{name} has no CRS; pass the {name} file's CRS ({_CRS_HINT})")
    frame = with_input_crs(source, crs, name).to_crs(metric_crs).reset_index(drop=True)
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    status[empty], reason[empty] = INVALID, "几何为空 / empty geometry"
    types = shapely.get_type_id(geoms)
    wrong = ~empty & ~np.isin(types, _KINDS[want])
    if wrong.all():
        found = sorted(set(shapely.get_type_id(geoms[~empty]).tolist()))
        kinds = ", ".join(shapely.GeometryType(t).name.lower() for t in found) or "no geometry"
        wanted = _GEOM_NAMES[want].split(" / ")[1]
        raise InputFileError(f"{name}: holds {kinds} features, not {wanted}s; give the "
                             f"{name} as {wanted} features")
    status[wrong] = INVALID
    reason[wrong] = f"不是{_GEOM_NAMES[want]}"
    geoms[wrong | empty] = None
    ok = ~wrong & ~empty
    broken = ok & ~shapely.is_valid(geoms)
    if broken.any() and want == "fence":
        geoms[broken] = shapely.make_valid(geoms[broken])
    if want == "point":
        multi = ok & (types == 4)
        for i in np.flatnonzero(multi & (shapely.get_num_geometries(geoms) > 1)):
            reason[i] = "多点要素，取第一个点 / multipoint: first point used"
        geoms[multi] = shapely.get_geometry(geoms[multi], 0)
    elif want == "fence":
        areal = ok & np.isin(types, (3, 6))
        geoms[areal] = shapely.boundary(geoms[areal])
    return pd.DataFrame(frame.drop(columns=frame.geometry.name)), geoms, status, reason


def _columns(frame: pd.DataFrame, headers: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    return {key: find_column(list(frame.columns), names) for key, names in headers.items()}


def _values(frame: pd.DataFrame, column: Any) -> list[Any]:
    return frame[column].tolist() if column is not None else [None] * len(frame)


def _texts(frame: pd.DataFrame, column: Any) -> np.ndarray:
    """Cells as text (``""`` when missing), whole numbers without ``.0``."""
    out = []
    for value in _values(frame, column):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append("")
        elif isinstance(value, float) and value.is_integer():
            out.append(str(int(value)))
        else:
            out.append(str(value).strip())
    return np.array(out, dtype=object)


def _short(value: Any, limit: int = 40) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _finish(frame: pd.DataFrame, geoms: np.ndarray, status: np.ndarray, reason: np.ndarray,
            added: Mapping[str, Any], metric_crs: Any) -> gpd.GeoDataFrame:
    names = {"input_row", *added, "status", "reason"}
    out = frame.rename(columns={c: f"{c}_input" for c in frame.columns if c in names})
    out.insert(0, "input_row", np.arange(1, len(frame) + 1))
    for column, values in added.items():
        out[column] = values
    out["status"], out["reason"] = status, reason
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=metric_crs),
                            crs=metric_crs)
