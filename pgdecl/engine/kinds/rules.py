"""Rewrite rules (`CREATE RULE`) on tables and views, other than a view's own: migra ignores them.
A changed rule is replaced (`CREATE OR REPLACE RULE`), a gone one dropped."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import ident
from ..graph import sql

NAME = "rules"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`rule ON table` -> its CREATE RULE statement (as pg_get_ruledef writes it)."""
    return {f"{name}\0{table}": {"table": table, "name": name, "sql": definition.rstrip().rstrip(";")}
            for table, name, definition in conn.execute(sql("rules")).fetchall()}


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for key in sorted(set(live) - set(desired)):
        r = live[key]
        out.append(f"DROP RULE {ident(r['name'])} ON {r['table']}")
    for key in sorted(desired):
        want, have = desired[key], live.get(key)
        if have is None or have["sql"] != want["sql"]:
            text = want["sql"]
            out.append(text.replace("CREATE RULE", "CREATE OR REPLACE RULE", 1) if have is not None else text)
    return out
