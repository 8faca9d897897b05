"""User-defined casts (`CREATE CAST`): migra ignores them. A new one is created, a gone one dropped,
a changed one (function, method or context) dropped and created again; with its comment."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql

NAME = "casts"
_CONTEXT = {"e": "", "a": " AS ASSIGNMENT", "i": " AS IMPLICIT"}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`source AS target` -> function, method ('f', 'i' inout, 'b' binary) and context."""
    return {key: dict(data) for key, data in conn.execute(sql("casts")).fetchall()}


def _create(c: dict[str, Any]) -> list[str]:
    how = {"f": f"WITH FUNCTION {c['function']}", "i": "WITH INOUT", "b": "WITHOUT FUNCTION"}[c["method"]]
    out = [f"CREATE CAST ({c['source']} AS {c['target']}) {how}{_CONTEXT.get(c['context'], '')}"]
    if c["comment"] is not None:
        out.append(f"COMMENT ON CAST ({c['source']} AS {c['target']}) IS {literal(c['comment'])}")
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for key in sorted(set(live) | set(desired)):
        have, want = live.get(key), desired.get(key)
        if want is None and have is not None:
            out.append(f"DROP CAST ({have['source']} AS {have['target']})")
        elif have is None and want is not None:
            out += _create(want)
        elif have is not None and want is not None and have != want:
            if {k: v for k, v in have.items() if k != "comment"} != {k: v for k, v in want.items() if k != "comment"}:
                out.append(f"DROP CAST ({have['source']} AS {have['target']})")
                out += _create(want)
            else:
                out.append(f"COMMENT ON CAST ({want['source']} AS {want['target']}) IS "
                           f"{'NULL' if want['comment'] is None else literal(want['comment'])}")
    return out
