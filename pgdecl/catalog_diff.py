"""pgdecl's own diff layer for what migra misses or gets wrong.

Both sides are read with the same catalog queries (`snapshot(conn)` on the live database and on the
scratch database holding the desired DDL); `merge` takes migra's statements and returns the plan's:

- domains: created (before the first statement that uses them), altered (default, NOT NULL,
  checks), dropped (before migra drops types); migra ignores domains altogether;
- generated columns whose expression changes: migra writes `ALTER COLUMN .. SET DEFAULT`, which
  PostgreSQL refuses; we write `SET EXPRESSION` on 17+, before that a drop and add of the column
  (it is recomputed, nothing is lost) and its indexes and constraints again;
- privileges, compared ACL entry by ACL entry (grant options and PUBLIC included) on schemas,
  tables, views, materialized views, sequences, columns, functions, procedures, types and
  domains, and the default privileges of the applying role per schema; migra only knew table
  privileges, not their grant options, and wrote PUBLIC as a quoted role name;
- owners, where the specs name one;
- comments, FORCE ROW LEVEL SECURITY and sequence options.

Objects the plan creates, or drops and creates again, are compared from what PostgreSQL gives a
new object of the applying role (its default privileges included), not from their live state.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable, TypeGuard

import psycopg
from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError
from pglast.visitors import Visitor

from . import partitions, sqltree
from .attoptions import sql_user_attoptions
from .db import one
from .engine import kinds
from .errors import PlanError

Snapshot = dict[str, Any]

_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%%'"


def _not_extension(cls: str, oid: str) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{cls}'::regclass AND e.objid = {oid} "
            "AND e.deptype = 'e')")


COMMENTS_SQL = f"""
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                      WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END
       || ' ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname), d.description, n.nspname || '.' || c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
 WHERE {_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f')
UNION ALL
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       d.description, n.nspname || '.' || c.relname
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
 WHERE {_NS} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       obj_description(t.oid, 'pg_type'), n.nspname || '.' || t.typname
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE {_NS} AND t.typtype IN ('e', 'd')
UNION ALL
SELECT 'FUNCTION ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
       || '(' || pg_get_function_identity_arguments(p.oid) || ')', obj_description(p.oid, 'pg_proc'),
       n.nspname || '.' || p.proname
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_NS} AND p.prokind IN ('f', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')
UNION ALL
SELECT 'TRIGGER ' || quote_ident(tg.tgname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       obj_description(tg.oid, 'pg_trigger'), n.nspname || '.' || c.relname
  FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND NOT tg.tgisinternal
UNION ALL
SELECT 'POLICY ' || quote_ident(pol.polname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       obj_description(pol.oid, 'pg_policy'), n.nspname || '.' || c.relname
  FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS}
UNION ALL
SELECT 'CONSTRAINT ' || quote_ident(co.conname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       obj_description(co.oid, 'pg_constraint'), n.nspname || '.' || c.relname
  FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS}
UNION ALL
SELECT 'SCHEMA ' || quote_ident(n.nspname), obj_description(n.oid, 'pg_namespace'), n.nspname
  FROM pg_namespace n WHERE {_NS}
"""

FORCE_RLS_SQL = f"""
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relforcerowsecurity
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND c.relkind IN ('r', 'p')
"""

SEQUENCES_SQL = """
SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename),
       data_type::text, start_value, increment_by, min_value, max_value, cache_size, cycle
  FROM pg_sequences WHERE schemaname NOT IN ('pgdecl')
"""

# One row per domain: its base type, collation (when not the base type's), NOT NULL, default and
# CHECK constraints, and how many columns use it.
DOMAINS_SQL = f"""
SELECT n.nspname || '.' || t.typname, quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       format_type(t.typbasetype, t.typtypmod),
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace JOIN pg_type bt ON bt.oid = t.typbasetype
         WHERE co.oid = t.typcollation AND t.typcollation <> bt.typcollation),
       t.typnotnull, t.typdefault,
       coalesce((SELECT json_agg(json_build_array(quote_ident(c.conname), pg_get_constraintdef(c.oid), c.convalidated)
                                 ORDER BY c.conname)
                   FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '[]'),
       (SELECT count(*) FROM pg_attribute a WHERE a.atttypid = t.oid AND NOT a.attisdropped)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE {_NS} AND t.typtype = 'd' AND {_not_extension('pg_type', 't.oid')}
 ORDER BY t.oid
"""

_ACL = ("coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' "
        "ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) "
        "FROM aclexplode(coalesce({acl}, acldefault(({kind})::\"char\", {owner}))) x), '[]')")

# Every object with an owner and privileges: (name, object as GRANT names it, ALTER ... OWNER TO
# keyword, pg_default_acl kind, schema, owner, tied to a table (sequences of identity/serial
# columns follow their table's owner), ACL entries [grantee, privilege, grantable]).
OBJECTS_SQL = f"""
SELECT n.nspname || '.' || c.relname,
       CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       CASE c.relkind WHEN 'S' THEN 'S' ELSE 'r' END, n.nspname, pg_get_userbyid(c.relowner),
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')),
       {_ACL.format(acl='c.relacl', kind="CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END", owner='c.relowner')}
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {_not_extension('pg_class', 'c.oid')}
UNION ALL
SELECT n.nspname || '.' || p.proname,
       CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || quote_ident(n.nspname) || '.'
       || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, 'f', n.nspname, pg_get_userbyid(p.proowner), false,
       {_ACL.format(acl='p.proacl', kind="'f'", owner='p.proowner')}
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_NS} AND p.prokind IN ('f', 'p') AND {_not_extension('pg_proc', 'p.oid')}
UNION ALL
SELECT n.nspname || '.' || t.typname,
       CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, 'T', n.nspname, pg_get_userbyid(t.typowner), false,
       {_ACL.format(acl='t.typacl', kind="'T'", owner='t.typowner')}
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE {_NS} AND {_not_extension('pg_type', 't.oid')}
   AND (t.typtype IN ('e', 'd', 'r')
        OR t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
UNION ALL
SELECT n.nspname, 'SCHEMA ' || quote_ident(n.nspname), 'SCHEMA', 'n', n.nspname, pg_get_userbyid(n.nspowner), false,
       {_ACL.format(acl='n.nspacl', kind="'n'", owner='n.nspowner')}
  FROM pg_namespace n
 WHERE {_NS} AND {_not_extension('pg_namespace', 'n.oid')}
"""

# Column privileges of every column of a relation (an empty list when it has none).
COLUMNS_SQL = f"""
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       n.nspname || '.' || c.relname, 'TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       quote_ident(a.attname), pg_get_userbyid(c.relowner),
       CASE WHEN a.attacl IS NULL THEN '[]'::json ELSE
            (SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                              x.privilege_type, x.is_grantable)) FROM aclexplode(a.attacl) x) END
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND {_not_extension('pg_class', 'c.oid')}
"""

# Column options a user can set (n_distinct...), internal ones left out (pgdecl.attoptions): per column
# key as in COLUMNS_SQL, the relation's name, its ALTER target and the sorted options.
ATTOPTIONS_SQL = f"""
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       n.nspname || '.' || c.relname,
       CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' WHEN 'f' THEN 'FOREIGN TABLE ' ELSE 'TABLE ' END
       || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       quote_ident(a.attname), {sql_user_attoptions('a.attoptions')}
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm', 'f')
   AND a.attoptions IS NOT NULL AND {_not_extension('pg_class', 'c.oid')}
