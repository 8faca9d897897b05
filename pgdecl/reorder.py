"""Column order: a live table whose columns, after the plan, are not in the order of the specs.

migra adds a column at the end (and several in name order) and never reorders. Columns that only
the plan adds are put in the specs' order for free: their ADD COLUMN statements are reordered. A
column that already exists can only move by being rebuilt, which rewrites the table under an
ACCESS EXCLUSIVE lock, so that is opt-in (`reorder_columns`, `--reorder-columns`); by default the
plan carries a note instead.

The rebuild keeps the table (its OID, and foreign keys into the columns that stay): the longest
prefix of the desired order whose columns are live, in the same relative order, stays; every other
column is made again at the end, in the desired order. In the plan's transaction:

1. each moved column is renamed aside (`<name>__pgdecl_reorder`);
2. one ALTER TABLE adds the moved columns (type and collation; generated ones with their
   expression) and the columns the plan adds anyway, in the desired order;
3. one UPDATE copies the set-aside values (user triggers paused, FORCE ROW LEVEL SECURITY lifted);
4. defaults, NOT NULL and identity (with the old sequence's position) are set, sequences owned by
   a moved column are owned by the new one, and the set-aside columns are dropped.

What depends on a moved column is made again from the desired definitions: migra is shown a live
snapshot (pgdecl.diff.reordered) in which indexes and constraints using it are absent and foreign
keys into it, views on the table, policies and triggers using it are changed, and pgdecl's catalog
snapshot without the moved columns' comments and privileges. The hazards of the steps come from
pgdecl.hazards (REORDER_MARK).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream
from pglast.visitors import Visitor

from . import sqltree
from .engine.describe import describe
from .engine.ops import Operation
from .hazards import REORDER_MARK
from .render import ident, literal

Tables = dict[str, dict[str, Any]]  # pgdecl.diff.table_columns


@dataclass(frozen=True)
class Move:
    """How one table's columns get to the desired order."""

    table: str                   # schema.table
    after: tuple[str, ...]       # the order the plan leaves without reordering
    desired: tuple[str, ...]
    prefix: tuple[str, ...]      # columns that stay where they are
    moved: tuple[str, ...]       # existing columns rebuilt at the end (desired order)
    added: tuple[str, ...]       # columns the plan adds with ADD COLUMN (desired order)
    blocked: str = ""            # why pgdecl cannot rebuild them, if it cannot

    @property
    def free(self) -> bool:
        """Only added columns to put in order: no rewrite."""
        return not self.moved and not self.blocked


def _parse(sql: str) -> ast.Node | None:
    return sqltree.statement(sql)  # shared: read, never changed


_COLUMN_STATEMENTS = ("AlterTableStmt", "RenameStmt", "DropStmt")


def _column_statement(sql: str) -> ast.Node | None:
    """The parse tree of an ALTER TABLE, RENAME or DROP statement, else None. libpg_query's JSON
    tree tells the kind first: building pglast's tree of every CREATE of a large plan costs."""
    if sqltree.kind(sql) not in _COLUMN_STATEMENTS:
        return None
    return _parse(sql)


def _rel(rv: ast.RangeVar | None) -> str:
    return "?" if rv is None else f"{rv.schemaname or 'public'}.{rv.relname}"


def _single_add(s: ast.Node | None) -> tuple[str, ast.ColumnDef] | None:
    """(table, column definition) of an ALTER TABLE with one ADD COLUMN and nothing else."""
    if isinstance(s, ast.AlterTableStmt) and s.objtype == ObjectType.OBJECT_TABLE and s.cmds and len(s.cmds) == 1 \
            and s.cmds[0].subtype == AlterTableType.AT_AddColumn:
        return _rel(s.relation), s.cmds[0].def_
    return None


