"""Shared fixtures: tiny hand-made canals in a metric CRS, and the real data in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from geo_guard.canal.model import Canal
from geo_guard.zones.rules import rules_from_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "boundaries"
#: The real data beside the checkout; GEO_GUARD_SHARED_DATA points elsewhere (a worktree).
SHARED_DATA = Path(os.environ.get("GEO_GUARD_SHARED_DATA", ROOT.parent / "shared" / "data"))
METRIC = "EPSG:4547"  # CGCS2000 3-degree Gauss-Kruger CM 114E
X0, Y0 = 500_000.0, 3_650_000.0


def shared_file(name: str) -> Path:
    """Path of a file in ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(
            f"real data not available: {path} is absent (it lives in ../shared/data "
            "beside the checkout; a fresh clone of the project alone does not have it)"
        )
    return path


def line_frame(*segments: list[tuple[float, float]], **columns: list) -> gpd.GeoDataFrame:
    """Segments given relative to (X0, Y0) in EPSG:4547."""
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in seg]) for seg in segments]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=METRIC)


def uniform_rules(edge: float = 20, first: float = 50, second: float = 150) -> object:
    return rules_from_text(f"""
[defaults]
edge_m = {edge}
[[rules]]
name = "all"
default = true
widths = {{ first = {first}, second = {second} }}
""")


@pytest.fixture
def straight_canal() -> Canal:
    """A 3 km straight canal flowing east in three 1 km segments A, B, C."""
    frame = line_frame(
        [(0, 0), (1000, 0)],
        [(1000, 0), (2000, 0)],
        [(2000, 0), (3000, 0)],
        segment_id=["A", "B", "C"],
    )
    return Canal.from_frame(frame)


@pytest.fixture
def bent_canal() -> Canal:
    """Two segments with a 50° left turn and a gentle bend in the second."""
    frame = line_frame(
        [(0, 0), (1000, 0)], [(1000, 0), (1500, 600), (1600, 1500)], segment_id=["A", "B"]
    )
    return Canal.from_frame(frame)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL + PostGIS cluster (temp folder, Unix socket), or a skip."""
    from ._pg import PostgresUnavailable, start_cluster

    try:
        cluster = start_cluster()
    except PostgresUnavailable as err:
        pytest.skip(f"PostgreSQL/PostGIS unavailable: {err}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["gpkg", "postgis"])
def ledger_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new ledger goes: a GeoPackage file, then a fresh PostGIS database."""
    if request.param == "gpkg":
        return str(tmp_path / "ledger.gpkg")
    return request.getfixturevalue("postgres_cluster").create_database()


@pytest.fixture(scope="session")
def dask_client():
    """A real dask.distributed cluster shared by the tests that need one: two worker
    processes with one thread each (skipped when the 'dask' extra is not installed)."""
    distributed = pytest.importorskip(
        "distributed", reason="the 'dask' extra (dask-geopandas, distributed) is not installed"
    )
    pytest.importorskip("dask_geopandas", reason="the 'dask' extra is not installed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GB",
        dashboard_address=":0", silence_logs=40,
    )
    with cluster, distributed.Client(cluster, timeout="60s") as client:
        yield client


def government_form(path: Path, points: dict[str, list[tuple[float, float]]],
                    unreadable_row: bool = False) -> Path:
    """A workbook as townships send it, one sheet per township: a 附件2 label, a
    填报单位/填报时间 row, 坐标 merged over 经度/纬度 (the other headers merged down), the
    township written once and merged down the data rows, and a 注： row at the bottom.
    ``unreadable_row`` adds a last data row whose coordinates are 不详."""
    import openpyxl

    book = openpyxl.Workbook()
    for town, rows in points.items():
        sheet = book.create_sheet(town)
        sheet.append(["附件2"])
        sheet.append(["填报单位：" + town, None, None, "填报时间：2021年10月14日"])
        sheet.append(["序号", "乡镇（街道）", "名称", "坐标", None])
        sheet.append([None, None, None, "经度", "纬度"])
        sheet.merge_cells("D3:E3")
        for column in "ABC":
            sheet.merge_cells(f"{column}3:{column}4")
        for k, (lon, lat) in enumerate(rows, start=1):
            sheet.append([k, town if k == 1 else None, f"{town}点{k}", lon, lat])
        count = len(rows)
        if unreadable_row:
            count += 1
            sheet.append([count, None, "坐标不详", "不详", "不详"])
        if count > 1:
            sheet.merge_cells(f"B5:B{4 + count}")
        sheet.append(["注：坐标为WGS84。"])
    del book["Sheet"]
    book.save(path)
    return path

