"""Data layers of the HTML maps: canal, zones, risk sources and any vector layer.

Each ``add_*`` function converts its data to WGS84, encodes it compactly
(:mod:`geo_guard.maps.elements`), adds one or more layers to a folium map and records a
legend section in the map's :class:`~geo_guard.maps.elements.MapState`. Call
:func:`geo_guard.maps.add_controls` after the last one.

Examples
--------
>>> from geo_guard import Canal
>>> from geo_guard.maps.compose import make_map
>>> canal = Canal.from_file("data/boundaries/canal.geojson")
>>> m = make_map(basemap="none")
>>> layer = add_canal(m, canal)
>>> map_state(m).legend[0][0]
'总干渠'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_guard._errors import CRSMissingError, OptionError
from geo_guard.canal.model import Canal
from geo_guard.maps.elements import (
    TYPE_SHAPES,
    encode_prepared,
    encode_table,
    geojson_geometries,
    integer_coords,
    legend_row,
    map_state,
    prepare_columns,
    shape_symbol,
    zone_label,
)
from geo_guard.maps.page import DataLayer, html_text
from geo_guard.settings import FAR_FROM_CANAL_M, OUTSIDE_LEVEL, ZONE_COLOURS
from geo_guard.vocabulary.columns import NAME_COLUMNS
from geo_guard.vocabulary.zone_levels import zone_levels

__all__ = [
    "LAYER_KINDS",
    "SOURCE_NAME_COLUMNS",
    "LayerKind",
    "add_admin",
    "add_canal",
    "add_forest",
    "add_gaps",
    "add_layer",
    "add_sources",
    "add_weak_stands",
    "add_zones",
    "placed_sources",
]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: Columns naming a risk source, first found wins (popup title, search).
SOURCE_NAME_COLUMNS = NAME_COLUMNS
SOURCE_ID_COLUMNS = ("序号", "编号", "id", "ID", "code")
#: The layer of sources more than 50 km from the canal (status ``far``): drawn apart, to be
#: checked (a typing slip, a point in another CRS).
FAR_LABEL = f"待核实（距总干渠超过{FAR_FROM_CANAL_M / 1000:.0f}公里）"
FAR_COLOUR = "#8e24aa"
#: Columns kept out of popups: shown another way (coordinates, stake) or internal.
_HIDDEN = frozenset({"lon", "lat", "zone_level", "status", "chainage_m", "start_m", "end_m"})
_CANAL_COLOUR = "#0050b4"


# --------------------------------------------------------------------------- helpers


def _to_wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise OptionError(f"{what}: expected a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise CRSMissingError(f"{what} has no CRS; set it first, e.g. frame.set_crs('EPSG:4326')")
    out = frame.to_crs(WGS84) if not frame.crs.equals(pyproj.CRS(WGS84)) else frame
    geoms = out.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    dropped = int((~keep).sum())
    if dropped:
        logger.info("%s: %d features without geometry are not drawn", what, dropped)
    return out[keep]


def _first_column(frame: pd.DataFrame, candidates: Sequence[str]) -> int | None:
    names = [str(c) for c in frame.columns]
    for candidate in candidates:
        if candidate in names:
            return names.index(candidate)
    return None


def _positions(frame: pd.DataFrame, names: Sequence[str]) -> list[int]:
    columns = [str(c) for c in frame.columns]
    return [columns.index(n) for n in names if n in columns]


def _table_columns(frame: pd.DataFrame, columns: Sequence[str] | None) -> list[int]:
    """Positions of the columns shown in popups (all but geometry and hidden ones)."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise OptionError(f"popup columns not in the data: {', '.join(map(str, missing))}")
        return _positions(frame, [str(c) for c in columns])
    out = []
    for i, name in enumerate(frame.columns):
        if name == geometry or str(name) in _HIDDEN or str(name).startswith("_"):
            continue
        if isinstance(frame.iloc[:, i].dtype, gpd.array.GeometryDtype):
            continue
        out.append(i)
    return out


def _swatch(colour: str, opacity: float = 0.45, border: str | None = None) -> dict[str, Any]:
    # A legend symbol as data: the page sets the colours as style properties.
    return {"kind": "swatch", "fill": str(colour), "opacity": float(opacity),
            "border": str(border or colour)}



