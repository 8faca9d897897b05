"""Diff: the one module that imports migra. Inspects two databases and lists the statements
that turn the live one into the desired one."""

from __future__ import annotations

import collections
import copy
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, Callable, ContextManager, Iterator, Sequence

import functools

import pglast
import psycopg
from pglast.parser import ParseError
from pglast.stream import RawStream

from . import citus
from .db import Database, connect
from .quoting import literal
from .diff_renames import renamed as renamed  # pgdecl.renames takes it from here
from .diff_reorder import reordered as reordered, table_columns as table_columns  # and pgdecl.reorder these



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
    import migra.changes as _migra_changes
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


def _patch_schemainspect() -> None:
    """Fixes to schemainspect's objects, kept here because this is the one module that may touch migra:
    enum labels are escaped (a label with `'` gave invalid SQL), constraints, partial index
    predicates and policy expressions compare by their parse trees instead of their texts, an index's
    clustering is not part of it (a changed CLUSTER ON made migra rebuild the index), and a column's
    collation is kept, qualified. Kept whole: small replacement methods, installed on schemainspect's
    classes together."""

    def quoted_elements(self: Any) -> str:
        return ", ".join(literal(e) for e in self.elements)

    def enum_change_statements(self: Any, new: Any) -> list[str]:
        if not self.can_be_changed_to(new):
            raise ValueError
        out, previous = [], None
        for label in new.elements:
            if label not in self.elements:
                where = f"after {literal(previous)}" if previous else f"before {literal(self.elements[0])}"
                out.append(f"alter type {self.quoted_full_name} add value {literal(label)} {where};")
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
        if self.is_clustered != other.is_clustered:  # set in place (pgdecl.engine.kinds.clustering)
            other = copy.copy(other)
            other.is_clustered = self.is_clustered
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

    # a column's collation as a (qualified, quoted) name: schemainspect read the bare name and quoted
    # it, so `text COLLATE app.ci` was created as `collate "ci"` (no such collation, or another one)
    bare_collation = ("(SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n"
                      "     WHERE c.oid = a.attcollation")
    qualified_collation = ("(SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(c.collname) "
                           "ELSE quote_ident(cn.nspname) || '.' || quote_ident(c.collname) END "
                           "FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.collnamespace, "
                           "pg_catalog.pg_type t\n     WHERE c.oid = a.attcollation")
    if bare_collation in _si.ALL_RELATIONS_QUERY:
        _si.ALL_RELATIONS_QUERY = _si.ALL_RELATIONS_QUERY.replace(bare_collation, qualified_collation)
        _si.ColumnInfo.collation_subclause = property(
            lambda self: f" collate {self.collation}" if self.collation else "")
    creation = _si.ColumnInfo.creation_clause

    def creation_collated(self: Any) -> str:
        # schemainspect's CREATE TABLE left out every column's collation (only ADD COLUMN had it)
        text = str(creation.fget(self))
        head = f"{self.quoted_name} {self.dbtypestr}"
        return head + self.collation_subclause + text[len(head):] if self.collation else text

    _si.ColumnInfo.creation_clause = property(creation_collated)
    _si.ColumnInfo.add_column_clause = property(lambda self: f"add column {self.creation_clause}")

    _si.InspectedConstraint.__eq__ = constraint_eq
    _si.InspectedIndex.__eq__ = index_eq_canonical
    _si.InspectedRowPolicy.__eq__ = policy_eq_canonical
    _si.InspectedRowPolicy.create_statement = property(policy_create_quoted)


_patch_schemainspect()


def _differences(a: Any, b: Any, add_dependencies_for_modifications: bool = True) -> tuple[Any, Any, Any, Any]:
    """migra.util.differences (added, removed, modified, unmodified: ordered by key), each common pair
    compared once: migra's compared it twice (`!=`, then `==`), and at 10,000 tables its 42 calls
    made 1.4 million comparisons of columns, 1.5 s of a plan."""
    added = collections.OrderedDict((k, b[k]) for k in sorted(b.keys() - a.keys()))
    removed = collections.OrderedDict((k, a[k]) for k in sorted(a.keys() - b.keys()))
    modified: collections.OrderedDict[Any, Any] = collections.OrderedDict()
    unmodified: collections.OrderedDict[Any, Any] = collections.OrderedDict()
    for k in sorted(a.keys() & b.keys()):
        (unmodified if a[k] == b[k] else modified)[k] = b[k]
    return added, removed, modified, unmodified


