"""Owners of schemas, types and domains, sequences, functions and procedures, tables and views, where
the specs name one (in the model, or by the specs' SQL). Reads every such object with its owner and
ACL (`objects`, which pgdecl.engine.kinds.privileges compares too)."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import ident
from .. import acl
from ..graph import sql
from . import Context

NAME = "owners"
STAGE = 50

Owners = dict[str, tuple[str, str]]  # object as GRANT names it -> (owner when the plan starts, when it ends)


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`objects`: per object as GRANT names it, its schema.name, ALTER keyword, pg_default_acl kind,
    schema, owner, whether it follows a table's owner, ACL entries and the privileges revoked from
    its owner itself."""
    objects = {}
    for name, target, alter_kind, defkind, schema, owner, tied, entries, revoked in conn.execute(sql("objects")):
        objects[target] = {"name": name, "alter": alter_kind, "defkind": defkind, "schema": schema,
                           "owner": owner, "tied": tied, "acl": acl.entries(entries),
                           "owner_revoked": frozenset(revoked or ())}
    return {"objects": objects}


def _named(project: Any) -> set[str]:
    """Objects whose owner the specs' model names."""
    if project is None:
        return set()
    out = set()
    for kind in ("schemas", "enums", "domains", "sequences", "functions", "tables", "views"):
        out |= {name for name, obj in getattr(project, kind, {}).items() if getattr(obj, "owner", None)}
    return out


def _explicit(obj: dict[str, Any], desired: dict[str, Any], named: set[str]) -> bool:
    """An owner the specs ask for: named in the model, or set by the specs' SQL (not the role that
    loaded the desired side, nor the public schema's built-in owner)."""
    if obj["tied"]:
        return False
    return obj["name"] in named or obj["owner"] not in (desired["user"], "pg_database_owner")


def of(ctx: Context) -> Owners:
    """Per object: its owner in the live database when the plan starts (the applying role for objects
    the plan creates) and when it ends. Worked out once per merge."""
    if "owners" not in ctx.shared:
        live, desired, named = ctx.live, ctx.desired, _named(ctx.project)
        out = {}
        for target, want in desired["objects"].items():
            have = live["objects"].get(target)
            current = live["user"] if have is None or want["name"] in ctx.dropped else have["owner"]
            out[target] = (current, want["owner"] if _explicit(want, desired, named) else current)
        ctx.shared["owners"] = out
    owners: Owners = ctx.shared["owners"]
    return owners


_RANK = {"SCHEMA": 0, "TYPE": 1, "DOMAIN": 1, "SEQUENCE": 2, "FUNCTION": 3, "PROCEDURE": 3}


def merge(statements: list[str], ctx: Context) -> list[str]:
    out = list(statements)
    for target, (current, final) in sorted(of(ctx).items(), key=lambda kv: (_RANK.get(kv[0].split()[0], 4), kv[0])):
        if current != final:
            want = ctx.desired["objects"][target]
            out.append(f"ALTER {want['alter']} {target.split(' ', 1)[1]} OWNER TO {ident(final)}")
    return out