# --------------------------------------------------------------------------- layers


def add_layer(
    m: folium.Map,
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    style: Mapping[str, Any],
    columns: Sequence[str] | None = None,
    title: Sequence[str] = (),
    tooltip: Sequence[str] = (),
    search: Sequence[str] = (),
    legend: str | None = None,
    show: bool = True,
) -> DataLayer:
    """Add any vector layer (polygons, lines or points) with popups of its attributes.

    Parameters
    ----------
    m : folium.Map
    frame : GeoDataFrame
        Any CRS (converted to WGS84); features without geometry are skipped.
    name : str
        Layer name (layer control, legend, popups).
    style : mapping
        Leaflet path options (``color``, ``weight``, ``fillColor``, ``fillOpacity``,
        ``dashArray`` ...).
    columns : sequence of str, optional
        Columns shown in the popup; default all but geometry.
    title, tooltip, search : sequence of str
        Columns making the popup title, the hover text, and searched by the search box.
    legend : str, optional
        Legend heading; ``None`` adds no legend row.
    show : bool
        Visible when the page opens.

    Returns
    -------
    DataLayer
        The folium element added.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> m = folium.Map(tiles=None)
    >>> area = gpd.GeoDataFrame({"name": ["研究区"]}, geometry=[box(112.4, 32.9, 112.6, 33.1)],
    ...                         crs="EPSG:4326")
    >>> layer = add_layer(m, area, name="研究区", style={"color": "#333", "fill": False})
    """
    frame = _to_wgs84(frame, name)
    shown = _table_columns(frame, columns)
    table = encode_table(frame, shown)
    positions = {frame.columns[p]: k for k, p in enumerate(shown)}
    spec = {
        "name": name,
        "count": len(frame),
        "geoms": "@geoms@",
        "style": dict(style),
        "table": table,
        "title": [positions[c] for c in title if c in positions],
        "tooltip": [positions[c] for c in tooltip if c in positions],
        "search": [positions[c] for c in search if c in positions],
    }
    geoms = "[" + ",".join(geojson_geometries(frame.geometry.values)) + "]"
    layer = DataLayer(m.get_name(), "shapes", spec, raw={"geoms": geoms}, show=show)
    layer.add_to(m)
    state = map_state(m)
    state.layers += 1
    if len(frame):
        state.extend(frame.total_bounds)
    if legend is not None:
        colour = style.get("fillColor", style.get("color", "#555"))
        symbol = _swatch(str(colour), float(style.get("fillOpacity", 0.4)), style.get("color"))
        state.legend.append((legend, [legend_row(symbol, name, len(frame))]))
    return layer


def add_zones(m: folium.Map, zones: gpd.GeoDataFrame, *, show: bool = True) -> list[DataLayer]:
    """Add the management area and the protection zones, one layer per level.

    Parameters
    ----------
    m : folium.Map
    zones : GeoDataFrame
        From :func:`geo_guard.zones.build_zones` or an official delineation: a
        ``zone_level`` column (0 management area, 1, 2, 3) or Chinese ``zone`` names.
    show : bool
        Visible when the page opens.

    Returns
    -------
    list of DataLayer
        Strictest level last (drawn on top).

    Examples
    --------
    >>> from geo_guard import build_zones
    >>> layers = add_zones(folium.Map(tiles=None), build_zones(canal, rules))
    >>> [layer.display_name for layer in layers]
    ['准保护区', '二级保护区', '一级保护区', '管理范围']
    """
    levels = zone_levels(zones)
    state = map_state(m)
    layers, rows = [], []
    for level in sorted(set(levels.tolist()), reverse=True):
        part = zones[levels == level]
        colour = ZONE_COLOURS.get(int(level), "#777777")
        name = zone_label(level)
        layer = add_layer(
            m,
            part,
            name=name,
            style={
                "color": colour,
                "weight": 1,
                "fillColor": colour,
                "fillOpacity": 0.2 if level == 0 else 0.3,
            },
            title=["zone", "bank"],
            tooltip=["zone", "bank", "segment_id"],
            show=show,
        )
        layers.append(layer)
        area = ""
        if "area_m2" in part.columns:
            area = f" {pd.to_numeric(part['area_m2'], errors='coerce').sum() / 1e6:,.2f} km²"
        rows.append(legend_row(_swatch(colour, 0.45), name + area))
    state.legend.append(("保护区", rows[::-1]))
    return layers


