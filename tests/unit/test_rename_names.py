"""renamed_from without a database: rename statements, derived names, and catalog snapshot keys."""

from __future__ import annotations

from pgdecl.model import Table
from pgdecl.renames import Rename, _derived, _Maps, _Renamer, rename_types


def test_rename_statements_and_their_undo() -> None:
    t = Rename("table", "public", "users", "order")
    assert t.sql == 'ALTER TABLE public.users RENAME TO "order"'
    assert t.undo_sql == 'ALTER TABLE public."order" RENAME TO users'
    c = Rename("column", "s", "name", "full_name", "customers", "users")
    assert c.sql == "ALTER TABLE s.customers RENAME COLUMN name TO full_name"
    assert c.undo_sql == "ALTER TABLE s.customers RENAME COLUMN full_name TO name"
    assert Rename("index", "public", "users_x_idx", "customers_x_idx").sql == \
        "ALTER INDEX public.users_x_idx RENAME TO customers_x_idx"
    assert Rename("trigger", "public", "users_t", "customers_t", "customers").sql == \
        "ALTER TRIGGER users_t ON public.customers RENAME TO customers_t"


def test_derived_names_follow_table_and_column_names() -> None:
    table = Table.model_validate({
        "columns": {"id": {"type": "bigint", "identity": "always", "primary_key": True},
                    "full_name": {"type": "text", "unique": True, "check": "length(full_name) > 0"},
                    "org_id": {"type": "bigint", "references": "orgs"}},
        "indexes": [{"columns": ["lower(full_name)"]}, {"columns": ["org_id"], "name": "by_org"}],
    })
    pairs = set(_derived("public.customers", table, "users", {"full_name": "name"}))
    assert pairs == {
        ("users_pkey", "customers_pkey"), ("users_name_key", "customers_full_name_key"),
        ("users_org_id_fkey", "customers_org_id_fkey"), ("users_lower_name_idx", "customers_lower_full_name_idx"),
        ("users_name_check", "customers_full_name_check"), ("users_id_seq", "customers_id_seq"),
    }  # the explicitly named index keeps its name


def test_snapshot_keys_and_values_are_renamed() -> None:
    maps = _Maps({("public", "users"): "customers", ("public", "users_pkey"): "customers_pkey"},
                 {("public", "users", "name"): "full_name"},
                 {("public", "users", "users_pkey"): "customers_pkey"},
                 {("public", "users", "users_upd"): "customers_upd"})
    r = _Renamer(maps)
    assert r("TABLE public.users") == "TABLE public.customers"
    assert r("COLUMN public.users.name") == "COLUMN public.customers.full_name"
    assert r("CONSTRAINT users_pkey ON public.users") == "CONSTRAINT customers_pkey ON public.customers"
    assert r("TRIGGER users_upd ON public.users") == "TRIGGER customers_upd ON public.customers"
    assert r("INDEX public.users_pkey") == "INDEX public.customers_pkey"
    assert r("public.users") == "public.customers"
    assert r(("TABLE public.users", "name")) == ("TABLE public.customers", "full_name")
    # names that merely contain a renamed name, other schemas and functions stay
    assert r("TABLE public.users_archive") == "TABLE public.users_archive"
    assert r("TABLE other.users") == "TABLE other.users"
    assert r({"name": "public.users", "acl": frozenset({("alice", "SELECT", False)})}) == \
        {"name": "public.customers", "acl": frozenset({("alice", "SELECT", False)})}
    assert rename_types({("public.users", "name"): "text", ("public.orders", "name"): "text"}, maps) == \
        {("public.customers", "full_name"): "text", ("public.orders", "name"): "text"}
