"""Rows that a plan's constraints would reject, found before anything runs.

A SET NOT NULL on a column holding NULLs, or a CHECK that existing rows break, is added NOT VALID in
the main transaction and fails only at its VALIDATE after the commit: the check stays, rejects new
rows, and every later apply fails the same way. So before a plan is shown, each such step is tried
against the live rows (`SELECT ... WHERE NOT (expr) LIMIT n` in a read-only transaction), and a plan
that cannot succeed is refused with the table, column or constraint, how many rows, which ones, and
how to fix them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import psycopg
from pglast import ast
from pglast.enums import AlterTableType, ConstrType
from pglast.stream import RawStream

from . import sqltree
from .db import Database, connect
from .errors import PlanError
from .hazards import NOT_NULL_HELPER_SUFFIX
from .render import ident

LIMIT = 1000  # rows counted at most per check: enough to say how bad it is, cheap on a large table
SAMPLE = 5    # rows named by primary key


@dataclass(frozen=True)
class Check:
    table: str            # schema-qualified, as the step writes it
    expr: str             # the condition every row must meet
    column: str | None    # a NOT NULL of this column
    constraint: str | None


@dataclass(frozen=True)
class Violation:
    check: Check
    count: int            # at most LIMIT
    sample: list[str]     # primary keys (or ctids) of a few rows

    def message(self) -> str:
        c = self.check
        n = f"at least {LIMIT}" if self.count >= LIMIT else str(self.count)
        rows = f" ({', '.join(self.sample)}{', ...' if self.count > len(self.sample) else ''})" if self.sample else ""
        if c.column is not None:
            return (f"{c.table}.{c.column} holds NULL in {n} row(s){rows}: the specs make it NOT NULL. Backfill them "
                    f"first (UPDATE {c.table} SET {c.column} = ... WHERE {c.column} IS NULL), or keep the column "
                    "nullable in the specs")
        return (f"{c.table}: {n} row(s){rows} break check {c.constraint} ({c.expr}). Fix those rows first "
                f"(SELECT * FROM {c.table} WHERE NOT ({c.expr})), or change the check in the specs")


def _table(rv: ast.RangeVar) -> str:
    return f"{ident(rv.schemaname or 'public')}.{ident(rv.relname)}"


_CANDIDATE = re.compile(r"(?is)^\s*alter\s+table\b.*\b(not\s+null|check|validate)\b")


def checks_of(statements: Iterable[str]) -> list[Check]:
    """The NOT NULLs and CHECKs that statements add or set on tables (not yet knowing which exist).
    A CHECK added NOT VALID counts only when a statement validates it."""
    candidates = [sql for sql in statements if _CANDIDATE.match(sql)]  # most statements are never parsed
    trees = [sqltree.statement(sql) for sql in candidates]
    validated = {c.name for s in trees if isinstance(s, ast.AlterTableStmt) for c in s.cmds or ()
                 if c.subtype == AlterTableType.AT_ValidateConstraint}
    out: list[Check] = []
    for s in trees:
        if not isinstance(s, ast.AlterTableStmt) or s.relation is None:
            continue
        table = _table(s.relation)
        for cmd in s.cmds or ():
            if cmd.subtype == AlterTableType.AT_SetNotNull:
                out.append(Check(table, f"{ident(cmd.name)} IS NOT NULL", cmd.name, None))
            elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint) \
                    and cmd.def_.contype == ConstrType.CONSTR_CHECK and cmd.def_.raw_expr is not None:
                name = cmd.def_.conname or "?"
                if cmd.def_.skip_validation and name not in validated:
                    continue  # stays NOT VALID on purpose: existing rows are not checked
                expr = RawStream()(cmd.def_.raw_expr)
                column = _not_null_column(cmd.def_.raw_expr) if name.endswith(NOT_NULL_HELPER_SUFFIX) else None
                out.append(Check(table, expr, column, None if column else name))
            elif cmd.subtype == AlterTableType.AT_ValidateConstraint:
                out.append(Check(table, "", None, cmd.name))  # the expression is read from the live catalog
    return out


def _not_null_column(expr: ast.Node) -> str | None:
    if isinstance(expr, ast.NullTest) and isinstance(expr.arg, ast.ColumnRef):
        column: str = expr.arg.fields[-1].sval
        return column
    return None


def _live_expr(conn: psycopg.Connection, check: Check) -> Check | None:
    """A VALIDATE's constraint as it stands in the live catalog, when it is a CHECK."""
    row = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
                       "AND conname = %s AND contype = 'c'", (check.table, check.constraint)).fetchone()
    if not row:
        return None
    s = sqltree.statement(f"ALTER TABLE t ADD CONSTRAINT c {row[0]}")
    cmd = s.cmds[0]  # type: ignore[union-attr]
    expr = RawStream()(cmd.def_.raw_expr)
    column = _not_null_column(cmd.def_.raw_expr) if check.constraint.endswith(NOT_NULL_HELPER_SUFFIX) else None  # type: ignore[union-attr]
    return Check(check.table, expr, column, None if column else check.constraint)


def _key(conn: psycopg.Connection, table: str) -> str:
    """An expression naming a row: its primary key, else its ctid."""
    cols = [r[0] for r in conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        (table,))]
    if not cols:
        return "'ctid ' || ctid::text"
    return " || ', ' || ".join(f"'{c} = ' || {ident(c)}::text" for c in cols)


def find(conn: psycopg.Connection, checks: list[Check]) -> list[Violation]:
    """The checks that live rows break. A check the live database cannot evaluate (a table, column or
    function the same plan creates) is left to the apply."""
    out: list[Violation] = []
    seen: set[tuple[str, str]] = set()
    for check in checks:
        try:
            with conn.transaction():
                if not check.expr:
                    found = _live_expr(conn, check)
                    if found is None:
                        continue
                    check = found
                if (check.table, check.expr) in seen:
                    continue
                seen.add((check.table, check.expr))
                rows = conn.execute(f"SELECT {_key(conn, check.table)} FROM {check.table} "
                                    f"WHERE NOT ({check.expr}) LIMIT {LIMIT}".encode()).fetchall()
        except psycopg.Error:
            continue
        if rows:
            out.append(Violation(check, len(rows), [str(r[0]) for r in rows[:SAMPLE]]))
    return out


def refuse(live: Database, statements: list[str]) -> None:
    """PlanError when live rows break a NOT NULL or CHECK the statements add or validate."""
    checks = checks_of(statements)
    if not checks:
        return
    with connect(live, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = on")
        tables = sorted({c.table for c in checks})
        live_tables = {r[0] for r in conn.execute(  # tables the plan creates (or renames to) are left out
            "SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(t) IS NOT NULL", (tables,))}
        found = find(conn, [c for c in checks if c.table in live_tables])
    if found:
        raise PlanError("the plan cannot succeed: existing rows break constraints it adds (nothing was applied):\n"
                        + "\n".join(f"  {v.message()}" for v in found))


def hint(conn: psycopg.Connection, sql: str) -> str:
    """After a VALIDATE failed: which rows, and how to fix them ('' when not a CHECK)."""
    try:
        found = find(conn, checks_of([sql]))
    except psycopg.Error:
        return ""
    return "".join(f"{v.message()}; " for v in found)
