"""The ecological corridor: belt, cross-section strips, coverage, gaps and weak stands.

`analysis.analyse_corridor` compares the belt along both banks with forest polygons and
returns a `CorridorResult`; `strips` cuts the belt into stations; `report` writes the
GeoPackage and workbook; `windows` runs a long canal window by window (in process or on
dask) and merges the windows into the result of one run.
"""

from geo_guard.corridor.analysis import CorridorResult, analyse_corridor, corridor_belt
from geo_guard.corridor.windows import analyse_corridor_windows, corridor_windows

__all__ = [
    "CorridorResult",
    "analyse_corridor",
    "analyse_corridor_windows",
    "corridor_belt",
    "corridor_windows",
]
