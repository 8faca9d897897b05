"""Inserting rows: a row is built from the search, inserted in a savepoint, and when something other
than the expected constraint rejects it, repaired (colliding unique values changed, a fresh parent row
referenced, a parent row updated) and retried."""

from __future__ import annotations

from typing import Any

from collections.abc import Callable

import psycopg

from ..render import ident
from .model import DEFAULT, MAX_ATTEMPTS, MAX_DEPTH, SKIPPED, Attempt, Err, FKey, Tab, lit
from .search import Search


class Rows(Search):
    """Finding, inserting and repairing rows."""

    def insert(self, tab: Tab, assign: dict[str, Any], keep: bool, override: dict[str, Any] | None = None) \
            -> tuple[dict[str, Any] | None, Err | None]:
        vals = {**assign, **(override or {})}
        cols = [c for c, v in vals.items() if v is not DEFAULT and tab.cols[c].writable]
        returning = ", ".join(f"CAST({ident(c)} AS text)" for c in tab.cols)
        if cols:
            over = " OVERRIDING SYSTEM VALUE" if any(tab.cols[c].identity == "a" for c in cols) else ""
            values = ", ".join("NULL" if vals[c] is None else lit(vals[c]) for c in cols)
            sql = (f"INSERT INTO {tab.sql} ({', '.join(ident(c) for c in cols)}){over} VALUES ({values}) "
                   f"RETURNING {returning}")
        else:
            sql = f"INSERT INTO {tab.sql} DEFAULT VALUES RETURNING {returning}"
        try:
            with self.savepoint(keep=keep):
                rows = self.q(sql)
        except psycopg.Error as e:
            return None, self.err_of(e)
        if not rows:
            return None, SKIPPED
        return dict(zip(tab.cols, rows[0])), None

    def find_row(self, tab: Tab, fixed: dict[str, Any] | None = None, nonnull: set[Any] | None = None,
                 expect: Callable[[Err], bool] | None = None, keep: bool = False, override: dict[str, Any] | None = None,
                 want_false: str | None = None, extra: tuple[Any, ...] = (), depth: int = 0) -> Attempt:
        """Find and insert a row: `fixed` columns as given, `nonnull` columns not NULL, every CHECK true
        (but `want_false`). Errors other than the expected one are repaired and the insert retried."""
        fixed = dict(fixed or {})
        nonnull = set(nonnull or ()) - set(fixed)
        assign = dict(fixed)
        frozen = set(fixed)
        fk_of: dict[str, FKey] = {}
        for fk in tab.fks:
            if any(c in fixed or c not in tab.cols for c in fk.columns):
                continue
            if not any((tab.cols[c].notnull and tab.cols[c].default is None) or c in nonnull for c in fk.columns):
                continue
            parent = self.tables.get(fk.parent)
            if parent is None or parent.base_row is None:
                why = parent.base_reason if parent is not None else "not in the specs or not in the database"
                return Attempt("unsat", assign, reason=f"no row in {fk.parent} to reference ({why})")
            for c, rc in zip(fk.columns, fk.refcolumns):
                assign[c] = parent.base_row.get(rc)
                frozen.add(c)
                fk_of[c] = fk
        for col in tab.cols.values():
            if col.name in assign or col.generated or col.identity == "a":
                continue
            if col.name in nonnull or (col.notnull and col.default is None and not col.identity):
                opts = self.options(tab, col.name, {}, nonnull | {col.name}, False)
                if not opts:
                    return Attempt("unsat", assign,
                                   reason=f"no value of type {col.type.name} known for column {col.name}")
                assign[col.name] = opts[0]
        avoid: dict[str, set[Any]] = {}
        refreshed: set[str] = set()
        err: Err | None = None
        for _ in range(MAX_ATTEMPTS):
            solved = self.solve(tab, assign, frozen, want_false, extra, avoid, nonnull)
            if solved is None:
                b = self.blocker
                what = f"that violate only {want_false}" + (f" ({b} stays false)" if b and b != want_false else "") \
                    if want_false else f"for which {b} holds" if b and not b.startswith("extra") else \
                    "that satisfy every CHECK"
                return Attempt("unsat", assign, reason=f"found no values {what}" + (
                    f" (last rejection: {err.text()})" if err else ""))
            assign = solved
            stored, err = self.insert(tab, assign, keep, override)
            if err is None:
                return Attempt("accepted", assign, stored)
            if expect is not None and expect(err):
                return Attempt("rejected", assign, error=err, expected=True)
            if not self.repair(tab, assign, fixed, frozen, fk_of, avoid, err, depth, refreshed):
                return Attempt("rejected", assign, error=err)
        return Attempt("rejected", assign, error=err, reason=f"gave up after {MAX_ATTEMPTS} attempts")

    def key_columns(self, tab: Tab, name: str | None) -> list[str]:
        for k in tab.keys:
            if k.name == name:
                return k.columns
        rows = self.q(
            "SELECT a.attname FROM pg_class i JOIN pg_index x ON x.indexrelid = i.oid JOIN pg_attribute a "
            "ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) WHERE i.relname = %s "
            "AND x.indrelid = to_regclass(%s)", (name, tab.sql))
        return [r[0] for r in rows]

    def fresh_parent(self, assign: dict[str, Any], fk: FKey, depth: int) -> bool:
        """Reference a new row of the parent instead of its base row."""
        parent = self.tables.get(fk.parent)
        if parent is None or depth >= MAX_DEPTH:
            return False
        att = self.find_row(parent, keep=True, depth=depth + 1)
        if att.outcome != "accepted" or att.stored is None:
            return False
        for fc, rc in zip(fk.columns, fk.refcolumns):
            assign[fc] = att.stored.get(rc)
        return True

    def repair(self, tab: Tab, assign: dict[str, Any], fixed: dict[str, Any], frozen: set[Any], fk_of: dict[str, Any], avoid: dict[str, Any], err: Err,
               depth: int, refreshed: set[Any]) -> bool:  # refreshed: what this find_row already tried
        """Change the row (or what it references) so that `err` goes away; False if nothing can."""
        same_table = err.table == tab.bare and (err.schema in (None, tab.schema))
        if err.sqlstate == "23505" and same_table:
            for c in self.key_columns(tab, err.constraint):
                if c in fixed or c not in tab.cols:
                    continue
                if c in fk_of:
                    if self.fresh_parent(assign, fk_of[c], depth):
                        return True
                    continue
                col = tab.cols[c]
                if col.identity and assign.get(c, DEFAULT) is not DEFAULT:
                    del assign[c]  # let the identity generate a fresh value
                    return True
                if not col.writable or col.identity == "a":
                    continue
                taken = {r[0] for r in self.q(f"SELECT DISTINCT CAST({ident(c)} AS text) FROM {tab.sql} "
                                              f"WHERE {ident(c)} IS NOT NULL")}
                avoid.setdefault(c, set()).update(taken | {assign.get(c, DEFAULT)})
                opts = [o for o in self.options(tab, c, avoid, {c}, False) if o is not DEFAULT]
                if opts:
                    assign[c] = opts[0]
                    return True
            return False
        if err.sqlstate == "23502" and same_table and err.column in tab.cols and err.column not in fixed:
            if assign.get(err.column, DEFAULT) not in (None, DEFAULT):
                return False  # it had a value: a trigger set it to NULL
            opts = [o for o in self.options(tab, err.column, avoid, {err.column}, False) if o is not DEFAULT]
            if opts:
                assign[err.column] = opts[0]
                frozen.add(err.column)
                return True
            return False
        if err.table and not same_table and self.repair_parent(tab, assign, err, refreshed):
            return True
        own = {c.name for c in tab.checks} | {k.name for k in tab.keys} | {f.name for f in tab.fks}
        if err.sqlstate == "23503" or (err.constraint in own and same_table):
            return False
        # rejected by something else, typically a trigger enforcing a per-parent rule: try fresh parents
        for fk in tab.fks:
            if fk.name in refreshed or not fk.columns or not all(c in fk_of and c not in fixed for c in fk.columns):
                continue
            refreshed.add(fk.name)
            if self.fresh_parent(assign, fk, depth):
                return True
        return False

    def repair_parent(self, tab: Tab, assign: dict[str, Any], err: Err, tried: set[Any]) -> bool:
        """A trigger of this row changed a parent row, which broke the parent's CHECK: give the
        referenced parent row other values for that CHECK's columns (kept: later attempts see them)."""
        parent = next((t for t in self.tables.values() if t.bare == err.table
                       and err.schema in (None, t.schema)), None)
        if parent is None or parent.base_row is None:
            return False
        chk = next((c for c in parent.checks if c.name == err.constraint), None)
        if chk is None:
            return False
        fks = [fk for fk in tab.fks if fk.parent == parent.name and all(assign.get(c) is not None for c in fk.columns)]
        if not fks:
            return False
        fk = fks[0]
        where = " AND ".join(f"{ident(rc)} = {lit(assign[c])}" for c, rc in zip(fk.columns, fk.refcolumns))
        for col in chk.columns:
            pc = parent.cols[col]
            if not pc.writable or pc.identity == "a":
                continue
            for v in pc.candidates[::-1]:
                key = (parent.name, where, col, v)
                if key in tried:
                    continue
                tried.add(key)
                _, e = self.tryq(f"UPDATE {parent.sql} SET {ident(col)} = {lit(v)} WHERE {where}")
                if e is None:
                    return True
        return False

