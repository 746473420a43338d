"""Building blocks of the HTML maps: compact data encoding and map state.

Data goes into the page as JSON inside ``<script type="application/json">``, encoded
column by column (repeated values once, coordinates as integers) so 100,000 risk sources
fit in a few MB. The browser side (``static/geo_guard/geo_guard_map.js``) reads it with
``JSON.parse`` and puts every user value on the page with ``textContent``: a name such as
``<img src=x onerror=alert(1)>`` shows as text and runs nothing. The JSON itself has
``<``, ``>`` and ``&`` escaped, so no value can close the ``<script>`` element.
:mod:`geo_guard.maps.page` puts it into the page, never through a template.

Examples
--------
>>> json_for_script({"名称": "</script><script>alert(1)</script>"})
'{"名称":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from geo_guard.settings import ZONE_NAMES
from geo_guard.vocabulary.headers import HEADERS
from geo_guard.vocabulary.source_types import SOURCE_TYPES

__all__ = [
    "COLUMN_LABELS",
    "LONE_SURROGATE",
    "SHAPE_VERTICES",
    "TYPE_SHAPES",
    "MapState",
    "encode_table",
    "json_for_script",
    "legend_row",
    "map_state",
    "shape_symbol",
]

#: Chinese labels of the columns geo_guard adds (input columns keep their own names).
COLUMN_LABELS: dict[str, str] = HEADERS

#: Number formats of known numeric columns (others: up to 10 significant digits).
_FORMATS: dict[str, str] = {
    "distance_m": "{:.1f}",
    "edge_distance_m": "{:.1f}",
    "zone_boundary_m": "{:.1f}",
    "chainage_m": "{:.1f}",
    "chainage_from_m": "{:.1f}",
    "chainage_to_m": "{:.1f}",
    "length_m": "{:.1f}",
    "gap_m": "{:.1f}",
    "excluded_m": "{:.1f}",
    "lon": "{:.6f}",
    "lat": "{:.6f}",
    "area_m2": "{:,.0f}",
    "belt_m2": "{:,.0f}",
    "forest_m2": "{:,.0f}",
    "uncovered_m2": "{:,.0f}",
    "coverage": "{:.0%}",
    "mean_coverage": "{:.0%}",
    "width_m": "{:g}",
    "inner_m": "{:g}",
    "outer_m": "{:g}",
}

#: Marker shape of each risk-source type (colour tells the zone, shape the type).
TYPE_SHAPES: dict[str, str] = dict(
    zip(
        SOURCE_TYPES,
        (
            "square",
            "triangle",
            "star",
            "triangle-down",
            "hexagon",
            "pentagon",
            "plus",
            "diamond",
            "cross",
            "hourglass",
            "house",
            "fish",
            "mound",
            "heart",
            "circle",
        ),
        strict=True,
    )
)


def _regular(n: int, start_deg: float, radius: float) -> list[float]:
    angles = np.radians(start_deg + 360.0 * np.arange(n) / n)
    # Screen y grows downwards: a vertex at 90 degrees points up.
    return _flat(np.cos(angles) * radius, -np.sin(angles) * radius)


def _flat(x: np.ndarray, y: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in np.column_stack([x, y]).ravel()]


def _star(points: int, outer: float, inner: float) -> list[float]:
    angles = np.radians(90.0 + 180.0 * np.arange(2 * points) / points)
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return _flat(np.cos(angles) * radii, -np.sin(angles) * radii)


def _plus(arm: float, half: float, rotate_deg: float = 0.0) -> list[float]:
    a, h = arm, half
    xy = np.array(
        [(-h, -a), (h, -a), (h, -h), (a, -h), (a, h), (h, h), (h, a), (-h, a), (-h, h), (-a, h),
         (-a, -h), (-h, -h)]
    )
    t = math.radians(rotate_deg)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    return [round(float(v), 3) for v in (xy @ rot.T).ravel()]


def _fish() -> list[float]:
    """A fish facing left: an oval body and a forked tail (水产养殖)."""
    t = np.radians(np.linspace(30, 330, 13))  # from the back over the nose and round
    body_x, body_y = 0.85 * np.cos(t) - 0.3, 0.62 * np.sin(t)
    tail_x, tail_y = np.array([1.3, 1.0, 1.3]), np.array([-0.7, 0.0, 0.7])
    return _flat(np.concatenate([body_x, tail_x]), np.concatenate([body_y, tail_y]))


def _mound() -> list[float]:
    """A heap on the ground: half a disc on a flat base (采砂)."""
    t = np.radians(np.linspace(0, 180, 11))
    return _flat(1.3 * np.cos(t), -1.1 * np.sin(t) + 0.55)


def _heart() -> list[float]:
    """A heart (医疗机构)."""
    t = np.linspace(0, 2 * np.pi, 25)[:-1]
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return _flat(x / 12.5, -(y + 3) / 12.5)


#: Unit outlines (x, y pairs, screen y down) drawn around each marker's centre.
SHAPE_VERTICES: dict[str, list[float] | None] = {
    "circle": None,
    "square": _regular(4, 45, 1.15),
    "diamond": _regular(4, 90, 1.3),
    "triangle": _regular(3, 90, 1.35),
    "triangle-down": _regular(3, 270, 1.35),
    "pentagon": _regular(5, 90, 1.15),
    "hexagon": _regular(6, 0, 1.1),
    "star": _star(5, 1.45, 0.62),
    "plus": _plus(1.2, 0.42),
    "cross": _plus(1.25, 0.4, 45),
    "hourglass": [-1.0, -1.05, 1.0, -1.05, 0.0, 0.0, 1.0, 1.05, -1.0, 1.05, 0.0, 0.0],
    "house": [0.0, -1.2, 1.1, -0.2, 0.8, -0.2, 0.8, 1.0, -0.8, 1.0, -0.8, -0.2, -1.1, -0.2],
    "fish": _fish(),
    "mound": _mound(),
    "heart": _heart(),
}


# --------------------------------------------------------------------------- JSON


#: A UTF-16 surrogate alone (text decoded with ``surrogateescape``) cannot be written
#: as UTF-8; JSON can carry it as an escape.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``/``\\u003e``/``\\u0026`` (JavaScript reads
    them back unchanged), so a value cannot end the script or open a comment; the line
    separators U+2028/U+2029 and lone surrogates (which UTF-8 cannot hold) are escaped
    too. NaN is refused (it is not JSON).
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    if LONE_SURROGATE.search(text):
        text = LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


_FIXED = {"{:.0f}": 0, "{:.1f}": 1, "{:.2f}": 2, "{:.6f}": 6}
#: Codes of a column with at most 64 distinct values are one character each.
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_MISSING_CODE = "."


def _number_pattern(numbers: np.ndarray, column: object) -> str:
    pattern = _FORMATS.get(str(column))
    if pattern is not None:
        return pattern
    finite = numbers[np.isfinite(numbers)]
    return "{:.0f}" if np.all(np.mod(finite, 1) == 0) else "{:.10g}"


def display_strings(values: pd.Series, column: object = None) -> np.ndarray:
    """Column values as display text (object array; ``None`` where missing or empty).

    Examples
    --------
    >>> display_strings(pd.Series([1.25, float("nan")]), "distance_m").tolist()
    ['1.2', None]
    """
    series = pd.Series(values).reset_index(drop=True)
    out = np.empty(len(series), dtype=object)
    if pd.api.types.is_bool_dtype(series.dtype):
        out[:] = np.where(series.to_numpy(dtype=bool), "是", "否")
        return out
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(numbers)
        pattern = _number_pattern(numbers, column)
        out[finite] = [pattern.format(v) for v in numbers[finite]]
        return out
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        mask = series.notna().to_numpy()
        out[mask] = series[mask].astype(str).to_numpy()
        return out
    pattern = _FORMATS.get(str(column))
    if pattern is not None:  # a known number column read as text (CSV, mixed XLSX cells)
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        parsed = np.isfinite(numbers)
        if parsed.any():
            out = display_strings(series.mask(parsed), None)
            out[parsed] = [pattern.format(v) for v in numbers[parsed]]
            return out
    # str() of every value, missing and blank ones None. Not astype("string"): its Arrow
    # storage refuses text a decoder left lone surrogates in, and this is no slower.
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    out[:] = [None if gone or not (text := str(value)).strip() else text
              for value, gone in zip(values, missing, strict=True)]
    return out


def encode_column(
    values: np.ndarray, numbers: np.ndarray | None = None, decimals: int | None = None
) -> dict[str, Any]:
    """One column for the page, in the smallest of these forms (missing = ``None``):

    - ``{"d": uniques, "s": "ABA.C"}``: repeated values, one code character per row
      (``.`` = missing) when there are at most 64 distinct values;
    - ``{"d": uniques, "c": [0, 1, -1]}``: repeated values, integer codes;
    - ``{"n": [1.5, null], "p": 1}``: numbers, shown with ``p`` decimals;
    - ``{"v": ["text", null]}``: anything else.

    Examples
    --------
    >>> encode_column(np.array(["甲", "甲", None, "甲"], dtype=object))
    {'d': ['甲'], 's': 'AA.A'}
    >>> encode_column(np.array(["1.5", "2.0"], dtype=object), np.array([1.5, 2.0]), 1)
    {'n': [1.5, 2.0], 'p': 1}
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    if len(uniques) * 2 <= len(values):
        labels = [str(u) for u in uniques]
        if len(uniques) <= len(CODE_ALPHABET):
            table = np.array([*CODE_ALPHABET[: len(uniques)], _MISSING_CODE], dtype=object)
            return {"d": labels, "s": "".join(table[codes].tolist())}
        return {"d": labels, "c": codes.tolist()}
    if numbers is not None and decimals is not None:
        rounded = np.round(numbers, decimals)
        shown = [None if not math.isfinite(v) else v for v in rounded.tolist()]
        if decimals == 0:
            shown = [None if v is None else int(v) for v in shown]
        return {"n": shown, "p": decimals}
    return {"v": [None if v is None else str(v) for v in values]}