def add_canal(
    m: folium.Map,
    canal: Canal,
    *,
    name: str = "总干渠",
    tick_every_m: float = 1000.0,
    show: bool = True,
) -> DataLayer:
    """Add the canal centerline with a stake every kilometre and flow arrows.

    Stake labels (``K12+000``) show every 10 km zoomed out, every 5 km at zoom 11–12 and
    every kilometre closer; an arrow half-way between stakes points downstream. The
    search box finds any stake (``K12+345``) on the line.

    Parameters
    ----------
    m : folium.Map
    canal : Canal
    name : str
        Layer name.
    tick_every_m : float
        Stake spacing in metres of chainage.
    show : bool

    Examples
    --------
    >>> add_canal(folium.Map(tiles=None), canal).feature_count      # segments
    9
    """
    if tick_every_m <= 0:
        raise OptionError(f"tick_every_m must be positive, got {tick_every_m}")
    lines = canal.centerline(WGS84)
    to_wgs = pyproj.Transformer.from_crs(canal.metric_crs, WGS84, always_xy=True)
    start, end = canal.chainage_range
    first = np.ceil(start / tick_every_m) * tick_every_m
    ticks = np.arange(first, end + 1e-6, tick_every_m)
    arrows = ticks[:-1] + tick_every_m / 2 if len(ticks) > 1 else np.array([(start + end) / 2])
    step = min(20.0, tick_every_m / 4)

    def places(chainages: np.ndarray) -> list[list[float]]:
        if not len(chainages):
            return []
        rows = []
        for offset in (0.0, -step, step):
            at = np.clip(chainages + offset, start, end)
            xy = shapely.get_coordinates(canal.point_at(at))
            rows.append(np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
        table = np.column_stack([*rows, chainages])
        return np.round(table, 7).tolist()

    vertices = np.asarray(canal.line.coords)[:, :2]
    measure = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(vertices, axis=0).T))])
    lon, lat = to_wgs.transform(vertices[:, 0], vertices[:, 1])
    chain = {
        "lon": np.round(lon, 7).tolist(),
        "lat": np.round(lat, 7).tolist(),
        "ch": np.round(canal.chainage_at(measure), 2).tolist(),
    }
    shown = _table_columns(lines, None)
    table = encode_table(lines, shown)
    positions = {lines.columns[p]: k for k, p in enumerate(shown)}
    spec = {
        "name": name,
        "count": len(lines),
        "lines": [
            np.round(shapely.get_coordinates(g), 7).tolist() for g in lines.geometry.values
        ],
        "ticks": places(ticks),
        "arrows": places(arrows),
        "chain": chain,
        "prefix": canal.stake_prefix,
        "style": {"color": _CANAL_COLOUR, "weight": 4, "opacity": 0.9},
        "table": table,
        "title": [positions[c] for c in ("segment_id", "structure") if c in positions],
        "tooltip": [
            positions[c] for c in ("segment_id", "structure", "stake_from", "stake_to")
            if c in positions
        ],
        "search": [positions[c] for c in ("segment_id",) if c in positions],
    }
    layer = DataLayer(m.get_name(), "canal", spec, show=show)
    layer.add_to(m)
    state = map_state(m)
    state.layers += 1
    state.extend(lines.total_bounds)
    first_stake, last_stake = canal.stake(start), canal.stake(end)
    rows = [
        legend_row({"kind": "line", "color": _CANAL_COLOUR},
                   f"{name}中心线 {first_stake}–{last_stake}"),
        legend_row({"kind": "tick"}, f"桩号 (每 {tick_every_m / 1000:g} km)"),
        legend_row({"kind": "arrow"}, "水流方向"),
    ]
    state.legend.append((name, rows))
    return layer


