"""Connections: which database is the target, how to reach it, and how to show it without secrets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg.sql
from psycopg.abc import Params
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .errors import DatabaseError, one_line
from .server import LocalServer

DEV_DATABASE = "pgdecl_dev"  # the local database of a library caller that names none
_local: dict[str, object] = {"database": DEV_DATABASE, "only": False}


def use_local_database(name: str, only: bool = False) -> None:
    """The database on the local server that a command without a target uses (the command line
    names it after the project: pgdecl.config.project_database_name). With `only` (an --env that
    names no URL), DATABASE_URL and the PG* variables are not consulted."""
    _local["database"], _local["only"] = name, only


def local_database() -> str:
    return str(_local["database"])
_PG_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")


@dataclass(frozen=True)
class Database:
    """A database to connect to, with a display form that never holds a password."""

    conninfo: str
    local: bool = False  # on pgdecl's private server

    @property
    def display(self) -> str:
        return mask(self.conninfo)

    def with_dbname(self, dbname: str) -> "Database":
        return Database(make_conninfo(self.conninfo, dbname=dbname), self.local)

    @property
    def dbname(self) -> str:
        d = conninfo_to_dict(self.conninfo)
        return str(d.get("dbname") or os.environ.get("PGDATABASE") or d.get("user") or os.environ.get("PGUSER") or "")


def mask(conninfo: str) -> str:
    """`postgresql://user@host:port/db` with any password left out."""
    try:
        d = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "<unparseable connection string>"
    host = str(d.get("host") or os.environ.get("PGHOST") or "localhost")
    user = str(d.get("user") or os.environ.get("PGUSER") or "")
    port = str(d.get("port") or os.environ.get("PGPORT") or "5432")
    db = str(d.get("dbname") or os.environ.get("PGDATABASE") or "")
    where = f"[{host}]" if host.startswith("/") else host
    return f"postgresql://{user + '@' if user else ''}{where}:{port}/{db}"


def scrub(message: str, conninfo: str) -> str:
    """Remove the password of `conninfo` from an error message, wherever it appears."""
    try:
        password = conninfo_to_dict(conninfo).get("password")
    except psycopg.ProgrammingError:
        password = None
    if password:
        message = message.replace(str(password), "***")
    return message


def resolve_target(database_url: str | None, server: LocalServer | None = None) -> Database:
    """--database-url, then DATABASE_URL, then the libpq PG* variables, else the project's database
    (`use_local_database`; pgdecl_dev for a library caller) on the local server."""
    url = database_url or (None if _local["only"] else os.environ.get("DATABASE_URL"))
    if url:
        try:
            conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise DatabaseError("the database URL is not a valid PostgreSQL connection string") from None
        return Database(url)
    if not _local["only"] and any(os.environ.get(k) for k in _PG_ENV):
        return Database("")
    server = server or LocalServer()
    admin = Database(server.ensure_running(), local=True)
    name = local_database()
    with connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return admin.with_dbname(name)


def connect(db: Database, autocommit: bool = False) -> psycopg.Connection:
    """A connection without JIT compilation (`NO_JIT`)."""
    try:
        conn = psycopg.connect(db.conninfo, autocommit=True, connect_timeout=15, application_name="pgdecl")
        try:
            if conn.info.server_version >= 110000:
                conn.execute(NO_JIT)
        except psycopg.Error:  # only a speed-up: a session that refuses it (a statement timeout) has JIT
            if conn.closed:
                raise
        conn.autocommit = autocommit
        return conn
    except psycopg.Error as e:
        raise DatabaseError(f"cannot connect to {db.display}: {scrub(str(e).strip(), db.conninfo)}") from None


# pgdecl's queries read the catalogs, run once each: from about 1,000 tables on their estimated costs pass
# jit_above_cost, and compiling them cost more than it saved (the live fingerprint: 107 of 340 ms at
# 1,000 tables; schemainspect's queries 60 of 560 ms). Session-wide, as pgdecl's own sessions are; its
# DDL does not use JIT, and the few data reads (rows a new constraint rejects) stop at the first row.
NO_JIT = "SET jit = off"


def one(conn: psycopg.Connection[Any], query: str, params: Params | None = None) -> tuple[Any, ...]:
    """The row of a query that always returns exactly one (a SELECT of settings or functions, an
    INSERT ... RETURNING); no row is a DatabaseError naming the query."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise DatabaseError(f"no row returned by {one_line(query)}")
    return tuple(row)
