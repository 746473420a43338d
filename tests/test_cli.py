"""The `geo-guard` command: outputs, summaries and one-line errors with exit status 2."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
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
    assert "一级保护区" in out and "渡槽" in out
    assert "K100+500 – K124+019（研究区内" in out  # the clipped stretch, not the whole canal


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


def test_commands_give_arrow_the_c_librarys_allocator() -> None:
    """A command's Arrow memory comes from the C library's allocator (see the group's
    callback); the default pool is put back for the other tests."""
    before = pa.default_memory_pool()
    try:
        result = CliRunner().invoke(main, ["classify", "--help"])
        assert result.exit_code == 0
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(before)


_REFAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from geo_guard.cli.allocator import keep_freed_memory
    keep_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
columns = [np.ones(1_000_000) for _ in range(40)]  # 40 columns of a million rows
del columns
before = faults()
columns = [np.ones(1_000_000) for _ in range(40)]
print(faults() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="mallopt's thresholds are glibc's")
def test_commands_reuse_freed_memory_instead_of_faulting_it_in_again() -> None:
    """320 MB freed and allocated again: the second time comes from the heap, without
    page faults; with the C library's defaults it is faulted in anew."""
    def refaults(mode: str) -> int:
        proc = subprocess.run([sys.executable, "-c", _REFAULTS, mode], capture_output=True,
                              text=True, check=True)
        return int(proc.stdout)

    # Page faults (a transparent huge page counts once): about 20,000 on this project's
    # VM with the defaults.
    assert refaults("keep") < 1_000
    assert refaults("default") > 5_000  # what the test tells apart


