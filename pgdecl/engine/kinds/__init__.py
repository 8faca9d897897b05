"""Per-kind comparers, registered like lint rules: each module of this package names its catalog
query (a `.sql` file in `pgdecl/engine/sql/`), reads its rows into plain data (`read`) and turns the
live and desired data into statements. Adding a kind is one module here and one a.sql/b.sql pair
under tests/conformance/kinds/.

A kind module is one of two shapes.

Compared on its own (objects migra ignores: aggregates, publications, ...):
- `NAME`: the key of its data in a side's snapshot (under `kinds`);
- `read(conn) -> dict`: its catalog rows, as plain (picklable) data;
- `compare(live, desired, plan) -> list[str]`: the statements from the live to the desired data;
  `plan` holds the statements planned so far (an object the plan creates is compared from nothing);
- `PAIR` (optional): its conformance pair's directory when it shares one with another kind.

A layer over migra's statements (what migra gets wrong or half right: domains, privileges, owners,
comments, ...), run by `pgdecl.catalog_diff.merge` in `STAGE` order:
- `NAME`, and `read(conn) -> dict`: the snapshot's top-level keys it owns (other stages read them);
- `STAGE`: its place in the merge (the order of a plan's statements depends on it);
- `merge(statements, ctx) -> list[str]`: the plan's statements so far with its own placed among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import psycopg

from ... import registry

Snapshot = dict[str, Any]


@dataclass
class Context:
    """What a layer sees: both snapshots, migra's statements, the objects (schema.name) they drop
    (and the plan makes again), the columns a layer drops and adds again (`COLUMN s.t.c`: their
    comments and privileges are gone), the spec model (which owners the specs name) and values
    shared between layers (`shared`, e.g. the owners)."""

    live: Snapshot
    desired: Snapshot
    migra: list[str]
    dropped: set[str]
    project: Any = None
    readded: set[str] = field(default_factory=set)
    shared: dict[str, Any] = field(default_factory=dict)


def _all() -> list[ModuleType]:
    return registry.modules(__name__, __path__)


def modules() -> list[ModuleType]:
    """Every registered kind module compared on its own, in name order."""
    return [m for m in _all() if hasattr(m, "compare")]


def layers() -> list[ModuleType]:
    """Every registered layer over migra's statements, in merge order."""
    return sorted((m for m in _all() if hasattr(m, "merge")), key=lambda m: (m.STAGE, m.NAME))


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Every kind's data from one database."""
    return {m.NAME: m.read(conn) for m in modules()}


def read_layers(conn: psycopg.Connection[Any]) -> Snapshot:
    """The snapshot keys of every layer, from one database."""
    out: Snapshot = {}
    for m in layers():
        out.update(m.read(conn))
    return out


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    """Every kind's statements; a kind a side lacks (say, a snapshot cached before it existed) is
    compared from nothing."""
    out: list[str] = []
    for m in modules():
        out += m.compare(live.get(m.NAME, {}), desired.get(m.NAME, {}), planned)
    return out


def merge(statements: list[str], ctx: Context) -> list[str]:
    """migra's statements with every layer's placed among them."""
    for m in layers():
        statements = m.merge(statements, ctx)
    return statements
