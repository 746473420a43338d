"""Hostile text in maps: template syntax, markup and odd characters stay text (issue 8).

branca renders the output of an element's macros a second time as a Jinja2 template, so
user text that reached a macro was evaluated: ``{{7*7}}`` showed as ``49``, a payload
reaching ``os.popen`` ran a command, ``{#`` crashed the render. These tests put such text
in every field a user controls (names, descriptions, villages, types, species, admin
names, rules notes, layer names, ``--title``, split-area names) and check, on the saved
page, that nothing ran and that the JSON data blocks the page reads hold exactly the
input; in Chromium, that the page shows exactly the input. Expected values come from the
inputs, decoded by an independent reading of the column encoding (:func:`column_values`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import html.parser
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

import geo_guard.maps.split as split_module
from geo_guard.canal.model import Canal
from geo_guard.cli import main
from geo_guard.maps.compose import add_controls, add_layer, make_map, map_html, risk_map, save_map
from geo_guard.maps.layers import add_sources
from geo_guard.maps.split import split_maps

from .conftest import METRIC, SAMPLE, X0, Y0, uniform_rules
from .test_maps import call_data, classified, data_blocks
from .test_maps_browser import (
    POPUP_TEXT,
    launch_chromium,
    map_var,
    open_map,
    open_map_index,
    screenshot,
)

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def popen_payload(marker: Path) -> str:
    """Jinja2 template injection reaching ``os.popen`` (it ran before the fix)."""
    return "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}"


def self_payload(marker: Path) -> str:
    """The variant of the issue: through ``self`` (the template reference)."""
    return "{{ self.__init__.__globals__['os'].popen('touch " + str(marker) + "').read() }}"


#: Template syntax that crashed (TemplateSyntaxError) or was evaluated before the fix.
TEMPLATE_TEXT = (
    "x{{7*7}}y",
    "{% raw %}",
    "{% endraw %}",
    "{#",
    "{%",
    "{{",
    "}} {{ config }} {{ lipsum }}",
    "{% for i in range(3) %}{{i}}{% endfor %}",
    "{{ '<script>window.__pwned=1</script>' }}",
)
#: Other hostile text: markup, script ends, formula prefixes, JavaScript template syntax.
OTHER_TEXT = (
    "<img src=x onerror=\"window.__pwned=1\">",
    "</script><script>window.__pwned=1</script>",
    "<!-- <script>",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "${7*7} `${alert(1)}`",
    "\"quoted\" 'single' &amp; &lt;",
    "[] {} () 【】 <> \\ /",
    "tab\there\nnew line\r\n",
    "\x00\x01\x07\x1b\x7f\u200b\u2028\u2029\ufeff",
)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A file an injected shell command would create."""
    return tmp_path / f"pwned_{uuid.uuid4().hex}"


# --------------------------------------------------------------------------- helpers


def column_values(col: dict[str, Any], n: int) -> list[str | None]:
    """Every row of an encoded column (independent reading of the four forms)."""
    if "v" in col:
        return list(col["v"])
    if "s" in col:
        return [None if ch == "." else col["d"][ALPHABET.index(ch)] for ch in col["s"]]
    if "c" in col:
        return [None if c < 0 else col["d"][c] for c in col["c"]]
    return [None if v is None else f"{v:.{col['p']}f}" for v in col["n"]][:n]


def layer_specs(page: str) -> dict[str, dict[str, Any]]:
    """The data of every geo_guard layer of a saved page, by layer name."""
    out = {}
    for key, spec in data_blocks(page).items():
        if key.startswith("geo_guard_layer_"):
            assert isinstance(spec, dict)
            out[spec["name"]] = spec
    return out


def table_column(spec: dict[str, Any], label: str) -> list[str | None]:
    k = spec["table"]["labels"].index(label)
    return column_values(spec["table"]["cols"][k], spec["count"])


