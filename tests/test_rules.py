from __future__ import annotations

from pathlib import Path

import pytest

from geo_guard._errors import RulesError
from geo_guard.zones.rules import load_rules, rules_from_text

from .conftest import SAMPLE

BASE = """
[defaults]
edge_m = 60
[[rules]]
name = "buildings"
match = { structure = ["渡槽", "倒虹吸"] }
widths = { first = 50, second = 150 }
[[rules]]
name = "cut, groundwater above"
match = { structure = "open channel", section = "cut", groundwater = "above" }
widths = { "一级" = 50, "二级" = 1000 }
widths_left = { quasi = 500 }
"""


def test_first_match_wins_and_values_in_any_language() -> None:
    rules = rules_from_text(
        BASE + '[[rules]]\nname = "rest"\ndefault = true\nwidths = { first = 50 }\n'
    )
    assert rules.match({"structure": "Aqueduct"}).name == "buildings"
    rule = rules.match({"structure": "明渠", "section": "挖方", "groundwater": "高于渠底"})
    assert rule.name == "cut, groundwater above"
    assert rule.widths_for("左岸") == {1: 50.0, 2: 1000.0, 3: 500.0}
    assert rule.widths_for("右岸") == {1: 50.0, 2: 1000.0}
    assert rules.match({"structure": "明渠", "section": "填方"}).name == "rest"
    assert rules.levels == (1, 2, 3)


def test_example_file_loads_and_says_it_is_an_example() -> None:
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    assert rules.has_default
    assert "示例" in rules.title and "officially published" in rules.note
    assert rules.match({"structure": "渡槽"}).widths_for("左岸") == {1: 50.0, 2: 150.0}
    assert rules.corridor_for(rules.match({"structure": "明渠", "area_type": "城区"})) == 200.0


def test_no_default_and_no_match_is_an_error() -> None:
    rules = rules_from_text(BASE)
    with pytest.raises(
        RulesError, match=r"segment \(structure=暗涵\) matches no rule.*default = true"
    ):
        rules.match({"structure": "暗涵"})


def test_syntax_error_shows_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[defaults]\nedge_m = 60\n[[rules]]\nname = "x"\nwidths = { first = 50,, }\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match=r"TOML syntax error.*line 5"):
        load_rules(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[[rules]]\ndefault = true\nwidths = { first = -50 }",
            r"widths.first = -50: a width must be a positive",
        ),
        ('[[rules]]\ndefault = true\nwidths = { first = "50" }', r"give a number of metres"),
        ("[[rules]]\ndefault = true\nwidths = { fourth = 5 }", r"fourth is not a zone level"),
        ("[[rules]]\ndefault = true\nwidths = { second = 5 }", r"give first before second"),
        ('[[rules]]\nname = "x"\nwidths = { first = 5 }', r"no match conditions"),
        ("[[rules]]\ndefault = true\nwidth = { first = 5 }", r"unknown key\(s\) width"),
        (
            "[defaults]\nedge_m = -1\n[[rules]]\ndefault = true\nwidths = { first = 5 }",
            r"cannot be negative",
        ),
        ('[meta]\ntitle = "x"', r"no rules"),
    ],
)
def test_invalid_rules(body: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        rules_from_text(body)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no such rules file"):
        load_rules(tmp_path / "nope.toml")
