"""Plan, apply and convergence on real PostgreSQL, through the library and the CLI."""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from pgdecl.apply import apply, execute
from pgdecl.cli import main
from pgdecl.errors import ApplyError, LoadError, PlanError
from pgdecl.plan import make_plan

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"


def plan_for(project: Path, db, admin, server):
    return make_plan(project, database_url=db.conninfo, dev_url=admin.conninfo, server=server)


def deploy(project: Path, db, admin, server, allowed=frozenset()):
    return apply(str(project), db.conninfo, admin.conninfo, set(allowed), server=server)


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    dst = tmp_path / "starter"
    shutil.copytree(STARTER, dst)
    return dst


def edit(project: Path, old: str, new: str) -> None:
    f = project / "blog.yaml"
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new))


def test_first_apply_converges_and_second_plan_is_empty(starter, empty_db, admin, server) -> None:
    result = deploy(starter, empty_db, admin, server)
    assert result.applied > 10 and result.after is not None and result.after.empty
    assert plan_for(starter, empty_db, admin, server).empty
    with psycopg.connect(empty_db.conninfo) as conn:
        # what migra alone would miss: comments and generated columns calling spec functions
        assert conn.execute("SELECT obj_description('public.authors'::regclass)").fetchone()[0] == "People who write posts."
        conn.execute("INSERT INTO authors (email, name) VALUES ('a@x.org', 'Ann')")
        conn.execute("INSERT INTO posts (author_id, title) SELECT id, 'Hello World!' FROM authors")
        assert conn.execute("SELECT slug, number FROM posts").fetchone() == ("hello-world", 1000)


def test_edits_give_expected_plans_and_converge(starter, empty_db, admin, server) -> None:
    deploy(starter, empty_db, admin, server)
    # add a column
    edit(starter, "      published_at: timestamptz\n", "      published_at: timestamptz\n      summary: text\n")
    p = plan_for(starter, empty_db, admin, server)
    assert 'alter table "public"."posts" add column "summary" text' in [s.sql for s in p.steps]
    assert not p.hazard_kinds()  # a dependent view is recreated in the same transaction: nothing lost
    deploy(starter, empty_db, admin, server)
    # add an index: built CONCURRENTLY after the transaction by default, no hazard ...
    edit(starter, "      - columns: [tags]\n", "      - columns: [title]\n      - columns: [tags]\n")
    p = plan_for(starter, empty_db, admin, server)
    assert [(s.sql, s.phase) for s in p.steps] == [("CREATE INDEX CONCURRENTLY posts_title_idx ON public.posts USING btree (title)",
                                                    "post")]
    assert not p.hazard_kinds()
    # ... while in one transaction the build blocks writes: a named hazard that needs consent
    single = make_plan(starter, empty_db.conninfo, admin.conninfo, server=server, online=False)
    assert len(single.steps) == 1 and "CREATE INDEX posts_title_idx" in single.steps[0].sql
    assert single.hazard_kinds() == {"long_lock"}
    with pytest.raises(PlanError, match="--allow-hazard long_lock"):
        apply(str(starter), empty_db.conninfo, admin.conninfo, set(), server=server, online=False)
    assert not plan_for(starter, empty_db, admin, server).empty  # refused: nothing applied
    deploy(starter, empty_db, admin, server)
    # change a check
    edit(starter, "length(name) between 1 and 200", "length(name) between 2 and 100")
    p = plan_for(starter, empty_db, admin, server)
    sqls = [s.sql for s in p.steps]
    assert any("drop constraint" in s and "authors_name_check" in s for s in sqls)
    assert any("add constraint" in s and "authors_name_check" in s and ">= 2" in s for s in sqls)
    assert "full_scan" in p.hazard_kinds() or all("not valid" in s or "validate" in s for s in sqls if "add constraint" in s)
    r = deploy(starter, empty_db, admin, server, {"drop", "full_scan"})
    assert r.after is not None and r.after.empty


