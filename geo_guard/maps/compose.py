"""Interactive HTML maps (folium/Leaflet) for analysts and field inspectors.

:func:`risk_map` draws any of: the canal with kilometre stakes (``K12+000``) and its flow
direction, the management area and protection zones coloured by level, classified risk
sources (colour = zone, shape = type), corridor gaps, weak stands, forest and admin
boundaries; with a layer control, a Chinese legend, full screen, measuring, locate-me, a
mini-map and a search by name or stake. Each ``add_*`` function adds one kind of layer to
any folium map; :func:`add_controls` finishes a map; :func:`save_map` writes it
atomically, by default with Leaflet and the plugins inlined so the file works offline
from ``file://``; :func:`geo_guard.map_split.split_maps` writes one map per township or
village.

Base maps: OpenStreetMap, Tianditu (天地图, CGCS2000, which lines up with WGS84 at map
scale; needs the user's key), AMap/Gaode (高德, GCJ-02: overlays and the locate-me
position are moved to GCJ-02 in the page so they line up, and the legend says so) and
none. Data in the file stays in WGS84.

Many points: risk sources are drawn on one canvas from column-encoded data (no marker
object per point in the HTML); 100,000 sources make a file of about 15 MB.

Examples
--------
>>> from geo_guard import Canal, load_rules
>>> canal = Canal.from_file("data/boundaries/canal.geojson")
>>> rules = load_rules("data/boundaries/zone_rules.example.toml")
>>> m = risk_map(canal, rules=rules, basemap="none", title="示例")
>>> save_map(m, tmp / "map.html").name
'map.html'
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
from folium.utilities import JsCode

from geo_guard._errors import OptionError
from geo_guard.canal.model import Canal
from geo_guard.crs import wgs84_to_gcj02
from geo_guard.io.files import atomic_path
from geo_guard.maps.assets import CDN, inline_assets
from geo_guard.maps.audit import add_audit
from geo_guard.maps.elements import map_state
from geo_guard.maps.layers import (
    WGS84,
    add_admin,
    add_canal,
    add_forest,
    add_gaps,
    add_layer,
    add_sources,
    add_weak_stands,
    add_zones,
)
from geo_guard.maps.page import DataCall, LegendElement, Script, html_text, minimap_links
from geo_guard.zones.build import build_zones
from geo_guard.zones.rules import ZoneRules

__all__ = [
    "BASEMAPS",
    "Basemap",
    "add_admin",
    "add_basemap",
    "add_canal",
    "add_controls",
    "add_forest",
    "add_gaps",
    "add_layer",
    "add_sources",
    "add_weak_stands",
    "add_zones",
    "fit_map",
    "make_map",
    "map_html",
    "risk_map",
    "save_map",
]


logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- base maps


@dataclass(frozen=True)
class Basemap:
    """A base map: tile URLs drawn together, attribution, datum.

    Attributes
    ----------
    label : str
        Name in the layer control.
    urls : tuple of str
        Leaflet URL templates, bottom first (imagery, then labels); ``{tk}`` is the key.
    attribution : str
        Attribution HTML (constant text).
    offset : str or None
        ``"gcj02"`` for tiles drawn in GCJ-02 (AMap).
    subdomains : str
        Values of ``{s}``.
    needs_key : bool
        Tianditu: a key (``tk``) is required.
    """

    label: str
    urls: tuple[str, ...]
    attribution: str
    offset: str | None = None
    subdomains: str = "abc"
    needs_key: bool = False
    max_zoom: int = 18


def _tianditu(layer: str, labels: str) -> tuple[str, ...]:
    base = (
        "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk={tk}"
    )
    return base % (layer, layer), base % (labels, labels)


_TIANDITU_ATTR = "&copy; 天地图 国家地理信息公共服务平台 (CGCS2000)"
_AMAP_ATTR = "&copy; 高德地图 AutoNavi (GCJ-02)"

#: Base maps by name (``--basemap``).
BASEMAPS: dict[str, Basemap | None] = {
    "osm": Basemap(
        "OpenStreetMap",
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        max_zoom=19,
    ),
    "tianditu-vec": Basemap(
        "天地图矢量", _tianditu("vec", "cva"), _TIANDITU_ATTR, subdomains="01234567", needs_key=True
    ),
    "tianditu-img": Basemap(
        "天地图影像", _tianditu("img", "cia"), _TIANDITU_ATTR, subdomains="01234567", needs_key=True
    ),
    "amap": Basemap(
        "高德地图",
        ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
         "&x={x}&y={y}&z={z}",),
        _AMAP_ATTR,
        offset="gcj02",
        subdomains="1234",
    ),
    "amap-img": Basemap(
        "高德影像",
        (
            "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
            "https://webst0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
        ),
        _AMAP_ATTR,
        offset="gcj02",
        subdomains="1234",
    ),
    "none": None,
}
_NO_BASEMAP_LABEL = "无底图 (离线)"
_GCJ_NOTE = (
    "高德底图使用 GCJ-02 坐标：图上各图层已由 WGS84 换算到 GCJ-02 以与底图对齐；"
    "弹窗中的经纬度和导出数据仍为 WGS84。"
)


def _tile_urls(basemap: Basemap, key: str | None) -> list[str]:
    if not basemap.needs_key:
        return list(basemap.urls)
    if not key:
        raise OptionError(
            "Tianditu (天地图) base maps need a key: pass --tianditu-key KEY or set "
            "TIANDITU_KEY (apply at https://console.tianditu.gov.cn)"
        )
    quoted = urllib.parse.quote(key.strip(), safe="")
    return [url.replace("{tk}", quoted) for url in basemap.urls]


def _compatible(name: str, key: str | None) -> list[str]:
    """Base maps offered in the layer control with ``name``: same datum, usable."""
    chosen = BASEMAPS[name]
    offset = chosen.offset if chosen else None
    names = []
    for other, basemap in BASEMAPS.items():
        if basemap is None or basemap.offset != offset:
            continue
        if basemap.needs_key and not key:
            continue
        names.append(other)
    return names


def add_basemap(m: folium.Map, name: str = "osm", *, tianditu_key: str | None = None) -> None:
    """Add a base map (and the others of the same datum, switchable) to a map.

    Parameters
    ----------
    m : folium.Map
    name : {"osm", "tianditu-vec", "tianditu-img", "amap", "amap-img", "none"}
        Base map shown when the page opens. With ``"amap"``/``"amap-img"`` every overlay
        added afterwards is moved to GCJ-02 in the page.
    tianditu_key : str, optional
        Tianditu key (default: environment variable ``TIANDITU_KEY``).

    Raises
    ------
    OptionError
        Unknown name, Tianditu without a key, or a datum change after overlays were added.

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> add_basemap(m, "amap")
    >>> map_state(m).offset
    'gcj02'
    """
    if name not in BASEMAPS:
        raise OptionError(f"unknown base map {name!r}; use one of {', '.join(BASEMAPS)}")
    key = tianditu_key or os.environ.get("TIANDITU_KEY") or None
    chosen = BASEMAPS[name]
    if chosen is not None and chosen.needs_key:
        _tile_urls(chosen, key)  # refuses a missing key
    state = map_state(m)
    offset = chosen.offset if chosen else None
    if state.basemap is not None:
        raise OptionError("this map already has a base map; add_basemap once per map")
    if state.layers and offset != state.offset:
        raise OptionError("add the base map before the overlays (its datum moves them)")
    state.basemap, state.offset = name, offset
    for other in _compatible(name, key):
        basemap = BASEMAPS[other]
        assert basemap is not None
        group = folium.FeatureGroup(name=basemap.label, overlay=False, show=other == name)
        for url in _tile_urls(basemap, key):
            folium.TileLayer(
                tiles=url,
                attr=basemap.attribution,
                subdomains=basemap.subdomains,
                max_zoom=20,
                max_native_zoom=basemap.max_zoom,
                overlay=False,
                control=False,
            ).add_to(group)
        group.add_to(m)
    folium.FeatureGroup(name=_NO_BASEMAP_LABEL, overlay=False, show=chosen is None).add_to(m)
    if offset is not None:
        DataCall(m.get_name(), "useOffset", offset).add_to(m)
        state.note(_GCJ_NOTE)


def make_map(
    *,
    basemap: str = "osm",
    tianditu_key: str | None = None,
    title: str | None = None,
    height: str = "100%",
) -> folium.Map:
    """An empty map with a base map; Leaflet and jQuery only (no Bootstrap/Font Awesome).

    Parameters
    ----------
    basemap : str
        See :func:`add_basemap`.
    tianditu_key : str, optional
    title : str, optional
        Shown at the top of the map and as the page title, as text: it is carried as
        data, never read as HTML or as a template.
    height : str
        CSS height of the map, e.g. ``"65vh"`` to leave room for a table below.

    Examples
    --------
    >>> m = make_map(basemap="none", title="卧龙区")
    >>> map_state(m).basemap
    'none'
    """
    m = folium.Map(
        location=[32.99, 112.53],  # Nanyang; replaced by the data's extent
        zoom_start=11,
        tiles=None,
        control_scale=False,  # a metric-only scale is added by add_controls
        max_zoom=20,
        height=height,
    )
    m.default_js = [("leaflet", CDN["leaflet_js"]), ("jquery", CDN["jquery_js"])]
    m.default_css = [("leaflet_css", CDN["leaflet_css"])]
    add_basemap(m, basemap, tianditu_key=tianditu_key)
    if title:
        m.get_root().title = html_text(title)
        DataCall(m.get_name(), "title", title).add_to(m)
    return m


# --------------------------------------------------------------------------- controls


class _LocateControl(folium.plugins.LocateControl):
    """folium's LocateControl with the vendored plugin version (CSS icons, no Font Awesome)."""

    default_js = [("Control_locate_min_js", CDN["locate_js"])]  # noqa: RUF012 (folium's API)
    default_css = [("Control_locate_min_css", CDN["locate_css"])]  # noqa: RUF012


