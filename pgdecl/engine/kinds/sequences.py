"""Sequence options (type, increment, bounds, start, cache, cycle), of plain and identity sequences
alike: migra compares few of them. A live sequence keeps its position; one new in this plan starts
where the specs say. Also reads which sequence backs each identity column (for pgdecl.reorder)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg

from ..graph import sql
from . import Context

NAME = "sequences"
STAGE = 42

# CREATE SEQUENCE's defaults, and a bigint identity's: a new sequence with them is made so already
_DEFAULTS = ("bigint", "1", "1", "1", "9223372036854775807", "1", False)


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`sequences`: quoted name -> (type, start, increment, min, max, cache, cycle); `identities`:
    table (schema.name) -> column -> [sequence schema, sequence name]."""
    identities: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for table, col, seq_schema, seq_name in conn.execute(sql("identities")).fetchall():
        identities[table][col] = [seq_schema, seq_name]
    return {"sequences": {r[0]: tuple(r[1:]) for r in conn.execute(sql("sequences")).fetchall()},
            "identities": dict(identities)}


def merge(statements: list[str], ctx: Context) -> list[str]:
    out = list(statements)
    live_s, desired_s = ctx.live["sequences"], ctx.desired["sequences"]
    for seq in sorted(desired_s):
        want, have = desired_s[seq], live_s.get(seq)
        if want == have:
            continue
        typ, start, inc, lo, hi, cache, cycle = want
        if have is None and (str(typ), str(start), str(inc), str(lo), str(hi), str(cache), bool(cycle)) == _DEFAULTS:
            continue
        clause = (f"AS {typ} INCREMENT BY {inc} MINVALUE {lo} MAXVALUE {hi} START WITH {start} CACHE {cache} "
                  f"{'CYCLE' if cycle else 'NO CYCLE'}")
        out.append(f"ALTER SEQUENCE {seq} {clause}" + (f" RESTART WITH {start}" if have is None else ""))
    return out
