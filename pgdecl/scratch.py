"""Scratch databases: where the desired schema is built so it can be inspected and diffed.

A scratch database has the name prefix `pgdecl_scratch_` and a marker comment; pgdecl never drops
a database that lacks either. Scratch databases left by a killed run are swept after a while.
"""

from __future__ import annotations

import secrets
import time
from contextlib import contextmanager
from typing import Any, Iterator

import psycopg
from psycopg import sql as psql

from .db import Database, connect, scrub
from .errors import DatabaseError, LoadError, PgdeclError
from .render import Rendered

PREFIX = "pgdecl_scratch_"
MARKER = "pgdecl scratch database: created for one plan, safe to drop"
STALE_AFTER = 6 * 3600


def _name() -> str:
    return f"{PREFIX}{int(time.time())}_{secrets.token_hex(4)}"


def is_scratch(conn: psycopg.Connection, name: str) -> bool:
    """Both marks present: the prefix and pgdecl's comment on the database."""
    if not name.startswith(PREFIX):
        return False
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return bool(row) and row[0] == MARKER


def drop_scratch(admin: Database, name: str) -> None:
    with connect(admin, autocommit=True) as conn:
        if not is_scratch(conn, name):
            raise PgdeclError(f"refusing to drop {name!r}: it lacks pgdecl's scratch prefix or marker comment")
        conn.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))


def sweep(admin: Database, older_than: float = STALE_AFTER) -> list[str]:
    """Drop scratch databases that a killed run left behind."""
    dropped = []
    with connect(admin, autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX.replace("_", r"\_") + "%",))]
    for name in names:
        try:
            created = int(name[len(PREFIX):].split("_")[0])
        except ValueError:
            continue
        if time.time() - created > older_than:
            try:
                drop_scratch(admin, name)
                dropped.append(name)
            except PgdeclError:
                pass
    return dropped


@contextmanager
def scratch_database(admin: Database) -> Iterator[Database]:
    """A fresh, empty, marked database on the server of `admin`; dropped afterwards."""
    name = _name()
    try:
        with connect(admin, autocommit=True) as conn:
            conn.execute(psql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(psql.Identifier(name)))
            conn.execute(psql.SQL("COMMENT ON DATABASE {} IS {}").format(psql.Identifier(name), psql.Literal(MARKER)))
    except psycopg.Error as e:
        raise DatabaseError(f"cannot create a scratch database on {admin.display}: "
                            f"{scrub(str(e).strip(), admin.conninfo)}") from None
    try:
        yield admin.with_dbname(name)
    finally:
        drop_scratch(admin, name)


def can_create_databases(db: Database) -> bool:
    try:
        with connect(db, autocommit=True) as conn:
            row = conn.execute(
                "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone()
            return bool(row and row[0])
    except PgdeclError:
        return False


def load(db: Database, rendered: Rendered) -> None:
    """Run the desired DDL in one transaction, sent in one round trip; a failure is found again
    statement by statement, so its error names the spec file and object."""
    bodies = [b for b in map(_body_check, rendered.statements) if b]
    with connect(db) as conn:
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
    if stmt.kind == "function" and stmt.sql.startswith("CREATE FUNCTION") and "LANGUAGE sql" in stmt.sql.split("AS", 1)[0]:
        return stmt.sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    return None


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
        diag = e.diag
        message = diag.message_primary or str(e).strip()
        if diag.message_detail:
            message += f" ({diag.message_detail})"
        if diag.message_hint:
            message += f"; hint: {diag.message_hint}"
        what = f"{current.kind} {current.name}: " if current else ""
        raise LoadError(f"{what}the database rejected it: {message}",
                        current.origin if current else None, current.sql if current else None) from None
    raise LoadError("the desired DDL failed as a whole but every statement succeeded alone; "
                    "please report this with the specs")
