"""The ledger's tables, written once and rendered for SQLite (GeoPackage) and PostGIS.

Four tables, the same names, columns and rules on both databases:

- ``problems``: one row per problem (a point, WGS84, with ``lon``/``lat`` kept as numbers
  too), its place on the canal, what it is, and where the workflow stands;
- ``events``: the history, one row per action. **Append-only**: triggers make the database
  itself refuse ``UPDATE`` and ``DELETE`` (and, on PostgreSQL, ``TRUNCATE``), so the
  ``problems`` row can always be rebuilt from its events (each carries the fields it
  changed, as JSON, in ``changes``);
- ``attachments``: photos and documents (一案一档), stored in the database so that one
  GeoPackage file or one PostGIS database holds the whole case file; append-only too;
- ``ledger_meta``: schema version and creation time.

A problem is never deleted either (a trigger refuses it): a mistaken entry is closed with a
note, and the history shows it.

On SQLite the file is a GeoPackage 1.3: ``problems`` is registered as a point feature
table (``gpkg_contents``, ``gpkg_geometry_columns``, geometry as GeoPackage binary) and
opens as a layer in QGIS or with pyogrio; ``events`` and ``attachments`` are registered as
attribute tables.

Examples
--------
>>> from geo_guard.ledger.schema import PROBLEM_FIELDS, ddl
>>> PROBLEM_FIELDS[:3]
('township', 'village', 'source_type')
>>> any("RAISE(ABORT" in statement for statement in ddl("sqlite"))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import pyproj

from geo_guard.ledger.workflow import ACTIONS, ORIGINS, STATUSES

__all__ = [
    "ATTACHMENT_COLUMNS",
    "EVENT_COLUMNS",
    "PROBLEM_COLUMNS",
    "PROBLEM_FIELDS",
    "SCHEMA_VERSION",
    "Column",
    "ddl",
]

SCHEMA_VERSION = "1"

#: Logical type -> (SQLite/GeoPackage type, PostgreSQL type).
_TYPES: dict[str, tuple[str, str]] = {
    "id": ("INTEGER", "integer"),
    "int": ("INTEGER", "integer"),
    "float": ("REAL", "double precision"),
    "text": ("TEXT", "text"),
    "date": ("DATE", "date"),
    "datetime": ("DATETIME", "timestamp(0) without time zone"),
    "blob": ("BLOB", "bytea"),
    "point": ("POINT", "geometry(Point, 4326)"),
}


@dataclass(frozen=True)
class Column:
    """One column: name, logical type and the constraint text both databases accept."""

    name: str
    kind: str
    constraint: str = ""

    def sql(self, dialect: str) -> str:
        kind = _TYPES[self.kind][0 if dialect == "sqlite" else 1]
        return " ".join(part for part in (_quote(self.name), kind, self.constraint) if part)


def _quote(name: str) -> str:
    # "by" is an SQL keyword; quoting every name keeps one rule for all.
    return f'"{name}"'


def _in(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


#: Fields of a problem that events may set (everything but the key and the geometry).
PROBLEM_FIELDS: tuple[str, ...] = (
    "township", "village", "source_type", "zone", "zone_level", "stake", "chainage_m",
    "bank", "distance_m", "name", "description", "origin", "found_on", "found_by",
    "measure", "deadline", "unit", "person", "progress", "status", "lon", "lat",
)

PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("problem_id", "id", "PRIMARY KEY"),
    Column("geom", "point", "NOT NULL"),
    Column("township", "text"),
    Column("village", "text"),
    Column("source_type", "text"),
    Column("zone", "text"),
    Column("zone_level", "int"),
    Column("stake", "text"),
    Column("chainage_m", "float"),
    Column("bank", "text"),
    Column("distance_m", "float"),
    Column("name", "text"),
    Column("description", "text"),
    Column("origin", "text", f"NOT NULL CHECK (origin IN {_in(ORIGINS)})"),
    Column("found_on", "date", "NOT NULL"),
    Column("found_by", "text"),
    Column("measure", "text"),
    Column("deadline", "date"),
    Column("unit", "text"),
    Column("person", "text"),
    Column("progress", "text"),
    Column("status", "text", f"NOT NULL CHECK (status IN {_in(STATUSES)})"),
    Column("lon", "float", "NOT NULL CHECK (lon BETWEEN -180 AND 180)"),
    Column("lat", "float", "NOT NULL CHECK (lat BETWEEN -90 AND 90)"),
    Column("updated_at", "datetime", "NOT NULL"),
)

ATTACHMENT_COLUMNS: tuple[Column, ...] = (
    Column("attachment_id", "id", "PRIMARY KEY"),
    Column("sha256", "text", "NOT NULL UNIQUE"),
    Column("filename", "text", "NOT NULL"),
    Column("size", "int", "NOT NULL"),
    Column("content", "blob", "NOT NULL"),
    Column("taken_at", "datetime"),
    Column("lon", "float"),
    Column("lat", "float"),
    Column("added_at", "datetime", "NOT NULL"),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("event_id", "id", "PRIMARY KEY"),
    Column("problem_id", "id", "NOT NULL REFERENCES problems (problem_id)"),
    Column("at", "datetime", "NOT NULL"),
    Column("action", "text", f"NOT NULL CHECK (action IN {_in(list(ACTIONS.values()))})"),
    Column("from_status", "text", f"CHECK (from_status IN {_in(STATUSES)})"),
    Column("to_status", "text", f"CHECK (to_status IN {_in(STATUSES)})"),
    Column("by", "text"),
    Column("note", "text"),
    Column("attachment", "text"),
    Column("attachment_id", "id", "REFERENCES attachments (attachment_id)"),
    Column("changes", "text", "NOT NULL DEFAULT '{}'"),
)

_TABLES: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("problems", PROBLEM_COLUMNS),
    ("attachments", ATTACHMENT_COLUMNS),
    ("events", EVENT_COLUMNS),
)

#: Tables whose rows may only be added, and what a trigger refuses on each.
_APPEND_ONLY: dict[str, tuple[str, ...]] = {
    "events": ("UPDATE", "DELETE"),
    "attachments": ("UPDATE", "DELETE"),
    "problems": ("DELETE",),
}


def _refusal(table: str, operation: str) -> str:
    return (f"{operation} on {table} refused: the ledger history is append-only "
            "(record a new event instead)")


def ddl(dialect: str) -> list[str]:
    """The statements that create an empty ledger, in order.

    Parameters
    ----------
    dialect : {"sqlite", "postgresql"}
        SQLite statements include the GeoPackage metadata tables.

    Returns
    -------
    list of str
    """
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"unknown dialect {dialect!r}")
    out = _geopackage_ddl() if dialect == "sqlite" else ["CREATE EXTENSION IF NOT EXISTS postgis"]
    out.append('CREATE TABLE ledger_meta ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL)')
    for table, columns in _TABLES:
        body = ",\n  ".join(c.sql(dialect) for c in columns)
        out.append(f"CREATE TABLE {table} (\n  {body}\n)")
    out += [
        "CREATE INDEX events_problem ON events (problem_id, event_id)",
        "CREATE INDEX problems_status ON problems (status)",
    ]
    out += _sqlite_triggers() if dialect == "sqlite" else _postgres_triggers()
    if dialect == "sqlite":
        out += _geopackage_registration()
    else:
        out.append("CREATE INDEX problems_geom ON problems USING gist (geom)")
    return out


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{_refusal(table, op)}'); END"
        for table, ops in _APPEND_ONLY.items()
        for op in ops
    ]


def _postgres_triggers() -> list[str]:
    out = [
        # One function for every refusal; the message names the operation and the table.
        "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% on % refused: the ledger history is append-only "
        "(record a new event instead)', TG_OP, TG_TABLE_NAME; END $$"
    ]
    for table, ops in _APPEND_ONLY.items():
        out.append(f"CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(ops)} ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()")
        if "DELETE" in ops:  # TRUNCATE skips row triggers; refuse it for the whole table
            out.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()")
    return out


# ------------------------------------------------------------------ GeoPackage metadata
def _geopackage_ddl() -> list[str]:
    """The GeoPackage 1.3 core tables (the spec's own definitions) and its two pragmas."""
    wgs84 = pyproj.CRS.from_epsg(4326).to_wkt("WKT1_GDAL").replace("'", "''")
    return [
        "PRAGMA application_id = 1196444487",  # 'GPKG'
        "PRAGMA user_version = 10300",  # GeoPackage 1.3
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER "
        "PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, "
        "definition TEXT NOT NULL, description TEXT)",
        "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT "
        "NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME "
        "NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, "
        "max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY "
        "(srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
        "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT "
        "NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, "
        "m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), "
        "CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY "
        "(table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY "
        "(srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, "
        "'undefined', 'undefined cartesian coordinate reference system')",
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, "
        "'undefined', 'undefined geographic coordinate reference system')",
        f"INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, "
        f"'{wgs84}', 'longitude/latitude coordinates in decimal degrees on the WGS 84 "
        "spheroid')",
    ]


def _geopackage_registration() -> list[str]:
    return [
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES ('problems', 'features', 'problems', '问题整改台账 problem register', 4326)",
        "INSERT INTO gpkg_geometry_columns VALUES ('problems', 'geom', 'POINT', 4326, 0, 0)",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
        "('events', 'attributes', 'events', '整改过程记录 history, append-only')",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
        "('attachments', 'attributes', 'attachments', '附件（照片） attachments')",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
        "('ledger_meta', 'attributes', 'ledger_meta', '台账信息 ledger metadata')",
    ]
