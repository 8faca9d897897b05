"""pgdecl's own diff layer for what migra misses: comments and FORCE ROW LEVEL SECURITY.

Both sides are read with the same catalog queries (`live_*` and `desired_*`); statements come out
as COMMENT ON / ALTER TABLE text, appended after migra's, when every object exists."""

from __future__ import annotations

import psycopg

_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\\_%%'"

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


def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def snapshot(conn: psycopg.Connection) -> dict[str, dict[str, object]]:
    """The facts this layer compares, read from one database."""
    return {
        "comments": {r[0]: (r[1], r[2]) for r in conn.execute(COMMENTS_SQL).fetchall()},
        "force_rls": dict(conn.execute(FORCE_RLS_SQL).fetchall()),
        "sequences": {r[0]: tuple(r[1:]) for r in conn.execute(SEQUENCES_SQL).fetchall()},
    }


def statements(live: dict[str, dict[str, object]], desired: dict[str, dict[str, object]],
               dropped: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Statements after migra's; `dropped` objects (schema.name) are dropped and made again by the
    plan, so whatever comments they have live are gone by then."""
    out: list[str] = []
    live_c, desired_c = live["comments"], desired["comments"]
    for target in sorted(desired_c):
        text, owner = desired_c[target]  # type: ignore[misc]
        have = None if owner in dropped else (live_c.get(target) or (None, None))[0]  # type: ignore[index]
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
        clause = (f"AS {typ} INCREMENT BY {inc} MINVALUE {lo} MAXVALUE {hi} START WITH {start} CACHE {cache} "
                  f"{'CYCLE' if cycle else 'NO CYCLE'}")
        # a sequence new in this plan starts where the specs say; a live one keeps its position
        out.append(f"ALTER SEQUENCE {seq} {clause}" + (f" RESTART WITH {start}" if have is None else ""))
    return out
