"""One write transaction of the ledger: ids handed out under the write lock, problems and
attachments inserted, events appended and the problem rows updated from them.

Examples
--------
>>> from geo_guard.ledger.batch import plain_value
>>> plain_value(np.int64(3)), plain_value(float("nan")), plain_value(pd.NA)
(3, None, None)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo_guard._errors import name_list
from geo_guard.ledger.errors import UnknownProblemError
from geo_guard.ledger.history import DATE_FIELDS, as_date
from geo_guard.ledger.inputs import FINDING_FIELDS
from geo_guard.ledger.store import Store
from geo_guard.ledger.workflow import ACTIONS, PENDING

__all__ = ["WriteBatch", "plain_value", "quoted"]


def quoted(name: str) -> str:
    """A column name quoted for SQL (``by`` is a keyword; every name gets the same rule)."""
    return f'"{name}"'


class WriteBatch:
    """The writes of one transaction: ids handed out under the lock, events batched.

    Problems and attachments are inserted at once; events and the problem updates they
    imply are collected and written by :meth:`flush`, the ``problems`` row updated with
    exactly the fields each event records (so that the row is the fold of its events).
    """

    def __init__(self, store: Store, conn: Connection, at: dt.datetime, by: str) -> None:
        self.store, self.conn, self.at, self.by = store, conn, at, by
        self._events: list[dict[str, Any]] = []
        self._updates: dict[int, dict[str, Any]] = {}
        self._next_event = self._max("event_id", "events") + 1
        self._at = store.value(at)  # as the database takes it, once for every row

    def _max(self, column: str, table: str) -> int:
        return int(self.conn.execute(sa.text(f"SELECT COALESCE(MAX({column}), 0) FROM {table}"))
                   .scalar())

    def next_problem_id(self) -> int:
        return self._max("problem_id", "problems") + 1

    def rows(self, pids: Sequence[int], columns: Sequence[str]) -> dict[int, dict[str, Any]]:
        """Current values of some columns for the problems, or UnknownProblemError."""
        stmt = sa.text(f"SELECT problem_id, {', '.join(quoted(c) for c in columns)} FROM problems "
                       "WHERE problem_id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
        found = {int(r[0]): dict(zip(columns, r[1:], strict=True))
                 for r in self.conn.execute(stmt, {"ids": list(pids)})}
        missing = [p for p in pids if p not in found]
        if missing:
            raise UnknownProblemError(f"no problem {name_list(missing)} in {self.store.label}; "
                                      "geo-guard ledger status lists them")
        return found

    def statuses(self, pids: Sequence[int]) -> dict[int, str]:
        return {pid: row["status"] for pid, row in self.rows(sorted(set(pids)), ("status",))
                .items()}

    def insert_problems(self, frame: pd.DataFrame) -> None:
        """Insert new problems (status 待交办) from a frame with ``problem_id`` and the
        finding fields."""
        if frame.empty:
            return
        columns = ["problem_id", *FINDING_FIELDS]
        rows = frame[columns].assign(status=PENDING, updated_at=self.store.value(self.at))
        names = [*columns, "status", "updated_at"]
        sql = (f"INSERT INTO problems ({', '.join(quoted(c) for c in names)}, geom) "
               f"VALUES ({', '.join(f':{c}' for c in names)}, {self.store.point_sql})")
        self.store.executemany(self.conn, sql, self.store.records(rows, dates=DATE_FIELDS))

    def add_attachment(self, filename: str, data: bytes, *, taken_at: Any = None,
                       lon: Any = None, lat: Any = None) -> tuple[int, bool]:
        """Store a file once (by SHA-256); its id, and whether it was stored before."""
        digest = hashlib.sha256(data).hexdigest()
        known = self.conn.execute(sa.text("SELECT attachment_id FROM attachments WHERE "
                                          "sha256 = :s"), {"s": digest}).scalar()
        if known is not None:
            return int(known), True
        attachment_id = self._max("attachment_id", "attachments") + 1
        taken = None if taken_at is None or pd.isna(taken_at) else \
            pd.Timestamp(taken_at).to_pydatetime().replace(microsecond=0)
        self.conn.execute(sa.text(
            "INSERT INTO attachments (attachment_id, sha256, filename, size, content, taken_at, "
            "lon, lat, added_at) VALUES (:id, :sha, :name, :size, :content, :taken, :lon, :lat, "
            ":added)"), self.store.params({
                "id": attachment_id, "sha": digest, "name": filename, "size": len(data),
                "content": data, "taken": taken, "lon": plain_value(lon), "lat": plain_value(lat),
                "added": self.at}))
        return attachment_id, False

    def has_attachment(self, pid: int, attachment_id: int) -> bool:
        return self.conn.execute(sa.text(
            "SELECT COUNT(*) FROM events WHERE problem_id = :p AND attachment_id = :a"),
            {"p": pid, "a": attachment_id}).scalar() > 0 or any(
            e["problem_id"] == pid and e["attachment_id"] == attachment_id for e in self._events)

    def event(self, pid: int, action: str, from_status: str | None, to_status: str, *,
              changes: dict[str, Any] | None = None, note: Any = None,
              attachment: str | None = None, attachment_id: int | None = None) -> int:
        event_id = self._next_event
        self._next_event += 1
        changes = changes or {}
        self._events.append({
            "event_id": event_id, "problem_id": pid, "at": self._at, "action": ACTIONS[action],
            "from_status": from_status, "to_status": to_status, "by": self.by or None,
            "note": None if note is None or pd.isna(note) else str(note),
            "attachment": attachment, "attachment_id": attachment_id,
            "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True)})
        if action != "register":
            update = self._updates.setdefault(pid, {})
            update.update(changes)
            update["status"] = to_status
        return event_id

    def flush(self) -> None:
        if self._events:
            columns = list(self._events[0])
            self.store.executemany(
                self.conn, f"INSERT INTO events ({', '.join(quoted(c) for c in columns)}) "
                f"VALUES ({', '.join(f':{c}' for c in columns)})", self._events)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for pid, update in self._updates.items():
            values = {k: (as_date(v) if k in ("deadline", "found_on") else v)
                      for k, v in update.items()}
            groups.setdefault(tuple(sorted(values)), []).append(
                {**values, "updated_at": self.at, "pid": pid})
        for keys, params in groups.items():
            sets = ", ".join(f"{quoted(k)} = :{k}" for k in (*keys, "updated_at"))
            self.conn.execute(sa.text(f"UPDATE problems SET {sets} WHERE problem_id = :pid"),
                              [self.store.params(p) for p in params])
        self._events, self._updates = [], {}


def plain_value(value: Any) -> Any:
    """A value the database drivers take: numpy scalars as Python, NaN/NA/NaT as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
