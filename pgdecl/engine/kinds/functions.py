"""Functions and procedures that CREATE OR REPLACE cannot change: migra compares overloads by their
signature (dropping one keeps the others) but replaces a changed one in place, which PostgreSQL
refuses when its return type changes, argument defaults are removed or a function becomes a
procedure; and it misses a changed argument default. This layer drops such an overload just before
migra's first CREATE OR REPLACE of that name (in the plan's transaction), stopping with the reason
when something else uses it, and replaces a function whose defaults alone change."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from ...errors import PlanError
from ..graph import sql
from . import Context

NAME = "functions"
STAGE = 5


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`functions`: schema.name(argument types) -> quoted name, identity arguments, kind, result,
    number of argument defaults, arguments with defaults, definition, what uses it."""
    return {"functions": {
        key: {"name": name, "args": args, "kind": kind, "result": result, "defaults": defaults,
              "arguments": arguments, "definition": definition, "used_by": list(used_by)}
        for key, name, args, kind, result, defaults, arguments, definition, used_by
        in conn.execute(sql("functions")).fetchall()}}


def _needs_drop(have: dict[str, Any], want: dict[str, Any]) -> bool:
    return bool(have["kind"] != want["kind"] or have["result"] != want["result"]
                or want["defaults"] < have["defaults"])


def merge(statements: list[str], ctx: Context) -> list[str]:
    live, desired = ctx.live.get("functions") or {}, ctx.desired.get("functions") or {}
    out = list(statements)
    for key in sorted(set(live) & set(desired)):
        have, want = live[key], desired[key]
        if not _needs_drop(have, want):
            head = want["definition"].split("\n", 1)[0].strip()
            if have["arguments"] != want["arguments"] and not any(s.strip().startswith(head) for s in out):
                out.append(want["definition"])  # only a default changes: migra saw nothing
            continue
        create = re.compile(r"\s*create\s+or\s+replace\s+(?:function|procedure)\s+" + re.escape(want["name"]) + r"\s*\(",
                            re.IGNORECASE)
        at = next((i for i, s in enumerate(out) if create.match(s)), None)
        if at is None:
            continue
        blockers = sorted(set(have["used_by"]) - ctx.dropped)
        if blockers:
            raise PlanError(
                f"function {key}: its {'return type' if have['result'] != want['result'] else 'definition'} "
                f"changes, which CREATE OR REPLACE cannot do, but {', '.join(blockers)} use(s) it: "
                "change them in a separate plan, or give the new function another name")
        word = "PROCEDURE" if have["kind"] == "p" else "FUNCTION"
        out.insert(at, f"DROP {word} {have['name']}({have['args']})")
    return out