"""

# Default privileges: (role, schema or '' for the role's global ones, object kind, entries).
DEFAULT_ACL_SQL = """
SELECT pg_get_userbyid(d.defaclrole), coalesce(n.nspname, ''), d.defaclobjtype::text,
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                                  x.privilege_type, x.is_grantable)) FROM aclexplode(d.defaclacl) x), '[]')
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
 WHERE n.nspname IS NULL OR n.nspname <> 'pgdecl'
"""

DATABASE_SQL = """
SELECT quote_ident(d.datname), pg_get_userbyid(d.datdba),
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                                  x.privilege_type, x.is_grantable))
                   FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) x), '[]')
  FROM pg_database d WHERE d.datname = current_database()
"""

# Stored generated columns: their expression and definition, and what depends on the column
# (indexes and constraints PostgreSQL drops with it; anything else stops a DROP COLUMN).
GENERATED_SQL = f"""
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname,
       quote_ident(a.attname), pg_get_expr(ad.adbin, ad.adrelid), format_type(a.atttypid, a.atttypmod), a.attnotnull,
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE co.oid = a.attcollation AND a.attcollation <> ty.typcollation),
       coalesce((SELECT json_agg(json_build_array(i.relname, pg_get_indexdef(i.oid)) ORDER BY i.relname)
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                  WHERE x.indrelid = c.oid
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid AND k.conrelid = c.oid)
                    AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.oid
                                   AND d.refobjid = c.oid AND d.refobjsubid = a.attnum)), '[]'),
       coalesce((SELECT json_agg(json_build_array(k.conname, pg_get_constraintdef(k.oid)) ORDER BY k.conname)
                   FROM pg_constraint k WHERE k.conrelid = c.oid AND a.attnum = ANY(k.conkey)), '[]'),
       coalesce((SELECT json_agg(DISTINCT coalesce(rn.nspname || '.' || rc.relname, pg_describe_object(d.classid, d.objid, d.objsubid)))
                   FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
                   LEFT JOIN pg_class rc ON rc.oid = r.ev_class LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                  WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum
                    AND d.deptype = 'n'), '[]')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE {_NS} AND a.attgenerated = 's' AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
"""


# Columns a child table only inherits (attislocal = false; partitions left out): its default and
# NOT NULL, and those of its parents, so a CREATE TABLE ... INHERITS lists only local columns and
# sets what the child overrides.
INHERITED_SQL = f"""
SELECT n.nspname || '.' || c.relname, a.attname, pg_get_expr(ad.adbin, ad.adrelid), a.attnotnull,
       coalesce((SELECT json_agg(pg_get_expr(pd.adbin, pd.adrelid))
                   FROM pg_inherits i JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                   LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                  WHERE i.inhrelid = c.oid), '[]'),
       coalesce((SELECT bool_or(pa.attnotnull)
                   FROM pg_inherits i JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                  WHERE i.inhrelid = c.oid), false)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE {_NS} AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attislocal
   AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY 1, a.attnum
"""


# Identity columns and their sequences (schema, name), for pgdecl.reorder.
IDENTITIES_SQL = f"""
SELECT n.nspname || '.' || c.relname, a.attname, sn.nspname, s.relname
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum
                  AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
  JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
 WHERE {_NS} AND a.attidentity <> '' AND NOT a.attisdropped