def add_sources(
    m: folium.Map,
    sources: pd.DataFrame,
    *,
    name: str = "风险源",
    name_column: str | None = None,
    columns: Sequence[str] | None = None,
    radius: float = 7.0,
    show: bool = True,
) -> list[DataLayer]:
    """Add classified risk sources: colour = zone, shape = type, popup = all attributes.

    One layer per zone (一级保护区内, 二级 ...), drawn on a canvas from column-encoded
    data, so 100,000 points stay fast and small. Sources more than 50 km from the canal
    (status ``far``) get a layer of their own, 待核实. Rows with ``status == "invalid"`` or
    without coordinates are skipped and counted in the legend.

    Parameters
    ----------
    m : folium.Map
    sources : DataFrame
        Output of :func:`geo_guard.classify.classify` (``lon``, ``lat`` WGS84 and
        ``zone_level`` at least; ``source_type``, ``zone``, ``stake`` ... when present).
    name : str
        Layer name prefix.
    name_column : str, optional
        Column with the source's name (popup title, search); default the first of
        名称, name, 风险源名称, 单位名称 ...
    columns : sequence of str, optional
        Popup columns; default every column but coordinates and internal ones.
    radius : float
        Marker size in pixels.
    show : bool

    Returns
    -------
    list of DataLayer
        One per zone level present, least strict first, then the far sources' layer.

    Raises
    ------
    OptionError
        Missing ``lon``/``lat``/``zone_level`` (classify the table first).

    Examples
    --------
    >>> from geo_guard import classify
    >>> table = pd.DataFrame({"名称": ["示意猪场"], "类型": ["养猪场"],
    ...                       "经度": [112.30], "纬度": [33.00]})
    >>> layers = add_sources(folium.Map(tiles=None), classify(table, canal, rules))
    >>> [layer.display_name for layer in layers]
    ['风险源 · 保护区外']
    """
    placed = placed_sources(sources)
    frame, valid, levels = placed.frame, placed.valid, placed.levels
    state = map_state(m)
    name_pos = _name_position(frame, name_column)
    shown = _table_columns(frame, columns)
    if columns is None:
        repeated = _coordinate_repeats(frame, placed)
        shown = [p for p in shown if p not in repeated]
    if name_pos is not None and name_pos not in shown:
        shown.insert(0, name_pos)
    positions = {p: k for k, p in enumerate(shown)}
    by_name = {str(c): i for i, c in enumerate(frame.columns)}

    def pick(*candidates: int | str | None) -> list[int]:
        found = (by_name.get(c) if isinstance(c, str) else c for c in candidates)
        return [positions[p] for p in found if p is not None and p in positions]

    title = pick(name_pos) or pick("source_type", "stake")
    tooltip = title + [k for k in pick("source_type", "zone", "stake") if k not in title]
    search = pick(name_pos, _first_column(frame, SOURCE_ID_COLUMNS))
    types = (
        frame["source_type"].astype(object).where(frame["source_type"].notna(), "其他")
        if "source_type" in frame.columns
        else pd.Series("其他", index=frame.index, dtype=object)
    )
    shapes = types.map(lambda t: TYPE_SHAPES.get(str(t), "circle")).to_numpy(dtype=object)
    prepared = prepare_columns(frame, shown)
    layers = []
    zone_rows = []
    near = valid & ~placed.far
    groups = [(zone_label(level), ZONE_COLOURS.get(int(level), "#777777"),
               np.flatnonzero(near & (levels == level)))
              for level in sorted(set(levels[near].tolist()), key=lambda v: -v)]
    if (valid & placed.far).any():  # their own layer: to be checked, not in a zone's count
        groups.append((FAR_LABEL, FAR_COLOUR, np.flatnonzero(valid & placed.far)))
    for zone, colour, rows in groups:
        x0, x = integer_coords(placed.lon[rows])
        y0, y = integer_coords(placed.lat[rows])
        layer_name = f"{name} · {zone}"
        codes, uniques = pd.factorize(pd.Series(shapes[rows], dtype=object))
        spec = {
            "name": layer_name,
            "count": len(rows),
            "x0": x0,
            "y0": y0,
            "scale": 1e-6,
            "x": x,
            "y": y,
            "shape": {"d": [str(u) for u in uniques], "c": codes.tolist()},
            "style": {"radius": radius, "fillColor": colour, "color": "#222", "weight": 1},
            "table": encode_prepared(prepared, rows),
            "title": title,
            "tooltip": tooltip,
            "search": search,
        }
        layer = DataLayer(m.get_name(), "points", spec, show=show)
        layer.layer_name = html_text(f"{layer_name} ({len(rows):,})")
        layer.add_to(m)
        layer.source_rows = rows
        layers.append(layer)
        zone_rows.append(legend_row(shape_symbol("circle", colour), zone, len(rows)))
        state.layers += 1
    # Open on the canal's stretch: points flagged as far from it (usually a typing
    # slip) are drawn, but do not widen the first view.
    in_view = valid & ~placed.far
    if not in_view.any():
        in_view = valid
    if in_view.any():
        state.extend(
            [placed.lon[in_view].min(), placed.lat[in_view].min(),
             placed.lon[in_view].max(), placed.lat[in_view].max()]
        )
    type_counts = pd.Series(types.to_numpy(dtype=object)[valid]).value_counts()
    type_rows = [
        legend_row(shape_symbol(TYPE_SHAPES.get(str(t), "circle")), str(t), int(n))
        for t, n in type_counts.items()
    ]
    heading = f"{name}（颜色=所在分区，形状=类型）共 {int(valid.sum()):,} 处"
    state.legend.append((heading, zone_rows[::-1] + type_rows))
    skipped = len(frame) - int(valid.sum())
    if skipped:
        state.note(
            f"另有 {skipped:,} 处{name}坐标无效或未能定位，未上图（原因见分类结果 reason 列）。"
        )
    return layers


