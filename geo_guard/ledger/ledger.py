"""The problem register (问题整改台账): open or create one, read it, and move problems along
the workflow, every change one transaction with its event in the append-only history.

Examples
--------
>>> from geo_guard.ledger import init_ledger
>>> led = init_ledger(tmp / "ledger.gpkg")
>>> found = pd.DataFrame({"lon": [112.30], "lat": [33.00], "source_type": ["畜禽养殖"],
...                       "village": ["示意村"], "description": ["养猪场，约200头"],
...                       "found_on": [dt.date(2021, 9, 20)]})
>>> led.register(found, by="李某", at=dt.datetime(2021, 9, 20, 9))["outcome"].tolist()
['新增']
>>> _ = led.assign([1], unit="社会事业局", person="王某", deadline="2021-11-30",
...                measure="关停搬迁", at=dt.datetime(2021, 9, 22, 10))
>>> _ = led.progress(1, "已拆除猪舍一半", at=dt.datetime(2021, 10, 8, 16))
>>> row = led.problems(as_of=dt.date(2021, 12, 1)).iloc[0]
>>> row["status"], row["unit"], bool(row["overdue"])
('整改中', '社会事业局', True)
>>> led.events()["action"].tolist()
['登记', '交办', '进展']
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo_guard import __version__
from geo_guard._errors import OptionError, one_line
from geo_guard.io import atomic_path
from geo_guard.ledger.batch import WriteBatch, quoted
from geo_guard.ledger.dedup import DEDUP_RADIUS_M, match_findings
from geo_guard.ledger.errors import LedgerError, LedgerNotFoundError, UnknownProblemError
from geo_guard.ledger.history import (
    as_date,
    compare_problems,
    json_value,
    normalise_problems,
    rebuild_problems,
)
from geo_guard.ledger.inputs import (
    FINDING_FIELDS,
    day_value,
    finding_rows,
    login_name,
    now,
    problem_ids,
    read_attachment,
    text_value,
)
from geo_guard.ledger.schema import PROBLEM_FIELDS, SCHEMA_VERSION, ddl
from geo_guard.ledger.store import Store, is_postgres_url
from geo_guard.ledger.workflow import CLOSED, PENDING, RECTIFIED, deadline_flags, next_status

__all__ = ["EVENT_COLUMNS_OUT", "PROBLEM_COLUMNS_OUT", "Ledger", "init_ledger", "open_ledger"]

#: Columns of :meth:`Ledger.problems`, in order (then ``geometry``).
PROBLEM_COLUMNS_OUT: tuple[str, ...] = (
    "problem_id", "township", "village", "source_type", "zone", "zone_level", "stake", "bank",
    "distance_m", "description", "origin", "found_on", "found_by", "measure", "deadline",
    "unit", "person", "progress", "status", "lon", "lat", "overdue", "due_soon", "closed_on",
    "rectified_on", "name", "chainage_m", "updated_at",
)

#: Columns of :meth:`Ledger.events`, in order.
EVENT_COLUMNS_OUT: tuple[str, ...] = (
    "event_id", "problem_id", "at", "action", "from_status", "to_status", "by", "note",
    "attachment", "attachment_id", "changes",
)

def open_ledger(target: str | os.PathLike[str]) -> Ledger:
    """Open an existing ledger.

    Parameters
    ----------
    target : str or path-like
        A GeoPackage path (``ledger.gpkg``) or a ``postgresql://`` URL.

    Raises
    ------
    LedgerNotFoundError
        No file there, or the database has no ledger; the message says how to create one.
    """
    if not is_postgres_url(target) and not Path(target).is_file():
        raise LedgerNotFoundError(
            f"{target}: no ledger there; create it with geo-guard ledger init {target}"
        )
    store = Store(target)
    led = Ledger(store)
    led._check()
    return led


def init_ledger(target: str | os.PathLike[str]) -> Ledger:
    """Create an empty ledger and return it open.

    A GeoPackage is built in a temporary file beside the target and renamed into place, so
    an interrupted ``init`` leaves nothing behind. On PostgreSQL the tables are created in
    one transaction (PostGIS is enabled if it is not; that needs the right to create
    extensions).

    Raises
    ------
    LedgerError
        The file or database already holds a ledger (or other tables of the same names).
    """
    if is_postgres_url(target):
        store = Store(target)
        with store.write() as conn:
            exists = conn.execute(sa.text("SELECT to_regclass('ledger_meta')")).scalar()
            if exists is not None:
                raise LedgerError(f"{store.label} already holds a ledger; open it instead")
            _create(conn, store)
        return Ledger(store)
    path = Path(target)
    Store(path)  # checks the extension before anything is written
    if path.exists():
        raise LedgerError(f"{path}: already exists; choose a new file name (a ledger is never "
                          "overwritten)")
    with atomic_path(path) as temp:
        store = Store(temp, create=True)
        with store.write() as conn:
            _create(conn, store)
        store.dispose()
    return Ledger(Store(path))


def _create(conn: Connection, store: Store) -> None:
    # The driver's own cursor, without parameters: the DDL holds '%' (PL/pgSQL's RAISE)
    # that a parameter-formatting call would read as a placeholder.
    cursor = conn.connection.cursor()
    try:
        for statement in ddl(store.dialect):
            cursor.execute(statement)
    except sa.exc.DBAPIError as err:
        raise LedgerError(f"{store.label}: cannot create the ledger tables "
                          f"({one_line(err.orig)[:300]})") from None
    meta = {"schema_version": SCHEMA_VERSION, "created_at": now().isoformat(),
            "created_by": f"geo_guard {__version__}"}
    conn.execute(sa.text('INSERT INTO ledger_meta ("key", "value") VALUES (:k, :v)'),
                 [{"k": k, "v": v} for k, v in meta.items()])


class Ledger:
    """A problem register in a GeoPackage or PostGIS database.

    Get one with :func:`open_ledger` or :func:`init_ledger`. Reads return pandas frames;
    writes (:meth:`register`, :meth:`assign`, :meth:`progress`, :meth:`done`,
    :meth:`close`, :meth:`reject`, :meth:`attach`) each run in one transaction that holds
    the ledger's write lock, record one event per problem touched, and either happen
    completely or not at all. ``close`` is the workflow's 销号, not a file close: no
    connection stays open between calls (``with open_ledger(...) as led:`` works too).
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def __repr__(self) -> str:
        return f"Ledger({self._store.label!r})"

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self._store.dispose()

    @property
    def url(self) -> str:
        """The ledger's path or URL (password masked)."""
        return self._store.label

    @property
    def backend(self) -> str:
        """``"sqlite"`` (GeoPackage) or ``"postgresql"`` (PostGIS)."""
        return self._store.dialect

    def _check(self) -> None:
        try:
            with self._store.read() as conn:
                version = conn.execute(sa.text(
                    "SELECT \"value\" FROM ledger_meta WHERE \"key\" = 'schema_version'"
                )).scalar()
        except sa.exc.DBAPIError:
            raise LedgerNotFoundError(
                f"{self.url} holds no geo_guard ledger (no ledger_meta table); create one "
                "with geo-guard ledger init"
            ) from None
        if version != SCHEMA_VERSION:
            raise LedgerError(f"{self.url}: ledger schema version {version}, this geo_guard "
                              f"reads version {SCHEMA_VERSION}; upgrade geo_guard")

    # ------------------------------------------------------------------ reading
    def problems(self, as_of: dt.date | None = None) -> gpd.GeoDataFrame:
        """Every problem, one row each, as it stands now, judged on the day ``as_of``.

        Parameters
        ----------
        as_of : datetime.date, optional
            The day for 超期/临期 (default today).

        Returns
        -------
        GeoDataFrame
            WGS84 points, columns :data:`PROBLEM_COLUMNS_OUT`: the stored fields (dates as
            ``datetime.date``, missing ``NaT``; ``zone_level`` ``Int64``), then
            ``overdue`` (deadline before ``as_of``, not 已整改/已销号), ``due_soon`` (due
            within 3 days, not overdue, not 已整改/已销号), ``closed_on`` and
            ``rectified_on`` (date of the event that set the current 已销号 / 已整改
            status, kept for 已销号 problems that were 已整改 first; else NaT).
        """
        as_of = as_of or dt.date.today()
        fields = ", ".join(quoted(c) for c in ("problem_id", *PROBLEM_FIELDS, "updated_at"))
        with self._store.read() as conn:
            frame = pd.read_sql(sa.text(f"SELECT {fields} FROM problems ORDER BY problem_id"),
                                conn)
            settled = pd.read_sql(sa.text(
                "SELECT problem_id, to_status, MAX(at) AS at FROM events "
                f"WHERE to_status IN ('{RECTIFIED}', '{CLOSED}') "
                "AND (from_status IS NULL OR from_status <> to_status) "
                "GROUP BY problem_id, to_status"), conn)
        frame = normalise_problems(frame)
        frame["overdue"], frame["due_soon"] = deadline_flags(frame["deadline"], frame["status"],
                                                             as_of)
        for column, status, keep in (("closed_on", CLOSED, (CLOSED,)),
                                     ("rectified_on", RECTIFIED, (RECTIFIED, CLOSED))):
            rows = settled[settled["to_status"] == status]
            when = {int(p): as_date(v) for p, v in zip(rows["problem_id"], rows["at"],
                                                       strict=True)}
            frame[column] = pd.Series(
                [when.get(int(p)) or pd.NaT if s in keep else pd.NaT
                 for p, s in zip(frame["problem_id"], frame["status"], strict=True)],
                index=frame.index, dtype=object)
        frame["updated_at"] = pd.to_datetime(frame["updated_at"])
        geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=4326)
        return gpd.GeoDataFrame(frame[list(PROBLEM_COLUMNS_OUT)], geometry=geometry, crs=4326)

    def events(self, since: dt.date | None = None, until: dt.date | None = None, *,
               problem_id: int | None = None) -> pd.DataFrame:
        """The history, oldest first, optionally from ``since`` to ``until`` (both days
        included) or for one problem.

        Returns
        -------
        DataFrame
            Columns :data:`EVENT_COLUMNS_OUT`; ``at`` as datetime64, ``changes`` as a dict
            of the fields the event set.
        """
        where, params = [], {}
        if since is not None:
            where.append("at >= :since")
            params["since"] = dt.datetime.combine(day_value(since, "since"), dt.time())
        if until is not None:
            where.append("at < :until")
            params["until"] = dt.datetime.combine(day_value(until, "until") + dt.timedelta(days=1),
                                                  dt.time())
        if problem_id is not None:
            where.append("problem_id = :pid")
            params["pid"] = int(problem_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        columns = ", ".join(quoted(c) for c in EVENT_COLUMNS_OUT)
        with self._store.read() as conn:
            frame = pd.read_sql(sa.text(f"SELECT {columns} FROM events{clause} ORDER BY event_id"),
                                conn, params=self._store.params(params))
        frame["at"] = pd.to_datetime(frame["at"])
        frame["attachment_id"] = frame["attachment_id"].astype("Int64")
        frame["changes"] = [json.loads(c or "{}") for c in frame["changes"]]
        return frame

    def attachment(self, attachment_id: int) -> tuple[str, bytes]:
        """The file name and bytes of a stored attachment (a photo, a document)."""
        with self._store.read() as conn:
            row = conn.execute(sa.text("SELECT filename, content FROM attachments "
                                       "WHERE attachment_id = :a"), {"a": int(attachment_id)}
                               ).one_or_none()
        if row is None:
            raise UnknownProblemError(f"no attachment {attachment_id} in {self.url}")
        return str(row[0]), bytes(row[1])

    def rebuild(self) -> pd.DataFrame:
        """Every problem's fields rebuilt from the history alone (see :mod:`.history`)."""
        with self._store.read() as conn:
            events = pd.read_sql(sa.text("SELECT event_id, problem_id, to_status, changes "
                                         "FROM events ORDER BY event_id"), conn)
        return rebuild_problems(events)

    def verify(self) -> pd.DataFrame:
        """Differences between the ``problems`` table and its rebuild from the history.

        Returns
        -------
        DataFrame
            ``problem_id``, ``field``, ``table``, ``history``: one row per difference;
            empty when the table is exactly what its events say.
        """
        fields = ", ".join(quoted(c) for c in ("problem_id", *PROBLEM_FIELDS))
        with self._store.read() as conn:
            table = pd.read_sql(sa.text(f"SELECT {fields} FROM problems"), conn)
        return compare_problems(normalise_problems(table), self.rebuild())

    # ------------------------------------------------------------------ writing
    def register(self, findings: pd.DataFrame, *, dedup_m: float = DEDUP_RADIUS_M,
                 dedup_on: tuple[str, ...] = ("source_type",), by: str | None = None,
                 at: dt.datetime | None = None) -> pd.DataFrame:
        """Register findings as new problems (待交办), or as repeat findings of open ones.

        Parameters
        ----------
        findings : DataFrame
            One row per finding, with WGS84 ``lon``/``lat`` and any of the problem fields
            (``source_type``, ``township``, ``village``, ``zone``, ``zone_level``,
            ``stake``, ``bank``, ``distance_m``, ``name``, ``description``, ``origin``
            (default 排查), ``found_on`` (default today), ``found_by``, ``measure``,
            ``deadline``, ``unit``/``person`` as suggested), and an optional ``note`` for
            the history.
        dedup_m : float
            A finding within this many metres of an open (not 已销号) problem of the same
            ``source_type`` is recorded on it as 重复发现, not as a new problem; so is one
            near an earlier finding of the same batch. 0 turns this off.
        dedup_on : tuple of str
            The fields a repeat shares with the problem besides the place (default the
            type; e.g. ``("source_type", "name")`` for audit findings, where one road
            may lack a sign and a barrier: two problems).
        by : str, optional
            Who registers (default: the login name).
        at : datetime, optional
            When (default now).

        Returns
        -------
        DataFrame
            Indexed like ``findings``: ``outcome`` (新增 or 重复), ``problem_id`` and
            ``match_m`` (distance to the problem repeated).

        Raises
        ------
        OptionError
            Missing or out-of-range lon/lat, an unknown origin, an unreadable date.
        """
        rows = finding_rows(findings)
        unknown = [c for c in dedup_on if c not in FINDING_FIELDS]
        if unknown:
            raise OptionError(f"dedup_on {unknown}: repeats are matched on problem fields "
                              f"({', '.join(FINDING_FIELDS)})")
        at, by = at or now(), by if by is not None else login_name()
        keys = ", ".join(quoted(c) for c in dict.fromkeys(("problem_id", "lon", "lat",
                                                            *dedup_on)))
        with self._store.write() as conn:
            tx = WriteBatch(self._store, conn, at, by)
            open_ = pd.read_sql(sa.text(
                f"SELECT {keys} FROM problems WHERE status <> '{CLOSED}' ORDER BY problem_id"),
                conn)
            match = match_findings(rows, open_, radius_m=dedup_m, on=tuple(dedup_on))
            ids = np.full(len(rows), -1, dtype=np.int64)
            first = tx.next_problem_id()
            new = np.flatnonzero((match["existing"] < 0) & (match["earlier"] < 0))
            ids[new] = first + np.arange(len(new))
            hit = match["existing"].to_numpy() >= 0
            ids[hit] = open_["problem_id"].to_numpy()[match["existing"].to_numpy()[hit]]
            later = match["earlier"].to_numpy() >= 0
            ids[later] = ids[match["earlier"].to_numpy()[later]]
            tx.insert_problems(rows.iloc[new].assign(problem_id=ids[new]))
            registered = _json_records(rows.iloc[new][list(FINDING_FIELDS)])
            notes = rows["note"].to_numpy() if "note" in rows else [None] * len(rows)
            for i, changes in zip(new, registered, strict=True):
                tx.event(int(ids[i]), "register", None, PENDING, changes=changes, note=notes[i])
            repeats = np.flatnonzero(hit | later)
            statuses = tx.statuses([int(ids[i]) for i in repeats]) if len(repeats) else {}
            for i in repeats:
                status = statuses.get(int(ids[i]), PENDING)
                tx.event(int(ids[i]), "repeat", status, status,
                         note=_repeat_note(rows.iloc[i].to_dict(),
                                                 float(match["distance_m"].iloc[i])))
            tx.flush()
        return pd.DataFrame({"outcome": np.where(np.isin(np.arange(len(rows)), new), "新增",
                                                 "重复"),
                             "problem_id": ids, "match_m": match["distance_m"].to_numpy()},
                            index=findings.index)

    def assign(self, ids: Iterable[int], *, person: str, deadline: dt.date | str,
               unit: str | None = None, measure: str | None = None, note: str | None = None,
               by: str | None = None, at: dt.datetime | None = None) -> list[int]:
        """交办: give problems to a responsible unit and person, with a deadline (and measure).

        All problems or none: one that cannot be assigned (已整改, 已销号, unknown) stops
        the whole call. Assigning an 已交办/整改中 problem again changes its assignment and
        keeps its status.

        Parameters
        ----------
        ids : iterable of int
        person : str
            责任人.
        deadline : date or ISO text
            整改时限; not before the day the problem was found.
        unit : str, optional
            责任单位; default the unit suggested at import (responsibility table).
        measure : str, optional
            整改措施; default the one already recorded.

        Returns
        -------
        list of int
            The event ids, one per problem.
        """
        pids = problem_ids(ids)
        person_text = text_value(person, "--person (责任人)")
        day = day_value(deadline, "--deadline (整改时限)")
        unit_text = text_value(unit, "--unit (责任单位)", required=False)
        measure_text = text_value(measure, "--measure (整改措施)", required=False)
        with self._store.write() as conn:
            tx = WriteBatch(self._store, conn, at or now(), by if by is not None else login_name())
            current = tx.rows(pids, ("status", "unit", "found_on", "measure"))
            out = []
            for pid in pids:
                row = current[pid]
                status = next_status("assign", row["status"], problem_id=pid)
                chosen = unit_text or row["unit"]
                if not chosen:
                    raise OptionError(f"problem {pid} has no suggested unit; give --unit "
                                      "(责任单位)")
                found = as_date(row["found_on"])
                if found is not None and day < found:
                    raise OptionError(f"problem {pid}: deadline {day} is before it was found "
                                      f"({found}); give a later --deadline")
                changes: dict[str, Any] = {"unit": chosen, "person": person_text,
                                           "deadline": day.isoformat()}
                if measure_text is not None:
                    changes["measure"] = measure_text
                elif not row["measure"]:
                    raise OptionError(f"problem {pid} has no measure yet; give --measure "
                                      "(整改措施)")
                out.append(tx.event(pid, "assign", row["status"], status, changes=changes,
                                    note=text_value(note, "note", required=False)))
            tx.flush()
        return out

    def progress(self, problem_id: int, note: str, *, attachment: str | os.PathLike[str]
                 | None = None, by: str | None = None, at: dt.datetime | None = None) -> int:
        """进展: report progress (已交办 or 整改中 → 整改中); the note becomes 整改进度."""
        return self._step("progress", problem_id, note, attachment=attachment, by=by, at=at)

    def done(self, problem_id: int, note: str, *, attachment: str | os.PathLike[str]
             | None = None, by: str | None = None, at: dt.datetime | None = None) -> int:
        """整改完成: declare the problem rectified (→ 已整改), awaiting the check."""
        return self._step("done", problem_id, note, attachment=attachment, by=by, at=at)

    def close(self, problem_id: int, note: str, *, attachment: str | os.PathLike[str]
              | None = None, by: str | None = None, at: dt.datetime | None = None) -> int:
        """销号: close a rectified problem after the check (已整改 → 已销号 only)."""
        return self._step("close", problem_id, note, attachment=attachment, by=by, at=at)

    def reject(self, problem_id: int, note: str, *, attachment: str | os.PathLike[str]
               | None = None, by: str | None = None, at: dt.datetime | None = None) -> int:
        """退回: the check failed; back to 整改中 with the reason (已整改 → 整改中)."""
        return self._step("reject", problem_id, note, attachment=attachment, by=by, at=at)

    def attach(self, problem_id: int, attachment: str | os.PathLike[str], note: str | None = None,
               *, by: str | None = None, at: dt.datetime | None = None) -> int:
        """附件: add a photo or document to an open problem's file (一案一档)."""
        return self._step("attach", problem_id, note, attachment=attachment, by=by, at=at)

    def attach_photos(self, photos: pd.DataFrame, *, radius_m: float = 50.0,
                      by: str | None = None, at: dt.datetime | None = None) -> pd.DataFrame:
        """Attach field photos (拍照取证) to the nearest open problem within ``radius_m``.

        Parameters
        ----------
        photos : DataFrame
            From :func:`geo_guard.ledger.photos.read_photos`: ``path``, ``lon``, ``lat``
            (WGS84, NaN without GPS), ``taken_at``, ``reason``.
        radius_m : float
            Farthest a photo may be from the problem it documents (metres).

        Returns
        -------
        DataFrame
            The photos with ``problem_id`` (or <NA>), ``distance_m`` and ``outcome``
            (已关联, 已有 (the same photo was attached to that problem before) or 未匹配,
            with the ``reason``).
        """
        from geo_guard.ledger.photos import match_photos

        at, by = at or now(), by if by is not None else login_name()
        with self._store.write() as conn:
            tx = WriteBatch(self._store, conn, at, by)
            open_ = pd.read_sql(sa.text(
                "SELECT problem_id, lon, lat, status FROM problems "
                f"WHERE status <> '{CLOSED}' ORDER BY problem_id"), conn)
            out = match_photos(photos, open_, radius_m=radius_m)
            status = dict(zip(open_["problem_id"], open_["status"], strict=True))
            for i, row in enumerate(out.itertuples(index=False)):
                if pd.isna(row.problem_id):
                    continue
                pid = int(row.problem_id)
                data = Path(row.path).read_bytes()
                attachment_id, known = tx.add_attachment(
                    Path(row.path).name, data, taken_at=row.taken_at, lon=row.lon, lat=row.lat)
                if known and tx.has_attachment(pid, attachment_id):
                    out.iloc[i, out.columns.get_loc("outcome")] = "已有"
                    continue
                when = ("" if pd.isna(row.taken_at)
                        else f"{pd.Timestamp(row.taken_at):%Y-%m-%d %H:%M} ")
                tx.event(pid, "attach", status[pid], status[pid],
                         note=f"拍照取证 {when}距问题点 {row.distance_m:.0f} m",
                         attachment=Path(row.path).name, attachment_id=attachment_id)
            tx.flush()
        return out

    def _step(self, action: str, problem_id: int, note: str | None, *,
              attachment: str | os.PathLike[str] | None, by: str | None,
              at: dt.datetime | None) -> int:
        pid = problem_ids([problem_id])[0]
        text = text_value(note, "--note", required=action != "attach")
        data = read_attachment(attachment) if attachment is not None else None
        with self._store.write() as conn:
            tx = WriteBatch(self._store, conn, at or now(), by if by is not None else login_name())
            status = tx.rows([pid], ("status",))[pid]["status"]
            to_status = next_status(action, status, problem_id=pid)
            attachment_id = name = None
            if data is not None:
                name = Path(attachment).name  # type: ignore[arg-type]
                attachment_id, _ = tx.add_attachment(name, data)
            changes = {}
            if action in ("progress", "done", "close"):
                changes["progress"] = text
            elif action == "reject":
                changes["progress"] = f"退回：{text}"
            event_id = tx.event(pid, action, status, to_status, changes=changes, note=text,
                                attachment=name, attachment_id=attachment_id)
            tx.flush()
        return event_id


# ---------------------------------------------------------------------- helpers
def _repeat_note(record: dict[str, Any], distance: float) -> str:
    parts = [f"重复发现，距问题点 {distance:.1f} m"]
    for key, label in (("found_on", "发现日期"), ("found_by", "发现人"), ("origin", "来源")):
        value = json_value(record.get(key))
        if value:
            parts.append(f"{label} {value}")
    for key in ("description", "note"):
        text = record.get(key)
        if isinstance(text, str) and text.strip():
            parts.append(text.strip())
    return "；".join(parts)


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (dates as ISO text, missing as None), a column at a time."""
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object, copy=True)
        values[pd.isna(frame[name]).to_numpy()] = None
        if name in ("found_on", "deadline"):
            values = [None if v is None else json_value(v) for v in values]
        columns[name] = list(values)
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