def strings_in(obj: Any) -> list[str]:
    """Every string anywhere in a JSON value."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings_in(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings_in(v)]
    return []


def char_refs(text: str) -> str:
    """HTML-escaped text with braces as character references (what a browser reads back)."""
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def shown(text: str) -> str | None:
    """How a cell shows: text that is only white space is an empty cell."""
    return None if text.strip() == "" else text


def hostile_sources(texts: list[str]) -> pd.DataFrame:
    """Classified sources on the straight canal; text k is in name, description, type."""
    rows = [(f"名{k}·{t}", "其他", 100.0 + 2800.0 * k / max(len(texts), 1), 10.0 + k)
            for k, t in enumerate(texts)]
    frame = classified(rows)
    frame["描述"] = list(texts)
    frame["类型"] = list(texts)
    frame["source_type"] = [f"类{k}·{t}" for k, t in enumerate(texts)]
    frame["village"] = [f"村{k}·{t}" for k, t in enumerate(texts)]
    return frame


def hostile_map(canal: Canal, texts: list[str], title: str) -> folium.Map:
    """The full map with ``texts`` in every field a user controls, one feature each.

    Sources are named ``名k·text`` (description and raw type ``text``, type ``类k·text``,
    village ``村k·text``); forest species, admin villages, weak-stand notes and the names
    of extra layers are ``text``; the rules note and the title are ``title``.
    """
    n = len(texts)
    boxes = [box(X0 + 3000 * k / n, Y0 + 25, X0 + 3000 * (k + 1) / n, Y0 + 120)
             for k in range(n)]
    forest = gpd.GeoDataFrame({"forest_id": [f"F{k}" for k in range(n)], "树种": texts},
                              geometry=boxes, crs=METRIC)
    weak = gpd.GeoDataFrame({"forest_id": [f"W{k}" for k in range(n)], "保存率": [0.5] * n,
                             "note": texts}, geometry=boxes, crs=METRIC)
    admin = gpd.GeoDataFrame({"township": ["甲镇"] * n, "village": texts},
                             geometry=boxes, crs=METRIC)
    rules = dataclasses.replace(uniform_rules(), note=title)
    m = risk_map(canal, rules=rules, sources=hostile_sources(texts), forest=forest,
                 weak_stands=weak, admin=admin, title=title, basemap="none", controls=False)
    for k, text in enumerate(texts):
        frame = gpd.GeoDataFrame({"说明": [text]}, geometry=[boxes[k]], crs=METRIC)
        add_layer(m, frame, name=text, style={"color": "#333"}, title=["说明"],
                  tooltip=["说明"], search=["说明"], legend=text)
    return add_controls(m)


# --------------------------------------------------------------------------- the map


HOSTILE = [*TEMPLATE_TEXT, *OTHER_TEXT]


def test_hostile_text_is_data_in_every_part_of_the_map(straight_canal: Canal) -> None:
    title = " | ".join(HOSTILE)
    m = hostile_map(straight_canal, HOSTILE, title)
    page = map_html(m, offline=False)
    assert "x49y" not in page  # x{{7*7}}y was not evaluated anywhere
    specs = layer_specs(page)
    points: dict[str | None, list[str | None]] = {}
    for name, spec in specs.items():
        if name.startswith("风险源"):
            for row in zip(*(table_column(spec, c) for c in ("名称", "描述", "类型", "行政村")),
                           strict=True):
                points[row[0]] = list(row[1:])
    assert points == {f"名{k}·{t}": [shown(t), shown(t), f"村{k}·{t}"]
                      for k, t in enumerate(HOSTILE)}
    expected = [shown(t) for t in HOSTILE]
    assert table_column(specs["生态廊道林地"], "树种") == expected
    assert table_column(specs["林分质量差地块"], "备注") == expected
    assert table_column(specs["行政区划"], "行政村") == expected
    for text in HOSTILE:
        assert specs[text]["name"] == text and table_column(specs[text], "说明") == [shown(text)]
    # the title, on the map and as the page title (escaped, braces as references)
    assert call_data(page, "title") == [title]
    assert f"<title>{char_refs(title)}<" in page
    # the legend: types, the layers given by name, the rules note
    [legend] = call_data(page, "legend")
    labels = [row["label"] for section in legend["sections"] for row in section["rows"]]
    headings = [section["heading"] for section in legend["sections"]]
    for k, text in enumerate(HOSTILE):
        assert f"类{k}·{text}" in labels and text in labels and text in headings
    assert title in legend["notes"]
    # the layer control (a folium template): braces as character references
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    assert char_refs("x{{7*7}}y") in control.overlays and "x{{7*7}}y" not in control.overlays


def test_template_injection_runs_nothing(straight_canal: Canal, marker: Path) -> None:
    payloads = [popen_payload(marker), self_payload(marker)]
    m = hostile_map(straight_canal, payloads, title=payloads[0])
    page = map_html(m, offline=False)
    assert not marker.exists(), "a template in user text ran a command"
    assert call_data(page, "title") == [payloads[0]]
    assert set(payloads) <= set(strings_in(data_blocks(page)))


def test_layer_control_names_hold_no_template_syntax() -> None:
    # folium writes layer names through a template: braces go as character references
    m = make_map(basemap="none")
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[box(112, 33, 112.1, 33.1)], crs=4326)
    for text in ("x{{7*7}}y", "{% raw %}", "{#", "<b>"):
        add_layer(m, frame, name=text, style={})
    add_controls(m)
    page = map_html(m, offline=False)
    assert "x49y" not in page
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    assert set(control.overlays) == {"x&#123;&#123;7*7&#125;&#125;y", "&#123;% raw %&#125;",
                                     "&#123;#", "&lt;b&gt;"}


def test_lone_surrogates_and_huge_fields_do_not_crash(tmp_path: Path,
                                                       straight_canal: Canal) -> None:
    huge = "{{7*7}}" + "长" * 200_000 + "<script>"
    odd = "bad \udcff byte"  # as text decoded with errors="surrogateescape" gives
    sources = hostile_sources(["a", "b"])
    for column in ("名称", "描述"):  # pandas' Arrow strings refuse surrogates: object
        sources[column] = pd.Series([huge, odd], dtype=object)
    m = risk_map(straight_canal, rules=uniform_rules(), sources=sources, title=odd,
                 basemap="none")
    page = save_map(m, tmp_path / "m.html").read_text(encoding="utf-8")
    values = strings_in(data_blocks(page))
    assert huge in values and odd in values  # JSON carries the surrogate as \udcff


def test_cli_title_and_area_names_with_template_syntax(tmp_path: Path, marker: Path) -> None:
    table = pd.read_csv(SAMPLE / "risk_sources.csv", encoding="utf-8-sig")
    column = next(c for c in table.columns if c in ("名称", "name"))
    table.loc[0, column] = popen_payload(marker)
    table.loc[1, column] = "x{{7*7}}y"
    table["乡镇"] = ["{% raw %}", "{#"] * (len(table) // 2) + ["x{{7*7}}y"] * (len(table) % 2)
    source = tmp_path / "sources.csv"
    table.to_csv(source, index=False, encoding="utf-8-sig")
    base = ["map", "--canal", str(SAMPLE / "canal.geojson"),
            "--rules", str(SAMPLE / "zone_rules.example.toml"), "--sources", str(source),
            "--basemap", "none", "--cdn", "--title", "{{7*7}} {% raw %} {#"]
    result = CliRunner().invoke(main, [*base, "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert call_data(page, "title") == ["{{7*7}} {% raw %} {#"]
    assert "x{{7*7}}y" in strings_in(data_blocks(page)) and "x49y" not in page
    result = CliRunner().invoke(main, [*base, "--split-by", "township",
                                       "-o", str(tmp_path / "maps")])
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    index = (tmp_path / "maps" / "index.html").read_text(encoding="utf-8")
    assert IndexLinks.of(index).keys() >= {"{% raw %}", "{#"}


# --------------------------------------------------------------------------- split maps


class IndexLinks(html.parser.HTMLParser):
    """Link text -> href of an index page, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: dict[str, str] = {}
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links["".join(self._text)] = self._href
            self._href = None

    @classmethod
    def of(cls, page: str) -> dict[str, str]:
        parser = cls()
        parser.feed(page)
        return parser.links