def add_controls(
    m: folium.Map,
    *,
    layer_control: bool = True,
    legend: bool = True,
    search: bool = True,
    fullscreen: bool = True,
    measure: bool = True,
    locate: bool = True,
    minimap: bool = True,
    fit: bool = True,
) -> folium.Map:
    """Add the controls; call it after the last layer (the layer control lists them).

    Parameters
    ----------
    m : folium.Map
    layer_control, legend, search, fullscreen, measure, locate, minimap : bool
        Which controls to add: layer switcher, Chinese legend, search by name or stake,
        full screen, distance/area measuring (m, km, m², 亩), locate-me (an inspector's
        position; moved to GCJ-02 on AMap), overview mini-map.
    fit : bool
        Zoom to everything geo_guard added.

    Returns
    -------
    folium.Map
        ``m``.

    Examples
    --------
    >>> m = add_controls(make_map(basemap="none"))
    """
    state = map_state(m)
    name = m.get_name()
    Script(f"L.control.scale({{imperial: false}}).addTo({name});").add_to(m)
    if fullscreen:
        folium.plugins.Fullscreen(
            position="topleft", title="全屏", title_cancel="退出全屏"
        ).add_to(m)
    if search:
        DataCall(name, "search", {"placeholder": "搜索名称或桩号 (如 K12+300)"}).add_to(m)
    if measure:
        folium.plugins.MeasureControl(
            position="topleft",
            primary_length_unit="meters",
            secondary_length_unit="kilometers",
            primary_area_unit="sqmeters",
            secondary_area_unit="mu",
            localization="cn",
            units={"mu": {"factor": 0.0015, "display": "亩", "decimals": 2}},
        ).add_to(m)
    if locate:
        _LocateControl(
            position="topleft",
            flyTo=True,
            showPopup=True,
            strings={
                "title": "显示我的位置",
                "metersUnit": "米",
                "feetUnit": "英尺",
                "popup": "您在此点 {distance} {unit} 范围内",
                "outsideMapBoundsMsg": "您似乎在地图范围之外",
            },
            locateOptions={"enableHighAccuracy": True, "maxZoom": 17},
        ).add_to(m)
    if minimap:
        basemap = BASEMAPS.get(state.basemap or "none")
        tiles = None
        if basemap is not None and not basemap.needs_key:
            tiles = basemap.urls[0]
        options = {
            "tiles": tiles,
            "tileOptions": {"subdomains": basemap.subdomains} if basemap else {},
            "autoMinimize": True,
            "control": {"position": "bottomright", "toggleDisplay": True, "width": 140,
                        "height": 140, "zoomLevelOffset": -5,
                        "strings": {"hideText": "隐藏鹰眼图", "showText": "显示鹰眼图"}},
        }
        js, css = minimap_links()
        DataCall(name, "miniMap", options, js=js, css=css).add_to(m)
    if legend:
        LegendElement(m).add_to(m)
    if fit and state.bounds is not None:
        fit_map(m, state.bounds)
    if layer_control:
        collapsed = JsCode("window.innerWidth < 700")  # open on a desktop, folded on a phone
        folium.LayerControl(position="topright", collapsed=collapsed).add_to(m)
    return m


