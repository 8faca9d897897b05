"""The command-line fixes of issue 17, each on a real PostgreSQL: per-project local databases, no
roles left behind by a plan, a saved plan shown with its real target, `--format sql` that psql runs
to the same end as apply, PostgreSQL's DETAIL on a failed unique build, the enum-reorder hazard,
column-order notes said once, and progress while waiting on another apply's lock."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from conftest import fresh_database, run_sql
from pgdecl.apply import LOCK_KEY
from pgdecl.cli import main
from pgdecl.db import use_local_database
from pgdecl.plan import make_plan

STARTER = Path(__file__).resolve().parents[2] / "examples" / "starter"


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    dst = tmp_path / "starter"
    shutil.copytree(STARTER, dst)
    return dst


@pytest.fixture
def clean_env(monkeypatch, server):
    for k in ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("PGDECL_HOME", str(server._home))
    yield
    use_local_database("pgdecl_dev")


def _project(root: Path, table: str) -> Path:
    (root / "schema").mkdir(parents=True)
    (root / "schema" / "t.yaml").write_text(
        f"tables:\n  {table}:\n    columns:\n      id: {{type: bigint, identity: always, primary_key: true}}\n")
    return root


def test_two_projects_never_share_a_local_database(tmp_path: Path, clean_env, admin, monkeypatch) -> None:
    a, b = _project(tmp_path / "one" / "app", "apples"), _project(tmp_path / "two" / "app", "bananas")
    monkeypatch.chdir(a)
    r = CliRunner().invoke(main, ["apply", "--yes"])
    assert r.exit_code == 0, r.output
    monkeypatch.chdir(b)
    r = CliRunner().invoke(main, ["plan"])
    assert r.exit_code == 2, r.output
    assert "apples" not in r.output and "drop" not in r.output.lower() and "bananas" in r.output
    monkeypatch.chdir(a)
    assert "No changes" in CliRunner().invoke(main, ["plan"]).output  # a's database still has its table
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        names = [n for (n,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgdecl_app_%'")]
        assert len(names) == 2 and "pgdecl_dev" not in names  # one database per project
        for n in names:
            with psycopg.connect(admin.with_dbname(n).conninfo) as db:
                tables = {t for (t,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            assert tables in ({"apples"}, set())  # b only planned: its database is empty
            conn.execute(f"DROP DATABASE {n} WITH (FORCE)")


def test_plan_creates_no_roles_on_the_target_server(tmp_path: Path, admin, empty_db) -> None:
    role = f"pgdecl_t_{secrets.token_hex(4)}"
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "r.yaml").write_text(
        f"roles:\n  {role}: {{}}\ntables:\n  t:\n    columns:\n      id: {{type: bigint, primary_key: true}}\n"
        f"    grants:\n      {role}: [select]\n")

    def exists() -> bool:
        with psycopg.connect(admin.conninfo) as conn:
            return bool(conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone())

    try:
        for _ in range(2):  # the second time the desired side may come from the cache
            r = CliRunner().invoke(main, ["plan", str(tmp_path / "s"), "--database-url", empty_db.conninfo,
                                          "--no-cache"])
            assert r.exit_code == 2 and f"CREATE ROLE {role}" in r.output, r.output
            assert not exists()
        r = CliRunner().invoke(main, ["apply", str(tmp_path / "s"), "--database-url", empty_db.conninfo, "--yes"])
        assert r.exit_code == 0 and "a second plan is empty" in r.output, r.output
        assert exists()
    finally:
        with psycopg.connect(empty_db.conninfo, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS t")
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_saved_plan_is_shown_and_confirmed_with_the_database_it_runs_on(starter, admin, tmp_path: Path) -> None:
    with fresh_database(admin, "made_") as made, fresh_database(admin, "other_") as other:
        saved = tmp_path / "plan.json"
        r = CliRunner().invoke(main, ["plan", str(starter), "--database-url", made.conninfo, "-o", str(saved)])
        assert r.exit_code == 0, r.output  # saved: not "changes"
        r = CliRunner().invoke(main, ["apply", str(saved), "--database-url", other.conninfo, "--yes"])
        assert r.exit_code == 0, r.output
        assert f"Plan for {other.display}" in r.output and f"to {other.display}" in r.output
        assert made.display not in r.output


def test_format_sql_is_what_apply_runs(admin, server, tmp_path: Path) -> None:
    live = """CREATE TYPE state AS ENUM ('new', 'done');
              CREATE TABLE items (id bigint PRIMARY KEY, state state NOT NULL, owner_id bigint);
              INSERT INTO items SELECT g, 'new', g FROM generate_series(1, 100) g;"""
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text("""\
enums:
  state: [new, done, failed]