def test_split_area_names_with_template_syntax_are_text(
    tmp_path: Path, straight_canal: Canal, marker: Path
) -> None:
    towns = ["x{{7*7}}y", "{% raw %}", "{#", popen_payload(marker), "<b>镇</b>"]
    sources = hostile_sources(towns)
    sources["township"] = towns
    paths = split_maps(sources, tmp_path, by="township", canal=straight_canal,
                       rules=uniform_rules(), basemap="none", title="{{7*7}}", offline=False)
    assert not marker.exists()
    assert len(paths) == len(towns) + 1
    links = IndexLinks.of(paths[-1].read_text(encoding="utf-8"))
    assert set(links) == set(towns)
    for town in towns:
        page = (tmp_path / urllib.parse.unquote(links[town])).read_text(encoding="utf-8")
        assert call_data(page, "title") == [f"{{{{7*7}}}} — {town}"]
        [table] = call_data(page, "sourcesTable")
        assert table["heading"].startswith(f"{town} ")
        k = towns.index(town)
        assert table["rows"][0]["cells"][0] == f"名{k}·{town}"
        assert "x49y" not in page


def test_over_long_area_names_get_short_unique_file_names(
    tmp_path: Path, straight_canal: Canal
) -> None:
    long_cjk = "南水北调中线工程渠首" * 12          # 120 characters, 360 bytes
    towns = [long_cjk + "甲", long_cjk + "乙", "𠀀" * 90, "𠀀" * 91, "短"]  # 𠀀: 4 bytes
    sources = hostile_sources(towns)
    sources["township"] = towns
    paths = split_maps(sources, tmp_path, by="township", basemap="none", offline=False)
    names = [p.name for p in paths]
    assert len(set(names)) == len(towns) + 1 and names[-1] == "index.html"
    assert all(len(n.encode()) <= 255 for n in names)
    assert "短.html" in names
    links = IndexLinks.of(paths[-1].read_text(encoding="utf-8"))
    assert set(links) == set(towns)  # the index shows the whole names ...
    for town, href in links.items():  # ... and links the right page
        [table] = call_data((tmp_path / urllib.parse.unquote(href)).read_text("utf-8"),
                            "sourcesTable")
        assert table["heading"].startswith(town)
    # a shortened name keeps the start of the area name and ends with a hash
    long_names = [n for n in names if n.startswith("南水北调")]
    assert all(re.search(r"_[0-9a-f]{8}(-\d+)?\.html$", n) for n in long_names)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry of a folder (hidden ones too) and a digest of each file."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        out[key] = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return out


