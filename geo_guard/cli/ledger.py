"""``geo-guard ledger``: the problem register (问题整改台账) from the command line.

Each subcommand opens the ledger (a ``.gpkg`` file or a ``postgresql://`` URL), calls one
method of :class:`geo_guard.ledger.Ledger` and prints what changed. Text people typed
(descriptions, notes, names) is printed literally, never as Rich markup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table
from rich.text import Text

from geo_guard._errors import OptionError
from geo_guard.cli.common import (
    CRS_HELP,
    TABLE_SUFFIXES,
    AliasedOption,
    canal_inputs,
    canal_options,
    console,
    header_row_option,
    layer_options,
    load_canal,
    read_layer,
    refuse_overwriting_inputs,
    sheet_option,
)
from geo_guard.io import read_table, read_vector, write_table
from geo_guard.ledger import ORIGINS, Ledger, init_ledger, open_ledger
from geo_guard.ledger.export import EXPORT_SUFFIXES, export_ledger
from geo_guard.ledger.findings import import_findings
from geo_guard.ledger.photos import PHOTO_RADIUS_M, read_photos
from geo_guard.ledger.responsibility import load_responsibility
from geo_guard.ledger.store import is_postgres_url
from geo_guard.ledger.summary import ledger_summary
from geo_guard.zones.rules import load_rules

__all__ = ["ledger"]

LEDGER_HELP = "GeoPackage file (.gpkg) or postgresql:// URL"


def _date(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise OptionError(f"--{param.name.replace('_', '-')} {value!r}: write the date as "
                          "2021-10-21") from None


def _when(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).replace(microsecond=0)
    except ValueError:
        raise OptionError(f"--at {value!r}: write it as 2021-10-21 or '2021-10-21 15:30'"
                          ) from None


def _id_list(_ctx: click.Context, _param: click.Parameter, value: str) -> list[int]:
    out: list[int] = []
    for part in value.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            numbers = range(int(low), int(high) + 1) if dash else [int(part)]
        except ValueError:
            raise OptionError(f"--id {value!r}: give problem numbers like 3 or 3,5,7 or 3-7"
                              ) from None
        out += [n for n in numbers if n not in out]
    if not out:
        raise OptionError("--id: give at least one problem number")
    return out


def _cell(value: Any) -> Text:
    """A table cell shown exactly as typed (no Rich markup), empty for missing."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return Text("")
    return Text(str(value))


def _table(frame: pd.DataFrame, title: str, *, limit: int | None = None) -> Table:
    table = Table(title=title)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    rows = frame if limit is None else frame.head(limit)
    for row in rows.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def _ledger_file(target: str) -> Path | None:
    """The ledger's file, for the refusal to write over it (None for a PostGIS URL)."""
    return None if is_postgres_url(target) else Path(target)


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


by_option = click.option("--by", default=None,
                         help="Who acts (操作人); default: your login name.")
at_option = click.option("--at", "at", default=None, callback=_when,
                         help="When it happened (default now), e.g. '2021-10-21 15:30', to "
                         "record paper notes afterwards.")


@click.group("ledger")
def ledger() -> None:
    """Problem register (问题整改台账): register, assign, follow and close problems.

    \b
    Workflow (发现、交办、整改、销号):
      待交办 --assign--> 已交办 --progress--> 整改中 --done--> 已整改 --close--> 已销号
      reject (退回) sends an 已整改 problem back to 整改中 with the reason.
    LEDGER is a GeoPackage file (.gpkg, embedded, nothing to start) or a PostGIS URL
    (postgresql://user@host/db, for several users at once). Every change is one
    transaction and one entry of the append-only history.

    \b
    Example (a week):
      geo-guard ledger init out/ledger.gpkg
      geo-guard ledger import out/ledger.gpkg data/boundaries/risk_sources.csv \\
          --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --admin data/boundaries/villages.geojson \\
          --responsibility data/ledger/responsibility.example.toml
      geo-guard ledger assign out/ledger.gpkg --id 1,2 --person 王某 --deadline 2021-11-30
      geo-guard ledger status out/ledger.gpkg --as-of 2021-10-21
    """


@ledger.command("init")
@click.argument("target", metavar="LEDGER")
def init_command(target: str) -> None:
    """Create an empty ledger (新建台账): a new .gpkg file or the tables in a PostGIS
    database."""
    led = init_ledger(target)
    kind = "PostGIS" if led.backend == "postgresql" else "GeoPackage"
    _say(f"ledger created: {led.url} ({kind})")


