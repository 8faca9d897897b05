"""Statement -> Operation: what one DDL statement is about, read once from its pglast parse tree.

Names that a statement leaves unqualified are taken to be in `public` (migra and pgdecl's own diff
qualify everything they write; a guess that is wrong only costs an ordering edge that no operation
provides). Built-in objects (`pg_catalog`) are never needs: nothing in a plan provides them.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from .. import sqltree
from .ops import (
    ACCESS_EXCLUSIVE, ALTER, COLUMN, COMMENT, CONSTRAINT, CREATE, DROP, EXTENSION, FUNCTION, GRANT, KEY,
    NO_LOCK, OTHER, POLICY, RELATION, RENAME, REPLACE, REVOKE, ROLE, SCHEMA, SET, SHARE, SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE, TRIGGER, TYPE, VALUE_SOURCE, COLUMNS, DEFAULT_ACL, LITERAL, ObjectId, Operation,
)

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})

_RELATION_DROPS = {ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW,
                   ObjectType.OBJECT_INDEX, ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_FOREIGN_TABLE}
_TYPE_DROPS = {ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN}
_FUNCTION_DROPS = {ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_AGGREGATE,
                   ObjectType.OBJECT_ROUTINE}
_ON_TABLE = {ObjectType.OBJECT_TRIGGER: TRIGGER, ObjectType.OBJECT_POLICY: POLICY,
             ObjectType.OBJECT_TABCONSTRAINT: CONSTRAINT, ObjectType.OBJECT_RULE: "rule"}
_QUALIFIED_DROPS = {ObjectType.OBJECT_TSCONFIGURATION: "tsconfig", ObjectType.OBJECT_TSDICTIONARY: "tsdictionary",
                    ObjectType.OBJECT_COLLATION: "collation", ObjectType.OBJECT_STATISTIC_EXT: "statistics"}
_GLOBAL_DROPS = {ObjectType.OBJECT_EVENT_TRIGGER: "event_trigger", ObjectType.OBJECT_PUBLICATION: "publication"}

# ALTER TABLE sub-commands that change one column in place
_COLUMN_CMDS = {
    AlterTableType.AT_AlterColumnType, AlterTableType.AT_ColumnDefault, AlterTableType.AT_SetNotNull,
    AlterTableType.AT_DropNotNull, AlterTableType.AT_AddIdentity, AlterTableType.AT_SetIdentity,
    AlterTableType.AT_DropIdentity, AlterTableType.AT_SetStatistics, AlterTableType.AT_SetStorage,
    AlterTableType.AT_SetOptions, AlterTableType.AT_ResetOptions, AlterTableType.AT_DropExpression,
    AlterTableType.AT_SetCompression,
}
_WEAK_LOCK_CMDS = {AlterTableType.AT_SetStatistics: SHARE_UPDATE_EXCLUSIVE,
                   AlterTableType.AT_ValidateConstraint: SHARE_UPDATE_EXCLUSIVE,
                   AlterTableType.AT_SetRelOptions: SHARE_UPDATE_EXCLUSIVE,
                   AlterTableType.AT_ResetRelOptions: SHARE_UPDATE_EXCLUSIVE,
                   AlterTableType.AT_ClusterOn: SHARE_UPDATE_EXCLUSIVE,
                   AlterTableType.AT_DropCluster: SHARE_UPDATE_EXCLUSIVE}


def _qualified(names: Iterable[Any]) -> tuple[str, str]:
    """(schema, name) of a list of String nodes; `public` when unqualified."""
    parts = [getattr(n, "sval", "") for n in names]
    if not parts:
        return "public", ""
    return (parts[-2] if len(parts) > 1 else "public"), parts[-1]


def relation_id(rv: ast.RangeVar) -> ObjectId:
    return ObjectId(RELATION, rv.schemaname or "public", rv.relname)


def _walk(node: Any) -> Iterator[Any]:
    """Every node below `node` (itself included), depth first, without pglast's Visitor machinery."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            stack.extend(n)
        elif isinstance(n, ast.Node):
            yield n
            for slot in type(n).__slots__:
                if slot != "location":
                    child = getattr(n, slot, None)
                    if isinstance(child, (ast.Node, tuple)):
                        stack.append(child)


