"""The plan engine on operations, without a database: what `describe` reads from a statement, how
`order` sorts operations from their edges and the two sides' graphs, online rewriting of index
replacements, and which views `views.minimal` keeps."""

from __future__ import annotations

from types import SimpleNamespace

from pgdecl.engine import views
from pgdecl.engine.describe import describe
from pgdecl.engine.graph import Graph, from_rows
from pgdecl.engine.order import order, toposort
from pgdecl.engine.ops import (
    ACCESS_EXCLUSIVE, COLUMN, CONSTRAINT, FUNCTION, KEY, RELATION, SHARE, SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE, TYPE, ObjectId,
)
from pgdecl.online import MAIN, POST, rewrite


def rel(name: str, schema: str = "public") -> ObjectId:
    return ObjectId(RELATION, schema, name)


def sqls(ops: list) -> list[str]:
    return [op.sql for op in ops]


# -- describe -----------------------------------------------------------------------------------------

def test_create_table_provides_columns_keys_and_needs_what_it_uses() -> None:
    op = describe('create table "app"."orders" (id bigint primary key, customer_id bigint references '
                  'app.customers(id), status app.order_status default app.next_status(), '
                  'CONSTRAINT orders_code_key UNIQUE (code))')
    assert op.action == "create" and op.obj == rel("orders", "app")
    assert {rel("orders", "app"), ObjectId(COLUMN, "app", "orders.id"), ObjectId(KEY, "app", "orders(id)"),
            ObjectId(KEY, "app", "orders()"), ObjectId(KEY, "app", "orders(code)"),
            ObjectId(CONSTRAINT, "app", "orders.orders_code_key")} <= op.provides
    assert {rel("customers", "app"), ObjectId(KEY, "app", "customers(id)"), ObjectId(TYPE, "app", "order_status"),
            ObjectId(FUNCTION, "app", "next_status")} <= op.needs
    assert rel("orders", "app") not in op.needs


def test_lock_levels() -> None:
    assert describe("CREATE INDEX i ON public.t (a)").lock == SHARE
    assert describe("CREATE INDEX CONCURRENTLY i ON public.t (a)").lock == SHARE_UPDATE_EXCLUSIVE
    assert describe("ALTER TABLE public.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES public.u (id)").lock \
        == SHARE_ROW_EXCLUSIVE
    assert describe("ALTER TABLE public.t VALIDATE CONSTRAINT f").lock == SHARE_UPDATE_EXCLUSIVE
    assert describe("ALTER TABLE public.t ALTER COLUMN a TYPE bigint").lock == ACCESS_EXCLUSIVE
    assert describe("DROP TABLE public.t").lock == ACCESS_EXCLUSIVE


def test_drops_renames_and_validations() -> None:
    assert describe("DROP TRIGGER tg ON app.t").removes == {ObjectId("trigger", "app", "t.tg")}
    assert describe('alter table "public"."t" drop column "c"').removes == {ObjectId(COLUMN, "public", "t.c")}
    r = describe("ALTER TABLE public.t RENAME COLUMN a TO b")
    assert r.removes == {ObjectId(COLUMN, "public", "t.a")} and r.provides == {ObjectId(COLUMN, "public", "t.b")}
    v = describe("ALTER TABLE public.t VALIDATE CONSTRAINT c")
    assert ObjectId(CONSTRAINT, "public", "t.c") in v.needs  # after the ADD CONSTRAINT it validates


def test_unparsable_statement_is_other_with_no_edges() -> None:
    op = describe("this is not sql")
    assert op.action == "other" and not (op.needs or op.provides or op.removes)


# -- order -------------------------------------------------------------------------------------------

def test_order_is_stable_when_nothing_forces_a_move() -> None:
    ops = [describe(s) for s in ("CREATE TABLE public.a (id int)", "CREATE TABLE public.b (id int)",
                                 "COMMENT ON TABLE public.a IS 'x'")]
    assert order(ops) == ops


