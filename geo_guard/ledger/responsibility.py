"""The responsibility table (职责分工): which unit a problem goes to, from its type.

A TOML file of ordered rules: each names a unit (责任单位) and the risk-source types
(``source_types``, the categories of :mod:`geo_guard.vocabulary.source_types`) and/or
words (``keywords``, looked for in the type as typed and in the description) it is
responsible for. The first rule that matches wins; ``default`` (the 属地, e.g. the
sub-district office, 责任主体 in the seed) takes the rest. An import writes the suggestion
into ``unit``; ``geo-guard ledger assign`` confirms it or gives another.

``data/ledger/responsibility.example.toml`` is an example taken from the seed's 职责
section (五(二) 明确职责任务); a district writes its own.

Examples
--------
>>> table = responsibility_from_text('''
... default = "百里奚街道办事处"
... [[rules]]
... unit = "社会事业局"
... source_types = ["畜禽养殖"]
... keywords = ["种植", "廊道绿化"]
... ''')
>>> table.units_for(["畜禽养殖", "其他", "旅游餐饮"], ["", "廊道绿化缺株", ""]).tolist()
['社会事业局', '社会事业局', '百里奚街道办事处']
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geo_guard._errors import InputFileError, one_line

__all__ = ["Responsibility", "ResponsibilityRule", "load_responsibility",
           "responsibility_from_text"]


@dataclass(frozen=True)
class ResponsibilityRule:
    """One unit and what it answers for."""

    unit: str
    source_types: frozenset[str]
    keywords: tuple[str, ...]

    def matches(self, source_type: str, text: str) -> bool:
        return source_type in self.source_types or any(k in text for k in self.keywords)


@dataclass(frozen=True)
class Responsibility:
    """Ordered rules and a default unit (None: no suggestion when nothing matches)."""

    rules: tuple[ResponsibilityRule, ...]
    default: str | None = None
    source: str = "<responsibility>"

    def unit_for(self, source_type: str | None, text: str | None = "") -> str | None:
        """The unit for one problem.

        Examples
        --------
        >>> Responsibility((ResponsibilityRule("城管局", frozenset(), ("城市污水",)),)
        ...                ).unit_for("排污口", "城市污水管网溢流")
        '城管局'
        """
        kind, words = source_type or "", text or ""
        for rule in self.rules:
            if rule.matches(kind, words):
                return rule.unit
        return self.default

    def units_for(self, source_types: Iterable[str | None],
                  texts: Iterable[str | None]) -> np.ndarray:
        """The unit for every problem (object array)."""
        return np.array([self.unit_for(t, x) for t, x in zip(source_types, texts, strict=True)],
                        dtype=object)


def load_responsibility(path: str | Path) -> Responsibility:
    """Read a responsibility table (TOML).

    Raises
    ------
    InputFileError
        Missing file, TOML syntax error, a rule without ``unit`` or matching nothing.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: responsibility table not found; see "
                             "data/ledger/responsibility.example.toml")
    return responsibility_from_text(p.read_text(encoding="utf-8-sig"), source=p.name)


def responsibility_from_text(text: str, *, source: str = "<responsibility>") -> Responsibility:
    """Parse a responsibility table from TOML text (see the module's example)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputFileError(f"{source}: not valid TOML ({one_line(err)})") from None
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise InputFileError(f"{source}: 'rules' must be a list of [[rules]] tables")
    rules = tuple(_rule(raw, i, source) for i, raw in enumerate(raw_rules, start=1))
    default = data.get("default")
    if default is not None and (not isinstance(default, str) or not default.strip()):
        raise InputFileError(f"{source}: 'default' must be a unit name (text)")
    if not rules and default is None:
        raise InputFileError(f"{source}: no [[rules]] and no default unit; nothing to suggest")
    return Responsibility(rules, default.strip() if default else None, source)


def _rule(raw: Any, number: int, source: str) -> ResponsibilityRule:
    where = f"{source}: rule {number}"
    if not isinstance(raw, dict):
        raise InputFileError(f"{where} is not a table; write it as [[rules]]")
    unit = raw.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise InputFileError(f"{where} has no unit; add unit = \"责任单位名称\"")
    types = _strings(raw.get("source_types", []), f"{where} source_types")
    keywords = _strings(raw.get("keywords", []), f"{where} keywords")
    if not types and not keywords:
        raise InputFileError(f"{where} ({unit}) matches nothing; give source_types or keywords")
    unknown = set(raw) - {"unit", "source_types", "keywords", "note"}
    if unknown:
        raise InputFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use unit, "
                             "source_types, keywords, note")
    return ResponsibilityRule(unit.strip(), frozenset(types), tuple(keywords))


def _strings(value: Any, where: str) -> Sequence[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputFileError(f"{where} must be a list of text, e.g. [\"工业企业\", \"排污口\"]")
    return [v.strip() for v in value if v.strip()]
