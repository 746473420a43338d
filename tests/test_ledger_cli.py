"""`geo-guard ledger`: the commands of the issue, a week of work, one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from geo_guard import Canal, classify, load_rules
from geo_guard.cli import main
from geo_guard.io import read_table
from geo_guard.ledger import open_ledger
from geo_guard.ledger.export import ledger_table

from .conftest import ROOT, SAMPLE
from .test_ledger import HOSTILE, SCRIPT, offset
from .test_ledger_inputs import make_photo

CANAL = str(SAMPLE / "canal.geojson")
RULES = str(SAMPLE / "zone_rules.example.toml")
ADMIN = str(SAMPLE / "villages.geojson")
SOURCES = SAMPLE / "risk_sources.csv"
RESPONSIBILITY = str(ROOT / "data" / "ledger" / "responsibility.example.toml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, err
    return out


def one_error(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_help_lists_the_commands() -> None:
    out = ok("ledger", "--help")
    for command in ("init", "import", "assign", "progress", "done", "close", "reject",
                    "status", "export", "import-photos", "show", "verify"):
        assert command in out
    assert "待交办" in ok("--help") or "问题整改台账" in ok("--help")
    assert "--found-on" in ok("ledger", "import", "--help")


def test_a_week_at_the_command_line(tmp_path: Path) -> None:
    ledger = str(tmp_path / "台账.gpkg")
    assert "GeoPackage" in ok("ledger", "init", ledger)
    out = ok("ledger", "import", ledger, str(SOURCES), "--canal", CANAL, "--rules", RULES,
             "--admin", ADMIN, "--responsibility", RESPONSIBILITY, "--origin", "排查",
             "--found-on", "2021-09-20", "--by", "李某", "--at", "2021-09-20 09:00")
    classified = classify(read_table(SOURCES), Canal.from_file(CANAL), load_rules(RULES))
    invalid = int((classified["status"] != "ok").sum())
    assert f"{len(classified)} rows: {len(classified) - invalid} new (新增), 0 repeat findings " \
           f"(重复), {invalid} invalid (无效)" in out
    for row in (classified["status"] != "ok").to_numpy().nonzero()[0] + 1:
        assert f"│ {row:>2} │" in out or f"│ {row} │" in out  # every invalid row is listed

    ok("ledger", "assign", ledger, "--id", "1-3,5", "--person", "王某", "--deadline",
       "2021-10-20", "--measure", "立即整改", "--at", "2021-09-22")
    ok("ledger", "assign", ledger, "--id", "4", "--unit", "[bold]社会事业局", "--person", "赵某",
       "--deadline", "2021-10-23", "--measure", HOSTILE)
    ok("ledger", "progress", ledger, "--id", "1", "--note", "拆除中", "--at", "2021-10-10")
    ok("ledger", "done", ledger, "--id", "1", "--note", "拆除完毕", "--at", "2021-10-15")
    ok("ledger", "reject", ledger, "--id", "1", "--note", "仍有残留", "--at", "2021-10-16")
    ok("ledger", "done", ledger, "--id", "1", "--note", "清理完毕", "--at", "2021-10-18")
    out = ok("ledger", "close", ledger, "--id", "1", "--note", "复核通过", "--at", "2021-10-19")
    assert "problem 1: 销号 -> 已销号" in out

    led = open_ledger(ledger)
    p = led.problems(as_of=dt.date(2021, 10, 21)).set_index("problem_id")
    assert p.loc[1, "status"] == "已销号" and p.loc[1, "closed_on"] == dt.date(2021, 10, 19)
    assert p.loc[4, "unit"] == "[bold]社会事业局" and p.loc[4, "measure"] == HOSTILE
    # the unit suggested at import was kept where --unit was not given
    suggested = {"畜禽养殖": "社会事业局", "排污口": "住房建设和生态环境局"}
    for pid in (2, 3, 5):
        kind = p.loc[pid, "source_type"]
        if kind in suggested:
            assert p.loc[pid, "unit"] == suggested[kind]
    assert sorted(p.index[p["overdue"]]) == [2, 3, 5]
    assert sorted(p.index[p["due_soon"]]) == [4]

    status = ok("ledger", "status", ledger, "--as-of", "2021-10-21")
    assert "超期 Overdue: 3" in status and "临期 Due within 3 days: 1" in status
    assert "已销号 │      1" in status
    show = ok("ledger", "show", ledger, "--id", "4")
    assert "[bold]社会事业局" in show and HOSTILE in show  # printed literally, not as markup
    show = ok("ledger", "show", ledger, "--id", "1")
    for word in ("登记", "交办", "进展", "整改完成", "退回", "销号", "仍有残留"):
        assert word in show
    assert "every problem matches its history" in ok("ledger", "verify", ledger)

    # illegal transitions: one error line, exit 2, nothing written
    events = len(led.events())
    assert "needs 已整改" in one_error("ledger", "close", ledger, "--id", "2", "--note", "x")
    assert "for good" in one_error("ledger", "progress", ledger, "--id", "1", "--note", "x")
    assert "assign it first" in one_error("ledger", "done", ledger, "--id", "6", "--note", "x")
    assert "no problem 999" in one_error("ledger", "reject", ledger, "--id", "999", "--note", "x")
    assert len(led.events()) == events


def test_export_in_every_format(tmp_path: Path) -> None:
    ledger = str(tmp_path / "l.gpkg")
    ok("ledger", "init", ledger)
    table = pd.DataFrame({"经度": [offset(0, 0)[0], offset(0, 500)[0]],
                          "纬度": [offset(0, 0)[1], offset(0, 500)[1]],
                          "类型": ["养猪场", "化工厂"], "风险源描述": [HOSTILE, SCRIPT]})
    table.to_csv(tmp_path / "list.csv", index=False)
    ok("ledger", "import", ledger, str(tmp_path / "list.csv"), "--canal", CANAL, "--rules",
       RULES, "--found-on", "2021-09-20")
    ok("ledger", "assign", ledger, "--id", "1", "--unit", "社会事业局", "--person", "王某",
       "--deadline", "2021-10-01", "--measure", "关停")
    ok("ledger", "progress", ledger, "--id", "1", "--note", "进行中")

    ok("ledger", "export", ledger, "-o", str(tmp_path / "台账.xlsx"), "--as-of", "2021-10-21",
       "--unit", "百里奚街道")
    ws = openpyxl.load_workbook(tmp_path / "台账.xlsx").active  # the seed's 附件4, to print
    assert ws["A1"].value == "附件4" and ws["A2"].value == "专项行动问题整改台账"
    assert "百里奚街道" in ws["A3"].value
    header = [c.value for c in ws[4]]
    assert header == ["序号", "乡镇（街道）", "行政村", "风险源类型", "风险源描述", "整改措施",
                      "整改时限", "整改进度", "责任单位", "责任人"]
    assert ws["H5"].value == "整改中：进行中（超期）" and ws["H6"].value == "待交办"
    assert ws["E5"].value == HOSTILE and ws["E5"].data_type == "s"  # text, not a formula
    assert ws["E6"].value == SCRIPT

    ok("ledger", "export", ledger, "-o", str(tmp_path / "台账.csv"))
    csv = pd.read_csv(tmp_path / "台账.csv", encoding="utf-8-sig")
    assert csv["编号"].tolist() == [1, 2] and csv["风险源描述"].tolist()[1] == SCRIPT
    for suffix in (".gpkg", ".geojson"):
        ok("ledger", "export", ledger, "-o", str(tmp_path / f"out{suffix}"))
        frame = gpd.read_file(tmp_path / f"out{suffix}")
        assert frame["problem_id"].tolist() == [1, 2] and frame.crs.to_epsg() == 4326
        assert frame["status"].tolist() == ["整改中", "待交办"]
    assert "export as" in one_error("ledger", "export", ledger, "-o", str(tmp_path / "x.docx"))
    csv_only = ledger_table(open_ledger(ledger).problems(dt.date(2021, 10, 21)))
    assert list(csv_only.columns[:10]) == header


def test_import_photos_at_the_command_line(tmp_path: Path) -> None:
    ledger = str(tmp_path / "l.gpkg")
    ok("ledger", "init", ledger)
    pd.DataFrame({"经度": [offset(0, 0)[0]], "纬度": [offset(0, 0)[1]],
                  "类型": ["排污口"]}).to_csv(tmp_path / "list.csv", index=False)
    ok("ledger", "import", ledger, str(tmp_path / "list.csv"), "--canal", CANAL, "--rules", RULES)
    (tmp_path / "photos").mkdir()
    make_photo(tmp_path / "photos" / "a.jpg", *offset(12, 0))
    make_photo(tmp_path / "photos" / "b.jpg", None, None)
    out = ok("ledger", "import-photos", ledger, str(tmp_path / "photos"))
    assert "2 photos: 1 attached (已关联), 0 already attached (已有), 1 unmatched (未匹配)" in out
    events = open_ledger(ledger).events()
    assert events["attachment"].tolist()[-1] == "a.jpg"


@pytest.mark.parametrize(("args", "message"), [
    (("ledger", "status", "{tmp}/missing.gpkg"), "no ledger there"),
    (("ledger", "init", "{tmp}/x.sqlite"), "GeoPackage file"),
    (("ledger", "assign", "{ledger}", "--id", "1", "--person", "p", "--deadline", "明天"),
     "write the date as 2021-10-21"),
    (("ledger", "assign", "{ledger}", "--id", "a,b", "--person", "p", "--deadline",
      "2021-10-21"), "give problem numbers like"),
    (("ledger", "progress", "{ledger}", "--id", "1", "--note", "x", "--at", "昨天"), "--at"),
    (("ledger", "progress", "{ledger}", "--id", "1", "--note", "x", "--attach",
      "{tmp}/nope.jpg"), "attachment not found"),
    (("ledger", "import-photos", "{ledger}", "{tmp}/nofolder"), "not a folder"),
    (("ledger", "export", "{ledger}", "-o", "{tmp}/./l.gpkg"), "would destroy the input"),
    (("ledger", "import", "{ledger}", str(SOURCES), "--canal", CANAL, "--rules", RULES,
      "--invalid-out", str(SOURCES)), "would destroy the input"),
    (("ledger", "import", "{ledger}", "{tmp}/missing.csv", "--canal", CANAL, "--rules", RULES),
     "file not found"),
])
def test_mistakes_are_one_error_line(tmp_path: Path, args: tuple[str, ...], message: str
                                     ) -> None:
    ledger = str(tmp_path / "l.gpkg")
    ok("ledger", "init", ledger)
    line = one_error(*(a.format(tmp=tmp_path, ledger=ledger) for a in args))
    assert message in line


def test_an_error_quoting_user_text_prints_it_literally(tmp_path: Path) -> None:
    line = one_error("ledger", "status", str(tmp_path / "[red]台账[/].gpkg"))
    assert "[red]台账[/].gpkg" in line


def test_the_same_commands_on_postgis(postgres_cluster, tmp_path: Path) -> None:
    url = postgres_cluster.create_database()
    assert "PostGIS" in ok("ledger", "init", url)
    ok("ledger", "import", url, str(SOURCES), "--canal", CANAL, "--rules", RULES,
       "--found-on", "2021-09-20")
    ok("ledger", "assign", url, "--id", "1", "--unit", "u", "--person", "p", "--deadline",
       "2021-10-01", "--measure", "m")
    assert "超期 Overdue: 1" in ok("ledger", "status", url, "--as-of", "2021-10-21")
    ok("ledger", "export", url, "-o", str(tmp_path / "pg.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "pg.xlsx").active.max_row > 50
    assert "already holds a ledger" in one_error("ledger", "init", url)


def test_audit_findings_go_into_the_ledger(tmp_path: Path) -> None:
    """`geo-guard audit --to-ledger` registers every finding; a second run only repeats."""
    ledger = str(tmp_path / "台账.gpkg")
    ok("ledger", "init", ledger)
    args = ("audit", "--canal", CANAL, "--rules", RULES,
            "--markers", str(SAMPLE / "markers.geojson"),
            "--crossings", str(SAMPLE / "crossings.geojson"), "--to-ledger", ledger)
    out = ok(*args, "-o", str(tmp_path / "audit.gpkg"))
    findings = gpd.read_file(tmp_path / "audit.gpkg", layer="findings")
    problems = open_ledger(ledger).problems()
    assert len(findings) > 0 and len(problems) == len(findings)
    assert set(problems["source_type"]) == {"标志及隔离防护设施"}
    assert f"{len(findings)} findings into the ledger" in out
    again = ok(*args, "-o", str(tmp_path / "audit2.gpkg"))
    assert f"0 new problems (待交办), {len(findings)} repeat findings" in again
    assert len(open_ledger(ledger).problems()) == len(findings)
    assert "no ledger there" in one_error(*args[:-1], str(tmp_path / "none.gpkg"), "-o",
                                          str(tmp_path / "audit3.gpkg"))
