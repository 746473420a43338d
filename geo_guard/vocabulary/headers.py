"""Chinese headers of the columns geo_guard adds: one vocabulary for every workbook, CSV
and map popup.

The data contract keeps English column names (``zone``, ``stake`` …) in vector files and
code; where the users read a table (spreadsheets, popups) the same column is shown under
the one Chinese header here. Input columns keep their own names.

Examples
--------
>>> from geo_guard.vocabulary.headers import HEADERS, chinese_headers
>>> HEADERS["stake"], HEADERS["distance_m"]
('桩号', '距中心线(m)')
>>> list(chinese_headers(pd.DataFrame(columns=["名称", "zone", "bank"])).columns)
['名称', '保护区', '岸别']
"""

from __future__ import annotations

import pandas as pd

__all__ = ["AUDIT_HEADERS", "CORRIDOR_HEADERS", "HEADERS", "LEDGER_HEADERS", "chinese_headers",
           "english_headers"]

#: Chinese header of every column geo_guard adds or reports.
HEADERS: dict[str, str] = {
    # classification
    "zone": "保护区", "zone_level": "级别", "distance_m": "距中心线(m)",
    "edge_distance_m": "距管理范围边线(m)", "zone_boundary_m": "距所在保护区外边线(m)",
    "chainage_m": "里程(m)", "stake": "桩号", "bank": "岸别", "segment_id": "渠段",
    "lon": "经度(WGS84)", "lat": "纬度(WGS84)", "source_type": "风险源类型(归类)",
    "status": "状态", "reason": "说明", "township": "乡镇(街道)", "village": "行政村",
    "inside_L0": "管理范围内(m或m²)", "inside_L1": "一级保护区内(m或m²)",
    "inside_L2": "二级保护区内(m或m²)", "inside_L3": "准保护区内(m或m²)",
    # canal segments and zones
    "name": "名称", "structure": "建筑物类型", "section": "挖填方", "groundwater": "地下水位",
    "permeability": "渗透性", "area_type": "区域类型", "rule": "适用规则",
    "width_m": "宽度(m)", "inner_m": "内边线距中心线(m)", "outer_m": "外边线距中心线(m)",
    "area_m2": "面积(m²)", "length_m": "长度(m)", "edge_left_m": "左岸管理范围宽(m)",
    "edge_right_m": "右岸管理范围宽(m)", "kind": "类别", "note": "备注", "code": "编码",
    # stretches along the canal
    "chainage_from_m": "起点里程(m)", "chainage_to_m": "终点里程(m)",
    "stake_from": "起点桩号", "stake_to": "终点桩号",
    # ecological corridor
    "gap_id": "断档编号", "gap_m": "断档长度(m)", "gap_share": "断档长度占比(%)",
    "excluded_m": "其中排除长度(m)", "excluded_m2": "排除面积(m²)",
    "gaps": "断档处数", "belt_m2": "林带面积(m²)", "forest_m2": "林地面积(m²)",
    "uncovered_m2": "未覆盖面积(m²)", "coverage": "覆盖率(%)", "mean_coverage": "平均覆盖率(%)",
    "action": "措施", "forest_id": "林地编号", "survival": "保存率", "canopy": "郁闭度",
    "species": "树种", "planting_year": "栽植年份", "km": "公里",
    "weak_stands": "提质改造林分数", "weak_m2": "提质改造面积(m²)", "corridor_m": "林带宽度(m)",
}

#: The corridor's tables: the belt's inner/outer lines and a stand's area within the belt.
CORRIDOR_HEADERS: dict[str, str] = {
    **HEADERS,
    "rule": "规则",
    "inner_m": "林带内边距中心线(m)",
    "outer_m": "林带外边距中心线(m)",
    "area_m2": "林带内面积(m²)",
    "reason": "原因",
}


#: The problem register (问题整改台账): a problem's fields, as the forms (附件2–4) name them.
LEDGER_HEADERS: dict[str, str] = {
    **HEADERS,
    "problem_id": "编号", "township": "乡镇（街道）", "source_type": "风险源类型",
    "zone": "保护区类型", "zone_level": "保护区级别", "description": "风险源描述",
    "origin": "问题来源", "found_on": "发现日期", "found_by": "发现人", "measure": "整改措施",
    "deadline": "整改时限", "unit": "责任单位", "person": "责任人", "progress": "整改进度",
    "status": "状态", "overdue": "超期", "due_soon": "临期", "closed_on": "销号日期",
    "rectified_on": "整改完成日期", "updated_at": "最后更新",
}


#: The audit's tables (标志及隔离防护设施): markers, crossings, fences, findings.
AUDIT_HEADERS: dict[str, str] = {
    **HEADERS,
    "kind": "类型", "code": "编号", "condition": "状况", "photo": "照片",
    "input_row": "原表行号", "boundary_id": "边界编号", "offset_m": "距边界(m)",
    "counted": "计入界标间距", "corner_id": "拐点编号", "turn_deg": "转角(°)",
    "nearest_marker_m": "最近完好界标距离(m)", "position_m": "沿边界位置(m)",
    "from_m": "沿边界起点(m)", "to_m": "沿边界终点(m)", "length_m": "长度(m)",
    "from_marker": "起点界标", "to_marker": "终点界标", "gap_id": "编号",
    "closed": "闭合边界", "markers": "完好界标数", "max_spacing_m": "最大间距(m)",
    "gaps": "超限段数", "gap_m": "超限总长(m)", "corners": "拐点数",
    "corners_without_marker": "缺界标拐点数",
    "crossing_id": "工程编号", "entry": "进入点", "sign": "警示牌",
    "sign_distance_m": "最近完好警示牌距离(m)", "crosses_first_zone": "穿越一级保护区或总干渠",
    "crash_barrier": "防撞护栏", "drainage_channel": "事故导流槽", "emergency_pool": "应急池",
    "missing": "缺少的设施", "unknown": "情况不明的设施", "findings": "问题",
    "entries": "进入点数", "entries_without_sign": "无警示牌进入点数",
    "damaged_fence": "段内隔离网损坏或缺失", "category": "问题类别", "ref": "对应编号",
    "source_type": "问题类型", "description": "问题描述", "reason": "说明",
}


def chinese_headers(frame: pd.DataFrame, headers: dict[str, str] | None = None) -> pd.DataFrame:
    """The frame with geo_guard's columns under their Chinese headers (a copy).

    Parameters
    ----------
    frame : DataFrame
    headers : dict, optional
        The vocabulary to use (default :data:`HEADERS`).
    """
    return frame.rename(columns=headers or HEADERS)


def english_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of :func:`chinese_headers`: a table read back with Chinese headers gets
    the data contract's English names (a copy).

    >>> list(english_headers(pd.DataFrame(columns=["保护区", "桩号", "备注x"])).columns)
    ['zone', 'stake', '备注x']
    """
    inverse = {zh: en for en, zh in HEADERS.items()}
    return frame.rename(columns=inverse)
