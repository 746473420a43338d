"""One map per township or village (按乡镇/行政村分幅), each with a table, and an index.

:func:`split_maps` writes, for every area, a page with the area's risk sources, the other
layers around them, and under the map a table of the sources (strictest zone first;
clicking a row flies to the source and opens its popup), plus ``index.html`` with the
counts per zone and a link to each page.

File names come from the area names made safe (:func:`geo_guard.io.files.safe_filename`)
and at most 200 bytes long (a long name is cut and ends with a hash of the whole, so it
stays unique). The table travels as JSON data and is built by the page with
``textContent``; the index page is plain HTML with every name escaped.

A run is all or nothing: the pages and the index are written into a hidden folder inside
the output folder and moved into place, index last, only when every page is made; a run
that fails (or is stopped) midway leaves the output folder as it was.

Examples
--------
>>> paths = split_maps(sources, tmp, by="township", canal=canal, rules=rules,
...                    basemap="none")
>>> paths[-1].name
'index.html'
"""

from __future__ import annotations

import hashlib
import html
import logging
import math
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_guard._errors import OptionError, OutputError
from geo_guard.canal.model import Canal
from geo_guard.io.files import replace_file, safe_filename
from geo_guard.maps.compose import add_controls, fit_map, map_html, risk_map
from geo_guard.maps.elements import display_strings, map_state
from geo_guard.maps.layers import SOURCE_NAME_COLUMNS, WGS84, add_sources, placed_sources
from geo_guard.maps.page import DataCall, DataLayer
from geo_guard.settings import ZONE_NAMES
from geo_guard.vocabulary.columns import (
    TOWNSHIP_HEADERS,
    VILLAGE_HEADERS,
    find_column,
    header_form,
)
from geo_guard.zones.build import build_zones
from geo_guard.zones.rules import ZoneRules

__all__ = ["AREA_COLUMNS", "area_kind", "split_maps"]

logger = logging.getLogger(__name__)

#: Columns holding each kind of area, first found wins (full-width brackets as the forms
#: write them, 乡镇（街道）, match too).
AREA_COLUMNS: dict[str, tuple[str, ...]] = {
    "township": TOWNSHIP_HEADERS,
    "village": VILLAGE_HEADERS,
}
_NO_AREA = {"township": "未归属乡镇", "village": "未归属行政村"}
_TABLE_ID = "gg-sources-table"
_LEVEL_ORDER = (1, 2, 3, 0, 9)
#: Longest file stem in UTF-8 bytes: file systems allow 255 bytes per name (a Chinese
#: character takes 3), and room is left for "-2" and ".html".
_STEM_BYTES = 200
_HASH_CHARS = 8


def _area_column(frame: pd.DataFrame, kind: str) -> str | None:
    return find_column(list(frame.columns), AREA_COLUMNS[kind])


def area_kind(by: str) -> str:
    """``township`` or ``village`` from what a user typed: the English word or a header
    of the forms (乡镇, 乡镇（街道）with full-width brackets, 街道, 行政村, 村 …).

    Examples
    --------
    >>> area_kind("乡镇（街道）"), area_kind("行政村"), area_kind("Township")
    ('township', 'village', 'township')
    """
    form = header_form(by)
    for kind, headers in AREA_COLUMNS.items():
        if form in {header_form(h) for h in headers}:
            return kind
    raise OptionError(
        f"--split-by must be township or village (乡镇、乡镇（街道）、行政村 …), got {by!r}"
    )


def _area_labels(frame: pd.DataFrame, by: str) -> tuple[pd.Series, str]:
    """Area label per row (village names are prefixed with their township) and column."""
    by = area_kind(by)
    column = _area_column(frame, by)
    if column is None:
        raise OptionError(
            f"the sources have no {by} column ({'/'.join(AREA_COLUMNS[by])}); classify them "
            "with an admin layer (--admin villages.geojson) to get one"
        )

    def clean(values: pd.Series) -> list[str | None]:
        return [None if v is None else " ".join(str(v).split()) or None
                for v in display_strings(values)]

    labels = clean(frame[column])
    township = _area_column(frame, "township")
    if by == "village" and township is not None:
        towns = clean(frame[township])
        # The same village name can exist in two townships: keep them apart.
        labels = [f"{t} · {v}" if t and v else v for t, v in zip(towns, labels, strict=True)]
    filled = [_NO_AREA[by] if v is None else v for v in labels]
    return pd.Series(filled, index=frame.index, dtype=object), column


