"""The audit's words in one place: marker kinds and conditions, crossing kinds, the three
facilities with their yes/no values, the headers they come under, and the OpenStreetMap
tags a crossing extract carries.

English identifiers, Chinese values: what field teams type (界桩, 标志牌, 破损, 已建, √,
yes, 1 …) is turned into one canonical Chinese word per meaning, so that the analysis and
the reports speak the words of HJ/T 433-2008 (signs) and HJ 773-2015 (facilities).

Examples
--------
>>> marker_kind("界桩"), marker_kind("警示标志"), marker_kind("路灯")
('界标', '警示牌', None)
>>> marker_condition(""), marker_condition("破损"), marker_condition("被盗")
('完好', '损坏', '缺失')
>>> [facility_value(v) for v in ("有", "no", 1, "", "不详", "部分")]
['有', '无', '有', '不明', '不明', '不明']
>>> crossing_kind("公路桥"), crossing_kind("输油管道"), crossing_kind("乡道")
('桥梁', '管线', '道路')
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BOUNDARY_MARKER",
    "CROSSING_HEADERS",
    "CROSSING_KINDS",
    "FACILITIES",
    "FACILITY_HEADERS",
    "FENCE_HEADERS",
    "MARKER_HEADERS",
    "MARKER_KINDS",
    "NO",
    "NOTICE_BOARD",
    "SOURCE_TYPE",
    "WARNING_SIGN",
    "YES",
    "crossing_kind",
    "facility_name",
    "facility_value",
    "marker_condition",
    "marker_kind",
    "osm_crossing_kind",
    "plain_text",
]

#: The ledger's problem type for every audit finding (the seed's checklist item 二).
SOURCE_TYPE = "标志及隔离防护设施"
#: Yes/no cells of the audit's own tables.
YES, NO = "是", "否"

# ----------------------------------------------------------------------- markers
BOUNDARY_MARKER = "界标"
WARNING_SIGN = "警示牌"
NOTICE_BOARD = "宣传牌"
#: The three kinds of HJ/T 433-2008, in report order.
MARKER_KINDS: tuple[str, ...] = (BOUNDARY_MARKER, WARNING_SIGN, NOTICE_BOARD)

INTACT = "完好"
DAMAGED = "损坏"
MISSING = "缺失"
UNKNOWN = "不明"
#: Conditions; an empty cell means 完好 (a marker listed without remark was seen intact).
CONDITIONS: tuple[str, ...] = (INTACT, DAMAGED, MISSING, UNKNOWN)

_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("界标", "界桩", "界碑", "界址桩", "保护区界桩", "保护区界标", "标桩",
                     "边界桩", "boundary marker", "boundary post", "boundary stone", "marker",
                     "boundary"), BOUNDARY_MARKER),
    **dict.fromkeys(("警示牌", "警示标志", "警示标牌", "警告牌", "标志牌", "标识牌", "交通警示牌",
                     "道路警示牌", "警示标识", "限速牌", "warning sign", "warning", "sign",
                     "road sign"), WARNING_SIGN),
    **dict.fromkeys(("宣传牌", "宣传栏", "宣传标志", "宣传标牌", "公告牌", "告示牌", "公示牌",
                     "宣传警示牌", "notice board", "notice", "information board",
                     "publicity board", "board"), NOTICE_BOARD),
}
#: Keywords tried in order when the text is not a known word (界 before 宣传 before 警示).
_KIND_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (BOUNDARY_MARKER, ("界桩", "界标", "界碑", "界址", "boundary")),
    (NOTICE_BOARD, ("宣传", "公告", "告示", "公示", "notice", "publicity")),
    (WARNING_SIGN, ("警示", "警告", "限速", "禁止", "标志牌", "标识牌", "warning")),
)

_CONDITION_WORDS: dict[str, str] = {
    **dict.fromkeys(("完好", "良好", "正常", "好", "完整", "intact", "good", "ok", "fine",
                     "normal"), INTACT),
    **dict.fromkeys(("损坏", "破损", "损毁", "毁坏", "倾斜", "倒伏", "歪斜", "模糊", "褪色",
                     "字迹不清", "锈蚀", "缺损", "damaged", "broken", "faded", "tilted",
                     "leaning"), DAMAGED),
    **dict.fromkeys(("缺失", "丢失", "遗失", "被盗", "无", "没有", "不存在", "拆除", "已拆除",
                     "missing", "lost", "absent", "gone", "stolen", "removed"), MISSING),
}
_CONDITION_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (MISSING, ("缺失", "丢失", "遗失", "被盗", "不存在", "拆除", "missing", "stolen")),
    (DAMAGED, ("损", "破", "坏", "倾斜", "倒", "歪", "模糊", "褪色", "不清", "锈",
               "damage", "broken")),
    (INTACT, ("完好", "良好", "正常")),
)

#: Headers of marker attributes (first found wins; case and spaces ignored).
MARKER_HEADERS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "类型", "标志类型", "设施类型", "标志种类", "种类", "类别", "type", "标志"),
    "condition": ("condition", "状况", "现状", "完好情况", "完好状况", "状态", "情况",
                  "state"),
    "code": ("code", "编号", "标志编号", "界桩编号", "界标编号", "序号", "id", "no"),
    "photo": ("photo", "照片", "图片", "照片文件", "相片", "photo_path", "image"),
}

# --------------------------------------------------------------------- crossings
ROAD = "道路"
BRIDGE = "桥梁"
PIPELINE = "管线"
RAILWAY = "铁路"
OTHER = "其他"
#: Kinds of linear works crossing the zones; an unrecognised kind is checked as 道路.
CROSSING_KINDS: tuple[str, ...] = (ROAD, BRIDGE, PIPELINE, RAILWAY, OTHER)

_CROSSING_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (BRIDGE, ("桥", "bridge", "viaduct")),
    (RAILWAY, ("铁路", "高铁", "铁道", "轨道", "rail")),
    (PIPELINE, ("管", "输油", "输气", "燃气", "天然气", "pipe")),
    (ROAD, ("路", "街", "道", "高速", "road", "street", "highway", "motorway")),
)

#: The facilities HJ 773-2015 asks of works crossing the zones: (identifier, name).
FACILITIES: tuple[tuple[str, str], ...] = (
    ("crash_barrier", "防撞护栏"),
    ("drainage_channel", "事故导流槽"),
    ("emergency_pool", "应急池"),
)
PRESENT = "有"
ABSENT = "无"
#: Facility cells: yes/no words; anything else (empty, 不详, 部分 …) is unknown (不明).
_YES = frozenset({"有", "是", "已建", "已设", "已设置", "已建成", "已安装", "具备", "齐全",
                  "完好", "yes", "y", "true", "t", "1", "√", "✓", "✔", "○"})
_NO = frozenset({"无", "否", "没有", "未建", "未设", "未设置", "未安装", "缺", "缺失", "不具备",
                 "no", "n", "false", "f", "0", "×", "✗", "✘", "x"})

FACILITY_HEADERS: dict[str, tuple[str, ...]] = {
    "crash_barrier": ("crash_barrier", "防撞护栏", "防撞栏", "护栏", "防撞设施", "guard_rail"),
    "drainage_channel": ("drainage_channel", "事故导流槽", "导流槽", "导流渠", "事故导流渠",
                         "导流设施"),
    "emergency_pool": ("emergency_pool", "应急池", "事故应急池", "事故池", "应急事故池",
                       "收集池"),
}
CROSSING_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "道路名称", "工程名称", "线路名称", "name:zh", "name_zh", "ref"),
    "kind": ("kind", "类型", "工程类型", "线路类型", "设施类型", "类别", "type"),
    **FACILITY_HEADERS,
}
FENCE_HEADERS: dict[str, tuple[str, ...]] = {
    "code": MARKER_HEADERS["code"],
    "condition": MARKER_HEADERS["condition"],
}

# ---------------------------------------------------------------- OpenStreetMap
#: highway=* values that carry motor traffic (the roads signs and barriers are for).
OSM_MOTOR_ROADS = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "service", "track", "road", "living_street", "busway", "motorway_link", "trunk_link",
    "primary_link", "secondary_link", "tertiary_link",
})
#: railway=* values of working lines.
OSM_RAILWAYS = frozenset({"rail", "light_rail", "subway", "narrow_gauge", "tram", "monorail",
                          "funicular", "preserved"})
OSM_BRIDGES = frozenset({"yes", "viaduct", "boardwalk", "cantilever", "movable", "covered",
                         "trestle", "simple_brunnel"})
#: OSM tag columns a crossing extract is recognised by.
OSM_TAGS = ("highway", "railway", "man_made", "bridge")


def plain_text(value: Any) -> str:
    """A cell as comparable text: NFKC (full-width to half-width), trimmed, lower case;
    ``""`` for a missing value, whole floats without ``.0``.

    Examples
    --------
    >>> plain_text(" ＹＥＳ "), plain_text(1.0), plain_text(float("nan"))
    ('yes', '1', '')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    if isinstance(value, bool):
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def _lookup(text: str, words: Mapping[str, str],
            keywords: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    if text in words:
        return words[text]
    for canonical, needles in keywords:
        if any(needle in text for needle in needles):
            return canonical
    return None


def marker_kind(value: Any) -> str | None:
    """界标, 警示牌 or 宣传牌 for what a field team wrote; None when it is none of them."""
    text = plain_text(value)
    return _lookup(text, _KIND_WORDS, _KIND_KEYWORDS) if text else None


def marker_condition(value: Any) -> str:
    """完好, 损坏, 缺失 for a condition cell; empty means 完好, anything else is 不明."""
    text = plain_text(value)
    if not text:
        return INTACT
    return _lookup(text, _CONDITION_WORDS, _CONDITION_KEYWORDS) or UNKNOWN


def facility_value(value: Any) -> str:
    """有, 无 or 不明 for a facility cell (有/无, yes/no, 1/0, √/×; empty = 不明)."""
    text = plain_text(value)
    if text in _YES:
        return PRESENT
    if text in _NO:
        return ABSENT
    return UNKNOWN


def facility_name(value: Any) -> str | None:
    """The facility name (防撞护栏 …) for a name or identifier, or None.

    >>> facility_name("护栏"), facility_name("emergency_pool")
    ('防撞护栏', '应急池')
    """
    text = plain_text(value)
    for key, name in FACILITIES:
        if text in {key, name, *(h.lower() for h in FACILITY_HEADERS[key])}:
            return name
    return None


def crossing_kind(value: Any) -> str | None:
    """道路, 桥梁, 管线 or 铁路 for a kind cell; None when not recognised or empty."""
    text = plain_text(value)
    if not text:
        return None
    if text in CROSSING_KINDS:
        return text
    return _lookup(text, {}, _CROSSING_KEYWORDS)


def osm_crossing_kind(tags: Mapping[str, Any]) -> tuple[str | None, str]:
    """Kind of an OpenStreetMap way from its tags, or None with the reason it is left out.

    Examples
    --------
    >>> osm_crossing_kind({"highway": "primary", "bridge": "yes"})
    ('桥梁', '')
    >>> osm_crossing_kind({"highway": "footway"})[0] is None
    True
    """
    highway = plain_text(tags.get("highway"))
    railway = plain_text(tags.get("railway"))
    bridge = plain_text(tags.get("bridge"))
    motor = highway in OSM_MOTOR_ROADS
    rail = railway in OSM_RAILWAYS
    if bridge in OSM_BRIDGES and (motor or rail):
        return BRIDGE, ""
    if rail:
        return RAILWAY, ""
    if motor:
        return ROAD, ""
    if plain_text(tags.get("man_made")) == "pipeline":
        return PIPELINE, ""
    if highway:
        return None, f"非机动车道路 highway={highway}，不检查 / not a motor road"
    if railway:
        return None, f"非运营铁路 railway={railway}，不检查 / not a working railway"
    return None, ("无 highway/railway/man_made=pipeline 标签，不检查 / not a road, railway or "
                  "pipeline")
