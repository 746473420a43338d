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


LIMIT = r"from 0 to 100,000 m \(100 km\)"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[rules]]\ndefault = true\nwidths = { first = 50, second = 1e9 }",
         rf"widths.second = 1000000000.0: too large; widths and distances are metres {LIMIT}"),
        ("[[rules]]\ndefault = true\nwidths = { first = 50, second = 1e300, quasi = 1.7e308 }",
         r"widths.second = 1e\+300: too large"),
        ("[[rules]]\ndefault = true\nwidths = { first = 50 }\nwidths_left = { first = inf }",
         r"widths_left.first = inf: give a number of metres"),
        ("[[rules]]\ndefault = true\nedge_m = 100001\nwidths = { first = 50 }",
         rf"edge_m = 100001: too large; .*{LIMIT}"),
        ("[[rules]]\ndefault = true\ncorridor_m = 2e5\nwidths = { first = 50 }",
         r"corridor_m = 200000.0: too large"),
        ("[defaults]\ncorridor_m = 1e6\n[[rules]]\ndefault = true\nwidths = { first = 50 }",
         r"\[defaults\] corridor_m = 1000000.0: too large"),
        # Each width fits; added up they do not (first + second + quasi on the left bank).
        ("[[rules]]\ndefault = true\nwidths = { first = 60000, second = 30000 }\n"
         "widths_left = { quasi = 20000 }",
         r"the 左岸 zones reach 110,000 m from the edge; the outer line must stay within "
         r"100,000 m \(100 km\)"),
        ("[[rules]]\ndefault = true\nedge_m = 50000\nwidths = { first = 30000, second = 30000 }",
         r"the 左岸 zones reach 110,000 m from the centerline \(edge_m plus the widths\)"),
    ],
)
def test_widths_and_distances_have_limits(body: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        rules_from_text(body)


def test_widths_up_to_the_limit_are_accepted() -> None:
    rules = rules_from_text(
        "[[rules]]\ndefault = true\nedge_m = 0\ncorridor_m = 100000\n"
        "widths = { first = 50000, second = 40000, quasi = 10000 }"
    )
    assert rules.rules[0].widths_for("右岸") == {1: 50_000.0, 2: 40_000.0, 3: 10_000.0}


def test_a_rule_on_an_attribute_no_segment_has_is_warned_once(caplog) -> None:
    """A misspelt attribute (``structur``) or an empty column makes a rule that can never
    apply: one warning names the rule and the attribute; matched rules stay silent."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from geo_guard.canal.model import Canal
    from geo_guard.zones.build import segment_widths

    rules = rules_from_text(
        '[defaults]\nedge_m = 20\n'
        '[[rules]]\nname = "渡槽"\nmatch = { structur = "渡槽" }\nwidths = { first = 50 }\n'
        '[[rules]]\nname = "城区"\nmatch = { area_type = "城区" }\nwidths = { first = 80 }\n'
        '[[rules]]\nname = "其余"\ndefault = true\nwidths = { first = 100 }\n')
    line = LineString([(500_000, 3_650_000), (501_000, 3_650_000)])
    canal = Canal.from_frame(gpd.GeoDataFrame(
        {"structure": ["渡槽"], "area_type": [None]}, geometry=[line], crs="EPSG:4547"))
    with caplog.at_level("WARNING"):
        widths = segment_widths(canal, rules)
        segment_widths(canal, rules)  # asked again by another step: not said again
    assert set(widths["rule"]) == {"其余"}  # what the warning explains
    said = [r.getMessage() for r in caplog.records if "never apply" in r.getMessage()]
    assert len(said) == 1
    assert "'渡槽'" in said[0] and "'城区'" in said[0] and "'其余'" not in said[0]
    assert "area_type, structur (structur: no such column)" in said[0]
    caplog.clear()
    filled = Canal.from_frame(gpd.GeoDataFrame(
        {"structure": ["明渠"], "area_type": ["城区"]}, geometry=[line], crs="EPSG:4547"))
    with caplog.at_level("WARNING"):
        segment_widths(filled, rules_from_text(
            '[defaults]\nedge_m = 20\n'
            '[[rules]]\nname = "城区"\nmatch = { area_type = "城区" }\nwidths = { first = 80 }\n'
            '[[rules]]\nname = "其余"\ndefault = true\nwidths = { first = 100 }\n'))
    assert not [r for r in caplog.records if "never apply" in r.getMessage()]