@dataclass
class Placed:
    frame: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    levels: np.ndarray
    valid: np.ndarray
    far: np.ndarray


def placed_sources(sources: pd.DataFrame) -> Placed:
    if not isinstance(sources, pd.DataFrame):
        raise OptionError(f"sources: expected a DataFrame, got {type(sources).__name__}")
    missing = [c for c in ("lon", "lat", "zone_level") if c not in sources.columns]
    if missing:
        raise OptionError(
            f"sources lack the columns {', '.join(missing)}; classify them first "
            "(geo_guard.classify.classify or geo-guard map --canal ... --rules ...)"
        )
    frame = sources.reset_index(drop=True)
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    levels_f = pd.to_numeric(frame["zone_level"], errors="coerce").to_numpy(dtype=float)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if "status" in frame.columns:
        valid &= frame["status"].astype(str).str.strip().str.lower().ne("invalid").to_numpy()
    levels = np.where(np.isfinite(levels_f), levels_f, OUTSIDE_LEVEL).astype(int)
    distance = (pd.to_numeric(frame["distance_m"], errors="coerce").to_numpy(dtype=float)
                if "distance_m" in frame.columns else np.zeros(len(frame)))
    far = np.nan_to_num(distance, nan=0.0) > FAR_FROM_CANAL_M
    if "status" in frame.columns:
        far |= frame["status"].astype(str).str.strip().str.lower().eq("far").to_numpy()
    return Placed(frame, lon, lat, levels, valid, far)


def _coordinate_repeats(frame: pd.DataFrame, placed: Placed) -> set[int]:
    """Positions of input columns that only repeat the WGS84 lon/lat (within 1e-6°).

    The popup shows 经度/纬度 (WGS84) from the points themselves; an input column in
    another CRS or in degrees-minutes-seconds differs and stays.
    """
    out: set[int] = set()
    if not placed.valid.any():
        return out
    first = frame.index[np.flatnonzero(placed.valid)[:20]]
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if str(name) in ("lon", "lat") or isinstance(column.dtype, gpd.array.GeometryDtype):
            continue
        if pd.to_numeric(column.loc[first], errors="coerce").isna().any():
            continue  # not numbers (a quick look at the first rows)
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        for axis in (placed.lon, placed.lat):
            ok = placed.valid & np.isfinite(values)
            if ok.sum() == placed.valid.sum() and np.all(np.abs(values[ok] - axis[ok]) < 1e-6):
                out.add(position)
    return out


