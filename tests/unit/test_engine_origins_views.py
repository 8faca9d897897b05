"""Spec origins of plan objects and the rebuilding of a recreated materialized view's indexes, no
database (the schemas stand in for schemainspect's objects with the attributes views.py reads)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

from pgdecl.engine import views
from pgdecl.engine.graph import from_rows
from pgdecl.engine.ops import COLUMN, POLICY, RELATION, ROLE, SCHEMA, TRIGGER, ObjectId
from pgdecl.engine.origins import origin_of, origins
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


def test_every_origin_of_the_marketplace_points_at_its_objects_line() -> None:
    project = load_project(ROOT / "schema").project
    known = origins(project)
    kinds = {oid.kind for oid in known}
    assert {RELATION, COLUMN, POLICY, TRIGGER, ROLE, SCHEMA, "function", "type"} <= kinds
    lines = {}
    for oid, where in known.items():
        file, line = where.rsplit(":", 1)
        text = lines.setdefault(file, Path(file if Path(file).is_absolute() else ROOT / file).read_text().splitlines())
        written = text[int(line) - 1]
        # the object's own line, or the `traits:` line of the table a trait gave it to
        assert oid.name.split(".")[-1] in written or "traits:" in written, (oid, where, written)


def test_origins_of_wanted_tables_only() -> None:
    project = load_project(ROOT / "schema").project
    every = origins(project)
    some = origins(project, {ObjectId(COLUMN, "public", "users.email")})
    assert some and {oid.name.split(".")[0] for oid in some if oid.kind in (COLUMN, POLICY, TRIGGER)} == {"users"}
    assert all(every[oid] == where for oid, where in some.items())
    assert origins(None) == {}


def test_origin_of_takes_the_first_object_the_specs_know() -> None:
    known = {ObjectId(RELATION, "public", "t"): "a.yaml:1", ObjectId(COLUMN, "public", "t.c"): "a.yaml:4"}
    assert origin_of([None, ObjectId(COLUMN, "public", "t.c"), ObjectId(RELATION, "public", "t")], known) == "a.yaml:4"
    assert origin_of([ObjectId(RELATION, "public", "gone")], known) is None


def _schema(definition: str, with_index: bool) -> NS:
    selectables = {'"public"."m"': NS(schema="public", name="m", definition=definition, relationtype="m",
                                      columns={"total": None})}
    indexes = {'"public"."m_total"': NS(schema="public", name="m_total", table_name="m",
                                        definition="CREATE INDEX m_total ON public.m USING btree (total)")}
    return NS(selectables=selectables, indexes=indexes if with_index else {})


def test_a_recreated_materialized_view_gets_its_indexes_and_their_comments_back() -> None:
    statements = ['drop index if exists "public"."m_total"',
                  'drop materialized view if exists "public"."m"',
                  'alter table "public"."t" alter column "total" set data type numeric',
                  'create materialized view "public"."m" as SELECT total FROM t']
    graph = from_rows([("relation", "public", "m", "column", "public", "t.total", "n")])
    out = views.minimal(statements, _schema("SELECT total FROM t", True), _schema("SELECT total FROM t", True),
                        lambda: graph, {"INDEX public.m_total": ("sums by total", "public.m_total")})
    assert out == statements[1:] + ["CREATE INDEX m_total ON public.m USING btree (total)",
                                    "COMMENT ON INDEX public.m_total IS 'sums by total'"]


def test_a_materialized_view_over_untouched_columns_is_kept_with_its_index() -> None:
    statements = ['drop materialized view if exists "public"."m"',
                  'alter table "public"."t" alter column "other" set data type numeric',
                  'create materialized view "public"."m" as SELECT total FROM t']
    graph = from_rows([("relation", "public", "m", "column", "public", "t.total", "n")])
    same = _schema("SELECT total FROM t", True)
    assert views.minimal(statements, same, same, lambda: graph) == [statements[1]]
