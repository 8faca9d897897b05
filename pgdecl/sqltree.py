"""One parse per SQL text. A plan's statements are read by several stages (ordering, online rewrite,
hazards, column order, inheritance), and building pglast's tree is the dearest part of each read: at
1,000 tables the same 14,000 statements were parsed about six times each. The trees returned here are
shared between callers and must not be changed; a caller that edits a tree takes `fresh()`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable, TypeVar

import pglast
from pglast import ast
from pglast.parser import ParseError, parse_sql_json

__all__ = ["ParseError", "clear", "fresh", "kind", "memoised", "one", "parse", "statement"]

T = TypeVar("T")

# Unbounded while a plan is made, emptied by clear() when it is done: every stage walks all of a
# plan's statements in order, and an LRU bound below their number misses on every read (a 5,000-table
# plan has 67,000 statements: a 65,536 bound parsed each about seven times).


@lru_cache(maxsize=None)
def _parse(sql: str) -> tuple[ast.RawStmt, ...] | ParseError:
    try:
        return tuple(pglast.parse_sql(sql))
    except ParseError as e:
        return e


def parse(sql: str) -> tuple[ast.RawStmt, ...]:
    """The raw statements of `sql` (shared: read, never change). Raises ParseError."""
    out = _parse(sql)
    if isinstance(out, ParseError):
        raise out
    return out


def statement(sql: str) -> ast.Node | None:
    """The one statement of `sql` (shared: read, never change); None when it does not parse or holds
    more or fewer than one statement."""
    out = _parse(sql)
    if isinstance(out, ParseError) or len(out) != 1:
        return None
    return out[0].stmt


def one(sql: str) -> ast.Node | None:
    """The one statement of `sql` as a new tree (neither shared nor remembered: for probes parsed once, such as
    a spec fragment wrapped in a statement); None when it holds more or fewer than one statement. Raises
    ParseError, whose message callers report."""
    stmts = pglast.parse_sql(sql)
    return stmts[0].stmt if len(stmts) == 1 else None


def fresh(sql: str) -> ast.Node | None:
    """Like `statement`, but a new tree the caller may change."""
    try:
        return one(sql)
    except ParseError:
        return None


# The head of libpg_query's JSON for a parse, up to the first statement's node name (group 1):
# {"version":N,"stmts":[{"stmt":{"CreateStmt"... (pgdecl.validate and pgdecl.fresh read it without decoding)
JSON_HEAD = r'\{"version":\d+,"stmts":\[\{"stmt":\{"(\w+)"'


@lru_cache(maxsize=None)
def kind(sql: str) -> str | None:
    """The node name of the one statement of `sql` (`CreateStmt`, `AlterTableStmt`, ...), read from
    libpg_query's JSON tree without building pglast's; None when it does not parse or is not one
    statement."""
    try:
        stmts: list[dict[str, Any]] = json.loads(parse_sql_json(sql)).get("stmts", [])
    except ParseError:
        return None
    if len(stmts) != 1:
        return None
    return next(iter(stmts[0].get("stmt", {})), None)


_MEMOISED: list[Any] = []


def memoised(fn: Callable[[str], T]) -> Callable[[str], T]:
    """A function of one statement's text, memoised for as long as its trees are (until clear())."""
    cached = lru_cache(maxsize=None)(fn)
    _MEMOISED.append(cached)
    return cached


def clear() -> None:
    """Forget every tree (the end of a plan), and what was worked out from them."""
    _parse.cache_clear()
    kind.cache_clear()
    for f in _MEMOISED:
        f.cache_clear()
