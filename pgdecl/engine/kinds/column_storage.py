"""A column's storage (`SET STORAGE EXTERNAL`) and compression (`SET COMPRESSION lz4`) where they are
not its type's defaults: migra ignores both, so a recreated or new table lost them. Changed in place
(they apply to values written from then on; nothing is rewritten)."""

from __future__ import annotations

from typing import Any

import psycopg

from ...render import ident
from ..graph import sql
from ..ops import COLUMN, ObjectId
from ..remake import dropped, relation
from .storage import _created

NAME = "column_storage"
_STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """`relation\\0column` -> {"relation", "kind", "column", "storage", "compression"} (None: the
    default) and "default": the type's own storage."""
    return {f"{rel}\0{col}": {"relation": rel, "kind": kind, "column": col, "storage": storage,
                              "compression": compression, "default": default}
            for rel, kind, col, storage, compression, default in conn.execute(sql("column_storage")).fetchall()}


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    new = _created(planned)
    out: list[str] = []
    for key in sorted(desired):
        want = desired[key]
        have = {} if want["relation"] in new else live.get(key, {})
        what = f"ALTER {'MATERIALIZED VIEW' if want['kind'] == 'm' else 'TABLE'} {want['relation']} " \
               f"ALTER COLUMN {ident(want['column'])}"
        storage = want["storage"] or want["default"]
        if (have.get("storage") or want["default"]) != storage:
            out.append(f"{what} SET STORAGE {_STORAGE[storage]}")
        if have.get("compression") != want["compression"]:
            out.append(f"{what} SET COMPRESSION {want['compression'] or 'DEFAULT'}")
    gone = dropped(planned) if set(live) - set(desired) else set()
    for key in sorted(set(live) - set(desired)):  # back to the type's defaults, where the column stays
        have = live[key]
        table = relation(have["relation"])
        if have["relation"] in new or table in gone or \
                ObjectId(COLUMN, table.schema, f"{table.name}.{have['column']}") in gone:
            continue
        what = f"ALTER {'MATERIALIZED VIEW' if have['kind'] == 'm' else 'TABLE'} {have['relation']} " \
               f"ALTER COLUMN {ident(have['column'])}"
        if have["storage"]:
            out.append(f"{what} SET STORAGE {_STORAGE[have['default']]}")
        if have["compression"]:
            out.append(f"{what} SET COMPRESSION DEFAULT")
    return out
