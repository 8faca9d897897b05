-- Column options a user can set (n_distinct...), internal ones left out (pgdecl.attoptions): per
-- column (key as in column_acl.sql) the relation's name, its ALTER target and the sorted options.
-- The user_attoptions placeholder below is filled in by pgdecl.attoptions.sql_user_attoptions.
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       n.nspname || '.' || c.relname,
       CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' WHEN 'f' THEN 'FOREIGN TABLE ' ELSE 'TABLE ' END
       || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       quote_ident(a.attname), {user_attoptions}
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm', 'f')
   AND a.attoptions IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
