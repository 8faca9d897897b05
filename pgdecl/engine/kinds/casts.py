"""User-defined casts (`CREATE CAST`): migra ignores them. A new one is created, a gone one dropped,
a changed one (function, method or context) dropped and created again; with its comment."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql
from ..remake import drop_create

NAME = "casts"
_CONTEXT = {"e": "", "a": " AS ASSIGNMENT", "i": " AS IMPLICIT"}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`source AS target` -> function, method ('f', 'i' inout, 'b' binary) and context."""
    return {key: dict(data) for key, data in conn.execute(sql("casts")).fetchall()}


def _create(c: dict[str, Any]) -> list[str]:
    how = {"f": f"WITH FUNCTION {c['function']}", "i": "WITH INOUT", "b": "WITHOUT FUNCTION"}[c["method"]]
    out = [f"CREATE CAST {_pair(c)} {how}{_CONTEXT.get(c['context'], '')}"]
    if c["comment"] is not None:
        out.append(f"COMMENT ON CAST {_pair(c)} IS {literal(c['comment'])}")
    return out


def _pair(c: dict[str, Any]) -> str:
    return f"({c['source']} AS {c['target']})"


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    return drop_create(live, desired, lambda c: f"DROP CAST {_pair(c)}", _create, lambda c: f"CAST {_pair(c)}")
