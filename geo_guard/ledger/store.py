"""Where the ledger lives: a GeoPackage file (SQLite, embedded, the default) or a PostGIS
database (``postgresql://…``, for several users at once), behind one interface.

Both are driven through SQLAlchemy Core with plain SQL (psycopg 3 for PostgreSQL, the
standard library's sqlite3 for GeoPackage). Every write runs in one transaction that
first takes the ledger's write lock, so that two processes writing at once queue instead
of overwriting each other, and a crash or kill mid-write leaves the ledger as it was:

- SQLite: ``BEGIN IMMEDIATE`` (the database's single writer lock; others wait up to
  :data:`BUSY_TIMEOUT_S`); the rollback journal undoes a half-written transaction the
  next time the file is opened;
- PostgreSQL: a transaction-scoped advisory lock (``pg_advisory_xact_lock``), released at
  commit or rollback, also when the client dies.

Reads take no lock.

Examples
--------
>>> from geo_guard.ledger.store import Store, gpkg_point
>>> Store.describe("postgresql://analyst:secret@db.example/ledger")
'postgresql://analyst:***@db.example/ledger'
>>> gpkg_point(112.5, 33.0)[:2]
b'GP'
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from geo_guard._errors import one_line
from geo_guard.ledger.errors import LedgerError

__all__ = ["BUSY_TIMEOUT_S", "POSTGRES_SCHEMES", "Store", "gpkg_point", "is_postgres_url"]

#: How long a writer waits for another writer to finish, in seconds (both databases).
BUSY_TIMEOUT_S = 120.0

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")

#: Key of the PostgreSQL advisory lock that serialises writers to the ledger.
_LOCK_KEY = 0x6C65646765  # "ledge"

#: GeoPackage binary header: magic, version 0, flags (little endian, no envelope), SRS id.
_GPKG_HEADER = struct.pack("<2sBBi", b"GP", 0, 1, 4326)


def gpkg_point(lon: float, lat: float) -> bytes:
    """A WGS84 point as GeoPackage binary geometry (header + little-endian WKB).

    Examples
    --------
    >>> import shapely
    >>> shapely.from_wkb(gpkg_point(112.5, 33.0)[8:]).wkt
    'POINT (112.5 33)'
    """
    return _GPKG_HEADER + struct.pack("<BIdd", 1, 1, float(lon), float(lat))


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL, False for a file path."""
    return isinstance(target, str) and target.lower().startswith(POSTGRES_SCHEMES)


