"""A table's replica identity (`REPLICA IDENTITY FULL | NOTHING | USING INDEX i`), what logical
replication sends of an old row: migra ignores it. Set in place (no rewrite); back to DEFAULT when
the specs no longer give one and the table stays."""

from __future__ import annotations

from typing import Any

import psycopg

from ..graph import sql
from ..remake import dropped, relation
from .storage import _created

NAME = "replica_identity"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """quoted table -> its REPLICA IDENTITY clause (`FULL`, `NOTHING`, `USING INDEX i`)."""
    out: dict[str, Any] = {}
    for table, _kind, ident_, index in conn.execute(sql("replica_identity")).fetchall():
        clause = {"f": "FULL", "n": "NOTHING"}.get(ident_) or (f"USING INDEX {index}" if index else None)
        if clause:
            out[table] = clause
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    new = _created(planned)
    out = [f"ALTER TABLE {t} REPLICA IDENTITY {clause}" for t, clause in sorted(desired.items())
           if t in new or live.get(t) != clause]
    gone = dropped(planned) if set(live) - set(desired) else set()
    for table in sorted(set(live) - set(desired) - new):
        if relation(table) not in gone:
            out.append(f"ALTER TABLE {table} REPLICA IDENTITY DEFAULT")
    return out
