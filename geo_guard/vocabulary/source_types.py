"""Risk-source types (风险源类型): the seed's categories and the field teams' spellings.

Field lists spell a type many ways (养猪场, 养殖场, 猪场 …). :func:`normalise_source_types`
maps each to one category of the special action's plan; the original text is kept by
the caller.

Examples
--------
>>> normalise_source_types(["养猪场", "农家乐", "排水口", "化工厂", "", "修车铺"]).tolist()
['畜禽养殖', '旅游餐饮', '排污口', '工业企业', '其他', '其他']
>>> normalise_source_types(["水产养殖", "河道采砂", "村卫生室", "医院排污口"]).tolist()
['水产养殖', '采砂', '医疗机构', '排污口']
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

OTHER = "其他"

#: The seed's categories, in the order of its attachment tables, then those field lists
#: add (水产养殖 ponds beside 网箱养殖 cages, 采砂, 医疗机构); anything else is 其他, with
#: the original text kept in its own column.
SOURCE_TYPES: tuple[str, ...] = (
    "工业企业",
    "畜禽养殖",
    "旅游餐饮",
    "排污口",
    "产业集聚区",
    "污水处理厂",
    "垃圾填埋场",
    "网箱养殖",
    "固体废物堆存",
    "经营场所",
    "居民生活污染",
    "水产养殖",
    "采砂",
    "医疗机构",
    OTHER,
)

#: Keywords found in field spellings, checked in this order (more specific first): fish
#: are not livestock (水产养殖 before the 养殖 of 畜禽养殖), a hospital's sewage outlet is
#: an outlet (排污口 before 医疗机构), a sand-washing plant is sand (采砂 before 工业企业).
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("网箱养殖", ("网箱", "cage")),
    (
        "水产养殖",
        ("水产", "鱼塘", "鱼池", "养鱼", "渔场", "鱼场", "池塘养殖", "虾", "蟹", "鳖", "藕塘",
         "aquaculture", "fish", "shrimp"),
    ),
    ("采砂", ("采砂", "挖砂", "淘砂", "洗砂", "砂场", "沙场", "砂石", "沙石", "河砂", "采沙",
              "sand")),
    ("污水处理厂", ("污水处理", "污水厂", "净水厂", "wastewater", "sewage plant", "wwtp")),
    ("垃圾填埋场", ("填埋", "垃圾场", "landfill")),
    (
        "固体废物堆存",
        ("固废", "固体废", "垃圾堆", "堆放", "堆存", "渣土", "建筑垃圾", "solid waste", "dump"),
    ),
    ("排污口", ("排污口", "排水口", "入河口", "排口", "outfall", "discharge")),
    (
        "医疗机构",
        ("医院", "卫生院", "卫生室", "卫生所", "诊所", "门诊", "医疗", "医务室", "疗养院",
         "兽医", "hospital", "clinic", "medical"),
    ),
    (
        "畜禽养殖",
        (
            "养殖",
            "养猪",
            "猪场",
            "养鸡",
            "鸡场",
            "养牛",
            "牛场",
            "养羊",
            "羊场",
            "鸭",
            "畜禽",
            "牧",
            "livestock",
            "poultry",
            "pig",
            "farm",
        ),
    ),
    (
        "旅游餐饮",
        (
            "农家乐",
            "饭店",
            "餐",
            "酒店",
            "宾馆",
            "民宿",
            "旅游",
            "景区",
            "度假",
            "restaurant",
            "hotel",
            "tourism",
        ),
    ),
    ("产业集聚区", ("集聚区", "产业园", "工业园", "开发区", "industrial park")),
    (
        "工业企业",
        ("工业", "企业", "工厂", "厂", "化工", "加工", "制造", "factory", "industr", "plant"),
    ),
    ("居民生活污染", ("生活污水", "生活垃圾", "居民", "村庄", "生活污染", "domestic", "household")),
    (
        "经营场所",
        (
            "经营",
            "加油站",
            "洗车",
            "商店",
            "超市",
            "修理",
            "市场",
            "shop",
            "gas station",
            "car wash",
        ),
    ),
)


def normalise_source_type(text: object) -> str:
    """Category of one type text; unknown or empty text is ``其他``.

    Examples
    --------
    >>> normalise_source_type("污水处理厂"), normalise_source_type("Pig farm")
    ('污水处理厂', '畜禽养殖')
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return OTHER
    value = str(text).strip()
    if value in SOURCE_TYPES:
        return value
    lowered = value.lower()
    for category, words in _KEYWORDS:
        if any(word in lowered for word in words):
            return category
    return OTHER


def normalise_source_types(values: Iterable[object]) -> np.ndarray:
    """Categories for many values (each distinct spelling is looked up once)."""
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array([normalise_source_type(u) for u in uniques] + [OTHER], dtype=object)
    return lookup[codes]  # code -1 (missing) picks the trailing OTHER
