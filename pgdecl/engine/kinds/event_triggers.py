"""Event triggers (`CREATE EVENT TRIGGER`): migra ignores them. A changed one is dropped and made
again (there is no CREATE OR REPLACE); its enabled state is set with ALTER EVENT TRIGGER."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import ident, literal
from ..graph import sql

NAME = "event_triggers"
_ENABLE = {"O": "ENABLE", "D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    return {name: {"event": event, "function": function, "tags": list(tags or []), "enabled": enabled}
            for name, event, function, tags, enabled in conn.execute(sql("event_triggers")).fetchall()}


def create(name: str, t: dict[str, Any]) -> list[str]:
    when = f" WHEN TAG IN ({', '.join(map(literal, t['tags']))})" if t["tags"] else ""
    out = [f"CREATE EVENT TRIGGER {ident(name)} ON {t['event']}{when} EXECUTE FUNCTION {t['function']}()"]
    if t["enabled"] != "O":
        out.append(f"ALTER EVENT TRIGGER {ident(name)} {_ENABLE[t['enabled']]}")
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(live) | set(desired)):
        have, want = live.get(name), desired.get(name)
        if want is None:
            out.append(f"DROP EVENT TRIGGER {ident(name)}")
        elif have is None:
            out += create(name, want)
        elif {k: v for k, v in have.items() if k != "enabled"} != {k: v for k, v in want.items() if k != "enabled"}:
            out.append(f"DROP EVENT TRIGGER {ident(name)}")
            out += create(name, want)
        elif have["enabled"] != want["enabled"]:
            out.append(f"ALTER EVENT TRIGGER {ident(name)} {_ENABLE[want['enabled']]}")
    return out
