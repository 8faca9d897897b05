"""The live snapshot as the plan's renames will leave it (pgdecl.renames): objects renamed in the
schemainspect snapshot, without touching the live database, so migra sees no difference where a rename
is all there is. Works on the snapshots pgdecl.diff makes; imports neither migra nor a database driver."""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Callable


Key = tuple[str, str]


def renamed(live: Any, desired: Any, desired_old: Any, relations: dict[Key, str],
            columns: dict[tuple[str, str, str], str], constraints: dict[tuple[str, str, str], str],
            triggers: dict[tuple[str, str, str], str] | None = None) -> Any:
    """The live snapshot as it will be once the plan's rename steps have run, without touching the
    live database. `relations` maps (schema, old name) of tables, indexes and sequences to their new
    names; `columns`, `constraints` and `triggers` map (schema, old table, old name) to the new name.

    `desired_old` is the desired schema with those renames undone, done by PostgreSQL in the scratch
    database: a live object equal to its counterpart there becomes, once renamed, exactly the desired
    object (PostgreSQL rewrites every definition that refers to a renamed name), so it is taken from
    `desired`. Any other object keeps its definition and only gets its new names: the diff changes it
    anyway. Tables are matched column by column.

    Kept whole (~100 lines): one small renamer per kind of snapshot object, all closing over the same
    rename maps."""
    from schemainspect.misc import quoted_identifier as q

    def rel(schema: str, name: str | None) -> str | None:
        return relations.get((schema, name), name) if name is not None else None

    quoted = {q(old, schema=s): q(new, schema=s) for (s, old), new in relations.items()}

    def requote(names: list[str]) -> list[str]:
        return [quoted.get(n, n) for n in names]

    def selectable(o: Any) -> Any:
        o2 = copy.copy(o)
        o2.dependent_on, o2.dependents = requote(o.dependent_on), requote(o.dependents)
        o2.dependent_on_all, o2.dependents_all = requote(o.dependent_on_all), requote(o.dependents_all)
        if o.relationtype in ("r", "p"):
            o2.name = rel(o.schema, o.name)
            o2.parent_table = quoted.get(o.parent_table, o.parent_table)
            old_cols = getattr(desired_old.selectables.get(o.quoted_full_name), "columns", {})
            new_cols = getattr(desired.selectables.get(o2.quoted_full_name), "columns", {})
            cols = OrderedDict()
            for name, c in o.columns.items():
                new = columns.get((o.schema, o.name, name), name)
                if name in old_cols and c == old_cols[name] and new in new_cols:
                    cols[new] = new_cols[new]
                else:
                    cols[new] = copy.copy(c)
                    cols[new].name = new
            o2.columns = cols
        return o2

    def index(o: Any) -> Any:
        o2 = copy.copy(o)
        o2.name, o2.table_name = rel(o.schema, o.name), rel(o.schema, o.table_name)
        return o2

    def constraint(o: Any) -> Any:
        o2 = copy.copy(o)
        o2.name = constraints.get((o.schema, o.table_name, o.name), o.name)
        o2.table_name = rel(o.schema, o.table_name)
        o2.quoted_full_foreign_table_name = quoted.get(o.quoted_full_foreign_table_name,
                                                       o.quoted_full_foreign_table_name)
        if o.index is not None:
            o2.index = out.indexes.get(q(rel(o.schema, o.index.name), schema=o.schema), o.index)
        return o2

    def sequence(o: Any) -> Any:
        o2 = copy.copy(o)
        o2.name, o2.table_name = rel(o.schema, o.name), rel(o.schema, o.table_name)
        if o.column_name is not None:
            o2.column_name = columns.get((o.schema, o.table_name, o.column_name), o.column_name)
        return o2

    def trigger(o: Any) -> Any:
        o2 = copy.copy(o)
        o2.name = (triggers or {}).get((o.schema, o.table_name, o.name), o.name)
        o2.table_name = rel(o.schema, o.table_name)
        o2.dependent_on = [o2.quoted_full_selectable_name]
        return o2

    def policy(o: Any) -> Any:
        o2 = copy.copy(o)
        o2.table_name = rel(o.schema, o.table_name)
        return o2

    def privilege(o: Any) -> Any:
        o2 = copy.copy(o)
        if o.object_type in ("table", "sequence"):
            o2.name = rel(o.schema, o.name)
        return o2

    out = copy.copy(live)
    kinds: tuple[tuple[str, Callable[[Any], Any], Callable[[Any, Any], Any]], ...] = (  # collection, renamer, key
        ("indexes", index, lambda k, o: o.quoted_full_name),
        ("selectables", selectable, lambda k, o: o.quoted_full_name if o.relationtype in ("r", "p") else k),
        ("constraints", constraint, lambda k, o: o.quoted_full_name),
        ("sequences", sequence, lambda k, o: o.quoted_full_name),
        ("triggers", trigger, lambda k, o: o.signature),
        ("rlspolicies", policy, lambda k, o: o.key),
        ("privileges", privilege, lambda k, o: o.key),
    )
    for attr, rename, key in kinds:
        old_side, new_side = getattr(desired_old, attr), getattr(desired, attr)
        result = OrderedDict()
        for k, o in getattr(live, attr).items():
            o2 = rename(o)
            k2 = key(k, o2)
            same = k in old_side and o == old_side[k] and k2 in new_side
            result[k2] = _live_order(new_side[k2], o2) if same else o2
        setattr(out, attr, result)
    return _regrouped(out)


def _regrouped(out: Any) -> Any:
    """A snapshot's per-kind selectable collections, made again from its `selectables`."""
    groups = {"r": "tables", "p": "tables", "v": "views", "m": "materialized_views", "c": "composite_types",
              "f": "functions"}
    for name in set(groups.values()):
        setattr(out, name, OrderedDict())
    for k, o in out.selectables.items():
        getattr(out, groups.get(o.relationtype, "functions"))[k] = o
    out.relations = OrderedDict((k, o) for k, o in out.selectables.items() if o.relationtype in ("r", "p", "v", "m"))
    return out


def _live_order(desired: Any, live: Any) -> Any:
    """A desired table taken for its live counterpart (equal: the same columns, compared as a dict),
    with the columns in their live order (pgdecl.reorder reads it)."""
    columns = getattr(live, "columns", None)
    if getattr(desired, "relationtype", None) not in ("r", "p") or columns is None \
            or list(columns) == list(desired.columns):
        return desired
    out = copy.copy(desired)
    out.columns = OrderedDict((name, desired.columns[name]) for name in columns)
    return out
