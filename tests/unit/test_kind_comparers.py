"""The comparers of kinds migra ignores (pgdecl.engine.kinds), no database: from the live and desired
data a kind reads, the statements that turn one into the other. Each statement must also parse."""

from __future__ import annotations

from typing import Any

import pglast

from pgdecl.engine import kinds
from pgdecl.engine.kinds import aggregates, event_triggers, foreign, publications, rules, storage, text_search


def parsed(statements: list[str]) -> list[str]:
    for sql in statements:
        pglast.parse_sql(sql)  # raises on anything PostgreSQL would not parse
    return statements


def test_every_kind_compares_nothing_to_nothing_and_reads_missing_data_as_empty() -> None:
    names = {m.NAME for m in kinds.modules()}
    assert {"aggregates", "event_triggers", "foreign", "publications", "rules", "storage", "text_search"} <= names
    assert kinds.compare({}, {}, []) == []


# -- aggregates ---------------------------------------------------------------------------------------

AGG = {"name": "public.total", "args": "numeric", "signature": "numeric",
       "clauses": ["SFUNC = numeric_add", "STYPE = numeric"]}


def test_aggregates_are_created_replaced_in_place_or_dropped() -> None:
    assert parsed(aggregates.compare({}, {"k": AGG}, [])) == [
        "CREATE AGGREGATE public.total(numeric) (SFUNC = numeric_add, STYPE = numeric)"]
    changed = {**AGG, "clauses": [*AGG["clauses"], "INITCOND = '0'"]}
    assert parsed(aggregates.compare({"k": AGG}, {"k": changed}, [])) == [
        "CREATE OR REPLACE AGGREGATE public.total(numeric) (SFUNC = numeric_add, STYPE = numeric, INITCOND = '0')"]
    assert aggregates.compare({"k": AGG}, {"k": dict(AGG)}, []) == []
    star = {**AGG, "args": "", "signature": "*"}
    assert parsed(aggregates.compare({"k": star}, {}, [])) == ["DROP AGGREGATE public.total(*)"]


# -- event triggers -----------------------------------------------------------------------------------

ET = {"event": "ddl_command_end", "function": "public.log_ddl", "tags": ["CREATE TABLE"], "enabled": "O"}


def test_event_triggers_are_made_again_when_changed_and_enabled_in_place() -> None:
    assert parsed(event_triggers.compare({}, {"audit": ET}, [])) == [
        "CREATE EVENT TRIGGER audit ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.log_ddl()"]
    disabled = {**ET, "enabled": "D"}
    assert parsed(event_triggers.compare({"audit": ET}, {"audit": disabled}, [])) == [
        "ALTER EVENT TRIGGER audit DISABLE"]
    retagged = {**ET, "tags": [], "enabled": "A"}
    assert parsed(event_triggers.compare({"audit": ET}, {"audit": retagged}, [])) == [
        "DROP EVENT TRIGGER audit",
        "CREATE EVENT TRIGGER audit ON ddl_command_end EXECUTE FUNCTION public.log_ddl()",
        "ALTER EVENT TRIGGER audit ENABLE ALWAYS"]
    assert event_triggers.compare({"audit": ET}, {}, []) == ["DROP EVENT TRIGGER audit"]
    assert event_triggers.compare({"audit": ET}, {"audit": dict(ET)}, []) == []


# -- publications -------------------------------------------------------------------------------------

def pub(tables: list[list[Any]] | None = None, schemas: list[str] | None = None, all_tables: bool = False,
        publish: list[str] | None = None, via_root: bool = False) -> dict[str, Any]:
    return {"all_tables": all_tables, "publish": publish or ["insert", "update", "delete", "truncate"],
            "via_root": via_root, "tables": tables or [], "schemas": schemas or []}


def test_publications_change_in_place_and_are_remade_only_for_all_tables() -> None:
    # row filters as pg_get_expr gives them: an operator parenthesised, a bare column not
    orders = pub([["public.orders", "id, total", "(total > 0)"], ["public.users", None, "active"]], ["audit"])
    assert parsed(publications.compare({}, {"p": orders}, [])) == [
        "CREATE PUBLICATION p FOR TABLE public.orders (id, total) WHERE ((total > 0)), TABLE public.users "
        "WHERE (active), TABLES IN SCHEMA audit "
        "WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = false)"]
    moved = pub([["public.users", None, None]])
    assert parsed(publications.compare({"p": orders}, {"p": moved}, [])) == ["ALTER PUBLICATION p SET TABLE public.users"]
    assert parsed(publications.compare({"p": orders}, {"p": pub()}, [])) == [
        "ALTER PUBLICATION p DROP TABLE public.orders, TABLE public.users, TABLES IN SCHEMA audit"]
    fewer = pub([["public.users", None, None]], publish=["insert"], via_root=True)
    assert parsed(publications.compare({"p": moved}, {"p": fewer}, [])) == [
        "ALTER PUBLICATION p SET (publish = 'insert', publish_via_partition_root = true)"]
    assert parsed(publications.compare({"p": moved}, {"p": pub(all_tables=True)}, [])) == [
        "DROP PUBLICATION p",
        "CREATE PUBLICATION p FOR ALL TABLES WITH (publish = 'insert, update, delete, truncate', "
        "publish_via_partition_root = false)"]
    assert publications.compare({"p": moved}, {}, []) == ["DROP PUBLICATION p"]


