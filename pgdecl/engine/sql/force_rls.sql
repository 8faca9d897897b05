-- FORCE ROW LEVEL SECURITY of tables: (quoted name, forced).
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relforcerowsecurity
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND c.relkind IN ('r', 'p')
