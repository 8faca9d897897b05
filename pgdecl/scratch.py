"""Scratch databases: where the desired schema is built so it can be inspected and diffed.

A scratch database has the name prefix `pgdecl_scratch_` and a marker comment; pgdecl never drops
a database that lacks either. Scratch databases left by a killed run are swept by the next run.
"""

from __future__ import annotations

import os
import secrets
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import psycopg
from psycopg import sql as psql

from .db import Database, connect, scrub
from .errors import DatabaseError, LoadError, PgdeclError
from .render import Rendered

PREFIX = "pgdecl_scratch_"
MARKER = "pgdecl scratch database: created for one plan, safe to drop"
LOCK_CLASS = 0x70676463  # advisory locks (LOCK_CLASS, key(name)): held by the run owning a scratch database
PAUSE_ENV = "PGDECL_FAULT_PAUSE_SCRATCH"  # tests only: a file written when a scratch database exists; then wait
STARTED = time.time()  # this command's start: only older scratch databases are swept


def _name() -> str:
    return f"{PREFIX}{int(time.time())}_{secrets.token_hex(4)}"


def key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def is_scratch(conn: psycopg.Connection, name: str) -> bool:
    """Both marks present: the prefix and pgdecl's comment on the database."""
    if not name.startswith(PREFIX):
        return False
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return row is not None and row[0] == MARKER


def drop_scratch(admin: Database, name: str) -> None:
    with connect(admin, autocommit=True) as conn:
        _drop(conn, name, force=True)


def _drop(conn: psycopg.Connection, name: str, force: bool) -> None:
    if not is_scratch(conn, name):
        raise PgdeclError(f"refusing to drop {name!r}: it lacks pgdecl's scratch prefix or marker comment")
    conn.execute(psql.SQL("DROP DATABASE IF EXISTS {}" + (" WITH (FORCE)" if force else "")).format(
        psql.Identifier(name)))


@dataclass(frozen=True)
class Scratch:
    name: str
    created: float       # from its name
    in_use: bool         # a run holds its lock, or a session is connected to it


def scratch_databases(conn: psycopg.Connection) -> list[Scratch]:
    """The marked scratch databases of a server, and whether anything still uses each."""
    rows = conn.execute(
        "SELECT d.datname, EXISTS (SELECT FROM pg_stat_activity a WHERE a.datname = d.datname) "
        "FROM pg_database d WHERE d.datname LIKE %s AND shobj_description(d.oid, 'pg_database') = %s "
        "ORDER BY d.datname", (PREFIX.replace("_", r"\_") + "%", MARKER)).fetchall()
    held = {int(r[0]) for r in conn.execute(
        "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::bigint::oid "
        "AND objsubid = 2 AND granted", (LOCK_CLASS,))}
    out = []
    for name, connected in rows:
        try:
            created = float(name[len(PREFIX):].split("_")[0])
        except ValueError:
            created = 0.0
        out.append(Scratch(name, created, bool(connected) or key(name) in held))
    return out


def sweep(admin: Database, conn: psycopg.Connection | None = None) -> list[str]:
    """Drop the scratch databases that killed runs left behind: marked, made before this command
    started, and used by nothing (no run holds its lock, no session is connected). Never fails."""
    if conn is None:
        try:
            with connect(admin, autocommit=True) as own:
                return sweep(admin, own)
        except PgdeclError:
            return []
    dropped = []
    try:
        candidates = [s.name for s in scratch_databases(conn) if not s.in_use and s.created <= STARTED]
    except psycopg.Error:
        return []
    for name in candidates:
        try:
            _drop(conn, name, force=False)  # a session that connects meanwhile keeps it
            dropped.append(name)
        except (PgdeclError, psycopg.Error):
            pass
    return dropped


def clean(admin: Database) -> tuple[list[str], list[str]]:
    """`pgdecl server clean`: drop every scratch database nothing uses. (dropped, kept in use)"""
    with connect(admin, autocommit=True) as conn:
        found = scratch_databases(conn)
        dropped = []
        for s in found:
            if not s.in_use:
                try:
                    _drop(conn, s.name, force=False)
                    dropped.append(s.name)
                except psycopg.Error:
                    pass
    return dropped, [s.name for s in found if s.name not in dropped]


@contextmanager
def scratch_database(admin: Database) -> Iterator[Database]:
    """A fresh, empty, marked database on the server of `admin`; dropped afterwards. The run holds
    an advisory lock named after it from before its creation to its drop, so a sweep by another run
    never takes it for a leftover."""
    name = _name()
    try:
        owner = connect(admin, autocommit=True)
    except PgdeclError as e:
        raise DatabaseError(f"cannot create a scratch database: {e}") from None
    with owner:
        try:
            owner.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, key(name)))
            owner.execute(psql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(psql.Identifier(name)))
            owner.execute(psql.SQL("COMMENT ON DATABASE {} IS {}").format(psql.Identifier(name), psql.Literal(MARKER)))
        except psycopg.Error as e:
            raise DatabaseError(f"cannot create a scratch database on {admin.display}: "
                                f"{scrub(str(e).strip(), admin.conninfo)}") from None
        _pause_for_tests()
        try:
            yield admin.with_dbname(name)
        finally:
            try:
                _release_subscriptions(owner, admin.with_dbname(name))
                _drop(owner, name, force=True)
            except psycopg.Error:
                pass  # the next run sweeps it: nothing holds its lock any more


