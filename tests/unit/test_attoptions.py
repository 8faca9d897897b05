"""Internal column options (Debian 15.20's `pg_attver=N` in every column's attoptions) are ignored by
import, diff and fingerprint; only n_distinct / n_distinct_inherited count. The server of the DB tests
is 15.18, so the filtering is proven on its code path: the function every reader goes through."""

from __future__ import annotations

from typing import Any

from pgdecl.attoptions import sql_user_attoptions, user_attoptions
from pgdecl.catalog import FINGERPRINT_SQL
from pgdecl.catalog_diff import ATTOPTIONS_SQL, attoption_statements


def test_internal_and_unknown_options_are_dropped() -> None:
    assert user_attoptions(["pg_attver=3"]) == []
    assert user_attoptions(None) == []
    assert user_attoptions(["pg_attver=3", "n_distinct=-0.5", "bogus", "other=1"]) == ["n_distinct=-0.5"]
    assert user_attoptions(["n_distinct_inherited=100", "pg_attver=12", "n_distinct=5"]) == [
        "n_distinct=5", "n_distinct_inherited=100"]


def test_sql_readers_filter_the_same_way() -> None:
    expr = sql_user_attoptions("a.attoptions")
    assert "'n_distinct'" in expr and "'n_distinct_inherited'" in expr
    assert expr in ATTOPTIONS_SQL and expr in FINGERPRINT_SQL


def _snap(**cols: list[str]) -> dict[str, Any]:
    att, columns = {}, {}
    for col, opts in cols.items():
        key = f"COLUMN public.t.{col}"
        columns[key] = {}
        if opts:
            att[key] = {"name": "public.t", "target": "TABLE public.t", "column": col, "options": user_attoptions(opts)}
    return {"attoptions": att, "columns": columns}


def test_diff_ignores_pg_attver() -> None:
    # the live column carries pg_attver, the scratch build of the same specs does not: no change
    assert attoption_statements(_snap(a=["pg_attver=3"], b=["pg_attver=3", "n_distinct=5"]),
                                _snap(a=[], b=["n_distinct=5"])) == []


def test_diff_sets_and_resets_user_options() -> None:
    live = _snap(a=["pg_attver=3", "n_distinct=5"], b=["pg_attver=3"])
    desired = _snap(a=[], b=["n_distinct=-1"])
    assert attoption_statements(live, desired) == [
        "ALTER TABLE public.t ALTER COLUMN a RESET (n_distinct)",
        "ALTER TABLE public.t ALTER COLUMN b SET (n_distinct=-1)",
    ]
    # a table dropped and made again starts with no options
    assert attoption_statements(_snap(b=["n_distinct=-1"]), desired, dropped={"public.t"}) == [
        "ALTER TABLE public.t ALTER COLUMN b SET (n_distinct=-1)"]