@dataclass
class PreparedColumn:
    """A column's label, display text and (for fixed-decimal numbers) values."""

    label: str
    text: np.ndarray
    numbers: np.ndarray | None = None
    decimals: int | None = None


def prepare_columns(frame: pd.DataFrame, columns: Sequence[int]) -> list[PreparedColumn]:
    """Display text of columns (by position), computed once for any subsets of rows.

    Labels are the Chinese names of geo_guard's own columns (:data:`COLUMN_LABELS`) and
    the input's own header otherwise.
    """
    out = []
    for position in columns:
        name = frame.columns[position]
        series = frame.iloc[:, position]
        numbers = decimals = None
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            numbers = series.to_numpy(dtype=float, na_value=np.nan)
            decimals = _FIXED.get(_number_pattern(numbers, name))
        label = COLUMN_LABELS.get(str(name), str(name))
        out.append(PreparedColumn(label, display_strings(series, name), numbers, decimals))
    return out


def encode_prepared(
    columns: Sequence[PreparedColumn], rows: np.ndarray | None = None
) -> dict[str, list[Any]]:
    """``{"labels": [...], "cols": [...]}`` of prepared columns, for ``rows`` or all."""
    cols = []
    for column in columns:
        text, numbers = column.text, column.numbers
        if rows is not None:
            text = text[rows]
            numbers = None if numbers is None else numbers[rows]
        cols.append(encode_column(text, numbers, column.decimals))
    return {"labels": [c.label for c in columns], "cols": cols}


