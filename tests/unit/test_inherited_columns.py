"""catalog_diff.inherited_columns without a database: migra's CREATE TABLE ... INHERITS loses the
columns the desired child only inherits, and what the child overrides is set after it."""

from __future__ import annotations

from typing import Any

import pglast

from pgdecl.catalog_diff import inherited_columns

CHILD = ('create table "public"."child" (\n    "id" bigint not null default nextval(\'s\'::regclass),\n'
         '    "kind" text not null,\n    "own" integer\n) inherits ("public"."parent")')


def facts(default: str | None = None, not_null: bool = False, parent_defaults: list[str | None] = (None,),
          parent_not_null: bool = False) -> dict[str, Any]:
    return {"default": default, "not_null": not_null, "parent_defaults": list(parent_defaults),
            "parent_not_null": parent_not_null}


def columns(sql: str) -> list[str]:
    stmt = pglast.parse_sql(sql)[0].stmt
    return [e.colname for e in stmt.tableElts or () if isinstance(e, pglast.ast.ColumnDef)]


def test_inherited_only_columns_are_left_out_local_ones_kept() -> None:
    desired = {"inherited": {"public.child": {
        "id": facts("nextval('s'::regclass)", True, ["nextval('s'::regclass)"], True),
        "kind": facts(None, True, [None], True)}}}
    out = inherited_columns(["create sequence s", CHILD, "select 1"], desired)
    assert out[0] == "create sequence s" and out[2] == "select 1" and len(out) == 3
    assert columns(out[1]) == ["own"]
    assert pglast.parse_sql(out[1])[0].stmt.inhRelations[0].relname == "parent"


def test_overrides_of_the_child_are_set_after_it() -> None:
    desired = {"inherited": {"public.child": {
        "id": facts(None, True, ["nextval('s'::regclass)"], True),    # the child dropped the default
        "kind": facts("'x'::text", True, [None], False),              # own default, NOT NULL of its own
        "own": facts("1", False, ["(1)"], False)}}}                   # the same default, written otherwise
    out = inherited_columns([CHILD], desired)
    assert columns(out[0]) == []
    assert out[1:] == ["ALTER TABLE ONLY public.child ALTER COLUMN id DROP DEFAULT",
                       "ALTER TABLE ONLY public.child ALTER COLUMN kind SET DEFAULT 'x'::text",
                       "ALTER TABLE ONLY public.child ALTER COLUMN kind SET NOT NULL"]


def test_tables_without_inherited_columns_are_untouched() -> None:
    plain = 'create table "public"."t" ("a" integer)'
    desired = {"inherited": {"public.other": {"id": facts()}}}
    assert inherited_columns([CHILD, plain], desired) == [CHILD, plain]
    assert inherited_columns([CHILD], {}) == [CHILD]
