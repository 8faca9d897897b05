"""Privileges, compared ACL entry by ACL entry (grant options and PUBLIC included) on schemas,
tables, views, materialized views, sequences, columns, functions, procedures, types and domains; the
default privileges of the applying role per schema; the database's, from the specs' `database:
grants:`. migra only knew table privileges, not their grant options, and wrote PUBLIC as a quoted
role name.

Objects the plan creates, or drops and creates again, are compared from what PostgreSQL gives a new
object of the applying role (its default privileges included), not from their live state."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg

from ...render import ident
from .. import acl
from ..graph import sql
from . import Context, owners

NAME = "privileges"
STAGE = 60

_BUILTIN_DEFAULT = {"f": frozenset({("PUBLIC", "EXECUTE", False)}), "T": frozenset({("PUBLIC", "USAGE", False)})}
_DEFAULT_ACL_OBJECTS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}
_DATABASE_PRIVILEGES = {"connect": {"CONNECT"}, "temporary": {"TEMPORARY"}, "create": {"CREATE"},
                        "all": {"CONNECT", "TEMPORARY", "CREATE"}}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`columns`: column privileges per column; `default_acls`: (role, schema or '', kind) -> entries;
    `database`: the current database's name, owner and ACL. (Objects' ACLs: pgdecl.engine.kinds.owners.)"""
    columns = {key: {"name": name, "table": target, "column": col, "owner": owner, "acl": acl.entries(entries)}
               for key, name, target, col, owner, entries in conn.execute(sql("column_acl")).fetchall()}
    default_acls = {(role, schema, kind): acl.entries(entries)
                    for role, schema, kind, entries in conn.execute(sql("default_acl")).fetchall()}
    row = conn.execute(sql("database_acl")).fetchone()
    assert row is not None
    db_name, db_owner, db_acl = row
    return {"columns": columns, "default_acls": default_acls,
            "database": {"name": db_name, "owner": db_owner, "acl": acl.entries(db_acl)}}


def new_object_acl(live: dict[str, Any], defkind: str, schema: str) -> frozenset[acl.Entry]:
    """What PostgreSQL gives an object the applying role creates: its global default privileges (or
    the built-in ones: EXECUTE on functions and USAGE on types to PUBLIC), plus those of the schema."""
    user, acls = live["user"], live["default_acls"]
    base: frozenset[acl.Entry] = acls.get((user, "", defkind), _BUILTIN_DEFAULT.get(defkind, frozenset()))
    return base | acls.get((user, schema, defkind), frozenset()) if defkind != "n" else base


def _objects(ctx: Context) -> list[str]:
    """GRANT and REVOKE per object and grantee. An owner's own entries say nothing (an owner holds
    every privilege): those of the owner on each side and of the owner the plan leaves are left out.
    A changed owner's entries pass to the new owner, so the old one keeps none."""
    live, desired, who = ctx.live, ctx.desired, owners.of(ctx)
    out: list[str] = []
    revoked: dict[str, set[tuple[str, str]]] = {}  # table-level revokes take column ones along
    for target, want in sorted(desired["objects"].items()):
        current, final = who[target]
        have = live["objects"].get(target)
        fresh = have is None or want["name"] in ctx.dropped
        have_entries = new_object_acl(live, want["defkind"], want["schema"]) if fresh else have["acl"]
        have_acl = acl.acl(have_entries, {current, final})
        want_acl = acl.acl(want["acl"], {want["owner"], final})
        out += acl.statements(target, have_acl, want_acl)
        revoked[target] = {k for k in have_acl if k not in want_acl}
    return out + _columns(ctx, who, revoked)


def _columns(ctx: Context, who: owners.Owners, revoked: dict[str, set[tuple[str, str]]]) -> list[str]:
    """GRANT SELECT (a, b), UPDATE (b) ON TABLE t TO role: one statement per table, grantee and kind."""
    live, desired = ctx.live, ctx.desired
    kinds = ("revoke", "revoke_option", "grant", "grant_option")
    changes: dict[tuple[str, int, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key, want in desired["columns"].items():
        target, col = want["table"], want["column"]
        current, final = who.get(target, (live["user"], want["owner"]))
        have = live["columns"].get(key)
        gone = have is None or want["name"] in ctx.dropped or key in ctx.readded
        have_acl = {} if gone else {k: v for k, v in acl.acl(have["acl"], {current, final}).items()
                                    if k not in revoked.get(target, ())}
        for kind, per_grantee in enumerate(acl.changes(have_acl, acl.acl(want["acl"], {want["owner"], final}))):
            for grantee, ps in per_grantee.items():
                for p in ps:
                    changes[(target, kind, grantee)][p].append(col)
    out = []
    for (target, kind, grantee), per_priv in sorted(changes.items()):
        what = ", ".join(f"{p} ({', '.join(sorted(cols))})" for p, cols in
                         sorted(per_priv.items(), key=lambda kv: acl.PRIVILEGE_ORDER.index(kv[0])))
        to = acl.grantee(grantee)
        out.append({"revoke": f"REVOKE {what} ON {target} FROM {to}",
                    "revoke_option": f"REVOKE GRANT OPTION FOR {what} ON {target} FROM {to}",
                    "grant": f"GRANT {what} ON {target} TO {to}",
                    "grant_option": f"GRANT {what} ON {target} TO {to} WITH GRANT OPTION"}[kinds[kind]])
    return out


def _defaults(live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """ALTER DEFAULT PRIVILEGES IN SCHEMA of the applying role. Its global default privileges and
    those of other roles are not in the specs and are left alone."""
    schemas = {o["name"] for o in desired["objects"].values() if o["alter"] == "SCHEMA"}
    keys = {(s, k) for (role, s, k) in desired["default_acls"] if role == desired["user"] and s}
    keys |= {(s, k) for (role, s, k) in live["default_acls"] if role == live["user"] and s in schemas}
    out = []
    for schema, kind in sorted(keys):
        have = acl.acl(live["default_acls"].get((live["user"], schema, kind), ()), set())
        want = acl.acl(desired["default_acls"].get((desired["user"], schema, kind), ()), set())
        for text in acl.statements(_DEFAULT_ACL_OBJECTS[kind], have, want):
            verb, rest = text.split(" ", 1)
            out.append(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {ident(schema)} {verb} {rest}")
    return out


def _database(live: dict[str, Any], project: Any) -> list[str]:
    """GRANT/REVOKE ON DATABASE from the specs' `database: grants:` (the desired side is another
    database, so these come from the model): each role named gets exactly its privileges, others
    are left alone."""
    spec = getattr(project, "database", None)
    if spec is None or not spec.grants:
        return []
    db = live["database"]
    named = {("PUBLIC" if r.lower() == "public" else r): ps for r, ps in spec.grants.items()}
    have = {k: v for k, v in acl.acl(db["acl"], {db["owner"]}).items() if k[0] in named}
    want = {(r, p): False for r, ps in named.items() if r != db["owner"]
            for name in ps for p in _DATABASE_PRIVILEGES.get(name, {name.upper()})}
    # a grant option the specs cannot express is kept, not revoked
    want = {k: have.get(k, v) for k, v in want.items()}
    return acl.statements(f"DATABASE {db['name']}", have, want)


def merge(statements: list[str], ctx: Context) -> list[str]:
    return statements + _objects(ctx) + _defaults(ctx.live, ctx.desired) + _database(ctx.live, ctx.project)