_migra_changes.differences = _differences  # type: ignore[attr-defined]  # the name migra's changes call it by
citus.fix_extension_members(_si)  # Citus tables depend on their extension without being its members


class _RawConnection:
    """A psycopg connection in the shape schemainspect reads a raw one in (psycopg2's): `execute` gives
    the rows, each with its columns as attributes, and `connection.server_version` the version. No
    SQLAlchemy engine in between: importing SQLAlchemy alone took a tenth of a second of every plan."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.connection = SimpleNamespace(server_version=conn.info.server_version)

    def execute(self, query: str) -> list[Any]:
        return self.conn.cursor(row_factory=_rows).execute(query.encode()).fetchall()

    def rollback(self) -> None:
        self.conn.rollback()


def _row_class(names: tuple[str, ...]) -> Any:
    """A tuple class whose columns `names` are also attributes (a column may be called `index`: a
    field shadows tuple's method), one per set of names, picklable by name (schemainspect keeps some
    rows in its snapshot; psycopg's own namedtuple classes, made per query, are not)."""
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        base = collections.namedtuple("Row", names, rename=True)  # type: ignore[misc]
        cls = type("Row", (base,), {"__slots__": (), "__reduce__": lambda self: (_row, (names, tuple(self)))})
        _ROW_CLASSES[names] = cls
    return cls


def _row(names: tuple[str, ...], values: Sequence[Any]) -> Any:
    return _row_class(names)._make(values)


_ROW_CLASSES: dict[tuple[str, ...], Any] = {}


def _rows(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    """psycopg's row factory: rows of `_row_class` for the cursor's columns."""
    make: Callable[[Sequence[Any]], Any] = _row_class(tuple(c.name for c in cursor.description or ()))._make
    return make


@contextmanager
def _raw_connection(db: Database) -> Iterator[_RawConnection]:
    with connect(db) as conn:
        yield _RawConnection(conn)


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
        except psycopg.Error:  # no spare connection, say: the queries run one by one
            self.c.rollback()
            self._rows = {}
        super().load_all()
        self._rows, self._more = {}, None  # nothing left to pickle but the objects

    def _prefetch(self) -> dict[int, list[Any]]:
        named = {name: q for name, q in vars(self).items() if name.endswith("_QUERY") and q is not None}
        # the dearest three (about 0.4, 0.3 and 0.25 s at 1,000 tables) on separate connections
        queries = [named.pop(n) for n in _DEAREST if n in named] + list(named.values())
        repeatable = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        self.c.execute(repeatable)
        snapshot = str(self.c.execute("SELECT pg_export_snapshot()")[0][0])
        if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        lanes = [queries[i::INSPECT_CONNECTIONS] for i in range(INSPECT_CONNECTIONS)]

        def run(lane: list[Any], c: Any) -> dict[int, list[Any]]:
            return {id(q): c.execute(q) for q in lane}

        more = self._more
        assert more is not None  # dropped only after load_all

        def run_elsewhere(lane: list[Any]) -> dict[int, list[Any]]:
            with more() as c:
                c.execute(repeatable)
                c.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
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
    with _raw_connection(db) as conn:
        snapshot = _ParallelInspector(conn, lambda: _raw_connection(db))
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


def changes(live: Any, desired: Any, privileges: bool = True) -> list[str]:
    """Statements (as migra writes them) that make `live` look like `desired`."""
    m = Migration(live, desired, exclude_schema=HISTORY_SCHEMA)
    m.set_safety(False)
    m.add_all_changes(privileges=privileges)
    return [s.strip().rstrip(";").strip() for s in m.statements if s.strip()]
