"""Subscriptions (logical replication): migra ignores them. Planned without ever needing the
publisher: a new subscription is created `WITH (connect = false, enabled = false, create_slot = false,
slot_name = ...)` and enabled afterwards when the specs say so; publications are set with
`refresh = false`; options, slot name, owner and connection string are altered in place. two_phase
cannot be altered (PostgreSQL 15), so a change of it drops and creates the subscription.

The connection password is never read nor printed: the catalog query takes `password=...` (and the
password of a `postgresql://user:password@host` URI) out of the connection string on the server, so
the comparison is of the connection strings without passwords. A password changed alone is not
seen; a subscription the plan creates, or whose connection it changes, gets the string without its
password (keep it in the subscriber's ~/.pgpass, or set it by hand once)."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import ident, literal
from ..graph import sql

NAME = "subscriptions"

_MASKED = r"""regexp_replace(regexp_replace(regexp_replace(s.subconninfo,
    '(^|\s)password\s*=\s*(''([^''\\]|\\.)*''|[^\s'']\S*)', ' ', 'g'),
    '(://[^:/@\s]*):[^@\s]*@', '\1@'), '^\s+|\s+$', '', 'g')"""


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """name -> owner (and whether it is another role than the one reading: an owner the specs set),
    enabled, options, slot name, publications, connection (password taken out)."""
    row = conn.execute("SELECT current_user::text, "
                       "has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')").fetchone()
    assert row is not None
    user, readable = row
    conninfo = _MASKED if readable else "NULL::text"
    out: dict[str, Any] = {}
    for (name, owner, enabled, binary, stream, two_phase, disable_on_error, slot, sync, pubs,
         connection) in conn.execute(sql("subscriptions").replace("{conninfo}", conninfo)).fetchall():
        out[name] = {"owner": owner, "explicit_owner": owner != user, "enabled": enabled, "slot": slot,
                     "publications": list(pubs or []),
                     "connection": " ".join(connection.split()) if connection is not None else None,
                     "two_phase": two_phase,
                     "options": {"binary": bool(binary), "streaming": bool(stream),
                                 "disable_on_error": bool(disable_on_error), "synchronous_commit": sync}}
    return out


def _value(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else literal(str(v))


def _slot(slot: str | None) -> str:
    return "NONE" if slot is None else literal(slot)


def _create(name: str, want: dict[str, Any]) -> list[str]:
    q = ident(name)
    options = ["connect = false", "enabled = false", "create_slot = false", f"slot_name = {_slot(want['slot'])}"]
    options += [f"{k} = {_value(v)}" for k, v in want["options"].items()]
    if want["two_phase"]:
        options.append("two_phase = true")
    out = [f"CREATE SUBSCRIPTION {q} CONNECTION {literal(want['connection'] or '')} "
           f"PUBLICATION {', '.join(ident(p) for p in want['publications'])} WITH ({', '.join(options)})"]
    if want["enabled"]:
        out.append(f"ALTER SUBSCRIPTION {q} ENABLE")
    if want["explicit_owner"]:
        out.append(f"ALTER SUBSCRIPTION {q} OWNER TO {ident(want['owner'])}")
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    """Drops, then creates (with what the plan's role cannot set at once) and changes in place."""
    out: list[str] = []
    for name in sorted(set(live) - set(desired)):
        out.append(f"DROP SUBSCRIPTION {ident(name)}")
    for name in sorted(desired):
        want, have, q = desired[name], live.get(name), ident(name)
        if have is None or have["two_phase"] != want["two_phase"]:
            if have is not None:
                out.append(f"DROP SUBSCRIPTION {q}")
            out += _create(name, want)
            continue
        if have["enabled"] and not want["enabled"]:
            out.append(f"ALTER SUBSCRIPTION {q} DISABLE")
        if want["connection"] is not None and have["connection"] is not None \
                and want["connection"] != have["connection"]:
            out.append(f"ALTER SUBSCRIPTION {q} CONNECTION {literal(want['connection'])}")
        if sorted(have["publications"]) != sorted(want["publications"]):
            out.append(f"ALTER SUBSCRIPTION {q} SET PUBLICATION "
                       f"{', '.join(ident(p) for p in want['publications'])} WITH (refresh = false)")
        changed = [f"{k} = {_value(v)}" for k, v in want["options"].items() if have["options"].get(k) != v]
        if have["slot"] != want["slot"]:
            changed.append(f"slot_name = {_slot(want['slot'])}")
        if changed:
            out.append(f"ALTER SUBSCRIPTION {q} SET ({', '.join(changed)})")
        if want["enabled"] and not have["enabled"]:
            out.append(f"ALTER SUBSCRIPTION {q} ENABLE")
        if want["explicit_owner"] and have["owner"] != want["owner"]:
            out.append(f"ALTER SUBSCRIPTION {q} OWNER TO {ident(want['owner'])}")
    return out


HAS_SUBSCRIPTIONS = ("SELECT EXISTS (SELECT 1 FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid "
                     "WHERE d.datname = %s)")


def release(conn: psycopg.Connection[Any]) -> None:
    """Drop the subscriptions of a database about to be dropped (a scratch or test database: DROP
    DATABASE refuses while it has any), without touching a publisher: each is disabled and loses its
    slot name first. `conn`: autocommit, to that database."""
    for (name,) in conn.execute("SELECT s.subname::text FROM pg_subscription s JOIN pg_database d "
                                "ON d.oid = s.subdbid WHERE d.datname = current_database()").fetchall():
        q = ident(name)
        conn.execute(f"ALTER SUBSCRIPTION {q} DISABLE")
        conn.execute(f"ALTER SUBSCRIPTION {q} SET (slot_name = NONE)")
        conn.execute(f"DROP SUBSCRIPTION {q}")
