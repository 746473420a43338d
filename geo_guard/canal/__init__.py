"""The canal: centerline segments in flow order, chainage and stakes, bank, nearest edge.

`Canal` loads a centerline from any vector file, joins its parts in flow order, picks the
metric CRS and answers where a point lies relative to the canal (distance, chainage,
stake, bank). `stakes` formats and parses `K12+345`; `nearest` is the exact vectorised
nearest-edge search behind `Canal.locate` and classification.
"""

from geo_guard.canal.model import Canal, CanalLocation, working_crs
from geo_guard.canal.stakes import format_stake, format_stakes, parse_stake

__all__ = ["Canal", "CanalLocation", "format_stake", "format_stakes", "parse_stake", "working_crs"]
