"""Comments on relations, columns, domains and enums, functions, triggers, policies, constraints and
schemas, after migra's statements. Objects the plan drops and makes again, and columns a layer
re-adds, have lost theirs by then."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql
from . import Context

NAME = "comments"
STAGE = 40


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`comments`: COMMENT ON target -> (text or None, schema.name of the object it goes with)."""
    return {"comments": {r[0]: (r[1], r[2]) for r in conn.execute(sql("comments")).fetchall()}}


def merge(statements: list[str], ctx: Context) -> list[str]:
    out = list(statements)
    live_c, desired_c = ctx.live["comments"], ctx.desired["comments"]
    for target in sorted(desired_c):
        text, owner = desired_c[target]
        gone = owner in ctx.dropped or target in ctx.readded
        have = None if gone else (live_c.get(target) or (None, None))[0]
        if text != have:
            out.append(f"COMMENT ON {target} IS {literal(text)}")
    return out
