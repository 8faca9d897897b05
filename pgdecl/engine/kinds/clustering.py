"""The index a table is clustered on (`ALTER TABLE t CLUSTER ON i`, which CLUSTER without an index
name uses): schemainspect counts it part of the index, so migra dropped and made the index again;
here it is set or cleared in place (SHARE UPDATE EXCLUSIVE, no rewrite). CLUSTER itself is left to
the operator: it rewrites the table."""

from __future__ import annotations

from typing import Any

import psycopg

from ..graph import sql
from ..remake import dropped, relation

NAME = "clustering"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """relation -> {"kind": "TABLE" or "MATERIALIZED VIEW", "index": bare quoted index name}."""
    return {rel: {"kind": "MATERIALIZED VIEW" if kind == "m" else "TABLE", "index": index}
            for rel, kind, index in conn.execute(sql("clustering")).fetchall()}


def _dropped(rel: str, planned: list[str], index: str | None = None) -> bool:
    """Whether the plan drops the relation, or with `index` that index of its schema (its
    clustering goes with it)."""
    target = relation(rel)
    if index is not None:
        target = relation(f"{rel.partition('.')[0]}.{index}")
    return target in dropped(planned)


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    for rel in sorted(set(live) | set(desired)):
        have, want = live.get(rel), desired.get(rel)
        if want is not None and (have is None or have["index"] != want["index"]
                                 or _dropped(rel, planned, want["index"])):  # made again (swapped in)
            out.append(f"ALTER {want['kind']} {rel} CLUSTER ON {want['index']}")
        elif want is None and have is not None and not _dropped(rel, planned):
            out.append(f"ALTER {have['kind']} {rel} SET WITHOUT CLUSTER")
    return out
