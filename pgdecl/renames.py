"""Renames: a table or column whose spec says `renamed_from: old` is renamed, never dropped and added.

When the live database has the old name and not the new one, the plan starts with
`ALTER TABLE old RENAME TO new` / `ALTER TABLE t RENAME COLUMN old TO new`, followed by renames of
the indexes, constraints and sequences whose names pgdecl (or PostgreSQL) derives from the table and
column names (`users_pkey` -> `customers_pkey`), so a second plan is empty. The rest of the plan is
diffed against the live schema *as it will be after those renames*, without touching the live
database: the renames are undone in the scratch database (PostgreSQL rewrites every definition
that names a renamed object), and each live object equal to its counterpart there is replaced by
the desired object (`pgdecl.diff.renamed`). Once the rename has happened the hint does nothing, so
it can stay in the specs. When both names exist live that is an error; when neither does, the hint
is ignored (the table or column is simply created).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager

import psycopg

from . import catalog_diff
from .db import Database, connect
from .engine.describe import describe
from .engine.ops import Operation
from .errors import Origin, PlanError, SpecError
from .model import Project, Table, Unique, default_fk_name, default_index_name, default_unique_name, split_name
from .render import foreign_keys, ident, primary_key, qname

_SERIAL = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"}


@dataclass(frozen=True)
class Rename:
    """One rename step. `table` is the table's name when the step runs (its new name), `live_table`
    its name in the live database; both are None for a table rename itself."""

    kind: str  # table, column, constraint, index, sequence, trigger
    schema: str
    old: str
    new: str
    table: str | None = None
    live_table: str | None = None
    has_index: bool = False  # a constraint whose index (same name) is renamed with it
    origin: Origin | None = field(default=None, compare=False)

    def _sql(self, old: str, new: str) -> str:
        if self.kind == "table":
            return f"ALTER TABLE {qname(f'{self.schema}.{old}')} RENAME TO {ident(new)}"
        if self.kind in ("column", "constraint"):
            return (f"ALTER TABLE {qname(f'{self.schema}.{self.table}')} RENAME {self.kind.upper()} "
                    f"{ident(old)} TO {ident(new)}")
        if self.kind == "trigger":
            return f"ALTER TRIGGER {ident(old)} ON {qname(f'{self.schema}.{self.table}')} RENAME TO {ident(new)}"
        return f"ALTER {self.kind.upper()} {qname(f'{self.schema}.{old}')} RENAME TO {ident(new)}"

    @property
    def sql(self) -> str:
        return self._sql(self.old, self.new)

    @property
    def operation(self) -> Operation:
        """The rename as a typed operation, with the spec line of its hint."""
        o = self.origin
        where = None if o is None else o.file if o.line is None else f"{o.file}:{o.line}"
        return describe(self.sql, source="renames", origin=where)

    @property
    def undo_sql(self) -> str:
        """The reverse rename, run in the scratch database (for a table: from its new name)."""
        return self._sql(self.new, self.old)


@dataclass
class _LiveTable:
    columns: set[str]
    constraints: dict[str, str]  # name -> contype
    indexes: set[str]            # valid indexes
    sequences: set[str]          # owned by a column of the table
    triggers: set[str]


def _relations(conn: psycopg.Connection, schema: str, names: list[str]) -> dict[str, str]:
    """name -> relkind of the given relations of a schema."""
    rows = conn.execute(
        """SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relname = ANY(%s)""", (schema, names)).fetchall()
    return dict(rows)  # type: ignore[arg-type]


def _live_table(conn: psycopg.Connection, schema: str, name: str) -> _LiveTable:
    rows = conn.execute(
        """WITH t AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = %s AND c.relname = %s)
           SELECT 'col', a.attname::text, '' FROM pg_attribute a, t
            WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
           UNION ALL
           SELECT 'con', co.conname::text, co.contype::text FROM pg_constraint co, t WHERE co.conrelid = t.oid
           UNION ALL
           SELECT 'idx', c.relname::text, '' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid, t
            WHERE i.indrelid = t.oid AND i.indisvalid
           UNION ALL
           SELECT 'seq', s.relname::text, '' FROM pg_depend d JOIN pg_class s ON s.oid = d.objid, t
            WHERE d.refobjid = t.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND s.relkind = 'S' AND d.deptype IN ('a', 'i')
           UNION ALL
           SELECT 'trg', tg.tgname::text, '' FROM pg_trigger tg, t WHERE tg.tgrelid = t.oid AND NOT tg.tgisinternal
           """, (schema, name)).fetchall()
    out = _LiveTable(set(), {}, set(), set(), set())
    for kind, n, extra in rows:
        if kind == "col":
            out.columns.add(n)
        elif kind == "con":
            out.constraints[n] = extra
        elif kind == "idx":
            out.indexes.add(n)
        elif kind == "trg":
            out.triggers.add(n)
        else:
            out.sequences.add(n)
    return out


def hinted(project: Project) -> bool:
    """Whether any table or column of the specs carries a renamed_from hint."""
    return any(t.renamed_from or any(c.renamed_from for c in t.columns.values()) for t in project.tables.values())


def _both(kind: str, old: str, new: str, target: str, origin: Origin | None) -> SpecError:
    return SpecError(f"renamed_from: {target} has both {kind} {old} and {kind} {new}, so there is nothing to "
                     f"rename; drop or rename one of them yourself, or remove renamed_from", origin)


def _derived(name: str, t: Table, old_table: str, old_of: dict[str, str]) -> list[tuple[str, str]]:
    """(old, new) names of the indexes, constraints and sequences whose names pgdecl and PostgreSQL
    derive from the table and column names, for the table's old and new names and columns."""
    _, new_table = split_name(name)
    old_name = f"{split_name(name)[0]}.{old_table}"

    def cols(names: list[str]) -> list[str]:
        return [old_of.get(c, c) for c in names]

    def expr(element: str) -> str:  # an index element: a column, or an expression naming columns
        if element in old_of:
            return old_of[element]
        return re.sub(r"\b[A-Za-z_][A-Za-z0-9_$]*\b", lambda m: old_of.get(m.group(0), m.group(0)), element)

    pairs: list[tuple[str, str]] = []
    if primary_key(t):
        pairs.append((f"{old_table}_pkey"[:63], f"{new_table}_pkey"[:63]))
    uniques = [Unique(columns=[c]) for c, col in t.columns.items() if col.unique]
    uniques += [u for u in t.unique if not u.name]
    for u in uniques:
        pairs.append((default_unique_name(old_name, u.model_copy(update={"columns": cols(u.columns)})),
                      default_unique_name(name, u)))
    for fk in foreign_keys(name, t.model_copy(update={"foreign_keys": [f for f in t.foreign_keys if not f.name]})):
        pairs.append((default_fk_name(old_name, fk.model_copy(update={"columns": cols(fk.columns)})), str(fk.name)))
    for ix in t.indexes:
        if not ix.name:
            old_ix = ix.model_copy(update={"columns": [expr(e) for e in ix.columns]})
            pairs.append((default_index_name(old_name, old_ix), default_index_name(name, ix)))
    for c, col in t.columns.items():
        if col.check is not None:
            pairs.append((f"{old_table}_{old_of.get(c, c)}_check"[:63], f"{new_table}_{c}_check"[:63]))
        if col.identity or col.type.strip().lower() in _SERIAL:
            pairs.append((f"{old_table}_{old_of.get(c, c)}_seq"[:63], f"{new_table}_{c}_seq"[:63]))
    return [(o, n) for o, n in pairs if o != n]


