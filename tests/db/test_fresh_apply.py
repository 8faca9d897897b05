"""The first apply into an empty database plans the rendered DDL (pgdecl.fresh) instead of migra's
piecemeal statements: fewer statements, typed like any plan's, and the same schema as the general path
gives (a normalised pg_dump of both databases is equal; a second plan is empty) with owners, grants,
default privileges, comments, RLS policies, a partitioned table and raw .sql files. A database holding
anything takes the general path; a failing statement of the batched main transaction is named."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
from conftest import ROOT, fresh_database, run_sql
from test_realistic_roundtrip import assert_same_dump

from pgdecl import fresh
from pgdecl.apply import apply
from pgdecl.errors import ApplyError
from pgdecl.hazards import KINDS
from pgdecl.plan import make_plan

ROLES = ("fresh_owner", "fresh_reader")

APP = """\
schemas:
  app:
    comment: The application's objects.
    owner: fresh_owner
    grants: {fresh_reader: [usage]}
    default_privileges:
      fresh_reader: {tables: [select]}
enums:
  app.mood: [ok, meh]
tables:
  app.accounts:
    comment: Who signs in.
    owner: fresh_owner
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      email: {type: text, nullable: false, unique: true, comment: Where mail goes.}
      mood: {type: app.mood, nullable: false, default: "'ok'"}
    grants: {fresh_reader: [select]}
    indexes:
      - {name: accounts_email_lower_idx, columns: [lower(email)], comment: Case-blind look-ups.}
    rls: true
    policies:
      readers_see_all: {for: select, to: [fresh_reader], using: "true"}
  app.notes:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      account_id: {type: bigint, references: app.accounts, nullable: false, on_delete: cascade}
      body: {type: text, check: "length(body) < 1000"}
    indexes:
      - {name: notes_account_idx, columns: [account_id]}
views:
  app.account_emails:
    query: SELECT id, email FROM app.accounts
    comment: Addresses only.
    grants: {fresh_reader: [select]}
