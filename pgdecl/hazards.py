"""Hazards of a DDL statement, read from its pglast parse tree (never by regex on SQL text)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import AbstractSet, Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream

from . import sqltree

DATA_LOSS = "data_loss"          # rows or values are deleted or cannot be got back
TABLE_REWRITE = "table_rewrite"  # the whole table is rewritten under an ACCESS EXCLUSIVE lock
LONG_LOCK = "long_lock"          # writes (or reads) blocked for as long as a build or scan takes
FULL_SCAN = "full_scan"          # the whole table is read to check a constraint, under a lock
DROP = "drop"                    # an object other code may use disappears (view, function, index, ...)
SECURITY = "security"            # privileges revoked, row-level security or a policy dropped or weakened
UNPARSED = "unparsed"            # pglast could not parse it: nothing is known, so it is not safe

NOT_NULL_HELPER_SUFFIX = "_not_null_pgdecl"  # pgdecl's own CHECK proving a column NOT NULL (pgdecl.online)
REORDER_MARK = "__pgdecl_reorder"  # a column set aside, or a sequence made, while pgdecl.reorder rebuilds columns

KINDS = (DATA_LOSS, TABLE_REWRITE, LONG_LOCK, FULL_SCAN, DROP, SECURITY, UNPARSED)


@dataclass(frozen=True)
class Hazard:
    kind: str
    message: str


_LOSSY_DROPS = {
    ObjectType.OBJECT_TABLE: "table", ObjectType.OBJECT_SCHEMA: "schema", ObjectType.OBJECT_TYPE: "type",
    ObjectType.OBJECT_SEQUENCE: "sequence", ObjectType.OBJECT_MATVIEW: "materialized view",
    ObjectType.OBJECT_EXTENSION: "extension", ObjectType.OBJECT_DOMAIN: "domain",
    ObjectType.OBJECT_FOREIGN_TABLE: "foreign table",
}

_INT_RANK = {"int2": 1, "smallint": 1, "int4": 2, "integer": 2, "int": 2, "int8": 3, "bigint": 3}


def _rel(rv: ast.RangeVar | None) -> str:
    if rv is None:
        return "?"
    return f"{rv.schemaname or 'public'}.{rv.relname}"


def _obj_names(stmt: ast.DropStmt) -> list[str]:
    out = []
    for obj in stmt.objects or ():
        if isinstance(obj, tuple):
            out.append(".".join(getattr(n, "sval", "?") for n in obj))
        elif isinstance(obj, ast.TypeName):
            out.append(".".join(n.sval for n in obj.names))
        elif isinstance(obj, ast.ObjectWithArgs):
            out.append(".".join(n.sval for n in obj.objname))
        elif isinstance(obj, ast.String):
            out.append(obj.sval)
        else:
            out.append(str(obj))
    return out


def _type_text(tn: ast.TypeName) -> tuple[str, tuple[int, ...]]:
    name = tn.names[-1].sval
    mods = tuple(getattr(getattr(m, "val", None), "ival", -1) for m in (tn.typmods or ()))
    return name, mods


def _parse_type(text: str) -> tuple[str, tuple[int, ...]] | None:
    try:
        stmt = sqltree.one(f"SELECT NULL::{text}")
        return _type_text(stmt.targetList[0].val.typeName) if stmt is not None else None
    except Exception:
        return None


def lossless_type_change(old: str | None, new: tuple[str, tuple[int, ...]]) -> bool:
    """True only for changes that keep every value: widening integers, lengths and precision."""
    if old is None:
        return False
    o = _parse_type(old)
    if o is None:
        return False
    (oname, omods), (nname, nmods) = o, new
    if oname in _INT_RANK and nname in _INT_RANK:
        return _INT_RANK[nname] >= _INT_RANK[oname]
    if oname in _INT_RANK and nname == "numeric":
        return not nmods or (nmods[0] - (nmods[1] if len(nmods) > 1 else 0)) >= {1: 5, 2: 10, 3: 19}[_INT_RANK[oname]]
    if oname in ("varchar", "bpchar") and nname == "text":
        return True
    if oname == "varchar" and nname == "varchar":
        return not nmods or (bool(omods) and nmods[0] >= omods[0])
    if oname == "numeric" and nname == "numeric":
        if not nmods:
            return True
        if not omods:
            return False
        oscale = omods[1] if len(omods) > 1 else 0
        nscale = nmods[1] if len(nmods) > 1 else 0
        return nscale >= oscale and nmods[0] - nscale >= omods[0] - oscale
    if (oname, nname) in {("timestamp", "timestamptz"), ("float4", "float8"), ("citext", "text"), ("text", "citext")}:
        return True
    return oname == nname and omods == nmods


def _is_volatile_default(expr: ast.Node | None) -> bool:
    """A default that must be computed per row (forces a rewrite when a column is added)."""
    if expr is None:
        return False
    text = RawStream()(expr).lower()
    return bool(re.search(r"\b(random|gen_random_uuid|uuid_generate_v\w+|nextval|clock_timestamp|timeofday)\s*\(", text))


def classify(sql: str, live_types: dict[tuple[str, str], str] | None = None,
             new_tables: Iterable[str] = (), recreated: Iterable[str] = ()) -> tuple[Hazard, ...]:
    """The hazards of one statement. `live_types` maps (schema.table, column) to its current type;
    `new_tables` are created by the same plan, so locking them hurts nobody; `recreated` views and
    functions are created again by the same plan, so dropping them first loses nothing."""
    try:
        stmts = sqltree.parse(sql)
    except ParseError as e:
        return (Hazard(UNPARSED, f"cannot be classified: {e.args[0]}"),)
    live_types = live_types or {}
    # sets taken as they are: a plan into an empty database classifies thousands of statements
    # against the same ten thousand new tables (a copy per statement took 0.5 s there)
    new: AbstractSet[str] = new_tables if isinstance(new_tables, (set, frozenset)) else set(new_tables)
    again: AbstractSet[str] = recreated if isinstance(recreated, (set, frozenset)) else set(recreated)
    out: list[Hazard] = []
    for raw in stmts:
        s = raw.stmt
        if isinstance(s, ast.DropStmt) and s.removeType in (ObjectType.OBJECT_VIEW, ObjectType.OBJECT_FUNCTION) \
                and s.behavior != 1 and all(_qualified(n) in again for n in _obj_names(s)):
            continue
        if isinstance(s, ast.GrantStmt) and not s.is_grant and _grant_objects(s) \
                and all(n in new or n in again for n in _grant_objects(s)):
            continue  # privileges taken from an object the same plan creates: nobody had them
        out += _classify(s, live_types, new)
    return tuple(dict.fromkeys(out))


def _grant_objects(s: ast.GrantStmt) -> list[str]:
    """Qualified names of the tables, views, sequences and functions of a GRANT/REVOKE."""
    out = []
    for obj in s.objects or ():
        if isinstance(obj, ast.RangeVar):
            out.append(_rel(obj))
        elif isinstance(obj, ast.ObjectWithArgs):
            out.append(_qualified(".".join(n.sval for n in obj.objname)))
        else:
            return []  # schemas, types, ...: not tracked as created by the plan
    return out


def _reorder(s: ast.Node) -> list[Hazard] | None:
    """The hazards of pgdecl.reorder's steps, recognised by REORDER_MARK: a column renamed aside
    and the copy of the set-aside columns rewrite the table under an ACCESS EXCLUSIVE lock (dropping
    a set-aside column loses nothing: it was copied); None for any other statement."""
    def lock(table: str) -> Hazard:
        return Hazard(LONG_LOCK, f"holds an ACCESS EXCLUSIVE lock on {table} (reads and writes wait) until the "
                                 "plan's transaction commits")

    if isinstance(s, ast.RenameStmt) and s.renameType == ObjectType.OBJECT_COLUMN \
            and (s.newname or "").endswith(REORDER_MARK):
        table = _rel(s.relation)
        return [Hazard(TABLE_REWRITE, f"moves column {table}.{s.subname} to the end of the table (set aside, copied "
                                      "into a new column, dropped): every row is rewritten"), lock(table)]
    if isinstance(s, ast.RenameStmt) and s.renameType == ObjectType.OBJECT_SEQUENCE \
            and s.relation.relname.endswith(REORDER_MARK):
        return []  # the rebuilt identity column's sequence takes the old one's name
    if isinstance(s, ast.UpdateStmt) and s.targetList and all(
            isinstance(t.val, ast.ColumnRef) and isinstance(t.val.fields[-1], ast.String)
            and t.val.fields[-1].sval.endswith(REORDER_MARK) for t in s.targetList):
        table = _rel(s.relation)
        names = ", ".join(t.name for t in s.targetList)
        return [Hazard(TABLE_REWRITE, f"copies column(s) {names} of {table} into their new places: every row is "
                                      "rewritten (the table needs room for a second copy until VACUUM)"), lock(table)]
    return None


def _classify(s: ast.Node, live_types: dict[tuple[str, str], str], new: AbstractSet[str]) -> list[Hazard]:
    """The hazards of one parsed statement. Kept whole (~60 lines): one short branch per kind of
    statement that can lose data, lock or rewrite."""
    reorder = _reorder(s)
    if reorder is not None:
        return reorder
    out: list[Hazard] = []
    if isinstance(s, ast.DropStmt):
        names = ", ".join(_obj_names(s))
        if s.removeType in _LOSSY_DROPS:
            out.append(Hazard(DATA_LOSS, f"drops {_LOSSY_DROPS[s.removeType]} {names}"))
        elif s.removeType == ObjectType.OBJECT_POLICY:
            out.append(Hazard(SECURITY, f"drops policy {names}"))
        else:
            kind = ObjectType(s.removeType).name.removeprefix("OBJECT_").lower().replace("_", " ")
            out.append(Hazard(DROP, f"drops {kind} {names}"))
            if s.removeType == ObjectType.OBJECT_INDEX and not s.concurrent:
                out.append(Hazard(LONG_LOCK, f"drops index {names} without CONCURRENTLY (blocks the table)"))
        if s.behavior == 1:  # DROP_CASCADE
            out.append(Hazard(DATA_LOSS, f"drops {names} with CASCADE: dependent objects go too"))
    elif isinstance(s, (ast.TruncateStmt,)):
        out.append(Hazard(DATA_LOSS, "truncates " + ", ".join(_rel(r) for r in s.relations)))
    elif isinstance(s, ast.DeleteStmt):
        out.append(Hazard(DATA_LOSS, f"deletes rows of {_rel(s.relation)}"))
    elif isinstance(s, ast.UpdateStmt):
        out.append(Hazard(DATA_LOSS, f"updates rows of {_rel(s.relation)}"))
    elif isinstance(s, ast.IndexStmt):
        table = _rel(s.relation)
        if not s.concurrent and table not in new:
            out.append(Hazard(LONG_LOCK, f"builds index {s.idxname} on {table} without CONCURRENTLY (blocks writes)"))
    elif isinstance(s, ast.AlterTableStmt):
        table = _rel(s.relation)
        # DROP COLUMN c, ADD COLUMN c GENERATED ALWAYS AS (...) STORED: c is recomputed, nothing is lost
        regenerated = {c.def_.colname for c in s.cmds or () if c.subtype == AlterTableType.AT_AddColumn
                       and any(k.contype == ConstrType.CONSTR_GENERATED for k in (c.def_.constraints or ()))}
        dropped = {c.name for c in s.cmds or () if c.subtype == AlterTableType.AT_DropColumn}
        for cmd in s.cmds or ():
            col = cmd.name if cmd.subtype == AlterTableType.AT_DropColumn else getattr(cmd.def_, "colname", None)
            if cmd.subtype == AlterTableType.AT_DropColumn and cmd.name.endswith(REORDER_MARK):
                continue  # set aside by pgdecl.reorder and copied: nothing is lost
            if col in regenerated & dropped:
                if cmd.subtype == AlterTableType.AT_DropColumn and table not in new:
                    out.append(Hazard(TABLE_REWRITE, f"recomputes generated column {table}.{col} (dropped and "
                                                     "added again): rewrites the table"))
                continue
            out += _alter_table_cmd(cmd, table, live_types, new)
    elif isinstance(s, ast.AlterDomainStmt):
        name = ".".join(n.sval for n in s.typeName)
        if s.subtype == "O":
            out.append(Hazard(FULL_SCAN, f"SET NOT NULL on domain {name} scans every column of that type"))
        elif s.subtype == "C" and not getattr(s.def_, "skip_validation", False) or s.subtype == "V":
            out.append(Hazard(FULL_SCAN, f"checks every value of domain {name} in every table, under a lock"))
        elif s.subtype == "X":
            out.append(Hazard(DROP, f"drops constraint {s.name} of domain {name}"))
    elif isinstance(s, ast.RenameStmt):
        out.append(Hazard(DROP, "renames an object: code using the old name breaks"))
    elif isinstance(s, ast.GrantStmt) and not s.is_grant:
        out.append(Hazard(SECURITY, "revokes privileges"))
    elif isinstance(s, ast.AlterDefaultPrivilegesStmt) and not s.action.is_grant:
        out.append(Hazard(SECURITY, "revokes default privileges"))
    elif isinstance(s, ast.AlterEnumStmt) and s.oldVal:
        out.append(Hazard(DROP, f"renames enum value {s.oldVal!r}"))
    elif isinstance(s, ast.AlterSeqStmt):
        pass
    return out


def _alter_table_cmd(cmd: ast.AlterTableCmd, table: str, live_types: dict[tuple[str, str], str],
                     new: AbstractSet[str]) -> list[Hazard]:
    t = cmd.subtype
    out: list[Hazard] = []
    if t == AlterTableType.AT_DropColumn:
        out.append(Hazard(DATA_LOSS, f"drops column {table}.{cmd.name}"))
    elif t == AlterTableType.AT_AlterColumnType:
        col = cmd.name
        newtype = _type_text(cmd.def_.typeName)
        old = live_types.get((table, col))
        if not lossless_type_change(old, newtype):
            out.append(Hazard(DATA_LOSS, f"changes type of {table}.{col} from {old or '?'} to {newtype[0]}: "
                                         "values may be cut or fail to convert"))
        if table not in new:
            out.append(Hazard(TABLE_REWRITE, f"changes type of {table}.{col}: may rewrite the table under an exclusive lock"))
    elif t == AlterTableType.AT_SetNotNull and table not in new:
        out.append(Hazard(FULL_SCAN, f"SET NOT NULL on {table}.{cmd.name} scans the table under an exclusive lock"))
    elif t == AlterTableType.AT_AddConstraint:
        c = cmd.def_
        if isinstance(c, ast.Constraint) and table not in new:
            ctype = c.contype
            if ctype in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN) and not c.skip_validation:
                out.append(Hazard(FULL_SCAN, f"adds constraint {c.conname} on {table}, validating every row under a lock"))
            elif ctype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION) \
                    and not c.indexname:
                out.append(Hazard(LONG_LOCK, f"adds constraint {c.conname} on {table}, building its index under a lock"))
    elif t == AlterTableType.AT_DropConstraint and not cmd.name.endswith(NOT_NULL_HELPER_SUFFIX):
        out.append(Hazard(DROP, f"drops constraint {cmd.name} on {table}"))
    elif t == AlterTableType.AT_AddColumn and table not in new:
        coldef = cmd.def_
        default = next((c.raw_expr for c in (coldef.constraints or ()) if c.contype == ConstrType.CONSTR_DEFAULT), None)
        generated = any(c.contype == ConstrType.CONSTR_GENERATED for c in (coldef.constraints or ()))
        if _is_volatile_default(default) or generated:
            out.append(Hazard(TABLE_REWRITE, f"adds column {table}.{coldef.colname} with a per-row value: rewrites the table"))
        notnull = any(c.contype == ConstrType.CONSTR_NOTNULL for c in (coldef.constraints or ()))
        if notnull and default is None and not generated:
            out.append(Hazard(FULL_SCAN, f"adds NOT NULL column {table}.{coldef.colname} without a default: "
                                         "fails if the table has rows"))
    elif t in (AlterTableType.AT_DisableRowSecurity, AlterTableType.AT_NoForceRowSecurity):
        out.append(Hazard(SECURITY, f"weakens row-level security on {table}"))
    elif t == AlterTableType.AT_SetExpression and table not in new:
        out.append(Hazard(TABLE_REWRITE, f"changes the generation expression of {table}.{cmd.name}: rewrites the table"))
    elif t == AlterTableType.AT_DropExpression:
        out.append(Hazard(TABLE_REWRITE, f"drops the generation expression of {table}.{cmd.name}"))
    elif t == AlterTableType.AT_DetachPartition:
        part = cmd.def_.name
        out.append(Hazard(DROP, f"detaches partition {part.schemaname or 'public'}.{part.relname} from {table}: "
                                "its rows no longer show in the table"))
    elif t == AlterTableType.AT_AttachPartition and cmd.def_.bound is not None and table not in new:
        part = cmd.def_.name
        out.append(Hazard(FULL_SCAN, f"attaches {part.schemaname or 'public'}.{part.relname} to {table}, scanning "
                                     "its rows (and a default partition's) to check the bounds"))
    return out


def dropped_objects(statements: Iterable[str]) -> set[str]:
    """Qualified names of relations, types and functions that DROP statements of a plan remove."""
    out = set()
    for sql in statements:
        try:
            for raw in sqltree.parse(sql):
                if isinstance(raw.stmt, ast.DropStmt):
                    out |= {_qualified(n) for n in _obj_names(raw.stmt)}
        except ParseError:
            continue
    return out


def _qualified(name: str) -> str:
    return name if "." in name else f"public.{name}"


def created_tables(statements: Iterable[str]) -> set[str]:
    return {name for kind, name in created_objects(statements) if kind == "table"}


def recreated_objects(statements: Iterable[str]) -> set[str]:
    """Views and functions the plan creates (again), by qualified name."""
    return {name for kind, name in created_objects(statements) if kind in ("view", "function")}


def created_objects(statements: Iterable[str]) -> set[tuple[str, str]]:
    out = set()
    for sql in statements:
        try:
            for raw in sqltree.parse(sql):
                s = raw.stmt
                if isinstance(s, ast.CreateStmt):
                    out.add(("table", _rel(s.relation)))
                elif isinstance(s, ast.ViewStmt):
                    out.add(("view", _rel(s.view)))
                elif isinstance(s, ast.CreateTableAsStmt):
                    out.add(("view", _rel(s.into.rel)))
                elif isinstance(s, ast.CreateFunctionStmt):
                    out.add(("function", _qualified(".".join(n.sval for n in s.funcname))))
        except ParseError:
            continue
    return out