def _fit_stem(stem: str, max_bytes: int = _STEM_BYTES) -> str:
    """``stem`` if it fits ``max_bytes`` in UTF-8, else a prefix and a hash of the whole."""
    # safe_filename limits characters (80) and, on this branch's main, not bytes: 80
    # four-byte characters are 320 bytes, over the 255 a name may have. Until files.py
    # limits bytes itself (being done there), cut here; once it does, this is a no-op.
    data = stem.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return stem
    tail = "_" + hashlib.sha1(data).hexdigest()[:_HASH_CHARS]
    return data[: max_bytes - len(tail)].decode("utf-8", "ignore") + tail


def _unique_stems(labels: Sequence[str]) -> dict[str, str]:
    """A distinct safe file stem per label (``index`` is kept for the index page).

    Examples
    --------
    >>> stems = _unique_stems(["甲镇", "甲/镇", "乡" * 100])
    >>> stems["甲镇"], stems["甲/镇"], len(stems["乡" * 100].encode()) <= 200
    ('甲镇', '甲_镇', True)
    """
    used: set[str] = {"index"}
    out = {}
    for label in labels:
        stem = _fit_stem(safe_filename(label.replace(" · ", "·")))
        candidate, n = stem, 1
        while candidate.casefold() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.casefold())
        out[label] = candidate
    return out


def _bbox_filter(frame: gpd.GeoDataFrame | None, box: Sequence[float] | None) -> Any:
    if frame is None or box is None:
        return frame
    wgs = frame.to_crs(WGS84) if frame.crs is not None else frame
    west, south, east, north = box
    return wgs.cx[west:east, south:north]


def _area_box(
    lon: np.ndarray, lat: np.ndarray, admin_part: gpd.GeoDataFrame | None, margin_m: float
) -> list[float] | None:
    bounds = []
    if len(lon):
        bounds.append([lon.min(), lat.min(), lon.max(), lat.max()])
    if admin_part is not None and len(admin_part):
        bounds.append(list(admin_part.to_crs(WGS84).total_bounds))
    if not bounds:
        return None
    b = np.array(bounds, dtype=float)
    west, south, east, north = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(math.cos(math.radians((south + north) / 2)), 0.1))
    return [west - dlon, south - dlat, east + dlon, north + dlat]


def _sources_table(
    part: pd.DataFrame, layers: Sequence[DataLayer], name_column: str | None, heading: str
) -> dict[str, Any]:
    """An area's sources as data for ``GeoGuard.sourcesTable``; rows link to the map.

    Every value stays text: the page puts it in with ``textContent``.
    """
    link: dict[int, tuple[str, int]] = {}
    for layer in layers:
        rows = layer.source_rows if layer.source_rows is not None else ()
        for k, row in enumerate(rows):
            link[int(row)] = (layer.display_name, k)
    frame = part.reset_index(drop=True)
    columns: list[tuple[str, str]] = []
    name = name_column or next((c for c in SOURCE_NAME_COLUMNS if c in frame.columns), None)
    if name is not None:
        columns.append((name, "名称"))
    for column, label in (
        ("source_type", "风险源类型"),
        ("zone", "所在分区"),
        ("stake", "桩号"),
        ("bank", "岸别"),
        ("distance_m", "距中心线 (m)"),
        ("village", "行政村"),
        ("reason", "说明"),
    ):
        if column in frame.columns:
            columns.append((column, label))
    text = {c: display_strings(frame[c], c) for c, _ in columns}
    # float: classify() gives nullable Int64, whose <NA> cannot be compared
    levels = pd.to_numeric(frame.get("zone_level"), errors="coerce").astype(float)
    rank = levels.map(lambda v: _LEVEL_ORDER.index(int(v)) if v in _LEVEL_ORDER else 9)
    chainage = pd.to_numeric(frame.get("chainage_m", pd.Series(np.nan, index=frame.index)),
                             errors="coerce")
    order = np.lexsort((chainage.fillna(np.inf).to_numpy(), rank.fillna(99).to_numpy()))
    rows = []
    for i in order:
        level = levels.iloc[i]
        target = link.get(int(i))
        rows.append({
            "cells": [None if text[c][i] is None else str(text[c][i]) for c, _ in columns],
            "level": int(level) if np.isfinite(level) else None,
            "layer": target[0] if target else None,
            "row": target[1] if target else None,
        })
    names = [c for c, _ in columns]
    return {
        "id": _TABLE_ID,
        "heading": heading,
        "index": "index.html",
        "back": "返回目录",
        "hint": "点击表格行可在地图上定位",
        "unplaced": "坐标无效，未上图",
        "labels": [label for _, label in columns],
        "zoneColumn": names.index("zone") if "zone" in names else None,
        "rows": rows,
    }


