"""A table's constraints (render.primary_key, uniques, foreign_keys) are remembered per table object: the same
answer for the same object, a fresh list each time, and nothing carried over to a changed copy, another name
or an object that reuses a freed one's id."""

from __future__ import annotations

import pytest

from pgdecl import render
from pgdecl.model import SpecFile, Table


def _table(**columns: object) -> Table:
    return SpecFile.model_validate({"tables": {"t": {"columns": columns}}}).tables["t"]


def _orders() -> Table:
    return _table(id={"type": "bigint", "primary_key": True},
                  user_id={"type": "bigint", "references": "users", "on_delete": "CASCADE"},
                  code={"type": "text", "unique": True})


def test_same_object_same_answer_fresh_list() -> None:
    t = _orders()
    fks = render.foreign_keys("public.orders", t)
    assert [(fk.name, fk.columns, fk.on_delete) for fk in fks] == [("orders_user_id_fkey", ["user_id"], "cascade")]
    fks.clear()  # the caller's list: the next caller still gets the constraints
    assert render.foreign_keys("public.orders", t)[0].name == "orders_user_id_fkey"
    assert [u.name for u in render.uniques("public.orders", t)] == ["orders_code_key"]
    pk = render.primary_key(t)
    pk.append("code")
    assert render.primary_key(t) == ["id"]


def test_a_changed_copy_or_another_name_is_its_own() -> None:
    t = _orders()
    assert render.foreign_keys("public.orders", t)[0].name == "orders_user_id_fkey"
    assert render.foreign_keys("shop.purchases", t)[0].name == "purchases_user_id_fkey"
    copy = t.model_copy(update={"columns": {c: col.model_copy(update={"references": None, "unique": False,
                                                                     "primary_key": False})
                                            for c, col in t.columns.items()}})
    assert render.foreign_keys("public.orders", copy) == []
    assert render.uniques("public.orders", copy) == []
    assert render.primary_key(copy) == []
    assert render.foreign_keys("public.orders", t)[0].name == "orders_user_id_fkey"  # the original's are kept


def test_bounded_and_never_mistaken_for_a_freed_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_DERIVED_MAX", 3)
    for i in range(20):  # tables made and dropped: an id may come back for another table
        t = _table(**{f"c{i}": {"type": "int", "primary_key": True}, "x": {"type": "int", "unique": i % 2 == 0}})
        assert render.primary_key(t) == [f"c{i}"]
        assert [u.columns for u in render.uniques("t", t)] == ([["x"]] if i % 2 == 0 else [])
        assert len(render._DERIVED) <= 3


def test_idents_filter_is_map_ident_join() -> None:
    names = ["id", "order", "UserId", 'we"ird', "a b"]
    assert render.idents(names) == ", ".join(render.ident(n) for n in names) == 'id, "order", "UserId", "we""ird", "a b"'
    env = render._env()
    assert env.from_string("{{ names | idents }}").render(names=names) == \
        env.from_string("{{ names | map('ident') | join(', ') }}").render(names=names)
