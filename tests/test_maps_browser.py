"""The HTML maps in a real browser: headless Chromium from file://, no network.

Drives Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it with a CJK font) through
Playwright; every request that is not ``file:`` is blocked, so the pages must work
offline (failed tile requests aside). Skipped with the reason when Chromium or
Playwright is missing. Screenshots go to ``tests/_artifacts/``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest

from geo_guard.canal.model import Canal
from geo_guard.crs import wgs84_to_gcj02
from geo_guard.maps.compose import risk_map, save_map
from geo_guard.maps.split import split_maps

from .conftest import METRIC, X0, Y0, uniform_rules
from .test_maps import (
    PAYLOAD_IMG,
    PAYLOAD_SCRIPT,
    TO_WGS,
    classified,
    corridor_layers,
    full_map,
    sample_sources,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI containers
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def launch_chromium() -> Iterator[Any]:
    """Headless Chromium through Playwright, or skip with the reason."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium browser: install Debian's (apt-get install chromium "
                    "fonts-noto-cjk), as .ci/run does")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Page:
    """An opened map and what happened while it ran."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def js(self, code: str, arg: Any = None) -> Any:
        return self.page.evaluate(code, arg)

    def layers(self) -> dict[str, tuple[int, int]]:
        """Layer name -> (features in the data, features on the map)."""
        rows = self.js("() => geoGuard.layers.map(e => [e.name, e.expected, GeoGuard.rendered(e)])")
        return {name: (expected, rendered) for name, expected, rendered in rows}

    def check_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.js("() => window.__pwned") is None


def open_map(browser: Any, path: Path, **context: Any) -> Page:
    """Open a page from file:// with every non-file request blocked."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, **context)
    page = ctx.new_page()
    opened = Page(page)

    def on_console(message: Any) -> None:
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not (
            "Failed to load resource" in message.text and url in opened.blocked
        ):
            opened.errors.append(f"console: {message.text} ({url})")

    def on_dialog(dialog: Any) -> None:
        opened.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            request_route.continue_()
        else:
            opened.blocked.append(url)
            request_route.abort()

    page.on("pageerror", lambda error: opened.errors.append(f"page: {error}"))
    page.on("console", on_console)
    page.on("dialog", on_dialog)
    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), timeout=120_000)
    page.wait_for_function("window.GeoGuard && GeoGuard.ready && window.geoGuard", timeout=60_000)
    page.wait_for_load_state("load")
    return opened


#: JavaScript: text of the popup open on a map (by its variable name), or null.
POPUP_TEXT = (
    "name => { var p = geoGuard.maps[name]._popup; "
    "return p && p.isOpen() ? p.getContent().textContent : null; }"
)


def map_var(opened: Page) -> str:
    return opened.js("() => Object.keys(geoGuard.maps)[0]")


