-- Storage parameters of tables and materialized views, and the statistics targets of their columns
-- that are not the default. One row per relation: quoted name, relkind, reloptions, {column: target}.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text,
       coalesce(c.reloptions, '{}'::text[]),
       coalesce((SELECT json_object_agg(a.attname, a.attstattarget)
                   FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget >= 0),
                '{}'::json)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                                               AND e.deptype = 'e')
