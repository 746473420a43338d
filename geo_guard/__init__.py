"""geo_guard: GIS toolkit for the drinking-water source protection zones of the
South-to-North Water Diversion Middle Route canal (南水北调中线总干渠).

Main entry points::

    from geo_guard import Canal, load_rules, build_zones
    canal = Canal.from_file("data/boundaries/canal.geojson")
    zones = build_zones(canal, load_rules("data/boundaries/zone_rules.example.toml"))
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geo-guard")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from geo_guard._errors import GeoGuardError
from geo_guard.canal import Canal, CanalLocation, format_stake, parse_stake
from geo_guard.classification import classify
from geo_guard.zones import (
    ZoneRules,
    build_zones,
    dissolve_zones,
    load_rules,
    rules_from_text,
    segment_widths,
)

__all__ = [
    "Canal",
    "CanalLocation",
    "GeoGuardError",
    "ZoneRules",
    "__version__",
    "build_zones",
    "classify",
    "dissolve_zones",
    "format_stake",
    "load_rules",
    "parse_stake",
    "rules_from_text",
    "segment_widths",
]
