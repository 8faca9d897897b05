"""After an apply into an empty database (pgdecl.fresh), convergence is proved by comparing the live
database's state, read at the end of the main transaction, with that of a scratch database the same
DDL was loaded into, instead of making a second plan: the state is equal for the same DDL, differs
for any difference a plan would find, and a real difference (another session creating a table while
the apply runs) makes the apply make the second plan and end not_converged."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
from conftest import fresh_database, run_sql

from pgdecl import fresh, plan as plan_module
from pgdecl.apply import PAUSE_ENV, PAUSE_FILE_ENV, apply
from pgdecl.catalog import live_fingerprint, others_rows
from pgdecl.db import connect
from pgdecl.desired import desired_from_specs
from pgdecl.errors import ApplyError
from pgdecl.render import render
from pgdecl.spec import load_project

BASE = """
CREATE SCHEMA app;
CREATE TABLE app.t (id int PRIMARY KEY, name text DEFAULT 'x', n numeric CHECK (n > 0));
CREATE INDEX t_name_idx ON app.t (name);
CREATE VIEW app.v AS SELECT id, name FROM app.t;
CREATE FUNCTION app.f(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
COMMENT ON TABLE app.t IS 'a table';
"""

# each a change a second plan would find: the state must see every one
CHANGES = {
    "column default": "ALTER TABLE app.t ALTER COLUMN name SET DEFAULT 'y'",
    "comment": "COMMENT ON TABLE app.t IS 'another'",
    "grant": "GRANT SELECT ON app.t TO PUBLIC",
    "argument default": "CREATE OR REPLACE FUNCTION app.f(a int, b int DEFAULT 2) RETURNS int LANGUAGE sql "
                        "IMMUTABLE AS 'SELECT a + b'",
    "function cost": "ALTER FUNCTION app.f(int, int) COST 5",
    "statistics object": "CREATE STATISTICS app.t_stats ON id, name FROM app.t",
    "replica identity": "ALTER TABLE app.t REPLICA IDENTITY FULL",
    "column storage": "ALTER TABLE app.t ALTER COLUMN name SET STORAGE EXTERNAL",
    "rule": "CREATE RULE t_noop AS ON DELETE TO app.t DO INSTEAD NOTHING",
    "extra table": "CREATE TABLE public.intruder (id int)",
}


def _state(db) -> fresh.State:
    with connect(db, autocommit=True) as conn:
        return fresh.state(conn)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_state_is_the_same_for_the_same_ddl_and_sees_each_difference(admin, change: str) -> None:
    with fresh_database(admin, "state_a_") as a, fresh_database(admin, "state_b_") as b:
        run_sql(a, BASE)
        run_sql(b, BASE)
        assert _state(a) == _state(b)
        run_sql(b, CHANGES[change])
        assert _state(a) != _state(b), change


def _project(tmp_path: Path) -> Path:
    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "app.yaml").write_text(
        "schemas:\n  app: {}\ntables:\n  app.accounts:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        "      email: {type: text, nullable: false}\n      amount: {type: 'numeric(7,2)'}\n"
        "  app.notes:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        "      account_id: {type: bigint, references: app.accounts}\n")
    return specs


def _count_plans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    made: list[int] = []
    real = plan_module.make_plan

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_module, "make_plan", counted)
    return made


def test_a_fresh_apply_converges_without_a_second_plan(tmp_path: Path, admin, server,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _project(tmp_path)
    made = _count_plans(monkeypatch)
    with fresh_database(admin, "conv_ok_") as db:
        result = apply(str(specs), db.conninfo, server=server)
        assert fresh.from_render(result.plan) and result.after is not None and result.after.empty
        assert len(made) == 1  # the plan itself: the states were the same
        with psycopg.connect(db.conninfo) as conn:
            outcome, after = conn.execute("SELECT outcome, live_fingerprint_after FROM pgdecl.history").fetchone()
            assert (outcome, after) == ("applied", live_fingerprint(conn))
    monkeypatch.undo()
    with fresh_database(admin, "conv_ok2_") as db:  # and a second plan agrees
        apply(str(specs), db.conninfo, server=server)
        assert plan_module.make_plan(specs, db.conninfo, server=server).empty


def test_a_table_made_by_another_session_during_the_apply_is_found(tmp_path: Path, admin, server,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Another session creates a table while the main transaction runs (paused before its last
    statement): the live state is not the scratch load's, the second plan is made and finds it."""
    specs = _project(tmp_path)
    made = _count_plans(monkeypatch)
    flag = tmp_path / "paused"
    with fresh_database(admin, "conv_bad_") as db:
        steps = plan_module.make_plan(specs, db.conninfo, server=server).steps
        assert steps and all(s.source == fresh.SOURCE for s in steps)
        made.clear()
        monkeypatch.setenv(PAUSE_ENV, str(len(steps) - 1))
        monkeypatch.setenv(PAUSE_FILE_ENV, str(flag))

        def intrude() -> None:
            deadline = time.monotonic() + 120
            while not flag.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            run_sql(db, "CREATE TABLE public.intruder (id int)")
            flag.unlink()

        other = threading.Thread(target=intrude)
        other.start()
        try:
            with pytest.raises(ApplyError) as err:
                apply(str(specs), db.conninfo, server=server)
        finally:
            other.join()
        assert "did not converge" in str(err.value) and "intruder" in str(err.value)
        assert len(made) == 2  # the plan, and the second plan the differing states called for
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT to_regclass('app.notes') IS NOT NULL").fetchone()[0]
            outcome, remaining = conn.execute("SELECT outcome, remaining::text FROM pgdecl.history").fetchone()
        assert outcome == "not_converged" and "intruder" in remaining


def test_plans_and_applies_load_the_ddl_laid_out_not_prettified(tmp_path: Path, admin, server) -> None:
    """What a plan or an apply loads and compares is the DDL as the templates wrote it, each CREATE
    TABLE laid out a column a line (pgdecl.fresh.layout); `pgdecl render` prints it prettified. The two
    load into the same catalogs: after an apply of one, a plan against the other is empty."""
    specs = _project(tmp_path)
    plain = [fresh.layout(s.sql) for s in render(load_project(specs).project, pretty=False).statements]
    pretty = [s.sql for s in desired_from_specs(str(specs)).rendered.statements]
    assert plain != pretty
    assert [s.sql for s in fresh.desired_for(str(specs)).rendered.statements] == plain
    assert [s.sql for s in desired_from_specs(str(specs), pretty=False).rendered.statements] == plain
    with fresh_database(admin, "laid_") as db:
        result = apply(str(specs), db.conninfo, server=server)
        accounts = next(s.sql for s in result.plan.steps if s.sql.startswith("CREATE TABLE app.accounts"))
        assert accounts in plain and "\n  amount numeric(7,2),\n" in accounts, accounts
        assert result.after is not None and result.after.empty
        assert plan_module.make_plan(specs, db.conninfo, server=server,
                                     desired=desired_from_specs(str(specs))).empty  # the prettified side


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = fresh.DesiredBuild.__init__

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(fresh.DesiredBuild, "__init__", counted)
    return built


def test_on_the_live_server_the_live_load_is_the_proof(tmp_path: Path, admin, server,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The desired side would be built on the live database's own server by the same user: no scratch
    load beside the apply (pgdecl.fresh.LiveLoad), no second plan, the history's fingerprint is the
    live one, and a plan afterwards agrees."""
    specs = _project(tmp_path)
    built, made = _count_builds(monkeypatch), _count_plans(monkeypatch)
    with fresh_database(admin, "live_proof_") as db:
        result = apply(str(specs), db.conninfo, server=server)
        assert fresh.from_render(result.plan) and result.after is not None and result.after.empty
        assert built == [] and len(made) == 1
        with psycopg.connect(db.conninfo) as conn:
            outcome, after = conn.execute("SELECT outcome, live_fingerprint_after FROM pgdecl.history").fetchone()
            assert (outcome, after) == ("applied", live_fingerprint(conn))
        monkeypatch.undo()
        assert plan_module.make_plan(specs, db.conninfo, server=server).empty


def test_database_settings_take_the_scratch_load(tmp_path: Path, admin, server,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings of the live database itself (a scratch database has none): the scratch load proves it."""
    specs = _project(tmp_path)
    built = _count_builds(monkeypatch)
    with fresh_database(admin, "own_settings_") as db:
        run_sql(db, f'ALTER DATABASE "{psycopg.conninfo.conninfo_to_dict(db.conninfo)["dbname"]}" '
                    "SET default_toast_compression = 'pglz'")
        result = apply(str(specs), db.conninfo, server=server)
        assert fresh.from_render(result.plan) and result.after is not None and result.after.empty
        assert built == [1]


def test_the_live_load_checks_sql_function_bodies(tmp_path: Path, admin, server,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQL function's body is checked once every table exists, as the scratch load checks it: a good
    one is applied (and left as written), a bad one rolls the transaction back naming its spec line."""
    specs = _project(tmp_path)
    built = _count_builds(monkeypatch)
    (specs / "fn.yaml").write_text("functions:\n  app.total:\n    returns: bigint\n    language: sql\n"
                                   "    body: SELECT count(*) FROM app.notes\n")
    with fresh_database(admin, "sql_body_") as db:
        result = apply(str(specs), db.conninfo, server=server)
        assert result.after is not None and result.after.empty and built == []
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT app.total()").fetchone() == (0,)
    (specs / "fn.yaml").write_text("functions:\n  app.total:\n    returns: bigint\n    language: sql\n"
                                   "    body: SELECT count(*) FROM app.missing\n")
    with fresh_database(admin, "bad_body_") as db:
        with pytest.raises(ApplyError) as err:
            apply(str(specs), db.conninfo, server=server)
        assert "fn.yaml:2" in str(err.value) and "app.missing" in str(err.value) and built == []
        with psycopg.connect(db.conninfo) as conn:  # nothing was applied
            assert conn.execute("SELECT to_regclass('app.notes')").fetchone() == (None,)


def test_others_rows_sees_another_sessions_change_and_not_the_transactions_own(admin) -> None:
    with fresh_database(admin, "others_") as db, psycopg.connect(db.conninfo) as conn:
        start = others_rows(conn)
        conn.execute("CREATE TABLE public.mine (id int PRIMARY KEY)")
        conn.execute("COMMENT ON TABLE public.mine IS 'mine'")
        assert others_rows(conn) == start  # what the transaction wrote does not count
        run_sql(db, "CREATE TABLE public.theirs (id int)")  # committed by another session
        assert others_rows(conn) != start
        conn.rollback()
