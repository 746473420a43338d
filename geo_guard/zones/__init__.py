"""Protection zones: the rules file and the zones built from it.

`rules` reads the ordered zone rules (TOML: match conditions on segment attributes ->
widths per level and bank); `build` turns a `Canal` and its rules into zone polygons per
segment, bank and level, on the faces `territory` cuts the plane into by nearest
centerline part (also the corridor's belt and strips); `admin` looks points and shapes
up in township/village polygons.
"""

from geo_guard.zones.build import build_zones, dissolve_zones, segment_widths
from geo_guard.zones.rules import ZoneRule, ZoneRules, load_rules, rules_from_dict, rules_from_text

__all__ = [
    "ZoneRule",
    "ZoneRules",
    "build_zones",
    "dissolve_zones",
    "load_rules",
    "rules_from_dict",
    "rules_from_text",
    "segment_widths",
]
