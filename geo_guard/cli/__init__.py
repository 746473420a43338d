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
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from geo_guard import __version__
from geo_guard._errors import GeoGuardError, OptionError, one_line
from geo_guard.canal.model import Canal
from geo_guard.io.vector import ENGINES, read_vector, write_vector, write_vector_layers
from geo_guard.settings import ZONE_NAMES
from geo_guard.vocabulary.headers import english_headers
from geo_guard.zones.build import build_zones, dissolve_zones
from geo_guard.zones.rules import load_rules

logger = logging.getLogger("geo_guard")
console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

CRS_HELP = "wgs84, cgcs2000, gcj02 (AMap/高德), bd09 (Baidu/百度) or an EPSG code such as EPSG:4547"

#: The files a Shapefile is made of: writing one writes them all.
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def refuse_overwriting_inputs(
    outputs: Mapping[str, Path | None], inputs: Mapping[str, Path | None]
) -> None:
    """Stop, before any work, when a file the command writes is one of its inputs.

    Paths are compared resolved (``./a/../a/x.csv``, relative or absolute, symlinks) and,
    for files that exist, as files (hard links, case-insensitive disks). A Shapefile
    counts with its ``.shx``/``.dbf``/``.prj``/``.cpg``.

    Parameters
    ----------
    outputs : mapping of str to Path
        What the command writes, named for the message: ``{"-o": path, "the workbook
        beside -o": path}``.
    inputs : mapping of str to Path or None
        Option name (``--canal``) to the path given; ``None`` for options not given.

    Raises
    ------
    OptionError
        Names the output and the input it would overwrite.

    Examples
    --------
    >>> canal = Path("data/boundaries/canal.geojson")
    >>> refuse_overwriting_inputs({"-o": tmp / "zones.gpkg"}, {"--canal": canal})
    >>> try:
    ...     refuse_overwriting_inputs({"-o": Path("data/../data/boundaries/canal.geojson")},
    ...                               {"--canal": canal, "--clip": None})
    ... except OptionError as err:
    ...     print(str(err).split(":")[0])
    -o data/../data/boundaries/canal.geojson is the input --canal (data/boundaries/canal.geojson)
    """
    given = {option: path for option, path in inputs.items() if path is not None}
    for label, output in outputs.items():
        if output is None:
            continue
        for option, path in given.items():
            if any(_same_file(o, i) for o in _file_parts(output) for i in _file_parts(path)):
                raise OptionError(
                    f"{label} {output} is the input {option} ({path}): writing it would "
                    "destroy the input; choose another output name"
                )


def _file_parts(path: Path) -> list[Path]:
    path = Path(path)
    if path.suffix.lower() == ".shp":
        return [path.with_suffix(suffix) for suffix in _SHAPEFILE_PARTS]
    return [path]


def _same_file(a: Path, b: Path) -> bool:
    if os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b)):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def _plain(*parts: str | tuple[str, str]) -> Text:
    """A line whose text prints as typed: rich markup (``[/]``, ``[[rules]]``) and emoji
    codes (``:x:``) in file names, headers or cells are not interpreted.

    Parts are plain strings or ``(text, style)`` pairs.
    """
    return Text.assemble(*parts)


def _add_row(table: Table, *cells: object) -> None:
    """A table row of literal text (see :func:`_plain`)."""
    table.add_row(*(Text(str(cell)) for cell in cells))


#: click >= 8.2 raises this (a UsageError holding the help) for a bare ``geo-guard``.
_NO_ARGS_IS_HELP: type[Exception] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_Never", (Exception,), {})
)


