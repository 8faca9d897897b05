"""Reuse of what an earlier plan read from the live database, and of the plan itself, while neither
side has changed (pgdecl.cache holds the entries).

The live side is keyed by the catalog signal of the live database (pgdecl.catalog.catalog_signal):
a cheap hash that changes with any committed change to any catalog, so an entry is found only while
the catalogs are exactly as they were when it was read. A plan's steps are keyed by that signal, the
desired side's key (the hash of its DDL and the scratch server's version), the specs' fingerprint and
the plan's options: a no-op plan of an unchanged project on an unchanged database reads neither side.

What is not catalog state is never taken from the cache: the role statements (roles are
cluster-wide; a plan is reused only while they are the same), the rows a step would fail on
(pgdecl.violations) and the notes already seen in pgdecl.history are read again on every plan; a
plan that updates an extension (whose available versions are files on the server) is not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import cache
from .catalog import catalog_signal, role_statements
from .db import Database, connect
from .errors import PgdeclError

KIND_LIVE = "live"
KIND_PLAN = "plan"


def signal(db: Database) -> str | None:
    """The live database's catalog signal, or None when the cache is off or it cannot be read."""
    if not cache.enabled():
        return None
    import psycopg

    try:
        with connect(db) as conn:
            value = catalog_signal(conn)
            conn.rollback()
            return value
    except (PgdeclError, psycopg.Error):
        return None


def read_live(db: Database, project: Any, sig: str | None) -> Any:
    """The live side (pgdecl.sides.Side): from the cache while the catalogs have not changed since it
    was read, else read now and stored when the catalogs did not change while it was being read."""
    from . import sides

    k = cache.key(KIND_LIVE, sig) if sig else None
    side = cache.get(KIND_LIVE, k) if k else None
    if side is not None:
        if project is not None and project.roles:
            with connect(db) as conn:
                side.roles = role_statements(conn, project)
                conn.rollback()
        return side
    side = sides.read(db, project)
    if k and signal(db) == sig:
        roles, side.roles = side.roles, []  # never stored: they depend on the project too
        cache.put(KIND_LIVE, k, side)
        side.roles = roles
    return side


@dataclass(frozen=True)
class Reused:
    """A plan's steps and notes (before pgdecl.history filters them), the live fingerprint, and the
    role statements the live cluster lacked then (roles are cluster-wide: checked on every reuse)."""

    steps: tuple[Any, ...]
    notes: tuple[str, ...]
    live_fingerprint: str
    roles: tuple[str, ...] = ()


def plan_key(sig: str | None, desired_key: str, spec_fingerprint: str, options: dict[str, Any]) -> str | None:
    """The key of a plan's result, or None when it may not be reused (no signal)."""
    if sig is None:
        return None
    return cache.key(KIND_PLAN, sig, desired_key, spec_fingerprint, repr(sorted(options.items())))


def get_plan(k: str | None, db: Database, project: Any) -> Reused | None:
    """The stored result of the same plan, unless the role statements it began with have changed.
    `project` is anything with the specs' `roles` (a pgdecl.desired.Desired will do)."""
    value = cache.get(KIND_PLAN, k) if k else None
    if not isinstance(value, Reused):
        return None
    if project.roles or value.roles:
        with connect(db) as conn:
            roles = tuple(role_statements(conn, project))
            conn.rollback()
        if roles != value.roles:
            return None
    return value


def put_plan(k: str | None, db: Database, sig: str | None, reused: Reused) -> None:
    """Store a plan's result unless an extension update is among its steps, or the catalogs changed
    while it was worked out."""
    from . import sqltree

    if not k or any(sqltree.kind(s.sql) == "AlterExtensionStmt" for s in reused.steps):
        return
    if signal(db) == sig:
        cache.put(KIND_PLAN, k, reused)
