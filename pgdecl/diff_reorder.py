"""The live snapshot as pgdecl.reorder needs migra to see it: the tables as plain data
(`table_columns`), and moved columns with what depends on them shown absent or changed (`reordered`).
Works on the snapshots pgdecl.diff makes; imports neither migra nor a database driver."""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import pglast
from pglast.parser import ParseError
from pglast.visitors import Visitor

from . import sqltree
from .diff_renames import _regrouped


def table_columns(schema: Any) -> dict[str, dict[str, Any]]:
    """Every table of an inspected schema as plain data, by `schema.table`: its quoted name, its
    columns in attnum order with their definitions, whether it takes part in inheritance or
    partitioning, the sequences its columns own (serial) and its triggers' enabled states."""
    parents = {t.parent_table for t in schema.tables.values() if t.parent_table}
    owned: dict[tuple[str, str], dict[str, str]] = {}
    for seq in schema.sequences.values():
        if seq.table_name and seq.column_name:
            owned.setdefault((seq.schema, seq.table_name), {})[seq.column_name] = seq.quoted_full_name
    triggers: dict[tuple[str, str], dict[str, str]] = {}
    for tg in schema.triggers.values():
        triggers.setdefault((tg.schema, tg.table_name), {})[tg.name] = tg.enabled
    out: dict[str, dict[str, Any]] = {}
    for t in schema.tables.values():
        columns = {}
        for name, c in t.columns.items():
            columns[name] = {
                "type": c.dbtypestr, "collation": c.collation, "not_null": bool(c.not_null),
                "default": None if c.is_generated else c.default,
                "generated": c.default if c.is_generated else None,
                "identity": ("always" if c.is_identity_always else "by default") if c.is_identity else None,
            }
        out[f"{t.schema}.{t.name}"] = {
            "quoted": t.quoted_full_name, "columns": columns,
            "inheritance": bool(t.parent_table) or t.quoted_full_name in parents or bool(t.is_partitioned),
            "owned": owned.get((t.schema, t.name), {}),
            "triggers": triggers.get((t.schema, t.name), {}),
        }
    return out


class _Names(Visitor):  # type: ignore[misc]
    """Column names a parse tree mentions (last part of each column reference, index elements,
    key lists) and the relations it reads."""

    def __init__(self) -> None:
        self.columns: set[str] = set()
        self.relations: set[str] = set()

    def visit_ColumnRef(self, ancestors: Any, node: Any) -> None:
        last = node.fields[-1] if node.fields else None
        if isinstance(last, pglast.ast.String):
            self.columns.add(last.sval)

    def visit_IndexElem(self, ancestors: Any, node: Any) -> None:
        if node.name:
            self.columns.add(node.name)

    def visit_RangeVar(self, ancestors: Any, node: Any) -> None:
        self.relations.add(f"{node.schemaname or 'public'}.{node.relname}")

    def visit_CreateTrigStmt(self, ancestors: Any, node: Any) -> None:
        self.columns |= {s.sval for s in node.columns or () if isinstance(s, pglast.ast.String)}


def _names(sql: str | None, wrap: str = "{}") -> _Names:
    v = _Names()
    if sql:
        try:
            v(pglast.parse_sql(wrap.format(sql)))
        except ParseError:
            v.columns.add("*")  # unknown: assume it uses every column
    return v


def _constraint_columns(definition: str | None) -> tuple[set[str], set[str]]:
    """The columns a constraint definition uses on its table, and those it references (FK)."""
    try:
        stmt: Any = sqltree.one(f"ALTER TABLE t ADD {definition}")
        c = stmt.cmds[0].def_  # None (not one statement) raises AttributeError too
    except (ParseError, IndexError, AttributeError):
        return {"*"}, {"*"}
    local = _names(None)
    local(c)  # expressions, exclusion elements
    for attr in ("keys", "fk_attrs", "including"):
        local.columns |= {s.sval for s in getattr(c, attr, None) or () if isinstance(s, pglast.ast.String)}
    referenced = {s.sval for s in c.pk_attrs or () if isinstance(s, pglast.ast.String)}
    return local.columns, referenced


