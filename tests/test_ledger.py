"""The problem register on both databases (GeoPackage and a throwaway PostGIS): the whole
flow, the append-only history refused by the database itself, rebuilding problems from
events, illegal transitions, and overdue counts on a fixed date.

Expectations are hand-made: points placed at exact geodesic distances (pyproj.Geod),
statuses and dates worked out by hand, raw SQL read with sqlite3/psycopg directly.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest

from geo_guard import Canal, GeoGuardError, classify, load_rules
from geo_guard.classification import zone_index
from geo_guard.ledger import (
    STATUSES,
    Ledger,
    LedgerError,
    LedgerNotFoundError,
    TransitionError,
    UnknownProblemError,
    init_ledger,
    open_ledger,
)
from geo_guard.ledger.findings import import_findings
from geo_guard.ledger.schema import PROBLEM_FIELDS

from .conftest import SAMPLE

GEOD = pyproj.Geod(ellps="WGS84")
BASE = (112.30, 33.00)  # near K103+859, left bank of the sample canal
HOSTILE = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour))


def offset(east_m: float, north_m: float, base: tuple[float, float] = BASE) -> tuple[float, float]:
    """A point east_m and north_m metres (geodesic) from base."""
    lon, lat, _ = GEOD.fwd(base[0], base[1], 90.0, east_m) if east_m else (*base, 0)
    if north_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 0.0 if north_m > 0 else 180.0, abs(north_m))
    return float(lon), float(lat)


def field_list() -> pd.DataFrame:
    """Eight rows as a township sends them: 5 new, 2 repeats, 1 invalid (worked out by hand).

    A (养猪场) at the base; B (养殖场) 10 m east: the same type -> repeat of A; C (饭店)
    15 m north: another type -> new; D (养猪场) 45 m west: new; E no coordinates:
    invalid; F (排水口) 1 km north: new; G (化工厂) 2 km north: new; H (养猪场) 25 m west
    of A and 20 m east of D -> repeat of the nearer one, D.
    """
    points = {"A": offset(0, 0), "B": offset(10, 0), "C": offset(0, 15), "D": offset(-45, 0),
              "E": (None, None), "F": offset(0, 1000), "G": offset(0, 2000),
              "H": offset(-25, 0)}
    kinds = {"A": "养猪场", "B": "养殖场", "C": "饭店", "D": "养猪场", "E": "养猪场",
             "F": "排水口", "G": "化工厂", "H": "养猪场"}
    text = {"F": HOSTILE, "G": SCRIPT}
    deadline = {"A": "2021年11月30日", "C": "立行立改"}
    return pd.DataFrame({
        "序号": range(1, 9),
        "名称": [f"点{k}" if k != "G" else "{{7*7}}" for k in points],
        "类型": list(kinds.values()),
        "经度": [p[0] for p in points.values()],
        "纬度": [p[1] for p in points.values()],
        "风险源描述": [text.get(k, f"问题{k}") for k in points],
        "整改时限": [deadline.get(k, "") for k in points],
        "排查责任人": ["李某"] * 8,
    })


@pytest.fixture(scope="module")
def canal() -> Canal:
    return Canal.from_file(SAMPLE / "canal.geojson")


@pytest.fixture(scope="module")
def rules(canal: Canal):
    """The zones, built once for the module (classify takes them ready-made)."""
    return zone_index(canal, load_rules(SAMPLE / "zone_rules.example.toml"))


def raw_rows(target: str, sql: str) -> list[tuple]:
    """Rows of a query run with the database's own driver, not through the ledger."""
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(target) as conn:
        return conn.execute(sql).fetchall()


def raw_execute(target: str, sql: str) -> None:
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute(sql)
        return
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute(sql)
    finally:
        conn.close()


def count(target: str, table: str) -> int:
    return int(raw_rows(target, f"SELECT COUNT(*) FROM {table}")[0][0])


