"""Folium elements that put geo_guard's data into a map page, never through a template.

branca renders the output of an element's macros a second time as a Jinja2 template
(``Element(macro_output)``), so user text inside a macro's output is evaluated: a name
holding ``{{7*7}}`` showed as ``49``, ``{{ cycler.__init__.__globals__.os.popen(...) }}``
ran a command when the map was made, and ``{#`` or ``{% raw %}`` crashed the render.
geo_guard's elements therefore use no macros: they hand branca :class:`Verbatim` text,
put in the page as it is. User data travels only in JSON data blocks
(:func:`data_block`, read by ``GeoGuard.data`` with ``JSON.parse`` and shown with
``textContent``); code is made by geo_guard from constants and element names. The one
folium element that writes our text through a template, the layer control, gets names
from :func:`html_text` (braces as character references).

Examples
--------
>>> m = folium.Map(tiles=None)
>>> _ = DataCall(m.get_name(), "title", "{{7*7}} {% raw %} {#").add_to(m)
>>> '"{{7*7}} {% raw %} {#"' in m.get_root().render()
True
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import numpy as np
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.map import Layer
from folium.template import Template

from geo_guard.maps.assets import CDN, read_static, script_safe
from geo_guard.maps.elements import LONE_SURROGATE, SHAPE_VERTICES, json_for_script, map_state

__all__ = [
    "DataCall",
    "DataLayer",
    "LegendElement",
    "Script",
    "Verbatim",
    "data_block",
    "html_text",
    "minimap_links",
]


def data_block(element_id: str, obj: Any) -> str:
    """A ``<script type="application/json">`` element holding ``obj``.

    The page reads it with ``GeoGuard.data(id)`` (``JSON.parse``): browsers parse JSON far
    faster than the same data written as a JavaScript literal, and data is never code.

    Examples
    --------
    >>> data_block("t", {"名称": "{{7*7}}"})
    '<script type="application/json" id="t">{"名称":"{{7*7}}"}</script>'
    """
    if not re.fullmatch(r"[A-Za-z][\w-]*", element_id):
        raise ValueError(f"not an element id made by geo_guard: {element_id!r}")
    return f'<script type="application/json" id="{element_id}">{json_for_script(obj)}</script>'


def html_text(value: object) -> str:
    """Text escaped for HTML, with ``{`` and ``}`` as character references.

    For the few places where folium writes our text through a Jinja2 template (layer
    control names) or as HTML (the page title): the browser shows the same text, and
    the template sees no ``{{``, ``{%`` or ``{#``. A lone surrogate (which UTF-8 cannot
    hold) becomes U+FFFD.

    Examples
    --------
    >>> html_text("<b>{{7*7}}</b>")
    '&lt;b&gt;&#123;&#123;7*7&#125;&#125;&lt;/b&gt;'
    """
    text = LONE_SURROGATE.sub("\ufffd", str(value))
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")



class Verbatim(Element):
    """Text put into the page exactly as given: never read as a Jinja2 template.

    branca's own elements wrap text in ``Element(text)``, which compiles the text as a
    template; this one returns it unchanged.

    Examples
    --------
    >>> Verbatim("{{7*7}} {% raw %} {#").render()
    '{{7*7}} {% raw %} {#'
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text, unchanged."""
        return self.text


def _figure(element: Element) -> Figure:
    figure = element.get_root()
    if not isinstance(figure, Figure):
        raise TypeError(f"{type(element).__name__} can only be rendered inside a folium map")
    return figure


def _emit(element: Element, *, html: str = "", script: str = "") -> None:
    """Put an element's HTML (body, after the map) and script into its page, verbatim."""
    figure = _figure(element)
    if html:
        figure.html.add_child(Verbatim(html), name=element.get_name())
    if script:
        figure.script.add_child(Verbatim(script), name=element.get_name())


def _runtime_html() -> str:
    shapes = json_for_script(SHAPE_VERTICES)
    return (
        f"<style>/* geo_guard */\n{read_static('geo_guard/geo_guard_map.css')}\n</style>\n"
        f"<script>/* geo_guard */\n{read_static('geo_guard/geo_guard_map.js')}\n"
        f"GeoGuard.setShapes({shapes});\n</script>"
    )


def _ensure_runtime(element: Element) -> None:
    figure = _figure(element)
    figure.header.add_child(Verbatim(_runtime_html()), name="geo_guard_runtime")


class DataLayer(Layer):
    """A layer built in the browser by ``GeoGuard.<function>(map, spec)``.

    Parameters
    ----------
    map_name : str
        JavaScript name of the folium map (``m.get_name()``).
    function : {"points", "shapes", "canal"}
        Builder in ``geo_guard_map.js``.
    spec : dict
        Data and style; ``spec["name"]`` is the layer's name shown on the page.
    raw : dict of str to str, optional
        JSON text put in place of ``"@key@"`` values of ``spec`` (pre-made GeoJSON).
    show : bool
        Visible when the page opens.
    """

    # No macros: the data goes into the page verbatim (see the module docstring).
    _template = Template("")

    def __init__(
        self,
        map_name: str,
        function: str,
        spec: Mapping[str, Any],
        *,
        raw: Mapping[str, str] | None = None,
        show: bool = True,
    ) -> None:
        # The layer control writes names as HTML through a template: html_text there;
        # the page's own code shows spec["name"] as text.
        super().__init__(name=html_text(spec["name"]), overlay=True, show=show)
        self._name = "GeoGuardLayer"
        self.display_name = str(spec["name"])
        self.feature_count = int(spec.get("count", 0))
        #: Positions in the input of the features (risk sources: tables link to them).
        self.source_rows: np.ndarray | None = None
        self.map_name = map_name
        self.function = function
        text = json_for_script(dict(spec))
        for key, value in (raw or {}).items():
            text = text.replace(f'"@{key}@"', script_safe(value, key), 1)
        self.spec_json = text

    def render(self, **kwargs: Any) -> None:
        """Put the data block and the builder call in the page (then folium's ``addTo``)."""
        _ensure_runtime(self)
        name = self.get_name()
        block = f"{name}_data"
        _emit(
            self,
            html=f'<script type="application/json" id="{block}">{self.spec_json}</script>',
            script=f"var {name} = GeoGuard.{self.function}({self.map_name}, "
            f"GeoGuard.data({json_for_script(block)}));",
        )
        super().render(**kwargs)


class Script(MacroElement):
    """A line of JavaScript run in order with the map's other elements.

    Parameters
    ----------
    code : str
        JavaScript made by geo_guard from constants; user data goes in a
        :class:`DataCall` instead.
    js : list of (str, str), optional
        Extra script links (name, CDN URL) the code needs.
    css : list of (str, str), optional
        Extra stylesheet links.
    """

    _template = Template("")

    def __init__(
        self,
        code: str,
        *,
        js: Sequence[tuple[str, str]] = (),
        css: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__()
        self._name = "GeoGuardScript"
        self.code = script_safe(code)
        self.js_links = list(js)
        self.css_links = list(css)

    def render(self, **kwargs: Any) -> None:
        """Render, adding the runtime and the links this code needs to the header."""
        _ensure_runtime(self)
        figure = _figure(self)
        for name, url in self.js_links:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.css_links:
            figure.header.add_child(CssLink(url), name=name)
        _emit(self, script=self.code)
        super().render(**kwargs)


class DataCall(Script):
    """``GeoGuard.<function>(map, data)``, the data read from a JSON block of the page.

    Parameters
    ----------
    map_name : str
        JavaScript name of the folium map (``m.get_name()``).
    function : str
        Function of ``geo_guard_map.js`` (``"title"``, ``"legend"``, ``"sourcesTable"`` ...).
    data : object
        Anything JSON can hold; user text in it stays data (shown with ``textContent``).
    js, css : list of (str, str), optional
        Extra links, as :class:`Script`.

    Examples
    --------
    >>> call = DataCall("map_1", "title", "卧龙区")
    >>> call.function, call.payload()
    ('title', '卧龙区')
    """

    def __init__(
        self,
        map_name: str,
        function: str,
        data: Any = None,
        *,
        js: Sequence[tuple[str, str]] = (),
        css: Sequence[tuple[str, str]] = (),
    ) -> None:
        if not re.fullmatch(r"[A-Za-z_]\w*", function) or not re.fullmatch(r"\w+", map_name):
            raise ValueError(f"not a geo_guard call: {map_name!r}, {function!r}")
        super().__init__("", js=js, css=css)
        self._name = "GeoGuardCall"
        self.map_name = map_name
        self.function = function
        self.data = data

    def payload(self) -> Any:
        """The data written into the page (subclasses compute it when rendered)."""
        return self.data

    def render(self, **kwargs: Any) -> None:
        """Put the data block and the call in the page."""
        block = f"{self.get_name()}_data"
        _ensure_runtime(self)
        _emit(self, html=data_block(block, self.payload()))
        self.code = (
            f"GeoGuard.{self.function}({self.map_name}, GeoGuard.data({json_for_script(block)}));"
        )
        super().render(**kwargs)


class LegendElement(DataCall):
    """The legend control; its content is taken from the map's state when rendered."""

    def __init__(self, m: folium.Map, title: str = "图例") -> None:
        super().__init__(m.get_name(), "legend")
        self._name = "GeoGuardLegend"
        self.state = map_state(m)
        self.title = title

    def payload(self) -> dict[str, Any]:
        """Title, sections of rows (symbol, label, count) and notes, as data."""
        return {
            "title": self.title,
            "sections": [{"heading": h, "rows": list(rows)} for h, rows in self.state.legend],
            "notes": list(self.state.notes),
        }


def minimap_links() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Script and stylesheet links of the mini-map plugin."""
    js = [("Control_MiniMap_js", CDN["minimap_js"])]
    return js, [("Control_MiniMap_css", CDN["minimap_css"])]