def references(node: Any) -> set[ObjectId]:
    """Relations, types, functions and columns (of foreign keys and index elements) a tree uses."""
    out: set[ObjectId] = set()
    for n in _walk(node):
        if isinstance(n, ast.RangeVar):
            out.add(relation_id(n))
            out.add(ObjectId(COLUMNS, n.schemaname or "public", n.relname))  # after its columns change
        elif isinstance(n, ast.TypeName) and n.names:
            schema, name = _qualified(n.names)
            if schema not in SYSTEM_SCHEMAS and len(n.names) <= 2:
                out.add(ObjectId(TYPE, schema, name))
        elif isinstance(n, ast.FuncCall) and n.funcname:
            schema, name = _qualified(n.funcname)
            if schema not in SYSTEM_SCHEMAS:
                out.add(ObjectId(FUNCTION, schema, name))
        elif isinstance(n, ast.Constraint) and n.contype == ConstrType.CONSTR_FOREIGN and n.pktable is not None:
            out.add(key_id(n.pktable, n.pk_attrs))
        elif isinstance(n, ast.A_Const) and isinstance(n.val, ast.String) and _NAME.fullmatch(n.val.sval or ""):
            out.add(ObjectId(LITERAL, "", n.val.sval))
    for oid in list(out):
        if oid.schema and oid.kind != SCHEMA:
            out.add(ObjectId(SCHEMA, "", oid.schema))
    return out


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")

_DEFINED = {ObjectType.OBJECT_TSCONFIGURATION: "tsconfig", ObjectType.OBJECT_TSDICTIONARY: "tsdictionary",
            ObjectType.OBJECT_TSTEMPLATE: "tstemplate", ObjectType.OBJECT_TSPARSER: "tsparser",
            ObjectType.OBJECT_COLLATION: "collation", ObjectType.OBJECT_AGGREGATE: FUNCTION,
            ObjectType.OBJECT_OPERATOR: "operator", ObjectType.OBJECT_TYPE: TYPE}


def literal_names(schema: str, name: str) -> set[ObjectId]:
    """How SQL may name an object in a string: bare and schema-qualified."""
    return {ObjectId(LITERAL, "", name), ObjectId(LITERAL, "", f"{schema}.{name}")}


def _define(s: ast.DefineStmt) -> tuple[ObjectId, set[ObjectId], set[ObjectId]]:
    """CREATE TEXT SEARCH CONFIGURATION / DICTIONARY, COLLATION, AGGREGATE, OPERATOR, base TYPE: the
    object, what it provides (its names as strings too) and needs (each name in its definition, as
    whatever kind could bear it)."""
    kind = _DEFINED.get(s.kind, "other")
    schema, name = _qualified(s.defnames or ())
    obj = ObjectId(kind, schema, name)
    needs: set[ObjectId] = set()
    for d in s.definition or ():
        arg = getattr(d, "arg", None)
        if isinstance(arg, ast.TypeName) and arg.names:
            sch, nm = _qualified(arg.names)
            if sch not in SYSTEM_SCHEMAS:
                needs |= {ObjectId(k, sch, nm) for k in (TYPE, FUNCTION, "tsconfig", "tsdictionary", "tstemplate",
                                                          "tsparser", "collation")}
        needs |= references(arg) if isinstance(arg, ast.Node) else set()
    needs |= references(getattr(s, "args", None))
    return obj, {obj} | literal_names(schema, name), needs


def cast_id(source: ast.TypeName, target: ast.TypeName) -> ObjectId:
    """A cast by its types' bare internal names (`pair AS int4`), as the dependency graph names it."""
    def bare(t: ast.TypeName) -> str:
        names = list(t.names or ())
        return str(getattr(names[-1], "sval", "")) + ("[]" if t.arrayBounds else "") if names else ""

    return ObjectId("cast", "", f"{bare(source)} AS {bare(target)}")


