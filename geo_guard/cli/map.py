"""``geo-guard map``: an interactive HTML map (交互地图) for analysts and inspectors."""

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
    AliasedOption,
    add_row,
    canal_inputs,
    console,
    gpkg_has_layer,
    layer_options,
    load_canal,
    plain,
    read_any,
    read_layer,
    refuse_overwriting_inputs,
    remember_option,
)
from geo_guard.io.vector import ENGINES, read_vector
from geo_guard.vocabulary.headers import english_headers
from geo_guard.zones.rules import load_rules


@click.command("map")
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
@click.option("--audit", "audit_path", type=click.Path(path_type=Path), default=None,
              help="Audit of markers, fences and crossings (标志及隔离防护设施): a `geo-guard "
              "audit` .gpkg (boundary gaps, bare turning points, crossings' entries, damaged "
              "markers, fence gaps).")
@click.option("--forest", "forest_path", type=click.Path(path_type=Path), default=None,
              help="Forest patches of the corridor (生态廊道林地).")
@layer_options("forest", "forest", where=False)
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村): drawn, searchable, and joined "
              "to raw risk sources.")
@layer_options("admin", "township/village", names=True)
@click.option("--basemap", type=click.Choice(["osm", "tianditu-vec", "tianditu-img", "amap",
                                              "amap-img", "none"]),
              default="osm", show_default=True,
              help="Base map (底图): OpenStreetMap; Tianditu 天地图 vector/imagery (needs a "
              "key); AMap 高德 (GCJ-02: overlays are shifted to match); none (offline).")
@click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None,
              help="Tianditu key (天地图密钥); default from TIANDITU_KEY.")
@click.option("--title", default=None, help="Title shown on the map (标题).")
@click.option("--split-by", default=None, metavar="township|village",
              help="One map per township/village (按乡镇/行政村分幅) with a table of its "
              "sources, plus index.html; -o is then a folder. The forms' words work too: "
              "乡镇, 乡镇（街道）, 街道, 行政村, 村.")
@click.option("--cdn", is_flag=True,
              help="Link Leaflet and plugins from CDNs instead of inlining them (smaller "
              "file, but the map needs the network; default: works offline).")
@click.option("--canal-crs", default=None,
              help=f"CRS of the canal file when it has none or it is wrong: {CRS_HELP}.")
@click.option("--metric-crs", default=None,
              help="CRS to compute in, as for classify (default: the data's own projected "
              "CRS, else the CGCS2000 3° Gauss-Kruger zone; also 'gk3', 'utm' or an EPSG code).")
@click.option("--reverse", is_flag=True, help="The centerline was digitised upstream: flip it.")
@click.option("--chainage-start", type=float, default=None,
              help="Chainage (桩号) in metres at the upstream start; default from the file or 0.")
@click.option("--calibration", type=click.Path(path_type=Path), default=None,
              expose_value=False, callback=remember_option,
              help="Points with a known stake (桩号标定点), as for classify, so the map's stakes "
              "match the workbook's.")
@click.option("--stake-prefix", default="", expose_value=False, callback=remember_option,
              help="Text before K in stakes (桩号前缀).")
@click.option("--ends", type=click.Choice(["round", "flat"]), default="round", show_default=True,
              help="Zones built from --rules at the centerline's two ends: round or flat (a "
              "stretch of a longer canal), as for classify.")
@click.option("--io-engine", "--engine", "engine", cls=AliasedOption,
              type=click.Choice(ENGINES), default="pyogrio", show_default=True,
              help="Vector I/O engine. Old spelling: --engine.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .html (a folder with --split-by).")
