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
