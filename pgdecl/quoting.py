"""SQL quoting, one implementation for all of pgdecl: identifiers (quoted only when PostgreSQL needs it,
as its quote_ident and catalog output do), qualified names, string literals, dollar-quoted bodies and role
names (PUBLIC, CURRENT_USER, ... as keywords). Statements run through psycopg with parameters instead."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .model import _ROLE_KEYWORDS, split_name

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")
_QUOTE_KEYWORDS: frozenset[str] = frozenset()  # filled on first use: importing pglast costs `pgdecl lint` 20 ms


def _quote_keywords() -> frozenset[str]:
    global _QUOTE_KEYWORDS
    from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    _QUOTE_KEYWORDS = frozenset(RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS)
    return _QUOTE_KEYWORDS


@lru_cache(maxsize=16384)  # rendering 1,000 tables quotes ~70,000 names, most of them many times
def ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it."""
    if _PLAIN.match(name) and name not in (_QUOTE_KEYWORDS or _quote_keywords()):
        return name
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=16384)
def qname(name: str) -> str:
    schema, bare = split_name(name)
    return f"{ident(schema)}.{ident(bare)}"


def literal(value: Any) -> str:
    """A string literal; None is NULL."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def dollar(body: str) -> str:
    """Dollar-quote a body with a tag that does not occur in it."""
    tag, n = "$$", 0
    while tag in body:
        n += 1
        tag = f"$pgdecl{n}$" if n > 1 else "$body$"
    return f"{tag}{body}{tag}"


def role(name: str) -> str:
    return name.upper() if name.lower() in _ROLE_KEYWORDS else ident(name)