def key_id(table: ast.RangeVar, columns: Iterable[Any] | None) -> ObjectId:
    """A unique key of a table (constraint or unique index) as foreign keys need it; `()` for the
    primary key a foreign key without columns references."""
    cols = sorted(getattr(c, "sval", None) or getattr(c, "name", None) or "?" for c in columns or ())
    return ObjectId(KEY, table.schemaname or "public", f"{table.relname}({','.join(cols)})")


def _columns(rv: ast.RangeVar, names: Iterable[str]) -> set[ObjectId]:
    return {ObjectId(COLUMN, rv.schemaname or "public", f"{rv.relname}.{c}") for c in names}


def _constraint(rv: ast.RangeVar, c: ast.Constraint, provides: set[ObjectId], needs: set[ObjectId]) -> None:
    """What a table constraint provides (itself, a key and its index) and needs."""
    schema = rv.schemaname or "public"
    if c.conname:
        provides.add(ObjectId(CONSTRAINT, schema, f"{rv.relname}.{c.conname}"))
    if c.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
        if c.keys:
            provides.add(key_id(rv, c.keys))
        if c.contype == ConstrType.CONSTR_PRIMARY:
            provides.add(key_id(rv, ()))
        if c.indexname:
            needs.add(ObjectId(RELATION, schema, c.indexname))
        elif c.conname:
            provides.add(ObjectId(RELATION, schema, c.conname))
    elif c.contype == ConstrType.CONSTR_FOREIGN and c.pktable is not None:
        needs.add(relation_id(c.pktable))
        needs.add(key_id(c.pktable, c.pk_attrs))
        needs |= _columns(rv, (a.sval for a in c.fk_attrs or ()))
    needs |= references(c.raw_expr) if c.raw_expr is not None else set()


def _create_table(s: ast.CreateStmt) -> tuple[set[ObjectId], set[ObjectId]]:
    rv = s.relation
    schema = rv.schemaname or "public"
    provides = {relation_id(rv), ObjectId(TYPE, schema, rv.relname)}
    needs: set[ObjectId] = {relation_id(p) for p in s.inhRelations or ()}
    for elt in s.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            provides |= _columns(rv, [elt.colname])
            needs |= references(elt.typeName) | references(elt.raw_default)
            for c in elt.constraints or ():
                if c.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE) and not c.keys:
                    provides.add(key_id(rv, [ast.String(elt.colname)]))
                _constraint(rv, c, provides, needs)
        elif isinstance(elt, ast.Constraint):
            _constraint(rv, elt, provides, needs)
    if s.partspec is not None:
        needs |= references(s.partspec)
    return provides, needs


