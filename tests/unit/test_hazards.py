"""Hazard classification from pglast parse trees: no database."""

from __future__ import annotations

import pytest

from pgdecl.db import mask
from pgdecl.hazards import classify


def kinds(sql: str, **kw) -> set[str]:
    return {h.kind for h in classify(sql, **kw)}


@pytest.mark.parametrize("sql, expected", [
    ('drop table "public"."users"', {"data_loss"}),
    ('alter table "public"."users" drop column "email"', {"data_loss"}),
    ("drop type public.mood", {"data_loss"}),
    ("drop view public.v", {"drop"}),
    ("drop index public.i", {"drop", "long_lock"}),
    ("drop index concurrently public.i", {"drop"}),
    ("create index i on public.users (email)", {"long_lock"}),
    ("create index concurrently i on public.users (email)", set()),
    ('alter table "public"."users" alter column "email" set not null', {"full_scan"}),
    ("alter table public.users add constraint c check (a > 0)", {"full_scan"}),
    ("alter table public.users add constraint c check (a > 0) not valid", set()),
    ("alter table public.users validate constraint c", set()),
    ("alter table public.users add column n bigint default 0", set()),
    ("alter table public.users add column n uuid default gen_random_uuid()", {"table_rewrite"}),
    ("revoke select on table public.users from app", {"security"}),
    ("drop policy p on public.users", {"security"}),
    ("alter table public.users disable row level security", {"security"}),
    ("create table public.t (a int)", set()),
    ("this is not sql", {"unparsed"}),
])
def test_classify(sql: str, expected: set[str]) -> None:
    assert kinds(sql) == expected


def test_type_changes_lossless_only_when_widening() -> None:
    live = {("public.users", "n"): "integer", ("public.users", "s"): "character varying(20)",
            ("public.users", "p"): "numeric(10,2)"}
    widen = 'alter table "public"."users" alter column "n" set data type bigint using "n"::bigint'
    assert kinds(widen, live_types=live) == {"table_rewrite"}
    narrow = 'alter table "public"."users" alter column "n" set data type smallint using "n"::smallint'
    assert kinds(narrow, live_types=live) == {"data_loss", "table_rewrite"}
    assert "data_loss" not in kinds("alter table public.users alter column s type varchar(40)", live_types=live)
    assert "data_loss" in kinds("alter table public.users alter column s type varchar(10)", live_types=live)
    assert "data_loss" in kinds("alter table public.users alter column p type numeric(10,1)", live_types=live)
    assert "data_loss" in kinds("alter table public.users alter column s type integer using s::integer", live_types=live)


def test_new_tables_are_not_locked_hazards() -> None:
    sql = "create index i on public.fresh (a)"
    assert kinds(sql) == {"long_lock"}
    assert kinds(sql, new_tables={"public.fresh"}) == set()


def test_mask_never_shows_password() -> None:
    shown = mask("postgresql://alice:s3cret@db.example:6543/shop?sslmode=require")
    assert "s3cret" not in shown and shown == "postgresql://alice@db.example:6543/shop"
    assert "pw1" not in mask("host=/tmp user=bob password=pw1 dbname=x")


