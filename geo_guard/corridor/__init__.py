"""The ecological corridor: belt, cross-section strips, coverage, gaps and weak stands.

`analysis.analyse_corridor` compares the belt along both banks with forest polygons and
returns a `CorridorResult`; `strips` cuts the belt into stations; `report` writes the
GeoPackage and workbook.
"""

from geo_guard.corridor.analysis import CorridorResult, analyse_corridor, corridor_belt

__all__ = ["CorridorResult", "analyse_corridor", "corridor_belt"]
