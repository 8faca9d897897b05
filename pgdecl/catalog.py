"""Catalog reads pgdecl needs besides migra's: a fingerprint of a live schema, column types, roles."""

from __future__ import annotations

import hashlib

import psycopg

from .attoptions import sql_user_attoptions
from .model import Project

_USER_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%%'"


def _comment(oid: str, catalog: str, subid: str = "0") -> str:
    """obj_description/col_description as a subquery on pg_description's index: the functions, called
    per row, were about 80 ms of 230 at 1,000 tables; a join was planned as a nested loop over the
    whole table when the catalogs' statistics predate the load (as in an apply's transaction)."""
    return (f"(SELECT ds.description FROM pg_description ds WHERE ds.objoid = {oid} "
            f"AND ds.classoid = 'pg_catalog.{catalog}'::regclass AND ds.objsubid = {subid})")


# Every part of a schema a plan can change, as text; hashing it gives the live fingerprint.
FINGERPRINT_SQL = f"""
SELECT 'ns', n.nspname, coalesce(n.nspacl::text, ''), coalesce({_comment('n.oid', 'pg_namespace')}, '')
  FROM pg_namespace n WHERE {_USER_NS}
UNION ALL
SELECT 'rel', n.nspname || '.' || c.relname,
       c.relkind::text || ':' || c.relrowsecurity || c.relforcerowsecurity || ':' || coalesce(c.relacl::text, '')
       || ':' || pg_get_userbyid(c.relowner) || ':' || coalesce(c.reloptions::text, ''),
       coalesce({_comment('c.oid', 'pg_class')}, '')
       || CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) ELSE '' END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')
UNION ALL
SELECT 'col', n.nspname || '.' || c.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull || ':' || a.attidentity::text || ':' || a.attgenerated::text
       || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ':' || coalesce(a.attacl::text, '')
       || ':' || coalesce(co.collname, '') || ':' || array_to_string({sql_user_attoptions('a.attoptions')}, ','),
       coalesce({_comment('a.attrelid', 'pg_class', 'a.attnum')}, '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
 WHERE {_USER_NS} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'con', n.nspname || '.' || c.conname || '@' || coalesce(r.relname, t.typname, ''),
       pg_get_constraintdef(c.oid) || ':' || c.convalidated, coalesce({_comment('c.oid', 'pg_constraint')}, '')
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
  LEFT JOIN pg_class r ON r.oid = c.conrelid LEFT JOIN pg_type t ON t.oid = c.contypid
 WHERE {_USER_NS}
UNION ALL
SELECT 'idx', n.nspname || '.' || c.relname, pg_get_indexdef(i.indexrelid) || ':' || i.indisvalid,
       coalesce({_comment('c.oid', 'pg_class')}, '')
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER_NS}
UNION ALL
SELECT 'fn', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       md5(p.prosrc) || ':' || pg_get_function_result(p.oid) || ':' || p.provolatile::text || p.prosecdef || p.proisstrict
       || ':' || coalesce(p.proacl::text, '') || ':' || coalesce(p.proconfig::text, '') || ':' || pg_get_userbyid(p.proowner),
       coalesce({_comment('p.oid', 'pg_proc')}, '')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_USER_NS} AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')
UNION ALL
SELECT 'type', n.nspname || '.' || t.typname,
       t.typtype::text || ':' || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                       FROM pg_enum e WHERE e.enumtypid = t.oid), '')
       || ':' || coalesce(format_type(t.typbasetype, t.typtypmod), '') || ':' || t.typnotnull
       || ':' || coalesce(t.typdefault, '') || ':' || coalesce(t.typacl::text, ''),
       coalesce({_comment('t.oid', 'pg_type')}, '')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE {_USER_NS} AND t.typtype IN ('e', 'd', 'c')
   AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
UNION ALL
SELECT 'trg', n.nspname || '.' || c.relname || '.' || tg.tgname, pg_get_triggerdef(tg.oid) || ':' || tg.tgenabled::text,
       coalesce({_comment('tg.oid', 'pg_trigger')}, '')
  FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER_NS} AND NOT tg.tgisinternal
UNION ALL
SELECT 'pol', pol.schemaname || '.' || pol.tablename || '.' || pol.policyname,
       pol.permissive || ':' || pol.cmd || ':' || pol.roles::text || ':' || coalesce(pol.qual, '')
       || ':' || coalesce(pol.with_check, ''), ''
  FROM pg_policies pol
UNION ALL
SELECT 'seq', s.schemaname || '.' || s.sequencename,
       s.data_type::text || ':' || s.start_value || ':' || s.increment_by || ':' || s.min_value || ':'
       || s.max_value || ':' || s.cache_size || ':' || s.cycle, ''
  FROM pg_sequences s WHERE s.schemaname NOT IN ('pgdecl')
UNION ALL
SELECT 'ext', e.extname, e.extversion || ':' || n.nspname, ''
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
UNION ALL
SELECT 'dacl', coalesce(n.nspname, '') || ':' || pg_get_userbyid(d.defaclrole) || ':' || d.defaclobjtype::text,
       d.defaclacl::text, ''
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
"""


