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


# partitions: (partition bare, parent quoted, bound, partition key of a sub-partitioned partition, the
# column constraints `col CONSTRAINT name NOT NULL` whose names differ from the parent's). PostgreSQL 18
# catalogs NOT NULL constraints by name: PARTITION OF gives a partition its parent's names, a table
# attached the pg_dump way keeps its own; naming them in PARTITION OF (...) reproduces either. Before
# 18 there are no contype 'n' rows and the list is empty.
PARTITION_OF_SQL = f"""
SELECT n.nspname || '.' || c.relname, quote_ident(pn.nspname) || '.' || quote_ident(p.relname),
       pg_get_expr(c.relpartbound, c.oid), CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       ARRAY(SELECT quote_ident(a.attname) || ' CONSTRAINT ' || quote_ident(co.conname) || ' NOT NULL'
               FROM pg_constraint co JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
              WHERE co.conrelid = c.oid AND co.contype = 'n' AND co.coninhcount > 0
                AND NOT EXISTS (SELECT 1 FROM pg_constraint pc WHERE pc.conrelid = p.oid AND pc.contype = 'n'
                                   AND pc.conname = co.conname)
              ORDER BY a.attnum)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent
  JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE {_NS} AND c.relispartition AND c.relkind IN ('r', 'p', 'f')
"""


# foreign keys a partition has from its parent's (PostgreSQL adds them with the parent's or the partition)
INHERITED_FKS_SQL = f"""
SELECT n.nspname || '.' || r.relname, co.conname
  FROM pg_constraint co JOIN pg_class r ON r.oid = co.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
 WHERE {_NS} AND co.contype = 'f' AND co.conparentid <> 0
"""


# every table: (schema.name, relkind, partition key of a partitioned one); indexes of partitions and
# partitioned tables: (index, table)
TABLES_SQL = f"""
SELECT n.nspname || '.' || c.relname, c.relkind::text, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND c.relkind IN ('r', 'p', 'f')
"""
PARTITION_INDEXES_SQL = f"""
SELECT n.nspname || '.' || i.relname, n.nspname || '.' || c.relname
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND (c.relispartition OR c.relkind = 'p')
"""


def snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    """Partitioned tables, partitioned indexes, index attachments and partitioned tables' constraints;
    every table's kind and partition key, and which partition each index of a partition is on."""
    tables: set[str] = set()
    indexes: set[str] = set()
    for kind, bare, _quoted in conn.execute(RELATIONS_SQL).fetchall():
        (tables if kind == "p" else indexes).add(bare)
    return {"tables": tables, "indexes": indexes,
            "attached": {tuple(r) for r in conn.execute(ATTACHED_SQL).fetchall()},
            "constraints": {(t, n): (qt, qn, d) for t, n, qt, qn, d in conn.execute(CONSTRAINTS_SQL).fetchall()},
            "partition_of": {r[0]: (r[1], r[2], r[3], tuple(r[4])) for r in conn.execute(PARTITION_OF_SQL).fetchall()},
            "inherited_fks": {tuple(r) for r in conn.execute(INHERITED_FKS_SQL).fetchall()},
            "relations": {r[0]: (r[1], r[2]) for r in conn.execute(TABLES_SQL).fetchall()},
            "partition_indexes": dict(conn.execute(PARTITION_INDEXES_SQL).fetchall())}


_USING_INDEX = re.compile(r'alter table ("[^"]+"\."[^"]+") add constraint ("[^"]+") (PRIMARY KEY|UNIQUE) '
                          r'using index ("[^"]+")\s*;?\s*$', re.IGNORECASE)
_ADD_FK = re.compile(r'alter table ("[^"]+")\.("[^"]+") add constraint ("[^"]+") (FOREIGN KEY .*) not valid\s*;?\s*$',
                     re.IGNORECASE | re.DOTALL)
_ADD_VALID_FK = re.compile(r'alter table ("[^"]+")\.("[^"]+") add constraint ("[^"]+") (FOREIGN KEY .*)$',
                           re.IGNORECASE | re.DOTALL)
_VALIDATE = re.compile(r'alter table ("[^"]+")\.("[^"]+") validate constraint ("[^"]+")\s*;?\s*$', re.IGNORECASE)
_BUILDS_INDEX = re.compile(r"\s*(create\s+(unique\s+)?index\s|alter\s+table\s+(only\s+)?\S+\s+add\s+constraint\s+\S+\s+"
                           r"(primary\s+key|unique))", re.IGNORECASE)