def _index_page(title: str, rows: list[dict[str, Any]], by: str) -> str:
    levels = [(level, ZONE_NAMES[level]) for level in _LEVEL_ORDER]
    head = "".join(f"<th>{html.escape(name)}</th>" for _, name in levels)
    body = []
    for row in rows:
        href = urllib.parse.quote(row["file"])
        counts = "".join(f"<td>{row['levels'].get(level, 0):,}</td>" for level, _ in levels)
        body.append(
            f'<tr><td><a href="{html.escape(href, quote=True)}">{html.escape(row["label"])}</a>'
            f"</td><td>{row['total']:,}</td>{counts}<td>{row['invalid']:,}</td></tr>"
        )
    area = "乡镇(街道)" if by == "township" else "行政村"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>"
        "body{font:14px/1.5 'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:16px}"
        "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px}"
        "th{background:#f2f2f2}td{text-align:right}td:first-child{text-align:left}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>按{area}分幅，每幅含该区域风险源及其下方列表。</p>"
        f"<table><thead><tr><th>{area}</th><th>风险源</th>{head}<th>坐标无效</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></body></html>"
    )


def split_maps(
    sources: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    by: str = "township",
    canal: Canal | None = None,
    rules: ZoneRules | None = None,
    zones: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    weak_stands: gpd.GeoDataFrame | None = None,
    forest: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    basemap: str = "osm",
    tianditu_key: str | None = None,
    title: str = "饮用水水源保护区风险源分布图",
    offline: bool = True,
    name_column: str | None = None,
    margin_m: float = 2000.0,
) -> list[Path]:
    """One map per township or village with its sources and a table, plus ``index.html``.

    Each page shows the area's risk sources, the other layers within ``margin_m`` of
    them, and under the map a table of the sources (strictest zone first; clicking a row
    flies to it). File names come from the area names made safe
    (:func:`geo_guard.io.files.safe_filename`), at most 200 bytes (a longer one is cut
    and ends with a hash); names that clash get ``-2``, ``-3`` ...

    All or nothing: the pages are made in a hidden folder inside ``out_dir`` and moved
    in, ``index.html`` last, only when all are made. If anything fails (or the run is
    stopped) the output folder is left as it was, and a folder this run created is
    removed again.

    Parameters
    ----------
    sources : DataFrame
        Classified risk sources with a ``township`` (or 乡镇) / ``village`` column.
    out_dir : str or path-like
        Folder for the pages; created if missing. Other files in it stay.
    by : {"township", "village"}
        Villages are labelled with their township (the same name can exist twice). The
        forms' words are accepted too: 乡镇, 乡镇（街道）, 街道, 行政村, 村 (:func:`area_kind`).
    canal, rules, zones, gaps, weak_stands, forest, admin
        As :func:`risk_map`; zones are built once from ``canal`` + ``rules``.
    basemap, tianditu_key, title, offline, name_column
        As :func:`risk_map` and :func:`save_map`.
    margin_m : float
        Margin around an area's sources (and its admin polygon) for the other layers.

    Returns
    -------
    list of pathlib.Path
        The area pages, then ``index.html``.

    Raises
    ------
    OptionError
        ``by`` unknown or the sources have no such column.
    OutputError
        The folder cannot be written; nothing in it was changed.

    Examples
    --------
    >>> paths = split_maps(sources, tmp, by="village", basemap="none")
    >>> len(paths) > 10, paths[-1].name
    (True, 'index.html')
    """
    by = area_kind(by)
    placed = placed_sources(sources)
    labels, _ = _area_labels(placed.frame, by)
    folder = Path(out_dir)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".geo_guard-split-", dir=folder))
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the maps there ({err.strerror or err}); "
                          "choose another folder") from None
    try:
        names = _write_pages(
            placed, labels, staging, by=by, canal=canal, rules=rules, zones=zones, gaps=gaps,
            weak_stands=weak_stands, forest=forest, admin=admin, basemap=basemap,
            tianditu_key=tianditu_key, title=title, offline=offline, name_column=name_column,
            margin_m=margin_m,
        )
        # Every page is made: move them in, the index last, so it never links a page
        # that is not there.
        for name in names:
            try:
                replace_file(staging / name, folder / name)
            except OSError as err:
                raise OutputError(f"{folder / name}: cannot be written ({err.strerror or err}); "
                                  "check the folder and run again") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # a failed first run leaves no empty folder behind
    logger.info("wrote %d area maps and %s", len(names) - 1, folder / "index.html")
    return [folder / name for name in names]


