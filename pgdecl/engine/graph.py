"""The dependency graph of a database, read from `pg_depend` (views through `pg_rewrite`, column
defaults through `pg_attrdef`): which object uses which, down to columns. Each end is named as
`pgdecl.engine.ops.ObjectId` names it, so the graph of either side of a diff lines up with the
operations of a plan."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .ops import COLUMN, RELATION, ObjectId


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """A catalog query kept in `pgdecl/engine/sql/`."""
    return (Path(__file__).parent / "sql" / f"{name}.sql").read_text()


class Graph:
    """`uses[x]`: the objects x depends on; `used_by[y]`: the objects that depend on y; `members[e]`:
    the objects extension e holds. Only normal dependencies count: an automatic one (a sequence owned
    by a column, a constraint on its columns) goes with what it depends on and never blocks a drop.

    Kept as the rows it was read from (plain tuples: cheap to pickle with the cached desired side)
    and indexed on first use: a plan with nothing to order never builds the maps."""

    def __init__(self, rows: Iterable[tuple[Any, ...]] = ()) -> None:
        self._rows = [tuple(r) for r in rows]
        self._maps: tuple[dict[ObjectId, set[ObjectId]], ...] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"_rows": self._rows, "_maps": None}

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows it was read from (kind, schema, name, ref kind, ref schema, ref name, deptype)."""
        return self._rows

    def _index(self) -> tuple[dict[ObjectId, set[ObjectId]], ...]:
        if self._maps is None:
            self._maps = ({}, {}, {})
            rows, self._rows = self._rows, []
            for kind, schema, name, rkind, rschema, rname, deptype in rows:
                self.add(ObjectId(kind, schema, name), ObjectId(rkind, rschema, rname), deptype == "e")
            self._rows = rows
        return self._maps

    @property
    def uses(self) -> dict[ObjectId, set[ObjectId]]:
        return self._index()[0]

    @property
    def used_by(self) -> dict[ObjectId, set[ObjectId]]:
        return self._index()[1]

    @property
    def members(self) -> dict[ObjectId, set[ObjectId]]:
        return self._index()[2]

    def add(self, obj: ObjectId, ref: ObjectId, member: bool = False) -> None:
        uses, used_by, members = self._index()
        if member:
            members.setdefault(ref, set()).add(obj)
            return
        uses.setdefault(obj, set()).add(ref)
        used_by.setdefault(ref, set()).add(obj)
        if ref.kind == COLUMN:  # what uses a column uses its table
            table = ObjectId(RELATION, ref.schema, ref.name.split(".", 1)[0])
            if table != obj:
                used_by.setdefault(table, set()).add(obj)

    def dependants(self, obj: ObjectId) -> set[ObjectId]:
        """Objects that depend on `obj` directly (on a table: also through its columns)."""
        return self.used_by.get(obj, set())

    def provided_by_extension(self, ext: ObjectId) -> set[ObjectId]:
        return self.members.get(ext, set())


def from_rows(rows: Iterable[tuple[Any, ...]]) -> Graph:
    return Graph(rows)


def read(conn: Any) -> Graph:
    """The graph of the database `conn` (a psycopg connection) is connected to. Hash joins only: a
    database just loaded (a scratch database, a fresh apply) has no catalog statistics yet, and the
    planner's nested loops over pg_depend took seconds at 1,000 tables."""
    conn.execute("SET enable_nestloop = off")
    try:
        return from_rows(conn.execute(sql("depend")).fetchall())
    finally:
        conn.execute("RESET enable_nestloop")