@ledger.command("import")
@click.argument("target", metavar="LEDGER")
@click.argument("input_path", metavar="FILE", type=click.Path(path_type=Path))
@canal_options(crs_alias=False, rules_required=False)
@click.option("--zones", "zones_path", type=click.Path(path_type=Path), default=None,
              help="Zone polygons (保护区) with zone_level, e.g. the official delineation; "
              "instead of --rules.")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村) to join.")
@layer_options("admin", "township/village", names=True)
@click.option("--sources-crs", "--crs", "points_crs", cls=AliasedOption, default=None,
              help=f"CRS of the file's coordinates (坐标系): {CRS_HELP}. Default wgs84. Old "
              "spelling: --crs.")
@click.option("--lon-col", default=None, help="Longitude / easting column (经度列).")
@click.option("--lat-col", default=None, help="Latitude / northing column (纬度列).")
@click.option("--type-col", default=None, help="Risk-source type column (风险源类型列).")
@sheet_option
@header_row_option
@click.option("--encoding", default=None, help="CSV encoding (default: detected).")
@click.option("--origin", type=click.Choice(ORIGINS), default=ORIGINS[0], show_default=True,
              help="Where the problems come from (问题来源) when the file does not say.")
@click.option("--found-on", default=None, callback=_date,
              help="Day found (发现日期) when the file does not say; default today.")
@click.option("--responsibility", "responsibility_path", type=click.Path(path_type=Path),
              default=None, help="Responsibility table (责任单位对照表, TOML) suggesting the "
              "unit; see data/ledger/responsibility.example.toml.")
@click.option("--dedup-m", type=float, default=30.0, show_default=True,
              help="A row of the same type within this many metres of an open problem is a "
              "repeat finding (重复发现) on it, not a new problem; 0: off.")
@click.option("--invalid-out", type=click.Path(path_type=Path), default=None,
              help="Also write the invalid rows (无效行) with the reason to this .csv/.xlsx.")
@by_option
@at_option
def import_command(target: str, input_path: Path, canal_path: Path, rules_path: Path | None,
                   crs: str | None, metric_crs: str | None, reverse: bool,
                   chainage_start: float | None, engine: str, zones_path: Path | None,
                   admin_path: Path | None, points_crs: str | None, lon_col: str | None,
                   lat_col: str | None, type_col: str | None, sheet: str | None,
                   header_row: int | None, encoding: str | None, origin: str,
                   found_on: dt.date | None, responsibility_path: Path | None, dedup_m: float,
                   invalid_out: Path | None, by: str | None, at: dt.datetime | None) -> None:
    """Import found problems (导入问题): field lists, the 附件2 form, the app's export.

    Every row is classified as `geo-guard classify` does (zone, stake, bank,
    township/village) and registered as 待交办; a row of the same type within --dedup-m
    of an open problem is recorded on it as a repeat finding. Invalid rows (no usable
    coordinates) are listed with the reason and not registered. All rows are written in
    one transaction: an interrupted import leaves the ledger as it was.
    """
    refuse_overwriting_inputs(
        {"--invalid-out": invalid_out},
        {"LEDGER": _ledger_file(target), "FILE": input_path, **canal_inputs(canal_path, rules_path),
         "--zones": zones_path, "--admin": admin_path, "--responsibility": responsibility_path})
    if rules_path is None and zones_path is None:
        raise OptionError("no zones: give --rules (zone widths) or --zones (zone polygons)")
    led = open_ledger(target)
    rules = load_rules(rules_path) if zones_path is None and rules_path is not None else None
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    if input_path.suffix.lower() in TABLE_SUFFIXES:
        sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
        sources = read_table(input_path, sheet=sheet_arg, encoding=encoding,
                             header_row=header_row)
    else:
        sources = read_vector(input_path, engine=engine)
    zones = read_vector(zones_path, engine=engine) if zones_path else None
    admin = read_layer(admin_path, "admin", engine)
    table = load_responsibility(responsibility_path) if responsibility_path else None
    result = import_findings(led, sources, canal, rules, zones=zones, admin=admin,
                             crs=points_crs, lon_col=lon_col, lat_col=lat_col,
                             type_col=type_col, origin=origin, found_on=found_on, by=by,
                             responsibility=table, dedup_m=dedup_m, at=at,
                             source_name=input_path.name)
    invalid = result.invalid
    _say(f"{len(result.rows)} rows: {result.new} new (新增), {result.repeats} repeat findings "
         f"(重复), {len(invalid)} invalid (无效)")
    repeats = result.rows[result.rows["outcome"] == "重复"]
    if len(repeats):
        shown = repeats[["row", "problem_id", "match_m", "source_type"]].rename(columns={
            "row": "行", "problem_id": "问题编号", "match_m": "距离(m)",
            "source_type": "风险源类型"}).round({"距离(m)": 1})
        console.print(_table(shown, "重复发现 Repeat findings", limit=50))
    if len(invalid):
        shown = invalid[["row", "reason"]].rename(columns={"row": "行", "reason": "原因"})
        console.print(_table(shown, "无效行 Invalid rows (not registered)", limit=100))
        if len(invalid) > 100:
            _say(f"… and {len(invalid) - 100} more (--invalid-out FILE writes them all)")
        if invalid_out is not None:
            write_table(shown, invalid_out)
            _say(f"invalid rows written to {invalid_out}")