def test_creates_move_after_what_they_need() -> None:
    ops = [describe(s) for s in (
        "CREATE VIEW public.v AS SELECT * FROM public.t",
        "CREATE TABLE public.t (id int DEFAULT public.f())",
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "set check_function_bodies = off",
    )]
    got = sqls(order(ops))
    assert got[0] == "set check_function_bodies = off"
    assert got.index("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'") \
        < got.index("CREATE TABLE public.t (id int DEFAULT public.f())") < got.index(
        "CREATE VIEW public.v AS SELECT * FROM public.t")


def test_foreign_key_after_the_unique_index_it_references() -> None:
    ops = [describe(s) for s in (
        "ALTER TABLE public.cities ADD CONSTRAINT fk FOREIGN KEY (code) REFERENCES public.countries (code)",
        "CREATE UNIQUE INDEX countries_code ON public.countries (code)",
    )]
    assert sqls(order(ops))[0].startswith("CREATE UNIQUE INDEX")


def test_drops_follow_the_live_graph() -> None:
    live = from_rows([
        ("relation", "public", "v", "column", "public", "t.c", "n"),   # view reads t.c
        ("column", "public", "t.c", "type", "public", "e", "n"),       # t.c is of enum e
        ("function", "public", "f", "type", "public", "e", "n"),       # f takes an e
    ])
    ops = [describe(s) for s in (
        "DROP TYPE public.e",
        'alter table "public"."t" drop column "c"',
        "DROP FUNCTION public.f(public.e)",
        "DROP VIEW public.v",
    )]
    got = sqls(order(ops, live=live))
    assert got.index("DROP VIEW public.v") < got.index('alter table "public"."t" drop column "c"') \
        < got.index("DROP TYPE public.e")
    assert got.index("DROP FUNCTION public.f(public.e)") < got.index("DROP TYPE public.e")


def test_drop_of_a_table_counts_for_its_columns() -> None:
    live = from_rows([("column", "public", "t.id", "relation", "public", "t_id_seq", "n")])  # default nextval
    ops = [describe("DROP SEQUENCE public.t_id_seq"), describe("DROP TABLE public.t")]
    assert sqls(order(ops, live=live)) == ["DROP TABLE public.t", "DROP SEQUENCE public.t_id_seq"]


def test_drop_before_create_of_the_same_object_and_extension_members() -> None:
    desired = Graph()
    desired.add(ObjectId(TYPE, "public", "citext"), ObjectId("extension", "", "citext"), member=True)
    ops = [describe(s) for s in ("DROP VIEW public.v", "CREATE TABLE public.u (e public.citext)",
                                 "CREATE VIEW public.v AS SELECT 1", "CREATE EXTENSION citext")]
    got = sqls(order(ops, desired=desired))
    assert got.index("CREATE EXTENSION citext") < got.index("CREATE TABLE public.u (e public.citext)")
    assert got.index("DROP VIEW public.v") < got.index("CREATE VIEW public.v AS SELECT 1")


def test_toposort_breaks_a_cycle_at_its_earliest_member() -> None:
    assert toposort([{1}, {0}, set()]) == [2, 0, 1]  # what is ready goes first; then 0 breaks the cycle
    assert toposort([set(), {0}, {1}]) == [2, 1, 0]


# -- online rewrite ----------------------------------------------------------------------------------

def test_replaced_index_is_swapped_in_never_missing() -> None:
    out = rewrite(["DROP INDEX public.orders_customer",
                   "CREATE INDEX orders_customer ON public.orders USING btree (customer_id, placed_at)"],
                  set(), {}, set())
    assert [r.phase for r in out] == [POST] * 4
    assert [r.sql for r in out] == [
        "DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_pgdecl_new",
        "CREATE INDEX CONCURRENTLY orders_customer_pgdecl_new ON public.orders USING btree (customer_id, placed_at)",
        "DROP INDEX CONCURRENTLY public.orders_customer",
        "ALTER INDEX public.orders_customer_pgdecl_new RENAME TO orders_customer",
    ]
    assert all(not r.hazards for r in out)