def find(conn: psycopg.Connection, project: Project, target: str = "the database") -> list[Rename]:
    """The renames the hints ask for that the live database still needs, in the order they run.
    Reads only the catalog: no lock is taken on any table."""
    out: list[Rename] = []
    for name, t in sorted(project.tables.items()):
        hints = {c: col for c, col in t.columns.items() if col.renamed_from}
        if not t.renamed_from and not hints:
            continue
        schema, new_table = split_name(name)
        live_table = new_table
        steps: list[Rename] = []
        if t.renamed_from:
            old = split_name(t.renamed_from, schema)[1]
            rels = _relations(conn, schema, [old, new_table])
            if old in rels and new_table in rels:
                raise _both("table", f"{schema}.{old}", name, target, t.origin)
            if rels.get(old) in ("r", "p"):
                live_table = old
                steps.append(Rename("table", schema, old, new_table, origin=t.origin))
        if live_table == new_table and not _relations(conn, schema, [new_table]):
            continue  # the table is created by the plan: nothing to rename
        live = _live_table(conn, schema, live_table)
        old_of: dict[str, str] = {}
        for c, col in hints.items():
            old_col = str(col.renamed_from)
            if old_col in live.columns and c in live.columns:
                raise _both("column", f"{schema}.{live_table}.{old_col}", f"{schema}.{live_table}.{c}", target,
                            col.origin or t.origin)
            if old_col in live.columns:
                old_of[c] = old_col
                steps.append(Rename("column", schema, old_col, c, new_table, live_table, origin=col.origin or t.origin))
        if not steps:
            continue
        taken = _relations(conn, schema, [n for _, n in _derived(name, t, live_table, old_of)])
        for old, new in _derived(name, t, live_table, old_of):
            if new in live.constraints or new in taken:
                continue
            if old in live.constraints:
                steps.append(Rename("constraint", schema, old, new, new_table, live_table,
                                    has_index=old in live.indexes, origin=t.origin))
            elif old in live.indexes:
                steps.append(Rename("index", schema, old, new, new_table, live_table, origin=t.origin))
            elif old in live.sequences:
                steps.append(Rename("sequence", schema, old, new, new_table, live_table, origin=t.origin))
        if live_table != new_table:  # triggers named after the table (the timestamps trait's)
            for trigger in t.triggers:
                old = f"{live_table}{trigger[len(new_table):]}"
                if trigger.startswith(f"{new_table}_") and old in live.triggers and trigger not in live.triggers:
                    steps.append(Rename("trigger", schema, old, trigger, new_table, live_table,
                                        origin=t.triggers[trigger].origin or t.origin))
        out += steps
    order = {"table": 0, "column": 1}
    return sorted(out, key=lambda r: order.get(r.kind, 2))  # stable: per table, in spec order