_CREATE_ONLY = re.compile(r"CREATE UNIQUE INDEX (\S+) ON ONLY (\S+) ", re.IGNORECASE)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def partition_statements(statements: list[str], live: dict[str, Any] | None,
                         desired: dict[str, Any] | None) -> list[str]:
    """migra's statements with those about partitioned tables made to run, then the index attachments;
    partitions attached, detached and created under their parent (pgdecl.partition_plan)."""
    from .partition_plan import plan_statements

    return plan_statements(_runnable(statements, live, desired), live, desired)


def _runnable(statements: list[str], live: dict[str, Any] | None, desired: dict[str, Any] | None) -> list[str]:
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
    inherited = set(desired.get("inherited_fks", ()))
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
        f = _ADD_FK.match(text) or _ADD_VALID_FK.match(text)
        if f and (f"{_unquote(f[1])}.{_unquote(f[2])}", _unquote(f[3])) in inherited:
            fk_made_valid.add((f[1], f[2], f[3]))  # its VALIDATE goes too
            continue  # made by the parent's foreign key
        f = _ADD_FK.match(text)
        if f and (f"{_unquote(f[1])}.{_unquote(f[2])}" in partitioned or _references(f[4]) in partitioned):
            out.append(f"alter table {f[1]}.{f[2]} add constraint {f[3]} {f[4]}")
            fk_made_valid.add((f[1], f[2], f[3]))
            continue
        v = _VALIDATE.match(text)
        if v and (v[1], v[2], v[3]) in fk_made_valid:
            continue
        out.append(sql)
    have = (live or {}).get("attached", set())
    attach = [f"ALTER INDEX {parent} ATTACH PARTITION {child}"
              for parent, child in sorted(set(desired.get("attached", ())) - set(have))]
    if not attach:
        return out
    # after the last index or key is built, before foreign keys that need the parent's key valid
    at = max((i + 1 for i, sql in enumerate(out) if _BUILDS_INDEX.match(sql)), default=len(out))
    return out[:at] + attach + out[at:]


def _references(fk: str) -> str | None:
    """schema.name of the table a FOREIGN KEY definition references (public when unqualified)."""
    m = re.search(r'REFERENCES\s+((?:"(?:[^"]|"")+"|[^\s("]+)(?:\.(?:"(?:[^"]|"")+"|[^\s("]+))?)\s*\(', fk, re.IGNORECASE)
    if not m:
        return None
    name = _plain(m[1])
    return name if "." in m[1] else f"public.{_unquote(m[1])}"


def _plain(qualified: str) -> str:
    """`public.payment` or `"odd schema"."t"` as schema.name without quotes."""
    schema, _, name = qualified.partition(".")
    return f"{_unquote(schema)}.{_unquote(name)}"


_CREATE_TABLE = re.compile(r'\s*create\s+(?:unlogged\s+)?table\s+("(?:[^"]|"")+"\."(?:[^"]|"")+")', re.IGNORECASE)
_BROKEN_SUBPARTITION = re.compile(r"\)\s*partition by (FOR VALUES|DEFAULT)", re.IGNORECASE)


def partitions_in_order(statements: list[str], desired: dict[str, Any] | None) -> list[str]:
    """CREATE TABLE of partitions right after their parent's when the plan creates both (migra orders
    them by name: `gitlab_partitions_dynamic.audit_events_202401` came before `public.audit_events`),
    and a partition that is itself partitioned written as PARTITION OF ... PARTITION BY (migra wrote
    `partition by FOR VALUES IN (...)`, which does not parse)."""
    parents = (desired or {}).get("partition_of") or {}
    if not parents:
        return statements
    created: dict[str, int] = {}
    for i, sql in enumerate(statements):
        m = _CREATE_TABLE.match(sql)
        if m:
            created[_plain(m[1])] = i
    fixed = list(statements)
    for name, i in created.items():
        info = parents.get(name)
        named = info[3] if info and len(info) > 3 else ()
        if info and ((_BROKEN_SUBPARTITION.search(statements[i]) and info[2]) or (named and " partition of " in
                                                                                   statements[i].lower())):
            head = _CREATE_TABLE.match(statements[i])[0]  # type: ignore[index]  # create [unlogged] table x
            columns = f" ({', '.join(named)})" if named else ""
            fixed[i] = f"{head.strip()} partition of {info[0]}{columns} {info[1]}" + (
                f" partition by {info[2]}" if info[2] else "")
    children: dict[int, list[int]] = {}
    moved: set[int] = set()
    for name, i in created.items():  # every partition whose parent the plan creates goes right after it
        info = parents.get(name)
        j = created.get(_plain(info[0])) if info else None
        if j is not None:
            children.setdefault(j, []).append(i)
            moved.add(i)
    out: list[str] = []

    def put(i: int) -> None:
        out.append(fixed[i])
        for k in sorted(children.get(i, ())):
            put(k)

    for i in range(len(fixed)):
        if i not in moved:
            put(i)
    return out