def _alter_table(s: ast.AlterTableStmt) -> tuple[set[ObjectId], set[ObjectId], set[ObjectId], set[ObjectId], str]:
    """(provides, needs, removes, touches, lock) of an ALTER TABLE. Kept whole: one branch per
    sub-command, each a few lines, side by side so a new sub-command is one more branch."""
    rv = s.relation
    schema = rv.schemaname or "public"
    provides: set[ObjectId] = set()
    removes: set[ObjectId] = set()
    touches: set[ObjectId] = set()
    needs: set[ObjectId] = {relation_id(rv)}
    locks: set[str] = set()
    for cmd in s.cmds or ():
        sub = cmd.subtype
        locks.add(_WEAK_LOCK_CMDS.get(sub, ACCESS_EXCLUSIVE))
        if sub == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
            provides |= _columns(rv, [cmd.def_.colname])
            needs |= references(cmd.def_.typeName) | references(cmd.def_.raw_default)
            for c in cmd.def_.constraints or ():
                _constraint(rv, c, provides, needs)
        elif sub == AlterTableType.AT_DropColumn:
            removes |= _columns(rv, [cmd.name])
        elif sub in _COLUMN_CMDS and cmd.name:
            touches |= _columns(rv, [cmd.name])
            needs |= references(cmd.def_) if isinstance(cmd.def_, ast.Node) else set()
            source = ObjectId(VALUE_SOURCE, schema, f"{rv.relname}.{cmd.name}")
            if sub in (AlterTableType.AT_DropIdentity, AlterTableType.AT_DropExpression) or \
                    (sub == AlterTableType.AT_ColumnDefault and cmd.def_ is None):
                removes.add(source)
            elif sub in (AlterTableType.AT_AddIdentity, AlterTableType.AT_ColumnDefault):
                provides.add(source)
        elif sub == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            if cmd.def_.contype == ConstrType.CONSTR_FOREIGN:
                locks.discard(ACCESS_EXCLUSIVE)
                locks.add(SHARE_ROW_EXCLUSIVE)
            _constraint(rv, cmd.def_, provides, needs)
        elif sub == AlterTableType.AT_DropConstraint and cmd.name:
            removes.add(ObjectId(CONSTRAINT, schema, f"{rv.relname}.{cmd.name}"))
        elif sub == AlterTableType.AT_ValidateConstraint and cmd.name:
            touches.add(ObjectId(CONSTRAINT, schema, f"{rv.relname}.{cmd.name}"))
        elif sub in (AlterTableType.AT_AttachPartition,):
            needs |= references(cmd.def_)
            needs |= {ObjectId(COLUMNS, r.schema, r.name) for r in references(cmd.def_) if r.kind == RELATION}
            needs.add(ObjectId(COLUMNS, schema, rv.relname))
            touches.add(relation_id(rv))
        elif sub == AlterTableType.AT_AddInherit:
            needs |= references(cmd.def_)
            needs |= {ObjectId(COLUMNS, r.schema, r.name) for r in references(cmd.def_) if r.kind == RELATION}
            needs.add(ObjectId(COLUMNS, schema, rv.relname))
            touches.add(relation_id(rv))
        elif sub == AlterTableType.AT_ReplicaIdentity and isinstance(cmd.def_, ast.ReplicaIdentityStmt) \
                and cmd.def_.name:
            needs.add(ObjectId(RELATION, schema, cmd.def_.name))  # USING INDEX: the index first
            touches.add(relation_id(rv))
        elif sub == AlterTableType.AT_ClusterOn and cmd.name:
            needs.add(ObjectId(RELATION, schema, cmd.name))  # the index it clusters on
            touches.add(relation_id(rv))
        elif sub == AlterTableType.AT_DetachPartition:
            touches |= references(cmd.def_)
            touches.add(relation_id(rv))
        else:
            touches.add(relation_id(rv))
            if isinstance(cmd.def_, ast.Node):
                needs |= references(cmd.def_)
            needs |= _roles([cmd.newowner])  # OWNER TO
    if any(c.kind == COLUMN for c in provides | removes) or any(
            cmd.subtype == AlterTableType.AT_AlterColumnType for cmd in s.cmds or ()):
        provides.add(ObjectId(COLUMNS, schema, rv.relname))
    lock = ACCESS_EXCLUSIVE if ACCESS_EXCLUSIVE in locks else (sorted(locks)[0] if locks else NO_LOCK)
    return provides, needs, removes, touches, lock