def _write_pages(
    placed: Any,
    labels: pd.Series,
    staging: Path,
    *,
    by: str,
    canal: Canal | None,
    rules: ZoneRules | None,
    zones: gpd.GeoDataFrame | None,
    gaps: gpd.GeoDataFrame | None,
    weak_stands: gpd.GeoDataFrame | None,
    forest: gpd.GeoDataFrame | None,
    admin: gpd.GeoDataFrame | None,
    basemap: str,
    tianditu_key: str | None,
    title: str,
    offline: bool,
    name_column: str | None,
    margin_m: float,
) -> list[str]:
    """Write every area page, then ``index.html``, into ``staging``; their file names."""
    frame = placed.frame
    column = _area_column(frame, by)
    if zones is None and canal is not None and rules is not None:
        zones = build_zones(canal, rules, crs=WGS84)
    order = sorted(labels.unique(), key=lambda v: (v == _NO_AREA[by], v))
    stems = _unique_stems(order)
    admin_col = _area_column(admin, by) if admin is not None else None
    written, rows = [], []
    for label in order:
        mask = (labels == label).to_numpy()
        part = frame[mask]
        valid = placed.valid[mask]
        admin_part = None
        if admin is not None and admin_col is not None:
            admin_part = admin[admin["geometry"].notna() & admin[admin_col].isin(part[column])]
        box = _area_box(placed.lon[mask][valid], placed.lat[mask][valid], admin_part, margin_m)
        m = risk_map(
            canal,
            rules=rules,
            zones=_bbox_filter(zones, box),
            gaps=_bbox_filter(gaps, box),
            weak_stands=_bbox_filter(weak_stands, box),
            forest=_bbox_filter(forest, box),
            admin=_bbox_filter(admin, box),
            basemap=basemap,
            tianditu_key=tianditu_key,
            title=f"{title} — {label}",
            height="65vh",
            controls=False,
        )
        layers = add_sources(m, part, name_column=name_column)
        add_controls(m, fit=False)
        focus = _area_box(placed.lon[mask][valid], placed.lat[mask][valid], admin_part, 200.0)
        fit_map(m, focus or map_state(m).bounds or [112.0, 32.5, 113.0, 33.5])
        heading = f"{label} 风险源列表（{len(part):,} 处）"
        table = _sources_table(part, layers, name_column, heading)
        DataCall(m.get_name(), "sourcesTable", table).add_to(m)
        name = f"{stems[label]}.html"
        (staging / name).write_text(map_html(m, offline=offline), encoding="utf-8")
        written.append(name)
        part_levels = pd.Series(placed.levels[mask][valid]).value_counts()
        rows.append(
            {
                "label": label,
                "file": name,
                "total": len(part),
                "levels": {int(k): int(v) for k, v in part_levels.items()},
                "invalid": int((~valid).sum()),
            }
        )
    (staging / "index.html").write_text(_index_page(title, rows, by), encoding="utf-8")
    return [*written, "index.html"]
