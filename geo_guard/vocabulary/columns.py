"""Canonical values of the canal's segment attributes, in Chinese, with English synonyms.

Canal files and rules files may spell attribute values in Chinese or English
(``明渠`` / ``open channel``); both are turned into the canonical Chinese value so that a
rule written one way matches a canal written the other.

Examples
--------
>>> normalise_value("structure", "Aqueduct")
'渡槽'
>>> normalise_value("groundwater", "above")
'高于渠底'
>>> normalise_value("area_type", "郊区")
'郊区'
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

#: Attributes a segment may carry that rules can match on.
SEGMENT_ATTRIBUTES: tuple[str, ...] = (
    "segment_id",
    "structure",
    "section",
    "groundwater",
    "permeability",
    "area_type",
)

#: Chinese column names accepted for the English ones.
ATTRIBUTE_ALIASES: dict[str, str] = {
    "段号": "segment_id",
    "分段": "segment_id",
    "segment": "segment_id",
    "建筑物": "structure",
    "建筑物类型": "structure",
    "结构": "structure",
    "渠段类型": "structure",
    "断面": "section",
    "挖填": "section",
    "挖填方": "section",
    "地下水": "groundwater",
    "地下水位": "groundwater",
    "透水性": "permeability",
    "区域类型": "area_type",
    "城乡": "area_type",
    "左岸管理范围宽度": "edge_left_m",
    "右岸管理范围宽度": "edge_right_m",
    "起点桩号": "chainage_start_m",
}

_SYNONYMS: dict[str, dict[str, str]] = {
    "structure": {
        "明渠": "明渠",
        "open channel": "明渠",
        "open_channel": "明渠",
        "channel": "明渠",
        "canal": "明渠",
        "渡槽": "渡槽",
        "aqueduct": "渡槽",
        "倒虹吸": "倒虹吸",
        "inverted siphon": "倒虹吸",
        "siphon": "倒虹吸",
        "inverted_siphon": "倒虹吸",
        "暗涵": "暗涵",
        "暗渠": "暗涵",
        "culvert": "暗涵",
        "隧洞": "隧洞",
        "隧道": "隧洞",
        "tunnel": "隧洞",
    },
    "section": {
        "挖方": "挖方",
        "cut": "挖方",
        "填方": "填方",
        "fill": "填方",
        "半挖半填": "半挖半填",
        "cut-fill": "半挖半填",
        "cut and fill": "半挖半填",
        "cut_fill": "半挖半填",
    },
    "groundwater": {
        "高于渠底": "高于渠底",
        "高于": "高于渠底",
        "above": "高于渠底",
        "above bottom": "高于渠底",
        "high": "高于渠底",
        "低于渠底": "低于渠底",
        "低于": "低于渠底",
        "below": "低于渠底",
        "below bottom": "低于渠底",
        "low": "低于渠底",
    },
    "permeability": {
        "弱透水": "弱透水",
        "弱": "弱透水",
        "微透水": "弱透水",
        "weak": "弱透水",
        "low": "弱透水",
        "中透水": "中透水",
        "中": "中透水",
        "medium": "中透水",
        "moderate": "中透水",
        "强透水": "强透水",
        "强": "强透水",
        "strong": "强透水",
        "high": "强透水",
    },
    "area_type": {
        "城区": "城区",
        "城市": "城区",
        "urban": "城区",
        "city": "城区",
        "农村": "农村",
        "乡村": "农村",
        "rural": "农村",
    },
}


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN and blank strings.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(" "), is_missing(0)
    (True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def normalise_value(attribute: str, value: Any) -> str | None:
    """Canonical (Chinese) form of one attribute value; unknown values are kept as typed.

    Parameters
    ----------
    attribute : str
        Attribute name (``structure``, ``section``, ...).
    value : Any
        Value as read from a file.

    Returns
    -------
    str or None
        ``None`` for a missing value.

    Examples
    --------
    >>> normalise_value("section", " Fill ")
    '填方'
    """
    if is_missing(value):
        return None
    text = str(value).strip()
    table = _SYNONYMS.get(attribute)
    if table is None:
        return text
    return table.get(text.lower(), text)


def canonical_column(name: str) -> str:
    """English column name for a Chinese or English header.

    Examples
    --------
    >>> canonical_column("建筑物类型"), canonical_column("Structure")
    ('structure', 'structure')
    """
    stripped = str(name).strip()
    return ATTRIBUTE_ALIASES.get(stripped, stripped.lower() if stripped.isascii() else stripped)


def header_form(name: object) -> str:
    """A header as compared: NFKC (full-width brackets and letters as ASCII), lower case,
    without spaces or a BOM.

    Examples
    --------
    >>> header_form(" 乡镇（街道） "), header_form("ＸＺＱＭＣ")
    ('乡镇(街道)', 'xzqmc')
    """
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "")
    return "".join(text.split()).lower()


def find_column(columns: Sequence[Any], headers: Sequence[str]) -> Any | None:
    """First of ``headers`` found among ``columns`` (compared by :func:`header_form`:
    case, spaces and full-width brackets do not matter).

    Examples
    --------
    >>> find_column(["名称", "Type"], ("source_type", "type"))
    'Type'
    >>> find_column(["序号", "乡镇（街道）"], TOWNSHIP_HEADERS)
    '乡镇（街道）'
    """
    forms: dict[str, Any] = {}
    for c in columns:
        forms.setdefault(header_form(c), c)
    for header in headers:
        found = forms.get(header_form(header))
        if found is not None:
            return found
    return None

#: Headers that name a feature (a risk source, a village, a crossing), most specific first.
NAME_COLUMNS: tuple[str, ...] = (
    "名称", "name", "风险源名称", "单位名称", "企业名称", "点位名称", "名字",
)

#: Headers of a risk source's number in a list, most specific first.
ID_COLUMNS: tuple[str, ...] = ("序号", "编号", "点位编号", "问题编号", "id", "fid", "code", "no")

#: Headers holding the township (乡镇/街道) name, best first: the forms' own words, the
#: third national land survey's field (XJQYMC 乡级区域名称), English.
TOWNSHIP_HEADERS: tuple[str, ...] = (
    "township", "乡镇(街道)", "乡镇", "乡镇街道", "乡镇名称", "街道", "乡级区域名称", "xjqymc",
    "town",
)
#: Headers holding the village (行政村/社区) name, best first (CJQYMC 村级区域名称).
VILLAGE_HEADERS: tuple[str, ...] = (
    "village", "行政村", "村(社区)", "村", "社区", "村名", "村级区域名称", "cjqymc",
)
#: Headers that hold the risk-source type as typed, best first.
TYPE_HEADERS: tuple[str, ...] = (
    "source_type", "风险源类型", "类型", "问题类型", "污染源类型", "类别", "type",
)