def imported(target: str, canal: Canal, rules) -> tuple[Ledger, object]:
    led = init_ledger(target)
    result = import_findings(led, field_list(), canal, zones=rules, found_on=dt.date(2021, 9, 20),
                             by="李某", at=at("2021-09-20"), source_name="附件2.xlsx")
    return led, result


# ---------------------------------------------------------------------------- the flow
def test_import_counts_new_repeats_and_invalid(ledger_target: str, canal, rules) -> None:
    led, result = imported(ledger_target, canal, rules)
    rows = result.rows
    assert (result.new, result.repeats, len(result.invalid)) == (5, 2, 1)
    assert rows["outcome"].tolist() == ["新增", "重复", "新增", "新增", "无效", "新增", "新增",
                                        "重复"]
    # problem numbers in input order; B repeats A (1), H repeats D (3), the nearer
    assert rows["problem_id"].tolist() == [1, 1, 2, 3, pd.NA, 4, 5, 3]
    assert rows.loc[1, "match_m"] == pytest.approx(10.0, abs=0.05)
    assert rows.loc[7, "match_m"] == pytest.approx(20.0, abs=0.05)
    assert "坐标为空" in rows.loc[4, "reason"]
    assert count(ledger_target, "problems") == 5
    assert count(ledger_target, "events") == 7  # 5 registrations + 2 repeat findings
    problems = led.problems(as_of=dt.date(2021, 9, 21))
    assert problems["status"].tolist() == ["待交办"] * 5
    # the classification is classify()'s own, field by field
    placed = classify(field_list(), canal, zones=rules).iloc[[0, 2, 3, 5, 6]]
    for field in ("zone", "stake", "bank", "source_type"):
        assert problems[field].tolist() == placed[field].tolist()
    assert problems["zone_level"].tolist() == placed["zone_level"].astype(int).tolist()
    np.testing.assert_allclose(problems["distance_m"], placed["distance_m"], atol=1e-6)
    assert problems["source_type"].tolist() == ["畜禽养殖", "旅游餐饮", "畜禽养殖", "排污口",
                                                "工业企业"]
    # the form's columns became fields; typed words stay words
    assert problems.loc[0, "deadline"] == dt.date(2021, 11, 30)
    assert problems.loc[1, "deadline"] is pd.NaT
    assert problems["found_by"].tolist() == ["李某"] * 5
    assert problems["description"].tolist()[3:] == [HOSTILE, SCRIPT]
    events = led.events()
    assert "整改时限原文：立行立改" in events.loc[events["problem_id"] == 2, "note"].iloc[0]
    assert events["action"].tolist() == ["登记"] * 5 + ["重复发现"] * 2