def live_fingerprint(conn: psycopg.Connection) -> str:
    """A stable hash of everything in the database's user schemas that a plan could change."""
    rows = conn.execute(FINGERPRINT_SQL).fetchall()
    h = hashlib.sha256()
    for row in sorted(rows):
        h.update("\x1f".join(str(x) for x in row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def column_types(conn: psycopg.Connection) -> dict[tuple[str, str], str]:
    rows = conn.execute(f"""
        SELECT n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {_USER_NS} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')""").fetchall()
    return {(t, c): typ for t, c, typ in rows}


def role_statements(conn: psycopg.Connection, project: Project) -> list[str]:
    """CREATE/ALTER ROLE and memberships the live cluster lacks. Roles are cluster-wide: never dropped."""
    from .roles import role_steps

    if not project.roles:
        return []
    live = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT rolname, rolcanlogin, rolinherit, rolbypassrls FROM pg_roles WHERE rolname = ANY(%s)",
        (list(project.roles),))}
    members = conn.execute(
        """SELECT r.rolname, g.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
           JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = ANY(%s)""", (list(project.roles),)).fetchall()
    return role_steps(project.roles, live, members)


INVALID_INDEXES_SQL = f"""
SELECT n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT i.indisvalid AND {_USER_NS}
"""


def invalid_indexes(conn: psycopg.Connection) -> dict[str, str]:
    """Indexes a failed or interrupted CREATE INDEX CONCURRENTLY left INVALID: schema.name -> SQL name."""
    return dict(conn.execute(INVALID_INDEXES_SQL).fetchall())


def check_constraints(conn: psycopg.Connection) -> dict[tuple[str, str], bool]:
    """(quoted table, constraint name) -> validated, for every CHECK and FOREIGN KEY constraint."""
    rows = conn.execute(f"""
        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), co.conname, co.convalidated
          FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE co.contype IN ('c', 'f') AND {_USER_NS}""").fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


# Catalogs whose rows change without any change of schema (statistics, large objects): left out of the signal.
# Roles are read again on every plan (pgdecl.catalog.role_statements; their names and OIDs are in the
# signal's head): their own catalogs and comments are left out too, so that a scratch load on the same
# cluster, which writes the project's role comments again, leaves the live database's signal alone.
_UNSIGNALLED = ("pg_statistic", "pg_statistic_ext_data", "pg_largeobject", "pg_largeobject_metadata",
                "pg_authid", "pg_auth_members")

# Cluster-wide catalogs: only the rows about this database (or none in particular) count, so that
# another database made or dropped on the server (a scratch database, say) changes nothing.
_THIS_DB = "(SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())"
_SIGNAL_ROWS = {
    "pg_database": "datname = current_database()",
    "pg_shdescription": "classoid NOT IN ('pg_catalog.pg_database'::regclass, 'pg_catalog.pg_authid'::regclass)"
                        f" OR (classoid = 'pg_catalog.pg_database'::regclass AND objoid = {_THIS_DB})",
    "pg_shseclabel": f"classoid <> 'pg_catalog.pg_database'::regclass OR objoid = {_THIS_DB}",
    "pg_shdepend": f"dbid IN (0, {_THIS_DB})",
    "pg_db_role_setting": f"setdatabase IN (0, {_THIS_DB})",
    "pg_subscription": f"subdbid = {_THIS_DB}",
}

