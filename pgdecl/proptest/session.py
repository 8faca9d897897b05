"""The connection `pgdecl test` works through: statements counted, savepoints, errors caught as `Err`,
and the types of the catalog (`TypeInfo`) with the literals each one accepts, both cached."""

from __future__ import annotations

from typing import Any

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import psycopg

from ..model import Project
from .model import Err, Tab, lit
from .report import ConstraintResult
from .values import TypeInfo, fits, type_info


class Session:
    """One run's connection and state: the tables found so far and the results."""

    def __init__(self, conn: psycopg.Connection, project: Project, seed: int) -> None:
        self.conn = conn
        self.project = project
        self.seed = seed
        self.statements = 0
        self.tables: dict[str, Tab] = {}
        self.results: list[ConstraintResult] = []
        self._types: dict[tuple[int, int], TypeInfo] = {}
        self._valid: dict[str, set[str]] = {}
        self.blocker: str | None = None  # the CHECK the last failed search could not make hold
        self._roots: dict[str, tuple[str, str]] | None = None

    # --- plumbing ---------------------------------------------------------------------------

    def q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self.statements += 1
        cur = self.conn.execute(sql.encode() if not params else sql, params or None)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []

    @contextmanager
    def savepoint(self, keep: bool = False) -> Iterator[None]:
        self.statements += 2
        with self.conn.transaction() as tx:
            yield
            if not keep:
                raise psycopg.Rollback(tx)

    def tryq(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[list[tuple[Any, ...]] | None, Err | None]:
        try:
            with self.savepoint(keep=True):
                return self.q(sql, params), None
        except psycopg.Error as e:
            return None, self.err_of(e)

    def err_of(self, e: psycopg.Error) -> Err:
        """Err.of, with a partition's table and constraint (its copy of a key of its partitioned table) named
        as their partitioned root's, which the specs name."""
        err = Err.of(e)
        roots = self._partition_roots()
        if err.constraint not in roots and err.table not in roots:
            return err
        schema, table = roots.get(err.table or "", (err.schema, err.table))
        return replace(err, constraint=roots.get(err.constraint or "", (None, err.constraint))[1], schema=schema,
                       table=table)

    def _partition_roots(self) -> dict[str, tuple[str, str]]:
        """Partition (or partition index) name -> (schema, name) of the partitioned table (or index) at the top."""
        if self._roots is None:
            parent: dict[str, tuple[str, str]] = {}
            for child, schema, name in self.q(
                    "SELECT c.relname, pn.nspname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace "
                    "WHERE c.relispartition"):
                parent[child] = (schema, name)
            roots = {}
            for child, top in parent.items():
                seen = {child}
                while top[1] in parent and top[1] not in seen:
                    seen.add(top[1])
                    top = parent[top[1]]
                roots[child] = top
            self._roots = roots
        return self._roots

    # --- what the specs declare, typed by the catalog ----------------------------------------

    def typeinfo(self, oid: int, typmod: int) -> TypeInfo:
        key = (oid, typmod)
        if key in self._types:
            return self._types[key]
        typtype, name, elem, basetype, basetypmod, notnull, category = self.q(
            "SELECT typtype, format_type(oid, %s), typelem, typbasetype, typtypmod, typnotnull, typcategory "
            "FROM pg_type WHERE oid = %s", (typmod if typmod >= 0 else None, oid))[0]
        if typtype == "e":
            labels = tuple(r[0] for r in self.q(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder", (oid,)))
            t = TypeInfo(name, name, kind="enum", enum_values=labels)
        elif typtype == "d":
            checks = tuple((r[0], r[1]) for r in self.q(
                "SELECT conname, pg_get_expr(conbin, 0) FROM pg_constraint WHERE contypid = %s AND contype = 'c' "
                "ORDER BY conname", (oid,)))
            t = TypeInfo(name, name, kind="domain", element=self.typeinfo(basetype, basetypmod),
                         domain_checks=checks, domain_notnull=notnull)
        elif category == "A" and elem:
            t = TypeInfo(name, "array", kind="array", element=self.typeinfo(elem, typmod))
        else:
            t = type_info(name)
        self._types[key] = t
        return t

    def valid_literals(self, t: TypeInfo, values: list[str]) -> list[str]:
        """The values the type accepts (cast by the database), in order."""
        known = self._valid.setdefault(t.name, set())
        todo = [v for v in dict.fromkeys(values) if v not in known and fits(v, t)]
        if todo:
            _, err = self.tryq("SELECT " + ", ".join(f"CAST({lit(v)} AS {t.name})" for v in todo))
            if err is None:
                known.update(todo)
            else:
                for v in todo:
                    if self.tryq(f"SELECT CAST({lit(v)} AS {t.name})")[1] is None:
                        known.add(v)
        return [v for v in dict.fromkeys(values) if v in known]

