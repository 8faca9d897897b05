"""Online-safe steps: rewrite a plan's statements so a busy database keeps serving while it runs.

A plan runs in three phases (each step says which):

- `pre`: committed before everything else, each step on its own: `ALTER TYPE ... ADD VALUE` (a new
  enum value cannot be used in the transaction that adds it).
- `main`: one transaction, all or nothing.
- `post`: after the main transaction committed, each step on its own and in order: index builds
  and drops `CONCURRENTLY` (they cannot run in a transaction), `VALIDATE CONSTRAINT` (a scan under
  a SHARE UPDATE EXCLUSIVE lock that blocks neither reads nor writes), and `SET NOT NULL` proven
  by a validated `CHECK (c IS NOT NULL)`, so it needs no scan of its own.

Objects the same plan creates are left alone: locking a new, empty table hurts nobody. Every
decision is read from pglast's parse tree of the statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.stream import RawStream

from . import sqltree
from .hazards import FULL_SCAN, NOT_NULL_HELPER_SUFFIX, Hazard, classify
from .render import ident

if TYPE_CHECKING:
    from .engine.ops import Operation

PRE, MAIN, POST = "pre", "main", "post"
PHASES = (PRE, MAIN, POST)


@dataclass(frozen=True)
class Rewritten:
    sql: str
    phase: str
    hazards: tuple[Hazard, ...] = ()


def _rel(rv: ast.RangeVar | None) -> str:
    return "?" if rv is None else f"{rv.schemaname or 'public'}.{rv.relname}"


def _deparse(node: ast.Node) -> str:
    sql: str = RawStream()(node)
    return sql


def _parse(sql: str) -> ast.Node | None:
    return sqltree.statement(sql)  # shared: never changed here (see fresh() where a tree is edited)


def _created_relations(trees: Iterable[ast.Node | None]) -> set[str]:
    """Bare names of relations (tables, views, sequences, indexes) that statements create."""
    out: set[str] = set()
    for s in trees:
        if isinstance(s, ast.CreateStmt):
            out.add(s.relation.relname)
        elif isinstance(s, ast.ViewStmt):
            out.add(s.view.relname)
        elif isinstance(s, ast.CreateTableAsStmt):
            out.add(s.into.rel.relname)
        elif isinstance(s, ast.CreateSeqStmt):
            out.add(s.sequence.relname)
        elif isinstance(s, ast.IndexStmt) and s.idxname:
            out.add(s.idxname)
    return out


def _fk_targets(trees: Iterable[ast.Node | None]) -> set[str]:
    """Tables that foreign keys added by the plan reference: their unique indexes must exist first."""
    out: set[str] = set()
    for s in trees:
        constraints: list[ast.Node] = []
        if isinstance(s, ast.AlterTableStmt):
            constraints += [c.def_ for c in s.cmds or () if c.subtype == AlterTableType.AT_AddConstraint]
        elif isinstance(s, ast.CreateStmt):
            for elt in s.tableElts or ():
                if isinstance(elt, ast.Constraint):
                    constraints.append(elt)
                elif isinstance(elt, ast.ColumnDef):
                    constraints += list(elt.constraints or ())
        for c in constraints:
            if isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_FOREIGN and c.pktable is not None:
                out.add(_rel(c.pktable))
    return out


def _needs_not_null(trees: Iterable[ast.Node | None]) -> set[tuple[str, str | None]]:
    """(table, column) pairs whose NOT NULL other statements need in the same transaction: columns
    becoming identity columns; (table, None) for tables getting a primary key."""
    out: set[tuple[str, str | None]] = set()
    for s in trees:
        if isinstance(s, ast.AlterTableStmt):
            for c in s.cmds or ():
                if c.subtype == AlterTableType.AT_AddIdentity:
                    out.add((_rel(s.relation), c.name))
                elif c.subtype == AlterTableType.AT_AddConstraint and isinstance(c.def_, ast.Constraint) \
                        and c.def_.contype == ConstrType.CONSTR_PRIMARY:
                    out.add((_rel(s.relation), None))
    return out


def rewrite(statements: list[str], new_tables: set[str], live_types: dict[tuple[str, str], str],
            recreated: set[str], partitioned: set[str] = frozenset()) -> list[Rewritten]:  # type: ignore[assignment]
    """The plan's statements, made online-safe and assigned to phases, with their hazards.
    `partitioned`: live partitioned tables and indexes (schema.name), which PostgreSQL cannot build or
    drop CONCURRENTLY: their index steps stay in the main transaction."""
    trees = [_parse(sql) for sql in statements]
    fk_targets = _fk_targets(trees)
    needs_not_null = _needs_not_null(trees)
    concurrent_indexes: set[str] = set()  # names built CONCURRENTLY in the post phase
    replaced = _replaced_indexes(trees, new_tables | set(partitioned))  # dropped and built again: swapped in
    out: list[Rewritten] = []

    def add(sql: str, phase: str, hazards: tuple[Hazard, ...] | None = None) -> None:
        found = classify(sql, live_types, new_tables, recreated) if hazards is None else hazards
        out.append(Rewritten(sql, phase, found))

    for i, (sql, s) in enumerate(zip(statements, trees)):
        if isinstance(s, ast.AlterEnumStmt) and s.newVal and not s.oldVal:
            add(sql, PRE)
        elif isinstance(s, ast.DropStmt) and _dropped_index(s) in replaced:
            continue  # dropped once its replacement is built (below)
        elif isinstance(s, ast.IndexStmt) and _index_of(s) in replaced:
            concurrent_indexes.add(s.idxname)
            for step, phase, hazards in swap_index(sql, s):
                add(step, phase, hazards)
        elif isinstance(s, ast.IndexStmt) and not s.concurrent and _rel(s.relation) not in new_tables \
                and not (s.unique and _rel(s.relation) in fk_targets) and _rel(s.relation) not in partitioned:
            concurrent_indexes.add(s.idxname)
            add(concurrently(sql), POST)
        elif isinstance(s, ast.DropStmt) and s.removeType == ObjectType.OBJECT_INDEX and not s.concurrent \
                and len(s.objects or ()) == 1 and s.behavior != 1 \
                and s.objects[0][-1].sval not in _created_relations(trees[i + 1:]) \
                and _dropped_name(s) not in partitioned:
            d = sqltree.fresh(sql)
            assert isinstance(d, ast.DropStmt)  # `s` is this statement's shared tree
            d.concurrent = True
            d.missing_ok = True
            add(_deparse(d), POST)
        elif _attached_index(s) in concurrent_indexes:
            add(sql, POST)  # ALTER INDEX parent ATTACH PARTITION child: after the child is built
        elif isinstance(s, ast.AlterTableStmt) and _rel(s.relation) not in new_tables and s.cmds \
                and len(s.cmds) == 1:
            if s.cmds[0].subtype == AlterTableType.AT_SetNotNull and \
                    {(_rel(s.relation), s.cmds[0].name), (_rel(s.relation), None)} & needs_not_null:
                add(sql, MAIN)  # a later step of the transaction (identity, primary key) relies on it
            else:
                _alter_table(sql, s, concurrent_indexes, add)
        elif isinstance(s, ast.CommentStmt) and s.objtype == ObjectType.OBJECT_INDEX \
                and s.object[-1].sval in concurrent_indexes:
            add(sql, POST)  # after the index it comments on is built
        else:
            add(sql, MAIN)
    return out


def _index_of(s: ast.IndexStmt) -> str:
    return f"{s.relation.schemaname or 'public'}.{s.idxname}"


def _dropped_index(s: ast.DropStmt) -> str | None:
    if s.removeType != ObjectType.OBJECT_INDEX or len(s.objects or ()) != 1:
        return None
    return _dropped_name(s)


def _dropped_name(s: ast.DropStmt) -> str:
    parts = [n.sval for n in s.objects[0]]
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


def _replaced_indexes(trees: list[ast.Node | None], new_tables: set[str]) -> set[str]:
    """Indexes of live tables that the plan drops and then creates again under the same name."""
    dropped: dict[str, int] = {}
    out: set[str] = set()
    for i, s in enumerate(trees):
        if isinstance(s, ast.DropStmt) and not s.concurrent and s.behavior != 1:
            name = _dropped_index(s)
            if name is not None:
                dropped.setdefault(name, i)
        elif isinstance(s, ast.IndexStmt) and s.idxname and _rel(s.relation) not in new_tables:
            name = _index_of(s)
            if dropped.get(name, len(trees)) < i:
                out.add(name)
    return out


REPLACEMENT_SUFFIX = "_pgdecl_new"


def swap_index(sql: str, s: ast.IndexStmt) -> list[tuple[str, str, tuple[Hazard, ...] | None]]:
    """Replace a live index without a moment when the table has none: build the new definition
    concurrently under a temporary name, drop the old one concurrently, rename the new one. A unique
    index keeps enforcing throughout (both are valid while they overlap)."""
    schema = s.relation.schemaname or "public"
    temp = f"{s.idxname[:63 - len(REPLACEMENT_SUFFIX)]}{REPLACEMENT_SUFFIX}"
    return [
        (f"DROP INDEX CONCURRENTLY IF EXISTS {ident(schema)}.{ident(temp)}", POST, ()),  # a leftover of a killed run
        (_renamed_index(concurrently(sql), temp), POST, ()),
        (f"DROP INDEX CONCURRENTLY {ident(schema)}.{ident(s.idxname)}", POST, ()),
        (f"ALTER INDEX {ident(schema)}.{ident(temp)} RENAME TO {ident(s.idxname)}", POST, ()),
    ]


def _renamed_index(create_index_sql: str, name: str) -> str:
    """A CREATE INDEX statement building an index of another name (checked by parsing)."""
    s = _parse(create_index_sql)
    assert isinstance(s, ast.IndexStmt)
    m = re.match(r'\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?'
                 r'("(?:[^"]|"")+"|[^\s"]+)\s+ON\s', create_index_sql, re.IGNORECASE)
    if m:
        out = create_index_sql[:m.start(1)] + ident(name) + create_index_sql[m.end(1):]
        t = _parse(out)
        if isinstance(t, ast.IndexStmt) and t.idxname == name and t.concurrent == s.concurrent:
            return out
    d = sqltree.fresh(create_index_sql)
    assert isinstance(d, ast.IndexStmt)  # as `s` above
    d.idxname = name
    return _deparse(d)


def _attached_index(s: ast.Node | None) -> str | None:
    """The partition's index an `ALTER INDEX ... ATTACH PARTITION` attaches (bare name), else None."""
    if isinstance(s, ast.AlterTableStmt) and s.objtype == ObjectType.OBJECT_INDEX and len(s.cmds or ()) == 1 \
            and s.cmds[0].subtype == AlterTableType.AT_AttachPartition:
        name: str = s.cmds[0].def_.name.relname
        return name
    return None


