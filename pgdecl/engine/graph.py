"""The dependency graph of a database, read from `pg_depend` (views through `pg_rewrite`, column
defaults through `pg_attrdef`): which object uses which, down to columns. Each end is named as
`pgdecl.engine.ops.ObjectId` names it, so the graph of either side of a diff lines up with the
operations of a plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .ops import COLUMN, RELATION, ObjectId


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """A catalog query kept in `pgdecl/engine/sql/`."""
    return (Path(__file__).parent / "sql" / f"{name}.sql").read_text()


@dataclass
class Graph:
    """`uses[x]`: the objects x depends on; `used_by[y]`: the objects that depend on y; `members[e]`:
    the objects extension e holds. Only normal dependencies count: an automatic one (a sequence owned
    by a column, a constraint on its columns) goes with what it depends on and never blocks a drop."""

    uses: dict[ObjectId, set[ObjectId]] = field(default_factory=dict)
    used_by: dict[ObjectId, set[ObjectId]] = field(default_factory=dict)
    members: dict[ObjectId, set[ObjectId]] = field(default_factory=dict)

    def add(self, obj: ObjectId, ref: ObjectId, member: bool = False) -> None:
        if member:
            self.members.setdefault(ref, set()).add(obj)
            return
        self.uses.setdefault(obj, set()).add(ref)
        self.used_by.setdefault(ref, set()).add(obj)
        if ref.kind == COLUMN:  # what uses a column uses its table
            table = ObjectId(RELATION, ref.schema, ref.name.split(".", 1)[0])
            if table != obj:
                self.used_by.setdefault(table, set()).add(obj)

    def dependants(self, obj: ObjectId) -> set[ObjectId]:
        """Objects that depend on `obj` directly (on a table: also through its columns)."""
        return self.used_by.get(obj, set())

    def provided_by_extension(self, ext: ObjectId) -> set[ObjectId]:
        return self.members.get(ext, set())


def from_rows(rows: Iterable[tuple[Any, ...]]) -> Graph:
    g = Graph()
    for kind, schema, name, rkind, rschema, rname, deptype in rows:
        g.add(ObjectId(kind, schema, name), ObjectId(rkind, rschema, rname), deptype == "e")
    return g


def read(conn: Any) -> Graph:
    """The graph of the database `conn` (a psycopg connection) is connected to. Hash joins only: a
    database just loaded (a scratch database, a fresh apply) has no catalog statistics yet, and the
    planner's nested loops over pg_depend took seconds at 1,000 tables."""
    conn.execute("SET enable_nestloop = off")
    try:
        return from_rows(conn.execute(sql("depend")).fetchall())
    finally:
        conn.execute("RESET enable_nestloop")