"""

EVENTS = """\
CREATE TABLE app.events (
  id bigint NOT NULL,
  at date NOT NULL,
  kind text,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_rest PARTITION OF app.events DEFAULT;
CREATE INDEX events_kind_idx ON app.events (kind);
COMMENT ON TABLE app.events IS 'Partitioned by date.';
GRANT SELECT ON app.events TO fresh_reader;
CREATE FUNCTION app.event_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM app.events $$;
REVOKE EXECUTE ON FUNCTION app.event_count() FROM PUBLIC;
"""


@pytest.fixture
def roles(admin) -> None:
    """The roles the project names but does not define (so the desired side is built alongside)."""
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        for role in ROLES:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f"CREATE ROLE {role} NOLOGIN")


def _project(tmp_path: Path) -> Path:
    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "00_app.yaml").write_text(APP)
    (specs / "50_events.sql").write_text(EVENTS)
    return specs


def _general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan as before pgdecl.fresh: migra's diff against the empty database."""
    monkeypatch.setattr(fresh, "probe", lambda live, desired: None)


def test_fresh_plan_is_the_rendered_ddl_typed_and_shorter(tmp_path: Path, admin, server, roles,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _project(tmp_path)
    with fresh_database(admin, "fresh_plan_") as db:
        fast = make_plan(specs, db.conninfo, server=server)
        with monkeypatch.context() as m:
            _general_path(m)
            general = make_plan(specs, db.conninfo, server=server)
    assert fast.steps and all(s.source == fresh.SOURCE for s in fast.steps), [s.source for s in fast.steps]
    assert not fresh.from_render(general) and len(fast.steps) < len(general.steps)
    assert fast.live_fingerprint == general.live_fingerprint and fast.desired_fingerprint == general.desired_fingerprint
    assert {s.phase for s in fast.steps} == {"main"} and not fast.hazard_kinds() - {"security"}
    accounts = next(s for s in fast.steps if s.sql.startswith("CREATE TABLE app.accounts"))
    assert (accounts.action, accounts.object) == ("create", "relation app.accounts")
    assert accounts.origin is not None and re.fullmatch(r".*00_app\.yaml:\d+", accounts.origin)
    fk = next(s for s in fast.steps if "FOREIGN KEY" in s.sql)
    assert (fk.action, fk.object, fk.lock) == ("alter", "relation app.notes", "SHARE ROW EXCLUSIVE")
    partition = next(s for s in fast.steps if "PARTITION OF" in s.sql and "events_2024" in s.sql)
    assert partition.origin is not None and partition.origin.endswith("50_events.sql:7")
    assert partition.lock == "ACCESS EXCLUSIVE"  # the parent's lock, as pgdecl.engine.describe says


def test_fresh_apply_gives_the_schema_of_the_general_path(tmp_path: Path, admin, server, roles,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _project(tmp_path)
    with fresh_database(admin, "fresh_fast_") as fast, fresh_database(admin, "fresh_slow_") as slow:
        result = apply(str(specs), fast.conninfo, allowed_hazards=set(KINDS), server=server)
        assert fresh.from_render(result.plan)
        assert result.after is not None and result.after.empty
        with monkeypatch.context() as m:
            _general_path(m)
            before = apply(str(specs), slow.conninfo, allowed_hazards=set(KINDS), server=server)
        assert not fresh.from_render(before.plan) and before.after is not None and before.after.empty
        assert result.applied < before.applied
        assert_same_dump(server, slow, fast)
        with psycopg.connect(fast.conninfo) as conn:
            one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
            assert one("SELECT tableowner FROM pg_tables WHERE tablename = 'accounts'") == "fresh_owner"
            assert one("SELECT has_table_privilege('fresh_reader', 'app.events', 'SELECT')")
            assert not one("SELECT has_function_privilege('public', 'app.event_count()', 'EXECUTE')")
            assert one("SELECT obj_description('app.events'::regclass)") == "Partitioned by date."
            assert one("SELECT count(*) FROM pg_inherits WHERE inhparent = 'app.events'::regclass") == 2
            assert one("SELECT count(*) FROM pg_default_acl") == 1
            assert one("SELECT count(*) FROM pg_policy") == 1
            outcome, statements = conn.execute(
                "SELECT outcome, jsonb_array_length(statements) FROM pgdecl.history").fetchone()
            assert (outcome, statements) == ("applied", result.applied)


def test_fresh_apply_of_the_marketplace_schema(admin, server, monkeypatch: pytest.MonkeyPatch) -> None:
    """schema/: roles of its own (the desired side is built before the apply), grants on public,
    default privileges, RLS, SECURITY DEFINER functions and a raw .sql file."""
    specs = str(ROOT / "schema")
    with fresh_database(admin, "fresh_mkt_") as fast, fresh_database(admin, "fresh_mkt_old_") as slow:
        result = apply(specs, fast.conninfo, allowed_hazards=set(KINDS), server=server)
        assert fresh.from_render(result.plan) and result.after is not None and result.after.empty
        with monkeypatch.context() as m:
            _general_path(m)
            before = apply(specs, slow.conninfo, allowed_hazards=set(KINDS), server=server)
        assert before.after is not None and before.after.empty and result.applied < before.applied
        assert_same_dump(server, slow, fast)


@pytest.mark.parametrize("setup", [
    "CREATE TABLE stray (id int)",
    "CREATE SEQUENCE app_seq",
    "GRANT CREATE ON SCHEMA public TO PUBLIC",
    "COMMENT ON SCHEMA public IS 'ours'",
    "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC",
    "CREATE SCHEMA elsewhere",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE TYPE t AS ENUM ('a')",
])
def test_a_database_holding_anything_takes_the_general_path(tmp_path: Path, admin, server, roles, setup: str) -> None:
    specs = _project(tmp_path)
    with fresh_database(admin, "fresh_not_") as db:
        run_sql(db, setup)
        result = apply(str(specs), db.conninfo, allowed_hazards=set(KINDS), server=server)
        assert not fresh.from_render(result.plan), setup
        assert result.after is not None and result.after.empty


def test_a_load_error_rolls_the_fresh_apply_back_and_names_the_spec(tmp_path: Path, admin, server) -> None:
    """A SQL function whose body names a missing table loads with bodies unchecked (as a plan runs),
    but the desired side built alongside checks bodies: the live transaction is rolled back."""
    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "app.yaml").write_text(
        "tables:\n  t: {columns: {id: {type: int, primary_key: true}}}\n"
        "functions:\n  broken:\n    returns: bigint\n    language: sql\n    body: SELECT count(*) FROM missing_table\n")
    with fresh_database(admin, "fresh_err_") as db:
        with pytest.raises(ApplyError) as err:
            apply(str(specs), db.conninfo, server=server)
        assert "app.yaml:4" in str(err.value) and "missing_table" in str(err.value)
        assert "rolled back: nothing was applied" in str(err.value)
        with psycopg.connect(db.conninfo) as conn:
            assert conn.execute("SELECT to_regclass('public.t')").fetchone()[0] is None
            outcome, error = conn.execute("SELECT outcome, error FROM pgdecl.history").fetchone()
        assert outcome == "failed" and "missing_table" in error


def test_a_failing_statement_of_the_batched_main_transaction_is_named(tmp_path: Path, admin, server) -> None:
    """The main statements go as one batch; when it fails, they run again one by one (rolled back) to
    name the failing one, as the history row does."""
    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "app.yaml").write_text(
        "tables:\n  t:\n    columns:\n      id: {type: int, primary_key: true}\n      n: {type: integer}\n"
        "      note: {type: text}\n")
    with fresh_database(admin, "fresh_batch_") as db:
        run_sql(db, "CREATE TABLE t (id int PRIMARY KEY, n text); INSERT INTO t VALUES (1, 'not a number')")
        plan = make_plan(specs, db.conninfo, server=server)
        failing = [i for i, s in enumerate(plan.steps, 1) if "integer" in s.sql.lower() and "using" in s.sql.lower()]
        assert len(failing) == 1 and len(plan.phase("main")) > 1, [s.sql for s in plan.steps]
        with pytest.raises(ApplyError) as err:
            apply(str(specs), db.conninfo, allowed_hazards=set(KINDS), server=server)
        message = str(err.value)
        assert f"main step {failing[0]} failed" in message and plan.steps[failing[0] - 1].sql in message
        assert 'invalid input syntax for type integer: "not a number"' in message
        with psycopg.connect(db.conninfo) as conn:
            columns = [r[0] for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum")]
            error = conn.execute("SELECT error FROM pgdecl.history").fetchone()[0]
        assert columns == ["id", "n"]  # the column added before the failing step was rolled back with it
        assert error.startswith(f"main step {failing[0]}: ")


def test_specs_creating_nothing_in_the_database_take_the_general_path(tmp_path: Path, admin, server) -> None:
    """Roles and their comments are cluster-wide: the database stays empty after them, so planning it
    from the rendered DDL would repeat the comment on every plan; the general path converges."""
    specs = tmp_path / "schema"
    specs.mkdir()
    (specs / "roles.yaml").write_text("roles:\n  fresh_only_role:\n    comment: Made by a test.\n")
    with fresh_database(admin, "fresh_roles_") as db:
        try:
            result = apply(str(specs), db.conninfo, allowed_hazards=set(KINDS), server=server)
            assert not fresh.from_render(result.plan) and result.after is not None and result.after.empty
        finally:
            run_sql(admin, "DROP ROLE IF EXISTS fresh_only_role")
