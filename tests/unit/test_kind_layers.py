"""The layers of pgdecl.engine.kinds added for issue 14, without a database: snapshots written by hand
for their edge cases (convergence on PostgreSQL: the pairs under tests/conformance/kinds)."""

from __future__ import annotations

from typing import Any

import pytest

from pgdecl.catalog_diff import merge
from pgdecl.engine.kinds import subscriptions
from pgdecl.errors import PlanError

TABLE_PRIVS = frozenset(("postgres", p, False) for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE",
                                                         "REFERENCES", "TRIGGER"))


def snap(**sections: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"user": "postgres", "version": 150000, "comments": {}, "force_rls": {}, "sequences": {},
                            "objects": {}, "columns": {}, "default_acls": {}, "domains": {}, "generated": {}}
    return {**base, **sections}


def test_a_missing_global_default_row_means_the_builtin_one() -> None:
    live = snap()
    desired = snap(default_acls={("postgres", "", "r"): frozenset(), ("alice", "", "f"): frozenset()},
                   default_acl_builtin={("postgres", "r"): TABLE_PRIVS,
                                        ("alice", "f"): frozenset({("PUBLIC", "EXECUTE", False),
                                                                   ("alice", "EXECUTE", False)})})
    assert merge([], live, desired) == [  # the applying role's first, FOR ROLE for the others
        "ALTER DEFAULT PRIVILEGES REVOKE SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER "
        "ON TABLES FROM postgres",
        "ALTER DEFAULT PRIVILEGES FOR ROLE alice REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC, alice",
    ]
    # and back: the rows go, the built-in defaults return
    assert merge([], desired, live) == [
        "ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER "
        "ON TABLES TO postgres",
        "ALTER DEFAULT PRIVILEGES FOR ROLE alice GRANT EXECUTE ON FUNCTIONS TO PUBLIC, alice",
    ]


def function(result: str, used_by: list[str] = (), arguments: str = "n integer") -> dict[str, Any]:
    return {"functions": {"public.f(integer)": {
        "name": "public.f", "args": "n integer", "kind": "f", "result": result, "defaults": 0,
        "arguments": arguments, "definition": f"CREATE OR REPLACE FUNCTION public.f({arguments})\n RETURNS {result}",
        "used_by": list(used_by)}}}


def test_a_changed_return_type_drops_the_overload_before_migras_replace() -> None:
    migra = ["CREATE OR REPLACE FUNCTION public.f(n integer)\n RETURNS bigint"]
    assert merge(migra, snap(**function("integer")), snap(**function("bigint"))) == [
        "DROP FUNCTION public.f(n integer)", migra[0]]


def test_a_used_function_whose_return_type_changes_is_refused() -> None:
    migra = ["CREATE OR REPLACE FUNCTION public.f(n integer)\n RETURNS bigint"]
    with pytest.raises(PlanError, match=r"public\.f\(integer\): its return type changes.*public\.v"):
        merge(migra, snap(**function("integer", ["public.v"])), snap(**function("bigint")))
    # unless the plan drops that view anyway
    assert merge(['drop view if exists "public"."v"'] + migra, snap(**function("integer", ["public.v"])),
                 snap(**function("bigint")))[1] == "DROP FUNCTION public.f(n integer)"


def test_a_changed_default_alone_is_replaced() -> None:
    live = snap(**function("integer", arguments="n integer DEFAULT 1"))
    desired = snap(**function("integer", arguments="n integer DEFAULT 2"))
    assert merge([], live, desired) == ["CREATE OR REPLACE FUNCTION public.f(n integer DEFAULT 2)\n RETURNS integer"]


def collation(locale: str, used_by: int = 0) -> dict[str, Any]:
    return {"collations": {"public.c": {"target": "public.c", "options": ["provider = icu", f"locale = '{locale}'"],
                                        "used_by": used_by}}}


def test_migras_collation_statements_are_replaced() -> None:
    migra = ['create schema "s"', "create collation if not exists \"public\".\"c\" (provider = 'icu', locale = 'None')"]
    assert merge(migra, snap(collations={}), snap(**collation("de-DE"))) == [
        'create schema "s"', "CREATE COLLATION public.c (provider = icu, locale = 'de-DE')"]
    assert merge([], snap(**collation("de-DE")), snap(**collation("fr-FR"))) == [
        "DROP COLLATION public.c", "CREATE COLLATION public.c (provider = icu, locale = 'fr-FR')"]
    with pytest.raises(PlanError, match=r"collation public\.c changes .* 2 object\(s\) use it"):
        merge([], snap(**collation("de-DE", used_by=2)), snap(**collation("fr-FR")))


def sub(**changes: Any) -> dict[str, Any]:
    base = {"owner": "postgres", "explicit_owner": False, "enabled": False, "slot": None, "publications": ["p"],
            "connection": "host=h dbname=d", "two_phase": False,
            "options": {"binary": False, "streaming": False, "disable_on_error": False, "synchronous_commit": "off"}}
    return {**base, **changes}


def test_subscriptions_change_in_place_and_two_phase_makes_them_again() -> None:
    assert subscriptions.compare({"s": sub()}, {"s": sub(publications=["p", "q"], slot="s1", enabled=True)}, []) == [
        "ALTER SUBSCRIPTION s SET PUBLICATION p, q WITH (refresh = false)",
        "ALTER SUBSCRIPTION s SET (slot_name = 's1')",
        "ALTER SUBSCRIPTION s ENABLE",
    ]
    assert subscriptions.compare({"s": sub()}, {"s": sub(two_phase=True)}, []) == [
        "DROP SUBSCRIPTION s",
        "CREATE SUBSCRIPTION s CONNECTION 'host=h dbname=d' PUBLICATION p WITH (connect = false, enabled = false, "
        "create_slot = false, slot_name = NONE, binary = false, streaming = false, disable_on_error = false, "
        "synchronous_commit = 'off', two_phase = true)",
    ]
    # a role that may not read connection strings (None) never plans a CONNECTION change
    assert subscriptions.compare({"s": sub(connection=None)}, {"s": sub()}, []) == []


def test_a_changed_range_is_made_again_only_while_unused() -> None:
    from pgdecl.engine.kinds import range_types

    def r(subtype: str, used_by: int = 0) -> dict[str, Any]:
        return {"r": {"target": "public.r", "clauses": [["subtype", subtype]], "used_by": used_by}}

    assert range_types.compare(r("integer"), r("bigint"), []) == [
        "DROP TYPE public.r", "CREATE TYPE public.r AS RANGE (subtype = bigint)"]
    with pytest.raises(PlanError, match=r"range type r changes .* 1 column\(s\) use it"):
        range_types.compare(r("integer", used_by=1), r("bigint"), [])
