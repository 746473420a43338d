"""``geo-guard audit``: markers, fences and crossings against the zones (标志及隔离防护设施)."""

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
    console,
    gpkg_has_layer,
    layer_options,
    load_canal,
    read_layer,
    remember_option,
)
from geo_guard.io.vector import ENGINES, read_vector


@click.command("audit")
@click.option("--zones", "zones_path", type=click.Path(path_type=Path), default=None,
              help="Zone polygons (保护区) with zone_level: a `geo-guard zones` GeoPackage "
              "(its centerline layer gives the stakes) or the official delineation; or give "
              "--canal with zone rules in --rules.")
@click.option("--canal", "canal_path", type=click.Path(path_type=Path), default=None,
              help="Canal centerline (总干渠中心线) for stakes and banks; builds the zones with "
              "the zone rules of --rules when --zones is not given.")
@click.option("--markers", "markers_path", required=True, type=click.Path(path_type=Path),
              help="Markers (标志): points or a CSV/XLSX with coordinates; 类型/kind "
              "(界标, 警示牌, 宣传牌; 界桩, 标志牌 … understood), 状况/condition (完好, 损坏, "
              "缺失; empty = 完好), 编号, 照片.")
@click.option("--crossings", "crossings_path", type=click.Path(path_type=Path), default=None,
              help="Linear works crossing the zones (穿越工程): lines with 名称, 类型 (道路, 桥梁, "
              "管线, 铁路) and 防撞护栏 / 事故导流槽 / 应急池 as 有/无 (empty = unknown), or an "
              "OpenStreetMap extract (highway, railway, man_made=pipeline, bridge).")
@click.option("--fences", "fences_path", type=click.Path(path_type=Path), default=None,
              help="Isolation fences (隔离防护网): lines, optional 状况.")
@click.option("--rules", "rules_paths", multiple=True, type=click.Path(path_type=Path),
              help="TOML rules; repeatable. [audit] gives the thresholds (see "
              "data/boundaries/audit_rules.example.toml; defaults are working values), "
              "[[rules]] the zone widths for --canal.")
@click.option("--marker-spacing-m", type=float, default=None,
              help="Longest stretch of zone boundary between intact 界标 (default 500 m or "
              "the rules').")
@click.option("--sign-radius-m", type=float, default=None,
              help="An intact 警示牌 this close to a road's entry counts (default 100 m or "
              "the rules').")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村) for the lists.")
@layer_options("admin", "township/village", names=True)
@click.option("--to-ledger", "ledger_target", default=None,
              help="Register every finding as a problem (type 标志及隔离防护设施) in this ledger "
              "(台账).")
@click.option("--canal-crs", default=None,
              help=f"CRS of the canal file when it has none or it is wrong: {CRS_HELP}.")
@click.option("--markers-crs", default=None,
              help=f"CRS of the markers' coordinates: {CRS_HELP}. Default: the file's, or "
              "wgs84 for tables.")
@click.option("--crossings-crs", default=None, help="CRS of the crossings file, as above.")
@click.option("--fences-crs", default=None, help="CRS of the fences file, as above.")
@click.option("--metric-crs", default=None,
              help="CRS to compute in (default: the CGCS2000 3° Gauss-Kruger zone of the data).")
@click.option("--reverse", is_flag=True, help="The centerline was digitised upstream: flip it.")
@click.option("--chainage-start", type=float, default=None,
              help="Chainage (桩号) in metres at the upstream start; default from the file or 0.")
@click.option("--stake-prefix", default="", expose_value=False, callback=remember_option,
              help="Text before K in stakes (桩号前缀).")
@click.option("--ends", type=click.Choice(["round", "flat"]), default="round", show_default=True,
              help="Zones built from --canal at the centerline's two ends.")
@click.option("--engine", type=click.Choice(ENGINES), default="pyogrio", show_default=True,
              help="Vector I/O engine.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .gpkg (layers boundary_gaps, corner_gaps, crossings, damaged_markers, "
              "fence_gaps, findings, markers …); the workbook (.xlsx) is written beside it.")
