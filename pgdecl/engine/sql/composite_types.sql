-- Composite types (CREATE TYPE .. AS (...)): (schema, name, quoted name, attributes [quoted name, type,
-- collation when not the type's default] in order, columns of tables using the type).
SELECT n.nspname, t.typname, quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       coalesce((SELECT json_agg(json_build_array(quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                                                  (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                                     FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                                      JOIN pg_type at ON at.oid = a.atttypid
                                                    WHERE co.oid = a.attcollation AND a.attcollation <> at.typcollation))
                                 ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
       (SELECT count(*) FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
         WHERE a.atttypid = t.oid AND NOT a.attisdropped AND r.relkind <> 'c')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid
 WHERE t.typtype = 'c' AND c.relkind = 'c'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