"""


def _entries(rows: Any) -> frozenset[tuple[str, str, bool]]:
    return frozenset((g, p, bool(o)) for g, p, o in rows or ())


def snapshot(conn: psycopg.Connection) -> Snapshot:
    """The facts this layer compares, read from one database."""
    user, version = one(conn, "SELECT current_user, current_setting('server_version_num')::int")
    objects = {}
    for name, target, alter_kind, defkind, schema, owner, tied, acl in conn.execute(OBJECTS_SQL).fetchall():
        objects[target] = {"name": name, "alter": alter_kind, "defkind": defkind, "schema": schema,
                           "owner": owner, "tied": tied, "acl": _entries(acl)}
    columns = {key: {"name": name, "table": target, "column": col, "owner": owner, "acl": _entries(acl)}
               for key, name, target, col, owner, acl in conn.execute(COLUMNS_SQL).fetchall()}
    default_acls = {(role, schema, kind): _entries(acl)
                    for role, schema, kind, acl in conn.execute(DEFAULT_ACL_SQL).fetchall()}
    domains = {r[0]: {"target": r[1], "type": r[2], "collation": r[3], "not_null": r[4], "default": r[5],
                      "checks": {c[0]: (c[1], c[2]) for c in r[6]}, "used_by": r[7]}
               for r in conn.execute(DOMAINS_SQL).fetchall()}
    generated = {r[0]: {"name": r[1], "table": r[2], "attname": r[3], "column": r[4], "expr": r[5], "type": r[6],
                        "not_null": r[7], "collation": r[8], "indexes": [tuple(i) for i in r[9]],
                        "constraints": [tuple(c) for c in r[10]], "blockers": list(r[11])}
                 for r in conn.execute(GENERATED_SQL).fetchall()}
    inherited: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for table, col, default, not_null, parent_defaults, parent_not_null in conn.execute(INHERITED_SQL).fetchall():
        inherited[table][col] = {"default": default, "not_null": not_null, "parent_defaults": list(parent_defaults),
                                 "parent_not_null": parent_not_null}
    identities: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for table, col, seq_schema, seq_name in conn.execute(IDENTITIES_SQL).fetchall():
        identities[table][col] = [seq_schema, seq_name]
    db_name, db_owner, db_acl = one(conn, DATABASE_SQL)
    return {
        "user": user,
        "database": {"name": db_name, "owner": db_owner, "acl": _entries(db_acl)},
        "version": version,
        "comments": {r[0]: (r[1], r[2]) for r in conn.execute(COMMENTS_SQL).fetchall()},
        "force_rls": dict(conn.execute(FORCE_RLS_SQL).fetchall()),
        "sequences": {r[0]: tuple(r[1:]) for r in conn.execute(SEQUENCES_SQL).fetchall()},
        "objects": objects,
        "columns": columns,
        "default_acls": default_acls,
        "domains": domains,
        "generated": generated,
        "inherited": dict(inherited),
        "identities": dict(identities),
        "attoptions": attoptions_snapshot(conn),
        "partitions": partitions.snapshot(conn),
        "reloptions": reloptions_snapshot(conn),
        "extensions": dict((r[0], (r[1], r[2])) for r in conn.execute(EXTENSIONS_SQL).fetchall()),
        "kinds": kinds.read(conn),  # pgdecl.engine.kinds: one entry per registered kind
    }


# -- helpers ----------------------------------------------------------------------------------------

def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    from .render import ident

    return ident(name)


def _grantee(role: str) -> str:
    return "PUBLIC" if role == "PUBLIC" else _ident(role)


def _same_sql(a: str | None, b: str | None, wrap: str) -> bool:
    from .diff import canonical

    return a == b or canonical(a, wrap) == canonical(b, wrap)


def _parse(sql: str) -> ast.Node | None:
    """The first statement's tree (shared: read, never changed; see _without_inherited)."""
    try:
        stmts = sqltree.parse(sql)
    except ParseError:
        return None
    return stmts[0].stmt if stmts else None


def _qualified(names: Iterable[str]) -> str:
    parts = list(names)
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


class _TypeNames(Visitor):  # type: ignore[misc]  # pglast is not type-checked (follow_imports=skip)
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_TypeName(self, ancestors: Any, node: ast.TypeName) -> None:
        names = [n.sval for n in node.names or () if isinstance(n, ast.String)]
        if names and names[0] != "pg_catalog":
            self.names.add(_qualified(names))


def _types_used(stmt: ast.Node | None) -> set[str]:
    if stmt is None:
        return set()
    v = _TypeNames()
    v(stmt)
    return v.names


_PRIVILEGE_ORDER = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE",
                    "CREATE", "EXECUTE", "CONNECT", "TEMPORARY", "MAINTAIN")


def _privileges(ps: Iterable[str]) -> str:
    return ", ".join(sorted(set(ps), key=lambda p: (_PRIVILEGE_ORDER.index(p) if p in _PRIVILEGE_ORDER else 99, p)))


Acl = dict[tuple[str, str], bool]  # (grantee, privilege) -> with grant option


def _acl(entries: Iterable[tuple[str, str, bool]], leave_out: set[str]) -> Acl:
    return {(g, p): o for g, p, o in entries if g not in leave_out}


def _acl_changes(have: Acl, want: Acl) -> tuple[dict[str, set[str]], dict[str, set[str]],
                                                 dict[str, set[str]], dict[str, set[str]]]:
    """Per grantee: privileges to revoke, grant options to revoke, privileges to grant, to grant with
    grant option."""
    revoke: dict[str, set[str]] = defaultdict(set)
    revoke_option: dict[str, set[str]] = defaultdict(set)
    grant: dict[str, set[str]] = defaultdict(set)
    grant_option: dict[str, set[str]] = defaultdict(set)
    for (g, p), option in have.items():
        if (g, p) not in want:
            revoke[g].add(p)
        elif option and not want[(g, p)]:
            revoke_option[g].add(p)
    for (g, p), option in want.items():
        if (g, p) not in have or (option and not have[(g, p)]):
            (grant_option if option else grant)[g].add(p)
    return revoke, revoke_option, grant, grant_option


