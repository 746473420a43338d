"""Map of 100,000 classified risk sources: HTML size and build time, against plain folium.

Makes N synthetic field-team rows around the sample canal (名称, 类型, 经度, 纬度, 乡镇,
联系人, 描述 as in data/boundaries/risk_sources.csv), classifies them, then builds and
writes the full map (zones, canal, sources, controls; Leaflet inlined for offline use)
with :func:`geo_guard.maps.risk_map`. The plain way is one ``folium.GeoJson`` layer with
every attribute in popups and a tooltip. Prints the time and file size of both and
their ratios and, when Chromium is installed, how long the page takes to open and draw
every point from ``file://`` with no network.

Run: ``.venv/bin/python bench/bench_maps.py [--points N] [--no-baseline] [--no-browser]``
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import SAMPLE, machine, peak_rss, timed

from geo_guard import Canal, build_zones, load_rules
from geo_guard.classification.core import classify
from geo_guard.maps.compose import risk_map, save_map
from geo_guard.vocabulary.source_types import SOURCE_TYPES

CHROMIUM = "/usr/bin/chromium"
_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
_FIELD_TYPES = ("养猪场", "养鸡场", "农家乐", "饭店", "排水口", "化工厂", "加工厂", "垃圾堆放点",
                "加油站", "洗车店", "网箱", "污水处理厂", "生活污水", *SOURCE_TYPES)


def field_table(canal: Canal, n: int, spread_m: float = 5000.0, seed: int = 11) -> pd.DataFrame:
    """N rows as a field team sends them: WGS84 lon/lat, a name, a type and a note."""
    import pyproj
    import shapely

    rng = np.random.default_rng(seed)
    measure = rng.uniform(0, canal.length_m, n)
    offset = rng.uniform(-spread_m, spread_m, n) * rng.uniform(0, 1, n) ** 2
    on_line = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure + 1.0))
    tangent = ahead - on_line
    tangent /= np.maximum(np.hypot(*tangent.T), 1e-9)[:, None]
    xy = on_line + np.column_stack([-tangent[:, 1], tangent[:, 0]]) * offset[:, None]
    lon, lat = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True).transform(
        xy[:, 0], xy[:, 1]
    )
    kinds = rng.choice(np.array(_FIELD_TYPES, dtype=object), n)
    chainage = canal.chainage_at(measure)
    stakes = [f"K{int(c // 1000)}+{int(c % 1000):03d}" for c in chainage]
    side = np.where(offset > 0, "左岸", "右岸")
    return pd.DataFrame(
        {
            "序号": np.arange(1, n + 1),
            "名称": [f"示意{k}{i:06d}" for i, k in enumerate(kinds, start=1)],
            "类型": kinds,
            "经度": np.round(lon, 6),
            "纬度": np.round(lat, 6),
            "乡镇": rng.choice(np.array(["示意镇甲", "示意镇乙", "示意镇丙", "示意镇丁"]), n),
            "联系人": [f"{s}某" for s in rng.choice(list(_SURNAMES), n)],
            "描述": [
                f"位于总干渠{b}{s}附近，距中心线约{abs(o):.0f} m（示意）"
                for b, s, o in zip(side, stakes, offset, strict=True)
            ],
        }
    )


def open_in_browser(path: Path, expected: int) -> float | None:
    """Seconds until every point is drawn in headless Chromium from file:// (no network)."""
    if not Path(CHROMIUM).exists():
        print("  browser: skipped (no /usr/bin/chromium)")
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        start = time.perf_counter()
        page.goto(path.resolve().as_uri(), timeout=180_000)
        page.wait_for_function(
            "n => window.geoGuard && window.geoGuard.layers.filter(e => e.kind === 'points')"
            ".reduce((s, e) => s + GeoGuard.rendered(e), 0) === n",
            arg=expected,
            timeout=180_000,
        )
        seconds = time.perf_counter() - start
        browser.close()
    print(f"  browser: {seconds:6.2f} s to open and draw {expected:,} points"
          + (f"; JS errors: {errors}" if errors else "; no JS error"))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--no-baseline", action="store_true", help="skip plain folium")
    parser.add_argument("--no-browser", action="store_true", help="skip opening in Chromium")
    args = parser.parse_args()
    print(f"machine   : {machine()}")

    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    zones = build_zones(canal, rules, crs="EPSG:4326")
    table = field_table(canal, args.points)
    sources, seconds = timed(lambda: classify(table, canal, rules, zones=zones))
    valid = int((sources["status"] == "ok").sum())
    print(f"{args.points:,} synthetic risk sources ({valid:,} placed), classified in "
          f"{seconds:.1f} s; {len(sources.columns) - 1} attribute columns")

    folder = Path(tempfile.mkdtemp(prefix="bench_maps_"))
    try:
        ours_path = folder / "geo_guard.html"
        with peak_rss() as memory:
            m, build = timed(lambda: risk_map(canal, zones=zones, sources=sources,
                                              basemap="osm", title="基准测试"))
            _, write = timed(lambda: save_map(m, ours_path))
        size = ours_path.stat().st_size
        print(f"  geo_guard risk_map: build {build:6.2f} s + write {write:6.2f} s = "
              f"{build + write:6.2f} s, HTML {size / 1e6:6.1f} MB "
              f"({size / args.points:.0f} bytes/source), peak +{memory['added_mb']:.0f} MB")
        if size >= 20e6:
            print("  WARNING: over the 20 MB budget")
        if not args.no_baseline:
            plain_path = folder / "explore.html"

            def plain() -> None:
                import folium

                shown = sources[sources["status"] == "ok"].drop(columns=["status"])
                fields = [c for c in shown.columns if c != "geometry"]
                m = folium.Map(tiles="OpenStreetMap")
                folium.GeoJson(
                    shown,
                    marker=folium.CircleMarker(radius=5, fill=True),
                    popup=folium.GeoJsonPopup(fields=fields),
                    tooltip=folium.GeoJsonTooltip(fields=["名称", "zone"]),
                ).add_to(m)
                m.save(plain_path)

            _, plain_s = timed(plain)
            plain_size = plain_path.stat().st_size
            print(f"  plain folium.GeoJson: {plain_s:6.2f} s, HTML {plain_size / 1e6:6.1f} MB "
                  "(needs the network for Leaflet)")
            print(f"  ratio plain/geo_guard: time {plain_s / (build + write):.2f}x, "
                  f"size {plain_size / size:.2f}x")
        if not args.no_browser:
            open_in_browser(ours_path, valid)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