def encode_table(frame: pd.DataFrame, columns: Sequence[int]) -> dict[str, list[Any]]:
    """Columns (by position) of a frame as ``{"labels": [...], "cols": [...]}``.

    Examples
    --------
    >>> table = encode_table(pd.DataFrame({"bank": ["左岸", "左岸"]}), [0])
    >>> table["labels"], table["cols"][0]["d"]
    (['岸别'], ['左岸'])
    """
    return encode_prepared(prepare_columns(frame, columns))


def integer_coords(values: np.ndarray, scale: float = 1e-6) -> tuple[float, list[int]]:
    """Coordinates as an origin and integer steps of ``scale`` degrees (0.11 m at 1e-6).

    Examples
    --------
    >>> integer_coords(np.array([112.5, 112.500001]))
    (112.5, [0, 1])
    """
    origin = float(np.floor(np.min(values) / scale) * scale) if len(values) else 0.0
    origin = round(origin, 6)
    steps = np.rint((values - origin) / scale).astype(np.int64)
    return origin, steps.tolist()


def geojson_geometries(geoms: Iterable[Any], decimals: int = 6) -> list[str]:
    """GeoJSON text of each geometry, coordinates rounded (1e-6 degrees is 0.11 m)."""
    array = np.asarray(list(geoms), dtype=object)
    rounded = shapely.transform(array, lambda xy: np.round(xy, decimals))
    return [str(text) for text in shapely.to_geojson(rounded)]


