"""Extensions moved to another schema: migra saw the difference but only ever wrote `alter extension
... update to` its version, so the plan never converged. This layer writes ALTER EXTENSION ... SET
SCHEMA, once the schemas the plan creates exist, and drops migra's update when the version is the
live one."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from ...render import ident
from ..graph import sql
from . import Context

NAME = "extensions"
STAGE = 0

_UPDATE_EXTENSION = re.compile(r'\s*alter extension "((?:[^"]|"")+)" update to \'([^\']*)\'', re.IGNORECASE)


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`extensions`: name -> (quoted schema, version)."""
    return {"extensions": {r[0]: (r[1], r[2]) for r in conn.execute(sql("extensions")).fetchall()}}


def moved(migra: list[str], live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """migra's statements with the extensions' schema moves (see the module's docstring)."""
    have: dict[str, tuple[str, str]] = live.get("extensions") or {}
    want: dict[str, tuple[str, str]] = desired.get("extensions") or {}
    moves = [f"ALTER EXTENSION {ident(name)} SET SCHEMA {want[name][0]}" for name in sorted(set(have) & set(want))
             if have[name][0] != want[name][0]]
    if not moves:
        return migra
    out = []
    for text in migra:
        m = _UPDATE_EXTENSION.match(text)
        if m is not None and (name := m[1].replace('""', '"')) in have and have[name][1] == m[2]:
            continue
        out.append(text)
    at = max((i + 1 for i, s in enumerate(out) if re.match(r"\s*create\s+schema\s", s, re.IGNORECASE)), default=0)
    return out[:at] + moves + out[at:]


def merge(statements: list[str], ctx: Context) -> list[str]:
    return moved(statements, ctx.live, ctx.desired)