def test_dropping_a_column_is_data_loss_and_needs_consent(starter, empty_db, admin, server) -> None:
    deploy(starter, empty_db, admin, server)
    with psycopg.connect(empty_db.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO authors (email, name) VALUES ('a@x.org', 'Ann')")
        conn.execute("INSERT INTO posts (author_id, title, body) SELECT id, 'T', 'precious' FROM authors")
    edit(starter, "      body: {type: text, nullable: false, default: \"''\"}\n", "")
    p = plan_for(starter, empty_db, admin, server)
    assert p.hazard_kinds() == {"data_loss"}
    with pytest.raises(PlanError, match="drops column public.posts.body"):
        deploy(starter, empty_db, admin, server)
    with psycopg.connect(empty_db.conninfo) as conn:
        assert conn.execute("SELECT body FROM posts").fetchone() == ("precious",)
    deploy(starter, empty_db, admin, server, {"data_loss"})


def test_apply_is_all_or_nothing(starter, empty_db, admin, server) -> None:
    deploy(starter, empty_db, admin, server)
    with psycopg.connect(empty_db.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO authors (email, name) VALUES ('a@x.org', 'Ann')")
    # a new NOT NULL column without default fails on a table with rows, after other steps succeeded
    edit(starter, "      name: {type: text", "      nick: {type: text, nullable: false}\n      name: {type: text")
    edit(starter, "      published_at: timestamptz\n", "      published_at: timestamptz\n      summary: text\n")
    p = plan_for(starter, empty_db, admin, server)
    assert any('add column "nick" text not null' in s.sql for s in p.steps)
    from pgdecl.db import Database
    with pytest.raises(ApplyError, match="nothing was applied"):
        execute(p, Database(empty_db.conninfo))
    with psycopg.connect(empty_db.conninfo) as conn:
        cols = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'posts'")}
    assert "summary" not in cols


def test_saved_plan_refuses_a_changed_database(starter, empty_db, admin, server) -> None:
    p = plan_for(starter, empty_db, admin, server)
    with psycopg.connect(empty_db.conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE sneaky (id int)")
    from pgdecl.db import Database
    with pytest.raises(PlanError, match="changed since the plan was made"):
        execute(p, Database(empty_db.conninfo))


def test_load_error_names_spec_file_and_object(tmp_path, empty_db, admin, server) -> None:
    (tmp_path / "views.yaml").write_text(
        "tables:\n  t:\n    columns:\n      a: int\nviews:\n  broken:\n    query: SELECT nope FROM t\n")
    with pytest.raises(LoadError) as err:
        plan_for(tmp_path, empty_db, admin, server)
    assert "views.yaml:6" in str(err.value) and "view public.broken" in str(err.value)
    assert 'column "nope" does not exist' in str(err.value)


def test_cli_plan_exit_codes_formats_and_no_password(starter, empty_db, admin, server, tmp_path) -> None:
    runner = CliRunner()
    url = empty_db.conninfo + " password=hunter2"
    args = ["plan", str(starter), "--database-url", url, "--dev-url", admin.conninfo]
    r = runner.invoke(main, args)
    assert r.exit_code == 2, r.output
    assert re.search(r"^create table", r.output, re.M | re.I) and "hunter2" not in r.output  # the SQL shown
    r = runner.invoke(main, args + ["--format", "json", "-o", str(tmp_path / "plan.json")])
    assert r.exit_code == 0 and '"live_fingerprint"' in r.output and "hunter2" not in r.output  # saved: exit 0
    assert "hunter2" not in (tmp_path / "plan.json").read_text()
    r = runner.invoke(main, ["apply", str(starter), "--database-url", url, "--dev-url", admin.conninfo, "--yes"])
    assert r.exit_code == 0, r.output
    assert "a second plan is empty" in r.output and "hunter2" not in r.output
    r = runner.invoke(main, args + ["--format", "sql"])
    assert r.exit_code == 0 and "no changes" in r.output
    bad = runner.invoke(main, ["plan", str(starter), "--database-url", "host=/nonexistent user=x password=hunter2"])
    assert bad.exit_code == 1 and "hunter2" not in bad.output and "Traceback" not in bad.output


def test_apply_without_terminal_or_yes_refuses(starter, empty_db, admin) -> None:
    r = CliRunner().invoke(main, ["apply", str(starter), "--database-url", empty_db.conninfo,
                                  "--dev-url", admin.conninfo])
    assert r.exit_code == 1 and "--yes" in r.output
    with psycopg.connect(empty_db.conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


def test_scratch_databases_are_marked_and_guarded(admin) -> None:
    from pgdecl.db import connect
    from pgdecl.errors import PgdeclError
    from pgdecl.scratch import drop_scratch, is_scratch, scratch_database

    with scratch_database(admin) as scratch:
        with connect(admin, autocommit=True) as conn:
            assert is_scratch(conn, scratch.dbname)
    with connect(admin, autocommit=True) as conn:
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (scratch.dbname,)).fetchone()
        conn.execute("CREATE DATABASE pgdecl_scratch_0_unmarked")
    try:
        with pytest.raises(PgdeclError, match="refusing to drop"):
            drop_scratch(admin, "pgdecl_scratch_0_unmarked")
        with pytest.raises(PgdeclError, match="refusing to drop"):
            drop_scratch(admin, "postgres")
    finally:
        with connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE pgdecl_scratch_0_unmarked")


@pytest.mark.parametrize("project", [ROOT / "schema", STARTER], ids=["schema", "starter"])
def test_project_deploys_to_empty_database_and_replans_empty(project, empty_db, admin, server) -> None:
    result = deploy(project, empty_db, admin, server)
    assert result.applied > 0 and result.after is not None and result.after.empty
    assert plan_for(project, empty_db, admin, server).empty