def test_whole_flow_on_both_databases(ledger_target: str, canal, rules, tmp_path: Path) -> None:
    led, _ = imported(ledger_target, canal, rules)
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg, stored as it is \xff\xd9")
    led.assign([1, 2], unit="社会事业局", person="王某", deadline="2021-10-20", measure="关停搬迁",
               by="区南水北调办", at=at("2021-09-22"))
    led.assign([3], unit="社会事业局", person="赵某", deadline=dt.date(2021, 10, 23),
               measure="粪污治理", at=at("2021-09-22"))
    led.assign([5], unit="住房建设和生态环境局", person="钱某", deadline="2021-10-24",
               measure="停产整治", at=at("2021-09-22"))
    led.progress(1, "已拆除猪舍一半", attachment=photo, by="王某", at=at("2021-10-10"))
    led.done(1, "猪舍全部拆除", at=at("2021-10-15"))
    led.reject(1, "复核发现仍有粪污", by="区南水北调办", at=at("2021-10-16"))
    led.done(1, "粪污清运完毕", at=at("2021-10-18"))
    led.close(1, "复核通过，销号", at=at("2021-10-19"))
    led.done(5, "已停产", at=at("2021-10-20"))

    p = led.problems(as_of=dt.date(2021, 10, 21)).set_index("problem_id")
    assert p["status"].to_dict() == {1: "已销号", 2: "已交办", 3: "已交办", 4: "待交办",
                                     5: "已整改"}
    assert p.loc[1, "progress"] == "复核通过，销号"
    assert p.loc[2, "unit"] == "社会事业局" and p.loc[2, "person"] == "王某"
    assert p.loc[2, "measure"] == "关停搬迁"
    assert p["overdue"].to_dict() == {1: False, 2: True, 3: False, 4: False, 5: False}
    assert p["due_soon"].to_dict() == {1: False, 2: False, 3: True, 4: False, 5: False}
    assert p.loc[1, "closed_on"] == dt.date(2021, 10, 19)
    assert p.loc[1, "rectified_on"] == dt.date(2021, 10, 18)  # the last 整改完成, after 退回
    assert p.loc[5, "rectified_on"] == dt.date(2021, 10, 20) and p.loc[5, "closed_on"] is pd.NaT
    assert p.loc[2, "rectified_on"] is pd.NaT

    history = led.events(problem_id=1)
    assert history["action"].tolist() == ["登记", "重复发现", "交办", "进展", "整改完成", "退回",
                                          "整改完成", "销号"]
    assert history["to_status"].tolist() == ["待交办", "待交办", "已交办", "整改中", "已整改",
                                             "整改中", "已整改", "已销号"]
    assert history["from_status"].tolist()[2:] == ["待交办", "已交办", "整改中", "已整改",
                                                   "整改中", "已整改"]
    assert history.loc[2, "by"] == "区南水北调办"
    assert history.loc[3, "attachment"] == "现场.jpg"
    name, data = led.attachment(int(history.loc[3, "attachment_id"]))
    assert (name, data) == ("现场.jpg", photo.read_bytes())
    week = led.events(since=dt.date(2021, 10, 15), until=dt.date(2021, 10, 19))
    assert week["action"].tolist() == ["整改完成", "退回", "整改完成", "销号"]
    assert led.verify().empty


def test_problems_frame_is_the_contract(ledger_target: str, canal, rules) -> None:
    led, _ = imported(ledger_target, canal, rules)
    led.assign([2], unit="社会事业局", person="王某", deadline="2021-10-20", measure="关停")
    p = led.problems(as_of=dt.date(2021, 10, 21))
    assert isinstance(p, gpd.GeoDataFrame) and p.crs.to_epsg() == 4326
    assert list(p.columns[:25]) == [
        "problem_id", "township", "village", "source_type", "zone", "zone_level", "stake",
        "bank", "distance_m", "description", "origin", "found_on", "found_by", "measure",
        "deadline", "unit", "person", "progress", "status", "lon", "lat", "overdue",
        "due_soon", "closed_on", "rectified_on"]
    assert p["problem_id"].dtype == np.int64 and str(p["zone_level"].dtype) == "Int64"
    assert p["overdue"].dtype == bool and p["due_soon"].dtype == bool
    assert all(isinstance(d, dt.date) for d in p["found_on"])
    assert all(isinstance(d, dt.date) or d is pd.NaT for d in p["deadline"])
    assert (p.geometry.geom_type == "Point").all()
    np.testing.assert_allclose(p.geometry.x, p["lon"])
    np.testing.assert_allclose(p.geometry.y, p["lat"])
    e = led.events()
    assert list(e.columns[:9]) == ["event_id", "problem_id", "at", "action", "from_status",
                                   "to_status", "by", "note", "attachment"]
    assert pd.api.types.is_datetime64_any_dtype(e["at"])


def test_user_text_is_stored_and_read_back_literally(ledger_target: str, canal, rules) -> None:
    led, _ = imported(ledger_target, canal, rules)
    led.assign([4], unit="{{7*7}}", person=SCRIPT, deadline="2021-10-20", measure=HOSTILE)
    p = led.problems().set_index("problem_id")
    assert (p.loc[4, "unit"], p.loc[4, "person"], p.loc[4, "measure"]) == ("{{7*7}}", SCRIPT,
                                                                           HOSTILE)
    assert p.loc[5, "description"] == SCRIPT


