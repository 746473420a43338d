"""What every command shares: the consoles, the error line, the canal options and loading,
and the refusal to write over an input.

A user's mistake raises a GeoGuardError; :class:`GeoGuardGroup` prints it as one
``error:`` line and exits with status 2. Text from the user (file names, headers, cells)
is printed as typed: see :func:`plain`.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from geo_guard._errors import GeoGuardError, OptionError, one_line
from geo_guard.canal.model import Canal
from geo_guard.io.vector import ENGINES, read_vector

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

CRS_HELP = "wgs84, cgcs2000, gcj02 (AMap/高德), bd09 (Baidu/百度) or an EPSG code such as EPSG:4547"

#: How a table's sheet and header row are chosen: the same in every command reading one.
sheet_option = click.option(
    "--sheet", default=None,
    help="XLSX sheet (工作表): name, 0-based number, or 'all' for every sheet (a column 工作表 "
    "says which); default the first.")
header_row_option = click.option(
    "--header-row", type=click.IntRange(min=1), default=None,
    help="Row number of the header (表头所在行) as Excel shows it; default: found (title, "
    "填报单位/填报时间 rows skipped; a two-row header such as 坐标 over 经度/纬度 read as one).")

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
    outputs : mapping of str to Path or None
        What the command writes, named for the message: ``{"-o": path, "the workbook
        beside -o,": path}``; ``None`` for a file not written this time.
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


def plain(*parts: str | tuple[str, str]) -> Text:
    """A line whose text prints as typed: rich markup (``[/]``, ``[[rules]]``) and emoji
    codes (``:x:``) in file names, headers or cells are not interpreted.

    Parts are plain strings or ``(text, style)`` pairs.

    Examples
    --------
    >>> plain(("error:", "bold red"), " no [[rules]] :x:").plain
    'error: no [[rules]] :x:'
    """
    return Text.assemble(*parts)


def add_row(table: Table, *cells: object) -> None:
    """A table row of literal text (see :func:`plain`)."""
    table.add_row(*(Text(str(cell)) for cell in cells))


#: click >= 8.2 raises this (a UsageError holding the help) for a bare ``geo-guard``.
_NO_ARGS_IS_HELP: type[Exception] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_Never", (Exception,), {})
)


class GeoGuardGroup(click.Group):
    """Turns GeoGuardError and click's usage errors (unknown option, missing value ...)
    into one line on stderr starting ``error:``, and exit status 2.

    ``lazy_commands`` maps a command name to ``(module, attribute)``: the module is
    imported only when that command is looked up (run, or listed by ``--help``).
    """

    def __init__(self, *args: Any, lazy_commands: dict[str, tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module, attribute = self.lazy_commands[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except _NO_ARGS_IS_HELP as err:
            err.show()  # type: ignore[attr-defined]  # no command given: click's help
            raise SystemExit(err.exit_code) from None  # type: ignore[attr-defined]
        except click.UsageError as err:
            where = err.ctx.command_path if err.ctx is not None else "geo-guard"
            print_error(f"{one_line(err.format_message())} (see {where} --help)")
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
            print_error(str(err))
            raise SystemExit(2) from None


def print_error(message: str) -> None:
    """The one ``error:`` line on stderr, never wrapped, the message as typed."""
    err_console.print(plain(("error:", "bold red"), f" {message}"), soft_wrap=True)


def setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", force=True)
    logging.getLogger("pyogrio").setLevel(max(level, logging.WARNING))


class AliasedOption(click.Option):
    """An option whose later flags are old spellings: still accepted, not shown in --help.

    One name per meaning across commands (``--canal-crs``, ``--sources-crs`` …) while
    scripts written with the old spelling (``--crs``) keep working.
    """

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        opts = self.opts
        self.opts = opts[:1]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = opts


def canal_options(
    func: Callable[..., Any] | None = None,
    *,
    crs_alias: bool = True,
    rules_required: bool = True,
    io_alias: bool = True,
) -> Any:
    """Options shared by every command that reads the canal.

    The canal's CRS is ``--canal-crs`` everywhere; ``--crs`` is kept as its old spelling
    (``crs_alias``) except where ``--crs`` meant another input's CRS (``classify``).
    ``rules_required=False`` for commands that can take zone polygons instead. The vector
    I/O engine is ``--io-engine``; ``--engine`` is kept as its old spelling (``io_alias``)
    except where ``--engine`` picks the compute engine (``classify``).
    """
    if func is None:
        return lambda f: canal_options(f, crs_alias=crs_alias, rules_required=rules_required,
                                       io_alias=io_alias)
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
            required=rules_required,
            default=None,
            type=click.Path(path_type=Path),
            help="Zone-width rules (分区规则), TOML; see data/boundaries/zone_rules.example.toml.",
        ),
        click.option(
            "--canal-crs",
            *(("--crs",) if crs_alias else ()),
            "crs",
            cls=AliasedOption,
            default=None,
            help=f"CRS of the canal file (总干渠坐标系) when it has none or it is wrong: "
            f"{CRS_HELP}." + (" Old spelling: --crs." if crs_alias else ""),
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
            callback=remember_option,
            help="Points with a known stake (桩号标定点): a 'stake' (K12+345) or 'chainage_m' "
            "column; chainage is piecewise-linear between them.",
        ),
        click.option(
            "--stake-prefix",
            default="",
            expose_value=False,
            callback=remember_option,
            help="Text before K in stakes (桩号前缀), e.g. Z for ZK12+345.",
        ),
        click.option(
            "--io-engine",
            *(("--engine",) if io_alias else ()),
            "engine",
            cls=AliasedOption,
            type=click.Choice(ENGINES),
            default="pyogrio",
            show_default=True,
            help="Vector I/O engine (fiona needs the optional extra)."
            + (" Old spelling: --engine." if io_alias else ""),
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


def canal_inputs(canal_path: Path | None, rules_path: Path | None) -> dict[str, Path | None]:
    """The canal options' input files (for :func:`refuse_overwriting_inputs`)."""
    meta = click.get_current_context().meta
    return {"--canal": canal_path, "--rules": rules_path, "--calibration": meta.get("calibration")}