tables:
  owners:
    columns:
      id: {type: bigint, primary_key: true}
  items:
    columns:
      id: {type: bigint, primary_key: true}
      state: {type: state, nullable: false}
      owner_id: bigint
      note: text
    indexes:
      - columns: [owner_id]
""")
    with fresh_database(admin, "sql_") as db:
        run_sql(db, live)
        r = CliRunner().invoke(main, ["plan", str(tmp_path / "s"), "--database-url", db.conninfo, "--format", "sql",
                                      "--lock-timeout", "4s"])
        assert r.exit_code == 2, r.output
        sql = r.output
        assert "SET LOCAL lock_timeout = '4s';" in sql and sql.count("BEGIN;") >= 2 and "COMMIT;" in sql
        assert "add value 'failed'" in sql.lower() and "CREATE INDEX CONCURRENTLY" in sql
        (tmp_path / "plan.sql").write_text(sql)
        psql = server.binaries.tool("psql")
        done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.conninfo, "-f",
                               str(tmp_path / "plan.sql")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert make_plan(tmp_path / "s", db.conninfo, server=server).empty


def test_a_failed_unique_build_shows_the_duplicated_key(admin, tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text("""\
tables:
  users:
    columns:
      id: {type: bigint, primary_key: true}
      email: text
    indexes:
      - columns: [email]
        unique: true
""")
    with fresh_database(admin, "dup_") as db:
        run_sql(db, "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
                    "INSERT INTO users VALUES (1, 'a@example.com'), (2, 'a@example.com');")
        r = CliRunner().invoke(main, ["apply", str(tmp_path / "s"), "--database-url", db.conninfo, "--yes"])
        assert r.exit_code == 1
        assert "could not create unique index" in r.output
        assert "DETAIL: Key (email)=(a@example.com) is duplicated." in r.output


def test_enum_reorder_hazard_names_what_it_does(admin, server, tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text("enums:\n  level: [high, medium, low]\n")
    with fresh_database(admin, "enum_") as db:
        run_sql(db, "CREATE TYPE level AS ENUM ('low', 'medium', 'high');")
        plan = make_plan(tmp_path / "s", db.conninfo, server=server)
        messages = [h.message for s in plan.steps for h in s.hazards]
        assert any("reorders the values of enum public.level" in m for m in messages), messages
        assert not any("removes value(s)  from" in m or "value(s) from" in m for m in messages), messages


def test_column_order_note_is_said_once(admin, server, tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text("""\
tables:
  people:
    columns:
      id: {type: bigint, primary_key: true}
      nickname: text
      name: text
""")
    with fresh_database(admin, "order_") as db:
        run_sql(db, "CREATE TABLE people (id bigint PRIMARY KEY, name text);")
        first = CliRunner().invoke(main, ["apply", str(tmp_path / "s"), "--database-url", db.conninfo, "--yes"])
        assert first.exit_code == 0, first.output
        assert "Note: public.people: after this plan its columns are (id, name, nickname)" in first.output
        again = CliRunner().invoke(main, ["plan", str(tmp_path / "s"), "--database-url", db.conninfo])
        assert again.exit_code == 0 and "No changes" in again.output and "Note:" not in again.output, again.output
        # --reorder-columns still finds the table out of order
        r = CliRunner().invoke(main, ["plan", str(tmp_path / "s"), "--database-url", db.conninfo,
                                      "--reorder-columns"])
        assert r.exit_code == 2 and "table_rewrite" in r.output


def test_waiting_on_another_apply_says_so(starter, admin, server) -> None:
    with fresh_database(admin, "wait_") as db, psycopg.connect(db.conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        env = dict(os.environ, PGDECL_PROGRESS="1", PGDECL_HOME=str(server._home))
        pgdecl = str(Path(sys.executable).parent / "pgdecl")
        r = subprocess.run([pgdecl, "apply", str(starter), "--database-url", db.conninfo, "--yes", "--lock-wait", "1"],
                           capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 1
        assert f"… waiting for another pgdecl apply to release its lock on {db.display} (up to 1 s)" in r.stderr
        assert "held the lock" in r.stderr and "nothing was applied" in r.stderr
        quiet = subprocess.run([pgdecl, "apply", str(starter), "--database-url", db.conninfo, "--yes", "--lock-wait",
                                "1", "--quiet"], capture_output=True, text=True, env=env, timeout=120)
        assert quiet.returncode == 1 and "waiting" not in quiet.stderr and "held the lock" in quiet.stderr
