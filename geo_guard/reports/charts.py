"""Pictures for the weekly report: a bar chart of problems and a static map of open ones.

Both are drawn by matplotlib with the Agg backend (no display needed) and returned as PNG
bytes for the Word document. Chinese labels need a CJK font: :func:`cjk_font` finds one
installed (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei …); without
one the pictures are still drawn, with a warning that the Chinese text may show as boxes.

The static map draws no tiles (it must work with no network): the open problems as points
coloured by status, overdue ones ringed in black, over the protection zones and the canal
when given, in a metric CRS (the canal's, else the CGCS2000 Gauss-Kruger zone of the
points) with a scale bar and a north arrow.

Examples
--------
>>> png = status_chart(pd.DataFrame({"source_type": ["排污口", "畜禽养殖"],
...                                  "status": ["整改中", "已销号"]}))
>>> png[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pyproj

matplotlib.use("Agg")  # before pyplot: never a window, works on servers

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geo_guard.crs import metric_crs_for
from geo_guard.reports.digest import (
    CLOSED,
    OTHER_STATUS_COLOUR,
    STATUS_COLOURS,
    STATUSES,
    UNFILLED,
    plain_text,
    problem_points,
)
from geo_guard.settings import ZONE_COLOURS, ZONE_NAMES

__all__ = ["cjk_font", "static_map", "status_chart"]

logger = logging.getLogger(__name__)

#: Font families tried in order; the first installed one draws the Chinese text.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Sarasa Gothic SC",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)
# File names of CJK fonts, for fonts installed after matplotlib built its font cache.
_CJK_FILE_HINTS = ("cjk", "wqy", "simhei", "msyh", "sourcehan", "notosanssc", "pingfang",
                   "sarasa", "uming", "ukai")
DPI = 200


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that has Chinese glyphs, or None.

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    def known() -> set[str]:
        return {f.name for f in font_manager.fontManager.ttflist}

    names = known()
    for family in CJK_FAMILIES:
        if family in names:
            return family
    # Installed after matplotlib cached its font list: add the files it has not seen.
    seen = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in seen and any(h in path.lower().replace("-", "") for h in _CJK_FILE_HINTS):
            with contextlib.suppress(Exception):  # a broken font file is skipped
                font_manager.fontManager.addfont(path)
    names = known()
    return next((family for family in CJK_FAMILIES if family in names), None)


@functools.lru_cache(maxsize=1)
def _warn_no_font() -> None:
    logger.warning(
        "no Chinese (CJK) font found for the charts and the static map: their Chinese text "
        "may show as boxes; install one (Debian/Ubuntu: apt-get install fonts-noto-cjk)"
    )


@contextlib.contextmanager
def _style() -> Iterator[None]:
    family = cjk_font()
    if family is None:
        _warn_no_font()
    rc = {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "axes.unicode_minus": False,  # the CJK fonts lack U+2212
        "figure.dpi": 100,
    }
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        # Without a CJK font each missing glyph warns; the one warning above says it all.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        yield


def label(text: object) -> str:
    """User text for a matplotlib label: never mathtext (``$...$`` stays as typed).

    Examples
    --------
    >>> label("$x$ 村")
    '\\\\$x\\\\$ 村'
    """
    return plain_text(text).replace("$", r"\$")


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def _status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, OTHER_STATUS_COLOUR)


def _status_order(statuses: Sequence[str]) -> list[str]:
    present = set(statuses)
    return [s for s in STATUSES if s in present] + sorted(present - set(STATUSES))


# --------------------------------------------------------------------------- chart


def status_chart(problems: pd.DataFrame, *, by: str = "source_type", title: str | None = None,
                 top: int = 15) -> bytes:
    """Horizontal bars: problems per category (default 风险源类型), stacked by status.

    Parameters
    ----------
    problems : DataFrame
        With ``status`` and the ``by`` column.
    by : str
        Category column.
    title : str, optional
    top : int
        Categories shown (largest first); the rest are summed into 其他.

    Returns
    -------
    bytes
        A PNG image.
    """
    status = problems["status"].map(plain_text)
    category = problems[by].map(plain_text).replace("", UNFILLED)
    table = pd.crosstab(category, status)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    if len(table) > top:
        rest = table.iloc[top - 1:].sum().rename("其他（合并）")
        table = pd.concat([table.iloc[: top - 1], rest.to_frame().T])
    order = _status_order(list(table.columns))
    with _style():
        height = 1.2 + 0.38 * max(len(table), 1)
        fig, ax = plt.subplots(figsize=(7.0, height))
        left = np.zeros(len(table))
        positions = np.arange(len(table))[::-1]  # largest at the top
        for name in order:
            counts = table[name].to_numpy(dtype=float)
            ax.barh(positions, counts, left=left, color=_status_colour(name),
                    label=label(name), height=0.65, edgecolor="white", linewidth=0.5)
            left += counts
        for y, total in zip(positions, left, strict=True):
            ax.text(total + 0.1, y, f"{int(total)}", va="center", fontsize=9)
        ax.set_yticks(positions, [label(c) for c in table.index])
        ax.set_xlabel("问题数（个）")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlim(0, max(float(left.max()) if len(left) else 0.0, 1.0) * 1.12)
        ax.spines[["top", "right"]].set_visible(False)
        if len(table) == 0:
            ax.text(0.5, 0.5, "无问题", transform=ax.transAxes, ha="center", va="center")
        if order:
            ax.legend(title="状态", loc="lower right", fontsize=8, title_fontsize=9,
                      frameon=False)
        if title:
            ax.set_title(label(title), fontsize=12)
        return _png(fig)


# --------------------------------------------------------------------------- static map


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width: 1, 2 or 5 × 10^k m."""
    target = max(span_m / 5.0, 1.0)
    power = 10 ** math.floor(math.log10(target))
    return max(step * power for step in (1, 2, 5) if step * power <= target)