@dataclass(frozen=True)
class _Maps:
    """The renames keyed by live (old) names, as pgdecl.diff.renamed takes them."""

    relations: dict[tuple[str, str], str]
    columns: dict[tuple[str, str, str], str]
    constraints: dict[tuple[str, str, str], str]
    triggers: dict[tuple[str, str, str], str]

    @classmethod
    def of(cls, renames: list[Rename]) -> _Maps:
        relations: dict[tuple[str, str], str] = {}
        columns: dict[tuple[str, str, str], str] = {}
        constraints: dict[tuple[str, str, str], str] = {}
        triggers: dict[tuple[str, str, str], str] = {}
        for r in renames:
            if r.kind in ("table", "index", "sequence") or r.has_index:
                relations[(r.schema, r.old)] = r.new
            if r.kind == "column":
                columns[(r.schema, str(r.live_table), r.old)] = r.new
            elif r.kind == "constraint":
                constraints[(r.schema, str(r.live_table), r.old)] = r.new
            elif r.kind == "trigger":
                triggers[(r.schema, str(r.live_table), r.old)] = r.new
        return cls(relations, columns, constraints, triggers)

    def relation(self, schema: str, name: str) -> str:
        return self.relations.get((schema, name), name)


_ID = r'(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)'
_CHAIN = re.compile(rf'(?<![\w$".]){_ID}(?:\.{_ID})+(?![\w$"])')
_ON_TABLE = re.compile(rf"^(CONSTRAINT|TRIGGER) ({_ID}) ON ({_ID})\.({_ID})$")


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


