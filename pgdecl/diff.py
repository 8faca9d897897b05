"""Diff: the one module that imports migra. Inspects two databases and lists the statements
that turn the live one into the desired one."""

from __future__ import annotations

import copy
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Iterator

import functools

import pglast
from pglast.parser import ParseError
from pglast.stream import RawStream
from pglast.visitors import Visitor

from . import citus
from .db import Database, connect



def _resource_stream(package: str, subpath: str) -> Any:
    """pkg_resources.resource_stream: a file next to the module named `package`."""
    import sys
    from pathlib import Path

    file = sys.modules[package].__file__
    assert file is not None, package  # a package of files, not a namespace
    return (Path(file).parent / subpath).open("rb")


def _fast_schemainspect_import() -> None:
    """schemainspect finds the module that asks for one of its SQL files by walking `inspect.stack()`,
    17 times at import: a quarter of a second of every command. Load its `misc` module first, under a
    placeholder package, and give it a frame walk that finds the same module name."""
    import importlib.util
    import sys
    import types

    if "schemainspect" in sys.modules:
        return
    found = importlib.util.find_spec("schemainspect")
    if found is None or not found.submodule_search_locations:
        return
    placeholder = types.ModuleType("schemainspect")
    placeholder.__path__ = list(found.submodule_search_locations)
    # misc reads its SQL files with pkg_resources (setuptools), a slow import of its own: the standard
    # library reads the same package files
    resources = types.ModuleType("pkg_resources")
    resources.resource_stream = _resource_stream  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in ("schemainspect", "pkg_resources")}
    sys.modules.update(schemainspect=placeholder, pkg_resources=resources)
    try:
        import schemainspect.misc as misc
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module

    def external_caller() -> str:
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_globals.get("__name__") == misc.__name__:
            frame = frame.f_back
        name: str = frame.f_globals["__name__"] if frame is not None else misc.__name__
        return name

    misc.external_caller = external_caller
    import schemainspect  # the real package, which finds `misc` loaded; migra reaches it as an attribute

    schemainspect.misc = misc


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _fast_schemainspect_import()
    import sqlalchemy
    from migra import Migration
    from schemainspect.pg import obj as _si

HISTORY_SCHEMA = "pgdecl"  # pgdecl's own bookkeeping, never part of a user's schema


@functools.lru_cache(maxsize=65536)
def canonical(sql: str | None, wrap: str = "{}") -> str | None:
    """SQL text as pglast deparses its parse tree, so texts that PostgreSQL stores the same way compare
    equal. A CHECK `(a BETWEEN 0 AND 9) AND b > 0` is kept by PostgreSQL as a nested AND and deparsed
    `((a >= 0) AND (a <= 9)) AND (b > 0)`, which parses (and is stored) flat: comparing the deparsed
    texts would drop and re-add that constraint on every plan."""
    if sql is None:
        return None
    try:
        out: str = RawStream()(pglast.parse_sql(wrap.format(sql)))
        return out
    except ParseError:
        return sql


