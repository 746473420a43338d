"""周报.html in a real headless Chromium, offline: every problem drawn in its status layer,
the Chinese legend, and the ledger's text shown as text (nothing runs).

Uses the browser fixtures of ``test_maps_browser`` (skipped with the reason when Chromium
or Playwright is missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo_guard.reports import write_problems_map

from .report_frames import HOSTILE_SCRIPT, ledger_problems
from .test_maps_browser import POPUP_TEXT, browser, map_var, open_map, screenshot

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported to be used here


def test_weekly_map_draws_each_status_and_runs_no_text(browser: Any, tmp_path: Path) -> None:
    problems = ledger_problems()
    path = write_problems_map(problems, tmp_path / "周报.html", basemap="none",
                              title="周报 " + HOSTILE_SCRIPT)
    opened = open_map(browser, path)
    layers = opened.layers()
    # by hand: 待交办 3, 7, 9 (9 has no location), 已交办 2, 整改中 1, 8, 已整改 4, 10,
    # 已销号 5, 6; overdue 1, 8
    assert layers == {"待交办": (2, 2), "已交办": (1, 1), "整改中": (2, 2), "已整改": (2, 2),
                      "已销号": (2, 2), "超期未整改": (2, 2)}
    legend = opened.page.inner_text(".gg-legend")
    for word in ("问题状态", "待交办", "已销号", "超期未整改", "1 个问题没有坐标，未上图"):
        assert word in legend, word
    assert opened.page.inner_text(".gg-title") == "周报 " + HOSTILE_SCRIPT
    # the problem whose description is an HTML payload: found by the search, shown as text
    name = map_var(opened)
    opened.page.fill(".gg-search-input", HOSTILE_SCRIPT[:8])
    opened.page.wait_for_selector(".gg-search-hit")
    opened.page.locator(".gg-search-hit", has_text=HOSTILE_SCRIPT).first.click()
    opened.page.wait_for_function(f"() => ({POPUP_TEXT})('{name}')")
    assert HOSTILE_SCRIPT in opened.js(POPUP_TEXT, name)
    assert opened.page.locator(".leaflet-popup img, .leaflet-popup script").count() == 0
    screenshot(opened, "weekly_map.png")
    opened.check_clean()