def map_command(canal_path: Path | None, rules_path: Path | None, zones_path: Path | None,
                sources_path: Path | None, sources_crs: str | None, gaps_path: Path | None,
                weak_path: Path | None, audit_path: Path | None, forest_path: Path | None,
                admin_path: Path | None, basemap: str, tianditu_key: str | None, title: str | None,
                split_by: str | None, cdn: bool, canal_crs: str | None,
                metric_crs: str | None, reverse: bool, chainage_start: float | None, ends: str,
                engine: str, output: Path) -> None:
    """Interactive HTML map (交互地图) for analysts and field inspectors.

    Layers: canal with stakes and flow direction, management area and zones (图例 in
    Chinese), risk sources coloured by zone and shaped by type (popup with every
    attribute), corridor gaps and weak stands, the audit of markers, fences and crossings,
    forest, admin boundaries. Controls: layer
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
    from geo_guard.maps.split import area_kind, split_maps

    if not any((canal_path, zones_path, sources_path, gaps_path, weak_path, forest_path,
                admin_path, audit_path)):
        raise OptionError("nothing to draw: give --canal, --zones, --sources, --gaps, "
                          "--weak-stands, --audit, --forest or --admin")
    if split_by is not None and audit_path is not None:
        raise OptionError("--audit is drawn on one map; leave out --split-by")
    if rules_path and not canal_path:
        raise OptionError("--rules needs --canal (the zones are built from the centerline)")
    if split_by is None and output.suffix.lower() not in (".html", ".htm"):
        raise OptionError(f"{output.name}: the map is written as .html, e.g. -o out/map.html")
    if split_by is not None:
        split_by = area_kind(split_by)
    if split_by is not None and output.suffix:
        raise OptionError(f"{output}: with --split-by, -o is a folder, e.g. -o out/maps")
    if split_by is not None and sources_path is None:
        raise OptionError("--split-by needs --sources")
    if split_by is not None and output.exists() and not output.is_dir():
        raise OptionError(f"{output}: with --split-by, -o is a folder, and this is a file")
    written = {"-o": output} if split_by is None else {
        "-o": output, "the index page in -o,": output / "index.html"}
    refuse_overwriting_inputs(written, {
        **canal_inputs(canal_path, rules_path), "--zones": zones_path, "--sources": sources_path,
        "--gaps": gaps_path, "--weak-stands": weak_path, "--forest": forest_path,
        "--admin": admin_path})
    rules = load_rules(rules_path) if rules_path else None
    canal = (load_canal(canal_path, canal_crs, metric_crs, reverse, chainage_start, engine)
             if canal_path else None)
    zones_frame = read_vector(zones_path, engine=engine) if zones_path else None
    given_zones = zones_frame
    if zones_frame is None and canal is not None and rules is not None:
        from geo_guard.zones.build import build_zones

        zones_frame = build_zones(canal, rules, crs="EPSG:4326", ends=ends)
    admin = read_layer(admin_path, "admin", engine)
    sources = None
    if sources_path is not None:
        sources = _map_sources(sources_path, engine, canal, rules, given_zones, admin,
                               sources_crs, ends)
    gaps = _read_shapes(gaps_path, engine, "gaps", "--gaps") if gaps_path else None
    if weak_path is None and gpkg_has_layer(gaps_path, "weak_stands"):
        weak_path = gaps_path  # a corridor GeoPackage holds both
    weak = _read_shapes(weak_path, engine, "weak_stands", "--weak-stands") if weak_path else None
    forest = read_layer(forest_path, "forest", engine)
    layers = {"zones": zones_frame, "gaps": gaps, "weak_stands": weak,
              "forest": forest, "admin": admin}
    if split_by is not None:
        paths = split_maps(sources, output, by=split_by, canal=canal, rules=rules,
                                basemap=basemap, tianditu_key=tianditu_key, offline=not cdn,
                                **({"title": title} if title else {}), **layers)
        area = "乡镇" if split_by == "township" else "行政村"
        console.print(plain(f"{len(paths) - 1} area maps (按{area}分幅) written; open ",
                            (str(paths[-1].resolve()), "bold")))
        return
    audit = None
    if audit_path is not None:
        from geo_guard.maps.audit import read_audit_layers

        audit = read_audit_layers(audit_path, engine=engine)
    m = maps.risk_map(canal, rules=rules, sources=sources, basemap=basemap,
                      tianditu_key=tianditu_key, title=title, audit=audit, **layers)
    maps.save_map(m, output, offline=not cdn)
    _print_map_summary(m, output, cdn)


def _read_shapes(path: Path, engine: str, layer: str, option: str) -> Any:
    """Lines or polygons to draw: a table without geometry is refused with what to give."""
    import geopandas as gpd

    frame = read_any(path, engine, layer=layer)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise OptionError(f"{path.name} is a table without geometry; {option} takes the "
                          "`geo-guard corridor` GeoPackage or any file of lines or polygons")
    return frame


def _map_sources(path: Path, engine: str, canal: Canal | None, rules: Any, zones: Any,
                 admin: Any, crs: str | None, ends: str) -> Any:
    """Risk sources ready for the map: classified output as is, a raw list classified."""
    frame = read_any(path, engine)
    if {"经度(WGS84)", "纬度(WGS84)", "级别"} <= set(map(str, frame.columns)):
        frame = english_headers(frame)  # classify's Chinese headers, back to the contract
    if {"lon", "lat", "zone_level"} <= set(map(str, frame.columns)):
        return frame
    if canal is None or (rules is None and zones is None):
        raise OptionError(f"{path.name} is not classified (no lon/lat/zone_level columns); "
                          "give --canal with --rules or --zones to classify it, or run "
                          "geo-guard classify first")
    from geo_guard.classification.core import classify as classify_sources

    return classify_sources(frame, canal, rules, zones=zones, crs=crs, admin=admin, ends=ends)


def _print_map_summary(m: Any, output: Path, cdn: bool) -> None:
    from geo_guard.maps.elements import map_state

    state = map_state(m)
    table = Table(title="地图图层 Map layers")
    table.add_column("图层 layer")
    table.add_column("要素 features", justify="right")
    for child in m._children.values():
        spec_name = getattr(child, "display_name", None)
        if spec_name is not None:
            add_row(table, spec_name, f"{child.feature_count:,}")
    console.print(table)
    for note in state.notes:
        console.print(Text(str(note), style="dim"))
    size = output.stat().st_size / 2**20
    mode = "links Leaflet from CDNs (needs the network)" if cdn else "works offline"
    console.print(plain("map written to ", (str(output.resolve()), "bold"),
                        f" ({size:.1f} MB, {mode})"))
