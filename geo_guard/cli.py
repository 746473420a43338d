"""``geo-guard``: thin commands over the public API.

Each command reads files, calls one library function, writes the result atomically and
prints a short summary. A user's mistake (bad file, bad option) prints one line starting
with ``error:`` and exits with status 2; ``-v`` shows progress, ``-q`` only errors.

Examples
--------
.. code-block:: console

   $ geo-guard zones --canal data/boundaries/canal.geojson \\
         --rules data/boundaries/zone_rules.example.toml -o out/zones.gpkg
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from ._errors import GeoGuardError, OptionError
from .canal import Canal
from .io import ENGINES, read_vector, write_vector, write_vector_layers
from .rules import load_rules
from .settings import ZONE_NAMES
from .zones import build_zones, dissolve_zones

logger = logging.getLogger("geo_guard")
console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

CRS_HELP = "wgs84, cgcs2000, gcj02 (AMap/高德), bd09 (Baidu/百度) or an EPSG code such as EPSG:4547"


class GeoGuardGroup(click.Group):
    """Turns GeoGuardError into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GeoGuardError as err:
            err_console.print(f"[bold red]error:[/] {err}", markup=True, soft_wrap=True)
            raise SystemExit(2) from None


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", force=True)
    logging.getLogger("pyogrio").setLevel(max(level, logging.WARNING))


