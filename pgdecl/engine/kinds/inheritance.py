"""Inheritance children: migra's CREATE TABLE ... INHERITS repeats the parents' columns, which makes
them local to the child (attislocal). This layer drops the column definitions the desired child only
inherits, then sets what the child overrides (a default of its own, or none, and NOT NULL) right
after it is created."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from pglast import ast

from ... import sqltree
from ...render import ident
from ..graph import sql
from ..sqltext import first, same
from . import Context

NAME = "inheritance"
STAGE = 20


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`inherited`: per child table (schema.name), per inherited column its default and NOT NULL and
    its parents'."""
    inherited: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for table, col, default, not_null, parent_defaults, parent_not_null in conn.execute(sql("inherited")).fetchall():
        inherited[table][col] = {"default": default, "not_null": not_null, "parent_defaults": list(parent_defaults),
                                 "parent_not_null": parent_not_null}
    return {"inherited": dict(inherited)}


def inherited_columns(statements: list[str], desired: dict[str, Any]) -> list[str]:
    """The statements with each CREATE TABLE ... INHERITS as the module's docstring says."""
    from pglast.stream import RawStream

    inherited = desired.get("inherited") or {}
    if not inherited:
        return statements
    out: list[str] = []
    for text in statements:
        stmt = first(text)
        if not isinstance(stmt, ast.CreateStmt) or not stmt.inhRelations or stmt.partbound is not None:
            out.append(text)
            continue
        stmt = sqltree.fresh(text)  # edited below
        if not isinstance(stmt, ast.CreateStmt):
            out.append(text)
            continue
        schema = stmt.relation.schemaname or "public"
        columns = inherited.get(f"{schema}.{stmt.relation.relname}", {})
        elements = list(stmt.tableElts or ())
        dropped = [e.colname for e in elements if isinstance(e, ast.ColumnDef) and e.colname in columns]
        if not dropped:
            out.append(text)
            continue
        stmt.tableElts = tuple(e for e in elements if not (isinstance(e, ast.ColumnDef) and e.colname in dropped)) \
            or None
        out.append(RawStream()(stmt))
        table = f"{ident(schema)}.{ident(stmt.relation.relname)}"
        for col in dropped:
            facts = columns[col]
            default, parents = facts["default"], [d for d in facts["parent_defaults"] if d is not None]
            if default is not None and not any(same(default, d, "SELECT {}") for d in parents):
                out.append(f"ALTER TABLE ONLY {table} ALTER COLUMN {ident(col)} SET DEFAULT {default}")
            elif default is None and parents:
                out.append(f"ALTER TABLE ONLY {table} ALTER COLUMN {ident(col)} DROP DEFAULT")
            if facts["not_null"] and not facts["parent_not_null"]:
                out.append(f"ALTER TABLE ONLY {table} ALTER COLUMN {ident(col)} SET NOT NULL")
    return out


def merge(statements: list[str], ctx: Context) -> list[str]:
    return inherited_columns(statements, ctx.desired)
