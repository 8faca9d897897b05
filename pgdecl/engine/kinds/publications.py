"""Publications (logical replication): migra ignores them. A publication is changed in place (its
tables, schemas and options), never dropped and made again while it exists: subscribers follow it by
name."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import ident
from ..graph import sql

NAME = "publications"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, all_tables, ins, upd, dele, trunc, via_root, tables, schemas in conn.execute(sql("publications")):
        out[name] = {"all_tables": all_tables,
                     "publish": [a for a, on in (("insert", ins), ("update", upd), ("delete", dele),
                                                 ("truncate", trunc)) if on],
                     "via_root": via_root, "tables": [list(t) for t in tables or []], "schemas": list(schemas or [])}
    return out


def _objects(p: dict[str, Any]) -> str:
    """The FOR clause's objects: TABLE t (cols) WHERE (expr), ..., TABLES IN SCHEMA s, ... The row filter
    is parenthesised here, as the grammar wants: pg_get_expr leaves a column or a call bare."""
    parts = [f"TABLE {t}" + (f" ({cols})" if cols else "") + (f" WHERE ({where})" if where else "")
             for t, cols, where in p["tables"]]
    parts += [f"TABLES IN SCHEMA {s}" for s in p["schemas"]]
    return ", ".join(parts)


def _options(p: dict[str, Any]) -> str:
    return f"publish = '{', '.join(p['publish'])}', publish_via_partition_root = {str(p['via_root']).lower()}"


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(live) | set(desired)):
        have, want = live.get(name), desired.get(name)
        q = ident(name)
        if want is None:
            out.append(f"DROP PUBLICATION {q}")
            continue
        if have is None or have["all_tables"] != want["all_tables"]:
            if have is not None:
                out.append(f"DROP PUBLICATION {q}")
            target = " FOR ALL TABLES" if want["all_tables"] else (f" FOR {_objects(want)}" if _objects(want) else "")
            out.append(f"CREATE PUBLICATION {q}{target} WITH ({_options(want)})")
            continue
        if (have["tables"], have["schemas"]) != (want["tables"], want["schemas"]):
            if _objects(want):
                out.append(f"ALTER PUBLICATION {q} SET {_objects(want)}")
            else:
                objs = [f"TABLE {t}" for t, _, _ in have["tables"]] + [f"TABLES IN SCHEMA {s}" for s in have["schemas"]]
                out.append(f"ALTER PUBLICATION {q} DROP {', '.join(objs)}")
        if (have["publish"], have["via_root"]) != (want["publish"], want["via_root"]):
            out.append(f"ALTER PUBLICATION {q} SET ({_options(want)})")
    return out
