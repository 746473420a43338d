"""``geo-guard corridor``: gaps (断档) and weak stands of the ecological corridor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from geo_guard._errors import OptionError
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
from geo_guard.io.vector import read_vector
from geo_guard.zones.rules import load_rules


@click.command()
@canal_options
@click.option("--forest", "forest_path", required=True, type=click.Path(path_type=Path),
              help="Forest polygons (林地/林带小班), any vector format; optional attributes "
              "保存率/survival, 郁闭度/canopy, 树种/species, 栽植年份/planting_year.")
@click.option("--forest-crs", default=None,
              help=f"CRS of the forest file (林地坐标系) when it has none or it is wrong: "
              f"{CRS_HELP}.")
@click.option("--exclude", "exclude_path", type=click.Path(path_type=Path), default=None,
              help="Polygons taken out of the belt (roads, water, buildings 道路/水域/建筑).")
@click.option("--admin", "admin_path", type=click.Path(path_type=Path), default=None,
              help="Township/village polygons (乡镇/行政村) for the lists and a per-township "
              "summary.")
@layer_options("admin", "township/village", names=True)
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
@click.option("--window-km", type=float, default=None,
              help="Analyse the canal in windows of about this many km of chainage (分段计算), "
              "merged into the result of one run (a gap across a window edge stays one gap); "
              "for a long canal such as the whole route. With --scheduler or --workers the "
              "windows run on a dask cluster [default with those: 100].")
@click.option("--scheduler", default=None,
              help="Run the windows on this running dask scheduler (tcp://HOST:8786 or a "
              "scheduler file .json).")
@click.option("--workers", type=int, default=None,
              help="Run the windows on a local dask cluster of this many worker processes.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .gpkg (layers belt, gaps, weak_stands, per_km, stations); the "
              "workbook (.xlsx, Chinese headers) is written beside it.")
def corridor(canal_path: Path, rules_path: Path, crs: str | None, metric_crs: str | None,
             reverse: bool, chainage_start: float | None, engine: str, forest_path: Path,
             forest_crs: str | None, exclude_path: Path | None, admin_path: Path | None,
             step_m: float, min_coverage: float, min_gap_m: float, merge_m: float,
             min_survival: float, min_canopy: float, window_km: float | None,
             scheduler: str | None, workers: int | None, output: Path) -> None:
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
        {**canal_inputs(canal_path, rules_path), "--forest": forest_path,
         "--exclude": exclude_path, "--admin": admin_path},
    )
    rules = load_rules(rules_path)
    canal = load_canal(canal_path, crs, metric_crs, reverse, chainage_start, engine)
    forest = read_vector(forest_path, engine=engine)
    exclude = read_vector(exclude_path, engine=engine) if exclude_path else None
    admin = read_layer(admin_path, "admin", engine)
    options = {"exclude": exclude, "admin": admin, "forest_crs": forest_crs, "step_m": step_m,
               "min_coverage": min_coverage, "min_gap_m": min_gap_m, "merge_m": merge_m,
               "min_survival": min_survival, "min_canopy": min_canopy}
    if scheduler is not None or workers is not None:
        from geo_guard.classification.dask import dask_client
        from geo_guard.corridor.windows import analyse_corridor_windows

        with dask_client(scheduler, workers=workers) as client:
            result = analyse_corridor_windows(canal, rules, forest, window_km=window_km or 100,
                                              client=client, **options)
    elif window_km is not None:
        from geo_guard.corridor.windows import analyse_corridor_windows

        result = analyse_corridor_windows(canal, rules, forest, window_km=window_km, **options)
    else:
        result = analyse_corridor(canal, rules, forest, **options)
    sources = {"中心线": str(canal_path), "规则": str(rules_path), "林地": str(forest_path)}
    sources.update({k: str(v) for k, v in (("排除", exclude_path), ("行政区", admin_path)) if v})
    gpkg, workbook = write_corridor(result, output, engine=engine, sources=sources)
    _print_corridor_summary(result)
    console.print(plain("written to ", (str(gpkg), "bold"), " and ", (str(workbook), "bold")))


def _print_corridor_summary(result: Any) -> None:
    from geo_guard.reports.corridor import bank_totals

    table = Table(title="生态廊道 Ecological corridor (面积 ha)")
    for header in ("岸别", "林带", "林地", "覆盖率", "断档", "断档长度", "待造林", "提质改造"):
        table.add_column(header, justify="left" if header == "岸别" else "right")
    for row in bank_totals(result).itertuples(index=False):
        add_row(table, row.bank, f"{row.belt_m2 / 1e4:.2f}", f"{row.forest_m2 / 1e4:.2f}",
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
            add_row(table, gap.gap_id, gap.bank, gap.stake_from, gap.stake_to,
                          f"{gap.length_m:,.0f}", f"{gap.uncovered_m2:,.0f}",
                          f"{gap.mean_coverage:.0%}")
        console.print(table)
        if len(gaps) > 15:
            console.print(f"  … and {len(gaps) - 15} more gaps in the workbook")
    if result.repaired:
        console.print(plain(("note:", "yellow"), f" {len(result.repaired)} invalid forest "
                            f"polygon(s) repaired: {', '.join(map(str, result.repaired[:10]))}"))