def test_a_repeat_on_an_open_problem_then_a_new_one_after_closing(ledger_target, canal, rules
                                                                   ) -> None:
    led, _ = imported(ledger_target, canal, rules)
    again = pd.DataFrame({"经度": [offset(5, 0)[0]], "纬度": [offset(5, 0)[1]], "类型": ["猪场"]})
    first = import_findings(led, again, canal, zones=rules)
    assert first.rows["outcome"].tolist() == ["重复"] and first.rows["problem_id"].tolist() == [1]
    led.assign([1], unit="社会事业局", person="王某", deadline="2021-10-20", measure="关停")
    led.done(1, "拆除")
    led.close(1, "销号")
    second = import_findings(led, again, canal, zones=rules)
    assert second.rows["outcome"].tolist() == ["新增"] and second.rows["problem_id"].tolist() == [6]
    # --dedup-m 0 turns matching off
    off = import_findings(led, again, canal, zones=rules, dedup_m=0)
    assert off.rows["outcome"].tolist() == ["新增"]


def test_geopackage_opens_as_a_point_layer(tmp_path: Path, canal, rules) -> None:
    led, _ = imported(str(tmp_path / "ledger.gpkg"), canal, rules)
    layers = dict(pyogrio.list_layers(tmp_path / "ledger.gpkg"))
    assert layers["problems"] == "Point" and "events" in layers
    info = pyogrio.read_info(tmp_path / "ledger.gpkg", layer="problems")
    assert info["crs"] == "EPSG:4326" and info["features"] == 5
    frame = gpd.read_file(tmp_path / "ledger.gpkg", layer="problems")
    np.testing.assert_allclose(frame.geometry.x, led.problems()["lon"])
    assert frame["status"].tolist() == ["待交办"] * 5
    events = pyogrio.read_dataframe(tmp_path / "ledger.gpkg", layer="events")
    assert len(events) == 7


# ---------------------------------------------------------------- the database refuses
def _refused(target: str, sql: str) -> None:
    if target.startswith("postgresql://"):
        import psycopg

        with pytest.raises(psycopg.Error, match="append-only"):
            raw_execute(target, sql)
    else:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw_execute(target, sql)


def test_history_is_append_only_in_the_database(ledger_target: str, canal, rules,
                                                tmp_path: Path) -> None:
    led, _ = imported(ledger_target, canal, rules)
    (tmp_path / "a.txt").write_text("附件")
    led.assign([2], unit="社会事业局", person="王某", deadline="2021-10-20", measure="关停")
    led.progress(2, "进行中", attachment=tmp_path / "a.txt")
    before = raw_rows(ledger_target, "SELECT * FROM events ORDER BY event_id")
    _refused(ledger_target, "UPDATE events SET note = 'rewritten' WHERE event_id = 1")
    _refused(ledger_target, "UPDATE events SET to_status = '已销号'")
    _refused(ledger_target, "DELETE FROM events WHERE event_id = 1")
    _refused(ledger_target, "DELETE FROM events")
    _refused(ledger_target, "DELETE FROM problems WHERE problem_id = 2")
    _refused(ledger_target, "UPDATE attachments SET filename = 'x'")
    _refused(ledger_target, "DELETE FROM attachments")
    if ledger_target.startswith("postgresql://"):
        _refused(ledger_target, "TRUNCATE events")
        _refused(ledger_target, "TRUNCATE problems CASCADE")
    assert raw_rows(ledger_target, "SELECT * FROM events ORDER BY event_id") == before
    assert count(ledger_target, "problems") == 5 and count(ledger_target, "attachments") == 1
    # adding history is what the database allows
    led.progress(2, "继续")
    assert count(ledger_target, "events") == len(before) + 1


