"""Interactive Leaflet maps for analysts and inspectors (folium, assets inlined).

`compose` builds a map from layers (`risk_map`, `add_*`, `save_map`); `layers` turns
frames into map layers; `elements` encodes their data as escaped JSON and `page` puts it
into the page (user text travels only as data, never through a template); `split` writes
one page per area; `assets` inlines the vendored JavaScript in `static/`; `audit` draws
the audit of markers, fences and crossings.
"""

from geo_guard.maps.audit import add_audit
from geo_guard.maps.compose import (
    BASEMAPS,
    Basemap,
    add_admin,
    add_basemap,
    add_canal,
    add_controls,
    add_forest,
    add_gaps,
    add_layer,
    add_sources,
    add_weak_stands,
    add_zones,
    fit_map,
    make_map,
    map_html,
    risk_map,
    save_map,
)

__all__ = [
    "BASEMAPS",
    "Basemap",
    "add_admin",
    "add_audit",
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
