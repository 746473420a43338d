"""Zone-width rules: load a TOML rules file, validate it, and match canal segments.

A rules file is an ordered list of ``[[rules]]``. Each has ``match`` conditions on segment
attributes and ``widths`` in metres per zone level, measured outward from the management
edge (first-class from the edge, second-class from the first-class line, ...). The first
rule whose conditions all hold wins; a rule with ``default = true`` matches anything.
``widths_left`` / ``widths_right`` override the widths for one bank. See
``data/boundaries/zone_rules.example.toml`` for a full, commented example.

Examples
--------
>>> rules = rules_from_text('''
... [defaults]
... edge_m = 60
... [[rules]]
... name = "structures"
... match = { structure = ["渡槽", "倒虹吸"] }
... widths = { first = 50, second = 150 }
... [[rules]]
... name = "default"
... default = true
... widths = { first = 50, second = 1000 }
... ''')
>>> rules.match({"structure": "aqueduct"}).name
'structures'
>>> rules.match({"structure": "明渠"}).widths_for("左岸")
{1: 50.0, 2: 1000.0}
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo_guard._errors import RulesError
from geo_guard.settings import (
    BANK_LEFT,
    BANK_RIGHT,
    BANKS,
    FIRST_LEVEL,
    MAX_REACH_M,
    QUASI_LEVEL,
    SECOND_LEVEL,
)
from geo_guard.vocabulary.columns import (
    SEGMENT_ATTRIBUTES,
    canonical_column,
    is_missing,
    normalise_value,
)

#: Keys accepted for a zone level in a ``widths`` table.
LEVEL_KEYS: dict[str, int] = {
    "first": FIRST_LEVEL,
    "1": FIRST_LEVEL,
    "一级": FIRST_LEVEL,
    "一级保护区": FIRST_LEVEL,
    "second": SECOND_LEVEL,
    "2": SECOND_LEVEL,
    "二级": SECOND_LEVEL,
    "二级保护区": SECOND_LEVEL,
    "quasi": QUASI_LEVEL,
    "3": QUASI_LEVEL,
    "准": QUASI_LEVEL,
    "准保护区": QUASI_LEVEL,
}

DEFAULT_CORRIDOR_M = 100.0


@dataclass(frozen=True)
class ZoneRule:
    """One rule: conditions on segment attributes and widths per bank and level.

    Attributes
    ----------
    name : str
        Name shown in outputs (column ``rule``).
    match : Mapping[str, frozenset[str]]
        Attribute → accepted canonical values; empty for a default rule.
    widths : Mapping[str, Mapping[int, float]]
        Bank (左岸/右岸) → level → width in metres.
    default : bool
        Matches every segment.
    edge_m : float or None
        Centerline-to-management-edge distance for segments without their own.
    corridor_m : float or None
        Ecological corridor width per bank.
    """

    name: str
    match: Mapping[str, frozenset[str]]
    widths: Mapping[str, Mapping[int, float]]
    default: bool = False
    edge_m: float | None = None
    corridor_m: float | None = None

    def matches(self, attributes: Mapping[str, Any]) -> bool:
        """True when every condition holds for ``attributes`` (values in any spelling)."""
        if self.default:
            return True
        for attribute, accepted in self.match.items():
            if normalise_value(attribute, attributes.get(attribute)) not in accepted:
                return False
        return True

    def widths_for(self, bank: str) -> dict[int, float]:
        """Widths per level for one bank (``左岸``/``右岸``), ordered by level."""
        return dict(sorted(self.widths[bank].items()))


@dataclass(frozen=True)
class ZoneRules:
    """An ordered rule set with file-level defaults.

    Attributes
    ----------
    rules : tuple of ZoneRule
    edge_m : float or None
        Default centerline-to-edge distance when neither segment nor rule gives one.
    corridor_m : float
        Default ecological-corridor width per bank.
    title, note : str
        Shown in reports; ``note`` says where the numbers come from.
    source : str
        File the rules came from.
    """

    rules: tuple[ZoneRule, ...]
    edge_m: float | None = None
    corridor_m: float = DEFAULT_CORRIDOR_M
    title: str = ""
    note: str = ""
    source: str = "<rules>"
    levels: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        levels = sorted({lvl for r in self.rules for w in r.widths.values() for lvl in w})
        object.__setattr__(self, "levels", tuple(levels))

    @property
    def has_default(self) -> bool:
        """True when some rule matches every segment."""
        return any(r.default for r in self.rules)

    def match(self, attributes: Mapping[str, Any], *, label: str = "segment") -> ZoneRule:
        """First rule that matches ``attributes``.

        Raises
        ------
        RulesError
            When no rule matches (only possible without a default rule).
        """
        for rule in self.rules:
            if rule.matches(attributes):
                return rule
        shown = ", ".join(
            f"{k}={attributes.get(k)}"
            for k in SEGMENT_ATTRIBUTES[1:]
            if not is_missing(attributes.get(k))
        )
        raise RulesError(
            f"{self.source}: {label} ({shown or 'no attributes'}) matches no rule and there is no "
            "default rule; add a last [[rules]] with default = true"
        )

    def edge_for(self, rule: ZoneRule, segment_edge: float | None, *, label: str) -> float:
        """Management-edge distance: the segment's own, else the rule's, else the file default."""
        for value in (segment_edge, rule.edge_m, self.edge_m):
            if value is not None and not is_missing(value):
                return float(value)
        raise RulesError(
            f"{label} has no management-edge distance: give the canal edge_left_m/edge_right_m "
            f"or set edge_m under [defaults] in {self.source}"
        )

    def corridor_for(self, rule: ZoneRule) -> float:
        """Ecological-corridor width of a segment matched by ``rule``."""
        return self.corridor_m if rule.corridor_m is None else rule.corridor_m


def load_rules(path: str | Path) -> ZoneRules:
    """Read and validate a TOML rules file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ZoneRules

    Raises
    ------
    RulesError
        For a missing file, a TOML syntax error (with its line) or an invalid rule.

    Examples
    --------
    >>> load_rules("data/boundaries/zone_rules.example.toml").title
    '南水北调中线总干渠水源保护区分区规则（示例）'
    """
    path = Path(path)
    if not path.is_file():
        raise RulesError(
            f"{path}: no such rules file; check the path (an example: "
            "data/boundaries/zone_rules.example.toml)"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RulesError(f"{path}: not UTF-8 text; save the rules file as UTF-8") from None
    return rules_from_text(text, source=str(path))


def rules_from_text(text: str, *, source: str = "<rules>") -> ZoneRules:
    """Parse rules from TOML text (see :func:`load_rules`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib's message already says "(at line N, column M)".
        raise RulesError(f"{source}: TOML syntax error: {err}; fix that line") from None
    return rules_from_dict(data, source=source)


def rules_from_dict(data: Mapping[str, Any], *, source: str = "<rules>") -> ZoneRules:
    """Build and validate rules from a parsed mapping (the TOML structure)."""
    meta = data.get("meta", {})
    defaults = data.get("defaults", {})
    if not isinstance(meta, Mapping) or not isinstance(defaults, Mapping):
        raise RulesError(f"{source}: [meta] and [defaults] must be tables")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{source}: no rules; add at least one [[rules]] table with widths")
    rules = tuple(_parse_rule(raw, i, source) for i, raw in enumerate(raw_rules, start=1))
    edge = defaults.get("edge_m")
    corridor = defaults.get("corridor_m", DEFAULT_CORRIDOR_M)
    return ZoneRules(
        rules=rules,
        edge_m=None if edge is None else _non_negative(edge, f"{source}: [defaults] edge_m"),
        corridor_m=_positive(corridor, f"{source}: [defaults] corridor_m"),
        title=str(meta.get("title", "")),
        note=str(meta.get("note", "")),
        source=source,
    )


def _parse_rule(raw: Any, number: int, source: str) -> ZoneRule:
    where = f"{source}: rule {number}"
    if not isinstance(raw, Mapping):
        raise RulesError(f"{where} is not a table; write it as [[rules]] with name, match, widths")
    name = str(raw.get("name", f"rule {number}"))
    where = f"{source}: rule {number} ('{name}')"
    known = {
        "name",
        "match",
        "widths",
        "widths_left",
        "widths_right",
        "default",
        "edge_m",
        "corridor_m",
        "note",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RulesError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    default = bool(raw.get("default", False))
    match = _parse_match(raw.get("match", {}), where)
    if not default and not match:
        raise RulesError(f"{where}: no match conditions; add match = {{ ... }} or default = true")
    base = _parse_widths(raw.get("widths", {}), where, "widths")
    widths = {
        BANK_LEFT: base | _parse_widths(raw.get("widths_left", {}), where, "widths_left"),
        BANK_RIGHT: base | _parse_widths(raw.get("widths_right", {}), where, "widths_right"),
    }
    for bank in BANKS:
        if not widths[bank]:
            raise RulesError(
                f"{where}: no widths for {bank}; add widths = {{ first = 50, second = 150 }}"
            )
        levels = sorted(widths[bank])
        if levels != list(range(1, len(levels) + 1)):
            raise RulesError(
                f"{where}: {bank} has levels {levels}; zones nest outward, so give first before "
                "second and second before quasi"
            )
    raw_edge, raw_corridor = raw.get("edge_m"), raw.get("corridor_m")
    edge = None if raw_edge is None else _non_negative(raw_edge, f"{where}: edge_m")
    corridor = None if raw_corridor is None else _positive(raw_corridor, f"{where}: corridor_m")
    for bank in BANKS:
        # Each number is at most MAX_REACH_M, so the sum is finite; it must also fit.
        total = sum(widths[bank].values()) + (edge or 0.0)
        if total > MAX_REACH_M:
            raise RulesError(
                f"{where}: the {bank} zones reach {total:,.0f} m from the "
                f"{'centerline (edge_m plus the widths)' if edge is not None else 'edge'}; "
                f"the outer line must stay within {_LIMIT}: check the widths' units (metres)"
            )
    return ZoneRule(
        name=name,
        match=match,
        widths=widths,
        default=default,
        edge_m=edge,
        corridor_m=corridor,
    )


def _parse_match(raw: Any, where: str) -> dict[str, frozenset[str]]:
    if not isinstance(raw, Mapping):
        raise RulesError(f'{where}: match must be a table, e.g. match = {{ structure = "明渠" }}')
    match: dict[str, frozenset[str]] = {}
    for key, value in raw.items():
        attribute = canonical_column(key)
        values = value if isinstance(value, list) else [value]
        canonical = {normalise_value(attribute, v) for v in values}
        if None in canonical:
            raise RulesError(f"{where}: match.{key} has an empty value")
        match[attribute] = frozenset(v for v in canonical if v is not None)
    return match


def _parse_widths(raw: Any, where: str, key: str) -> dict[int, float]:
    if not isinstance(raw, Mapping):
        raise RulesError(
            f"{where}: {key} must be a table, e.g. {key} = {{ first = 50, second = 150 }}"
        )
    widths: dict[int, float] = {}
    for name, value in raw.items():
        level = LEVEL_KEYS.get(str(name).strip().lower())
        if level is None:
            raise RulesError(
                f"{where}: {key}.{name} is not a zone level; "
                "use first, second or quasi (一级, 二级, 准)"
            )
        widths[level] = _positive(value, f"{where}: {key}.{name}")
    return widths


#: How the distance limit reads in messages.
_LIMIT = f"{MAX_REACH_M:,.0f} m ({MAX_REACH_M / 1000:.0f} km)"


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number <= 0:
        raise RulesError(f"{where} = {value}: a width must be a positive number of metres")
    return _within_reach(number, value, where)


def _non_negative(value: Any, where: str) -> float:
    number = _number(value, where)
    if number < 0:
        raise RulesError(f"{where} = {value}: a distance cannot be negative")
    return _within_reach(number, value, where)


def _within_reach(number: float, value: Any, where: str) -> float:
    if number > MAX_REACH_M:
        raise RulesError(
            f"{where} = {value}: too large; widths and distances are metres from 0 to "
            f"{_LIMIT} (check the units)"
        )
    return number


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RulesError(f"{where} = {value!r}: give a number of metres")
    return float(value)