@click.group(cls=GeoGuardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geo-guard")
@click.option("-v", "--verbose", count=True, help="More messages (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def main(verbose: int, quiet: bool) -> None:
    """geo_guard: protection zones (水源保护区) of the South-to-North Water Diversion
    Middle Route canal (南水北调中线总干渠).

    \b
    Commands:
      zones      build the management area (管理范围) and zone rings
                 (一级/二级/准保护区) from a centerline and a rules file
      classify   place risk sources (风险源) in zones: distance, chainage (桩号),
                 bank (左岸/右岸), township (乡镇) for every row
      corridor   find gaps (断档) and weak stands of the ecological corridor (生态廊道)
      map        write an interactive HTML map (交互地图) for analysts and inspectors
    Run `geo-guard COMMAND --help` for a command's options and an example.
    """
    _setup_logging(verbose, quiet)


def _canal_options(
    func: Callable[..., Any] | None = None, *, crs_flags: tuple[str, ...] = ("--crs",)
) -> Any:
    """Options shared by every command that reads the canal.

    ``crs_flags`` names the canal's CRS option: ``--crs`` by default; commands whose
    ``--crs`` is about another input (``classify``) use ``--canal-crs``.
    """
    if func is None:
        return lambda f: _canal_options(f, crs_flags=crs_flags)
    options = [
        click.option(
            "--canal",
            "canal_path",
            required=True,
            type=click.Path(path_type=Path),
            help="Canal centerline (总干渠中心线): lines in flow order, any vector format.",
        ),
        click.option(
            "--rules",
            "rules_path",
            required=True,
            type=click.Path(path_type=Path),
            help="Zone-width rules (分区规则), TOML; see data/boundaries/zone_rules.example.toml.",
        ),
        click.option(
            *crs_flags,
            "crs",
            default=None,
            help=f"CRS of the canal file when it has none or it is wrong: {CRS_HELP}.",
        ),
        click.option(
            "--metric-crs",
            default=None,
            help="CRS to compute in (default: the data's own projected CRS, else the "
            "CGCS2000 3° Gauss-Kruger zone; also 'gk3', 'utm' or an EPSG code).",
        ),
        click.option(
            "--reverse",
            is_flag=True,
            help="The centerline was digitised upstream: flip it "
            "(banks are named looking downstream).",
        ),
        click.option(
            "--chainage-start",
            type=float,
            default=None,
            help="Chainage (桩号) in metres at the upstream start; default from the file or 0.",
        ),
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="pyogrio",
            show_default=True,
            help="Vector I/O engine (fiona needs the optional extra).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_canal(
    canal_path: Path,
    crs: str | None,
    metric_crs: str | None,
    reverse: bool,
    chainage_start: float | None,
    engine: str,
) -> Canal:
    """Load the canal as the shared options say (used by every command)."""
    return Canal.from_file(
        canal_path,
        crs=crs,
        metric_crs=metric_crs,
        reverse=reverse,
        chainage_start_m=chainage_start,
        engine=engine,
    )


@main.command()
@_canal_options
@click.option(
    "--clip",
    "clip_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Study area (研究区) polygons: zones are cut to it.",
)
@click.option(
    "--to-crs", default=None, help=f"CRS of the output (default: the canal's): {CRS_HELP}."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output: .gpkg (layers zones, zones_dissolved, centerline), .geojson or .shp.",
)
def zones(
    canal_path: Path,
    rules_path: Path,
    crs: str | None,
    metric_crs: str | None,
    reverse: bool,
    chainage_start: float | None,
    engine: str,
    clip_path: Path | None,
    to_crs: str | None,
    output: Path,
) -> None:
    """Build protection zones (保护区) from a centerline and rules.

    Widths per segment and bank come from the first matching rule and are measured
    outward from the management edge (管理范围边线).

    \b
    Example:
      geo-guard zones --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --clip data/boundaries/study_area.geojson -o out/zones.gpkg
    """
    rules = load_rules(rules_path)
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    clip = read_vector(clip_path, engine=engine) if clip_path else None
    out_crs = _output_crs(to_crs) or canal.crs
    pieces = build_zones(canal, rules, clip=clip, crs=out_crs)
    dissolved = dissolve_zones(pieces)
    centerline = canal.centerline(out_crs)
    suffix = output.suffix.lower()
    if suffix == ".gpkg":
        write_vector_layers(
            {"zones": pieces, "zones_dissolved": dissolved, "centerline": centerline},
            output,
            engine=engine,
        )
    elif suffix in {".geojson", ".json", ".shp"}:
        write_vector(pieces, output, engine=engine)
        write_vector(
            dissolved, output.with_name(f"{output.stem}_dissolved{output.suffix}"), engine=engine
        )
    else:
        raise OptionError(f"{output.name}: zones are written as .gpkg, .geojson or .shp")
    _print_zone_summary(pieces, canal)
    if rules.note:
        console.print(f"[dim]{rules.note}[/]")
    console.print(f"zones written to [bold]{output}[/]")


def _output_crs(value: str | None) -> Any:
    if value is None:
        return None
    from .crs import parse_crs

    parsed = parse_crs(value)
    if parsed is not None and parsed.offset:
        raise OptionError(
            "--to-crs cannot be gcj02/bd09: results are written in a real CRS "
            "(use wgs84 and convert for display)"
        )
    return None if parsed is None else parsed.crs


def _print_zone_summary(pieces: Any, canal: Canal) -> None:
    table = Table(title="保护区面积 Zone areas (km²)")
    table.add_column("级别 level", justify="right")
    table.add_column("分区 zone")
    for bank in ("左岸", "右岸"):
        table.add_column(bank, justify="right")
    table.add_column("合计 total", justify="right")
    areas = (
        pieces.pivot_table(
            index="zone_level", columns="bank", values="area_m2", aggfunc="sum", fill_value=0.0
        )
        / 1e6
    )
    for level, row in areas.iterrows():
        values = [row.get(b, 0.0) for b in ("左岸", "右岸")]
        table.add_row(
            str(level), ZONE_NAMES[int(level)], *(f"{v:.3f}" for v in values), f"{sum(values):.3f}"
        )
    console.print(table)
    lengths = canal.segments.assign(length=canal.segments["end_m"] - canal.segments["start_m"])
    by_type = lengths.groupby("structure", sort=False)["length"].agg(["count", "sum"])
    table = Table(title="渠段长度 Length per structure type")
    table.add_column("建筑物 structure")
    table.add_column("段数 segments", justify="right")
    table.add_column("长度 length (km)", justify="right")
    for structure, row in by_type.iterrows():
        table.add_row(str(structure), str(int(row["count"])), f"{row['sum'] / 1000:.3f}")
    table.add_row("合计 total", str(len(lengths)), f"{canal.length_m / 1000:.3f}")
    console.print(table)
    start, end = canal.chainage_range
    console.print(
        f"桩号 chainage {canal.stake(start)} – {canal.stake(end)}; "
        f"metric CRS EPSG:{canal.metric_crs.to_epsg()}"
    )
    for issue in canal.issues:
        console.print(f"[yellow]note:[/] {issue}")


TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}

#: Chinese headers for spreadsheets (the users read them); vector outputs keep the contract.
CHINESE_HEADERS = {
    "zone": "保护区", "zone_level": "级别", "distance_m": "距中心线(m)",
    "chainage_m": "里程(m)", "stake": "桩号", "bank": "岸别", "segment_id": "渠段",
    "lon": "经度(WGS84)", "lat": "纬度(WGS84)", "source_type": "风险源类型(归类)",
    "status": "状态", "reason": "说明", "township": "乡镇(街道)", "village": "行政村",
    "inside_L0": "管理范围内(m或m²)", "inside_L1": "一级保护区内(m或m²)",
    "inside_L2": "二级保护区内(m或m²)", "inside_L3": "准保护区内(m或m²)",
}


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@_canal_options(crs_flags=("--canal-crs",))
@click.option("--zones", "zones_path", type=click.Path(path_type=Path), default=None,
              help="Zone polygons (保护区) with zone_level, e.g. the official delineation; "
              "default: built from --canal and --rules.")
@click.option("--crs", "points_crs", default=None,
              help=f"CRS of the input coordinates (坐标系): {CRS_HELP}. Default: the file's, "
              "or wgs84 for tables.")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村) to join: columns township/village "
              "or 乡镇/行政村.")
