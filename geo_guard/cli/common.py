"""What every command shares: the consoles, the error line, the canal options and loading.

A user's mistake raises a GeoGuardError; :class:`GeoGuardGroup` prints it as one
``error:`` line and exits with status 2.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from geo_guard._errors import GeoGuardError
from geo_guard.canal.model import Canal
from geo_guard.io.vector import ENGINES, read_vector

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

CRS_HELP = "wgs84, cgcs2000, gcj02 (AMap/高德), bd09 (Baidu/百度) or an EPSG code such as EPSG:4547"


class GeoGuardGroup(click.Group):
    """Turns GeoGuardError into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GeoGuardError as err:
            # The message may quote what users typed ([1号] ...): never read as markup.
            err_console.print(f"[bold red]error:[/] {escape(str(err))}", markup=True,
                              soft_wrap=True)
            raise SystemExit(2) from None


def setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", force=True)
    logging.getLogger("pyogrio").setLevel(max(level, logging.WARNING))


def canal_options(
    func: Callable[..., Any] | None = None, *, crs_flags: tuple[str, ...] = ("--crs",)
) -> Any:
    """Options shared by every command that reads the canal.

    ``crs_flags`` names the canal's CRS option: ``--crs`` by default; commands whose
    ``--crs`` is about another input (``classify``) use ``--canal-crs``.
    """
    if func is None:
        return lambda f: canal_options(f, crs_flags=crs_flags)
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

    return layer in {str(name) for name in pyogrio.list_layers(path)[:, 0]}