def remember_option(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep an option that is not passed to the command for load_canal()."""
    ctx.meta[param.name] = value
    return value


TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}


def read_any(path: Path, engine: str, layer: str | None = None) -> Any:
    """A table (.csv/.xlsx: read_table) or a vector file; ``layer`` when the file has it."""
    if path.suffix.lower() in TABLE_SUFFIXES:
        from geo_guard.io.tables import read_table

        return read_table(path)
    if layer is not None and gpkg_has_layer(path, layer):
        return read_vector(path, layer=layer, engine=engine)
    return read_vector(path, engine=engine)


def gpkg_has_layer(path: Path | None, layer: str) -> bool:
    if path is None or path.suffix.lower() != ".gpkg" or not path.is_file():
        return False
    import pyogrio
    import pyogrio.errors

    try:
        return layer in {str(name) for name in pyogrio.list_layers(path)[:, 0]}
    except pyogrio.errors.DataSourceError:  # not a GeoPackage: reading it says why
        return False


def layer_options(name: str, what: str, *, where: bool = True, names: bool = False) -> Any:
    """``--NAME-crs`` and ``--NAME-where`` (and ``--admin-name-col``) for an input layer.

    Stored on the context (see :func:`read_layer`), so commands need not list them.
    """
    options = [
        click.option(
            f"--{name}-crs", default=None, expose_value=False, callback=remember_option,
            help=f"CRS of the {what} file when it has none or it is wrong, e.g. gcj02 for "
            f"AMap/DataV files (converted to WGS84): {CRS_HELP}.",
        ),
    ]
    if where:
        options.append(click.option(
            f"--{name}-where", default=None, expose_value=False, callback=remember_option,
            help=f"Use only the {what} features where this holds (按属性筛选), e.g. "
            "\"adcode = 411303\", \"name = '卧龙区'\", \"name in (甲镇, 乙镇)\".",
        ))
    if names:
        options.append(click.option(
            f"--{name}-name-col", default=None, expose_value=False, callback=remember_option,
            help="Column holding the area names when it is not 乡镇/行政村/township/village "
            "(e.g. name in DataV files); taken as townships (乡镇), or as villages when the "
            "file also has a township column.",
        ))

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def read_layer(path: Path | None, name: str, engine: str) -> Any:
    """Read the ``--NAME`` layer as its ``--NAME-crs``/``--NAME-where`` options say.

    A layer given a CRS is converted (GCJ-02/BD-09 to WGS84); ``--admin-name-col`` puts
    the admin names under township/village.
    """
    if path is None:
        return None
    from geo_guard.crs import with_input_crs
    from geo_guard.io.where import select_features

    meta = click.get_current_context().meta
    frame = read_vector(path, engine=engine)
    crs = meta.get(f"{name}_crs")
    if crs is not None:
        frame = with_input_crs(frame, crs, path.name)
    frame = select_features(frame, meta.get(f"{name}_where"), f"--{name}-where")
    if name == "admin":
        from geo_guard.zones.admin import admin_areas

        frame = admin_areas(frame, meta.get("admin_name_col"))
    return frame
