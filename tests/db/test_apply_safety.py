"""Apply safety on a real server: a kill at every statement boundary leaves the old or the new
schema for the transactional part and a history that says which; concurrent applies serialise;
a failed concurrent index build is cleaned up; a saved plan is refused once the database changed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import fresh_database, run_sql
from faults import CUSTOMERS_V2, V1, at_v1, history
from faults import project as _project
from pgdecl.apply import FAULT_ENV, apply
from pgdecl.catalog import live_fingerprint
from pgdecl.db import connect
from pgdecl.errors import ApplyError
from pgdecl.plan import make_plan

# v2: a new table (main), a column (main), a check added NOT VALID (main) and validated (post),
# SET NOT NULL through a validated check (main + post), an index built concurrently (post)
V2 = CUSTOMERS_V2 + """\
    checks:
      customers_score_range: score between 0 and 100
    indexes:
      - columns: [email]
  visits:
    columns:
      id: {type: bigint, primary_key: true}
      customer_id: {type: bigint, references: customers, on_delete: cascade}
    indexes:
      - columns: [customer_id]
"""


def _fp(db) -> str:
    with connect(db) as conn:
        return live_fingerprint(conn)


def _history(db: Any) -> list[tuple[Any, ...]]:
    return history(db, "outcome, main_committed, pre_done, post_done")


@pytest.fixture
def v1_template(tmp_path: Path, admin, server):
    """A database deployed at v1 with rows, used as the template of each run."""
    rows = "INSERT INTO customers SELECT g, 'c' || g || '@example.com', g % 100 FROM generate_series(1, 500) g"
    with at_v1(tmp_path, admin, server, "tpl_", rows) as db:
        run_sql(db, "DROP SCHEMA pgdecl CASCADE")  # the template's own history is not part of the test
        yield db


def _cli_apply(project: Path, db, admin, kill_at: int | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    if kill_at is not None:
        env[FAULT_ENV] = str(kill_at)
    return subprocess.run([sys.executable, "-m", "pgdecl.cli", "apply", str(project), "--yes",
                           "--database-url", db.conninfo, "--dev-url", admin.conninfo],
                          env=env, capture_output=True, text=True, timeout=300)


def test_kill_at_every_statement_boundary(tmp_path: Path, admin, server, v1_template) -> None:
    v2 = _project(tmp_path, "v2", V2)
    old_fp = _fp(v1_template)
    plan = make_plan(v2, v1_template.conninfo, admin.conninfo, server=server)
    phases = [s.phase for s in plan.steps]
    assert "main" in phases and "post" in phases, phases  # the case exercises both sides of the commit
    n_main = phases.count("main")
    new_fp = None
    for k in range(len(plan.steps) + 1):  # boundary k: k statements ran (the last: before the final bookkeeping)
        with fresh_database(admin, f"k{k}_", v1_template) as db:
            killed = _cli_apply(v2, db, admin, k)
            assert killed.returncode == -9, (k, killed.returncode, killed.stdout, killed.stderr)
            [(outcome, committed, pre_done, post_done)] = _history(db)
            assert outcome == "running"  # nobody has looked yet
            assert committed == (k >= n_main)
            if not committed:
                assert _fp(db) == old_fp, f"kill at boundary {k}: the transactional part must be rolled back"
            else:
                with psycopg.connect(db.conninfo) as conn:
                    assert conn.execute("SELECT count(*) FROM customers").fetchone() == (500,)
                    assert conn.execute("SELECT to_regclass('public.visits') IS NOT NULL").fetchone() == (True,)
                assert post_done == k - n_main, (k, post_done)
            # the next apply finishes the job and says what happened to the killed one
            again = _cli_apply(v2, db, admin, None)
            assert again.returncode == 0, again.stdout + again.stderr
            history = _history(db)
            assert history[0][0] == "interrupted"
            if k == len(plan.steps):  # every step had run: nothing left to do, no second row
                assert len(history) == 1 and history[0][3] == len(plan.steps) - n_main
            else:
                assert [h[0] for h in history] == ["interrupted", "applied"]
            fp = _fp(db)
            assert new_fp is None or fp == new_fp
            new_fp = fp
            assert make_plan(v2, db.conninfo, admin.conninfo, server=server).empty
    assert new_fp != old_fp


def test_concurrent_applies_serialise(tmp_path: Path, admin, server, v1_template) -> None:
    v2 = _project(tmp_path, "v2", V2)
    results: list[object] = []

    def run() -> None:
        try:
            results.append(apply(str(v2), db.conninfo, admin.conninfo, server=server))
        except Exception as e:  # noqa: BLE001 - the assertion below shows it
            results.append(e)

    with fresh_database(admin, "race_", v1_template) as db:
        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert all(not isinstance(r, Exception) for r in results), results
        applied = sorted(r.applied for r in results)  # type: ignore[attr-defined]
        assert applied[:2] == [0, 0] and applied[2] > 0  # one applied, the others waited and found nothing to do
        assert [h[0] for h in _history(db)] == ["applied"]


def test_failed_concurrent_index_build_is_cleaned_up(tmp_path: Path, admin, server, v1_template) -> None:
    with fresh_database(admin, "dup_", v1_template) as db:
        run_sql(db, "UPDATE customers SET email = 'same@example.com' WHERE id IN (1, 2)")
        spec = V1 + "      nickname: {type: text}\n    indexes:\n      - {columns: [email], unique: true}\n"
        project = _project(tmp_path, "unique", spec)
        with pytest.raises(ApplyError, match="main transaction was committed.*invalid index public.customers_email_key"
                                             " it left was dropped"):
            apply(str(project), db.conninfo, admin.conninfo, server=server)
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone() == (0,)
            assert conn.execute("SELECT to_regclass('public.customers_email_key')").fetchone() == (None,)
            # the main part (the new column) landed; the history says the apply failed after it
            assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'"
                                ).fetchone() == (1,)
        assert _history(db)[-1][:2] == ("failed", True)
        run_sql(db, "UPDATE customers SET email = 'other@example.com' WHERE id = 2")
        assert apply(str(project), db.conninfo, admin.conninfo, server=server).after.empty  # type: ignore[union-attr]


def test_an_invalid_index_left_by_a_kill_is_rebuilt(tmp_path: Path, admin, server, v1_template) -> None:
    with fresh_database(admin, "inv_", v1_template) as db:
        run_sql(db, "UPDATE customers SET email = 'same@example.com' WHERE id IN (1, 2)")
        try:
            run_sql(db, "CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email)")
        except psycopg.Error:
            pass  # leaves an INVALID index, as a killed build does
        run_sql(db, "UPDATE customers SET email = 'other@example.com' WHERE id = 2")
        spec = V1 + "    indexes:\n      - {columns: [email], unique: true}\n"
        project = _project(tmp_path, "unique", spec)
        plan = make_plan(project, db.conninfo, admin.conninfo, server=server)
        assert [s.sql for s in plan.steps] == [
            "DROP INDEX CONCURRENTLY IF EXISTS public.customers_email_key",
            "CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON public.customers USING btree (email)"]
        assert apply(str(project), db.conninfo, admin.conninfo, server=server).after.empty  # type: ignore[union-attr]
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone() == (0,)


def test_saved_plan_runs_only_against_the_schema_it_was_made_for(tmp_path: Path, admin, server, v1_template) -> None:
    v2 = _project(tmp_path, "v2", V2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    base = [sys.executable, "-m", "pgdecl.cli"]
    with fresh_database(admin, "saved_", v1_template) as db:
        common = ["--database-url", db.conninfo, "--dev-url", admin.conninfo]
        plan_file = tmp_path / "plan.json"
        made = subprocess.run(base + ["plan", str(v2), "-o", str(plan_file)] + common, env=env, capture_output=True,
                              text=True)
        assert made.returncode == 0, made.stderr  # saved: exit 0 (set -e scripts go on)
        # someone changes the database after the review: the saved plan is refused, nothing runs
        run_sql(db, "ALTER TABLE customers ADD COLUMN note text")
        refused = subprocess.run(base + ["apply", str(plan_file), "--yes"] + common, env=env, capture_output=True,
                                 text=True)
        assert refused.returncode == 1 and "changed since the plan was made" in refused.stderr
        assert "Traceback" not in refused.stderr
        run_sql(db, "ALTER TABLE customers DROP COLUMN note")
        # back to the reviewed schema: the plan runs as saved and converges against the specs
        ok = subprocess.run(base + ["apply", str(plan_file), "--yes", "--specs", str(v2)] + common, env=env,
                            capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "a second plan is empty" in ok.stdout
        assert make_plan(v2, db.conninfo, admin.conninfo, server=server).empty
