"""Field lists into the ledger: classify every row, map its columns to problem fields,
register the valid ones (repeat findings recognised) and list the invalid ones.

What the classify command reads is read here too (field lists as CSV/XLSX, the 附件2 form
itself, the provincial app's export, any vector file): :func:`geo_guard.classify` places
every row (zone, stake, bank, township/village), and the columns the forms use become
the problem's fields:

========== =====================================================================
field      headers looked for (first found)
========== =====================================================================
name       名称, 风险源名称, 企业名称, 点位名称, 问题名称
description 风险源描述, 问题描述, 描述, 存在问题, 具体问题, 情况说明, 问题
measure    整改措施, 措施
deadline   整改时限, 完成时限, 时限 (a date; 立行立改 and other words go to the history)
found_by   排查责任人, 发现人, 排查人, 巡查人, 督查人, 填报人 (else ``--by``)
found_on   发现日期, 发现时间, 排查日期, 排查时间, 巡查日期, 督查日期, 日期 (else ``--found-on``)
origin     问题来源, 来源 (排查/督查/上级交办/APP推送/巡查; else ``--origin``)
unit       责任单位 (else suggested by the responsibility table)
person     责任人
========== =====================================================================

Examples
--------
>>> from geo_guard.ledger.findings import parse_day
>>> parse_day("2021年11月30日"), parse_day("2021.11.3"), parse_day("立行立改")
(datetime.date(2021, 11, 30), datetime.date(2021, 11, 3), None)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo_guard import classify
from geo_guard.canal import Canal
from geo_guard.classification.core import TYPE_HEADERS
from geo_guard.ledger.ledger import Ledger
from geo_guard.ledger.responsibility import Responsibility
from geo_guard.ledger.workflow import ORIGINS
from geo_guard.vocabulary import find_column, is_missing
from geo_guard.zones import ZoneRules
from geo_guard.zones.admin import TOWNSHIP_HEADERS, VILLAGE_HEADERS

__all__ = ["FIELD_HEADERS", "ImportResult", "findings_from_classified", "import_findings",
           "parse_day"]

FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "风险源名称", "企业名称", "点位名称", "问题名称"),
    "description": ("description", "风险源描述", "问题描述", "描述", "存在问题", "具体问题",
                    "情况说明", "问题"),
    "measure": ("measure", "整改措施", "措施"),
    "deadline": ("deadline", "整改时限", "完成时限", "时限"),
    "found_by": ("found_by", "排查责任人", "发现人", "排查人", "巡查人", "督查人", "填报人"),
    "found_on": ("found_on", "发现日期", "发现时间", "排查日期", "排查时间", "巡查日期",
                 "巡查时间", "督查日期", "日期"),
    "origin": ("origin", "问题来源", "来源"),
    "unit": ("unit", "责任单位"),
    "person": ("person", "责任人"),
}

#: Words in a 问题来源 cell -> origin, checked in order.
_ORIGIN_WORDS: tuple[tuple[str, str], ...] = (
    ("交办", "上级交办"), ("推送", "APP推送"), ("app", "APP推送"), ("督查", "督查"),
    ("督察", "督查"), ("巡查", "巡查"), ("排查", "排查"),
)

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_day(value: Any) -> dt.date | None:
    """A date from what people type: 2021-11-30, 2021/11/30, 2021.11.30, 2021年11月30日,
    20211130, an Excel date or serial number; None when it is not a date.

    Examples
    --------
    >>> parse_day(44530), parse_day(pd.Timestamp("2021-11-30 08:00"))
    (datetime.date(2021, 11, 30), datetime.date(2021, 11, 30))
    """
    if is_missing(value) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
        if 20000 < number < 80000:  # Excel serial day (1954–2119)
            return _EXCEL_EPOCH + dt.timedelta(days=int(number))
        value = str(int(number)) if number.is_integer() else str(value)
    text = str(value)
    match = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _origin(value: Any) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    if text in ORIGINS:
        return text
    lowered = text.lower()
    return next((origin for word, origin in _ORIGIN_WORDS if word in lowered), None)


def _cell(value: Any) -> str | None:
    return None if is_missing(value) or value is pd.NaT else str(value).strip()


@dataclass(frozen=True)
class ImportResult:
    """What an import did to every input row.

    Attributes
    ----------
    rows : DataFrame
        One row per input row, in order: ``row`` (1-based), ``outcome`` (新增 / 重复 /
        无效), ``problem_id`` (<NA> when invalid), ``match_m``, ``source_type``,
        ``zone``, ``village``, ``unit`` (suggested), ``reason``.
    """

    rows: pd.DataFrame

    @property
    def new(self) -> int:
        """Rows registered as new problems."""
        return int((self.rows["outcome"] == "新增").sum())

    @property
    def repeats(self) -> int:
        """Rows recorded as repeat findings of an open problem."""
        return int((self.rows["outcome"] == "重复").sum())

    @property
    def invalid(self) -> pd.DataFrame:
        """Rows that could not be placed, with the reason."""
        return self.rows[self.rows["outcome"] == "无效"]


def findings_from_classified(
    classified: pd.DataFrame,
    *,
    origin: str = "排查",
    found_on: dt.date | None = None,
    found_by: str | None = None,
    responsibility: Responsibility | None = None,
    source_name: str | None = None,
) -> pd.DataFrame:
    """Problem fields for every row of a :func:`geo_guard.classify` output.

    Parameters
    ----------
    classified : DataFrame
        Classified rows (every input column kept, ``status``/``reason`` added).
    origin : str
        问题来源 of rows that do not say: 排查, 督查, 上级交办, APP推送 or 巡查.
    found_on : date, optional
        发现日期 of rows that do not say (default today).
    found_by : str, optional
        Who found rows that do not say.
    responsibility : Responsibility, optional
        Suggests the unit (责任单位) from the type and description.
    source_name : str, optional
        File name for the history note (``导入 x.csv 第 3 行``).

    Returns
    -------
    DataFrame
        Same index: ``valid`` (bool), ``reason``, ``note`` and the problem fields
        (``lon``, ``lat``, ``source_type``, ``zone``, ``zone_level``, ``stake``, …).

    Examples
    --------
    >>> f = findings_from_classified(sources, origin="排查", found_on=dt.date(2021, 9, 20))
    >>> int(f["valid"].sum()) < len(f), f.loc[f["valid"], "found_on"].iloc[0]
    (True, datetime.date(2021, 9, 20))
    """
    if origin not in ORIGINS:
        from geo_guard._errors import OptionError

        raise OptionError(f"--origin {origin!r}: use one of {', '.join(ORIGINS)}")
    default_day = found_on or dt.date.today()
    n = len(classified)
    columns = list(classified.columns)
    out = pd.DataFrame(index=classified.index)
    out["valid"] = (classified["status"] == "ok").to_numpy()
    out["reason"] = classified["reason"].fillna("").astype(str).to_numpy()
    for field in ("lon", "lat", "distance_m", "chainage_m"):
        out[field] = pd.to_numeric(classified[field], errors="coerce").to_numpy(dtype=float)
    out["zone_level"] = pd.array(classified["zone_level"], dtype="Int64")
    for field in ("zone", "stake", "bank", "source_type"):
        out[field] = [_cell(v) for v in classified[field]]
    for name, headers in (("township", TOWNSHIP_HEADERS), ("village", VILLAGE_HEADERS)):
        out[name] = _admin_column(classified, name, headers)
    typed = {field: _typed_column(columns, headers) for field, headers in FIELD_HEADERS.items()}
    for field in ("name", "description", "measure", "found_by", "unit", "person"):
        column = typed[field]
        out[field] = [_cell(v) for v in classified[column]] if column is not None else None
    out["found_by"] = out["found_by"].where(out["found_by"].notna(), found_by)
    notes = [[f"导入 {source_name} 第 {i + 1} 行"] if source_name else [] for i in range(n)]
    out["deadline"] = _dates(classified, typed["deadline"], None, notes, "整改时限")
    out["found_on"] = _dates(classified, typed["found_on"], default_day, notes, "发现日期")
    origins = [_origin(v) for v in classified[typed["origin"]]] if typed["origin"] else [None] * n
    out["origin"] = [o or origin for o in origins]
    if out["description"].isna().all() and out["name"].notna().any():
        out["description"] = out["name"]
    if responsibility is not None:
        type_column = _typed_column(columns, tuple(h for h in TYPE_HEADERS if h != "source_type"),
                                    also=("source_type_input",))
        texts = [" ".join(filter(None, (_cell(a), _cell(b)))) for a, b in zip(
            classified[type_column] if type_column else [None] * n,
            out["description"], strict=True)]
        suggested = responsibility.units_for(out["source_type"], texts)
        out["unit"] = [u or s for u, s in zip(out["unit"], suggested, strict=True)]
    out["note"] = ["；".join(parts) or None for parts in notes]
    return out


def _admin_column(classified: pd.DataFrame, name: str, headers: tuple[str, ...]) -> list[Any]:
    """The township/village joined from the admin layer, else as typed in the list."""
    joined = [_cell(v) for v in classified[name]] if name in classified.columns else [None] * len(
        classified)
    typed = _typed_column(list(classified.columns), tuple(h for h in headers if h != name),
                          also=(f"{name}_input",))
    typed_values = [_cell(v) for v in classified[typed]] if typed else [None] * len(classified)
    return [a or b for a, b in zip(joined, typed_values, strict=True)]


def _typed_column(columns: list[Any], headers: tuple[str, ...], *,
                  also: tuple[str, ...] = ()) -> Any:
    """The input column holding one of ``headers``: classify keeps an input column whose
    name it adds itself (行政村, 名称, village …) as ``<name>_input``, so that is looked
    for first."""
    candidates = [*also, *(n for h in headers for n in (f"{h}_input", h))]
    return find_column(columns, tuple(candidates))


def _dates(classified: pd.DataFrame, column: Any, default: dt.date | None,
           notes: list[list[str]], label: str) -> list[Any]:
    if column is None:
        return [default] * len(classified)
    out = []
    for value, note in zip(classified[column], notes, strict=True):
        day = parse_day(value)
        if day is None and not is_missing(value):
            note.append(f"{label}原文：{str(value).strip()}")
        out.append(day or default)
    return out


def import_findings(
    ledger: Ledger,
    sources: pd.DataFrame,
    canal: Canal,
    rules: ZoneRules | None = None,
    *,
    zones: pd.DataFrame | None = None,
    admin: pd.DataFrame | None = None,
    crs: Any = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    type_col: str | None = None,
    origin: str = "排查",
    found_on: dt.date | None = None,
    by: str | None = None,
    responsibility: Responsibility | None = None,
    dedup_m: float = 30.0,
    at: dt.datetime | None = None,
    source_name: str | None = None,
) -> ImportResult:
    """Classify a field list and register it: new problems, repeat findings, invalid rows.

    Classification happens first and outside the database; the registration of all valid
    rows is then one transaction (all rows or none).

    Parameters
    ----------
    ledger : Ledger
    sources : DataFrame or GeoDataFrame
        As read by :func:`geo_guard.io.read_table` or :func:`geo_guard.io.read_vector`.
    canal, rules, zones, admin, crs, lon_col, lat_col, type_col
        As for :func:`geo_guard.classify`.
    origin, found_on, responsibility, source_name
        As for :func:`findings_from_classified`.
    by : str, optional
        Who imports; also 发现人 of rows that do not say.
    dedup_m : float
        Radius of repeat findings (metres), see :meth:`Ledger.register`.
    at : datetime, optional
        Time recorded in the history (default now).

    Returns
    -------
    ImportResult

    Examples
    --------
    >>> from geo_guard.ledger import init_ledger
    >>> led = init_ledger(tmp / "import.gpkg")
    >>> table = pd.DataFrame({"经度": [112.30, 112.30001, 999], "纬度": [33.0, 33.0, 33.0],
    ...                       "类型": ["养猪场", "养殖场", "饭店"]})
    >>> result = import_findings(led, table, canal, rules, found_on=dt.date(2021, 9, 20))
    >>> result.new, result.repeats, len(result.invalid)
    (1, 1, 1)
    """
    classified = classify(sources, canal, rules, zones=zones, crs=crs, lon_col=lon_col,
                          lat_col=lat_col, type_col=type_col, admin=admin)
    findings = findings_from_classified(classified, origin=origin, found_on=found_on,
                                        found_by=by, responsibility=responsibility,
                                        source_name=source_name)
    valid = findings["valid"].to_numpy()
    rows = pd.DataFrame({
        "row": np.arange(1, len(findings) + 1),
        "outcome": np.where(valid, "", "无效"),
        "problem_id": pd.array([pd.NA] * len(findings), dtype="Int64"),
        "match_m": np.nan,
        "source_type": findings["source_type"].to_numpy(),
        "zone": findings["zone"].to_numpy(),
        "village": findings["village"].to_numpy(),
        "unit": findings["unit"].to_numpy(),
        "reason": findings["reason"].to_numpy(),
    })
    if valid.any():
        registered = ledger.register(findings[valid].drop(columns=["valid", "reason"]),
                                     dedup_m=dedup_m, by=by, at=at)
        rows.loc[valid, "outcome"] = registered["outcome"].to_numpy()
        rows.loc[valid, "problem_id"] = registered["problem_id"].to_numpy()
        rows.loc[valid, "match_m"] = registered["match_m"].to_numpy()
    return ImportResult(rows)