class _Renamer:
    """Applies the renames to the names inside catalog snapshot keys and values: quoted chains
    (`public.users`, `COLUMN public.users.name`, `CONSTRAINT c ON public.users`), plain `schema.name`
    strings, and (table, column) key pairs."""

    def __init__(self, maps: _Maps) -> None:
        self.maps = maps

    def _chain(self, m: re.Match[str]) -> str:
        raw = m.group(0).split(".") if '"' not in m.group(0) else re.findall(_ID, m.group(0))
        parts = [_unquote(p) for p in raw]
        if len(parts) < 2:
            return m.group(0)
        s, t = parts[0], parts[1]
        new_t = self.maps.relation(s, t)
        out = list(raw)
        if new_t != t:
            out[1] = ident(new_t)
        if len(parts) == 3:
            c = self.maps.columns.get((s, t, parts[2]), parts[2])
            if c != parts[2]:
                out[2] = ident(c)
        return ".".join(out)

    def text(self, value: str) -> str:
        m = _ON_TABLE.match(value)
        if m:
            s, t, o = _unquote(m[3]), _unquote(m[4]), _unquote(m[2])
            names = self.maps.constraints if m[1] == "CONSTRAINT" else self.maps.triggers
            new_o = names.get((s, t, o), o)
            table = self._chain(re.match(_CHAIN, f"{m[3]}.{m[4]}"))  # type: ignore[arg-type]
            return f"{m[1]} {m[2] if new_o == o else ident(new_o)} ON {table}"
        if "." in value and '"' not in value and " " not in value:  # a plain schema.name
            s, _, n = value.partition(".")
            if (s, n) in self.maps.relations:
                return f"{s}.{self.maps.relations[(s, n)]}"
        return _CHAIN.sub(self._chain, value)

    def _table_of(self, value: str) -> tuple[str, str] | None:
        m = re.match(rf"^(?:[A-Z ]+ )?({_ID})\.({_ID})$", value)
        if m:
            return _unquote(m[1]), _unquote(m[2])
        s, _, n = value.partition(".")
        return (s, n) if n else None

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
            table = self._table_of(value[0])
            col = _unquote(value[1])
            if table and (*table, col) in self.maps.columns:
                new = self.maps.columns[(*table, col)]
                return (self.text(value[0]), ident(new) if value[1].startswith('"') else new)
        if isinstance(value, (tuple, list, set, frozenset)):
            return type(value)(self(v) for v in value)
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        return value


def rename_snapshot(live: dict[str, Any], desired: dict[str, Any], desired_old: dict[str, Any],
                    maps: _Maps) -> dict[str, Any]:
    """A catalog_diff snapshot of the live database as it will be after the renames. As for the
    migra snapshot, an entry equal to its counterpart in the desired schema with the renames undone
    (`desired_old`) is taken from `desired`; any other gets its names renamed."""
    rename = _Renamer(maps)
    out: dict[str, Any] = {}
    for section, entries in live.items():
        if not isinstance(entries, dict):
            out[section] = entries
            continue
        old_side, new_side = desired_old.get(section) or {}, desired.get(section) or {}
        out[section] = {}
        for key, value in entries.items():
            key2 = rename(key)
            same = key in old_side and old_side[key] == value and key2 in new_side
            out[section][key2] = new_side[key2] if same else rename(value)
    return out


def rename_types(types: dict[tuple[str, str], str], maps: _Maps) -> dict[tuple[str, str], str]:
    """Live column types keyed by (schema.table, column) as they will be named after the renames."""
    out = {}
    for (table, column), typ in types.items():
        s, _, t = table.partition(".")
        out[(f"{s}.{maps.relation(s, t)}", maps.columns.get((s, t, column), column))] = typ
    return out


def prepare(project: Project, live: Database, scratch: Callable[[], ContextManager[Database]], live_schema: Any,
            desired_schema: Any, live_extra: dict[str, Any], desired_extra: dict[str, Any],
            types: dict[tuple[str, str], str]) -> tuple[list[Operation], Any, dict[str, Any], dict[tuple[str, str], str]]:
    """The rename operations a plan starts with (each with the spec line of its hint), and the live schema, catalog snapshot and column types as
    they will be after them (what the rest of the plan is diffed against). `scratch()` gives a
    database holding the desired schema (already inspected as `desired_schema`), only asked for when
    a rename is due: the renames are undone there."""
    if not hinted(project):
        return [], live_schema, live_extra, types
    from .diff import inspect, renamed

    with connect(live) as conn:
        todo = find(conn, project, live.display)
        conn.rollback()
    if not todo:
        return [], live_schema, live_extra, types
    with scratch() as scratch_db:
        with connect(scratch_db, autocommit=True) as conn:
            for r in reversed(todo):
                try:
                    conn.execute(r.undo_sql.encode())
                except psycopg.Error as e:
                    at = f"{r.origin}: " if r.origin else ""
                    raise PlanError(f"{at}cannot undo rename {r.kind} {r.old} -> {r.new} in the scratch "
                                    f"database: {(e.diag.message_primary or str(e)).strip()}") from None
        desired_old = inspect(scratch_db)
        with connect(scratch_db) as conn:
            desired_old_extra = catalog_diff.snapshot(conn)
    maps = _Maps.of(todo)
    live_schema = renamed(live_schema, desired_schema, desired_old, maps.relations, maps.columns, maps.constraints,
                          maps.triggers)
    live_extra = rename_snapshot(live_extra, desired_extra, desired_old_extra, maps)
    return [r.operation for r in todo], live_schema, live_extra, rename_types(types, maps)