def reordered(live: Any, moved: dict[str, set[str]], desired: Any) -> tuple[Any, set[str]]:
    """The live snapshot as pgdecl.reorder needs migra to see it, and the comment targets (as
    pgdecl.catalog_diff names them) of the objects it shows absent or changed. `moved` maps
    `schema.table` to the columns rebuilt at the end of the table.

    A moved column takes its desired definition but keeps its live type and collation (migra
    changes those first; the rebuild then copies like for like). What PostgreSQL drops with the
    old column (indexes, constraints of the table using it) looks absent, so migra creates it; what
    stops a DROP COLUMN (foreign keys into it, from any table, views on the table, policies and
    triggers using it) looks changed, so migra drops it before and creates it after.

    Kept whole (~85 lines): one pass per kind of snapshot object, each the same question (does it use a
    moved column?) with its own answer."""
    from schemainspect.inspected import ColumnInfo
    from schemainspect.misc import quoted_identifier as q

    from .render import ident

    quoted = {q(name.split(".", 1)[1], schema=name.split(".", 1)[0]): cols for name, cols in moved.items()}
    comments: set[str] = set()
    out = copy.copy(live)

    def moved_of(schema: str, table: str) -> set[str]:
        return moved.get(f"{schema}.{table}", set())

    selectables = OrderedDict()
    for k, o in live.selectables.items():
        if o.relationtype in ("r", "p") and k in quoted:
            want = desired.selectables.get(k)
            o2 = copy.copy(o)
            o2.columns = OrderedDict()
            for name, c in o.columns.items():
                if name in quoted[k] and want is not None and name in want.columns:
                    c2 = copy.copy(want.columns[name])
                    for attr in ("dbtype", "dbtypestr", "pytype", "collation", "is_enum", "enum"):
                        setattr(c2, attr, getattr(c, attr))
                    o2.columns[name] = c2
                else:
                    o2.columns[name] = c
            o = o2
        elif o.relationtype in ("v", "m") and set(o.dependent_on) & set(quoted):
            o = copy.copy(o)  # columns no desired view can replace: dropped and created again
            o.columns = OrderedDict([("\0pgdecl_reorder", ColumnInfo("\0pgdecl_reorder", "-", None))])
        selectables[k] = o
    out.selectables = selectables

    out.indexes = OrderedDict()
    for k, ix in live.indexes.items():
        if _names(ix.definition).columns & (moved_of(ix.schema, ix.table_name) | {"*"}):
            comments.add(f"INDEX {ident(ix.schema)}.{ident(ix.name)}")
            continue
        out.indexes[k] = ix

    out.constraints = OrderedDict()
    for k, con in live.constraints.items():
        local, referenced = _constraint_columns(con.definition)
        target = f"CONSTRAINT {ident(con.name)} ON {ident(con.schema)}.{ident(con.table_name)}"
        if con.is_fk and referenced & (quoted.get(con.quoted_full_foreign_table_name, set()) | {"*"}):
            con = copy.copy(con)
            con.definition = None  # differs from any definition: dropped (first) and added again
            comments.add(target)
        elif local & (moved_of(con.schema, con.table_name) | {"*"}):
            comments.add(target)
            continue
        out.constraints[k] = con

    out.triggers = OrderedDict()
    for k, tg in live.triggers.items():
        cols = moved_of(tg.schema, tg.table_name)
        if cols and _names(tg.full_definition).columns & (cols | {"*"}):
            tg = copy.copy(tg)
            tg.full_definition = f"{tg.full_definition} -- pgdecl reorder"
            comments.add(f"TRIGGER {ident(tg.name)} ON {ident(tg.schema)}.{ident(tg.table_name)}")
        out.triggers[k] = tg

    out.rlspolicies = OrderedDict()
    for k, p in live.rlspolicies.items():
        used = _names(p.qual, "SELECT WHERE {}")
        checked = _names(p.withcheck, "SELECT WHERE {}")
        tables = {f"{p.schema}.{p.table_name}"} | used.relations | checked.relations
        if any((used.columns | checked.columns) & (moved.get(t, set()) | ({"*"} if t in moved else set()))
               for t in tables):
            p = copy.copy(p)
            p.roles = list(p.roles) + ["\0pgdecl_reorder"]  # differs: dropped and created again
            comments.add(f"POLICY {ident(p.name)} ON {ident(p.schema)}.{ident(p.table_name)}")
        out.rlspolicies[k] = p
    return _regrouped(out), comments