def audit(zones_path: Path | None, canal_path: Path | None, markers_path: Path,
          crossings_path: Path | None, fences_path: Path | None, rules_paths: tuple[Path, ...],
          marker_spacing_m: float | None, sign_radius_m: float | None,
          admin_path: Path | None, ledger_target: str | None, canal_crs: str | None,
          markers_crs: str | None, crossings_crs: str | None, fences_crs: str | None,
          metric_crs: str | None, reverse: bool, chainage_start: float | None, ends: str,
          engine: str, output: Path) -> None:
    """Audit markers, fences and crossings (标志及隔离防护设施检查).

    Are the boundary markers (界标/界桩) of every zone boundary no farther apart than
    --marker-spacing-m, and is there one at each turning point? Which markers and signs
    are damaged or missing? Does every road entering the 一级 or 二级 zone have a warning
    sign (警示牌) there, and does every work crossing the 一级 zone or the canal have its
    crash barrier (防撞护栏), accident drainage channel (事故导流槽) and emergency pool
    (应急池)? Where is the management edge unfenced (隔离网)? The thresholds are working
    values: set your local requirement in the [audit] table of a rules file.

    \b
    Example:
      geo-guard audit --canal data/boundaries/canal.geojson \\
          --rules data/boundaries/zone_rules.example.toml \\
          --rules data/boundaries/audit_rules.example.toml \\
          --markers data/boundaries/markers.geojson \\
          --crossings data/boundaries/crossings.geojson \\
          --fences data/boundaries/fences.geojson \\
          --admin data/boundaries/villages.geojson -o out/audit.gpkg
    """
    from geo_guard.audit import audit_facilities, load_features
    from geo_guard.audit.rules import load_rules_files
    from geo_guard.reports.audit import write_audit

    if output.suffix.lower() != ".gpkg":
        raise OptionError(f"{output.name}: give a .gpkg output (the .xlsx goes beside it)")
    led = None
    if ledger_target is not None:
        from geo_guard.ledger import open_ledger

        led = open_ledger(ledger_target)  # a wrong ledger is refused before the slow work
    zone_rules, options = load_rules_files(rules_paths)
    if zones_path is None and (canal_path is None or zone_rules is None):
        raise OptionError("no zones: give --zones (a geo-guard zones GeoPackage or the official "
                          "delineation), or --canal with a zone rules file in --rules")
    if canal_path is not None:
        canal = load_canal(canal_path, canal_crs, metric_crs, reverse, chainage_start, engine)
    else:
        canal = _canal_from_zones(zones_path, canal_crs, metric_crs, engine)
    zones = None
    if zones_path is not None:
        layer = "zones" if gpkg_has_layer(zones_path, "zones") else None
        zones = read_vector(zones_path, layer=layer, engine=engine)
    markers = load_features(markers_path, engine=engine)
    crossings = load_features(crossings_path, engine=engine) if crossings_path else None
    fences = load_features(fences_path, engine=engine) if fences_path else None
    admin = read_layer(admin_path, "admin", engine)
    result = audit_facilities(
        canal, markers, zones=zones, rules=zone_rules, crossings=crossings, fences=fences,
        admin=admin, options=options, markers_crs=markers_crs, crossings_crs=crossings_crs,
        fences_crs=fences_crs, ends=ends, marker_spacing_m=marker_spacing_m,
        sign_radius_m=sign_radius_m)
    sources = {"标志": markers_path, "保护区": zones_path, "中心线": canal_path,
               "穿越工程": crossings_path, "隔离网": fences_path, "行政区": admin_path,
               **{f"规则{k + 1}": p for k, p in enumerate(rules_paths)}}
    gpkg, workbook = write_audit(result, output, engine=engine,
                                 sources={k: str(v) for k, v in sources.items() if v})
    _print_summary(result)
    console.print(f"written to [bold]{gpkg}[/] and [bold]{workbook}[/]")
    if led is not None:
        import pandas as pd

        # A re-run repeats each finding on its problem; different findings at one place
        # (a missing sign, a missing barrier) stay different problems.
        outcome = led.register(pd.DataFrame(result.findings.drop(columns="geometry")),
                               dedup_on=("source_type", "name"))
        new = int((outcome["outcome"] == "新增").sum())
        console.print(f"{len(outcome)} findings into the ledger {led.url}: {new} new problems "
                      f"(待交办), {len(outcome) - new} repeat findings of open ones",
                      markup=False, soft_wrap=True)


def _canal_from_zones(zones_path: Path | None, crs: str | None, metric_crs: str | None,
                      engine: str) -> Canal:
    """The centerline a `geo-guard zones` GeoPackage carries, with its chainages."""
    if zones_path is None or not gpkg_has_layer(zones_path, "centerline"):
        raise OptionError("stakes need the canal: give --canal (the zones file has no "
                          "centerline layer; geo-guard zones writes one into a .gpkg)")
    frame = read_vector(zones_path, layer="centerline", engine=engine)
    # Each segment's first chainage calibrates the canal as the zones command had it.
    frame = frame.drop(columns=[c for c in ("chainage_start_m", "start_m", "end_m")
                                if c in frame.columns])
    frame = frame.rename(columns={"chainage_from_m": "chainage_start_m"})
    meta = click.get_current_context().meta
    return Canal.from_frame(frame, crs=crs, metric_crs=metric_crs,
                            stake_prefix=meta.get("stake_prefix", ""),
                            source=f"{zones_path.name} (centerline)")


def _print_summary(result: Any) -> None:
    from geo_guard.reports.audit import audit_summary

    table = Table(title="标志及隔离防护设施检查 Audit of markers, fences and crossings")
    summary = audit_summary(result)
    for k, header in enumerate(summary.columns):
        table.add_column(str(header), justify="left" if k == 0 else "right")
    for row in summary.itertuples(index=False):
        table.add_row(*(f"{v:,.0f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)
    findings = result.findings
    if len(findings):
        table = Table(title=f"问题清单 Findings ({len(findings)})")
        for header in ("类别", "岸别", "桩号", "问题"):
            table.add_column(header)
        for row in findings.head(15).itertuples(index=False):
            # Names are what users typed: shown as text, never as console markup.
            table.add_row(*(Text(str(v)) for v in (row.category, row.bank, row.stake,
                                                   row.name)))
        console.print(table)
        if len(findings) > 15:
            console.print(f"  … and {len(findings) - 15} more in the workbook")
