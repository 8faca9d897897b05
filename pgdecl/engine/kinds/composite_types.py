"""Composite types changed in place: migra drops and creates a changed composite type, which fails
(or loses data) while a column uses it. This layer writes ALTER TYPE ... DROP / ADD / ALTER ATTRIBUTE
(CASCADE: typed tables follow) instead, where migra created the type. PostgreSQL adds attributes at
the end only, and cannot change an attribute's type while a column uses the type: such a change stays
a drop and create when nothing uses the type, and is refused with the reason when something does."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from ...errors import PlanError
from ..graph import sql
from . import Context

NAME = "composite_types"
STAGE = 4


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`composite_types`: schema.name -> schema, name, quoted name, attributes, columns using it."""
    return {"composite_types": {
        f"{schema}.{name}": {"schema": schema, "name": name, "target": target,
                             "attributes": [list(a) for a in attributes], "used_by": used_by}
        for schema, name, target, attributes, used_by in conn.execute(sql("composite_types")).fetchall()}}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _alter(name: str, have: dict[str, Any], want: dict[str, Any]) -> str | None:
    """ALTER TYPE .. with every attribute change, None when PostgreSQL cannot make it in place."""
    have_attrs = {a[0]: a for a in have["attributes"]}
    want_attrs = {a[0]: a for a in want["attributes"]}
    kept = [a[0] for a in have["attributes"] if a[0] in want_attrs]
    added = [a[0] for a in want["attributes"] if a[0] not in have_attrs]
    if [a[0] for a in want["attributes"]] != kept + added:
        return None  # a new attribute before an old one, or the old ones in another order
    actions = [f"DROP ATTRIBUTE {a}" for a in have_attrs if a not in want_attrs]
    for a in kept:
        (_n, old_type, old_coll), (_m, new_type, new_coll) = have_attrs[a], want_attrs[a]
        if (old_type, old_coll) != (new_type, new_coll):
            if have["used_by"]:
                raise PlanError(f"composite type {name}: attribute {a} changes from {old_type} to {new_type}, "
                                f"which PostgreSQL refuses while {have['used_by']} column(s) use the type: "
                                "add a new attribute, move the values, then drop the old one")
            actions.append(f"ALTER ATTRIBUTE {a} TYPE {new_type}" + (f" COLLATE {new_coll}" if new_coll else ""))
    for a in added:
        _n, typ, coll = want_attrs[a]
        actions.append(f"ADD ATTRIBUTE {a} {typ}" + (f" COLLATE {coll}" if coll else ""))
    return f"ALTER TYPE {want['target']} {', '.join(actions)} CASCADE" if actions else ""


def merge(statements: list[str], ctx: Context) -> list[str]:
    live, desired = ctx.live.get("composite_types"), ctx.desired.get("composite_types")
    if not live or not desired:
        return statements
    out = list(statements)
    for key in sorted(set(live) & set(desired)):
        have, want = live[key], desired[key]
        if have["attributes"] == want["attributes"]:
            continue
        alter = _alter(key, have, want)
        if alter is None:
            if have["used_by"]:
                raise PlanError(f"composite type {key}: its attributes change in a way ALTER TYPE cannot make "
                                f"(a new one before old ones, or a new order) and {have['used_by']} column(s) "
                                "use it: add new attributes at the end")
            continue  # migra's drop and create stand
        quoted = re.escape(f"{_quoted(want['schema'])}.{_quoted(want['name'])}")
        mine = [i for i, s in enumerate(out)
                if re.match(rf"\s*(?:drop\s+type\s+(?:if\s+exists\s+)?|create\s+type\s+){quoted}(?:\s|;|$)", s,
                            re.IGNORECASE)]
        at = mine[-1] if mine else len(out)
        new = [alter] if alter else []
        out = out[:at] + new + out[at + 1:] if mine else out + new
        for i in reversed(mine[:-1]):
            del out[i]
    return out
