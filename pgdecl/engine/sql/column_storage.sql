-- Columns whose storage differs from their type's, or that name a compression method: quoted
-- relation, relkind, column, storage (p, e, m, x) or NULL, compression (pglz, lz4) or NULL, and the
-- type's own storage.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, a.attname::text,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
       CASE WHEN a.attcompression <> '' THEN CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END END,
       t.typstorage::text
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.relkind IN ('r', 'm', 'p') AND a.attnum > 0 AND NOT a.attisdropped
   AND (a.attstorage <> t.typstorage OR a.attcompression <> '')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                                               AND e.deptype = 'e')