# -- rules --------------------------------------------------------------------------------------------

def test_rules_are_replaced_in_place_or_dropped() -> None:
    rule = {"table": "public.t", "name": "no_delete", "sql": "CREATE RULE no_delete AS ON DELETE TO public.t DO INSTEAD NOTHING"}
    assert parsed(rules.compare({}, {"k": rule}, [])) == [rule["sql"]]
    other = {**rule, "sql": "CREATE RULE no_delete AS ON DELETE TO public.t WHERE false DO INSTEAD NOTHING"}
    assert parsed(rules.compare({"k": rule}, {"k": other}, [])) == [
        "CREATE OR REPLACE RULE no_delete AS ON DELETE TO public.t WHERE false DO INSTEAD NOTHING"]
    assert parsed(rules.compare({"k": rule}, {}, [])) == ["DROP RULE no_delete ON public.t"]
    assert rules.compare({"k": rule}, {"k": dict(rule)}, []) == []


# -- statistics targets --------------------------------------------------------------------------------

def test_statistics_targets_are_set_and_reset_and_a_new_table_starts_from_none() -> None:
    want = {"public.t": {"kind": "r", "options": {}, "statistics": {"a": 500}},
            "public.m": {"kind": "m", "options": {}, "statistics": {"b": 100}}}
    have = {"public.t": {"kind": "r", "options": {}, "statistics": {"a": 200, "c": 50}},
            "public.m": {"kind": "m", "options": {}, "statistics": {"b": 100}}}
    assert parsed(storage.compare(have, want, [])) == [
        "ALTER TABLE public.t ALTER COLUMN a SET STATISTICS 500",
        "ALTER TABLE public.t ALTER COLUMN c SET STATISTICS -1"]  # -1: back to the default
    # a table the plan creates again has lost its targets, whatever the live side says
    assert parsed(storage.compare(have, want, ["CREATE MATERIALIZED VIEW public.m AS SELECT 1 AS b"])) == [
        "ALTER MATERIALIZED VIEW public.m ALTER COLUMN b SET STATISTICS 100",
        "ALTER TABLE public.t ALTER COLUMN a SET STATISTICS 500",
        "ALTER TABLE public.t ALTER COLUMN c SET STATISTICS -1"]
    assert storage.compare(have, have, []) == []


# -- text search --------------------------------------------------------------------------------------

def test_text_search_dictionaries_and_configurations() -> None:
    d = {"template": "pg_catalog.simple", "options": "stopwords = 'english', accept = 'false'"}
    cfg = {"parser": "pg_catalog.default", "mappings": {"word": ["public.d"], "asciiword": ["public.d"],
                                                         "int": ["pg_catalog.simple"]}}
    created = parsed(text_search.compare({}, {"dictionaries": {"public.d": d}, "configurations": {"public.c": cfg}}, []))
    assert created == [
        "CREATE TEXT SEARCH DICTIONARY public.d (TEMPLATE = pg_catalog.simple, stopwords = 'english', accept = 'false')",
        "CREATE TEXT SEARCH CONFIGURATION public.c (PARSER = pg_catalog.default)",
        "ALTER TEXT SEARCH CONFIGURATION public.c ADD MAPPING FOR int WITH pg_catalog.simple",
        "ALTER TEXT SEARCH CONFIGURATION public.c ADD MAPPING FOR asciiword, word WITH public.d"]
    live = {"dictionaries": {"public.d": d}, "configurations": {"public.c": cfg}}
    fewer_options = {**d, "options": "stopwords = 'english'"}
    remapped = {**cfg, "mappings": {"word": ["pg_catalog.simple"], "asciiword": ["public.d"]}}
    assert parsed(text_search.compare(live, {"dictionaries": {"public.d": fewer_options},
                                             "configurations": {"public.c": remapped}}, [])) == [
        "ALTER TEXT SEARCH DICTIONARY public.d (stopwords = 'english', accept)",  # a named option without value goes
        "ALTER TEXT SEARCH CONFIGURATION public.c DROP MAPPING FOR int",
        "ALTER TEXT SEARCH CONFIGURATION public.c ALTER MAPPING FOR word WITH pg_catalog.simple"]
    new_parser = {**cfg, "parser": "public.p"}
    new_template = {**d, "template": "pg_catalog.snowball"}
    remade = text_search.compare(live, {"dictionaries": {"public.d": new_template},
                                        "configurations": {"public.c": new_parser}}, [])
    assert remade[:2] == ["DROP TEXT SEARCH DICTIONARY public.d",
                          "CREATE TEXT SEARCH DICTIONARY public.d (TEMPLATE = pg_catalog.snowball, stopwords = 'english', "
                          "accept = 'false')"]
    assert remade[2:4] == ["DROP TEXT SEARCH CONFIGURATION public.c",
                           "CREATE TEXT SEARCH CONFIGURATION public.c (PARSER = public.p)"]
    assert parsed(text_search.compare(live, {}, [])) == ["DROP TEXT SEARCH CONFIGURATION public.c",
                                                         "DROP TEXT SEARCH DICTIONARY public.d"]