def _by_privileges(per_grantee: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(privileges, grantees): grantees that get the same privileges share one statement."""
    groups: dict[str, list[str]] = defaultdict(list)
    for g, ps in sorted(per_grantee.items(), key=lambda kv: (kv[0] != "PUBLIC", kv[0])):
        groups[_privileges(ps)].append(_grantee(g))
    return [(ps, ", ".join(gs)) for ps, gs in groups.items()]


def _acl_statements(on: str, have: Acl, want: Acl) -> list[str]:
    revoke, revoke_option, grant, grant_option = _acl_changes(have, want)
    out = [f"REVOKE {ps} ON {on} FROM {gs}" for ps, gs in _by_privileges(revoke)]
    out += [f"REVOKE GRANT OPTION FOR {ps} ON {on} FROM {gs}" for ps, gs in _by_privileges(revoke_option)]
    out += [f"GRANT {ps} ON {on} TO {gs}" for ps, gs in _by_privileges(grant)]
    out += [f"GRANT {ps} ON {on} TO {gs} WITH GRANT OPTION" for ps, gs in _by_privileges(grant_option)]
    return out


_BUILTIN_DEFAULT = {"f": frozenset({("PUBLIC", "EXECUTE", False)}), "T": frozenset({("PUBLIC", "USAGE", False)})}
_DEFAULT_ACL_OBJECTS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}


def _new_object_acl(live: Snapshot, defkind: str, schema: str) -> frozenset[tuple[str, str, bool]]:
    """What PostgreSQL gives an object the applying role creates: its global default privileges (or
    the built-in ones: EXECUTE on functions and USAGE on types to PUBLIC), plus those of the schema."""
    user, acls = live["user"], live["default_acls"]
    base: frozenset[tuple[str, str, bool]] = acls.get((user, "", defkind), _BUILTIN_DEFAULT.get(defkind, frozenset()))
    return base | acls.get((user, schema, defkind), frozenset()) if defkind != "n" else base


# -- domains ----------------------------------------------------------------------------------------

def _create_domain(d: dict[str, Any]) -> str:
    sql = f"CREATE DOMAIN {d['target']} AS {d['type']}"
    if d["collation"]:
        sql += f" COLLATE {d['collation']}"
    if d["default"] is not None:
        sql += f" DEFAULT {d['default']}"
    if d["not_null"]:
        sql += " NOT NULL"
    for name, (definition, _valid) in d["checks"].items():
        sql += f" CONSTRAINT {name} {definition}"
    return sql


def _alter_domain(name: str, have: dict[str, Any], want: dict[str, Any]) -> list[str]:
    target = want["target"]
    if have["type"] != want["type"] or have["collation"] != want["collation"]:
        if have["used_by"]:
            raise PlanError(
                f"domain {name} changes from {have['type']} to {want['type']}"
                + (f" collate {want['collation']}" if want["collation"] else "")
                + f", but PostgreSQL cannot change a domain's type and {have['used_by']} column(s) use it: "
                "create a domain under a new name, move the columns to it, then remove this one")
        return [f"DROP DOMAIN {target}", _create_domain(want)]
    out = []
    if not _same_sql(have["default"], want["default"], "SELECT {}"):
        out.append(f"ALTER DOMAIN {target} " + ("DROP DEFAULT" if want["default"] is None
                                                 else f"SET DEFAULT {want['default']}"))

    def same(a: str, b: str) -> bool:
        return _same_sql(a, b, "ALTER DOMAIN d ADD {}")

    have_checks = dict(have["checks"])
    for cname, (definition, valid) in have["checks"].items():
        if cname in want["checks"] and same(definition, want["checks"][cname][0]):
            continue
        # the same check under a new name is renamed, not dropped and checked again
        new = next((n for n, (d, _v) in want["checks"].items() if n not in have_checks and same(definition, d)), None)
        del have_checks[cname]
        if new is not None:
            out.append(f"ALTER DOMAIN {target} RENAME CONSTRAINT {cname} TO {new}")
            have_checks[new] = (definition, valid)
        else:
            out.append(f"ALTER DOMAIN {target} DROP CONSTRAINT {cname}")
    if have["not_null"] != want["not_null"]:
        out.append(f"ALTER DOMAIN {target} {'SET' if want['not_null'] else 'DROP'} NOT NULL")
    for cname, (definition, _valid) in want["checks"].items():
        old = have_checks.get(cname)
        if old is None or not same(old[0], definition):
            out.append(f"ALTER DOMAIN {target} ADD CONSTRAINT {cname} {definition}")
        elif not old[1]:
            out.append(f"ALTER DOMAIN {target} VALIDATE CONSTRAINT {cname}")
    return out


def _place_domains(statements: list[str], live: Snapshot, desired: Snapshot) -> list[str]:
    """New domains go before the first statement that uses one of them; dropped ones before migra
    drops types, schemas or extensions (after the columns that used them have changed)."""
    new = [name for name in desired["domains"] if name not in live["domains"]]
    gone = [name for name in live["domains"] if name not in desired["domains"]]
    out = list(statements)
    if gone:
        drops = [f"DROP DOMAIN {live['domains'][name]['target']}" for name in reversed(gone)]
        at = next((i for i, sql in enumerate(out) if isinstance(s := _parse(sql), ast.DropStmt)
                   and s.removeType in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_SCHEMA,
                                        ObjectType.OBJECT_EXTENSION, ObjectType.OBJECT_COLLATION)), len(out))
        out[at:at] = drops
    if new:
        names = set(new)
        at = next((i for i, sql in enumerate(out) if _types_used(_parse(sql)) & names), len(out))
        out[at:at] = [_create_domain(desired["domains"][name]) for name in new]
    return out


# -- generated columns ------------------------------------------------------------------------------

def _column_commands(stmt: ast.Node | None, table: str, column: str) -> TypeGuard[ast.AlterTableStmt]:
    """True for an ALTER TABLE of `table` whose every command alters `column` (type, default, NOT NULL)."""
    if not isinstance(stmt, ast.AlterTableStmt) or stmt.relation is None:
        return False
    rel = stmt.relation
    if f"{rel.schemaname or 'public'}.{rel.relname}" != table:
        return False
    kinds = (AlterTableType.AT_ColumnDefault, AlterTableType.AT_AlterColumnType, AlterTableType.AT_SetNotNull,
             AlterTableType.AT_DropNotNull)
    return bool(stmt.cmds) and all(c.subtype in kinds and c.name == column for c in stmt.cmds)


def _generated_changes(statements: list[str], live: Snapshot, desired: Snapshot,
                       dropped: set[str]) -> tuple[list[str], set[str]]:
    """Replace migra's statements for generated columns whose expression changes. Returns the
    statements and the columns dropped and added again (their comments and privileges are gone)."""
    out = list(statements)
    readded: set[str] = set()
    created = {_created_name(s) for s in out} - {None}
    for key in sorted(desired["generated"]):
        want, have = desired["generated"][key], live["generated"].get(key)
        if have is None or want["name"] in dropped or _same_sql(have["expr"], want["expr"], "SELECT {}"):
            continue
        table, column = want["name"], want["attname"]
        if live["version"] >= 170000:
            mine = [i for i, sql in enumerate(out) if _column_commands(stmt := _parse(sql), table, column)
                    and all(c.subtype == AlterTableType.AT_ColumnDefault for c in stmt.cmds)]
            new = [f"ALTER TABLE {want['table']} ALTER COLUMN {want['column']} SET EXPRESSION AS {_parenthesized(want['expr'])}"]
        else:
            blockers = sorted(set(have["blockers"]) - dropped)
            if blockers:
                raise PlanError(
                    f"column {table}.{column}: its generation expression changes, which before PostgreSQL 17 "
                    f"takes dropping and adding the column, but {', '.join(blockers)} depend(s) on it: "
                    "change them in a separate plan, or upgrade to PostgreSQL 17 (SET EXPRESSION)")
            mine = [i for i, sql in enumerate(out) if _column_commands(_parse(sql), table, column)]
            new = [_readd_column(want)]
            new += [sql for name, sql in want["indexes"] if f"{table.split('.')[0]}.{name}" not in created]
            new += [f"ALTER TABLE {want['table']} ADD CONSTRAINT {_ident(name)} {definition}"
                    for name, definition in want["constraints"] if f"{table}.{name}" not in created]
            readded.add(key)
        at = mine[0] if mine else len(out)
        for i in reversed(mine):
            del out[i]
        out[at:at] = new
    return out, readded


def _parenthesized(expr: str) -> str:
    """`(expr)`, unless it already is one parenthesized whole (as pg_get_expr gives it)."""
    from pglast.parser import scan

    try:
        tokens = scan(expr)
    except ParseError:
        return f"({expr})"
    depth = 0
    for i, t in enumerate(tokens):
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(t.name, 0)
        if depth == 0 and i < len(tokens) - 1:
            return f"({expr})"
    return expr if tokens and tokens[0].name == "ASCII_40" and depth == 0 else f"({expr})"


def _readd_column(want: dict[str, Any]) -> str:
    col = want["column"]
    definition = f"{col} {want['type']}"
    if want["collation"]:
        definition += f" COLLATE {want['collation']}"
    definition += f" GENERATED ALWAYS AS {_parenthesized(want['expr'])} STORED"
    if want["not_null"]:
        definition += " NOT NULL"
    return f"ALTER TABLE {want['table']} DROP COLUMN {col}, ADD COLUMN {definition}"


def _created_name(sql: str) -> str | None:
    """schema.name of an index, or table.constraint of a constraint, that a statement creates."""
    stmt = _parse(sql)
    if isinstance(stmt, ast.IndexStmt) and stmt.idxname:
        return f"{stmt.relation.schemaname or 'public'}.{stmt.idxname}"
    if isinstance(stmt, ast.AlterTableStmt) and stmt.relation is not None:
        rel = f"{stmt.relation.schemaname or 'public'}.{stmt.relation.relname}"
        for cmd in stmt.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddConstraint and getattr(cmd.def_, "conname", None):
                return f"{rel}.{cmd.def_.conname}"
    return None


# -- inheritance ------------------------------------------------------------------------------------

def inherited_columns(statements: list[str], desired: Snapshot) -> list[str]:
    """migra's CREATE TABLE ... INHERITS repeats the parents' columns, which makes them local to the
    child (attislocal): drop the column definitions the desired child only inherits, then set what
    the child overrides (a default of its own, or none, and NOT NULL) right after it is created."""
    from pglast.stream import RawStream

    inherited = desired.get("inherited") or {}
    if not inherited:
        return statements
    out: list[str] = []
    for sql in statements:
        stmt = _parse(sql)
        if not isinstance(stmt, ast.CreateStmt) or not stmt.inhRelations or stmt.partbound is not None:
            out.append(sql)
            continue
        stmt = sqltree.fresh(sql)  # edited below
        if not isinstance(stmt, ast.CreateStmt):
            out.append(sql)
            continue
        schema = stmt.relation.schemaname or "public"
        columns = inherited.get(f"{schema}.{stmt.relation.relname}", {})
        elements = list(stmt.tableElts or ())
        dropped = [e.colname for e in elements if isinstance(e, ast.ColumnDef) and e.colname in columns]
        if not dropped:
            out.append(sql)
            continue
        stmt.tableElts = tuple(e for e in elements if not (isinstance(e, ast.ColumnDef) and e.colname in dropped)) \
            or None
        out.append(RawStream()(stmt))
        table = f"{_ident(schema)}.{_ident(stmt.relation.relname)}"
        for col in dropped:
            facts = columns[col]
            default, parents = facts["default"], [d for d in facts["parent_defaults"] if d is not None]
            if default is not None and not any(_same_sql(default, d, "SELECT {}") for d in parents):
                out.append(f"ALTER TABLE ONLY {table} ALTER COLUMN {_ident(col)} SET DEFAULT {default}")
            elif default is None and parents:
                out.append(f"ALTER TABLE ONLY {table} ALTER COLUMN {_ident(col)} DROP DEFAULT")
            if facts["not_null"] and not facts["parent_not_null"]:
                out.append(f"ALTER TABLE ONLY {table} ALTER COLUMN {_ident(col)} SET NOT NULL")
    return out

# -- owners and privileges ---------------------------------------------------------------------------

def _explicit_owner(obj: dict[str, Any], desired: Snapshot, named: set[str]) -> bool:
    """An owner the specs ask for: named in the model, or set by the specs' SQL (not the role that
    loaded the desired side, nor the public schema's built-in owner)."""
    if obj["tied"]:
        return False
    return obj["name"] in named or obj["owner"] not in (desired["user"], "pg_database_owner")


def _owners(live: Snapshot, desired: Snapshot, dropped: set[str], named: set[str]) -> dict[str, tuple[str, str]]:
    """Per object (as GRANT names it): its owner in the live database when the plan starts (the
    applying role for objects the plan creates) and when it ends."""
    out = {}
    for target, want in desired["objects"].items():
        have = live["objects"].get(target)
        current = live["user"] if have is None or want["name"] in dropped else have["owner"]
        out[target] = (current, want["owner"] if _explicit_owner(want, desired, named) else current)
    return out


def _owner_statements(desired: Snapshot, owners: dict[str, tuple[str, str]]) -> list[str]:
    rank = {"SCHEMA": 0, "TYPE": 1, "DOMAIN": 1, "SEQUENCE": 2, "FUNCTION": 3, "PROCEDURE": 3}
    out = []
    for target, (current, final) in sorted(owners.items(), key=lambda kv: (rank.get(kv[0].split()[0], 4), kv[0])):
        if current != final:
            want = desired["objects"][target]
            out.append(f"ALTER {want['alter']} {target.split(' ', 1)[1]} OWNER TO {_ident(final)}")
    return out


def _privilege_statements(live: Snapshot, desired: Snapshot, dropped: set[str], readded: set[str],
                          owners: dict[str, tuple[str, str]]) -> list[str]:
    """GRANT and REVOKE per object and grantee. An owner's own entries say nothing (an owner holds
    every privilege): those of the owner on each side and of the owner the plan leaves are left out.
    A changed owner's entries pass to the new owner, so the old one keeps none."""
    out: list[str] = []
    revoked: dict[str, set[tuple[str, str]]] = {}  # table-level revokes take column ones along
    for target, want in sorted(desired["objects"].items()):
        current, final = owners[target]
        have = live["objects"].get(target)
        fresh = have is None or want["name"] in dropped
        have_entries = _new_object_acl(live, want["defkind"], want["schema"]) if fresh else have["acl"]
        have_acl = _acl(have_entries, {current, final})
        want_acl = _acl(want["acl"], {want["owner"], final})
        out += _acl_statements(target, have_acl, want_acl)
        revoked[target] = {k for k in have_acl if k not in want_acl}
    out += _column_privilege_statements(live, desired, dropped, readded, owners, revoked)
    return out


def _column_privilege_statements(live: Snapshot, desired: Snapshot, dropped: set[str], readded: set[str],
                                 owners: dict[str, tuple[str, str]],
                                 revoked: dict[str, set[tuple[str, str]]]) -> list[str]:
    """GRANT SELECT (a, b), UPDATE (b) ON TABLE t TO role: one statement per table, grantee and kind."""
    kinds = ("revoke", "revoke_option", "grant", "grant_option")
    changes: dict[tuple[str, int, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key, want in desired["columns"].items():
        target, col = want["table"], want["column"]
        current, final = owners.get(target, (live["user"], want["owner"]))
        have = live["columns"].get(key)
        gone = have is None or want["name"] in dropped or key in readded
        have_acl = {} if gone else {k: v for k, v in _acl(have["acl"], {current, final}).items()
                                    if k not in revoked.get(target, ())}
        for kind, per_grantee in enumerate(_acl_changes(have_acl, _acl(want["acl"], {want["owner"], final}))):
            for grantee, privileges in per_grantee.items():
                for p in privileges:
                    changes[(target, kind, grantee)][p].append(col)
    out = []
    for (target, kind, grantee), per_priv in sorted(changes.items()):
        ps = ", ".join(f"{p} ({', '.join(sorted(cols))})" for p, cols in
                       sorted(per_priv.items(), key=lambda kv: _PRIVILEGE_ORDER.index(kv[0])))
        who = _grantee(grantee)
        out.append({"revoke": f"REVOKE {ps} ON {target} FROM {who}",
                    "revoke_option": f"REVOKE GRANT OPTION FOR {ps} ON {target} FROM {who}",
                    "grant": f"GRANT {ps} ON {target} TO {who}",
                    "grant_option": f"GRANT {ps} ON {target} TO {who} WITH GRANT OPTION"}[kinds[kind]])
    return out


def _default_privilege_statements(live: Snapshot, desired: Snapshot) -> list[str]:
    """ALTER DEFAULT PRIVILEGES IN SCHEMA of the applying role. Its global default privileges and
    those of other roles are not in the specs and are left alone."""
    schemas = {o["name"] for o in desired["objects"].values() if o["alter"] == "SCHEMA"}
    keys = {(s, k) for (role, s, k) in desired["default_acls"] if role == desired["user"] and s}
    keys |= {(s, k) for (role, s, k) in live["default_acls"] if role == live["user"] and s in schemas}
    out = []
    for schema, kind in sorted(keys):
        have = _acl(live["default_acls"].get((live["user"], schema, kind), ()), set())
        want = _acl(desired["default_acls"].get((desired["user"], schema, kind), ()), set())
        on = f"IN SCHEMA {_ident(schema)}"
        for sql in _acl_statements(_DEFAULT_ACL_OBJECTS[kind], have, want):
            verb, rest = sql.split(" ", 1)
            out.append(f"ALTER DEFAULT PRIVILEGES {on} {verb} {rest}")
    return out


_DATABASE_PRIVILEGES = {"connect": {"CONNECT"}, "temporary": {"TEMPORARY"}, "create": {"CREATE"},
                        "all": {"CONNECT", "TEMPORARY", "CREATE"}}


def _database_statements(live: Snapshot, project: Any) -> list[str]:
    """GRANT/REVOKE ON DATABASE from the specs' `database: grants:` (the desired side is another
    database, so these come from the model): each role named gets exactly its privileges, others
    are left alone."""
    spec = getattr(project, "database", None)
    if spec is None or not spec.grants:
        return []
    db = live["database"]
    named = {("PUBLIC" if r.lower() == "public" else r): ps for r, ps in spec.grants.items()}
    have = {k: v for k, v in _acl(db["acl"], {db["owner"]}).items() if k[0] in named}
    want = {(r, p): False for r, ps in named.items() if r != db["owner"]
            for name in ps for p in _DATABASE_PRIVILEGES.get(name, {name.upper()})}
    # a grant option the specs cannot express is kept, not revoked
    want = {k: have.get(k, v) for k, v in want.items()}
    return _acl_statements(f"DATABASE {db['name']}", have, want)


# -- the plan ---------------------------------------------------------------------------------------

def merge(migra: list[str], live: Snapshot, desired: Snapshot, project: Any = None) -> list[str]:
    """The plan's statements from migra's and both snapshots. `project` (the spec model) says which
    owners the specs name."""
    from .hazards import dropped_objects

    migra = partitions.partitions_in_order(migra, desired.get("partitions"))
    migra = extension_schema_statements(migra, live, desired)
    dropped = dropped_objects(migra)
    out, readded = _generated_changes(migra, live, desired, dropped)
    out = inherited_columns(out, desired)
    out = _place_domains(out, live, desired)
    for name in sorted(set(desired["domains"]) & set(live["domains"])):
        out += _alter_domain(name, live["domains"][name], desired["domains"][name])
    out += statements(live, desired, dropped, readded)
    owners = _owners(live, desired, dropped, _named_owners(project))
    out += _owner_statements(desired, owners)
    out += _privilege_statements(live, desired, dropped, readded, owners)
    out += _default_privilege_statements(live, desired)
    out += _database_statements(live, project)
    out += attoption_statements(live, desired, dropped, readded)
    out += reloption_statements(migra, live, desired, dropped)
    return partitions.partition_statements(out, live.get("partitions"), desired.get("partitions"))


def _named_owners(project: Any) -> set[str]:
    if project is None:
        return set()
    out = set()
    for kind in ("schemas", "enums", "domains", "sequences", "functions", "tables", "views"):
        out |= {name for name, obj in getattr(project, kind, {}).items() if getattr(obj, "owner", None)}
    return out


def statements(live: Snapshot, desired: Snapshot, dropped: set[str] = frozenset(),  # type: ignore[assignment]
               readded: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Comments, FORCE RLS and sequence options, after migra's statements; `dropped` objects
    (schema.name) are dropped and made again by the plan, so whatever comments they have live are
    gone by then, as are those of `readded` columns (`COLUMN s.t.c`)."""
    out: list[str] = []
    live_c, desired_c = live["comments"], desired["comments"]
    for target in sorted(desired_c):
        text, owner = desired_c[target]  # type: ignore[misc]
        gone = owner in dropped or target in readded
        have = None if gone else (live_c.get(target) or (None, None))[0]  # type: ignore[index]
        if text != have:
            out.append(f"COMMENT ON {target} IS {_literal(text)}")
    live_f, desired_f = live["force_rls"], desired["force_rls"]
    for table in sorted(desired_f):
        if bool(desired_f[table]) != bool(live_f.get(table, False)):
            out.append(f"ALTER TABLE {table} {'FORCE' if desired_f[table] else 'NO FORCE'} ROW LEVEL SECURITY")
    live_s, desired_s = live["sequences"], desired["sequences"]
    for seq in sorted(desired_s):
        want, have = desired_s[seq], live_s.get(seq)
        if want == have:
            continue
        typ, start, inc, lo, hi, cache, cycle = want  # type: ignore[misc]
        if have is None and (str(typ), str(start), str(inc), str(lo), str(hi), str(cache), bool(cycle)) \
                == ("bigint", "1", "1", "1", "9223372036854775807", "1", False):
            continue  # new, with the defaults of CREATE SEQUENCE and of a bigint identity: made so already
        clause = (f"AS {typ} INCREMENT BY {inc} MINVALUE {lo} MAXVALUE {hi} START WITH {start} CACHE {cache} "
                  f"{'CYCLE' if cycle else 'NO CYCLE'}")
        # a sequence new in this plan starts where the specs say; a live one keeps its position
        out.append(f"ALTER SEQUENCE {seq} {clause}" + (f" RESTART WITH {start}" if have is None else ""))
    return out


# -- column options (n_distinct, ...) ---------------------------------------------------------------

def attoptions_snapshot(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Per column with user-settable options: its relation, ALTER target, quoted name and options."""
    return {key: {"name": name, "target": target, "column": col, "options": list(opts)}
            for key, name, target, col, opts in conn.execute(ATTOPTIONS_SQL).fetchall() if opts}


def attoption_statements(live: Snapshot, desired: Snapshot, dropped: set[str] = frozenset(),  # type: ignore[assignment]
                         readded: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """ALTER ... ALTER COLUMN c SET (...) / RESET (...) so each column's user options match the specs';
    a relation dropped and made again, or a column re-added, starts with none."""
    have_all: dict[str, dict[str, Any]] = live.get("attoptions", {})  # type: ignore[assignment]
    want_all: dict[str, dict[str, Any]] = desired.get("attoptions", {})  # type: ignore[assignment]
    out = []
    for key in sorted(set(have_all) | set(want_all)):
        want, have = want_all.get(key), have_all.get(key)
        ref = want or have
        assert ref is not None
        if want is None and key not in desired["columns"]:
            continue  # the column (or its relation) goes away
        gone = have is None or ref["name"] in dropped or key in readded
        have_opts = {} if gone or have is None else dict(o.split("=", 1) for o in have["options"])
        want_opts = dict(o.split("=", 1) for o in want["options"]) if want else {}
        reset = sorted(set(have_opts) - set(want_opts))
        changed = [f"{k}={v}" for k, v in sorted(want_opts.items()) if have_opts.get(k) != v]
        alter = f"ALTER {ref['target']} ALTER COLUMN {ref['column']}"
        if reset:
            out.append(f"{alter} RESET ({', '.join(reset)})")
        if changed:
            out.append(f"{alter} SET ({', '.join(changed)})")
    return out


# -- relation options (security_invoker, fillfactor, ...) -------------------------------------------

RELOPTIONS_SQL = f"""
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname), n.nspname || '.' || c.relname,
       coalesce(c.reloptions, '{{}}'::text[])
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_NS} AND c.relkind IN ('r', 'p', 'v', 'm') AND {_not_extension('pg_class', 'c.oid')}
"""

_CREATES_RELATION = re.compile(r'\s*create\s+(?:or\s+replace\s+)?(?:materialized\s+)?(?:view|table)\s+'
                               r'"((?:[^"]|"")+)"\."((?:[^"]|"")+)"', re.IGNORECASE)


def reloptions_snapshot(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Per relation (schema.name): its ALTER word, quoted name and options (name -> value)."""
    return {bare: {"kind": kind, "target": target, "options": dict(o.split("=", 1) for o in opts)}
            for kind, target, bare, opts in conn.execute(RELOPTIONS_SQL).fetchall()}


def reloption_statements(migra: list[str], live: Snapshot, desired: Snapshot,
                         dropped: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """ALTER TABLE/VIEW ... SET (...) / RESET (...) so each relation's options match the specs': migra
    never compares them (a view's security_invoker was lost). A relation the plan creates, or
    replaces (CREATE OR REPLACE VIEW resets its options), starts with none."""
    have_all: dict[str, dict[str, Any]] = live.get("reloptions") or {}  # type: ignore[assignment]
    want_all: dict[str, dict[str, Any]] = desired.get("reloptions") or {}  # type: ignore[assignment]
    if not want_all:
        return []
    made = {f"{m[1].replace(chr(34) * 2, chr(34))}.{m[2].replace(chr(34) * 2, chr(34))}"
            for m in map(_CREATES_RELATION.match, migra) if m}
    out = []
    for name in sorted(want_all):
        want, have = want_all[name], have_all.get(name)
        have_opts = {} if have is None or name in made or name in dropped or have["kind"] != want["kind"] \
            else have["options"]
        reset = sorted(set(have_opts) - set(want["options"]))
        changed = [f"{k}={v}" for k, v in sorted(want["options"].items()) if have_opts.get(k) != v]
        if reset:
            out.append(f"ALTER {want['kind']} {want['target']} RESET ({', '.join(reset)})")
        if changed:
            out.append(f"ALTER {want['kind']} {want['target']} SET ({', '.join(changed)})")
    return out


# -- extensions moved to another schema ------------------------------------------------------------

EXTENSIONS_SQL = """
SELECT e.extname, quote_ident(n.nspname), e.extversion
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"""

_UPDATE_EXTENSION = re.compile(r'\s*alter extension "((?:[^"]|"")+)" update to \'([^\']*)\'', re.IGNORECASE)


def extension_schema_statements(migra: list[str], live: Snapshot, desired: Snapshot) -> list[str]:
    """ALTER EXTENSION ... SET SCHEMA for an extension the specs put in another schema (migra saw the
    difference but only ever wrote `alter extension ... update to` its version, so the plan never
    converged), once the schemas the plan creates exist; migra's update goes when the version is the
    live one."""
    have: dict[str, tuple[str, str]] = live.get("extensions") or {}  # type: ignore[assignment]
    want: dict[str, tuple[str, str]] = desired.get("extensions") or {}  # type: ignore[assignment]
    moves = [f"ALTER EXTENSION {_ident(name)} SET SCHEMA {want[name][0]}" for name in sorted(set(have) & set(want))
             if have[name][0] != want[name][0]]
    if not moves:
        return migra
    out = []
    for sql in migra:
        m = _UPDATE_EXTENSION.match(sql)
        name = m[1].replace('""', '"') if m else None
        if name is not None and name in have and have[name][1] == m[2]:  # type: ignore[index]
            continue
        out.append(sql)
    at = max((i + 1 for i, sql in enumerate(out) if re.match(r"\s*create\s+schema\s", sql, re.IGNORECASE)), default=0)
    return out[:at] + moves + out[at:]
