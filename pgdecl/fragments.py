"""Spec values that become SQL, checked to stay in their slot of a DDL statement: each scans as SQL on
its own and parses as exactly the construct its slot takes, and each rendered statement is of the kind
its template writes. A value that smuggles in SQL of its own (`x int); CREATE ROLE ...; --`) fails here
with a SpecError naming it, never reaching a database. Also how a fragment reads (an expression and its
column references, a type's name, an index element), memoised per text, for validation."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

import pglast
import pglast.enums
from pglast.parser import ParseError, scan

from . import sqltree

_MEMO = 16384

# The statements each kind of rendered DDL may be (pglast node names): a value that smuggles SQL of its
# own into a template shows as a statement of another kind, or as one too many.
STATEMENT_NODES: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in {
    "setting": "VariableSetStmt", "role": "DoStmt GrantRoleStmt", "schema": "CreateSchemaStmt",
    "extension": "CreateExtensionStmt", "enum": "CreateEnumStmt", "domain": "CreateDomainStmt",
    "sequence": "CreateSeqStmt AlterSeqStmt", "function": "CreateFunctionStmt", "table": "CreateStmt",
    "foreign key": "AlterTableStmt", "index": "IndexStmt", "view": "ViewStmt",
    "materialized view": "CreateTableAsStmt", "trigger": "CreateTrigStmt", "row level security": "AlterTableStmt",
    "policy": "CreatePolicyStmt", "owner": "AlterOwnerStmt AlterTableStmt", "grant": "GrantStmt",
    "default privileges": "AlterDefaultPrivilegesStmt", "comment": "CommentStmt",
}.items()}


@lru_cache(maxsize=_MEMO)
def fragment_problem(text: str) -> str | None:
    """Why a spec value cannot stay inside its slot of a DDL statement, or None: it must scan as SQL
    tokens on its own (no unterminated quote or comment), hold no `;` and no `--` comment (which would
    swallow the rest of the template's line), and keep its parentheses balanced (so it cannot close
    the template's)."""
    try:
        tokens = scan(text)
    except ParseError as e:
        return str(e.args[0])
    depth = 0
    for t in tokens:
        if t.name == "SQL_COMMENT":
            return "a -- comment"
        if t.name == "ASCII_59":
            return "a semicolon"
        if t.name == "ASCII_40":
            depth += 1
        elif t.name == "ASCII_41":
            depth -= 1
            if depth < 0:
                return "a ')' without its '('"
    return "a '(' without its ')'" if depth else None


_SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


@lru_cache(maxsize=_MEMO)
def function_part_problem(part: str, text: str) -> str | None:
    """Why a function's `args` or `returns` is not what its slot takes, or None: `args` must be a
    parameter list and `returns` a type, SETOF type or TABLE(...), each adding nothing else to the
    CREATE FUNCTION statement."""
    problem = fragment_problem(text)
    if problem is not None:
        return problem
    probe = (f"CREATE FUNCTION f({text}) RETURNS void LANGUAGE sql AS 'x'" if part == "args"
             else f"CREATE FUNCTION f() RETURNS {text} LANGUAGE sql AS 'x'")
    try:
        stmt = sqltree.one(probe)
    except ParseError as e:
        return str(e.args[0])
    if not isinstance(stmt, pglast.ast.CreateFunctionStmt) or len(stmt.options or ()) != 2:
        return "SQL beyond a parameter list" if part == "args" else "SQL beyond a type"
    if part == "args" and [n.sval for n in stmt.returnType.names] != ["void"]:
        return "SQL beyond a parameter list"
    return None


@lru_cache(maxsize=_MEMO)
def setting_problem(name: str, value: str) -> str | None:
    """Why `SET name = value` of a function is not one setting to constants, or None."""
    if not _SETTING.match(name):
        return f"{name!r} is not a setting name"
    problem = fragment_problem(value)
    if problem is not None:
        return problem
    try:
        stmt = sqltree.one(f"SET {name} = {value}")
    except ParseError as e:
        return str(e.args[0])
    if (not isinstance(stmt, pglast.ast.VariableSetStmt) or stmt.kind != pglast.enums.VariableSetKind.VAR_SET_VALUE
            or not all(isinstance(a, pglast.ast.A_Const) for a in stmt.args or ())):
        return "the value must be constants (e.g. public, pg_temp)"
    return None


# -- how a fragment reads (validation's questions, memoised per text) ---------------------------------

def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "@" in node:
            yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _walk(v)


def _tree(node: Any) -> Any:
    return node(depth=None) if callable(node) else node


def _column_refs(tree: Any) -> tuple[str, ...]:
    """The unqualified column names a serialised expression tree refers to, in tree order."""
    out = []
    for node in _walk(tree):
        if node["@"] == "ColumnRef":
            fields = [f.get("sval") for f in node["fields"] if isinstance(f, dict)]
            if len(fields) == 1 and fields[0]:
                out.append(fields[0])
    return tuple(out)


@lru_cache(maxsize=_MEMO)
def parse_expression(text: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """How `text` reads as one SQL expression: (None, None, its column references), or the problem
    ("parse" with the parser's message, "not one", "list")."""
    if fragment_problem(text) is not None:
        return "not one", None, ()
    try:
        sel = sqltree.one(f"SELECT ({text})")
    except ParseError as e:
        return "parse", e.args[0], ()
    target = sel.targetList if isinstance(sel, pglast.ast.SelectStmt) else None
    if (not isinstance(sel, pglast.ast.SelectStmt) or not target or len(target) != 1
            or sel.fromClause or sel.whereClause or sel.withClause):
        return "not one", None, ()
    val = target[0].val
    if isinstance(val, pglast.ast.RowExpr) and val.row_format == pglast.enums.CoercionForm.COERCE_IMPLICIT_CAST:
        return "list", None, ()
    return None, None, _column_refs(_tree(val))


@lru_cache(maxsize=_MEMO)
def parse_type_name(text: str) -> tuple[str, ...] | None:
    """The name parts of the type `text`; None when it is not one type."""
    if fragment_problem(text) is not None:
        return None
    try:
        sel = sqltree.one(f"SELECT NULL::{text}")
        val = sel.targetList[0].val if sel is not None else None
        if sel is None or len(sel.targetList) != 1 or not isinstance(val, pglast.ast.TypeCast) or sel.fromClause:
            raise ParseError("not a single type", 0)
    except (ParseError, AttributeError, TypeError):
        return None
    return tuple(n.sval for n in val.typeName.names)


@lru_cache(maxsize=_MEMO)
def parse_index_element(sql: str) -> tuple[str | None, str | None, tuple[str, ...] | None]:
    """One index element as SQL: (the parser's problem, None, None), or (None, the column it names, the
    column references of its expression)."""
    problem = fragment_problem(sql)
    if problem is not None:
        return problem, None, None
    try:
        stmt = sqltree.one(f"CREATE INDEX x ON t ({sql})")
        params = stmt.indexParams if stmt is not None else None
        if not params or len(params) != 1:
            raise ParseError("not one index element", 0)
    except ParseError as e:
        return e.args[0], None, None
    el = params[0]
    return None, el.name, _column_refs(_tree(el.expr)) if el.expr is not None else None