def _table_by_raw_sql(target: str) -> dict[int, dict[str, object]]:
    columns = ", ".join(f'"{c}"' for c in PROBLEM_FIELDS)
    out = {}
    for row in raw_rows(target, f"SELECT problem_id, {columns} FROM problems"):
        values = dict(zip(PROBLEM_FIELDS, row[1:], strict=True))
        for key in ("found_on", "deadline"):  # SQLite gives ISO text, PostgreSQL dates
            if isinstance(values[key], str):
                values[key] = dt.date.fromisoformat(values[key])
        out[int(row[0])] = values
    return out


def test_rebuild_from_events_equals_the_table(ledger_target: str, canal, rules) -> None:
    led, _ = imported(ledger_target, canal, rules)
    led.assign([1, 2, 3], unit="社会事业局", person="王某", deadline="2021-10-20",
               measure="关停")
    led.assign([2], unit="住房建设和生态环境局", person="钱某", deadline="2021-11-05")
    led.progress(1, "一半")
    led.done(1, "完成")
    led.reject(1, "未达标")
    led.progress(1, "再整改")
    led.done(3, "完成")
    led.close(3, "销号")
    rebuilt = led.rebuild().set_index("problem_id")
    table = _table_by_raw_sql(ledger_target)
    assert sorted(table) == rebuilt.index.tolist() == [1, 2, 3, 4, 5]
    for pid, values in table.items():
        for field, value in values.items():
            other = rebuilt.loc[pid, field]
            if value is None:
                assert pd.isna(other), (pid, field, other)
            elif isinstance(value, float):
                assert other == pytest.approx(value, abs=1e-12), (pid, field)
            else:
                assert other == value, (pid, field, value, other)
    assert table[2]["unit"] == "住房建设和生态环境局" and table[1]["progress"] == "再整改"
    assert led.verify().empty
    # a row changed behind the ledger's back is found
    raw_execute(ledger_target, "UPDATE problems SET unit = '假单位' WHERE problem_id = 2")
    differences = led.verify()
    assert differences[["problem_id", "field", "table", "history"]].values.tolist() == [
        [2, "unit", "假单位", "住房建设和生态环境局"]]


# -------------------------------------------------------------------- the workflow
#: Allowed (action, status before) -> status after, written out by hand from the seed.
ALLOWED = {
    ("assign", "待交办"): "已交办", ("assign", "已交办"): "已交办", ("assign", "整改中"): "整改中",
    ("progress", "已交办"): "整改中", ("progress", "整改中"): "整改中",
    ("done", "已交办"): "已整改", ("done", "整改中"): "已整改",
    ("close", "已整改"): "已销号",
    ("reject", "已整改"): "整改中",
}
#: How to bring problem 1 to each status.
PATHS = {
    "待交办": [], "已交办": ["assign"], "整改中": ["assign", "progress"],
    "已整改": ["assign", "done"], "已销号": ["assign", "done", "close"],
}


def _act(led: Ledger, action: str, pid: int = 1) -> None:
    if action == "assign":
        led.assign([pid], unit="社会事业局", person="王某", deadline="2021-12-31", measure="整治")
    else:
        getattr(led, action)(pid, f"{action} 说明")


@pytest.mark.parametrize("status", STATUSES)
def test_every_transition_is_allowed_or_refused_as_written(ledger_target: str, status: str
                                                           ) -> None:
    led = init_ledger(ledger_target)
    led.register(pd.DataFrame({"lon": [112.3 + 0.01 * i for i in range(5)], "lat": [33.0] * 5,
                               "source_type": ["畜禽养殖"] * 5, "found_on": ["2021-09-20"] * 5}))
    for pid, action in enumerate(("assign", "progress", "done", "close", "reject"), start=1):
        for step in PATHS[status]:
            _act(led, step, pid)
        events = count(ledger_target, "events")
        key = (action, status)
        if key in ALLOWED:
            _act(led, action, pid)
            assert led.problems().set_index("problem_id").loc[pid, "status"] == ALLOWED[key]
            assert count(ledger_target, "events") == events + 1
        else:
            with pytest.raises(TransitionError, match=f"problem {pid} is {status}"):
                _act(led, action, pid)
            assert count(ledger_target, "events") == events  # nothing written
            assert led.problems().set_index("problem_id").loc[pid, "status"] == status


