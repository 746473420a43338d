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

import click

from geo_guard import __version__
from geo_guard.cli.allocator import keep_freed_memory
from geo_guard.cli.common import GeoGuardGroup, console, setup_logging

__all__ = ["main"]

#: One module per command, imported when the command runs: ``geo-guard classify`` does not
#: pay for the ledger's database layer or the map's templates (about 0.4 s a start).
COMMANDS = {
    "zones": ("geo_guard.cli.zones", "zones"),
    "classify": ("geo_guard.cli.classify", "classify"),
    "corridor": ("geo_guard.cli.corridor", "corridor"),
    "map": ("geo_guard.cli.map", "map_command"),
    "convert": ("geo_guard.cli.convert", "convert"),
    "ledger": ("geo_guard.cli.ledger", "ledger"),
    "report": ("geo_guard.cli.report", "report_command"),
    "audit": ("geo_guard.cli.audit", "audit"),
}


@click.group(cls=GeoGuardGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
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
      convert    convert coordinate lists between WGS84, CGCS2000, GCJ-02, BD-09 (坐标转换)
      ledger     problem register (问题整改台账): import, assign, progress, close, status
      audit      check markers (界标, 警示牌), fences and crossing roads and pipelines
                 against the zones (标志及隔离防护设施)
      report     the Thursday report (周报: 附件2–4, docx, html) from the ledger (台账),
                 and the blank forms 附件1–4
    Run `geo-guard COMMAND --help` for a command's options and an example.
    """
    setup_logging(verbose, quiet)
    # Freed memory handed back to the system is faulted in again by the next column.
    # A million rows classified on this project's 2-core VM after a pause: 4.2-4.4 s
    # with the C library's allocator instead of Arrow's (mimalloc), 5.1-5.7 s.
    keep_freed_memory()
    console.quiet = quiet  # -q: errors only, no summary tables
