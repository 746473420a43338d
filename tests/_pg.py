"""A throwaway PostgreSQL + PostGIS cluster for the tests: Debian's binaries, a temporary
folder, a Unix socket only (no TCP port), stopped and removed at the end.

``initdb`` refuses to run as root, so under root the cluster belongs to the ``postgres``
system user (Debian's package creates it) and its commands run through ``runuser``.
When something is missing, :func:`start_cluster` raises :class:`PostgresUnavailable`
with the reason, and the tests skip with it.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

_counter = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL/PostGIS cluster can be started here; the message says why."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL is not installed (no initdb; apt-get install "
                              "postgresql postgis, as .ci/run does)")


def _has_postgis(bindir: Path) -> bool:
    version = bindir.parts[-2] if bindir.parts[-3:-2] == ("postgresql",) else "*"
    return bool(glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control")
                or glob.glob("/usr/share/pgsql/extension/postgis.control"))


class PostgresCluster:
    """A running cluster; :meth:`create_database` gives each test its own database."""

    def __init__(self, bindir: Path, root: Path, runner: list[str]) -> None:
        self.bindir, self.root, self.runner = bindir, root, runner
        self.data = root / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.runner, *args], capture_output=True, text=True,
                              timeout=120, check=False)

    def start(self) -> None:
        init = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust",
                         "-U", "postgres", "-E", "UTF8", "--no-locale")
        if init.returncode:
            raise PostgresUnavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
        options = (f"-k {self.root} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        start = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        if start.returncode:
            log = (self.root / "server.log")
            tail = log.read_text(errors="replace")[-300:] if log.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {start.stderr.strip()[-200:]} "
                                      f"{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host=str(self.root), user="postgres", dbname=database,
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, *, template: str | None = "ledger_template") -> str:
        """A fresh, empty database (PostGIS already enabled from the template); its URL."""
        name = f"test_{os.getpid()}_{next(_counter)}"
        self.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """Start a cluster with a ``ledger_template`` database that has PostGIS."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise PostgresUnavailable("psycopg is not installed (pip install 'geo-guard[postgres]')"
                                  ) from None
    bindir = _bindir()
    if not _has_postgis(bindir):
        raise PostgresUnavailable(f"PostGIS is not installed for {bindir.parent.name} "
                                  "(apt-get install postgis)")
    runner: list[str] = []
    # A short path: a Unix socket path must stay under about 100 bytes.
    root = Path(tempfile.mkdtemp(prefix="gg-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable("running as root and there is no 'postgres' user to own "
                                      "the cluster (initdb refuses root)") from None
        if shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root without runuser to switch to postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        runner = ["runuser", "-u", "postgres", "--"]
    cluster = PostgresCluster(bindir, root, runner)
    try:
        cluster.start()
        cluster.execute("CREATE DATABASE ledger_template")
        cluster.execute("CREATE EXTENSION postgis", database="ledger_template")
    except Exception as err:
        cluster.stop()
        if isinstance(err, PostgresUnavailable):
            raise
        raise PostgresUnavailable(f"cannot prepare the cluster: {err}") from None
    return cluster
