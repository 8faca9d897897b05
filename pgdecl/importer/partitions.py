"""Partition trees on import: a partitioned table and its partitions become YAML (`partition_by`,
`partition_of`, `bounds`) when the spec format says all of them exactly, else the whole tree is raw SQL
with the reason.

A tree is YAML when every partition has its parent's columns (names, types, order, NOT NULL, defaults,
collations), no primary key, unique constraint or foreign key of its own, and every index it has from its
parent carries the name PostgreSQL gives such an index (pgdecl creates partitions under their parent,
which names them). Those inherited indexes, and the partitions' column defaults, are then left out of
the import: PostgreSQL makes them again.
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast.parser import ParseError
from pglast.stream import RawStream

from ..partition_plan import default_index_name


def _columns(cols: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """What a partition must share with its parent of each column: name, type, NOT NULL, identity,
    generated, default, collation."""
    return [(c[2], c[3], c[4], c[5], c[6], c[7], c[11], c[12]) for c in cols]


def bound_spec(bound: str) -> dict[str, Any] | str | None:
    """`FOR VALUES FROM ('a') TO ('b')` as the YAML `bounds` ({from, to}, {in}, {modulus, remainder} or
    'default'); None when it does not parse."""
    try:
        stmt = pglast.parse_sql(f"CREATE TABLE p PARTITION OF t {bound}")[0].stmt
    except (ParseError, IndexError):
        return None
    b = stmt.partbound
    if b is None:
        return None
    if b.is_default:
        return "default"

    def values(datums: Any) -> Any:
        out = [RawStream()(d) for d in datums or ()]
        return out[0] if len(out) == 1 else out

    if b.strategy == "l":
        return {"in": [RawStream()(d) for d in b.listdatums or ()]}
    if b.strategy == "h":
        return {"modulus": b.modulus, "remainder": b.remainder}
    return {"from": values(b.lowerdatums), "to": values(b.upperdatums)}


def key_spec(partkey: str) -> str:
    """`RANGE (created_at)` -> `range(created_at)`."""
    strategy, _, rest = partkey.strip().partition(" ")
    return f"{strategy.lower()}{rest.strip()}"


def _default_name(reader: Any, row: tuple[Any, ...], table: str) -> str | None:
    """The name PostgreSQL gives the copy of a parent's index on partition `table` (schema.name)."""
    try:
        stmt = pglast.parse_sql(row[3])[0].stmt
    except (ParseError, IndexError):
        return None
    kind = "idx"
    if row[14]:
        contype = next((c[2] for c in reader.constraints if c[16] == row[0] and c[3] == row[1]), None)
        kind = "pkey" if contype == "p" else "key" if contype == "u" else "excl"
    return default_index_name(table, stmt, kind)


def mark_trees(reader: Any) -> None:
    """Decide YAML or raw SQL for every partition tree of the reader (after its relations, constraints and
    indexes are units); record `partkey`, `parent` and `bound` on the YAML ones' units."""
    rels = reader.rels
    children: dict[int, list[int]] = {}
    for oid, r in rels.items():
        if r[9] and r[18]:
            children.setdefault(r[18][0], []).append(oid)
    roots = [oid for oid, r in rels.items() if r[3] == "p" and not r[9]]
    for root in roots:
        members: list[int] = []
        todo = [root]
        while todo:
            oid = todo.pop(0)
            members.append(oid)
            todo.extend(sorted(children.get(oid, ())))
        reason = _tree_problem(reader, root, members)
        for oid in members:
            u = reader.units.get(("rel", oid))
            if u is None:
                continue
            if reason is not None:
                if u.raw is None:
                    u.raw = (f"a partitioned table: {reason}" if oid == root
                             else f"a partition of the tree of {u.name.split('.')[0]}.{rels[root][2]}: {reason}")
                continue
            r = rels[oid]
            if r[3] == "p":
                u.data["partkey"] = key_spec(r[17])
            if oid != root:
                u.data["parent"] = r[18][0]
                u.data["bound"] = bound_spec(r[16])
        if reason is None:
            _fold_inherited(reader, members[1:])


# PostgreSQL 18+: a partition's inherited NOT NULL constraints named otherwise than its parent's
_OWN_NOT_NULL_NAMES = """
SELECT co.conname FROM pg_catalog.pg_constraint co
 WHERE co.conrelid = %(part)s AND co.contype = 'n' AND co.coninhcount > 0
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint pc WHERE pc.conrelid = %(parent)s AND pc.contype = 'n'
                      AND pc.conname = co.conname)
"""


def _tree_problem(reader: Any, root: int, members: list[int]) -> str | None:
    """Why a partition tree cannot be YAML, or None."""
    rels = reader.rels
    for oid in members:
        u = reader.units.get(("rel", oid))
        r = rels[oid]
        if u is None:
            return f"{r[1]}.{r[2]} is not imported"
        if u.raw is not None and not u.raw.startswith(("a partitioned table", "a partition")):
            return f"{u.name} is raw SQL ({u.raw})"
        if oid == root:
            continue
        parent = r[18][0]
        if parent not in rels or len(r[18]) != 1:
            return f"{u.name} has a parent outside the imported schemas"
        if _columns(reader.columns.get(oid, [])) != _columns(reader.columns.get(parent, [])):
            return f"the columns of partition {u.name} differ from its parent's"
        if bound_spec(r[16]) is None:
            return f"the bounds of {u.name} cannot be read"
        if reader.server_version >= 180000 and reader.q(_OWN_NOT_NULL_NAMES, part=oid, parent=parent):
            return (f"partition {u.name} names its NOT NULL constraints apart from its parent's (PostgreSQL 18 "
                    "keeps them; PARTITION OF would copy the parent's names)")
        for key, part in reader.units.items():
            if part.parent == ("rel", oid) and key[0] == "con" and part.data["row"][2] in ("p", "u", "f", "x"):
                return f"partition {u.name} has a {part.kind} of its own ({part.name})"
        for row in reader.indexes:
            if row[1] == oid and row[15]:  # attached to the parent's index
                want = _default_name(reader, row, f"{r[1]}.{r[2]}")
                if want != row[2]:
                    return (f"index {r[1]}.{row[2]} of partition {u.name} is not named as PostgreSQL names the "
                            f"parent's index on a partition ({want})")
    return None


def _fold_inherited(reader: Any, partitions: list[int]) -> None:
    """Leave out what PostgreSQL gives a partition from its parent: attached indexes, column defaults."""
    attached = {row[0] for row in reader.indexes if row[1] in partitions and row[15]}
    defaults = {c[8] for oid in partitions for c in reader.columns.get(oid, []) if c[8] is not None}
    for key in [k for k in reader.units if (k[0] == "idx" and k[1] in attached) or (k[0] == "def" and k[1] in defaults)]:
        del reader.units[key]
