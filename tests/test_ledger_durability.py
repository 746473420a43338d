"""Every write is one transaction, on both databases, with real processes: ``kill -9``
in the middle of a big import leaves the ledger as it was, and two processes writing at
once lose nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo_guard.ledger import LedgerError, init_ledger, open_ledger

from .conftest import ROOT, SAMPLE
from .test_ledger import count, raw_rows

CANAL = str(SAMPLE / "canal.geojson")
#: Child processes import this checkout's geo_guard, whatever is installed.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
RULES = str(SAMPLE / "zone_rules.example.toml")


def _big_list(path: Path, rows: int) -> None:
    """A field list of many points near the sample canal, far enough apart to be new."""
    rng = np.random.default_rng(7)
    pd.DataFrame({
        "经度": 112.20 + rng.random(rows) * 0.25,
        "纬度": 32.92 + rng.random(rows) * 0.20,
        "类型": rng.choice(["养猪场", "饭店", "化工厂", "排水口"], rows),
        "风险源描述": [f"大批导入{i}" for i in range(rows)],
    }).to_csv(path, index=False, encoding="utf-8-sig")


def _in_write(target: str, journal: Path) -> bool:
    """True once the importer is inside its write transaction, writing rows."""
    if not target.startswith("postgresql://"):
        return journal.exists()  # SQLite's rollback journal exists while a write is open
    rows = raw_rows(target, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                            "AND query LIKE 'INSERT INTO %' AND pid <> pg_backend_pid()")
    return rows[0][0] > 0


def test_kill_9_mid_import_leaves_the_ledger_unchanged(ledger_target: str, tmp_path: Path
                                                       ) -> None:
    led = init_ledger(ledger_target)
    led.register(pd.DataFrame({"lon": [112.30, 112.31], "lat": [33.0, 33.0],
                               "source_type": ["排污口", "排污口"],
                               "found_on": ["2021-09-20"] * 2}))
    led.assign([1], unit="住房建设和生态环境局", person="钱某", deadline="2021-10-20",
               measure="封堵")
    before = {t: count(ledger_target, t) for t in ("problems", "events", "attachments")}
    big = tmp_path / "big.csv"
    _big_list(big, 6_000)
    journal = Path(f"{ledger_target}-journal")
    process = subprocess.Popen(
        [sys.executable, "-m", "geo_guard.cli", "ledger", "import", ledger_target, str(big),
         "--canal", CANAL, "--rules", RULES, "--found-on", "2021-09-25"],
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    caught = False
    deadline = time.monotonic() + 180
    while process.poll() is None and time.monotonic() < deadline:
        if _in_write(ledger_target, journal):
            process.kill()  # SIGKILL: no cleanup, no rollback by the client
            caught = True
            break
        time.sleep(0.002)
    process.wait(timeout=60)
    assert caught, ("the import finished (or never started writing) before it could be "
                    f"killed: {process.stderr.read().decode(errors='replace')[-500:]}")
    assert process.returncode == -9
    # the next reader rolls a half-written SQLite transaction back; PostgreSQL aborted it
    after = {t: count(ledger_target, t) for t in ("problems", "events", "attachments")}
    assert after == before
    led = open_ledger(ledger_target)
    assert led.verify().empty
    assert led.problems()["status"].tolist() == ["已交办", "待交办"]
    # and the ledger takes writes again (the write lock died with the process)
    led.progress(1, "继续封堵")
    assert count(ledger_target, "events") == before["events"] + 1


WORKER = textwrap.dedent("""
    import sys, time, pathlib
    import pandas as pd
    from geo_guard.ledger import open_ledger

    target, worker, n, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    led = open_ledger(target)
    pathlib.Path(folder, f"ready{worker}").touch()
    while not pathlib.Path(folder, "go").exists():
        time.sleep(0.005)
    for i in range(n):
        led.register(pd.DataFrame({"lon": [112.0 + worker * 0.2 + i * 0.002], "lat": [33.0],
                                   "source_type": ["排污口"], "description": [f"w{worker}-{i}"],
                                   "found_on": ["2021-09-20"]}), by=f"w{worker}")
        led.progress(1, f"w{worker}-{i}", by=f"w{worker}")
""")


def test_two_processes_writing_at_once_lose_nothing(ledger_target: str, tmp_path: Path) -> None:
    n = 8
    led = init_ledger(ledger_target)
    led.register(pd.DataFrame({"lon": [112.5], "lat": [33.5], "source_type": ["工业企业"],
                               "found_on": ["2021-09-20"]}))
    led.assign([1], unit="住房建设和生态环境局", person="钱某", deadline="2021-10-20",
               measure="停产")
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    workers = [subprocess.Popen([sys.executable, str(script), ledger_target, str(w), str(n),
                                 str(tmp_path)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE) for w in (0, 1)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{w}").exists() for w in (0, 1)):
        failed = [p for p in workers if p.poll() is not None]
        assert not failed, failed[0].stderr.read().decode(errors="replace")[-800:]
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.01)
    (tmp_path / "go").touch()  # both start writing together
    for p in workers:
        p.wait(timeout=300)
        assert p.returncode == 0, p.stderr.read().decode(errors="replace")[-800:]

    problems = open_ledger(ledger_target).problems()
    expected = {f"w{w}-{i}" for w in (0, 1) for i in range(n)}
    descriptions = problems["description"].dropna().tolist()
    assert len(problems) == 1 + 2 * n
    assert sorted(d for d in descriptions if d in expected) == sorted(expected)
    assert problems["problem_id"].tolist() == list(range(1, 2 * n + 2))
    events = open_ledger(ledger_target).events()
    assert events["event_id"].tolist() == list(range(1, len(events) + 1))
    progress = events[(events["problem_id"] == 1) & (events["action"] == "进展")]
    assert sorted(progress["note"]) == sorted(expected)  # every update of problem 1 kept
    assert len(events) == 2 + 4 * n
    # each worker's own updates are in its order; the row shows the last one written
    for w in (0, 1):
        mine = progress.loc[progress["by"] == f"w{w}", "note"].tolist()
        assert mine == [f"w{w}-{i}" for i in range(n)]
    assert problems.set_index("problem_id").loc[1, "progress"] == progress["note"].iloc[-1]
    assert open_ledger(ledger_target).verify().empty


def test_a_write_failing_midway_leaves_nothing(ledger_target: str, monkeypatch) -> None:
    """Problems already inserted in the transaction vanish when a later step fails."""
    from geo_guard.ledger.batch import WriteBatch

    led = init_ledger(ledger_target)

    def fail(self: WriteBatch) -> None:
        raise RuntimeError("disk full, say")

    monkeypatch.setattr(WriteBatch, "flush", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        led.register(pd.DataFrame({"lon": [112.3, 112.4], "lat": [33.0, 33.0]}))
    assert count(ledger_target, "problems") == 0 and count(ledger_target, "events") == 0


def test_a_writer_kept_waiting_too_long_gets_one_clear_error(ledger_target: str, monkeypatch
                                                             ) -> None:
    import geo_guard.ledger.store as store

    led = init_ledger(ledger_target)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.5)
    finding = pd.DataFrame({"lon": [112.3], "lat": [33.0], "found_on": ["2021-09-20"]})
    holder = store.Store(ledger_target).write()  # another writer holds the lock
    with holder, pytest.raises(LedgerError, match=r"another program has been writing .* 0\.5 s"):
        led.register(finding)
    led.register(finding)  # the lock is free again
    assert count(ledger_target, "problems") == 1