def _release_subscriptions(owner: psycopg.Connection, db: Database) -> None:
    """A scratch database that loaded CREATE SUBSCRIPTION cannot be dropped until they are gone."""
    from .engine.kinds.subscriptions import HAS_SUBSCRIPTIONS, release

    row = owner.execute(HAS_SUBSCRIPTIONS, (db.dbname,)).fetchone()
    if row and row[0]:
        with connect(db, autocommit=True) as conn:
            release(conn)


def scratch_server(dev_url: str | None = None, server: Any = None, sweep_left_behind: bool = True) -> Database:
    """Where scratch databases go: `dev_url`'s server, else pgdecl's local one (`server`, started on demand),
    where the scratch databases that killed runs left behind are swept first."""
    if dev_url:
        return Database(dev_url)
    from .server import LocalServer

    admin = Database((server or LocalServer()).ensure_running(), local=True)
    if sweep_left_behind:
        sweep(admin)
    return admin


@contextmanager
def loaded_scratch(admin: Database, rendered: Rendered) -> Iterator[Database]:
    """A scratch database with `rendered` loaded (`load`); on leaving it is dropped, and then the roles the
    load created (roles are cluster-wide: none is left behind)."""
    created: set[str] = set()
    try:
        with scratch_database(admin) as db:
            created |= load(db, rendered)
            yield db
    finally:
        drop_roles(admin, created)


