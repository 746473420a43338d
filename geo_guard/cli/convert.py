"""``geo-guard convert``: a coordinate list from one CRS to another (坐标转换), every row kept."""

from __future__ import annotations

from pathlib import Path

import click

from geo_guard._errors import OptionError
from geo_guard.cli.common import (
    CRS_HELP,
    console,
    header_row_option,
    plain,
    refuse_overwriting_inputs,
    sheet_option,
)
from geo_guard.crs import parse_crs
from geo_guard.io.convert import convert_table, target_columns
from geo_guard.io.tables import read_table
from geo_guard.io.vector import write_table
from geo_guard.vocabulary.headers import HEADERS

_LABELS = {"wgs84": "WGS84", "cgcs2000": "CGCS2000", "gcj02": "GCJ-02", "bd09": "BD-09"}


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--from", "from_crs", default="wgs84", show_default=True,
              help=f"CRS of the input coordinates (原坐标系): {CRS_HELP}.")
@click.option("--to", "to_crs", default="wgs84", show_default=True,
              help=f"CRS to convert to (目标坐标系): {CRS_HELP}.")
@click.option("--lon-col", default=None, help="Longitude / easting column (经度列).")
@click.option("--lat-col", default=None, help="Latitude / northing column (纬度列).")
@sheet_option
@header_row_option
@click.option("--encoding", default=None, help="CSV encoding (default: detected).")
@click.option("--headers", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Headers of the added columns: Chinese, or English for scripts.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .csv (UTF-8 with BOM) or .xlsx.")
def convert(input_path: Path, from_crs: str, to_crs: str, lon_col: str | None,
            lat_col: str | None, sheet: str | None, header_row: int | None,
            encoding: str | None, headers: str, output: Path) -> None:
    """Convert a coordinate list between WGS84, CGCS2000, GCJ-02 (高德/腾讯), BD-09 (百度)
    and projected CRSs (坐标转换).

    Every row comes out, in order, with its columns, the converted coordinates in two
    added columns (e.g. lon_gcj02/lat_gcj02, x_4547/y_4547), status and reason; rows whose
    coordinates cannot be read keep status "invalid" and say why.

    \b
    Example:
      geo-guard convert points_from_amap.csv --from gcj02 --to wgs84 -o points_wgs84.csv
      geo-guard convert 各乡镇排查表.xlsx --sheet all --from gcj02 -o 排查表_wgs84.xlsx
    """
    if output.suffix.lower() not in {".csv", ".xlsx"}:
        raise OptionError(f"{output.name}: convert writes .csv or .xlsx")
    refuse_overwriting_inputs({"-o": output}, {"file INPUT": input_path})
    source, target = parse_crs(from_crs), parse_crs(to_crs)
    sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
    table = read_table(input_path, sheet=sheet_arg, encoding=encoding, header_row=header_row)
    result = convert_table(table, from_crs=source, to_crs=target, lon_col=lon_col,
                           lat_col=lat_col)
    invalid = int((result["status"] != "ok").sum())
    if headers == "zh":
        x_name, y_name = target_columns(target)
        tag = _LABELS.get(x_name.split("_", 1)[1], x_name.split("_", 1)[1])
        first, second = ("经度", "纬度") if target.crs.is_geographic else ("X(东)", "Y(北)")
        result = result.rename(columns={x_name: f"{first}({tag})", y_name: f"{second}({tag})",
                                        "status": HEADERS["status"], "reason": HEADERS["reason"]})
    write_table(result, output)
    console.print(plain(f"{len(result)} rows written to {output}"
                        + (f"; {invalid} could not be read (status invalid, with the reason)"
                           if invalid else "")))
