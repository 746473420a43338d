"""The audit's layers on the map (标志及隔离防护设施): stretches of zone boundary without
markers, turning points without one, crossings' entries with and without findings,
damaged or missing markers, unfenced stretches.

Every layer goes through :func:`geo_guard.maps.layers.add_layer`: attributes travel as
escaped JSON data under their Chinese headers and are put on screen as text, so a name
such as ``<script>`` or ``{{7*7}}`` shows as typed.

Examples
--------
>>> import folium
>>> from geo_guard.audit import audit_facilities
>>> result = audit_facilities(canal, gpd.read_file("data/boundaries/markers.geojson"),
...                           rules=rules)
>>> [layer.display_name for layer in add_audit(folium.Map(tiles=None), result)]
['界标间距超限', '拐点无界标', '损坏缺失标志']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd

from geo_guard.io.vector import read_vector
from geo_guard.maps.elements import map_state
from geo_guard.maps.layers import add_layer
from geo_guard.maps.page import DataLayer
from geo_guard.vocabulary.headers import AUDIT_HEADERS

__all__ = ["AUDIT_STYLES", "add_audit", "read_audit_layers"]

_LEGEND = "标志及隔离防护设施"

#: Per audit layer: map name, Leaflet style, columns shown (English names), title columns.
AUDIT_STYLES: dict[str, tuple[str, Mapping[str, Any], tuple[str, ...], tuple[str, ...]]] = {
    "boundary_gaps": (
        "界标间距超限", {"color": "#d7301f", "weight": 6, "opacity": 0.85, "dashArray": "10 6"},
        ("gap_id", "zone", "bank", "length_m", "stake_from", "stake_to", "from_marker",
         "to_marker", "township", "village"), ("gap_id", "zone", "bank")),
    "corner_gaps": (
        "拐点无界标", {"color": "#7f0000", "weight": 2, "fillColor": "#fc8d59",
                   "fillOpacity": 0.9, "radius": 7},
        ("corner_id", "zone", "bank", "turn_deg", "nearest_marker_m", "stake", "township",
         "village"), ("corner_id", "zone", "bank")),
    "crossings": (
        "穿越工程进入点（有问题）", {"color": "#67000d", "weight": 2, "fillColor": "#ef3b2c",
                          "fillOpacity": 0.9, "radius": 7},
        ("crossing_id", "name", "kind", "entry", "bank", "stake", "sign", "sign_distance_m",
         "crash_barrier", "drainage_channel", "emergency_pool", "findings", "township",
         "village"), ("name", "entry")),
    "crossings_ok": (
        "穿越工程进入点（无问题）", {"color": "#00441b", "weight": 1, "fillColor": "#41ab5d",
                          "fillOpacity": 0.8, "radius": 5},
        ("crossing_id", "name", "kind", "entry", "bank", "stake", "sign",
         "sign_distance_m"), ("name", "entry")),
    "damaged_markers": (
        "损坏缺失标志", {"color": "#3f007d", "weight": 2, "fillColor": "#807dba",
                   "fillOpacity": 0.9, "radius": 6},
        ("code", "kind", "condition", "zone", "bank", "stake", "photo", "township",
         "village"), ("kind", "condition", "code")),
    "fence_gaps": (
        "隔离网缺口", {"color": "#08519c", "weight": 6, "opacity": 0.85, "dashArray": "4 6"},
        ("gap_id", "bank", "length_m", "stake_from", "stake_to", "damaged_fence", "township",
         "village"), ("gap_id", "bank")),
}


def read_audit_layers(path: str | Path, *, engine: str = "pyogrio"
                      ) -> dict[str, gpd.GeoDataFrame]:
    """The map's layers from a ``geo-guard audit`` GeoPackage (those present)."""
    import pyogrio

    present = {str(name) for name in pyogrio.list_layers(path)[:, 0]}
    return {name: read_vector(path, layer=name, engine=engine)
            for name in ("boundary_gaps", "corner_gaps", "crossings", "damaged_markers",
                         "fence_gaps") if name in present}


def add_audit(m: folium.Map, audit: Any, *, show: bool = True) -> list[DataLayer]:
    """Draw an audit on the map: an :class:`~geo_guard.audit.AuditResult`, a
    ``geo-guard audit`` GeoPackage, or a mapping of its layers.

    Crossings' entries are drawn in two layers, those with a finding (no sign, missing
    or unknown facilities) in red and the others in green. Empty layers are left out.

    Returns
    -------
    list of DataLayer
    """
    if isinstance(audit, str | Path):
        layers = read_audit_layers(audit)
    elif isinstance(audit, Mapping):
        layers = dict(audit)
    else:
        layers = {name: getattr(audit, name) for name in
                  ("boundary_gaps", "corner_gaps", "crossings", "damaged_markers",
                   "fence_gaps")}
    entries = layers.get("crossings")
    if entries is not None and len(entries):
        flagged = entries["findings"].fillna("").astype(str) != ""
        layers["crossings"], layers["crossings_ok"] = entries[flagged], entries[~flagged]
    legend = map_state(m).legend
    before = len(legend)
    added = []
    for key, (name, style, columns, title) in AUDIT_STYLES.items():
        frame = layers.get(key)
        if frame is None or not len(frame):
            continue
        added.append(_add(m, frame, name, style, columns, title, show))
    # One legend section for all the audit's layers, not one per layer.
    rows = [row for heading, section in legend[before:] if heading == _LEGEND for row in section]
    legend[before:] = [(h, r) for h, r in legend[before:] if h != _LEGEND]
    if rows:
        legend.insert(before, (_LEGEND, rows))
    return added


def _add(m: folium.Map, frame: gpd.GeoDataFrame, name: str, style: Mapping[str, Any],
         columns: Sequence[str], title: Sequence[str], show: bool) -> DataLayer:
    shown = [c for c in columns if c in frame.columns]
    table = frame[[*shown, frame.geometry.name]].rename(
        columns={c: AUDIT_HEADERS.get(c, c) for c in shown})
    headers = [AUDIT_HEADERS.get(c, c) for c in shown]
    titles = [AUDIT_HEADERS.get(c, c) for c in title if c in shown]
    return add_layer(m, table, name=name, style=style, columns=headers, title=titles,
                     tooltip=titles, search=titles[:1], legend=_LEGEND, show=show)
