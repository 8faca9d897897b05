"""pgdecl.reorder without a database: the column order a plan leaves, which columns move, the rebuild's
statements and where they go, and the hazards pgdecl.hazards gives them."""

from __future__ import annotations

from typing import Any

import pglast

from pgdecl.hazards import LONG_LOCK, TABLE_REWRITE, classify
from pgdecl.engine.describe import describe
from pgdecl.reorder import Move, _free, _position, moves, note, predicted, rebuild, simulate


def column(type_: str = "integer", **kw: Any) -> dict[str, Any]:
    return {"type": type_, "collation": None, "not_null": False, "default": None, "generated": None,
            "identity": None, **kw}


def table(columns: dict[str, dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {"quoted": "", "columns": columns, "inheritance": False, "owned": {}, "triggers": {}, **kw}


def plain(*names: str) -> dict[str, Any]:
    return table({n: column() for n in names})


def test_simulate_follows_adds_drops_and_renames() -> None:
    statements = [
        'alter table "public"."t" add column "z" integer',
        'alter table "public"."t" drop column "a"',
        "ALTER TABLE public.t RENAME COLUMN b TO bb",
        "ALTER TABLE public.u RENAME TO v",
        'alter table "public"."v" add column "y" text',
        'drop table "public"."gone"',
    ]
    order, added = simulate(statements, {"public.t": ["a", "b"], "public.u": ["x"], "public.gone": ["g"]})
    assert order == {"public.t": ["bb", "z"], "public.v": ["x", "y"]}
    assert added == {"public.t": {"z"}, "public.v": {"y"}}


def test_longest_prefix_stays_and_the_rest_moves() -> None:
    # live (id, value); specs (id, name, value): name is added, value must follow it
    statements = ['alter table "public"."t" add column "name" text']
    [m] = moves(statements, {"public.t": plain("id", "value")}, {"public.t": plain("id", "name", "value")})
    assert (m.after, m.prefix, m.moved, m.added, m.blocked) == (
        ("id", "value", "name"), ("id",), ("value",), ("name",), "")
    assert not m.free


def test_prefix_stops_where_the_live_order_goes_back() -> None:
    live = {"public.t": plain("c", "d", "e", "f")}
    [m] = moves([], live, {"public.t": plain("c", "e", "d", "f")})
    assert m.prefix == ("c", "e") and m.moved == ("d", "f") and m.added == ()


def test_added_columns_only_are_free_and_put_in_order() -> None:
    statements = ['alter table "public"."t" add column "a" text', 'alter table "public"."t" add column "z" text',
                  "select 1"]
    [m] = moves(statements, {"public.t": plain("id")}, {"public.t": plain("id", "z", "a")})
    assert m.free and m.moved == () and m.added == ("z", "a")
    ops = [describe(sql) for sql in statements]
    assert _free(ops, m) == [ops[1], ops[0], ops[2]]


def test_a_table_in_order_or_being_dropped_has_no_move() -> None:
    live = {"public.t": plain("a", "b"), "public.u": plain("x")}
    desired = {"public.t": plain("a", "b"), "public.u": plain("x", "y")}
    assert moves(['alter table "public"."u" add column "y" integer'], live, desired) == []
    assert moves(['drop table "public"."t"'], {"public.t": plain("b", "a")}, {"public.t": plain("a", "b")}) == []


def test_blocked_by_inheritance_or_a_generated_column_before_its_source() -> None:
    inherited = table({"a": column(), "b": column()}, inheritance=True)
    [m] = moves([], {"public.t": plain("b", "a")}, {"public.t": inherited})
    assert "inheritance" in m.blocked and "cannot reorder" in note(m)
    desired = table({"a": column(), "g": column(generated="(b * 2)"), "b": column()})
    [m] = moves([], {"public.t": plain("a", "b", "g")}, {"public.t": desired})
    assert "generated column g would come before b" in m.blocked


def test_note_names_the_table_both_orders_and_the_flag() -> None:
    m = Move("public.t", ("id", "value", "name"), ("id", "name", "value"), ("id",), ("value",), ("name",))
    text = note(m)
    assert text.startswith("public.t: ") and "(id, value, name)" in text and "(id, name, value)" in text
    assert "--reorder-columns rebuilds value" in text


def test_rebuild_sets_aside_copies_and_restores_everything() -> None:
    m = Move("public.t", ("id", "email", "status", "n"), ("email", "id", "plan", "status", "g"), ("email",),
             ("id", "status", "g"), ("plan",))
    live = table({"id": column("bigint", identity="by default", not_null=True), "email": column("text"),
                  "status": column("text"), "g": column()}, owned={"status": '"public"."s_seq"'},
                 triggers={"audit": "O"})
    desired = table({"email": column("text"), "id": column("bigint", identity="always", not_null=True),
                     "plan": column("text"), "status": column("text", collation='"C"', not_null=True,
                                                               default="nextval('s_seq'::regclass)"),
                     "g": column(generated="length(email)")}, owned={"status": '"public"."s_seq"'})
    desired_extra = {"identities": {"public.t": {"id": ["public", "t_id_seq"]}},
                     "sequences": {"public.t_id_seq": ("bigint", 1, 1, 1, 99, 1, False)}}
    live_extra = {"identities": {"public.t": {"id": ["public", "t_id_seq"]}}, "force_rls": {"public.t": True}}
    out = rebuild(m, live, desired, {"plan": "plan text NOT NULL DEFAULT 'free'"}, desired_extra, live_extra,
                  {"audit": "O"})
    assert out == [
        "ALTER TABLE public.t RENAME COLUMN id TO id__pgdecl_reorder",
        "ALTER TABLE public.t RENAME COLUMN status TO status__pgdecl_reorder",
        "ALTER TABLE public.t RENAME COLUMN g TO g__pgdecl_reorder",
        "ALTER TABLE public.t DISABLE TRIGGER audit, NO FORCE ROW LEVEL SECURITY, ADD COLUMN id bigint, "
        "ADD COLUMN plan text NOT NULL DEFAULT 'free', ADD COLUMN status text COLLATE \"C\", "
        "ADD COLUMN g integer GENERATED ALWAYS AS (length(email)) STORED",
        "UPDATE public.t SET id = id__pgdecl_reorder, status = status__pgdecl_reorder",
        "ALTER TABLE public.t ALTER COLUMN id SET NOT NULL, ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY "
        "(SEQUENCE NAME public.t_id_seq__pgdecl_reorder START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 99 "
        "CACHE 1 NO CYCLE), ALTER COLUMN status SET DEFAULT nextval('s_seq'::regclass), "
        "ALTER COLUMN status SET NOT NULL",
        "SELECT setval('public.t_id_seq__pgdecl_reorder', v) FROM pg_sequence_last_value("
        "pg_get_serial_sequence('public.t', 'id__pgdecl_reorder')::regclass) AS v WHERE v IS NOT NULL",
        'ALTER SEQUENCE "public"."s_seq" OWNED BY public.t.status',
        "ALTER TABLE public.t DROP COLUMN id__pgdecl_reorder, DROP COLUMN status__pgdecl_reorder, "
        "DROP COLUMN g__pgdecl_reorder, ENABLE TRIGGER audit, FORCE ROW LEVEL SECURITY",
        "ALTER SEQUENCE public.t_id_seq__pgdecl_reorder RENAME TO t_id_seq",
    ]
    for sql in out:
        pglast.parse_sql(sql)  # every statement is valid SQL
    kinds = [{h.kind for h in classify(sql)} for sql in out]
    assert kinds[0] == kinds[4] == {TABLE_REWRITE, LONG_LOCK}
    assert "public.t.id" in classify(out[0])[0].message and "id, status" in classify(out[4])[0].message
    assert "security" in kinds[3]  # FORCE ROW LEVEL SECURITY lifted for the copy (set again after it)
    assert kinds[8] == kinds[9] == set()  # dropping the copied columns loses nothing


def test_hazards_of_statements_that_only_look_alike_are_unchanged() -> None:
    assert {h.kind for h in classify("ALTER TABLE t DROP COLUMN b")} == {"data_loss"}
    assert {h.kind for h in classify("UPDATE t SET b = c__pgdecl_reorder, d = 1")} == {"data_loss"}
    assert {h.kind for h in classify("ALTER TABLE t RENAME COLUMN b TO c")} == {"drop"}


def test_the_rebuild_goes_after_drops_and_column_changes_before_creations() -> None:
    statements = [
        'drop trigger if exists "tg" on "public"."v"',
        'alter table "public"."o" drop constraint "o_fk"',
        'drop view if exists "public"."v"',
        'alter table "public"."t" alter column "a" set data type bigint using "a"::bigint',
        'alter table "public"."u" add column "x" integer',
        "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)",
        'alter table "public"."o" add constraint "o_fk" FOREIGN KEY (t_id) REFERENCES t(id) not valid',
        'create or replace view "public"."v" as SELECT 1',
        'drop schema if exists "old"',
    ]
    ops = [describe(sql) for sql in statements]
    assert _position(ops, "public.t") == 4
    assert _position(ops[5:], "public.t") == 0


def test_the_moves_are_known_before_the_diff() -> None:
    """`predicted` (from the two sides alone) gives the moves `moves` finds in migra's statements,
    so a plan that rebuilds columns diffs once."""
    live = {"public.t": plain("id", "email", "gone", "status"), "public.u": plain("b", "a"),
            "public.ok": plain("a", "b"), "public.dropped": plain("x")}
    desired = {"public.t": plain("email", "id", "status", "nick", "code"), "public.u": plain("a", "b", "c"),
               "public.ok": plain("a", "b", "c"), "public.new": plain("q")}
    statements = ['alter table "public"."t" drop column "gone"', 'alter table "public"."t" add column "code" text',
                  'alter table "public"."t" add column "nick" text', 'alter table "public"."u" add column "c" text',
                  'alter table "public"."ok" add column "c" text', 'drop table "public"."dropped"']
    found = predicted(live, desired, {})
    assert [(m.table, m.prefix, m.moved, m.added) for m in found] == [
        ("public.t", ("email",), ("id", "status"), ("nick", "code")), ("public.u", ("a",), ("b",), ("c",))]
    assert [(m.table, m.prefix, m.moved, m.added) for m in found if not m.free] == \
        [(m.table, m.prefix, m.moved, m.added) for m in moves(statements, live, desired) if not m.free]


def test_a_readded_generated_column_is_rebuilt_not_added() -> None:
    """Before PostgreSQL 17 a generated column whose expression changes is dropped and added again
    in one ALTER TABLE (not an ADD COLUMN of its own): it moves with the rebuild."""
    live = {"public.t": plain("id", "g", "b")}
    desired = {"public.t": plain("b", "id", "g")}
    [m] = predicted(live, desired, {"public.t": {"g": False}})
    statements = ['ALTER TABLE public.t DROP COLUMN g, ADD COLUMN g integer GENERATED ALWAYS AS (1) STORED']
    [real] = moves(statements, live, desired)
    assert (m.prefix, m.moved, m.added) == (real.prefix, real.moved, real.added) == (("b",), ("id", "g"), ())


def test_a_column_made_generated_is_added_again_by_its_own_statement() -> None:
    """migra cannot make a column generated: it drops it and adds it (an ADD COLUMN of its own)."""
    live = {"public.t": table({"id": column(), "g": column(), "b": column()})}
    desired = {"public.t": table({"b": column(), "id": column(), "g": column(generated="1")})}
    [m] = predicted(live, desired, {})
    statements = ['alter table "public"."t" drop column "g"',
                  'alter table "public"."t" add column "g" integer generated always as (1) stored']
    [real] = moves(statements, live, desired)
    assert (m.prefix, m.moved, m.added) == (real.prefix, real.moved, real.added) == (("b",), ("id",), ("g",))
