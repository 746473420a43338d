"""The audit's thresholds: one dataclass, read from the ``[audit]`` table of a TOML file.

No national text gives a numeric spacing for boundary markers (HJ/T 433-2008 sets out the
markers and signs, HJ 773-2015 the facilities, without distances), so every number here is
a working value that the local requirement replaces; ``data/boundaries/
audit_rules.example.toml`` ships them with a header that says so. The ``[audit]`` table may
also sit in the zone rules file: the zones read only its ``[[rules]]``.

Examples
--------
>>> options = audit_options_from_text('''
... [audit]
... marker_spacing_m = 300
... [audit.required_facilities]
... "管线" = ["应急池"]
... ''')
>>> options.marker_spacing_m, options.required_for("管线"), options.required_for("道路")
(300.0, ('应急池',), ('防撞护栏', '事故导流槽', '应急池'))
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from geo_guard._errors import OptionError, RulesError
from geo_guard.audit.vocabulary import (
    BRIDGE,
    CROSSING_KINDS,
    FACILITIES,
    ROAD,
    crossing_kind,
    facility_name,
)
from geo_guard.settings import FIRST_LEVEL, MANAGEMENT_LEVEL, QUASI_LEVEL, SECOND_LEVEL
from geo_guard.zones import ZoneRules, rules_from_dict

__all__ = ["AuditOptions", "audit_options_from_dict", "audit_options_from_text",
           "load_audit_options", "load_rules_files"]

ALL_FACILITIES: tuple[str, ...] = tuple(name for _, name in FACILITIES)
_LEVELS = (MANAGEMENT_LEVEL, FIRST_LEVEL, SECOND_LEVEL, QUASI_LEVEL)


@dataclass(frozen=True)
class AuditOptions:
    """Thresholds of the audit (working values; see the module text).

    Attributes
    ----------
    marker_spacing_m : float
        Longest stretch of a zone boundary allowed between two intact 界标 (or between
        the boundary's end and the first one), measured along the boundary.
    corner_turn_deg : float
        A boundary vertex turning more than this is a turning point (拐点) that needs a
        界标 within ``corner_radius_m``.
    corner_radius_m : float
    marker_offset_m : float
        A 界标 farther than this from every zone boundary is not counted (wrong place or
        wrong coordinates); its row says so.
    sign_radius_m : float
        An intact 警示牌 this close to the place a road enters a zone counts for it.
    fence_buffer_m : float
        The management edge counts as fenced where an intact fence is this close.
    min_fence_gap_m : float
        Shortest unfenced stretch reported.
    marker_levels : tuple of int
        Zone levels whose outer boundary needs 界标.
    crossing_levels : tuple of int
        Zone levels whose entries are listed (一级, 二级).
    sign_kinds : tuple of str
        Crossing kinds that need a 警示牌 at each entry (State Council order 647 art. 41:
        road junctions and bridge entrances).
    required_facilities : mapping
        Crossing kind -> facilities required where it crosses the 一级 zone or the canal;
        kinds not listed need all three.
    source : str
        Where the numbers came from (shown in the 说明 sheet).
    """

    marker_spacing_m: float = 500.0
    corner_turn_deg: float = 30.0
    corner_radius_m: float = 50.0
    marker_offset_m: float = 50.0
    sign_radius_m: float = 100.0
    fence_buffer_m: float = 10.0
    min_fence_gap_m: float = 20.0
    marker_levels: tuple[int, ...] = (FIRST_LEVEL, SECOND_LEVEL, QUASI_LEVEL)
    crossing_levels: tuple[int, ...] = (FIRST_LEVEL, SECOND_LEVEL)
    sign_kinds: tuple[str, ...] = (ROAD, BRIDGE)
    required_facilities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = "默认工作值 / built-in working values"

    def required_for(self, kind: str) -> tuple[str, ...]:
        """Facilities a crossing of this kind needs in the 一级 zone (all three unless
        the rules say otherwise)."""
        return tuple(self.required_facilities.get(kind, ALL_FACILITIES))

    def with_overrides(self, **values: Any) -> AuditOptions:
        """A copy with the given thresholds replaced (``None`` values are ignored).

        >>> AuditOptions().with_overrides(sign_radius_m=50, marker_spacing_m=None).sign_radius_m
        50.0
        """
        given = {k: v for k, v in values.items() if v is not None}
        unknown = sorted(set(given) - {f.name for f in fields(self)})
        if unknown:
            raise OptionError(f"unknown audit option(s) {', '.join(unknown)}")
        return replace(self, **given).check()

    def check(self) -> AuditOptions:
        """The options with numbers as floats, or :class:`OptionError` for a bad one."""
        numbers = {}
        for name in ("marker_spacing_m", "corner_turn_deg", "corner_radius_m",
                     "marker_offset_m", "sign_radius_m", "fence_buffer_m", "min_fence_gap_m"):
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise OptionError(f"{_flag(name)} = {value!r}: give a number") from None
            if not math.isfinite(number) or number < 0:
                raise OptionError(f"{_flag(name)} = {value!r}: give 0 or more")
            numbers[name] = number
        if numbers["marker_spacing_m"] <= 0:
            raise OptionError("--marker-spacing-m must be more than 0 (metres between 界标)")
        if not 0 < numbers["corner_turn_deg"] < 180:
            raise OptionError(f"corner_turn_deg = {self.corner_turn_deg}: give 1 to 179 degrees")
        for name in ("marker_levels", "crossing_levels"):
            bad = [v for v in getattr(self, name) if v not in _LEVELS]
            if bad:
                raise OptionError(f"{name} {bad}: use zone levels 0-3 (1 一级, 2 二级, 3 准)")
        return replace(self, **numbers, marker_levels=tuple(int(v) for v in self.marker_levels),
                       crossing_levels=tuple(int(v) for v in self.crossing_levels))

    def as_rows(self) -> list[tuple[str, str]]:
        """(项目, 内容) rows for the 说明 sheet, in Chinese."""
        required = "；".join(f"{kind}：{'、'.join(self.required_for(kind)) or '不要求'}"
                            for kind in CROSSING_KINDS)
        return [
            ("阈值来源", self.source),
            ("界标最大间距(m)", f"{self.marker_spacing_m:g}：沿保护区边界相邻两处完好界标"
                            "（或边界端点与第一处界标）之间超过该长度即列为缺失界标段"),
            ("拐点转角(°)", f"{self.corner_turn_deg:g}：边界转角大于该值的顶点为拐点"),
            ("拐点界标半径(m)", f"{self.corner_radius_m:g}：拐点该距离内无完好界标即列出"),
            ("界标距边界上限(m)", f"{self.marker_offset_m:g}：距各级边界均超过该距离的界标不计入"),
            ("警示牌半径(m)",
             f"{self.sign_radius_m:g}：线状工程进入保护区处该距离内应有完好警示牌"),
            ("需设警示牌的类型", "、".join(self.sign_kinds) or "无"),
            ("隔离网缓冲(m)",
             f"{self.fence_buffer_m:g}：管理范围边线该距离内有完好隔离网即视为已防护"),
            ("最短隔离网缺口(m)", f"{self.min_fence_gap_m:g}：短于该长度的未防护段不列出"),
            ("检查界标的保护区级别", "、".join(map(str, self.marker_levels))),
            ("检查进入点的保护区级别", "、".join(map(str, self.crossing_levels))),
            ("穿越一级保护区或总干渠须设设施", required),
            ("说明", "以上数值为工作值，国家标准未规定界标间距，"
                     "请按当地要求修改规则文件 [audit] 表。"),
        ]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def load_audit_options(path: str | Path) -> AuditOptions:
    """Read the ``[audit]`` table of a TOML file (defaults where it is silent).

    Raises
    ------
    RulesError
        Missing file, TOML syntax error, unknown key or bad value.

    Examples
    --------
    >>> load_audit_options("data/boundaries/audit_rules.example.toml").marker_spacing_m
    500.0
    """
    path = Path(path)
    return audit_options_from_dict(_read_toml(path).get("audit", {}), source=str(path))


def load_rules_files(paths: Sequence[str | Path]) -> tuple[ZoneRules | None, AuditOptions]:
    """Zone rules and audit thresholds from one or more TOML files.

    Each file may hold zone rules (``[[rules]]``, as ``geo-guard zones`` reads them), an
    ``[audit]`` table, or both; at most one file may give each.

    Raises
    ------
    RulesError
        Missing or unreadable file, a file with neither, two files with the same part.

    Examples
    --------
    >>> zone_rules, options = load_rules_files(["data/boundaries/zone_rules.example.toml",
    ...                                         "data/boundaries/audit_rules.example.toml"])
    >>> zone_rules.rules[-1].name, options.sign_radius_m
    ('默认', 100.0)
    """
    zone_rules: ZoneRules | None = None
    options: AuditOptions | None = None
    for raw in paths:
        path = Path(raw)
        data = _read_toml(path)
        if "rules" not in data and "audit" not in data:
            raise RulesError(f"{path}: holds neither zone rules ([[rules]]) nor audit thresholds "
                             "([audit]); see data/boundaries/audit_rules.example.toml")
        if "rules" in data:
            if zone_rules is not None:
                raise RulesError(f"{path}: a second zone-rules file; give one with [[rules]]")
            zone_rules = rules_from_dict(data, source=str(path))
        if "audit" in data:
            if options is not None:
                raise RulesError(f"{path}: a second [audit] table; give the thresholds once")
            options = audit_options_from_dict(data["audit"], source=str(path))
    return zone_rules, options or AuditOptions()


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RulesError(f"{path}: no such rules file; check the path (examples: "
                         "data/boundaries/zone_rules.example.toml, audit_rules.example.toml)")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise RulesError(f"{path}: not UTF-8 text; save the rules file as UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        raise RulesError(f"{path}: TOML syntax error: {err}; fix that line") from None


def audit_options_from_text(text: str, *, source: str = "<audit rules>") -> AuditOptions:
    """Parse the ``[audit]`` table from TOML text (see :func:`load_audit_options`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RulesError(f"{source}: TOML syntax error: {err}; fix that line") from None
    return audit_options_from_dict(data.get("audit", {}), source=source)


def audit_options_from_dict(table: Mapping[str, Any], *, source: str = "<audit rules>"
                            ) -> AuditOptions:
    """Build options from the parsed ``[audit]`` table."""
    if not isinstance(table, Mapping):
        raise RulesError(f"{source}: [audit] must be a table of thresholds")
    known = {f.name for f in fields(AuditOptions)} - {"source"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise RulesError(f"{source}: [audit] has unknown key(s) {', '.join(unknown)}; allowed: "
                         f"{', '.join(sorted(known))}")
    values: dict[str, Any] = {k: v for k, v in table.items() if k not in (
        "required_facilities", "sign_kinds", "marker_levels", "crossing_levels")}
    for name in ("marker_levels", "crossing_levels"):
        if name in table:
            values[name] = tuple(_level(v, source, name) for v in _list(table[name], source, name))
    if "sign_kinds" in table:
        values["sign_kinds"] = tuple(_kind(v, source) for v in
                                     _list(table["sign_kinds"], source, "sign_kinds"))
    if "required_facilities" in table:
        raw = table["required_facilities"]
        if not isinstance(raw, Mapping):
            raise RulesError(f"{source}: [audit.required_facilities] must map a kind to a list")
        values["required_facilities"] = {
            _kind(kind, source): tuple(_facility(v, source) for v in
                                       _list(items, source, f"required_facilities.{kind}"))
            for kind, items in raw.items()}
    try:
        return AuditOptions(**values, source=source).check()
    except OptionError as err:
        raise RulesError(f"{source}: [audit] {err}") from None


def _list(value: Any, source: str, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise RulesError(f"{source}: [audit] {name} must be a list, e.g. [1, 2]")
    return value


def _level(value: Any, source: str, name: str) -> int:
    if isinstance(value, int) and value in _LEVELS:
        return value
    raise RulesError(f"{source}: [audit] {name} holds {value!r}; use levels 0-3")


def _kind(value: Any, source: str) -> str:
    kind = crossing_kind(value)
    if kind is None:
        raise RulesError(f"{source}: [audit] unknown crossing kind {value!r}; use "
                         f"{', '.join(CROSSING_KINDS)}")
    return kind


def _facility(value: Any, source: str) -> str:
    name = facility_name(value)
    if name is None:
        raise RulesError(f"{source}: [audit] unknown facility {value!r}; use "
                         f"{', '.join(ALL_FACILITIES)}")
    return name