def test_index_on_a_new_table_stays_in_the_transaction() -> None:
    out = rewrite(["CREATE TABLE public.t (a int)", "CREATE INDEX t_a ON public.t (a)"], {"public.t"}, {}, set())
    assert [r.phase for r in out] == [MAIN, MAIN]


# -- views -------------------------------------------------------------------------------------------

def _schema(views_: dict[str, str]) -> SimpleNamespace:
    sel = {f'"public"."{n}"': SimpleNamespace(schema="public", name=n, definition=d, relationtype="v",
                                               columns={"id": None})
           for n, d in views_.items()}
    return SimpleNamespace(selectables=sel, indexes={})


def test_view_over_unchanged_column_is_left_alone() -> None:
    statements = ['drop view if exists "public"."names"', 'drop view if exists "public"."notes"',
                  'alter table "public"."t" alter column "note" set data type text',
                  'create or replace view "public"."names" as SELECT id, name FROM t',
                  'create or replace view "public"."notes" as SELECT id, note FROM t']
    live_graph = from_rows([("relation", "public", "names", "column", "public", "t.name", "n"),
                            ("relation", "public", "notes", "column", "public", "t.note", "n")])
    same = _schema({"names": "SELECT id, name FROM t", "notes": "SELECT id, note FROM t"})
    got = views.minimal(statements, same, same, lambda: live_graph)
    assert got == [statements[1], statements[2], statements[4]]


def test_view_with_a_new_definition_or_on_a_recreated_view_is_recreated() -> None:
    statements = ['drop view if exists "public"."top"', 'drop view if exists "public"."base"',
                  'create or replace view "public"."base" as SELECT 2', 'create or replace view "public"."top" as '
                  'SELECT * FROM base']
    live_graph = from_rows([("relation", "public", "top", "relation", "public", "base", "n")])
    live = _schema({"base": "SELECT 1", "top": "SELECT * FROM base"})
    desired = _schema({"base": "SELECT 2", "top": "SELECT * FROM base"})
    assert views.minimal(statements, live, desired, lambda: live_graph) == statements


def test_no_graph_read_when_no_view_is_recreated() -> None:
    def boom() -> Graph:
        raise AssertionError("the live graph was read")

    statements = ['alter table "public"."t" add column "c" int']
    assert views.minimal(statements, _schema({}), _schema({}), boom) == statements


def test_plan_json_keeps_each_steps_operation() -> None:
    from pgdecl.hazards import Hazard
    from pgdecl.plan import Plan, Step

    step = Step("DROP TABLE public.t", (Hazard("data_loss", "drops table public.t"),), MAIN, "diff", "drop",
                "relation public.t", "ACCESS EXCLUSIVE", "schema/app.yaml:3")
    plan = Plan("postgresql://u@h/db", "a", "b", "c", (step,))
    again = Plan.from_json(plan.to_json())
    assert again.steps == (step,)
    old = plan.to_json()
    for k in ("action", "object", "lock", "origin"):  # a plan saved before steps were typed still loads
        del old["steps"][0][k]
    assert Plan.from_json(old).steps[0].sql == "DROP TABLE public.t"


def test_origins_name_the_spec_line_of_each_object() -> None:
    from pgdecl.engine.origins import origin_of, origins
    from pgdecl.errors import Origin
    from pgdecl.model import Column, Project, Table

    t = Table(columns={"email": Column(type="text", origin=Origin("schema/app.yaml", 7, "column email"))},
              origin=Origin("schema/app.yaml", 3, "table users"))
    known = origins(Project(tables={"public.users": t}))
    assert known[rel("users")] == "schema/app.yaml:3"
    assert known[ObjectId(COLUMN, "public", "users.email")] == "schema/app.yaml:7"
    op = describe('alter table "public"."users" alter column "email" set not null')
    assert origin_of([op.obj, *sorted(op.touches)], known) == "schema/app.yaml:3"
    assert origin_of([*sorted(op.touches), op.obj], known) == "schema/app.yaml:7"