@click.option("--lon-col", default=None, help="Longitude / easting column (经度列) of a table.")
@click.option("--lat-col", default=None, help="Latitude / northing column (纬度列) of a table.")
@click.option("--type-col", default=None, help="Risk-source type column (风险源类型列).")
@click.option("--sheet", default=None, help="XLSX sheet name or 0-based number (default first).")
@click.option("--encoding", default=None, help="CSV encoding (default: detected; UTF-8, GBK …).")
@click.option("--headers", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Column headers of .csv/.xlsx output: Chinese for reading, English (the data "
              "contract) for scripts. Vector outputs always use English.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output by extension: .csv (UTF-8 with BOM), .xlsx, .gpkg, .geojson, .parquet.")
def classify(input_path: Path, canal_path: Path, rules_path: Path, crs: str | None,
             metric_crs: str | None, reverse: bool, chainage_start: float | None, engine: str,
             zones_path: Path | None, points_crs: str | None, admin_path: Path | None,
             lon_col: str | None, lat_col: str | None, type_col: str | None,
             sheet: str | None, encoding: str | None, headers: str, output: Path) -> None:
    """Classify risk sources (风险源) by zone and place them on the canal.

    Every input row comes out once, in order, with its columns and zone, zone_level,
    distance_m, chainage_m, stake (桩号), bank (岸别), segment_id, lon/lat (WGS84),
    source_type, status and reason. Rows that cannot be placed are kept with
    status "invalid" and the reason. A point on a zone boundary counts in the stricter zone.

    \b
    Example:
      geo-guard classify data/boundaries/risk_sources.csv \\
          --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --admin data/boundaries/villages.geojson -o out/risk_sources.xlsx
    """
    from .classify import classify as classify_sources
    from .classify import summarise
    from .coords import read_table

    suffix = output.suffix.lower()
    if suffix not in {".csv", ".xlsx", ".gpkg", ".geojson", ".json", ".parquet", ".shp"}:
        raise OptionError(f"{output.name}: unknown output type '{suffix}'; use .csv, .xlsx, "
                          ".gpkg, .geojson, .shp or .parquet")
    rules = load_rules(rules_path) if zones_path is None else None
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    is_table = input_path.suffix.lower() in TABLE_SUFFIXES
    if is_table:
        sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
        sources = read_table(input_path, sheet=sheet_arg, encoding=encoding)
    else:
        sources = read_vector(input_path, engine=engine)
    zones_frame = read_vector(zones_path, engine=engine) if zones_path else None
    admin = read_vector(admin_path, engine=engine) if admin_path else None
    result = classify_sources(sources, canal, rules, zones=zones_frame, crs=points_crs,
                              lon_col=lon_col, lat_col=lat_col, type_col=type_col, admin=admin)
    summary = summarise(result)
    _write_classified(result, summary, output, is_table=is_table, headers=headers,
                      engine=engine)
    _print_classify_summary(result, summary)
    console.print(f"{len(result)} rows written to [bold]{output}[/]")


def _write_classified(result: Any, summary: dict[str, Any], output: Path, *, is_table: bool,
                      headers: str, engine: str) -> None:
    import pandas as pd

    from .io import write_table, write_xlsx_sheets

    suffix = output.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        write_vector(result, output, engine=engine) if suffix != ".parquet" else write_table(
            result, output)
        return
    table = pd.DataFrame(result.drop(columns="geometry")) if is_table else result
    if headers == "zh":
        table = table.rename(columns=CHINESE_HEADERS)
    if suffix == ".csv":
        write_table(table, output)
        return
    by_zone = summary["zone"].rename(columns={"zone_level": "级别", "zone": "保护区",
                                              "rows": "点位数"})
    by_type = summary["source_type"].rename(columns={"source_type": "风险源类型", "rows": "点位数"})
    invalid = summary["invalid"].rename(columns={"row": "行号", "reason": "说明"})
    write_xlsx_sheets({"分类结果": table, "按保护区统计": by_zone, "按类型统计": by_type,
                       "无效行": invalid}, output)


def _print_classify_summary(result: Any, summary: dict[str, Any]) -> None:
    table = Table(title="按保护区 Rows per zone")
    table.add_column("级别 level", justify="right")
    table.add_column("保护区 zone")
    table.add_column("点位 rows", justify="right")
    for row in summary["zone"].itertuples(index=False):
        table.add_row(str(row.zone_level), str(row.zone), str(row.rows))
    console.print(table)
    table = Table(title="按类型 Rows per source type")
    table.add_column("风险源类型 source type")
    table.add_column("点位 rows", justify="right")
    for row in summary["source_type"].itertuples(index=False):
        table.add_row(str(row.source_type), str(row.rows))
    console.print(table)
    invalid = summary["invalid"]
    if len(invalid):
        console.print(f"[yellow]{len(invalid)} invalid row(s) 无效行[/] (kept, with the reason):")
        for row in invalid.head(10).itertuples(index=False):
            console.print(f"  row {row.row}: {row.reason}", markup=False)
        if len(invalid) > 10:
            console.print(f"  … and {len(invalid) - 10} more")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