def screenshot(opened: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    opened.page.screenshot(path=str(path), full_page=True)
    return path


# --------------------------------------------------------------------------- the map


def test_offline_map_draws_every_feature_with_legend_and_controls(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    m = full_map(straight_canal, basemap="osm")
    expected = {c.display_name: c.feature_count for c in m._children.values()
                if hasattr(c, "display_name")}
    opened = open_map(browser, save_map(m, tmp_path / "map.html"))
    layers = opened.layers()
    assert set(layers) == set(expected)
    for name, (in_data, on_map) in layers.items():
        assert in_data == on_map == expected[name], name
    assert sum(v for k, (v, _) in layers.items() if k.startswith("风险源")) == 6
    page = opened.page
    legend = page.inner_text(".gg-legend")
    for word in ("图例", "管理范围", "一级保护区", "二级保护区", "总干渠", "水流方向", "风险源",
                 "工业企业", "生态廊道断档", "林分质量差地块", "另有 2 处风险源坐标无效"):
        assert word in legend, word
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert len(overlays) == len(expected) and any("风险源 · 一级保护区" in t for t in overlays)
    bases = page.locator(".leaflet-control-layers-base label").all_inner_texts()
    assert [b.strip() for b in bases] == ["OpenStreetMap", "无底图 (离线)"]
    for control in (".gg-search", ".leaflet-control-measure", ".leaflet-control-locate",
                    ".leaflet-control-minimap", ".leaflet-control-zoom-fullscreen",
                    ".leaflet-control-scale"):
        assert page.locator(control).count() == 1, control
    assert page.locator(".gg-stake").count() == 4  # K0+000 ... K3+000
    assert page.locator(".gg-arrow").count() == 3
    assert page.inner_text(".gg-title") == f"测试 {PAYLOAD_SCRIPT}"
    assert any("tile.openstreetmap.org" in url for url in opened.blocked)
    assert not any(".js" in url or ".css" in url for url in opened.blocked)
    screenshot(opened, "map_offline.png")
    opened.check_clean()


def test_injected_values_show_as_text_and_run_nothing(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    opened = open_map(browser, save_map(full_map(straight_canal), tmp_path / "map.html"))
    page = opened.page
    name = map_var(opened)
    for payload in (PAYLOAD_IMG, PAYLOAD_SCRIPT):
        opened.js("name => geoGuard.maps[name].closePopup()", name)
        page.fill(".gg-search-input", payload[:8])
        page.wait_for_selector(".gg-search-hit")
        hits = page.locator(".gg-search-hit").all_inner_texts()
        assert any(payload in hit for hit in hits), hits
        page.locator(".gg-search-hit", has_text=payload).first.click()
        page.wait_for_function(f"() => ({POPUP_TEXT})('{name}')")
        assert payload in opened.js(POPUP_TEXT, name)
        assert page.locator(".leaflet-popup img, .leaflet-popup script").count() == 0
    # the description and village of other rows, the admin layer's village name
    text = opened.js(
        """name => { var m = geoGuard.maps[name]; var out = [];
            geoGuard.layers.forEach(e => e.group.eachLayer(l => {
              if (l._ggRow === undefined) return;
              var at = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
              l.fire('click', {latlng: at}, true);
              out.push(m._popup.getContent().textContent);
            }));
            return out.join('\\n'); }""",
        name,
    )
    assert text.count(PAYLOAD_SCRIPT) >= 3 and text.count(PAYLOAD_IMG) >= 3
    assert page.locator(".leaflet-popup img, .leaflet-popup script").count() == 0
    # hover: the tooltip of the source named with the <img> payload
    page.wait_for_timeout(800)  # let the zoom of the last search finish first
    point = opened.js(
        """([name, payload]) => { var m = geoGuard.maps[name], p = null;
            m.closePopup();
            geoGuard.layers.filter(e => e.kind === 'points').forEach(e => e.group.eachLayer(l => {
              var title = GeoGuard.cell(e.spec.table.cols[e.spec.title[0]], l._ggRow);
              if (title === payload) {
                m.setView(l.getLatLng(), 17, {animate: false});
                p = m.latLngToContainerPoint(l.getLatLng());
              }
            }));
            return p && [p.x, p.y]; }""",
        [name, PAYLOAD_IMG],
    )
    assert point is not None
    page.wait_for_timeout(300)  # closed popups fade out before they leave the page
    box = page.locator(f"#{name}").bounding_box()
    page.mouse.move(box["x"] + point[0] - 40, box["y"] + point[1] + 40)
    page.mouse.move(box["x"] + point[0], box["y"] + point[1], steps=4)
    page.wait_for_timeout(100)  # Leaflet handles one mouse move per 32 ms: move once more
    page.mouse.move(box["x"] + point[0] + 1, box["y"] + point[1])
    # the zone under the way there had its tooltip first; the point's replaces it
    page.locator(".leaflet-tooltip", has_text=PAYLOAD_IMG).wait_for(timeout=5_000)
    page.wait_for_timeout(300)
    screenshot(opened, "map_injection.png")
    opened.check_clean()


def test_search_finds_any_stake_on_the_canal(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    m = risk_map(straight_canal, rules=uniform_rules(), basemap="none")
    opened = open_map(browser, save_map(m, tmp_path / "map.html"))
    page = opened.page
    page.fill(".gg-search-input", "K1+500")
    page.press(".gg-search-input", "Enter")
    name = map_var(opened)
    page.wait_for_function(f"() => ({POPUP_TEXT})('{name}')")
    assert opened.js(POPUP_TEXT, name) == "桩号 K1+500"
    at = opened.js(f"() => {{ var p = geoGuard.maps['{map_var(opened)}']._popup.getLatLng();"
                   " return [p.lng, p.lat]; }")
    assert at == pytest.approx(TO_WGS.transform(X0 + 1500, Y0), abs=2e-7)
    page.fill(".gg-search-input", "K9+000")
    page.wait_for_selector(".gg-search-none")
    assert "不在总干渠范围内" in page.inner_text(".gg-search-list")
    opened.check_clean()


# --------------------------------------------------------------------------- GCJ-02


def test_amap_overlays_and_gps_position_are_shifted_like_python(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    sources = classified([("甲", "工业企业", 700.0, 30.0)])
    m = risk_map(straight_canal, rules=uniform_rules(), sources=sources, basemap="amap")
    here_lon, here_lat = TO_WGS.transform(X0 + 2000, Y0 + 300)
    opened = open_map(
        browser, save_map(m, tmp_path / "amap.html"),
        geolocation={"longitude": here_lon, "latitude": here_lat, "accuracy": 10},
        permissions=["geolocation"],
    )
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(100, 125, 200), rng.uniform(20, 45, 200)
    js = np.array(opened.js("pts => pts.map(p => GeoGuard.toGcj02(p[0], p[1]))",
                            np.column_stack([lon, lat]).tolist()))
    py = np.column_stack(wgs84_to_gcj02(lon, lat))
    assert np.abs(js - py).max() < 1e-9
    marker = opened.js(
        "() => { var e = geoGuard.layers.find(e => e.kind === 'points'); var p = null;"
        " e.group.eachLayer(l => { p = [l.getLatLng().lng, l.getLatLng().lat]; }); return p; }"
    )
    expected = wgs84_to_gcj02(sources.loc[0, "lon"], sources.loc[0, "lat"])
    assert marker == pytest.approx([float(v) for v in expected], abs=1.5e-6)
    legend = opened.page.inner_text(".gg-legend")
    assert "GCJ-02" in legend and "WGS84" in legend
    opened.page.click(".leaflet-control-locate a")
    opened.page.wait_for_function(
        "() => Object.keys(window).some(k => k.startsWith('locate_control_') "
        "&& window[k]._marker)", timeout=10_000)
    located = opened.js(
        "() => { var c = Object.keys(window).filter(k => k.startsWith('locate_control_'))"
        ".map(k => window[k])[0]; var p = c._marker.getLatLng(); return [p.lng, p.lat]; }"
    )
    gcj = wgs84_to_gcj02(here_lon, here_lat)
    assert located == pytest.approx([float(v) for v in gcj], abs=1e-7)
    opened.page.wait_for_timeout(500)
    screenshot(opened, "map_amap_locate.png")
    opened.check_clean()


# --------------------------------------------------------------------------- split maps


def test_split_pages_open_and_table_rows_fly_to_their_source(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    sources = sample_sources()
    paths = split_maps(sources, tmp_path / "maps", by="township", canal=straight_canal,
                       rules=uniform_rules(), basemap="none", **corridor_layers())
    index = open_map_index(browser, paths[-1])
    links = index.page.locator("a").all_inner_texts()
    assert links == ["乙镇", "甲镇", "未归属乡镇"]
    index.page.click("text=甲镇")
    index.page.wait_for_function("window.GeoGuard && GeoGuard.ready && window.geoGuard")
    index.page.wait_for_load_state("load")
    rows = index.page.locator("#gg-sources-table tbody tr")
    town = sources[sources["township"] == "甲镇"]
    assert rows.count() == len(town)
    points = {k: v for k, v in index.layers().items() if k.startswith("风险源")}
    assert sum(v[1] for v in points.values()) == len(town)
    rows.nth(0).click()
    name = map_var(index)
    index.page.wait_for_function(f"() => ({POPUP_TEXT})('{name}')")
    first = rows.nth(0).locator("td").nth(1).inner_text()
    assert index.js(POPUP_TEXT, name).startswith(first)
    screenshot(index, "map_split_area.png")
    index.check_clean()


def open_map_index(browser: Any, path: Path) -> Page:
    """Open the index page (no map on it) the same way as a map."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    page = ctx.new_page()
    opened = Page(page)
    page.on("pageerror", lambda error: opened.errors.append(f"page: {error}"))
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else (opened.blocked.append(r.request.url), r.abort()))
    page.goto(path.resolve().as_uri())
    return opened


# --------------------------------------------------------------------------- many points


def test_twenty_thousand_sources_draw_on_one_canvas(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    n = 20_000
    rng = np.random.default_rng(5)
    chainage = rng.uniform(0, 3000, n)
    offset = rng.uniform(-400, 400, n)
    kinds = rng.choice(["工业企业", "畜禽养殖", "旅游餐饮", "排污口", "其他"], n)
    rows = [(f"点{i}", str(k), float(c), float(o))
            for i, (k, c, o) in enumerate(zip(kinds, chainage, offset, strict=True))]
    sources = classified(rows)
    m = risk_map(straight_canal, rules=uniform_rules(), sources=sources, basemap="none")
    path = save_map(m, tmp_path / "many.html")
    start = time.perf_counter()
    opened = open_map(browser, path)
    seconds = time.perf_counter() - start
    points = {k: v for k, v in opened.layers().items() if k.startswith("风险源")}
    assert sum(v[0] for v in points.values()) == sum(v[1] for v in points.values()) == n
    # one canvas for all of them, not one DOM node each
    assert opened.page.locator(".leaflet-overlay-pane canvas").count() == 1
    assert opened.page.locator(".leaflet-interactive").count() < 100
    assert path.stat().st_size < n * 400
    assert seconds < 60
    screenshot(opened, "map_20000.png")
    opened.check_clean()


def test_helpers_agree_with_the_canal(straight_canal: Canal) -> None:
    # The browser tests locate places by the same transform as the fixtures.
    to_metric = pyproj.Transformer.from_crs(4326, METRIC, always_xy=True)
    x, y = to_metric.transform(*TO_WGS.transform(X0 + 10, Y0 + 20))
    assert (x, y) == pytest.approx((X0 + 10, Y0 + 20))
    assert isinstance(sample_sources(), pd.DataFrame)