def test_an_unclosed_ring_is_one_error_line(tmp_path: Path) -> None:
    """GDAL's own warning about the ring (a Python warning with pyogrio's source line)
    does not come before the one error line."""
    ring = tmp_path / "zones.geojson"
    ring.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"properties": {"zone_level": 1}, "geometry": {"type": "Polygon", '
                    '"coordinates": [[[112.3, 33.0], [112.4, 33.0], [112.4, 33.1], '
                    '[112.3, 33.1]]]}}]}', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "geo_guard.cli", "classify", str(ring), "--canal",
         str(SAMPLE / "canal.geojson"), "--rules", RULES, "-o", str(tmp_path / "o.csv")],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "ring must close" in lines[0]


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
    assert book.sheetnames == ["分类结果", "按保护区统计", "按类型统计", "无效行及待核实"]
    sheet = book["分类结果"]
    header = [c.value for c in sheet[1]]
    assert {"保护区", "桩号", "岸别", "乡镇(街道)", "状态", "说明"} <= set(header)
    assert sheet.max_row == 61
    names = [c for row in sheet.iter_rows(min_row=2) for c in row[1:2]]
    # Text as typed in a text cell (issue 11), never a live formula.
    hyperlink = [c for c in names if str(c.value).startswith("=HYPERLINK")]
    assert hyperlink and all(c.data_type == "s" for c in hyperlink)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "7 row(s) to check" in out and "4 invalid 无效, 3 far 待核实" in out
    assert "row 27: 无法解析坐标" in out and "畜禽养殖" in out  # rows as numbered in the file


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
    assert rows[1][0] == "=cmd|' /C calc'!A0"  # a text cell: kept as typed (issue 11)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_classify_output_errors_are_one_line(tmp_path: Path, monkeypatch) -> None:
    import errno

    args = ["classify", str(SAMPLE / "risk_sources.csv"), "--canal", CANAL, "--rules", RULES]
    code, _, err = run(*args, "-o", str(tmp_path / ("七" * 90 + ".csv")))
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "the file name is 274 bytes long" in err

    def full(self, target, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    from geo_guard.io import csv_writer

    monkeypatch.setattr(csv_writer, "write_blocks", full)  # where the CSV bytes are written
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


# ------------------------------------------------------- an output that is one of the inputs
@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Copies of the sample files (the tests try to overwrite them)."""
    names = ["canal.geojson", "zone_rules.example.toml", "risk_sources.csv", "forest.geojson",
             "villages.geojson", "study_area.geojson"]
    for name in names:
        (tmp_path / name).write_bytes((SAMPLE / name).read_bytes())
    (tmp_path / "zones.gpkg").write_bytes(b"")  # stands in for a zones file given as input
    gpd.read_file(SAMPLE / "villages.geojson").to_file(tmp_path / "villages.gpkg")
    return {"canal": tmp_path / names[0], "rules": tmp_path / names[1],
            "sources": tmp_path / names[2], "forest": tmp_path / names[3],
            "admin": tmp_path / names[4], "clip": tmp_path / names[5],
            "zones": tmp_path / "zones.gpkg", "admin_gpkg": tmp_path / "villages.gpkg"}


def _refused(args: list[str], victim: Path, what: str) -> None:
    before = victim.read_bytes()
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert f"is the input {what}" in err and "would destroy the input" in err, err
    assert victim.read_bytes() == before  # untouched


def test_each_command_refuses_to_overwrite_its_inputs(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    c, r = str(inputs["canal"]), str(inputs["rules"])
    canal_opts = ["--canal", c, "--rules", r]
    # zones: -o is the canal, the clip, or the calibration file
    _refused(["zones", *canal_opts, "-o", c], inputs["canal"], "--canal")
    _refused(["zones", *canal_opts, "--clip", str(inputs["clip"]), "-o", str(inputs["clip"])],
             inputs["clip"], "--clip")
    _refused(["zones", *canal_opts, "--calibration", str(inputs["admin"]),
              "-o", str(inputs["admin"])], inputs["admin"], "--calibration")
    # classify: -o is the table, the zones, the admin layer
    src = str(inputs["sources"])
    _refused(["classify", src, *canal_opts, "-o", src], inputs["sources"], "file INPUT")
    _refused(["classify", src, "--canal", c, "--rules", r, "--zones", str(inputs["zones"]),
              "-o", str(inputs["zones"])], inputs["zones"], "--zones")
    _refused(["classify", src, *canal_opts, "--admin", str(inputs["admin_gpkg"]),
              "-o", str(inputs["admin_gpkg"])], inputs["admin_gpkg"], "--admin")
    # corridor: -o is the forest (a GeoPackage), or an input is the workbook written beside it
    forest_gpkg = tmp_path / "forest.gpkg"
    gpd.read_file(inputs["forest"]).to_file(forest_gpkg)
    _refused(["corridor", *canal_opts, "--forest", str(forest_gpkg), "-o", str(forest_gpkg)],
             forest_gpkg, "--forest")
    workbook = tmp_path / "corridor.xlsx"
    workbook.write_bytes(b"a workbook the user keeps")
    _refused(["corridor", *canal_opts, "--forest", str(inputs["forest"]),
              "--exclude", str(workbook), "-o", str(tmp_path / "corridor.gpkg")],
             workbook, "--exclude")
    # map: -o is the sources or gaps file (whatever its name says)
    page = tmp_path / "sources.html"
    page.write_text("名称,经度,纬度\n", encoding="utf-8")
    _refused(["map", "--sources", str(page), "-o", str(page)], page, "--sources")
    _refused(["map", "--gaps", str(page), "-o", str(page)], page, "--gaps")
    # convert: -o is the coordinate list
    _refused(["convert", src, "--from", "gcj02", "-o", src], inputs["sources"], "file INPUT")
    # report weekly: a file it writes into the -o folder is the ledger or the canal
    folder = tmp_path / "周报"
    folder.mkdir()
    ledger = folder / "附件4.xlsx"
    ledger.write_bytes(b"the ledger the user keeps")
    _refused(["report", "weekly", str(ledger), "-o", str(folder)], ledger, "LEDGER")
    page = folder / "周报.html"
    page.write_bytes(inputs["canal"].read_bytes())
    _refused(["report", "weekly", "台账.gpkg", "--canal", str(page), "-o", str(folder)],
             page, "--canal")


def test_other_spellings_of_an_input_are_refused_too(
    inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, r = inputs["canal"], str(inputs["rules"])
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    # relative vs absolute, and ./sub/../ detours
    _refused(["zones", "--canal", "canal.geojson", "--rules", r, "-o", str(c)], c, "--canal")
    _refused(["zones", "--canal", str(c), "--rules", r, "-o", "./sub/../canal.geojson"],
             c, "--canal")
    # a symbolic link and a hard link to the input
    (tmp_path / "link.geojson").symlink_to(c)
    _refused(["zones", "--canal", str(c), "--rules", r, "-o", "link.geojson"], c, "--canal")
    (tmp_path / "hard.geojson").hardlink_to(c)
    _refused(["zones", "--canal", str(c), "--rules", r, "-o", "hard.geojson"], c, "--canal")


def test_files_written_beside_the_output_may_not_be_inputs(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    # zones -o out.geojson also writes out_dissolved.geojson: here that is the --clip.
    clip = tmp_path / "out_dissolved.geojson"
    clip.write_bytes(inputs["clip"].read_bytes())
    _refused(["zones", "--canal", str(inputs["canal"]), "--rules", str(inputs["rules"]),
              "--clip", str(clip), "-o", str(tmp_path / "out.geojson")], clip, "--clip")
    # A Shapefile output is five files: its .dbf must not be an input either.
    dbf = tmp_path / "zones.dbf"
    dbf.write_bytes(b"attributes the user keeps")
    _refused(["zones", "--canal", str(inputs["canal"]), "--rules", str(inputs["rules"]),
              "--clip", str(dbf), "-o", str(tmp_path / "zones.shp")], dbf, "--clip")
    assert not (tmp_path / "out.geojson").exists() and not (tmp_path / "zones.shp").exists()


def test_split_maps_need_a_folder_not_a_file(inputs: dict[str, Path], tmp_path: Path) -> None:
    a_file = tmp_path / "maps"
    a_file.write_text("not a folder", encoding="utf-8")
    code, _, err = run("map", "--sources", str(inputs["sources"]), "--canal",
                       str(inputs["canal"]), "--rules", str(inputs["rules"]),
                       "--split-by", "township", "-o", str(a_file))
    assert code == 2 and "with --split-by, -o is a folder, and this is a file" in err
    assert a_file.read_text(encoding="utf-8") == "not a folder"


# -------------------------------------------------- the user's text is printed as typed
def test_square_brackets_in_the_users_text_are_printed_literally(tmp_path: Path) -> None:
    table = tmp_path / "brackets.csv"
    table.write_text("名称,[/]\na,b\n", encoding="utf-8")
    code, _, err = run("classify", str(table), "--canal", CANAL, "--rules", RULES,
                       "-o", str(tmp_path / "o.csv"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "the columns are: 名称, [/]" in err
    empty_rules = tmp_path / "rules.toml"
    empty_rules.write_text('[meta]\ntitle = "x"\n', encoding="utf-8")
    code, _, err = run("zones", "--canal", CANAL, "--rules", str(empty_rules),
                       "-o", str(tmp_path / "z.gpkg"))
    assert code == 2 and "add at least one [[rules]] table" in err


def test_markup_and_emoji_codes_in_cells_file_names_and_stakes_stay_text(tmp_path: Path) -> None:
    folder = tmp_path / "[bold]"
    folder.mkdir()
    table = folder / "sources.csv"
    table.write_text("名称,经度,纬度\n[/]a,112.3,33.0\nb,abc[/] :smile:,33.0\n", encoding="utf-8")
    code, out, err = run("classify", str(table), "--canal", CANAL, "--rules", RULES,
                         "--stake-prefix", "[red]", "-o", str(folder / "o.csv"))
    assert code == 0, err
    out = " ".join(out.split())  # the console wraps long lines
    assert "无法解析坐标 'abc[/] :smile:'" in out  # the reason quotes the cell as typed
    assert f"rows written to {folder / 'o.csv'}" in out
    code, out, err = run("zones", "--canal", CANAL, "--rules", RULES, "--stake-prefix", "[/]",
                         "-o", str(folder / "z.gpkg"))
    assert code == 0, err
    out = " ".join(out.split())
    assert "桩号 chainage [/]K95+000 – [/]K130+000" in out and str(folder / "z.gpkg") in out


# ---------------------------------------------------------- bad canals, widths and points
def test_degenerate_canals_give_one_error_line(tmp_path: Path) -> None:
    one_vertex = tmp_path / "one.geojson"
    one_vertex.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "LineString", "coordinates": [[112.3, 33.0]]}}]}',
        encoding="utf-8",
    )
    zero = tmp_path / "zero.geojson"
    gpd.GeoDataFrame(geometry=[LineString([(112.3, 33.0), (112.3, 33.0)])], crs=4326).to_file(zero)
    for path, message in ((one_vertex, "a line needs two points"),
                          (zero, "the centerline has zero length")):
        code, _, err = run("zones", "--canal", str(path), "--rules", RULES,
                           "-o", str(tmp_path / "z.gpkg"))
        assert code == 2 and err.startswith("error: ") and message in err, err


def test_a_self_crossing_canal_is_built_with_a_warning_naming_the_place(tmp_path: Path) -> None:
    loop = tmp_path / "loop.geojson"
    gpd.GeoDataFrame(geometry=[LineString(
        [(112.30, 33.0), (112.32, 33.0), (112.32, 33.01), (112.31, 33.01), (112.31, 32.99),
         (112.33, 32.99)])], crs=4326).to_file(loop)
    code, out, err = run("zones", "--canal", str(loop), "--rules", RULES,
                         "-o", str(tmp_path / "z.gpkg"))
    assert code == 0, err
    out = " ".join(out.split())
    assert "crosses itself at 112.310000E 33.000000N (K0+9" in out  # the first pass ~934 m


def test_a_zone_width_gets_too_large_for_geos_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[defaults]\nedge_m = 60\n[[rules]]\ndefault = true\n"
                     "widths = { first = 50, second = 1e9 }\n", encoding="utf-8")
    code, _, err = run("zones", "--canal", CANAL, "--rules", str(rules),
                       "-o", str(tmp_path / "z.gpkg"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "widths.second = 1000000000.0: too large" in err and "100 km" in err


def test_vector_sources_off_the_globe_become_invalid_rows(tmp_path: Path) -> None:
    from geo_guard.classification.core import REASON_LAT_FIRST
    from geo_guard.io.coords import REASON_OUT_OF_RANGE

    sources = tmp_path / "sources.gpkg"
    points = [Point(1e10, 0), Point(112.3, 33.0), Point(np.inf, 33.0), Point(np.nan, 33.0),
              Point(33.0, 112.3), LineString([(112.3, 33.0), (1e10, 33.0)])]
    gpd.GeoDataFrame({"名称": list("abcdef")}, geometry=points, crs=4490).to_file(sources)
    out_path = tmp_path / "o.csv"
    code, _, err = run("classify", str(sources), "--canal", CANAL, "--rules", RULES,
                       "--headers", "en", "-o", str(out_path))
    assert code == 0, err
    back = pd.read_csv(out_path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["名称"].tolist() == list("abcdef")
    assert back["status"].tolist() == ["invalid", "ok", "invalid", "invalid", "invalid", "invalid"]
    assert back["reason"].tolist() == [REASON_OUT_OF_RANGE, "", REASON_OUT_OF_RANGE,
                                       REASON_OUT_OF_RANGE, REASON_LAT_FIRST,
                                       REASON_OUT_OF_RANGE]


# ----------------------------------------------------------- other mistakes, no traceback
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], r"^error: No such option '--bogus'.* \(see .* --help\)$"),
        (["zones", "--canal", CANAL, "--rules", RULES], r"^error: Missing option '-o'"),
        (["zones", "--ends", "square"], r"^error: Invalid value for '--ends'"),
        (["zones", "--canal", CANAL, "--rules", RULES, "--chainage-start", "inf", "-o", "z.gpkg"],
         r"chainage inf m is not a chainage: give metres within ±10,000 km"),
        (["zones", "--canal", CANAL, "--rules", RULES, "--crs", "EPSG:4547", "-o", "z.gpkg"],
         r"look like degrees, but its CRS .* is in metres; give the real CRS"),
        (["map", "--gaps", "EMPTY.gpkg", "-o", "m.html"], r"the file is empty"),
        (["map", "--gaps", str(SAMPLE / "risk_sources.csv"), "-o", "m.html"],
         r"risk_sources.csv is a table without geometry; --gaps takes"),
        (["zones", "--canal", CANAL, "--rules", RULES, "-o", "z.txt"],
         r"z.txt: zones are written as .gpkg, .geojson, .shp, .kml or .kmz"),
    ],
)
def test_more_mistakes_give_one_error_line(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "EMPTY.gpkg").write_bytes(b"")
    code, _, err = run(*args)
    lines = err.strip().splitlines()  # a warning may come first (--crs overrides the file's)
    assert code == 2 and [line for line in lines if line.startswith("error: ")] == lines[-1:], err
    assert re.search(message, lines[-1]), err


def test_no_command_still_shows_the_help() -> None:
    _, out, err = run()  # exit status 0 or 2 by click version
    assert "Commands:" in out + err and "error:" not in out + err


def test_a_command_imports_only_its_own_module():
    """`geo-guard classify` does not load the ledger's database layer nor the map's
    templates: each command's module is imported when that command is looked up."""
    probe = (
        "import sys\n"
        "from geo_guard.cli import main\n"
        "try:\n"
        "    main(['classify', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('geo_guard.cli.ledger', 'geo_guard.ledger', 'sqlalchemy',\n"
        "      'geo_guard.cli.map', 'geo_guard.maps', 'geo_guard.cli.classify')\n"
        "      if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip().splitlines()[-1] == "['geo_guard.cli.classify']"
    # --help still lists every command, each with its help line.
    listing = CliRunner().invoke(main, ["--help"]).output
    for name in ("zones", "classify", "corridor", "map", "convert", "ledger", "report", "audit"):
        assert re.search(rf"^\s+{name}\s+\S", listing, re.M), name
