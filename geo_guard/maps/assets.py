"""JavaScript and CSS of the HTML maps, vendored so a map works offline from ``file://``.

folium links Leaflet and its plugins from CDNs. Inspectors in the field often have no
network, so :func:`inline_assets` replaces each known CDN link of a rendered page with the
file shipped in ``geo_guard/maps/static`` (images referenced by the CSS become ``data:`` URIs).
The files and their licences are listed in ``geo_guard/maps/static/README.md``; Leaflet is
BSD-2-Clause, the plugins are MIT or BSD-2-Clause.

Examples
--------
>>> html = '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"></script>'
>>> page, remote = inline_assets(html)
>>> page.startswith("<script>"), remote
(True, [])
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ASSETS",
    "CDN",
    "STATIC",
    "Asset",
    "inline_assets",
    "read_static",
    "script_safe",
]

#: Folder of the vendored files.
STATIC = Path(__file__).resolve().parent / "static"

_JSD = "https://cdn.jsdelivr.net/npm"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"

#: CDN addresses of the exact versions vendored; maps made by geo_guard link these, so the
#: online and offline pages run the same code.
CDN: dict[str, str] = {
    "leaflet_js": f"{_JSD}/leaflet@1.9.4/dist/leaflet.js",
    "leaflet_css": f"{_JSD}/leaflet@1.9.4/dist/leaflet.css",
    "jquery_js": "https://code.jquery.com/jquery-3.7.1.min.js",
    "measure_js": f"{_JSD}/leaflet-measure@2.1.7/dist/leaflet-measure.min.js",
    "measure_css": f"{_JSD}/leaflet-measure@2.1.7/dist/leaflet-measure.css",
    "minimap_js": f"{_CDNJS}/leaflet-minimap/3.6.1/Control.MiniMap.min.js",
    "minimap_css": f"{_CDNJS}/leaflet-minimap/3.6.1/Control.MiniMap.min.css",
    "fullscreen_js": f"{_JSD}/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",
    "fullscreen_css": f"{_JSD}/leaflet.fullscreen@3.0.0/Control.FullScreen.css",
    "locate_js": f"{_JSD}/leaflet.locatecontrol@0.90.1/dist/L.Control.Locate.min.js",
    "locate_css": f"{_JSD}/leaflet.locatecontrol@0.90.1/dist/L.Control.Locate.min.css",
}


@dataclass(frozen=True)
class Asset:
    """One vendored file and the CDN addresses it stands in for.

    Parameters
    ----------
    path : str
        File inside :data:`STATIC`.
    urls : tuple of str
        Addresses (folium's defaults and :data:`CDN`) this file replaces.
    after : str
        JavaScript run right after the file (e.g. Leaflet's icon paths).
    """

    path: str
    urls: tuple[str, ...]
    after: str = ""

    @property
    def kind(self) -> str:
        """``"js"`` or ``"css"``."""
        return "css" if self.path.endswith(".css") else "js"


# Leaflet finds its marker images through the CSS; inlined CSS has no folder to look in.
_LEAFLET_ICONS = (
    "L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({{iconUrl:'{icon}',"
    "iconRetinaUrl:'{icon2x}',shadowUrl:'{shadow}'}});"
)

ASSETS: tuple[Asset, ...] = (
    Asset(
        "leaflet/leaflet.js",
        (CDN["leaflet_js"], f"{_JSD}/leaflet@1.9.3/dist/leaflet.js"),
        after=_LEAFLET_ICONS,
    ),
    Asset("leaflet/leaflet.css", (CDN["leaflet_css"], f"{_JSD}/leaflet@1.9.3/dist/leaflet.css")),
    Asset("jquery/jquery.min.js", (CDN["jquery_js"], f"{_CDNJS}/jquery/3.7.1/jquery.min.js")),
    Asset(
        "leaflet-measure/leaflet-measure.min.js",
        (
            CDN["measure_js"],
            "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js",
        ),
    ),
    Asset(
        "leaflet-measure/leaflet-measure.css",
        (
            CDN["measure_css"],
            "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css",
        ),
    ),
    Asset("leaflet-minimap/Control.MiniMap.min.js", (CDN["minimap_js"],)),
    Asset("leaflet-minimap/Control.MiniMap.min.css", (CDN["minimap_css"],)),
    Asset("leaflet.fullscreen/Control.FullScreen.js", (CDN["fullscreen_js"],)),
    Asset("leaflet.fullscreen/Control.FullScreen.css", (CDN["fullscreen_css"],)),
    Asset("leaflet.locatecontrol/L.Control.Locate.min.js", (CDN["locate_js"],)),
    Asset("leaflet.locatecontrol/L.Control.Locate.min.css", (CDN["locate_css"],)),
)

_BY_URL: dict[str, Asset] = {url: asset for asset in ASSETS for url in asset.urls}

_SCRIPT_LINK = re.compile(r'<script src="(https?://[^"<>]+)"></script>')
_CSS_LINK = re.compile(r'<link rel="stylesheet" href="(https?://[^"<>]+)"\s*/?>')
_CSS_URL = re.compile(r"""url\((['"]?)([^'")]+)\1\)""")


def script_safe(code: str, what: str = "script") -> str:
    """Code that can sit inside ``<script>``/``<style>`` without ending it early.

    Raises
    ------
    ValueError
        The code holds ``</script`` or ``</style`` (a vendored file that changed).

    Examples
    --------
    >>> script_safe("var a = 1;")
    'var a = 1;'
    """
    lowered = code.lower()
    if "</script" in lowered or "</style" in lowered or "<!--" in lowered:
        raise ValueError(f"{what} cannot be inlined: it contains </script, </style or <!--")
    return code


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css_urls(css: str, folder: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        file = (folder / target).resolve()
        if STATIC not in file.parents or not file.is_file():
            return match.group(0)
        return f'url("{_data_uri(file)}")'

    return _CSS_URL.sub(replace, css)


@functools.cache
def read_static(path: str) -> str:
    """Text of a vendored file, ready to inline (CSS images as ``data:`` URIs).

    Examples
    --------
    >>> "L.Control.MiniMap" in read_static("leaflet-minimap/Control.MiniMap.min.js")
    True
    """
    file = STATIC / path
    text = file.read_text(encoding="utf-8")
    if file.suffix == ".css":
        text = _inline_css_urls(text, file.parent)
    return script_safe(text, path)


@functools.cache
def _inline(asset: Asset) -> str:
    code = read_static(asset.path)
    if asset.kind == "css":
        return f"<style>/* {asset.path} */\n{code}\n</style>"
    after = ""
    if asset.after:
        images = STATIC / "leaflet" / "images"
        after = asset.after.format(
            icon=_data_uri(images / "marker-icon.png"),
            icon2x=_data_uri(images / "marker-icon-2x.png"),
            shadow=_data_uri(images / "marker-shadow.png"),
        )
    return f"<script>/* {asset.path} */\n{code}\n{after}</script>"


def inline_assets(html: str) -> tuple[str, list[str]]:
    """Replace the CDN links of a page by the vendored files.

    Parameters
    ----------
    html : str
        A rendered page (``folium.Map.get_root().render()``).

    Returns
    -------
    tuple of (str, list of str)
        The page, and the scripts/stylesheets still loaded from the network because no
        vendored file stands in for them (e.g. folium plugins geo_guard does not use).

    Examples
    --------
    >>> inline_assets('<link rel="stylesheet" href="https://example.org/x.css"/>')[1]
    ['https://example.org/x.css']
    """
    remote: list[str] = []

    def replace(match: re.Match[str]) -> str:
        asset = _BY_URL.get(match.group(1))
        if asset is None:
            remote.append(match.group(1))
            return match.group(0)
        return _inline(asset)

    html = _SCRIPT_LINK.sub(replace, html)
    html = _CSS_LINK.sub(replace, html)
    return html, remote
