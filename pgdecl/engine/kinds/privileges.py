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
    """`columns`: column privileges per column; `default_acls`: (role, schema or '', kind) -> entries,
    `default_acl_builtin`: (role, kind) -> what a missing global row means, for the global rows;
    `database`: the current database's name, owner and ACL. (Objects' ACLs: pgdecl.engine.kinds.owners.)"""
    columns = {key: {"name": name, "table": target, "column": col, "owner": owner, "acl": acl.entries(entries)}
               for key, name, target, col, owner, entries in conn.execute(sql("column_acl")).fetchall()}
    default_acls, builtin = {}, {}
    for role, schema, kind, entries, default in conn.execute(sql("default_acl")).fetchall():
        default_acls[(role, schema, kind)] = acl.entries(entries)
        if default is not None:
            builtin[(role, kind)] = acl.entries(default)
    row = conn.execute(sql("database_acl")).fetchone()
    assert row is not None
    db_name, db_owner, db_acl = row
    return {"columns": columns, "default_acls": default_acls, "default_acl_builtin": builtin,
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
        if current == final:
            have_revoked = _fresh_owner_revoked(live, want["defkind"]) if fresh else have.get("owner_revoked", ())
            out += _owner_own(target, final, set(have_revoked), set(want.get("owner_revoked", ())))
    return out + _columns(ctx, who, revoked)


def _fresh_owner_revoked(live: dict[str, Any], defkind: str) -> frozenset[str]:
    """What the applying role's global default privileges take from it on an object it creates."""
    user = live["user"]
    row = live["default_acls"].get((user, "", defkind))
    builtin = live.get("default_acl_builtin", {}).get((user, defkind))
    if row is None or builtin is None:
        return frozenset()
    return frozenset(p for g, p, _o in builtin if g == user) - {p for g, p, _o in row if g == user}


def _owner_own(target: str, owner: str, have: set[str], want: set[str]) -> list[str]:
    """An owner's own privileges, where one side has taken some from it (REVOKE ... FROM owner, or
    objects made under default privileges that do)."""
    out = []
    if want - have:
        out.append(f"REVOKE {acl.privileges(want - have)} ON {target} FROM {ident(owner)}")
    if have - want:
        out.append(f"GRANT {acl.privileges(have - want)} ON {target} TO {ident(owner)}")
    return out


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
    """ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] of every role, global ones included (an
    owner revoking its own defaults, PUBLIC's EXECUTE on functions), in the schemas the specs have.
    The role loading each side is the same role on the other (the applying one): FOR ROLE is written
    for other roles only. A global row missing on one side means PostgreSQL's built-in default."""
    schemas = {o["name"] for o in desired["objects"].values() if o["alter"] == "SCHEMA"}

    def rows(side: dict[str, Any]) -> dict[tuple[str, str, str], frozenset[acl.Entry]]:
        return {("" if role == side["user"] else role, s, k): v for (role, s, k), v in side["default_acls"].items()
                if s == "" or s in schemas}

    def builtin(side: dict[str, Any]) -> dict[tuple[str, str], frozenset[acl.Entry]]:
        return {("" if role == side["user"] else role, k): v
                for (role, k), v in side.get("default_acl_builtin", {}).items()}

    have_rows, want_rows = rows(live), rows(desired)
    defaults = {**builtin(desired), **builtin(live)}
    out = []
    for role, schema, kind in sorted(set(have_rows) | set(want_rows), key=lambda k: (k[0], k[1] == "", k[1], k[2])):
        missing = defaults.get((role, kind), frozenset()) if schema == "" else frozenset()
        have = acl.acl(have_rows.get((role, schema, kind), missing), set())
        want = acl.acl(want_rows.get((role, schema, kind), missing), set())
        where = (f" FOR ROLE {ident(role)}" if role else "") + (f" IN SCHEMA {ident(schema)}" if schema else "")
        for text in acl.statements(_DEFAULT_ACL_OBJECTS[kind], have, want):
            verb, rest = text.split(" ", 1)
            out.append(f"ALTER DEFAULT PRIVILEGES{where} {verb} {rest}")
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
