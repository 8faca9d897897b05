"""Small facts about SQL text the kind layers share: the first statement's tree, whether two
expressions are the same once canonical, an expression in parentheses."""

from __future__ import annotations

from typing import Any

from pglast.parser import ParseError

from .. import sqltree


def first(sql: str) -> Any:
    """The first statement's tree (shared: read, never changed), None when it does not parse."""
    try:
        stmts = sqltree.parse(sql)
    except ParseError:
        return None
    return stmts[0].stmt if stmts else None


def same(a: str | None, b: str | None, wrap: str) -> bool:
    """Two expressions alike once canonical (`wrap` makes a statement of one: `SELECT {}`)."""
    from ..diff import canonical

    return a == b or bool(canonical(a, wrap) == canonical(b, wrap))


def parenthesized(expr: str) -> str:
    """`(expr)`, unless it already is one parenthesized whole (as pg_get_expr gives it)."""
    from pglast.parser import scan

    try:
        tokens = scan(expr)
    except ParseError:
        return f"({expr})"
    depth = 0
    for i, t in enumerate(tokens):
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(t.name, 0)
        if depth == 0 and i < len(tokens) - 1:
            return f"({expr})"
    return expr if tokens and tokens[0].name == "ASCII_40" and depth == 0 else f"({expr})"