class Boom(RuntimeError):
    pass


def fail_on_call(monkeypatch: pytest.MonkeyPatch, function: str, call: int,
                 error: type[BaseException] = Boom) -> None:
    """Make ``split.<function>`` raise on its ``call``-th call."""
    original = getattr(split_module, function)
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == call:
            raise error("stopped midway")
        return original(*args, **kwargs)

    monkeypatch.setattr(split_module, function, failing)


@pytest.mark.parametrize(
    ("function", "call", "error"),
    [("add_sources", 2, Boom), ("map_html", 3, Boom), ("map_html", 2, KeyboardInterrupt),
     ("_index_page", 1, Boom)],
)
def test_a_split_run_that_fails_midway_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, function: str, call: int,
    error: type[BaseException],
) -> None:
    sources = hostile_sources(["a", "b", "c", "d"])
    sources["township"] = ["甲镇", "乙镇", "丙镇", "丁镇"]
    out = tmp_path / "maps"
    first = split_maps(sources.iloc[:2], out, by="township", basemap="none", offline=False)
    (out / "notes.txt").write_text("the user's own file", encoding="utf-8")
    before = snapshot(out)
    assert {p.name for p in first} == {"甲镇.html", "乙镇.html", "index.html"}
    fail_on_call(monkeypatch, function, call, error)
    with pytest.raises(error):
        split_maps(sources, out, by="township", basemap="none", offline=False)
    assert snapshot(out) == before  # old pages and index untouched, no new page, no temp
    # a first run into a new folder that fails leaves no folder behind
    fresh = tmp_path / "new" / "maps"
    fail_on_call(monkeypatch, function, call, error)
    with pytest.raises(error):
        split_maps(sources, fresh, by="township", basemap="none", offline=False)
    assert not fresh.exists()


