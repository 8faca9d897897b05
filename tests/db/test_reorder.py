"""Column order on real PostgreSQL (pgdecl.reorder): by default a plan only notes a live table whose
columns are out of the specs' order; with reorder_columns it rebuilds them, rows kept.

The live database and specs are the golden plan cases reorder_columns_noted and
reorder_columns_with_data (tests/cases/plans/)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from conftest import fresh_database, run_sql
from pgdecl.apply import apply
from pgdecl.cli import main
from pgdecl.errors import PlanError
from pgdecl.plan import make_plan

CASES = Path(__file__).resolve().parent.parent / "cases" / "plans"
WITH_DATA, NOTED = CASES / "reorder_columns_with_data", CASES / "reorder_columns_noted"


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum", (table,))]


@pytest.fixture
def live(admin):
    with fresh_database(admin, "reorder_") as db:
        run_sql(db, (WITH_DATA / "live.sql").read_text())
        yield db


def test_rebuild_keeps_rows_identity_keys_view_and_comment(live, server) -> None:
    with psycopg.connect(live.conninfo) as conn:
        oid = conn.execute("SELECT 'public.accounts'::regclass::oid").fetchone()[0]
    with pytest.raises(PlanError, match="--allow-hazard table_rewrite"):
        apply(str(WITH_DATA / "schema"), live.conninfo, allowed_hazards={"drop", "long_lock"}, server=server,
              reorder_columns=True)

    result = apply(str(WITH_DATA / "schema"), live.conninfo, allowed_hazards={"drop", "long_lock", "table_rewrite"},
                   server=server, reorder_columns=True)
    assert result.applied > 0 and result.after is not None and result.after.empty and not result.after.notes
    again = make_plan(WITH_DATA / "schema", live.conninfo, server=server)  # the default plan agrees
    assert again.empty and not again.notes

    with psycopg.connect(live.conninfo, autocommit=True) as conn:
        assert _columns(conn, "public.accounts") == ["email", "id", "plan", "status", "nickname"]
        assert conn.execute("SELECT 'public.accounts'::regclass::oid").fetchone()[0] == oid  # the same table
        assert conn.execute("SELECT id, email, plan, status, nickname FROM accounts ORDER BY id").fetchall() == [
            (1, "ann@example.com", "free", "active", "ann"), (2, "bob@example.com", "free", "closed", None)]
        assert conn.execute("SELECT account_id, total::text FROM orders ORDER BY id").fetchall() == [
            (1, "10.50"), (2, "3.00"), (1, "7.25")]
        # the identity continues after the value the old sequence gave last (3, deleted): no collision
        assert conn.execute("INSERT INTO accounts (email) VALUES ('dee@example.com') RETURNING id, status").fetchone() \
            == (4, "active")
        assert conn.execute("SELECT pg_get_serial_sequence('public.accounts', 'id')").fetchone()[0] \
            == "public.accounts_id_seq"
        assert conn.execute("SELECT id, email FROM active_accounts ORDER BY id").fetchall() == [
            (1, "ann@example.com"), (4, "dee@example.com")]
        assert conn.execute("SELECT col_description(attrelid, attnum) FROM pg_attribute "
                            "WHERE attrelid = 'public.accounts'::regclass AND attname = 'status'").fetchone()[0] \
            == "Lifecycle state."
        # the primary key, the index and the foreign key into the rebuilt id exist and hold
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'accounts'").fetchone()[0] == 2
        assert conn.execute("SELECT convalidated FROM pg_constraint WHERE conname = 'orders_account_id_fkey'"
                            ).fetchone()[0] is True
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO orders (account_id, total) VALUES (99, 1)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO accounts (id, email) VALUES (1, 'dup@example.com')")
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute("INSERT INTO accounts (email, status) VALUES ('x@example.com', NULL)")


def test_default_plan_only_notes_the_order(admin, server) -> None:
    with fresh_database(admin, "reorder_") as db:
        run_sql(db, (NOTED / "live.sql").read_text())
        plan = make_plan(NOTED / "schema", db.conninfo, server=server)
        assert plan.empty and len(plan.notes) == 1
        assert "public.accounts" in plan.notes[0] and "(id, email, status, nickname)" in plan.notes[0] \
            and "(email, id, status, nickname)" in plan.notes[0] and "--reorder-columns" in plan.notes[0]

        run = CliRunner().invoke(main, ["plan", str(NOTED / "schema"), "--database-url", db.conninfo])
        assert run.exit_code == 0, run.output  # notes only: nothing to do
        assert "Note: public.accounts" in run.output
        run = CliRunner().invoke(main, ["plan", str(NOTED / "schema"), "--database-url", db.conninfo,
                                        "--reorder-columns"])
        assert run.exit_code == 2, run.output
        assert "table_rewrite" in run.output and "Note:" not in run.output
        with psycopg.connect(db.conninfo) as conn:
            assert _columns(conn, "public.accounts") == ["id", "email", "status", "nickname"]  # nothing ran
