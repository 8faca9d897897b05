"""Minimal view changes. migra drops and creates again every view (and materialized view) on a table
whose columns change in a way it cannot `CREATE OR REPLACE` over, whether or not the view reads the
changed column. A view is kept when its definition is the same on both sides and nothing it uses
(column by column, from the live side's `pg_depend`) is dropped, retyped or recreated by the plan.

A materialized view that is recreated loses its indexes with it (migra sees them unchanged on both
sides): they are built again, with their comments, and their DROP INDEX statements go.
"""

from __future__ import annotations

from typing import Any, Callable

from pglast import ast
from pglast.enums import AlterTableType, ObjectType

from .. import sqltree
from ..render import ident, literal
from .describe import describe, relation_id
from .graph import Graph
from .ops import COLUMN, RELATION, ObjectId

_VIEW_DROPS = (ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)


def _view_drop(s: ast.Node | None) -> ObjectId | None:
    if isinstance(s, ast.DropStmt) and s.removeType in _VIEW_DROPS and len(s.objects or ()) == 1:
        names = [n.sval for n in s.objects[0]]
        return ObjectId(RELATION, names[-2] if len(names) > 1 else "public", names[-1])
    return None


def _view_create(s: ast.Node | None) -> ObjectId | None:
    if isinstance(s, ast.ViewStmt):
        return relation_id(s.view)
    if isinstance(s, ast.CreateTableAsStmt) and s.objtype == ObjectType.OBJECT_MATVIEW:
        return relation_id(s.into.rel)
    return None


def _changed_columns(s: ast.Node | None) -> set[ObjectId]:
    """Columns whose type an ALTER TABLE changes or which it drops."""
    out: set[ObjectId] = set()
    if isinstance(s, ast.AlterTableStmt):
        schema = s.relation.schemaname or "public"
        for cmd in s.cmds or ():
            if cmd.subtype in (AlterTableType.AT_AlterColumnType, AlterTableType.AT_DropColumn) and cmd.name:
                out.add(ObjectId(COLUMN, schema, f"{s.relation.relname}.{cmd.name}"))
    return out


def _selectables(schema: Any) -> dict[ObjectId, Any]:
    return {ObjectId(RELATION, o.schema, o.name): o for o in schema.selectables.values()
            if o.relationtype in ("v", "m")}


def minimal(statements: list[str], live_schema: Any, desired_schema: Any, live_graph: Callable[[], Graph],
            desired_comments: dict[str, Any] | None = None) -> list[str]:
    """migra's statements without needless view recreations; recreated materialized views with their
    indexes. `live_graph` is called only when the statements recreate a view."""
    trees = [sqltree.statement(sql) for sql in statements]
    dropped = {v for v in map(_view_drop, trees) if v is not None}
    created = {v for v in map(_view_create, trees) if v is not None}
    recreated = dropped & created
    if not recreated:
        return statements
    graph = live_graph()
    live_views, desired_views = _selectables(live_schema), _selectables(desired_schema)
    changed: set[ObjectId] = set()
    for sql, s in zip(statements, trees):
        changed |= _changed_columns(s)
        changed |= {x for x in describe(sql).removes if x not in recreated}
    must = {v for v in recreated
            if v not in live_views or v not in desired_views
            or live_views[v].definition != desired_views[v].definition
            or live_views[v].relationtype != desired_views[v].relationtype
            or list(live_views[v].columns) != list(desired_views[v].columns)}  # (pgdecl.reorder marks views so)
    gone = changed | must

    def touched(used: ObjectId) -> bool:  # a column counts as changed with its table
        return used in gone or (used.kind == COLUMN and ObjectId(RELATION, used.schema, used.name.split(".")[0]) in gone)

    while True:
        gone = changed | must
        more = {v for v in recreated - must if any(touched(u) for u in graph.uses.get(v, set()))}
        if not more:
            break
        must |= more
    keep = recreated - must
    out = [sql for sql, s in zip(statements, trees) if _view_drop(s) not in keep and _view_create(s) not in keep]
    return _matview_indexes(out, must, live_schema, desired_schema, desired_comments or {})


def _matview_indexes(statements: list[str], recreated: set[ObjectId], live_schema: Any, desired_schema: Any,
                     desired_comments: dict[str, Any]) -> list[str]:
    """Indexes (and their comments) of recreated materialized views built again; their drops go."""
    matviews = {v for v in recreated
                if getattr(desired_schema.selectables.get(f'"{v.schema}"."{v.name}"'), "relationtype", None) == "m"}
    if not matviews:
        return statements

    def on_matview(ix: Any) -> bool:
        return ObjectId(RELATION, ix.schema, ix.table_name) in matviews

    live_ix = {ObjectId(RELATION, ix.schema, ix.name) for ix in live_schema.indexes.values() if on_matview(ix)}
    out = []
    created: set[ObjectId] = set()
    for sql in statements:
        op = describe(sql)
        if op.action == "drop" and op.removes and op.removes <= live_ix:
            continue  # went with its materialized view
        if op.action == "create" and op.obj is not None:
            created.add(op.obj)
        out.append(sql)
    for ix in desired_schema.indexes.values():
        oid = ObjectId(RELATION, ix.schema, ix.name)
        if on_matview(ix) and oid not in created:
            out.append(ix.definition)
            target = f'INDEX {ident(ix.schema)}.{ident(ix.name)}'
            comment = desired_comments.get(target)
            if comment and comment[0] is not None:
                out.append(f"COMMENT ON {target} IS {literal(comment[0])}")
    return out
