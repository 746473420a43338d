"""Risk-source tables as field teams send them, generated for the benchmarks (not committed).

:func:`points_table` spreads ``n`` rows uniformly along a canal and up to ``spread_m`` either
side, with the columns of the bureau's lists (序号, 名称, 类型, 经度, 纬度, 乡镇, 联系人, 描述).
Most coordinates are decimal degrees with 6 decimals, as exported by GIS software and
phone apps; a few are typed the ways people type them (degrees-minutes-seconds, 东经…度,
full-width digits), a few are empty, and a few notes are hostile (a formula, HTML, a
template), so every path of the reader and writer is exercised at its real share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_guard import Canal

TYPES = np.array(["养猪场", "养鸡场", "农家乐", "饭店", "排污口", "排水口", "加油站", "洗车场",
                  "工业企业", "化工厂", "垃圾堆放点", "垃圾填埋场", "污水处理厂", "居民生活污水",
                  "网箱养殖", "固废堆存", "其他"], dtype=object)
TOWNS = np.array(["", "七里园乡", "潦河镇", "青华镇", "安皋镇", "蒲山镇", "陆营镇", "王村乡"],
                 dtype=object)
PEOPLE = np.array(["赵某", "钱某", "孙某", "李某", "周某", "吴某", "郑某", "王某"], dtype=object)
HOSTILE = np.array(["=cmd|' /C calc'!A0", "<script>alert(1)</script>", "{{7*7}}",
                    "+1+1", "@SUM(A1:A9)", "－2＋3", "第一行\r第二行", "含,逗号\"引号\""],
                   dtype=object)


def point_lonlat(canal: Canal, n: int, spread_m: float, seed: int = 7
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Points spread uniformly along the canal and up to ``spread_m`` either side, WGS84."""
    rng = np.random.default_rng(seed)
    measure = rng.uniform(-500, canal.length_m + 500, n)
    offset = rng.uniform(-spread_m, spread_m, n)
    on_line = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(canal.line, measure + 1.0))
    tangent = ahead - on_line
    tangent /= np.maximum(np.hypot(*tangent.T), 1e-9)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    xy = on_line + normal * offset[:, None]
    to_wgs = pyproj.Transformer.from_crs(canal.metric_crs, 4326, always_xy=True)
    return to_wgs.transform(xy[:, 0], xy[:, 1])


def _dms(values: np.ndarray, zh: bool, hemi: str) -> list[str]:
    out = []
    for v in values:
        d = int(v)
        m = int((v - d) * 60)
        s = (v - d - m / 60) * 3600
        out.append(f"{'东经' if hemi == 'E' else '北纬'}{d}度{m}分{s:.2f}秒" if zh
                   else f"{d}°{m}′{s:.2f}″")
    return out


def points_table(canal: Canal, n: int, spread_m: float, seed: int = 7,
                 typed_share: float = 0.005) -> pd.DataFrame:
    """``n`` risk-source rows as text cells, the way :func:`geo_guard.io.read_table` reads a
    CSV; ``typed_share`` of the coordinates typed by hand (DMS, 东经…, full-width), 0.1 %
    empty, 0.1 % of the notes hostile."""
    rng = np.random.default_rng(seed + 1)
    lon, lat = point_lonlat(canal, n, spread_m, seed)
    lon_text = np.char.mod("%.6f", lon).astype(object)
    lat_text = np.char.mod("%.6f", lat).astype(object)
    typed = np.flatnonzero(rng.random(n) < typed_share)
    kinds = rng.integers(0, 3, len(typed))
    for kind, rows in ((0, typed[kinds == 0]), (1, typed[kinds == 1])):
        lon_text[rows] = _dms(lon[rows], kind == 1, "E")
        lat_text[rows] = _dms(lat[rows], kind == 1, "N")
    wide = typed[kinds == 2]
    full = str.maketrans("0123456789.", "０１２３４５６７８９．")
    lon_text[wide] = [s.translate(full) for s in lon_text[wide]]
    lat_text[wide] = [s.translate(full) for s in lat_text[wide]]
    empty = rng.random(n) < 0.001
    lon_text[empty] = ""
    lat_text[empty] = ""
    number = np.arange(1, n + 1)
    kind = TYPES[rng.integers(0, len(TYPES), n)]
    name = pd.Series(kind).str.cat(pd.Series(number).astype(str), sep="").to_numpy(object)
    note = np.full(n, "", dtype=object)
    noted = rng.random(n) < 0.3
    note[noted] = "位于总干渠附近（示意）"
    hostile = np.flatnonzero(rng.random(n) < 0.001)
    note[hostile] = HOSTILE[rng.integers(0, len(HOSTILE), len(hostile))]
    return pd.DataFrame({
        "序号": number.astype(str).astype(object),
        "名称": name,
        "类型": kind,
        "经度": lon_text,
        "纬度": lat_text,
        "乡镇": TOWNS[rng.integers(0, len(TOWNS), n)],
        "联系人": PEOPLE[rng.integers(0, len(PEOPLE), n)],
        "描述": note,
    })