def _drop(s: ast.DropStmt) -> set[ObjectId]:
    out: set[ObjectId] = set()
    for obj in s.objects or ():
        if s.removeType in _RELATION_DROPS and isinstance(obj, tuple):
            out.add(ObjectId(RELATION, *_qualified(obj)))
        elif s.removeType in _TYPE_DROPS:
            names = obj.names if isinstance(obj, ast.TypeName) else obj
            out.add(ObjectId(TYPE, *_qualified(names)))
        elif s.removeType in _FUNCTION_DROPS and isinstance(obj, ast.ObjectWithArgs):
            out.add(ObjectId(FUNCTION, *_qualified(obj.objname)))
        elif s.removeType == ObjectType.OBJECT_OPERATOR and isinstance(obj, ast.ObjectWithArgs):
            out.add(ObjectId("operator", *_qualified(obj.objname)))
        elif s.removeType == ObjectType.OBJECT_CAST and isinstance(obj, tuple) and len(obj) == 2:
            out.add(cast_id(obj[0], obj[1]))
        elif s.removeType in _QUALIFIED_DROPS and isinstance(obj, tuple):
            out.add(ObjectId(_QUALIFIED_DROPS[s.removeType], *_qualified(obj)))
        elif s.removeType in _GLOBAL_DROPS:
            out.add(ObjectId(_GLOBAL_DROPS[s.removeType], "", getattr(obj, "sval", str(obj))))
        elif s.removeType == ObjectType.OBJECT_SCHEMA:
            out.add(ObjectId(SCHEMA, "", getattr(obj, "sval", str(obj))))
        elif s.removeType == ObjectType.OBJECT_EXTENSION:
            out.add(ObjectId(EXTENSION, "", getattr(obj, "sval", str(obj))))
        elif s.removeType in _ON_TABLE and isinstance(obj, tuple):
            parts = [n.sval for n in obj]
            schema = parts[-3] if len(parts) > 2 else "public"
            out.add(ObjectId(_ON_TABLE[s.removeType], schema, f"{parts[-2]}.{parts[-1]}"))
    return out


def _object_of(objtype: ObjectType, obj: Any) -> ObjectId | None:
    """The object a COMMENT, ALTER ... OWNER or similar statement names."""
    if isinstance(obj, ast.RangeVar):
        return relation_id(obj)
    if objtype in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW,
                   ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_FOREIGN_TABLE) \
            and isinstance(obj, tuple):
        return ObjectId(RELATION, *_qualified(obj))
    if objtype == ObjectType.OBJECT_COLUMN and isinstance(obj, tuple):
        parts = [n.sval for n in obj]
        schema = parts[-3] if len(parts) > 2 else "public"
        return ObjectId(COLUMN, schema, f"{parts[-2]}.{parts[-1]}")
    if objtype in _TYPE_DROPS:
        return ObjectId(TYPE, *_qualified(obj.names if isinstance(obj, ast.TypeName) else obj))
    if objtype in _FUNCTION_DROPS and isinstance(obj, ast.ObjectWithArgs):
        return ObjectId(FUNCTION, *_qualified(obj.objname))
    if objtype == ObjectType.OBJECT_SCHEMA:
        return ObjectId(SCHEMA, "", getattr(obj, "sval", ""))
    if objtype == ObjectType.OBJECT_EXTENSION:
        return ObjectId(EXTENSION, "", getattr(obj, "sval", ""))
    if objtype in _ON_TABLE and isinstance(obj, tuple):
        parts = [n.sval for n in obj]
        schema = parts[-3] if len(parts) > 2 else "public"
        return ObjectId(_ON_TABLE[objtype], schema, f"{parts[-2]}.{parts[-1]}")
    return None


def _with_schemas(ids: set[ObjectId]) -> set[ObjectId]:
    return ids | {ObjectId(SCHEMA, "", i.schema) for i in ids if i.schema and i.kind != SCHEMA}


def describe(sql: str, source: str = "diff", origin: str | None = None) -> Operation:
    """The operation of one statement. A statement that does not parse is an `other` operation with
    no edges: it keeps its place. Memoised per text with the parse trees (pgdecl.sqltree.clear
    forgets both)."""
    op = _describe(sql)
    return op if source == "diff" and origin is None else op.replace(source=source, origin=origin)


