"""Files in and out: vector files, tables, spreadsheets, coordinates, atomic writes.

`vector` reads and writes GeoPackage/GeoJSON/Shapefile/GeoParquet through pyogrio (fiona
optional); `tables` reads CSV/XLSX in any encoding; `coords` finds and parses coordinate
columns; `spreadsheets` writes CSV/XLSX with formulas neutralised; `files` makes every
write atomic and every file name safe.

Large tables go column by column, never a Python call per cell: `csv_arrow` reads a
well-formed UTF-8 CSV with Arrow's parser, `csv_writer` and `xlsx_writer`/`xlsx_cells`
write CSV and XLSX with Arrow kernels over whole columns (`arrow_text`).
"""

from geo_guard.io.files import atomic_path, safe_filename
from geo_guard.io.form_layout import LAYOUT, SheetLayout, TableLayout, as_layout
from geo_guard.io.tables import ALL_SHEETS, ROW_NOTES, SHEET_COLUMN, read_table
from geo_guard.io.vector import ENGINES, read_vector, write_table, write_vector, write_vector_layers

__all__ = [
    "ALL_SHEETS",
    "ENGINES",
    "LAYOUT",
    "ROW_NOTES",
    "SHEET_COLUMN",
    "SheetLayout",
    "TableLayout",
    "as_layout",
    "atomic_path",
    "read_table",
    "read_vector",
    "safe_filename",
    "write_table",
    "write_vector",
    "write_vector_layers",
]
