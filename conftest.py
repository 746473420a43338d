"""Doctest namespace: the sample canal and rules, so docstring examples run for real."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent / "data" / "boundaries"


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geo_guard import Canal, load_rules

    doctest_namespace.update(
        np=np, pd=pd, gpd=gpd,
        canal=Canal.from_file(SAMPLE / "canal.geojson"),
        rules=load_rules(SAMPLE / "zone_rules.example.toml"),
    )