def _scale_bar(ax: Any, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    length = _nice_length(x1 - x0)
    left, base = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    tick = 0.012 * (y1 - y0)
    ax.plot([left, left + length], [base, base], color="black", linewidth=2.5,
            solid_capstyle="butt", zorder=10)
    for x in (left, left + length):
        ax.plot([x, x], [base - tick, base + tick], color="black", linewidth=1, zorder=10)
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(left + length / 2, base + 1.6 * tick, text, ha="center", va="bottom", fontsize=8,
            zorder=10, bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})


def _north_arrow(ax: Any) -> None:
    # Grid north of the map's projected CRS (off true north by under 2° in a 3° GK zone).
    ax.annotate("", xy=(0.95, 0.91), xytext=(0.95, 0.81), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5},
                zorder=10)
    ax.text(0.95, 0.915, "北", transform=ax.transAxes, ha="center", va="bottom", fontsize=10,
            zorder=10)


def _extent(points: gpd.GeoDataFrame, fallback: gpd.GeoDataFrame | None
                ) -> tuple[float, float, float, float] | None:
    frame = points if len(points) else fallback
    if frame is None or len(frame) == 0:
        return None
    x0, y0, x1, y1 = (float(v) for v in frame.total_bounds)
    # A margin of a tenth of the extent, at least 300 m, so a single point has context.
    pad = max(0.1 * max(x1 - x0, y1 - y0), 300.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    # Landscape 3:2 frame around the data.
    width, height = x1 - x0, y1 - y0
    if width < 1.5 * height:
        grow = (1.5 * height - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (width / 1.5 - height) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


def _canal_lines(canal: Any) -> gpd.GeoDataFrame | None:
    """The canal as lines: a :class:`geo_guard.Canal` or any line GeoDataFrame."""
    if canal is None:
        return None
    if hasattr(canal, "centerline"):
        return canal.centerline()
    if isinstance(canal, gpd.GeoDataFrame | gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries(canal.geometry), crs=canal.crs)
    raise TypeError(f"canal: expected a Canal or a GeoDataFrame, got {type(canal).__name__}")


def _metric(points: gpd.GeoDataFrame, canal: Any, lines: gpd.GeoDataFrame | None,
            zones: gpd.GeoDataFrame | None) -> pyproj.CRS | None:
    if canal is not None and hasattr(canal, "metric_crs"):
        return canal.metric_crs
    for frame in (points, lines, zones):
        if frame is not None and len(frame):
            return metric_crs_for(frame)
    return None


def static_map(problems: pd.DataFrame, *, canal: Any = None,
               zones: gpd.GeoDataFrame | None = None, title: str | None = None) -> bytes:
    """A PNG map of the open problems (not 已销号) coloured by status, overdue ringed.

    Parameters
    ----------
    problems : DataFrame
        The ledger's problems (geometry or ``lon``/``lat``, ``status``, optional
        ``overdue``); closed ones are left out.
    canal : Canal or GeoDataFrame, optional
        Drawn as a blue line.
    zones : GeoDataFrame, optional
        Zones with ``zone_level`` (as :func:`geo_guard.build_zones` gives), filled by level.
    title : str, optional

    Returns
    -------
    bytes
        A PNG image; problems without a location are counted in a note.
    """
    open_ = problems[problems["status"].map(plain_text) != CLOSED]
    points = problem_points(open_)
    unplaced = len(open_) - len(points)
    lines = _canal_lines(canal)
    crs = _metric(points, canal, lines, zones)
    with _style():
        fig, ax = plt.subplots(figsize=(7.5, 5.4))
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        handles: list[Any] = []
        if crs is None:
            ax.text(0.5, 0.5, "无未销号问题", transform=ax.transAxes, ha="center", va="center")
        else:
            points = points.to_crs(crs)
            lines = lines.to_crs(crs) if lines is not None else None
            zones_m = zones.to_crs(crs) if zones is not None and len(zones) else None
            extent = _extent(points, lines if lines is not None else zones_m)
            if zones_m is not None and "zone_level" in zones_m.columns:
                levels = pd.to_numeric(zones_m["zone_level"], errors="coerce")
                # The widest zone first so the strictest lies on top.
                for level in sorted(levels.dropna().unique(), reverse=True):
                    part = zones_m[levels == level]
                    colour = ZONE_COLOURS.get(int(level), "#cccccc")
                    part.plot(ax=ax, color=colour, alpha=0.22, edgecolor=colour, linewidth=0.4)
                    handles.append(Patch(facecolor=colour, alpha=0.35, edgecolor=colour,
                                         label=ZONE_NAMES.get(int(level), f"级别 {int(level)}")))
            if lines is not None:
                lines.plot(ax=ax, color="#0050b4", linewidth=1.6)
                handles.append(Line2D([], [], color="#0050b4", linewidth=1.6, label="总干渠"))
            status = points["status"].map(plain_text)
            overdue = (points["overdue"].fillna(False).astype(bool) if "overdue" in points
                       else pd.Series(False, index=points.index))
            for name in _status_order(list(status.unique())):
                part = points[status == name]
                late = overdue[status == name].to_numpy()
                xy = np.column_stack([part.geometry.x, part.geometry.y])
                ax.scatter(xy[:, 0], xy[:, 1], s=34, color=_status_colour(name),
                           edgecolors=np.where(late, "black", "white"),
                           linewidths=np.where(late, 1.6, 0.6), zorder=5)
                handles.append(Line2D([], [], marker="o", linestyle="", markersize=7,
                                      markerfacecolor=_status_colour(name),
                                      markeredgecolor="white",
                                      label=f"{label(name)}（{len(part)}）"))
            if overdue.any():
                handles.append(Line2D([], [], marker="o", linestyle="", markersize=7,
                                      markerfacecolor="white", markeredgecolor="black",
                                      markeredgewidth=1.6, label="黑圈：超期"))
            if extent is not None:
                ax.set_xlim(extent[0], extent[2])
                ax.set_ylim(extent[1], extent[3])
                _scale_bar(ax, extent)
            _north_arrow(ax)
            ax.set_xlabel("")  # geopandas labels the axes with the CRS's; the note says it
            ax.set_ylabel("")
            if len(points) == 0:
                ax.text(0.5, 0.5, "无未销号问题", transform=ax.transAxes, ha="center",
                        va="center")
            if handles:
                ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.85)
            note = f"坐标系：{crs.name}"
            if unplaced:
                note += f"；{unplaced} 个未销号问题无坐标，未上图"
            ax.text(0.0, -0.02, label(note), transform=ax.transAxes, ha="left", va="top",
                    fontsize=7, color="#555555")
        if title:
            ax.set_title(label(title), fontsize=12)
        return _png(fig)