def _alter_table(sql: str, s: ast.AlterTableStmt, concurrent_indexes: set[str],
                 add: Callable[..., None]) -> None:
    """ALTER TABLE on a live table: VALIDATE after the commit; SET NOT NULL through a validated CHECK;
    a constraint USING an index (or CLUSTER ON one) built concurrently after that index."""
    cmd = s.cmds[0]
    target = f"{ident(s.relation.schemaname or 'public')}.{ident(s.relation.relname)}"
    if cmd.subtype == AlterTableType.AT_ValidateConstraint:
        add(sql, POST)
    elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint) \
            and cmd.def_.indexname in concurrent_indexes:
        add(sql, POST)
    elif cmd.subtype == AlterTableType.AT_ClusterOn and cmd.name in concurrent_indexes or \
            cmd.subtype == AlterTableType.AT_ReplicaIdentity and isinstance(cmd.def_, ast.ReplicaIdentityStmt) \
            and cmd.def_.name in concurrent_indexes:
        add(sql, POST)  # CLUSTER ON or REPLICA IDENTITY USING an index built concurrently: after it
    elif cmd.subtype == AlterTableType.AT_SetNotNull:
        col = cmd.name
        check = ident(f"{col[:40]}{NOT_NULL_HELPER_SUFFIX}")
        add(f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({ident(col)} IS NOT NULL) NOT VALID", MAIN)
        add(f"ALTER TABLE {target} VALIDATE CONSTRAINT {check}", POST)
        # proven by the validated check: no scan, a brief ACCESS EXCLUSIVE lock; the helper then goes
        add(f"ALTER TABLE {target} ALTER COLUMN {ident(col)} SET NOT NULL", POST, ())
        add(f"ALTER TABLE {target} DROP CONSTRAINT {check}", POST, ())
    else:
        add(sql, MAIN)


def single_transaction(statements: list[str], new_tables: set[str], live_types: dict[tuple[str, str], str],
                       recreated: set[str]) -> list[Rewritten]:
    """Everything in the main transaction, as written (for `--single-transaction`): a VALIDATE of a
    live table then scans it under the lock its constraint took."""
    out = []
    for sql in statements:
        hazards = classify(sql, live_types, new_tables, recreated)
        s = _parse(sql)
        if isinstance(s, ast.AlterTableStmt) and _rel(s.relation) not in new_tables and any(
                c.subtype == AlterTableType.AT_ValidateConstraint for c in s.cmds or ()):
            hazards += (Hazard(FULL_SCAN, f"validates a constraint on {_rel(s.relation)} inside the transaction "
                                          "that added it, scanning every row under its lock"),)
        out.append(Rewritten(sql, MAIN, hazards))
    return out




def constraint_names(statements: Iterable[str]) -> set[str]:
    """Names of the table constraints that statements add, drop or validate."""
    out: set[str] = set()
    for s in map(_parse, statements):
        if isinstance(s, ast.AlterTableStmt):
            for c in s.cmds or ():
                if c.subtype == AlterTableType.AT_AddConstraint and isinstance(c.def_, ast.Constraint):
                    out.add(c.def_.conname)
                elif c.subtype in (AlterTableType.AT_DropConstraint, AlterTableType.AT_ValidateConstraint):
                    out.add(c.name)
    return out


def created_index(sql: str) -> str | None:
    """schema.name of the index a CREATE INDEX statement builds, else None."""
    s = _parse(sql)
    return f"{s.relation.schemaname or 'public'}.{s.idxname}" if isinstance(s, ast.IndexStmt) and s.idxname else None


def index_name(sql: str) -> str | None:
    """schema.name of the index a CREATE INDEX or DROP INDEX statement is about, else None."""
    s = _parse(sql)
    if isinstance(s, ast.IndexStmt) and s.idxname:
        return f"{s.relation.schemaname or 'public'}.{s.idxname}"
    if isinstance(s, ast.DropStmt) and s.removeType == ObjectType.OBJECT_INDEX and len(s.objects or ()) == 1:
        parts = [n.sval for n in s.objects[0]]
        return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"
    return None


def concurrently(create_index_sql: str) -> str:
    """A CREATE INDEX statement as CREATE INDEX CONCURRENTLY. The keyword is inserted into the text
    (pglast deparses NULLS NOT DISTINCT after WHERE, which does not parse), and the result is
    checked by parsing: the same statement, now concurrent."""
    s = _parse(create_index_sql)
    if not isinstance(s, ast.IndexStmt):
        raise ValueError(f"not a CREATE INDEX statement: {create_index_sql}")
    if s.concurrent:
        return create_index_sql
    m = re.match(r"\s*CREATE\s+(UNIQUE\s+)?INDEX\s+", create_index_sql, re.IGNORECASE)
    out = None
    if m:
        out = create_index_sql[:m.end()] + "CONCURRENTLY " + create_index_sql[m.end():]
        t = _parse(out)
        if not (isinstance(t, ast.IndexStmt) and t.concurrent and t.idxname == s.idxname
                and t.nulls_not_distinct == s.nulls_not_distinct):
            out = None
    if out is None:
        d = sqltree.fresh(create_index_sql)
        assert isinstance(d, ast.IndexStmt)  # as `s` above
        d.concurrent = True
        out = _deparse(d)
    return out


def rewrite_operations(ops: "list[Operation]", new_tables: set[str], live_types: dict[tuple[str, str], str],
                       recreated: set[str], online: bool = True,
                       partitioned: set[str] = frozenset()) -> "list[Operation]":  # type: ignore[assignment]
    """`rewrite` (or `single_transaction`) on typed operations: each result is an operation with its
    phase and hazards; an operation the rewrite leaves as it is keeps its identity, one it turns into
    other statements (CONCURRENTLY, a NOT NULL proven by a CHECK, an index swapped in) is described
    anew."""
    from .engine.describe import describe

    by_sql = {op.sql: op for op in ops}
    statements = [op.sql for op in ops]
    out = rewrite(statements, new_tables, live_types, recreated, partitioned) if online \
        else single_transaction(statements, new_tables, live_types, recreated)
    return [(by_sql.get(r.sql) or describe(r.sql)).replace(phase=r.phase, hazards=r.hazards) for r in out]
