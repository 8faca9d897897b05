"""Citus in the specs, without a database: which tables are distributed or reference tables, their
colocation groups as Citus forms them, and the checks `validate` runs on the `distribution` and
`reference` keys. The live side and the plan steps are in pgdecl.citus; lint rules PD018-PD020 use the
groups worked out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from .errors import Origin
from .model import Project, Table, qualify, split_name

DISTRIBUTED, REFERENCE = "distributed", "reference"
CITUS_DEFAULT_SHARD_COUNT = 32  # citus.shard_count out of the box
_SPECIAL = ("none", "default")

# spellings of one type, so colocation by type matches what Citus compares (the type's oid)
_TYPE_ALIASES = {
    "int": "integer", "int4": "integer", "serial": "integer", "serial4": "integer",
    "int8": "bigint", "bigserial": "bigint", "serial8": "bigint",
    "int2": "smallint", "smallserial": "smallint", "serial2": "smallint",
    "varchar": "character varying", "bool": "boolean", "float8": "double precision", "float4": "real",
    "timestamptz": "timestamp with time zone", "decimal": "numeric",
}


@dataclass(frozen=True)
class Want:
    """What the specs want Citus to do with one table."""

    kind: str                   # DISTRIBUTED or REFERENCE
    column: str | None = None   # the distribution column
    colocate_with: str | None = None  # qualified table name, 'none', or None (Citus's default group)
    shard_count: int | None = None    # given in the specs (on the table or the root of its colocate_with chain)


def kind(table: Table) -> str | None:
    """DISTRIBUTED, REFERENCE or None (a plain PostgreSQL table)."""
    if table.distribution is not None:
        return DISTRIBUTED
    return REFERENCE if table.reference else None


def colocate_target(name: str, table: Table) -> str | None:
    """The qualified table named in colocate_with, 'none', or None for Citus's default group."""
    if table.distribution is None or table.distribution.colocate_with is None:
        return None
    target = table.distribution.colocate_with.strip()
    if target.lower() in _SPECIAL:
        return None if target.lower() == "default" else "none"
    return qualify(target, split_name(name)[0])


def _root(project: Project, name: str) -> str:
    """The first table of the colocate_with chain that names no other table (cycles stop where they close)."""
    seen = {name}
    while True:
        target = colocate_target(name, project.tables[name])
        if target in (None, "none") or target not in project.tables or target in seen \
                or project.tables[target].distribution is None:
            return name
        seen.add(target)
        name = target


def normal_type(text: str) -> str:
    """A column type in one spelling: 'int4' and 'INTEGER' are both 'integer'."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    return _TYPE_ALIASES.get(t, t)


def wanted(project: Project) -> dict[str, Want]:
    """Qualified table name -> what Citus should make of it, for every distributed or reference table."""
    out: dict[str, Want] = {}
    for name, t in project.tables.items():
        k = kind(t)
        if k == REFERENCE:
            out[name] = Want(REFERENCE)
        elif k == DISTRIBUTED:
            assert t.distribution is not None
            root = project.tables[_root(project, name)]
            count = root.distribution.shard_count if root.distribution else None
            out[name] = Want(DISTRIBUTED, t.distribution.column, colocate_target(name, t), count)
    return out


def group_key(project: Project, name: str, default_shard_count: int = CITUS_DEFAULT_SHARD_COUNT) -> tuple[Any, ...]:
    """The colocation group Citus puts a distributed table in: that of its colocate_with chain's root;
    a root with colocate_with 'none' has a group of its own, any other root the default group of its
    distribution column's type and shard count."""
    root = _root(project, name)
    t = project.tables[root]
    assert t.distribution is not None
    if colocate_target(root, t) == "none":
        return ("none", root)
    col = t.columns.get(t.distribution.column)
    typ = normal_type(col.type) if col is not None else "?"
    return ("default", typ, t.distribution.shard_count or default_shard_count)


def colocated(project: Project, a: str, b: str) -> bool:
    """Both tables distributed and in one colocation group."""
    ta, tb = project.tables.get(a), project.tables.get(b)
    if ta is None or tb is None or ta.distribution is None or tb.distribution is None:
        return False
    return a == b or group_key(project, a) == group_key(project, b)


def creation_order(project: Project, names: set[str] | list[str]) -> list[str]:
    """Reference tables first, then distributed tables, each after the table it colocates with."""
    names = set(names)
    refs = sorted(n for n in names if kind(project.tables[n]) == REFERENCE)
    out: list[str] = []

    def visit(n: str, seen: frozenset[str]) -> None:
        if n in out or n in seen:
            return
        target = colocate_target(n, project.tables[n])
        if target in names and target not in (None, "none"):
            visit(target, seen | {n})
        out.append(n)

    for n in sorted(n for n in names if kind(project.tables[n]) == DISTRIBUTED):
        visit(n, frozenset())
    return refs + out


def problems(project: Project) -> Iterator[tuple[str, Origin | None]]:
    """Mistakes in the Citus keys, each with the table's origin."""
    for name, t in project.tables.items():
        d = t.distribution
        if d is None:
            continue
        o = t.origin
        if t.reference:
            yield "a table is either distributed or a reference table, not both (distribution and reference: true)", o
        if d.column not in t.columns:
            yield f"distribution column {d.column!r} is not a column of table {name}", o
        target = colocate_target(name, t)
        if target is None or target == "none":
            continue
        other = project.tables.get(target)
        if d.shard_count is not None:
            yield ("give shard_count or colocate_with, not both: a colocated table has the shard count of "
                   f"{d.colocate_with}"), o
        if target == name:
            yield "colocate_with names the table itself", o
        elif other is None:
            yield f"colocate_with names {d.colocate_with!r}, which is not a table in the specs", o
        elif other.distribution is None:
            yield f"colocate_with names {target}, which is not a distributed table", o
        elif _root(project, name) == name:
            yield f"colocate_with makes a cycle through {target}", o
        else:
            mine, theirs = t.columns.get(d.column), other.columns.get(other.distribution.column)
            if mine is not None and theirs is not None and normal_type(mine.type) != normal_type(theirs.type):
                yield (f"colocate_with {target}: distribution columns of different types ({mine.type} here, "
                       f"{theirs.type} there) cannot be colocated"), o
