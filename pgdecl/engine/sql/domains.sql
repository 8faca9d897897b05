-- One row per domain: its base type, collation (when not the base type's), NOT NULL, default and
-- CHECK constraints, and how many columns use it.
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
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND t.typtype = 'd' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
 ORDER BY t.oid
