-- The index each table or materialized view is clustered on (ALTER TABLE ... CLUSTER ON): the
-- relation (quoted), its kind and the index (bare name, quoted).
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, quote_ident(ic.relname)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE i.indisclustered
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
