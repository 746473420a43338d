"""``geo-guard report``: the Thursday report (周报) from the ledger, and the blank forms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from geo_guard._errors import OptionError
from geo_guard.cli.common import (
    CRS_HELP,
    console,
    load_canal,
    plain,
    refuse_overwriting_inputs,
)
from geo_guard.io.vector import read_vector
from geo_guard.zones.rules import load_rules

BASEMAPS = ["osm", "tianditu-vec", "tianditu-img", "amap", "amap-img", "none"]


@click.group("report")
def report_command() -> None:
    """Reports of the special action (专项行动): the weekly set and the blank forms.

    \b
    Commands:
      weekly   附件2–4 (统计表/整改台账), 周报.docx and 周报.html from the ledger (台账)
      forms    the blank forms 附件1 (联络员信息表) to 附件4, ready to print
    """


def _as_of(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise OptionError(f"--as-of {text!r} is not a date; write it as 2021-10-14") from None


def _open_ledger(target: str) -> Any:
    try:
        from geo_guard.ledger import open_ledger
    except ImportError:
        raise OptionError("this geo_guard has no ledger (geo_guard.ledger); install a version "
                          "with `geo-guard ledger`") from None
    return open_ledger(target)


@report_command.command("weekly")
@click.argument("ledger", metavar="LEDGER")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Any day (YYYY-MM-DD, default today): the report covers the week "
              "(Friday–Thursday) ending the last Thursday on or before it (截至周四).")
@click.option("--unit", default=None,
              help="Reporting unit (填报单位), written on the forms and the document.")
@click.option("--canal", "canal_path", type=click.Path(path_type=Path), default=None,
              help="Canal centerline (总干渠中心线), drawn on both maps.")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), default=None,
              help="Zone-width rules (分区规则), TOML: the zones are built from --canal.")
@click.option("--zones", "zones_path", type=click.Path(path_type=Path), default=None,
              help="Zone polygons (保护区) with zone_level, e.g. `geo-guard zones` output; "
              "instead of --rules.")
@click.option("--canal-crs", default=None,
              help=f"CRS of the canal file when it has none or it is wrong: {CRS_HELP}.")
@click.option("--basemap", type=click.Choice(BASEMAPS), default="osm", show_default=True,
              help="Base map (底图) of 周报.html; none draws no tiles (offline).")
@click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None,
              help="Tianditu key (天地图密钥); default from TIANDITU_KEY.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for the five files (created if missing; its parent must exist).")
def weekly(ledger: str, as_of: str | None, unit: str | None, canal_path: Path | None,
           rules_path: Path | None, zones_path: Path | None, canal_crs: str | None,
           basemap: str, tianditu_key: str | None, output: Path) -> None:
    """The Thursday report (周报, due every Thursday before noon) from the ledger.

    LEDGER is the ledger's GeoPackage (台账.gpkg) or a postgresql:// URL. Writes into the
    output folder: 附件2.xlsx (乡镇（街道）专项行动排查情况统计表), 附件3.xlsx
    (区直有关部门专项行动督察情况统计表), 附件4.xlsx (专项行动问题整改台账) in the seed's
    layouts, ready to print and stamp; 周报.docx (this week's new, rectified, closed and
    overdue problems, counts by type, zone and village, a chart and a map); 周报.html
    (the problems on an interactive map, coloured by status).

    \b
    Example:
      geo-guard report weekly 台账.gpkg --as-of 2021-10-14 --unit 百里奚街道 \\
          --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml -o out/周报
    """
    from geo_guard.reports.digest import report_week, weekly_digest
    from geo_guard.reports.weekly_report import WEEKLY_FILES, write_weekly_files

    if rules_path and not canal_path:
        raise OptionError("--rules needs --canal (the zones are built from the centerline)")
    if rules_path and zones_path:
        raise OptionError("give --rules or --zones, not both")
    ledger_file = None if "://" in ledger else Path(ledger)  # not a postgresql:// URL
    refuse_overwriting_inputs(
        {f"{name} in -o,": output / name for name in WEEKLY_FILES},
        {"LEDGER": ledger_file, "--canal": canal_path, "--rules": rules_path,
         "--zones": zones_path},
    )
    week = report_week(_as_of(as_of))
    led = _open_ledger(ledger)  # first: a wrong ledger is reported before any slow work
    canal = load_canal(canal_path, canal_crs, None, False, None, "pyogrio") if canal_path else None
    zones = read_vector(zones_path) if zones_path else None
    if rules_path is not None and canal is not None:
        from geo_guard.zones.build import build_zones

        zones = build_zones(canal, load_rules(rules_path))
    # Statuses as they stand, 超期/临期 judged on the week's Thursday; the week's history.
    problems = led.problems(week.end)
    events = led.events(since=week.start, until=week.end)
    digest = weekly_digest(problems, events, week.end, unit=unit)
    paths = write_weekly_files(digest, output, canal=canal, zones=zones, basemap=basemap,
                               tianditu_key=tianditu_key)
    table = Table(title=f"周报 {week.label}")
    table.add_column("台账问题 problems", justify="right")
    for heading in ("本周新增 new", "整改完成 rectified", "销号 closed", "超期 overdue",
                    "临期 due soon"):
        table.add_column(heading, justify="right")
    table.add_row(*(str(len(frame)) for frame in (
        digest.problems, digest.new, digest.rectified, digest.closed, digest.overdue,
        digest.due_soon)))
    console.print(table)
    console.print(plain("written to ", (str(paths[0].parent.resolve()), "bold"),
                        ": " + ", ".join(p.name for p in paths)))


@report_command.command("forms")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for 附件1.xlsx … 附件4.xlsx (created if missing).")
def forms(output: Path) -> None:
    """The blank forms of the special action, A4 landscape, ready to print and fill in.

    附件1 联络员信息表, 附件2 乡镇（街道）专项行动排查情况统计表, 附件3 区直有关部门专项行动
    督察情况统计表, 附件4 专项行动问题整改台账, each in the seed's layout.

    \b
    Example:
      geo-guard report forms -o out/空白表
    """
    from geo_guard.reports.forms import write_blank_forms

    paths = write_blank_forms(output)
    console.print(plain("written to ", (str(paths[0].parent.resolve()), "bold"),
                        ": " + ", ".join(p.name for p in paths)))
