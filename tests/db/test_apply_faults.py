"""Faults around an apply on a real server: rows that a new NOT NULL or CHECK would reject, a deploy
role without CREATE on the database, a history sequence set back, an apply that does not converge,
database errors through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import fresh_database, run_sql
from faults import V1, at_v1, history
from faults import project as _project
from pgdecl.apply import apply, apply_saved
from pgdecl.db import Database
from pgdecl.errors import ApplyError, PlanError
from pgdecl.plan import Plan, make_plan

NOT_NULL = V1.replace("score: {type: integer}", "score: {type: integer, nullable: false}")
CHECKED = V1 + "    checks:\n      customers_score_range: score between 0 and 100\n"


def _history(db: Any) -> list[tuple[Any, ...]]:
    return history(db, "id, outcome, error, remaining")


@pytest.fixture
def v1(tmp_path: Path, admin, server):
    """A database at V1 with 20 customers, two of them without a score."""
    with at_v1(tmp_path, admin, server, "flt_", "INSERT INTO customers SELECT g, 'c' || g || '@x.org', "
               "CASE WHEN g IN (4, 7) THEN NULL ELSE g END FROM generate_series(1, 20) g") as db:
        yield db


@pytest.mark.parametrize("online", [True, False])
def test_set_not_null_on_a_column_holding_nulls_is_refused_at_plan_time(tmp_path, admin, server, v1,
                                                                        online) -> None:
    project = _project(tmp_path, "nn", NOT_NULL)
    with pytest.raises(PlanError) as e:
        make_plan(project, v1.conninfo, admin.conninfo, server=server, online=online)
    msg = str(e.value)
    assert "public.customers.score holds NULL in 2 row(s) (id = 4, id = 7)" in msg
    assert "UPDATE public.customers SET score = ... WHERE score IS NULL" in msg and "nothing was applied" in msg
    with pytest.raises(PlanError, match="holds NULL in 2 row"):
        apply(str(project), v1.conninfo, admin.conninfo, server=server)
    with psycopg.connect(v1.conninfo) as conn:  # nothing ran: no NOT VALID check left behind
        assert conn.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'customers'::regclass "
                            "AND contype = 'c'").fetchone() == (0,)
    run_sql(v1, "UPDATE customers SET score = 0 WHERE score IS NULL")  # the fix the message names
    result = apply(str(project), v1.conninfo, admin.conninfo, server=server)
    assert result.after is not None and result.after.empty


def test_a_check_broken_by_existing_rows_is_refused_with_the_rows(tmp_path, admin, server, v1) -> None:
    run_sql(v1, "UPDATE customers SET score = 150 WHERE id = 9")
    project = _project(tmp_path, "ck", CHECKED)
    with pytest.raises(PlanError, match=r"public.customers: 1 row\(s\) \(id = 9\) break check customers_score_range "
                                        r"\(score >= 0 AND score <= 100\)"):
        make_plan(project, v1.conninfo, admin.conninfo, server=server)


def test_a_not_valid_check_left_behind_does_not_loop(tmp_path, admin, server, v1) -> None:
    """An earlier pgdecl committed the NOT VALID helper check and failed at VALIDATE: the next plan
    names the rows instead of failing at the same VALIDATE forever, and goes through once fixed."""
    run_sql(v1, "ALTER TABLE customers ADD CONSTRAINT score_not_null_pgdecl CHECK (score IS NOT NULL) NOT VALID")
    project = _project(tmp_path, "nn", NOT_NULL)
    with pytest.raises(PlanError, match=r"public.customers.score holds NULL in 2 row\(s\) \(id = 4, id = 7\)"):
        make_plan(project, v1.conninfo, admin.conninfo, server=server)
    run_sql(v1, "UPDATE customers SET score = 0 WHERE score IS NULL")
    result = apply(str(project), v1.conninfo, admin.conninfo, server=server)
    assert result.after is not None and result.after.empty
    with psycopg.connect(v1.conninfo) as conn:
        assert conn.execute("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass "
                            "AND attname = 'score'").fetchone() == (True,)


def test_a_failed_validate_names_the_rows(tmp_path, admin, server, v1) -> None:
    """Rows break the check between plan and apply (a saved plan): the VALIDATE fails after the
    commit, and the message says which rows and how to fix them."""
    project = _project(tmp_path, "ck", CHECKED)
    saved = tmp_path / "plan.json"
    make_plan(project, v1.conninfo, admin.conninfo, server=server).save(saved)
    run_sql(v1, "UPDATE customers SET score = 150 WHERE id = 3")  # data only: the schema fingerprint holds
    with pytest.raises(ApplyError) as e:
        apply_saved(str(saved), v1.conninfo, server=server)
    msg = str(e.value)
    assert "post step 1 failed" in msg and "(id = 3) break check customers_score_range" in msg
    assert "until then the NOT VALID constraint rejects new rows that break it" in msg
    assert _history(v1)[-1][1] == "failed"


def test_history_ids_survive_a_sequence_set_back(tmp_path, admin, server, v1) -> None:
    """After crash recovery the identity sequence can lag the rows: the next apply still records."""
    with psycopg.connect(v1.conninfo, autocommit=True) as conn:
        conn.execute("SELECT setval(pg_get_serial_sequence('pgdecl.history', 'id'), 1, false)")
    run_sql(v1, "UPDATE customers SET score = 0 WHERE score IS NULL")
    apply(str(_project(tmp_path, "nn", NOT_NULL)), v1.conninfo, admin.conninfo, server=server)
    assert [(h[0], h[1]) for h in _history(v1)] == [(1, "applied"), (2, "applied")]


def test_not_converged_is_recorded_and_exits_1(tmp_path, admin, server, v1) -> None:
    """A saved plan that does not reach its specs (one step taken out of it): the re-plan is not
    empty, history says not_converged with the remaining steps, never applied, and the CLI exits 1."""
    run_sql(v1, "UPDATE customers SET score = 0 WHERE score IS NULL")
    spec = NOT_NULL.replace("      score:", "      nickname: {type: text}\n      score:")
    project = _project(tmp_path, "v2", spec)
    plan = make_plan(project, v1.conninfo, admin.conninfo, server=server)
    dropped = [s for s in plan.steps if "nickname" in s.sql]
    assert len(dropped) == 1
    data = plan.to_json()
    data["steps"] = [s for s in data["steps"] if "nickname" not in s["sql"]]
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(data))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    out = subprocess.run([sys.executable, "-m", "pgdecl.cli", "apply", str(saved), "--yes", "--specs", str(project),
                          "--database-url", v1.conninfo, "--dev-url", admin.conninfo],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "did not converge" in out.stderr and "not_converged" in out.stderr and "nickname" in out.stderr
    assert "Traceback" not in out.stderr
    last = _history(v1)[-1]
    assert last[1] == "not_converged"
    assert [s["sql"] for s in last[3]] == [dropped[0].sql]
    assert Plan.load(saved).steps  # the saved plan itself ran: score is NOT NULL now
    with psycopg.connect(v1.conninfo) as conn:
        assert conn.execute("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass "
                            "AND attname = 'score'").fetchone() == (True,)


def test_deploy_role_without_create_on_the_database(tmp_path, admin, server) -> None:
    role = "pgdecl_deployer"
    with fresh_database(admin, "role_") as db:
        run_sql(admin, f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN")
        try:
            run_sql(db, f"ALTER SCHEMA public OWNER TO {role}")  # its tables go there; no CREATE on the database
            as_role = Database(db.conninfo + f" user={role}")
            project = _project(tmp_path, "v1", V1)
            with pytest.raises(ApplyError) as e:
                apply(str(project), as_role.conninfo, admin.conninfo, server=server)
            msg = str(e.value)
            assert f"role {role} may not create the schema pgdecl in database {db.dbname}" in msg
            assert f"CREATE SCHEMA pgdecl AUTHORIZATION {role};" in msg
            assert f"GRANT CREATE ON DATABASE {db.dbname} TO {role};" in msg
            with psycopg.connect(db.conninfo) as conn:  # nothing was applied
                assert conn.execute("SELECT to_regclass('public.customers')").fetchone() == (None,)
            # a schema made by an administrator, not owned by the role, without CREATE: the grant is named
            run_sql(db, f"CREATE SCHEMA pgdecl; GRANT USAGE ON SCHEMA pgdecl TO {role}")
            with pytest.raises(ApplyError, match=f"GRANT USAGE, CREATE ON SCHEMA pgdecl TO {role};"):
                apply(str(project), as_role.conninfo, admin.conninfo, server=server)
            # what the message says to do: the role then applies and records its history
            run_sql(db, f"DROP SCHEMA pgdecl; CREATE SCHEMA pgdecl AUTHORIZATION {role}")
            result = apply(str(project), as_role.conninfo, admin.conninfo, server=server)
            assert result.after is not None and result.after.empty
            with psycopg.connect(db.conninfo) as conn:
                assert conn.execute("SELECT outcome, applied_by FROM pgdecl.history").fetchall() == [("applied", role)]
                assert conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'customers'"
                                    ).fetchone() == (role,)
        finally:
            with psycopg.connect(admin.conninfo, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db.dbname} WITH (FORCE)")
                conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_database_errors_end_in_a_message_not_a_traceback(tmp_path, admin, server, v1) -> None:
    project = _project(tmp_path, "same", V1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env["PGDECL_NO_CACHE"] = "1"
    base = [sys.executable, "-m", "pgdecl.cli", "plan", str(project), "--dev-url", admin.conninfo]
    # every query of the command is cancelled: a failure in the middle of reading the database
    timed_out = v1.conninfo + " password=sekret-42 options='-c statement_timeout=1'"
    out = subprocess.run(base + ["--database-url", timed_out], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and "sekret-42" not in out.stderr + out.stdout
    assert "error: database error [57014]: canceling statement due to statement timeout" in out.stderr
    # nothing listens there
    url = "postgresql://someone:sekret-42@127.0.0.1:1/nowhere"
    out = subprocess.run(base + ["--database-url", url], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr and "sekret-42" not in out.stderr + out.stdout
    assert "cannot connect to postgresql://someone@127.0.0.1:1/nowhere" in out.stderr


def test_a_second_plan_that_fails_is_recorded_as_not_converged(tmp_path, admin, server, v1) -> None:
    """The saved plan adds the check NOT VALID but leaves out its VALIDATE, and a row breaks the
    check meanwhile: the re-plan (which would validate it) is refused, so history says not_converged."""
    project = _project(tmp_path, "ck", CHECKED)
    plan = make_plan(project, v1.conninfo, admin.conninfo, server=server)
    data = plan.to_json()
    data["steps"] = [s for s in data["steps"] if "validate constraint" not in s["sql"].lower()]
    assert len(data["steps"]) == len(plan.steps) - 1
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(data))
    run_sql(v1, "UPDATE customers SET score = -1 WHERE id = 5")
    with pytest.raises(ApplyError) as e:
        apply_saved(str(saved), v1.conninfo, project_dir=str(project), dev_url=admin.conninfo, server=server)
    assert "the second plan, which proves convergence, failed" in str(e.value)
    assert "(id = 5) break check customers_score_range" in str(e.value)
    _, outcome, error, _ = _history(v1)[-1]
    assert outcome == "not_converged" and error.startswith("the second plan failed:") and "id = 5" in error


def test_a_lost_connection_is_recorded_on_a_fresh_one(tmp_path, admin, server, v1) -> None:
    """The apply's backend is terminated between two steps while the server lives on: the failure
    is written to the history through a new connection, and the next apply finishes the job."""
    import time

    from pgdecl.apply import LOCK_KEY, PAUSE_ENV, PAUSE_FILE_ENV

    run_sql(v1, "UPDATE customers SET score = 0 WHERE score IS NULL")
    project = _project(tmp_path, "nn", NOT_NULL.replace("      score:", "      nickname: {type: text}\n      score:"))
    n_main = [s.phase for s in make_plan(project, v1.conninfo, admin.conninfo, server=server).steps].count("main")
    flag = tmp_path / "paused"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update({PAUSE_ENV: str(n_main + 1), PAUSE_FILE_ENV: str(flag)})
    cmd = [sys.executable, "-m", "pgdecl.cli", "apply", str(project), "--yes", "--database-url", v1.conninfo,
           "--dev-url", admin.conninfo]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    with psycopg.connect(v1.conninfo, autocommit=True) as conn:
        assert conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND objid = %s::bigint::oid AND database = (SELECT oid FROM pg_database "
                            "WHERE datname = current_database())", (LOCK_KEY,)).fetchall() == [(True,)]
    flag.unlink()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err, out + err
    assert "post step 2 failed: the connection to the database was lost" in err
    assert "still reads 'running'" not in err  # written through a fresh connection
    _, outcome, error, _ = _history(v1)[-1]
    assert outcome == "failed" and error.startswith("post step 2: the connection to the database was lost")
    del env[PAUSE_ENV]
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [h[1] for h in _history(v1)] == ["applied", "failed", "applied"]


OLD_HISTORY = """
CREATE SCHEMA pgdecl;
CREATE TABLE pgdecl.history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    outcome text NOT NULL CHECK (outcome IN ('running', 'applied', 'failed', 'interrupted')),
    main_committed boolean NOT NULL DEFAULT false,
    pre_done integer NOT NULL DEFAULT 0,
    post_done integer NOT NULL DEFAULT 0,
    spec_fingerprint text,
    desired_fingerprint text,
    live_fingerprint_before text NOT NULL,
    live_fingerprint_after text,
    statements jsonb NOT NULL,
    applied_by text NOT NULL,
    client text NOT NULL,
    pgdecl_version text NOT NULL,
    error text
);
INSERT INTO pgdecl.history (outcome, live_fingerprint_before, statements, applied_by, client, pgdecl_version)
VALUES ('running', 'x', '[]', 'someone', 'old pgdecl', '0.0.1');
"""


def test_a_history_table_of_an_earlier_pgdecl_is_upgraded(tmp_path, admin, server, empty_db) -> None:
    run_sql(empty_db, OLD_HISTORY)
    apply(str(_project(tmp_path, "v1", V1)), empty_db.conninfo, admin.conninfo, server=server)
    assert [(h[0], h[1]) for h in _history(empty_db)] == [(1, "interrupted"), (2, "applied")]
    with psycopg.connect(empty_db.conninfo) as conn:
        [definition] = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                    "WHERE conname = 'history_outcome_check'").fetchone()
    assert "not_converged" in definition
