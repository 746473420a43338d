"""``geo-guard zones``: the management area and zone rings (管理范围, 一级/二级/准保护区)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from geo_guard._errors import OptionError
from geo_guard.canal.model import Canal
from geo_guard.cli.common import (
    CRS_HELP,
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
from geo_guard.io.kml import write_kml
from geo_guard.io.vector import write_vector, write_vector_layers
from geo_guard.settings import ZONE_NAMES
from geo_guard.zones.build import build_zones, dissolve_zones
from geo_guard.zones.rules import load_rules

ZONE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".kmz")


@click.command()
@canal_options
@click.option(
    "--clip",
    "clip_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Study area (研究区) polygons: zones are cut to it, and the summary describes the "
    "canal inside it.",
)
@layer_options("clip", "study area")
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
    help="Output: .gpkg (layers zones, zones_dissolved, centerline), .geojson, .shp, "
    "or .kml/.kmz (for 奥维互动地图 / Google Earth).",
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
    if suffix not in ZONE_SUFFIXES:
        raise OptionError(f"{output.name}: zones are written as .gpkg, .geojson, .shp, .kml "
                          "or .kmz")
    dissolved_path = output.with_name(f"{output.stem}_dissolved{output.suffix}")
    beside = dissolved_path if suffix in {".geojson", ".json", ".shp"} else None
    refuse_overwriting_inputs(
        {"-o": output, "the _dissolved file beside -o,": beside},
        {**canal_inputs(canal_path, rules_path), "--clip": clip_path},
    )
    rules = load_rules(rules_path)
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    clip = read_layer(clip_path, "clip", engine)
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
    else:  # .kml / .kmz, checked before the work
        write_kml({"保护区": pieces, "总干渠中心线": centerline}, output,
                  title="南水北调中线总干渠 饮用水水源保护区")
    _print_zone_summary(pieces, canal, clip)
    if rules.note:
        console.print(Text(rules.note, style="dim"))
    console.print(plain("zones written to ", (str(output), "bold")))


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


def _print_zone_summary(pieces: Any, canal: Canal, clip: Any = None) -> None:
    from geo_guard.canal.clip import canal_within

    inside = canal_within(canal, clip) if clip is not None else None
    where = "（研究区内 within the study area）" if inside is not None else ""
    table = Table(title=f"保护区面积 Zone areas (km²){where}")
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
        add_row(table, level, ZONE_NAMES[int(level)], *(f"{v:.3f}" for v in values),
                f"{sum(values):.3f}")
    console.print(table)
    if inside is None:
        lengths = canal.segments.assign(length=canal.segments["end_m"] - canal.segments["start_m"])
        stretches = [canal.chainage_range]
    else:
        lengths, stretches = inside.segments, inside.stretches
    by_type = lengths.groupby("structure", sort=False)["length"].agg(["count", "sum"])
    table = Table(title=f"渠段长度 Length per structure type{where}")
    table.add_column("建筑物 structure")
    table.add_column("段数 segments", justify="right")
    table.add_column("长度 length (km)", justify="right")
    for structure, row in by_type.iterrows():
        add_row(table, structure, int(row["count"]), f"{row['sum'] / 1000:.3f}")
    add_row(table, "合计 total", len(lengths), f"{lengths['length'].sum() / 1000:.3f}")
    console.print(table)
    if not stretches:
        console.print(plain(("note:", "yellow"), " the canal does not cross the study area "
                            "(研究区内无总干渠); check --clip and --clip-crs"))
    span = "; ".join(f"{canal.stake(a)} – {canal.stake(b)}" for a, b in stretches)
    console.print(plain(
        f"桩号 chainage {span}{where}; metric CRS EPSG:{canal.metric_crs.to_epsg()}"
    ))
    for issue in canal.issues:
        console.print(plain(("note:", "yellow"), f" {issue}"))
