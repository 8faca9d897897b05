"""Where each object of the specs was written: ObjectId -> `file:line`, so an operation names the spec
line it comes from (plan JSON, `pgdecl diff`)."""

from __future__ import annotations

from typing import Any

from ..model import default_index_name, split_name
from .ops import COLUMN, EXTENSION, FUNCTION, POLICY, RELATION, ROLE, SCHEMA, TRIGGER, TYPE, ObjectId


def _where(node: Any) -> str | None:
    o = getattr(node, "origin", None)
    if o is None:
        return None
    return o.file if o.line is None else f"{o.file}:{o.line}"


def origins(project: Any, wanted: set[ObjectId] | None = None) -> dict[ObjectId, str]:
    """Every object of a spec project (`pgdecl.model.Project`) that has an origin; with `wanted`,
    only the tables those objects belong to are looked at (a one-step plan of a 1,000-table
    project reads one table, not all)."""
    out: dict[ObjectId, str] = {}
    tables = None if wanted is None else {(o.schema, o.name.split(".", 1)[0]) for o in wanted}

    def put(oid: ObjectId, node: Any) -> None:
        where = _where(node)
        if where is not None:
            out.setdefault(oid, where)

    if project is None:
        return out
    for name, t in getattr(project, "tables", {}).items():
        schema, bare = split_name(name)
        if tables is not None and (schema, bare) not in tables:
            continue
        put(ObjectId(RELATION, schema, bare), t)
        for col, c in t.columns.items():
            put(ObjectId(COLUMN, schema, f"{bare}.{col}"), c if _where(c) else t)
        for ix in t.indexes:
            put(ObjectId(RELATION, schema, ix.name or default_index_name(name, ix)), ix if _where(ix) else t)
        for pname, p in t.policies.items():
            put(ObjectId(POLICY, schema, f"{bare}.{pname}"), p if _where(p) else t)
        for tname, tg in t.triggers.items():
            put(ObjectId(TRIGGER, schema, f"{bare}.{tname}"), tg if _where(tg) else t)
    for kind, oid_kind in (("views", RELATION), ("sequences", RELATION), ("enums", TYPE), ("domains", TYPE),
                           ("functions", FUNCTION)):
        for name, node in getattr(project, kind, {}).items():
            schema, bare = split_name(name)
            put(ObjectId(oid_kind, schema, bare.split("(", 1)[0]), node)
    for name, node in getattr(project, "schemas", {}).items():
        put(ObjectId(SCHEMA, "", name), node)
    for name, node in getattr(project, "extensions", {}).items():
        put(ObjectId(EXTENSION, "", name), node)
    for name, node in getattr(project, "roles", {}).items():
        put(ObjectId(ROLE, "", name), node)
    return out


def origin_of(op_objects: list[ObjectId | None], known: dict[ObjectId, str]) -> str | None:
    """The origin of the first of an operation's objects the specs have."""
    for oid in op_objects:
        if oid is not None and oid in known:
            return known[oid]
    return None