def _pause_for_tests() -> None:
    flag = os.environ.get(PAUSE_ENV)
    if flag:
        with open(flag, "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(300)


def can_create_databases(db: Database) -> bool:
    try:
        with connect(db, autocommit=True) as conn:
            row = conn.execute(
                "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone()
            return bool(row and row[0])
    except PgdeclError:
        return False


_ROLES_SQL = "SELECT rolname FROM pg_catalog.pg_roles"


def load(db: Database, rendered: Rendered) -> set[str]:
    """Run the desired DDL in one transaction, sent in one round trip; a failure is found again
    statement by statement, so its error names the spec file and object. Returns the roles the
    load created (roles are cluster-wide: the caller drops them with the scratch database)."""
    bodies = [b for b in map(_body_check, rendered.statements) if b]
    has_roles = any(s.kind == "role" for s in rendered.statements)
    with connect(db) as conn:
        before = {r[0] for r in conn.execute(_ROLES_SQL)} if has_roles else set()
        conn.commit()
        try:
            _load(conn, rendered, bodies)
            analyze_catalogs(conn, len(rendered.statements))
        finally:
            after = {r[0] for r in conn.execute(_ROLES_SQL)} if has_roles and not conn.closed else set()
            if not conn.closed:
                conn.rollback()
        return after - before


ANALYZE_FROM = 10_000  # statements (about 2,400 tables): below, the planner's guesses from an empty
# database's statistics cost less than the ANALYZE (at 1,000 and 5,000 tables the reads gained 0.08 and
# 0.16 s for 0.18 and 0.47 s); at 10,000 tables they pick nested loops: the reads took 2.5 times as long

# the catalogs a side's reads join (pgdecl.catalog_diff, schemainspect, the fingerprint, pg_depend)
_CATALOGS = ("pg_class", "pg_attribute", "pg_attrdef", "pg_constraint", "pg_index", "pg_depend", "pg_type",
             "pg_namespace", "pg_proc", "pg_description", "pg_trigger", "pg_rewrite", "pg_policy", "pg_inherits",
             "pg_sequence")


def analyze_catalogs(conn: psycopg.Connection, statements: int, in_transaction: bool = False) -> None:
    """After `statements` of DDL (a scratch load, or an apply to the live database): ANALYZE the
    catalogs the reads of a side join, when there were many (ANALYZE_FROM).
    A database just loaded has the statistics of an empty one, and the planner then picks nested
    loops over catalogs of a hundred thousand rows: reading 10,000 tables took 25 s instead of 10 s
    (the ANALYZE: 0.7 s). A role that may not analyze them gets a warning from the server, no error.
    `in_transaction`: in a savepoint of the open transaction (whose own rows are sampled), no commit."""
    if statements < ANALYZE_FROM:
        return
    sql = "ANALYZE " + ", ".join(f"pg_catalog.{c}" for c in _CATALOGS)
    if in_transaction:  # in the open transaction, which it leaves as it was (the rows it wrote counted)
        try:
            with conn.transaction():
                conn.execute(sql)
        except psycopg.Error:
            pass
        return
    try:
        conn.execute(sql)
        conn.commit()
    except psycopg.Error:  # statistics only: the reads work without them
        conn.rollback()


def drop_roles(admin: Database, roles: set[str]) -> None:
    """Drop roles a scratch load created, once its database is gone; a role something else has come
    to depend on meanwhile is left alone."""
    if not roles:
        return
    with connect(admin, autocommit=True) as conn:
        for role in sorted(roles):
            try:
                conn.execute(psql.SQL("DROP ROLE IF EXISTS {}").format(psql.Identifier(role)))
            except psycopg.Error:
                pass


def _load(conn: psycopg.Connection, rendered: Rendered, bodies: list[str]) -> None:
    try:
        with conn.transaction():
            # "\n;\n": a statement may end in a -- comment
            conn.execute("\n;\n".join(s.sql for s in rendered.statements).encode())
            # function bodies were not checked while loading (tables may come later): check them now
            _check_bodies_on(conn)
            if bodies:
                conn.execute("\n;\n".join(bodies).encode())
        return
    except psycopg.Error:
        pass
    _load_one_by_one(conn, rendered)


def load_in(conn: psycopg.Connection, rendered: Rendered) -> None:
    """`rendered` run in the open transaction of `conn` (not autocommit; the caller ends it), in one
    round trip, function bodies checked, the search_path back to its default afterwards; a failure is
    found again statement by statement (in a transaction of its own) to raise a LoadError naming the
    spec file and object."""
    assert not conn.autocommit
    bodies = [b for b in map(_body_check, rendered.statements) if b]
    try:  # in the transaction psycopg opens on the first statement
        conn.execute("\n;\n".join(s.sql for s in rendered.statements).encode())
        _check_bodies_on(conn)
        if bodies:
            conn.execute("\n;\n".join(bodies).encode())
        conn.execute("SET LOCAL search_path TO DEFAULT")
        return
    except psycopg.Error:
        conn.rollback()
    _load_one_by_one(conn, rendered)


# every schema the desired side has, after the default path
_WIDE_PATH_SQL = """
SELECT string_agg(quote_ident(nspname), ', ' ORDER BY nspname) FROM pg_namespace
 WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public', 'pgdecl')"""


def _check_bodies_on(conn: psycopg.Connection) -> None:
    """Turn body checks on, with every schema of the desired side on the search_path after the
    default one: a body that relies on its caller's search_path (Supabase's functions calling
    extensions.gen_random_bytes() unqualified; pg_dump restores them with check_function_bodies
    off) passes when each name it uses exists somewhere; a misspelt one still fails."""
    conn.execute("SET LOCAL check_function_bodies = on")
    others = conn.execute(_WIDE_PATH_SQL).fetchone()[0]  # type: ignore[index]
    conn.execute(f'SET LOCAL search_path = "$user", public{", " + others if others else ""}')


def _body_check(stmt: Any) -> str | None:
    """A SQL function's CREATE again as CREATE OR REPLACE, to check its body once every table exists."""
    sql: str = stmt.sql
    if stmt.kind == "function" and sql.startswith("CREATE FUNCTION") and "LANGUAGE sql" in sql.split("AS", 1)[0]:
        return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    return None


def check_bodies_in(conn: psycopg.Connection, rendered: Rendered) -> None:
    """The body of each SQL function of `rendered` checked in the open transaction of `conn`, once
    every table exists (as `load_in` does), in a savepoint rolled back afterwards: the transaction
    is left as it was. A LoadError names the function's spec line."""
    checks = [(s, b) for s in rendered.statements if (b := _body_check(s))]
    if not checks:
        return
    done = 0
    try:
        with conn.transaction(force_rollback=True):
            _check_bodies_on(conn)
            for _, body in checks:
                conn.execute(body.encode())
                done += 1
    except psycopg.Error as e:
        current = checks[min(done, len(checks) - 1)][0]
        raise LoadError(f"{current.kind} {current.name}: the database rejected it: {_message(e)}",
                        current.origin, current.sql) from None


def _message(e: psycopg.Error) -> str:
    diag = e.diag
    message = diag.message_primary or str(e).strip()
    if diag.message_detail:
        message += f" ({diag.message_detail})"
    if diag.message_hint:
        message += f"; hint: {diag.message_hint}"
    return message


def _load_one_by_one(conn: psycopg.Connection, rendered: Rendered) -> None:
    current = None
    try:
        with conn.transaction():
            for current in rendered.statements:
                conn.execute(current.sql.encode())
            _check_bodies_on(conn)
            for current in rendered.statements:
                if body := _body_check(current):
                    conn.execute(body.encode())
    except psycopg.Error as e:
        what = f"{current.kind} {current.name}: " if current else ""
        raise LoadError(f"{what}the database rejected it: {_message(e)}",
                        current.origin if current else None, current.sql if current else None) from None
    raise LoadError("the desired DDL failed as a whole but every statement succeeded alone; "
                    "please report this with the specs")