# the catalogs of the signal: every readable table of pg_catalog but the unsignalled
_CATALOGS_FROM = """
  FROM pg_class c
 WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' AND c.relname <> ALL(%s)
   AND has_table_privilege(c.oid, 'SELECT')"""

_SIGNAL_HEAD_SQL = """
SELECT current_database(), (SELECT oid FROM pg_database WHERE datname = current_database()), current_user,
       version(), current_setting('search_path'), current_setting('citus.shard_count', true),
       pg_postmaster_start_time()::text,
       (SELECT string_agg(oid::text || ':' || rolname, ',' ORDER BY oid) FROM pg_roles),
       array_agg(c.relname::text ORDER BY c.relname)""" + _CATALOGS_FROM

_CATALOGS_SQL = "SELECT array_agg(c.relname::text ORDER BY c.relname)" + _CATALOGS_FROM


def _versions_sql(names: list[str], also: str | None = None) -> str:
    """One query: per catalog of `names` (by its position), the count and a hash sum of its row
    versions' (ctid, xmin), of the rows about this database (_SIGNAL_ROWS) and `also`."""
    parts = []
    for i, name in enumerate(names):
        if not name.replace("_", "").isalnum():
            continue
        conds = [f"({c})" for c in (_SIGNAL_ROWS.get(name), also) if c]
        parts.append(f"SELECT {i}, count(*), sum(hashtext(ctid::text || ':' || xmin::text)::bigint) "
                     f"FROM pg_catalog.{name}" + (f" WHERE {' AND '.join(conds)}" if conds else ""))
    return " UNION ALL ".join(parts)


def others_rows(conn: psycopg.Connection) -> list[tuple[object, ...]]:
    """Per catalog of `catalog_signal`, the count and a hash sum of the row versions that the open
    transaction of `conn` did not write: the same at its start and at its end when no other session
    changed a catalog meanwhile (and the transaction changed no row it had not made)."""
    row = conn.execute(_CATALOGS_SQL, (list(_UNSIGNALLED),)).fetchone()
    names = row[0] if row and row[0] else []
    mine = "xmin <> pg_catalog.xid(pg_catalog.pg_current_xact_id())"
    return sorted(conn.execute(_versions_sql(names, mine)).fetchall())


def catalog_signal(conn: psycopg.Connection) -> str:
    """A cheap hash that changes whenever anything in the database's catalogs does (about 0.1 s at
    1,000 tables, where the fingerprint's pg_get_*def work takes seconds): every readable catalog of
    pg_catalog as its row count and the sum of a hash of each row version's (ctid, xmin). Any DDL
    (or GRANT, COMMENT, ...) writes catalog rows, and a written row is a new version at a new place
    with the writing transaction's id; a deleted one is gone. Statistics catalogs are left out
    (ANALYZE writes them); VACUUM's in-place updates of pg_class and pg_database keep their versions.
    Also in it: the server (its start time), database, user, version, search_path (pg_get_*def output
    depends on it), Citus's default shard count and the roles by OID and name (ACLs and owners are shown by name).
    Of the cluster-wide catalogs only the rows about this database count: making or dropping another
    database (a scratch one) leaves the signal alone."""
    head = conn.execute(_SIGNAL_HEAD_SQL, (list(_UNSIGNALLED),)).fetchone()
    assert head is not None
    try:
        ident_row = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
        system = str(ident_row[0]) if ident_row else ""
    except psycopg.Error:  # not permitted: the server's start time (in the head) tells servers apart
        conn.rollback()
        system = ""
    rows = conn.execute(_versions_sql(head[-1])).fetchall()
    h = hashlib.sha256(system.encode())
    for value in (*head, *sorted(rows)):
        h.update(b"\x1f" + str(value).encode())
    return h.hexdigest()