def test_a_split_run_that_succeeds_replaces_pages_and_keeps_other_files(
    tmp_path: Path,
) -> None:
    sources = hostile_sources(["a", "b"])
    sources["township"] = ["甲镇", "乙镇"]
    split_maps(sources.iloc[:1], tmp_path, by="township", basemap="none", offline=False)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    old = (tmp_path / "甲镇.html").read_text(encoding="utf-8")
    split_maps(sources, tmp_path, by="township", basemap="none", offline=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["甲镇.html", "乙镇.html", "index.html", "notes.txt"])
    assert (tmp_path / "甲镇.html").read_text(encoding="utf-8") != old  # new data
    assert set(IndexLinks.of((tmp_path / "index.html").read_text("utf-8"))) == {"甲镇", "乙镇"}


# --------------------------------------------------------------------------- fuzz

#: Pieces random text is made of: template and HTML syntax, formula prefixes, brackets,
#: control characters, Chinese, and any character.
PIECES = st.one_of(
    st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", "7*7", "raw", "endraw", "<", ">",
                     "</script>", "<!--", "&", "&amp;", "=", "+", "-", "@", "\t", "\r",
                     "\n", "'", '"', "`", "${", "[", "]", "(", ")", "\\", "\x00", "\x1f",
                     "\x7f", "\u2028", "南水北调", "乡镇", " "]),
    st.text(max_size=6),
    st.characters(codec="utf-8"),
)
TEXTS = st.lists(PIECES, max_size=12).map("".join)


def fuzz_page(texts: list[str], title: str) -> str:
    """A small map (no canal) of sources and polygons carrying ``texts``; the page."""
    m = make_map(basemap="none", title=title)
    add_sources(m, hostile_sources(texts))
    frame = gpd.GeoDataFrame(
        {"名称": texts},
        geometry=[box(112.0 + k * 0.01, 33.0, 112.005 + k * 0.01, 33.005)
                  for k in range(len(texts))],
        crs="EPSG:4326",
    )
    add_layer(m, frame, name="多边形", style={}, title=["名称"], search=["名称"])
    add_controls(m)
    return map_html(m, offline=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=4), title=TEXTS)
@example(texts=["x{{7*7}}y", "{% raw %}", "{#", "=cmd|' /C calc'!A0"], title="{{7*7}}")
@example(texts=["长" * 100_000 + "{{"], title="{#" * 1000)
def test_fuzz_random_text_comes_back_exactly(texts: list[str], title: str) -> None:
    # Exact equality is the check: text that went through a template would differ.
    page = fuzz_page(texts, title)
    assert call_data(page, "title") == ([title] if title else [])
    specs = layer_specs(page)
    polygons = table_column(specs["多边形"], "名称")
    assert polygons == [shown(t) for t in texts]
    points = {}
    for name, spec in specs.items():
        if name.startswith("风险源"):
            for n, d in zip(table_column(spec, "名称"), table_column(spec, "描述"), strict=True):
                points[n] = d
    assert points == {f"名{k}·{t}": shown(t) for k, t in enumerate(texts)}
    [legend] = call_data(page, "legend")
    labels = {row["label"] for section in legend["sections"] for row in section["rows"]}
    assert {f"类{k}·{t}" for k, t in enumerate(texts)} <= labels


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(towns=st.lists(TEXTS, min_size=1, max_size=3, unique=True))
def test_fuzz_random_area_names_split_without_error(tmp_path_factory: Any,
                                                    towns: list[str]) -> None:
    out = tmp_path_factory.mktemp("split")
    sources = hostile_sources(towns)
    sources["township"] = towns
    paths = split_maps(sources, out, by="township", basemap="none", offline=False)
    labels = {" ".join(t.split()) or "未归属乡镇" for t in towns}
    assert len(paths) == len(labels) + 1
    assert all(len(p.name.encode()) <= 255 and p.parent == out for p in paths)
    headings = set()
    for path in paths[:-1]:
        page = path.read_text(encoding="utf-8")
        [table] = call_data(page, "sourcesTable")
        headings.add(table["heading"].rsplit(" 风险源列表", 1)[0])
    assert headings == labels
    # the index is escaped HTML: an HTML parser reads the names back
    links = IndexLinks.of(paths[-1].read_text(encoding="utf-8"))
    assert set(links) == labels


