"""The users' words: column names, values and source types in Chinese and English.

`columns` finds a column under any of its Chinese/English names and normalises attribute
values; `source_types` maps what field teams write to the seed's risk-source categories.
"""

from geo_guard.vocabulary.columns import canonical_column, find_column, is_missing, normalise_value

__all__ = ["canonical_column", "find_column", "is_missing", "normalise_value"]