def simulate(statements: list[str], columns: dict[str, list[str]]) -> tuple[dict[str, list[str]],
                                                                          dict[str, set[str]]]:
    """The column order of each live table after `statements` (table and column renames, ADD and
    DROP COLUMN, DROP TABLE), and the columns they add to each."""
    order = {t: list(cols) for t, cols in columns.items()}
    added: dict[str, set[str]] = {}
    for s in map(_column_statement, statements):
        if isinstance(s, ast.AlterTableStmt) and _rel(s.relation) in order:
            cols = order[_rel(s.relation)]
            for c in s.cmds or ():
                if c.subtype == AlterTableType.AT_AddColumn and c.def_.colname not in cols:
                    cols.append(c.def_.colname)
                    added.setdefault(_rel(s.relation), set()).add(c.def_.colname)
                elif c.subtype == AlterTableType.AT_DropColumn and c.name in cols:
                    cols.remove(c.name)
        elif isinstance(s, ast.RenameStmt) and s.renameType == ObjectType.OBJECT_COLUMN \
                and _rel(s.relation) in order:
            cols = order[_rel(s.relation)]
            if s.subname in cols:
                cols[cols.index(s.subname)] = s.newname
            table_added = added.get(_rel(s.relation), set())
            if s.subname in table_added:
                table_added.discard(s.subname)
                table_added.add(s.newname)
        elif isinstance(s, ast.RenameStmt) and s.renameType == ObjectType.OBJECT_TABLE \
                and _rel(s.relation) in order:
            new = f"{s.relation.schemaname or 'public'}.{s.newname}"
            order[new] = order.pop(_rel(s.relation))
            if _rel(s.relation) in added:
                added[new] = added.pop(_rel(s.relation))
        elif isinstance(s, ast.DropStmt) and s.removeType == ObjectType.OBJECT_TABLE:
            for obj in s.objects or ():
                names = [n.sval for n in obj]
                order.pop(".".join(names) if len(names) > 1 else f"public.{names[0]}", None)
    return order, added


class _ColumnRefs(Visitor):  # type: ignore[misc]  # pglast is not type-checked (follow_imports=skip)
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_ColumnRef(self, ancestors: Any, node: ast.ColumnRef) -> None:
        if node.fields and isinstance(node.fields[-1], ast.String):
            self.names.add(node.fields[-1].sval)


def _referenced(expr: str | None) -> set[str]:
    """Column names a generation expression uses."""
    v = _ColumnRefs()
    if expr:
        try:
            v(pglast.parse_sql(f"SELECT {expr}"))
        except ParseError:
            return {"*"}
    return v.names


def moves(statements: list[str], live: Tables, desired: Tables) -> list[Move]:
    """The tables whose column order after `statements` differs from the desired one."""
    after, added = simulate(statements, {t: list(info["columns"]) for t, info in live.items()})
    if all(after[t] == list(desired[t]["columns"]) for t in set(after) & set(desired)):
        return []
    single: dict[str, set[str]] = {}  # columns added by an ALTER TABLE of their own
    for found in filter(None, map(_single_add, map(_column_statement, statements))):
        single.setdefault(found[0], set()).add(found[1].colname)
    return _moves(after, added, single, live, desired)


def predicted(live: Tables, desired: Tables, readded: dict[str, dict[str, bool]]) -> list[Move]:
    """The moves the plan will make, known before the diff from the two sides alone: a column the
    desired side has and the live one lacks is added by an ALTER TABLE of its own (as migra writes
    it), one that only the live side has is dropped, and `readded` columns are dropped and added
    again at the end (column -> whether by an ALTER TABLE of its own: migra's for a column that
    becomes generated; pgdecl's, for a generated column whose expression changes before
    PostgreSQL 17, is not). The same moves as `moves` gives on the plan's statements, so the diff
    runs once."""
    after: dict[str, list[str]] = {}
    added: dict[str, set[str]] = {}
    single: dict[str, set[str]] = {}
    for table, info in live.items():
        if table not in desired:
            continue
        want, again = desired[table]["columns"], dict(readded.get(table, {}))
        for c, d in want.items():  # migra cannot make a column generated: it drops and adds it
            if d["generated"] and c in info["columns"] and not info["columns"][c]["generated"]:
                again.setdefault(c, True)
        kept = [c for c in info["columns"] if c in want and c not in again]
        new = [c for c in want if c not in info["columns"] or c in again]
        after[table] = kept + sorted(new)
        added[table] = set(new)
        single[table] = {c for c in new if again.get(c, True)}
    return _moves(after, added, single, live, desired)


def _moves(after: dict[str, list[str]], added: dict[str, set[str]], single: dict[str, set[str]],
           live: Tables, desired: Tables) -> list[Move]:
    out = []
    for table in sorted(set(after) & set(desired)):
        have, want = after[table], list(desired[table]["columns"])
        if have == want or set(have) != set(want):
            continue
        new = added.get(table, set())
        live_cols = [c for c in have if c not in new]  # surviving columns, in their live order
        position = {c: i for i, c in enumerate(live_cols)}
        prefix: list[str] = []
        for c in want:
            if c not in position or (prefix and position[c] < position[prefix[-1]]):
                break
            prefix.append(c)
        rest = want[len(prefix):]
        moved = tuple(c for c in rest if c in position or c not in single.get(table, set()))
        blocked = ""
        if desired[table]["inheritance"] or live.get(table, {}).get("inheritance"):
            blocked = "it takes part in inheritance or partitioning"
        else:
            # a generated column needs its sources when it is added, and goes when they are dropped
            defs, order_of = desired[table]["columns"], {c: i for i, c in enumerate(want)}
            for c in want:
                refs = _referenced(defs[c]["generated"]) if defs[c]["generated"] else set()
                late = {r for r in refs if r == "*" and rest or r in rest and order_of[r] > order_of[c]}
                if late:
                    blocked = (f"generated column {c} would come before {', '.join(sorted(late))}, which it is "
                               "computed from (only CREATE TABLE can do that)")
                    break
        out.append(Move(table, tuple(have), tuple(want), tuple(prefix), moved,
                        tuple(c for c in rest if c not in moved), blocked))
    return out