# --------------------------------------------------------------------------- state


@dataclass
class MapState:
    """What geo_guard added to one folium map: base-map datum, legend parts, extent.

    Attributes
    ----------
    offset : str or None
        ``"gcj02"`` when the base map is AMap: overlays are moved to GCJ-02 in the page.
    basemap : str or None
        Name of the base map added by geo_guard.
    legend : list of (str, list of dict)
        Legend sections: (heading, rows of :func:`legend_row`) in the order the layers
        were added.
    notes : list of str
        Plain-text notes shown under the legend (as text).
    bounds : list of float or None
        WGS84 ``[west, south, east, north]`` of everything added.
    layers : int
        Number of data layers added.
    """

    offset: str | None = None
    basemap: str | None = None
    legend: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bounds: list[float] | None = None
    layers: int = 0

    def extend(self, bounds: Sequence[float]) -> None:
        """Grow the extent by WGS84 ``(west, south, east, north)``; NaN is ignored."""
        if not all(np.isfinite(bounds)):
            return
        if self.bounds is None:
            self.bounds = [float(b) for b in bounds]
            return
        w, s, e, n = self.bounds
        self.bounds = [min(w, bounds[0]), min(s, bounds[1]), max(e, bounds[2]), max(n, bounds[3])]

    def note(self, text: str) -> None:
        """Add a note once."""
        if text not in self.notes:
            self.notes.append(text)


def map_state(m: folium.Map) -> MapState:
    """The :class:`MapState` of a map, created on first use.

    Examples
    --------
    >>> map_state(folium.Map(tiles=None)).offset is None
    True
    """
    state = getattr(m, "_geo_guard_state", None)
    if state is None:
        state = MapState()
        m._geo_guard_state = state
    return state


def shape_symbol(
    shape: str,
    fill: str = "#bdbdbd",
    *,
    size: int = 16,
    stroke: str = "#222",
    stroke_width: float = 0.14,
    scale: float = 1.0,
) -> dict[str, Any]:
    """A legend symbol: a marker shape of :data:`SHAPE_VERTICES`, drawn by the page as SVG.

    Parameters
    ----------
    shape : str
        ``"circle"``, ``"square"``, ``"star"`` ... (unknown names draw a circle).
    fill, stroke : str
        CSS colours (``"none"`` for an outline only).
    size : int
        Width and height in pixels.
    stroke_width, scale : float
        In units of the shape (its outline spans about -1.5 to 1.5).

    Examples
    --------
    >>> shape_symbol("circle", "none", stroke="#000", stroke_width=0.35, scale=1.2)["kind"]
    'shape'
    """
    return {"kind": "shape", "shape": str(shape), "fill": str(fill), "size": int(size),
            "stroke": str(stroke), "strokeWidth": float(stroke_width), "scale": float(scale)}


def legend_row(
    symbol: Mapping[str, Any] | None, label: str, count: int | None = None
) -> dict[str, Any]:
    """One legend row as data: a symbol, a label (shown as text) and a count.

    Parameters
    ----------
    symbol : mapping or None
        ``{"kind": "swatch", "fill", "opacity", "border"}``, a marker shape
        (:func:`shape_symbol`), ``{"kind": "line", "color"}``, ``{"kind": "tick"}`` or
        ``{"kind": "arrow"}``; drawn by the page (colours set as style properties or SVG
        attributes, never as markup).
    label : str
    count : int, optional

    Examples
    --------
    >>> legend_row(None, "<b>", 3)
    {'symbol': None, 'label': '<b>', 'count': 3}
    """
    return {
        "symbol": None if symbol is None else dict(symbol),
        "label": str(label),
        "count": None if count is None else int(count),
    }


def zone_label(level: int) -> str:
    """Chinese name of a zone level; unknown levels are shown as numbers."""
    return ZONE_NAMES.get(int(level), f"级别 {int(level)}")
