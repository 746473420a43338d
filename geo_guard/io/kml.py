"""KML and KMZ for inspectors' phone apps (奥维互动地图 Ovital, Google Earth, 两步路):
classified risk sources, zones, any layer, with styles by zone level and Chinese names.

Each layer is a folder; each feature a placemark named after its 名称/name column (else
its stake or zone) with every attribute in ``ExtendedData`` under its Chinese header.
Coordinates are WGS84 lon/lat, as KML requires. Attribute values are escaped twice so
that an app which renders them as HTML still shows the text users typed, never markup;
there is no free ``<description>``. Features without a geometry (rows that could not be
placed) are left out, and counted.

Examples
--------
>>> path, counts = write_kml({"风险源": sources}, tmp / "sources.kmz")
>>> path.name, counts["风险源"] == int(sources.geometry.notna().sum())
('sources.kmz', True)
"""

from __future__ import annotations

import html
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_guard._errors import CRSMissingError, OptionError
from geo_guard.io.files import atomic_path
from geo_guard.settings import OUTSIDE_LEVEL, ZONE_COLOURS, ZONE_NAMES
from geo_guard.vocabulary.columns import NAME_COLUMNS, find_column
from geo_guard.vocabulary.headers import HEADERS

__all__ = ["KML_SUFFIXES", "kml_document", "write_kml"]

KML_SUFFIXES: tuple[str, ...] = (".kml", ".kmz")
_NS = "http://www.opengis.net/kml/2.2"
_DIGITS = 7  # 1e-7 degree ≈ 1 cm
_POLY_ALPHA = "66"  # zones 40 % opaque: the imagery under them stays readable
#: The point symbol every KML viewer knows; apps that cannot fetch it draw their default.
_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"


def _kml_colour(hex_rgb: str, alpha: str = "ff") -> str:
    """``#rrggbb`` -> KML's ``aabbggrr``."""
    rgb = hex_rgb.lstrip("#")
    return f"{alpha}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".lower()


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float | np.floating):
        return f"{float(value):.6f}".rstrip("0").rstrip(".")
    return str(value)


def _coords(geom: Any) -> str:
    array = np.round(shapely.get_coordinates(geom), _DIGITS)
    return " ".join(f"{x:.{_DIGITS}f},{y:.{_DIGITS}f}" for x, y in array)


def _geometry(parent: ET.Element, geom: Any) -> None:
    kind = geom.geom_type
    if kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _coords(geom)
    elif kind in ("LineString", "LinearRing"):
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _coords(geom)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        ET.SubElement(poly, "tessellate").text = "1"
        rings = [("outerBoundaryIs", geom.exterior)]
        rings += [("innerBoundaryIs", ring) for ring in geom.interiors]
        for tag, ring in rings:
            linear = ET.SubElement(ET.SubElement(poly, tag), "LinearRing")
            ET.SubElement(linear, "coordinates").text = _coords(ring)
    else:  # Multi* and collections
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geom):
            _geometry(multi, part)


def _styles(document: ET.Element) -> None:
    """One style per zone level (colour = the map's legend colour) and a default."""
    for level, colour in {**ZONE_COLOURS, None: "#3366cc"}.items():
        style = ET.SubElement(document, "Style", id=f"level-{level}" if level is not None
                              else "default")
        icon = ET.SubElement(style, "IconStyle")
        ET.SubElement(icon, "color").text = _kml_colour(colour)
        ET.SubElement(icon, "scale").text = "1.0"
        ET.SubElement(ET.SubElement(icon, "Icon"), "href").text = _ICON
        line = ET.SubElement(style, "LineStyle")
        ET.SubElement(line, "color").text = _kml_colour(colour)
        ET.SubElement(line, "width").text = "2"
        poly = ET.SubElement(style, "PolyStyle")
        ET.SubElement(poly, "color").text = _kml_colour(colour, _POLY_ALPHA)


def _placemark_name(row: pd.Series, name_column: Any) -> str:
    for column in (name_column, "stake", "zone"):
        if column is not None and column in row.index and _text(row[column]):
            return _text(row[column])
    return ""


def _folder(document: ET.Element, name: str, frame: gpd.GeoDataFrame) -> int:
    folder = ET.SubElement(document, "Folder")
    ET.SubElement(folder, "name").text = name
    if frame.crs is None:
        raise CRSMissingError(f"layer {name} has no CRS; set it (GeoDataFrame.set_crs)")
    geoms = frame.geometry.to_crs(4326).to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    name_column = find_column(table.columns, NAME_COLUMNS)
    levels = (pd.to_numeric(table["zone_level"], errors="coerce") if "zone_level" in table
              else pd.Series(np.nan, index=table.index))
    for i in np.flatnonzero(present):
        row = table.iloc[i]
        placemark = ET.SubElement(folder, "Placemark")
        ET.SubElement(placemark, "name").text = _placemark_name(row, name_column)
        level = levels.iloc[i]
        known = not pd.isna(level) and int(level) in ZONE_COLOURS
        style = f"#level-{int(level)}" if known else "#default"
        ET.SubElement(placemark, "styleUrl").text = style
        data = ET.SubElement(placemark, "ExtendedData")
        for column, value in row.items():
            item = ET.SubElement(data, "Data", name=str(column))
            ET.SubElement(item, "displayName").text = HEADERS.get(str(column), str(column))
            # Escaped here and again by the XML writer: a viewer that renders values as
            # HTML shows the typed text, `<script>` included, as text.
            ET.SubElement(item, "value").text = html.escape(_text(value), quote=False)
        _geometry(placemark, geoms[i])
    return int(present.sum())


def kml_document(layers: Mapping[str, gpd.GeoDataFrame], *, title: str = "geo_guard"
                 ) -> tuple[bytes, dict[str, int]]:
    """The KML text (UTF-8) of the layers, and the number of placemarks in each.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Folder name (shown in the app, Chinese welcome) -> features in any CRS.
    title : str
        The document's name.
    """
    root = ET.Element("kml", xmlns=_NS)
    document = ET.SubElement(root, "Document")
    ET.SubElement(document, "name").text = title
    _styles(document)
    counts = {name: _folder(document, name, frame) for name, frame in layers.items()}
    legend = ", ".join(f"{ZONE_NAMES[level]}" for level in ZONE_COLOURS if level != OUTSIDE_LEVEL)
    ET.SubElement(document, "Snippet").text = f"颜色按保护区级别：{legend}"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), counts


def write_kml(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
              title: str = "geo_guard") -> tuple[Path, dict[str, int]]:
    """Write the layers to ``.kml`` or ``.kmz`` (zipped ``doc.kml``), atomically.

    Returns
    -------
    (Path, dict)
        The file and the number of placemarks per layer (features without a geometry are
        not written).
    """
    target = Path(path)
    if target.suffix.lower() not in KML_SUFFIXES:
        raise OptionError(f"{target.name}: KML output needs .kml or .kmz")
    text, counts = kml_document(layers, title=title)
    with atomic_path(target) as part:
        if target.suffix.lower() == ".kmz":
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("doc.kml", text)
        else:
            part.write_bytes(text)
    return target, counts