@ledger.command("assign")
@click.argument("target", metavar="LEDGER")
@click.option("--id", "ids", required=True, callback=_id_list,
              help="Problem number(s) (问题编号): 3, 3,5,8 or 3-7.")
@click.option("--unit", default=None,
              help="Responsible unit (责任单位); default the one suggested at import.")
@click.option("--person", required=True, help="Responsible person (责任人).")
@click.option("--deadline", required=True, callback=_date,
              help="Deadline (整改时限), e.g. 2021-11-30.")
@click.option("--measure", default=None,
              help="Measure (整改措施); default the one recorded at import.")
@click.option("--note", default=None, help="Note for the history (说明).")
@by_option
@at_option
def assign_command(target: str, ids: list[int], unit: str | None, person: str,
                   deadline: dt.date, measure: str | None, note: str | None, by: str | None,
                   at: dt.datetime | None) -> None:
    """Assign problems (交办) to a unit and person with a deadline: 待交办 -> 已交办.

    Assigning an 已交办/整改中 problem again changes its assignment. All the problems
    given or none.
    """
    open_ledger(target).assign(ids, unit=unit, person=person, deadline=deadline,
                               measure=measure, note=note, by=by, at=at)
    _say(f"assigned (已交办): {', '.join(map(str, ids))} -> {person}, deadline {deadline}")


def _step_command(action: str, verb: str, summary: str) -> click.Command:
    """progress / done / close / reject: one problem, a note, optionally a file."""

    @click.argument("target", metavar="LEDGER")
    @click.option("--id", "problem_id", required=True, type=int, help="Problem number (问题编号).")
    @click.option("--note", required=True, help="What was done or why (说明), for the history.")
    @click.option("--attach", "attachment", type=click.Path(path_type=Path), default=None,
                  help="A photo or document to keep with the case (附件, 一案一档).")
    @by_option
    @at_option
    def command(target: str, problem_id: int, note: str, attachment: Path | None,
                by: str | None, at: dt.datetime | None) -> None:
        led = open_ledger(target)
        getattr(led, action)(problem_id, note, attachment=attachment, by=by, at=at)
        status = led.problems().set_index("problem_id").at[problem_id, "status"]
        _say(f"problem {problem_id}: {verb} -> {status}")

    command.__doc__ = summary
    return click.command(action)(command)


ledger.add_command(_step_command(
    "progress", "进展", "Report progress (整改进展): 已交办/整改中 -> 整改中; the note becomes "
    "整改进度."))
ledger.add_command(_step_command(
    "done", "整改完成", "Declare a problem rectified (整改完成): -> 已整改, awaiting the check."))
ledger.add_command(_step_command(
    "close", "销号", "Close a problem (销号) after the check: only 已整改 -> 已销号."))
ledger.add_command(_step_command(
    "reject", "退回", "Send a problem back (退回): 已整改 -> 整改中, with the reason."))


@ledger.command("status")
@click.argument("target", metavar="LEDGER")
@click.option("--as-of", default=None, callback=_date,
              help="Day to judge 超期/临期 on (default today), e.g. 2021-10-21.")
def status_command(target: str, as_of: dt.date | None) -> None:
    """Where the register stands (台账统计): counts by status, type, zone and village;
    the overdue (超期) and due-soon (临期) lists."""
    as_of = as_of or dt.date.today()
    summary = ledger_summary(open_ledger(target).problems(as_of), as_of)
    console.print(_table(summary["status"], f"按状态 By status ({as_of})"))
    console.print(_table(summary["type"], "按风险源类型 By type"))
    console.print(_table(summary["zone"], "按保护区 By zone"))
    console.print(_table(summary["village"], "按乡镇/行政村 By village", limit=40))
    for key, title in (("overdue", "超期 Overdue"), ("due_soon", "临期 Due within 3 days")):
        frame = summary[key].drop(columns="风险源描述", errors="ignore")  # too wide for a terminal
        if len(frame):
            console.print(_table(frame, f"{title}: {len(frame)}", limit=100))
        else:
            _say(f"{title}: none")