class Store:
    """A connection factory for one ledger, with read and write transactions.

    Parameters
    ----------
    target : str or path-like
        A ``.gpkg`` path or a ``postgresql://user@host/db`` URL (any libpq parameters,
        e.g. ``?host=/run/postgresql`` for a Unix socket).
    create : bool
        Create the GeoPackage file if it does not exist (used by ``init``).
    """

    def __init__(self, target: str | os.PathLike[str], *, create: bool = False) -> None:
        if is_postgres_url(target):
            self.dialect = "postgresql"
            url = sa.engine.make_url(str(target)).set(drivername="postgresql+psycopg")
            self.label = self.describe(str(target))
            self.path: Path | None = None
            try:
                self.engine = sa.create_engine(url, poolclass=NullPool)
            except ImportError:
                raise LedgerError("a PostgreSQL ledger needs psycopg: pip install "
                                  "'geo-guard[postgres]'") from None
        else:
            path = Path(target)
            if path.suffix.lower() != ".gpkg":
                raise LedgerError(
                    f"{path.name}: a ledger is a GeoPackage file (.gpkg) or a postgresql:// URL; "
                    "e.g. geo-guard ledger init out/ledger.gpkg"
                )
            self.dialect = "sqlite"
            self.label = str(path)
            self.path = path
            mode = "rwc" if create else "rw"
            uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
            self.engine = sa.create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S),
                poolclass=NullPool,
            )
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", _sqlite_begin)

    @staticmethod
    def describe(target: str) -> str:
        """The target as it may be printed: a URL's password masked."""
        if not is_postgres_url(target):
            return str(target)
        return sa.engine.make_url(target).render_as_string(hide_password=True)

    @property
    def point_sql(self) -> str:
        """SQL for the point geometry from the ``:lon`` and ``:lat`` parameters."""
        if self.dialect == "sqlite":
            return "ledger_point(:lon, :lat)"
        return "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"

    def value(self, value: Any) -> Any:
        """A Python value as this database takes it (SQLite: dates as ISO text)."""
        if self.dialect == "sqlite" and isinstance(value, dt.date):
            if isinstance(value, dt.datetime):
                return value.isoformat(sep="T", timespec="seconds")
            return value.isoformat()
        return value

    def params(self, row: dict[str, Any]) -> dict[str, Any]:
        """Every value of a parameter row converted with :meth:`value`."""
        return {key: self.value(v) for key, v in row.items()}

    def records(self, frame: pd.DataFrame, *, dates: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Parameter rows from a frame, converted a column at a time (fast for big imports).

        Missing values become None, numpy scalars Python ones, and the ``dates`` columns
        ISO text on SQLite.
        """
        columns: dict[str, list[Any]] = {}
        for name in frame.columns:
            values = frame[name].to_numpy(dtype=object, copy=True)
            values[pd.isna(frame[name]).to_numpy()] = None
            if name in dates and self.dialect == "sqlite":
                values = [None if v is None else self.value(v) for v in values]
            columns[str(name)] = list(values)
        return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(),
                                                                    strict=True)]

    def executemany(self, conn: Connection, sql: str, rows: list[dict[str, Any]]) -> None:
        """Run one statement (``:name`` parameters) for many rows through the driver directly.

        SQLAlchemy's per-row parameter processing costs more than the database for tens of
        thousands of rows; the drivers take the rows as they are (sqlite3 reads ``:name``,
        psycopg ``%(name)s``).
        """
        if not rows:
            return
        if self.dialect == "postgresql":
            sql = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
        conn.exec_driver_sql(sql, rows)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (one consistent view), rolled back at the end."""
        with self._connect(write=False) as conn, conn.begin() as tx:
            yield conn
            tx.rollback()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction holding the ledger's write lock.

        Committed when the block ends, rolled back if it raises; nothing is half-written.
        """
        with self._connect(write=True) as conn:
            busy = (f"{self.label}: another program has been writing to the ledger for "
                    f"{BUSY_TIMEOUT_S:g} s; try again when it is done")
            try:
                tx = conn.begin()  # SQLite: BEGIN IMMEDIATE waits for the write lock here
            except sa.exc.OperationalError:
                raise LedgerError(busy) from None
            with tx:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(
                        f"SET LOCAL lock_timeout = '{max(1, int(BUSY_TIMEOUT_S * 1000))}ms'")
                    try:
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                                     {"key": _LOCK_KEY})
                    except sa.exc.OperationalError:
                        raise LedgerError(busy) from None
                yield conn

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Connection]:
        try:
            conn = self.engine.connect().execution_options(ledger_write=write)
        except sa.exc.OperationalError as err:
            raise LedgerError(f"{self.label}: cannot open the ledger ({_reason(err)})") from None
        try:
            yield conn
        finally:
            conn.close()

    def dispose(self) -> None:
        """Release the engine (no connection is kept open between operations anyway)."""
        self.engine.dispose()


def _reason(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    return one_line(orig)[:300]


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it), so that
    # writers take the write lock up front with BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    dbapi_connection.create_function("ledger_point", 2, gpkg_point, deterministic=True)
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    # A big import in one transaction would otherwise spill pages (and sync the journal)
    # every 2 MB.
    dbapi_connection.execute("PRAGMA cache_size = -131072")


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("ledger_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
