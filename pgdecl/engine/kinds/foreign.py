"""Foreign servers, user mappings and foreign tables (SQL/MED: postgres_fdw, file_fdw, ...): migra
ignores them. Options are changed in place (`OPTIONS (ADD/SET/DROP ...)`), a foreign table's columns
too; a server that changes wrapper, or a table that changes server, is made again.

A new column of a live foreign table is added at its end (columns are not reordered).

A user mapping's `password` option is never read: like a role's password it is set outside pgdecl,
so it is neither compared, planned nor printed."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import literal
from ..graph import sql

NAME = "foreign"
SECRET_OPTIONS = frozenset({"password", "password_required"})


def _options(raw: list[str] | None, secret: bool = False) -> dict[str, str]:
    out = dict(o.split("=", 1) for o in raw or [])
    return {k: v for k, v in out.items() if not (secret and k in SECRET_OPTIONS)}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"servers": {}, "mappings": {}, "tables": {}}
    for kind, key, data in conn.execute(sql("foreign")).fetchall():
        if kind == "server":
            out["servers"][key] = {**data, "options": _options(data["options"])}
        elif kind == "mapping":
            out["mappings"][key] = {"options": _options(data["options"], secret=True)}
        else:
            out["tables"][key] = {"server": data["server"], "options": _options(data["options"]),
                                  "columns": [[c[0], c[1], c[2], c[3], _options(c[4])] for c in data["columns"]]}
    return out


def _opts(options: dict[str, str]) -> str:
    return f" OPTIONS ({', '.join(f'{k} {literal(v)}' for k, v in sorted(options.items()))})" if options else ""


def _opts_change(have: dict[str, str], want: dict[str, str]) -> str:
    """OPTIONS (ADD k 'v', SET k 'v', DROP k), or "" when they are equal."""
    parts = [f"DROP {k}" for k in sorted(set(have) - set(want))]
    parts += [f"{'SET' if k in have else 'ADD'} {k} {literal(v)}" for k, v in sorted(want.items())
              if have.get(k) != v]
    return f"OPTIONS ({', '.join(parts)})" if parts else ""


def _column(c: list[Any]) -> str:
    name, typ, not_null, default, options = c
    return (f"{name} {typ}{_opts(options)}" + (" NOT NULL" if not_null else "")
            + (f" DEFAULT {default}" if default is not None else ""))


def _create_table(name: str, t: dict[str, Any]) -> str:
    return (f"CREATE FOREIGN TABLE {name} ({', '.join(_column(c) for c in t['columns'])}) "
            f"SERVER {t['server']}{_opts(t['options'])}")


def _create_server(name: str, s: dict[str, Any]) -> str:
    typ = f" TYPE {literal(s['type'])}" if s["type"] else ""
    version = f" VERSION {literal(s['version'])}" if s["version"] else ""
    return f"CREATE SERVER {name}{typ}{version} FOREIGN DATA WRAPPER {s['fdw']}{_opts(s['options'])}"


def _alter_columns(name: str, have: list[list[Any]], want: list[list[Any]]) -> list[str]:
    old = {c[0]: c for c in have}
    new = {c[0]: c for c in want}
    cmds = [f"DROP COLUMN {c}" for c in old if c not in new]
    for c, spec in new.items():
        if c not in old:
            cmds.append(f"ADD COLUMN {_column(spec)}")
            continue
        before = old[c]
        if before[1] != spec[1]:
            cmds.append(f"ALTER COLUMN {c} TYPE {spec[1]}")
        if before[2] != spec[2]:
            cmds.append(f"ALTER COLUMN {c} {'SET' if spec[2] else 'DROP'} NOT NULL")
        if before[3] != spec[3]:
            cmds.append(f"ALTER COLUMN {c} SET DEFAULT {spec[3]}" if spec[3] is not None
                        else f"ALTER COLUMN {c} DROP DEFAULT")
        change = _opts_change(before[4], spec[4])
        if change:
            cmds.append(f"ALTER COLUMN {c} {change}")
    return [f"ALTER FOREIGN TABLE {name} {', '.join(cmds)}"] if cmds else []


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    live_s, want_s = live.get("servers", {}), desired.get("servers", {})
    live_m, want_m = live.get("mappings", {}), desired.get("mappings", {})
    live_t, want_t = live.get("tables", {}), desired.get("tables", {})
    remade = {n for n in live_s if n in want_s and live_s[n]["fdw"] != want_s[n]["fdw"]}
    for name in sorted(live_t):
        if name not in want_t or live_t[name]["server"] != want_t[name]["server"] or live_t[name]["server"] in remade:
            out.append(f"DROP FOREIGN TABLE {name}")
    for key in sorted(live_m):
        if key not in want_m or key.split(" SERVER ", 1)[1] in remade:
            out.append(f"DROP USER MAPPING FOR {key}")
    for name in sorted(set(live_s) - set(want_s)) + sorted(remade):
        out.append(f"DROP SERVER {name}")
    for name in sorted(want_s):
        have, want = live_s.get(name), want_s[name]
        if have is None or name in remade:
            out.append(_create_server(name, want))
            continue
        if have["version"] != want["version"] and want["version"]:
            out.append(f"ALTER SERVER {name} VERSION {literal(want['version'])}")
        change = _opts_change(have["options"], want["options"])
        if change:
            out.append(f"ALTER SERVER {name} {change}")
    for key in sorted(want_m):
        have = None if key.split(" SERVER ", 1)[1] in remade else live_m.get(key)
        if have is None:
            out.append(f"CREATE USER MAPPING FOR {key}{_opts(want_m[key]['options'])}")
        else:
            change = _opts_change(have["options"], want_m[key]["options"])
            if change:
                out.append(f"ALTER USER MAPPING FOR {key} {change}")
    for name in sorted(want_t):
        have, want = live_t.get(name), want_t[name]
        if have is None or have["server"] != want["server"] or have["server"] in remade:
            out.append(_create_table(name, want))
            continue
        out += _alter_columns(name, have["columns"], want["columns"])
        change = _opts_change(have["options"], want["options"])
        if change:
            out.append(f"ALTER FOREIGN TABLE {name} {change}")
    return out