def test_assigning_several_is_all_or_nothing(ledger_target: str) -> None:
    led = init_ledger(ledger_target)
    led.register(pd.DataFrame({"lon": [112.30, 112.31, 112.32], "lat": [33.0] * 3,
                               "found_on": ["2021-09-20"] * 3}))
    _act(led, "assign", 2)
    led.done(2, "完成")
    with pytest.raises(TransitionError, match="problem 2 is 已整改"):
        led.assign([1, 2, 3], unit="x", person="y", deadline="2021-12-01", measure="m")
    with pytest.raises(UnknownProblemError, match="no problem 9"):
        led.assign([1, 9], unit="x", person="y", deadline="2021-12-01", measure="m")
    with pytest.raises(GeoGuardError, match="before it was found"):
        led.assign([1], unit="x", person="y", deadline="2021-09-01", measure="m")
    with pytest.raises(GeoGuardError, match="no suggested unit"):
        led.assign([1], person="y", deadline="2021-12-01", measure="m")
    with pytest.raises(GeoGuardError, match="no measure"):
        led.assign([1], unit="x", person="y", deadline="2021-12-01")
    with pytest.raises(GeoGuardError, match="--note is empty"):
        led.done(2, "  ")
    assert led.problems()["status"].tolist() == ["待交办", "已整改", "待交办"]


# --------------------------------------------------------------- overdue, fixed date
def test_overdue_and_due_soon_counts_on_a_fixed_date(ledger_target: str) -> None:
    """Ten problems, deadlines around 2021-10-21, counted by hand."""
    led = init_ledger(ledger_target)
    n = 10
    led.register(pd.DataFrame({"lon": [112.3 + 0.01 * i for i in range(n)], "lat": [33.0] * n,
                               "found_on": ["2021-09-20"] * n}))
    deadlines = {1: "2021-10-01", 2: "2021-10-20", 3: "2021-10-21", 4: "2021-10-24",
                 5: "2021-10-25", 6: "2021-10-10", 7: "2021-10-10", 8: "2021-10-22",
                 9: "2021-10-15"}
    for pid, day in deadlines.items():
        led.assign([pid], unit="u", person="p", deadline=day, measure="m")
    led.progress(9, "进行中")
    led.done(6, "完成")  # rectified: its past deadline no longer runs
    led.done(7, "完成")
    led.close(7, "销号")
    led.done(8, "完成")  # rectified before its deadline: not due soon either
    p = led.problems(as_of=dt.date(2021, 10, 21)).set_index("problem_id")
    # overdue: deadline before the day, not 已整改/已销号 -> 1, 2, 9 (10 has no deadline)
    assert sorted(p.index[p["overdue"]]) == [1, 2, 9]
    # due soon: within 3 days (21st..24th), not overdue, not finished -> 3, 4
    assert sorted(p.index[p["due_soon"]]) == [3, 4]
    later = led.problems(as_of=dt.date(2021, 10, 26)).set_index("problem_id")
    assert sorted(later.index[later["overdue"]]) == [1, 2, 3, 4, 5, 9]
    assert not later["due_soon"].any()


# ------------------------------------------------------------------- opening, creating
def test_open_and_init_refuse_what_is_not_a_ledger(tmp_path: Path, ledger_target: str) -> None:
    with pytest.raises(LedgerNotFoundError, match="geo-guard ledger init"):
        open_ledger(tmp_path / "missing.gpkg")
    with pytest.raises(LedgerError, match="GeoPackage file"):
        init_ledger(tmp_path / "ledger.sqlite")
    init_ledger(ledger_target)
    with pytest.raises(LedgerError, match="already"):
        init_ledger(ledger_target)
    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([1], [1]), crs=4326).to_file(other)
    with pytest.raises(LedgerNotFoundError, match="no geo_guard ledger"):
        open_ledger(other)
    assert not list(tmp_path.glob(".*tmp*"))  # init leaves no temporary file behind
