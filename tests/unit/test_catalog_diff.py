"""catalog_diff without a database: snapshots written by hand, for what the PostgreSQL 15 server of
the DB tests cannot show (SET EXPRESSION on 17+) and for the statement builders' edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from pgdecl.catalog_diff import merge
from pgdecl.engine.acl import statements as _acl_statements
from pgdecl.engine.kinds.domains import alter as _alter_domain
from pgdecl.engine.sqltext import parenthesized as _parenthesized
from pgdecl.errors import PlanError


def snap(version: int = 150000, **sections: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"user": "postgres", "version": version, "comments": {}, "force_rls": {},
                            "sequences": {}, "objects": {}, "columns": {}, "default_acls": {}, "domains": {},
                            "generated": {}}
    return {**base, **sections}


def generated(expr: str, blockers: list[str] = (), indexes: list[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"COLUMN public.t.g": {"name": "public.t", "table": "public.t", "attname": "g", "column": "g",
                                  "expr": expr, "type": "text", "not_null": False, "collation": None,
                                  "indexes": list(indexes), "constraints": [], "blockers": list(blockers)}}


MIGRA = ['alter table "public"."t" alter column "g" set default (a || \'y\'::text)']


def test_set_expression_on_postgresql_17() -> None:
    live = snap(170000, generated=generated("(a || 'x'::text)"))
    desired = snap(generated=generated("(a || 'y'::text)"))
    assert merge(MIGRA, live, desired) == ["ALTER TABLE public.t ALTER COLUMN g SET EXPRESSION AS (a || 'y'::text)"]


def test_drop_and_add_before_postgresql_17_with_its_index() -> None:
    live = snap(150000, generated=generated("(a || 'x'::text)"))
    desired = snap(generated=generated("(a || 'y'::text)", indexes=[("t_g_idx", "CREATE INDEX t_g_idx ON public.t (g)")]))
    assert merge(MIGRA, live, desired) == [
        "ALTER TABLE public.t DROP COLUMN g, ADD COLUMN g text GENERATED ALWAYS AS (a || 'y'::text) STORED",
        "CREATE INDEX t_g_idx ON public.t (g)",
    ]


def test_same_expression_written_differently_is_no_change() -> None:
    live = snap(generated=generated("((a || 'x'::text))"))
    desired = snap(generated=generated("(a || 'x'::text)"))
    assert merge([], live, desired) == []


def test_a_view_on_the_column_stops_drop_and_add() -> None:
    live = snap(generated=generated("(a || 'x'::text)", blockers=["public.v"]))
    desired = snap(generated=generated("(a || 'y'::text)"))
    with pytest.raises(PlanError, match=r"public\.v depend"):
        merge(MIGRA, live, desired)
    # unless the plan drops (and makes again) that view anyway
    assert merge(['drop view if exists "public"."v"'] + MIGRA, live, desired)[1].startswith("ALTER TABLE public.t DROP")


@pytest.mark.parametrize(("expr", "wrapped"), [
    ("(a || 'y'::text)", "(a || 'y'::text)"),
    ("(a) + (b)", "((a) + (b))"),
    ("a + b", "(a + b)"),
    ("('(' || a)", "('(' || a)"),
])
def test_parenthesized(expr: str, wrapped: str) -> None:
    assert _parenthesized(expr) == wrapped


def domain(**kw: Any) -> dict[str, Any]:
    return {"target": "public.d", "type": "integer", "collation": None, "not_null": False, "default": None,
            "checks": {}, "used_by": 0, **kw}


def test_domain_type_change_of_a_used_domain_is_an_error() -> None:
    with pytest.raises(PlanError, match="domain public.d changes from integer to bigint.*2 column"):
        _alter_domain("public.d", domain(used_by=2), domain(type="bigint"))
    assert _alter_domain("public.d", domain(), domain(type="bigint")) == [
        "DROP DOMAIN public.d", "CREATE DOMAIN public.d AS bigint"]


def test_domain_check_renamed_changed_and_validated() -> None:
    have = domain(checks={"a": ("CHECK ((VALUE > 0))", True), "b": ("CHECK ((VALUE < 9))", True),
                          "c": ("CHECK ((VALUE <> 5))", False)})
    want = domain(checks={"positive": ("CHECK ((VALUE > 0))", True), "b": ("CHECK ((VALUE < 99))", True),
                          "c": ("CHECK ((VALUE <> 5))", True)})
    assert _alter_domain("public.d", have, want) == [
        "ALTER DOMAIN public.d RENAME CONSTRAINT a TO positive",
        "ALTER DOMAIN public.d DROP CONSTRAINT b",
        "ALTER DOMAIN public.d ADD CONSTRAINT b CHECK ((VALUE < 99))",
        "ALTER DOMAIN public.d VALIDATE CONSTRAINT c",
    ]


def test_acl_statements_group_grantees_and_grant_options() -> None:
    have = {("app", "SELECT"): True, ("old", "SELECT"): False}
    want = {("app", "SELECT"): False, ("PUBLIC", "SELECT"): False, ("r", "SELECT"): False, ("w", "INSERT"): True}
    assert _acl_statements("TABLE public.t", have, want) == [
        "REVOKE SELECT ON TABLE public.t FROM old",
        "REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM app",
        "GRANT SELECT ON TABLE public.t TO PUBLIC, r",
        "GRANT INSERT ON TABLE public.t TO w WITH GRANT OPTION",
    ]
