"""pgdecl.engine.kinds.composite_types without a database: what ALTER TYPE can do in place."""

from __future__ import annotations

from typing import Any

import pytest

from pgdecl.catalog_diff import merge
from pgdecl.engine.kinds.composite_types import _alter
from pgdecl.errors import PlanError


def t(*attrs: tuple[str, str], used_by: int = 0) -> dict[str, Any]:
    return {"schema": "public", "name": "a", "target": "public.a",
            "attributes": [[n, typ, None] for n, typ in attrs], "used_by": used_by}


def test_drop_alter_and_add_in_one_statement() -> None:
    assert _alter("public.a", t(("x", "integer"), ("y", "text")), t(("x", "bigint"), ("z", "text"))) == \
        "ALTER TYPE public.a DROP ATTRIBUTE y, ALTER ATTRIBUTE x TYPE bigint, ADD ATTRIBUTE z text CASCADE"


def test_a_new_attribute_before_old_ones_cannot_be_made_in_place() -> None:
    assert _alter("public.a", t(("x", "integer")), t(("w", "integer"), ("x", "integer"))) is None


def test_a_type_change_is_refused_while_a_column_uses_the_type() -> None:
    with pytest.raises(PlanError, match=r"public\.a: attribute x changes from integer to bigint"):
        _alter("public.a", t(("x", "integer"), used_by=1), t(("x", "bigint")))


def snap(types: dict[str, Any]) -> dict[str, Any]:
    return {"user": "postgres", "version": 150000, "comments": {}, "force_rls": {}, "sequences": {}, "objects": {},
            "columns": {}, "default_acls": {}, "domains": {}, "generated": {}, "composite_types": types}


def test_migra_drop_and_create_become_the_alter() -> None:
    migra = ['drop type "public"."a"', 'create type "public"."a" as ("x" bigint)', "select 1"]
    live, desired = snap({"public.a": t(("x", "integer"))}), snap({"public.a": t(("x", "bigint"))})
    assert merge(migra, live, desired) == ["ALTER TYPE public.a ALTER ATTRIBUTE x TYPE bigint CASCADE", "select 1"]