def fit_map(m: folium.Map, bounds: Sequence[float], max_zoom: int = 16) -> None:
    """Open the map on WGS84 ``(west, south, east, north)`` (moved to GCJ-02 on AMap).

    Examples
    --------
    >>> fit_map(make_map(basemap="none"), [112.4, 32.9, 112.6, 33.1])
    """
    west, south, east, north = (float(b) for b in bounds)
    if map_state(m).offset == "gcj02":
        (west, east), (south, north) = wgs84_to_gcj02([west, east], [south, north])
    m.fit_bounds([[float(south), float(west)], [float(north), float(east)]], max_zoom=max_zoom)


# --------------------------------------------------------------------------- whole maps


def risk_map(
    canal: Canal | None = None,
    *,
    rules: ZoneRules | None = None,
    zones: gpd.GeoDataFrame | None = None,
    sources: pd.DataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    weak_stands: gpd.GeoDataFrame | None = None,
    forest: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    audit: Any = None,
    basemap: str | None = None,
    tianditu_key: str | None = None,
    title: str | None = None,
    m: folium.Map | None = None,
    controls: bool = True,
    height: str = "100%",
    name_column: str | None = None,
) -> folium.Map:
    """A map of every layer given, with controls; or add them to an existing map.

    Parameters
    ----------
    canal : Canal, optional
        Drawn with stakes and flow direction; with ``rules`` and no ``zones``, the zones
        are built from it.
    rules : ZoneRules, optional
    zones : GeoDataFrame, optional
        Management area and zones (``zone_level`` 0–3).
    sources : DataFrame, optional
        Classified risk sources (:func:`geo_guard.classify.classify`).
    gaps, weak_stands, forest, admin : GeoDataFrame, optional
        Corridor gaps, weak stands, forest patches, township/village polygons.
    audit : AuditResult, path or mapping, optional
        The audit of markers, fences and crossings (:func:`geo_guard.maps.audit.add_audit`).
    basemap : str, optional
        ``"osm"`` (default for a new map), ``"tianditu-vec"``, ``"tianditu-img"``,
        ``"amap"``, ``"amap-img"`` or ``"none"``; for an existing ``m`` nothing is added
        unless given.
    tianditu_key : str, optional
        Tianditu key (default: ``TIANDITU_KEY``).
    title : str, optional
        Title shown on the map (as text).
    m : folium.Map, optional
        Map to add to; the caller's base layers stay.
    controls : bool
        Add the controls (:func:`add_controls`); with an existing map you may prefer to
        call it yourself after your own layers.
    height : str
        Map height (CSS) of a new map.
    name_column : str, optional
        Column naming each risk source.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = risk_map(canal, rules=rules, basemap="none")
    >>> [heading for heading, _ in map_state(m).legend]
    ['保护区', '总干渠']
    """
    if m is None:
        m = make_map(basemap=basemap or "osm", tianditu_key=tianditu_key, title=title,
                     height=height)
    else:
        if basemap is not None:
            add_basemap(m, basemap, tianditu_key=tianditu_key)
        if title:
            DataCall(m.get_name(), "title", title).add_to(m)
    if zones is None and canal is not None and rules is not None:
        zones = build_zones(canal, rules, crs=WGS84)
    if rules is not None and rules.note:
        map_state(m).note(rules.note)
    if admin is not None:
        add_admin(m, admin)
    if forest is not None:
        add_forest(m, forest)
    if zones is not None:
        add_zones(m, zones)
    if weak_stands is not None:
        add_weak_stands(m, weak_stands)
    if gaps is not None:
        add_gaps(m, gaps)
    if audit is not None:
        add_audit(m, audit)
    if canal is not None:
        add_canal(m, canal)
    if sources is not None:
        add_sources(m, sources, name_column=name_column)
    if controls:
        add_controls(m)
    return m


