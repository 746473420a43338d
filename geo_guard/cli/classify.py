"""``geo-guard classify``: risk sources (风险源) placed in zones and on the canal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from geo_guard._errors import OptionError
from geo_guard.classification import NOTES
from geo_guard.cli.common import (
    CRS_HELP,
    TABLE_SUFFIXES,
    AliasedOption,
    add_row,
    canal_inputs,
    canal_options,
    console,
    layer_options,
    load_canal,
    plain,
    read_layer,
    refuse_overwriting_inputs,
)
from geo_guard.io import LAYOUT, as_layout
from geo_guard.io.vector import read_vector
from geo_guard.zones.rules import load_rules


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@canal_options(crs_alias=False, rules_required=False)
@click.option("--zones", "zones_path", type=click.Path(path_type=Path), default=None,
              help="Zone polygons (保护区) with zone_level, e.g. the official delineation; "
              "instead of --rules (default: built from --canal and --rules).")
@click.option("--sources-crs", "--crs", "points_crs", cls=AliasedOption, default=None,
              help=f"CRS of the risk sources' coordinates (风险源坐标系): {CRS_HELP}. Default: "
              "the file's, or wgs84 for tables. Old spelling: --crs.")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村) to join: columns township/village, "
              "乡镇/行政村 or XJQYMC/CJQYMC (else --admin-name-col).")
@layer_options("admin", "township/village", names=True)
@click.option("--lon-col", default=None, help="Longitude / easting column (经度列) of a table.")
@click.option("--lat-col", default=None, help="Latitude / northing column (纬度列) of a table.")
@click.option("--type-col", default=None, help="Risk-source type column (风险源类型列).")
@click.option("--sheet", default=None,
              help="XLSX sheet (工作表): name, 0-based number, or 'all' for every sheet (a "
              "column 工作表 says which); default the first.")
@click.option("--header-row", type=click.IntRange(min=1), default=None,
              help="Row number of the header (表头所在行) as Excel shows it; default: found "
              "(title, 填报单位/填报时间 rows skipped; a two-row header such as 坐标 over "
              "经度/纬度 read as one).")
@click.option("--encoding", default=None, help="CSV encoding (default: detected; UTF-8, GBK …).")
@click.option("--ends", type=click.Choice(["round", "flat"]), default="round", show_default=True,
              help="Zones built from --rules at the centerline's two ends: round or flat (a "
              "stretch of a longer canal).")
@click.option("--headers", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Column headers of .csv/.xlsx output: Chinese for reading, English (the data "
              "contract) for scripts. Vector outputs always use English.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output by extension: .csv (UTF-8 with BOM), .xlsx, .gpkg, .geojson, .parquet, "
              ".kml/.kmz (奥维互动地图, Google Earth).")
def classify(input_path: Path, canal_path: Path, rules_path: Path | None, crs: str | None,
             metric_crs: str | None, reverse: bool, chainage_start: float | None, engine: str,
             zones_path: Path | None, points_crs: str | None, admin_path: Path | None,
             lon_col: str | None, lat_col: str | None, type_col: str | None,
             sheet: str | None, header_row: int | None, encoding: str | None, ends: str,
             headers: str, output: Path) -> None:
    """Classify risk sources (风险源) by zone and place them on the canal.

    Every input row comes out once, in order, with its columns and zone, zone_level,
    distance_m (to the centerline), edge_distance_m (to the management edge 管理范围边线),
    zone_boundary_m (to the outer line of its zone), chainage_m, stake (桩号), bank (岸别),
    segment_id, lon/lat (WGS84), source_type, status and reason. Rows that cannot be
    placed are kept with status "invalid", rows more than 50 km from the canal get "far"
    (待核实); both are listed with their row number in the file. A point on a zone
    boundary counts in the stricter zone. Government forms are read as they come: title
    and 填报单位 rows, merged headers and cells, notes at the bottom (注：…).

    \b
    Example:
      geo-guard classify data/boundaries/risk_sources.csv \\
          --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --admin data/boundaries/villages.geojson -o out/risk_sources.xlsx
    """
    from geo_guard.classification.core import classify as classify_sources
    from geo_guard.classification.core import summarise
    from geo_guard.io.tables import read_table
    from geo_guard.reports.classification import OUTPUT_SUFFIXES, write_classified

    suffix = output.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:  # before the work, not after it
        raise OptionError(f"{output.name}: unknown output type '{suffix}'; use .csv, .xlsx, "
                          ".gpkg, .geojson, .shp or .parquet")
    if rules_path is None and zones_path is None:
        raise OptionError("no zones: give --rules (zone widths) or --zones (zone polygons)")
    refuse_overwriting_inputs(
        {"-o": output},
        {"file INPUT": input_path, **canal_inputs(canal_path, rules_path), "--zones": zones_path,
         "--admin": admin_path},
    )
    rules = load_rules(rules_path) if zones_path is None and rules_path is not None else None
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    is_table = input_path.suffix.lower() in TABLE_SUFFIXES
    if is_table:
        sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
        sources = read_table(input_path, sheet=sheet_arg, encoding=encoding,
                             header_row=header_row)
    else:
        if header_row is not None or sheet is not None:
            raise OptionError("--sheet and --header-row are for tables (.csv, .xlsx)")
        sources = read_vector(input_path, engine=engine)
    zones_frame = read_vector(zones_path, engine=engine) if zones_path else None
    admin = read_layer(admin_path, "admin", engine)
    result = classify_sources(sources, canal, rules, zones=zones_frame, crs=points_crs,
                              lon_col=lon_col, lat_col=lat_col, type_col=type_col, admin=admin,
                              ends=ends)
    summary = summarise(result)
    write_classified(result, output, headers=headers, keep_geometry=not is_table,
                     engine=engine, summary=summary)
    _print_classify_summary(result, summary)
    console.print(plain(f"{len(result)} rows written to ", (str(output), "bold")))


def _print_classify_summary(result: Any, summary: dict[str, Any]) -> None:
    table = Table(title="按保护区 Rows per zone")
    table.add_column("级别 level", justify="right")
    table.add_column("保护区 zone")
    table.add_column("点位 rows", justify="right")
    for row in summary["zone"].itertuples(index=False):
        add_row(table, row.zone_level, row.zone, row.rows)
    console.print(table)
    table = Table(title="按类型 Rows per source type")
    table.add_column("风险源类型 source type")
    table.add_column("点位 rows", justify="right")
    for row in summary["source_type"].itertuples(index=False):
        add_row(table, row.source_type, row.rows)
    console.print(table)
    _print_reading(result)
    invalid = summary["invalid"]
    if len(invalid):
        far = int((invalid["status"] == "far").sum())
        console.print(plain((f"{len(invalid)} row(s) to check 无效行及待核实", "yellow"),
                            f" ({len(invalid) - far} invalid 无效, {far} far 待核实; kept, "
                            "with the reason):"))
        for row in invalid.head(10).itertuples(index=False):
            where = f"sheet {row.sheet} " if "sheet" in invalid.columns else ""
            console.print(plain(f"  {where}row {row.row}: {row.reason}"))
        if len(invalid) > 10:
            console.print(f"  … and {len(invalid) - 10} more")
    for note in result.attrs.get(NOTES) or []:
        console.print(plain(("note:", "yellow"), f" {note}"))


def _print_reading(result: Any) -> None:
    """How a form was read: header rows, notes left out, cells filled down, sheets."""
    layout = as_layout(result.attrs.get(LAYOUT))
    if layout is None:
        return
    if layout.plain:
        return  # nothing worth saying
    for line in layout.describe():
        console.print(plain(("read:", "cyan"), f" {line}"))