def _valid(definition: str | None) -> str | None:
    """A constraint definition without NOT VALID: a live constraint left NOT VALID (an apply stopped
    before its post phase) is the desired one once validated; the plan validates it, never re-adds it."""
    if definition and definition.endswith(" NOT VALID"):
        return definition[: -len(" NOT VALID")]
    return definition


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _patch_schemainspect() -> None:
    """Fixes to schemainspect's objects, kept here because this is the one module that may touch migra:
    enum labels are escaped (a label with `'` gave invalid SQL), and constraints, partial index
    predicates and policy expressions compare by their parse trees instead of their texts."""

    def quoted_elements(self: Any) -> str:
        return ", ".join(_literal(e) for e in self.elements)

    def enum_change_statements(self: Any, new: Any) -> list[str]:
        if not self.can_be_changed_to(new):
            raise ValueError
        out, previous = [], None
        for label in new.elements:
            if label not in self.elements:
                where = f"after {_literal(previous)}" if previous else f"before {_literal(self.elements[0])}"
                out.append(f"alter type {self.quoted_full_name} add value {_literal(label)} {where};")
            previous = label
        return out

    _si.InspectedEnum.quoted_elements = property(quoted_elements)
    _si.InspectedEnum.change_statements = enum_change_statements

    def constraint_eq(self: Any, other: Any) -> bool:
        return (self.name, self.schema, self.table_name, self.index, self.is_deferrable,
                self.initially_deferred) == (other.name, other.schema, other.table_name, other.index,
                                             other.is_deferrable, other.initially_deferred) \
            and ((mine := _valid(self.definition)) == (theirs := _valid(other.definition))
                 or canonical(mine, "ALTER TABLE t ADD {}") == canonical(theirs, "ALTER TABLE t ADD {}"))

    index_eq = _si.InspectedIndex.__eq__

    def index_eq_canonical(self: Any, other: Any) -> bool:
        if self.partial_predicate != other.partial_predicate and \
                canonical(self.partial_predicate, "SELECT WHERE {}") == canonical(other.partial_predicate, "SELECT WHERE {}"):
            other = copy.copy(other)
            other.partial_predicate = self.partial_predicate
        return bool(index_eq(self, other))

    policy_eq = _si.InspectedRowPolicy.__eq__

    def policy_eq_canonical(self: Any, other: Any) -> bool:
        same = copy.copy(other)
        for attr in ("qual", "withcheck"):
            if canonical(getattr(self, attr), "SELECT WHERE {}") == canonical(getattr(other, attr), "SELECT WHERE {}"):
                setattr(same, attr, getattr(self, attr))
        return bool(policy_eq(self, same))

    def attach_statement(self: Any) -> str | None:
        # schemainspect reads a `partition_spec` it never sets and puts parent and partition the wrong
        # way round: ALTER TABLE parent ATTACH PARTITION child FOR VALUES ...
        if not self.parent_table:
            return None
        if self.partition_def:
            return f"alter table {self.parent_table} attach partition {self.quoted_full_name} {self.partition_def};"
        return f"alter table {self.quoted_full_name} inherit {self.parent_table}"

    _si.InspectedSelectable.attach_statement = property(attach_statement)

    policy_create = _si.InspectedRowPolicy.create_statement

    def policy_create_quoted(self: Any) -> str:
        """schemainspect writes a policy's roles unquoted, so `TO AppRole` named the role approle."""
        from .render import role

        same = copy.copy(self)
        same.roles = [r if r == "public" else role(r) for r in self.roles or ()]
        return str(policy_create.fget(same))

    _si.InspectedConstraint.__eq__ = constraint_eq
    _si.InspectedIndex.__eq__ = index_eq_canonical
    _si.InspectedRowPolicy.__eq__ = policy_eq_canonical
    _si.InspectedRowPolicy.create_statement = property(policy_create_quoted)


_patch_schemainspect()
citus.fix_extension_members(_si)  # Citus tables depend on their extension without being its members


@contextmanager
def _sa_connection(db: Database) -> Iterator[Any]:
    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=lambda: connect(db),
                                      poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


INSPECT_CONNECTIONS = 3  # the catalog queries of one snapshot run on this many connections at once


