from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo_guard._errors import GeoGuardError
from geo_guard.canal.stakes import format_stake, format_stakes, parse_stake


@pytest.mark.parametrize(
    ("metres", "kwargs", "text"),
    [
        (0.0, {}, "K0+000"),
        (12345.0, {}, "K12+345"),
        (12345.4, {}, "K12+345"),
        (999.6, {}, "K1+000"),
        (12345.678, {"decimals": 2}, "K12+345.68"),
        (5.0, {"decimals": 1}, "K0+005.0"),
        (12345.0, {"prefix": "Z"}, "ZK12+345"),
        (-12.0, {}, "-K0+012"),
    ],
)
def test_format_stake(metres: float, kwargs: dict, text: str) -> None:
    assert format_stake(metres, **kwargs) == text


def test_format_stakes_handles_nan() -> None:
    assert format_stakes(np.array([np.nan, 1000.0])).tolist() == ["", "K1+000"]


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("K12+345", 12345.0),
        ("k0+005.5", 5.5),
        ("ZK12+345", 12345.0),
        ("中线K1 + 200", 1200.0),
        ("K3＋100", 3100.0),
        ("-K0+012", -12.0),
    ],
)
def test_parse_stake(text: str, metres: float) -> None:
    assert parse_stake(text) == pytest.approx(metres)


@pytest.mark.parametrize("text", ["12+345", "K12+1000", "K12", "", "abc"])
def test_parse_stake_rejects(text: str) -> None:
    with pytest.raises(GeoGuardError, match="is not a stake"):
        parse_stake(text)


@given(st.floats(min_value=0, max_value=2e6, allow_nan=False))
def test_round_trip(metres: float) -> None:
    # Half a unit off at most; a tie such as 0.875 -> 0.88 is 0.005 plus float noise.
    assert parse_stake(format_stake(metres, decimals=2)) == pytest.approx(metres, abs=0.005 + 1e-9)