def _name_position(frame: pd.DataFrame, name_column: str | None) -> int | None:
    if name_column is None:
        return _first_column(frame, SOURCE_NAME_COLUMNS)
    if name_column not in frame.columns:
        raise OptionError(f"name column {name_column!r} is not in the sources")
    return [str(c) for c in frame.columns].index(name_column)


@dataclass(frozen=True)
class LayerKind:
    """Name, style and key columns of one kind of vector layer (see :func:`add_layer`)."""

    name: str
    style: Mapping[str, Any]
    title: tuple[str, ...]
    tooltip: tuple[str, ...]
    search: tuple[str, ...]
    legend: str


#: The corridor layers; columns missing from a frame are skipped.
LAYER_KINDS: dict[str, LayerKind] = {
    "gaps": LayerKind(
        "生态廊道断档",
        {"color": "#c51b7d", "weight": 5, "fillColor": "#de77ae", "fillOpacity": 0.55},
        ("gap_id", "bank", "stake_from", "stake_to"),
        ("gap_id", "bank", "stake_from", "stake_to"),
        ("gap_id",),
        "生态廊道",
    ),
    "weak_stands": LayerKind(
        "林分质量差地块",
        {"color": "#8c510a", "weight": 2, "dashArray": "4 3", "fillColor": "#dfc27d",
         "fillOpacity": 0.6},
        ("forest_id", "树种", "species"),
        ("forest_id", "保存率", "郁闭度", "survival", "canopy", "reason"),
        ("forest_id",),
        "生态廊道",
    ),
    "forest": LayerKind(
        "生态廊道林地",
        {"color": "#1b7837", "weight": 1, "fillColor": "#5aae61", "fillOpacity": 0.35},
        ("forest_id", "树种", "species"),
        ("forest_id", "树种", "species", "保存率", "郁闭度"),
        ("forest_id",),
        "生态廊道",
    ),
}


def _add_kind(m: folium.Map, frame: gpd.GeoDataFrame, kind: str, show: bool) -> DataLayer:
    spec = LAYER_KINDS[kind]
    return add_layer(m, frame, name=spec.name, style=spec.style, title=spec.title,
                     tooltip=spec.tooltip, search=spec.search, legend=spec.legend, show=show)


def add_gaps(m: folium.Map, gaps: gpd.GeoDataFrame, *, show: bool = True) -> DataLayer:
    """Add gaps of the ecological corridor (生态廊道断档), lines or polygons.

    Examples
    --------
    >>> layer = add_gaps(folium.Map(tiles=None), corridor_result.gaps)
    """
    return _add_kind(m, gaps, "gaps", show)


def add_weak_stands(m: folium.Map, stands: gpd.GeoDataFrame, *, show: bool = True) -> DataLayer:
    """Add weak stands (林分质量差: low survival rate 保存率 or canopy closure 郁闭度).

    Examples
    --------
    >>> layer = add_weak_stands(folium.Map(tiles=None), corridor_result.weak_stands)
    """
    return _add_kind(m, stands, "weak_stands", show)


def add_forest(m: folium.Map, forest: gpd.GeoDataFrame, *, show: bool = True) -> DataLayer:
    """Add the corridor's forest patches (生态廊道林地).

    Examples
    --------
    >>> forest = gpd.read_file("data/boundaries/forest.geojson")
    >>> add_forest(folium.Map(tiles=None), forest).feature_count
    249
    """
    return _add_kind(m, forest, "forest", show)


def add_admin(m: folium.Map, admin: gpd.GeoDataFrame, *, show: bool = True) -> DataLayer:
    """Add township/village boundaries (乡镇/行政村); their names are searchable.

    Examples
    --------
    >>> villages = gpd.read_file("data/boundaries/villages.geojson")
    >>> add_admin(folium.Map(tiles=None), villages).feature_count
    16
    """
    names = [c for c in ("township", "village", "乡镇", "行政村", "name", "名称")
             if c in admin.columns]
    return add_layer(
        m, admin, name="行政区划",
        style={"color": "#555555", "weight": 1.5, "dashArray": "6 4", "fillColor": "#ffffff",
               "fillOpacity": 0.0},
        title=names, tooltip=names, search=names, legend="行政区划", show=show,
    )


