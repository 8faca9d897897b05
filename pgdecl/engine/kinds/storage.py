"""Columns' statistics targets (`ALTER COLUMN c SET STATISTICS 500`) of tables and materialized views:
migra ignores them, so a plan used to lose them on a recreated table and never set them on a live
one. (Storage parameters, `WITH (fillfactor = 70)`, are compared by
pgdecl.engine.kinds.options.)"""

from __future__ import annotations

from typing import Any

import psycopg

from ... import sqltree
from ...render import ident
from ..graph import sql

NAME = "storage"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """quoted table -> {"kind": relkind, "options": {name: value}, "statistics": {column: target}}."""
    out: dict[str, Any] = {}
    for table, kind, options, stats in conn.execute(sql("storage")).fetchall():
        opts = dict(o.split("=", 1) for o in options)
        out[table] = {"kind": kind, "options": opts, "statistics": dict(stats or {})}
    return out


def _created(planned: list[str]) -> set[str]:
    """Quoted names of the tables and materialized views the plan creates (from nothing)."""
    from pglast import ast

    out: set[str] = set()
    for text in planned:
        s = sqltree.statement(text)
        rv = s.relation if isinstance(s, ast.CreateStmt) else \
            s.into.rel if isinstance(s, ast.CreateTableAsStmt) else None
        if rv is not None:
            out.add(f"{ident(rv.schemaname or 'public')}.{ident(rv.relname)}")
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    new = _created(planned)
    out: list[str] = []
    for table in sorted(desired):
        want = desired[table]
        have = {"options": {}, "statistics": {}} if table in new or table not in live else live[table]
        what = "MATERIALIZED VIEW" if want["kind"] == "m" else "TABLE"
        for column in sorted(set(want["statistics"]) | set(have["statistics"])):
            target = want["statistics"].get(column, -1)
            if have["statistics"].get(column, -1) != target:
                out.append(f"ALTER {what} {table} ALTER COLUMN {ident(column)} SET STATISTICS {target}")
    return out