def test_an_unexpected_catalog_shape_names_the_object() -> None:
    from pgdecl.plan import _object_in

    class Inspected:
        quoted_full_name = '"public"."measurement_y2006m03"'

        def attach(self) -> str:
            return self.partition_spec  # type: ignore[attr-defined,no-any-return]

    try:
        Inspected().attach()
    except AttributeError as e:
        assert _object_in(e) == 'object "public"."measurement_y2006m03"'
    else:  # pragma: no cover
        raise AssertionError("no error raised")


def test_raw_sql_takes_its_place_among_yaml_objects(tmp_path) -> None:
    from pgdecl.desired import desired_from_specs

    (tmp_path / "t.yaml").write_text(
        "tables:\n  docs:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        "      code: {type: text, default: \"public.next_code()\"}\n")
    (tmp_path / "f.sql").write_text("CREATE FUNCTION public.next_code() RETURNS text LANGUAGE sql AS $$SELECT 'x'$$;\n")
    ddl = desired_from_specs(tmp_path).rendered.sql()
    assert ddl.index("CREATE FUNCTION public.next_code()") < ddl.index("CREATE TABLE public.docs")


def test_online_rewrite_on_operations_keeps_identity_and_sets_phase_and_hazards() -> None:
    from pgdecl.online import rewrite_operations

    ops = [describe(s) for s in (
        "ALTER TABLE public.t ALTER COLUMN c SET NOT NULL",
        "CREATE INDEX t_c ON public.t (c)",
        "ALTER TABLE public.t ALTER COLUMN c TYPE bigint",
    )]
    out = rewrite_operations(ops, set(), {("public.t", "c"): "integer"}, set())
    by_phase = {op.sql: op.phase for op in out}
    assert by_phase["ALTER TABLE public.t ADD CONSTRAINT c_not_null_pgdecl CHECK (c IS NOT NULL) NOT VALID"] == MAIN
    assert by_phase["ALTER TABLE public.t VALIDATE CONSTRAINT c_not_null_pgdecl"] == POST
    index = next(op for op in out if op.sql.startswith("CREATE INDEX CONCURRENTLY"))
    assert index.phase == POST and index.lock == SHARE_UPDATE_EXCLUSIVE and index.obj == rel("t_c")
    retype = next(op for op in out if "TYPE bigint" in op.sql)
    assert retype is not ops[2] and retype.obj == ops[2].obj and retype.phase == MAIN
    assert {h.kind for h in retype.hazards} == {"table_rewrite"}
    assert all(op.phase == MAIN for op in rewrite_operations(ops, set(), {}, set(), online=False))


def test_a_default_set_on_a_live_column_waits_for_its_new_function() -> None:
    ops = [describe(s) for s in (
        'alter table "public"."seller_profiles" alter column "commission_rate" set default public.default_rate()',
        "CREATE OR REPLACE FUNCTION public.default_rate() RETURNS numeric LANGUAGE sql AS 'SELECT 0.05'",
    )]
    assert sqls(order(ops))[0].startswith("CREATE OR REPLACE FUNCTION public.default_rate()")


def test_operators_and_casts_are_dropped_before_the_functions_they_use() -> None:
    """DROP OPERATOR / DROP CAST remove what the live graph says depends on a dropped function."""
    ops = [describe(s) for s in (
        'drop function if exists "util"."mul"(x integer, y integer)',
        'drop function if exists "util"."pair_sum"(p pair)',
        "DROP CAST (pair AS integer)",
        "DROP OPERATOR util.#* (integer, integer)",
    )]
    live = from_rows([("operator", "util", "#*", "function", "util", "mul", "n"),
                      ("cast", "", "pair AS int4", "function", "util", "pair_sum", "n")])
    out = sqls(order(ops, live=live))
    assert out.index("DROP OPERATOR util.#* (integer, integer)") < out.index(ops[0].sql)
    assert out.index("DROP CAST (pair AS integer)") < out.index(ops[1].sql)


def test_a_cast_and_an_operator_wait_for_their_functions_and_types() -> None:
    cast = describe("CREATE CAST (public.pair AS integer) WITH FUNCTION util.pair_sum(public.pair) AS IMPLICIT")
    assert cast.action == "create" and str(cast.obj) == "cast pair AS int4"
    assert {ObjectId("function", "util", "pair_sum"), ObjectId("type", "public", "pair")} <= cast.needs
    operator = describe("CREATE OPERATOR util.#* (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.mul)")
    ops = [operator, cast, describe("CREATE FUNCTION util.mul(x integer, y integer) RETURNS integer "
                                    "LANGUAGE sql AS 'SELECT x * y'"),
           describe("CREATE FUNCTION util.pair_sum(p public.pair) RETURNS integer LANGUAGE sql AS 'SELECT 1'"),
           describe("CREATE TYPE public.pair AS (a integer, b integer)")]
    out = sqls(order(ops))
    assert out.index(ops[2].sql) < out.index(operator.sql)
    assert out.index(ops[3].sql) < out.index(cast.sql) and out.index(ops[4].sql) < out.index(ops[3].sql)


def test_cluster_on_waits_for_its_index_and_takes_a_weak_lock() -> None:
    from pgdecl.engine.kinds import clustering

    cluster = describe("ALTER TABLE public.t CLUSTER ON t_at_idx")
    assert cluster.lock == SHARE_UPDATE_EXCLUSIVE and rel("t_at_idx") in cluster.needs
    index = describe("CREATE INDEX t_at_idx ON public.t (at)")
    assert sqls(order([cluster, index])) == [index.sql, cluster.sql]
    live = {"public.t": {"kind": "TABLE", "index": "t_old"}, "public.gone": {"kind": "TABLE", "index": "g_idx"},
            "public.u": {"kind": "TABLE", "index": "u_idx"}, "public.w": {"kind": "TABLE", "index": "w_idx"}}
    desired = {"public.t": {"kind": "TABLE", "index": "t_at_idx"}, "public.w": {"kind": "TABLE", "index": "w_idx"}}
    planned = ['drop table "public"."gone"', 'drop index if exists "public"."w_idx"',
               "CREATE INDEX w_idx ON public.w (x DESC)"]
    assert clustering.compare(live, desired, planned) == [
        "ALTER TABLE public.t CLUSTER ON t_at_idx",       # another index
        "ALTER TABLE public.u SET WITHOUT CLUSTER",       # no longer clustered (gone: dropped with its table)
        "ALTER TABLE public.w CLUSTER ON w_idx",          # its index made again: clustered again
    ]


def test_default_privileges_change_after_the_objects_created_in_their_schema() -> None:
    """A new object's privileges are planned from the live defaults: an ALTER DEFAULT PRIVILEGES the
    plan makes runs once the plan's creates in that schema (every schema without IN SCHEMA) are done."""
    defaults = describe("ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC")
    everywhere = describe("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
    assert defaults.action == "grant" and str(defaults.obj) == "default_acl app"
    ops = [defaults, everywhere,
           describe("CREATE TABLE app.bookings (id integer)"),
           describe("CREATE TABLE other.t (id integer)"),
           describe("CREATE FUNCTION util.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'")]
    out = sqls(order(ops))
    assert out.index("CREATE TABLE app.bookings (id integer)") < out.index(defaults.sql)
    assert out.index(everywhere.sql) > max(out.index(op.sql) for op in ops[2:])
    assert sqls(order([defaults, describe("CREATE TABLE other.t (id integer)")]))[0] == defaults.sql  # other schema: stays
