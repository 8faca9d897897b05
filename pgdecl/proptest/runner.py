"""`pgdecl test`: prove the constraints of the specs on a scratch copy of the schema.

For every table, in foreign-key order, a valid row is found and inserted (the base row; parents
first). Then, for each constraint of the specs, a row that violates just that constraint is
built and inserted inside a savepoint, and the database must reject it with that constraint's
name (NOT NULL and type limits: that column / SQLSTATE). Values come from the column types, the
enums and the constants, ranges, IN lists and regular expressions of the CHECK expressions; the
database judges every candidate (CHECK expressions are evaluated in SELECTs over candidate rows,
rows are inserted for real). A row rejected by something else (a trigger raising, another
constraint) is repaired and retried: colliding unique values are changed, a parent row is added
or updated. When a trigger pre-empts the constraint (raises first, or rewrites the value), the
attempt is repeated with the table's own triggers disabled - foreign keys stay on - and the
result says so.

Everything runs in one transaction on a scratch database that is dropped afterwards. This module
orchestrates; the proofs, one kind of constraint each, are in `proofs/`, the row search in `search.py`
and `rows.py`, the tables as the catalog has them in `catalog.py`.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg

from ..db import Database, connect
from ..errors import PgdeclError
from ..model import Project
from .catalog import load_tables, order
from .model import Err, Tab, show
from .proofs import project_proofs, table_proofs
from .report import TableResult, TestReport
from .verdicts import Prover


class _Runner(Prover):
    """One run: the project-wide proofs, the tables read, a base row per table, then the table proofs."""

    def run(self) -> list[TableResult]:
        self.q("SET CONSTRAINTS ALL IMMEDIATE")
        for proof in project_proofs():
            assert proof.project is not None
            proof.project(self)
        load_tables(self)
        ordered = order(self.tables)
        for tab in ordered:
            self.base_row(tab)
        for tab in ordered:
            for proof in table_proofs():
                assert proof.table is not None
                proof.table(self, tab)
        return [TableResult(t.name, t.base_row is not None,
                            {k: show(v) for k, v in t.base_row.items()} if t.base_row else None, t.base_reason)
                for t in ordered]

    def base_row(self, tab: Tab) -> None:
        """Find and keep the table's base row, referencing its parents' base rows (known by now;
        self-references: this row's own)."""
        for fk in tab.fks:
            parent = self.tables.get(fk.parent)
            if parent is not None and parent.base_row is not None:
                for c, rc in zip(fk.columns, fk.refcolumns):
                    v = parent.base_row.get(rc)
                    if v is not None and c in tab.cols and v not in tab.cols[c].fk_values:
                        tab.cols[c].fk_values.append(v)
        att = self.find_row(tab, keep=True)
        if att.outcome == "accepted":
            tab.base_assign, tab.base_row = att.assign, att.stored
            for fk in tab.fks:
                if fk.parent == tab.name:
                    for c, rc in zip(fk.columns, fk.refcolumns):
                        if c in tab.cols and att.stored and att.stored.get(rc) is not None:
                            tab.cols[c].fk_values.append(att.stored[rc])
        else:
            tab.base_reason = att.reason or self.describe(att)


def run_on(db: Database, project: Project, seed: int = 0, project_name: str = "", server: str = "") -> TestReport:
    """Prove the project's constraints on `db`, a database that already holds its schema (and nothing else
    of value: rows are inserted and rolled back)."""
    start = time.monotonic()
    with connect(db, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '30s'")
        runner = _Runner(conn, project, seed)
        try:
            with conn.transaction() as tx:
                tables = runner.run()
                raise psycopg.Rollback(tx)
        except psycopg.Error as e:
            raise PgdeclError(f"pgdecl test: the scratch database failed: {Err.of(e).text()}") from None
    return TestReport(project_name, server or db.display, seed, tuple(tables), tuple(runner.results),
                      round(time.monotonic() - start, 2), runner.statements)


def run_tests(project_dir: str | Path = "schema", dev_url: str | None = None, seed: int = 0,
              server: LocalServer | None = None) -> TestReport:  # type: ignore[name-defined] # noqa: F821
    """Load the specs into a scratch database (the local server, or `dev_url`'s server) and prove
    each of their constraints there. The scratch database is dropped afterwards."""
    from ..desired import desired_from_specs
    from ..scratch import loaded_scratch, scratch_server

    desired = desired_from_specs(project_dir)
    admin = scratch_server(dev_url, server)
    with loaded_scratch(admin, desired.rendered) as scratch:
        return run_on(scratch, desired.project, seed, str(project_dir), admin.display)


__all__ = ["run_on", "run_tests"]