def test_fuzz_helpers_read_the_encoding_independently() -> None:
    # column_values is checked against hand-written columns, not against the encoder
    assert column_values({"d": ["甲", "乙"], "s": "AB.A"}, 4) == ["甲", "乙", None, "甲"]
    assert column_values({"d": ["甲"], "c": [0, -1]}, 2) == ["甲", None]
    assert column_values({"n": [1.2, None], "p": 2}, 2) == ["1.20", None]
    assert shown(" \t") is None and shown(" a ") == " a "


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


#: Every risk-source feature of the page: its popup (title and rows), and the tooltip
#: shown when the pointer is over it; read with textContent.
READ_SOURCES = """mapName => {
  var m = geoGuard.maps[mapName], out = [];
  geoGuard.layers.filter(e => e.kind === 'points').forEach(e => e.group.eachLayer(l => {
    var at = l.getLatLng();
    l.fire('click', {latlng: at}, true);
    var box = m._popup.getContent(), cells = {};
    box.querySelectorAll('tr').forEach(tr => {
      cells[tr.cells[0].textContent] = tr.cells[1].textContent; });
    e.group.fire('mouseover', {propagatedFrom: l, latlng: at});
    // the tooltip just opened is the pane's last (closed ones fade out for 200 ms)
    var tip = Array.from(document.querySelectorAll('.leaflet-tooltip')).pop();
    out.push({title: box.querySelector('.gg-info-title').textContent, cells: cells,
              tip: tip ? tip.textContent : null,
              html: box.innerHTML.indexOf('<img') + box.innerHTML.indexOf('<script')});
    e.group.fire('mouseout', {propagatedFrom: l});
  }));
  m.closePopup();
  return out;
}"""


def page_texts(opened: Any) -> dict[str, Any]:
    """Title, legend parts and layer-control names as the page shows them."""
    return opened.js("""() => ({
      title: Array.from(document.querySelectorAll('.gg-title')).map(n => n.textContent),
      labels: Array.from(document.querySelectorAll('.gg-legend .gg-row span:not(.gg-count)'))
        .map(n => n.textContent),
      headings: Array.from(document.querySelectorAll('.gg-legend h4')).map(n => n.textContent),
      notes: Array.from(document.querySelectorAll('.gg-legend .gg-note')).map(n => n.textContent),
      overlays: Array.from(document.querySelectorAll(
        '.leaflet-control-layers-overlays label span span')).map(n => n.textContent),
    })""")


def search_hits(opened: Any, query: str) -> list[str]:
    """The labels the search box lists for ``query`` (typed into it)."""
    page = opened.page
    page.fill(".gg-search-input", query)
    hits = """() => Array.from(document.querySelectorAll('.gg-search-hit'))
        .map(li => li.firstChild.textContent)"""
    # the list is refreshed 200 ms after typing: wait for the hits of this query
    page.wait_for_function(f"q => ({hits})().some(h => h.indexOf(q) === 0)", arg=query)
    return opened.js(hits)


def check_sources_on_page(opened: Any, sources: pd.DataFrame, searches: int = 4) -> None:
    """Popups, tooltips and (the first ``searches``) search hits show the text exactly."""
    rows = opened.js(READ_SOURCES, map_var(opened))
    assert len(rows) == len(sources)
    by_name = {row["title"]: row for row in rows}
    for k, source in enumerate(sources.to_dict("records")):
        text = source["描述"]
        row = by_name[source["名称"]]
        assert row["html"] == -2  # no element made from the text
        cells = row["cells"]
        assert cells["名称"] == source["名称"]
        assert cells.get("类型") == cells.get("描述") == shown(text)
        assert cells["风险源类型(归类)"] == source["source_type"]
        assert cells["行政村"] == source["village"]
        assert row["tip"] == " · ".join([source["名称"], source["source_type"], source["zone"],
                                         source["stake"]])
        if k < searches:  # each search waits for the box's 200 ms delay
            assert search_hits(opened, f"名{k}·") == [source["名称"]]


