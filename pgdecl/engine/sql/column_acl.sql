-- Column privileges of every column of a relation (an empty list when it has none).
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       n.nspname || '.' || c.relname, 'TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       quote_ident(a.attname), pg_get_userbyid(c.relowner),
       CASE WHEN a.attacl IS NULL THEN '[]'::json ELSE
            (SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                              x.privilege_type, x.is_grantable)) FROM aclexplode(a.attacl) x) END
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