def test_volatile_default_is_classified_in_a_fresh_interpreter() -> None:
    """hazards.py once reached pglast.stream through the package without importing it: in a process
    where nothing else had imported pglast.stream, classify() raised AttributeError."""
    import subprocess
    import sys

    code = ("from pgdecl.hazards import classify\n"
            "print(sorted(h.kind for h in classify('ALTER TABLE public.t ADD COLUMN id uuid "
            "DEFAULT gen_random_uuid()')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['table_rewrite']"


def messages(sql: str, **kw) -> list[tuple[str, str]]:
    return [(h.kind, h.message) for h in classify(sql, **kw)]


@pytest.mark.parametrize("sql, expected", [
    ("DROP TYPE public.mood, other.t", [("data_loss", "drops type public.mood, other.t")]),
    ("DROP EXTENSION pgcrypto", [("data_loss", "drops extension pgcrypto")]),
    ("DROP SCHEMA app CASCADE", [("data_loss", "drops schema app"),
                                 ("data_loss", "drops app with CASCADE: dependent objects go too")]),
    ("DROP FUNCTION public.f(int)", [("drop", "drops function public.f")]),
    ("DROP TRIGGER tg ON public.t", [("drop", "drops trigger public.t.tg")]),
    ("TRUNCATE public.a, b", [("data_loss", "truncates public.a, public.b")]),
    ("DELETE FROM public.a WHERE x", [("data_loss", "deletes rows of public.a")]),
    ("UPDATE public.a SET x = 1", [("data_loss", "updates rows of public.a")]),
    ("ALTER TABLE public.t RENAME TO u", [("drop", "renames an object: code using the old name breaks")]),
    ("ALTER TYPE public.mood RENAME VALUE 'a' TO 'b'", [("drop", "renames enum value 'a'")]),
    ("ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE SELECT ON TABLES FROM app",
     [("security", "revokes default privileges")]),
    ("ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO app", []),
    ("ALTER SEQUENCE public.s RESTART", []),
    ("ALTER TABLE public.t NO FORCE ROW LEVEL SECURITY", [("security", "weakens row-level security on public.t")]),
    ("ALTER TABLE public.t DROP CONSTRAINT c", [("drop", "drops constraint c on public.t")]),
    ("ALTER TABLE public.t DROP CONSTRAINT c_not_null_pgdecl", []),  # pgdecl's own helper (pgdecl.online)
    ("ALTER TABLE public.t ADD CONSTRAINT p PRIMARY KEY (a)",
     [("long_lock", "adds constraint p on public.t, building its index under a lock")]),
    ("ALTER TABLE public.t ADD CONSTRAINT p PRIMARY KEY USING INDEX i", []),  # the index is already built
    ("ALTER TABLE public.t ADD CONSTRAINT x EXCLUDE USING gist (a WITH &&)",
     [("long_lock", "adds constraint x on public.t, building its index under a lock")]),
    ("ALTER TABLE public.t ADD COLUMN n int NOT NULL",
     [("full_scan", "adds NOT NULL column public.t.n without a default: fails if the table has rows")]),
    ("ALTER TABLE public.t ADD COLUMN n int NOT NULL DEFAULT 0", []),
    ("ALTER TABLE public.t ADD COLUMN n int GENERATED ALWAYS AS (a + 1) STORED",
     [("table_rewrite", "adds column public.t.n with a per-row value: rewrites the table")]),
    ("ALTER TABLE public.t ALTER COLUMN g SET EXPRESSION AS (a + 2)",
     [("table_rewrite", "changes the generation expression of public.t.g: rewrites the table")]),
    ("ALTER TABLE public.t ALTER COLUMN g DROP EXPRESSION",
     [("table_rewrite", "drops the generation expression of public.t.g")]),
    ("ALTER DOMAIN public.d SET NOT NULL", [("full_scan", "SET NOT NULL on domain public.d scans every column of that type")]),
    ("ALTER DOMAIN public.d ADD CONSTRAINT c CHECK (VALUE > 0)",
     [("full_scan", "checks every value of domain public.d in every table, under a lock")]),
    ("ALTER DOMAIN public.d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID", []),
    ("ALTER DOMAIN public.d VALIDATE CONSTRAINT c",
     [("full_scan", "checks every value of domain public.d in every table, under a lock")]),
    ("ALTER DOMAIN public.d DROP CONSTRAINT c", [("drop", "drops constraint c of domain public.d")]),
    ("DROP INDEX public.i; DROP TABLE public.t", [("drop", "drops index public.i"),
                                                  ("long_lock", "drops index public.i without CONCURRENTLY (blocks the table)"),
                                                  ("data_loss", "drops table public.t")]),
])
def test_classify_messages(sql: str, expected: list[tuple[str, str]]) -> None:
    assert messages(sql) == expected


def test_objects_the_same_plan_creates_again_lose_nothing() -> None:
    assert kinds("DROP VIEW v", recreated={"public.v"}) == set()
    assert kinds("DROP FUNCTION public.f(int)", recreated={"public.f"}) == set()
    assert kinds("DROP VIEW v CASCADE", recreated={"public.v"}) == {"drop", "data_loss"}  # the dependents go too
    assert kinds("DROP VIEW v, w", recreated={"public.v"}) == {"drop"}
    # privileges taken from an object the plan creates: nobody had them
    assert kinds("REVOKE SELECT ON public.t FROM app", new_tables={"public.t"}) == set()
    assert kinds("REVOKE EXECUTE ON FUNCTION public.f(int) FROM PUBLIC", recreated={"public.f"}) == set()
    assert kinds("REVOKE USAGE ON SCHEMA app FROM PUBLIC", new_tables={"public.t"}) == {"security"}


def test_pgdecl_reorder_steps_are_rewrites_not_data_loss() -> None:
    from pgdecl.hazards import REORDER_MARK as M

    aside = messages(f"ALTER TABLE public.t RENAME COLUMN c TO c{M}")
    assert [k for k, _ in aside] == ["table_rewrite", "long_lock"] and "public.t.c" in aside[0][1]
    copy = messages(f"UPDATE public.t SET a = a{M}, b = b{M}")
    assert [k for k, _ in copy] == ["table_rewrite", "long_lock"] and "column(s) a, b of public.t" in copy[0][1]
    assert kinds(f"ALTER SEQUENCE public.s{M} RENAME TO s") == set()
    assert kinds(f"ALTER TABLE public.t DROP COLUMN a{M}") == set()  # copied before it goes
    # an UPDATE that is not all set-aside columns is an ordinary update
    assert kinds(f"UPDATE public.t SET a = a{M}, b = 1") == {"data_loss"}


def test_a_generated_column_dropped_and_added_again_is_recomputed_not_lost() -> None:
    sql = "ALTER TABLE public.t DROP COLUMN g, ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED"
    assert messages(sql) == [("table_rewrite", "recomputes generated column public.t.g (dropped and added again): "
                                               "rewrites the table")]
    assert kinds(sql, new_tables={"public.t"}) == set()


@pytest.mark.parametrize("old, new, lossless", [
    ("integer", "numeric", True), ("integer", "numeric(5,0)", False), ("integer", "numeric(12,2)", True),
    ("bigint", "numeric(18)", False), ("bigint", "numeric(19)", True), ("smallint", "integer", True),
    ("varchar", "varchar(10)", False), ("varchar(10)", "varchar", True), ("character(3)", "text", True),
    ("numeric(10,2)", "numeric", True), ("numeric", "numeric(10,2)", False), ("numeric(10,2)", "numeric(12,3)", True),
    ("numeric(10,2)", "numeric(10,3)", False), ("timestamp", "timestamptz", True), ("real", "double precision", True),
    ("text", "citext", True), ("uuid", "uuid", True), ("text", "varchar(5)", False), ("timestamptz", "timestamp", False),
    ("not a type ((", "text", False),
])
def test_lossless_type_change(old: str, new: str, lossless: bool) -> None:
    from pgdecl.hazards import _parse_type, lossless_type_change

    parsed = _parse_type(new)
    assert parsed is not None
    assert lossless_type_change(old, parsed) is lossless
    assert lossless_type_change(None, parsed) is False  # an unknown live type is never assumed safe


def test_created_and_dropped_objects_of_a_plan() -> None:
    from pgdecl.hazards import created_objects, created_tables, dropped_objects, recreated_objects

    plan = ["CREATE TABLE a (x int)", "CREATE VIEW s.v AS SELECT 1", "CREATE MATERIALIZED VIEW m AS SELECT 1",
            "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'select 1'", "garbage", "CREATE INDEX i ON a (x)"]
    assert created_objects(plan) == {("table", "public.a"), ("view", "s.v"), ("view", "public.m"), ("function", "s.f")}
    assert created_tables(plan) == {"public.a"}
    assert recreated_objects(plan) == {"s.v", "public.m", "s.f"}
    assert dropped_objects(["DROP TABLE a, s.b", "DROP FUNCTION f(int)", "not sql", "CREATE TABLE x (a int)",
                            "DROP TYPE s.t"]) == {"public.a", "s.b", "public.f", "s.t"}
