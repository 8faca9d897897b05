"""Collations: migra writes an ICU collation's locale as 'None' (PostgreSQL 15 keeps it in
colliculocale) and never sees a changed one. This layer replaces migra's CREATE/DROP COLLATION with
its own, from the whole catalog row; PostgreSQL cannot alter a collation's definition, so a changed
one is dropped and made again (a drop hazard) where migra creates collations, refused with the reason
while something uses it."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from ...errors import PlanError
from ...render import literal
from ..graph import sql
from . import Context

NAME = "collations"
STAGE = 3

_MIGRA = re.compile(r"\s*(?:create|drop)\s+collation\s", re.IGNORECASE)
_PROVIDERS = {"c": "libc", "i": "icu", "d": "default"}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`collations`: schema.name -> quoted name, CREATE COLLATION options, objects using it."""
    out: dict[str, Any] = {}
    for name, target, row, used_by in conn.execute(sql("collations")).fetchall():
        out[name] = {"target": target, "options": _options(row), "used_by": used_by}
    return {"collations": out}


def _options(row: dict[str, Any]) -> list[str]:
    provider = _PROVIDERS.get(row.get("collprovider", "c"), "libc")
    out = [f"provider = {provider}"]
    if provider == "icu":
        out.append(f"locale = {literal(row.get('colliculocale') or row.get('colllocale') or '')}")
        if row.get("collicurules"):
            out.append(f"rules = {literal(row['collicurules'])}")
    elif row.get("collcollate") == row.get("collctype"):
        out.append(f"locale = {literal(row.get('collcollate') or '')}")
    else:
        out += [f"lc_collate = {literal(row.get('collcollate') or '')}", f"lc_ctype = {literal(row.get('collctype') or '')}"]
    if not row.get("collisdeterministic", True):
        out.append("deterministic = false")
    return out


def _create(c: dict[str, Any]) -> str:
    return f"CREATE COLLATION {c['target']} ({', '.join(c['options'])})"


def merge(statements: list[str], ctx: Context) -> list[str]:
    live, desired = ctx.live.get("collations"), ctx.desired.get("collations")
    if live is None or desired is None:
        return statements  # a snapshot from before this layer: migra's statements stand
    out: list[str] = []
    creates: list[str] = []
    at_drop: int | None = None
    for s in statements:
        if _MIGRA.match(s):
            if at_drop is None and re.match(r"\s*drop", s, re.IGNORECASE):
                at_drop = len(out)
            continue
        out.append(s)
    for name in sorted(desired):
        want, have = desired[name], live.get(name)
        if have is None:
            creates.append(_create(want))
        elif have["options"] != want["options"]:
            if have["used_by"]:
                raise PlanError(f"collation {name} changes ({_create(want)}), which PostgreSQL cannot alter, and "
                                f"{have['used_by']} object(s) use it: create a collation under a new name, move "
                                "its users to it, then remove this one")
            creates += [f"DROP COLLATION {have['target']}", _create(want)]
    drops = [f"DROP COLLATION {live[name]['target']}" for name in sorted(set(live) - set(desired))]
    if drops:
        at = len(out) if at_drop is None else at_drop
        out[at:at] = drops
    at = max((i + 1 for i, s in enumerate(out) if re.match(r"\s*create\s+schema\s", s, re.IGNORECASE)), default=0)
    return out[:at] + creates + out[at:]
