"""How plans look (summary first, colour only where asked), the SQL form of a plan, progress
lines, and lint of raw .sql files. No database."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pgdecl import progress
from pgdecl.cli import main
from pgdecl.format import plan_sql, plan_summary, plan_text, statement_kind
from pgdecl.hazards import Hazard
from pgdecl.plan import Plan, Step

PLAN = Plan(target="postgresql://app@db:5432/shop", live_fingerprint="f", desired_fingerprint="d",
            spec_fingerprint="s", lock_timeout="3s", statement_timeout="1min", steps=(
                Step("ALTER TYPE public.state ADD VALUE 'closed'", (), "pre"),
                Step("CREATE TABLE public.a (id bigint)", ()),
                Step("ALTER TABLE public.b DROP COLUMN c", (Hazard("data_loss", "drops column b.c"),)),
                Step('alter table "public"."b" add column "d" text', ()),
                Step("CREATE INDEX CONCURRENTLY b_d_idx ON public.b (d)", (), "post"),
                Step("ALTER TABLE public.b VALIDATE CONSTRAINT b_fk", (), "post"),
            ))


def test_statement_kinds() -> None:
    assert statement_kind("create unique index x on t (a)") == "CREATE INDEX"
    assert statement_kind("CREATE OR REPLACE FUNCTION f()") == "CREATE FUNCTION"
    assert statement_kind('alter table "public"."b" add column "d" text') == "ALTER TABLE"
    assert statement_kind("CREATE MATERIALIZED VIEW v AS SELECT 1") == "CREATE VIEW"
    assert statement_kind("GRANT SELECT ON t TO app") == "GRANT"
    assert statement_kind("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO app") == "ALTER DEFAULT PRIVILEGES"


def test_summary_comes_first_with_counts_by_kind_phase_and_hazard() -> None:
    text = click.unstyle(plan_text(PLAN, summary=True))
    head, rest = text.split("-- [1]", 1)
    assert "Summary:" in head and "3 ALTER TABLE" in head and "1 CREATE TABLE" in head and "1 CREATE INDEX" in head
    assert "1 pre, 3 main, 2 post" in head and "hazards: 1 data_loss" in head
    assert "DROP COLUMN c;" in rest and "DROP COLUMN" not in head
    quiet = click.unstyle(plan_text(PLAN, summary=True, sql=False))
    assert "Summary:" in quiet and "DROP COLUMN" not in quiet and "-- [" not in quiet
    assert plan_summary(PLAN)[0] == "Summary:"


def test_colour_only_where_asked() -> None:
    styled = plan_text(PLAN, summary=True)
    assert "\x1b[31m" in styled  # data_loss in red
    assert "\x1b[" not in plan_text(PLAN)  # the library form (golden files) has none


def test_plan_sql_is_what_apply_runs() -> None:
    sql = plan_sql(PLAN)
    lines = [ln for ln in sql.splitlines() if ln and not ln.startswith("--")]
    assert lines == [
        "BEGIN;", "SET LOCAL lock_timeout = '3s';", "SET LOCAL statement_timeout = '1min';",
        "ALTER TYPE public.state ADD VALUE 'closed';", "COMMIT;",
        "BEGIN;", "SET LOCAL lock_timeout = '3s';", "SET LOCAL statement_timeout = '1min';",
        "CREATE TABLE public.a (id bigint);", "ALTER TABLE public.b DROP COLUMN c;",
        'alter table "public"."b" add column "d" text;', "COMMIT;",
        "SET lock_timeout = '3s';", "SET statement_timeout = '1min';",
        "CREATE INDEX CONCURRENTLY b_d_idx ON public.b (d);",  # not in a transaction block
        "BEGIN;", "ALTER TABLE public.b VALIDATE CONSTRAINT b_fk;", "COMMIT;",
        "RESET lock_timeout;", "RESET statement_timeout;"]
    assert "-- hazard data_loss: drops column b.c" in sql


def test_progress_lines_with_elapsed_time(capsys) -> None:
    progress.enable(False)
    with progress.step("building"):
        pass
    assert capsys.readouterr().err == ""
    progress.enable(True, color=False)
    try:
        with progress.step("building the scratch database"):
            pass
        with pytest.raises(RuntimeError), progress.step("post step 1/1: CREATE INDEX"):
            raise RuntimeError("boom")
        w = progress.Waiting("another apply", every=0)
        w.tick()
        w.tick()
    finally:
        progress.enable(False)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "▸ building the scratch database…"
    assert err[1].startswith("✓ building the scratch database: 0.0 s")
    assert err[3].startswith("✗ post step 1/1: CREATE INDEX: failed after ")
    assert err[4] == "… waiting for another apply" and err[5].startswith("… waiting for another apply (0.0 s so far)")
    assert all("\x1b[" not in line for line in err)


def test_no_color_and_no_terminal_mean_no_escape_codes(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["lint", "--list-rules"], color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.output


RAW = """\
-- a raw file
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    happened_at timestamp NOT NULL,
    payload json
);

CREATE TABLE logs (msg text);
CREATE TABLE parents (id bigint PRIMARY KEY);
CREATE TABLE kids (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents ON DELETE CASCADE);
CREATE INDEX kids_parent_idx ON kids (parent_id);
CREATE TABLE orphans (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents ON DELETE CASCADE);
"""


def test_raw_sql_files_are_linted(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "a.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: bigint, "
                                                 "primary_key: true}\n")
    (tmp_path / "schema" / "raw.sql").write_text(RAW)
    r = CliRunner().invoke(main, ["lint", str(tmp_path / "schema"), "--select", "ALL"])
    assert r.exit_code == 1
    raw = str(tmp_path / "schema" / "raw.sql")
    assert f"{raw}:2: PD003 error: table events, column happened_at" in r.output
    assert f"{raw}:2: PD005 warning: table events, column payload" in r.output
    assert f"{raw}:2: PD010 warning: table events, column id" in r.output
    assert f"{raw}:8: PD002 error: table logs" in r.output
    assert f"{raw}:12: PD001 warning: table orphans" in r.output
    assert "table kids" not in r.output  # its index is in the same file


def test_a_raw_sql_parse_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "raw.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n\nCREATE TABL b (x int);\n")
    r = CliRunner().invoke(main, ["lint", str(tmp_path / "schema")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"{tmp_path / 'schema' / 'raw.sql'}:3: " in r.output and 'syntax error at or near "TABL"' in r.output
