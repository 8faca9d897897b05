"""Partitioned tables in a plan: what migra writes for them does not run, this makes it run.

migra builds a partitioned table's primary key or unique constraint as `CREATE UNIQUE INDEX ... ON
ONLY parent` then `ADD CONSTRAINT ... USING INDEX` (not supported on partitioned tables: "index is
not valid"), adds foreign keys `NOT VALID` then validates them (not supported on partitioned tables),
and never attaches a partition's index to its parent's index, which stays INVALID. Here, as pg_dump
does it: `ALTER TABLE ONLY parent ADD CONSTRAINT ...`, foreign keys on partitioned tables added valid,
and `ALTER INDEX parent_index ATTACH PARTITION partition_index` for every attachment the desired
side has and the live side lacks (once every partition's index is attached, the parent's is valid).
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%%'"

# partitioned tables and indexes as `schema.name` (unquoted, as pgdecl.online names relations) with
# their quoted form
RELATIONS_SQL = f"""
SELECT c.relkind::text, n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND c.relkind IN ('p', 'I')
"""

# index attachments: (parent index, partition index), both quoted
ATTACHED_SQL = f"""
SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname), quote_ident(cn.nspname) || '.' || quote_ident(c.relname)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND c.relkind IN ('i', 'I') AND p.relkind = 'I'
"""

# constraints of partitioned tables: (table bare, name, table quoted, name quoted, definition)
CONSTRAINTS_SQL = f"""
SELECT n.nspname || '.' || r.relname, co.conname, quote_ident(n.nspname) || '.' || quote_ident(r.relname),
       quote_ident(co.conname), pg_get_constraintdef(co.oid)
  FROM pg_constraint co JOIN pg_class r ON r.oid = co.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
 WHERE {_NS} AND r.relkind = 'p' AND co.contype IN ('p', 'u', 'f')
"""


def snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    """Partitioned tables, partitioned indexes, index attachments and partitioned tables' constraints."""
    tables, indexes = set(), set()
    for kind, bare, _quoted in conn.execute(RELATIONS_SQL).fetchall():
        (tables if kind == "p" else indexes).add(bare)
    return {"tables": tables, "indexes": indexes,
            "attached": {tuple(r) for r in conn.execute(ATTACHED_SQL).fetchall()},
            "constraints": {(t, n): (qt, qn, d) for t, n, qt, qn, d in conn.execute(CONSTRAINTS_SQL).fetchall()}}


_USING_INDEX = re.compile(r'alter table ("[^"]+"\."[^"]+") add constraint ("[^"]+") (PRIMARY KEY|UNIQUE) '
                          r'using index ("[^"]+")\s*;?\s*$', re.IGNORECASE)
_ADD_FK = re.compile(r'alter table ("[^"]+")\.("[^"]+") add constraint ("[^"]+") (FOREIGN KEY .*) not valid\s*;?\s*$',
                     re.IGNORECASE | re.DOTALL)
_VALIDATE = re.compile(r'alter table ("[^"]+")\.("[^"]+") validate constraint ("[^"]+")\s*;?\s*$', re.IGNORECASE)
_CREATE_ONLY = re.compile(r"CREATE UNIQUE INDEX (\S+) ON ONLY (\S+) ", re.IGNORECASE)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def partition_statements(statements: list[str], live: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """migra's statements with those about partitioned tables made to run, then the index attachments."""
    if not desired or not (desired.get("tables") or (live or {}).get("tables")):
        return statements
    partitioned = set(desired["tables"])
    via_constraint: dict[tuple[str, str], str] = {}  # (table bare, index name) -> ADD CONSTRAINT
    for sql in statements:
        m = _USING_INDEX.match(sql.strip())
        if m and _plain(m[1]) in partitioned:
            table = _plain(m[1])
            found = desired["constraints"].get((table, _unquote(m[2])))
            if found:
                via_constraint[(table, _unquote(m[4]))] = f"ALTER TABLE ONLY {found[0]} ADD CONSTRAINT {found[1]} {found[2]}"
    fk_made_valid: set[tuple[str, str, str]] = set()
    out: list[str] = []
    for sql in statements:
        text = sql.strip()
        c = _CREATE_ONLY.match(text)
        if c:
            index, table = c[1], c[2]
            if (_plain(table), _unquote(index)) in via_constraint:
                continue  # the ADD CONSTRAINT below builds it
        m = _USING_INDEX.match(text)
        if m:
            replaced = via_constraint.get((_plain(m[1]), _unquote(m[4])))
            if replaced:
                out.append(replaced)
                continue
        f = _ADD_FK.match(text)
        if f and f"{_unquote(f[1])}.{_unquote(f[2])}" in partitioned:
            out.append(f"alter table {f[1]}.{f[2]} add constraint {f[3]} {f[4]}")
            fk_made_valid.add((f[1], f[2], f[3]))
            continue
        v = _VALIDATE.match(text)
        if v and (v[1], v[2], v[3]) in fk_made_valid:
            continue
        out.append(sql)
    have = (live or {}).get("attached", set())
    for parent, child in sorted(set(desired.get("attached", ())) - set(have)):
        out.append(f"ALTER INDEX {parent} ATTACH PARTITION {child}")
    return out


def _plain(qualified: str) -> str:
    """`public.payment` or `"odd schema"."t"` as schema.name without quotes."""
    schema, _, name = qualified.partition(".")
    return f"{_unquote(schema)}.{_unquote(name)}"

