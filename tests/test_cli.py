"""The `geo-guard` command: outputs, summaries and one-line errors with exit status 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point

from geo_guard.cli import main

from .conftest import SAMPLE

CANAL = str(SAMPLE / "canal.geojson")
RULES = str(SAMPLE / "zone_rules.example.toml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_help_speaks_the_users_words() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "管理范围" in out and "classify" in out
    code, out, _ = run("zones", "--help")
    assert code == 0 and "--to-crs" in out and "Example" in out
    code, out, _ = run("classify", "--help")
    assert code == 0 and "--lon-col" in out and "gcj02" in out


def test_zones_writes_layers_and_prints_the_summary(tmp_path: Path) -> None:
    out_path = tmp_path / "zones.gpkg"
    code, out, err = run(
        "zones",
        "--canal",
        CANAL,
        "--rules",
        RULES,
        "--clip",
        str(SAMPLE / "study_area.geojson"),
        "-o",
        str(out_path),
    )
    assert code == 0, err
    layers = dict(pyogrio.list_layers(out_path))
    assert {"zones", "zones_dissolved", "centerline"} <= set(layers)
    zones = gpd.read_file(out_path, layer="zones")
    assert list(zones.columns)[:6] == [
        "zone",
        "zone_level",
        "bank",
        "segment_id",
        "rule",
        "width_m",
    ]
    assert zones.crs.to_epsg() == 4326
    assert "一级保护区" in out and "渡槽" in out and "K95+000" in out


def test_zones_to_geojson_in_another_crs(tmp_path: Path) -> None:
    out_path = tmp_path / "zones.geojson"
    code, _, err = run(
        "zones", "--canal", CANAL, "--rules", RULES, "--to-crs", "EPSG:4546", "-o", str(out_path)
    )
    assert code == 0, err
    assert gpd.read_file(out_path).crs.to_epsg() == 4546
    assert (tmp_path / "zones_dissolved.geojson").is_file()


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[Point(112.3, 33.0)], crs=4326).to_file(points)
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    no_crs = tmp_path / "no_crs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(geometry=[LineString([(112.3, 33.0), (112.4, 33.1)])]).to_file(no_crs)
    syntax = tmp_path / "syntax.toml"
    syntax.write_text(
        "[defaults]\nedge_m = 60\n[[rules]]\ndefault = true\nwidths = { first = }\n",
        encoding="utf-8",
    )
    negative = tmp_path / "negative.toml"
    negative.write_text("[[rules]]\ndefault = true\nwidths = { first = -50 }\n", encoding="utf-8")
    no_default = tmp_path / "no_default.toml"
    no_default.write_text(
        '[defaults]\nedge_m = 60\n[[rules]]\nmatch = { structure = "渡槽" }\n'
        "widths = { first = 50 }\n",
        encoding="utf-8",
    )
    return {
        "points": points,
        "empty": empty,
        "no_crs": no_crs,
        "syntax": syntax,
        "negative": negative,
        "no_default": no_default,
    }


@pytest.mark.parametrize(
    ("canal", "rules", "message"),
    [
        ("points", None, "holds Point geometry, not lines"),
        ("empty", None, "no features"),
        ("no_crs", None, "has no CRS; pass --crs"),
        (None, "syntax", r"TOML syntax error: .*line 5"),
        (None, "negative", "a width must be a positive number"),
        (None, "no_default", "matches no rule and there is no default rule"),
        ("missing", None, "no such file"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    bad_inputs: dict[str, Path], tmp_path: Path, canal: str | None, rules: str | None, message: str
) -> None:
    canal_path = str(bad_inputs.get(canal, tmp_path / "missing.gpkg")) if canal else CANAL
    rules_path = str(bad_inputs[rules]) if rules else RULES
    code, _, err = run(
        "zones", "--canal", canal_path, "--rules", rules_path, "-o", str(tmp_path / "z.gpkg")
    )
    assert code == 2
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1, err

    assert re.search(message, err), err
    assert not (tmp_path / "z.gpkg").exists()


def test_no_crs_with_crs_option_works(bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(
        "zones",
        "--canal",
        str(bad_inputs["no_crs"]),
        "--crs",
        "wgs84",
        "--rules",
        RULES,
        "-o",
        str(tmp_path / "z.gpkg"),
    )
    assert code == 0, err


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo_guard.cli",
            "zones",
            "--canal",
            str(tmp_path / "nope.gpkg"),
            "--rules",
            RULES,
            "-o",
            str(tmp_path / "z.gpkg"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "no such file" in proc.stderr


def test_classify_sample_to_xlsx_with_summary(tmp_path: Path) -> None:
    out_path = tmp_path / "classified.xlsx"
    code, out, err = run(
        "classify",
        str(SAMPLE / "risk_sources_gbk.csv"),
        "--canal",
        CANAL,
        "--rules",
        RULES,
        "--admin",
        str(SAMPLE / "villages.geojson"),
        "-o",
        str(out_path),
    )
    assert code == 0, err
    book = openpyxl.load_workbook(out_path)
    assert book.sheetnames == ["分类结果", "按保护区统计", "按类型统计", "无效行"]
    sheet = book["分类结果"]
    header = [c.value for c in sheet[1]]
    assert {"保护区", "桩号", "岸别", "乡镇(街道)", "状态", "说明"} <= set(header)
    assert sheet.max_row == 61
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(str(n).startswith("'=HYPERLINK") for n in names)  # never a live formula
    assert "4 invalid row(s)" in out and "畜禽养殖" in out


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".geojson", ".parquet"])
def test_classify_output_formats(tmp_path: Path, suffix: str) -> None:
    out_path = tmp_path / f"classified{suffix}"
    code, _, err = run(
        "classify",
        str(SAMPLE / "risk_sources.csv"),
        "--canal",
        CANAL,
        "--rules",
        RULES,
        "--headers",
        "en",
        "-o",
        str(out_path),
    )
    assert code == 0, err
    if suffix == ".csv":
        assert out_path.read_bytes()[:3] == b"\xef\xbb\xbf"
        back = pd.read_csv(out_path, encoding="utf-8-sig", dtype=str)
    elif suffix == ".parquet":
        back = gpd.read_parquet(out_path)
    else:
        back = gpd.read_file(out_path)
    assert len(back) == 60
    assert {"zone", "zone_level", "stake", "bank", "status", "reason"} <= set(back.columns)


def test_classify_bad_table_and_options(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,备注\na,b\n", encoding="utf-8")
    code, _, err = run(
        "classify", str(bad), "--canal", CANAL, "--rules", RULES, "-o", str(tmp_path / "o.csv")
    )
    assert code == 2 and "longitude" in err.lower() and len(err.strip().splitlines()) == 1
    code, _, err = run(
        "classify",
        str(SAMPLE / "risk_sources.csv"),
        "--canal",
        CANAL,
        "--rules",
        RULES,
        "-o",
        str(tmp_path / "o.txt"),
    )
    assert code == 2 and "unknown output type" in err
    code, _, err = run(
        "classify",
        str(SAMPLE / "risk_sources.csv"),
        "--canal",
        CANAL,
        "--rules",
        RULES,
        "--crs",
        "mars",
        "-o",
        str(tmp_path / "o.csv"),
    )
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_classify_hostile_table_to_xlsx(tmp_path: Path) -> None:
    # Input columns named like the added Chinese headers, a CR inside a quoted note and a
    # formula: every row comes out, headers unique, nothing live.
    path = tmp_path / "points.csv"
    path.write_text(
        '名称,经度,纬度,保护区,状态\n甲,112.30,33.00,我的,"已\r=cmd|\' /C calc\'!A0"\n'
        "=cmd|' /C calc'!A0,112.31,33.01,,\n",
        encoding="utf-8",
        newline="",
    )
    out_path = tmp_path / "o.xlsx"
    code, _, err = run("classify", str(path), "--canal", CANAL, "--rules", RULES,
                       "-o", str(out_path))
    assert code == 0, err
    sheet = openpyxl.load_workbook(out_path)["分类结果"]
    header = [c.value for c in sheet[1]]
    assert len(header) == len(set(header))
    assert {"保护区", "保护区_input", "状态", "状态_input"} <= set(header)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert rows[0][header.index("状态_input")] == "已\r=cmd|' /C calc'!A0"
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_classify_output_errors_are_one_line(tmp_path: Path, monkeypatch) -> None:
    import errno

    args = ["classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL, "--rules", RULES]
    code, _, err = run(*args, "-o", str(tmp_path / ("七" * 90 + ".csv")))
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "the file name is 274 bytes long" in err

    def full(self, target, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    code, _, err = run(*args, "-o", str(tmp_path / "o.csv"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: disk full while writing o.csv: free space")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_zones_with_the_fiona_engine_calibration_and_prefix(tmp_path: Path) -> None:
    pytest.importorskip("fiona", reason="fiona is the optional extra 'fiona'")
    calibration = tmp_path / "stakes.geojson"
    canal = gpd.read_file(CANAL)
    start = canal.geometry.iloc[0].coords[0]
    gpd.GeoDataFrame({"stake": ["K200+000"]}, geometry=[Point(start)], crs=4326).to_file(
        calibration)
    out_path = tmp_path / "zones.shp"
    code, out, err = run("zones", "--canal", CANAL, "--rules", RULES, "--engine", "fiona",
                         "--calibration", str(calibration), "--stake-prefix", "Z",
                         "-o", str(out_path))
    assert code == 0, err
    assert "ZK200+000" in out
    assert out_path.with_suffix(".cpg").read_text().strip().upper().replace("-", "") == "UTF8"
    assert len(gpd.read_file(out_path, engine="fiona")) > 0


def test_flat_ends_and_quiet(tmp_path: Path) -> None:
    round_path, flat_path = tmp_path / "round.gpkg", tmp_path / "flat.gpkg"
    assert run("zones", "--canal", CANAL, "--rules", RULES, "-o", str(round_path))[0] == 0
    code, out, err = run("-q", "zones", "--canal", CANAL, "--rules", RULES, "--ends", "flat",
                         "-o", str(flat_path))
    assert code == 0, err
    assert out == ""  # -q: no tables
    round_area = gpd.read_file(round_path, layer="zones")["area_m2"].sum()
    flat_area = gpd.read_file(flat_path, layer="zones")["area_m2"].sum()
    assert flat_area < round_area