@ledger.command("export")
@click.argument("target", metavar="LEDGER")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output by extension: .xlsx (附件4 专项行动问题整改台账, ready to print), "
              ".gpkg, .geojson (points), .csv (Chinese headers, UTF-8 with BOM).")
@click.option("--as-of", default=None, callback=_date,
              help="Day for 超期/临期 and the form's 填报时间 (default today).")
@click.option("--unit", default=None, help="Reporting unit (填报单位) on the 附件4 form.")
def export_command(target: str, output: Path, as_of: dt.date | None, unit: str | None) -> None:
    """Write the register out (导出台账): the 附件4 form or the problems as data."""
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", *EXPORT_SUFFIXES):
        raise OptionError(f"{output.name}: export as .xlsx, .gpkg, .geojson or .csv")
    refuse_overwriting_inputs({"-o": output}, {"LEDGER": _ledger_file(target)})
    led = open_ledger(target)
    if suffix == ".xlsx":
        from geo_guard.reports.forms import attachment4_workbook, save_workbook

        day = as_of or dt.date.today()
        path = save_workbook(attachment4_workbook(led.problems(day), unit=unit, filled_on=day),
                             output)
    else:
        path = export_ledger(led, output, as_of=as_of)
    _say(f"ledger written to {path}")


@ledger.command("import-photos")
@click.argument("target", metavar="LEDGER")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--radius-m", type=float, default=PHOTO_RADIUS_M, show_default=True,
              help="A photo documents the nearest open problem within this many metres.")
@click.option("--crs", default="wgs84", show_default=True,
              help="What the camera wrote: wgs84 (GPS) or gcj02 (some apps' AMap positions).")
@by_option
@at_option
def import_photos_command(target: str, folder: Path, radius_m: float, crs: str,
                          by: str | None, at: dt.datetime | None) -> None:
    """Attach field photos (拍照取证) by their EXIF position and time.

    Each photo goes to the nearest open problem within --radius-m; photos without GPS or
    far from every open problem are listed as unmatched (未匹配).
    """
    photos = read_photos(folder, crs=crs)
    out = open_ledger(target).attach_photos(photos, radius_m=radius_m, by=by, at=at)
    counts = out["outcome"].value_counts()
    _say(f"{len(out)} photos: {counts.get('已关联', 0)} attached (已关联), "
         f"{counts.get('已有', 0)} already attached (已有), {counts.get('未匹配', 0)} unmatched "
         "(未匹配)")
    if len(out):
        shown = out[["file", "outcome", "problem_id", "distance_m", "taken_at", "reason"]].rename(
            columns={"file": "照片", "outcome": "结果", "problem_id": "问题编号",
                     "distance_m": "距离(m)", "taken_at": "拍摄时间", "reason": "原因"})
        console.print(_table(shown.round({"距离(m)": 1}), "照片 Photos", limit=200))


@ledger.command("show")
@click.argument("target", metavar="LEDGER")
@click.option("--id", "problem_id", required=True, type=int, help="Problem number (问题编号).")
def show_command(target: str, problem_id: int) -> None:
    """One problem's file (一案一档): its fields and its whole history."""
    led = open_ledger(target)
    problems = led.problems()
    row = problems[problems["problem_id"] == problem_id]
    if row.empty:
        raise OptionError(f"no problem {problem_id} in {led.url}")
    fields = row.drop(columns="geometry").iloc[0]
    table = Table(title=f"问题 {problem_id}", show_header=False)
    table.add_column("字段")
    table.add_column("值")
    for name, value in fields.items():
        table.add_row(Text(str(name)), _cell(value))
    console.print(table)
    _say("整改过程记录 History:")
    for e in led.events(problem_id=problem_id).itertuples(index=False):
        change = e.to_status if e.from_status in (None, e.to_status) or pd.isna(
            e.from_status) else f"{e.from_status} -> {e.to_status}"
        line = f"  #{e.event_id} {e.at:%Y-%m-%d %H:%M} {e.action} [{change}]"
        line += f" {e.by}" if isinstance(e.by, str) and e.by else ""
        line += f": {e.note}" if isinstance(e.note, str) and e.note else ""
        line += f" (附件 {e.attachment})" if isinstance(e.attachment, str) else ""
        _say(line)


@ledger.command("verify")
@click.argument("target", metavar="LEDGER")
def verify_command(target: str) -> None:
    """Check that every problem row is what its history says (核对台账与记录)."""
    led: Ledger = open_ledger(target)
    differences = led.verify()
    if len(differences):
        console.print(_table(differences.astype(str), "Differences 不一致", limit=100))
        raise SystemExit(1)
    _say(f"{led.url}: every problem matches its history ({len(led.events())} events)")
