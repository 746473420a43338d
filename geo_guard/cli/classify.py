"""``geo-guard classify``: risk sources (风险源) placed in zones and on the canal."""

from __future__ import annotations

import logging
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
    header_row_option,
    layer_options,
    load_canal,
    plain,
    read_layer,
    refuse_overwriting_inputs,
    sheet_option,
)
from geo_guard.io import LAYOUT, as_layout
from geo_guard.io.vector import ENGINES, read_vector
from geo_guard.zones.rules import load_rules

logger = logging.getLogger(__name__)

#: --engine of classify: the compute engine; the I/O engines' names are accepted too.
COMPUTE_ENGINES = ("memory", "dask", *ENGINES)


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@canal_options(crs_alias=False, rules_required=False, io_alias=False)
@click.option("--engine", "compute_engine", type=click.Choice(COMPUTE_ENGINES), default="memory",
              show_default=True,
              help="Compute engine (计算引擎): memory (one process) or dask (partitions on a dask "
              "cluster: INPUT may be a folder or glob of Parquet/CSV files, -o a folder of "
              "GeoParquet parts or one .parquet file). pyogrio/fiona are accepted as the old "
              "spelling of --io-engine.")
@click.option("--scheduler", default=None,
              help="With --engine dask: address of a running dask scheduler (tcp://HOST:8786) "
              "or its scheduler file (.json); default: start a local cluster and close it.")
@click.option("--partition-rows", type=int, default=None,
              help="With --engine dask: most rows per partition (Parquet), which bounds each "
              "worker's memory [default: 1,000,000].")
@click.option("--workers", type=int, default=None,
              help="With --engine dask and no --scheduler: worker processes of the local "
              "cluster [default: one per core].")
@click.option("--memory-limit", default=None,
              help="With --engine dask and no --scheduler: memory limit per local worker, e.g. "
              "2GB [default: the machine's memory shared among the workers].")
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
@sheet_option
@header_row_option
@click.option("--encoding", default=None, help="CSV encoding (default: detected; UTF-8, GBK …).")
@click.option("--ends", type=click.Choice(["round", "flat"]), default="round", show_default=True,
              help="Zones built from --rules at the centerline's two ends: round or flat (a "
              "stretch of a longer canal).")