def map_html(m: folium.Map, *, offline: bool = True) -> str:
    """The page of a map as text, with Leaflet and plugins inlined when ``offline``.

    Examples
    --------
    >>> "<script src=" in map_html(make_map(basemap="none"))
    False
    """
    page = m.get_root().render()
    if not offline:
        return page
    page, remote = inline_assets(page)
    for url in remote:
        logger.warning("no offline copy of %s: the map loads it from the network", url)
    return page


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> Path:
    """Write a map as one HTML file, atomically (the old file stays on failure).

    Parameters
    ----------
    m : folium.Map
    path : str or path-like
        ``.html`` file; its folder must exist.
    offline : bool
        Inline Leaflet and the plugins (about 0.5 MB) so the file works with no network
        from ``file://``; ``False`` links them from CDNs (smaller file). Base-map tiles
        always need the network.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> m = risk_map(canal, rules=rules, sources=sources, basemap="none")
    >>> path = save_map(m, tmp / "map.html")
    >>> path.stat().st_size > 100_000  # Leaflet and the plugins are inlined
    True
    """
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise OptionError(f"{target.name}: a map is written as .html")
    page = map_html(m, offline=offline)
    with atomic_path(target) as temp:
        temp.write_text(page, encoding="utf-8")
    logger.info("wrote map %s (%.1f MB)", target, target.stat().st_size / 2**20)
    return target


