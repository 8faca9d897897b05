"""FORCE ROW LEVEL SECURITY of tables: migra does not compare it."""

from __future__ import annotations

from typing import Any

import psycopg

from ..graph import sql
from . import Context

NAME = "force_rls"
STAGE = 41


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`force_rls`: quoted table -> forced."""
    return {"force_rls": dict(conn.execute(sql("force_rls")).fetchall())}


def merge(statements: list[str], ctx: Context) -> list[str]:
    out = list(statements)
    live_f, desired_f = ctx.live["force_rls"], ctx.desired["force_rls"]
    for table in sorted(desired_f):
        if bool(desired_f[table]) != bool(live_f.get(table, False)):
            out.append(f"ALTER TABLE {table} {'FORCE' if desired_f[table] else 'NO FORCE'} ROW LEVEL SECURITY")
    return out