@click.option("--headers", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Column headers of .csv/.xlsx output: Chinese for reading, English (the data "
              "contract) for scripts. Vector outputs always use English.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output by extension: .csv (UTF-8 with BOM; distances to the cm, WGS84 to "
              "1e-7°), .xlsx, .gpkg, .geojson, .parquet, .kml/.kmz (奥维互动地图, Google Earth).")
def classify(input_path: Path, canal_path: Path, rules_path: Path | None, crs: str | None,
             metric_crs: str | None, reverse: bool, chainage_start: float | None, engine: str,
             compute_engine: str, scheduler: str | None, partition_rows: int | None,
             workers: int | None, memory_limit: str | None, zones_path: Path | None,
             points_crs: str | None, admin_path: Path | None,
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

    With --engine dask the rows are classified partition by partition on a dask cluster
    (the same code, the same results) and each row also keeps source_file and source_row
    (its file and record number), for tens or hundreds of millions of rows.

    \b
    Example:
      geo-guard classify data/boundaries/risk_sources.csv \\
          --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --admin data/boundaries/villages.geojson -o out/risk_sources.xlsx
      geo-guard classify 'detections/*.parquet' --engine dask \\
          --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml -o out/detections
    """
    compute_engine, engine = _engines(compute_engine, engine)
    dask_only = {"--scheduler": scheduler, "--partition-rows": partition_rows,
                 "--workers": workers, "--memory-limit": memory_limit}
    if compute_engine == "dask":
        if sheet is not None or header_row is not None:
            raise OptionError("--sheet and --header-row: the dask engine reads Parquet and CSV "
                              "files; export the workbook as CSV")
        if rules_path is None and zones_path is None:
            raise OptionError("no zones: give --rules (zone widths) or --zones (zone polygons)")
        refuse_overwriting_inputs(
            {"-o": output},
            {"INPUT": input_path, **canal_inputs(canal_path, rules_path), "--zones": zones_path,
             "--admin": admin_path},
        )
        rules = load_rules(rules_path) if zones_path is None else None
        canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
        zones_frame = read_vector(zones_path, engine=engine) if zones_path else None
        admin = read_layer(admin_path, "admin", engine)
        _classify_on_dask(input_path, output, canal, rules, zones_frame, admin, scheduler,
                          workers, memory_limit, partition_rows, encoding,
                          {"crs": points_crs, "lon_col": lon_col, "lat_col": lat_col,
                           "type_col": type_col, "ends": ends})
        return
    given = [flag for flag, value in dask_only.items() if value is not None]
    if given:
        raise OptionError(f"{given[0]} needs --engine dask")
    from geo_guard.classification.core import classify as classify_sources
    from geo_guard.classification.summary import summarise
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
    # A table written as a table (or GeoParquet, whose points are made from lon/lat as it
    # is written) needs no point objects: a million of them take 0.2 s and 150 MB.
    bare = is_table and suffix in (".csv", ".xlsx", ".parquet")
    result = classify_sources(sources, canal, rules, zones=zones_frame, crs=points_crs,
                              lon_col=lon_col, lat_col=lat_col, type_col=type_col, admin=admin,
                              ends=ends, geometry=not bare)
    summary = summarise(result)
    write_classified(result, output, headers=headers, keep_geometry=not is_table,
                     engine=engine, summary=summary)
    _print_classify_summary(result, summary)
    console.print(plain(f"{len(result)} rows written to ", (str(output), "bold")))


def _engines(compute: str, io: str) -> tuple[str, str]:
    """The compute and I/O engines; ``--engine pyogrio|fiona`` is the I/O engine's old
    spelling and still works."""
    if compute in ENGINES:
        return "memory", compute
    return compute, io


def _classify_on_dask(input_path: Path, output: Path, canal: Any, rules: Any, zones: Any,
                      admin: Any, scheduler: str | None, workers: int | None,
                      memory_limit: str | None, partition_rows: int | None,
                      encoding: str | None, options: dict[str, Any]) -> None:
    """Folder/glob/file in, GeoParquet parts (or one file) out, on a dask cluster."""
    from geo_guard.classification.dask import classify_dask, dask_client, summarise_parts
    from geo_guard.classification.partitioned import (
        DEFAULT_PARTITION_ROWS,
        PARQUET_SUFFIXES,
        read_partitioned,
        write_partitioned,
    )

    if output.suffix and output.suffix.lower() not in PARQUET_SUFFIXES:
        raise OptionError(f"{output.name}: with --engine dask, -o is a folder (GeoParquet "
                          "parts) or one .parquet file")
    rows = DEFAULT_PARTITION_ROWS if partition_rows is None else partition_rows
    with dask_client(scheduler, workers=workers, memory_limit=memory_limit or "auto") as client:
        frame = read_partitioned(input_path, partition_rows=rows, encoding=encoding)
        logger.info("%d partitions on %d dask workers", frame.npartitions,
                    len(client.scheduler_info()["workers"]))
        lazy = classify_dask(frame, canal, rules, zones=zones, admin=admin, client=client,
                             **options)
        write_partitioned(lazy, output)
        summary = summarise_parts(output)
    _print_classify_summary(None, summary)
    console.print(plain(f"{summary['rows']:,} rows in {frame.npartitions} partition(s) "
                        "written to ", (str(output), "bold")))


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
    # The dask engine lists the first rows only and counts them all.
    count = summary.get("invalid_rows", len(invalid))
    if count:
        far = summary.get("far_rows", int((invalid["status"] == "far").sum()))
        console.print(plain((f"{count} row(s) to check 无效行及待核实", "yellow"),
                            f" ({count - far} invalid 无效, {far} far 待核实; kept, "
                            "with the reason):"))
        for row in invalid.head(10).itertuples(index=False):
            where = f"sheet {row.sheet} " if "sheet" in invalid.columns else ""
            console.print(plain(f"  {where}row {row.row}: {row.reason}"))
        if count > 10:
            console.print(f"  … and {count - 10} more")
    for note in (result.attrs.get(NOTES) if result is not None else None) or []:
        console.print(plain(("note:", "yellow"), f" {note}"))


def _print_reading(result: Any) -> None:
    """How a form was read: header rows, notes left out, cells filled down, sheets."""
    layout = as_layout(result.attrs.get(LAYOUT)) if result is not None else None
    if layout is None:
        return
    if layout.plain:
        return  # nothing worth saying
    for line in layout.describe():
        console.print(plain(("read:", "cyan"), f" {line}"))