@sqltree.memoised
def _describe(sql: str) -> Operation:
    """The operation one statement is: action, object, lock level, and what it needs, provides, removes
    and touches. Kept whole (~190 lines): one branch per statement type, each filling the same six
    locals; split into handlers, each would have to take and return all six."""
    s = sqltree.statement(sql)
    op = Operation(sql)
    if s is None:
        return op
    action, obj, lock = OTHER, None, NO_LOCK
    provides: set[ObjectId] = set()
    needs: set[ObjectId] = set()
    removes: set[ObjectId] = set()
    touches: set[ObjectId] = set()
    if isinstance(s, ast.CreateStmt):
        provides, needs = _create_table(s)
        action, obj = CREATE, relation_id(s.relation)
        lock = ACCESS_EXCLUSIVE if s.inhRelations else NO_LOCK
    elif isinstance(s, ast.ViewStmt):
        obj = relation_id(s.view)
        action = REPLACE if s.replace else CREATE
        provides.add(obj)
        if s.replace:
            touches.add(obj)
        provides.add(ObjectId(TYPE, obj.schema, obj.name))
        needs = references(s.query)
    elif isinstance(s, ast.CreateTableAsStmt):
        obj = relation_id(s.into.rel)
        action = CREATE
        provides = {obj, ObjectId(TYPE, obj.schema, obj.name)}
        needs = references(s.query)
    elif isinstance(s, ast.IndexStmt):
        table = relation_id(s.relation)
        obj = ObjectId(RELATION, table.schema, s.idxname or "?")
        action, lock = CREATE, SHARE_UPDATE_EXCLUSIVE if s.concurrent else SHARE
        provides = {obj}
        cols = [e.name for e in s.indexParams or () if isinstance(e, ast.IndexElem) and e.name]
        if s.unique and cols and len(cols) == len(s.indexParams or ()) and s.whereClause is None:
            provides.add(key_id(s.relation, [ast.String(c) for c in cols]))
        needs = {table} | _columns(s.relation, cols) | references(s.indexParams) | references(s.whereClause)
    elif isinstance(s, ast.AlterTableStmt):
        provides, needs, removes, touches, lock = _alter_table(s)
        action, obj = ALTER, relation_id(s.relation)
    elif isinstance(s, ast.CreateStatsStmt):
        obj = ObjectId("statistics", *_qualified(s.defnames or ()))
        action, provides = CREATE, {obj}
        needs = references(s.relations) | references(s.exprs)
    elif isinstance(s, ast.CreateCastStmt):
        obj = cast_id(s.sourcetype, s.targettype)
        action, provides = CREATE, {obj}
        needs = references(s.sourcetype) | references(s.targettype)
        if s.func is not None and s.func.objname:
            needs.add(ObjectId(FUNCTION, *_qualified(s.func.objname)))
    elif isinstance(s, ast.DropStmt):
        removes = _drop(s)
        action = DROP
        obj = min(removes) if removes else None
        lock = SHARE_UPDATE_EXCLUSIVE if s.concurrent else ACCESS_EXCLUSIVE
    elif isinstance(s, ast.CreateFunctionStmt):
        obj = ObjectId(FUNCTION, *_qualified(s.funcname))
        action = REPLACE if s.replace else CREATE
        provides = {obj}
        touches = {obj} if s.replace else set()
        needs = references(s.parameters) | references(s.returnType)
    elif isinstance(s, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        obj = ObjectId(TYPE, *_qualified(s.typeName))
        action, provides = CREATE, {obj}
        needs = references(getattr(s, "params", None))
    elif isinstance(s, ast.CompositeTypeStmt):
        obj = ObjectId(TYPE, s.typevar.schemaname or "public", s.typevar.relname)
        action, provides, needs = CREATE, {obj}, references(s.coldeflist)
    elif isinstance(s, ast.CreateDomainStmt):
        obj = ObjectId(TYPE, *_qualified(s.domainname))
        action, provides = CREATE, {obj}
        needs = references(s.typeName) | references(s.constraints)
    elif isinstance(s, (ast.AlterEnumStmt, ast.AlterDomainStmt)):
        obj = ObjectId(TYPE, *_qualified(s.typeName))
        action, touches = ALTER, {obj}
        needs = {obj} | references(getattr(s, "def_", None))
    elif isinstance(s, ast.DefineStmt):
        obj, provides, needs = _define(s)
        action = REPLACE if s.replace else CREATE
        touches = {obj} if s.replace else set()
    elif isinstance(s, ast.RuleStmt):
        table = relation_id(s.relation)
        obj = ObjectId("rule", table.schema, f"{table.name}.{s.rulename}")
        action = REPLACE if s.replace else CREATE
        provides = {obj}
        touches = {obj} if s.replace else set()
        needs = {table} | references(s.actions) | references(s.whereClause)
        lock = ACCESS_EXCLUSIVE
    elif isinstance(s, ast.CreateEventTrigStmt):
        obj = ObjectId("event_trigger", "", s.trigname)
        action, provides = CREATE, {obj}
        needs = {ObjectId(FUNCTION, *_qualified(s.funcname))}
    elif isinstance(s, (ast.CreatePublicationStmt, ast.AlterPublicationStmt)):
        obj = ObjectId("publication", "", s.pubname)
        action = CREATE if isinstance(s, ast.CreatePublicationStmt) else ALTER
        (provides if action == CREATE else touches).add(obj)
        needs = references(s.pubobjects)
        for spec in s.pubobjects or ():
            if getattr(spec, "name", None):
                needs.add(ObjectId(SCHEMA, "", spec.name))
    elif isinstance(s, ast.AlterTSDictionaryStmt):
        obj = ObjectId("tsdictionary", *_qualified(s.dictname))
        action, touches = ALTER, {obj}
    elif isinstance(s, ast.AlterTSConfigurationStmt):
        obj = ObjectId("tsconfig", *_qualified(s.cfgname))
        action, touches = ALTER, {obj}
        for d in s.dicts or ():
            needs.add(ObjectId("tsdictionary", *_qualified(d)))
    elif isinstance(s, ast.CreateSeqStmt):
        obj = relation_id(s.sequence)
        action, provides = CREATE, {obj} | literal_names(obj.schema, obj.name)
        needs = references(s.options)
    elif isinstance(s, ast.AlterSeqStmt):
        obj = relation_id(s.sequence)
        action, touches = ALTER, {obj}
        needs = {obj} | _owned_by(s.options)
    elif isinstance(s, ast.CreateTrigStmt):
        table = relation_id(s.relation)
        obj = ObjectId(TRIGGER, table.schema, f"{table.name}.{s.trigname}")
        action = REPLACE if s.replace else CREATE
        provides = {obj}
        touches = {obj} if s.replace else set()
        needs = {table, ObjectId(FUNCTION, *_qualified(s.funcname))} | references(s.whenClause) \
            | _columns(s.relation, (c.sval for c in s.columns or ()))
        lock = SHARE_ROW_EXCLUSIVE
    elif isinstance(s, ast.CreatePolicyStmt):
        table = relation_id(s.table)
        obj = ObjectId(POLICY, table.schema, f"{table.name}.{s.policy_name}")
        action, provides = CREATE, {obj}
        needs = {table} | references(s.qual) | references(s.with_check) | _roles(s.roles)
        lock = ACCESS_EXCLUSIVE
    elif isinstance(s, ast.AlterPolicyStmt):
        table = relation_id(s.table)
        obj = ObjectId(POLICY, table.schema, f"{table.name}.{s.policy_name}")
        action, touches = ALTER, {obj}
        needs = {table, obj} | references(s.qual) | references(s.with_check) | _roles(s.roles)
        lock = ACCESS_EXCLUSIVE
    elif isinstance(s, ast.CreateSchemaStmt):
        obj = ObjectId(SCHEMA, "", s.schemaname or "")
        action, provides = CREATE, {obj}
    elif isinstance(s, ast.CreateExtensionStmt):
        obj = ObjectId(EXTENSION, "", s.extname)
        action, provides = CREATE, {obj}
        for o in s.options or ():
            if isinstance(o, ast.DefElem) and o.defname == "schema" and isinstance(o.arg, ast.String):
                needs.add(ObjectId(SCHEMA, "", o.arg.sval))
    elif isinstance(s, ast.CommentStmt):
        obj = _object_of(s.objtype, s.object)
        action = COMMENT
        if obj is not None:
            needs, touches = {obj}, {obj}
            if obj.kind == COLUMN:
                needs.add(ObjectId(RELATION, obj.schema, obj.name.split(".", 1)[0]))
    elif isinstance(s, ast.GrantStmt):
        action = GRANT if s.is_grant else REVOKE
        for o in s.objects or ():
            target = _object_of(s.objtype, o)
            if target is not None:
                needs.add(target)
                touches.add(target)
        obj = min(needs) if needs else None
        needs |= _roles(s.grantees)
    elif isinstance(s, ast.AlterDefaultPrivilegesStmt):
        action = GRANT if s.action.is_grant else REVOKE
        touches = {ObjectId(DEFAULT_ACL, "", schema) for schema in _default_acl_schemas(s)}
        obj = min(touches)
        needs |= _roles(s.action.grantees)
    elif isinstance(s, ast.AlterOwnerStmt):
        obj = _object_of(s.objectType, s.object if s.relation is None else s.relation)
        action = ALTER
        needs = ({obj} if obj else set()) | _roles([s.newowner])
        touches = {obj} if obj else set()
    elif isinstance(s, ast.RenameStmt):
        action = RENAME
        old = _object_of(s.renameType if s.relation is None else ObjectType.OBJECT_TABLE,
                         s.relation if s.relation is not None else s.object)
        if s.renameType == ObjectType.OBJECT_COLUMN and s.relation is not None:
            old = _columns(s.relation, [s.subname or ""]).pop()
            new = _columns(s.relation, [s.newname]).pop()
        elif s.renameType in _ON_TABLE and s.relation is not None:
            kind = _ON_TABLE[s.renameType]
            rv = s.relation
            old = ObjectId(kind, rv.schemaname or "public", f"{rv.relname}.{s.subname}")
            new = ObjectId(kind, old.schema, f"{rv.relname}.{s.newname}")
        elif old is not None:
            new = ObjectId(old.kind, old.schema, s.newname)
        else:
            new = None
        obj = old
        if old is not None and new is not None:
            removes, provides, needs = {old}, {new}, {old}
        lock = ACCESS_EXCLUSIVE
    elif isinstance(s, ast.CreateRoleStmt):
        obj = ObjectId(ROLE, "", s.role)
        action, provides = CREATE, {obj}
    elif isinstance(s, ast.GrantRoleStmt):
        action = GRANT if s.is_grant else REVOKE
        needs = _roles(s.granted_roles) | _roles(s.grantee_roles)
    elif isinstance(s, ast.VariableSetStmt):
        action = SET
    elif isinstance(s, ast.AlterObjectSchemaStmt):
        action = ALTER
        obj = _object_of(s.objectType, s.relation if s.relation is not None else s.object)
        if obj is not None:
            removes = {obj}
            provides = {ObjectId(obj.kind, s.newschema, obj.name)}
            needs = {obj, ObjectId(SCHEMA, "", s.newschema)}
    needs = _with_schemas(needs | (touches - provides)) - provides
    return op.replace(action=action, obj=obj, needs=frozenset(needs), provides=frozenset(provides),
                      removes=frozenset(removes), touches=frozenset(touches), lock=lock)


def _default_acl_schemas(s: ast.AlterDefaultPrivilegesStmt) -> list[str]:
    """The schemas an ALTER DEFAULT PRIVILEGES applies in; ["*"] for every schema."""
    for o in s.options or ():
        if o.defname == "schemas" and o.arg:
            return sorted(getattr(n, "sval", "") for n in o.arg)
    return ["*"]


def _owned_by(options: Any) -> set[ObjectId]:
    for o in options or ():
        if isinstance(o, ast.DefElem) and o.defname == "owned_by" and isinstance(o.arg, tuple):
            parts = [n.sval for n in o.arg]
            if len(parts) >= 2 and parts[-1] != "none":
                schema = parts[-3] if len(parts) > 2 else "public"
                return {ObjectId(RELATION, schema, parts[-2]), ObjectId(COLUMN, schema, f"{parts[-2]}.{parts[-1]}")}
    return set()


def _roles(specs: Any) -> set[ObjectId]:
    """Roles named by RoleSpec nodes (grantees, owners) or AccessPriv ones (the roles GRANT role TO grants)."""
    out: set[ObjectId] = set()
    for r in specs or ():
        name = getattr(r, "rolename", None) or getattr(r, "priv_name", None)
        if name:
            out.add(ObjectId(ROLE, "", name))
    return out
