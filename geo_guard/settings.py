"""Documented defaults: zone levels, names and colours, bank names, distance thresholds.

Zone levels order strictness: a lower number is stricter. ``0`` is the canal's own
management area (管理范围), ``1``/``2``/``3`` the first-class, second-class and
quasi-protection zones, ``9`` outside every zone.

Examples
--------
>>> from geo_guard.settings import ZONE_NAMES, OUTSIDE_LEVEL
>>> ZONE_NAMES[1], ZONE_NAMES[OUTSIDE_LEVEL]
('一级保护区', '保护区外')
"""

from __future__ import annotations

MANAGEMENT_LEVEL = 0
FIRST_LEVEL = 1
SECOND_LEVEL = 2
QUASI_LEVEL = 3
OUTSIDE_LEVEL = 9

ZONE_NAMES: dict[int, str] = {
    MANAGEMENT_LEVEL: "管理范围",
    FIRST_LEVEL: "一级保护区",
    SECOND_LEVEL: "二级保护区",
    QUASI_LEVEL: "准保护区",
    OUTSIDE_LEVEL: "保护区外",
}

#: Map colours per level (ColorBrewer-like, red = strictest).
ZONE_COLOURS: dict[int, str] = {
    MANAGEMENT_LEVEL: "#1f78b4",
    FIRST_LEVEL: "#e31a1c",
    SECOND_LEVEL: "#ff7f00",
    QUASI_LEVEL: "#ffd92f",
    OUTSIDE_LEVEL: "#9e9e9e",
}

BANK_LEFT = "左岸"
BANK_RIGHT = "右岸"
#: Banks are named looking downstream (flow direction).
BANKS: tuple[str, ...] = (BANK_LEFT, BANK_RIGHT)

#: Points farther than this from the canal are still classified, but flagged.
FAR_FROM_CANAL_M = 50_000.0

#: Gaps between canal parts longer than this are reported when the canal is loaded.
CANAL_GAP_TOLERANCE_M = 1.0

#: No zone or corridor line lies farther than this from the centerline (management edge
#: plus every zone width, or edge plus corridor, on one bank). The real zones reach a few
#: kilometres; 100 km keeps a typo such as ``second = 1e9`` from reaching GEOS, and keeps
#: the zones inside the metric CRS's useful area.
MAX_REACH_M = 100_000.0
