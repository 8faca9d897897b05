"""Generated columns whose expression changes: migra writes `ALTER COLUMN .. SET DEFAULT`, which
PostgreSQL refuses. This layer writes `SET EXPRESSION` on 17+, before that a drop and add of the
column (it is recomputed, nothing is lost) and its indexes and constraints again; the columns so
re-added go to `ctx.readded` (their comments and privileges are gone)."""

from __future__ import annotations

from typing import Any

import psycopg
from pglast import ast
from pglast.enums import AlterTableType

from ...errors import PlanError
from ...render import ident
from ..graph import sql
from ..sqltext import first, parenthesized, same
from . import Context

NAME = "generated"
STAGE = 10


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`generated`: per column (`COLUMN s.t.c`) its table, expression, definition and dependants."""
    return {"generated": {
        r[0]: {"name": r[1], "table": r[2], "attname": r[3], "column": r[4], "expr": r[5], "type": r[6],
               "not_null": r[7], "collation": r[8], "indexes": [tuple(i) for i in r[9]],
               "constraints": [tuple(c) for c in r[10]], "blockers": list(r[11])}
        for r in conn.execute(sql("generated")).fetchall()}}


def _column_commands(stmt: Any, table: str, column: str) -> bool:
    """True for an ALTER TABLE of `table` whose every command alters `column` (type, default, NOT NULL)."""
    if not isinstance(stmt, ast.AlterTableStmt) or stmt.relation is None:
        return False
    rel = stmt.relation
    if f"{rel.schemaname or 'public'}.{rel.relname}" != table:
        return False
    kinds = (AlterTableType.AT_ColumnDefault, AlterTableType.AT_AlterColumnType, AlterTableType.AT_SetNotNull,
             AlterTableType.AT_DropNotNull)
    return bool(stmt.cmds) and all(c.subtype in kinds and c.name == column for c in stmt.cmds)


def _readd_column(want: dict[str, Any]) -> str:
    col = want["column"]
    definition = f"{col} {want['type']}"
    if want["collation"]:
        definition += f" COLLATE {want['collation']}"
    definition += f" GENERATED ALWAYS AS {parenthesized(want['expr'])} STORED"
    if want["not_null"]:
        definition += " NOT NULL"
    return f"ALTER TABLE {want['table']} DROP COLUMN {col}, ADD COLUMN {definition}"


def _created_name(text: str) -> str | None:
    """schema.name of an index, or table.constraint of a constraint, that a statement creates."""
    stmt = first(text)
    if isinstance(stmt, ast.IndexStmt) and stmt.idxname:
        return f"{stmt.relation.schemaname or 'public'}.{stmt.idxname}"
    if isinstance(stmt, ast.AlterTableStmt) and stmt.relation is not None:
        rel = f"{stmt.relation.schemaname or 'public'}.{stmt.relation.relname}"
        for cmd in stmt.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddConstraint and getattr(cmd.def_, "conname", None):
                return f"{rel}.{cmd.def_.conname}"
    return None


def merge(statements: list[str], ctx: Context) -> list[str]:
    """migra's statements for generated columns whose expression changes replaced."""
    live, desired, dropped = ctx.live, ctx.desired, ctx.dropped
    out = list(statements)
    created = {_created_name(s) for s in out} - {None}
    for key in sorted(desired["generated"]):
        want, have = desired["generated"][key], live["generated"].get(key)
        if have is None or want["name"] in dropped or same(have["expr"], want["expr"], "SELECT {}"):
            continue
        table, column = want["name"], want["attname"]
        if live["version"] >= 170000:
            mine = [i for i, s in enumerate(out) if _column_commands(first(s), table, column)
                    and all(c.subtype == AlterTableType.AT_ColumnDefault for c in first(s).cmds)]
            new = [f"ALTER TABLE {want['table']} ALTER COLUMN {want['column']} SET EXPRESSION AS "
                   f"{parenthesized(want['expr'])}"]
        else:
            blockers = sorted(set(have["blockers"]) - dropped)
            if blockers:
                raise PlanError(
                    f"column {table}.{column}: its generation expression changes, which before PostgreSQL 17 "
                    f"takes dropping and adding the column, but {', '.join(blockers)} depend(s) on it: "
                    "change them in a separate plan, or upgrade to PostgreSQL 17 (SET EXPRESSION)")
            mine = [i for i, s in enumerate(out) if _column_commands(first(s), table, column)]
            new = [_readd_column(want)]
            new += [s for name, s in want["indexes"] if f"{table.split('.')[0]}.{name}" not in created]
            new += [f"ALTER TABLE {want['table']} ADD CONSTRAINT {ident(name)} {definition}"
                    for name, definition in want["constraints"] if f"{table}.{name}" not in created]
            ctx.readded.add(key)
        at = mine[0] if mine else len(out)
        for i in reversed(mine):
            del out[i]
        out[at:at] = new
    return out
