"""The problem register (问题整改台账): every problem found, followed from registration to
closing (发现、交办、整改、销号), on a real database.

A ledger is a GeoPackage file (SQLite, embedded, nothing to start) or a PostGIS database
(``postgresql://…``, for several users at once); both hold the same tables and behave the
same. ``problems`` holds one row per problem (a WGS84 point); ``events`` is its
append-only history, from which every row can be rebuilt.

`store` opens the database and runs each write as one locked transaction; `schema` holds
the tables; `workflow` the statuses and which action may follow which; `ledger` the
:class:`Ledger` itself; `findings` turns classified field lists into findings; `dedup`
finds repeat findings; `responsibility` suggests the responsible unit; `photos` reads
field photos' EXIF; `summary` counts and lists for ``status``; `export` writes the
register out.

Examples
--------
>>> from geo_guard.ledger import init_ledger, open_ledger, STATUSES
>>> _ = init_ledger(tmp / "台账.gpkg")
>>> led = open_ledger(tmp / "台账.gpkg")
>>> len(led.problems()), STATUSES[0]
(0, '待交办')
"""

from geo_guard.ledger.errors import (
    LedgerError,
    LedgerNotFoundError,
    TransitionError,
    UnknownProblemError,
)
from geo_guard.ledger.ledger import Ledger, init_ledger, open_ledger
from geo_guard.ledger.workflow import ACTIONS, DUE_SOON_DAYS, ORIGINS, STATUSES

__all__ = [
    "ACTIONS",
    "DUE_SOON_DAYS",
    "ORIGINS",
    "STATUSES",
    "Ledger",
    "LedgerError",
    "LedgerNotFoundError",
    "TransitionError",
    "UnknownProblemError",
    "init_ledger",
    "open_ledger",
]
