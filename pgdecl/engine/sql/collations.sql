-- Collations: (schema.name, quoted name, the pg_collation row as json, columns and others using it).
-- The row as json: its columns differ between PostgreSQL versions (colliculocale, colllocale, collicurules).
SELECT n.nspname || '.' || c.collname, quote_ident(n.nspname) || '.' || quote_ident(c.collname),
       to_jsonb(c) - 'oid' - 'collname' - 'collnamespace' - 'collowner' - 'collversion' - 'collencoding',
       (SELECT count(*) FROM pg_depend d WHERE d.refclassid = 'pg_collation'::regclass AND d.refobjid = c.oid
                                           AND d.deptype = 'n')
  FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_collation'::regclass AND e.objid = c.oid
                                               AND e.deptype = 'e')