class _ParallelInspector(_si.PostgreSQL):  # type: ignore[misc, name-defined]
    """schemainspect's inspector with its fifteen catalog queries run first, at once, on a few
    connections that share the first one's snapshot (pg_export_snapshot): the server answers
    them in parallel instead of one after another, and they still see one consistent catalog.
    The loaders then read the fetched rows as they would have read their results."""

    def __init__(self, c: Any, more: Callable[[], ContextManager[Any]]) -> None:
        self._more: Callable[[], ContextManager[Any]] | None = more
        self._rows: dict[int, list[Any]] = {}
        super().__init__(c)

    def load_all(self) -> None:
        try:
            self._rows = self._prefetch()
        except sqlalchemy.exc.DBAPIError:  # no spare connection, say: the queries run one by one
            self.c.rollback()
            self._rows = {}
        super().load_all()
        self._rows, self._more = {}, None  # nothing left to pickle but the objects

    def _prefetch(self) -> dict[int, list[Any]]:
        named = {name: q for name, q in vars(self).items() if name.endswith("_QUERY") and q is not None}
        # the dearest three (about 0.4, 0.3 and 0.25 s at 1,000 tables) on separate connections
        queries = [named.pop(n) for n in _DEAREST if n in named] + list(named.values())
        repeatable = sqlalchemy.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.c.execute(repeatable)
        snapshot = str(self.c.execute(sqlalchemy.text("SELECT pg_export_snapshot()")).scalar())
        if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        lanes = [queries[i::INSPECT_CONNECTIONS] for i in range(INSPECT_CONNECTIONS)]
        more = self._more
        assert more is not None  # dropped only after load_all

        def run(lane: list[Any], c: Any) -> dict[int, list[Any]]:
            return {id(q): c.execute(q).fetchall() for q in lane}

        def run_elsewhere(lane: list[Any]) -> dict[int, list[Any]]:
            with more() as c:
                c.execute(repeatable)
                c.execute(sqlalchemy.text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                try:
                    return run(lane, c)
                finally:
                    c.rollback()

        with ThreadPoolExecutor(max_workers=INSPECT_CONNECTIONS - 1) as pool:
            others = [pool.submit(run_elsewhere, lane) for lane in lanes[1:]]
            rows = run(lanes[0], self.c)
            for f in others:
                rows.update(f.result())
        return rows

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and id(args[0]) in self._rows:
            return self._rows.pop(id(args[0]))
        return super().execute(*args, **kwargs)


_DEAREST = ("INDEXES_QUERY", "ALL_RELATIONS_QUERY", "CONSTRAINTS_QUERY")


def inspect(db: Database) -> Any:
    """A schemainspect snapshot of one database (pgdecl's own schema left out)."""
    with _sa_connection(db) as conn:
        snapshot = _ParallelInspector(conn, lambda: _sa_connection(db))
        snapshot.exclude_schema(HISTORY_SCHEMA)
        citus.exclude(snapshot)
        conn.rollback()
    # only the objects are kept: the snapshot can be pickled (pgdecl.cache) and holds no connection
    for attr in [a for a in vars(snapshot) if a.endswith("_QUERY")] + ["c", "engine", "dialect", "_more"]:
        setattr(snapshot, attr, None)
    return snapshot


def enum_changes(live: Any, desired: Any) -> tuple[list[str], dict[str, list[str]]]:
    """`ALTER TYPE ... ADD VALUE` for enums that only gain values (migra would recreate the type and
    rewrite every table using it), and the labels each other changed enum loses. The live snapshot
    (read for this plan only) is updated in place to show the added values, so migra leaves those
    enums alone: its columns refer to these very enum objects."""
    added: list[str] = []
    removed: dict[str, list[str]] = {}
    for key, want in desired.enums.items():
        have = live.enums.get(key)
        if have is None or have.elements == want.elements:
            continue
        if have.can_be_changed_to(want):
            added += [s.rstrip(";") for s in have.change_statements(want)]
            have.elements = list(want.elements)
        else:
            removed[f"{have.schema}.{have.name}"] = [e for e in have.elements if e not in want.elements]
    return added, removed


def index_definitions(schema: Any) -> dict[str, str]:
    """schema.name -> CREATE INDEX statement of every index of an inspected schema."""
    return {f"{ix.schema}.{ix.name}": ix.definition for ix in schema.indexes.values()}


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
    anyway. Tables are matched column by column."""
    from collections import OrderedDict

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
    kinds: tuple[tuple[str, Callable[[Any], Any], Callable[[Any, Any], Any]], ...] = (  # collection, how an object is renamed, its key
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


# -- column order (pgdecl.reorder) -------------------------------------------------------------------

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


class _Names(Visitor):  # type: ignore[misc]  # pglast is not type-checked (follow_imports=skip)
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
        stmt = pglast.parse_sql(f"ALTER TABLE t ADD {definition}")[0].stmt
        c = stmt.cmds[0].def_
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
    triggers using it) looks changed, so migra drops it before and creates it after."""
    from collections import OrderedDict

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


def _regrouped(out: Any) -> Any:
    """A snapshot's per-kind selectable collections, made again from its `selectables`."""
    from collections import OrderedDict

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
    from collections import OrderedDict

    columns = getattr(live, "columns", None)
    if getattr(desired, "relationtype", None) not in ("r", "p") or columns is None \
            or list(columns) == list(desired.columns):
        return desired
    out = copy.copy(desired)
    out.columns = OrderedDict((name, desired.columns[name]) for name in columns)
    return out


def changes(live: Any, desired: Any, privileges: bool = True) -> list[str]:
    """Statements (as migra writes them) that make `live` look like `desired`."""
    m = Migration(live, desired, exclude_schema=HISTORY_SCHEMA)
    m.set_safety(False)
    m.add_all_changes(privileges=privileges)
    return [s.strip().rstrip(";").strip() for s in m.statements if s.strip()]