# -- foreign data ---------------------------------------------------------------------------------------

SERVER = {"fdw": "postgres_fdw", "type": None, "version": None, "options": {"host": "db1", "dbname": "shop"}}
TABLE = {"server": "remote", "options": {"table_name": "orders"},
         "columns": [["id", "bigint", True, None, {}], ["total", "numeric", False, None, {"column_name": "amount"}]]}


def test_foreign_servers_mappings_and_tables_from_nothing() -> None:
    want = {"servers": {"remote": SERVER}, "mappings": {"app SERVER remote": {"options": {"user": "reader"}}},
            "tables": {"public.orders": TABLE}}
    assert parsed(foreign.compare({}, want, [])) == [
        "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'shop', host 'db1')",
        "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'reader')",
        "CREATE FOREIGN TABLE public.orders (id bigint NOT NULL, total numeric OPTIONS (column_name 'amount')) "
        "SERVER remote OPTIONS (table_name 'orders')"]
    assert foreign.compare(want, want, []) == []


def test_foreign_options_and_columns_change_in_place() -> None:
    live = {"servers": {"remote": SERVER}, "mappings": {"app SERVER remote": {"options": {"user": "reader"}}},
            "tables": {"public.orders": TABLE}}
    server = {**SERVER, "version": "16", "options": {"host": "db2", "port": "5433"}}
    table = {**TABLE, "options": {},
             "columns": [["id", "integer", False, "0", {}], ["placed_at", "timestamptz", False, None, {}]]}
    want = {"servers": {"remote": server}, "mappings": {"app SERVER remote": {"options": {"user": "writer"}}},
            "tables": {"public.orders": table}}
    assert parsed(foreign.compare(live, want, [])) == [
        "ALTER SERVER remote VERSION '16'",
        "ALTER SERVER remote OPTIONS (DROP dbname, SET host 'db2', ADD port '5433')",
        "ALTER USER MAPPING FOR app SERVER remote OPTIONS (SET user 'writer')",
        "ALTER FOREIGN TABLE public.orders DROP COLUMN total, ALTER COLUMN id TYPE integer, "
        "ALTER COLUMN id DROP NOT NULL, ALTER COLUMN id SET DEFAULT 0, ADD COLUMN placed_at timestamptz",
        "ALTER FOREIGN TABLE public.orders OPTIONS (DROP table_name)"]


def test_a_server_that_changes_wrapper_is_made_again_with_what_uses_it() -> None:
    live = {"servers": {"remote": SERVER}, "mappings": {"app SERVER remote": {"options": {}}},
            "tables": {"public.orders": TABLE}}
    want = {"servers": {"remote": {**SERVER, "fdw": "other_fdw"}}, "mappings": {"app SERVER remote": {"options": {}}},
            "tables": {"public.orders": TABLE}}
    out = parsed(foreign.compare(live, want, []))
    assert out == [
        "DROP FOREIGN TABLE public.orders",
        "DROP USER MAPPING FOR app SERVER remote",
        "DROP SERVER remote",
        "CREATE SERVER remote FOREIGN DATA WRAPPER other_fdw OPTIONS (dbname 'shop', host 'db1')",
        "CREATE USER MAPPING FOR app SERVER remote",
        "CREATE FOREIGN TABLE public.orders (id bigint NOT NULL, total numeric OPTIONS (column_name 'amount')) "
        "SERVER remote OPTIONS (table_name 'orders')"]
    gone = parsed(foreign.compare(live, {}, []))
    assert gone == ["DROP FOREIGN TABLE public.orders", "DROP USER MAPPING FOR app SERVER remote", "DROP SERVER remote"]