@pytest.mark.browser
def test_hostile_text_shows_exactly_in_chromium(
    browser: Any, tmp_path: Path, straight_canal: Canal, marker: Path
) -> None:
    texts = [*HOSTILE, popen_payload(marker)]
    title = " | ".join(TEMPLATE_TEXT)
    m = hostile_map(straight_canal, texts, title)
    opened = open_map(browser, save_map(m, tmp_path / "map.html"))
    check_sources_on_page(opened, hostile_sources(texts), searches=len(TEMPLATE_TEXT))
    shown_texts = page_texts(opened)
    assert shown_texts["title"] == [title] and title in shown_texts["notes"]
    for k, text in enumerate(texts):
        assert f"类{k}·{text}" in shown_texts["labels"] and text in shown_texts["headings"]
    # layer names go through the HTML parser (innerHTML): exact but for CR and NUL
    for text in TEMPLATE_TEXT:
        assert f" {text}" in shown_texts["overlays"]
    assert not marker.exists()
    screenshot(opened, "map_template_text.png")
    opened.check_clean()


@pytest.mark.browser
def test_split_pages_show_hostile_area_names_exactly(
    browser: Any, tmp_path: Path, straight_canal: Canal
) -> None:
    towns = ["x{{7*7}}y", "{% raw %}", "{#", "<img src=x onerror=\"window.__pwned=1\">",
             "=cmd|' /C calc'!A0"]
    sources = hostile_sources(towns)
    sources["township"] = towns
    paths = split_maps(sources, tmp_path, by="township", canal=straight_canal,
                       rules=uniform_rules(), basemap="none", title="{{7*7}}")
    index = open_map_index(browser, paths[-1])
    assert set(index.page.locator("a").all_text_contents()) == set(towns)
    index.check_clean()
    k = towns.index("{% raw %}")
    href = index.page.get_by_text("{% raw %}", exact=True).get_attribute("href")
    opened = open_map(browser, tmp_path / urllib.parse.unquote(href))
    assert page_texts(opened)["title"] == ["{{7*7}} — {% raw %}"]
    assert opened.page.locator(".gg-table-wrap h2").text_content().startswith("{% raw %} ")
    cells = opened.js("() => Array.from(document.querySelectorAll('#gg-sources-table tbody td'))"
                      ".map(td => td.textContent)")
    assert f"名{k}·{{% raw %}}" in cells and f"类{k}·{{% raw %}}" in cells
    opened.page.locator("#gg-sources-table tbody tr").first.click()
    name = map_var(opened)
    opened.page.wait_for_function(f"() => ({POPUP_TEXT})('{name}')")
    assert opened.js(POPUP_TEXT, name).startswith(f"名{k}·{{% raw %}}")
    opened.check_clean()


@pytest.mark.browser
# Few examples and no shrinking: each opens a page in Chromium (a second or two).
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXTS, min_size=1, max_size=3), title=TEXTS.filter(str.strip))
def test_fuzz_random_text_shows_exactly_in_chromium(
    browser: Any, tmp_path_factory: Any, texts: list[str], title: str
) -> None:
    m = make_map(basemap="none", title=title)
    sources = hostile_sources(texts)
    add_sources(m, sources)
    add_controls(m)
    opened = open_map(browser, save_map(m, tmp_path_factory.mktemp("fuzz") / "map.html"))
    check_sources_on_page(opened, sources)
    shown_texts = page_texts(opened)
    assert shown_texts["title"] == [title]
    assert {f"类{k}·{t}" for k, t in enumerate(texts)} <= set(shown_texts["labels"])
    opened.check_clean()
    opened.page.context.close()
