"""Spec values that become SQL, checked to stay in their slot of a DDL statement: each scans as SQL on
its own and parses as exactly the construct its slot takes, and each rendered statement is of the kind
its template writes. A value that smuggles in SQL of its own (`x int); CREATE ROLE ...; --`) fails here
with a SpecError naming it, never reaching a database."""

from __future__ import annotations

import re
from functools import lru_cache

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
