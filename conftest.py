"""Doctest namespace: the sample data, so docstring examples run for real.

Examples get ``canal``, ``rules``, ``forest``, ``sources`` (the sample risk sources,
classified with township and village), ``corridor_result`` and ``tmp``, a fresh
temporary folder to write to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parent / "data" / "boundaries"


@pytest.fixture(scope="session")
def _sample() -> dict[str, Any]:
    import geopandas as gpd

    from geo_guard import Canal, classify, load_rules
    from geo_guard.corridor.analysis import analyse_corridor
    from geo_guard.io.tables import read_table

    canal = Canal.from_file(SAMPLE / "canal.geojson")
    rules = load_rules(SAMPLE / "zone_rules.example.toml")
    forest = gpd.read_file(SAMPLE / "forest.geojson")
    villages = gpd.read_file(SAMPLE / "villages.geojson")
    return {
        "canal": canal,
        "rules": rules,
        "forest": forest,
        "sources": classify(read_table(SAMPLE / "risk_sources.csv"), canal, rules,
                            admin=villages),
        "corridor_result": analyse_corridor(canal, rules, forest),
    }


@pytest.fixture(autouse=True)
def _doctest_namespace(request: pytest.FixtureRequest, doctest_namespace: dict) -> None:
    # Only doctests need the sample (building it costs a second or two, once).
    if not isinstance(request.node, pytest.DoctestItem):
        return
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    doctest_namespace.update(np=np, pd=pd, gpd=gpd, tmp=request.getfixturevalue("tmp_path"),
                             **request.getfixturevalue("_sample"))