def note(move: Move) -> str:
    """What the plan says about a table it leaves out of order."""
    text = (f"{move.table}: after this plan its columns are ({', '.join(move.after)}); the specs order them "
            f"({', '.join(move.desired)}). ")
    if move.blocked:
        return text + f"pgdecl cannot reorder them: {move.blocked}."
    return text + (f"--reorder-columns rebuilds {', '.join(move.moved)} at the end of the table (every row copied "
                   "under an ACCESS EXCLUSIVE lock).")


def notes(statements: list[str], live_schema: Any, desired_schema: Any) -> tuple[str, ...]:
    """Notes for the tables a plan of `statements` leaves with their columns out of order."""
    from .diff import table_columns

    return tuple(note(m) for m in moves(statements, table_columns(live_schema), table_columns(desired_schema))
                 if not m.free)


# -- the rebuild ------------------------------------------------------------------------------------

def aside(column: str) -> str:
    """The name a moved column is set aside under while it is copied."""
    return f"{column[:40]}{REORDER_MARK}"


def _column_target(table: str, column: str) -> str:
    schema, name = table.split(".", 1)
    return f"COLUMN {ident(schema)}.{ident(name)}.{ident(column)}"


def _quoted(table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{ident(schema)}.{ident(name)}"


def _sequence_clause(options: tuple[Any, ...] | list[Any] | None) -> str:
    if not options:
        return ""
    _type, start, inc, lo, hi, cache, cycle = options
    return (f" START WITH {start} INCREMENT BY {inc} MINVALUE {lo} MAXVALUE {hi} CACHE {cache} "
            f"{'CYCLE' if cycle else 'NO CYCLE'}")


_ENABLE = {"O": "ENABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}


def rebuild(move: Move, live: dict[str, Any], desired: dict[str, Any], pulled: dict[str, str],
            desired_extra: dict[str, Any], live_extra: dict[str, Any], paused: dict[str, str]) -> list[str]:
    """The statements that rebuild `move.moved` at the end of the table, with the columns the plan
    adds (`pulled`: column -> its definition as migra writes it) in their desired places. `live` and
    `desired` are the table as pgdecl.diff.table_columns gives it; `paused` the user triggers (name
    -> enabled state) to pause during the copy. Kept whole: the four steps of the module docstring,
    in the order they must run, each a short block."""
    table = _quoted(move.table)
    defs = desired["columns"]
    identities = desired_extra.get("identities", {}).get(move.table, {})
    forced = bool(live_extra.get("force_rls", {}).get(table))
    out = [f"ALTER TABLE {table} RENAME COLUMN {ident(c)} TO {ident(aside(c))}" for c in move.moved
           if c in live["columns"]]
    before = [f"DISABLE TRIGGER {ident(t)}" for t in sorted(paused)]
    before += ["NO FORCE ROW LEVEL SECURITY"] if forced else []
    adds = []
    for c in move.desired[len(move.prefix):]:
        if c in pulled:
            adds.append(f"ADD COLUMN {pulled[c]}")
            continue
        d = defs[c]
        definition = f"{ident(c)} {d['type']}"
        if d["collation"]:
            definition += f" COLLATE {d['collation']}"  # qualified and quoted (pgdecl.diff)
        if d["generated"]:
            definition += f" GENERATED ALWAYS AS ({d['generated']}) STORED"
        adds.append(f"ADD COLUMN {definition}")
    out.append(f"ALTER TABLE {table} " + ", ".join(before + adds))
    copied = [c for c in move.moved if c in live["columns"] and not defs[c]["generated"]]
    if copied:
        out.append(f"UPDATE {table} SET " + ", ".join(f"{ident(c)} = {ident(aside(c))}" for c in copied))
    settings: list[str] = []
    renames: list[str] = []
    for c in move.moved:
        d = defs[c]
        if d["default"] is not None:
            settings.append(f"ALTER COLUMN {ident(c)} SET DEFAULT {d['default']}")
        if d["not_null"] or d["identity"]:
            settings.append(f"ALTER COLUMN {ident(c)} SET NOT NULL")
        if d["identity"] and c in identities:
            schema, name = identities[c]
            final = f"{ident(schema)}.{ident(name)}"
            temporary = f"{ident(schema)}.{ident(aside(name))}"
            options = desired_extra.get("sequences", {}).get(final)
            kind = "ALWAYS" if d["identity"] == "always" else "BY DEFAULT"
            settings.append(f"ALTER COLUMN {ident(c)} ADD GENERATED {kind} AS IDENTITY (SEQUENCE NAME {temporary}"
                            f"{_sequence_clause(options)})")
            renames.append(f"ALTER SEQUENCE {temporary} RENAME TO {ident(name)}")
    if settings:
        out.append(f"ALTER TABLE {table} " + ", ".join(settings))
    for c in move.moved:
        if defs[c]["identity"] and c in identities and (live["columns"].get(c) or {}).get("identity"):
            schema, name = identities[c]
            temporary = f"{ident(schema)}.{ident(aside(name))}"
            out.append(f"SELECT setval({literal(temporary)}, v) FROM pg_sequence_last_value("
                       f"pg_get_serial_sequence({literal(table)}, {literal(aside(c))})::regclass) AS v "
                       "WHERE v IS NOT NULL")
        seq = live["owned"].get(c)
        if seq and desired["owned"].get(c) == seq:
            out.append(f"ALTER SEQUENCE {seq} OWNED BY {table}.{ident(c)}")
    # generated columns first: a column they are computed from cannot go before them
    gone = sorted((c for c in move.moved if c in live["columns"]), key=lambda c: not live["columns"][c]["generated"])
    after = [f"DROP COLUMN {ident(aside(c))}" for c in gone]
    after += [f"{_ENABLE[state]} {ident(t)}" for t, state in sorted(paused.items())]
    after += ["FORCE ROW LEVEL SECURITY"] if forced else []
    out.append(f"ALTER TABLE {table} " + ", ".join(after))
    return out + renames


def _free(ops: list[Operation], move: Move) -> list[Operation]:
    """The plan's ADD COLUMN operations of a table put in the desired order, in the same slots."""
    slots = {}
    for i, op in enumerate(ops):
        found = _single_add(_column_statement(op.sql))
        if found and found[0] == move.table and found[1].colname in move.added:
            slots[found[1].colname] = i
    if set(slots) != set(move.added):
        return ops
    out = list(ops)
    for i, c in zip(sorted(slots.values()), move.added):
        out[i] = ops[slots[c]]
    return out


def _pull(ops: list[Operation], move: Move) -> tuple[list[Operation], dict[str, str]]:
    """The operations without the ADD COLUMN statements of the columns `move` adds, and those
    columns' definitions."""
    out, pulled = [], {}
    for op in ops:
        found = _single_add(_column_statement(op.sql))
        if found and found[0] == move.table and found[1].colname in move.added:
            pulled[found[1].colname] = RawStream()(found[1])
        else:
            out.append(op)
    return out, pulled


def _dropped_triggers(ops: list[Operation], table: str) -> set[str]:
    out = set()
    for op in ops:
        s = _column_statement(op.sql)
        if isinstance(s, ast.DropStmt) and s.removeType == ObjectType.OBJECT_TRIGGER:
            for obj in s.objects or ():
                names = [n.sval for n in obj]
                if ".".join(names[:-1]) in (table, table.split(".", 1)[1]):
                    out.add(names[-1])
    return out


def _position(ops: list[Operation], table: str) -> int:
    """Where a table's rebuild goes: after migra has changed its columns and dropped what depends
    on them, before the first operation that creates a dependant again."""
    prep, first_creation = -1, len(ops)
    for i, op in enumerate(ops):
        s = _parse(op.sql)
        creates = isinstance(s, (ast.IndexStmt, ast.ViewStmt, ast.CreateTableAsStmt, ast.CreatePolicyStmt,
                                 ast.CreateTrigStmt, ast.CommentStmt, ast.GrantStmt))
        prepares = isinstance(s, ast.DropStmt)
        if isinstance(s, ast.AlterTableStmt):
            kinds = {c.subtype for c in s.cmds or ()}
            if kinds & {AlterTableType.AT_AddConstraint, AlterTableType.AT_ValidateConstraint}:
                creates = True
            elif kinds & {AlterTableType.AT_DropConstraint} or _rel(s.relation) == table:
                prepares = True
        if creates:
            first_creation = min(first_creation, i)
        elif prepares and i < first_creation:
            prep = i
    return prep + 1 if prep >= 0 else first_creation


def _live_extra(live_extra: dict[str, Any], desired_extra: dict[str, Any], moves_: list[Move],
                comments: set[str]) -> dict[str, Any]:
    """pgdecl's catalog snapshot of the live side as the rebuild leaves it: moved columns without
    comments, privileges or generation expressions, objects made again without comments, and
    rebuilt identity sequences as new ones with the desired options."""
    out = dict(live_extra)
    columns = {_column_target(m.table, c) for m in moves_ for c in m.moved}
    out["comments"] = {k: v for k, v in live_extra["comments"].items() if k not in columns | comments}
    out["columns"] = {k: v for k, v in live_extra["columns"].items() if k not in columns}
    out["generated"] = {k: v for k, v in live_extra["generated"].items() if k not in columns}
    out["objects"] = dict(live_extra["objects"])
    out["sequences"] = dict(live_extra["sequences"])
    for m in moves_:
        for c in m.moved:
            for side in (live_extra, desired_extra):
                seq = side.get("identities", {}).get(m.table, {}).get(c)
                if seq:
                    out["objects"].pop(f"SEQUENCE {ident(seq[0])}.{ident(seq[1])}", None)
            seq = desired_extra.get("identities", {}).get(m.table, {}).get(c)
            if seq:
                target = f"{ident(seq[0])}.{ident(seq[1])}"
                if target in desired_extra["sequences"]:
                    out["sequences"][target] = desired_extra["sequences"][target]
    return out


def _readded(live_extra: dict[str, Any], desired_extra: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """Generated columns whose expression changes on a server before PostgreSQL 17: the plan drops
    and adds them again (pgdecl.catalog_diff), at the end of their table."""
    from .diff import canonical

    out: dict[str, dict[str, bool]] = {}
    if live_extra.get("version", 170000) >= 170000:
        return out
    live_generated = live_extra.get("generated", {})
    for key, want in desired_extra.get("generated", {}).items():
        have = live_generated.get(key)
        if have is not None and have["expr"] != want["expr"] \
                and canonical(have["expr"], "SELECT {}") != canonical(want["expr"], "SELECT {}"):
            out.setdefault(want["name"], {})[want["attname"]] = False
    return out


@dataclass(frozen=True)
class Rebuilds:
    """The tables --reorder-columns rebuilds, and the live side as the diff must see it then."""

    moves: tuple[Move, ...]
    live_schema: Any
    live_extra: dict[str, Any]

    @property
    def tables(self) -> set[str]:
        return {m.table for m in self.moves}


def rebuilds(live_schema: Any, desired_schema: Any, live_extra: dict[str, Any],
             desired_extra: dict[str, Any]) -> Rebuilds:
    """The rebuilds a plan with reorder_columns makes, worked out before its diff (`predicted`): the
    diff then runs once, against the live side as the rebuilds leave it (pgdecl.diff.reordered)."""
    from .diff import reordered, table_columns

    found = predicted(table_columns(live_schema), table_columns(desired_schema), _readded(live_extra, desired_extra))
    heavy = tuple(m for m in found if m.moved and not m.blocked)
    if not heavy:
        return Rebuilds((), live_schema, live_extra)
    after_schema, comments = reordered(live_schema, {m.table: set(m.moved) for m in heavy}, desired_schema)
    return Rebuilds(heavy, after_schema, _live_extra(live_extra, desired_extra, list(heavy), comments))


def columns(ops: list[Operation], rebuilt: Rebuilds, live_schema: Any, desired_schema: Any,
            live_extra: dict[str, Any], desired_extra: dict[str, Any]) -> list[Operation]:
    """The plan's operations with columns put in the desired order: added ones always (their ADD
    COLUMN operations swap places), the `rebuilt` tables' existing ones by the rebuild statements,
    placed after what drops their dependants and before what creates them again. `live_schema` and
    `live_extra` are the live side as read (before the rebuilds)."""
    from .diff import table_columns

    live, desired = table_columns(live_schema), table_columns(desired_schema)
    for m in moves([op.sql for op in ops], live, desired):
        if m.free and m.table not in rebuilt.tables:
            ops = _free(ops, m)
    for m in rebuilt.moves:
        ops, pulled = _pull(ops, m)
        at = _position(ops, m.table)
        paused = {t: state for t, state in live[m.table]["triggers"].items()
                  if t in desired[m.table]["triggers"] and state in _ENABLE
                  and t not in _dropped_triggers(ops[:at], m.table)}
        ops[at:at] = [describe(sql, source="reorder")
                      for sql in rebuild(m, live[m.table], desired[m.table], pulled, desired_extra, live_extra, paused)]
    return ops
