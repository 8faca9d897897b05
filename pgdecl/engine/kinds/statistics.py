"""Extended statistics (`CREATE STATISTICS s (dependencies) ON a, b FROM t`): migra ignores them.
Created, dropped, made again when their definition changes; their target (`ALTER STATISTICS s SET
STATISTICS n`) and comment changed in place."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql

NAME = "statistics"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """quoted name -> {"sql": its CREATE STATISTICS, "target": n or -1, "comment"}."""
    return {name: {"sql": definition, "target": target, "comment": comment}
            for name, definition, target, comment in conn.execute(sql("statistics")).fetchall()}


def _create(name: str, s: dict[str, Any]) -> list[str]:
    out = [s["sql"]]
    if s["target"] >= 0:
        out.append(f"ALTER STATISTICS {name} SET STATISTICS {s['target']}")
    if s["comment"] is not None:
        out.append(f"COMMENT ON STATISTICS {name} IS {literal(s['comment'])}")
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(live) | set(desired)):
        have, want = live.get(name), desired.get(name)
        if want is None:
            out.append(f"DROP STATISTICS IF EXISTS {name}")  # gone with its table when the plan drops it
        elif have is None or have["sql"] != want["sql"]:
            out += ([f"DROP STATISTICS IF EXISTS {name}"] if have is not None else []) + _create(name, want)
        else:
            if have["target"] != want["target"]:
                out.append(f"ALTER STATISTICS {name} SET STATISTICS {want['target']}")
            if have["comment"] != want["comment"]:
                text = "NULL" if want["comment"] is None else literal(want["comment"])
                out.append(f"COMMENT ON STATISTICS {name} IS {text}")
    return out