class GeoGuardGroup(click.Group):
    """Turns GeoGuardError and click's usage errors (unknown option, missing value ...)
    into one line on stderr starting ``error:``, and exit status 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except _NO_ARGS_IS_HELP as err:
            err.show()  # no command given: the help, as click shows it
            raise SystemExit(err.exit_code) from None
        except click.UsageError as err:
            where = err.ctx.command_path if err.ctx is not None else "geo-guard"
            _print_error(f"{one_line(err.format_message())} (see {where} --help)")
            raise SystemExit(err.exit_code) from None
        except click.ClickException as err:
            err.show()
            raise SystemExit(err.exit_code) from None
        except click.Abort:
            err_console.print("Aborted!", highlight=False)
            raise SystemExit(1) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GeoGuardError as err:
            _print_error(str(err))
            raise SystemExit(2) from None


def _print_error(message: str) -> None:
    err_console.print(_plain(("error:", "bold red"), f" {message}"), soft_wrap=True)


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
@click.option("-q", "--quiet", is_flag=True, help="Only errors: no summary tables or notes.")
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
    console.quiet = quiet  # -q: errors only, no summary tables


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
        # Stored on the context rather than passed on, so that every command takes them
        # without listing them; load_canal() reads them back.
        click.option(
            "--calibration",
            type=click.Path(path_type=Path),
            default=None,
            expose_value=False,
            callback=_remember,
            help="Points with a known stake (桩号标定点): a 'stake' (K12+345) or 'chainage_m' "
            "column; chainage is piecewise-linear between them.",
        ),
        click.option(
            "--stake-prefix",
            default="",
            expose_value=False,
            callback=_remember,
            help="Text before K in stakes (桩号前缀), e.g. Z for ZK12+345.",
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
    meta = click.get_current_context().meta
    calibration_path = meta.get("calibration")
    calibration = read_vector(calibration_path, engine=engine) if calibration_path else None
    return Canal.from_file(
        canal_path,
        crs=crs,
        metric_crs=metric_crs,
        reverse=reverse,
        chainage_start_m=chainage_start,
        engine=engine,
        calibration=calibration,
        stake_prefix=meta.get("stake_prefix", ""),
    )


def _canal_inputs(canal_path: Path | None, rules_path: Path | None) -> dict[str, Path | None]:
    """The canal options' input files (for :func:`refuse_overwriting_inputs`)."""
    meta = click.get_current_context().meta
    return {"--canal": canal_path, "--rules": rules_path, "--calibration": meta.get("calibration")}


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep an option that is not passed to the command for load_canal()."""
    ctx.meta[param.name] = value
    return value


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
@click.option("--ends", type=click.Choice(["round", "flat"]), default="round", show_default=True,
              help="Zones at the centerline's two ends: round (the canal ends there) or flat "
              "(a stretch of a longer canal, e.g. one district's part).")
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
    ends: str,
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
    suffix = output.suffix.lower()
    if suffix not in {".gpkg", ".geojson", ".json", ".shp"}:  # before the work, not after it
        raise OptionError(f"{output.name}: zones are written as .gpkg, .geojson or .shp")
    dissolved_path = output.with_name(f"{output.stem}_dissolved{output.suffix}")
    beside = None if suffix == ".gpkg" else dissolved_path
    refuse_overwriting_inputs(
        {"-o": output, "the _dissolved file beside -o,": beside},
        {**_canal_inputs(canal_path, rules_path), "--clip": clip_path},
    )
    rules = load_rules(rules_path)
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    clip = read_vector(clip_path, engine=engine) if clip_path else None
    out_crs = _output_crs(to_crs) or canal.crs
    pieces = build_zones(canal, rules, clip=clip, crs=out_crs, ends=ends)
    dissolved = dissolve_zones(pieces)
    centerline = canal.centerline(out_crs)
    if suffix == ".gpkg":
        write_vector_layers(
            {"zones": pieces, "zones_dissolved": dissolved, "centerline": centerline},
            output,
            engine=engine,
        )
    elif suffix in {".geojson", ".json", ".shp"}:
        write_vector(pieces, output, engine=engine)
        write_vector(dissolved, dissolved_path, engine=engine)
    _print_zone_summary(pieces, canal)
    if rules.note:
        console.print(Text(rules.note, style="dim"))
    console.print(_plain("zones written to ", (str(output), "bold")))


def _output_crs(value: str | None) -> Any:
    if value is None:
        return None
    from geo_guard.crs import parse_crs

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
        _add_row(table, level, ZONE_NAMES[int(level)], *(f"{v:.3f}" for v in values),
                 f"{sum(values):.3f}")
    console.print(table)
    lengths = canal.segments.assign(length=canal.segments["end_m"] - canal.segments["start_m"])
    by_type = lengths.groupby("structure", sort=False)["length"].agg(["count", "sum"])
    table = Table(title="渠段长度 Length per structure type")
    table.add_column("建筑物 structure")
    table.add_column("段数 segments", justify="right")
    table.add_column("长度 length (km)", justify="right")
    for structure, row in by_type.iterrows():
        _add_row(table, structure, int(row["count"]), f"{row['sum'] / 1000:.3f}")
    _add_row(table, "合计 total", len(lengths), f"{canal.length_m / 1000:.3f}")
    console.print(table)
    start, end = canal.chainage_range
    console.print(_plain(
        f"桩号 chainage {canal.stake(start)} – {canal.stake(end)}; "
        f"metric CRS EPSG:{canal.metric_crs.to_epsg()}"
    ))
    for issue in canal.issues:
        console.print(_plain(("note:", "yellow"), f" {issue}"))


TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}

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
@click.option("--ends", type=click.Choice(["round", "flat"]), default="round", show_default=True,
              help="Zones built from --rules at the centerline's two ends: round or flat (a "
              "stretch of a longer canal).")
@click.option("--headers", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Column headers of .csv/.xlsx output: Chinese for reading, English (the data "
              "contract) for scripts. Vector outputs always use English.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output by extension: .csv (UTF-8 with BOM), .xlsx, .gpkg, .geojson, .parquet.")
def classify(input_path: Path, canal_path: Path, rules_path: Path, crs: str | None,
             metric_crs: str | None, reverse: bool, chainage_start: float | None, engine: str,
             zones_path: Path | None, points_crs: str | None, admin_path: Path | None,
             lon_col: str | None, lat_col: str | None, type_col: str | None,
             sheet: str | None, encoding: str | None, ends: str, headers: str,
             output: Path) -> None:
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
    from geo_guard.classification.core import classify as classify_sources
    from geo_guard.classification.core import summarise
    from geo_guard.io.tables import read_table
    from geo_guard.reports.classification import OUTPUT_SUFFIXES, write_classified

    suffix = output.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:  # before the work, not after it
        raise OptionError(f"{output.name}: unknown output type '{suffix}'; use .csv, .xlsx, "
                          ".gpkg, .geojson, .shp or .parquet")
    refuse_overwriting_inputs(
        {"-o": output},
        {"file INPUT": input_path, **_canal_inputs(canal_path, rules_path), "--zones": zones_path,
         "--admin": admin_path},
    )
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
                              lon_col=lon_col, lat_col=lat_col, type_col=type_col, admin=admin,
                              ends=ends)
    summary = summarise(result)
    write_classified(result, output, headers=headers, keep_geometry=not is_table,
                     engine=engine, summary=summary)
    _print_classify_summary(result, summary)
    console.print(_plain(f"{len(result)} rows written to ", (str(output), "bold")))


def _print_classify_summary(result: Any, summary: dict[str, Any]) -> None:
    table = Table(title="按保护区 Rows per zone")
    table.add_column("级别 level", justify="right")
    table.add_column("保护区 zone")
    table.add_column("点位 rows", justify="right")
    for row in summary["zone"].itertuples(index=False):
        _add_row(table, row.zone_level, row.zone, row.rows)
    console.print(table)
    table = Table(title="按类型 Rows per source type")
    table.add_column("风险源类型 source type")
    table.add_column("点位 rows", justify="right")
    for row in summary["source_type"].itertuples(index=False):
        _add_row(table, row.source_type, row.rows)
    console.print(table)
    invalid = summary["invalid"]
    if len(invalid):
        console.print(f"[yellow]{len(invalid)} invalid row(s) 无效行[/] (kept, with the reason):")
        for row in invalid.head(10).itertuples(index=False):
            console.print(_plain(f"  row {row.row}: {row.reason}"))
        if len(invalid) > 10:
            console.print(f"  … and {len(invalid) - 10} more")


@main.command()
@_canal_options
@click.option("--forest", "forest_path", required=True, type=click.Path(path_type=Path),
              help="Forest polygons (林地/林带小班), any vector format; optional attributes "
              "保存率/survival, 郁闭度/canopy, 树种/species, 栽植年份/planting_year.")
@click.option("--forest-crs", default=None,
              help=f"CRS of the forest file when it has none or it is wrong: {CRS_HELP}.")
@click.option("--exclude", "exclude_path", type=click.Path(path_type=Path), default=None,
              help="Polygons taken out of the belt (roads, water, buildings 道路/水域/建筑).")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村) for the lists and a per-township "
              "summary.")
@click.option("--step-m", type=float, default=10.0, show_default=True,
              help="Station spacing along the canal (m): one belt cross-section strip each.")
@click.option("--min-coverage", type=float, default=0.5, show_default=True,
              help="A strip is open when less than this share (0-1) of its belt is forest.")
@click.option("--min-gap-m", type=float, default=50.0, show_default=True,
              help="Shortest open stretch reported as a gap (断档), m.")
@click.option("--merge-m", type=float, default=20.0, show_default=True,
              help="Open stretches separated by less forest than this (m) are one gap.")
@click.option("--min-survival", type=float, default=0.70, show_default=True,
              help="Stands with survival rate (保存率) below this go on the 提质改造 list.")
@click.option("--min-canopy", type=float, default=0.40, show_default=True,
              help="Stands with canopy closure (郁闭度) below this go on the 提质改造 list.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .gpkg (layers belt, gaps, weak_stands, per_km, stations); the "
              "workbook (.xlsx, Chinese headers) is written beside it.")
def corridor(canal_path: Path, rules_path: Path, crs: str | None, metric_crs: str | None,
             reverse: bool, chainage_start: float | None, engine: str, forest_path: Path,
             forest_crs: str | None, exclude_path: Path | None, admin_path: Path | None,
             step_m: float, min_coverage: float, min_gap_m: float, merge_m: float,
             min_survival: float, min_canopy: float, output: Path) -> None:
    """Ecological corridor (生态廊道): coverage, gaps (断档) and weak stands.

    The belt on each bank runs from the management edge outward, as wide as the rules'
    corridor_m (default 100 m; urban rules may say 200 m). Every --step-m a cross-section
    strip gets its forest cover; runs of strips below --min-coverage, at least
    --min-gap-m long, are the gaps to plant (新建新造); stands below --min-survival or
    --min-canopy are the stands to improve (提质改造).

    \b
    Example:
      geo-guard corridor --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --forest data/boundaries/forest.geojson \\
          --admin data/boundaries/villages.geojson -o out/corridor.gpkg
    """
    from geo_guard.corridor.analysis import analyse_corridor
    from geo_guard.reports.corridor import write_corridor

    if output.suffix.lower() != ".gpkg":
        raise OptionError(f"{output.name}: give a .gpkg output (the .xlsx goes beside it)")
    refuse_overwriting_inputs(
        {"-o": output, "the workbook beside -o,": output.with_suffix(".xlsx")},
        {**_canal_inputs(canal_path, rules_path), "--forest": forest_path,
         "--exclude": exclude_path, "--admin": admin_path},
    )
    rules = load_rules(rules_path)
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    forest = read_vector(forest_path, engine=engine)
    exclude = read_vector(exclude_path, engine=engine) if exclude_path else None
    admin = read_vector(admin_path, engine=engine) if admin_path else None
    result = analyse_corridor(
        canal, rules, forest, exclude=exclude, admin=admin, forest_crs=forest_crs,
        step_m=step_m, min_coverage=min_coverage, min_gap_m=min_gap_m, merge_m=merge_m,
        min_survival=min_survival, min_canopy=min_canopy)
    sources = {"中心线": str(canal_path), "规则": str(rules_path), "林地": str(forest_path)}
    sources.update({k: str(v) for k, v in (("排除", exclude_path), ("行政区", admin_path)) if v})
    gpkg, workbook = write_corridor(result, output, engine=engine, sources=sources)
    _print_corridor_summary(result)
    console.print(_plain("written to ", (str(gpkg), "bold"), " and ", (str(workbook), "bold")))


def _print_corridor_summary(result: Any) -> None:
    from geo_guard.reports.corridor import bank_totals

    table = Table(title="生态廊道 Ecological corridor (面积 ha)")
    for header in ("岸别", "林带", "林地", "覆盖率", "断档", "断档长度", "待造林", "提质改造"):
        table.add_column(header, justify="left" if header == "岸别" else "right")
    for row in bank_totals(result).itertuples(index=False):
        _add_row(table, row.bank, f"{row.belt_m2 / 1e4:.2f}", f"{row.forest_m2 / 1e4:.2f}",
                      f"{row.coverage:.1%}", str(row.gaps),
                      f"{row.gap_m:,.0f} m ({row.gap_share:.1%})", f"{row.uncovered_m2 / 1e4:.2f}",
                      f"{row.weak_stands} 处 {row.weak_m2 / 1e4:.2f}")
    console.print(table)
    gaps = result.gaps
    if len(gaps):
        table = Table(title="断档 Gaps (新建新造)")
        for header in ("编号", "岸别", "起点桩号", "终点桩号", "长度 m", "未覆盖 m²", "覆盖率"):
            table.add_column(header, justify="right")
        for gap in gaps.head(15).itertuples(index=False):
            _add_row(table, gap.gap_id, gap.bank, gap.stake_from, gap.stake_to,
                          f"{gap.length_m:,.0f}", f"{gap.uncovered_m2:,.0f}",
                          f"{gap.mean_coverage:.0%}")
        console.print(table)
        if len(gaps) > 15:
            console.print(f"  … and {len(gaps) - 15} more gaps in the workbook")
    if result.repaired:
        console.print(_plain(("note:", "yellow"), f" {len(result.repaired)} invalid forest "
                             f"polygon(s) repaired: {', '.join(map(str, result.repaired[:10]))}"))


def _read_any(path: Path, engine: str, layer: str | None = None) -> Any:
    """A table (.csv/.xlsx: read_table) or a vector file; ``layer`` when the file has it."""
    if path.suffix.lower() in TABLE_SUFFIXES:
        from geo_guard.io.tables import read_table

        return read_table(path)
    if layer is not None and _gpkg_has_layer(path, layer):
        return read_vector(path, layer=layer, engine=engine)
    return read_vector(path, engine=engine)


def _read_shapes(path: Path, engine: str, layer: str, option: str) -> Any:
    """Lines or polygons to draw: a table without geometry is refused with what to give."""
    import geopandas as gpd

    frame = _read_any(path, engine, layer=layer)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise OptionError(f"{path.name} is a table without geometry; {option} takes the "
                          "`geo-guard corridor` GeoPackage or any file of lines or polygons")
    return frame


def _gpkg_has_layer(path: Path | None, layer: str) -> bool:
    if path is None or path.suffix.lower() != ".gpkg" or not path.is_file():
        return False
    import pyogrio
    import pyogrio.errors

    try:
        return layer in {str(name) for name in pyogrio.list_layers(path)[:, 0]}
    except pyogrio.errors.DataSourceError:  # not a GeoPackage: reading it says why
        return False


@main.command("map")
@click.option("--canal", "canal_path", type=click.Path(path_type=Path), default=None,
              help="Canal centerline (总干渠中心线): drawn with stakes (桩号) every km and the "
              "flow direction; with --rules the zones are built from it.")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), default=None,
              help="Zone-width rules (分区规则), TOML.")
@click.option("--zones", "zones_path", type=click.Path(path_type=Path), default=None,
              help="Zone polygons (保护区) with zone_level 0-3, e.g. `geo-guard zones` output "
              "or the official delineation; instead of --rules.")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default=None,
              help="Risk sources (风险源): `geo-guard classify` output (.csv/.xlsx/.gpkg ...), "
              "or a raw list, then classified here with --canal and --rules/--zones.")
@click.option("--sources-crs", default=None,
              help=f"CRS of a raw risk-source list's coordinates: {CRS_HELP}.")
@click.option("--gaps", "gaps_path", type=click.Path(path_type=Path), default=None,
              help="Corridor gaps (生态廊道断档): `geo-guard corridor` .gpkg (its weak_stands "
              "layer is drawn too) or any lines/polygons.")
@click.option("--weak-stands", "weak_path", type=click.Path(path_type=Path), default=None,
              help="Weak stands (林分质量差地块, 保存率/郁闭度 low): any polygons.")
@click.option("--forest", "forest_path", type=click.Path(path_type=Path), default=None,
              help="Forest patches of the corridor (生态廊道林地).")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村): drawn, searchable, and joined "
              "to raw risk sources.")
@click.option("--basemap", type=click.Choice(["osm", "tianditu-vec", "tianditu-img", "amap",
                                              "amap-img", "none"]),
              default="osm", show_default=True,
              help="Base map (底图): OpenStreetMap; Tianditu 天地图 vector/imagery (needs a "
              "key); AMap 高德 (GCJ-02: overlays are shifted to match); none (offline).")
@click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None,
              help="Tianditu key (天地图密钥); default from TIANDITU_KEY.")
@click.option("--title", default=None, help="Title shown on the map (标题).")
@click.option("--split-by", type=click.Choice(["township", "village"]), default=None,
              help="One map per township/village (按乡镇/行政村分幅) with a table of its "
              "sources, plus index.html; -o is then a folder.")
@click.option("--cdn", is_flag=True,
              help="Link Leaflet and plugins from CDNs instead of inlining them (smaller "
              "file, but the map needs the network; default: works offline).")
@click.option("--canal-crs", default=None,
              help=f"CRS of the canal file when it has none or it is wrong: {CRS_HELP}.")
@click.option("--reverse", is_flag=True, help="The centerline was digitised upstream: flip it.")
@click.option("--chainage-start", type=float, default=None,
              help="Chainage (桩号) in metres at the upstream start; default from the file or 0.")
@click.option("--stake-prefix", default="", expose_value=False, callback=_remember,
              help="Text before K in stakes (桩号前缀).")
@click.option("--engine", type=click.Choice(ENGINES), default="pyogrio", show_default=True,
              help="Vector I/O engine.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .html (a folder with --split-by).")
def map_command(canal_path: Path | None, rules_path: Path | None, zones_path: Path | None,
                sources_path: Path | None, sources_crs: str | None, gaps_path: Path | None,
                weak_path: Path | None, forest_path: Path | None, admin_path: Path | None,
                basemap: str, tianditu_key: str | None, title: str | None,
                split_by: str | None, cdn: bool, canal_crs: str | None, reverse: bool,
                chainage_start: float | None, engine: str, output: Path) -> None:
    """Interactive HTML map (交互地图) for analysts and field inspectors.

    Layers: canal with stakes and flow direction, management area and zones (图例 in
    Chinese), risk sources coloured by zone and shaped by type (popup with every
    attribute), corridor gaps and weak stands, forest, admin boundaries. Controls: layer
    switcher, full screen, measure (m, km, 亩), locate-me, mini-map, search by name or
    stake (K12+300). The file works offline from file:// (tiles aside).

    \b
    Example:
      geo-guard map --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --sources out/risk_sources.xlsx --gaps out/corridor.gpkg \\
          --forest data/boundaries/forest.geojson \\
          --admin data/boundaries/villages.geojson -o out/map.html
    """
    from geo_guard import maps
    from geo_guard.maps.split import split_maps

    if not any((canal_path, zones_path, sources_path, gaps_path, weak_path, forest_path,
                admin_path)):
        raise OptionError("nothing to draw: give --canal, --zones, --sources, --gaps, "
                          "--weak-stands, --forest or --admin")
    if rules_path and not canal_path:
        raise OptionError("--rules needs --canal (the zones are built from the centerline)")
    if split_by is None and output.suffix.lower() not in (".html", ".htm"):
        raise OptionError(f"{output.name}: the map is written as .html, e.g. -o out/map.html")
    if split_by is not None and output.suffix:
        raise OptionError(f"{output}: with --split-by, -o is a folder, e.g. -o out/maps")
    if split_by is not None and sources_path is None:
        raise OptionError("--split-by needs --sources")
    if split_by is not None and output.exists() and not output.is_dir():
        raise OptionError(f"{output}: with --split-by, -o is a folder, and this is a file")
    written = {"-o": output} if split_by is None else {
        "-o": output, "the index page in -o,": output / "index.html"}
    refuse_overwriting_inputs(written, {
        **_canal_inputs(canal_path, rules_path), "--zones": zones_path, "--sources": sources_path,
        "--gaps": gaps_path, "--weak-stands": weak_path, "--forest": forest_path,
        "--admin": admin_path})
    rules = load_rules(rules_path) if rules_path else None
    canal = (load_canal(canal_path, canal_crs, None, reverse, chainage_start, engine)
             if canal_path else None)
    zones_frame = read_vector(zones_path, engine=engine) if zones_path else None
    admin = read_vector(admin_path, engine=engine) if admin_path else None
    sources = None
    if sources_path is not None:
        sources = _map_sources(sources_path, engine, canal, rules, zones_frame, admin,
                               sources_crs)
    gaps = _read_shapes(gaps_path, engine, "gaps", "--gaps") if gaps_path else None
    if weak_path is None and _gpkg_has_layer(gaps_path, "weak_stands"):
        weak_path = gaps_path  # a corridor GeoPackage holds both
    weak = _read_shapes(weak_path, engine, "weak_stands", "--weak-stands") if weak_path else None
    forest = read_vector(forest_path, engine=engine) if forest_path else None
    layers = {"zones": zones_frame, "gaps": gaps, "weak_stands": weak,
              "forest": forest, "admin": admin}
    if split_by is not None:
        paths = split_maps(sources, output, by=split_by, canal=canal, rules=rules,
                                basemap=basemap, tianditu_key=tianditu_key, offline=not cdn,
                                **({"title": title} if title else {}), **layers)
        area = "乡镇" if split_by == "township" else "行政村"
        console.print(_plain(f"{len(paths) - 1} area maps (按{area}分幅) written; open ",
                             (str(paths[-1].resolve()), "bold")))
        return
    m = maps.risk_map(canal, rules=rules, sources=sources, basemap=basemap,
                      tianditu_key=tianditu_key, title=title, **layers)
    maps.save_map(m, output, offline=not cdn)
    _print_map_summary(m, output, cdn)


def _map_sources(path: Path, engine: str, canal: Canal | None, rules: Any, zones: Any,
                 admin: Any, crs: str | None) -> Any:
    """Risk sources ready for the map: classified output as is, a raw list classified."""
    frame = _read_any(path, engine)
    if {"经度(WGS84)", "纬度(WGS84)", "级别"} <= set(map(str, frame.columns)):
        frame = english_headers(frame)  # classify's Chinese headers, back to the contract
    if {"lon", "lat", "zone_level"} <= set(map(str, frame.columns)):
        return frame
    if canal is None or (rules is None and zones is None):
        raise OptionError(f"{path.name} is not classified (no lon/lat/zone_level columns); "
                          "give --canal with --rules or --zones to classify it, or run "
                          "geo-guard classify first")
    from geo_guard.classification.core import classify as classify_sources

    return classify_sources(frame, canal, rules, zones=zones, crs=crs, admin=admin)


def _print_map_summary(m: Any, output: Path, cdn: bool) -> None:
    from geo_guard.maps.elements import map_state

    state = map_state(m)
    table = Table(title="地图图层 Map layers")
    table.add_column("图层 layer")
    table.add_column("要素 features", justify="right")
    for child in m._children.values():
        spec_name = getattr(child, "display_name", None)
        if spec_name is not None:
            _add_row(table, spec_name, f"{child.feature_count:,}")
    console.print(table)
    for note in state.notes:
        console.print(Text(str(note), style="dim"))
    size = output.stat().st_size / 2**20
    mode = "links Leaflet from CDNs (needs the network)" if cdn else "works offline"
    console.print(_plain("map written to ", (str(output.resolve()), "bold"),
                         f" ({size:.1f} MB, {mode})"))

